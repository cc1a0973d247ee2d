"""Matrix products: errors, node names on every path, gradients PyTorch computes, and the
work the backward pass does (only the needed products, dtypes kept)."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule
from chainrule.autograd.engine import ArrayMath

torch = pytest.importorskip("torch")


def _make(lib, shape, dtype="float64", rg=False, seed=0):
    rng = np.random.default_rng(seed + len(shape) * 7 + sum(shape))
    a = rng.uniform(-1, 1, size=shape)
    if dtype == "bool":
        return lib.tensor(a > 0)
    t = lib.tensor(a, dtype=getattr(lib, dtype))
    return t.requires_grad_(rg) if rg else t


def _outcome(lib, fn, specs):
    args = [_make(lib, *s) if isinstance(s, tuple) else s for s in specs]
    try:
        out = fn(lib, *args)
    except Exception as e:  # noqa: BLE001 - the exception itself is compared
        return ("error", type(e).__name__, str(e).split("\n")[0])
    name = out.grad_fn.name() if out.grad_fn is not None else None
    return ("ok", tuple(out.shape), str(out.dtype).split(".")[-1], name)


def _same(fn, *specs):
    assert _outcome(chainrule, fn, specs) == _outcome(torch, fn, specs)


def _lin(lib, *a):
    return (torch.nn.functional.linear if lib is torch else chainrule.linear)(*a)


F64, F32 = "float64", "float32"
MM = lambda lib, a, b: a @ b  # noqa: E731

SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((5, 2, 3), (5, 3, 4)),
          ((5, 2, 3), (3, 4)), ((2, 3), (5, 3, 4)), ((5, 2, 3), (3,)), ((3,), (5, 3, 4)),
          ((2, 1, 2, 3), (4, 3, 2)), ((1, 2, 3), (4, 3, 2)), ((4, 2, 3), (1, 3, 2)),
          ((1, 3), (2, 3, 4)), ((2, 3), (2, 3, 1)), ((1, 2, 3), (1, 3, 4)), ((2, 3), (1, 3, 4)),
          ((2, 2, 1, 3), (3,)), ((3,), (2, 2, 3, 1))]


@pytest.mark.parametrize("rg", [(True, True), (True, False), (False, True)])
@pytest.mark.parametrize("sa,sb", SHAPES)
def test_matmul_names_and_gradients(sa, sb, rg):
    _same(MM, (sa, F64, rg[0]), (sb, F64, rg[1]))
    res = []
    for lib in (chainrule, torch):
        a, b = _make(lib, sa, F64, rg[0]), _make(lib, sb, F64, rg[1])
        out = a @ b
        w = lib.tensor(np.linspace(0.5, 1.5, out.numel()).reshape(tuple(out.shape)))
        ins = [t for t in (a, b) if t.requires_grad]
        res.append([np.asarray(g.detach().numpy()) for g in lib.autograd.grad(out, ins, w)])
    for c, t in zip(res[0], res[1], strict=True):
        np.testing.assert_allclose(c, t, rtol=1e-12, atol=1e-12)


ERRORS = [
    (MM, ((2, 3), F64), ((2, 3), F64)),
    (MM, ((2, 3), F64), ((2,), F64)),
    (MM, ((3,), F64), ((2, 3), F64)),
    (MM, ((3,), F64), ((2,), F64)),
    (MM, ((5, 2, 3), F64), ((5, 2, 3), F64)),
    (MM, ((5, 2, 3), F64), ((4, 3, 3), F64)),
    (MM, ((2, 2, 3), F64), ((2,), F64)),
    (MM, ((2,), F64), ((2, 3, 2), F64)),
    (MM, ((2,), F64, True), ((2, 3, 2), F64)),
    (MM, ((2, 2, 3), F64), ((2, 2), F64)),
    (MM, ((2, 3), F64), ((2, 2, 2), F64)),
    (MM, ((2, 3), F64, True), ((2, 2, 2), F64)),
    (MM, ((3, 2, 2, 3), F64), ((3, 2, 2, 2), F64)),
    (MM, ((3,), F32), ((3,), F64)),
    (MM, ((2, 3), F32), ((3,), F64)),
    (MM, ((2, 3), F64), ((3,), F32)),
    (MM, ((3,), F32), ((3, 2), F64)),
    (MM, ((2, 3), F32), ((3, 2), F64)),
    (MM, ((2, 2, 3), F32), ((2, 3, 2), F64)),
    (MM, ((2, 2, 3), F32), ((3, 2), F64)),
    (MM, ((2, 2), "bool"), ((2, 2), "bool")),
    (MM, ((2, 2), "int64"), ((2, 2), "int64")),
    (lambda lib, a, b: lib.matmul(a, b), ((), F64), ((3,), F64)),
    (lambda lib, a, b: lib.mm(a, b), ((3,), F64), ((3, 2), F64)),
    (lambda lib, a, b: lib.mm(a, b), ((2, 3), F64), ((3,), F64)),
    (lambda lib, a, b: lib.mm(a, b), ((2, 3), "int64"), ((3, 2), "int32")),
    (lambda lib, a, b: lib.bmm(a, b), ((2, 3), F64), ((3, 2), F64)),
    (lambda lib, a, b: lib.bmm(a, b), ((2, 2, 3), F64), ((3, 3, 2), F64)),
    (lambda lib, a, b: lib.bmm(a, b), ((2, 2, 3), "int64"), ((2, 3, 2), F32)),
    (lambda lib, a, b: lib.mv(a, b), ((2, 3), F64), ((2, 3), F64)),
    (lambda lib, a, b: lib.mv(a, b), ((2, 3), "int64"), ((3,), F32)),
    (lambda lib, a, b: lib.dot(a, b), ((3, 2), F64), ((2,), F64)),
    (lambda lib, a, b: lib.dot(a, b), ((3,), F64), ((2,), F32)),
    (lambda lib, a, b: lib.vdot(a, b), ((3,), F64), ((2,), F64)),
    (lambda lib, a, b: lib.outer(a, b), ((3, 2), F64), ((2,), F64)),
    (lambda lib, a, b: lib.outer(a, b), ((3,), "int64"), ((2,), F32)),
    (lambda lib, c, a, b: lib.addmm(c, a, b), ((3,), F64), ((2, 3), F64), ((3, 4), F64)),
    (lambda lib, c, a, b: lib.addmm(c, a, b), ((4,), F64), ((3,), F64), ((3, 4), F64)),
    (lambda lib, c, a, b: lib.addmm(c, a, b), ((4,), F32), ((2, 3), F32), ((3, 4), F64)),
    (lambda lib, c, a, b: lib.addmm(c, a, b), ((4,), F32), ((2, 3), F64), ((3, 4), F32)),
    (lambda lib, c, a, b: lib.addmm(c, a, b), ((1, 2, 4), F64), ((2, 3), F64), ((3, 4), F64)),
    (lambda lib, c, a, b: lib.baddbmm(c, a, b), ((3, 2, 4), F64), ((2, 2, 3), F64),
     ((2, 3, 4), F64)),
    (lambda lib, c, a, b: lib.baddbmm(c, a, b), ((2, 2, 4), F64), ((2, 2, 3), F64),
     ((2, 2, 4), F64)),
    (lambda lib, c, a, b: lib.baddbmm(c, a, b), ((2, 2, 4), F64), ((2, 2, 3), F32),
     ((2, 3, 4), F32)),
    (_lin, ((2, 3), F64), ((4, 2), F64)),
    (_lin, ((2, 3), F64), ((4, 2), F64), ((4,), F64)),
    (_lin, ((2, 3), F64), ((4, 3), F64), ((3,), F64)),
    (_lin, ((), F64), ((4, 3), F64), ((4,), F64)),
    (_lin, ((2, 3), F64), ((4, 3, 1), F64)),
    (_lin, ((2, 3), F64), ((3,), F64), ((), F64)),
    (_lin, ((2, 3), F64), ((4, 3), F32), ((4,), F64)),
    (_lin, ((2, 3), F64), ((4, 3), F64), ((4,), F32)),
    (_lin, ((2, 3), F64), ((4, 3), F32)),
    (_lin, ((2, 5, 3), F64), ((4, 3), F64), ((1, 1, 4), F64)),
]


@pytest.mark.parametrize("case", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_errors_match_torch(case):
    fn, *specs = case
    _same(fn, *specs)


@pytest.mark.parametrize("shapes", [((5, 3), (4, 3), (4,)), ((5, 3), (4, 3), None),
                                    ((3,), (4, 3), (4,)), ((3,), (4, 3), None),
                                    ((2, 5, 3), (4, 3), (4,)), ((2, 5, 3), (4, 3), None),
                                    ((2, 5, 3), (4, 3), (5, 4)), ((3,), (4, 3), (1, 4)),
                                    ((2, 5, 3), (4, 3), (1, 4))])
@pytest.mark.parametrize("which", ["x", "w", "b", "all"])
def test_linear_names(shapes, which):
    sx, sw, sb = shapes
    if which == "b" and sb is None:
        return
    specs = [(sx, F64, which in ("x", "all")), (sw, F64, which in ("w", "all"))]
    if sb is not None:
        specs.append((sb, F64, which in ("b", "all")))
    _same(_lin, *specs)


EINSUM_ERRORS = [
    ("ij,jk->ik", [(2, 3), (2, 4)]), ("i,i->i", [(1,), (3,)]), ("ij,jk->ik", [(2, 3)]),
    ("ijk->i", [(2, 3)]), ("ij->ii", [(2, 3)]), ("ij->k", [(2, 3)]), ("i1->i", [(2, 3)]),
    ("i->i->i", [(2,)]), ("......->", [(2,)]), ("ii->i", [(2, 3)]), ("i,j", [(2,), (3,), (4,)]),
    ("...ij,...jk", [(5, 2, 3), (3, 3, 4)]), ("..i->i", [(2,)]), ("i->..", [(2,)]),
    ("ba,ac", [(2, 3), (3, 2)]), ("b...", [(2, 3, 4)]), ("->", [()]), (" i j , j k -> i k ",
                                                                        [(2, 3), (3, 4)]),
    ("...,...->...", [(1, 1), (3,)]), ("ijk->", [(2, 3)]), ("ij...->", [(2,)]),
]


@pytest.mark.parametrize("eq,shapes", EINSUM_ERRORS)
def test_einsum_parsing_matches_torch(eq, shapes):
    res = []
    for lib in (chainrule, torch):
        ops = [_make(lib, s) for s in shapes]
        try:
            out = lib.einsum(eq, *ops)
            res.append(("ok", tuple(out.shape), np.asarray(out.numpy()).round(10).tolist()))
        except Exception as e:  # noqa: BLE001
            res.append((type(e).__name__, str(e)))
    assert res[0] == res[1]


@pytest.mark.parametrize("dims", [1, -1, 3, ([1, 2], [1]), (1, 0)])
def test_tensordot_errors(dims):
    res = []
    for lib in (chainrule, torch):
        a, b = _make(lib, (2, 3)), _make(lib, (2, 3))
        try:
            lib.tensordot(a, b, dims=dims)
            res.append("ok")
        except Exception as e:  # noqa: BLE001
            res.append((type(e).__name__, str(e).split("\n")[0]))
    assert res[0] == res[1]


def test_tensordot_broadcasts_unit_contracted_dims():
    res = []
    for lib in (chainrule, torch):
        a = _make(lib, (2, 1), rg=True)
        b = _make(lib, (3, 4), rg=True)
        out = lib.tensordot(a, b, dims=([1], [0]))
        out.sum().backward()
        res.append([out.detach().numpy(), a.grad.numpy(), b.grad.numpy()])
    for c, t in zip(*res, strict=True):
        np.testing.assert_allclose(c, t, rtol=1e-12)


def test_operator_with_numpy_and_numbers():
    a = chainrule.ones(2, 2, dtype=chainrule.float64)
    assert (a @ np.ones((2, 2))).shape == (2, 2)
    assert (np.ones((2, 2)) @ a).shape == (2, 2)
    with pytest.raises(TypeError):
        a @ 2
    with pytest.raises(TypeError):
        2 @ a
    with pytest.raises(TypeError, match="must be Tensor, not list"):
        chainrule.mm(a, [[1.0], [2.0]])


def _count_matmuls(monkeypatch):
    calls = []

    def counting(a, b, *args, **kw):
        calls.append((a.shape, b.shape))
        return np.matmul(a, b, *args, **kw)

    monkeypatch.setattr(ArrayMath, "matmul", staticmethod(counting))
    return calls


@pytest.mark.parametrize("need", ["x", "w", "both"])
def test_backward_does_only_needed_products(monkeypatch, need):
    x = chainrule.tensor(np.random.rand(8, 5).astype(np.float32),
                         requires_grad=need in ("x", "both"))
    w = chainrule.tensor(np.random.rand(3, 5).astype(np.float32),
                         requires_grad=need in ("w", "both"))
    b = chainrule.tensor(np.zeros(3, np.float32), requires_grad=True)
    for out in (chainrule.linear(x, w, b), x @ w.t(), chainrule.mm(x, w.t())):
        calls = _count_matmuls(monkeypatch)
        out.sum().backward()
        assert len(calls) == (2 if need == "both" else 1)
        monkeypatch.undo()


def test_float32_stays_float32():
    x = chainrule.tensor(np.random.rand(4, 5).astype(np.float32), requires_grad=True)
    w = chainrule.tensor(np.random.rand(3, 5).astype(np.float32), requires_grad=True)
    b = chainrule.tensor(np.random.rand(3).astype(np.float32), requires_grad=True)
    out = chainrule.linear(x, w, b)
    assert out.dtype is chainrule.float32
    (out * out).sum().backward()
    for t in (x, w, b):
        assert t.grad.dtype is chainrule.float32
        assert t.grad.shape == t.shape


def test_saves_only_what_the_gradients_read():
    # as PyTorch: mm saves x only for W's gradient, so changing x in place is fine when only
    # x requires grad ... and an error when W needs it
    for lib in (chainrule, torch):
        x = lib.ones(2, 3, dtype=lib.float64, requires_grad=True)
        w = lib.ones(3, 4, dtype=lib.float64)
        y = x * 1
        out = y @ w
        y.add_(1)
        out.sum().backward()
        w.requires_grad_(True)
        z = x * 1
        out = z @ w
        z.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            out.sum().backward()


def test_double_backward_through_linear_matches_torch():
    res = []
    for lib in (chainrule, torch):
        x = _make(lib, (4, 3), rg=True)
        w = _make(lib, (2, 3), rg=True, seed=1)
        b = _make(lib, (2,), rg=True, seed=2)
        out = lib.tanh(_lin(lib, x, w, b)).pow(2).sum()
        gx, gw = lib.autograd.grad(out, (x, w), create_graph=True)
        (gx.pow(2).sum() + (gw * gw).sum()).backward()
        res.append([x.grad.numpy(), w.grad.numpy(), b.grad.numpy()])
    for c, t in zip(*res, strict=True):
        np.testing.assert_allclose(c, t, rtol=1e-10, atol=1e-12)
