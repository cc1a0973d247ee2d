"""Selection by index along a dim: gather, scatter, scatter_add, index_select/add/fill/copy/put.

Every op here is written as NumPy indexing with a tuple of index arrays, so its derivative is
one of two moves on the gradient ``g``: *gather* it (``F.getitem(g, index)``) or *scatter-add*
it into zeros (``F.index_add(shape, index, g, like)``); positions an op overwrote get ``g``
times a 0/1 ``keep`` mask. ``index`` for ``gather``/``scatter`` along ``dim`` is
``_along(idx, dim)``: ``idx`` itself in position ``dim``, broadcasting ``arange``s elsewhere.
Both moves are differentiable ops in the tensor namespace, so every derivative here can be
differentiated again.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..autograd.graph import NotImplementedBackward, derivative
from ._core import Tensor, make, record, register, wrap_dim
from ._inplace_core import rebase_inplace
from .indexing import (
    IndexPutBackward0,
    _check_advanced,
    _classify_array,
    _indexed_shape,
    dtype_word,
)

__all__ = ["gather", "scatter", "scatter_add", "index_select", "index_add", "index_fill",
           "index_copy", "index_put"]

_INT_INDEX = (np.dtype(np.int64), np.dtype(np.int32))


def _tensor_arg(t, op: str, arg: str, pos: int) -> Tensor:
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}(): argument '{arg}' (position {pos}) must be Tensor, not "
                        f"{type(t).__name__}")
    return t


def _int_index(index, op: str, msg: str | None = None) -> np.ndarray:
    d = _tensor_arg(index, op, "index", 3)._data
    if d.dtype not in _INT_INDEX:
        raise RuntimeError(msg or f"{op}(): Expected dtype int32/int64 for index")
    return d


def _check_range(idx: np.ndarray, n: int, dim: int, exc=RuntimeError, prefix: str = "") -> None:
    if idx.size:
        bad = idx[(idx < 0) | (idx >= n)]
        if bad.size:
            raise exc(f"{prefix}index {int(bad.flat[0])} is out of bounds for dimension {dim} "
                      f"with size {n}")


def _along(idx: np.ndarray, dim: int) -> tuple:
    """The NumPy index taking ``idx[i][j]...`` along ``dim``, the position itself elsewhere."""
    n = idx.ndim
    out = []
    for d in range(n):
        if d == dim:
            out.append(idx.astype(np.intp))
        else:
            shape = [1] * n
            shape[d] = idx.shape[d]
            out.append(np.arange(idx.shape[d]).reshape(shape))
    return tuple(out)


def _up(F, g, zero_d: bool):
    """``g`` as 1-d when the op worked on a 0-d tensor viewed as 1-d."""
    return F.getitem(g, None) if zero_d else g


def _down(F, g, zero_d: bool):
    return F.getitem(g, 0) if zero_d else g




# ------------------------------------------------------------------------ gather
@derivative("gather")
def GatherBackward0(node, F, g):
    # scatter-add g back to where each element was taken from
    shape, index, zero_d = node._args
    return (_down(F, F.index_add(shape, index, g, g), zero_d),)


@register("gather")
def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
    """``out[i][j] = input[index[i][j]][j]`` (for ``dim=0``), any number of dims."""
    d = input._data
    idx = _int_index(index, "gather")
    dim = wrap_dim(dim, d.ndim)
    xs, ixs = d.shape or (1,), idx.shape or (1,)
    if len(ixs) != len(xs):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    for k in range(len(xs)):
        if k != dim and ixs[k] > xs[k]:
            raise RuntimeError(
                f"Size does not match at dimension {k} expected index {list(idx.shape)} to be no "
                f"larger than self {list(d.shape)} apart from dimension {dim}")
    _check_range(idx, xs[dim], dim)
    T = _along(idx.reshape(ixs), dim)
    out = d.reshape(xs)[T].reshape(idx.shape)
    return record(GatherBackward0, out, (input,), args=(xs, T, d.ndim == 0))


# ------------------------------------------------------------------------ scatter
@derivative("scatter")
def ScatterBackward0(node, F, g):
    # written positions come from src: d(input) = g elsewhere, d(src) = g gathered there
    keep, index, zero_d = node._args
    ni, ns = F.needs(node)
    gi = g * F.const(keep, g) if ni else None
    gs = F.getitem(_up(F, g, zero_d), index) if ns else None
    return gi, gs


@derivative("scatter", 1)
def ScatterBackward1(node, F, g):
    # a number written at the scattered positions
    keep = node._args[0]
    return (g * F.const(keep, g),)


@derivative("scatter_add")
def ScatterAddBackward0(node, F, g):
    # out = input + src added at index: d(input) = g, d(src) = g gathered at index
    index, zero_d = node._args
    ni, ns = F.needs(node)
    return (g if ni else None), (F.getitem(_up(F, g, zero_d), index) if ns else None)


def _scatter_prepare(op: str, input: Tensor, dim: int, index, src: Tensor | None):
    d = input._data
    idx = _int_index(index, op, "scatter(): Expected dtype int32/int64 for index")
    dim = wrap_dim(dim, d.ndim)
    xs, ixs = d.shape or (1,), idx.shape or (1,)
    if len(ixs) != len(xs):
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    ss = None
    if src is not None:
        if src._data.dtype != d.dtype:
            raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
        ss = src._data.shape or (1,)
        if len(ss) != len(ixs):
            raise RuntimeError(
                "Index tensor must have the same number of dimensions as src tensor")
    for k in range(len(xs)):
        if (k != dim and ixs[k] > xs[k]) or (ss is not None and ixs[k] > ss[k]):
            msg = (f"Expected index {list(idx.shape)} to be no larger than self "
                   f"{list(d.shape)} apart from dimension {dim}")
            if ss is not None:
                msg += f" and to be no larger size than src {list(src._data.shape)}"
            raise RuntimeError(msg)
    _check_range(idx, xs[dim], dim)
    T = _along(idx.reshape(ixs), dim)
    vals = None
    if src is not None:
        vals = src._data.reshape(ss)[tuple(slice(0, n) for n in ixs)]
    return d, xs, T, vals


@register("scatter")
def scatter(input: Tensor, dim: int, index: Tensor, src=None, *, value=None,
            reduce: str | None = None) -> Tensor:
    """A copy of ``input`` with ``src`` (a tensor, or a number ``value``) written at ``index``
    along ``dim``; ``reduce='add'``/``'multiply'`` combines instead of overwriting."""
    if src is None:
        src = value
    st = src if isinstance(src, Tensor) else None
    if reduce is not None and reduce not in ("add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    d, xs, T, vals = _scatter_prepare("scatter", input, dim, index, st)
    if st is None:
        vals = src
    out = d.reshape(xs).copy()
    if reduce is None:
        out[T] = vals
    else:
        if st is not None:
            warnings.warn(
                "The reduce argument of torch.scatter with Tensor src is deprecated and will be "
                "removed in a future PyTorch release. Use torch.scatter_reduce instead for more "
                "reduction options.", UserWarning, stacklevel=2)
        (np.add if reduce == "add" else np.multiply).at(out, T, vals)
    out = out.reshape(d.shape)
    if reduce is not None:
        return record(NotImplementedBackward, out, (input, st), args="scatter")
    if not (input._rg or st is not None and st._rg):
        return make(out)
    keep = np.ones(xs, dtype=bool)
    keep[T] = False
    keep = keep.reshape(d.shape)
    if st is None:
        return record(ScatterBackward1, out, (input,), args=(keep,))
    meta = None
    if st._data.shape != np.broadcast_shapes(*[t.shape for t in T]):
        meta = (None, (st._data.shape, st.dtype))
    return record(ScatterBackward0, out, (input, st), args=(keep, T, d.ndim == 0), meta=meta)


@register("scatter_add")
def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """A copy of ``input`` with ``src`` added at ``index`` along ``dim`` (repeats accumulate)."""
    _tensor_arg(src, "scatter_add", "src", 4)
    d, xs, T, vals = _scatter_prepare("scatter_add", input, dim, index, src)
    out = d.reshape(xs).copy()
    np.add.at(out, T, vals)
    out = out.reshape(d.shape)
    meta = None
    if src._data.shape != np.broadcast_shapes(*[t.shape for t in T]):
        meta = (None, (src._data.shape, src.dtype))
    return record(ScatterAddBackward0, out, (input, src), args=(T, d.ndim == 0), meta=meta)


# ------------------------------------------------------------------------ index_* along a dim
def _dim_index(d: np.ndarray, dim: int, idx: np.ndarray) -> tuple:
    """The NumPy index selecting positions ``idx`` (1-d) of ``dim``."""
    return (slice(None),) * dim + (idx.reshape(-1).astype(np.intp),)


@derivative("index_select")
def IndexSelectBackward0(node, F, g):
    # scatter-add g back into the selected rows (repeats accumulate)
    shape, index = node._args
    if index is None:
        return (g,)
    return (F.index_add(shape, index, g, g),)


@register("index_select")
def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """The entries of ``input`` at positions ``index`` (a vector) along ``dim``."""
    d = input._data
    idx = _int_index(index, "index_select", "index_select(): Expected dtype int32 or int64 for "
                                            "index")
    if idx.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    dim = wrap_dim(dim, d.ndim)
    if d.ndim == 0:
        if idx.size != 1:
            raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got "
                               f"{idx.size} value(s)")
        if int(idx.reshape(-1)[0]) != 0:
            raise IndexError("index out of range in self")
        return record(IndexSelectBackward0, d.copy(), (input,), args=(d.shape, None))
    n = d.shape[dim]
    if idx.size:
        bad = idx[(idx < 0) | (idx >= n)]
        if bad.size:
            raise RuntimeError(f"INDICES element is out of DATA bounds, id={int(bad.flat[0])} "
                               f"axis_dim={n}")
    ix = _dim_index(d, dim, idx)
    return record(IndexSelectBackward0, d[ix], (input,), args=(d.shape, ix))


@derivative("index_add")
def IndexAddBackward0(node, F, g):
    # out = input + alpha * source added at index: d(source) = alpha * g[index]
    ix, alpha = node._args
    ni, ns = F.needs(node)
    gs = None
    if ns:
        gs = F.getitem(g, ix)
        if alpha != 1:
            gs = gs * alpha
    return (g if ni else None), gs


def _vector_index(index, op: str, d: np.ndarray, dim: int) -> np.ndarray:
    idx = _tensor_arg(index, op, "index", 3)._data
    if idx.ndim > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector, but got dim: {idx.ndim} "
                         f"with type: {dtype_word(idx)} and size: {list(idx.shape)}")
    return idx


@register("index_add")
def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1) -> Tensor:
    """A copy of ``input`` with ``alpha * source`` added at positions ``index`` along ``dim``."""
    d = input._data
    dim = wrap_dim(dim, d.ndim)
    idx = _tensor_arg(index, "index_add", "index", 3)._data
    if idx.dtype not in _INT_INDEX:
        raise RuntimeError(
            f"index_add_(): Expected dtype int32/int64 for index but got: {dtype_word(idx)}")
    idx = _vector_index(index, "index_add_", d, dim)
    s = _tensor_arg(source, "index_add", "source", 4)._data
    if s.dtype != d.dtype:
        raise RuntimeError(f"index_add_(): self ({dtype_word(d)}) and source ({dtype_word(s)}) "
                           "must have the same scalar type")
    sd = s.shape or (1,)
    xd = d.shape or (1,)
    if len(sd) != len(xd) or any(sd[k] != xd[k] for k in range(len(xd)) if k != dim):
        raise RuntimeError(
            "source tensor shape must match self tensor shape, excluding the specified "
            f"dimension. Got self.shape = {list(d.shape)} source.shape = {list(s.shape)}")
    if idx.size != sd[dim]:
        raise RuntimeError(f"index_add_(): Number of indices ({idx.size}) should be equal to "
                           f"source.size(dim): ({sd[dim]}), for dim: {dim}")
    _check_range(idx, xd[dim], dim)
    ix = _dim_index(d, dim, idx)
    out = d.reshape(xd).copy()
    np.add.at(out, ix, s.reshape(sd) * alpha if alpha != 1 else s.reshape(sd))
    out = out.reshape(d.shape)
    meta = None if s.shape == sd else (None, (s.shape, source.dtype))
    return record(IndexAddBackward0, out, (input, source), args=(ix, alpha), meta=meta)


@derivative("index_fill")
def IndexFillBackward0(node, F, g):
    # filled positions take a number: no gradient flows there
    keep = node._args
    return (g * F.const(keep, g),)


@derivative("index_fill", 1)
def IndexFillBackward1(node, F, g):
    # d(value) = sum of g over the filled positions (the engine sums via meta)
    keep = node._args
    ni, nv = F.needs(node)
    return (g * F.const(keep, g) if ni else None), (g * F.const(~keep, g) if nv else None)


def _keep_mask(shape: tuple, ix) -> np.ndarray:
    keep = np.ones(shape, dtype=bool)
    keep[ix] = False
    return keep


@register("index_fill")
def index_fill(input: Tensor, dim: int, index: Tensor, value) -> Tensor:
    """A copy of ``input`` with ``value`` (a number or 0-d tensor) at ``index`` along ``dim``."""
    d = input._data
    dim = wrap_dim(dim, d.ndim)
    idx = _tensor_arg(index, "index_fill", "index", 3)._data
    if idx.dtype != np.int64:
        raise IndexError("index_fill_(): Expected dtype int64 for index.")
    if idx.ndim > 1:
        raise RuntimeError("Index has to be a vector/scalar")
    vt = value if isinstance(value, Tensor) else None
    if vt is not None and vt._data.ndim:
        raise RuntimeError("index_fill_ only supports a 0-dimensional value tensor, but got "
                           f"tensor with {vt._data.ndim} dimension(s).")
    xd = d.shape or (1,)
    n = xd[dim]
    if idx.size:
        bad = idx[(idx < -n) | (idx >= n)]
        if bad.size:
            raise IndexError(f"index {int(bad.flat[0])} is out of bounds for dimension {dim} "
                             f"with size {n}")
    ix = _dim_index(d, dim, np.where(idx < 0, idx + n, idx))
    out = d.reshape(xd).copy()
    out[ix] = vt._data if vt is not None else value
    out = out.reshape(d.shape)
    keep = _keep_mask(xd, ix).reshape(d.shape)
    if vt is None:
        return record(IndexFillBackward0, out, (input,), args=keep)
    return record(IndexFillBackward1, out, (input, vt), args=keep,
                  meta=(None, (vt._data.shape, vt.dtype)))


@derivative("index_copy")
def IndexCopyBackward0(node, F, g):
    # copied positions come from source: d(source) = g[index]
    keep, ix = node._args
    ni, ns = F.needs(node)
    return (g * F.const(keep, g) if ni else None), (F.getitem(g, ix) if ns else None)


def _index_copy_prepare(input: Tensor, dim: int, index, source):
    d = input._data
    dim = wrap_dim(dim, d.ndim)
    idx = _tensor_arg(index, "index_copy", "index", 3)._data
    if idx.dtype != np.int64:
        raise RuntimeError(
            f"index_copy_(): Expected a long tensor for index, but got {dtype_word(idx)}")
    idx = _vector_index(index, "index_copy_", d, dim)
    s = _tensor_arg(source, "index_copy", "source", 4)._data
    if s.dtype != d.dtype:
        raise RuntimeError(
            "index_copy_(): self and source expected to have the same dtype, but got (self) "
            f"{dtype_word(d)} and (source) {dtype_word(s)}")
    xd, sd = d.shape or (1,), s.shape or (1,)
    if len(sd) != len(xd):
        raise IndexError(
            "index_copy_(): When source and destination are not scalars, their dimensionality "
            f"must match. Source dimensionality ({s.ndim}), destination dimensionality "
            f"({d.ndim})")
    if idx.size != sd[dim]:
        raise IndexError(f"index_copy_(): Number of indices ({idx.size}) should be equal to "
                         f"source.size(dim) ({sd[dim]})")
    xs = [n for k, n in enumerate(xd) if k != dim]
    ss = [n for k, n in enumerate(sd) if k != dim]
    if xs != ss:
        raise RuntimeError(
            "index_copy_(): Source/destination tensor must have same slice shapes. "
            f"Destination slice shape: {' '.join(map(str, xs))} at dimension {dim} and source "
            f"slice shape: {' '.join(map(str, ss))} at dimension 0.")
    _check_range(idx, xd[dim], dim, IndexError, "index_copy_(): ")
    ix = _dim_index(d, dim, idx)
    meta = None if s.shape == sd else (None, (s.shape, source.dtype))
    return xd, ix, s.reshape(sd), meta


@register("index_copy")
def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """A copy of ``input`` with the slices of ``source`` written at ``index`` along ``dim``."""
    d = input._data
    xd, ix, s, meta = _index_copy_prepare(input, dim, index, source)
    out = d.reshape(xd).copy()
    out[ix] = s
    out = out.reshape(d.shape)
    keep = _keep_mask(xd, ix).reshape(d.shape)
    return record(IndexCopyBackward0, out, (input, source), args=(keep, ix), meta=meta)


@register("index_copy_", function=False)
def index_copy_(self: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """In-place ``index_copy``."""
    xd, ix, s, meta = _index_copy_prepare(self, dim, index, source)
    shape = self._data.shape

    def write(data):
        data.reshape(xd)[ix] = s

    return rebase_inplace(self, IndexCopyBackward0, write, (source,),
                          args=(_keep_mask(xd, ix).reshape(shape), ix), meta=meta)


# ------------------------------------------------------------------------ index_put
def _index_put_prepare(input: Tensor, indices, values: Tensor, accumulate: bool):
    d = input._data
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"index_put(): argument 'indices' (position 2) must be tuple of Tensors,"
                        f" not {type(indices).__name__}")
    adv = []
    for i, t in enumerate(indices):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 1, but got "
                            f"{type(t).__name__}")
        kind, val = _classify_array(t._data)
        adv.append(np.asarray(val) if kind in ("int", "bool") else np.array(val))
    adv = tuple(adv)
    specified = sum(a.ndim if a.dtype == np.bool_ else 1 for a in adv)
    if specified > d.ndim:
        raise IndexError(f"too many indices for tensor of dimension {d.ndim}")
    _check_advanced(d.shape, adv)
    target = _indexed_shape(d.shape, adv)
    v = _tensor_arg(values, "index_put", "values", 3)._data
    if v.dtype != d.dtype:
        raise RuntimeError(
            f"Index put requires the source and destination dtypes match, got {dtype_word(d)} "
            f"for the destination and {dtype_word(v)} for the source.")
    try:
        ok = np.broadcast_shapes(v.shape, target) == target
    except ValueError:
        ok = False
    if not ok:
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(v.shape)} cannot be "
                           f"broadcast to indexing result of shape {list(target)}")
    keep = np.ones(d.shape, dtype=bool)
    if not accumulate:
        keep[adv] = False
    meta = None if v.shape == target else (None, (v.shape, values.dtype))
    return adv, v, (keep, [adv], 0), meta


def _put(data: np.ndarray, adv: tuple, v: np.ndarray, accumulate: bool) -> None:
    if accumulate:
        np.add.at(data, adv, v)
    else:
        data[adv] = v


@register("index_put")
def index_put(input: Tensor, indices, values: Tensor, accumulate: bool = False) -> Tensor:
    """A copy of ``input`` with ``input[indices] = values`` (``+=`` with ``accumulate``)."""
    adv, v, args, meta = _index_put_prepare(input, indices, values, accumulate)
    out = input._data.copy()
    _put(out, adv, v, accumulate)
    return record(IndexPutBackward0, out, (input, values), args=args, meta=meta)


@register("index_put_", function=False)
def index_put_(self: Tensor, indices, values: Tensor, accumulate: bool = False) -> Tensor:
    """In-place ``index_put``."""
    adv, v, args, meta = _index_put_prepare(self, indices, values, accumulate)
    return rebase_inplace(self, IndexPutBackward0, lambda data: _put(data, adv, v, accumulate),
                          (values,), args=args, meta=meta)
