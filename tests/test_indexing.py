"""Indexing behaviour the op database cannot express: errors and their messages, views sharing
memory, ``x[idx] = v`` (in-place, CopySlices, writes through views), repeated indices,
warnings, higher-order derivatives, and the ``rebase_inplace`` helper itself."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import chainrule
from chainrule.autograd.graph import derivative
from chainrule.ops._inplace_core import rebase_inplace, view_index
from chainrule.ops.masked import nonzero_tuple

torch = pytest.importorskip("torch")


def _env(lib) -> dict:
    return dict(lib=lib, np=np, x=lib.zeros(3, 4, 5), s=lib.tensor(2.0),
                m=lib.zeros(3, 4, dtype=lib.float64), y=lib.zeros(3, 4),
                w=lib.zeros(3, 4, requires_grad=True))


def _outcome(lib, code: str):
    ns = _env(lib)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exec(code, ns)
    except Exception as e:  # noqa: BLE001 - the exception itself is what is compared
        return type(e).__name__, str(e)
    return None


ERROR_CASES = """
x[5]
x[0, 7]
x[None, 5]
x[..., 9]
x[::-1]
x[::0]
x[0, 0, 0, 0]
x[..., 0, 0, 0, 0]
x[[5]]
x[lib.tensor([0, 3])]
x[np.array([-4])]
x[lib.tensor([1], dtype=lib.int32)][0, 9]
x[:, [9]]
x[[0], :, [9]]
x[[-9]]
x[lib.tensor([True, False])]
x[:, lib.tensor([True, False])]
x[lib.ones(3, 4, 6, dtype=lib.bool)]
x[lib.tensor([0.0])]
x[1.5]
x['a']
x[[0, 1], [0, 1, 2]]
x[lib.ones(3, 4, dtype=lib.bool), [0, 1]]
s[0]
s[:]
s[[0]]
s[None, 0]
s[lib.tensor(0)]
lib.gather(x, 1, lib.tensor([[[5]]]))
x.gather(3, lib.tensor([[0]]))
m.gather(1, lib.tensor([0]))
m.gather(1, lib.zeros(4, 2, dtype=lib.int64))
m.gather(0, lib.zeros(2, 7, dtype=lib.int64))
m.gather(1, lib.tensor([[0.0]]))
m.gather(0, lib.tensor([[-1]]))
m.scatter(1, lib.tensor([[0]]), lib.ones(1, 1, dtype=lib.float32))
m.scatter(1, lib.tensor([[-1]]), 1.0)
m.scatter(1, lib.tensor([[0]]), 1.0, reduce='mean')
m.scatter(1, lib.zeros(4, 1, dtype=lib.int64), 1.0)
m.scatter(1, lib.tensor([0]), 1.0)
m.scatter(1, lib.zeros(3, 2, dtype=lib.int64), lib.ones(2, 5, dtype=lib.float64))
m.scatter(1, lib.tensor([[0.0]]), 1.0)
lib.scatter_add(m, 1, lib.zeros(3, 1, dtype=lib.int64), 1.0)
m.scatter_add(1, lib.tensor([[9]]), lib.ones(3, 5, dtype=lib.float64))
m.index_select(1, lib.tensor([[0]]))
m.index_select(1, lib.tensor([9]))
m.index_select(1, lib.tensor([-1]))
m.index_select(1, lib.tensor([1.0]))
m.index_select(3, lib.tensor([1]))
s.index_select(0, lib.tensor([0, 0]))
s.index_select(0, lib.tensor([1]))
m.masked_fill(lib.tensor([1, 0, 1, 0]), 2.0)
m.masked_fill(lib.tensor([1, 0, 1, 0], dtype=lib.uint8), 2.0)
m.masked_fill(lib.tensor([True, False, True]), 2.0)
m.masked_fill(m > 0, lib.tensor([2.0]))
m.masked_fill(m > 0, 1 + 1j)
m.masked_select(m)
m.masked_select(lib.tensor([True, False, True]))
m.take(lib.tensor([12]))
m.take(lib.tensor([-13]))
m.take(lib.tensor([1], dtype=lib.int32))
m[0].tril()
m[0].triu()
m.index_add(1, lib.tensor([0, 5]), lib.ones(3, 2, dtype=lib.float64))
m.index_add(1, lib.tensor([0, 1]), lib.ones(3, 3, dtype=lib.float64))
m.index_add(1, lib.tensor([0, 1]), lib.ones(2, 2, dtype=lib.float64))
m.index_add(1, lib.tensor([0, 1]), lib.ones(3, 2, dtype=lib.float32))
m.index_add(1, lib.tensor([[0, 1]]), lib.ones(3, 2, dtype=lib.float64))
m.index_add(1, lib.tensor([0.0]), lib.ones(3, 1, dtype=lib.float64))
m.index_fill(1, lib.tensor([0, 5]), 1.0)
m.index_fill(1, lib.tensor([0.0]), 1.0)
m.index_fill(1, lib.tensor([[0]]), 1.0)
m.index_fill(1, lib.tensor([0]), lib.tensor([1.0]))
m.index_copy(1, lib.tensor([0, 5]), lib.ones(3, 2, dtype=lib.float64))
m.index_copy(1, lib.tensor([0.0]), lib.ones(3, 1, dtype=lib.float64))
m.index_copy(1, lib.tensor([0]), lib.ones(3, 2, dtype=lib.float64))
m.index_copy(1, lib.tensor([0]), lib.ones(3, 1, dtype=lib.float32))
m.index_copy(1, lib.tensor([0]), lib.ones(2, 1, dtype=lib.float64))
m.index_copy(1, lib.tensor([0]), lib.ones(3, 1, 1, dtype=lib.float64))
m.index_put((lib.tensor([0, 5]),), lib.tensor(1.0, dtype=lib.float64))
m.index_put((lib.tensor([0]),), lib.tensor(1.0))
m.index_put((lib.tensor([0.0]),), lib.tensor(1.0, dtype=lib.float64))
m.index_put((lib.tensor([0]),), lib.ones(1, 1, 4, dtype=lib.float64))
lib.index_put(m, (None, lib.tensor([0])), lib.tensor(1.0, dtype=lib.float64))
y[0] = lib.ones(3)
y[[0, 1]] = lib.ones(3)
y[0] = lib.ones(2, 4)
y[[0]] = lib.tensor([1, 2, 3, 4])
y[[0]] = lib.tensor(1.0, dtype=lib.float64)
y[0] = [7, 8]
y[0] = 'a'
y[0] = np.ones(4)
y[0] = None
y[0] = 1 + 2j
y[5] = 1
y[0, 4] = 1
w[0] = 1.0
w[[0]] = 1.0
w[w > 0] = 1.0
w[...] = 1.0
w[0][1] = 1.0
w[0, 1] = lib.tensor(2.0, requires_grad=True)
""".strip().splitlines()


@pytest.mark.parametrize("code", ERROR_CASES)
def test_errors_match_torch(code: str):
    assert _outcome(chainrule, code) == _outcome(torch, code)


# ------------------------------------------------------------------ getitem
GETITEM_KEYS = [
    "0", "(0, 1)", "(0, 1, 2)", "slice(1, 3)", "slice(None)", "Ellipsis", "None",
    "(0, slice(1, 3))", "(slice(1, 3), 0)", "(slice(None), None)", "(0, None)",
    "(Ellipsis, 0)", "slice(None, None, 2)", "(slice(None), slice(None, None, 2))",
    "(slice(None), slice(None))", "slice(0, 3)", "(slice(0, 3), slice(None))", "slice(10, None)",
    "(None, Ellipsis, None)", "(slice(1, 2), None)", "(None, 0)", "()",
    "[0, 0, 1]", "lib.tensor([0, 2])", "lib.tensor([True, False, True])", "(0, [1, 2])",
    "(slice(None), [1, 2], 0)", "lib.tensor(1)", "True", "False", "([0, 1], [1, 2])",
    "([0, 1], slice(None), [1, 2])", "(slice(1, None), [0, 1])", "(0, slice(None), [0, 1])",
    "([0, 1], slice(None), 0)", "([0, 1], None, [0, 1])", "(None, [0, 1], [0, 1])",
    "(slice(1, 2), [0, 1], None, [0, 1])", "(lib.ones(3, 4, dtype=lib.bool), 0)",
    "(0, lib.tensor([True, False, True, True]), [1])", "lib.tensor([[0, 1], [2, 0]])",
    "(slice(None), [[0, 1], [2, 3]])", "[[0, 1], [1, 2]]", "[0, slice(None)]",
    "lib.tensor([1, 0, 1], dtype=lib.uint8)", "np.array([0, 2])", "np.int64(1)",
    "lib.tensor([-1, 2, 0, 2])", "np.array([2, -3], dtype=np.int32)",
    "lib.tensor([], dtype=lib.int64)", "slice(-2, None)", "slice(3, 1)", "slice(None, None, 3)",
    "slice(1, -1, 2)", "slice(-10, 10)", "slice(0, 3, 5)",
]


def _index(lib, expr):
    return eval(expr, {"lib": lib, "np": np})


@pytest.mark.parametrize("key", GETITEM_KEYS)
def test_getitem_matches_torch(key: str):
    a = np.random.default_rng(0).normal(size=(3, 4, 5))
    cx = chainrule.tensor(a, requires_grad=True)
    tx = torch.tensor(a, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cy = cx[_index(chainrule, key)]
        ty = tx[_index(torch, key)]
    assert tuple(cy.shape) == tuple(ty.shape)
    np.testing.assert_array_equal(cy.detach().numpy(), ty.detach().numpy())
    assert type(cy.grad_fn).__name__ == ty.grad_fn.name()
    assert (cy._base is cx) == (ty._base is tx)
    w = np.random.default_rng(1).uniform(size=tuple(ty.shape))
    cy.backward(chainrule.tensor(w))
    ty.backward(torch.tensor(w))
    np.testing.assert_allclose(cx.grad.numpy(), tx.grad.numpy())


@pytest.mark.parametrize("key", [
    "lib.tensor([2, 0, -1, 0])", "np.array([1, 1])", "lib.tensor([], dtype=lib.int64)",
    "slice(1, 3)", "slice(None)", "slice(None, None, 2)", "slice(5, 1)", "slice(-1, None)",
])
@pytest.mark.parametrize("rg", [True, False])
def test_fast_paths_match_the_general_path(key: str, rg: bool):
    # x[key] takes a fast path; the same key as a list or with a NumPy-int step the general
    # one: same data, node, view and version counter
    x = chainrule.tensor(np.arange(12.0).reshape(3, 4), requires_grad=rg)
    k = _index(chainrule, key)
    if isinstance(k, slice):
        general = slice(k.start, k.stop, np.int64(k.step or 1))
    else:
        general = np.asarray(k).tolist()
    fast, slow = x[k], x[general]
    assert (fast._vc is x._vc) == (slow._vc is x._vc)
    assert fast._base is slow._base
    np.testing.assert_array_equal(fast.numpy() if not rg else fast.detach().numpy(),
                                  slow.detach().numpy())
    assert type(fast.grad_fn) is type(slow.grad_fn)
    assert fast.requires_grad == slow.requires_grad == rg
    if rg:
        fa, sa = fast.grad_fn._args, slow.grad_fn._args
        assert fa[0] == sa[0] and fa[1] == sa[1] and fa[2] == sa[2]
        assert (fa[3] is None) == (sa[3] is None)
        if fa[3] is not None:
            np.testing.assert_array_equal(fa[3][0], sa[3][0])
        assert fa[3] is None or not np.shares_memory(fa[3][0], k._data if hasattr(k, "_data")
                                                     else k)
    with chainrule.no_grad():
        assert not x[k].requires_grad
    n = chainrule.zeros(3, 4, dtype=chainrule.int64)
    np.testing.assert_array_equal(n[k].numpy(), n[general].numpy())


def test_basic_index_is_a_view():
    x = chainrule.zeros(3, 4)
    row = x[1]
    assert np.shares_memory(row._data, x._data)
    assert row._base is x and row._vc is x._vc
    sub = row[1:3]
    assert sub._base is x  # the root base, as in PyTorch
    x[1, 2] = 5.0
    assert sub.tolist() == [0.0, 5.0] and row._version == x._version == 1
    scalar = x[1, 2]
    assert scalar.shape == () and scalar._base is x and scalar.item() == 5.0
    adv = x[[1, 1]]
    assert adv._base is None and not np.shares_memory(adv._data, x._data)


def test_repeated_indices_accumulate():
    x = chainrule.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x[[0, 0, 2, 0]] * chainrule.tensor([1.0, 10.0, 100.0, 1000.0])).sum().backward()
    assert x.grad.tolist() == [1011.0, 0.0, 100.0]
    x.grad = None
    x.index_select(0, chainrule.tensor([2, 2])).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 2.0]


def test_warnings():
    x = chainrule.zeros(3, 4)
    with pytest.warns(UserWarning, match="non-tuple sequence for multidimensional indexing"):
        x[[0, slice(None)]]
    with pytest.warns(UserWarning, match="indexing with dtype torch.uint8 is now deprecated"):
        x[chainrule.tensor([1, 0, 1], dtype=chainrule.uint8)]


def test_index_array_is_copied():
    x = chainrule.tensor([1.0, 2.0, 3.0], requires_grad=True)
    i = chainrule.tensor([0, 1])
    y = x[i]
    i[0] = 2  # changing the index afterwards does not change the recorded gradient
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0, 0.0]


@pytest.mark.parametrize("expr", [
    "(x[[0, 2, 0], 1:3] ** 3).sum()",
    "(x.gather(1, lib.tensor([[0, 0], [2, 1], [1, 1]])) ** 3).sum()",
    "(x.masked_select(x > 0) ** 3).sum()",
    "(x.take(lib.tensor([0, 0, 5])) ** 3).sum()",
    "(x.index_select(1, lib.tensor([2, 2])) ** 3).sum()",
])
def test_third_order_matches_torch(expr: str):
    a = np.random.default_rng(2).normal(size=(3, 4))
    res = []
    for lib in (chainrule, torch):
        x = lib.tensor(a, requires_grad=True)
        f = eval(expr, {"lib": lib, "x": x})
        (g,) = lib.autograd.grad(f, x, create_graph=True)
        (h,) = lib.autograd.grad((g * g).sum(), x, create_graph=True)
        (k,) = lib.autograd.grad(h.sum(), x)
        res.append([t.detach().numpy() for t in (g, h, k)])
    for c, t in zip(*res, strict=True):
        np.testing.assert_allclose(c, t, rtol=1e-10, atol=1e-12)


# ------------------------------------------------------------------ setitem
SETITEM_CASES = [
    ("(0, slice(1, 3))", (2, 5)), ("0", (1, 1, 5)), ("(slice(None), 1)", ()),
    ("[0, 2, 0]", (4, 5)), ("[0, 0]", (5,)), ("(slice(1, None), [0, 1])", (2, 5)),
    ("Ellipsis", (4, 5)), ("slice(None)", (3, 4, 5)), ("(slice(None), [1, 1], 0)", (2,)),
    ("lib.tensor([True, False, True])", (5,)), ("(0, [0, 1])", (2, 5)), ("None", (4, 5)),
    ("([0, 0], [1, 1])", (2, 5)),
]


@pytest.mark.parametrize("key,vshape", SETITEM_CASES)
@pytest.mark.parametrize("value_rg", [True, False])
def test_setitem_matches_torch(key: str, vshape: tuple, value_rg: bool):
    rng = np.random.default_rng(3)
    a, v = rng.normal(size=(3, 4, 5)), rng.normal(size=vshape)
    w = rng.uniform(size=(3, 4, 5))
    res = []
    for lib in (chainrule, torch):
        x = lib.tensor(a, requires_grad=True)
        val = lib.tensor(v, requires_grad=value_rg)
        y = x * 2.0
        y[_index(lib, key)] = val
        name = y.grad_fn.name()
        y.backward(lib.tensor(w))
        res.append((y.detach().numpy(), name, x.grad.numpy(),
                    None if val.grad is None else val.grad.numpy(), y._version))
    (cy, cn, cgx, cgv, cver), (ty, tn, tgx, tgv, tver) = res
    np.testing.assert_array_equal(cy, ty)
    assert cn == tn and cver == tver
    np.testing.assert_allclose(cgx, tgx)
    if tgv is None:
        assert cgv is None
    else:
        np.testing.assert_allclose(cgv, tgv)


@pytest.mark.parametrize("key", ["0", "[1, 1]", "Ellipsis", "slice(None)", "(0, [0, 1])"])
def test_setitem_number_names(key: str):
    names = []
    for lib in (chainrule, torch):
        y = lib.ones(3, 4, requires_grad=True) * 1.0
        y[_index(lib, key)] = 2.0
        names.append(y.grad_fn.name())
    assert names[0] == names[1]


def test_setitem_value_only_requires_grad_and_dtypes():
    for lib in (chainrule, torch):
        y = lib.zeros(3, 4)
        v = lib.tensor([1.0, 2.0, 3.0, 4.0], dtype=lib.float64, requires_grad=True)
        y[1] = v
        assert y.requires_grad and not y.is_leaf and y.dtype == lib.float32
        (y * y).sum().backward()
        assert v.grad.dtype == lib.float64
        np.testing.assert_allclose(np.asarray(v.grad.tolist()), [2.0, 4.0, 6.0, 8.0])
        n = lib.zeros(3, 4, dtype=lib.int64)
        n[0] = v
        assert n.grad_fn is None and n[0].tolist() == [1, 2, 3, 4]


def test_setitem_no_grad_and_versions():
    x = chainrule.ones(3, 4, requires_grad=True)
    with chainrule.no_grad():
        x[0] = 5.0
    assert x.is_leaf and x.requires_grad and x._version == 1 and x[0, 0].item() == 5.0
    y = x.exp()
    y[0, 0] = 1.0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_setitem_through_view_rebases_base():
    rng = np.random.default_rng(4)
    a, v, w = rng.normal(size=(3, 4)), rng.normal(size=(2,)), rng.uniform(size=(3, 4))
    res = []
    for lib in (chainrule, torch):
        x = lib.tensor(a, requires_grad=True)
        val = lib.tensor(v, requires_grad=True)
        y = x * 1.0
        row = y[1]
        row[1:3] = val * val
        names = (type(y.grad_fn).__name__, type(row.grad_fn).__name__)
        (y * y).backward(lib.tensor(w))
        res.append((names, x.grad.numpy(), val.grad.numpy()))
    assert res[0][0] == res[1][0] == ("CopySlices", "AsStridedBackward0")
    np.testing.assert_allclose(res[0][1], res[1][1])
    np.testing.assert_allclose(res[0][2], res[1][2])


def test_setitem_through_view_of_untracked_base():
    for lib in (chainrule, torch):
        b = lib.zeros(3, 4)
        v = lib.ones(4, requires_grad=True)
        col = b.t()[1]  # a view made by another op, then written into
        col[1:] = v[0] * 3.0
        assert b.requires_grad and type(b.grad_fn).__name__ == "CopySlices"
        b.sum().backward()
        assert v.grad.tolist() == [6.0, 0.0, 0.0, 0.0]


def test_view_index_locates_any_view():
    a = np.arange(24.0).reshape(2, 3, 4)
    for v in (a[1], a[:, ::2, 1], a.transpose(2, 0, 1)[1:3], a[..., None, 0], a[1, 2, 3, ...]):
        idx = view_index(a, v)
        np.testing.assert_array_equal(a[idx], v)
    assert view_index(a, a.copy()) is None
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        view_index(a, np.broadcast_to(a[0, 0], (2, 4)))


# ------------------------------------------------------------------ the helper itself
@derivative("test_square")
def _SquareBackward(node, F, g):
    # d(x^2) = 2x, with x the value before the write
    (old,) = F.saved(node)
    return (g * old * 2.0,)


def _square_(x):
    return rebase_inplace(x, _SquareBackward, lambda d: d * d, saved=(x,))


def test_rebase_inplace_saves_old_values_with_history():
    x = chainrule.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = x * 1.0
    _square_(y)
    assert y.tolist() == [1.0, 4.0, 9.0] and y._version == 1
    assert type(y.grad_fn).__name__ == "TestSquareBackward0"
    (g,) = chainrule.autograd.grad(y.sum(), x, create_graph=True)
    assert g.tolist() == [2.0, -4.0, 6.0]
    (h,) = chainrule.autograd.grad(g.sum(), x)  # through the saved old value's history
    assert h.tolist() == [2.0, 2.0, 2.0]
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        _square_(x)
    with chainrule.no_grad():
        _square_(x)
    assert x.tolist() == [1.0, 4.0, 9.0] and x.is_leaf


def test_rebase_inplace_old_value_of_an_untracked_tensor():
    # x does not require grad, but the rule still reads its old values
    w = chainrule.tensor([2.0, 3.0], requires_grad=True)

    @derivative("test_mul_by")
    def MulBy(node, F, g):
        # d(x * w) / dw = old x
        (old,) = F.saved(node)
        return None, g * old

    x = chainrule.tensor([5.0, 7.0])
    rebase_inplace(x, MulBy, lambda d: d * w._data, (w,), saved=(x,))
    x.sum().backward()
    assert x.tolist() == [10.0, 21.0] and w.grad.tolist() == [5.0, 7.0]


def test_rebase_inplace_on_a_view_and_retain_grad():
    x = chainrule.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = x * 1.0
    y.retain_grad()
    _square_(y[1])
    assert y.retains_grad
    y.sum().backward()
    assert x.grad.tolist() == [[1.0, 1.0], [6.0, 8.0]]
    assert y.grad.tolist() == [[1.0, 1.0], [1.0, 1.0]]


# ------------------------------------------------------------------ other ops
def test_index_put_and_index_copy_in_place():
    rng = np.random.default_rng(5)
    a, v, s = rng.normal(size=(3, 4)), rng.normal(size=(4,)), rng.normal(size=(3, 2))
    res = []
    for lib in (chainrule, torch):
        x = lib.tensor(a, requires_grad=True)
        val, src = lib.tensor(v, requires_grad=True), lib.tensor(s, requires_grad=True)
        y = x * 1.0
        y.index_put_((lib.tensor([2, 0]),), val, accumulate=True)
        y.index_copy_(1, lib.tensor([3, 1]), src)
        name = y.grad_fn.name()
        (y * y).sum().backward()
        res.append((name, y.detach().numpy(), x.grad.numpy(), val.grad.numpy(),
                    src.grad.numpy()))
    assert res[0][0] == res[1][0]
    for c, t in zip(res[0][1:], res[1][1:], strict=True):
        np.testing.assert_allclose(c, t)


def test_scatter_reduce_has_no_derivative():
    x = chainrule.zeros(3, 4, requires_grad=True)
    y = x.scatter(1, chainrule.tensor([[0]]), 2.0, reduce="add")
    assert y.grad_fn.name() == "torch::autograd::NotImplemented"
    with pytest.raises(RuntimeError, match="derivative for aten::scatter is not implemented"):
        y.sum().backward()


def test_nonzero_tuple_is_where_of_one_argument():
    cond = np.array([[0.0, 1.0], [2.0, 0.0]])
    ours = nonzero_tuple(chainrule.tensor(cond))
    theirs = torch.where(torch.tensor(cond))
    assert [t.tolist() for t in ours] == [t.tolist() for t in theirs]
    assert [t.tolist() for t in nonzero_tuple(chainrule.tensor(0.0))] == [[]]


@pytest.mark.parametrize("code", [
    "z = y[1:]; z[0][1:3] = v; z[1, 0] = 3.0",
    "z = y[1:]; w = y[1]; w[1:3] = v; out = z[0] * 1.0",
    "z = y[1:]; y[1, 0] = 5.0; z[0, 1] = v[0]",
    "y[0][[1, 2]] = v; y[:, 0][[0, 2]] = v",
])
def test_writes_through_several_views_match_torch(code: str):
    rng = np.random.default_rng(6)
    a, v = rng.normal(size=(3, 4)), rng.normal(size=(2,))
    res = []
    for lib in (chainrule, torch):
        x = lib.tensor(a, requires_grad=True)
        val = lib.tensor(v, requires_grad=True)
        ns = {"y": x * 2.0, "v": val}
        exec(code, ns)
        out = ns.get("out", ns["y"])
        (out * out).sum().backward()
        res.append((out.detach().numpy(), x.grad.numpy(), val.grad.numpy()))
    for c, t in zip(res[0], res[1], strict=True):
        np.testing.assert_allclose(c, t)
