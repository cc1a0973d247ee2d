"""Structural matrix ops: diagonals, traces, grids, splits, rotations, block matrices,
differences, pairwise distances and renorm (``cross``, ``cov`` and ``corrcoef`` are in
:mod:`chainrule.linalg`).

``diagonal`` is a view (it shares the input's memory and version counter, as in PyTorch);
``diag``, ``diag_embed``, ``rot90``, ``block_diag`` copy. Where PyTorch composes an op from
others (``diff``, ``meshgrid``, ``cosine_similarity``...), so does this file, and the
result's ``grad_fn`` is the one PyTorch shows. Every rule uses only ``F`` functions, so it
runs under ``create_graph``.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .. import _dtype
from ..autograd.graph import derivative
from ._core import Tensor, binary_meta, broadcast_error, make, record, register, wrap_dim
from ._graphmath import define_math
from .linalg import sname
from .reduction import _vector_norm_array, torch_type_name, vector_norm
from .view import _view

__all__ = ["diag", "diagonal", "diag_embed", "trace", "tril_indices", "triu_indices",
           "meshgrid", "tensor_split", "broadcast_to", "broadcast_tensors", "take_along_dim",
           "rot90", "block_diag", "diff", "cdist", "pdist", "dist", "cosine_similarity", "renorm",
           "norm_grad"]


def _shape_of(F, x) -> tuple:
    return tuple(x.shape)


# ----------------------------------------------------------------------------- diagonals
def _diag_index(shape: tuple, offset: int, d1: int, d2: int) -> tuple:
    """Index arrays selecting the ``offset`` diagonal of dims ``d1``, ``d2`` (diag dim last)."""
    n = max(0, min(shape[d1] - max(-offset, 0), shape[d2] - max(offset, 0)))
    k = np.arange(n)
    rest = [i for i in range(len(shape)) if i not in (d1, d2)]
    idx = [None] * len(shape)
    lead = len(rest)
    for j, i in enumerate(rest):
        idx[i] = np.arange(shape[i]).reshape((-1,) + (1,) * (lead - j))
    idx[d1] = k + max(-offset, 0)
    idx[d2] = k + max(offset, 0)
    return tuple(idx)


def _diagonal_backward_array(g, shape, offset, d1, d2):
    out = np.zeros(shape, g.dtype)
    out[_diag_index(shape, offset, d1, d2)] = g
    return out


@derivative("diagonal_backward")
def DiagonalBackwardBackward0(node, F, g):
    # the inverse placement: read the diagonal back
    _, offset, d1, d2 = node._args
    return (F.diagonal_of(g, offset, d1, d2),)


def _diagonal_backward_tensor(g: Tensor, shape, offset, d1, d2) -> Tensor:
    out = _diagonal_backward_array(g._data, shape, offset, d1, d2)
    return record(DiagonalBackwardBackward0, out, (g,), args=(shape, offset, d1, d2))


# F.diagonal_of(x, offset, d1, d2): the diagonal (last dim); F.diagonal_backward: zeros of
# ``shape`` holding g on that diagonal.
define_math("diagonal_of", lambda x, o, a, b: np.diagonal(x, o, a, b),
            lambda x, o, a, b: diagonal(x, o, a, b))
define_math("diagonal_backward", _diagonal_backward_array, _diagonal_backward_tensor)


def _diagonal_rule(node, F, g):
    # g placed back on the diagonal it was read from, zeros elsewhere
    return (F.diagonal_backward(g, *node._args),)


DiagonalBackward0 = derivative("diagonal")(_diagonal_rule)
DiagonalBackward0Copy = derivative("diagonal")(_diagonal_rule)
DiagonalBackward0Copy.__name__ = DiagonalBackward0Copy.__qualname__ = "DiagonalBackward0_copy"


@derivative("diag_embed")
def DiagEmbedBackward0(node, F, g):
    # the embedded values' gradient is the same diagonal of g
    return (F.diagonal_of(g, *node._args),)


def _diag_dims(ndim: int, dim1: int, dim2: int) -> tuple[int, int]:
    a, b = wrap_dim(dim1, ndim), wrap_dim(dim2, ndim)
    if a == b:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return a, b


@register("diagonal")
def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The ``offset`` diagonal of dims ``dim1``, ``dim2`` as the last dim (a view)."""
    d = input._data
    a, b = _diag_dims(d.ndim, dim1, dim2)
    out = np.diagonal(d, offset, a, b)
    if d.flags.writeable:
        out.flags.writeable = True  # NumPy hands out read-only diagonals; PyTorch's alias
    return _view(DiagonalBackward0, out, input, (d.shape, int(offset), a, b))


@register("diag_embed")
def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Matrices (in dims ``dim1``, ``dim2``) with the last dim of ``input`` on a diagonal."""
    d = input._data
    a, b = _diag_dims(d.ndim + 1, dim1, dim2)
    n = (d.shape[-1] if d.ndim else 1) + abs(offset)
    rest = list(d.shape[:-1])
    shape = [0] * (d.ndim + 1)
    it = iter(rest)
    for i in range(d.ndim + 1):
        shape[i] = n if i in (a, b) else next(it)
    out = _diagonal_backward_array(d.reshape(d.shape or (1,)), tuple(shape), int(offset), a, b)
    return record(DiagEmbedBackward0, out, (input,), args=(int(offset), a, b))


@register("diag")
def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """A vector to a matrix with it on the ``diagonal``, or a matrix's ``diagonal`` (a copy)."""
    d = input._data
    if d.ndim == 1:
        out = np.diag(d, diagonal)
        return record(DiagEmbedBackward0, out, (input,), args=(int(diagonal), 0, 1))
    if d.ndim != 2:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {d.ndim}D")
    out = np.diagonal(d, diagonal).copy()
    return record(DiagonalBackward0Copy, out, (input,), args=(d.shape, int(diagonal), 0, 1))


@derivative("trace")
def TraceBackward0(node, F, g):
    # d tr(A) / dA = I
    return (g * F.const(np.eye(*node._args), g),)


@register("trace")
def trace(input: Tensor) -> Tensor:
    """The sum of the main diagonal of a matrix (integers sum to int64)."""
    d = input._data
    if d.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {d.ndim}")
    if d.dtype.kind == "b":
        raise NotImplementedError("\"trace\" not implemented for 'Bool'")
    acc = np.int64 if d.dtype.kind in "iu" else d.dtype
    return record(TraceBackward0, np.asarray(np.trace(d, dtype=acc)), (input,), args=d.shape)


def _tri_indices(name: str, fn, row: int, col: int, offset: int, dtype) -> Tensor:
    dt = _dtype.int64 if dtype is None else _dtype.to_dtype(dtype)
    if row < 0:
        raise RuntimeError(f"row must be non-negative, got{row}")
    if col < 0:
        raise RuntimeError(f"col must be non-negative, got{col}")
    if dt.is_floating_point or dt.is_complex or dt is _dtype.bool:
        raise NotImplementedError(f"\"{name}\" not implemented for '{sname(np.empty(0, dt.np))}'")
    return make(np.stack(fn(row, offset, col)).astype(dt.np).reshape(2, -1))


@register("tril_indices", method=False)
def tril_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None,
                 layout=None) -> Tensor:
    """The (2, N) coordinates of the lower triangle of a ``row`` x ``col`` matrix."""
    return _tri_indices("tril_indices", np.tril_indices, row, col, offset, dtype)


@register("triu_indices", method=False)
def triu_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None,
                 layout=None) -> Tensor:
    """The (2, N) coordinates of the upper triangle of a ``row`` x ``col`` matrix."""
    return _tri_indices("triu_indices", np.triu_indices, row, col, offset, dtype)


# ---------------------------------------------------------------- grids, splits, broadcast
@register("meshgrid", method=False)
def meshgrid(*tensors, indexing: str | None = None) -> tuple:
    """Coordinate grids of 0-D/1-D tensors (views); ``indexing`` 'ij' or 'xy' (Cartesian)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the "
                      "indexing argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for t in tensors:
        if t.ndim > 1:
            rows = np.atleast_2d(t._data.reshape(t._data.shape[0], -1))
            shown = "\n".join(" ".join(f"{v:.4f}" for v in r) for r in rows)
            raise RuntimeError("torch.meshgrid: Expected 0D or 1D tensor in the tensor list "
                               f"but got: {shown}")
        if t.dtype is not tensors[0].dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    if indexing not in ("ij", "xy"):
        raise RuntimeError('torch.meshgrid: indexing must be one of "xy" or "ij", but '
                           f"received: {indexing}")
    ts = list(tensors)
    swap = indexing == "xy" and len(ts) >= 2
    if swap:
        ts[0], ts[1] = ts[1], ts[0]
    shape = tuple(t.numel() for t in ts)
    grids = []
    for i, t in enumerate(ts):
        view = [1] * len(ts)
        view[i] = -1
        grids.append(t.reshape(tuple(view)).expand(shape))
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


@register("tensor_split")
def tensor_split(input: Tensor, indices_or_sections, dim: int = 0) -> tuple:
    """Views splitting ``dim`` into ``n`` near-equal sections or at the given indices."""
    if input.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a "
                           "tensor with 0 dims")
    ios = indices_or_sections
    if isinstance(ios, Tensor):
        if ios._data.ndim > 1:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to be a "
                               "zero-dimensional or one-dimensional tensor, but got a tensor "
                               f"with {ios._data.ndim} dims")
        if ios._data.dtype != np.int64:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to have dtype "
                               f"of long, but got {sname(ios._data)}")
        ios = int(ios._data) if ios._data.ndim == 0 else [int(i) for i in ios._data]
    elif isinstance(ios, float) or not isinstance(ios, (int, np.integer, list, tuple)):
        raise TypeError("tensor_split() received an invalid combination of arguments - got "
                        f"(Tensor, {type(ios).__name__}), but expected one of:")
    dim = wrap_dim(dim, input.ndim)
    n = input.shape[dim]
    lead = (slice(None),) * dim
    if isinstance(ios, (int, np.integer)):
        s = int(ios)
        if s <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {s}")
        base, extra = divmod(n, s)
        out, start = [], 0
        for i in range(s):
            size = base + (i < extra)
            out.append(input.narrow(dim, start, size))
            start += size
        return tuple(out)
    bounds = [0] + [int(i) for i in ios] + [None]
    return tuple(input[lead + (slice(a, b),)] for a, b in zip(bounds[:-1], bounds[1:]))


@register("broadcast_to")
def broadcast_to(input: Tensor, size) -> Tensor:
    """``input`` expanded to ``size`` (a view; -1 keeps a dimension)."""
    return input.expand(tuple(size))


def _broadcast_shape(shapes: list) -> tuple:
    out = ()
    for s in shapes:
        try:
            out = np.broadcast_shapes(out, tuple(s))
        except ValueError:
            raise broadcast_error(out, tuple(s)) from None
    return out


@register("broadcast_tensors", method=False)
def broadcast_tensors(*tensors) -> tuple:
    """The tensors expanded to their common broadcast shape (views)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    shape = _broadcast_shape([t.shape for t in tensors])
    return tuple(t if tuple(t.shape) == shape else t.expand(shape) for t in tensors)


@register("take_along_dim")
def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:
    """Values of ``input`` at ``indices`` along ``dim`` (flattened when ``dim`` is None)."""
    from .scatter import gather

    idx = indices._data
    if dim is None:
        if idx.dtype not in (np.int64, np.int32):
            raise RuntimeError("gather(): Expected dtype int32/int64 for index")
        return gather(input.reshape(-1), 0, make(idx.reshape(-1).astype(np.int64)))
    if idx.dtype != np.int64:
        raise RuntimeError("torch.take_along_dim(): dtype of indices should be Long but got "
                           f"{sname(idx)}")
    if idx.ndim != input.ndim:
        raise RuntimeError("torch.take_along_dim(): input and indices should have the same "
                           f"number of dimensions, but got {input.ndim} dimensions for input, "
                           f"and {idx.ndim} dimensions for indices")
    dim = wrap_dim(dim, input.ndim)
    sizes = list(input.shape)
    sizes[dim] = idx.shape[dim]
    shape = _broadcast_shape([sizes, idx.shape])
    sizes = list(shape)
    sizes[dim] = input.shape[dim]
    return gather(input.expand(tuple(sizes)), dim, make(np.broadcast_to(idx, shape)))


# ------------------------------------------------------------------------- rot90, block_diag
@derivative("rot90")
def Rot90Backward0(node, F, g):
    # rotating back: rot90(g, -k)
    k, dims = node._args
    return (F.rot90(g, -k, dims),)


@register("rot90")
def rot90(input: Tensor, k: int = 1, dims=(0, 1)) -> Tensor:
    """Rotate by ``k`` quarter turns in the plane of ``dims`` (from the first towards the
    second)."""
    dims = list(dims)
    nd = input.ndim
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if nd < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {nd}")
    a, b = wrap_dim(dims[0], nd), wrap_dim(dims[1], nd)
    if a == b:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {dims[0]} "
                           f"and dim1 = {dims[1]}")
    out = np.ascontiguousarray(np.rot90(input._data, k, (a, b)))
    return record(Rot90Backward0, out, (input,), args=(int(k), (a, b)))


define_math("rot90", lambda g, k, dims: np.rot90(g, k, dims), lambda g, k, dims: rot90(g, k, dims))


@derivative("block_diag")
def BlockDiagBackward0(node, F, g):
    # each block's gradient is its window of g
    res = []
    r = c = 0
    for need, (shape, rows, cols) in zip(F.needs(node), node._args, strict=True):
        if need:
            res.append(F.reshape(F.getitem(g, (slice(r, r + rows), slice(c, c + cols))), shape))
        else:
            res.append(None)
        r, c = r + rows, c + cols
    return tuple(res)


@register("block_diag", method=False)
def block_diag(*tensors: Tensor) -> Tensor:
    """A block-diagonal matrix of the (0-, 1- or 2-D) ``tensors``; dtypes promote."""
    blocks = []
    for i, t in enumerate(tensors):
        if t.ndim > 2:
            raise RuntimeError("torch.block_diag: Input tensors must have 2 or fewer dimensions. "
                               f"Input {i} has {t.ndim} dimensions")
        d = t._data
        blocks.append(d.reshape(1, -1) if d.ndim < 2 else d)
    if not blocks:
        return make(np.zeros((1, 0), _dtype.get_default_dtype().np))
    dt = tensors[0].dtype
    for t in tensors[1:]:
        dt = _dtype.promote_types(dt, t.dtype)
    out = np.zeros((sum(b.shape[0] for b in blocks), sum(b.shape[1] for b in blocks)), dt.np)
    r = c = 0
    for b in blocks:
        out[r:r + b.shape[0], c:c + b.shape[1]] = b
        r, c = r + b.shape[0], c + b.shape[1]
    args = tuple((t._data.shape, b.shape[0], b.shape[1]) for t, b in zip(tensors, blocks))
    meta = tuple(None if t.dtype is dt else (t._data.shape, t.dtype) for t in tensors)
    return record(BlockDiagBackward0, out, tuple(tensors), args=args,
                  meta=None if all(m is None for m in meta) else meta)


# ------------------------------------------------------------------------------------ diff
@register("diff")
def diff(input: Tensor, n: int = 1, dim: int = -1, prepend: Tensor | None = None,
         append: Tensor | None = None) -> Tensor:
    """The ``n``-th forward difference along ``dim`` (after concatenating prepend/append)."""
    from .join import cat

    if input.ndim < 1:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    dim = wrap_dim(dim, input.ndim)
    for t in (prepend, append):
        if t is None:
            continue
        if t.ndim != input.ndim:
            raise RuntimeError("diff expects prepend or append to be the same dimension as input")
        for i in range(input.ndim):
            if i != dim and t.shape[i] != input.shape[i]:
                raise RuntimeError(
                    "diff expects the shape of tensor to prepend or append to match that of "
                    f"input except along the differencing dimension; input.size({i}) = "
                    f"{input.shape[i]}, but got tensor.size({i}) = {t.shape[i]}")
    if n == 0:
        out = make(np.zeros_like(input._data))
        return out.copy_(input)
    x = input
    if prepend is not None or append is not None:
        x = cat([t for t in (prepend, input, append) if t is not None], dim)
    length = x.shape[dim] - 1
    for _ in range(min(n, x.shape[dim])):
        hi, lo = x.narrow(dim, 1, length), x.narrow(dim, 0, length)
        x = hi.logical_xor(lo) if x.dtype is _dtype.bool else hi - lo
        length -= 1
    return x


# ------------------------------------------------------------------------------- distances
def _safe(F, den):
    """(den with its zeros replaced by 1, the 0/1 mask of those zeros)."""
    z = F.mask(den == 0, den)
    return den + z, z


def norm_grad(F, x, g, norm, p: float, dims, split: bool = True):
    """d ||x||_p / dx times ``g`` (g and norm broadcast against x over the reduced ``dims``).

    PyTorch's subgradients: 0 where the norm is 0; for p = inf the tied maxima share g
    (``split``) or each get all of it (``cdist``/``pdist``).
    """
    if p == 0:
        return F.zeros_like(x * g)
    if p == 1:
        return F.sign(x) * g
    if p == 2:
        den, z = _safe(F, norm)
        return x * (g / den) * (1.0 - z)
    ax = F.abs(x)
    if math.isinf(p):
        m = F.mask(ax == norm, x)
        if split:
            m = m / F.sum(m, dims, True)
        return F.sign(x) * m * g
    if p < 1:
        base, zx = _safe(F, ax)
        return F.sign(x) * base ** (p - 1) * (1.0 - zx) * g * norm ** (1 - p)
    den, z = _safe(F, norm ** (p - 1))
    scaled = F.sign(x) * ax ** (p - 1) if p < 2 else x * ax ** (p - 2)
    return scaled * (g / den * (1.0 - z))


define_math("pnorm", lambda x, p, dims: _vector_norm_array(x, p, dims, True),
            lambda x, p, dims: vector_norm(x, p, dims, True))


def _rows(F, x, axis: int):
    """``x`` with a size-1 axis inserted before the last (-2) or third-last (-3) position."""
    s = _shape_of(F, x)
    return F.reshape(x, s[:-1] + (1,) + s[-1:] if axis == -2 else s[:-2] + (1,) + s[-2:])


@derivative("cdist")
def CdistBackward0(node, F, g):
    # each pair's difference gets the p-norm's gradient; x1 sums it over x2's rows, x2 negated
    x1, x2 = F.saved(node)
    diff = _rows(F, x1, -2) - _rows(F, x2, -3)
    s = _shape_of(F, g) + (1,)
    gd = norm_grad(F, diff, F.reshape(g, s), F.reshape(F.output(node), s), node._args, -1,
                   split=False)
    n1, n2 = F.needs(node)
    return (F.sum(gd, -2) if n1 else None, -F.sum(gd, -3) if n2 else None)


@derivative("euclidean_dist")
def EuclideanDistBackward0(node, F, g):
    # d sqrt(|x1|^2 - 2 x1.x2 + |x2|^2): r = g / dist (0 where dist == 0)
    x1, x2 = F.saved(node)
    den, z = _safe(F, F.output(node))
    r = g / den * (1.0 - z)
    n1, n2 = F.needs(node)
    g1 = x1 * F.sum(r, -1, True) - F.matmul(r, x2) if n1 else None
    g2 = (x2 * _col(F, F.sum(r, -2)) - F.matmul(F.swapaxes(r, -1, -2), x1)) if n2 else None
    return g1, g2


def _col(F, x):
    return F.reshape(x, _shape_of(F, x) + (1,))


_CDIST_MODES = {"use_mm_for_euclid_dist_if_necessary": 0, "use_mm_for_euclid_dist": 1,
                "donot_use_mm_for_euclid_dist": 2}


def _float_check(d: np.ndarray, msg: str) -> None:
    if d.dtype.kind != "f":
        raise RuntimeError(msg)


@register("cdist", method=False)
def cdist(x1: Tensor, x2: Tensor, p: float = 2.0,
          compute_mode: str = "use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """p-norm distances between the rows of ``x1`` and of ``x2`` (batch dims broadcast)."""
    if compute_mode not in _CDIST_MODES:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    a, b = x1._data, x2._data
    for name, d in (("X1", a), ("X2", b)):
        if d.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: {d.ndim}D")
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {a.shape[-1]} "
                           f"X2: {b.shape[-1]}")
    for name, d in (("X1", a), ("X2", b)):
        _float_check(d, f"cdist only supports floating-point dtypes, {name} got: {sname(d)}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected scalar type {sname(a)} but found {sname(b)}")
    batch = _broadcast_shape([a.shape[:-2], b.shape[:-2]])
    mode = _CDIST_MODES[compute_mode]
    p = float(p)
    if p == 2 and (mode == 1 or (mode == 0 and (a.shape[-2] > 25 or b.shape[-2] > 25))):
        # PyTorch's matrix-product form: |x1|^2 - 2 x1.x2 + |x2|^2, clamped at 0
        n1, n2 = (a * a).sum(-1, keepdims=True), (b * b).sum(-1, keepdims=True)
        prod = np.matmul(np.concatenate([a * -2, n1, np.ones_like(n1)], -1),
                         np.swapaxes(np.concatenate([b, np.ones_like(n2), n2], -1), -1, -2))
        out = np.sqrt(np.maximum(prod, 0))
        res = record(EuclideanDistBackward0, out, (x1, x2), saved=(x1, x2), save_out=True,
                     meta=_cdist_meta(x1, x2, batch))
        return res.view(tuple(res.shape))
    diff = a[..., :, None, :] - b[..., None, :, :]
    out = np.asarray(_vector_norm_array(diff, p, (diff.ndim - 1,), False))
    return record(CdistBackward0, out, (x1, x2), saved=(x1, x2), save_out=True, args=p,
                  meta=_cdist_meta(x1, x2, batch))


def _cdist_meta(x1: Tensor, x2: Tensor, batch: tuple):
    m1 = None if x1._data.shape[:-2] == batch else (x1._data.shape, x1.dtype)
    m2 = None if x2._data.shape[:-2] == batch else (x2._data.shape, x2.dtype)
    return None if m1 is None and m2 is None else (m1, m2)


@derivative("pdist")
def PdistBackward0(node, F, g):
    # each pair's difference gets the p-norm's gradient, added to row i and taken from row j
    p, sel = node._args
    (x,) = F.saved(node)
    S = F.const(sel, x)
    gd = norm_grad(F, F.matmul(S, x), _col(F, g), _col(F, F.output(node)), p, -1, split=False)
    return (F.matmul(F.swapaxes(S, 0, 1), gd),)


@register("pdist", method=False)
def pdist(input: Tensor, p: float = 2) -> Tensor:
    """p-norm distances between all pairs of rows i < j of a matrix, in row-major order."""
    d = input._data
    if d.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {d.ndim}D")
    _float_check(d, "pdist only supports floating-point dtypes")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    n = d.shape[0]
    i, j = np.triu_indices(n, 1)
    sel = np.zeros((len(i), n), d.dtype)
    sel[np.arange(len(i)), i] = 1
    sel[np.arange(len(i)), j] = -1
    out = np.asarray(_vector_norm_array(d[i] - d[j], float(p), (1,), False))
    return record(PdistBackward0, out, (input,), saved=(input,), save_out=True,
                  args=(float(p), sel))


@derivative("dist")
def DistBackward0(node, F, g):
    # d ||x - y||_p: the norm's gradient at x - y for x, its negative for y
    if node._args == 0:  # a count of nonzeros: no gradient at all (as in PyTorch)
        return (None, None)
    x, y = F.saved(node)
    gd = norm_grad(F, x - y, g, F.output(node), node._args, None)
    nx, ny = F.needs(node)
    return (gd if nx else None, -gd if ny else None)


@register("dist")
def dist(input: Tensor, other: Tensor, p: float = 2) -> Tensor:
    """``||input - other||_p`` over all elements (broadcasting)."""
    a, b = input._data, other._data
    dt = _dtype.result_type(input, other)
    if not (dt.is_floating_point or dt.is_complex):
        raise RuntimeError("norm(): input dtype should be either floating point or complex. "
                           f"Got {sname(np.empty(0, dt.np))} instead.")
    _broadcast_shape([a.shape, b.shape])
    diff = np.subtract(a, b, dtype=dt.np)
    out = np.asarray(_vector_norm_array(diff, float(p), tuple(range(diff.ndim)), False))
    return record(DistBackward0, out.astype(dt.np), (input, other), saved=(input, other),
                  save_out=True, args=float(p), meta=binary_meta(input, other, diff))


@register("cosine_similarity", method=False)
def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """``sum(x1 * x2) / (max(||x1||, eps) * max(||x2||, eps))`` along ``dim``."""
    dt = _dtype.result_type(x1, x2)
    if not dt.is_floating_point:
        raise RuntimeError("expected common dtype to be floating point, yet common dtype is "
                           f"{sname(np.empty(0, dt.np))}")
    if not x1.dtype.is_floating_point:
        x1 = x1.to(dt)
    if not x2.dtype.is_floating_point:
        x2 = x2.to(dt)
    x1, x2 = broadcast_tensors(x1, x2)
    n1 = vector_norm(x1, 2, dim, True)
    n2 = vector_norm(x2, 2, dim, True)
    # the norms are clamped at eps, but their gradient is the unclamped one (as in PyTorch)
    n1 = n1 + (n1.clamp_min(eps) - n1).detach()
    n2 = n2 + (n2.clamp_min(eps) - n2).detach()
    return ((x1 / n1) * (x2 / n2)).sum(dim)


@derivative("renorm")
def RenormBackward0(node, F, g):
    # out = x maxnorm / (||x|| + 1e-7) where ||x|| > maxnorm: the quotient rule through the norm
    p, dims, maxnorm = node._args
    (x,) = F.saved(node)
    norm = F.pnorm(x, p, dims)
    nb = norm_grad(F, x, F.sum(x * g, dims, True), norm, p, dims)
    inv = 1.0 / (norm + 1e-7)
    return (F.where(norm > maxnorm, g * (inv * maxnorm) - nb * (inv * inv * maxnorm), g),)


@register("renorm")
def renorm(input: Tensor, p: float, dim: int, maxnorm: float) -> Tensor:
    """Each slice along ``dim`` rescaled to p-norm at most ``maxnorm``."""
    if not p > 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {float(maxnorm):g}")
    d = input._data
    if d.ndim < 2:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {d.ndim} dimensions")
    if d.dtype.kind not in "fc":
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {torch_type_name(d)}")
    dim = wrap_dim(dim, d.ndim)
    dims = tuple(i for i in range(d.ndim) if i != dim)
    norm = _vector_norm_array(d, float(p), dims, True)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(norm > maxnorm, maxnorm / (norm + 1e-7), 1.0)
    out = (d * factor).astype(d.dtype, copy=False)
    return record(RenormBackward0, out, (input,), saved=(input,),
                  args=(float(p), dims, float(maxnorm)))
