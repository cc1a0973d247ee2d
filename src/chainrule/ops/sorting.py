"""Order statistics: ``sort``, ``argsort``, ``msort``, ``topk``, ``kthvalue``, ``mode``, and
the running extrema ``cummax``/``cummin``.

Each returns values with the indices they came from, and its gradient goes back through those
indices (scattered, summed where an index repeats as in ``cummax``).

Ties. PyTorch's CPU kernels are C++ standard-library algorithms, and which of several equal
elements they report depends on the algorithm: ``sort`` is ``std::sort`` (an introsort, not
stable), ``topk`` is ``std::partial_sort`` or ``std::nth_element`` + ``std::sort``, ``mode``
sorts with ``std::sort``, ``kthvalue`` is Sedgewick's quickselect. A slice without ties has one
answer, taken from NumPy's stable sort; a slice with ties is replayed step by step with the same
algorithm (:class:`_Replay`, libstdc++'s, whose partition step is vectorised), so equal values
come out in PyTorch's order and the gradient reaches the same elements. (A 1-d integer tensor
of 32768 elements or more sorts ascending with a stable radix sort in PyTorch, as here.)
"""

from __future__ import annotations

import numpy as np

from ..autograd.graph import derivative
from ._core import Tensor, make, record, register, wrap_dim
from .extrema import _return_type, _to_index
from .reduction import torch_type_name

__all__ = ["sort", "argsort", "msort", "topk", "kthvalue", "mode", "cummax", "cummin",
           "RETURN_TYPES", "along"]

#: the named tuples returned by the ops of this family
RETURN_TYPES = {name: _return_type(name, ("values", "indices"))
                for name in ("sort", "topk", "kthvalue", "mode", "cummax", "cummin")}

_NOT_GIVEN = object()  # ``sort(stable=...)`` not given: PyTorch then picks another overload
_THRESHOLD = 16  # libstdc++'s _S_threshold: introsort leaves ranges this short to insertion
_RADIX_MIN = 32768  # at::internal::GRAIN_SIZE: from here a 1-d integer sort is a radix sort


# ----------------------------------------------------------------------------- gradients
def along(idx: np.ndarray, dim: int) -> tuple:
    """The NumPy index that takes ``idx[i, j, ...]`` along ``dim``, the position elsewhere."""
    out = []
    for d in range(idx.ndim):
        if d == dim:
            out.append(idx)
        else:
            shape = [1] * idx.ndim
            shape[d] = idx.shape[d]
            out.append(np.arange(idx.shape[d]).reshape(shape))
    return tuple(out)


def _scatter_back(node, F, g):
    # each value's gradient goes back to the element its index names (summed where repeated)
    shape, dim, index = node._args
    if not shape:
        return (g,)
    return (F.index_add(shape, along(index, dim), g, g),)


SortBackward0 = derivative("sort", 0)(_scatter_back)
SortBackward1 = derivative("sort", 1)(_scatter_back)
TopkBackward0 = derivative("topk")(_scatter_back)
CummaxBackward0 = derivative("cummax")(_scatter_back)
CumminBackward0 = derivative("cummin")(_scatter_back)
KthvalueBackward0 = derivative("kthvalue")(_to_index)
ModeBackward0 = derivative("mode")(_to_index)


# ------------------------------------------------------------------- libstdc++ replayed
class _Replay:
    """libstdc++'s ``std::sort``, ``nth_element`` and ``partial_sort`` on one slice.

    ``a`` holds the keys (the comparison is ``a[i] < a[j]``), ``p`` the original positions,
    moved along with them. Heaps work on Python lists; the partition step on arrays.
    """

    def __init__(self, key: np.ndarray):
        self.a = key.copy()
        self.p = np.arange(key.shape[0])

    # --- introsort's pieces
    def _swap(self, i: int, j: int) -> None:
        a, p = self.a, self.p
        a[i], a[j] = a[j], a[i]
        p[i], p[j] = p[j], p[i]

    def _median_to_first(self, x: int, y: int, z: int, first: int) -> None:
        a = self.a
        if a[x] < a[y]:
            self._swap(first, y if a[y] < a[z] else z if a[x] < a[z] else x)
        else:
            self._swap(first, x if a[x] < a[z] else z if a[y] < a[z] else y)

    def _partition(self, first: int, last: int) -> int:
        """``__unguarded_partition_pivot``: Hoare partition around a median of three.

        The scans stop at the elements that are not < pivot (left) and not > pivot (right);
        computed on the untouched slice, the k-th swap exchanges the k-th stop of each scan
        for as long as they have not crossed. Returns where the right part starts.
        """
        mid = first + (last - first) // 2
        self._median_to_first(first + 1, mid, last - 1, first)
        a, p, pv = self.a, self.p, self.a[first]
        seg = a[first + 1:last]
        lstop = np.flatnonzero(~(seg < pv)) + first + 1
        rstop = (np.flatnonzero(~(pv < seg)) + first + 1)[::-1]
        m = min(lstop.size, rstop.size)
        ok = lstop[:m] < rstop[:m]
        s = m if ok.all() else int(np.argmin(ok))
        if s:
            lo, hi = lstop[:s], rstop[:s]
            a[lo], a[hi] = a[hi], a[lo].copy()
            p[lo], p[hi] = p[hi], p[lo].copy()
        ends = ([int(lstop[s])] if s < lstop.size else []) + ([int(rstop[s - 1])] if s else [])
        return min(ends) if ends else last - 1

    def _introsort(self, first: int, last: int, depth: int) -> None:
        while last - first > _THRESHOLD:
            if depth == 0:
                self._heapsort(first, last)
                return
            depth -= 1
            cut = self._partition(first, last)
            self._introsort(cut, last, depth)
            last = cut

    def _stable(self, first: int, last: int) -> None:
        """Insertion sort of a range whose blocks are already in order: a stable sort."""
        o = np.argsort(self.a[first:last], kind="stable") + first
        self.a[first:last] = self.a[o]
        self.p[first:last] = self.p[o]

    def sort(self, first: int, last: int) -> None:
        """``std::sort``: introsort, then one insertion sort over the whole range."""
        if last - first > 1:
            self._introsort(first, last, 2 * ((last - first).bit_length() - 1))
            self._stable(first, last)

    def nth_element(self, first: int, nth: int, last: int) -> None:
        """``std::nth_element``: introselect, insertion sort of the last short range."""
        if first == last or nth == last:
            return
        depth = 2 * ((last - first).bit_length() - 1)
        while last - first > 3:
            if depth == 0:
                a, p = self.a[first:last].tolist(), self.p[first:last].tolist()
                _heap_select(a, p, nth + 1 - first, last - first)
                k = nth - first
                a[0], a[k], p[0], p[k] = a[k], a[0], p[k], p[0]
                self.a[first:last], self.p[first:last] = a, p
                return
            depth -= 1
            cut = self._partition(first, last)
            if cut <= nth:
                first = cut
            else:
                last = cut
        self._stable(first, last)

    def _heapsort(self, first: int, last: int) -> None:
        a, p = self.a[first:last].tolist(), self.p[first:last].tolist()
        _make_heap(a, p, len(a))
        _sort_heap(a, p, len(a))
        self.a[first:last], self.p[first:last] = a, p

    def partial_sort(self, middle: int) -> None:
        """``std::partial_sort`` of the whole slice up to ``middle``."""
        a, p = self.a.tolist(), self.p.tolist()
        _heap_select(a, p, middle, len(a))
        _sort_heap(a, p, middle)
        self.a[:], self.p[:] = a, p

    def sort_literal(self) -> None:
        """``std::sort`` replayed to the end (the final insertion sort too): for comparisons
        that are not a strict weak order, NaN under ``<``."""
        n = self.a.shape[0]
        if n < 2:
            return
        self._introsort(0, n, 2 * (n.bit_length() - 1))
        a, p = self.a.tolist(), self.p.tolist()
        for i in range(1, n):
            v, pv = a[i], p[i]
            if i < _THRESHOLD and v < a[0]:
                a[1:i + 1], p[1:i + 1] = a[:i], p[:i]
                a[0], p[0] = v, pv
                continue
            j = i
            while j > 0 and v < a[j - 1]:
                a[j], p[j] = a[j - 1], p[j - 1]
                j -= 1
            a[j], p[j] = v, pv
        self.a[:], self.p[:] = a, p


def _push_heap(a: list, p: list, hole: int, top: int, v, pv) -> None:
    parent = (hole - 1) // 2
    while hole > top and a[parent] < v:
        a[hole], p[hole] = a[parent], p[parent]
        hole = parent
        parent = (hole - 1) // 2
    a[hole], p[hole] = v, pv


def _adjust_heap(a: list, p: list, hole: int, n: int, v, pv) -> None:
    top = second = hole
    while second < (n - 1) // 2:
        second = 2 * (second + 1)
        if a[second] < a[second - 1]:
            second -= 1
        a[hole], p[hole] = a[second], p[second]
        hole = second
    if n % 2 == 0 and second == (n - 2) // 2:
        second = 2 * (second + 1)
        a[hole], p[hole] = a[second - 1], p[second - 1]
        hole = second - 1
    _push_heap(a, p, hole, top, v, pv)


def _make_heap(a: list, p: list, n: int) -> None:
    for parent in range((n - 2) // 2, -1, -1):
        _adjust_heap(a, p, parent, n, a[parent], p[parent])


def _pop_heap(a: list, p: list, last: int, result: int) -> None:
    v, pv = a[result], p[result]
    a[result], p[result] = a[0], p[0]
    _adjust_heap(a, p, 0, last, v, pv)


def _sort_heap(a: list, p: list, n: int) -> None:
    for last in range(n - 1, 0, -1):
        _pop_heap(a, p, last, last)


def _heap_select(a: list, p: list, middle: int, n: int) -> None:
    _make_heap(a, p, middle)
    for i in range(middle, n):
        if a[i] < a[0]:
            _pop_heap(a, p, middle, i)


def _quickselect(key: np.ndarray, k: int) -> int:
    """PyTorch's ``quick_select_template`` (Sedgewick): the position put at ``k``."""
    a, p = key.tolist(), list(range(key.shape[0]))

    def swap(i: int, j: int) -> None:
        a[i], a[j], p[i], p[j] = a[j], a[i], p[j], p[i]

    lo, hi = 0, len(a) - 1
    while hi > lo:
        if hi == lo + 1:
            if a[lo] > a[hi]:
                swap(lo, hi)
            break
        swap((lo + hi) >> 1, lo + 1)
        if a[lo + 1] > a[hi]:
            swap(lo + 1, hi)
        if a[lo] > a[hi]:
            swap(lo, hi)
        if a[lo + 1] > a[lo]:
            swap(lo + 1, lo)
        i, j, piv = lo + 1, hi, a[lo]
        while True:
            i += 1
            while piv > a[i]:
                i += 1
            j -= 1
            while a[j] > piv:
                j -= 1
            if j < i:
                break
            swap(i, j)
        swap(lo, j)
        if j <= k:
            lo = i
        if j >= k:
            hi = j - 1
    return p[k]


# ------------------------------------------------------------------------------ helpers
def _ranks(d: np.ndarray, descending: bool = False) -> np.ndarray:
    """Integer keys ordering ``d`` as PyTorch compares it: equal values share a key, NaN
    above everything (below, negated, for a descending order)."""
    if d.dtype == np.bool_:
        r = d.astype(np.int64)
    else:
        r = np.unique(d.reshape(-1), return_inverse=True)[1].reshape(d.shape).astype(np.int64)
    return -r if descending else r


def _tied(sorted_keys: np.ndarray, upto: int | None = None) -> np.ndarray:
    """Rows (over the last axis) with two equal neighbours among the first ``upto`` keys
    (NaN equal to NaN)."""
    s = sorted_keys if upto is None else sorted_keys[..., :upto]
    eq = s[..., 1:] == s[..., :-1]
    if s.dtype.kind == "f":
        eq |= np.isnan(s[..., 1:]) & np.isnan(s[..., :-1])
    return eq.any(axis=-1)


def _check_dtype(d: np.ndarray, name: str, kernel: str | None = None) -> None:
    if d.dtype.kind == "c":
        if kernel is None:
            raise RuntimeError(f" {name} does not support complex dtypes on CPU")
        raise NotImplementedError(f'"{kernel}" not implemented for \'{torch_type_name(d)}\'')


def _int_arg(v, op: str, arg: str, pos: int) -> int:
    if not isinstance(v, (int, np.integer)) or isinstance(v, bool):
        raise TypeError(f"{op}(): argument '{arg}' (position {pos}) must be int, not "
                        f"{type(v).__name__}")
    return int(v)


def _last(d: np.ndarray, dim: int) -> np.ndarray:
    return np.moveaxis(d, dim, -1)


# --------------------------------------------------------------------------------- sort
def _sort_order(d: np.ndarray, dim: int, descending: bool, stable: bool) -> np.ndarray:
    """The indices PyTorch's CPU sort returns along ``dim`` (ties in its order)."""
    x = _last(d, dim)
    n = x.shape[-1]
    # ascending, NumPy's stable sort already puts NaN last and keeps -0.0 == 0.0
    key = _ranks(x, True) if descending else x
    order = np.argsort(key, axis=-1, kind="stable")
    radix = (d.ndim == 1 and n >= _RADIX_MIN and d.dtype.kind in "iu" and not descending)
    if not stable and not radix and n > _THRESHOLD:
        rows = np.argwhere(_tied(np.take_along_axis(key, order, -1)))
        for r in map(tuple, rows):
            rep = _Replay(key[r] if descending else _ranks(x[r]))
            rep.sort(0, n)
            order[r] = rep.p
    return np.moveaxis(order, -1, dim)


def _sort(input: Tensor, dim: int, descending: bool, stable: bool, cls, name: str):
    d = input._data
    _check_dtype(d, "Sort")
    dim = wrap_dim(_int_arg(dim, name, "dim", 2), d.ndim)
    if d.ndim == 0:
        index = np.zeros((), np.int64)
        values = d.copy()
    else:
        index = _sort_order(d, dim, bool(descending), bool(stable)).astype(np.int64)
        values = np.take_along_axis(d, index, axis=dim)
    res = record(cls, values, (input,), args=(d.shape, dim, index))
    return res, make(index)


@register("sort")
def sort(input: Tensor, dim: int = -1, descending: bool = False, *, stable=_NOT_GIVEN):
    """``(values, indices)`` sorted along ``dim``; NaN sorts as the largest value."""
    cls = SortBackward0 if stable is _NOT_GIVEN else SortBackward1
    stable = bool(stable) if stable is not _NOT_GIVEN and stable is not None else False
    return RETURN_TYPES["sort"](*_sort(input, dim, descending, stable, cls, "sort"))


@register("argsort")
def argsort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False
            ) -> Tensor:
    """The indices that sort ``input`` along ``dim`` (those of :func:`sort`)."""
    d = input._data
    _check_dtype(d, "Sort")
    dim = wrap_dim(_int_arg(dim, "argsort", "dim", 2), d.ndim)
    if d.ndim == 0:
        return make(np.zeros((), np.int64))
    return make(_sort_order(d, dim, bool(descending), bool(stable)).astype(np.int64))


@register("msort")
def msort(input: Tensor) -> Tensor:
    """``input`` sorted along its first dim (the values of ``sort(input, 0)``)."""
    return _sort(input, 0, False, False, SortBackward0, "msort")[0]


# --------------------------------------------------------------------------------- topk
def _topk_order(x: np.ndarray, k: int, largest: bool, sorted: bool) -> np.ndarray:
    """Indices of PyTorch's top ``k`` along the last axis of ``x``."""
    n = x.shape[-1]
    key = _ranks(x, largest)  # ``key`` ascending is the order of the result
    order = np.argsort(key, axis=-1, kind="stable")
    heap = k * 64 <= n  # PyTorch's switch to std::partial_sort
    if heap or sorted:
        rows = np.argwhere(_tied(np.take_along_axis(key, order, -1), min(k + 1, n)))
    else:  # nth_element leaves the first k in its own order, ties or not
        rows = np.argwhere(np.ones(x.shape[:-1], bool))
    order = order[..., :k].copy()
    for r in map(tuple, rows):
        rep = _Replay(key[r])
        if heap:
            rep.partial_sort(k)
        else:
            rep.nth_element(0, k - 1, n)
            if sorted:
                rep.sort(0, k - 1)
        order[r] = rep.p[:k]
    return order


@register("topk")
def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):  # noqa: A002
    """The ``k`` largest (or smallest) elements along ``dim``, as ``(values, indices)``."""
    d = input._data
    k = _int_arg(k, "topk", "k", 2)
    dim = wrap_dim(_int_arg(dim, "topk", "dim", 3), d.ndim)
    if not 0 <= k <= (d.shape[dim] if d.ndim else 1):
        raise RuntimeError("selected index k out of range")
    _check_dtype(d, "topk")
    if d.dtype == np.bool_:
        raise RuntimeError("topk does not support bool dtypes on CPU")
    if d.ndim == 0:
        index = np.zeros((), np.int64)
        values = d.copy()
    else:
        x = _last(d, dim)
        if k == 0 or x.size == 0:
            index = np.zeros(x.shape[:-1] + (k,), np.int64)
        else:
            index = _topk_order(x, k, bool(largest), bool(sorted)).astype(np.int64)
        index = np.moveaxis(index, -1, dim)
        values = np.take_along_axis(d, index, axis=dim)
    res = record(TopkBackward0, values, (input,), args=(d.shape, dim, index))
    return RETURN_TYPES["topk"](res, make(index))


# ---------------------------------------------------------------- kthvalue / mode
def _reduction_dim(input: Tensor, dim, name: str, pos: int) -> tuple[np.ndarray, int]:
    d = input._data
    dim = wrap_dim(_int_arg(dim, name, "dim", pos), d.ndim)
    if d.ndim and d.shape[dim] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {dim} to have non-zero size.")
    return d, dim


def _by_index(name: str, cls, input: Tensor, d: np.ndarray, dim: int, index: np.ndarray,
              keepdim: bool):
    """``(values, indices)`` from ``index`` (keepdim-shaped) along ``dim``."""
    values = np.take_along_axis(d, index, axis=dim)
    args = (d.shape, dim, keepdim, index)
    if not keepdim:
        values, index = values.squeeze(dim), index.squeeze(dim)
    res = record(cls, values, (input,), args=args)
    return RETURN_TYPES[name](res, make(index.astype(np.int64, copy=False)))


def _scalar_result(name: str, cls, input: Tensor, d: np.ndarray, keepdim: bool):
    res = record(cls, d.copy(), (input,), args=((), 0, keepdim, np.zeros((), np.int64)))
    return RETURN_TYPES[name](res, make(np.zeros((), np.int64)))


@register("kthvalue")
def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False):
    """The ``k``-th smallest element along ``dim`` and its index, as ``(values, indices)``."""
    k = _int_arg(k, "kthvalue", "k", 2)
    d, dim = _reduction_dim(input, dim, "kthvalue", 3)
    _check_dtype(d, "kthvalue", "kthvalue_cpu")
    if d.dtype == np.bool_:
        raise NotImplementedError('"kthvalue_cpu" not implemented for \'Bool\'')
    n = d.shape[dim] if d.ndim else 1
    if not 0 < k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {dim}")
    if d.ndim == 0:
        return _scalar_result("kthvalue", KthvalueBackward0, input, d, keepdim)
    x = _last(d, dim)
    key = _ranks(x)
    order = np.argsort(key, axis=-1, kind="stable")
    sk = np.take_along_axis(key, order, -1)
    lo, hi = max(k - 2, 0), min(k + 1, n)  # the k-th key and its neighbours
    index = order[..., k - 1].copy()
    for r in map(tuple, np.argwhere(_tied(sk[..., lo:hi]))):
        index[r] = _quickselect(key[r], k - 1)
    return _by_index("kthvalue", KthvalueBackward0, input, d, dim,
                     np.expand_dims(index, dim), keepdim)


@register("mode")
def mode(input: Tensor, dim: int = -1, keepdim: bool = False):
    """The most frequent value along ``dim`` (the smallest of equally frequent ones) and an
    index where it occurs, as ``(values, indices)``."""
    d, dim = _reduction_dim(input, dim, "mode", 2)
    _check_dtype(d, "mode", "mode_cpu")
    if d.ndim == 0:
        return _scalar_result("mode", ModeBackward0, input, d, keepdim)
    x = _last(d, dim)
    n = x.shape[-1]
    # the arrangement std::sort leaves (compared by value only): stable where that is the same
    key = _ranks(x)
    order = np.argsort(key, axis=-1, kind="stable")
    nan = np.isnan(x).any(axis=-1) if x.dtype.kind == "f" else np.zeros(x.shape[:-1], bool)
    redo = nan | (_tied(np.take_along_axis(key, order, -1)) & (n > _THRESHOLD))
    for r in map(tuple, np.argwhere(redo)):
        rep = _Replay(x[r] if nan[r] else key[r])
        rep.sort_literal() if nan[r] else rep.sort(0, n)
        order[r] = rep.p
    v = np.take_along_axis(x, order, -1)
    # runs of equal values; the longest (first of equally long) wins, at its last element
    pos = np.arange(n)
    start = np.concatenate([np.ones(v.shape[:-1] + (1,), bool), v[..., 1:] != v[..., :-1]], -1)
    end = np.concatenate([v[..., 1:] != v[..., :-1], np.ones(v.shape[:-1] + (1,), bool)], -1)
    first = np.maximum.accumulate(np.where(start, pos, 0), axis=-1)
    length = np.where(end, pos - first + 1, 0)
    at = np.expand_dims(np.argmax(length, axis=-1), -1)
    index = np.take_along_axis(order, at, -1)
    return _by_index("mode", ModeBackward0, input, d, dim, np.moveaxis(index, -1, dim),
                     keepdim)


# ---------------------------------------------------------------------- cummax / cummin
def _cumulative_extremum(input: Tensor, dim: int, name: str, fn, cls):
    d = input._data
    dim = wrap_dim(_int_arg(dim, name, "dim", 2), d.ndim)
    _check_dtype(d, name, f"{name}_cpu")
    if d.ndim == 0:
        values, index = d.copy(), np.zeros((), np.int64)
    else:
        values = fn.accumulate(d, axis=dim)
        # the index moves to every element that equals the running extremum (the last of equal
        # ones), and to every NaN
        hit = d == values
        if d.dtype.kind == "f":
            hit |= np.isnan(d)
        pos = np.arange(d.shape[dim]).reshape((-1,) + (1,) * (d.ndim - dim - 1))
        index = np.maximum.accumulate(np.where(hit, pos, 0), axis=dim).astype(np.int64)
    res = record(cls, values, (input,), args=(d.shape, dim, index))
    return RETURN_TYPES[name](res, make(index))


@register("cummax")
def cummax(input: Tensor, dim: int):
    """The running maximum along ``dim`` and where it was last attained."""
    return _cumulative_extremum(input, dim, "cummax", np.maximum, CummaxBackward0)


@register("cummin")
def cummin(input: Tensor, dim: int):
    """The running minimum along ``dim`` and where it was last attained."""
    return _cumulative_extremum(input, dim, "cummin", np.minimum, CumminBackward0)

