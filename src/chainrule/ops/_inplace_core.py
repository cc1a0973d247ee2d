"""Rebasing history for in-place ops: the tensor written to becomes the output of a new node.

An in-place op ``x.op_(...)`` changes ``x``'s values, so ``x`` must stop standing for its old
value in the graph. As in PyTorch, the *old* ``x`` lives on as an edge: the new node's first
input is ``x``'s history before the write (its ``grad_fn``/``output_nr``), and ``x`` itself
becomes the node's output. Three helpers do this:

- :func:`rebase_inplace` runs a write and records the node, for ops (``x[idx] = v``,
  ``masked_fill_``...) whose derivative is known in terms of the new node alone;
- :func:`refresh_view` first brings a view whose base was changed in place since the view's
  history was recorded up to date (PyTorch regenerates such a view's ``grad_fn`` on access);
- :func:`rebase_view` finishes the job when ``x`` is a *view* of another tensor (its
  ``_base``): the write changed the base's memory too, so the base is rebased onto a
  :class:`CopySlices` node (old base history, new view value) and the view becomes a
  :class:`AsStridedBackward0` view of the new base, which is what PyTorch shows.

They work on any NumPy view, whichever op made it: the elements of the view are located in
the base's memory from the arrays' strides (:func:`view_index`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..autograd.anomaly import _STATE as _ANOMALY
from ..autograd.anomaly import forward_trace
from ..autograd.grad_mode import STATE
from ..autograd.graph import Node, complex_error, derivative, has_complex, next_sequence_nr
from ._core import Tensor, make

__all__ = ["rebase_inplace", "rebase_view", "refresh_view", "view_index", "check_leaf",
           "new_node", "CopySlices",
           "AsStridedBackward0", "LEAF_MSG", "VIEW_LEAF_MSG", "OVERLAP_MSG"]

LEAF_MSG = "a leaf Variable that requires grad is being used in an in-place operation."
VIEW_LEAF_MSG = ("a view of a leaf Variable that requires grad is being used in an in-place "
                 "operation.")
OVERLAP_MSG = ("unsupported operation: more than one element of the written-to tensor refers to "
               "a single memory location. Please clone() the tensor before performing the "
               "operation.")


class CopySlices(Node):
    """A region of a tensor overwritten by a new value (``x[idx] = v``, in-place on a view).

    Edges: ``(old tensor history, new value)``. ``_args = (keep, stages, lead)``: ``keep`` a
    bool array of the tensor's shape, True where the old value survives; ``stages`` the
    indices that, applied one after the other, cut the written region out of a tensor-shaped
    gradient; ``lead`` the count of leading unit dims the value has beyond that region.
    """

    complex_ok = True  # only moves the gradient

    def backward(self, F, g):
        # d(old) = g where the old value survives; d(value) = g over the written region
        keep, stages, lead = self._args
        n_old, n_val = F.needs(self)
        g_old = g * F.const(keep, g) if n_old else None
        g_val = None
        if n_val:
            g_val = g
            for index in stages:
                g_val = F.getitem(g_val, index)
            if lead:
                g_val = F.getitem(g_val, (None,) * lead)
        return g_old, g_val


@derivative("as_strided", complex_ok=True)
def AsStridedBackward0(node, F, g):
    # a view of the base: scatter the gradient back into the base's shape
    shape, index = node._args
    return (F.index_add(shape, index, g, g),)


def new_node(cls: type) -> Node:
    """A node of ``cls`` numbered as ``record`` numbers them (the engine's run order)."""
    node = cls()
    node._seq = next_sequence_nr()
    if _ANOMALY["enabled"]:
        node._anomaly_trace = forward_trace()
        node._special = True
    return node


def _edge_of(t: Tensor | None) -> tuple:
    """The ``(node, output_nr)`` edge of ``t``'s current history (an accumulator for a leaf)."""
    from ..autograd.graph import gradient_edge

    if t is None or not t._rg:
        return (None, 0)
    return gradient_edge(t)


def check_leaf(x: Tensor, leaf_msg: str = LEAF_MSG) -> None:
    """Raise PyTorch's error for an in-place write to a leaf (or a view of one) needing grad.

    Only while grad mode is on, as in PyTorch. ``leaf_msg`` is the message for ``x`` itself
    being such a leaf (``x[i] = v`` uses the view message: PyTorch writes through a view).
    """
    if not STATE.enabled:
        return
    if x._rg and x._grad_fn is None:
        raise RuntimeError(leaf_msg)
    b = x._base
    if b is not None and b._rg and b._grad_fn is None:
        raise RuntimeError(VIEW_LEAF_MSG)


def rebase_inplace(x: Tensor, node_cls: type, new_data_fn: Callable[[np.ndarray], object],
                   other_inputs: Sequence[Tensor | None] = (), saved: tuple | None = None,
                   args=None, meta: tuple | None = None, *, leaf_msg: str = LEAF_MSG) -> Tensor:
    """Write into ``x`` in place and, when a graph is recorded, make ``x`` a ``node_cls`` output.

    - ``new_data_fn(data)`` performs the write: it receives ``x._data`` and either writes into
      it and returns None, or returns an array that is then copied into it (broadcast and
      cast to ``x``'s dtype).
    - ``other_inputs``: the op's differentiable inputs besides ``x`` (a Tensor, or None for a
      constant). The node's edges are ``(old x, *other_inputs)``, so its rule returns one
      gradient for the old value of ``x`` first, then one per other input.
    - ``saved``: what the rule reads (``F.saved(node)``), version-checked like ``record``'s.
      Passing ``x`` itself there means "``x`` as it was before the write": it is replaced by a
      copy of the old values that carries ``x``'s old history, so ``create_graph`` can
      differentiate through it.
    - ``args``/``meta``: as for ``record`` (``meta`` one entry per edge, the old ``x`` first).

    With grad mode off, or when neither ``x`` nor an input requires grad, or ``x`` is not of a
    floating/complex dtype, the write just happens. Either way ``x``'s version counter is
    bumped. Grad mode on and ``x`` a leaf requiring grad raises ``leaf_msg`` (and a view of
    such a leaf PyTorch's view message). When ``x`` is a view of another tensor, the base's
    history is rebased too (:func:`rebase_view`). Returns ``x``.
    """
    check_leaf(x, leaf_msg)
    refresh_view(x)
    tracking = (STATE.enabled and x._data.dtype.kind in "fc"
                and (x._rg or any(t is not None and t._rg for t in other_inputs)))
    node = None
    if tracking:
        old = None
        needs_old = saved is not None and any(s is x for s in saved)
        if x._rg or needs_old:
            old = make(x._data.copy() if needs_old else x._data, x._rg, x._grad_fn)
            old._output_nr = x._output_nr
        if not node_cls.complex_ok and (x._data.dtype.kind == "c"
                                        or has_complex(other_inputs)):
            raise complex_error(node_cls)
        node = new_node(node_cls)
        node._next = (_edge_of(old),) + tuple(_edge_of(t) for t in other_inputs)
        if saved is not None:
            saved = tuple(old if s is x else s for s in saved)
            node._saved = saved
            node._versions = tuple(
                (0 if s._vc is None else s._vc.value) if isinstance(s, Tensor) else None
                for s in saved)
        if args is not None:
            node._args = args
        if meta is not None:
            node._meta = meta
    if not x._data.flags.writeable:
        raise RuntimeError(OVERLAP_MSG)
    res = new_data_fn(x._data)
    if res is not None:
        np.copyto(x._data, res, casting="unsafe")
    x._version_counter().bump()
    if node is not None:
        _take_over(x, node)
        rebase_view(x)
    return x


def _take_over(x: Tensor, node: Node) -> None:
    """Make ``x`` output 0 of ``node``, carrying over ``retain_grad``."""
    prev = x._grad_fn
    retained = prev is not None and prev._retained is not None and \
        prev._retained.get(x._output_nr) is not None and prev._retained[x._output_nr]() is x
    if retained:
        del prev._retained[x._output_nr]
    x._grad_fn = node
    x._rg = True
    x._output_nr = 0
    if retained:
        x.retain_grad()


def view_index(base: np.ndarray, view: np.ndarray) -> tuple | None:
    """Where each element of ``view`` sits in ``base``: a tuple of int arrays (one per base dim,
    each of the view's shape) such that ``base[index]`` equals ``view``; None when ``view`` is
    not laid out inside ``base``'s elements. Raises PyTorch's overlap error when two elements
    of ``view`` share one memory location (an expanded tensor).
    """
    if base.dtype != view.dtype or not np.shares_memory(base, view):
        return None

    def offsets(a: np.ndarray, start: int) -> np.ndarray:
        off = np.full(a.shape, start, dtype=np.int64)
        for d, (n, st) in enumerate(zip(a.shape, a.strides, strict=True)):
            shape = [1] * a.ndim
            shape[d] = n
            off += (np.arange(n, dtype=np.int64) * st).reshape(shape)
        return off

    b0 = base.__array_interface__["data"][0]
    v0 = view.__array_interface__["data"][0]
    boff = offsets(base, 0).ravel()
    voff = offsets(view, v0 - b0).ravel()
    order = np.argsort(boff, kind="stable")
    sorted_off = boff[order]
    pos = np.searchsorted(sorted_off, voff)
    if voff.size and (pos.max(initial=0) >= sorted_off.size
                      or np.any(sorted_off[np.minimum(pos, sorted_off.size - 1)] != voff)):
        return None
    flat = order[pos]
    if np.unique(flat).size != flat.size:
        raise RuntimeError(OVERLAP_MSG)
    return tuple(np.unravel_index(flat.reshape(view.shape), base.shape)) if base.ndim else ()


def refresh_view(x: Tensor) -> None:
    """Re-derive a *stale* view's history from its base, as PyTorch does on access.

    When the base's ``grad_fn`` is newer than the view's, an in-place op went through the base
    (or another alias of it) after the view's history was recorded: the view's values come
    from the base's current history now, so the view becomes an ``AsStridedBackward0`` view of
    it. Called before an in-place write to ``x`` and before indexing ``x``.
    """
    b = x._base
    if b is None:
        return
    bf = b._grad_fn
    if bf is None or not STATE.enabled:
        return
    xf = x._grad_fn
    if xf is None or xf._seq > bf._seq:  # a view outside the graph stays outside it
        return
    index = view_index(b._data, x._data)
    if index is None:
        return
    view = new_node(AsStridedBackward0)
    view._next = ((bf, b._output_nr),)
    view._args = (b._data.shape, index)
    x._grad_fn = view
    x._rg = True
    x._output_nr = 0


def rebase_view(x: Tensor) -> None:
    """After ``x`` (a view) took a new ``grad_fn`` from an in-place op, rebase its base.

    The base ``b`` becomes the output of a :class:`CopySlices` node whose edges are ``b``'s old
    history and ``x``'s new node (the region the view covers now holds the new values), and
    ``x`` becomes an :class:`AsStridedBackward0` view of the new ``b``, as in PyTorch. Does
    nothing when ``x`` is not a view, or its memory cannot be located inside its base.
    """
    b = x._base
    if b is None or not STATE.enabled or x._grad_fn is None:
        return
    index = view_index(b._data, x._data)
    if index is None:
        return
    bshape = b._data.shape
    keep = np.ones(bshape, dtype=bool)
    keep[index] = False
    copy = new_node(CopySlices)
    copy._next = (_edge_of(b), (x._grad_fn, x._output_nr))
    copy._args = (keep, [index], 0)
    _take_over(b, copy)
    view = new_node(AsStridedBackward0)
    view._next = ((copy, 0),)
    view._args = (bshape, index)
    x._grad_fn = view
    x._output_nr = 0
