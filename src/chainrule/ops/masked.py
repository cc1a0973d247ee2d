"""Selection by mask and by position: masked_fill, masked_select, take, tril/triu, nonzero.

As in ``scatter.py``, each op is NumPy indexing, and its derivative gathers the gradient
(``F.getitem``), scatter-adds it into zeros (``F.index_add``) or multiplies it by a 0/1 mask
of the positions that kept their value (``F.const(keep, g)``), so that it can be
differentiated again.
"""

from __future__ import annotations

import numpy as np

from ..autograd.graph import derivative
from ._core import Tensor, broadcast_error, make, record, register
from .indexing import dtype_word
from .scatter import _down, _tensor_arg

__all__ = ["masked_fill", "masked_select", "take", "tril", "triu", "nonzero", "argwhere",
           "nonzero_tuple"]

_CTYPES = {"int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
           "uint8": "unsigned char", "float32": "float", "float64": "double",
           "float16": "c10::Half", "complex64": "c10::complex<float>",
           "complex128": "c10::complex<double>"}


# ------------------------------------------------------------------------ masks
def _bool_mask(mask, msg: str) -> np.ndarray:
    m = _tensor_arg(mask, "masked_fill", "mask", 2)._data
    if m.dtype != np.bool_:
        raise RuntimeError(msg.format(_CTYPES.get(m.dtype.name, m.dtype.name)))
    return m


def _broadcast_pair(d: np.ndarray, m: np.ndarray) -> tuple:
    try:
        return np.broadcast_shapes(d.shape, m.shape)
    except ValueError:
        raise broadcast_error(m.shape, d.shape) from None


@derivative("masked_fill")
def MaskedFillBackward0(node, F, g):
    # filled positions take a number: g passes only where the mask is False
    return (g * F.const(~node._args, g),)


@derivative("masked_fill", 1)
def MaskedFillBackward1(node, F, g):
    # d(value) = sum of g where the mask is True (the engine sums via meta)
    m = node._args
    ni, nv = F.needs(node)
    return (g * F.const(~m, g) if ni else None), (g * F.const(m, g) if nv else None)


@register("masked_fill")
def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:
    """A copy of ``input`` (broadcast with ``mask``) with ``value`` where ``mask`` is True."""
    d = input._data
    m = _bool_mask(mask, "masked_fill_ only supports boolean masks, but got mask with dtype {}")
    vt = value if isinstance(value, Tensor) else None
    if vt is not None:
        if vt._data.ndim:
            raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but got "
                               f"tensor with {vt._data.ndim} dimension(s).")
        fill = vt._data
    else:
        if isinstance(value, complex) and d.dtype.kind != "c":
            raise RuntimeError(f"value cannot be converted to type "
                               f"{_CTYPES.get(d.dtype.name, 'float')} without overflow")
        fill = value
    shape = _broadcast_pair(d, m)
    out = np.broadcast_to(d, shape).copy()
    mb = np.ascontiguousarray(np.broadcast_to(m, shape))
    out[mb] = fill
    im = None if d.shape == shape else (d.shape, input.dtype)
    if vt is None:
        return record(MaskedFillBackward0, out, (input,), args=mb,
                      meta=None if im is None else (im,))
    return record(MaskedFillBackward1, out, (input, vt), args=mb,
                  meta=(im, (vt._data.shape, vt.dtype)))


@derivative("masked_select")
def MaskedSelectBackward0(node, F, g):
    # scatter g back to the True positions of the (broadcast) mask
    shape, nz = node._args
    return (F.index_add(shape, nz, g, g),)


@register("masked_select")
def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """The elements of ``input`` (broadcast with ``mask``) where ``mask`` is True, as 1-d."""
    d = input._data
    m = _tensor_arg(mask, "masked_select", "mask", 2)._data
    if m.dtype != np.bool_:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    shape = _broadcast_pair(d, m)
    nz = np.nonzero(np.broadcast_to(m, shape))
    out = np.broadcast_to(d, shape)[nz]
    meta = None if d.shape == shape else ((d.shape, input.dtype),)
    return record(MaskedSelectBackward0, out, (input,), args=(shape, nz), meta=meta)


# ------------------------------------------------------------------------ take
@derivative("take")
def TakeBackward0(node, F, g):
    # scatter-add g back to the flat positions taken
    shape, index, zero_d = node._args
    return (_down(F, F.index_add(shape, index, g, g), zero_d),)


@register("take")
def take(input: Tensor, index: Tensor) -> Tensor:
    """The elements of ``input`` at flat positions ``index`` (shaped like ``index``)."""
    d = input._data
    idx = _tensor_arg(index, "take", "index", 2)._data
    if idx.dtype != np.int64:
        raise RuntimeError(
            f"take(): Expected a long tensor for index, but got {dtype_word(idx)}")
    n = d.size
    if idx.size:
        bad = idx[(idx < -n) | (idx >= n)]
        if bad.size:
            raise IndexError(f"out of range: tried to access index {int(bad.flat[0])} on a "
                             f"tensor of {n} elements.")
    flat = np.where(idx < 0, idx + n, idx)
    xs = d.shape or (1,)
    T = tuple(np.unravel_index(flat, xs))
    out = np.asarray(d.reshape(xs)[T])
    return record(TakeBackward0, out, (input,), args=(xs, T, d.ndim == 0))


# ------------------------------------------------------------------------ tril / triu
@derivative("tril")
def TrilBackward0(node, F, g):
    # keeps the lower triangle: so does its gradient
    return (F.tril(g, node._args),)


@derivative("triu")
def TriuBackward0(node, F, g):
    # keeps the upper triangle: so does its gradient
    return (F.triu(g, node._args),)


def _triangle(name: str, fn, cls, input: Tensor, diagonal: int) -> Tensor:
    d = input._data
    if d.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
    return record(cls, fn(d, diagonal), (input,), args=diagonal)


@register("tril")
def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle (on and below ``diagonal``) of the last two dims; zeros elsewhere."""
    return _triangle("tril", np.tril, TrilBackward0, input, int(diagonal))


@register("triu")
def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle (on and above ``diagonal``) of the last two dims; zeros elsewhere."""
    return _triangle("triu", np.triu, TriuBackward0, input, int(diagonal))


# ------------------------------------------------------------------------ nonzero
def nonzero_tuple(input: Tensor) -> tuple:
    """One int64 tensor of positions per dim where ``input`` is nonzero (``where(cond)``)."""
    d = input._data
    if d.ndim == 0:
        return (make(np.zeros(1 if d != 0 else 0, np.int64)),)
    return tuple(make(a.astype(np.int64)) for a in np.nonzero(d))


@register("nonzero")
def nonzero(input: Tensor, *, as_tuple: bool = False):
    """The positions of nonzero elements: an ``(n, ndim)`` int64 tensor, or one per dim."""
    if as_tuple:
        return nonzero_tuple(input)
    d = input._data
    if d.ndim == 0:
        return make(np.zeros((1 if d != 0 else 0, 0), np.int64))
    return make(np.argwhere(d).astype(np.int64))


@register("argwhere")
def argwhere(input: Tensor) -> Tensor:
    """``nonzero(input)``: an ``(n, ndim)`` int64 tensor of positions."""
    return nonzero(input)
