"""Softmax, log-softmax, logsumexp, and the cumulative ``cumsum``/``cumprod``.

All are computed stably: the largest element of each slice is subtracted before ``exp``.
The forwards write into one buffer in place, so a softmax costs five passes over the data
(max, subtract, exp, sum, divide) and a single allocation of the result's size.
"""

from __future__ import annotations

import numpy as np

from .. import _dtype
from ..autograd.graph import derivative
from ._core import Tensor, make, record, register, wrap_dim
from ._graphmath import define_math
from .reduction import _acc_dtype, _cast_meta, np_axis, reduce_dims, restore, torch_type_name
from .reduction import sum as _sum

__all__ = ["softmax", "log_softmax", "logsumexp", "cumsum", "cumprod"]


def _axis(d: np.ndarray, dim: int):
    """``dim`` normalised for NumPy (None for a 0-d input, which has no axis)."""
    dim = wrap_dim(int(dim), d.ndim)
    return dim if d.ndim else None


# ---------------------------------------------------------------- softmax / log_softmax
@derivative("softmax")
def SoftmaxBackward0(node, F, g):
    # d softmax: y * (g - sum(g * y))
    y = F.output(node)
    gy = g * y
    return (gy - y * F.sum(gy, node._args, True),)


@derivative("log_softmax")
def LogSoftmaxBackward0(node, F, g):
    # d log_softmax: g - exp(y) * sum(g)
    y = F.output(node)
    return (g - F.exp(y) * F.sum(g, node._args, True),)


def _softmax_input(input: Tensor, dim, dtype, name: str):
    if dtype is not None:
        input = input.to(_dtype.to_dtype(dtype))
    d = input._data
    if d.dtype.kind not in "fc":
        last = d.ndim == 0 or wrap_dim(int(dim), d.ndim) == d.ndim - 1
        kernel = f"{name}_lastdim_kernel_impl" if last else f"{name}_kernel_impl"
        raise NotImplementedError(f'"{kernel}" not implemented for \'{torch_type_name(d)}\'')
    return input, d, _axis(d, dim)


@register("softmax")
def softmax(input: Tensor, dim: int, dtype: _dtype.dtype | None = None) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim``, computed stably (in ``dtype`` if given)."""
    input, d, axis = _softmax_input(input, dim, dtype, "softmax")
    x, ax = (d, axis) if d.ndim else (d.reshape(1), 0)
    with np.errstate(invalid="ignore"):
        out = x - x.max(axis=ax, keepdims=True)
        np.exp(out, out=out)
        out /= out.sum(axis=ax, keepdims=True)
    out = out.reshape(d.shape)
    return record(SoftmaxBackward0, out, (input,), save_out=True, args=axis)


@register("log_softmax")
def log_softmax(input: Tensor, dim: int, dtype: _dtype.dtype | None = None) -> Tensor:
    """``x - logsumexp(x)`` along ``dim``, computed stably (in ``dtype`` if given)."""
    input, d, axis = _softmax_input(input, dim, dtype, "log_softmax")
    x, ax = (d, axis) if d.ndim else (d.reshape(1), 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = x - x.max(axis=ax, keepdims=True)
        lse = np.exp(out).sum(axis=ax, keepdims=True)
        np.log(lse, out=lse)
        out -= lse
    out = out.reshape(d.shape)
    return record(LogSoftmaxBackward0, out, (input,), save_out=True, args=axis)


# ---------------------------------------------------------------------------- logsumexp
@derivative("logsumexp")
def LogsumexpBackward0(node, F, g):
    # d logsumexp(x) / dx = exp(x - logsumexp(x)) = softmax(x)
    shape, dims, keepdim = node._args
    (x,) = F.saved(node)
    out = restore(F, F.output(node), dims, len(shape), keepdim)
    return (restore(F, g, dims, len(shape), keepdim) * F.exp(x - out),)


@register("logsumexp")
def logsumexp(input: Tensor, dim: int | tuple[int, ...], keepdim: bool = False) -> Tensor:
    """``log(sum(exp(x)))`` over ``dim`` (int or tuple), computed stably."""
    d = input._data
    if d.dtype.kind not in "fc":
        d = d.astype(_dtype.get_default_dtype().np)
    dims = reduce_dims(dim, d.ndim)
    x = d if d.ndim else d.reshape(1)
    axis = np_axis(dims, d.ndim) if d.ndim else None
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if x.size == 0:
            out = np.log(np.exp(x).sum(axis=axis, keepdims=True))
        else:
            m = x.max(axis=axis, keepdims=True)
            m[~np.isfinite(m)] = 0  # all -inf (or an inf) in a slice: shift by nothing
            e = x - m
            np.exp(e, out=e)
            out = e.sum(axis=axis, keepdims=True)
            np.log(out, out=out)
            out += m
    kept = tuple(1 if i in dims else s for i, s in enumerate(d.shape)) if keepdim else \
        tuple(s for i, s in enumerate(d.shape) if i not in dims)
    out = out.reshape(kept)
    return record(LogsumexpBackward0, out, (input,), saved=(input,), save_out=True,
                  args=(d.shape, dims, keepdim))


# ------------------------------------------------------------------------------- cumsum
def _rev_cumsum_array(g: np.ndarray, dim: int) -> np.ndarray:
    return np.flip(np.cumsum(np.flip(g, dim), axis=dim), dim)


def _rev_cumsum_tensor(g: Tensor, dim: int) -> Tensor:
    return _sum(g, dim, keepdim=True) - cumsum(g, dim) + g


# F.rev_cumsum(g, dim): sum of g from each position to the end along dim
define_math("rev_cumsum", _rev_cumsum_array, _rev_cumsum_tensor)


@derivative("cumsum")
def CumsumBackward0(node, F, g):
    # d cumsum / dx_i = sum over j >= i of g_j
    axis = node._args
    return (g if axis is None else F.rev_cumsum(g, axis),)


@register("cumsum")
def cumsum(input: Tensor, dim: int, *, dtype: _dtype.dtype | None = None) -> Tensor:
    """Cumulative sum along ``dim``; ints and bools give int64."""
    d = input._data
    acc = _acc_dtype(d, dtype)
    axis = _axis(d, dim)
    if axis is None:
        out = d.astype(acc) if acc is not None else d.copy()
    else:
        out = np.cumsum(d, axis=axis, dtype=acc)
    return record(CumsumBackward0, out, (input,), args=axis, meta=_cast_meta(input, out))


# ------------------------------------------------------------------------------ cumprod
def _cumprod_backward_array(x: np.ndarray, g: np.ndarray, out: np.ndarray,
                            dim: int) -> np.ndarray:
    zero = x == 0
    if not zero.any():
        return _rev_cumsum_array(g * out, dim) / x
    # Per slice, with z the first zero: positions before z as without zeros (out_j is 0 from
    # z on); position z gets sum_{j>=z} g_j prod_{k<=j, k!=z} x_k; positions after z get 0.
    xm = np.moveaxis(x, dim, -1)
    n = xm.shape[-1]
    x2 = xm.reshape(-1, n)
    g2 = np.moveaxis(np.broadcast_to(g, x.shape), dim, -1).reshape(-1, n)
    o2 = np.moveaxis(out, dim, -1).reshape(-1, n)
    z2 = np.moveaxis(zero, dim, -1).reshape(-1, n)
    first = np.where(z2.any(axis=1), z2.argmax(axis=1), n)
    cols = np.arange(n)
    res = _rev_cumsum_array(g2 * o2, 1) / np.where(z2, 1, x2)
    res[cols >= first[:, None]] = 0
    rows = np.nonzero(first < n)[0]
    zr = first[rows]
    y = x2[rows].copy()
    y[np.arange(rows.size), zr] = 1
    res[rows, zr] = (g2[rows] * np.cumprod(y, axis=1) * (cols >= zr[:, None])).sum(axis=1)
    return np.moveaxis(res.reshape(xm.shape), -1, dim)


def _cumprod_backward_tensor(x: Tensor, g: Tensor, out: Tensor, dim: int) -> Tensor:
    if not (x._data == 0).any():
        return _rev_cumsum_tensor(g * out, dim) / x
    # O(n^2) but a polynomial in x, so it differentiates again with zeros: row i of an (n, n)
    # matrix holds x with x_i replaced by 1; its cumprod at j is prod_{k<=j, k!=i} x_k.
    xt = x.transpose(dim, -1) if x.ndim > 1 else x
    gt = g.transpose(dim, -1) if x.ndim > 1 else g
    n = xt.shape[-1]
    eye = np.eye(n, dtype=x._data.dtype)
    m = xt.reshape(tuple(xt.shape[:-1]) + (1, n)) * make(1.0 - eye) + make(eye)
    upper = make(np.triu(np.ones((n, n), dtype=x._data.dtype)))
    res = _sum(gt.reshape(tuple(gt.shape[:-1]) + (1, n)) * cumprod(m, -1) * upper, -1)
    return res.transpose(dim, -1) if x.ndim > 1 else res


# F.cumprod_backward(x, g, out, dim): the gradient of cumprod along dim, zeros included
define_math("cumprod_backward", _cumprod_backward_array, _cumprod_backward_tensor)


@derivative("cumprod")
def CumprodBackward0(node, F, g):
    # d cumprod_j / dx_i = prod_{k<=j, k!=i} x_k for j >= i (out_j / x_i without zeros)
    axis = node._args
    if axis is None:
        return (g,)
    (x,) = F.saved(node)
    return (F.cumprod_backward(x, g, F.output(node), axis),)


@register("cumprod")
def cumprod(input: Tensor, dim: int, *, dtype: _dtype.dtype | None = None) -> Tensor:
    """Cumulative product along ``dim``; ints and bools give int64."""
    d = input._data
    acc = _acc_dtype(d, dtype)
    axis = _axis(d, dim)
    if axis is None:
        out = d.astype(acc) if acc is not None else d.copy()
    else:
        out = np.cumprod(d, axis=axis, dtype=acc)
    return record(CumprodBackward0, out, (input,), saved=(input,), save_out=True, args=axis,
                  meta=_cast_meta(input, out))
