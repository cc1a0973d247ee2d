"""Copies and dtype conversions: ``clone``, ``contiguous``, ``to(dtype)``."""

from __future__ import annotations

import numpy as np

from .. import _dtype
from .._dtype import dtype as DType
from .._tensor import device
from ..autograd.graph import derivative
from ._core import Tensor, record, register


@derivative("clone", complex_ok=True)
def CloneBackward0(node, F, g):
    return (g,)


@register("clone")
def clone(input: Tensor, *, memory_format=None) -> Tensor:
    """A copy with its own storage; gradients flow back to ``input``."""
    return record(CloneBackward0, input._data.copy(), (input,))


@register("contiguous")
def contiguous(input: Tensor, memory_format=None) -> Tensor:
    """``input`` itself when already C-contiguous, else a contiguous copy."""
    if input._data.flags.c_contiguous:
        return input
    return record(CloneBackward0, np.ascontiguousarray(input._data), (input,))


@derivative("to_copy", complex_ok=True)
def ToCopyBackward0(node, F, g):
    # identity; the engine casts the gradient back to the input's dtype from _meta
    return (g,)


def to_dtype(input: Tensor, dt: DType) -> Tensor:
    """``input`` converted to ``dt`` (differentiable between floating dtypes)."""
    out = input._data.astype(dt.np)
    return record(ToCopyBackward0, out, (input,),
                  meta=(((input._data.shape, input.dtype)),))


# ----------------------------------------------------------- Tensor.to and its shortcuts
def to(self: Tensor, *args, **kwargs) -> Tensor:
    """Convert dtype (``to(chainrule.float64)``); devices other than cpu are refused."""
    dt = kwargs.pop("dtype", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    dev = kwargs.pop("device", None)
    for a in args:
        if isinstance(a, DType):
            dt = a
        elif isinstance(a, Tensor):
            dt = a.dtype
        elif isinstance(a, (str, device)):
            dev = a
        elif a is not None and not isinstance(a, bool):
            dt = _dtype.to_dtype(a)
    if dev is not None:
        device(dev)
    if dt is None or dt is self.dtype:
        return clone(self) if copy else self
    return to_dtype(self, dt)


def type_(self: Tensor, dtype=None):
    """The legacy type name (``'torch.FloatTensor'``), or a conversion to ``dtype``."""
    if dtype is None:
        from ..autograd.engine import _type_name

        return _type_name(self)
    return to(self, _dtype.to_dtype(dtype))


def type_as(self: Tensor, other: Tensor) -> Tensor:
    """This tensor in ``other``'s dtype (itself when they already agree)."""
    if not isinstance(other, Tensor):
        raise TypeError(f"type_as(): argument 'other' (position 1) must be Tensor, not "
                        f"{type(other).__name__}")
    return to(self, other.dtype)


def _cuda(self: Tensor, *args, **kwargs):
    raise RuntimeError("chainrule computes on the CPU only; CUDA is not available")


def _shortcut(dt: DType, name: str):
    def convert(self: Tensor) -> Tensor:
        return to(self, dt)

    convert.__name__ = convert.__qualname__ = name
    convert.__doc__ = f"``self.to({dt!r})``."
    return convert


def _new_factory(name: str):
    def new(self: Tensor, *args, dtype=None, requires_grad: bool = False, **kwargs) -> Tensor:
        from .. import _creation

        return getattr(_creation, name)(*args, dtype=dtype or self.dtype,
                                         requires_grad=requires_grad, **kwargs)

    new.__name__ = new.__qualname__ = f"new_{name}"
    new.__doc__ = f"``chainrule.{name}`` with this tensor's dtype by default."
    return new


for _name, _dt in {"float": _dtype.float32, "double": _dtype.float64, "half": _dtype.float16,
                   "int": _dtype.int32, "long": _dtype.int64, "short": _dtype.int16,
                   "char": _dtype.int8, "byte": _dtype.uint8, "bool": _dtype.bool}.items():
    setattr(Tensor, _name, _shortcut(_dt, _name))
for _name in ("tensor", "zeros", "ones", "empty", "full"):
    setattr(Tensor, f"new_{_name}", _new_factory(_name))
Tensor.to = to
Tensor.type = type_
Tensor.type_as = type_as
Tensor.cpu = lambda self: self
Tensor.cuda = _cuda
