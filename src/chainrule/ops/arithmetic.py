"""Binary arithmetic and comparisons: ``+ - * / // % **``, with broadcasting and promotion.

Derivative rules read: ``g`` the incoming gradient, ``x``/``y`` the saved operands (arrays,
or tensors under ``create_graph``), ``F`` the math namespace. Broadcasting is undone by the
engine from each node's ``_meta``; rules never reduce shapes themselves.
"""

from __future__ import annotations

import numpy as np

from .. import _dtype
from ..autograd.grad_mode import STATE
from ..autograd.graph import NotImplementedBackward, derivative
from ._core import (
    Tensor,
    binary_meta,
    broadcast_error,
    cj,
    make,
    operands,
    record,
    record_with_number,
    register,
)


def _compute(fn, da, db, ta, tb, dt):
    try:
        out = fn(da, db)
    except ValueError:
        raise broadcast_error(np.shape(da), np.shape(db)) from None
    if out.__class__ is not np.ndarray:
        out = np.asarray(out)
    if dt is not None and out.dtype != dt:
        out = out.astype(dt)
    return out


def _float_by_number(input, other) -> bool:
    """The hot case: a floating tensor and a Python number (NumPy keeps the tensor's dtype)."""
    oc = other.__class__
    return (oc is float or oc is int) and input.__class__ is Tensor and \
        input._data.dtype.kind == "f"


def _tracked(ta, tb) -> bool:
    return STATE.enabled and ((ta is not None and ta._rg) or (tb is not None and tb._rg))


def _sv(t, d):
    """What a rule saves for an operand: the tensor, or the Python number itself."""
    return d if t is None else t


def _scaled(x, alpha):
    # the gradient of alpha * y is g * conj(alpha)
    return x if alpha == 1 else x * (alpha.conjugate() if isinstance(alpha, complex) else alpha)


# ----------------------------------------------------------------------------- add / sub
@derivative("add", complex_ok=True)
def AddBackward0(node, F, g):
    # d(x + a*y) = dx + a*dy
    return g, _scaled(g, node._args)


@register("add")
def add(input, other, *, alpha=1) -> Tensor:
    """``input + alpha * other``, broadcasting."""
    if alpha == 1 and _float_by_number(input, other):
        return record_with_number(AddBackward0, input._data + other, input, other, False, 1)
    ta, tb, da, db, dt = operands(input, other)
    if alpha != 1:
        db = db * alpha
    out = _compute(np.add, da, db, ta, tb, dt)
    if not _tracked(ta, tb):
        return make(out)
    return record(AddBackward0, out, (ta, tb), args=alpha, meta=binary_meta(ta, tb, out))


@derivative("sub", complex_ok=True)
def SubBackward0(node, F, g):
    # d(x - a*y) = dx - a*dy
    return g, -_scaled(g, node._args)


@register("sub", "subtract")
def sub(input, other, *, alpha=1) -> Tensor:
    """``input - alpha * other``, broadcasting."""
    ta, tb, da, db, dt = operands(input, other)
    if (ta is not None and ta._data.dtype.kind == "b") and (
            tb is None and isinstance(other, bool)
            or tb is not None and tb._data.dtype.kind == "b"):
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` "
            "or `logical_xor()` operator instead.")
    if alpha != 1:
        db = db * alpha
    out = _compute(np.subtract, da, db, ta, tb, dt)
    if not _tracked(ta, tb):
        return make(out)
    return record(SubBackward0, out, (ta, tb), args=alpha, meta=binary_meta(ta, tb, out))


@derivative("rsub", 1, complex_ok=True)
def RsubBackward1(node, F, g):
    # d(c - a*x) = -a*dx
    return (-_scaled(g, node._args),)


def rsub(input, other, *, alpha=1) -> Tensor:
    """``other - alpha * input`` (``other`` a number: the ``number - tensor`` operator)."""
    if isinstance(other, Tensor):
        return sub(other, input, alpha=alpha)
    ta, _, da, db, dt = operands(input, other)
    out = _compute(np.subtract, db, da * alpha if alpha != 1 else da, ta, None, dt)
    m = binary_meta(ta, None, out)  # a real tensor and a complex number
    return record(RsubBackward1, out, (ta,), args=alpha, meta=None if m is None else m[:1])


register("rsub")(rsub)


# ----------------------------------------------------------------------------- mul / div
@derivative("mul", complex_ok=True)
def MulBackward0(node, F, g):
    # d(x*y) = y dx + x dy (complex: g * conj(y), g * conj(x))
    x, y = F.saved(node)
    nx, ny = F.needs(node)
    return (g * cj(F, y) if nx else None), (g * cj(F, x) if ny else None)


def _mul_number_rule(node, F, g):
    # a floating tensor times a real number (record_with_number): g * y, nothing to conjugate
    x, y = F.saved(node)
    nx, ny = F.needs(node)
    return (g * y if nx else None), (g * x if ny else None)


# MulBackward0 as PyTorch names it, for the float hot path: no complex check in its rule
_MulNumberBackward0 = type("MulBackward0", (MulBackward0,), {
    "backward": _mul_number_rule, "__module__": __name__, "__qualname__": "MulBackward0"})


@register("mul", "multiply")
def mul(input, other) -> Tensor:
    """Elementwise product, broadcasting."""
    if _float_by_number(input, other):
        return record_with_number(_MulNumberBackward0, input._data * other, input, other, True)
    ta, tb, da, db, dt = operands(input, other)
    out = _compute(np.multiply, da, db, ta, tb, dt)
    if not _tracked(ta, tb):
        return make(out)
    # d/dx needs y and d/dy needs x: save each operand only if the other wants a gradient
    return record(MulBackward0, out, (ta, tb),
                  saved=(_sv(ta, da) if tb is not None and tb._rg else None,
                         _sv(tb, db) if ta is not None and ta._rg else None),
                  meta=binary_meta(ta, tb, out))


@derivative("div", complex_ok=True)
def DivBackward0(node, F, g):
    # d(x/y) = dx/y - x/y^2 dy (complex: conjugated)
    x, y = F.saved(node)
    x, y = cj(F, x), cj(F, y)
    nx, ny = F.needs(node)
    return (g / y if nx else None), (-g * x / (y * y) if ny else None)


def _true_div_dtype(ta, tb, a, b, dt):
    if dt is None:
        d = (ta if ta is not None else tb)._data.dtype
    else:
        d = dt
    if d.kind in "iub":
        return _dtype.get_default_dtype().np
    return dt


def _floor_div(a, b):
    return np.floor_divide(a, b)


@register("div", "divide", "true_divide")
def div(input, other, *, rounding_mode: str | None = None) -> Tensor:
    """Elementwise quotient; ``rounding_mode`` ``'trunc'`` or ``'floor'`` rounds it."""
    if rounding_mode is not None:
        if rounding_mode == "floor":
            return floor_divide(input, other)
        if rounding_mode == "trunc":
            ta, tb, da, db, dt = operands(input, other)
            out = _compute(np.divide, da, db, ta, tb, dt)
            if out.dtype.kind in "iu":
                return make(out)
            q = np.trunc(out)
            if (ta is not None and ta._data.dtype.kind in "iub") and (
                    tb is None or tb._data.dtype.kind in "iub"):
                q = q.astype(dt or (ta._data.dtype if ta is not None else tb._data.dtype))
            return _nondiff(q, (ta, tb), "div")
        raise RuntimeError(
            "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
            f"'{rounding_mode}'")
    ta, tb, da, db, dt = operands(input, other)
    dt = _true_div_dtype(ta, tb, da, db, dt)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = _compute(np.true_divide, da, db, ta, tb, dt)
    if not _tracked(ta, tb):
        return make(out)
    # d/dx needs only y; d/dy needs x and y
    return record(DivBackward0, out, (ta, tb),
                  saved=(_sv(ta, da) if tb is not None and tb._rg else None, _sv(tb, db)),
                  meta=binary_meta(ta, tb, out))


def _rdiv(self, other) -> Tensor:
    # number / tensor: PyTorch computes reciprocal(self) * number
    from .unary import reciprocal

    return mul(reciprocal(self), other)


def _nondiff(out, inputs, name):
    return record(NotImplementedBackward, out, inputs, args=name)


@register("floor_divide")
def floor_divide(input, other) -> Tensor:
    """Elementwise quotient rounded towards minus infinity."""
    ta, tb, da, db, dt = operands(input, other)
    with np.errstate(divide="ignore", invalid="ignore"):
        if (np.asarray(db).dtype.kind in "iub" and np.asarray(da).dtype.kind in "iub"
                and np.any(np.asarray(db) == 0)):
            raise RuntimeError("ZeroDivisionError")
        out = _compute(_floor_div, da, db, ta, tb, dt)
    return _nondiff(out, (ta, tb), "floor_divide")


# ------------------------------------------------------------------------ remainder / fmod
@derivative("remainder")
def RemainderBackward0(node, F, g):
    # x - floor(x/c)*c: slope 1 in x
    return (g,)


@derivative("remainder", 1)
def RemainderBackward1(node, F, g):
    # d(x - floor(x/y)*y) = dx - floor(x/y) dy
    x, y = F.saved(node)
    nx, ny = F.needs(node)
    return (g if nx else None), (-g * F.floor(x / y) if ny else None)


@register("remainder")
def remainder(input, other) -> Tensor:
    """Python-style modulus: the result has the sign of ``other``."""
    ta, tb, da, db, dt = operands(input, other)
    if (np.asarray(db).dtype.kind in "iub" and np.asarray(da).dtype.kind in "iub"
            and np.any(np.asarray(db) == 0)):
        raise RuntimeError("ZeroDivisionError")
    with np.errstate(divide="ignore", invalid="ignore"):
        out = _compute(np.remainder, da, db, ta, tb, dt)
    if not _tracked(ta, tb):
        return make(out)
    if tb is None:
        return record(RemainderBackward0, out, (ta,))
    return record(RemainderBackward1, out, (ta, tb), saved=(_sv(ta, da), _sv(tb, db)),
                  meta=binary_meta(ta, tb, out))


def _rmod(self, other) -> Tensor:
    ta, tb, da, db, dt = operands(other, self)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = _compute(np.remainder, da, db, ta, tb, dt)
    return _nondiff(out, (tb,), "remainder")


@derivative("fmod")
def FmodBackward0(node, F, g):
    return (g,)


@derivative("fmod", 1)
def FmodBackward1(node, F, g):
    # d(x - trunc(x/y)*y) = dx - trunc(x/y) dy
    x, y = F.saved(node)
    nx, ny = F.needs(node)
    q = x / y
    return (g if nx else None), (-g * F.where(q < 0, F.ceil(q), F.floor(q)) if ny else None)


@register("fmod")
def fmod(input, other) -> Tensor:
    """C-style modulus: the result has the sign of ``input``."""
    ta, tb, da, db, dt = operands(input, other)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = _compute(np.fmod, da, db, ta, tb, dt)
    if not _tracked(ta, tb):
        return make(out)
    if tb is None:
        return record(FmodBackward0, out, (ta,))
    return record(FmodBackward1, out, (ta, tb), saved=(_sv(ta, da), _sv(tb, db)),
                  meta=binary_meta(ta, tb, out))


# ---------------------------------------------------------------------------------- pow
@derivative("pow", complex_ok=True)
def PowBackward0(node, F, g):
    # d(x^c) = c x^(c-1) dx, and 0 when c == 0 (complex: g * conj(c x^(c-1)))
    (x,) = F.saved(node)
    c = node._args
    if c == 0:
        return (F.zeros_like(g),)
    if c == 2:
        return (g * (cj(F, x) * 2.0),)
    return (g * cj(F, c * x ** (c - 1)),)


@derivative("pow", 1)
def PowBackward1(node, F, g):
    # d(x^y) = y x^(y-1) dx + x^y log(x) dy, with the dy term 0 where x == 0 and y >= 0
    x, y = F.saved(node)
    nx, ny = F.needs(node)
    gx = gy = None
    if nx:
        gx = g * F.where(y == 0, 0.0, y * x ** (y - 1))
    if ny:
        out = x ** y
        gy = g * F.where((x == 0) & (y >= 0), 0.0, out * F.log(x))
    return gx, gy


@derivative("pow", 2)
def PowBackward2(node, F, g):
    # d(c^y) = c^y log(c) dy, 0 where c == 0 and y >= 0
    (y,) = F.saved(node)
    c = node._args
    out = F.output(node)
    if c == 0:
        return (g * F.where(y >= 0, 0.0, out * float(np.log(c) if c > 0 else np.nan)),)
    return (g * (out * float(np.log(c))),)


@register("pow")
def pow(input, exponent) -> Tensor:
    """``input ** exponent``; either may be a number."""
    ta, tb, da, db, dt = operands(input, exponent)
    if (tb is not None and tb._data.dtype.kind in "iu" and (ta is None or ta._data.dtype.kind
                                                            in "iu")):
        if np.any(np.asarray(db) < 0):
            raise RuntimeError("Integers to negative integer powers are not allowed.")
    elif tb is None and isinstance(exponent, int) and ta._data.dtype.kind in "iu" and \
            exponent < 0:
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    with np.errstate(divide="ignore", invalid="ignore"):
        if tb is None and exponent == 2:
            out = _compute(np.multiply, da, da, ta, None, dt)
        else:
            out = _compute(np.power, da, db, ta, tb, dt)
    if not _tracked(ta, tb):
        return make(out)
    if tb is None:
        m = binary_meta(ta, None, out)  # a real tensor to a complex power
        return record(PowBackward0, out, (ta,), saved=(ta,), args=exponent,
                      meta=None if m is None else m[:1])
    if ta is None:
        return record(PowBackward2, out, (tb,), saved=(tb,), args=input, save_out=True)
    return record(PowBackward1, out, (ta, tb), saved=(ta, tb), meta=binary_meta(ta, tb, out))


def _rpow(self, other) -> Tensor:
    return pow(other, self)


@register("square")
def square(input) -> Tensor:
    """``input ** 2``."""
    if input._data.dtype.kind == "b":
        return pow(input.to(_dtype.int64), 2)
    return pow(input, 2)


# ------------------------------------------------------------------------------ neg
@derivative("neg", complex_ok=True)
def NegBackward0(node, F, g):
    return (-g,)


@register("neg", "negative")
def neg(input) -> Tensor:
    """``-input``."""
    if input._data.dtype.kind == "b":
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
            "to invert a mask, use the `~` or `logical_not()` operator instead.")
    return record(NegBackward0, np.negative(input._data), (input,))


# ------------------------------------------------------------------------ comparisons
def _comparison(np_fn):
    def cmp(input, other) -> Tensor:
        ta, tb, da, db, dt = operands(input, other)
        try:
            out = np_fn(da, db)
        except ValueError:
            raise broadcast_error(np.shape(da), np.shape(db)) from None
        return make(np.asarray(out))

    return cmp


eq = register("eq")(_comparison(np.equal))
ne = register("ne", "not_equal")(_comparison(np.not_equal))
lt = register("lt", "less")(_comparison(np.less))
le = register("le", "less_equal")(_comparison(np.less_equal))
gt = register("gt", "greater")(_comparison(np.greater))
ge = register("ge", "greater_equal")(_comparison(np.greater_equal))


def _bitwise(np_fn, name):
    def op(input, other) -> Tensor:
        ta, tb, da, db, dt = operands(input, other)
        for d in (da, db):
            if np.asarray(d).dtype.kind == "f":
                raise RuntimeError(f'"{name}_cpu" not implemented for \'Float\'')
        out = np_fn(da, db)
        out = np.asarray(out)
        return make(out if dt is None else out.astype(dt))

    return op


bitwise_and = register("bitwise_and")(_bitwise(np.bitwise_and, "bitwise_and"))
bitwise_or = register("bitwise_or")(_bitwise(np.bitwise_or, "bitwise_or"))
bitwise_xor = register("bitwise_xor")(_bitwise(np.bitwise_xor, "bitwise_xor"))


@register("bitwise_not")
def bitwise_not(input) -> Tensor:
    """``~input`` for bool and integer tensors."""
    if input._data.dtype.kind == "f":
        raise RuntimeError("\"bitwise_not_cpu\" not implemented for 'Float'")
    return make(np.invert(input._data))


@register("logical_and")
def logical_and(input, other) -> Tensor:
    """Elementwise AND of truth values, as bool."""
    return make(np.asarray(np.logical_and(input._data, operands(input, other)[3])))


@register("logical_or")
def logical_or(input, other) -> Tensor:
    """Elementwise OR of truth values, as bool."""
    return make(np.asarray(np.logical_or(input._data, operands(input, other)[3])))


@register("logical_xor")
def logical_xor(input, other) -> Tensor:
    """Elementwise XOR of truth values, as bool."""
    return make(np.asarray(np.logical_xor(input._data, operands(input, other)[3])))


@register("logical_not")
def logical_not(input) -> Tensor:
    """Elementwise NOT of truth values, as bool."""
    return make(np.asarray(np.logical_not(input._data)))


def _install_operators() -> None:
    T = Tensor
    T.__add__ = T.__radd__ = add
    T.__sub__ = sub
    T.__rsub__ = rsub
    T.__mul__ = T.__rmul__ = mul
    T.__truediv__ = div
    T.__rtruediv__ = _rdiv
    T.__floordiv__ = floor_divide
    T.__rfloordiv__ = lambda self, other: floor_divide(other, self)
    T.__mod__ = remainder
    T.__rmod__ = _rmod
    T.__pow__ = pow
    T.__rpow__ = _rpow
    T.__neg__ = neg
    T.__pos__ = lambda self: self
    T.__eq__ = eq
    T.__ne__ = ne
    T.__lt__ = lt
    T.__le__ = le
    T.__gt__ = gt
    T.__ge__ = ge
    T.__and__ = T.__rand__ = bitwise_and
    T.__or__ = T.__ror__ = bitwise_or
    T.__xor__ = T.__rxor__ = bitwise_xor
    T.__invert__ = bitwise_not


_install_operators()
