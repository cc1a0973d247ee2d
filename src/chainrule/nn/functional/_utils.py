"""Helpers the functional ops share: argument normalisation, reductions, op lookup, and the
derivative decorator for fused ops whose rule is written on ndarrays.

Fused ops (convolution, pooling, normalisation, most losses) compute forward and backward
with NumPy directly. A rule declared with :func:`array_derivative` receives ndarrays; under
``create_graph=True`` its results are still returned (as tensors), but differentiating them
again raises, like PyTorch's ``@once_differentiable``. Rules written against the math
namespace ``F`` (see ``chainrule.autograd.engine``) are declared with
:func:`~chainrule.autograd.graph.derivative` instead and are differentiable any number of
times.
"""

from __future__ import annotations

import collections.abc
import itertools
from collections.abc import Callable

import numpy as np

from ..._tensor import Tensor, _make
from ...autograd.engine import check_saved
from ...autograd.graph import Node, derivative
from ...ops._core import OPS, record

__all__ = ["ntuple", "single", "pair", "triple", "reduce", "reduction_enum", "op",
           "array_derivative", "needs", "record", "Tensor", "make", "size_str", "float_data",
           "np_dtype_name"]

make = _make

_TWICE = ("trying to differentiate twice a function that was marked with "
          "@once_differentiable")


def ntuple(n: int, name: str = "parse") -> Callable:
    def parse(x):
        if isinstance(x, collections.abc.Iterable) and not isinstance(x, str):
            return tuple(x)
        return tuple(itertools.repeat(x, n))

    parse.__name__ = name
    return parse


single = ntuple(1, "_single")
pair = ntuple(2, "_pair")
triple = ntuple(3, "_triple")


def size_str(shape) -> str:
    """A shape as PyTorch prints it in messages: ``torch.Size([2, 3])``."""
    return f"torch.Size({list(shape)})"


def reduction_enum(reduction: str) -> str:
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def legacy_reduction(size_average, reduce, reduction: str) -> str:
    """The ``reduction`` the deprecated ``size_average``/``reduce`` arguments ask for."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if size_average and reduce:
        return "mean"
    return "sum" if reduce else "none"


def reduce(loss: np.ndarray, reduction: str) -> np.ndarray:
    """Apply ``reduction`` to an elementwise loss array."""
    if reduction == "mean":
        return np.asarray(loss.mean(), dtype=loss.dtype)
    if reduction == "sum":
        return np.asarray(loss.sum(), dtype=loss.dtype)
    return loss


def op(name: str) -> Callable:
    """The registered core op ``name`` (looked up when called, so ops added later are seen)."""
    fn = OPS.get(name)
    if fn is None:
        raise NotImplementedError(
            f"chainrule.nn.functional needs the core op '{name}', which chainrule.ops has not "
            "registered (yet)")
    return fn


def has_op(name: str) -> bool:
    return name in OPS


def needs(node) -> tuple:
    """Per input of ``node``: whether the running backward pass wants its gradient."""
    from ...autograd.engine import needs as engine_needs

    return engine_needs(node)


def float_data(t: Tensor, what: str = "input") -> np.ndarray:
    d = t._data
    if d.dtype.kind not in "fc":
        raise RuntimeError(f"expected a floating-point {what}, but got {t.dtype}")
    return d


_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
          "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
          "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def np_dtype_name(d: np.dtype) -> str:
    """PyTorch's scalar type name (``Float``, ``Double``...) of a NumPy dtype."""
    return _NAMES.get(np.dtype(d).name, str(d))


class DelayedError(Node):
    """What a once-differentiable rule's results hang from under ``create_graph``."""

    def backward(self, F, grad):
        raise RuntimeError(_TWICE)


def array_derivative(op_name: str, overload: int = 0) -> Callable[[Callable], type]:
    """Like ``derivative`` for a rule ``fn(node, g, saved)`` on ndarrays (once differentiable).

    ``saved`` are the node's saved values (tensors unwrapped to arrays, after the in-place
    check); ``fn`` returns one gradient array (or None) per input.
    """

    def make_cls(fn: Callable) -> type:
        def backward(node, F, g):
            if F.mode == "array":
                return fn(node, g, F.saved(node))
            saved_t = check_saved(node, False)
            arrays = [s._data if isinstance(s, Tensor) else s for s in saved_t]
            ga = [None if x is None else x._data for x in g] if isinstance(g, list) \
                else g._data
            outs = fn(node, ga, arrays)
            gts = g if isinstance(g, list) else [g]
            deps = tuple(x for x in (*gts, *saved_t) if isinstance(x, Tensor))
            return tuple(None if o is None else record(DelayedError, o, deps) for o in outs)

        backward.__doc__ = fn.__doc__
        backward.__module__ = fn.__module__
        return derivative(op_name, overload)(backward)

    return make_cls
