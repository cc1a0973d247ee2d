"""Special functions: ``erfc``, ``erfinv``, ``lgamma``, ``digamma``, ``polygamma``,
``mvlgamma``, the modified Bessel functions ``i0``/``i0e``/``i1``/``i1e``, ``sinc``,
``logit``, ``xlogy``/``xlog1py``, ``entr`` and the normal distribution's ``ndtr``,
``ndtri``, ``log_ndtr`` and ``erfcx``.

The forwards are the kernels of :mod:`._special_kernels` (SciPy's when installed, else pure
NumPy), computed in float64 and cast back to the input's dtype; integer and bool inputs give
the default float dtype, as in PyTorch. Names PyTorch has at top level (``torch.lgamma``)
are registered ops and Tensor methods, with in-place variants; the others live only in
``chainrule.special`` (``torch.special.i0e``), with PyTorch's node names
(``SpecialI0EBackward0``). Every rule is written with ``F``, so each derivative can be
differentiated again (``lgamma`` -> ``digamma`` -> ``polygamma(1)`` -> ...).
"""

from __future__ import annotations

import math

import numpy as np

from .. import _dtype
from ..autograd.graph import derivative
from . import _special_kernels as K
from ._core import OPS, Tensor, binary_meta, operands, record, register
from ._graphmath import define_math
from .linalg import sname

__all__ = ["erfc", "erfinv", "lgamma", "digamma", "polygamma", "mvlgamma", "i0", "sinc",
           "logit", "xlogy", "i0e", "i1", "i1e", "erfcx", "ndtr", "ndtri", "log_ndtr", "entr",
           "xlog1py"]

_SQRT_PI = math.sqrt(math.pi)
_SQRT_2PI = math.sqrt(2.0 * math.pi)


def _floating(input: Tensor, kernel: str) -> np.ndarray:
    """The input's data as a real floating array (integers in the default float dtype)."""
    d = input._data
    if d.dtype.kind == "c":
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{sname(d)}'")
    if d.dtype.kind != "f":
        d = d.astype(_dtype.get_default_dtype().np)
    return d


def _apply(kernel, d: np.ndarray, *args) -> np.ndarray:
    """``kernel`` evaluated in float64 on ``d``, cast back to ``d``'s dtype."""
    with np.errstate(all="ignore"):
        out = kernel(*args, np.asarray(d, dtype=np.float64))
    return np.asarray(out).astype(d.dtype, copy=False)


def _inplace(self: Tensor, fn, *args) -> Tensor:
    from .inplace import apply_inplace

    return apply_inplace(self, fn, *args)


# ------------------------------------------------------------ the math of the rules (F.*)
def _tensor_fn(name: str):
    return lambda *a: globals()[name](*a)


for _name in ("digamma", "i0", "i1", "i0e", "i1e"):
    define_math(_name, lambda x, _k=getattr(K, _name): _apply(_k, x), _tensor_fn(_name))
define_math("polygamma", lambda n, x: _apply(K.polygamma, x, n), _tensor_fn("polygamma"))


# ------------------------------------------------------------------ one-tensor functions
@derivative("erfc")
def ErfcBackward0(node, F, g):
    # -2/sqrt(pi) exp(-x^2)
    (x,) = F.saved(node)
    return (g * (F.exp(-(x * x)) * (-2.0 / _SQRT_PI)),)


@derivative("erfinv")
def ErfinvBackward0(node, F, g):
    # sqrt(pi)/2 exp(erfinv(x)^2)
    y = F.output(node)
    return (g * (F.exp(y * y) * (0.5 * _SQRT_PI)),)


@derivative("lgamma")
def LgammaBackward0(node, F, g):
    # digamma(x)
    (x,) = F.saved(node)
    return (g * F.digamma(x),)


@derivative("digamma")
def DigammaBackward0(node, F, g):
    # polygamma(1, x)
    (x,) = F.saved(node)
    return (g * F.polygamma(1, x),)


@derivative("i0")
def I0Backward0(node, F, g):
    # I0' = I1
    (x,) = F.saved(node)
    return (g * F.i1(x),)


@derivative("special_i0e")
def SpecialI0EBackward0(node, F, g):
    # (exp(-|x|) I0)' = i1e(x) - sgn(x) i0e(x)
    (x,) = F.saved(node)
    return (g * (F.i1e(x) - F.sign(x) * F.output(node)),)


def _safe(F, x):
    """``x`` with its zeros replaced by 1 (so that a masked-out ``1/x`` stays finite)."""
    return F.where(x == 0, 1.0, x)


@derivative("special_i1")
def SpecialI1Backward0(node, F, g):
    # I1' = I0 - I1/x, 1/2 at 0
    (x,) = F.saved(node)
    xs = _safe(F, x)
    return (g * F.where(x == 0, 0.5, F.i0(xs) - F.output(node) / xs),)


@derivative("special_i1e")
def SpecialI1EBackward0(node, F, g):
    # (exp(-|x|) I1)' = i0e(x) - i1e(x) (sgn(x) + 1/x), 1/2 at 0
    (x,) = F.saved(node)
    xs = _safe(F, x)
    return (g * F.where(x == 0, 0.5, F.i0e(xs) - F.output(node) * (F.sign(xs) + 1.0 / xs)),)


@derivative("sinc")
def SincBackward0(node, F, g):
    # (pi x cos(pi x) - sin(pi x)) / (pi x^2), 0 where pi x^2 underflows to 0
    (x,) = F.saved(node)
    zero = x * x * math.pi == 0
    xs = F.where(zero, 1.0, x)
    px = xs * math.pi
    return (g * F.where(zero, 0.0, (px * F.cos(px) - F.sin(px)) / (px * xs)),)


@derivative("special_erfcx")
def SpecialErfcxBackward0(node, F, g):
    # 2 x erfcx(x) - 2/sqrt(pi)
    (x,) = F.saved(node)
    return (g * (x * F.output(node) * 2.0 - 2.0 / _SQRT_PI),)


@derivative("mul", 1)
def NdtrBackward(node, F, g):
    # the normal density exp(-x^2/2) / sqrt(2 pi); PyTorch's ndtr ends with a scalar multiply
    (x,) = F.saved(node)
    return (g * (F.exp(x * x * -0.5) / _SQRT_2PI),)


@derivative("special_ndtri")
def SpecialNdtriBackward0(node, F, g):
    # 1 / density(ndtri(p)) = sqrt(2 pi) exp(y^2 / 2)
    y = F.output(node)
    return (g * (F.exp(y * y * 0.5) * _SQRT_2PI),)


@derivative("special_log_ndtr")
def SpecialLogNdtrBackward0(node, F, g):
    # density(x) / ndtr(x) = exp(-(y + x^2/2)) / sqrt(2 pi)
    (x,) = F.saved(node)
    y = F.output(node)
    return (g * (F.exp(-(y + x * x * 0.5)) / _SQRT_2PI),)


@derivative("special_entr")
def SpecialEntrBackward0(node, F, g):
    # d(-x log x) = -(1 + log x)
    (x,) = F.saved(node)
    return (g * -(F.log(x) + 1.0),)


def _entr(x: np.ndarray) -> np.ndarray:
    out = np.where(x > 0, -x * np.log(np.where(x > 0, x, 1.0)), np.where(x == 0, 0.0, -np.inf))
    return np.where(np.isnan(x), np.nan, out)


def _sinc(x: np.ndarray) -> np.ndarray:
    return np.sinc(x)


#: name -> (float64 kernel, node class, what the rule reads: "x", "y" or "xy", kernel name)
_UNARY = {
    "erfc": (K.erfc, ErfcBackward0, "x", "erfc_vml_cpu"),
    "erfinv": (K.erfinv, ErfinvBackward0, "y", "erfinv_vml_cpu"),
    "lgamma": (K.lgamma, LgammaBackward0, "x", "lgamma_vml_cpu"),
    "digamma": (K.digamma, DigammaBackward0, "x", "digamma"),
    "i0": (K.i0, I0Backward0, "x", "i0_cpu"),
    "sinc": (_sinc, SincBackward0, "x", "sinc_cpu"),
    "i0e": (K.i0e, SpecialI0EBackward0, "xy", "i0e_cpu"),
    "i1": (K.i1, SpecialI1Backward0, "xy", "i1_cpu"),
    "i1e": (K.i1e, SpecialI1EBackward0, "xy", "i1e_cpu"),
    "erfcx": (K.erfcx, SpecialErfcxBackward0, "xy", "erfcx_cpu"),
    "ndtr": (K.ndtr, NdtrBackward, "x", "ndtr_cpu"),
    "ndtri": (K.ndtri, SpecialNdtriBackward0, "y", "ndtri_cpu"),
    "log_ndtr": (K.log_ndtr, SpecialLogNdtrBackward0, "xy", "log_ndtr_cpu"),
    "entr": (_entr, SpecialEntrBackward0, "x", "entr_cpu"),
}


def _make_unary(name: str, kernel, cls, reads: str, kname: str):
    def op(input: Tensor) -> Tensor:
        d = _floating(input, kname)
        return record(cls, _apply(kernel, d), (input,), saved=(input,) if "x" in reads else None,
                      save_out="y" in reads)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise ``{name}`` (see :mod:`chainrule.special`)."
    return op


_FUNCS = {name: _make_unary(name, *spec) for name, spec in _UNARY.items()}
erfc, erfinv, lgamma, digamma, i0, sinc = (
    _FUNCS[n] for n in ("erfc", "erfinv", "lgamma", "digamma", "i0", "sinc"))
i0e, i1, i1e, erfcx, ndtr, ndtri, log_ndtr, entr = (
    _FUNCS[n] for n in ("i0e", "i1", "i1e", "erfcx", "ndtr", "ndtri", "log_ndtr", "entr"))

# PyTorch has these at top level and as Tensor methods (with in-place variants); the others
# only in torch.special
for _name in ("erfc", "erfinv", "lgamma", "digamma", "i0", "sinc"):
    register(_name)(_FUNCS[_name])
    register(_name + "_", function=False)(lambda self, _f=_FUNCS[_name]: _inplace(self, _f))


# ------------------------------------------------------------------ polygamma / mvlgamma
@derivative("polygamma")
def PolygammaBackward0(node, F, g):
    # d polygamma(n, x) = polygamma(n + 1, x)
    (x,) = F.saved(node)
    return (g * F.polygamma(node._args + 1, x),)


PolygammaBackward1 = derivative("polygamma", 1)(PolygammaBackward0.backward)  # polygamma_


@register("polygamma", method=False)
def polygamma(n: int, input: Tensor) -> Tensor:
    """The ``n``-th derivative of ``digamma`` (``n = 0`` is ``digamma`` itself)."""
    _check_order(n)
    return _polygamma(n, input, PolygammaBackward0)


def _check_order(n) -> None:
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise TypeError(f"polygamma(): argument 'n' (position 1) must be int, not "
                        f"{type(n).__name__}")
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")


def _polygamma(n: int, input: Tensor, cls: type) -> Tensor:
    d = _floating(input, "polygamma")
    return record(cls, _apply(K.polygamma, d, int(n)), (input,), saved=(input,), args=int(n))


def _polygamma_method(self: Tensor, n: int) -> Tensor:
    """``polygamma(n, self)``."""
    return polygamma(n, self)


def _polygamma_(self: Tensor, n: int) -> Tensor:
    """In-place ``polygamma(n, self)``."""
    _check_order(n)
    return _inplace(self, lambda t, k: _polygamma(k, t, PolygammaBackward1), n)


Tensor.polygamma = _polygamma_method
Tensor.polygamma_ = _polygamma_


@derivative("mvlgamma")
def MvlgammaBackward0(node, F, g):
    # sum_j digamma(x - j/2), j = 0..p-1
    (x,) = F.saved(node)
    total = F.digamma(x)
    for j in range(1, node._args):
        total = total + F.digamma(x - 0.5 * j)
    return (g * total,)


def _mvlgamma(p: int, x: np.ndarray) -> np.ndarray:
    total = K.lgamma(x)
    for j in range(1, p):
        total = total + K.lgamma(x - 0.5 * j)
    return total + p * (p - 1) * math.log(math.pi) / 4.0


@register("mvlgamma")
def mvlgamma(input: Tensor, p: int) -> Tensor:
    """The multivariate log-gamma function of dimension ``p``."""
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    d = _floating(input, "mvlgamma")
    return record(MvlgammaBackward0, _apply(_mvlgamma, d, int(p)), (input,), saved=(input,),
                  args=int(p))


register("mvlgamma_", function=False)(lambda self, p: _inplace(self, mvlgamma, p))


# --------------------------------------------------------------------------------- logit
@derivative("logit")
def LogitBackward0(node, F, g):
    # 1 / (x (1 - x)); without eps NaN outside [0, 1], with eps 0 outside [eps, 1 - eps]
    (x,) = F.saved(node)
    eps = node._args
    d = g / (x * (1.0 - x))
    if eps is None:
        return (F.where((x < 0) | (x > 1), math.nan, d),)
    return (F.where((x < eps) | (x > 1.0 - eps), 0.0, d),)


@register("logit")
def logit(input: Tensor, eps: float | None = None) -> Tensor:
    """``log(x / (1 - x))``, with ``x`` clamped to ``[eps, 1 - eps]`` when ``eps`` is given."""
    d = _floating(input, "logit")
    x = d if eps is None else np.clip(d, eps, 1.0 - eps)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.log(x / (1.0 - x)).astype(d.dtype, copy=False)
    return record(LogitBackward0, out, (input,), saved=(input,), args=eps)


register("logit_", function=False)(lambda self, eps=None: _inplace(self, logit, eps))


# ------------------------------------------------------------------------ xlogy / xlog1py
def _binary_log(name: str, ufunc, shift: float):
    """``xlogy`` (``shift`` 0) or ``xlog1py`` (``shift`` 1) and their three nodes."""
    tag = "xlogy" if shift == 0 else "special_xlog1py"

    def log_fn(F, y):
        return F.log(y) if shift == 0 else F.log1p(y)

    # PyTorch: d/dx = log(y), except 0 where x == 0 and log(y) is not finite (y <= 0 for
    # xlogy, y <= -1 for xlog1py); d/dy = x / y (x / (1 + y) for xlog1py)
    @derivative(tag)
    def both(node, F, g):
        x, y = F.saved(node)
        nx, ny = F.needs(node)
        gx = F.where((x == 0) & (y <= -shift), 0.0, g * log_fn(F, y)) if nx else None
        gy = g * x / (y + shift) if ny else None
        return gx, gy

    @derivative(tag, 1)
    def number_x(node, F, g):
        (y,) = F.saved(node)
        return (g * node._args / (y + shift),)

    @derivative(tag, 2)
    def number_y(node, F, g):
        (x,) = F.saved(node)
        c = node._args
        with np.errstate(all="ignore"):
            logc = float(np.log(c) if shift == 0 else np.log1p(c))
        return (F.where(x == 0, 0.0, g * logc) if c <= -shift else g * logc,)

    def op(input, other) -> Tensor:
        ta, tb, da, db, dt = operands(input, other)
        if ta is None and tb is None:
            raise TypeError(f"{name}() received an invalid combination of arguments")
        rt = _dtype.result_type(input, other)
        if not rt.is_floating_point:
            if rt.is_complex:
                raise NotImplementedError(f"\"{name}_cpu\" not implemented for 'ComplexFloat'")
            rt = _dtype.get_default_dtype()
        a = np.asarray(da, dtype=np.float64)
        b = np.asarray(db, dtype=np.float64)
        with np.errstate(all="ignore"):
            out = ufunc(b) * a
            out = np.where((a == 0) & ~np.isnan(b), 0.0, out)
        out = np.asarray(out).astype(rt.np, copy=False)
        if tb is None:
            return record(number_y, out, (ta,), saved=(ta,), args=other)
        if ta is None:
            return record(number_x, out, (tb,), saved=(tb,), args=input)
        return record(both, out, (ta, tb), saved=(ta, tb), meta=binary_meta(ta, tb, out))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = (f"``input * {'log' if shift == 0 else 'log1p'}(other)``, 0 where input is 0 "
                  "(unless other is NaN).")
    return op, (both, number_x, number_y)


xlogy, (XlogyBackward0, XlogyBackward1, XlogyBackward2) = _binary_log("xlogy", np.log, 0.0)
xlog1py, (SpecialXlog1PyBackward0, SpecialXlog1PyBackward1, SpecialXlog1PyBackward2) = \
    _binary_log("xlog1py", np.log1p, 1.0)
register("xlogy")(xlogy)
register("xlogy_", function=False)(lambda self, other: _inplace(self, xlogy, other))


def special_round(input: Tensor, *, decimals: int = 0) -> Tensor:
    """``torch.special.round``: round half to even (always the ``decimals`` overload)."""
    from .unary import RoundBackward1

    d = input._data
    if d.dtype.kind not in "fc":
        return OPS["round"](input, decimals=decimals)
    return record(RoundBackward1, np.round(d, decimals), (input,))
