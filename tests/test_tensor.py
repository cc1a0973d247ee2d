"""Tensor basics: dtypes and promotion, metadata, requires_grad rules, conversions."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as torch


def test_dtype_inference_and_names():
    assert torch.tensor([1.0, 2.0]).dtype is torch.float32
    assert torch.tensor([1, 2]).dtype is torch.int64
    assert torch.tensor([True]).dtype is torch.bool
    assert torch.tensor(np.array([1.0])).dtype is torch.float64
    assert repr(torch.float32) == "chainrule.float32"
    assert torch.float is torch.float32 and torch.long is torch.int64


@pytest.mark.parametrize("a,b,expected", [
    ([1, 2], 2.5, "float32"), ([1.0], np.array([1.0]), "float64"), ([True], 1, "int64"),
    ([1], True, "int64"), ([1.0], 1, "float32"),
])
def test_promotion_with_scalars(a, b, expected):
    t = torch.tensor(a)
    other = torch.tensor(b) if isinstance(b, np.ndarray) else b
    assert (t * other).dtype.name == expected


def test_promotion_dim_vs_zero_dim():
    f32 = torch.tensor([1.0, 2.0])
    f64_scalar = torch.tensor(1.0, dtype=torch.float64)
    assert (f32 + f64_scalar).dtype is torch.float32
    assert (torch.tensor([1, 2]) + torch.tensor(1.5)).dtype is torch.float32
    assert (f32 + torch.tensor([1.0], dtype=torch.float64)).dtype is torch.float64
    assert (torch.tensor([1, 2]) / torch.tensor([2, 2])).dtype is torch.float32
    assert torch.promote_types(torch.int64, torch.float32) is torch.float32


def test_promotion_matches_torch():
    pt = pytest.importorskip("torch")
    names = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
    for a in names:
        for b in names:
            ours = torch.promote_types(getattr(torch, a), getattr(torch, b))
            theirs = pt.promote_types(getattr(pt, a), getattr(pt, b))
            assert ours.name == str(theirs).split(".")[1], (a, b)


def test_metadata():
    t = torch.zeros(2, 3)
    assert t.shape == (2, 3) and t.size() == (2, 3) and t.size(-1) == 3
    assert repr(t.shape) == "chainrule.Size([2, 3])"
    assert t.dim() == 2 and t.ndim == 2 and t.numel() == 6 and len(t) == 2
    assert str(t.device) == "cpu"
    assert t.is_leaf and not t.requires_grad and t.grad_fn is None
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range "
                                         r"of \[-2, 1\], but got 2\)"):
        t.size(2)


def test_requires_grad_only_for_floating_dtypes():
    with pytest.raises(RuntimeError, match="^only Tensors of floating point dtype can require "
                                           "gradients$"):
        torch.tensor([1, 2]).requires_grad_()
    with pytest.raises(RuntimeError, match="only Tensors of floating point"):
        torch.tensor([1, 2], requires_grad=True)


def test_requires_grad_of_non_leaf_cannot_be_cleared():
    y = torch.tensor(1.0, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="^you can only change requires_grad flags of leaf "
                                           "variables."):
        y.requires_grad = False
    assert not y.is_leaf


def test_grad_setter_checks():
    x = torch.zeros(2, requires_grad=True)
    x.grad = torch.ones(2)
    assert x.grad.tolist() == [1.0, 1.0]
    with pytest.raises(RuntimeError, match="assigned grad has data of a different size"):
        x.grad = torch.ones(3)
    x.grad = None
    assert x.grad is None


def test_detach_shares_storage():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    d = x.detach()
    assert not d.requires_grad and d.grad_fn is None
    d.add_(1)
    assert x.tolist() == [2.0, 3.0]
    y = x * 2
    y.detach_()
    assert y.is_leaf and not y.requires_grad


def test_numpy_item_tolist_and_scalars():
    x = torch.tensor([[1.0, 2.0]])
    a = x.numpy()
    a[0, 0] = 5.0
    assert x.tolist() == [[5.0, 2.0]]
    with pytest.raises(RuntimeError, match="^Can't call numpy\\(\\) on Tensor that requires "
                                           "grad. Use tensor.detach\\(\\).numpy\\(\\) instead.$"):
        torch.tensor([1.0], requires_grad=True).numpy()
    with pytest.raises(RuntimeError, match="^a Tensor with 2 elements cannot be converted to "
                                           "Scalar$"):
        x.item()
    assert torch.tensor([[3.5]]).item() == 3.5
    assert float(torch.tensor(2.5)) == 2.5 and int(torch.tensor(7)) == 7
    assert bool(torch.tensor([1.0])) is True
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(torch.tensor([1.0, 2.0]))
    assert np.asarray(torch.tensor([1, 2])).tolist() == [1, 2]


def test_from_numpy_as_tensor_share_memory_and_dlpack():
    a = np.arange(3.0)
    t = torch.from_numpy(a)
    a[0] = 9
    assert t[0].item() == 9.0 if hasattr(torch.Tensor, "__getitem__") else t.tolist()[0] == 9.0
    assert torch.as_tensor(a)._data is a
    b = np.from_dlpack(torch.tensor([1.0, 2.0]))
    assert b.tolist() == [1.0, 2.0]
    c = torch.from_dlpack(np.array([3.0, 4.0]))
    assert c.tolist() == [3.0, 4.0]


def test_comparisons_return_bool_tensors():
    a = torch.tensor([1.0, 2.0, 3.0])
    for r in (a > 2, a >= 2, a < 2, a <= 2, a == 2, a != 2):
        assert r.dtype is torch.bool
    assert (a == 2).tolist() == [False, True, False]


def test_creation_functions_take_dtype_and_requires_grad():
    for make in (lambda **k: torch.zeros(2, 3, **k), lambda **k: torch.ones((2,), **k),
                 lambda **k: torch.full((2,), 1.5, **k), lambda **k: torch.empty(2, **k),
                 lambda **k: torch.arange(3.0, **k), lambda **k: torch.linspace(0, 1, 5, **k),
                 lambda **k: torch.logspace(0, 1, 3, **k), lambda **k: torch.eye(2, **k),
                 lambda **k: torch.zeros_like(torch.ones(2), **k),
                 lambda **k: torch.ones_like(torch.ones(2), **k),
                 lambda **k: torch.full_like(torch.ones(2), 3.0, **k),
                 lambda **k: torch.tensor([1.0], **k)):
        t = make(dtype=torch.float64, requires_grad=True)
        assert t.dtype is torch.float64 and t.requires_grad and t.is_leaf


def test_creation_matches_torch():
    pt = pytest.importorskip("torch")
    cases = [
        lambda L: L.arange(5), lambda L: L.arange(1, 4, 0.5), lambda L: L.arange(0, -3, -1),
        lambda L: L.linspace(-1, 1, 7), lambda L: L.logspace(0, 2, 5), lambda L: L.eye(2, 3),
        lambda L: L.full((2,), 7), lambda L: L.full((2,), 1.5), lambda L: L.zeros(0, 3),
        lambda L: L.tensor([[1, 2], [3, 4]], dtype=L.float64), lambda L: L.linspace(0, 10, 4),
    ]
    for make in cases:
        a, b = make(torch), make(pt)
        assert a.dtype.name == str(b.dtype).split(".")[1]
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_len_and_iteration_follow_the_first_dimension():
    x = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    rows = list(x)
    assert len(rows) == 2 and rows[1].tolist() == [3.0, 4.0]
    sum(r.sum() * (i + 1) for i, r in enumerate(rows)).backward()
    assert x.grad.tolist() == [[1.0, 1.0], [2.0, 2.0]]
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        iter(torch.tensor(1.0))
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(torch.tensor(1.0))


def test_dtype_inference_from_numpy_scalars_matches_torch():
    pt = pytest.importorskip("torch")
    for v in [np.float64(2.0), np.float32(2), np.int32(3), [np.float64(1.0), 2.0],
              [np.int32(1), 2], np.bool_(True), [np.float16(1)], [[1, 2.5]], [True, 1]]:
        assert torch.tensor(v).dtype.name == str(pt.tensor(v).dtype).split(".")[1], v
