"""Op-database entries for binary arithmetic, comparisons and logical ops."""

import numpy as np

from . import OpInfo, arr, ints, pos

ENTRIES = [
    OpInfo("add", lambda lib, x, y: x + y, [(arr(3, 4), arr(3, 4)), (arr(3, 1), arr(4)),
                                           (arr(2, 3), arr())], smooth=False, variant="op"),
    OpInfo("add", lambda lib, x, y: lib.add(x, y, alpha=2.5), [(arr(2, 3), arr(3))],
           smooth=False, variant="alpha"),
    OpInfo("add", lambda lib, x: 3 + x + 2.5, [(arr(4),)], smooth=False, variant="scalar"),
    OpInfo(("sub", "subtract"), lambda lib, x, y: x - y,
           [(arr(3, 4), arr(4)), (arr(1, 3), arr(2, 1))], smooth=False),
    OpInfo("sub", lambda lib, x, y: lib.subtract(x, y, alpha=3), [(arr(3,), arr(3))],
           smooth=False, variant="alpha"),
    OpInfo("rsub", lambda lib, x: 1 - x, [(arr(3),)], smooth=False),
    OpInfo(("mul", "multiply"), lambda lib, x, y: lib.multiply(x, y), [(arr(3, 4), arr(4)),
                                                                      (arr(2, 1, 3), arr(4, 1))]),
    OpInfo("mul", lambda lib, x: x * 2.5, [(arr(2, 2),)], variant="scalar"),
    OpInfo("mul", lambda lib, x: x * x, [(arr(5),)], variant="same"),
    OpInfo(("div", "divide", "true_divide"), lambda lib, x, y: lib.true_divide(x, y),
           [(arr(3, 4), arr(4, away=0.5)), (arr(2, 1), arr(1, 3, away=0.5))]),
    OpInfo("div", lambda lib, x: 2.0 / x, [(arr(4, away=0.5),)], variant="rdiv"),
    OpInfo("div", lambda lib, x, y: lib.divide(x, y, rounding_mode="trunc"),
           [(np.array([7, -7, 5]), np.array([2, 2, -3]))], differentiable=False, variant="trunc"),
    OpInfo("div", lambda lib, x, y: x / y, [(np.array([7, -7, 5]), np.array([2, 2, -3]))],
           differentiable=False, variant="int"),
    OpInfo("floor_divide", lambda lib, x, y: x // y,
           [(np.array([7, -7, 5]), np.array([2, 2, -3])),
            (np.array([7.5, -7.0]), np.array([2.0, 2.0]))],
           differentiable=False),
    OpInfo("remainder", lambda lib, x: x % 1.5, [(arr(5),)], smooth=False),
    OpInfo("remainder", lambda lib, x, y: lib.remainder(x, y),
           [(arr(4) + 5.1, np.array([2.0, -3.0, 1.7, -1.3]))], smooth=False, variant="tensor"),
    OpInfo("fmod", lambda lib, x: lib.fmod(x, 1.5), [(arr(5),)], smooth=False),
    OpInfo("fmod", lambda lib, x, y: lib.fmod(x, y),
           [(arr(4) + 5.1, np.array([2.0, -3.0, 1.7, -1.3]))], smooth=False, variant="tensor"),
    OpInfo("pow", lambda lib, x: x ** 3, [(arr(4),)], variant="scalar"),
    OpInfo("pow", lambda lib, x: x ** 0.5, [(pos(4),)], variant="sqrt"),
    OpInfo("pow", lambda lib, x: x ** 0, [(arr(4),)], variant="zero"),
    OpInfo("pow", lambda lib, x: x ** 2, [(arr(3, 2),)], variant="square"),
    OpInfo("pow", lambda lib, x, y: x ** y, [(pos(3, 1), arr(4)), (pos(3), arr())],
           variant="tensor"),
    OpInfo("pow", lambda lib, x: 2.5 ** x, [(arr(4),)], variant="rpow"),
    OpInfo("square", lambda lib, x: lib.square(x), [(arr(3, 2),)]),
    OpInfo(("neg", "negative"), lambda lib, x: -lib.negative(x), [(arr(3),)], smooth=False),
]

_CMP = [("eq", "eq"), ("ne", "ne"), ("lt", "lt"), ("le", "le"), ("gt", "gt"), ("ge", "ge"),
        ("not_equal", "not_equal"), ("less", "less"), ("less_equal", "less_equal"),
        ("greater", "greater"), ("greater_equal", "greater_equal")]
_a, _b = np.array([1.0, 2.0, 3.0, 2.0]), np.array([2.0, 2.0, 1.0, 3.0])
for _name, _fn in _CMP:
    ENTRIES.append(OpInfo(_name, lambda lib, x, y, _f=_fn: getattr(lib, _f)(x, y),
                          [(_a, _b), (_a, np.array(2.0))], differentiable=False))
ENTRIES.append(OpInfo("eq", lambda lib, x: (x == 2, x < 2.5, 1 < x), [(_a,)],
                      differentiable=False, variant="scalar"))

_i, _j = np.array([1, 6, 3]), np.array([3, 5, 1])
_p, _q = np.array([True, False, True]), np.array([True, True, False])
for _name in ("bitwise_and", "bitwise_or", "bitwise_xor", "logical_and", "logical_or",
              "logical_xor"):
    ENTRIES.append(OpInfo(_name, lambda lib, x, y, _f=_name: getattr(lib, _f)(x, y),
                          [(_i, _j), (_p, _q)], differentiable=False))
ENTRIES += [
    OpInfo("bitwise_not", lambda lib, x: lib.bitwise_not(x), [(_i,), (_p,)], differentiable=False),
    OpInfo("logical_not", lambda lib, x: lib.logical_not(x), [(_i,), (_p,)], differentiable=False),
    OpInfo("bitwise_and", lambda lib, x, y: (x & y, x | y, x ^ y, ~x), [(_p, _q)],
           differentiable=False, variant="operators"),
    OpInfo("add", lambda lib, x, y: (x + y, x * 2.5, x + True, x / 2), [(ints(3), ints(3))],
           differentiable=False, variant="int-promotion"),
]
