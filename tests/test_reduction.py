"""Reductions: ties, NaN, errors and messages, return types, and gradients the op database
cannot check numerically (PyTorch's choice of subgradient at ties)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import chainrule

torch = pytest.importorskip("torch")


def _both(fn, data, dtype="float64", grad_weights=None):
    """Run ``fn(lib, x)`` on chainrule and torch; compare outputs and the gradient of x."""
    res = []
    for lib in (chainrule, torch):
        x = lib.tensor(np.asarray(data), dtype=getattr(lib, dtype), requires_grad=True)
        out = fn(lib, x)
        outs = list(out) if isinstance(out, tuple) else [out]
        diff = [o for o in outs if o.requires_grad]
        w = grad_weights or [np.ones(tuple(o.shape)) for o in diff]
        seeds = [lib.tensor(wi, dtype=o.dtype) for wi, o in zip(w, diff, strict=True)]
        (g,) = lib.autograd.grad(diff, [x], seeds, allow_unused=True)
        res.append((outs, g))
    (c_outs, c_g), (t_outs, t_g) = res
    for c, t in zip(c_outs, t_outs, strict=True):
        assert str(c.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
        np.testing.assert_allclose(c.detach().numpy(), t.detach().numpy(), equal_nan=True)
    if t_g is None:
        assert c_g is None or not np.any(c_g.numpy())
    else:
        np.testing.assert_allclose(c_g.numpy(), t_g.numpy(), equal_nan=True, atol=1e-12)
    return c_outs, c_g


def _same_error(fn, data):
    """``fn(lib, x)`` raises the same exception type and message in chainrule and torch."""
    errs = []
    for lib in (chainrule, torch):
        x = lib.tensor(np.asarray(data))
        with pytest.raises(Exception) as info:
            fn(lib, x)
        errs.append(info.value)
    c, t = errs
    assert type(c) is type(t), (c, t)
    assert str(c) == str(t)


TIES3 = [[1.0, 3.0, 3.0, 3.0], [2.0, -1.0, 2.0, 2.0], [0.5, 0.5, 0.5, 0.5]]


# ------------------------------------------------------------------------------- ties
@pytest.mark.parametrize("fn", [
    lambda lib, x: x.max(),
    lambda lib, x: x.min(),
    lambda lib, x: x.amax(),
    lambda lib, x: x.amax(1),
    lambda lib, x: x.amin((0, 1), keepdim=True),
    lambda lib, x: x.amin(0),
    lambda lib, x: tuple(x.aminmax()),
    lambda lib, x: tuple(x.aminmax(dim=1)),
    lambda lib, x: x.median(),
    lambda lib, x: x.norm(float("inf")),
    lambda lib, x: x.norm(float("inf"), dim=1),
], ids=["max", "min", "amax", "amax-dim", "amin-tuple", "amin-dim", "aminmax", "aminmax-dim",
        "median", "norm-inf", "norm-inf-dim"])
def test_even_split_among_ties(fn):
    _both(fn, TIES3)


@pytest.mark.parametrize("fn", [
    lambda lib, x: tuple(x.max(1)),
    lambda lib, x: tuple(x.max(0, keepdim=True)),
    lambda lib, x: tuple(x.min(-1)),
    lambda lib, x: tuple(x.median(1)),
    lambda lib, x: tuple(x.median(0)),
], ids=["max", "max-keepdim", "min", "median", "median-dim0"])
def test_index_reductions_pick_torch_index(fn):
    _both(fn, TIES3)


def test_median_ties_pick_torch_index_on_larger_inputs():
    rng = np.random.default_rng(0)
    for n in (2, 5, 8, 17, 64):
        a = rng.integers(0, 4, size=(6, n)).astype(np.float64)
        c = chainrule.tensor(a).median(1)
        t = torch.tensor(a).median(1)
        np.testing.assert_array_equal(c.indices.numpy(), t.indices.numpy())
        np.testing.assert_array_equal(c.values.numpy(), t.values.numpy())


def test_nan_propagates_like_torch():
    nan = math.nan
    data = [[1.0, nan, 5.0, nan, 2.0], [3.0, 1.0, 2.0, 0.0, 1.0]]
    for fn in (lambda lib, x: tuple(x.max(1)), lambda lib, x: tuple(x.min(1)),
               lambda lib, x: tuple(x.median(1)), lambda lib, x: x.argmax(1),
               lambda lib, x: x.argmin(1), lambda lib, x: x.amax(1)):
        c = fn(chainrule, chainrule.tensor(data, dtype=chainrule.float64))
        t = fn(torch, torch.tensor(data, dtype=torch.float64))
        c, t = (c, t) if isinstance(c, tuple) else ((c,), (t,))
        for a, b in zip(c, t, strict=True):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    _both(lambda lib, x: x.max(), data)
    _both(lambda lib, x: x.median(), data)


# ------------------------------------------------------------------------ zeros and kinks
def test_norm_and_std_gradients_are_zero_at_zero():
    z = np.zeros((2, 3))
    for fn in (lambda lib, x: x.norm(), lambda lib, x: x.norm(dim=1), lambda lib, x: x.norm(3),
               lambda lib, x: x.norm(1.5, dim=0), lambda lib, x: x.norm(0.5),
               lambda lib, x: x.std(1), lambda lib, x: x.std()):
        _, g = _both(fn, z)
        assert not np.isnan(g.numpy()).any()


def test_norm_zero_order_has_no_gradient():
    x = chainrule.tensor([[1.0, 0.0], [2.0, 3.0]], requires_grad=True)
    x.norm(0).backward()
    assert x.grad is None


@pytest.mark.parametrize("data", [
    [[2.0, 0.0, 3.0, 0.0, 4.0], [1.0, 2.0, 0.0, 3.0, 4.0]],
    [[0.0, 0.0, 1.0], [1.0, 1.0, 0.0]],
    [[0.0, 2.0, 3.0], [-1.0, 0.5, 2.0]],
])
def test_products_with_zeros(data):
    w = [np.arange(1.0, 1.0 + np.size(data)).reshape(np.shape(data))]
    _both(lambda lib, x: x.cumprod(1), data, grad_weights=w)
    _both(lambda lib, x: x.cumprod(0), data, grad_weights=w)
    _both(lambda lib, x: x.prod(1), data, grad_weights=[np.array([1.0, 2.0])])
    _both(lambda lib, x: x.prod(), data)


def test_second_derivative_of_products_with_zeros_matches_torch():
    data = [[2.0, 0.0, 3.0, 1.5], [1.0, 2.0, 0.0, 0.0]]
    for name in ("prod", "cumprod"):
        res = []
        for lib in (chainrule, torch):
            x = lib.tensor(data, dtype=lib.float64, requires_grad=True)
            y = x.prod(1) if name == "prod" else x.cumprod(1)
            (g,) = lib.autograd.grad(y, x, lib.ones_like(y), create_graph=True)
            (h,) = lib.autograd.grad((g * g).sum(), x)
            res.append((g.detach().numpy(), h.numpy()))
        np.testing.assert_allclose(res[0][0], res[1][0])
        np.testing.assert_allclose(res[0][1], res[1][1])


def test_softmax_and_logsumexp_are_stable():
    big = [[1000.0, 1000.0, -1000.0], [-1e4, 0.0, 1e4]]
    outs, g = _both(lambda lib, x: x.softmax(1), big, dtype="float32")
    assert np.isfinite(outs[0].detach().numpy()).all()
    _both(lambda lib, x: x.log_softmax(1), big, dtype="float32")
    _both(lambda lib, x: x.logsumexp(1), big, dtype="float32")
    _both(lambda lib, x: x.logsumexp((0, 1)), [[-math.inf, -math.inf]])


def test_var_with_too_few_degrees_of_freedom():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _both(lambda lib, x: x.var(1, correction=4), [[1.0, 2.0, 3.0]])
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        chainrule.tensor([1.0]).var()


# ------------------------------------------------------------------------ return types
def test_return_types():
    x = chainrule.tensor([[1.0, 5.0], [7.0, 2.0]])
    r = x.max(1)
    assert isinstance(r, tuple)
    values, indices = r
    assert r.values is values and r.indices is indices
    assert indices.dtype is chainrule.int64
    assert type(r).__name__ == "max" and type(x.min(0)).__name__ == "min"
    assert repr(r).startswith("chainrule.return_types.max(\nvalues=tensor([5., 7.]),\nindices=")
    mm = chainrule.aminmax(x)
    assert mm.min.item() == 1.0 and mm.max.item() == 7.0
    assert chainrule.median(x, 0).values.tolist() == [1.0, 2.0]
    assert x.max(dim=0, keepdim=True).values.shape == (1, 2)


def test_max_with_tensor_is_maximum():
    if "maximum" not in chainrule.ops.OPS:
        pytest.skip("maximum is not registered yet")
    a = chainrule.tensor([1.0, 5.0])
    b = chainrule.tensor([3.0, 2.0])
    assert chainrule.max(a, b).tolist() == [3.0, 5.0]
    assert a.min(b).tolist() == [1.0, 2.0]


# ----------------------------------------------------------------------- sum internals
def test_sum_and_mean_backward_broadcast_without_copying():
    x = chainrule.tensor(np.ones((3, 4)), requires_grad=True)
    for y in (x.sum(), x.sum(1), x.mean(), x.mean(0, keepdim=True)):
        (g,) = y.grad_fn(chainrule.ones_like(y))
        assert g.shape == (3, 4)
        assert 0 in g.stride()


def test_grad_fn_names():
    x = chainrule.tensor(np.ones((3, 4)), requires_grad=True)
    assert type(x.sum().grad_fn).__name__ == "SumBackward0"
    assert type(x.sum(dim=None).grad_fn).__name__ == "SumBackward1"
    assert type(x.sum(dtype=chainrule.float64).grad_fn).__name__ == "SumBackward0"
    assert type(x.mean(dim=None).grad_fn).__name__ == "MeanBackward1"
    assert type(x.norm().grad_fn).__name__ == "LinalgVectorNormBackward0"
    y = x.float().softmax(1, dtype=chainrule.float64)
    assert type(y.grad_fn.next_functions[0][0]).__name__ == "ToCopyBackward0"


def test_axis_alias():
    x = chainrule.tensor([[1.0, 5.0], [7.0, 2.0]])
    assert x.sum(axis=1).tolist() == [6.0, 9.0]
    assert x.max(axis=0).values.tolist() == [7.0, 5.0]
    assert x.mean(axis=0).tolist() == [4.0, 3.5]


# ----------------------------------------------------------------------------- errors
@pytest.mark.parametrize("fn,data", [
    (lambda lib, x: x.mean(), [1, 2]),
    (lambda lib, x: x.var(), [1, 2]),
    (lambda lib, x: x.std(), [1, 2]),
    (lambda lib, x: x.norm(), [1, 2]),
    (lambda lib, x: x.softmax(0), [1, 2]),
    (lambda lib, x: x.softmax(0), [[1, 2]]),
    (lambda lib, x: x.log_softmax(-1), [[1, 2]]),
    (lambda lib, x: x.sum(2), [[1.0]]),
    (lambda lib, x: x.sum((0, 0)), [[1.0]]),
    (lambda lib, x: x.amax((1, -1)), [[1.0]]),
    (lambda lib, x: x.max(5), [[1.0]]),
    (lambda lib, x: x.cumsum(-3), [[1.0]]),
    (lambda lib, x: x.softmax(2), [[1.0]]),
    (lambda lib, x: x.max(), np.zeros((0,))),
    (lambda lib, x: x.min(), np.zeros((2, 0))),
    (lambda lib, x: x.max(1), np.zeros((2, 0))),
    (lambda lib, x: x.amax(), np.zeros((0,))),
    (lambda lib, x: x.amin(1), np.zeros((2, 0))),
    (lambda lib, x: x.argmax(), np.zeros((0,))),
    (lambda lib, x: x.argmin(1), np.zeros((2, 0))),
    (lambda lib, x: x.median(1), np.zeros((2, 0))),
    (lambda lib, x: lib.aminmax(x), np.zeros((0,))),
    (lambda lib, x: x.norm(float("inf")), np.zeros((0,))),
    (lambda lib, x: x.norm("nuc"), [1.0, 2.0]),
    (lambda lib, x: x.norm("abc"), [1.0, 2.0]),
    (lambda lib, x: x.norm(dim=(0, 1, 2)), np.ones((2, 2, 2))),
    (lambda lib, x: x.argmax(dim=(0, 1)), np.ones((2, 2))),
], ids=lambda v: "" if callable(v) else None)
def test_errors_match_torch(fn, data):
    _same_error(fn, data)


def test_empty_reductions_match_torch():
    for fn in (lambda lib, x: x.sum(), lambda lib, x: x.prod(), lambda lib, x: x.norm(),
               lambda lib, x: x.logsumexp(0), lambda lib, x: x.sum(1),
               lambda lib, x: x.count_nonzero()):
        c = fn(chainrule, chainrule.zeros(0, 3))
        t = fn(torch, torch.zeros(0, 3))
        assert tuple(c.shape) == tuple(t.shape)
        np.testing.assert_allclose(c.numpy(), t.numpy())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert math.isnan(chainrule.zeros(0).mean().item())
        assert math.isnan(chainrule.zeros(0).median().item())
