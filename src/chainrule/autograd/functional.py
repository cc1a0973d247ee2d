"""Functional transforms of whole functions: ``vjp``, ``jvp``, ``jacobian``, ``hessian``,
``hvp``, ``vhp`` (as ``torch.autograd.functional``)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


def _tuple(x):
    return (tuple(x), True) if isinstance(x, (tuple, list)) else ((x,), False)


def _prepare(inputs, create_graph):
    """Fresh leaves (or graph-connected aliases under create_graph) that require grad."""
    from .._tensor import _make

    res = []
    for x in inputs:
        if create_graph and x.requires_grad:
            res.append(x.view_as(x) if hasattr(x, "view_as") else x * 1)
        else:
            t = _make(x._data)
            t.requires_grad_(True)
            res.append(t)
    return tuple(res)


def _grads(outputs, inputs, grad_outputs, create_graph, retain_graph=None):
    from .._tensor import _make
    from .backward import grad

    outs = [o for o in outputs if o.requires_grad]
    gos = [g for o, g in zip(outputs, grad_outputs) if o.requires_grad]
    if not outs:
        return tuple(_make(np.zeros_like(x._data)) for x in inputs)
    gs = grad(outs, inputs, gos, create_graph=create_graph,
              retain_graph=True if retain_graph is None else retain_graph, allow_unused=True)
    return tuple(_make(np.zeros_like(x._data)) if g is None else g for g, x in zip(gs, inputs))


def _detach(ts, create_graph):
    return tuple(t if create_graph else t.detach() for t in ts)


def vjp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), v^T J)``: the vector-Jacobian product at ``inputs``."""
    from .grad_mode import enable_grad

    ins, in_tuple = _tuple(inputs)
    with enable_grad():
        ins = _prepare(ins, create_graph)
        outs, out_tuple = _tuple(func(*ins))
        if v is None:
            if any(o.numel() != 1 for o in outs):
                raise RuntimeError("The vector v can only be None if the user-provided function "
                                   "returns a single Tensor with a single element.")
            from .._creation import ones_like

            vs = tuple(ones_like(o) for o in outs)
        else:
            vs, _ = _tuple(v)
        g = _grads(outs, ins, vs, create_graph)
    outs = _detach(outs, create_graph)
    g = _detach(g, create_graph)
    return (outs if out_tuple else outs[0]), (g if in_tuple else g[0])


def jvp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), J v)``: the Jacobian-vector product, by the double-vjp trick."""
    from .._creation import ones_like, zeros_like
    from .backward import grad
    from .grad_mode import enable_grad

    ins, in_tuple = _tuple(inputs)
    with enable_grad():
        ins = _prepare(ins, create_graph)
        outs, out_tuple = _tuple(func(*ins))
        vs = tuple(ones_like(x) for x in ins) if v is None else _tuple(v)[0]
        # u is a dummy cotangent; d(u^T J)/du = J, so J v = d((u^T J) . v)/du
        us = tuple(zeros_like(o).requires_grad_(True) for o in outs)
        gs = _grads(outs, ins, us, create_graph=True)
        pairs = [(g, vv) for g, vv in zip(gs, vs) if g.requires_grad]
        if pairs:
            jv = grad([p[0] for p in pairs], list(us), [p[1] for p in pairs],
                      create_graph=create_graph, allow_unused=True)
            jv = tuple(zeros_like(o) if j is None else j for j, o in zip(jv, outs))
        else:
            jv = tuple(zeros_like(o) for o in outs)
    outs = _detach(outs, create_graph)
    jv = _detach(jv, create_graph)
    return (outs if out_tuple else outs[0]), (jv if out_tuple else jv[0])


def jacobian(func: Callable, inputs, create_graph: bool = False, strict: bool = False,
             vectorize: bool = False, strategy: str = "reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``: shape ``out.shape + in.shape`` per pair."""
    from .._tensor import _make
    from .grad_mode import enable_grad

    ins, in_tuple = _tuple(inputs)
    with enable_grad():
        ins = _prepare(ins, create_graph)
        outs, out_tuple = _tuple(func(*ins))
        rows = []
        for o in outs:
            per_input = [[] for _ in ins]
            for k in range(o.numel()):
                seed = np.zeros(o._data.shape, o._data.dtype)
                seed.flat[k] = 1
                gs = _grads([o], ins, [_make(seed)], create_graph)
                for i, g in enumerate(gs):
                    per_input[i].append(g)
            blocks = []
            for i, x in enumerate(ins):
                if per_input[i]:
                    from ..ops import OPS

                    j = OPS["stack"](per_input[i]).reshape(tuple(o.shape) + tuple(x.shape))
                else:
                    j = _make(np.zeros(tuple(o.shape) + tuple(x.shape), x._data.dtype))
                blocks.append(j if create_graph else j.detach())
            rows.append(tuple(blocks))
    if not out_tuple and not in_tuple:
        return rows[0][0]
    if not out_tuple:
        return rows[0]
    if not in_tuple:
        return tuple(r[0] for r in rows)
    return tuple(rows)


def hessian(func: Callable, inputs, create_graph: bool = False, strict: bool = False,
            vectorize: bool = False, outer_jacobian_strategy: str = "reverse-mode"):
    """The Hessian of scalar ``func`` at ``inputs``."""
    ins, in_tuple = _tuple(inputs)

    def grad_fn(*xs):
        out = func(*xs)
        if out.numel() != 1:
            raise RuntimeError("The function given to hessian should return a single Tensor "
                               "with a single element")
        from .backward import grad

        gs = grad([out], list(xs), create_graph=True, allow_unused=True)
        from .._creation import zeros_like

        g = tuple(zeros_like(x) if gi is None else gi for gi, x in zip(gs, xs))
        return g if in_tuple else g[0]

    return jacobian(grad_fn, ins if in_tuple else ins[0], create_graph=create_graph)


def vhp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), v^T H)`` for scalar ``func``."""
    from .backward import grad
    from .grad_mode import enable_grad

    ins, in_tuple = _tuple(inputs)
    with enable_grad():
        ins = _prepare(ins, create_graph)
        out = func(*ins)
        gs = grad([out], list(ins), create_graph=True, allow_unused=True)
        vs, _ = _tuple(v)
        pairs = [(g, vv) for g, vv in zip(gs, vs) if g is not None and g.requires_grad]
        from .._creation import zeros_like

        if pairs:
            h = grad([p[0] for p in pairs], list(ins), [p[1] for p in pairs],
                     create_graph=create_graph, allow_unused=True)
            h = tuple(zeros_like(x) if hi is None else hi for hi, x in zip(h, ins))
        else:
            h = tuple(zeros_like(x) for x in ins)
    out = out if create_graph else out.detach()
    h = _detach(h, create_graph)
    return out, (h if in_tuple else h[0])


def hvp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), H v)`` for scalar ``func`` (equal to vhp: H is symmetric)."""
    return vhp(func, inputs, v, create_graph=create_graph, strict=strict)
