"""Extrema and order statistics: ``max``/``min``, ``amax``/``amin``, ``argmax``/``argmin``,
``aminmax`` and ``median``.

Two gradients, as in PyTorch: a reduction that returns *values* only (``max()``, ``amax``,
``median()``, ``aminmax``) splits the gradient evenly among all the elements equal to the
result; one that also returns *indices* (``max(dim)``, ``median(dim)``) sends it to the one
element its index names (the first occurrence for ``max``/``min``).
"""

from __future__ import annotations

import collections

import numpy as np

from ..autograd.graph import derivative
from ._core import OPS, Tensor, make, record, record_multi, register, wrap_dim
from ._graphmath import define_math
from .reduction import Dims, _dim_or_axis, np_axis, reduce_dims, restore

__all__ = ["max", "min", "amax", "amin", "argmax", "argmin", "aminmax", "median",
           "RETURN_TYPES"]


def _return_type(name: str, fields: tuple[str, ...]) -> type:
    """A named tuple printed like ``torch.return_types.<name>``."""
    base = collections.namedtuple(name, fields)

    def __repr__(self) -> str:
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(self._fields, self, strict=True))
        return f"chainrule.return_types.{name}(\n{body})"

    return type(name, (base,), {"__slots__": (), "__repr__": __repr__,
                                "__module__": __name__})


#: the named tuples returned by max(dim), min(dim), median(dim) and aminmax
RETURN_TYPES = {
    "max": _return_type("max", ("values", "indices")),
    "min": _return_type("min", ("values", "indices")),
    "median": _return_type("median", ("values", "indices")),
    "aminmax": _return_type("aminmax", ("min", "max")),
}


# --------------------------------------------------------------------------- gradients
def _spread(F, x, g, out, dims: tuple, ndim: int, keepdim: bool):
    """``g`` split evenly among the elements of ``x`` equal to the result ``out``."""
    g = restore(F, g, dims, ndim, keepdim)
    mask = F.mask(F.ties(x, restore(F, out, dims, ndim, keepdim)), g)
    return mask * (g / F.sum(mask, dims, True))


def _scatter_dim_array(g: np.ndarray, index: np.ndarray, dim: int, shape: tuple) -> np.ndarray:
    out = np.zeros(shape, g.dtype)
    np.put_along_axis(out, index, g, axis=dim)
    return out


def _scatter_dim_tensor(g: Tensor, index: np.ndarray, dim: int, shape: tuple) -> Tensor:
    n = shape[dim]
    pos = np.arange(n).reshape((n,) + (1,) * (len(shape) - dim - 1))
    return g * make((pos == index).astype(g._data.dtype))


# F.scatter_dim(g, index, dim, shape): zeros of ``shape`` holding g at ``index`` along dim
# (g and index keep dim as size 1)
define_math("scatter_dim", _scatter_dim_array, _scatter_dim_tensor)


def _to_index(node, F, g):
    # the gradient goes to the element each index names
    shape, dim, keepdim, index = node._args
    if not shape:
        return (g,)
    return (F.scatter_dim(restore(F, g, (dim,), len(shape), keepdim), index, dim, shape),)


def _evenly(node, F, g):
    # the gradient is shared evenly by the elements equal to the result
    shape, dims, keepdim = node._args
    (x,) = F.saved(node)
    return (_spread(F, x, g, F.output(node), dims, len(shape), keepdim),)


MaxBackward0 = derivative("max", 0)(_to_index)
MaxBackward1 = derivative("max", 1)(_evenly)
MinBackward0 = derivative("min", 0)(_to_index)
MinBackward1 = derivative("min", 1)(_evenly)
AmaxBackward0 = derivative("amax")(_evenly)
AminBackward0 = derivative("amin")(_evenly)
MedianBackward0 = derivative("median", 0)(_evenly)
MedianBackward1 = derivative("median", 1)(_to_index)


@derivative("aminmax", outputs=2)
def AminmaxBackward0(node, F, grads):
    # each of min and max shares its gradient evenly among its ties
    shape, dims, keepdim, lo, hi = node._args
    (x,) = F.saved(node)
    res = None
    for g, out in zip(grads, (lo, hi), strict=True):
        if g is not None:
            r = _spread(F, x, g, F.const(out, g), dims, len(shape), keepdim)
            res = r if res is None else res + r
    return (res,)


# ------------------------------------------------------------------------------ checks
def _check_full(d: np.ndarray, name: str) -> None:
    if d.size == 0:
        raise RuntimeError(
            f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
            "Specify the reduction dim with the 'dim' argument.")


def _check_dims(d: np.ndarray, dims: tuple, name: str) -> None:
    for i in dims:
        if d.shape[i] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {i} to have non-zero size.")


def _int_dim(dim, name: str) -> int:
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{name}(): argument 'dim' must be int, not {type(dim).__name__}")
    return int(dim)


# ----------------------------------------------------------------------- max / min
def _extremum(input: Tensor, dim, keepdim: bool, name: str, full_fn, arg_fn, cls_full,
              cls_dim):
    d = input._data
    if dim is None:
        _check_full(d, name)
        out = np.asarray(full_fn(d))
        return record(cls_full, out, (input,), saved=(input,), save_out=True,
                      args=(d.shape, tuple(range(d.ndim)), False))
    dim = wrap_dim(_int_dim(dim, name), d.ndim)
    if d.ndim == 0:
        values, index = d.copy(), np.zeros((), np.int64)
        args = ((), 0, keepdim, index)
    else:
        _check_dims(d, (dim,), name)
        index = np.expand_dims(arg_fn(d, axis=dim), dim)
        values = np.take_along_axis(d, index, axis=dim)
        args = (d.shape, dim, keepdim, index)
        if not keepdim:
            values, index = values.squeeze(dim), index.squeeze(dim)
    res = record(cls_dim, values, (input,), args=args)
    return RETURN_TYPES[name](res, make(index.astype(np.int64, copy=False)))


def _binary(name: str, input: Tensor, other: Tensor):
    fn = OPS.get({"max": "maximum", "min": "minimum"}[name])
    if fn is None:
        raise NotImplementedError(f"chainrule: {name}(input, other) needs the "
                                  f"{'maximum' if name == 'max' else 'minimum'} op")
    return fn(input, other)


@register("max")
def max(input: Tensor, dim: int | Tensor | None = None, keepdim: bool = False, *,  # noqa: A001
        axis: int | None = None):
    """The largest element; with ``dim``, ``(values, indices)`` along it; with a tensor,
    the elementwise ``maximum``."""
    if isinstance(dim, Tensor):
        return _binary("max", input, dim)
    return _extremum(input, _dim_or_axis(dim, axis), keepdim, "max", np.max, np.argmax,
                     MaxBackward1, MaxBackward0)


@register("min")
def min(input: Tensor, dim: int | Tensor | None = None, keepdim: bool = False, *,  # noqa: A001
        axis: int | None = None):
    """The smallest element; with ``dim``, ``(values, indices)`` along it; with a tensor,
    the elementwise ``minimum``."""
    if isinstance(dim, Tensor):
        return _binary("min", input, dim)
    return _extremum(input, _dim_or_axis(dim, axis), keepdim, "min", np.min, np.argmin,
                     MinBackward1, MinBackward0)


# --------------------------------------------------------------------- amax / amin
def _amax(input: Tensor, dim, keepdim: bool, name: str, fn, cls) -> Tensor:
    d = input._data
    dims = reduce_dims(dim, d.ndim)
    if len(dims) == d.ndim:
        _check_full(d, name)
    else:
        _check_dims(d, dims, name)
    out = np.asarray(fn(d, axis=np_axis(dims, d.ndim), keepdims=keepdim))
    return record(cls, out, (input,), saved=(input,), save_out=True,
                  args=(d.shape, dims, keepdim))


@register("amax")
def amax(input: Tensor, dim: Dims = (), keepdim: bool = False, *,
         axis: Dims = None) -> Tensor:
    """The largest elements over ``dim`` (int or tuple; all dims by default)."""
    return _amax(input, _dim_or_axis(dim, axis), keepdim, "amax", np.max, AmaxBackward0)


@register("amin")
def amin(input: Tensor, dim: Dims = (), keepdim: bool = False, *,
         axis: Dims = None) -> Tensor:
    """The smallest elements over ``dim`` (int or tuple; all dims by default)."""
    return _amax(input, _dim_or_axis(dim, axis), keepdim, "amin", np.min, AminBackward0)


@register("aminmax")
def aminmax(input: Tensor, *, dim: int | None = None, keepdim: bool = False):
    """``(min, max)`` over ``dim`` (all elements by default) in one call."""
    d = input._data
    if dim is None:
        if d.size == 0:
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as "
                               "the operation has no identity.")
        dims = tuple(range(d.ndim))
    else:
        dims = reduce_dims(_int_dim(dim, "aminmax"), d.ndim)
        if dims and d.shape[dims[0]] == 0:
            raise IndexError(f"aminmax(): Expected reduction dim {dims[0]} to have non-zero "
                             "size.")
    axis = np_axis(dims, d.ndim)
    lo = np.asarray(d.min(axis=axis, keepdims=keepdim))
    hi = np.asarray(d.max(axis=axis, keepdims=keepdim))
    if d.dtype.kind not in "fc":
        return RETURN_TYPES["aminmax"](make(lo), make(hi))
    lo_t, hi_t = record_multi(AminmaxBackward0, [lo, hi], (input,), saved=(input,),
                              args=(d.shape, dims, keepdim, lo, hi))
    return RETURN_TYPES["aminmax"](lo_t, hi_t)


# ----------------------------------------------------------------- argmax / argmin
def _arg(input: Tensor, dim, keepdim: bool, name: str, fn) -> Tensor:
    d = input._data
    if dim is None:
        if d.size == 0:
            raise IndexError(
                f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
        out = np.asarray(fn(d))
        if keepdim:
            out = out.reshape((1,) * d.ndim)
    else:
        dim = wrap_dim(_int_dim(dim, name), d.ndim)
        if d.ndim == 0:
            out = np.zeros((), np.int64)
        else:
            _check_dims(d, (dim,), name)
            out = fn(d, axis=dim, keepdims=keepdim)
    return make(out.astype(np.int64, copy=False))


@register("argmax")
def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False, *,
           axis: int | None = None) -> Tensor:
    """Index of the (first) largest element, of the flattened input when ``dim`` is None."""
    return _arg(input, _dim_or_axis(dim, axis), keepdim, "argmax", np.argmax)


@register("argmin")
def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False, *,
           axis: int | None = None) -> Tensor:
    """Index of the (first) smallest element, of the flattened input when ``dim`` is None."""
    return _arg(input, _dim_or_axis(dim, axis), keepdim, "argmin", np.argmin)


# --------------------------------------------------------------------------- median
def _median_full(input: Tensor) -> Tensor:
    d = input._data
    flat = d.reshape(-1)
    if flat.size == 0:
        out = np.full((), np.nan, d.dtype)
    elif d.dtype.kind in "fc" and np.isnan(flat).any():
        out = np.full((), np.nan, d.dtype)
    else:
        k = (flat.size - 1) // 2
        out = np.asarray(np.partition(flat, k)[k])
    return record(MedianBackward0, out, (input,), saved=(input,), save_out=True,
                  args=(d.shape, tuple(range(d.ndim)), False))


@register("median")
def median(input: Tensor, dim: int | None = None, keepdim: bool = False):
    """The lower median of all elements; with ``dim``, ``(values, indices)`` along it."""
    if dim is None:
        return _median_full(input)
    d = input._data
    dim = wrap_dim(_int_dim(dim, "median"), d.ndim)
    if d.ndim == 0:
        values, index = d.copy(), np.zeros((), np.int64)
        args = ((), 0, keepdim, index)
    else:
        _check_dims(d, (dim,), "median")
        n = d.shape[dim]
        # a stable sort picks, among equal values, the index PyTorch returns
        order = np.argsort(d, axis=dim, kind="stable")
        index = np.take(order, [(n - 1) // 2], axis=dim)
        if d.dtype.kind in "fc":
            nan = np.isnan(d)
            if nan.any():  # NaN is the median of a slice holding one, at its first index
                first = np.expand_dims(nan.argmax(axis=dim), dim)
                index = np.where(np.take_along_axis(nan, first, axis=dim), first, index)
        values = np.take_along_axis(d, index, axis=dim)
        args = (d.shape, dim, keepdim, index)
        if not keepdim:
            values, index = values.squeeze(dim), index.squeeze(dim)
    res = record(MedianBackward1, values, (input,), args=args)
    return RETURN_TYPES["median"](res, make(index.astype(np.int64, copy=False)))
