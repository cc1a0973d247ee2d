"""Elementwise math of one tensor: exp, log, trig, hyperbolic, roots, rounding, erf...

Each op is one row: its NumPy forward, what its rule reads (the input ``x`` or the
result ``y``), and the rule itself (``g`` the incoming gradient, ``F`` the math namespace).
Integer and bool inputs compute in the default float dtype, as in PyTorch.
"""

from __future__ import annotations

import math

import numpy as np

from .. import _dtype
from ..autograd.graph import derivative
from ._core import Tensor, make, record, record_unary, register

_SQRT_PI = math.sqrt(math.pi)
_LN2 = math.log(2.0)
_LN10 = math.log(10.0)


def _float_input(d: np.ndarray) -> np.ndarray:
    return d if d.dtype.kind in "fc" else d.astype(_dtype.get_default_dtype().np)


def _erf(x: np.ndarray) -> np.ndarray:
    try:
        from scipy.special import erf  # optional; faster and exact

        return erf(x).astype(x.dtype, copy=False)
    except ImportError:
        pass
    v = np.vectorize(math.erf, otypes=[x.dtype])
    return v(x) if x.size else x.copy()


def _rsqrt(x):
    return 1.0 / np.sqrt(x)


def _exp2(x):
    return np.exp2(x)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    if x.dtype.kind == "c":
        return 1.0 / (1.0 + np.exp(-x))
    # stable for large |x|: exp never overflows
    out = np.empty_like(x)
    pos = x >= 0
    e = np.exp(-np.abs(x))
    np.divide(1.0, 1.0 + e, out=out, where=pos)
    np.divide(e, 1.0 + e, out=out, where=~pos)
    return out


#: name -> (numpy forward, saves "x" or "y", rule(F, g, saved) -> grad)
UNARY = {
    # exponentials and logarithms
    "exp": (np.exp, "y", lambda F, g, y: g * y),                        # e^x
    "exp2": (_exp2, "y", lambda F, g, y: g * (y * _LN2)),               # 2^x ln2
    "expm1": (np.expm1, "y", lambda F, g, y: g * (y + 1.0)),            # e^x
    "log": (np.log, "x", lambda F, g, x: g / x),                        # 1/x
    "log2": (np.log2, "x", lambda F, g, x: g / (x * _LN2)),             # 1/(x ln2)
    "log10": (np.log10, "x", lambda F, g, x: g / (x * _LN10)),          # 1/(x ln10)
    "log1p": (np.log1p, "x", lambda F, g, x: g / (x + 1.0)),            # 1/(1+x)
    # powers and roots
    "sqrt": (np.sqrt, "y", lambda F, g, y: g / (y * 2.0)),              # 1/(2 sqrt x)
    "rsqrt": (_rsqrt, "y", lambda F, g, y: g * (y * y * y * -0.5)),     # -x^(-3/2)/2
    "reciprocal": (np.reciprocal, "y", lambda F, g, y: g * -(y * y)),   # -1/x^2
    # trigonometric
    "sin": (np.sin, "x", lambda F, g, x: g * F.cos(x)),
    "cos": (np.cos, "x", lambda F, g, x: g * -F.sin(x)),
    "tan": (np.tan, "y", lambda F, g, y: g * (y * y + 1.0)),            # 1 + tan^2
    "asin": (np.arcsin, "x", lambda F, g, x: g / F.sqrt(1.0 - x * x)),
    "acos": (np.arccos, "x", lambda F, g, x: -g / F.sqrt(1.0 - x * x)),
    "atan": (np.arctan, "x", lambda F, g, x: g / (x * x + 1.0)),
    # hyperbolic
    "sinh": (np.sinh, "x", lambda F, g, x: g * F.cosh(x)),
    "cosh": (np.cosh, "x", lambda F, g, x: g * F.sinh(x)),
    "tanh": (np.tanh, "y", lambda F, g, y: g * (1.0 - y * y)),          # 1 - tanh^2
    "asinh": (np.arcsinh, "x", lambda F, g, x: g / F.sqrt(x * x + 1.0)),
    "acosh": (np.arccosh, "x", lambda F, g, x: (                         # 1/sqrt(x^2-1)
        g / (F.sqrt(x - 1.0) * F.sqrt(x + 1.0)) if _is_complex(x)  # principal branch
        else g / F.sqrt(x * x - 1.0))),
    "atanh": (np.arctanh, "x", lambda F, g, x: g / (1.0 - x * x)),
    # activations
    "sigmoid": (_sigmoid, "y", lambda F, g, y: g * (y * (1.0 - y))),    # s(1-s)
    "erf": (_erf, "x", lambda F, g, x: g * (F.exp(-(x * x)) * (2.0 / _SQRT_PI))),
    # piecewise constant: zero gradient everywhere
    "floor": (np.floor, None, lambda F, g: F.zeros_like(g)),
    "ceil": (np.ceil, None, lambda F, g: F.zeros_like(g)),
    "round": (np.round, None, lambda F, g: F.zeros_like(g)),
    "trunc": (np.trunc, None, lambda F, g: F.zeros_like(g)),
    "frac": (lambda x: x - np.trunc(x), None, lambda F, g: g),
}

_INTEGER_PASSTHROUGH = {"floor", "ceil", "round", "trunc"}

# Holomorphic functions whose rules hold for complex tensors with PyTorch's convention,
# grad = g * conj(f'(z)): the rule is applied as conj(rule(conj(g))) there.
_COMPLEX_OK = {"exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt",
               "reciprocal", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh",
               "asinh", "acosh", "atanh", "sigmoid"}


def _is_complex(g) -> bool:
    d = g.dtype
    return d.kind == "c" if isinstance(d, np.dtype) else d.is_complex


# Ops whose domain errors (log(0), sqrt(-1)...) are common: NumPy's warnings are silenced for
# them, as PyTorch warns about none. Entering np.errstate costs more than a small op itself,
# so the others run unguarded (their only warnings are rare overflows).
_DOMAIN_ERRORS = {"log", "log2", "log10", "log1p", "sqrt", "rsqrt", "reciprocal", "asin",
                  "acos", "acosh", "atanh"}


def _make_unary(name: str, np_fn, saves: str | None, rule):
    guarded = name in _DOMAIN_ERRORS
    save_input, save_output = saves == "x", saves == "y"
    passthrough = name in _INTEGER_PASSTHROUGH
    if saves == "x":
        def backward(node, F, g):
            return (rule(F, g, F.saved(node)[0]),)

        def complex_backward(node, F, g):
            return (F.conj(rule(F, F.conj(g), F.saved(node)[0])),)
    elif saves == "y":
        def backward(node, F, g):
            return (rule(F, g, F.output(node)),)

        def complex_backward(node, F, g):
            return (F.conj(rule(F, F.conj(g), F.output(node))),)
    else:
        def backward(node, F, g):
            return (rule(F, g),)
        complex_backward = None
    backward.__doc__ = f"Derivative of {name}."
    cls = derivative(name)(backward)
    # Complex inputs record a subclass of the same (PyTorch) name whose rule conjugates, so
    # that the float rule pays nothing for complex support; ops not in _COMPLEX_OK record the
    # plain class, which refuses complex tensors.
    ccls = cls
    if name in _COMPLEX_OK:
        ccls = type(cls.__name__, (cls,), {"backward": complex_backward, "complex_ok": True,
                                           "__module__": cls.__module__,
                                           "__qualname__": cls.__qualname__,
                                           "__doc__": cls.__doc__})

    def op(input: Tensor) -> Tensor:
        d = input._data
        c = cls
        if d.dtype.kind != "f":
            if d.dtype.kind == "c":
                c = ccls
            elif passthrough:
                return make(d.copy())
            else:
                d = _float_input(d)
        if guarded:
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                out = np_fn(d)
        else:
            out = np_fn(d)
        return record_unary(c, out, input, save_input, save_output)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise ``{name}``."
    return cls, op


NODES = {}
for _name, (_fn, _saves, _rule) in UNARY.items():
    NODES[_name], _op = _make_unary(_name, _fn, _saves, _rule)
    globals()[_name] = register(_name)(_op)

register("arcsin")(globals()["asin"])
register("arccos")(globals()["acos"])
register("arctan")(globals()["atan"])
register("arcsinh")(globals()["asinh"])
register("arccosh")(globals()["acosh"])
register("arctanh")(globals()["atanh"])
register("fix")(globals()["trunc"])


# --------------------------------------------------------------- round(decimals=...)
_round_plain = globals()["round"]


@register("round")
def round(input: Tensor, *, decimals: int = 0) -> Tensor:  # noqa: A001
    """Round half to even, optionally to ``decimals`` places; zero gradient."""
    if decimals == 0:
        return _round_plain(input)
    return record(RoundBackward1, np.round(input._data, decimals), (input,))


@derivative("round", 1)
def RoundBackward1(node, F, g):
    return (F.zeros_like(g),)


# ------------------------------------------------------------------------ abs and sign
@derivative("abs", complex_ok=True)
def AbsBackward0(node, F, g):
    # sign(x), with abs'(0) = 0; complex: g * sgn(z), sgn(z) = z/|z| (0 at 0)
    (x,) = F.saved(node)
    if _is_complex(x):
        return (g * _sgn(F, x),)
    return (g * F.sign(x),)


def _sgn(F, z):
    """z/|z|, 0 at 0, for complex z (arrays or tensors)."""
    zero = z == 0
    safe = F.where(zero, 1.0, z)
    return F.where(zero, 0.0, safe / F.abs(safe))


@register("abs", "absolute")
def abs(input: Tensor) -> Tensor:  # noqa: A001
    """Elementwise absolute value (gradient 0 at 0)."""
    return record(AbsBackward0, np.abs(input._data), (input,), saved=(input,))


@derivative("sign")
def SignBackward0(node, F, g):
    return (F.zeros_like(g),)


@register("sign")
def sign(input: Tensor) -> Tensor:
    """-1, 0 or 1 by the sign of each element; zero gradient."""
    d = input._data
    out = np.sign(d) if d.dtype.kind != "b" else d.copy()
    return record(SignBackward0, out, (input,))


@derivative("sgn", complex_ok=True)
def SgnBackward0(node, F, g):
    # real: 0. complex s = z/|z|: (g - Re(g conj(s)) s) / |z|, 0 at z == 0
    if node._saved is None:
        return (F.zeros_like(g),)
    (z,) = F.saved(node)
    zero = z == 0
    safe = F.where(zero, 1.0, z)
    r = F.abs(safe)
    s = safe / r
    gs = g * F.conj(s)
    re = (gs + F.conj(gs)) * 0.5  # Re(g conj(s)), kept complex
    return (F.where(zero, 0.0, (g - re * s) / r),)


@register("sgn")
def sgn(input: Tensor) -> Tensor:
    """``sign`` for real tensors; ``z/|z|`` (0 at 0) for complex ones."""
    d = input._data
    if d.dtype.kind == "c":
        with np.errstate(invalid="ignore", divide="ignore"):
            a = np.abs(d)
            out = np.where(a == 0, 0, d / np.where(a == 0, 1, a)).astype(d.dtype)
        return record(SgnBackward0, out, (input,), saved=(input,))
    return record(SgnBackward0, np.sign(d) if d.dtype.kind != "b" else d.copy(), (input,))


@register("signbit")
def signbit(input: Tensor) -> Tensor:
    """Whether the sign bit is set, as bool."""
    return make(np.signbit(input._data))


for _n in ("isnan", "isinf", "isfinite", "isposinf", "isneginf"):
    def _check(input: Tensor, _f=getattr(np, _n)) -> Tensor:
        return make(np.asarray(_f(input._data)))

    _check.__name__ = _n
    _check.__doc__ = f"Elementwise ``{_n}``, as bool."
    register(_n)(_check)
