"""In-place ops: values, version counters, history rebasing, and PyTorch's errors."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as torch


def test_inplace_on_leaf_requiring_grad_raises():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    for op in (lambda: x.add_(1), lambda: x.mul_(2), lambda: x.zero_(), lambda: x.exp_()):
        with pytest.raises(RuntimeError, match="^a leaf Variable that requires grad is being "
                                               "used in an in-place operation.$"):
            op()
    with pytest.raises(RuntimeError, match="leaf Variable"):
        x += 1
    assert x.tolist() == [1.0, 2.0]  # nothing was written


def test_inplace_on_leaf_under_no_grad_updates_weights():
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    with torch.no_grad():
        w -= 0.5 * w.grad
    assert w.tolist() == [0.0, 0.0]
    assert w.requires_grad and w.is_leaf and w.grad_fn is None


@pytest.mark.parametrize("name,args,expected", [
    ("add_", (1.0,), [2.0, 3.0]), ("sub_", (1.0,), [0.0, 1.0]), ("mul_", (3.0,), [3.0, 6.0]),
    ("div_", (2.0,), [0.5, 1.0]), ("pow_", (2,), [1.0, 4.0]), ("neg_", (), [-1.0, -2.0]),
    ("fill_", (7.0,), [7.0, 7.0]), ("zero_", (), [0.0, 0.0]),
])
def test_inplace_values_and_version(name, args, expected):
    t = torch.tensor([1.0, 2.0])
    v = t._version
    assert getattr(t, name)(*args) is t
    assert t.tolist() == expected
    assert t._version == v + 1


def test_inplace_exp_clamp_relu_copy():
    t = torch.tensor([-1.0, 0.5, 2.0])
    t.clamp_(-0.5, 1.0)
    assert t.tolist() == [-0.5, 0.5, 1.0]
    t.relu_()
    assert t.tolist() == [0.0, 0.5, 1.0]
    t.exp_()
    np.testing.assert_allclose(t.numpy(), np.exp([0.0, 0.5, 1.0]), rtol=1e-6)
    t.copy_(torch.tensor([4.0]))
    assert t.tolist() == [4.0, 4.0, 4.0]


def test_augmented_operators_keep_identity():
    t = torch.tensor([1.0, 2.0])
    ref = t
    t += 1
    t -= 0.5
    t *= 2
    t /= 3
    assert t is ref
    np.testing.assert_allclose(t.numpy(), [1.0, 5.0 / 3])


def test_inplace_int_tensor_refuses_float_result():
    t = torch.tensor([1, 2])
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired "
                                           "output type Long"):
        t += 1.5
    assert t.tolist() == [1, 2]


def test_inplace_on_non_leaf_is_differentiable():
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    y.mul_(x)          # y = 2x * x
    y.add_(1)
    assert type(y.grad_fn).__name__ == "AddBackward0"
    y.sum().backward()
    assert x.grad.tolist() == [4.0, 8.0, 12.0]


def test_inplace_exp_on_non_leaf_uses_its_result():
    x = torch.tensor([0.0, 1.0], requires_grad=True)
    y = x * 1
    y.exp_()
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.exp([0.0, 1.0]), rtol=1e-6)


def test_non_leaf_without_grad_becomes_part_of_graph():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    buf = torch.zeros(2)
    buf.add_(x * 3)
    assert buf.requires_grad and not buf.is_leaf
    buf.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_modified_saved_tensor_raises_with_location():
    a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = a.exp()
    b.add_(1)
    with pytest.raises(RuntimeError) as e:
        b.sum().backward()
    msg = str(e.value)
    assert msg.startswith(
        "one of the variables needed for gradient computation has been modified by an "
        "inplace operation: [torch.FloatTensor [3]], which is output 0 of Exp, is at version "
        "1; expected version 0 instead. Hint:")
    assert "saved by ExpBackward0" in msg and "test_inplace.py:" in msg


def test_modified_input_of_mul_raises():
    a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    c = a * 1
    b = c * c
    c.add_(1)
    with pytest.raises(RuntimeError, match="output 0 of Add"):
        b.sum().backward()


def test_detach_shares_version_counter():
    a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = a * a
    a.detach().add_(1)
    with pytest.raises(RuntimeError, match=r"\[torch.FloatTensor \[3\]\] is at version 1"):
        b.sum().backward()


def test_error_message_matches_torch():
    pt = pytest.importorskip("torch")
    msgs = []
    for lib in (torch, pt):
        a = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        b = a.exp()
        b.add_(1)
        with pytest.raises(RuntimeError) as e:
            b.sum().backward()
        msgs.append(str(e.value))
    assert msgs[0].startswith(msgs[1])


def test_unmodified_add_inplace_keeps_gradients_right_vs_torch():
    pt = pytest.importorskip("torch")
    out = []
    for lib in (torch, pt):
        x = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
        y = x.tanh()
        z = y * 3
        z.add_(x)
        z.mul_(2)
        (z * z).sum().backward()
        out.append(x.grad.numpy().copy())
    np.testing.assert_allclose(out[0], out[1], rtol=1e-6)


def test_inplace_through_views_of_non_leaf_matches_torch():
    pt = pytest.importorskip("torch")
    out = []
    for lib in (torch, pt):
        x = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
        y = x * 2
        y[0] += 1
        y[:, 1].mul_(x[:, 0])
        y[1:] = y[:-1] * 2
        (y * y).sum().backward()
        out.append((x.grad.numpy().copy(), y.detach().numpy().copy()))
    np.testing.assert_allclose(out[0][0], out[1][0], rtol=1e-6)
    np.testing.assert_allclose(out[0][1], out[1][1], rtol=1e-6)


def test_inplace_on_view_of_leaf_raises():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="^a view of a leaf Variable that requires grad is "
                                           "being used in an in-place operation.$"):
        x[0].mul_(2)
