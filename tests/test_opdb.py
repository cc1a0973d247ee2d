"""Tests derived from the op database (see ``tests/opdb/__init__.py``)."""

from __future__ import annotations

import zlib

import numpy as np
import pytest
from opdb import OpInfo, all_entries

import chainrule

ENTRIES = all_entries()
CASES = [(e, i) for e in ENTRIES for i in range(len(e.samples))]
IDS = [f"{e.id}-{i}" for e, i in CASES]


def _flat(out) -> list:
    if isinstance(out, (tuple, list)):
        res = []
        for o in out:
            res.extend(_flat(o))
        return res
    return [out]


def _build(lib, sample, dtype, requires_grad=True):
    args, diff = [], []
    for a in sample:
        if isinstance(a, np.ndarray):
            if a.dtype.kind == "f":
                t = lib.tensor(a, dtype=dtype)
                if requires_grad:
                    t.requires_grad_(True)
                diff.append(t)
            else:
                t = lib.tensor(a)
            args.append(t)
        else:
            args.append(a)
    return args, diff


def _np(t) -> np.ndarray:
    return np.asarray(t.detach().numpy())


def _rng(e: OpInfo, i: int) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(f"{e.id}-{i}".encode()))


def _diff_outputs(outs):
    return [o for o in outs if o.requires_grad and o.dtype.is_floating_point]


def _weights(outs, rng) -> list[np.ndarray]:
    return [rng.uniform(0.5, 1.5, size=tuple(o.shape)) for o in outs]


def _weighted_value(e: OpInfo, sample, weights) -> float:
    with chainrule.no_grad():
        args, _ = _build(chainrule, sample, chainrule.float64, requires_grad=False)
        outs = [o for o in _flat(e.call(chainrule, *args)) if o.dtype.is_floating_point]
    return float(sum((_np(o) * w).sum() for o, w in zip(outs, weights)))


def _numeric_grad(f, sample, k_positions, eps=1e-6) -> list[np.ndarray]:
    """Central differences of scalar ``f(sample)`` with respect to the float arrays."""
    grads = []
    for pos in k_positions:
        base = sample[pos]
        g = np.zeros_like(base)
        for j in range(base.size):
            plus = list(sample)
            minus = list(sample)
            p = base.copy()
            m = base.copy()
            p.flat[j] += eps
            m.flat[j] -= eps
            plus[pos], minus[pos] = p, m
            g.flat[j] = (f(tuple(plus)) - f(tuple(minus))) / (2 * eps)
        grads.append(g)
    return grads


def _float_positions(sample) -> list[int]:
    return [i for i, a in enumerate(sample) if isinstance(a, np.ndarray) and a.dtype.kind == "f"]


_NUMERIC = [(c, i) for c, i in zip(CASES, IDS) if c[0].differentiable and c[0].numerical]
_SECOND = [(c, i) for c, i in _NUMERIC if c[0].smooth]


@pytest.mark.parametrize("entry,idx", [c for c, _ in _NUMERIC], ids=[i for _, i in _NUMERIC])
def test_numerical_gradient(entry: OpInfo, idx: int):
    sample = entry.samples[idx]
    args, ins = _build(chainrule, sample, chainrule.float64)
    outs = _diff_outputs(_flat(entry.call(chainrule, *args)))
    assert outs, "a differentiable entry must produce an output that requires grad"
    rng = _rng(entry, idx)
    weights = _weights(outs, rng)
    analytic = chainrule.autograd.grad(
        outs, ins, [chainrule.tensor(w) for w in weights], allow_unused=True)
    f = lambda s: _weighted_value(entry, s, weights)
    numeric = _numeric_grad(f, sample, _float_positions(sample))
    for a, n in zip(analytic, numeric):
        a = np.zeros_like(n) if a is None else _np(a)
        np.testing.assert_allclose(a, n, atol=entry.atol, rtol=entry.rtol)


@pytest.mark.parametrize("entry,idx", [c for c, _ in _SECOND], ids=[i for _, i in _SECOND])
def test_second_order_gradient(entry: OpInfo, idx: int):
    sample = entry.samples[idx]
    rng = _rng(entry, idx)
    positions = _float_positions(sample)

    def first_grads(s, create_graph):
        args, ins = _build(chainrule, s, chainrule.float64)
        outs = _diff_outputs(_flat(entry.call(chainrule, *args)))
        g = chainrule.autograd.grad(outs, ins, [chainrule.tensor(w) for w in weights],
                                    create_graph=create_graph, allow_unused=True)
        return ins, g

    args, ins = _build(chainrule, sample, chainrule.float64)
    outs = _diff_outputs(_flat(entry.call(chainrule, *args)))
    weights = _weights(outs, rng)
    vs = [rng.uniform(0.5, 1.5, size=sample[p].shape) for p in positions]

    ins, g1 = first_grads(sample, True)
    pairs = [(g, chainrule.tensor(v)) for g, v in zip(g1, vs) if g is not None and g.requires_grad]
    if pairs:
        second = chainrule.autograd.grad([p[0] for p in pairs], ins, [p[1] for p in pairs],
                                         allow_unused=True)
    else:  # the first derivative is constant (a linear op): the second must vanish
        second = [None] * len(ins)

    def h(s):
        _, g = first_grads(s, False)
        return float(sum((_np(gi) * v).sum() for gi, v in zip(g, vs) if gi is not None))

    numeric = _numeric_grad(h, sample, positions)
    for a, n in zip(second, numeric):
        a = np.zeros_like(n) if a is None else _np(a)
        np.testing.assert_allclose(a, n, atol=max(entry.atol, 1e-4), rtol=max(entry.rtol, 1e-3))


def _tol(t, loosen: float = 1) -> dict:
    """Comparison tolerance for a result of ``t``'s dtype (float32 results differ by ulps)."""
    if t.dtype.name in ("float32", "complex64"):
        return dict(rtol=1e-5 * loosen, atol=1e-5 * loosen)
    if t.dtype.name == "float16":
        return dict(rtol=1e-3, atol=1e-3)
    return dict(rtol=1e-9 * loosen, atol=1e-9 * loosen)


def _torch_dtype_name(t) -> str:
    return str(t.dtype).replace("torch.", "")


_TORCH_CASES = [(e, i, dt) for (e, i) in CASES for dt in ("float64", "float32")
                if dt == "float64" or e.float32]
_TORCH_IDS = [f"{e.id}-{i}-{dt}" for e, i, dt in _TORCH_CASES]


@pytest.mark.parametrize("entry,idx,dtype", _TORCH_CASES, ids=_TORCH_IDS)
def test_matches_torch(entry: OpInfo, idx: int, dtype: str):
    torch = pytest.importorskip("torch")
    sample = entry.samples[idx]
    grad = entry.differentiable
    c_args, c_ins = _build(chainrule, sample, getattr(chainrule, dtype), grad)
    t_args, t_ins = _build(torch, sample, getattr(torch, dtype), grad)
    c_outs = _flat(entry.call(chainrule, *c_args))
    t_outs = _flat((entry.torch_call or entry.call)(torch, *t_args))
    assert len(c_outs) == len(t_outs)
    for c, t in zip(c_outs, t_outs):
        assert tuple(c.shape) == tuple(t.shape)
        assert c.dtype.name == _torch_dtype_name(t)
        np.testing.assert_allclose(_np(c), t.detach().numpy(), equal_nan=True, **_tol(c))
        assert c.requires_grad == t.requires_grad
        if entry.check_grad_fn and t.grad_fn is not None:
            assert type(c.grad_fn).__name__ == t.grad_fn.name()
    if not grad:
        return
    c_d = _diff_outputs(c_outs)
    t_d = [o for o in t_outs if o.requires_grad and o.dtype.is_floating_point]
    weights = _weights(c_d, _rng(entry, idx))
    c_g = chainrule.autograd.grad(c_d, c_ins, [chainrule.tensor(w, dtype=c.dtype)
                                               for w, c in zip(weights, c_d)], allow_unused=True)
    t_g = torch.autograd.grad(t_d, t_ins, [torch.tensor(w, dtype=t.dtype)
                                           for w, t in zip(weights, t_d)], allow_unused=True)
    for cg, tg in zip(c_g, t_g):
        if tg is None:
            assert cg is None or not np.any(_np(cg))
            continue
        assert cg is not None
        assert cg.dtype.name == _torch_dtype_name(tg)
        np.testing.assert_allclose(_np(cg), tg.numpy(), equal_nan=True, **_tol(cg, 10))


def test_every_registered_op_has_an_entry():
    covered = {n for e in ENTRIES for n in e.name_tuple}
    missing = sorted(set(chainrule.ops.OPS) - covered)
    assert not missing, f"ops registered without an op-database entry: {missing}"
