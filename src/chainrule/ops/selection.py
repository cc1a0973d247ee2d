"""Elementwise selection: ``where``, ``relu``, ``clamp``, ``maximum``/``minimum``,
``fmax``/``fmin``, ``lerp`` and ``atan2``.

Gradients at kinks follow PyTorch: ``relu'(0) = 0`` (the rule reads the result, as PyTorch's
does), ``clamp`` passes the gradient where ``min <= x <= max`` *including* the bounds, and
``maximum``/``minimum`` split it in half between tied inputs. Broadcast inputs are reduced
back by the engine from each node's ``_meta``. The activation functions of
``nn.functional`` live in :mod:`.activation`.
"""

from __future__ import annotations

import warnings

import numpy as np

from .. import _dtype
from ..autograd.graph import derivative
from ._core import Tensor, as_tensor_arg, broadcast_error, make, operands, record, register
from ._graphmath import define_math
from .linalg import need_tensor, sname


def _finite(x) -> bool:
    if isinstance(x, np.ndarray):
        return x.dtype.kind not in "fc" or bool(np.isfinite(x).all())
    return bool(np.isfinite(x))


def _choose_array(cond, a, b):
    """``np.where(cond, a, b)`` computed with multiplies: NumPy's ``where`` is ~10x slower
    than a multiply on irregular masks. Exact; falls back to ``where`` for inf/NaN values."""
    if np.size(cond) < 2048 or not (_finite(a) and _finite(b)):
        return np.where(cond, a, b)
    if not isinstance(a, np.ndarray) and a == 0:
        return b * ~cond
    if not isinstance(b, np.ndarray) and b == 0:
        return a * cond
    m = cond.astype(np.result_type(a, b))
    return a * m + b * (1 - m)


def _choose_tensor(cond, a, b):
    from ._core import OPS

    return OPS["where"](cond, a, b)


#: ``F.choose(cond, a, b)``: ``where`` for derivative rules, fast on arrays
define_math("choose", _choose_array, _choose_tensor)

_C_LOWER = {"float32": "float", "float64": "double", "float16": "c10::Half",
            "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
            "uint8": "unsigned char", "bool": "bool"}


def _meta(tensors, out: np.ndarray):
    """Per-input ``(shape, dtype)`` where an input differs from the output, else None."""
    res = []
    for t in tensors:
        if t is not None and (t._data.shape != out.shape or t._data.dtype != out.dtype):
            res.append((t._data.shape, t.dtype))
        else:
            res.append(None)
    return None if all(m is None for m in res) else tuple(res)


def _broadcast(*shapes) -> tuple:
    """The broadcast shape, or PyTorch's error for the first pair that does not broadcast."""
    cur = shapes[0]
    for s in shapes[1:]:
        try:
            cur = np.broadcast_shapes(cur, s)
        except ValueError:
            raise broadcast_error(cur, s) from None
    return cur


# -------------------------------------------------------------------------------- where
@derivative("where", complex_ok=True)
def WhereBackward0(node, F, g):
    # g goes to input where the condition holds, to other elsewhere
    (c,) = F.saved(node)
    na, nb = F.needs(node)
    return (F.choose(c, g, 0.0) if na else None), (F.choose(c, 0.0, g) if nb else None)


_MISSING = object()


@register("where", method=False)
def where(condition: Tensor, input=_MISSING, other=_MISSING):
    """``input`` where ``condition`` holds, else ``other``; with one argument, ``nonzero``."""
    if not isinstance(condition, Tensor):
        raise TypeError(f"where() received an invalid combination of arguments - got "
                        f"({type(condition).__name__}, ...)")
    c = condition._data
    if input is _MISSING and other is _MISSING:
        return tuple(make(np.asarray(i, dtype=np.int64)) for i in np.nonzero(np.atleast_1d(c)))
    if input is _MISSING or other is _MISSING:
        raise TypeError("where() missing required argument 'other'")
    if c.dtype.kind != "b":
        if c.dtype != np.uint8:
            raise RuntimeError(f"where expected condition to be a boolean tensor, but got a "
                               f"tensor with dtype {sname(c)}")
        warnings.warn("where received a uint8 condition tensor. This behavior is deprecated "
                      "and will be removed in a future version of PyTorch. Use a boolean "
                      "condition instead.", UserWarning, stacklevel=2)
        condition = make(c.astype(bool))
        c = condition._data
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        dt = _dtype.result_type(input, other).np
        ta = tb = None
        da, db = np.asarray(input, dtype=dt), np.asarray(other, dtype=dt)
    else:
        ta, tb, da, db, dt = operands(input, other)
    _broadcast(c.shape, np.shape(da), np.shape(db))
    out = np.where(c, da, db)
    if dt is not None and out.dtype != dt:
        out = out.astype(dt)
    return record(WhereBackward0, out, (ta, tb), saved=(condition,), meta=_meta((ta, tb), out))


def _where_method(self: Tensor, condition: Tensor, other) -> Tensor:
    """``where(condition, self, other)``."""
    return where(condition, self, other)


Tensor.where = _where_method


# --------------------------------------------------------------------------------- relu
@derivative("relu")
def ReluBackward0(node, F, g):
    # 1 where the result is positive: relu'(0) = 0
    return (F.choose(F.output(node) <= 0, 0.0, g),)


@register("relu")
def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """``max(x, 0)`` elementwise."""
    if inplace:
        from .inplace import apply_inplace

        return apply_inplace(input, relu)
    d = input._data
    if d.dtype.kind == "b":
        raise RuntimeError("Boolean inputs not supported for relu")
    return record(ReluBackward0, np.maximum(d, 0), (input,), save_out=True)


# -------------------------------------------------------------------------------- clamp
@derivative("clamp", 1)
def ClampBackward1(node, F, g):
    # 1 where min <= x <= max, bounds included
    (x,) = F.saved(node)
    lo, hi = node._args
    if lo is None:
        m = x <= hi
    elif hi is None:
        m = x >= lo
    else:
        m = (x >= lo) & (x <= hi)
    return (F.choose(m, g, 0.0),)


@derivative("clamp")
def ClampBackward0(node, F, g):
    # x where min <= x <= max; min where x < min < max; max where x > max or max < min
    x, lo, hi = F.saved(node)
    nx, nlo, nhi = F.needs(node)
    gx = glo = ghi = None
    if lo is not None and hi is not None:
        if nx:
            gx = F.choose((x >= lo) & (x <= hi), g, 0.0)
        if nlo:
            glo = F.choose((x < lo) & (lo < hi), g, 0.0)
        if nhi:
            ghi = F.choose((x > hi) | (hi < lo), g, 0.0)
    elif lo is not None:
        gx = F.choose(x >= lo, g, 0.0) if nx else None
        glo = F.choose(x < lo, g, 0.0) if nlo else None
    else:
        gx = F.choose(x <= hi, g, 0.0) if nx else None
        ghi = F.choose(x > hi, g, 0.0) if nhi else None
    return gx, glo, ghi


@derivative("clamp_min")
def ClampMinBackward0(node, F, g):
    # 1 where x >= min
    (x,) = F.saved(node)
    return (F.choose(x >= node._args, g, 0.0),)


@derivative("clamp_min", 1)
def ClampMinBackward1(node, F, g):
    # x where x >= min, min where x < min (neither for NaN)
    x, lo = F.saved(node)
    nx, nlo = F.needs(node)
    return ((F.choose(x >= lo, g, 0.0) if nx else None),
            (F.choose(x < lo, g, 0.0) if nlo else None))


@derivative("clamp_max")
def ClampMaxBackward0(node, F, g):
    # 1 where x <= max
    (x,) = F.saved(node)
    return (F.choose(x <= node._args, g, 0.0),)


@derivative("clamp_max", 1)
def ClampMaxBackward1(node, F, g):
    # x where x <= max, max where x > max (neither for NaN)
    x, hi = F.saved(node)
    nx, nhi = F.needs(node)
    return ((F.choose(x <= hi, g, 0.0) if nx else None),
            (F.choose(x > hi, g, 0.0) if nhi else None))


def _clamp_arrays(d: np.ndarray, lo, hi, dt) -> np.ndarray:
    out = d
    with np.errstate(invalid="ignore"):
        if lo is not None:
            out = np.maximum(out, lo)
        if hi is not None:
            out = np.minimum(out, hi)
    if out is d:
        out = d.copy()
    if out.dtype != dt:
        out = out.astype(dt)
    return out


def _num(x):
    return x.item() if isinstance(x, np.generic) else x


@register("clamp", "clip")
def clamp(input: Tensor, min=None, max=None) -> Tensor:  # noqa: A002
    """Limit every element to ``[min, max]`` (numbers or broadcast tensors)."""
    need_tensor(input, "clamp", "input", 1)
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) != isinstance(max, Tensor) and min is not None and \
            max is not None:
        # PyTorch takes either two tensors or two numbers; a 0-d tensor passes as a number
        t = min if isinstance(min, Tensor) else max
        if t._data.ndim:
            kinds = ", ".join(type(a).__name__ for a in (input, min, max))
            raise TypeError(
                f"clamp() received an invalid combination of arguments - got ({kinds}), but "
                "expected one of:\n * (Tensor input, Tensor min = None, Tensor max = None, *, "
                "Tensor out = None)\n * (Tensor input, Number min = None, Number max = None, *, "
                "Tensor out = None)\n")
        if isinstance(min, Tensor):
            min = min.item()  # noqa: A001
        else:
            max = max.item()  # noqa: A001
    args = [a for a in (input, min, max) if a is not None]
    dt = _dtype.result_type(*args)
    if not isinstance(min, Tensor) and not isinstance(max, Tensor):
        lo, hi = _num(min), _num(max)
        out = _clamp_arrays(input._data, lo, hi, dt.np)
        return record(ClampBackward1, out, (input,), saved=(input,), args=(lo, hi))
    tlo = None if min is None else as_tensor_arg(min)
    thi = None if max is None else as_tensor_arg(max)
    _broadcast(*[t._data.shape for t in (input, tlo, thi) if t is not None])
    out = _clamp_arrays(input._data, None if tlo is None else tlo._data,
                        None if thi is None else thi._data, dt.np)
    return record(ClampBackward0, out, (input, tlo, thi), saved=(input, tlo, thi),
                  meta=_meta((input, tlo, thi), out))


def _clamp_side(name: str, num_cls, t_cls, upper: bool):
    def op(input: Tensor, bound) -> Tensor:
        need_tensor(input, name, "input", 1)
        if bound is None:
            raise TypeError(f"{name}() received an invalid combination of arguments - got "
                            "(Tensor, NoneType)")
        dt = _dtype.result_type(input, bound).np
        lo, hi = (None, bound) if upper else (bound, None)
        if not isinstance(bound, Tensor):
            out = _clamp_arrays(input._data, _num(lo), _num(hi), dt)
            return record(num_cls, out, (input,), saved=(input,), args=_num(bound))
        _broadcast(input._data.shape, bound._data.shape)
        out = _clamp_arrays(input._data, None if upper else bound._data,
                            bound._data if upper else None, dt)
        return record(t_cls, out, (input, bound), saved=(input, bound),
                      meta=_meta((input, bound), out))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"``clamp`` with only {'max' if upper else 'min'}."
    return op


clamp_min = register("clamp_min")(
    _clamp_side("clamp_min", ClampMinBackward0, ClampMinBackward1, False))
clamp_max = register("clamp_max")(
    _clamp_side("clamp_max", ClampMaxBackward0, ClampMaxBackward1, True))


# ------------------------------------------------------------------ maximum / minimum
@derivative("maximum")
def MaximumBackward0(node, F, g):
    # to the larger input; ties split the gradient in half
    x, y = F.saved(node)
    nx, ny = F.needs(node)
    h = F.choose(x == y, g * 0.5, g)
    return (F.choose(x < y, 0.0, h) if nx else None), (F.choose(x > y, 0.0, h) if ny else None)


@derivative("minimum")
def MinimumBackward0(node, F, g):
    # to the smaller input; ties split the gradient in half
    x, y = F.saved(node)
    nx, ny = F.needs(node)
    h = F.choose(x == y, g * 0.5, g)
    return (F.choose(x > y, 0.0, h) if nx else None), (F.choose(x < y, 0.0, h) if ny else None)


@derivative("fmax")
def FmaxBackward0(node, F, g):
    # to input where input >= other or other is NaN, to other elsewhere (ties: input)
    x, y = F.saved(node)
    nx, ny = F.needs(node)
    m = (x >= y) | (y != y)
    return (F.choose(m, g, 0.0) if nx else None), (F.choose(m, 0.0, g) if ny else None)


@derivative("fmin")
def FminBackward0(node, F, g):
    # to input where input <= other or other is NaN, to other elsewhere (ties: input)
    x, y = F.saved(node)
    nx, ny = F.needs(node)
    m = (x <= y) | (y != y)
    return (F.choose(m, g, 0.0) if nx else None), (F.choose(m, 0.0, g) if ny else None)


def _binary_tensors(name: str, np_fn, cls, floats: bool = False):
    def op(input: Tensor, other: Tensor) -> Tensor:
        need_tensor(input, name, "input", 1)
        need_tensor(other, name, "other", 2)
        dt = _dtype.result_type(input, other)
        if floats and not (dt.is_floating_point or dt.is_complex):
            dt = _dtype.get_default_dtype()
        a, b = input._data, other._data
        _broadcast(a.shape, b.shape)
        with np.errstate(invalid="ignore", divide="ignore"):
            out = np.asarray(np_fn(a, b))
        if out.dtype != dt.np:
            out = out.astype(dt.np)
        return record(cls, out, (input, other), saved=(input, other),
                      meta=_meta((input, other), out))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise ``{name}`` of two broadcast tensors."
    return op


maximum = register("maximum")(_binary_tensors("maximum", np.maximum, MaximumBackward0))
minimum = register("minimum")(_binary_tensors("minimum", np.minimum, MinimumBackward0))
fmax = register("fmax")(_binary_tensors("fmax", np.fmax, FmaxBackward0))
fmin = register("fmin")(_binary_tensors("fmin", np.fmin, FminBackward0))


# -------------------------------------------------------------------------------- atan2
@derivative("atan2")
def Atan2Backward0(node, F, g):
    # d atan2(y, x) = (x dy - y dx) / (x^2 + y^2), and 0 where x = y = 0
    y, x = F.saved(node)
    ny, nx = F.needs(node)
    d = x * x + y * y
    z = d == 0
    d = F.choose(z, 1.0, d)
    return ((F.choose(z, 0.0, g * x / d) if ny else None),
            (F.choose(z, 0.0, g * -y / d) if nx else None))


atan2 = register("atan2", "arctan2")(
    _binary_tensors("atan2", np.arctan2, Atan2Backward0, floats=True))


# --------------------------------------------------------------------------------- lerp
@derivative("lerp")
def LerpBackward0(node, F, g):
    # start + w (end - start): gstart = (1 - w) g, gend = w g
    w = node._args
    ns, ne = F.needs(node)
    return (g * (1.0 - w) if ns else None), (g * w if ne else None)


@derivative("lerp", 1)
def LerpBackward1(node, F, g):
    # gstart = (1 - w) g, gend = w g, gweight = (end - start) g
    s, e, w = F.saved(node)
    ns, ne, nw = F.needs(node)
    return ((g * (1.0 - w) if ns else None), (g * w if ne else None),
            (g * (e - s) if nw else None))


def _lerp(s, e, w):
    diff = e - s
    # PyTorch's form, exact at both ends
    return np.where(np.abs(w) < 0.5, s + w * diff, e - diff * (1.0 - w))


@register("lerp")
def lerp(input: Tensor, end: Tensor, weight) -> Tensor:
    """``input + weight * (end - input)``; ``weight`` a number or a broadcast tensor."""
    need_tensor(input, "lerp", "input", 1)
    need_tensor(end, "lerp", "end", 2)
    s, e = input._data, end._data
    if e.dtype != s.dtype:
        raise RuntimeError(f"expected dtype {_C_LOWER[s.dtype.name]} for `end` but got dtype "
                           f"{_C_LOWER[e.dtype.name]}")
    tensor_w = isinstance(weight, Tensor)
    if s.dtype.kind not in "fc":
        kernel = "lerp_kernel_tensor" if tensor_w else "lerp_kernel_scalar"
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{sname(s)}'")
    if not tensor_w:
        w = _num(weight)
        _broadcast(s.shape, e.shape)
        out = np.asarray(_lerp(s, e, w)).astype(s.dtype, copy=False)
        return record(LerpBackward0, out, (input, end), args=w, meta=_meta((input, end), out))
    wd = weight._data
    if wd.dtype != s.dtype and wd.ndim:
        raise RuntimeError(f"expected dtype {_C_LOWER[s.dtype.name]} for `weight` but got dtype "
                           f"{_C_LOWER[wd.dtype.name]}")
    _broadcast(s.shape, e.shape, wd.shape)
    out = np.asarray(_lerp(s, e, wd.astype(s.dtype, copy=False))).astype(s.dtype, copy=False)
    saved = ((input if weight._rg else None), (end if weight._rg else None),
             (weight if input._rg or end._rg else None))
    meta = _meta((input, end, weight), out)
    if wd.dtype != s.dtype:  # a 0-d weight of another dtype: cast every gradient back
        meta = tuple((t._data.shape, t.dtype) for t in (input, end, weight))
    return record(LerpBackward1, out, (input, end, weight), saved=saved, meta=meta)
