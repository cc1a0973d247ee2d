"""Views: ops whose result shares the input's memory (``reshape``, ``view``, ``transpose``...).

A view's ``_data`` is a NumPy view of the input's ``_data``, and it shares the input's version
counter (``_vc``) and records its root base (``_base``), as in PyTorch: an in-place change
through one tensor is seen by every tensor aliasing the same memory, and a derivative that
saved one of them notices it. :func:`_view` does that bookkeeping after ``record``.

Every rule here only rearranges the incoming gradient ``g`` (with ``F.reshape``,
``F.swapaxes``, ``F.permute``...), so it runs unchanged under ``create_graph``. ``expand``
lets the engine sum the gradient back to the input's shape (its node's ``_meta``).
"""

from __future__ import annotations

import warnings

import numpy as np

from .._dtype import dtype as DType
from ..autograd.graph import derivative
from ._core import Tensor, make, record, register, wrap_dim
from ._graphmath import define_math


def _view(cls, out: np.ndarray, input: Tensor, args=None) -> Tensor:
    """Record ``cls`` and make the result alias ``input`` (shared version counter and base)."""
    res = record(cls, out, (input,), args=args)
    res._vc = input._version_counter()
    b = input._base
    res._base = input if b is None else b
    return res


def _alias(res: Tensor, input: Tensor) -> Tensor:
    """Mark ``res`` (already recorded) as a view of ``input``."""
    res._vc = input._version_counter()
    b = input._base
    res._base = input if b is None else b
    return res


def _shape_arg(shape: tuple) -> tuple:
    """``f(2, 3)``, ``f((2, 3))`` and ``f([2, 3])`` all give ``(2, 3)``."""
    if len(shape) == 1 and shape[0].__class__ is not int:
        s = shape[0]
        if s.__class__ is tuple:
            return s
        if isinstance(s, np.integer) or isinstance(s, Tensor) and s._data.ndim == 0:
            return (int(s),)
        return tuple(s)
    return shape


def infer_size(shape, numel: int) -> tuple:
    """``shape`` with its ``-1`` filled in, raising PyTorch's errors for invalid shapes."""
    shape = [int(s) for s in shape]
    newsize, infer = 1, None
    for i, s in enumerate(shape):
        if s == -1:
            if infer is not None:
                raise RuntimeError("only one dimension can be inferred")
            infer = i
        elif s >= 0:
            newsize *= s
        else:
            raise RuntimeError(f"invalid shape dimension {s} at index {i} of shape {shape}")
    if numel == newsize or (infer is not None and newsize > 0 and numel % newsize == 0):
        if infer is not None:
            if newsize == 0:
                raise RuntimeError(
                    f"cannot reshape tensor of 0 elements into shape {shape} because the "
                    "unspecified dimension size -1 can be any value and is ambiguous")
            shape[infer] = numel // newsize
        return tuple(shape)
    raise RuntimeError(f"shape '{shape}' is invalid for input of size {numel}")


def _reshaped(d: np.ndarray, shape: tuple):
    """``d`` reshaped without copying, or None when strides do not allow it; checks the shape."""
    try:
        out = np.reshape(d, shape, copy=False)
    except (ValueError, TypeError):
        try:
            out = np.reshape(d, infer_size(shape, d.size), copy=False)  # PyTorch's error first
        except ValueError:
            return None
    if out.shape != shape and min(shape) < -1:
        infer_size(shape, d.size)  # numpy also infers other negative sizes: refuse them
    return out


# ------------------------------------------------------------------------ reshape / view
@derivative("view", complex_ok=True)
def ViewBackward0(node, F, g):
    # a view only relabels the elements: reshape the gradient back
    return (F.reshape(g, node._args),)


@derivative("reshape_alias", complex_ok=True)
def ReshapeAliasBackward0(node, F, g):
    return (F.reshape(g, node._args),)


@derivative("unsafe_view", complex_ok=True)
def UnsafeViewBackward0(node, F, g):
    return (F.reshape(g, node._args),)


@register("reshape")
def reshape(input: Tensor, *shape) -> Tensor:
    """The elements of ``input`` in ``shape`` (-1 inferred); a view when strides allow."""
    if len(shape) == 1 and shape[0].__class__ is not int:
        shape = _shape_arg(shape)
    d = input._data
    if d.flags.c_contiguous:
        try:
            out = d.reshape(shape)
        except (ValueError, TypeError):
            infer_size(shape, d.size)
            raise
        if out.shape != shape and min(shape) < -1:
            infer_size(shape, d.size)  # numpy also infers other negative sizes: refuse them
        return _view(ViewBackward0, out, input, d.shape)
    out = _reshaped(d, shape)
    if out is not None:
        return _view(ReshapeAliasBackward0, out, input, d.shape)
    # PyTorch: a contiguous clone, then an unsafe (non-aliasing) view of the clone
    from .conversion import clone

    c = clone(input)
    return record(UnsafeViewBackward0, c._data.reshape(infer_size(shape, d.size)), (c,),
                  args=d.shape)


_VIEW_INCOMPATIBLE = (
    "view size is not compatible with input tensor's size and stride (at least one dimension "
    "spans across two contiguous subspaces). Use .reshape(...) instead.")


def view(input: Tensor, *shape) -> Tensor:
    """A view of ``input`` in ``shape`` (-1 inferred), or of its memory as another dtype."""
    if len(shape) == 1 and shape[0].__class__ is not int:
        if isinstance(shape[0], DType):
            return _view_dtype(input, shape[0])
        shape = _shape_arg(shape)
    d = input._data
    if d.flags.c_contiguous:
        try:
            out = d.reshape(shape)
        except (ValueError, TypeError):
            infer_size(shape, d.size)
            raise
        if out.shape != shape and min(shape) < -1:
            infer_size(shape, d.size)
    else:
        out = _reshaped(d, shape)
        if out is None:
            raise RuntimeError(_VIEW_INCOMPATIBLE)
    return _view(ViewBackward0, out, input, d.shape)


register("view", function=False)(view)

_SCALAR_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
                 "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
                 "bool": "Bool", "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def _view_dtype(input: Tensor, dt: DType) -> Tensor:
    """``input``'s memory read as ``dt``; the last dimension scales with the element size."""
    d = input._data
    old, new = d.dtype.itemsize, dt.itemsize
    if old != new:
        what = (f"to view {_SCALAR_NAMES[input.dtype.name]} as {_SCALAR_NAMES[dt.name]} "
                "(different element sizes)")
        if d.ndim == 0:
            raise RuntimeError(f"self.dim() cannot be 0 {what}")
        strides = input.stride()
        if new > old and d.shape[-1] % (new // old):
            raise RuntimeError(f"self.size(-1) must be divisible by {new // old} {what}, but "
                               f"got {d.shape[-1]}")
        if strides[-1] != 1 and d.shape[-1] != 1:
            raise RuntimeError(f"self.stride(-1) must be 1 {what}, but got {strides[-1]}")
        if new > old:
            for i, s in enumerate(strides[:-1]):
                if s % (new // old):
                    raise RuntimeError(f"self.stride({i}) must be divisible by {new // old} "
                                       f"{what}, but got {s}")
    out = make(d.view(dt.np))
    out._vc = input._version_counter()  # not differentiable, but the same memory
    return out


def view_as(input: Tensor, other: Tensor) -> Tensor:
    """``input.view(other.shape)``."""
    return view(input, other._data.shape)


def reshape_as(input: Tensor, other: Tensor) -> Tensor:
    """``input.reshape(other.shape)``."""
    return reshape(input, other._data.shape)


register("view_as", function=False)(view_as)
register("reshape_as", function=False)(reshape_as)


@register("flatten")
def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Dimensions ``start_dim``..``end_dim`` merged into one (``input`` itself if only one)."""
    d = input._data
    if d.ndim == 0:
        return reshape(input, (1,))
    s, e = wrap_dim(start_dim, d.ndim), wrap_dim(end_dim, d.ndim)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    if s == 0 and e == d.ndim - 1:
        return reshape(input, (d.size,))
    shape = d.shape
    return reshape(input, shape[:s] + (-1,) + shape[e + 1:])


@register("ravel")
def ravel(input: Tensor) -> Tensor:
    """The elements as a 1-D tensor (``contiguous().view(-1)``)."""
    from .conversion import contiguous

    return view(contiguous(input), -1)


@register("unflatten")
def unflatten(input: Tensor, dim: int, sizes) -> Tensor:
    """Dimension ``dim`` split into ``sizes`` (one may be -1)."""
    d = input._data
    dim = wrap_dim(dim, d.ndim)
    sizes = tuple(int(s) for s in sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    if d.ndim == 0:
        raise RuntimeError("unflatten got an unexpected error:\n"
                           "unflatten: cannot unflatten a 0-dim tensor")
    n = d.shape[dim]
    try:
        inferred = infer_size(sizes, n)
    except RuntimeError as e:
        if -1 in sizes and sizes.count(-1) > 1:
            raise RuntimeError(f"unflatten got an unexpected error:\n{e}") from None
        raise RuntimeError(
            f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim "
            f"{dim} ({n}) in the input tensor") from None
    return view(input, d.shape[:dim] + inferred + d.shape[dim + 1:])


# ------------------------------------------------------------------- squeeze / unsqueeze
@derivative("squeeze", complex_ok=True)
def SqueezeBackward0(node, F, g):
    # put the removed size-1 dimensions back
    return (F.reshape(g, node._args),)


@derivative("squeeze", 1, complex_ok=True)
def SqueezeBackward1(node, F, g):
    return (F.reshape(g, node._args),)


@derivative("squeeze", 2, complex_ok=True)
def SqueezeBackward2(node, F, g):
    return (F.reshape(g, node._args),)


@register("squeeze")
def squeeze(input: Tensor, dim=None) -> Tensor:
    """``input`` without its size-1 dimensions (only those in ``dim`` when given)."""
    d = input._data
    shape = d.shape
    if dim is None:
        return _view(SqueezeBackward0, d.squeeze(), input, shape)
    if isinstance(dim, (int, np.integer)):
        dim = wrap_dim(int(dim), d.ndim)
        out = d.squeeze(dim) if d.ndim and shape[dim] == 1 else d.view()
        return _view(SqueezeBackward1, out, input, shape)
    dims = [wrap_dim(int(i), d.ndim) for i in dim]
    if len(set(dims)) != len(dims):
        dup = next(i for i in dims if dims.count(i) > 1)
        raise RuntimeError(f"dim {dup} appears multiple times in the list of dims")
    axes = tuple(i for i in dims if d.ndim and shape[i] == 1)
    return _view(SqueezeBackward2, d.squeeze(axes) if axes else d.view(), input, shape)


@derivative("unsqueeze", complex_ok=True)
def UnsqueezeBackward0(node, F, g):
    # drop the inserted size-1 dimension
    return (F.reshape(g, node._args),)


@register("unsqueeze")
def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """``input`` with a size-1 dimension inserted at ``dim``."""
    d = input._data
    shape = d.shape
    n = d.ndim + 1
    if dim < 0:
        dim += n
        if dim < 0:
            wrap_dim(dim - n, n)
    elif dim >= n:
        wrap_dim(dim, n)
    return _view(UnsqueezeBackward0, d.reshape(shape[:dim] + (1,) + shape[dim:]), input,
                 shape)


# -------------------------------------------------------------- transpose / permute / t
@derivative("transpose", complex_ok=True)
def TransposeBackward0(node, F, g):
    # swap the same two dimensions back
    if node._args is None:  # 0-d
        return (g,)
    a, b = node._args
    return (F.swapaxes(g, a, b),)


@register("transpose", "swapaxes", "swapdims")
def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """``input`` with dimensions ``dim0`` and ``dim1`` swapped."""
    d = input._data
    n = d.ndim
    a = dim0 + n if dim0 < 0 else dim0
    b = dim1 + n if dim1 < 0 else dim1
    if not (0 <= a < n and 0 <= b < n):
        a, b = wrap_dim(dim0, n), wrap_dim(dim1, n)
    if n == 0:
        return _view(TransposeBackward0, d.view(), input, None)
    return _view(TransposeBackward0, d.swapaxes(a, b), input, (a, b))


@derivative("permute", complex_ok=True)
def PermuteBackward0(node, F, g):
    # apply the inverse permutation
    dims = node._args
    n = len(dims)
    inv = [0] * n
    for i, p in enumerate(dims):
        inv[p % n] = i
    return (F.permute(g, tuple(inv)),)


def _permute_dims(dims, n: int) -> tuple:
    if len(dims) != n:
        raise RuntimeError(
            "permute(sparse_coo): number of dimensions in the tensor input does not match the "
            "length of the desired ordering of dimensions i.e. input.dim() = "
            f"{n} is not equal to len(dims) = {len(dims)}")
    res = tuple(wrap_dim(int(i), n) for i in dims)
    if len(set(res)) != n:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return res


@register("permute")
def permute(input: Tensor, *dims) -> Tensor:
    """``input`` with its dimensions reordered: result dim ``i`` is input dim ``dims[i]``."""
    if len(dims) == 1 and dims[0].__class__ is not int:
        dims = _shape_arg(dims)
    d = input._data
    try:
        out = d.transpose(dims)  # numpy checks the dims; on error, raise PyTorch's message
    except (ValueError, TypeError, IndexError):
        _permute_dims(dims, d.ndim)
        raise
    return _view(PermuteBackward0, out, input, dims)


@derivative("t", complex_ok=True)
def TBackward0(node, F, g):
    # transpose back (identity below 2-D)
    return (F.swapaxes(g, 0, 1) if node._args == 2 else g,)


@register("t")
def t(input: Tensor) -> Tensor:
    """The transpose of a matrix; 0-D and 1-D tensors are returned as they are (a view)."""
    d = input._data
    if d.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {d.ndim}D")
    return _view(TBackward0, d.T if d.ndim == 2 else d.view(), input, d.ndim)


_T_WARNING = (
    "The use of `x.T` on tensors of dimension other than 2 to reverse their shape is "
    "deprecated and it will throw an error in a future release. Consider `x.mT` to transpose "
    "batches of matrices or `x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the "
    "dimensions of a tensor.")


def _T(self: Tensor) -> Tensor:
    """All dimensions reversed (deprecated by PyTorch for other than 2-D)."""
    n = self._data.ndim
    if n > 2:
        warnings.warn(_T_WARNING, UserWarning, stacklevel=2)
    elif n == 0:
        warnings.warn("Tensor.T is deprecated on 0-D tensors. This function is the identity in "
                      "these cases.", UserWarning, stacklevel=2)
    return permute(self, tuple(range(n - 1, -1, -1)))


def _mT(self: Tensor) -> Tensor:
    """The last two dimensions swapped (a batch of matrices transposed)."""
    n = self._data.ndim
    if n < 2:
        raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. "
                           f"Got {n}-D tensor.")
    return transpose(self, -2, -1)


Tensor.T = property(_T)
Tensor.mT = property(_mT)


@register("movedim", "moveaxis")
def movedim(input: Tensor, source, destination) -> Tensor:
    """Dimensions ``source`` moved to positions ``destination``, the others kept in order."""
    n = input._data.ndim
    src = (source,) if isinstance(source, int) else tuple(source)
    dst = (destination,) if isinstance(destination, int) else tuple(destination)
    if len(src) != len(dst):
        raise RuntimeError(
            f"movedim: Invalid source or destination dims: source ({list(src)} dims) should "
            f"contain the same number of dims as destination ({list(dst)} dims)")
    ws = [wrap_dim(int(i), n) for i in src]
    wd = [wrap_dim(int(i), n) for i in dst]
    if len(set(ws)) != len(ws):
        raise RuntimeError(f"movedim: repeated dim in `source` ({list(src)})")
    if len(set(wd)) != len(wd):
        raise RuntimeError(f"movedim: repeated dim in `destination` ({list(dst)})")
    order = [i for i in range(n) if i not in ws]
    for d_, s_ in sorted(zip(wd, ws, strict=True)):
        order.insert(d_, s_)
    return permute(input, tuple(order))


# ---------------------------------------------------------------------------- expand
@derivative("expand", complex_ok=True)
def ExpandBackward0(node, F, g):
    # the engine sums g over the broadcast dimensions (node._meta)
    return (g,)


def _expand_shape(shape: tuple, sizes: tuple) -> tuple:
    n, m = len(shape), len(sizes)
    if m < n:
        raise RuntimeError(
            f"expand(torch.FloatTensor{{{list(shape)}}}, size={list(sizes)}): the number of "
            f"sizes provided ({m}) must be greater or equal to the number of dimensions in the "
            f"tensor ({n})")
    out = []
    for i, s in enumerate(sizes):
        s = int(s)
        j = i - (m - n)
        if j < 0:
            if s == -1:
                raise RuntimeError(f"The expanded size of the tensor (-1) isn't allowed in a "
                                   f"leading, non-existing dimension {i}")
        else:
            cur = shape[j]
            if s == -1:
                s = cur
            elif cur != s and cur != 1:
                raise RuntimeError(
                    f"The expanded size of the tensor ({s}) must match the existing size "
                    f"({cur}) at non-singleton dimension {i}.  Target sizes: {list(sizes)}.  "
                    f"Tensor sizes: {list(shape)}")
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: "
                               f"{list(sizes)}")
        out.append(s)
    return tuple(out)


def expand(input: Tensor, *sizes) -> Tensor:
    """``input`` broadcast to ``sizes`` without copying (-1 keeps a dimension)."""
    if len(sizes) == 1 and sizes[0].__class__ is not int:
        sizes = _shape_arg(sizes)
    d = input._data
    shape = d.shape
    if sizes != shape:
        sizes = _expand_shape(shape, sizes)
    out = np.broadcast_to(d, sizes) if sizes != shape else d.view()
    res = record(ExpandBackward0, out, (input,),
                 meta=((shape, input.dtype),) if sizes != shape else None)
    return _alias(res, input)


def expand_as(input: Tensor, other: Tensor) -> Tensor:
    """``input.expand(other.shape)``."""
    return expand(input, other._data.shape)


register("expand", function=False)(expand)
register("expand_as", function=False)(expand_as)


# ---------------------------------------------------------------------------- narrow
def _slice_array(g, dim: int, start: int, length: int):
    return g[(slice(None),) * dim + (slice(start, start + length),)]


def _slice_backward_array(g, shape: tuple, dim: int, start: int):
    out = np.zeros(shape, g.dtype)
    out[(slice(None),) * dim + (slice(start, start + g.shape[dim]),)] = g
    return out


def _slice_backward_tensor(g, shape: tuple, dim: int, start: int):
    from .join import cat

    after = shape[dim] - start - g.shape[dim]
    if start == 0 and after == 0:
        return g
    parts = []
    for n in (start, None, after):
        if n is None:
            parts.append(g)
        elif n:
            parts.append(make(np.zeros(shape[:dim] + (n,) + shape[dim + 1:], g._data.dtype)))
    return cat(parts, dim)


define_math("narrow", _slice_array, lambda g, dim, start, length: narrow(g, dim, start, length))
define_math("slice_backward", _slice_backward_array, _slice_backward_tensor)


@derivative("slice", complex_ok=True)
def SliceBackward0(node, F, g):
    # g in the narrowed window, zeros elsewhere
    shape, dim, start = node._args
    return (F.slice_backward(g, shape, dim, start),)


@register("narrow")
def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """The ``length`` elements of dimension ``dim`` from ``start`` (a view)."""
    d = input._data
    if d.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    start, length = int(start), int(length)
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    dim = wrap_dim(dim, d.ndim)
    size = d.shape[dim]
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], "
                         f"but got {start})")
    if start < 0:
        start += size
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size "
                           f"({size}).")
    return _view(SliceBackward0, _slice_array(d, dim, start, length), input,
                 (d.shape, dim, start))
