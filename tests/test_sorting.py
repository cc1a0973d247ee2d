"""Sorting, searching, sets and the nan/paired reductions: what the op database cannot
express — PyTorch's order among ties in long rows, errors and messages, return types,
nodes whose backward raises, Python-bool results, degenerate variances."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import chainrule

torch = pytest.importorskip("torch")

_RNG = np.random.default_rng(2024)


def _pair(data, dtype="float64", requires_grad=False):
    return [lib.tensor(np.asarray(data), dtype=getattr(lib, dtype), requires_grad=requires_grad)
            for lib in (chainrule, torch)]


def _flat(out) -> list:
    if isinstance(out, (tuple, list)):
        return [x for o in out for x in _flat(o)]
    return [out]


def _same(fn, *data, dtype="float64"):
    """``fn(lib, *tensors)`` on both libraries: values, dtypes and shapes must agree."""
    args = [_pair(d, dtype) if np.asarray(d).dtype.kind == "f" else
            [lib.tensor(np.asarray(d)) for lib in (chainrule, torch)] for d in data]
    c = _flat(fn(chainrule, *[a[0] for a in args]))
    t = _flat(fn(torch, *[a[1] for a in args]))
    assert len(c) == len(t)
    for x, y in zip(c, t, strict=True):
        assert str(x.dtype).split(".")[-1] == str(y.dtype).split(".")[-1]
        np.testing.assert_array_equal(x.numpy(), y.numpy())


def _same_error(fn):
    errors = []
    for lib in (chainrule, torch):
        with pytest.raises(Exception) as info:
            fn(lib)
        errors.append((type(info.value), str(info.value).split("\n")[0]))
    assert errors[0] == errors[1]


def _tied(*shape, k=3, nan=False):
    x = _RNG.integers(0, k, size=shape).astype(np.float64)
    if nan:
        x.flat[_RNG.integers(0, x.size, size=max(1, x.size // 6))] = np.nan
    return x


# ------------------------------------------------------------------- ties, as PyTorch
@pytest.mark.parametrize("n", [17, 40, 300])
@pytest.mark.parametrize("nan", [False, True])
def test_unstable_sort_orders_ties_as_pytorch(n, nan):
    x = _tied(4, n, nan=nan)
    _same(lambda lib, t: (lib.sort(t), lib.sort(t, descending=True), lib.argsort(t, 0)), x)
    _same(lambda lib, t: lib.sort(t, descending=True, stable=True), x)


def test_sort_radix_path_of_long_integer_vectors():
    # from 32768 elements PyTorch sorts a 1-d integer tensor ascending with a (stable) radix
    # sort; descending, and below that size, with std::sort
    for n in (32767, 32768):
        _same(lambda lib, t: (lib.sort(t), lib.sort(t, descending=True)),
              _RNG.integers(0, 5, size=n))


@pytest.mark.parametrize("n", [20, 130, 700])
def test_topk_kthvalue_mode_ties_as_pytorch(n):
    x = _tied(3, n, nan=n == 130)
    for k in sorted({1, 2, max(n // 64, 1), n // 3, n}):
        for largest in (True, False):
            for srt in (True, False):
                _same(lambda lib, t, k=k, a=largest, s=srt: lib.topk(t, k, largest=a, sorted=s),
                      x)
        _same(lambda lib, t, k=k: lib.kthvalue(t, k, 1, True), x)
    _same(lambda lib, t: (lib.mode(t), lib.mode(t, 0)), x)
    _same(lambda lib, t: lib.mode(t), _tied(3, n, k=4).astype(np.int64))


def test_gradients_at_ties_go_where_pytorch_sends_them():
    x = _tied(3, 40, nan=False)
    w = _RNG.uniform(0.5, 1.5, size=(3, 40))
    grads = []
    for lib in (chainrule, torch):
        t = lib.tensor(x, requires_grad=True)
        outs = [lib.sort(t).values, lib.topk(t, 5).values, lib.kthvalue(t, 7).values,
                lib.mode(t).values, lib.cummax(t, 1).values, lib.cummin(t, 0).values]
        loss = sum((o * lib.tensor(w[..., :o.shape[-1]] if o.ndim == 2 else w[:, 0])).sum()
                   for o in outs)
        (g,) = lib.autograd.grad(loss, [t])
        grads.append(g.numpy())
    np.testing.assert_allclose(grads[0], grads[1])


def test_unique_nan_inverse_follows_pytorchs_sort():
    # NaNs are each a group of their own, numbered in the order PyTorch's unstable sort
    # leaves them
    _same(lambda lib, t: lib.unique(t, return_inverse=True, return_counts=True),
          _tied(2, 3, 4, nan=True))
    _same(lambda lib, t: lib.unique(t), np.array([-0.0, 0.0, 0.0]))
    _same(lambda lib, t: lib.unique(t), np.array([0.0, -0.0]))


def test_searchsorted_nan_in_sequence_as_pytorch():
    seq = np.array([1.0, 2.0, np.nan])
    for right in (False, True):
        _same(lambda lib, s, v, r=right: lib.searchsorted(s, v, right=r), seq,
              np.array([np.nan, 3.0, 2.0, 0.0]))


# ---------------------------------------------------------------- types and nodes
def test_return_types():
    x = chainrule.tensor([[3.0, 1.0, 2.0]])
    for name, res in [("sort", x.sort()), ("topk", x.topk(2)), ("kthvalue", x.kthvalue(1)),
                      ("mode", x.mode()), ("cummax", x.cummax(1)), ("cummin", x.cummin(1))]:
        values, indices = res
        assert res.values is values and res.indices is indices
        assert indices.dtype == chainrule.int64
        assert repr(res).startswith(f"chainrule.return_types.{name}(\nvalues=")


def test_grad_fn_names():
    x = chainrule.randn(20, requires_grad=True)
    assert type(x.sort().values.grad_fn).__name__ == "SortBackward0"
    for stable in (None, False, True):  # any ``stable=`` selects PyTorch's other overload
        assert type(x.sort(stable=stable).values.grad_fn).__name__ == "SortBackward1"
    assert type(x.msort().grad_fn).__name__ == "SortBackward0"
    assert type(x.nanmean().grad_fn).__name__ == "DivBackward0"
    assert [type(o.grad_fn).__name__ for o in chainrule.std_mean(x)] == ["StdMeanBackward0"] * 2


@pytest.mark.parametrize("call", [
    lambda lib, x: lib.unique(x),
    lambda lib, x: lib.unique(x, dim=0),
    lambda lib, x: lib.unique_consecutive(x),
    lambda lib, x: lib.unique_consecutive(x, dim=1),
])
def test_unique_records_a_node_whose_backward_raises(call):
    res = []
    for lib in (chainrule, torch):
        x = lib.tensor([[1.0, 2.0], [1.0, 2.0]], requires_grad=True)
        out = call(lib, x)
        name = type(out.grad_fn).__name__ if lib is chainrule else out.grad_fn.name()
        with pytest.raises(NotImplementedError) as info:
            out.sum().backward()
        res.append((name, str(info.value)))
    assert res[0] == res[1]


def test_bincount_with_weights_that_require_grad():
    w = chainrule.tensor([1.0, 2.0, 3.0], requires_grad=True)
    out = chainrule.bincount(chainrule.tensor([0, 1, 1]), w)
    assert out.grad_fn.name() == "torch::autograd::NotImplemented"
    with pytest.raises(RuntimeError, match="derivative for aten::bincount is not implemented"):
        out.sum().backward()


def test_allclose_and_equal_return_python_bools():
    a = chainrule.tensor([1.0, float("nan")])
    assert chainrule.allclose(a, a) is False
    assert chainrule.allclose(a, a, equal_nan=True) is True
    assert chainrule.equal(a, a) is False
    assert chainrule.equal(chainrule.tensor([1, 2]), chainrule.tensor([1.0, 2.0])) is True
    assert chainrule.equal(chainrule.tensor([1.0]), chainrule.tensor(1.0)) is False


# ------------------------------------------------------------------------- errors
@pytest.mark.parametrize("fn", [
    lambda l: l.sort(l.tensor([1j])),
    lambda l: l.sort(l.zeros(2, 3), 2),
    lambda l: l.topk(l.zeros(2, 3), 4),
    lambda l: l.topk(l.zeros(2, 3), 1.0),
    lambda l: l.topk(l.tensor([True]), 1),
    lambda l: l.topk(l.tensor([1j]), 1),
    lambda l: l.kthvalue(l.zeros(2, 3), 4),
    lambda l: l.kthvalue(l.zeros(0, 3), 1, 0),
    lambda l: l.kthvalue(l.tensor([True]), 1),
    lambda l: l.mode(l.zeros(0, 3), 0),
    lambda l: l.mode(l.tensor([1j])),
    lambda l: l.cummax(l.tensor([1j]), 0),
    lambda l: l.logcumsumexp(l.tensor([1, 2]), 0),
    lambda l: l.nansum(l.tensor([1j])),
    lambda l: l.nanmean(l.tensor([1, 2]), dtype=l.float64),
    lambda l: l.std_mean(l.tensor([1, 2])),
    lambda l: l.unique(l.tensor([1j])),
    lambda l: l.unique(l.zeros(2), dim=1),
    lambda l: l.unique(l.tensor(3.0), dim=0),
    lambda l: l.unique(l.zeros(2, 0), dim=0),
    lambda l: l.searchsorted(l.tensor([1.0, 2]), l.tensor([1.0]), side="rght"),
    lambda l: l.searchsorted(l.tensor([1.0, 2]), l.tensor([1.0]), side="left", right=True),
    lambda l: l.searchsorted(l.tensor([1.0, 2]), l.tensor([1.0]), sorter=l.tensor([0.0, 1])),
    lambda l: l.searchsorted(l.tensor([1.0, 2]), l.tensor([1.0]), sorter=l.tensor([0])),
    lambda l: l.searchsorted(l.tensor([1.0, 2]), l.tensor([1.0]), sorter=l.tensor([0, 2])),
    lambda l: l.searchsorted(l.tensor(1.0), l.tensor([1.0])),
    lambda l: l.searchsorted(l.tensor([[1.0, 2], [3, 4]]), l.tensor([1.0])),
    lambda l: l.searchsorted(l.tensor([False, True]), l.tensor([True])),
    lambda l: l.bucketize(l.tensor([1.0]), l.tensor([[1.0, 2]])),
    lambda l: l.isin(l.tensor([True]), l.tensor([True])),
    lambda l: l.isin(2, 2),
    lambda l: l.bincount(l.tensor([-1, 1])),
    lambda l: l.bincount(l.tensor([1.0, 1])),
    lambda l: l.bincount(l.tensor([1]), minlength=-1),
    lambda l: l.bincount(l.tensor([1, 2]), l.tensor([1.0])),
    lambda l: l.histc(l.tensor([1, 2])),
    lambda l: l.histc(l.tensor([1.0]), bins=0),
    lambda l: l.histc(l.tensor([1.0]), bins=3, min=2, max=1),
    lambda l: l.histc(l.tensor([1.0, float("inf")]), bins=3),
    lambda l: l.isclose(l.tensor([1, 2]), l.tensor([1.0, 2])),
    lambda l: l.isclose(l.tensor([1.0]), l.tensor([1.0]), rtol=-1),
    lambda l: l.isclose(l.tensor([1.0]), 1.0),
    lambda l: l.allclose(l.tensor([1.0]), 1.0),
    lambda l: l.equal(l.tensor([1.0]), 1.0),
])
def test_errors_as_pytorch(fn):
    _same_error(fn)


# ------------------------------------------------------------------ degenerate cases
def test_edge_results():
    _same(lambda lib, t: (lib.topk(t, 0), lib.kthvalue(t, 1), lib.mode(t), lib.sort(t),
                          lib.cummax(t, 0)), np.array(2.5))
    _same(lambda lib, t: (lib.topk(t, 0, 0), lib.sort(t, 0)), np.zeros((0, 3)))
    _same(lambda lib, t: lib.mode(t, 0), np.zeros((3, 0)))
    _same(lambda lib, t: (lib.histc(t, 4), lib.histc(t, 4, 2, 2)), np.array([1.0, 5.0]))
    _same(lambda lib, t: lib.histc(t, 3, 0.1, 0.7), np.array([0.1, 0.2, 0.3, 0.7]),
          dtype="float32")
    _same(lambda lib, i: lib.bincount(i, minlength=3), np.zeros(0, np.int64))
    _same(lambda lib, i, w: lib.bincount(i, w), np.array([0, 1, 1]), np.array([1.0, 2, 3]),
          dtype="float32")
    _same(lambda lib, t: lib.logcumsumexp(t, 0), np.array([-np.inf, 1.0, np.inf, 2.0, np.nan]))
    _same(lambda lib, a, b: lib.isclose(a, b, rtol=0, atol=0.5),
          np.array([16777217]), np.array([16777216]))


def test_degenerate_variance_gradient_as_pytorch():
    for fn in (lambda lib, t: lib.var_mean(t, correction=3)[0],
               lambda lib, t: lib.std_mean(t, correction=3)[0],
               lambda lib, t: lib.var_mean(t, 0, correction=3)[0]):
        grads = []
        for lib in (chainrule, torch):
            t = lib.tensor([1.0, 2.0, 2.0], dtype=lib.float64, requires_grad=True)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                out = fn(lib, t)
            assert "degrees of freedom is <= 0" in str(caught[0].message)
            (g,) = lib.autograd.grad(out, [t])
            grads.append(g.numpy())
        np.testing.assert_array_equal(grads[0], grads[1])


def test_paired_reduction_with_another_root():
    # both outputs of a two-output node and another root reach the same leaf
    x0 = _RNG.normal(size=(3, 4))
    grads = []
    for lib in (chainrule, torch):
        x = lib.tensor(x0, requires_grad=True)
        outs = [*lib.var_mean(x, 0), lib.std_mean(x, 1)[0], x.var(1)]
        (g,) = lib.autograd.grad([o.sum() for o in outs], [x])
        grads.append(g.numpy())
    np.testing.assert_allclose(grads[0], grads[1], atol=1e-12)


def test_logcumsumexp_double_backward_as_pytorch():
    x0 = _RNG.normal(size=(3, 5)) * 3
    v0 = _RNG.normal(size=(3, 5))
    res = []
    for lib in (chainrule, torch):
        x = lib.tensor(x0, requires_grad=True)
        y = lib.logcumsumexp(x, 1)
        (g,) = lib.autograd.grad((y * lib.tensor(v0)).sum(), [x], create_graph=True)
        (h,) = lib.autograd.grad((g * g).sum(), [x])
        res.append((g.detach().numpy(), h.numpy()))
    np.testing.assert_allclose(res[0][0], res[1][0], atol=1e-12)
    np.testing.assert_allclose(res[0][1], res[1][1], atol=1e-10)
