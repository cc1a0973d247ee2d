"""Elementwise math of several kinds: ``logaddexp``, ``hypot``, ``copysign``, ``ldexp``,
``frexp``, ``float_power``, ``addcmul``/``addcdiv``, ``nan_to_num``, ``heaviside``,
``nextafter``, angle conversions, integer ``gcd``/``lcm`` and shifts, complex parts
(``real``, ``imag``, ``conj``, ``angle``). The trapezoid rule is in :mod:`.trapezoid`.

Rules follow PyTorch's formulas, including its choices at special points: ``copysign``
passes no gradient where the input is 0, ``nan_to_num`` none where the input is not finite,
``angle`` of a real tensor has zero gradient, ``nextafter`` passes the gradient to its input
unchanged. ``heaviside`` records a node whose derivative raises, as in PyTorch.
"""

from __future__ import annotations

import math

import numpy as np

from .. import _dtype
from ..autograd.graph import NotImplementedBackward, derivative
from . import arithmetic
from ._core import (
    Tensor,
    binary_meta,
    broadcast_error,
    make,
    operands,
    record,
    register,
)
from .extrema import _return_type
from .linalg import need_tensor, sname
from .trapezoid import cumulative_trapezoid, trapezoid, trapz  # noqa: F401  (registers them)
from .view import _view

__all__ = ["logaddexp", "logaddexp2", "hypot", "deg2rad", "rad2deg", "heaviside", "nan_to_num",
           "float_power", "addcmul", "addcdiv", "positive", "copysign", "nextafter", "ldexp",
           "frexp", "trapezoid", "trapz", "cumulative_trapezoid", "bitwise_left_shift",
           "bitwise_right_shift", "gcd", "lcm", "isreal", "conj", "conj_physical",
           "resolve_conj", "resolve_neg", "real", "imag", "angle"]

_LN2 = math.log(2.0)


def _inplace(self: Tensor, fn, *args, **kwargs) -> Tensor:
    from .inplace import apply_inplace

    return apply_inplace(self, fn, *args, **kwargs)


def _floating_pair(input, other, kernel: str):
    """Operands of a float-only binary op, both cast to the promoted floating dtype."""
    ta, tb, da, db, dt = operands(input, other)
    rt = _dtype.result_type(input, other)
    if not (rt.is_floating_point or rt.is_complex):
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{sname(np.empty(0, rt.np))}'")
    return ta, tb, np.asarray(da, dtype=rt.np), np.asarray(db, dtype=rt.np)


def _compute(fn, da, db):
    try:
        with np.errstate(all="ignore"):
            return np.asarray(fn(da, db))
    except ValueError:
        raise broadcast_error(np.shape(da), np.shape(db)) from None


def _float_unary(input: Tensor) -> np.ndarray:
    d = input._data
    return d if d.dtype.kind in "fc" else d.astype(_dtype.get_default_dtype().np)


# ------------------------------------------------------------------ logaddexp / hypot
@derivative("logaddexp")
def LogaddexpBackward0(node, F, g):
    # d log(e^x + e^y) = dx / (1 + e^(y-x)) + dy / (1 + e^(x-y))
    x, y = F.saved(node)
    nx, ny = F.needs(node)
    return (g / (F.exp(y - x) + 1.0) if nx else None), (g / (F.exp(x - y) + 1.0) if ny else None)


@derivative("logaddexp2")
def Logaddexp2Backward0(node, F, g):
    # d log2(2^x + 2^y) = dx / (1 + 2^(y-x)) + dy / (1 + 2^(x-y))
    x, y = F.saved(node)
    nx, ny = F.needs(node)
    return ((g / (F.exp((y - x) * _LN2) + 1.0) if nx else None),
            (g / (F.exp((x - y) * _LN2) + 1.0) if ny else None))


@derivative("hypot")
def HypotBackward0(node, F, g):
    # d sqrt(x^2 + y^2) = (x dx + y dy) / hypot
    x, y = F.saved(node)
    nx, ny = F.needs(node)
    h = F.output(node)
    return (g * x / h if nx else None), (g * y / h if ny else None)


def _binary_float(name: str, np_fn, cls, save_out: bool = False):
    def op(input: Tensor, other: Tensor) -> Tensor:
        need_tensor(input, name, "input", 1)
        need_tensor(other, name, "other", 2)
        ta, tb, da, db = _floating_pair(input, other, f"{name}_cpu")
        out = _compute(np_fn, da, db)
        return record(cls, out, (ta, tb), saved=(ta, tb), save_out=save_out,
                      meta=binary_meta(ta, tb, out))

    op.__name__ = op.__qualname__ = name
    return op


logaddexp = register("logaddexp")(_binary_float("logaddexp", np.logaddexp, LogaddexpBackward0))
logaddexp.__doc__ = "``log(exp(input) + exp(other))``, computed stably."
logaddexp2 = register("logaddexp2")(
    _binary_float("logaddexp2", np.logaddexp2, Logaddexp2Backward0))
logaddexp2.__doc__ = "``log2(2**input + 2**other)``, computed stably."
hypot = register("hypot")(_binary_float("hypot", np.hypot, HypotBackward0, True))
hypot.__doc__ = "``sqrt(input**2 + other**2)`` without overflow."


# --------------------------------------------------------------------- deg2rad / rad2deg
@derivative("deg2rad")
def Deg2RadBackward0(node, F, g):
    # pi / 180
    return (g * (math.pi / 180.0),)


@derivative("rad2deg")
def Rad2DegBackward0(node, F, g):
    # 180 / pi
    return (g * (180.0 / math.pi),)


@register("deg2rad")
def deg2rad(input: Tensor) -> Tensor:
    """Degrees to radians."""
    d = _float_unary(input)
    return record(Deg2RadBackward0, d * np.asarray(math.pi / 180.0, d.dtype), (input,))


@register("rad2deg")
def rad2deg(input: Tensor) -> Tensor:
    """Radians to degrees."""
    d = _float_unary(input)
    return record(Rad2DegBackward0, d * np.asarray(180.0 / math.pi, d.dtype), (input,))


# ------------------------------------------------------------------ heaviside / nextafter


@register("heaviside")
def heaviside(input: Tensor, values: Tensor) -> Tensor:
    """0 where ``input < 0``, 1 where ``input > 0``, ``values`` where it is 0 (no derivative)."""
    need_tensor(values, "heaviside", "values", 2)
    d, v = input._data, values._data
    if d.dtype != v.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    try:
        out = np.where(d == 0, v, d > 0).astype(d.dtype)
    except ValueError:
        raise broadcast_error(d.shape, v.shape) from None
    return record(NotImplementedBackward, out, (input, values), args="heaviside")


@derivative("nextafter")
def NextafterBackward0(node, F, g):
    # PyTorch passes the gradient to input as is, and none to other
    nx, ny = F.needs(node)
    return (g if nx else None), (F.zeros_like(g) if ny else None)


@register("nextafter")
def nextafter(input: Tensor, other: Tensor) -> Tensor:
    """The next floating-point value after ``input`` towards ``other`` (no derivative)."""
    need_tensor(other, "nextafter", "other", 2)
    ta, tb, da, db = _floating_pair(input, other, "nextafter_cpu")
    out = _compute(np.nextafter, da, db)
    return record(NextafterBackward0, out, (ta, tb), meta=binary_meta(ta, tb, out))


# -------------------------------------------------------------------------- nan_to_num
@derivative("nan_to_num")
def NanToNumBackward0(node, F, g):
    # 1 where the input is finite, 0 where it was replaced
    (x,) = F.saved(node)
    return (g * F.mask((x == x) & (x != math.inf) & (x != -math.inf), g),)


@register("nan_to_num")
def nan_to_num(input: Tensor, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None) -> Tensor:
    """NaN, +inf and -inf replaced by ``nan``, ``posinf`` and ``neginf`` (default: the dtype's
    largest and lowest finite values)."""
    d = input._data
    if d.dtype.kind not in "fc":
        return make(d.copy())
    out = np.nan_to_num(d, nan=nan, posinf=posinf, neginf=neginf)
    return record(NanToNumBackward0, out, (input,), saved=(input,))


# ------------------------------------------------------------------------- float_power
@register("float_power")
def float_power(input, exponent) -> Tensor:
    """``input ** exponent`` computed in double precision (complex128 for complex operands)."""
    cplx = any((isinstance(a, Tensor) and a._data.dtype.kind == "c") or isinstance(a, complex)
               for a in (input, exponent))
    dt = _dtype.complex128 if cplx else _dtype.float64

    def conv(a):
        if isinstance(a, Tensor):
            return a.to(dt)
        return complex(a) if cplx else float(a)

    if not isinstance(input, Tensor):
        need_tensor(exponent, "float_power", "exponent", 2)
    return arithmetic.pow(conv(input), conv(exponent))


@register("float_power_", function=False)
def float_power_(self: Tensor, exponent) -> Tensor:
    """In-place ``float_power``; the tensor must already be float64 (complex128)."""
    want = "ComplexDouble" if self._data.dtype.kind == "c" or isinstance(exponent, complex) or (
        isinstance(exponent, Tensor) and exponent._data.dtype.kind == "c") else "Double"
    if sname(self._data) != want:
        raise RuntimeError(f"the base given to float_power_ has dtype {sname(self._data)} but "
                           f"the operation's result requires dtype {want}")
    return _inplace(self, float_power, exponent)


# ---------------------------------------------------------------------- addcmul / addcdiv
def _meta(tensors, out: np.ndarray):
    res = [None if t._data.shape == out.shape and t._data.dtype == out.dtype
           else (t._data.shape, t.dtype) for t in tensors]
    return None if all(m is None for m in res) else tuple(res)


@derivative("addcmul")
def AddcmulBackward0(node, F, g):
    # d(x + v a b) = dx + v b da + v a db
    a, b = F.saved(node)
    v = node._args
    n0, n1, n2 = F.needs(node)
    return ((g if n0 else None), (g * b * v if n1 else None), (g * a * v if n2 else None))


@derivative("addcdiv")
def AddcdivBackward0(node, F, g):
    # d(x + v a / b) = dx + v/b da - v a / b^2 db
    a, b = F.saved(node)
    v = node._args
    n0, n1, n2 = F.needs(node)
    return ((g if n0 else None), (g * v / b if n1 else None),
            (-g * v * a / (b * b) if n2 else None))


def _addc(name: str, input: Tensor, tensor1: Tensor, tensor2: Tensor, value, np_fn, cls):
    need_tensor(tensor1, name, "tensor1", 2)
    need_tensor(tensor2, name, "tensor2", 3)
    rt = _dtype.result_type(input, tensor1, tensor2)
    if rt.category < _dtype.float32.category and not isinstance(value, bool):
        value = int(value)  # PyTorch casts value to the integral result type
    d0, d1, d2 = (np.asarray(t._data, dtype=rt.np) for t in (input, tensor1, tensor2))
    try:
        with np.errstate(all="ignore"):
            out = np.asarray(d0 + np_fn(d1, d2) * value).astype(rt.np, copy=False)
    except ValueError:
        raise RuntimeError(f"The size of tensors in {name} could not be broadcast: "
                           f"{list(d0.shape)}, {list(d1.shape)}, {list(d2.shape)}") from None
    ins = (input, tensor1, tensor2)
    return record(cls, out, ins, saved=(tensor1, tensor2), args=value, meta=_meta(ins, out))


@register("addcmul")
def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1) -> Tensor:
    """``input + value * tensor1 * tensor2``, broadcasting."""
    return _addc("addcmul", input, tensor1, tensor2, value, np.multiply, AddcmulBackward0)


_ADDCDIV_INT = (
    "Integer division with addcdiv is no longer supported, and in a future  release addcdiv "
    "will perform a true division of tensor1 and tensor2. The historic addcdiv behavior can be "
    "implemented as (input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for "
    "integer inputs and as (input + value * tensor1 / tensor2) for float inputs. The future "
    "addcdiv behavior is just the latter implementation: (input + value * tensor1 / tensor2), "
    "for all dtypes.")


@register("addcdiv")
def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1) -> Tensor:
    """``input + value * tensor1 / tensor2``, broadcasting (floating operands only)."""
    if (isinstance(tensor1, Tensor) and isinstance(tensor2, Tensor)
            and tensor1._data.dtype.kind in "iub" and tensor2._data.dtype.kind in "iub"):
        raise RuntimeError(_ADDCDIV_INT)
    return _addc("addcdiv", input, tensor1, tensor2, value, np.true_divide, AddcdivBackward0)


register("addcmul_", function=False)(
    lambda self, tensor1, tensor2, *, value=1: _inplace(self, addcmul, tensor1, tensor2,
                                                        value=value))
register("addcdiv_", function=False)(
    lambda self, tensor1, tensor2, *, value=1: _inplace(self, addcdiv, tensor1, tensor2,
                                                        value=value))


# ----------------------------------------------------------------------------- positive
@register("positive")
def positive(input: Tensor) -> Tensor:
    """``input`` itself (``+input``); refused for bool tensors."""
    if input._data.dtype.kind == "b":
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


# ----------------------------------------------------------------------------- copysign
def _copysign_self(F, g, x, out):
    # |x| sign(y) / x, 0 where x == 0
    zero = x == 0
    return g * F.where(zero, 0.0, out / F.where(zero, 1.0, x))


@derivative("copysign")
def CopysignBackward0(node, F, g):
    # d/dx = copysign(x, y) / x (0 at x == 0); d/dy = 0
    (x,) = F.saved(node)
    nx, ny = F.needs(node)
    return ((_copysign_self(F, g, x, F.output(node)) if nx else None),
            (F.zeros_like(g) if ny else None))


@derivative("copysign", 1)
def CopysignBackward1(node, F, g):
    (x,) = F.saved(node)
    return (_copysign_self(F, g, x, F.output(node)),)


@register("copysign")
def copysign(input, other) -> Tensor:
    """``|input|`` with the sign of ``other`` (a tensor or a number)."""
    ta, tb, da, db, dt = operands(input, other)
    rt = _dtype.result_type(input, other)
    if not rt.is_floating_point:
        rt = _dtype.get_default_dtype()
    out = _compute(np.copysign, np.asarray(da, dtype=rt.np), np.asarray(db, dtype=rt.np))
    if tb is None:
        return record(CopysignBackward1, out, (ta,), saved=(ta,), save_out=True)
    return record(CopysignBackward0, out, (ta, tb), saved=(ta,), save_out=True,
                  meta=binary_meta(ta, tb, out))


# -------------------------------------------------------------------------- ldexp / frexp
@derivative("ldexp")
def LdexpBackward0(node, F, g):
    # d(x 2^e) = 2^e dx + x 2^e ln2 de
    x, e = F.saved(node)
    nx, ne = F.needs(node)
    p = F.cast(F.exp(e * _LN2), g)
    return (g * p if nx else None), (g * x * p * _LN2 if ne else None)


@register("ldexp")
def ldexp(input: Tensor, other: Tensor) -> Tensor:
    """``input * 2 ** other``."""
    need_tensor(other, "ldexp", "other", 2)
    if other._data.dtype.kind == "b":
        raise NotImplementedError("\"ldexp_cpu_exp\" not implemented for 'Bool'")
    rt = _dtype.result_type(input, other)
    if not (rt.is_floating_point or rt.is_complex):
        rt = _dtype.get_default_dtype()
    da, db = np.asarray(input._data, dtype=rt.np), other._data
    out = _compute(lambda a, b: a * np.exp2(b.astype(rt.np)), da, db).astype(rt.np, copy=False)
    return record(LdexpBackward0, out, (input, other), saved=(input, other),
                  meta=binary_meta(input, other, out))


@derivative("frexp")
def FrexpBackward0(node, F, g):
    # mantissa = x / 2^exponent, the exponent held constant
    return (g * F.const(node._args, g),)


FREXP = _return_type("frexp", ("mantissa", "exponent"))


@register("frexp")
def frexp(input: Tensor):
    """``(mantissa, exponent)`` with ``input = mantissa * 2 ** exponent``, ``|mantissa|`` in
    ``[0.5, 1)``; the exponent is int32."""
    d = input._data
    if d.dtype.kind != "f":
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    m, e = np.frexp(d)
    with np.errstate(over="ignore"):  # a subnormal's scale overflows, as in PyTorch
        scale = np.ldexp(np.ones_like(d), -e)
    mantissa = record(FrexpBackward0, np.asarray(m), (input,), args=scale)
    return FREXP(mantissa, make(np.asarray(e, dtype=np.int32)))


# ---------------------------------------------------------------------- shifts, gcd, lcm
def _integer_pair(input, other, kernel: str):
    ta, tb, da, db, dt = operands(input, other)
    rt = _dtype.result_type(input, other).np
    if rt.kind not in "iu":
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{sname(np.empty(0, rt))}'")
    return np.asarray(da, dtype=rt), np.asarray(db, dtype=rt)


@register("bitwise_left_shift")
def bitwise_left_shift(input, other) -> Tensor:
    """``input << other``; shifts by a negative amount or the bit width or more give 0."""
    a, s = _integer_pair(input, other, "lshift_cpu")
    bits = a.dtype.itemsize * 8
    bad = (s < 0) | (s >= bits)
    out = _compute(lambda x, y: np.left_shift(x, np.where(bad, 0, y).astype(x.dtype)), a, s)
    return make(np.where(bad, 0, out).astype(a.dtype))


@register("bitwise_right_shift")
def bitwise_right_shift(input, other) -> Tensor:
    """``input >> other`` (arithmetic); a shift by a negative amount or the bit width or more
    gives the sign (0 or -1)."""
    a, s = _integer_pair(input, other, "rshift_cpu")
    bits = a.dtype.itemsize * 8
    bad = (s < 0) | (s >= bits)
    out = _compute(lambda x, y: np.right_shift(x, np.where(bad, bits - 1, y).astype(x.dtype)),
                   a, s)
    if a.dtype.kind == "u":
        out = np.where(bad, 0, out)
    return make(np.asarray(out).astype(a.dtype, copy=False))


def _gcd_like(name: str, np_fn):
    def op(input: Tensor, other: Tensor) -> Tensor:
        need_tensor(other, name, "other", 2)
        a, b = _integer_pair(input, other, f"{name}_cpu")
        return make(_compute(np_fn, a, b))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise ``{name}`` of integer tensors (non-negative)."
    return op


gcd = register("gcd")(_gcd_like("gcd", np.gcd))
lcm = register("lcm")(_gcd_like("lcm", np.lcm))

Tensor.__lshift__ = bitwise_left_shift
Tensor.__rshift__ = bitwise_right_shift
Tensor.__rlshift__ = lambda self, other: bitwise_left_shift(other, self)
Tensor.__rrshift__ = lambda self, other: bitwise_right_shift(other, self)


# --------------------------------------------------------------------- complex parts
@register("isreal")
def isreal(input: Tensor) -> Tensor:
    """True where the element is real (every element of a real tensor)."""
    d = input._data
    return make(d.imag == 0 if d.dtype.kind == "c" else np.ones(d.shape, dtype=bool))


@derivative("conj", complex_ok=True)
def ConjBackward0(node, F, g):
    return (F.conj(g),)


@derivative("conj_physical", complex_ok=True)
def ConjPhysicalBackward0(node, F, g):
    return (F.conj(g),)


@register("conj")
def conj(input: Tensor) -> Tensor:
    """The complex conjugate (``input`` itself for a real tensor); computed eagerly."""
    if input._data.dtype.kind != "c":
        return input
    return record(ConjBackward0, np.conj(input._data), (input,))


@register("conj_physical")
def conj_physical(input: Tensor) -> Tensor:
    """The complex conjugate, materialised (``input`` itself for a real tensor)."""
    if input._data.dtype.kind != "c":
        return input
    return record(ConjPhysicalBackward0, np.conj(input._data), (input,))


@register("resolve_conj")
def resolve_conj(input: Tensor) -> Tensor:
    """``input``: chainrule's conjugates are never lazy, so there is nothing to resolve."""
    return input


@register("resolve_neg")
def resolve_neg(input: Tensor) -> Tensor:
    """``input``: chainrule has no lazy negation."""
    return input


Tensor.is_conj = lambda self: False
Tensor.is_neg = lambda self: False


@derivative("select", complex_ok=True)
def RealBackward(node, F, g):
    # the real part of z: dz = g (the engine casts g to complex)
    return (g,)


@derivative("select", complex_ok=True)
def ImagBackward(node, F, g):
    # the imaginary part of z: dz = g * i
    return (g * 1j,)


@register("real", method=False)
def real(input: Tensor) -> Tensor:
    """The real part, a view (``input`` itself for a real tensor)."""
    d = input._data
    if d.dtype.kind != "c":
        return input
    res = _view(RealBackward, d.real, input)
    if res._grad_fn is not None:
        res._grad_fn._meta = ((d.shape, input.dtype),)
    return res


@register("imag", method=False)
def imag(input: Tensor) -> Tensor:
    """The imaginary part, a view; refused for real tensors."""
    d = input._data
    if d.dtype.kind != "c":
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return _view(ImagBackward, d.imag, input)


Tensor.real = property(real)
Tensor.imag = property(imag)


@derivative("angle", complex_ok=True)
def AngleBackward0(node, F, g):
    # real x: 0; complex z: i g z / |z|^2 (0 at z == 0)
    (x,) = F.saved(node)
    if node._args:
        return (F.zeros_like(g),)
    zero = x == 0
    safe = F.where(zero, 1.0, x)
    return (F.where(zero, 0.0, g * safe / (F.abs(safe) ** 2) * 1j),)


@register("angle")
def angle(input: Tensor) -> Tensor:
    """The argument of each element: ``pi`` for negative reals, 0 otherwise (NaN kept)."""
    d = input._data
    if d.dtype.kind == "c":
        return record(AngleBackward0, np.angle(d), (input,), saved=(input,), args=False)
    d = _float_unary(input)
    out = np.where(d < 0, np.asarray(math.pi, d.dtype), np.zeros((), d.dtype))
    out = np.where(np.isnan(d), d, out)
    return record(AngleBackward0, out, (input,), saved=(input,), args=True)


# ------------------------------------------------------------------- in-place variants
for _name, _fn in (("gcd", gcd), ("lcm", lcm), ("bitwise_left_shift", bitwise_left_shift),
                   ("bitwise_right_shift", bitwise_right_shift), ("deg2rad", deg2rad),
                   ("rad2deg", rad2deg), ("heaviside", heaviside), ("nan_to_num", nan_to_num),
                   ("copysign", copysign), ("nextafter", nextafter), ("ldexp", ldexp),
                   ("hypot", hypot), ("conj_physical", conj_physical)):
    register(_name + "_", function=False)(
        lambda self, *a, _f=_fn, **k: _inplace(self, _f, *a, **k))

Tensor.__ilshift__ = Tensor.bitwise_left_shift_
Tensor.__irshift__ = Tensor.bitwise_right_shift_
