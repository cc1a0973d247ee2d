"""Indexing: ``x[idx]`` and ``x[idx] = v``, with PyTorch's semantics.

An index is applied in two stages, as PyTorch does:

1. *Basic* items (ints, slices, ``None``, ``...``) are applied left to right and give a view
   ``V`` of the input (its ``_data`` a NumPy view, sharing the version counter). An int
   removes its dimension *before* any advanced index is looked at, which is where PyTorch
   differs from NumPy (``x[0, :, [0, 1]]`` has shape ``(4, 2)`` for ``x`` of shape
   ``(3, 4, 5)``, not ``(2, 4)``).
2. *Advanced* items (int tensors, lists, bool masks) then index ``V`` with NumPy's rules,
   which match PyTorch's once only slices and index arrays remain. The result is a copy.

The derivative scatters the gradient back: ``F.index_add`` adds it into zeros at the indexed
positions, so repeated indices accumulate. Its tensor version is an op of its own
(``IndexPutImplBackward0``), whose derivative is indexing again, so that every order of
derivative through indexing is available.

``x[idx] = v`` writes in place (through :func:`~._inplace_core.rebase_inplace`): ``x``
becomes the output of a ``CopySlices`` node (``IndexPutBackward0`` for advanced indices
alone, ``FillBackward3``/``CopyBackwards`` when the whole tensor is written) whose inputs are
``x``'s old history and ``v``.
"""

from __future__ import annotations

import operator
import warnings

import numpy as np

from ..autograd.engine import _type_name
from ..autograd.grad_mode import STATE
from ..autograd.graph import Node, derivative
from ._core import Tensor, make, record
from ._graphmath import define_math
from ._inplace_core import LEAF_MSG, VIEW_LEAF_MSG, CopySlices, rebase_inplace, refresh_view

__all__ = ["getitem", "setitem", "parse_index", "index_add_tensor", "dtype_word"]

_FULL = slice(None)
_NON_TUPLE_WARNING = (
    "Using a non-tuple sequence for multidimensional indexing is deprecated and will be "
    "changed in pytorch 2.9; use x[tuple(seq)] instead of x[seq]. In pytorch 2.9 this will be "
    "interpreted as tensor index, x[torch.tensor(seq)], which will result either in an error or "
    "a different result")
_UINT8_WARNING = ("indexing with dtype torch.uint8 is now deprecated, please use a dtype "
                  "torch.bool instead.")
_BAD_TENSOR = "tensors used as indices must be long, int, byte or bool tensors"
_WORDS = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
          "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
          "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def dtype_word(a: np.ndarray) -> str:
    """PyTorch's scalar-type word for an array's dtype (``Float``, ``Long``...)."""
    return _WORDS.get(a.dtype.name, a.dtype.name)


# ------------------------------------------------------------------ F.index_add, both ways
def _is_basic(index) -> bool:
    if isinstance(index, tuple):
        return not any(isinstance(i, (np.ndarray, list)) for i in index)
    return not isinstance(index, (np.ndarray, list))


def _add_at(shape: tuple, index, values: np.ndarray, dtype) -> np.ndarray:
    """Zeros of ``shape`` with ``values`` added at ``index`` (repeated positions sum)."""
    out = np.zeros(shape, dtype)
    if _is_basic(index):
        out[index] = values
    else:
        np.add.at(out, index, values)
    return out


def _index_add_array(shape, index, values, like=None):
    """Zeros of ``shape`` with ``values`` added at ``index`` (repeated indices sum)."""
    return _add_at(shape, index, values, (values if like is None else like).dtype)


@derivative("_index_put_impl")
def IndexPutImplBackward0(node, F, g):
    # d/dv (zeros with v added at index) = g[index]
    return (F.getitem(g, node._args),)


def index_add_tensor(shape: tuple, index, values: Tensor, like: Tensor | None = None) -> Tensor:
    """Differentiable ``F.index_add``: zeros of ``shape`` plus ``values`` added at ``index``."""
    d = values._data
    dt = d.dtype if like is None else like._data.dtype
    out = _add_at(tuple(shape), index, d, dt)
    meta = None
    idx_shape = _indexed_shape(tuple(shape), index)
    if d.shape != idx_shape or d.dtype != dt:
        meta = ((d.shape, values.dtype),)
    return record(IndexPutImplBackward0, out, (values,), args=index, meta=meta)


def _indexed_shape(shape: tuple, index) -> tuple:
    """The shape of ``a[index]`` for an array ``a`` of ``shape`` (NumPy semantics)."""
    dummy = np.lib.stride_tricks.as_strided(np.zeros(1, np.bool_), shape, (0,) * len(shape))
    return dummy[index].shape


define_math("index_add", _index_add_array, index_add_tensor)


# ------------------------------------------------------------------ parsing an index
def _tuple_like(seq: list) -> bool:
    """PyTorch's rule for a list index that is read as a tuple of indices (deprecated)."""
    if len(seq) >= 32:
        return False
    for it in seq:
        if it is None or it is Ellipsis or isinstance(it, (slice, Tensor, list, tuple,
                                                           np.ndarray, str)):
            return True
    return False


def _classify_array(d: np.ndarray):
    """``(kind, value)`` for an index given as an array (from a tensor, list or ndarray)."""
    k = d.dtype.kind
    if d.dtype == np.uint8:
        warnings.warn(_UINT8_WARNING, UserWarning, stacklevel=4)
        d = d.astype(bool)
        k = "b"
    if k == "b":
        return ("bool", bool(d)) if d.ndim == 0 else ("mask", d)
    if k in "iu":
        return ("int", int(d)) if d.ndim == 0 else ("adv", d)
    raise IndexError(_BAD_TENSOR)


def _classify(it):
    """``(kind, value)`` of one index item: int, slice, none, ell, bool, mask or adv."""
    if it is None:
        return ("none", None)
    if it is Ellipsis:
        return ("ell", None)
    if isinstance(it, (bool, np.bool_)):
        return ("bool", bool(it))
    if isinstance(it, Tensor):
        return _classify_array(it._data)
    if isinstance(it, (int, np.integer)):
        return ("int", int(it))
    if isinstance(it, slice):
        return ("slice", it)
    if isinstance(it, np.ndarray):
        return _classify_array(it)
    if isinstance(it, (list, tuple)):
        if len(it) == 0:
            return ("adv", np.zeros(0, np.int64))
        try:
            a = np.asarray([i._data if isinstance(i, Tensor) else i for i in it])
        except (ValueError, TypeError):
            raise IndexError(_BAD_TENSOR) from None
        if a.dtype.kind not in "biu":
            raise IndexError(_BAD_TENSOR)
        a = a.astype(np.int64) if a.dtype.kind in "iu" else a
        return _classify_array(a)
    if isinstance(it, str):
        raise TypeError("new(): invalid data type 'str'")
    if not isinstance(it, float) and hasattr(it, "__index__"):
        return ("int", operator.index(it))
    raise IndexError(
        "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
        f"valid indices (got {type(it).__name__})")


def _slice_bounds(sl: slice, n: int) -> slice:
    step = 1 if sl.step is None else operator.index(sl.step)
    if step == 0:
        raise ValueError("slice step cannot be zero")
    if step < 0:
        raise ValueError("step must be greater than zero")
    start = None if sl.start is None else operator.index(sl.start)
    stop = None if sl.stop is None else operator.index(sl.stop)
    start, stop, step = slice(start, stop, step).indices(n)
    return slice(start, max(stop, start), step)


class ParsedIndex:
    """An index split into PyTorch's two stages.

    ``basic``: a tuple of ints/slices/None giving the view ``V`` (None when ``V`` is the whole
    input); ``adv``: the tuple of slices and index arrays applied to ``V`` (None without
    advanced indices); ``name``: the op PyTorch's ``grad_fn`` is named after.
    """

    __slots__ = ("basic", "adv", "name")

    def __init__(self, basic, adv, name):
        self.basic = basic
        self.adv = adv
        self.name = name

    def view(self, data: np.ndarray) -> np.ndarray:
        """The basic stage applied to ``data``: always an array view (0-d included)."""
        if self.basic is None:
            return data
        return data[self.basic + (Ellipsis,)]


def parse_index(shape: tuple, key) -> ParsedIndex:
    """Split ``key`` for a tensor of ``shape``, raising PyTorch's errors for bad indices."""
    single = False
    if isinstance(key, tuple):
        items = key
    elif isinstance(key, list) and _tuple_like(key):
        warnings.warn(_NON_TUPLE_WARNING, UserWarning, stacklevel=3)
        items = tuple(key)
    else:
        items = (key,)
        single = True
    conv = [_classify(it) for it in items]
    ndim = len(shape)
    if single and ndim == 0:
        kind = conv[0][0]
        if kind == "int" and not isinstance(key, Tensor):
            raise IndexError(
                "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
        if kind == "slice":
            raise IndexError("slice() cannot be applied to a 0-dim tensor.")
    specified = 0
    for kind, val in conv:
        if kind in ("int", "slice", "adv"):
            specified += 1
        elif kind == "mask":
            specified += val.ndim
    if specified > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim}")

    basic: list = []
    adv: list = []
    dim = 0
    last = None
    trivial = True
    has_adv = False
    seen_ellipsis = False
    for pos, (kind, val) in enumerate(conv):
        if kind == "int":
            n = shape[dim]
            if not -n <= val < n:
                raise IndexError(
                    f"index {val} is out of bounds for dimension {pos} with size {n}")
            basic.append(val + n if val < 0 else val)
            dim += 1
            last, trivial = "select", False
        elif kind == "slice":
            n = shape[dim]
            sl = _slice_bounds(val, n)
            full = sl.start == 0 and sl.stop == n and sl.step == 1
            basic.append(_FULL if full else sl)
            adv.append(_FULL)
            dim += 1
            if not full:
                last, trivial = "slice", False
            elif single:
                last = "slice"
        elif kind == "none":
            basic.append(None)
            adv.append(_FULL)
            last, trivial = "unsqueeze", False
        elif kind == "ell":
            k = 0 if seen_ellipsis else ndim - specified
            seen_ellipsis = True
            basic.extend([_FULL] * k)
            adv.extend([_FULL] * k)
            dim += k
            if single:
                last = "alias"
        elif kind == "bool":
            basic.append(None)
            adv.append(np.array([val]))
            has_adv, trivial = True, False
        elif kind == "mask":
            basic.extend([_FULL] * val.ndim)
            adv.append(val)
            dim += val.ndim
            has_adv = True
        else:  # adv
            basic.append(_FULL)
            adv.append(val)
            dim += 1
            has_adv = True
    while basic and basic[-1] is _FULL:
        basic.pop()
    while adv and adv[-1] is _FULL:
        adv.pop()
    name = "index" if has_adv else (last or "alias")
    return ParsedIndex(None if trivial else tuple(basic), tuple(adv) if has_adv else None, name)


def _check_advanced(vshape: tuple, adv: tuple) -> None:
    """PyTorch's errors for masks of the wrong shape, indices out of range, bad broadcasts."""
    p = 0
    ordinal = 0
    shapes = []
    for e in adv:
        if e is _FULL:
            p += 1
            continue
        if e.dtype == np.bool_:
            for j in range(e.ndim):
                if p + j >= len(vshape) or e.shape[j] != vshape[p + j]:
                    raise IndexError(
                        f"The shape of the mask {list(e.shape)} at index {j} does not match the "
                        f"shape of the indexed tensor {list(vshape)} at index {p + j}")
            nz = int(np.count_nonzero(e))
            shapes.extend([[nz]] * e.ndim)
            p += e.ndim
            ordinal += e.ndim
            continue
        n = vshape[p]
        if e.size:
            bad = e[(e >= n) | (e < -n)]
            if bad.size:
                raise IndexError(
                    f"index {int(bad.flat[0])} is out of bounds for dimension {ordinal} with "
                    f"size {n}")
        shapes.append(list(e.shape))
        p += 1
        ordinal += 1
    try:
        np.broadcast_shapes(*[tuple(s) for s in shapes])
    except ValueError:
        raise IndexError("shape mismatch: indexing tensors could not be broadcast together with "
                         "shapes " + ", ".join(str(s) for s in shapes)) from None


# ------------------------------------------------------------------ x[idx]
def _getitem_rule(node, F, g):
    # scatter g back into zeros: the advanced stage (accumulating repeats), then the view
    xshape, basic, vshape, adv = node._args
    if adv is not None:
        g = F.index_add(vshape, adv, g, g)
    if basic is not None:
        g = F.index_add(xshape, basic, g, g)
    return (g,)


SelectBackward0 = derivative("select", complex_ok=True)(_getitem_rule)
SliceBackward0 = derivative("slice", complex_ok=True)(_getitem_rule)
UnsqueezeBackward0 = derivative("unsqueeze", complex_ok=True)(_getitem_rule)
AliasBackward0 = derivative("alias", complex_ok=True)(_getitem_rule)
IndexBackward0 = derivative("index", complex_ok=True)(_getitem_rule)
_NODES = {"select": SelectBackward0, "slice": SliceBackward0, "unsqueeze": UnsqueezeBackward0,
          "alias": AliasBackward0, "index": IndexBackward0}


def _own_index_arrays(adv: tuple) -> tuple:
    """Private copies of the index arrays (the node keeps them; the user's may change)."""
    return tuple(e if e is _FULL else np.array(e) for e in adv)


_ndarray = np.ndarray
_NONE_INT = (int, type(None))


def _fast_slice(sl: slice, n: int):
    """``sl`` normalised as :func:`_slice_bounds` does (``_FULL`` when it keeps all ``n``),
    or None when its bounds are not plain ints/None or its step is not a positive int."""
    step = sl.step
    if sl.start.__class__ not in _NONE_INT or sl.stop.__class__ not in _NONE_INT:
        return None
    if step is None:
        step = 1
    elif step.__class__ is not int or step <= 0:
        return None
    start, stop, step = sl.indices(n)
    if stop < start:
        stop = start
    if start == 0 and stop == n and step == 1:
        return _FULL
    return slice(start, stop, step)


def getitem(self: Tensor, key) -> Tensor:
    """``self[key]``: a view for ints/slices/None/``...``, a copy with advanced indices."""
    if self._base is not None:
        refresh_view(self)
    d = self._data
    if key.__class__ is int and d.ndim:  # fast path: x[i]
        n = d.shape[0]
        if not -n <= key < n:
            raise IndexError(f"index {key} is out of bounds for dimension 0 with size {n}")
        basic = (key + n if key < 0 else key,)
        v = d[basic + (Ellipsis,)]
        res = record(SelectBackward0, v, (self,), args=(d.shape, basic, v.shape, None))
        res._vc = self._version_counter()
        b = self._base
        res._base = self if b is None else b
        return res
    kc = key.__class__
    if kc is Tensor or kc is _ndarray:  # fast path: x[idx], idx a 1-D signed-int array
        k = key._data if kc is Tensor else key
        if k.ndim == 1 and k.dtype.kind == "i" and d.ndim:
            try:
                out = d[k]  # NumPy checks the bounds (PyTorch's message from the slow path)
            except IndexError:
                pass
            else:
                if self._rg and STATE.enabled and out.dtype.kind in "fc":
                    return record(IndexBackward0, out, (self,),
                                  args=(d.shape, None, d.shape, (k.copy(),)))
                return make(out)
    elif kc is slice and d.ndim:  # fast path: x[a:b:c], int or None bounds, step > 0
        sl = _fast_slice(key, d.shape[0])
        if sl is not None:
            full = sl is _FULL
            v = d if full else d[sl]
            res = record(SliceBackward0, v, (self,),
                         args=(d.shape, None if full else (sl,), v.shape, None))
            res._vc = self._version_counter()
            b = self._base
            res._base = self if b is None else b
            return res
    p = parse_index(d.shape, key)
    v = p.view(d)
    if p.adv is None:
        res = record(_NODES[p.name], v, (self,), args=(d.shape, p.basic, v.shape, None))
        res._vc = self._version_counter()
        b = self._base
        res._base = self if b is None else b
        return res
    _check_advanced(v.shape, p.adv)
    adv = _own_index_arrays(p.adv)
    out = v[adv]
    return record(IndexBackward0, out, (self,), args=(d.shape, p.basic, v.shape, adv))


# ------------------------------------------------------------------ x[idx] = value
class IndexPutBackward0(CopySlices):
    """``x[indices] = v`` with advanced indices only (PyTorch's ``index_put_``)."""

    name = Node.name


class FillBackward3(CopySlices):
    """``x[...] = number``: every element is overwritten."""

    name = Node.name


class CopyBackwards(CopySlices):
    """``x[...] = tensor``: every element is overwritten by the (broadcast) tensor."""

    def name(self) -> str:
        return "torch::autograd::CopyBackwards"


def _value_type(value) -> str:
    t = type(value)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__name__}"


def _strip_leading_ones(shape: tuple) -> tuple:
    i = 0
    while i < len(shape) and shape[i] == 1:
        i += 1
    return shape[i:]


def _check_value_shape(vt: Tensor, vs: tuple, target: tuple, advanced: bool,
                       self: Tensor) -> None:
    if advanced:
        if vt._data.dtype != self._data.dtype:
            raise RuntimeError(
                f"Index put requires the source and destination dtypes match, got "
                f"{dtype_word(self._data)} for the destination and {dtype_word(vt._data)} for "
                f"the source.")
        try:
            ok = np.broadcast_shapes(vs, target) == target
        except ValueError:
            ok = False
        if not ok:
            raise RuntimeError(
                f"shape mismatch: value tensor of shape {list(vt._data.shape)} cannot be "
                f"broadcast to indexing result of shape {list(target)}")
        return
    if len(vs) > len(target):
        raise RuntimeError(
            f"expand({_type_name(vt)}{{{list(vs)}}}, size={list(target)}): the number of sizes "
            f"provided ({len(target)}) must be greater or equal to the number of dimensions in "
            f"the tensor ({len(vs)})")
    for i in range(1, len(vs) + 1):
        if vs[-i] != 1 and vs[-i] != target[-i]:
            raise RuntimeError(
                f"The expanded size of the tensor ({target[-i]}) must match the existing size "
                f"({vs[-i]}) at non-singleton dimension {len(target) - i}.  Target sizes: "
                f"{list(target)}.  Tensor sizes: {list(vs)}")


def setitem(self: Tensor, key, value) -> None:
    """``self[key] = value`` in place (value a tensor or a number, broadcast), differentiably."""
    d = self._data
    vt = None
    if isinstance(value, Tensor):
        vt = value
    elif isinstance(value, (complex, np.complexfloating)) and d.dtype.kind != "c":
        raise RuntimeError(
            f"value cannot be converted to type {'double' if d.dtype == np.float64 else 'float'}"
            " without overflow")
    elif not isinstance(value, (bool, int, float, complex, np.number, np.bool_)):
        raise TypeError(f"can't assign a {_value_type(value)} to a {_type_name(self)}")
    p = parse_index(d.shape, key)
    v = p.view(d)
    adv = None
    target = v.shape
    if p.adv is not None:
        _check_advanced(v.shape, p.adv)
        adv = _own_index_arrays(p.adv)
        target = _indexed_shape(v.shape, adv)
    if vt is not None:
        vs = _strip_leading_ones(vt._data.shape)
        _check_value_shape(vt, vs, target, adv is not None, self)
        src = vt._data.reshape(vs)
    else:
        src = value
    basic = p.basic

    def write(data: np.ndarray) -> None:
        region = data if basic is None else data[basic + (Ellipsis,)]
        if adv is None:
            region[...] = src
        else:
            region[adv] = src

    trivial = basic is None
    if trivial and adv is None:
        cls = FillBackward3 if vt is None else CopyBackwards
    else:
        cls = IndexPutBackward0 if trivial else CopySlices
    args = meta = None
    if STATE.enabled and (self._rg or vt is not None and vt._rg):
        keep = np.ones(d.shape, dtype=bool)
        region = keep if basic is None else keep[basic + (Ellipsis,)]
        if adv is None:
            region[...] = False
        else:
            region[adv] = False
        stages = ([] if trivial else [basic]) + ([] if adv is None else [adv])
        lead = 0
        if vt is not None:
            lead = max(vt._data.ndim - len(target), 0)
            if vt._data.shape != target or vt._data.dtype != d.dtype:
                meta = (None, (vt._data.shape, vt.dtype))
        args = (keep, stages, lead)
    rebase_inplace(self, cls, write, (vt,), args=args, meta=meta,
                   leaf_msg=LEAF_MSG if trivial else VIEW_LEAF_MSG)


Tensor.__getitem__ = getitem
Tensor.__setitem__ = setitem
