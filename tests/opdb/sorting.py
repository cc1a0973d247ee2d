"""Op-database entries for sorting, searching, sets, counting, comparisons and the reductions
``nansum``/``nanmean``/``std_mean``/``var_mean``/``logcumsumexp``.

Samples with ties are compared with PyTorch only (``numerical=False``): which of several equal
elements a sort, ``topk``, ``kthvalue``, ``mode`` or ``cummax`` reports (and so where the
gradient goes) is PyTorch's choice, while a central difference averages over the tied ones.
Rows longer than 16 with ties exercise the replay of PyTorch's unstable algorithms; rows of
``topk`` with ``k * 64 <= n`` its partial-sort path.
"""

import numpy as np

from . import OpInfo, arr, ints, pos

_R = np.random.default_rng(77)


def _tied(*shape, k: int = 4) -> np.ndarray:
    """Floats drawn from ``k`` values: many ties."""
    return _R.integers(0, k, size=shape).astype(np.float64) - 1.5


def _with_nan(a: np.ndarray, every: int = 5) -> np.ndarray:
    a = a.copy()
    a.flat[::every] = np.nan
    return a


_TIES = np.array([[1.0, 3.0, 3.0, 0.5, 3.0], [2.0, -1.5, -1.5, 2.0, 0.25]])
_LONG_TIES = _tied(3, 40)   # rows past libstdc++'s insertion-sort threshold of 16
_HEAP_TIES = _tied(2, 130)  # topk with k * 64 <= 130 takes std::partial_sort
_NAN = _with_nan(arr(3, 20), 3)
_SEQ = np.sort(arr(7))
_SEQ2 = np.sort(arr(3, 5), axis=-1)
_NEAR = arr(3, 4)
_NEAR2 = _NEAR + np.array([[0, 1e-9, 1e-6, 1e-3]] * 3)

ENTRIES = [
    # ----------------------------------------------------------------------------- sort
    OpInfo("sort", lambda lib, x: lib.sort(x), [(arr(3, 5),), (arr(7),), (arr(),)]),
    OpInfo("sort", lambda lib, x: x.sort(0, True), [(arr(4, 3),), (arr(2, 3, 4),)],
           variant="dim-desc"),
    OpInfo("sort", lambda lib, x: x.sort(dim=-2, descending=False), [(arr(2, 3, 4),)],
           variant="neg-dim"),
    OpInfo("sort", lambda lib, x: lib.sort(x, stable=True, descending=True), [(arr(3, 5),)],
           variant="stable"),
    OpInfo("sort", lambda lib, x: (lib.sort(x), lib.sort(x, descending=True),
                                   lib.sort(x, dim=0, stable=True)),
           [(_TIES,), (_LONG_TIES,), (_NAN,)], numerical=False, variant="ties"),
    OpInfo("sort", lambda lib, x: (x.sort(), x.sort(0, True)),
           [(ints(4, 20),), (np.array([True, False, True, True]),),
            (ints(3, 30, high=2).astype(np.uint8),)], differentiable=False, variant="int"),
    OpInfo("sort", lambda lib, x: lib.sort(x, 0), [(arr(0, 3),)], variant="empty"),
    OpInfo("argsort", lambda lib, x: (lib.argsort(x), x.argsort(0, True),
                                      lib.argsort(x, stable=True, descending=True)),
           [(arr(3, 5),), (_LONG_TIES,), (_NAN,), (ints(3, 20),)], differentiable=False),
    OpInfo("msort", lambda lib, x: lib.msort(x), [(arr(4, 3),), (arr(5),), (arr(),)]),
    OpInfo("msort", lambda lib, x: x.msort(), [(_LONG_TIES.T.copy(),)], numerical=False,
           variant="ties"),
    # ----------------------------------------------------------------------------- topk
    OpInfo("topk", lambda lib, x: lib.topk(x, 2), [(arr(3, 5),), (arr(2, 3, 4),)]),
    OpInfo("topk", lambda lib, x: x.topk(3, 0, largest=False), [(arr(4, 3),)],
           variant="smallest"),
    OpInfo("topk", lambda lib, x: x.topk(k=3, dim=-1, sorted=False), [(arr(3, 6),)],
           variant="unsorted"),
    OpInfo("topk", lambda lib, x: (x.topk(2), x.topk(1, largest=False)), [(arr(2, 130),)],
           variant="heap"),
    OpInfo("topk", lambda lib, x: (x.topk(0), x.topk(5, -1)), [(arr(3, 5),)], variant="k0-all"),
    OpInfo("topk", lambda lib, x: x.topk(1), [(arr(),)], variant="scalar"),
    OpInfo("topk", lambda lib, x: (x.topk(3), x.topk(2, 0, False), x.topk(7, sorted=False),
                                   x.topk(7, largest=False, sorted=False)),
           [(np.tile(_TIES, (2, 2)),), (_LONG_TIES,), (_HEAP_TIES,), (_NAN,)],
           numerical=False, variant="ties"),
    OpInfo("topk", lambda lib, x: (x.topk(2), x.topk(3, 0, False)), [(ints(4, 20),)],
           differentiable=False, variant="int"),
    # ------------------------------------------------------------------------- kthvalue
    OpInfo("kthvalue", lambda lib, x: lib.kthvalue(x, 2), [(arr(3, 5),), (arr(2, 3, 4),)]),
    OpInfo("kthvalue", lambda lib, x: x.kthvalue(3, 0, True), [(arr(4, 3),)],
           variant="keepdim"),
    OpInfo("kthvalue", lambda lib, x: x.kthvalue(1), [(arr(),)], variant="scalar"),
    OpInfo("kthvalue", lambda lib, x: (x.kthvalue(2), x.kthvalue(5), x.kthvalue(20, -1, True),
                                       x.kthvalue(2, 0)),
           [(_LONG_TIES,), (_NAN,)], numerical=False, variant="ties"),
    OpInfo("kthvalue", lambda lib, x: x.kthvalue(3), [(ints(4, 20),)], differentiable=False,
           variant="int"),
    # ----------------------------------------------------------------------------- mode
    OpInfo("mode", lambda lib, x: lib.mode(x), [(arr(3, 5),), (arr(),)]),
    OpInfo("mode", lambda lib, x: x.mode(0, keepdim=True), [(arr(4, 3),)], variant="keepdim"),
    OpInfo("mode", lambda lib, x: (x.mode(), x.mode(0), x.mode(-1, True)),
           [(_TIES,), (_LONG_TIES,), (_NAN,), (_with_nan(_tied(3, 40), 7),)],
           numerical=False, variant="ties"),
    OpInfo("mode", lambda lib, x: (x.mode(), x.mode(0)),
           [(ints(4, 30),), (np.array([[True, False, True], [False, False, True]]),)],
           differentiable=False, variant="int"),
    # -------------------------------------------------------------------- cummax / cummin
    OpInfo("cummax", lambda lib, x: lib.cummax(x, 1), [(arr(3, 5),), (arr(2, 3, 4),)]),
    OpInfo("cummax", lambda lib, x: x.cummax(-3), [(arr(2, 3, 4),)], variant="neg-dim"),
    OpInfo("cummax", lambda lib, x: x.cummax(0), [(arr(),)], variant="scalar"),
    OpInfo("cummin", lambda lib, x: lib.cummin(x, 0), [(arr(4, 3),), (arr(6),)]),
    OpInfo("cummin", lambda lib, x: x.cummin(dim=-1), [(arr(2, 3, 4),)], variant="neg-dim"),
    OpInfo("cummax", lambda lib, x: (x.cummax(1), x.cummin(1), x.cummax(0), x.cummin(0)),
           [(_TIES,), (_NAN,)], numerical=False, variant="ties"),
    OpInfo("cummin", lambda lib, x: (x.cummax(0), x.cummin(-1)),
           [(ints(3, 6),), (np.array([[True, False, True], [False, True, True]]),)],
           differentiable=False, variant="int"),
    # ---------------------------------------------------------------------- logcumsumexp
    OpInfo("logcumsumexp", lambda lib, x: lib.logcumsumexp(x, 1),
           [(arr(3, 5),), (arr(3, 5) * 300.0,)]),
    OpInfo("logcumsumexp", lambda lib, x: x.logcumsumexp(-3), [(arr(2, 3, 4),)],
           variant="neg-dim"),
    OpInfo("logcumsumexp", lambda lib, x: x.logcumsumexp(0), [(arr(),)], variant="scalar"),
    OpInfo("logcumsumexp", lambda lib, x: x.logcumsumexp(0),
           [(np.array([-np.inf, 1.0, -np.inf, 2.5, -3.0]),)], numerical=False,
           variant="inf"),
    # ----------------------------------------------------------------- nansum / nanmean
    OpInfo("nansum", lambda lib, x: lib.nansum(x), [(arr(3, 4),), (_NAN,), (arr(),)]),
    OpInfo("nansum", lambda lib, x: (x.nansum(1), x.nansum((0, -1), keepdim=True),
                                     x.nansum(None, True)),
           [(_NAN,), (_with_nan(arr(2, 3, 4), 5),)], variant="dim"),
    OpInfo("nansum", lambda lib, x: x.nansum(0, dtype=lib.float64), [(_NAN,)], variant="dtype"),
    OpInfo("nansum", lambda lib, x: (x.nansum(), x.nansum(0)),
           [(ints(3, 4),), (np.array([True, True, False]),)], differentiable=False,
           variant="int"),
    OpInfo("nanmean", lambda lib, x: lib.nanmean(x), [(arr(3, 4),), (_NAN,), (arr(),)]),
    OpInfo("nanmean", lambda lib, x: (x.nanmean(1), x.nanmean((0, -1), keepdim=True)),
           [(_NAN,), (_with_nan(arr(2, 3, 4), 5),)], variant="dim"),
    # ------------------------------------------------------------------ std_mean / var_mean
    OpInfo("std_mean", lambda lib, x: lib.std_mean(x), [(arr(3, 4),), (arr(5),)]),
    OpInfo("std_mean", lambda lib, x: lib.std_mean(x, 1, keepdim=True, correction=0),
           [(arr(3, 4),), (arr(2, 3, 4),)], variant="dim"),
    OpInfo("std_mean", lambda lib, x: (lib.std_mean(x, (0, -1)), lib.std_mean(x, 1, False)),
           [(arr(2, 3, 4),)], variant="tuple-unbiased"),
    OpInfo("var_mean", lambda lib, x: lib.var_mean(x), [(arr(3, 4),), (arr(5),)]),
    OpInfo("var_mean", lambda lib, x: lib.var_mean(x, -1, keepdim=True, correction=2),
           [(arr(3, 4),), (arr(2, 3, 4),)], variant="dim"),
    OpInfo("var_mean", lambda lib, x: (lib.var_mean(x, (0, 2)), lib.var_mean(x, False)),
           [(arr(2, 3, 4),)], variant="tuple-unbiased"),
    OpInfo("var_mean", lambda lib, x: (lib.var_mean(x, 0)[0], lib.std_mean(x)[1]),
           [(arr(3, 4),)], variant="one-output"),
    # ---------------------------------------------------------------- unique and friends
    OpInfo("unique", lambda lib, x: (lib.unique(x), x.unique(return_inverse=True),
                                     lib.unique(x, return_counts=True),
                                     lib.unique(x, False, True, True)),
           [(_tied(3, 7),), (_with_nan(_tied(4, 6), 5),), (ints(20),), (arr(),), (arr(0),),
            (np.array([True, False, True]),)], differentiable=False),
    OpInfo("unique", lambda lib, x: (lib.unique(x, dim=0, return_inverse=True,
                                                return_counts=True),
                                     x.unique(dim=-1, return_inverse=True)),
           [(ints(6, 2, high=2),), (_tied(5, 3, k=2),)], differentiable=False, variant="dim"),
    OpInfo("unique_consecutive",
           lambda lib, x: (lib.unique_consecutive(x), x.unique_consecutive(True, True)),
           [(np.array([1.0, 1.0, 2.0, 2.0, 3.0, 1.0, 1.0]),), (ints(4, 5, high=2),),
            (_with_nan(_tied(12, k=2), 4),), (arr(),)], differentiable=False),
    OpInfo("unique_consecutive",
           lambda lib, x: lib.unique_consecutive(x, return_inverse=True, return_counts=True,
                                                 dim=0),
           [(np.array([[1, 1], [1, 1], [2, 3], [1, 1]]),)], differentiable=False,
           variant="dim"),
    # ------------------------------------------------------------ searchsorted / bucketize
    OpInfo("searchsorted", lambda lib, s, v: (lib.searchsorted(s, v),
                                              lib.searchsorted(s, v, right=True),
                                              lib.searchsorted(s, v, side="right",
                                                               out_int32=True)),
           [(_SEQ, arr(3, 4)), (_SEQ, _SEQ), (_SEQ2, arr(3, 2)), (np.sort(ints(8)), ints(5)),
            (_SEQ, arr(0)), (np.append(_SEQ[:-1], np.nan), _with_nan(arr(4), 3))],
           differentiable=False),
    OpInfo("searchsorted", lambda lib, s: (lib.searchsorted(s, 0.5), lib.searchsorted(s, 1)),
           [(_SEQ,), (np.sort(ints(6)),)], differentiable=False, variant="scalar"),
    OpInfo("searchsorted",
           lambda lib, s, v, i: lib.searchsorted(s, v, sorter=i),
           [(np.array([3.0, 1.0, 2.0, 0.5]), arr(5), np.array([3, 1, 2, 0]))],
           differentiable=False, variant="sorter"),
    OpInfo("bucketize", lambda lib, x, b: (lib.bucketize(x, b), lib.bucketize(x, b, right=True),
                                           lib.bucketize(x, b, out_int32=True)),
           [(arr(3, 4), _SEQ), (_SEQ, _SEQ), (ints(5), np.array([0, 1, 1, 2]))],
           differentiable=False),
    OpInfo("bucketize", lambda lib, b: lib.bucketize(0.25, b), [(_SEQ,)], differentiable=False,
           variant="scalar"),
    # ------------------------------------------------------------------------------ isin
    OpInfo("isin", lambda lib, e, t: (lib.isin(e, t), lib.isin(e, t, invert=True)),
           [(ints(3, 4, high=6), ints(3, high=6)), (_tied(5), _tied(2, 2)),
            (_with_nan(_tied(6), 3), _with_nan(_tied(4), 2)), (ints(4), ints(0))],
           differentiable=False),
    OpInfo("isin", lambda lib, e: (lib.isin(e, 2), lib.isin(1, e)), [(ints(5, high=4),)],
           differentiable=False, variant="scalar"),
    # ------------------------------------------------------------------ bincount / histc
    OpInfo("bincount", lambda lib, i: (lib.bincount(i), i.bincount(minlength=9)),
           [(ints(12, high=6),), (ints(0),)], differentiable=False),
    OpInfo("bincount", lambda lib, i, w: (lib.bincount(i, w), i.bincount(w, 8)),
           [(ints(12, high=6), arr(12))], differentiable=False, variant="weights"),
    OpInfo("histc", lambda lib, x: (lib.histc(x), x.histc(7), x.histc(5, -1.0, 1.0),
                                    x.histc(bins=4, min=0.5, max=0.5)),
           [(arr(30),), (arr(4, 5),), (pos(6),), (arr(0),)], differentiable=False),
    # ---------------------------------------------------------- isclose / allclose / equal
    OpInfo("isclose", lambda lib, a, b: (lib.isclose(a, b), a.isclose(b, rtol=0, atol=1e-7),
                                         lib.isclose(a, b, 1e-2, 0.0, True)),
           [(_NEAR, _NEAR2), (_NEAR, _NEAR2[0]), (_with_nan(_NEAR, 3), _with_nan(_NEAR, 3)),
            (np.array([np.inf, -np.inf, np.inf, 1.0]), np.array([np.inf, -np.inf, -np.inf, 1.0])),
            (ints(5, high=100000), ints(5, high=100000))], differentiable=False),
    OpInfo("allclose", lambda lib, a, b: (lib.tensor(lib.allclose(a, b)),
                                          lib.tensor(a.allclose(b, atol=1e-2, equal_nan=True))),
           [(_NEAR, _NEAR2), (_NEAR, _NEAR), (_with_nan(_NEAR, 3), _with_nan(_NEAR, 3))],
           differentiable=False),
    OpInfo("equal", lambda lib, a, b: (lib.tensor(lib.equal(a, b)), lib.tensor(a.equal(a))),
           [(_NEAR, _NEAR2), (_NEAR, _NEAR.copy()), (_NEAR, _NEAR[0]), (ints(3), ints(3)),
            (_with_nan(_NEAR, 3), _with_nan(_NEAR, 3))], differentiable=False),
]
