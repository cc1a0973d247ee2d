"""Joining, splitting and rearranging copies: ``cat``, ``stack``, ``split``, ``repeat``, ``flip``...

``cat``/``stack`` and ``repeat``/``flip``/``roll`` produce new memory. ``split``, ``chunk`` and
``unbind`` return views of the input (one node with several outputs, as in PyTorch); their
rule concatenates the pieces' gradients, with zeros for pieces that received none.
"""

from __future__ import annotations

import numpy as np

from .. import _dtype
from ..autograd.graph import derivative
from ._core import Tensor, dims_arg, record, record_multi, register, wrap_dim
from ._graphmath import define_math
from .view import _alias, _shape_arg, reshape, unsqueeze


def _unbind_array(g, dim: int) -> tuple:
    return tuple(np.moveaxis(g, dim, 0))


define_math("unbind", _unbind_array, lambda g, dim: unbind(g, dim))


def _tensor_list(tensors, name: str) -> list:
    if isinstance(tensors, Tensor):
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, "
                        "not Tensor")
    tensors = list(tensors)
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
    return tensors


def _result_dtype(tensors: list):
    dt = tensors[0].dtype
    for t in tensors[1:]:
        if t.dtype is not dt:
            dt = _dtype.promote_types(dt, t.dtype)
    return dt


def _dtype_meta(tensors: list, dt) -> tuple | None:
    """Per-input ``(shape, dtype)`` where an input's dtype differs from the result's."""
    if all(t.dtype is dt for t in tensors):
        return None
    return tuple(None if t.dtype is dt else (t._data.shape, t.dtype) for t in tensors)


# ------------------------------------------------------------------------------ cat
@derivative("cat", complex_ok=True)
def CatBackward0(node, F, g):
    # each input gets its slice of g along dim (skipped empty inputs get an empty gradient)
    dim, sizes = node._args
    needs = F.needs(node)
    res, off = [], 0
    for n, s in zip(needs, sizes, strict=True):
        if s is None:
            res.append(F.zeros((0,), g) if n else None)
            continue
        res.append(F.narrow(g, dim, off, s) if n else None)
        off += s
    return tuple(res)


@register("cat", "concat", "concatenate", method=False)
def cat(tensors, dim: int = 0, *, axis: int | None = None) -> Tensor:
    """The tensors joined along existing dimension ``dim`` (1-D empty tensors are skipped)."""
    tensors = _tensor_list(tensors, "cat")
    if axis is not None:
        dim = axis
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    # PyTorch's legacy rule: 1-D tensors with no elements take no part
    kept = [i for i, t in enumerate(tensors) if t._data.shape != (0,)]
    dt = _result_dtype(tensors)
    if not kept:
        out = np.zeros((0,), dt.np)
        return record(CatBackward0, out, tuple(tensors), args=(0, [None] * len(tensors)),
                      meta=_dtype_meta(tensors, dt))
    first = tensors[kept[0]]._data
    nd = first.ndim
    for i in kept:
        if tensors[i]._data.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be "
                               "concatenated")
    dim = wrap_dim(dim, nd)
    for i in kept:
        d = tensors[i]._data
        if d.ndim != nd:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {nd} and "
                               f"{d.ndim}")
        for j in range(nd):
            if j != dim and d.shape[j] != first.shape[j]:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {dim}. Expected size "
                    f"{first.shape[j]} but got size {d.shape[j]} for tensor number {i} in the "
                    "list.")
    out = np.concatenate([tensors[i]._data for i in kept], axis=dim, dtype=dt.np,
                         casting="unsafe")
    sizes = [None] * len(tensors)
    for i in kept:
        sizes[i] = tensors[i]._data.shape[dim]
    return record(CatBackward0, out, tuple(tensors), args=(dim, sizes),
                  meta=_dtype_meta(tensors, dt))


# ---------------------------------------------------------------------------- stack
@derivative("stack", complex_ok=True)
def StackBackward0(node, F, g):
    # input i gets g[..., i, ...] along the new dimension
    needs = F.needs(node)
    parts = F.unbind(g, node._args)
    return tuple(p if n else None for p, n in zip(parts, needs, strict=True))


@register("stack", method=False)
def stack(tensors, dim: int = 0) -> Tensor:
    """The tensors (all of one shape) joined along a new dimension ``dim``."""
    tensors = _tensor_list(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shape = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        if t._data.shape != shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{list(shape)} at entry 0 and {list(t._data.shape)} at entry {i}")
    dim = wrap_dim(dim, len(shape) + 1)
    dt = _result_dtype(tensors)
    out = np.stack([t._data for t in tensors], axis=dim, dtype=dt.np, casting="unsafe")
    return record(StackBackward0, out, tuple(tensors), args=dim,
                  meta=_dtype_meta(tensors, dt))


def _atleast(t: Tensor, n: int) -> Tensor:
    nd = t._data.ndim
    if nd >= n:
        return t
    if nd == 0:
        return reshape(t, (1,) * n)
    if n == 2 or nd == 2:
        return unsqueeze(t, 0 if n == 2 else -1)
    return unsqueeze(unsqueeze(t, 0), -1)


def _atleast_fn(n: int):
    def fn(*tensors):
        if len(tensors) == 1 and not isinstance(tensors[0], Tensor):
            tensors = tuple(tensors[0])
            return tuple(_atleast(t, n) for t in tensors)
        if len(tensors) == 1:
            return _atleast(tensors[0], n)
        return tuple(_atleast(t, n) for t in tensors)

    fn.__name__ = fn.__qualname__ = f"atleast_{n}d"
    fn.__doc__ = f"Each tensor viewed with at least {n} dimensions."
    return fn


atleast_1d = register("atleast_1d", method=False)(_atleast_fn(1))
atleast_2d = register("atleast_2d", method=False)(_atleast_fn(2))
atleast_3d = register("atleast_3d", method=False)(_atleast_fn(3))


def _nonempty(tensors, name: str) -> list:
    tensors = _tensor_list(tensors, name)
    if not tensors:
        raise RuntimeError(f"{name} expects a non-empty TensorList")
    return tensors


@register("hstack", method=False)
def hstack(tensors) -> Tensor:
    """Joined along dimension 1 (dimension 0 for 1-D tensors)."""
    rep = [_atleast(t, 1) for t in _nonempty(tensors, "hstack")]
    return cat(rep, 0 if rep[0]._data.ndim == 1 else 1)


@register("vstack", "row_stack", method=False)
def vstack(tensors) -> Tensor:
    """Joined along dimension 0, 1-D tensors becoming rows."""
    return cat([_atleast(t, 2) for t in _nonempty(tensors, "vstack")], 0)


@register("dstack", method=False)
def dstack(tensors) -> Tensor:
    """Joined along dimension 2, after viewing each with at least 3 dimensions."""
    return cat([_atleast(t, 3) for t in _nonempty(tensors, "dstack")], 2)


@register("column_stack", method=False)
def column_stack(tensors) -> Tensor:
    """Joined as columns: 0-D and 1-D tensors become columns, then ``hstack``."""
    tensors = _nonempty(tensors, "column_stack")
    return hstack([reshape(t, (t._data.size, 1)) if t._data.ndim <= 1 else t for t in tensors])


# ------------------------------------------------------------------ split / chunk / unbind
def _zero_filled(F, grads: list, dim: int, sizes) -> list:
    """``grads`` with each missing piece replaced by zeros of its shape."""
    like = next(x for x in grads if x is not None)
    res = []
    for gi, s in zip(grads, sizes, strict=True):
        if gi is None:
            shape = list(like.shape)
            if s is not None:  # split pieces differ only along dim; unbind slices not at all
                shape[dim] = s
            gi = F.zeros(tuple(shape), like)
        res.append(gi)
    return res


@derivative("split", outputs=2, complex_ok=True)
def SplitBackward0(node, F, g):
    # the pieces' gradients concatenated back (zeros for pieces without one)
    dim, sizes = node._args
    grads = g if node.n_outputs != 1 else [g]
    return (F.cat(_zero_filled(F, grads, dim, sizes), dim),)


@derivative("split_with_sizes", outputs=2, complex_ok=True)
def SplitWithSizesBackward0(node, F, g):
    dim, sizes = node._args
    grads = g if node.n_outputs != 1 else [g]
    return (F.cat(_zero_filled(F, grads, dim, sizes), dim),)


def _pieces(cls, input: Tensor, dim: int, sizes: list) -> tuple:
    d = input._data
    outs, off = [], 0
    pre = (slice(None),) * dim
    for s in sizes:
        outs.append(d[pre + (slice(off, off + s),)])
        off += s
    res = record_multi(cls, outs, (input,), args=(dim, sizes))
    for r in res:
        _alias(r, input)
    return res


@register("split")
def split(tensor: Tensor, split_size_or_sections, dim: int = 0) -> tuple:
    """Views of consecutive pieces along ``dim``: of ``split_size`` each, or of the sizes given."""
    d = tensor._data
    if d.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    dim = wrap_dim(dim, d.ndim)
    n = d.shape[dim]
    if isinstance(split_size_or_sections, (int, np.integer)):
        s = int(split_size_or_sections)
        if s < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got "
                               f"split_size={s}")
        if s == 0 and n != 0:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got "
                               f"dimension size of {n}")
        k = max((n + s - 1) // s, 1) if s else 1
        sizes = [s] * k
        sizes[-1] = n - s * (k - 1)
        return _pieces(SplitBackward0, tensor, dim, sizes)
    return _split_with_sizes(tensor, list(split_size_or_sections), dim)


def _split_with_sizes(tensor: Tensor, sizes: list, dim: int) -> tuple:
    sizes = [int(s) for s in sizes]
    n = tensor._data.shape[dim]
    if any(s < 0 for s in sizes):
        raise RuntimeError(f"split_with_sizes expects split_sizes have only non-negative "
                           f"entries, but got split_sizes={sizes}")
    if sum(sizes) != n:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input "
                           f"tensor's size at dimension {dim}), but got split_sizes={sizes}")
    return _pieces(SplitWithSizesBackward0, tensor, dim, sizes)


def _split_method(self: Tensor, split_size, dim: int = 0) -> tuple:
    return split(self, split_size, dim)


Tensor.split = _split_method


@register("chunk")
def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    """At most ``chunks`` views of equal size (the last may be smaller) along ``dim``."""
    d = input._data
    if d.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    dim = wrap_dim(dim, d.ndim)
    n = d.shape[dim]
    size = (n + chunks - 1) // chunks
    if size == 0 and n == 0:
        return _split_with_sizes(input, [0] * chunks, dim)
    return split(input, size, dim)


@derivative("unbind", outputs=2, complex_ok=True)
def UnbindBackward0(node, F, g):
    # the slices' gradients stacked back (zeros for slices without one)
    dim = node._args
    grads = g if node.n_outputs != 1 else [g]
    return (F.stack(_zero_filled(F, grads, dim, [None] * len(grads)), dim),)


@register("unbind")
def unbind(input: Tensor, dim: int = 0) -> tuple:
    """The slices along ``dim``, as views without that dimension."""
    d = input._data
    if d.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    dim = wrap_dim(dim, d.ndim)
    pre = (slice(None),) * dim
    outs = [d[pre + (i,)] for i in range(d.shape[dim])]
    res = record_multi(UnbindBackward0, outs, (input,), args=dim)
    for r in res:
        _alias(r, input)
    return res


# --------------------------------------------------------------------------- repeat / tile
@derivative("repeat", complex_ok=True)
def RepeatBackward0(node, F, g):
    # sum the gradient over the copies: view g as (r0, s0, r1, s1, ...) and sum the r axes
    pshape, reps, shape = node._args
    inter, axes = [], []
    for r, s in zip(reps, pshape, strict=True):
        if r != 1:
            axes.append(len(inter))
            inter.append(r)
        inter.append(s)
    if axes:
        g = F.sum(F.reshape(g, tuple(inter)), tuple(axes))
    return (F.reshape(g, shape),)


def repeat(input: Tensor, *repeats) -> Tensor:
    """``input`` tiled ``repeats[i]`` times along dimension i (a copy)."""
    reps = tuple(int(r) for r in _shape_arg(repeats))
    d = input._data
    if len(reps) < d.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    pshape = (1,) * (len(reps) - d.ndim) + d.shape
    if any(r < 0 for r in reps):
        raise RuntimeError(f"Trying to create tensor with negative dimension "
                           f"{next(r * s for r, s in zip(reps, pshape, strict=True) if r < 0)}: "
                           f"{[r * s for r, s in zip(reps, pshape, strict=True)]}")
    out = np.tile(d, reps) if reps else d.copy()
    return record(RepeatBackward0, out, (input,), args=(pshape, reps, d.shape))


register("repeat", function=False)(repeat)


@register("tile")
def tile(input: Tensor, *dims) -> Tensor:
    """``repeat`` with ``dims`` padded by leading ones to the number of dimensions."""
    dims = tuple(int(r) for r in _shape_arg(dims))
    nd = input._data.ndim
    if len(dims) < nd:
        dims = (1,) * (nd - len(dims)) + dims
    return repeat(input, dims)


# ------------------------------------------------------------------------ flip / roll
@derivative("flip", complex_ok=True)
def FlipBackward0(node, F, g):
    # flip the gradient back along the same dimensions
    return (F.flip(g, node._args),)


@register("flip")
def flip(input: Tensor, *dims) -> Tensor:
    """A copy with the order of elements reversed along ``dims``."""
    d = input._data
    dims = dims_arg(_shape_arg(dims), d.ndim) if dims else ()
    if d.ndim == 0:
        dims = ()
    return record(FlipBackward0, np.flip(d, dims).copy(), (input,), args=dims)


@register("fliplr")
def fliplr(input: Tensor) -> Tensor:
    """Columns reversed (dimension 1)."""
    if input._data.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, (1,))


@register("flipud")
def flipud(input: Tensor) -> Tensor:
    """Rows reversed (dimension 0)."""
    if input._data.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, (0,))


@derivative("roll", complex_ok=True)
def RollBackward0(node, F, g):
    # roll the gradient back by the opposite shifts
    shifts, dims = node._args
    if dims is None:
        return (F.roll(g, -shifts[0]),)
    return (F.roll(g, tuple(-s for s in shifts), dims),)


@register("roll")
def roll(input: Tensor, shifts, dims=None) -> Tensor:
    """A copy with elements shifted cyclically along ``dims`` (the flattened tensor if None)."""
    d = input._data
    shifts = (int(shifts),) if isinstance(shifts, (int, np.integer)) else tuple(
        int(s) for s in shifts)
    dims = () if dims is None else (dims,) if isinstance(dims, (int, np.integer)) else tuple(
        dims)
    if not shifts:
        raise RuntimeError("`shifts` required")
    if not dims and len(shifts) == 1:
        return record(RollBackward0, np.roll(d, shifts[0]), (input,), args=(shifts, None))
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                           f"dims:{len(dims)}")
    dims = tuple(wrap_dim(int(i), d.ndim) for i in dims)
    out = np.roll(d, shifts, dims) if d.ndim else d.copy()
    return record(RollBackward0, out, (input,), args=(shifts, dims))


__all__ = ["cat", "stack", "hstack", "vstack", "dstack", "column_stack", "atleast_1d",
           "atleast_2d", "atleast_3d", "split", "chunk", "unbind", "repeat", "tile", "flip",
           "fliplr", "flipud", "roll"]
