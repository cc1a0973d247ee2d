"""Special functions beyond the op database: the pure-NumPy kernels (used when SciPy is not
installed) against SciPy and PyTorch, values at poles and infinities, and argument errors."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import chainrule
from chainrule.ops import _special_kernels as K

_rng = np.random.default_rng(7)
_X = np.concatenate([_rng.uniform(-30, 30, 400), _rng.uniform(-3, 3, 400),
                     10.0 ** _rng.uniform(-300, 300, 100), -(10.0 ** _rng.uniform(-300, 300, 100)),
                     [0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, 2.0, -1.0, -2.5, 20.0, 26.0]])
_P = np.concatenate([_rng.uniform(0, 1, 400), 10.0 ** _rng.uniform(-300, 0, 200),
                     1 - 10.0 ** _rng.uniform(-16, 0, 100),
                     [0.0, 1.0, 0.5, -0.1, 1.1, np.nan, 1e-310]])
_Y = np.concatenate([_rng.uniform(-1, 1, 400), 1 - 10.0 ** _rng.uniform(-16, 0, 100),
                     -1 + 10.0 ** _rng.uniform(-16, 0, 100), 10.0 ** _rng.uniform(-300, 0, 50),
                     [0.0, -0.0, 1.0, -1.0, 1.5, np.nan]])


@pytest.fixture
def no_scipy(monkeypatch):
    """Run with the pure-NumPy kernels, as when SciPy is not installed."""
    monkeypatch.setattr(K, "SC", None)


def _close(ours, ref, rtol, atol=0.0):
    ours, ref = np.asarray(ours), np.asarray(ref)
    same = (ours == ref) | (np.isnan(ours) & np.isnan(ref))
    assert np.array_equal(np.isnan(ours), np.isnan(ref))
    assert np.array_equal(np.isinf(ours), np.isinf(ref))
    assert np.array_equal(np.signbit(ours[np.isinf(ref)]), np.signbit(ref[np.isinf(ref)]))
    fin = np.isfinite(ref)
    np.testing.assert_allclose(ours[fin & ~same], ref[fin & ~same], rtol=rtol, atol=atol)


_KERNELS = [  # name, inputs, rtol, atol (near roots of lgamma/digamma the error is absolute)
    ("lgamma", _X, 1e-13, 1e-13), ("digamma", _X, 1e-13, 1e-13), ("erfcx", _X, 1e-13, 0),
    ("ndtr", _X, 1e-12, 0), ("log_ndtr", _X, 1e-12, 0), ("i0", _X, 1e-14, 0),
    ("i0e", _X, 1e-14, 0), ("i1", _X, 1e-14, 0), ("i1e", _X, 1e-14, 0),
    ("erf", _X, 1e-15, 0), ("erfc", _X, 1e-13, 1e-300), ("erfinv", _Y, 1e-14, 0),
]


@pytest.mark.parametrize("name,x,rtol,atol", _KERNELS, ids=[k[0] for k in _KERNELS])
def test_fallback_kernels_match_scipy(name, x, rtol, atol):
    sc = pytest.importorskip("scipy.special")
    ref = getattr(K, name)(x)  # scipy's, with PyTorch's conventions applied
    assert K.SC is sc
    fn = getattr(K, name)
    K.SC = None
    try:
        ours = fn(x)
    finally:
        K.SC = sc
    _close(ours, ref, rtol, atol)


def test_fallback_ndtri_matches_scipy():
    sc = pytest.importorskip("scipy.special")
    p = _P[_P >= 1e-300]  # below, the tail is Acklam's approximation alone (~1e-9)
    _close(K._ndtri_np(p), sc.ndtri(p), 1e-14, 1e-300)
    np.testing.assert_allclose(K._ndtri_np(np.array([1e-310])), sc.ndtri(1e-310), rtol=1e-8)


@pytest.mark.parametrize("n", [1, 2, 3, 6])
def test_fallback_polygamma_matches_scipy(n):
    pytest.importorskip("scipy.special")
    x = _X[np.abs(_X) < 1e5]
    ref = K.polygamma(n, x)
    sc, K.SC = K.SC, None
    try:
        ours = K.polygamma(n, x)
    finally:
        K.SC = sc
    finite = np.isfinite(x)
    _close(ours[finite], ref[finite], 1e-12, 1e-300)


_TORCH_VALUES = [
    ("lgamma", lambda lib, x: lib.lgamma(x), _X),
    ("digamma", lambda lib, x: lib.digamma(x), _X),
    ("polygamma2", lambda lib, x: lib.polygamma(2, x), _X[np.abs(_X) < 1e3]),
    ("erfinv", lambda lib, x: lib.erfinv(x), _Y),
    ("erfc", lambda lib, x: lib.erfc(x), _X),
    ("i0e", lambda lib, x: lib.special.i0e(x), _X),
    ("i1", lambda lib, x: lib.special.i1(x), _X),
    ("ndtri", lambda lib, x: lib.special.ndtri(x), _P[_P >= 1e-300]),
    ("log_ndtr", lambda lib, x: lib.special.log_ndtr(x), _X),
    ("erfcx", lambda lib, x: lib.special.erfcx(x), _X),
    ("entr", lambda lib, x: lib.special.entr(x), _X),
    ("sinc", lambda lib, x: lib.sinc(x), _X[np.abs(_X) < 1e10]),
]


@pytest.mark.parametrize("scipy_kernels", [True, False], ids=["scipy", "numpy"])
@pytest.mark.parametrize("name,fn,x", _TORCH_VALUES, ids=[v[0] for v in _TORCH_VALUES])
def test_values_match_torch(name, fn, x, scipy_kernels, monkeypatch):
    torch = pytest.importorskip("torch")
    if not scipy_kernels:
        monkeypatch.setattr(K, "SC", None)
    ours = fn(chainrule, chainrule.tensor(x)).numpy()
    theirs = fn(torch, torch.tensor(x)).numpy()
    _close(ours, theirs, 1e-9, 1e-12)


def test_gradients_with_numpy_kernels(no_scipy):
    torch = pytest.importorskip("torch")
    x = np.array([-2.5, 0.3, 1.7, 4.2, 12.5])
    for name in ("lgamma", "digamma", "i0", "erfc"):
        c = chainrule.tensor(x, requires_grad=True)
        t = torch.tensor(x, requires_grad=True)
        (gc,) = chainrule.autograd.grad(getattr(chainrule, name)(c).sum(), c)
        (gt,) = torch.autograd.grad(getattr(torch, name)(t).sum(), t)
        np.testing.assert_allclose(gc.numpy(), gt.numpy(), rtol=1e-9, err_msg=name)
    p = np.array([0.01, 0.3, 0.5, 0.97])
    c = chainrule.tensor(p, requires_grad=True)
    t = torch.tensor(p, requires_grad=True)
    (gc,) = chainrule.autograd.grad(chainrule.special.ndtri(c).sum(), c)
    (gt,) = torch.autograd.grad(torch.special.ndtri(t).sum(), t)
    np.testing.assert_allclose(gc.numpy(), gt.numpy(), rtol=1e-9)


def test_import_and_compute_without_scipy():
    """With SciPy unimportable, chainrule still imports and computes every special function."""
    code = """
import sys
sys.modules["scipy"] = None
sys.modules["scipy.special"] = None
import math
import chainrule as c
from chainrule.ops import _special_kernels as K
assert K.SC is None
x = c.tensor([0.3, 1.5, 4.0], dtype=c.float64)
assert abs(c.lgamma(x)[1].item() - math.lgamma(1.5)) < 1e-15
assert abs(c.erfinv(c.erf(x))[0].item() - 0.3) < 1e-15
for f in ("i0e", "i1", "i1e", "ndtr", "log_ndtr", "erfcx", "entr"):
    getattr(c.special, f)(x)
c.polygamma(3, x); c.mvlgamma(x + 2, 3); c.special.ndtri(x / 5)
"""
    subprocess.run([sys.executable, "-c", code], check=True)


# ---------------------------------------------------------------------------- errors
def _errors_match(fn):
    torch = pytest.importorskip("torch")
    res = []
    for lib in (chainrule, torch):
        with pytest.raises(Exception) as info:
            fn(lib)
        res.append((type(info.value).__name__, str(info.value)))
    assert res[0] == res[1]


@pytest.mark.parametrize("call", [
    lambda lib: lib.polygamma(-1, lib.tensor([1.0])),
    lambda lib: lib.polygamma(1.5, lib.tensor([1.0])),
    lambda lib: lib.mvlgamma(lib.tensor([3.0]), 0),
    lambda lib: lib.erfinv(lib.tensor([1j])),
    lambda lib: lib.lgamma(lib.tensor([1j])),
    lambda lib: lib.special.i0e(lib.tensor([1j])),
    lambda lib: lib.tensor([1, 2]).erfinv_(),
    lambda lib: lib.tensor([1, 2]).lgamma_(),
    lambda lib: lib.ones(2, requires_grad=True).digamma_(),
])
def test_errors(call):
    _errors_match(call)


def test_inplace_variants():
    torch = pytest.importorskip("torch")
    x = np.array([0.2, 0.5, 0.7])
    for name, args in [("erfinv_", ()), ("lgamma_", ()), ("digamma_", ()), ("polygamma_", (2,)),
                       ("mvlgamma_", (1,)), ("i0_", ()), ("sinc_", ()), ("logit_", (0.3,)),
                       ("erfc_", ()), ("xlogy_", (2.0,))]:
        c, t = chainrule.tensor(x), torch.tensor(x)
        rc, rt = getattr(c, name)(*args), getattr(t, name)(*args)
        assert rc is c and rt is t
        np.testing.assert_allclose(c.numpy(), t.numpy(), rtol=1e-12, err_msg=name)
        assert c._version == 1


def test_special_namespace_names():
    torch = pytest.importorskip("torch")
    for name in chainrule.special.__all__:
        assert hasattr(torch.special, name), name
        assert callable(getattr(chainrule.special, name))
    assert chainrule.special.expit is chainrule.sigmoid
    assert chainrule.special.gammaln is chainrule.lgamma
    # names that PyTorch keeps in torch.special only stay out of the top level
    for name in ("i0e", "i1", "i1e", "erfcx", "ndtr", "ndtri", "log_ndtr", "entr", "xlog1py"):
        assert not hasattr(chainrule, name) and not hasattr(torch, name)
