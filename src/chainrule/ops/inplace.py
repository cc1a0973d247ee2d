"""In-place ops: ``add_``, ``mul_``, ``exp_``, ... and the ``+= -= *= /=`` operators.

Every in-place op is its out-of-place op followed by a write into the tensor's storage:

- Under ``no_grad`` (or when nothing requires grad) the result is written straight into the
  tensor's array, often with no temporary at all (``w -= lr * w.grad`` in a training loop).
- When a graph is recorded, the out-of-place op runs on a stand-in that carries the tensor's
  old history (and a copy of its old values, which the derivative may read); the tensor
  then takes over the new node as its ``grad_fn``, exactly as PyTorch rebases history.

Either way the tensor's version counter is bumped, so a derivative that saved the old values
detects the change instead of returning a wrong gradient. A leaf that requires grad may not
be modified in place while grad mode is on, as in PyTorch.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .. import _dtype
from ..autograd.grad_mode import STATE
from ..autograd.graph import derivative
from . import arithmetic
from ._core import OPS, Tensor, make, record, register
from ._inplace_core import rebase_view, refresh_view

_LEAF_ERROR = "a leaf Variable that requires grad is being used in an in-place operation."
_VIEW_OF_LEAF_ERROR = ("a view of a leaf Variable that requires grad is being used in an "
                       "in-place operation.")
_TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
               "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
               "bool": "Bool", "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def _any_requires_grad(args) -> bool:
    for a in args:
        if isinstance(a, Tensor) and a._rg:
            return True
    return False


def check_inplace(self: Tensor, args=()) -> bool:
    """Whether an in-place op on ``self`` records a graph; raises for a leaf requiring grad."""
    if not STATE.enabled:
        return False
    base = self._base
    if self._rg:
        if self._grad_fn is None:
            raise RuntimeError(_LEAF_ERROR)
        if base is not None and base._rg and base._grad_fn is None:
            raise RuntimeError(_VIEW_OF_LEAF_ERROR)
        return True
    if base is not None and base._rg:
        if base._grad_fn is None:
            raise RuntimeError(_VIEW_OF_LEAF_ERROR)
        return True
    return _any_requires_grad(args)


def _write(self: Tensor, result: np.ndarray) -> None:
    d = self._data
    if result.shape != d.shape:
        raise RuntimeError(
            f"output with shape {list(d.shape)} doesn't match the broadcast shape "
            f"{list(np.broadcast_shapes(result.shape, d.shape))}")
    if result.dtype != d.dtype:
        src, dst = _dtype._FROM_NP[result.dtype], _dtype._FROM_NP[d.dtype]
        if not _dtype.can_cast(src, dst):
            raise RuntimeError(
                f"result type {_TYPE_NAMES[src.name]} can't be cast to the desired output "
                f"type {_TYPE_NAMES[dst.name]}")
    np.copyto(d, result, casting="unsafe")


def apply_inplace(self: Tensor, op: Callable, *args, **kwargs) -> Tensor:
    """Run out-of-place ``op(self, *args)`` and make ``self`` hold (and own) its result."""
    if not check_inplace(self, args):
        prev = STATE.enabled
        STATE.enabled = False
        try:
            res = op(self, *args, **kwargs)
        finally:
            STATE.enabled = prev
        _write(self, res._data)
        self._version_counter().bump()
        return self
    refresh_view(self)  # a view whose base changed since it was recorded
    old = make(self._data.copy(), self._rg, self._grad_fn)
    old._output_nr = self._output_nr
    res = op(old, *args, **kwargs)
    _write(self, res._data)
    vc = self._version_counter()
    vc.bump()
    node = res._grad_fn
    if node is not None:
        if node._out is res._data:  # the rule reads the result: read ours, version-checked
            node._out = self._data
            node._out_vc = vc
            node._out_version = vc.value
        self._grad_fn = node
        self._rg = True
        self._output_nr = res._output_nr
        rebase_view(self)  # the base now holds the new values in the view's region
    return self


def _fast_binary(np_fn, op):
    """``a.op_(b)`` that writes into ``a`` directly when no graph is recorded."""

    def inplace(self: Tensor, other, **kwargs) -> Tensor:
        if kwargs or (STATE.enabled and (self._rg or isinstance(other, Tensor) and other._rg)):
            return apply_inplace(self, op, other, **kwargs)
        d = self._data
        if isinstance(other, Tensor):
            o = other._data
            fast = o.dtype == d.dtype and o.shape == d.shape or d.dtype.kind == "f" and \
                o.dtype == d.dtype
        else:
            o = other
            fast = d.dtype.kind == "f" and isinstance(o, (int, float)) or \
                d.dtype.kind in "iu" and isinstance(o, int) and not isinstance(o, bool)
        if not fast:
            return apply_inplace(self, op, other)
        try:
            np_fn(d, o, out=d)
        except ValueError:
            return apply_inplace(self, op, other)
        self._version_counter().bump()
        return self

    return inplace


add_ = register("add_", function=False)(_fast_binary(np.add, arithmetic.add))
sub_ = register("sub_", "subtract_", function=False)(_fast_binary(np.subtract, arithmetic.sub))
mul_ = register("mul_", "multiply_", function=False)(_fast_binary(np.multiply, arithmetic.mul))


@register("div_", "divide_", "true_divide_", function=False)
def div_(self: Tensor, other, *, rounding_mode: str | None = None) -> Tensor:
    """In-place ``div``."""
    if self._data.dtype.kind in "iub" and rounding_mode is None:
        raise RuntimeError("result type Float can't be cast to the desired output type "
                           f"{_TYPE_NAMES[self.dtype.name]}")
    return apply_inplace(self, arithmetic.div, other, rounding_mode=rounding_mode)


def _simple(name: str, op_name: str | None = None):
    def inplace(self: Tensor, *args, **kwargs) -> Tensor:
        return apply_inplace(self, OPS[op_name or name], *args, **kwargs)

    inplace.__name__ = inplace.__qualname__ = name + "_"
    inplace.__doc__ = f"In-place ``{op_name or name}``."
    return inplace


for _name in ("pow", "neg", "negative", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p",
              "sqrt", "rsqrt", "reciprocal", "sin", "cos", "tan", "asin", "acos", "atan",
              "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "sigmoid", "erf", "floor",
              "ceil", "round", "trunc", "frac", "abs", "sign", "square", "remainder", "fmod",
              "floor_divide", "clamp", "clip", "clamp_min", "clamp_max", "relu", "maximum",
              "minimum", "lerp", "atan2", "masked_fill", "scatter", "scatter_add", "index_fill",
              "index_add", "tril", "triu", "leaky_relu", "hardtanh", "elu", "silu"):
    register(_name + "_", function=False)(_simple(_name))


# ------------------------------------------------------------------ zero_ / fill_ / copy_
@derivative("zero")
def ZeroBackward0(node, F, g):
    # the old values no longer matter
    return (F.zeros_like(g),)


@derivative("fill")
def FillBackward0(node, F, g):
    return (F.zeros_like(g),)


@derivative("fill", 1)
def FillBackward1(node, F, g):
    # d/d(value) of filling every element with value
    return F.zeros_like(g), F.sum(g)


def _fill_like(self: Tensor, value) -> Tensor:
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(
                f"fill_ only supports 0-dimension value tensor but got tensor with "
                f"{value._data.ndim} dimensions.")
        out = np.full_like(self._data, value._data)
        return record(FillBackward1, out, (self, value),
                      meta=(None, (value._data.shape, value.dtype)))
    return record(FillBackward0, np.full_like(self._data, value), (self,))


@register("fill_", function=False)
def fill_(self: Tensor, value) -> Tensor:
    """Fill with ``value`` in place."""
    if not check_inplace(self, (value,)):
        self._data.fill(value._data if isinstance(value, Tensor) else value)
        self._version_counter().bump()
        return self
    return apply_inplace(self, _fill_like, value)


@register("zero_", function=False)
def zero_(self: Tensor) -> Tensor:
    """Fill with zeros in place."""
    if not check_inplace(self):
        self._data.fill(0)
        self._version_counter().bump()
        return self
    return apply_inplace(self, lambda t: record(ZeroBackward0, np.zeros_like(t._data), (t,)))


@derivative("copy")
def CopyBackwards(node, F, g):
    # the old values are overwritten: all of the gradient goes to src
    return F.zeros_like(g), g


CopyBackwards.__name__ = CopyBackwards.__qualname__ = "CopyBackwards"


def _copy_from(self: Tensor, src: Tensor) -> Tensor:
    out = np.broadcast_to(src._data, self._data.shape).astype(self._data.dtype)
    return record(CopyBackwards, out, (self, src), meta=(None, (src._data.shape, src.dtype)))


@register("copy_", function=False)
def copy_(self: Tensor, src, non_blocking: bool = False) -> Tensor:
    """Copy ``src`` (broadcast, converted to this dtype) into this tensor in place."""
    if not isinstance(src, Tensor):
        from .._creation import tensor

        src = tensor(src)
    try:
        np.broadcast_shapes(src._data.shape, self._data.shape)
        if np.broadcast_shapes(src._data.shape, self._data.shape) != self._data.shape:
            raise ValueError
    except ValueError:
        raise RuntimeError(
            f"The size of tensor a ({self._data.shape[-1] if self._data.ndim else 1}) must "
            f"match the size of tensor b ({src._data.shape[-1] if src._data.ndim else 1}) at "
            f"non-singleton dimension {max(self._data.ndim - 1, 0)}") from None
    if not check_inplace(self, (src,)):
        np.copyto(self._data, src._data, casting="unsafe")
        self._version_counter().bump()
        return self
    return apply_inplace(self, _copy_from, src)


def _install_operators() -> None:
    T = Tensor
    T.__iadd__ = add_
    T.__isub__ = sub_
    T.__imul__ = mul_
    T.__itruediv__ = div_
    T.__ipow__ = lambda self, other: apply_inplace(self, arithmetic.pow, other)
    T.__ifloordiv__ = lambda self, other: apply_inplace(self, arithmetic.floor_divide, other)
    T.__imod__ = lambda self, other: apply_inplace(self, arithmetic.remainder, other)


_install_operators()
