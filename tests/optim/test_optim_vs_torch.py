"""Every optimizer, for each important option combination, against PyTorch's single-tensor
implementation: identical starting parameters, identical gradient sequences, parameters and
state compared after every one of ten steps."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule
import chainrule.optim as coptim
from chainrule.optim import _functional

CASES = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True}),
    ("SGD", {"lr": 0.1, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.01, "nesterov": True,
             "maximize": True}),
    ("SGD", {"lr": 0.1, "maximize": True}),
    ("SGD", {}),
    ("Adam", {}),
    ("Adam", {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6}),
    ("Adam", {"lr": 0.01, "amsgrad": True}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True, "maximize": True}),
    ("Adam", {"lr": 0.01, "betas": (0.3, 0.6)}),  # lerp weight >= 0.5 branch
    ("Adam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("AdamW", {}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.5}),
    ("AdamW", {"lr": 0.01, "amsgrad": True, "maximize": True}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0}),
    ("RMSprop", {}),
    ("RMSprop", {"lr": 0.001, "alpha": 0.9, "eps": 1e-6}),
    ("RMSprop", {"lr": 0.001, "centered": True}),
    ("RMSprop", {"lr": 0.001, "momentum": 0.9}),
    ("RMSprop", {"lr": 0.001, "momentum": 0.9, "centered": True, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.001, "maximize": True, "alpha": 0.3, "centered": True}),
    ("Adagrad", {}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01}),
    ("Adagrad", {"lr": 0.1, "weight_decay": 0.1}),
    ("Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.5, "eps": 1e-6}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05, "weight_decay": 0.01, "maximize": True}),
]

SHAPES = [(3, 4), (5,), (), (2, 1, 3)]

TOL = {"float32": {"rtol": 2e-5, "atol": 2e-6}, "float64": {"rtol": 1e-11, "atol": 1e-13},
       "complex64": {"rtol": 2e-5, "atol": 2e-6}}


def _case_id(case):
    name, kw = case
    return name + "-" + ",".join(f"{k}={v}" for k, v in kw.items())


def _rand(rng, shape, dtype):
    a = np.asarray(rng.standard_normal(shape))
    if dtype.startswith("complex"):
        a = a + 1j * np.asarray(rng.standard_normal(shape))
    return a.astype(dtype)


def _make_pair(torch, name, kw, dtype, rng, shapes=SHAPES):
    init = [_rand(rng, s, dtype) for s in shapes]
    cps = [chainrule.tensor(a.copy(), requires_grad=True) for a in init]
    tps = [torch.tensor(a.copy(), requires_grad=True) for a in init]
    copt = getattr(coptim, name)(cps, **kw)
    topt = getattr(torch.optim, name)(tps, foreach=False, **kw)
    return cps, tps, copt, topt


def _feed(torch, cps, tps, grads):
    for c, t, g in zip(cps, tps, grads, strict=True):
        if g is None:
            c.grad = None
            t.grad = None
        else:
            c.grad = chainrule.tensor(g.copy())
            t.grad = torch.tensor(g.copy())


def _check_params(cps, tps, dtype, step):
    for i, (c, t) in enumerate(zip(cps, tps, strict=True)):
        assert c.dtype.name == str(t.dtype).replace("torch.", "")
        np.testing.assert_allclose(c.detach().numpy(), t.detach().numpy(), **TOL[dtype],
                                   err_msg=f"param {i} after step {step}")


def _check_state(copt, topt, cps, tps, dtype):
    for c, t in zip(cps, tps, strict=True):
        cs, ts = copt.state.get(c, {}), topt.state.get(t, {})
        assert sorted(cs) == sorted(ts)
        for k in ts:
            tv, cv = ts[k], cs[k]
            if hasattr(tv, "numpy"):
                assert cv.dtype.name == str(tv.dtype).replace("torch.", ""), k
                np.testing.assert_allclose(cv.numpy(), tv.detach().numpy(), **TOL[dtype],
                                           err_msg=k)
            else:
                assert cv == tv


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_ten_steps_match_torch(case, dtype):
    torch = pytest.importorskip("torch")
    name, kw = case
    rng = np.random.default_rng(abs(hash((name, str(kw), dtype))) % 2**32)
    cps, tps, copt, topt = _make_pair(torch, name, kw, dtype, rng)
    for step in range(10):
        grads = [_rand(rng, s, dtype) for s in SHAPES]
        _feed(torch, cps, tps, grads)
        copt.step()
        topt.step()
        _check_params(cps, tps, dtype, step)
    _check_state(copt, topt, cps, tps, dtype)


@pytest.mark.parametrize("name,kw", [
    ("SGD", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.1}),
    ("AdamW", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.5, "centered": True, "weight_decay": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.1}),
])
def test_complex_params_match_torch(name, kw):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    shapes = [(3, 2), (4,)]
    cps, tps, copt, topt = _make_pair(torch, name, kw, "complex64", rng, shapes)
    for step in range(10):
        _feed(torch, cps, tps, [_rand(rng, s, "complex64") for s in shapes])
        copt.step()
        topt.step()
        _check_params(cps, tps, "complex64", step)


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Adagrad"])
def test_params_without_grad_are_skipped_like_torch(name):
    torch = pytest.importorskip("torch")
    kw = {"lr": 0.05, "momentum": 0.9} if name in ("SGD", "RMSprop") else {"lr": 0.05}
    rng = np.random.default_rng(3)
    cps, tps, copt, topt = _make_pair(torch, name, kw, "float64", rng)
    for step in range(8):
        grads = [None if (step + i) % 3 == 0 else _rand(rng, s, "float64")
                 for i, s in enumerate(SHAPES)]
        _feed(torch, cps, tps, grads)
        copt.step()
        topt.step()
        _check_params(cps, tps, "float64", step)
    _check_state(copt, topt, cps, tps, "float64")


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_param_groups_with_own_options_match_torch(name):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(11)
    init = [_rand(rng, s, "float32") for s in SHAPES]
    cps = [chainrule.tensor(a.copy(), requires_grad=True) for a in init]
    tps = [torch.tensor(a.copy(), requires_grad=True) for a in init]
    extra = {"SGD": {"momentum": 0.5}, "RMSprop": {"centered": True},
             "Adam": {"amsgrad": True}, "AdamW": {"weight_decay": 0.3},
             "Adagrad": {"lr_decay": 0.1}}[name]
    copt = getattr(coptim, name)([{"params": cps[:2]}, {"params": cps[2:], "lr": 0.3, **extra}],
                                 lr=0.01)
    topt = getattr(torch.optim, name)([{"params": tps[:2]},
                                       {"params": tps[2:], "lr": 0.3, **extra}],
                                      lr=0.01, foreach=False)
    for step in range(10):
        _feed(torch, cps, tps, [_rand(rng, s, "float32") for s in SHAPES])
        copt.step()
        topt.step()
        _check_params(cps, tps, "float32", step)
    for cg, tg in zip(copt.param_groups, topt.param_groups, strict=True):
        skip = ("params", "foreach")  # torch's groups hold the foreach=False passed above
        assert {k: v for k, v in cg.items() if k not in skip} == {
            k: v for k, v in tg.items() if k not in skip}


def test_sgd_is_bit_exact_with_fma_emulation(monkeypatch):
    """With fused multiply-adds emulated, float32 SGD reproduces PyTorch bit for bit."""
    torch = pytest.importorskip("torch")
    if torch.backends.cpu.get_cpu_capability() not in ("AVX2", "AVX512"):
        pytest.skip("ATen's vectorised kernels use FMA only on AVX2/AVX512 builds")
    monkeypatch.setattr(_functional, "EMULATE_FMA", True)
    rng = np.random.default_rng(5)
    shapes = [(37,), (64, 3), (5,)]
    kw = {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.05, "nesterov": True}
    cps, tps, copt, topt = _make_pair(torch, "SGD", kw, "float32", rng, shapes)
    for _ in range(10):
        _feed(torch, cps, tps, [_rand(rng, s, "float32") for s in shapes])
        copt.step()
        topt.step()
        for c, t in zip(cps, tps, strict=True):
            np.testing.assert_array_equal(c.detach().numpy(), t.detach().numpy())


@pytest.mark.parametrize("name,kw", [("Adam", {"lr": 0.01, "betas": (0.3, 0.6)}),
                                     ("RMSprop", {"lr": 0.01, "centered": True})])
def test_fma_emulation_path_matches_torch(monkeypatch, name, kw):
    torch = pytest.importorskip("torch")
    monkeypatch.setattr(_functional, "EMULATE_FMA", True)
    rng = np.random.default_rng(9)
    cps, tps, copt, topt = _make_pair(torch, name, kw, "float32", rng)
    for step in range(10):
        _feed(torch, cps, tps, [_rand(rng, s, "float32") for s in SHAPES])
        copt.step()
        topt.step()
        _check_params(cps, tps, "float32", step)


def test_training_loop_with_autograd_matches_torch():
    """A small least-squares fit: gradients from each library's own autograd."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 3))
    y = x @ np.array([1.0, -2.0, 0.5]) + 0.3
    w0 = rng.standard_normal(3)
    cw = chainrule.tensor(w0.copy(), requires_grad=True)
    tw = torch.tensor(w0.copy(), requires_grad=True)
    cx, cy = chainrule.tensor(x), chainrule.tensor(y)
    tx, ty = torch.tensor(x), torch.tensor(y)
    copt = coptim.Adam([cw], lr=0.05)
    topt = torch.optim.Adam([tw], lr=0.05, foreach=False)
    for _ in range(20):
        copt.zero_grad()
        topt.zero_grad()
        closs = ((cx * cw).sum(1) - cy).pow(2).mean()
        tloss = ((tx * tw).sum(1) - ty).pow(2).mean()
        closs.backward()
        tloss.backward()
        copt.step()
        topt.step()
    np.testing.assert_allclose(cw.detach().numpy(), tw.detach().numpy(), rtol=1e-10)
