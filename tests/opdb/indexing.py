"""Op-database entries for indexing: ``x[idx]``, ``x[idx] = v``, gather/scatter, index_*,
masked_*, take, tril/triu, nonzero.

Indexing is linear, so its own second-order check is skipped; the ``sq`` variants index
``x * x`` (or square the result) so that the derivatives of the derivatives run under
``create_graph`` (gather of a scatter-add of a gather...). Repeated indices are in every
advanced-indexing sample: their gradients must accumulate.
"""

import numpy as np

from . import OpInfo, arr, ints

_x = arr(3, 4, 5)
_m = arr(3, 4)
_v = arr(5)
_s = arr()


def _e(names, call, samples, **kw):
    return OpInfo(names, call, samples, smooth=kw.pop("smooth", False), **kw)


def _sq(names, call, samples, **kw):
    """``call`` applied to ``x * x``: a second-order check through the indexing rule."""
    kw.setdefault("variant", "sq")
    return OpInfo(names, lambda lib, x, *a: call(lib, x * x, *a), samples, **kw)


def _setitem(key):
    def call(lib, x, v):
        y = x * 1.0
        y[key] = v
        return y
    return call


def _setitem_scalar(key, value=2.5):
    def call(lib, x):
        y = x * 1.0
        y[key] = value
        return y
    return call


def _setitem_view(lib, x, v):
    # writing through a view of a non-leaf rebases the base's history (CopySlices)
    y = x * 1.0
    row = y[1]
    row[1:3] = v * v
    return y, row


_mask = np.array([[True, False, True, True], [False, False, True, False],
                  [True, True, False, False]])
_idx2 = np.array([[0, 2], [1, 1], [3, 0]])

ENTRIES = [
    # ------------------------------------------------------------------ x[idx]: basic (views)
    _e("getitem", lambda lib, x: x[1], [(_x,), (_v,)], variant="int"),
    _e("getitem", lambda lib, x: x[-1, 2], [(_x,)], variant="ints"),
    _e("getitem", lambda lib, x: x[0, 1, 2], [(_x,)], variant="scalar"),
    _e("getitem", lambda lib, x: x[1:3], [(_x,)], variant="slice"),
    _e("getitem", lambda lib, x: x[:, ::2, 1:], [(_x,)], variant="steps"),
    _e("getitem", lambda lib, x: x[0, 1:3], [(_x,)], variant="select-slice"),
    _e("getitem", lambda lib, x: x[1:3, 0], [(_x,)], variant="slice-select"),
    _e("getitem", lambda lib, x: x[None, ..., None], [(_x,), (_s,)], variant="none"),
    _e("getitem", lambda lib, x: x[..., 2], [(_x,)], variant="ellipsis"),
    _e("getitem", lambda lib, x: x[...], [(_x,), (_s,)], variant="alias"),
    _e("getitem", lambda lib, x: x[:], [(_x,)], variant="full-slice"),
    _e("getitem", lambda lib, x: x[:, 0:4], [(_x,)], variant="full-slices"),
    _e("getitem", lambda lib, x: x[10:], [(_x,)], variant="empty"),
    _e("getitem", lambda lib, x: x[1, None, 2:4], [(_x,)], variant="mixed"),
    # ------------------------------------------------------------------ x[idx]: advanced
    _e("getitem", lambda lib, x: x[[0, 2, 0, 0]], [(_x,), (_v,)], variant="list"),
    _e("getitem", lambda lib, x, i: x[i], [(_x, np.array([[0, 1], [1, 1]])),
                                           (_v, np.array([4, -1, 4]))], variant="tensor"),
    _e("getitem", lambda lib, x, m: x[m], [(_m, _mask), (_x, _mask)], variant="mask"),
    _e("getitem", lambda lib, x: x[x > 0], [(_m,)], variant="mask-self"),
    _e("getitem", lambda lib, x: x[[0, 1, 1], [2, 3, 3]], [(_x,)], variant="pairs"),
    _e("getitem", lambda lib, x: x[[0, 1], :, [1, 1]], [(_x,)], variant="separated"),
    _e("getitem", lambda lib, x: x[:, [1, 1, 0], 1:4], [(_x,)], variant="slice-adv"),
    _e("getitem", lambda lib, x: x[0, :, [0, 0, 1]], [(_x,)], variant="int-then-adv"),
    _e("getitem", lambda lib, x: x[1:, [0, 1], None], [(_x,)], variant="adv-none"),
    _e("getitem", lambda lib, x: x[[0, 1], None, [0, 1]], [(_x,)], variant="adv-none-adv"),
    _e("getitem", lambda lib, x, m: x[0, m[0], 1], [(_x, _mask)], variant="mask-int"),
    _e("getitem", lambda lib, x: (x[True], x[False]), [(_m,), (_s,)], variant="bool"),
    _e("getitem", lambda lib, x: x[[]], [(_m,)], variant="empty-list"),
    _sq("getitem", lambda lib, y: y[[0, 2, 0], 1:3] * y[1, 0], [(_x,)]),
    _sq("getitem", lambda lib, y, m: y[m] ** 2, [(_m, _mask)], variant="sq-mask"),
    # ------------------------------------------------------------------ x[idx] = v
    _e("setitem", _setitem((0, slice(1, 3))), [(_x, arr(2, 5)), (_x, arr(5)),
                                               (_x, arr(1, 1, 5))],
       check_grad_fn=False, variant="basic"),
    _e("setitem", _setitem((slice(None), 1)), [(_x, arr(3, 5)), (_x, _s)],
       check_grad_fn=False, variant="slice-select"),
    _e("setitem", _setitem([0, 2]), [(_x, arr(4, 5))], variant="adv"),
    _e("setitem", _setitem((slice(1, None), [0, 1])), [(_x, arr(2, 5))],
       check_grad_fn=False, variant="mixed"),
    _e("setitem", _setitem(Ellipsis), [(_m, arr(4))], check_grad_fn=False, variant="whole"),
    _e("setitem", _setitem_scalar((1, slice(None, None, 2))), [(_x,)], check_grad_fn=False,
       variant="scalar"),
    _e("setitem", _setitem_scalar([1, 1]), [(_m,)], variant="scalar-adv"),
    _e("setitem", _setitem_scalar(Ellipsis), [(_m,)], variant="fill"),
    _e("setitem", lambda lib, x, m, v: _setitem(m)(lib, x, v), [(_m, _mask, arr())],
       variant="mask"),
    OpInfo("setitem", _setitem_view, [(_m, arr(2))], check_grad_fn=False, variant="view"),
    # ------------------------------------------------------------------ gather / scatter
    _e("gather", lambda lib, x, i: lib.gather(x, 1, i), [(_m, _idx2), (_m, ints(2, 6, high=4))]),
    _e("gather", lambda lib, x, i: x.gather(0, i), [(_m, ints(5, 4, high=3))],
       variant="dim0-repeats"),
    _e("gather", lambda lib, x, i: x.gather(-1, i), [(_x, ints(2, 3, 7, high=5))],
       variant="negdim"),
    _e("gather", lambda lib, x, i: x.gather(0, i), [(_s, np.array(0)), (_s, np.array([0, 0]))],
       variant="0d"),
    _e("gather", lambda lib, x, i: x.gather(1, i), [(_m, np.zeros((3, 0), np.int64))],
       variant="empty"),
    _sq("gather", lambda lib, y, i: y.gather(1, i), [(_m, _idx2)]),
    _e("scatter", lambda lib, x, i, s: lib.scatter(x, 1, i, s),
       [(_m, np.array([[0, 2], [1, 3], [3, 0]]), arr(3, 2))]),
    _e("scatter", lambda lib, x, i: x.scatter(0, i, 2.5), [(_m, np.array([[0, 2, 1, 1]]))],
       variant="value"),
    _e("scatter", lambda lib, x, i: x.scatter(0, i, value=-1.0), [(_m, np.array([[2, 0]]))],
       variant="value-kw"),
    _e("scatter", lambda lib, x, i, s: x.scatter(1, i, s, reduce="add"),
       [(_m, _idx2, arr(3, 2))], differentiable=False, check_grad_fn=False,
       variant="reduce"),
    _sq("scatter", lambda lib, y, i, s: lib.scatter(y, 1, i, s * s),
        [(_m, np.array([[0, 2], [1, 3], [3, 0]]), arr(3, 2))]),
    _e("scatter_add", lambda lib, x, i, s: lib.scatter_add(x, 1, i, s),
       [(_m, _idx2, arr(3, 2)), (_m, ints(2, 7, high=4), arr(2, 7))]),
    _e("scatter_add", lambda lib, x, i, s: x.scatter_add(0, i, s), [(_s, np.array([0, 0]), arr(2))],
       variant="0d"),
    _sq("scatter_add", lambda lib, y, i, s: y.scatter_add(-1, i, s * y[:, :2]),
        [(_m, _idx2, arr(3, 2))]),
    # ------------------------------------------------------------------ index_*
    _e("index_select", lambda lib, x, i: lib.index_select(x, 1, i),
       [(_m, np.array([0, 3, 3, 1])), (_x, np.array(2))]),
    _e("index_select", lambda lib, x, i: x.index_select(-1, i), [(_x, np.array([4, 4, 0]))],
       variant="negdim"),
    _e("index_select", lambda lib, x, i: x.index_select(0, i), [(_s, np.array([0]))],
       variant="0d"),
    _sq("index_select", lambda lib, y, i: y.index_select(0, i), [(_m, np.array([2, 2, 0]))]),
    _e("index_add", lambda lib, x, i, s: lib.index_add(x, 1, i, s),
       [(_m, np.array([0, 2, 0]), arr(3, 3))]),
    _e("index_add", lambda lib, x, i, s: x.index_add(0, i, s, alpha=-2.0),
       [(_m, np.array([1, 1]), arr(2, 4))], variant="alpha"),
    _sq("index_add", lambda lib, y, i, s: y.index_add(0, i, s * s),
        [(_m, np.array([1, 1]), arr(2, 4))]),
    _e("index_fill", lambda lib, x, i: lib.index_fill(x, 1, i, 1.5),
       [(_m, np.array([0, 2, 2])), (_m, np.array([-1]))]),
    _e("index_fill", lambda lib, x, i, v: x.index_fill(0, i, v), [(_m, np.array([0, 2, 0]), _s)],
       variant="tensor"),
    _e("index_copy", lambda lib, x, i, s: lib.index_copy(x, 1, i, s),
       [(_m, np.array([3, 0]), arr(3, 2))]),
    _sq("index_copy", lambda lib, y, i, s: y.index_copy(0, i, s * s),
        [(_m, np.array([2, 0]), arr(2, 4))]),
    _e("index_put", lambda lib, x, i, v: lib.index_put(x, (i,), v),
       [(_m, np.array([0, 2]), arr(2, 4)), (_m, np.array([2, 0]), arr(4))]),
    _e("index_put", lambda lib, x, i, j, v: x.index_put((i, j), v, accumulate=True),
       [(_m, np.array([0, 2, 0]), np.array([1, 1, 1]), arr(3))], variant="accumulate"),
    _e("index_put", lambda lib, x, m, v: x.index_put((m,), v), [(_m, _mask, arr())],
       variant="mask"),
    _sq("index_put", lambda lib, y, i, v: y.index_put((i,), v * y[0], accumulate=True),
        [(_m, np.array([1, 1]), arr(4))]),
    # ------------------------------------------------------------------ masks
    _e("masked_fill", lambda lib, x, m: lib.masked_fill(x, m, -1.5), [(_m, _mask)]),
    _e("masked_fill", lambda lib, x, m, v: x.masked_fill(m, v), [(_m, _mask, _s)],
       variant="tensor"),
    _e("masked_fill", lambda lib, x, m: x.masked_fill(m, 0.0), [(_v[:4].copy(), _mask),
                                                                (_m, _mask[0].copy())],
       variant="broadcast"),
    _e("masked_fill", lambda lib, x, m, v: x.masked_fill(m, v), [(arr(4), _mask, _s)],
       variant="broadcast-tensor"),
    _e("masked_fill", lambda lib, x: x.masked_fill(x > 0, 1.5), [(ints(3, 4, low=-3, high=3),)],
       differentiable=False, variant="int"),
    _sq("masked_fill", lambda lib, y, m: y.masked_fill(m, 2.0), [(_m, _mask)]),
    _e("masked_select", lambda lib, x, m: lib.masked_select(x, m), [(_m, _mask),
                                                                    (arr(4), _mask),
                                                                    (_m, _mask[1].copy())]),
    _sq("masked_select", lambda lib, y, m: y.masked_select(m), [(_m, _mask)]),
    # ------------------------------------------------------------------ take
    _e("take", lambda lib, x, i: lib.take(x, i), [(_m, np.array([[0, 11], [-1, 0]])),
                                                  (_s, np.array([0, -1, 0])),
                                                  (_m, np.array(5))]),
    _sq("take", lambda lib, y, i: y.take(i), [(_m, np.array([3, 3, -12]))]),
    # ------------------------------------------------------------------ tril / triu
    _e("tril", lambda lib, x: lib.tril(x), [(_m,), (arr(2, 3, 4),)]),
    _e("tril", lambda lib, x: x.tril(-1), [(_m,)], variant="below"),
    _e("tril", lambda lib, x: x.tril(diagonal=2), [(arr(2, 4, 3),)], variant="above"),
    _sq("tril", lambda lib, y: y.tril(1), [(_m,)]),
    _e("triu", lambda lib, x: lib.triu(x), [(_m,), (arr(2, 3, 4),)]),
    _e("triu", lambda lib, x: x.triu(1), [(arr(4, 3),)], variant="above"),
    _sq("triu", lambda lib, y: y.triu(-1), [(_m,)]),
    _e("tril", lambda lib, x: (x.tril(), x.triu(1)), [(_mask,), (ints(3, 3),)],
       differentiable=False, variant="nonfloat"),
    # ------------------------------------------------------------------ nonzero
    _e(("nonzero", "argwhere"), lambda lib, x: (lib.nonzero(x), x.argwhere()),
       [(_mask,), (ints(2, 3, 2),), (np.array(3.0),), (np.zeros((2, 3)),)],
       differentiable=False),
    _e("nonzero", lambda lib, x: x.nonzero(as_tuple=True),
       [(_mask,), (ints(2, 3, 2),), (np.array(0.0),), (np.array(1),)],
       differentiable=False, variant="tuple"),
]
