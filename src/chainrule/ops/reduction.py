"""Reductions: ``sum``, ``mean``, ``prod``, ``var``/``std``, ``norm``, ``all``/``any``,
``count_nonzero``, and the helpers every reduction rule shares.

A reduction records the input's shape, the reduced dims (sorted, non-negative; all of them
for a full reduction) and ``keepdim``. Its rule first puts the reduced dims back as size-1
dims (:func:`restore`, ``F.unsqueeze_dims``) so that ``g`` broadcasts against the input;
``sum`` and ``mean`` then only broadcast (``F.expand``), which copies nothing.
"""

from __future__ import annotations

import builtins
import math
import warnings

import numpy as np

from .. import _dtype
from ..autograd.graph import derivative
from ._core import Tensor, dims_arg, make, record, register
from ._graphmath import define_math

__all__ = ["sum", "mean", "prod", "var", "std", "norm", "vector_norm", "all", "any",
           "count_nonzero", "reduce_dims", "restore", "torch_type_name"]


class _Unset:
    """Default of ``dim`` where PyTorch tells "no dim given" from an explicit ``dim=None``."""

    def __repr__(self) -> str:
        return "None"


_UNSET = _Unset()

#: what ``dim`` accepts: one dim, several, or None for all of them
Dims = int | tuple[int, ...] | list[int] | None

_TYPE_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char",
               "uint8": "Byte", "bool": "Bool", "float16": "Half", "float32": "Float",
               "float64": "Double", "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def torch_type_name(d: np.ndarray) -> str:
    """PyTorch's scalar type name of an array's dtype (``Long``, ``Float``...), for messages."""
    return _TYPE_NAMES.get(d.dtype.name, d.dtype.name)


# ------------------------------------------------------------------------ shared helpers
def reduce_dims(dim, ndim: int) -> tuple[int, ...]:
    """The dims a reduction runs over, sorted and non-negative: all of them for None or ()."""
    if dim is None or dim is _UNSET or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        return tuple(range(ndim))
    dims = dims_arg(dim, ndim)
    return dims if ndim else ()


def np_axis(dims: tuple, ndim: int):
    """The ``axis`` argument NumPy wants for ``dims`` (None for a full reduction)."""
    return None if len(dims) == ndim else dims


def count(shape: tuple, dims: tuple) -> int:
    """How many elements each reduced slice holds."""
    n = 1
    for d in dims:
        n *= shape[d]
    return n


def _unsqueeze_dims_array(g: np.ndarray, dims: tuple) -> np.ndarray:
    return np.expand_dims(g, dims)


def _unsqueeze_dims_tensor(g: Tensor, dims: tuple) -> Tensor:
    shape = list(g.shape)
    for d in dims:
        shape.insert(d, 1)
    return g.reshape(tuple(shape))


# F.unsqueeze_dims(g, dims): g with size-1 dims inserted at ``dims`` (positions in the result)
define_math("unsqueeze_dims", _unsqueeze_dims_array, _unsqueeze_dims_tensor)


def _ties_array(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    eq = x == out
    if np.isnan(out).any():
        eq |= np.isnan(x) & np.isnan(out)
    return eq


def _ties_tensor(x: Tensor, out: Tensor) -> Tensor:
    return make(_ties_array(x._data, out._data))


# F.ties(x, out): where x equals the (broadcast) extremum out, NaN matching NaN; a constant
define_math("ties", _ties_array, _ties_tensor)


def restore(F, g, dims: tuple, ndim: int, keepdim: bool):
    """``g`` with the reduced ``dims`` back as size-1 dims, so it broadcasts against the input.

    Nothing to do with ``keepdim``, or after a full reduction (a 0-d ``g`` broadcasts).
    """
    if keepdim or len(dims) == ndim:
        return g
    return F.unsqueeze_dims(g, dims)


def _acc_dtype(d: np.ndarray, dtype):
    """The NumPy dtype a sum-like reduction computes in (None: the input's own)."""
    if dtype is not None:
        return _dtype.to_dtype(dtype).np
    if d.dtype.kind in "biu":
        return np.int64
    return None


def _cast_meta(input: Tensor, out: np.ndarray):
    """Meta telling the engine to cast the gradient back when ``dtype=`` changed it."""
    d = input._data
    return None if out.dtype == d.dtype else ((d.shape, input.dtype),)


def _dim_or_axis(dim, axis):
    """``dim``, or NumPy's spelling ``axis=`` that PyTorch also accepts."""
    if axis is not None and (dim is None or dim is _UNSET or dim == ()):
        return axis
    return dim


# ----------------------------------------------------------------------------------- sum
@derivative("sum", complex_ok=True)
def SumBackward0(node, F, g):
    # d sum(x) / dx = 1: g broadcast over the input
    return (F.expand(g, node._args),)


@derivative("sum", 1, complex_ok=True)
def SumBackward1(node, F, g):
    # d sum(x, dims) / dx = 1: g broadcast back over the reduced dims
    shape, dims, keepdim = node._args
    return (F.expand(restore(F, g, dims, len(shape), keepdim), shape),)


@register("sum")
def sum(input: Tensor, dim: Dims = _UNSET, keepdim: bool = False, *, dtype=None,  # noqa: A001
        axis: Dims = None) -> Tensor:
    """Sum over ``dim`` (int or tuple; all dims by default); ints and bools sum to int64."""
    d = input._data
    acc = _acc_dtype(d, dtype)
    dim = _dim_or_axis(dim, axis)
    if dim is _UNSET and not keepdim:
        out = np.asarray(d.sum(dtype=acc))
        return record(SumBackward0, out, (input,), args=d.shape, meta=_cast_meta(input, out))
    dims = reduce_dims(dim, d.ndim)
    out = np.asarray(d.sum(axis=np_axis(dims, d.ndim), dtype=acc, keepdims=keepdim))
    return record(SumBackward1, out, (input,), args=(d.shape, dims, keepdim),
                  meta=_cast_meta(input, out))


# ---------------------------------------------------------------------------------- mean
@derivative("mean", complex_ok=True)
def MeanBackward0(node, F, g):
    # d mean(x) / dx = 1/n
    shape, n = node._args
    return (F.expand(g / n, shape),)


@derivative("mean", 1, complex_ok=True)
def MeanBackward1(node, F, g):
    # d mean(x, dims) / dx = 1/n, broadcast back over the reduced dims
    shape, dims, keepdim, n = node._args
    return (F.expand(restore(F, g, dims, len(shape), keepdim) / n, shape),)


def _float_for_mean(input: Tensor, dtype, name: str) -> np.ndarray:
    d = input._data
    if dtype is not None:
        return d.astype(_dtype.to_dtype(dtype).np, copy=False)
    if d.dtype.kind not in "fc":
        raise RuntimeError(
            f"{name}(): could not infer output dtype. Input dtype must be either a floating "
            f"point or complex dtype. Got: {torch_type_name(d)}")
    return d


@register("mean")
def mean(input: Tensor, dim: Dims = _UNSET, keepdim: bool = False, *, dtype=None,
         axis: Dims = None) -> Tensor:
    """Mean over ``dim`` (all dims by default); integer inputs need ``dtype=``."""
    d = _float_for_mean(input, dtype, "mean")
    dim = _dim_or_axis(dim, axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        if dim is _UNSET and not keepdim:
            out = np.asarray(d.mean())
            return record(MeanBackward0, out, (input,), args=(d.shape, d.size),
                          meta=_cast_meta(input, out))
        dims = reduce_dims(dim, d.ndim)
        out = np.asarray(d.mean(axis=np_axis(dims, d.ndim), keepdims=keepdim))
    return record(MeanBackward1, out, (input,),
                  args=(d.shape, dims, keepdim, count(d.shape, dims)),
                  meta=_cast_meta(input, out))


# ---------------------------------------------------------------------------------- prod
def _slab(ndim: int, dim: int, sl: slice) -> tuple:
    return (slice(None),) * dim + (sl,) + (slice(None),) * (ndim - dim - 1)


def _others_array(x: np.ndarray, dim: int) -> np.ndarray:
    """Product of the other elements along ``dim``: exclusive cumprods from both ends."""
    left = np.ones_like(x)
    right = np.ones_like(x)
    n = x.ndim
    np.cumprod(x[_slab(n, dim, slice(None, -1))], axis=dim,
               out=left[_slab(n, dim, slice(1, None))])
    rx, rr = np.flip(x, dim), np.flip(right, dim)
    np.cumprod(rx[_slab(n, dim, slice(None, -1))], axis=dim,
               out=rr[_slab(n, dim, slice(1, None))])
    return left * right


def _others_tensor(x: Tensor, dim: int) -> Tensor:
    """Product of the other elements along ``dim``, as a polynomial in ``x`` (differentiable
    again, zeros included): row i of an (n, n) matrix holds x with x_i replaced by 1."""
    xt = x.transpose(dim, -1) if x.ndim > 1 else x
    n = xt.shape[-1]
    eye = np.eye(n, dtype=x._data.dtype)
    m = xt.reshape(tuple(xt.shape[:-1]) + (1, n)) * make(1.0 - eye) + make(eye)
    res = prod(m, -1)
    return res.transpose(dim, -1) if x.ndim > 1 else res


def _prod_backward_array(x, g, out, dim):
    if not (x == 0).any():
        return g * (out / x)
    if dim is None:
        return g * _others_array(x.reshape(-1), 0).reshape(x.shape)
    return g * _others_array(x, dim)


def _prod_backward_tensor(x, g, out, dim):
    if not (x._data == 0).any():
        return g * (out / x)
    if dim is None:
        return g * _others_tensor(x.reshape(-1), 0).reshape(tuple(x.shape))
    return g * _others_tensor(x, dim)


# F.prod_backward(x, g, out, dim): g * (product of the other elements of x along dim, or of
# all of x when dim is None); g and out broadcast against x. Correct with zeros in x.
define_math("prod_backward", _prod_backward_array, _prod_backward_tensor)


@derivative("prod")
def ProdBackward0(node, F, g):
    # d prod(x) / dx_i = prod_{j != i} x_j  (= out / x_i without zeros)
    (x,) = F.saved(node)
    return (F.prod_backward(x, g, F.output(node), None),)


@derivative("prod", 1)
def ProdBackward1(node, F, g):
    # d prod(x, dim) / dx_i = product of the other elements of x_i's slice
    shape, dim, keepdim = node._args
    if not shape:
        return (g,)
    (x,) = F.saved(node)
    out = restore(F, F.output(node), (dim,), len(shape), keepdim)
    return (F.prod_backward(x, restore(F, g, (dim,), len(shape), keepdim), out, dim),)


@register("prod")
def prod(input: Tensor, dim: int | None = None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Product over one ``dim`` (all elements by default); ints and bools give int64."""
    d = input._data
    acc = _acc_dtype(d, dtype)
    if dim is None:
        out = np.asarray(np.prod(d, dtype=acc))
        return record(ProdBackward0, out, (input,), saved=(input,), save_out=True,
                      meta=_cast_meta(input, out))
    if not isinstance(dim, (int, np.integer)):
        raise TypeError(f"prod(): argument 'dim' must be int, not {type(dim).__name__}")
    (dim,) = reduce_dims(dim, d.ndim) or (0,)
    if d.ndim == 0:
        out = d.astype(acc) if acc is not None else d.copy()
    else:
        out = np.asarray(np.prod(d, axis=dim, dtype=acc, keepdims=keepdim))
    return record(ProdBackward1, out, (input,), saved=(input,), save_out=True,
                  args=(d.shape, dim, keepdim), meta=_cast_meta(input, out))


# ------------------------------------------------------------------------------ var / std
def _var_args(input: Tensor, dim, unbiased, correction, name: str):
    if isinstance(dim, bool):  # legacy var(unbiased)
        unbiased, dim = dim, None
    if unbiased is not None and correction is not None:
        raise TypeError(f"{name}() received an invalid combination of arguments - got both "
                        "'unbiased' and 'correction'")
    if correction is None:
        correction = 0 if unbiased is False else 1
    d = input._data
    if d.dtype.kind not in "fc":
        raise RuntimeError("std and var only support floating point and complex dtypes")
    dims = reduce_dims(dim, d.ndim)
    return d, dims, correction


def _variance(d: np.ndarray, dims: tuple, correction, keepdim: bool, name: str):
    """Variance over ``dims`` (two passes: mean, then squared deviations), and its n."""
    axis = np_axis(dims, d.ndim)
    n = count(d.shape, dims)
    dof = n - correction
    if dof <= 0:
        warnings.warn(
            f"{name}(): degrees of freedom is <= 0. Correction should be strictly less than the "
            "reduction factor (input numel divided by output numel).", UserWarning, stacklevel=3)
    with np.errstate(invalid="ignore", divide="ignore"):
        dev = np.asarray(d - d.mean(axis=axis, keepdims=True))
        np.multiply(dev, dev, out=dev)
        s = dev.sum(axis=axis, keepdims=keepdim)
        out = np.asarray(s / max(dof, 0))
    return out.astype(d.dtype, copy=False), n


def _var_grad(F, x, g, dims, n, correction):
    # d var / dx = 2 (x - mean) / (n - correction)
    dof = n - correction
    scale = 2.0 / dof if dof != 0 else math.inf
    return (g * scale) * (x - F.sum(x, dims, True) / n)


@derivative("var")
def VarBackward0(node, F, g):
    # d var(x) / dx = 2 (x - mean(x)) / (n - correction)
    shape, dims, keepdim, n, correction = node._args
    (x,) = F.saved(node)
    return (_var_grad(F, x, restore(F, g, dims, len(shape), keepdim), dims, n, correction),)


@derivative("std")
def StdBackward0(node, F, g):
    # d std / dx = d var / dx / (2 std), taken as 0 where std == 0
    shape, dims, keepdim, n, correction = node._args
    (x,) = F.saved(node)
    out = restore(F, F.output(node), dims, len(shape), keepdim)
    zero = F.mask(out == 0, out)
    gv = restore(F, g, dims, len(shape), keepdim) / ((out + zero) * 2.0) * (1.0 - zero)
    return (_var_grad(F, x, gv, dims, n, correction),)


@register("var")
def var(input: Tensor, dim: Dims = None, unbiased: bool | None = None, keepdim: bool = False, *,
        correction: float | None = None, axis: Dims = None) -> Tensor:
    """Variance over ``dim``, dividing by ``n - correction`` (``correction`` 1 by default)."""
    d, dims, c = _var_args(input, _dim_or_axis(dim, axis), unbiased, correction, "var")
    out, n = _variance(d, dims, c, keepdim, "var")
    return record(VarBackward0, out, (input,), saved=(input,),
                  args=(d.shape, dims, keepdim, n, c))


@register("std")
def std(input: Tensor, dim: Dims = None, unbiased: bool | None = None, keepdim: bool = False, *,
        correction: float | None = None, axis: Dims = None) -> Tensor:
    """Standard deviation over ``dim`` (square root of :func:`var`)."""
    d, dims, c = _var_args(input, _dim_or_axis(dim, axis), unbiased, correction, "std")
    out, n = _variance(d, dims, c, keepdim, "std")
    np.sqrt(out, out=out)
    return record(StdBackward0, out, (input,), saved=(input,), save_out=True,
                  args=(d.shape, dims, keepdim, n, c))


# ---------------------------------------------------------------------------------- norm
@derivative("linalg_vector_norm")
def LinalgVectorNormBackward0(node, F, g):
    # d ||x||_p / dx = sgn(x) |x|^(p-1) / ||x||^(p-1); max-like for +-inf; 0 where ||x|| == 0
    shape, dims, keepdim, p = node._args
    if p == 0:
        return (None,)
    (x,) = F.saved(node)
    nd = len(shape)
    g = restore(F, g, dims, nd, keepdim)
    if p == 1:
        return (F.sign(x) * g,)
    out = restore(F, F.output(node), dims, nd, keepdim)
    if p == 2:
        # x / norm is 0 wherever norm is 0 once the denominator is made safe
        return (x * (g / (out + F.mask(out == 0, out))),)
    if math.isinf(p):
        m = F.mask(F.ties(F.abs(x), out), g)
        return (F.sign(x) * m * (g / F.sum(m, dims, True)),)
    if p < 1:
        ax = F.abs(x)
        scaled = F.sign(x) * (ax + F.mask(x == 0, ax)) ** (p - 1)
        return (scaled * g * out ** (1 - p),)
    scaled = F.sign(x) * F.abs(x) ** (p - 1) if p < 2 else x * F.abs(x) ** (p - 2)
    den = out ** (p - 1)
    zero = F.mask(den == 0, den)
    return (scaled * (g / (den + zero) * (1.0 - zero)),)


def _vector_norm_array(d: np.ndarray, p: float, dims: tuple, keepdim: bool) -> np.ndarray:
    axis = np_axis(dims, d.ndim)
    if p == 2:
        if axis is None and not keepdim and d.flags.c_contiguous and d.dtype.kind == "f":
            flat = d.reshape(-1)
            return np.asarray(np.sqrt(np.dot(flat, flat)))
        return np.sqrt((d * d).sum(axis=axis, keepdims=keepdim))
    a = np.abs(d)
    if p == math.inf:
        return a.max(axis=axis, keepdims=keepdim)
    if p == -math.inf:
        return a.min(axis=axis, keepdims=keepdim)
    if p == 0:
        return (d != 0).sum(axis=axis, keepdims=keepdim, dtype=d.dtype)
    if p == 1:
        return a.sum(axis=axis, keepdims=keepdim)
    with np.errstate(divide="ignore"):
        return (a ** p).sum(axis=axis, keepdims=keepdim) ** (1.0 / p)


def vector_norm(input: Tensor, ord: float = 2, dim: Dims = None, keepdim: bool = False, *,
                dtype: _dtype.dtype | None = None) -> Tensor:
    """``linalg.vector_norm``: the ``ord``-norm of the elements over ``dim`` (all dims)."""
    if dtype is not None:
        input = input.to(_dtype.to_dtype(dtype))
    d = input._data
    if d.dtype.kind not in "fc":
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {torch_type_name(d)}")
    p = float(ord)
    dims = reduce_dims(dim, d.ndim)
    if p < 0 or math.isinf(p):
        if d.size == 0 or builtins.any(d.shape[i] == 0 for i in dims):
            raise RuntimeError(
                f"linalg.vector_norm cannot compute the {ord} norm on an empty tensor because "
                "the operation does not have an identity")
    out = np.asarray(_vector_norm_array(d, p, dims, keepdim))
    return record(LinalgVectorNormBackward0, out, (input,), saved=(input,), save_out=True,
                  args=(d.shape, dims, keepdim, p))


@register("norm")
def norm(input: Tensor, p: float | str | None = "fro", dim: Dims = None, keepdim: bool = False,
         dtype: _dtype.dtype | None = None) -> Tensor:
    """Vector p-norm over ``dim`` (``'fro'``/None: 2-norm; ``inf``, ``-inf``, 0, 1, any p)."""
    if isinstance(dim, (int, np.integer)):
        dim = (int(dim),)
    if isinstance(p, str):
        if p == "fro" and (dim is None or len(dim) <= 2):
            return vector_norm(input, 2, dim, keepdim, dtype=dtype)
        if p not in ("fro", "nuc"):
            raise RuntimeError(f"linalg.matrix_norm: Order {p} not supported.")
        if input.ndim < 2:
            raise RuntimeError(
                "linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
        dims = tuple(range(input.ndim)) if dim is None else dim
        if len(dims) != 2:
            got = " ".join(str(x) for x in dims)
            raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {got}")
        raise NotImplementedError("chainrule: the nuclear norm is not implemented")
    return vector_norm(input, 2 if p is None else p, dim, keepdim, dtype=dtype)


# -------------------------------------------------------------- all / any / count_nonzero
def _logical(input: Tensor, dim, keepdim: bool, fn) -> Tensor:
    d = input._data
    if dim is None:
        out = np.asarray(fn(d, keepdims=keepdim))
    else:
        dims = dims_arg(dim, d.ndim) if d.ndim else ()
        out = np.asarray(fn(d, axis=dims, keepdims=keepdim))
    if d.dtype == np.uint8:
        out = out.astype(np.uint8)
    return make(out)


@register("all")
def all(input: Tensor, dim: Dims = None, keepdim: bool = False, *,  # noqa: A001
        axis: Dims = None) -> Tensor:  # noqa: A001
    """Whether every element (over ``dim``) is nonzero, as bool (uint8 for uint8 input)."""
    return _logical(input, _dim_or_axis(dim, axis), keepdim, np.all)


@register("any")
def any(input: Tensor, dim: Dims = None, keepdim: bool = False, *,  # noqa: A001
        axis: Dims = None) -> Tensor:  # noqa: A001
    """Whether any element (over ``dim``) is nonzero, as bool (uint8 for uint8 input)."""
    return _logical(input, _dim_or_axis(dim, axis), keepdim, np.any)


@register("count_nonzero")
def count_nonzero(input: Tensor, dim: Dims = None) -> Tensor:
    """The number of nonzero elements over ``dim`` (all dims by default), as int64."""
    d = input._data
    dims = reduce_dims(dim, d.ndim)
    out = np.count_nonzero(d, axis=np_axis(dims, d.ndim))
    return make(np.asarray(out, dtype=np.int64))
