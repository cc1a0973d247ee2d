"""Helpers the functional ops share: argument normalisation, reductions and op lookup.

Fused ops (convolution, pooling, normalisation, losses) declare their rules with
:func:`~chainrule.autograd.graph.derivative` like any op. Their rules run NumPy code directly
when ``F.mode == "array"`` (the normal, fast path) and differentiable chainrule ops under
``create_graph=True``, so they can be differentiated again.
"""

from __future__ import annotations

import collections.abc
import itertools
from collections.abc import Callable

import numpy as np

from ..._tensor import Tensor, _make
from ...ops._core import OPS, record

__all__ = ["ntuple", "single", "pair", "triple", "reduce", "reduction_enum", "op",
           "needs", "record", "Tensor", "make", "size_str", "float_data",
           "np_dtype_name"]

make = _make


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


