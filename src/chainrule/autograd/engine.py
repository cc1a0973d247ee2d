"""The backward pass.

The engine never recurses, so graphs of any depth work:

1. The roots' nodes receive their seed gradients and go on a heap ordered by decreasing
   sequence number (nodes are numbered as they are created).
2. The node with the highest number runs next. Its inputs were all created before it, so
   every node that could still send it a gradient has already run: the gradients it
   received have been summed, and its derivative runs exactly once.
3. Its input gradients are reduced to each input's shape and dtype (``_meta``), added into
   the buffers of the nodes they flow to, and those nodes join the heap.

With ``inputs`` (as in ``autograd.grad``) a first pass marks the nodes from which an input
can be reached; no other node runs. Formulas run with the math namespace ``F``:
:class:`ArrayMath` (plain NumPy, no graph is recorded, nothing is paid for one) or, under
``create_graph=True``, the tensor namespace the ops package registers, which records the
backward pass itself so that it can be differentiated again.
"""

from __future__ import annotations

import heapq
import threading

import numpy as np

from .._tensor import _make
from . import anomaly
from .grad_mode import STATE
from .graph import FREED, AccumulateGrad, Node, gradient_edge

__all__ = ["run_backward", "ArrayMath"]

_SECOND_TIME = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward."
)


def _type_name(t) -> str:
    names = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
             "int64": "LongTensor", "int32": "IntTensor", "int16": "ShortTensor",
             "int8": "CharTensor", "uint8": "ByteTensor", "bool": "BoolTensor",
             "complex64": "ComplexFloatTensor", "complex128": "ComplexDoubleTensor"}
    return "torch." + names.get(t.dtype.name, "Tensor")


def _version_error(node: Node, t, saved_version: int, cur_version: int,
                   where: tuple[str, int] | None, output: bool):
    shape = ", ".join(str(s) for s in t.shape)
    if output or t._grad_fn is not None:
        fn = node if output else t._grad_fn
        name = type(fn).__name__
        name = name[:name.rfind("Backward")] if "Backward" in name else name
        origin = f", which is output {0 if output else t._output_nr} of {name},"
    else:
        origin = ""
    msg = (
        f"one of the variables needed for gradient computation has been modified by an "
        f"inplace operation: [{_type_name(t)} [{shape}]]{origin} is at version {cur_version}; "
        f"expected version {saved_version} instead. Hint: enable anomaly detection to find "
        f"the operation that failed to compute its gradient, with "
        f"torch.autograd.set_detect_anomaly(True, check_nan=False)."
    )
    msg += f" (It was saved by {type(node).__name__}"
    msg += f" and modified in place at {where[0]}:{where[1]}.)" if where else ".)"
    return RuntimeError(msg)


def check_saved(node: Node, unwrap: bool = False) -> list:
    """The saved values of ``node`` after checking they are intact (arrays if ``unwrap``).

    Entries saved as Python numbers or None (version ``None``) pass through unchanged.
    """
    saved = node._saved
    if saved is None:
        return []
    if saved is FREED:
        raise RuntimeError(_SECOND_TIME)
    res = []
    for t, v in zip(saved, node._versions):
        if v is None:
            res.append(t)
            continue
        vc = t._vc
        if vc is not None and vc.value != v:
            raise _version_error(node, t, v, vc.value, vc.where, False)
        res.append(t._data if unwrap else t)
    return res


def check_output(node: Node):
    """The saved output array of ``node``, after checking it is intact."""
    out = node._out
    if out is FREED:
        raise RuntimeError(_SECOND_TIME)
    vc = node._out_vc
    if vc is not None and vc.value != node._out_version:
        raise _version_error(node, _make(out), node._out_version, vc.value, vc.where, True)
    return out


class ArrayMath:
    """The math namespace for formulas when no graph of the backward pass is wanted."""

    mode = "array"
    exp = staticmethod(np.exp)
    log = staticmethod(np.log)
    sin = staticmethod(np.sin)
    cos = staticmethod(np.cos)
    tan = staticmethod(np.tan)
    tanh = staticmethod(np.tanh)
    sinh = staticmethod(np.sinh)
    cosh = staticmethod(np.cosh)
    sqrt = staticmethod(np.sqrt)
    abs = staticmethod(np.abs)
    sign = staticmethod(np.sign)
    where = staticmethod(np.where)
    matmul = staticmethod(np.matmul)
    maximum = staticmethod(np.maximum)
    minimum = staticmethod(np.minimum)
    conj = staticmethod(np.conj)
    zeros_like = staticmethod(np.zeros_like)
    ones_like = staticmethod(np.ones_like)
    reshape = staticmethod(np.reshape)
    expand = staticmethod(np.broadcast_to)
    swapaxes = staticmethod(np.swapaxes)
    permute = staticmethod(np.transpose)
    flip = staticmethod(np.flip)
    roll = staticmethod(np.roll)
    tril = staticmethod(np.tril)
    triu = staticmethod(np.triu)
    cat = staticmethod(np.concatenate)
    stack = staticmethod(np.stack)
    outer = staticmethod(np.outer)
    einsum = staticmethod(np.einsum)

    @staticmethod
    def saved(node: Node) -> list:
        return check_saved(node, True)

    @staticmethod
    def output(node: Node):
        return check_output(node)

    @staticmethod
    def sum(x, dim=None, keepdim=False):
        return np.sum(x, axis=dim, keepdims=keepdim)

    @staticmethod
    def sum_to(g, shape):
        return sum_to(g, shape)

    @staticmethod
    def mask(cond, like):
        """``cond`` (bool) as 0/1 in the dtype of ``like``."""
        return cond.astype(like.dtype)

    @staticmethod
    def zeros(shape, like):
        return np.zeros(shape, like.dtype)

    @staticmethod
    def full_like(x, value):
        return np.full_like(x, value)

    @staticmethod
    def cast(x, like):
        return x.astype(like.dtype, copy=False)

    @staticmethod
    def index_add(shape, index, values, like=None):
        """Zeros of ``shape`` with ``values`` added at ``index`` (repeated indices sum)."""
        out = np.zeros(shape, values.dtype if like is None else like.dtype)
        np.add.at(out, index, values)
        return out

    @staticmethod
    def getitem(x, index):
        return x[index]

    @staticmethod
    def const(value, like):
        return np.asarray(value, dtype=like.dtype)


def sum_to(g, shape: tuple):
    """Undo broadcasting: sum ``g`` down to ``shape`` (works for arrays and tensors)."""
    gshape = g.shape
    if gshape == shape:
        return g
    lead = len(gshape) - len(shape)
    axes = list(range(lead))
    for i, s in enumerate(shape):
        if s == 1 and gshape[lead + i] != 1:
            axes.append(lead + i)
    if axes:
        g = g.sum(tuple(axes), keepdims=True) if isinstance(g, np.ndarray) else \
            g.sum(tuple(axes), keepdim=True)
    return g.reshape(shape)


_tensor_math = None  # set by the ops package: the namespace used under create_graph


def set_tensor_math(ns) -> None:
    global _tensor_math
    _tensor_math = ns


def _needs(node: Node, needed) -> tuple:
    if needed is None:
        return tuple(e[0] is not None for e in node._next)
    return tuple(e[0] is not None and e[0] in needed for e in node._next)


class _Active(threading.local):
    """Per thread: the nodes the running backward pass must run (None: all of them)."""

    needed = None


_ACTIVE = _Active()


def needs(node: Node) -> tuple:
    """Per input of ``node``: whether the backward pass running on this thread wants it."""
    return _needs(node, _ACTIVE.needed)


ArrayMath.needs = staticmethod(needs)


def _wrap_grad(g, create_graph):
    if create_graph or g is None:
        return g
    return _make(g)


def _unwrap_grad(g, create_graph):
    if create_graph or g is None:
        return g
    return g._data


def _apply_tensor_hooks(hooks, grads, create_graph, multi):
    """Run tensor hooks (per output index) on the incoming gradients."""
    for nr, fn in list(hooks.values()):
        cur = grads[nr] if multi else grads
        if cur is None:
            continue
        res = fn(_wrap_grad(cur, create_graph))
        if res is not None:
            res = _unwrap_grad(res, create_graph)
            if multi:
                grads[nr] = res
            else:
                grads = res
    return grads


def _retain(node: Node, grads, multi, create_graph):
    for nr, ref in list(node._retained.items()):
        t = ref()
        g = grads[nr] if multi else grads
        if t is None or g is None:
            continue
        g = g if create_graph else _make(g.copy())
        t._grad = g if t._grad is None else t._grad + g


def _validate(node: Node, i: int, g, meta, create_graph):
    shape, dt = meta
    if g.shape != shape:
        try:
            g = sum_to(g, shape)
        except (ValueError, RuntimeError):
            raise RuntimeError(
                f"Function {type(node).__name__} returned an invalid gradient at index {i} - "
                f"got {list(g.shape)} but expected shape compatible with {list(shape)}"
            ) from None
    if create_graph:
        if g.dtype is not dt:
            if g.is_complex() and not dt.is_complex:
                g = g.real  # a real input of a complex op: the real part (as in PyTorch)
            g = g.to(dt)
    elif g.dtype != dt.np:
        if g.dtype.kind == "c" and dt.np.kind != "c":
            g = g.real
        g = g.astype(dt.np)
    return g


def _accumulate(var, g, create_graph, owned):
    cur = var._grad
    if cur is None:
        if create_graph:
            var._grad = g
        else:
            var._grad = _make(g if owned else g.copy())
    elif create_graph or STATE.enabled:
        var._grad = cur + (g if create_graph else _make(g))
    else:
        d = cur._data
        if d.shape == g.shape and d.flags.writeable:
            np.add(d, g, out=d)
            if cur._vc is not None:
                cur._vc.value += 1
        else:
            var._grad = _make(d + g)


def run_backward(roots, grads, *, retain_graph: bool, create_graph: bool, inputs=None,
                 accumulate: bool = True, allow_unused: bool = False):
    """Backpropagate ``grads`` (arrays, or tensors under ``create_graph``) from ``roots``.

    With ``accumulate`` gradients are added into ``.grad`` of leaves (restricted to
    ``inputs`` when given); without it the gradients reaching ``inputs`` are returned.

    Nodes run in decreasing sequence number (creation order reversed). A node's inputs are
    always created before it, so when a node has the highest sequence number among the
    nodes that have received a gradient, every node that can still send it one has run:
    its gradient is complete. No dependency-counting pass over the graph is needed.
    """
    buffers: dict = {}
    heap: list = []
    for i, t in enumerate(roots):
        node, nr = gradient_edge(t)
        if node is None:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn")
        if node not in buffers:
            heap.append((-node._seq, node))
        _add_to_buffer(buffers, node, nr, grads[i])
    heapq.heapify(heap)

    # Targets: where the caller wants gradients captured or accumulated.
    targets = needed = None
    if inputs is not None:
        targets = {}
        for t in inputs:
            edge = gradient_edge(t)
            if edge[0] is None:
                raise RuntimeError("One of the differentiated Tensors does not require grad")
            targets.setdefault(edge[0], []).append((edge[1], t))
        needed = _needed(buffers, targets)

    captured: dict = {}
    F = _tensor_math if create_graph else ArrayMath
    shared_ids: set = set()
    keep_alive = []
    for v in buffers.values():
        if v is not None and not isinstance(v, list):
            _share(v, shared_ids)
            keep_alive.append(v)

    pop, push = heapq.heappop, heapq.heappush
    prev_enabled = STATE.enabled
    STATE.enabled = create_graph
    prev_needed = _ACTIVE.needed
    _ACTIVE.needed = needed
    errstate = np.errstate(all="ignore")  # inf/nan propagate silently, as in PyTorch
    errstate.__enter__()
    try:
        slow_all = targets is not None
        while heap:
            node = pop(heap)[1]
            g = buffers.pop(node)
            if slow_all or node._special:
                multi = node.n_outputs != 1
                if node._tensor_pre_hooks:
                    g = _apply_tensor_hooks(node._tensor_pre_hooks, g, create_graph, multi)
                elif node.__class__ is AccumulateGrad and node.variable._hooks:
                    g = _apply_tensor_hooks(node.variable._hooks, g, create_graph, False)
                if node._retained:
                    _retain(node, g, multi, create_graph)
                if targets is not None and node in targets:
                    for nr, t in targets[node]:
                        gv = g[nr] if multi else g
                        if accumulate:
                            if gv is not None and node.__class__ is not AccumulateGrad:
                                _accumulate(t, gv, create_graph, False)
                        else:
                            captured[id(t)] = gv
                if node.__class__ is AccumulateGrad:
                    if targets is None or (accumulate and node in targets):
                        if node._pre_hooks:
                            g = _node_pre_hooks(node, g, create_graph, multi)
                        _accumulate(node.variable, g, create_graph,
                                    create_graph or _owned(g, shared_ids))
                    continue
                if needed is not None and node not in needed:
                    continue
                if node._pre_hooks:
                    g = _node_pre_hooks(node, g, create_graph, multi)
                if node._anomaly_trace is None:
                    out = node.backward(F, g)
                else:
                    try:
                        out = node.backward(F, g)
                        if anomaly.is_anomaly_check_nan_enabled():
                            _check_nan(node, out)
                    except Exception:
                        anomaly.report(node)
                        raise
                if node._post_hooks:
                    out = _node_post_hooks(node, out, g, create_graph)
            else:
                out = node.backward(F, g)
            if not retain_graph:
                if node._saved is not None:
                    node._saved = FREED
                if node._out is not None:
                    node._out = FREED
            if len(out) > 1 and not create_graph:
                _share_duplicates(out, shared_ids)
            meta = node._meta
            i = -1
            for child, nr in node._next:
                i += 1
                if child is None:
                    continue
                gi = out[i]
                if gi is None or (needed is not None and child not in needed):
                    continue
                if meta is not None and meta[i] is not None:
                    gi = _validate(node, i, gi, meta[i], create_graph)
                if gi is g and not create_graph:
                    _share(gi, shared_ids)
                    keep_alive.append(gi)
                if child.n_outputs == 1:
                    cur = buffers.get(child)
                    if cur is None:
                        buffers[child] = gi
                        push(heap, (-child._seq, child))
                    else:
                        buffers[child] = cur + gi
                else:
                    if child not in buffers:
                        push(heap, (-child._seq, child))
                    _add_to_buffer(buffers, child, nr, gi)
    finally:
        errstate.__exit__(None, None, None)
        _ACTIVE.needed = prev_needed
        STATE.enabled = prev_enabled

    if accumulate:
        return None
    results = []
    for i, t in enumerate(inputs):
        g = captured.get(id(t))
        if g is None and not allow_unused:
            raise RuntimeError(
                f"The differentiated Tensor at index {i} appears to not have been used in the "
                "graph. Set allow_unused=True if this is the desired behavior.")
        if g is not None and not create_graph:
            g = _wrap_grad(g if _owned(g, shared_ids) else g.copy(), False)
        results.append(g)
    return tuple(results)


def _share(g, shared_ids: set) -> None:
    """Mark ``g`` (and the array it views) as reachable from more than one place."""
    shared_ids.add(id(g))
    base = getattr(g, "base", None)
    if base is not None:
        shared_ids.add(id(base))


def _share_duplicates(grads, shared_ids: set) -> None:
    """Mark the gradients of a node that hands one array (or views of one) to several inputs."""
    if len(grads) == 2 and (grads[0] is None or grads[1] is None):
        return
    keys = []
    for g in grads:
        if g is not None:
            base = getattr(g, "base", None)
            keys.append(id(g if base is None else base))
    if len(keys) != len(set(keys)):
        for g in grads:
            if g is not None:
                _share(g, shared_ids)


def _owned(g, shared_ids: set) -> bool:
    """Whether the engine alone holds ``g``, so ``.grad`` may keep it without a copy.

    Arrays a rule computed are owned, and so are writable views of them (a transposed
    matmul result); a seed, a gradient passed on to several inputs, or a read-only broadcast
    view is not.
    """
    if id(g) in shared_ids:
        return False
    base = g.base
    return base is None or (g.flags.writeable and id(base) not in shared_ids)


def _add_to_buffer(buffers: dict, node: Node, nr: int, g) -> None:
    cur = buffers.get(node)
    if node.n_outputs == 1:
        buffers[node] = g if cur is None else cur + g
    else:
        if cur is None:
            cur = buffers[node] = [None] * node.n_outputs
        cur[nr] = g if cur[nr] is None else cur[nr] + g


def _needed(buffers: dict, targets: dict) -> set:
    """The nodes from which a target can be reached (the only ones that need to run)."""
    # Post-order (children first) without recursion.
    order = []
    seen = set()
    for r in buffers:
        if r in seen:
            continue
        seen.add(r)
        stack = [(r, iter(r._next))]
        while stack:
            n, it = stack[-1]
            for child, _ in it:
                if child is not None and child not in seen:
                    seen.add(child)
                    stack.append((child, iter(child._next)))
                    break
            else:
                stack.pop()
                order.append(n)
    needed = set()
    for n in order:
        if n in targets or any(c is not None and c in needed for c, _ in n._next):
            needed.add(n)
    return needed


def _node_pre_hooks(node, g, create_graph, multi):
    grads = list(g) if multi else [g]
    for fn in list(node._pre_hooks.values()):
        res = fn(tuple(_wrap_grad(x, create_graph) for x in grads))
        if res is not None:
            grads = [_unwrap_grad(x, create_graph) for x in res]
    return grads if multi else grads[0]


def _node_post_hooks(node, out, g, create_graph):
    gin = tuple(_wrap_grad(x, create_graph) for x in out)
    gout = tuple(_wrap_grad(x, create_graph) for x in (g if isinstance(g, list) else [g]))
    for fn in list(node._post_hooks.values()):
        res = fn(gin, gout)
        if res is not None:
            gin = tuple(res)
    return tuple(_unwrap_grad(x, create_graph) for x in gin)


def _check_nan(node, out):
    for i, g in enumerate(out):
        if g is None:
            continue
        arr = g if isinstance(g, np.ndarray) else g._data
        if np.isnan(arr).any():
            raise RuntimeError(
                f"Function '{type(node).__name__}' returned nan values in its {i}th output.")


def call_node(node: Node, grads):
    """Run one node's derivative on tensors (``grad_fn(grad)`` in user code)."""
    arrays = [None if g is None else g._data for g in grads]
    g = arrays if node.n_outputs != 1 else arrays[0]
    prev = STATE.enabled
    STATE.enabled = False
    prev_needed = _ACTIVE.needed
    _ACTIVE.needed = None
    try:
        out = node.backward(ArrayMath, g)
    finally:
        _ACTIVE.needed = prev_needed
        STATE.enabled = prev
    res = []
    for i, gi in enumerate(out):
        meta = node._meta
        if gi is not None and meta is not None and meta[i] is not None:
            gi = _validate(node, i, gi, meta[i], False)
        res.append(None if gi is None else _make(gi))
    return tuple(res)
