"""Op-database entries for elementwise functions of one tensor."""

import numpy as np

from . import OpInfo, arr, ints, pos

_DOMAIN = {
    "log": pos(3, 4), "log2": pos(3, 4), "log10": pos(3, 4), "log1p": pos(3, 4),
    "sqrt": pos(3, 4), "rsqrt": pos(3, 4), "reciprocal": arr(3, 4, away=0.5),
    "asin": arr(3, 4, low=-0.9, high=0.9), "acos": arr(3, 4, low=-0.9, high=0.9),
    "atanh": arr(3, 4, low=-0.9, high=0.9), "acosh": pos(3, 4, low=1.2, high=3.0),
    "tan": arr(3, 4, low=-1.2, high=1.2),
}
_SMOOTH = ["exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt",
           "reciprocal", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh",
           "asinh", "acosh", "atanh", "sigmoid", "erf"]
_ALIASES = {"asin": "arcsin", "acos": "arccos", "atan": "arctan", "asinh": "arcsinh",
            "acosh": "arccosh", "atanh": "arctanh"}

ENTRIES = []
for _n in _SMOOTH:
    _names = (_n, _ALIASES[_n]) if _n in _ALIASES else _n
    ENTRIES.append(OpInfo(_names, lambda lib, x, _f=_n: getattr(lib, _f)(x),
                          [(_DOMAIN.get(_n, arr(3, 4)),),
                           (np.array(_DOMAIN.get(_n, arr(3, 4))[0, 0]),)]))
    ENTRIES.append(OpInfo(_n, lambda lib, x, _f=_n: getattr(x, _f)(), [(ints(3, low=1),)],
                          differentiable=False, variant="int"))

_ROUNDING = np.array([-2.3, -1.6, -0.7, 0.2, 0.4, 1.3, 2.2])
_HALVES = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 2.49])
for _n in ("floor", "ceil", "round", "trunc", "frac"):
    _names = ("trunc", "fix") if _n == "trunc" else _n
    ENTRIES.append(OpInfo(_names, lambda lib, x, _f=_n: getattr(lib, _f)(x), [(_ROUNDING,)],
                          smooth=False))
    _samples = [(_HALVES,), (ints(3),)] if _n != "frac" else [(_HALVES,)]
    ENTRIES.append(OpInfo(_n, lambda lib, x, _f=_n: getattr(lib, _f)(x), _samples,
                          differentiable=False, variant="halves"))
ENTRIES += [
    OpInfo("round", lambda lib, x: lib.round(x, decimals=1), [(np.array([1.25, -2.37, 0.05]),)],
           smooth=False, numerical=False, variant="decimals", float32=False),
    OpInfo(("abs", "absolute"), lambda lib, x: lib.absolute(x), [(arr(5, away=0.1),)],
           smooth=False),
    OpInfo("abs", lambda lib, x: x.abs(), [(np.array([0.0, -1.0, 2.0]),)], smooth=False,
           numerical=False, variant="kink"),
    OpInfo(("sign", "sgn"), lambda lib, x: (lib.sign(x), lib.sgn(x)),
           [(np.array([0.0, -1.5, 2.0]),)], smooth=False, numerical=False),
    OpInfo("signbit", lambda lib, x: lib.signbit(x), [(np.array([0.0, -1.5, 2.0]),)],
           differentiable=False),
]
_SPECIAL = np.array([0.0, np.inf, -np.inf, np.nan, 1.0])
for _n in ("isnan", "isinf", "isfinite", "isposinf", "isneginf"):
    ENTRIES.append(OpInfo(_n, lambda lib, x, _f=_n: getattr(lib, _f)(x), [(_SPECIAL,)],
                          differentiable=False))
