"""Searching, sets and counting: ``unique``, ``unique_consecutive``, ``searchsorted``,
``bucketize``, ``isin``, ``bincount``, ``histc``; comparisons ``isclose``, ``allclose``,
``equal``; and the reductions that skip NaN (``nansum``, ``nanmean``), come in pairs
(``std_mean``, ``var_mean``) or accumulate in log space (``logcumsumexp``).

Only the reductions have derivatives. ``unique`` and ``bincount(weights=)`` still record a
node on an input that requires grad, as PyTorch does, whose backward raises its error.
"""

from __future__ import annotations

import warnings

import numpy as np

from .. import _dtype
from ..autograd.graph import NotImplementedBackward, derivative
from ._core import (
    OPS,
    Tensor,
    _edge,
    as_tensor_arg,
    broadcast_error,
    make,
    record,
    record_multi,
    register,
    wrap_dim,
)
from ._graphmath import define_math
from .reduction import (
    _acc_dtype,
    _cast_meta,
    _var_args,
    _variance,
    count,
    np_axis,
    reduce_dims,
    restore,
    torch_type_name,
)
from .sorting import _sort_order

__all__ = ["unique", "unique_consecutive", "searchsorted", "bucketize", "isin", "bincount",
           "histc", "isclose", "allclose", "equal", "nansum", "nanmean", "std_mean",
           "var_mean", "logcumsumexp"]


def _not_implemented(op: str):
    def rule(node, F, g):
        raise NotImplementedError(f"the derivative for '{op}' is not implemented.")

    return rule


Unique2Backward0 = derivative("_unique2")(_not_implemented("_unique2"))
UniqueDimBackward0 = derivative("unique_dim")(_not_implemented("unique_dim"))
UniqueConsecutiveBackward0 = derivative("unique_consecutive")(
    _not_implemented("unique_consecutive"))




def _tensor_arg(x, op: str, arg: str, pos: int) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{arg}' (position {pos}) must be Tensor, not "
                        f"{type(x).__name__}")
    return x


# -------------------------------------------------------------------------------- unique
def _groups(new: np.ndarray, order: np.ndarray, n: int):
    """Group starts, inverse and counts from ``new`` (a group begins at each True) over
    elements taken in ``order``."""
    starts = np.flatnonzero(new)
    inverse = np.empty(n, np.int64)
    inverse[order] = np.cumsum(new) - 1
    counts = np.diff(np.append(starts, n)).astype(np.int64)
    return starts, inverse, counts


def _result(out: Tensor, inverse: Tensor, counts: Tensor, return_inverse: bool,
            return_counts: bool):
    if not (return_inverse or return_counts):
        return out
    return (out,) + ((inverse,) if return_inverse else ()) + ((counts,) if return_counts else ())


def _slices(d: np.ndarray, dim: int) -> np.ndarray:
    """``d`` as one row per index along ``dim``, checking PyTorch's empty cases."""
    rows = np.moveaxis(d, dim, 0)
    if rows.shape[0] and rows.size == 0:
        raise RuntimeError("There are 0 sized dimensions, and they aren't selected, so "
                           "unique cannot be applied")
    return rows.reshape(rows.shape[0], int(np.prod(rows.shape[1:])))


def _check_unique_dtype(d: np.ndarray, kernel: str) -> None:
    if d.dtype.kind == "c":
        raise NotImplementedError(f'"{kernel}" not implemented for \'{torch_type_name(d)}\'')


@register("unique")
def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False,  # noqa: A002
           return_counts: bool = False, dim: int | None = None):
    """The distinct elements (or slices along ``dim``) in ascending order, with optionally
    each element's position among them and how often each occurs. NaNs are all distinct."""
    d = input._data
    _check_unique_dtype(d, "unique")
    if dim is None:
        flat = d.reshape(-1)
        order = np.argsort(flat, kind="stable")
        if flat.dtype.kind == "f" and _order_matters(flat):
            # PyTorch sorts with its (unstable) sort: the order of NaNs, each a group of its
            # own, and which of -0.0 and 0.0 stands for both follow it
            order = _sort_order(flat, 0, False, False)
        v = flat[order]
        new = np.ones(v.shape, bool)
        new[1:] = v[1:] != v[:-1]
        starts, inverse, counts = _groups(new, order, flat.size)
        out = record(Unique2Backward0, v[starts], (input,))
        inverse = inverse.reshape(d.shape)
    else:
        dim = wrap_dim(dim, d.ndim) if d.ndim else _no_dims(dim)
        rows = _slices(d, dim)
        n = rows.shape[0]
        order = np.lexsort(rows.T[::-1]) if rows.shape[1] else np.arange(n)
        v = rows[order]
        new = np.ones(n, bool)
        new[1:] = (v[1:] != v[:-1]).any(axis=1)
        starts, inverse, counts = _groups(new, order, n)
        kept = np.moveaxis(d, dim, 0)[order[starts]]
        out = record(UniqueDimBackward0, np.moveaxis(kept, 0, dim), (input,))
    return _result(out, make(inverse), make(counts), return_inverse, return_counts)


def _order_matters(flat: np.ndarray) -> bool:
    """Whether the order among equal elements changes ``unique``'s result: several NaNs, or
    zeros of both signs."""
    if np.count_nonzero(np.isnan(flat)) > 1:
        return True
    sign = np.signbit(flat[flat == 0])
    return bool(sign.any() and not sign.all())


def _no_dims(dim: int):
    raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")


@register("unique_consecutive")
def unique_consecutive(input: Tensor, return_inverse: bool = False, return_counts: bool = False,
                       dim: int | None = None):
    """Collapse each run of equal consecutive elements (or slices along ``dim``) to one."""
    d = input._data
    _check_unique_dtype(d, "unique_consecutive")
    if dim is None:
        v = d.reshape(-1)
        new = np.ones(v.shape, bool)
        new[1:] = v[1:] != v[:-1]
        starts, inverse, counts = _groups(new, np.arange(v.size), v.size)
        out = v[starts]
        inverse = inverse.reshape(d.shape)
    else:
        dim = wrap_dim(dim, d.ndim) if d.ndim else _no_dims(dim)
        rows = _slices(d, dim)
        new = np.ones(rows.shape[0], bool)
        new[1:] = (rows[1:] != rows[:-1]).any(axis=1)
        starts, inverse, counts = _groups(new, np.arange(rows.shape[0]), rows.shape[0])
        out = np.moveaxis(np.moveaxis(d, dim, 0)[starts], 0, dim)
    out = record(UniqueConsecutiveBackward0, out, (input,))
    return _result(out, make(inverse), make(counts), return_inverse, return_counts)


# --------------------------------------------------------------- searchsorted / bucketize
def _lower_upper(seq: np.ndarray, vals: np.ndarray, right: bool, sorter) -> np.ndarray:
    """PyTorch's binary search, run on every value at once: row r of ``vals`` searches row r
    of ``seq`` (through ``sorter``). A NaN in ``seq`` compares as PyTorch's does."""
    n = seq.shape[1]
    start = np.zeros(vals.shape, np.int64)
    end = np.full(vals.shape, n, np.int64)
    rows = np.arange(seq.shape[0])[:, None]
    with np.errstate(invalid="ignore"):
        while True:
            active = start < end
            if not active.any():
                return start
            mid = start + ((end - start) >> 1)
            at = np.minimum(mid, n - 1)
            if sorter is not None:
                at = sorter[rows, at]
            mv = seq[rows, at]
            go_right = ~(mv > vals) if right else ~(mv >= vals)
            start = np.where(active & go_right, mid + 1, start)
            end = np.where(active & ~go_right, mid, end)


def _shape_str(shape: tuple) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


@register("searchsorted", method=False)
def searchsorted(sorted_sequence: Tensor, input, *, out_int32: bool = False,
                 right: bool = False, side: str | None = None, sorter: Tensor | None = None
                 ) -> Tensor:
    """Where each value of ``input`` would be inserted into ``sorted_sequence`` (its last
    dim) to keep it sorted: before equal values, or after them with ``right``/``side``."""
    name = "torch.searchsorted()"
    b = _tensor_arg(sorted_sequence, "searchsorted", "sorted_sequence", 1)._data
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"{name}: side can only be 'left' or 'right' but got {side}")
        if right and side != "right":
            raise RuntimeError(f"{name}: side and right can't be set to opposites, got side of "
                               f"{side} while right was True")
        right = side == "right"
    if sorter is not None:
        s = sorter._data
        if s.dtype != np.int64:
            raise RuntimeError(f"{name}: sorter must be a tensor of long dtype but got dtype "
                               f"{torch_type_name(s)}")
        if s.shape != b.shape:
            raise RuntimeError(f"{name}: boundary and sorter must have the same size, but got "
                               f"boundary tensor {_shape_str(b.shape)}and got sorter tensor "
                               f"{_shape_str(s.shape)}")
    vt = as_tensor_arg(input)
    v = vt._data
    if v.ndim == 0 and b.ndim != 1:
        raise RuntimeError(f"{name}: input value can be a scalar only when boundaries tensor "
                           f"dimension is 1, but we got boundaries tensor dim({b.ndim}) and "
                           f"input value's dim({v.ndim}) numel({v.size})")
    if b.ndim == 0:
        raise RuntimeError(f"{name}: boundaries tensor should have positive dimension, but got "
                           "0 dimension")
    if b.ndim != 1 and (b.ndim != v.ndim or b.shape[:-1] != v.shape[:-1]):
        raise RuntimeError(f"{name}: boundaries tensor should be 1 dimension or the first N-1 "
                           "dimensions of boundaries tensor and input value tensor must match, "
                           f"but we got boundaries tensor {_shape_str(b.shape)} and input value "
                           f"tensor {_shape_str(v.shape)}")
    scalar = isinstance(input, (bool, int, float))
    common = _dtype.result_type(sorted_sequence, input if scalar else vt)
    if common is _dtype.bool or common.is_complex:
        raise NotImplementedError(f'"searchsorted_out_cpu" not implemented for '
                                  f"'{torch_type_name(np.zeros(0, common.np))}'")
    rows = b.reshape(-1, b.shape[-1]) if b.ndim > 1 else b.reshape(1, -1)
    s = None
    if sorter is not None:
        s = sorter._data.reshape(rows.shape)
        if s.size and (s.min() < 0 or s.max() >= rows.shape[1]):
            raise RuntimeError(f"{name}: sorter index out of range")
    vals = v.reshape(rows.shape[0], -1) if v.size else np.zeros((rows.shape[0], 0))
    out = _lower_upper(rows.astype(common.np), vals.astype(common.np), bool(right), s)
    return make(out.reshape(v.shape).astype(np.int32 if out_int32 else np.int64))


@register("bucketize", method=False)
def bucketize(input, boundaries: Tensor, *, out_int32: bool = False, right: bool = False
              ) -> Tensor:
    """The bucket of each element of ``input`` among the sorted 1-d ``boundaries``."""
    b = _tensor_arg(boundaries, "bucketize", "boundaries", 2)._data
    if b.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({b.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


# --------------------------------------------------------------------------------- isin
@register("isin", method=False)
def isin(elements, test_elements, *, assume_unique: bool = False, invert: bool = False
         ) -> Tensor:
    """Whether each of ``elements`` occurs in ``test_elements`` (a bool tensor)."""
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError(f"isin() received an invalid combination of arguments - got "
                        f"({type(elements).__name__}, {type(test_elements).__name__}), but "
                        "expected one of:")
    common = _dtype.result_type(elements, test_elements)
    if common is _dtype.bool or common.is_complex:
        raise RuntimeError("Unsupported input type encountered for isin(): "
                           f"{torch_type_name(np.zeros(0, common.np))}")
    e = as_tensor_arg(elements)._data.astype(common.np, copy=False)
    t = as_tensor_arg(test_elements)._data.astype(common.np, copy=False)
    return make(np.isin(e, t, assume_unique=assume_unique, invert=invert))


# --------------------------------------------------------------------- bincount / histc
@register("bincount")
def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """How often each value 0, 1, ... occurs in the 1-d non-negative integer ``input``
    (summing ``weights`` instead of ones when given)."""
    d = input._data
    if d.dtype.kind not in "iu":
        raise NotImplementedError(f'"bincount_cpu" not implemented for \'{torch_type_name(d)}\'')
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if d.ndim == 1 and d.size == 0:
        return make(np.zeros(minlength, np.int64))
    if d.ndim != 1 or d.min() < 0:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    n = max(int(d.max()) + 1, minlength)
    if weights is None:
        return make(np.bincount(d, minlength=n).astype(np.int64))
    w = weights._data
    if w.ndim != 1 or w.shape[0] != d.shape[0]:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    acc = np.float32 if w.dtype == np.float32 else np.float64
    out = np.zeros(n, acc)
    np.add.at(out, d, w.astype(acc, copy=False))  # in order, in the output's precision
    return record(NotImplementedBackward, out, (weights,), args="bincount")


def _edge_str(v: float, from_data: bool) -> str:
    if v != v:  # PyTorch prints the NaN that its min/max of the data produces as -nan
        return "-nan" if from_data or np.signbit(v) else "nan"
    return f"{v:g}"


@register("histc")
def histc(input: Tensor, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:  # noqa: A002
    """A histogram of ``input`` in ``bins`` equal bins over ``[min, max]`` (the data's range
    when both are equal); elements outside are ignored."""
    d = input._data
    if not isinstance(bins, (int, np.integer)) or isinstance(bins, bool):
        raise TypeError(f"histc(): argument 'bins' must be int, not {type(bins).__name__}")
    if d.dtype.kind != "f":
        raise NotImplementedError(f'"histogram_cpu" not implemented for '
                                  f"'{torch_type_name(d)}'")
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    lo, hi = float(min), float(max)
    from_data = lo == hi and d.size > 0
    if from_data:
        lo, hi = float(d.min()), float(d.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise RuntimeError(f"torch.histc: range of [{_edge_str(lo, from_data)}, "
                           f"{_edge_str(hi, from_data)}] is not finite")
    if not lo < hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    t = d.dtype.type
    left, right = t(lo), t(hi)
    x = d.reshape(-1)
    x = x[(x >= left) & (x <= right)]
    with np.errstate(all="ignore"):  # the arithmetic of PyTorch's kernel, in the input's type
        pos = ((x - left) * t(bins) / (right - left)).astype(np.int64)
    pos[pos == bins] = bins - 1  # the last bin includes its right edge
    return make(np.bincount(pos, minlength=bins).astype(d.dtype))


# ----------------------------------------------------------- isclose / allclose / equal
@register("isclose")
def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    """Elementwise ``|input - other| <= atol + rtol * |other|`` (or equal), broadcasting."""
    a = input._data
    b = _tensor_arg(other, "isclose", "other", 2)._data
    if a.dtype != b.dtype:
        raise RuntimeError(f"{torch_type_name(a)} did not match {torch_type_name(b)}")
    if rtol < 0:
        raise RuntimeError(f"rtol must be greater than or equal to zero, but got {rtol:g}")
    if atol < 0:
        raise RuntimeError(f"atol must be greater than or equal to zero, but got {atol:g}")
    try:
        shape = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise broadcast_error(a.shape, b.shape) from None
    close = np.broadcast_to(a == b, shape).copy()
    if equal_nan and a.dtype.kind in "fc":
        close |= np.isnan(a) & np.isnan(b)
    if rtol == 0 and atol == 0:
        return make(close)
    if a.dtype.kind not in "fc":  # integers and bools compare in the default float type
        ft = _dtype.get_default_dtype().np
        a, b = a.astype(ft), b.astype(ft)
    t = a.dtype.type if a.dtype.kind == "f" else a.real.dtype.type
    with np.errstate(all="ignore"):
        allowed = t(atol) + np.abs(t(rtol) * b)
        actual = np.abs(a - b)
        close |= np.isfinite(actual) & (actual <= allowed)
    return make(close)


@register("allclose")
def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """Whether :func:`isclose` holds everywhere (a Python bool)."""
    _tensor_arg(other, "allclose", "other", 2)
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


@register("equal")
def equal(input: Tensor, other: Tensor) -> bool:
    """Whether both have the same shape and equal elements (a Python bool; NaN != NaN)."""
    a = input._data
    b = _tensor_arg(other, "equal", "other", 2)._data
    if a.shape != b.shape:
        return False
    common = _dtype.result_type(input, other).np
    return bool((a.astype(common, copy=False) == b.astype(common, copy=False)).all())


# --------------------------------------------------------------------- nansum / nanmean
@derivative("nansum")
def NansumBackward0(node, F, g):
    # d nansum(x) / dx = 1 where x is a number, 0 where it is NaN
    shape, dims, keepdim = node._args
    (x,) = F.saved(node)
    return (restore(F, g, dims, len(shape), keepdim) * F.mask(x == x, g),)


@register("nansum")
def nansum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Sum over ``dim`` (all dims by default) treating NaN as zero; ints give int64."""
    d = input._data
    if d.dtype.kind == "c":
        raise RuntimeError("nansum on CPU does not support complex inputs")
    acc = _acc_dtype(d, dtype)
    dims = reduce_dims(dim, d.ndim)
    x = np.where(np.isnan(d), 0, d) if d.dtype.kind == "f" else d
    out = np.asarray(x.sum(axis=np_axis(dims, d.ndim), dtype=acc, keepdims=keepdim))
    return record(NansumBackward0, out, (input,), saved=(input,),
                  args=(d.shape, dims, keepdim), meta=_cast_meta(input, out))


@register("nanmean")
def nanmean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Mean over ``dim`` of the elements that are not NaN (``nansum`` / their count)."""
    d = input._data
    if d.dtype.kind not in "fc":
        raise RuntimeError("nanmean(): expected input to have floating point or complex dtype "
                           f"but got {torch_type_name(d)}")
    total = nansum(input, dim, keepdim, dtype=dtype)
    dims = reduce_dims(dim, d.ndim)
    n = (~np.isnan(d)).sum(axis=np_axis(dims, d.ndim), keepdims=keepdim)
    # PyTorch divides by the int64 count; dividing by it as a float gives the same result
    return OPS["div"](total, make(np.asarray(n, dtype=total._data.dtype)))


# -------------------------------------------------------------------- std_mean / var_mean
def _std_of(F, x, dims: tuple, n: int, correction):
    xc = x - F.sum(x, dims, True) / n
    return F.sqrt(F.sum(xc * xc, dims, True) / max(n - correction, 0))


def _var_backward(F, x, g, dims: tuple, n: int, correction, full: bool):
    """PyTorch's ``var_backward``: ``g * 2 (x - mean) / (n - correction)``. Without ``dim``,
    and no degree of freedom left, it is NaN where x equals the mean and inf elsewhere."""
    dof = n - correction
    mean = F.sum(x, dims, True) / n
    if full and dof <= 0:
        return g * F.where(x == mean, F.full_like(x, float("nan")), F.full_like(x, float("inf")))
    return (g * (2.0 / dof if dof else float("inf"))) * (x - mean)


def _paired_backward(node, F, grads, is_std: bool):
    shape, dims, keepdim, n, correction, full = node._args
    (x,) = F.saved(node)
    g_dev, g_mean = grads
    nd = len(shape)
    res = None
    if g_dev is not None:
        g = restore(F, g_dev, dims, nd, keepdim)
        if is_std:  # through the square root, taken as 0 where std == 0
            std = _std_of(F, x, dims, n, correction)
            zero = F.mask(std == 0, std)
            g = g / ((std + zero) * 2.0) * (1.0 - zero)
        res = _var_backward(F, x, g, dims, n, correction, full)
    if g_mean is not None:
        gm = F.expand(restore(F, g_mean, dims, nd, keepdim) / n, shape)
        res = gm if res is None else res + gm
    return (res,)


@derivative("std_mean", outputs=2)
def StdMeanBackward0(node, F, grads):
    # d std / dx = (x - mean) / ((n - correction) std); d mean / dx = 1 / n
    return _paired_backward(node, F, grads, True)


@derivative("var_mean", outputs=2)
def VarMeanBackward0(node, F, grads):
    # d var / dx = 2 (x - mean) / (n - correction); d mean / dx = 1 / n
    return _paired_backward(node, F, grads, False)


def _paired(input: Tensor, dim, unbiased, keepdim: bool, correction, name: str, cls):
    d = input._data
    if d.dtype.kind not in "fc":
        raise RuntimeError(f"{name} only support floating point and complex dtypes")
    full = dim is None or isinstance(dim, bool) or d.ndim == 0
    d, dims, c = _var_args(input, dim, unbiased, correction, name)
    axis = np_axis(dims, d.ndim)
    n = count(d.shape, dims)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.asarray(d.sum(axis=axis, keepdims=True) / n)
        if d.dtype.kind == "c":
            if input.requires_grad:
                raise NotImplementedError(f"chainrule: the derivative of {name} is not "
                                          "implemented for complex inputs")
            if n - c <= 0:
                _variance(d.real, dims, c, keepdim, name)  # for PyTorch's warning
            dev = np.abs(d - mean) ** 2
            var = np.asarray(dev.sum(axis=axis, keepdims=keepdim) / max(n - c, 0))
        else:
            with warnings.catch_warnings():  # NumPy's own warning for an empty mean
                warnings.filterwarnings("ignore", "Mean of empty slice", RuntimeWarning)
                var = _variance(d, dims, c, keepdim, name)[0]
    if not keepdim:
        mean = mean.reshape(var.shape)
    first = np.sqrt(var) if cls is StdMeanBackward0 else var
    # record_multi numbers its node before making a leaf's AccumulateGrad, which must come
    # first (the engine runs nodes by decreasing number): make it now, and keep it alive
    edge = _edge(input)  # noqa: F841
    outs = record_multi(cls, [first.astype(var.dtype, copy=False), mean.astype(d.dtype)],
                        (input,), saved=(input,), args=(d.shape, dims, keepdim, n, c, full))
    return tuple(outs)


@register("std_mean", method=False)
def std_mean(input: Tensor, dim=None, unbiased: bool | None = None, keepdim: bool = False, *,
             correction: float | None = None) -> tuple[Tensor, Tensor]:
    """``(std, mean)`` over ``dim`` in one pass (``correction`` 1 by default)."""
    return _paired(input, dim, unbiased, keepdim, correction, "std_mean", StdMeanBackward0)


@register("var_mean", method=False)
def var_mean(input: Tensor, dim=None, unbiased: bool | None = None, keepdim: bool = False, *,
             correction: float | None = None) -> tuple[Tensor, Tensor]:
    """``(var, mean)`` over ``dim`` in one pass (``correction`` 1 by default)."""
    return _paired(input, dim, unbiased, keepdim, correction, "var_mean", VarMeanBackward0)


# ----------------------------------------------------------------------- logcumsumexp
def _logcumsumexp_array(x: np.ndarray, dim: int) -> np.ndarray:
    acc = x.astype(np.float64) if x.dtype.itemsize < 8 else x  # PyTorch accumulates in double
    return np.logaddexp.accumulate(acc, axis=dim).astype(x.dtype, copy=False)


def _rev_logcumsumexp_array(x: np.ndarray, dim: int) -> np.ndarray:
    return np.flip(_logcumsumexp_array(np.flip(x, dim), dim), dim)


def _rev_logcumsumexp_tensor(x: Tensor, dim: int) -> Tensor:
    flip = OPS["flip"]
    return flip(logcumsumexp(flip(x, (dim,)), dim), (dim,))


# F.rev_logcumsumexp(x, dim): log(sum of exp(x) from each position to the end along dim)
define_math("rev_logcumsumexp", _rev_logcumsumexp_array, _rev_logcumsumexp_tensor)


@derivative("logcumsumexp")
def LogcumsumexpBackward0(node, F, g):
    # d out_i / dx_j = exp(x_j - out_i) for i >= j; the sum over i is taken in log space,
    # positive and negative parts of g apart (as PyTorch does, so nothing overflows)
    dim, lowest = node._args
    if dim is None or 0 in g.shape:
        return (g,)
    (x,) = F.saved(node)
    out = F.output(node)
    log_g = F.log(F.abs(g))
    low = F.full_like(g, lowest)
    pos = F.where(g > 0, log_g, low)
    neg = F.where(g < 0, log_g, low)
    return (F.exp(F.rev_logcumsumexp(pos - out, dim) + x)
            - F.exp(F.rev_logcumsumexp(neg - out, dim) + x),)


@register("logcumsumexp")
def logcumsumexp(input: Tensor, dim: int) -> Tensor:
    """``log(cumsum(exp(x)))`` along ``dim``, computed stably."""
    d = input._data
    if d.dtype.kind != "f":
        if d.dtype.kind == "c":
            raise NotImplementedError("chainrule: logcumsumexp of complex input is not "
                                      "implemented")
        raise NotImplementedError(f'"logcumsumexp_out_cpu" not implemented for '
                                  f"'{torch_type_name(d)}'")
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"logcumsumexp(): argument 'dim' (position 2) must be int, not "
                        f"{type(dim).__name__}")
    dim = wrap_dim(int(dim), d.ndim)
    if d.ndim == 0:
        out, dim = d.copy(), None
    else:
        with np.errstate(all="ignore"):
            out = _logcumsumexp_array(d, dim)
    return record(LogcumsumexpBackward0, out, (input,), saved=(input,), save_out=True,
                  args=(dim, float(np.finfo(d.dtype).min)))
