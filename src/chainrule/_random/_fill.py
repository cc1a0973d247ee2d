"""In-place plumbing shared by the samplers: autograd checks, PyTorch's iteration order,
writing a kernel's samples into a tensor, and PyTorch's error-message vocabulary."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import STATE
from ._exact import real_np

__all__ = ["fill", "sample", "iter_order", "iter_view", "require_float", "type_name", "num"]

# kernel(n, np_dtype, contiguous) -> flat array of n samples in iteration order
Kernel = Callable[[int, np.dtype, bool], np.ndarray]

_LEAF_ERROR = "a leaf Variable that requires grad is being used in an in-place operation."
_VIEW_LEAF_ERROR = ("a view of a leaf Variable that requires grad is being used in an "
                    "in-place operation.")
_TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
               "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
               "bool": "Bool", "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def type_name(npd: np.dtype) -> str:
    """PyTorch's scalar type name (``Float``, ``Long``...) for a NumPy dtype."""
    return _TYPE_NAMES.get(npd.name, npd.name)


def num(x: float) -> int | float:
    """``x`` as PyTorch prints a scalar in messages (integral values without ``.0``)."""
    return int(x) if float(x).is_integer() else x


def require_float(npd: np.dtype, what: str) -> None:
    """PyTorch's "not implemented for" error unless ``npd`` is floating or complex."""
    if npd.kind not in "fc":
        raise NotImplementedError(f'"{what}" not implemented for \'{type_name(npd)}\'')


def _check_inplace(t: Tensor) -> None:
    if not STATE.enabled:
        return
    if t._rg and t._grad_fn is None:
        raise RuntimeError(_LEAF_ERROR)
    base = t._base
    if base is not None and base._rg and base._grad_fn is None:
        raise RuntimeError(_VIEW_LEAF_ERROR)


def iter_order(a: np.ndarray) -> list[int] | None:
    """The axis order PyTorch's TensorIterator visits ``a`` in, outermost first: memory order
    (dimensions by decreasing stride) for a non-contiguous tensor; None for C order."""
    if a.flags.c_contiguous or a.ndim < 2:
        return None
    return sorted(range(a.ndim), key=lambda d: -abs(a.strides[d]))


def iter_view(a: np.ndarray, order: list[int] | None) -> np.ndarray:
    """A view of ``a`` whose C order is the iteration order ``order``."""
    return a if order is None else a.transpose(order)


def fill(t: Tensor, kernel: Kernel, real: bool = False) -> Tensor:
    """Write ``kernel(n, np_dtype, contiguous)`` into ``t`` in place (complex tensors through
    their real view, as PyTorch does, when ``real``), bump its version and return it."""
    _check_inplace(t)
    if STATE.enabled and t._rg:
        # A non-leaf in a recorded graph: PyTorch's new history has a zero derivative; zero_
        # rebases the tensor's history onto exactly that before the samples overwrite it.
        t.zero_()
    a = t._data
    if real and a.dtype.kind == "c":
        rd = real_np(a.dtype)
        if a.flags.c_contiguous:
            flat = a.reshape(-1).view(rd)
            flat[...] = kernel(flat.size, rd, True)
        else:
            tmp = np.empty(a.shape, a.dtype)
            flat = tmp.reshape(-1).view(rd)
            flat[...] = kernel(flat.size, rd, False)
            a[...] = tmp
    elif a.size:
        v = iter_view(a, iter_order(a))
        v[...] = kernel(a.size, a.dtype, bool(a.flags.c_contiguous)).reshape(v.shape)
    t._version_counter().bump()
    return t


def sample(shape: tuple, npd: np.dtype, kernel: Kernel, real: bool = False) -> np.ndarray:
    """A new C-contiguous array of ``kernel``'s samples: what :func:`fill` writes into a fresh
    tensor of that shape and dtype, without the copy."""
    n = math.prod(shape)
    if real and npd.kind == "c":
        rd = real_np(npd)
        return kernel(2 * n, rd, True).astype(rd, copy=False).view(npd).reshape(shape)
    if n == 0:
        return np.empty(shape, npd)
    return kernel(n, npd, True).astype(npd, copy=False).reshape(shape)
