"""User-defined differentiable operations: subclass ``Function``.

>>> import chainrule as torch
>>> class Cube(torch.autograd.Function):
...     @staticmethod
...     def forward(ctx, x):
...         ctx.save_for_backward(x)
...         return x ** 3
...     @staticmethod
...     def backward(ctx, grad):
...         (x,) = ctx.saved_tensors
...         return grad * 3 * x ** 2
>>> x = torch.tensor(2.0, requires_grad=True)
>>> y = Cube.apply(x)
>>> y.grad_fn
<CubeBackward object at ...>
>>> y.backward(); x.grad
tensor(12.)
"""

from __future__ import annotations

import functools
from typing import Any

from .grad_mode import STATE
from .graph import Node, next_sequence_nr

__all__ = ["Function", "FunctionCtx", "once_differentiable", "BackwardCFunction"]


class FunctionCtx:
    """What ``forward`` and ``backward`` share: saved tensors and flags."""

    def save_for_backward(self, *tensors) -> None:
        """Keep tensors for backward; they are version-checked when read."""
        self.to_save = tensors

    def save_for_forward(self, *tensors) -> None:
        self.saved_for_forward = tensors

    def mark_dirty(self, *tensors) -> None:
        """Declare inputs that ``forward`` modified in place."""
        self.dirty_tensors = tensors

    def mark_non_differentiable(self, *tensors) -> None:
        """Declare outputs that get no gradient (e.g. indices)."""
        self.non_differentiable = tensors

    def set_materialize_grads(self, value: bool) -> None:
        """Whether None output gradients reach ``backward`` as zeros (default True)."""
        self.materialize_grads = value


class BackwardCFunction(Node, FunctionCtx):
    """The node of a custom Function call; it is also the ``ctx`` its methods receive."""

    _special = False
    materialize_grads = True
    to_save: tuple = ()
    dirty_tensors: tuple = ()
    non_differentiable: tuple = ()

    @property
    def saved_tensors(self) -> tuple:
        from .engine import check_saved

        return tuple(check_saved(self, False))

    @property
    def needs_input_grad(self) -> tuple:
        return self._needs_input_grad

    def backward(self, F, g):
        from .._tensor import Tensor, _make

        create_graph = F.mode == "tensor"
        grads = list(g) if self.n_outputs != 1 else [g]
        if self.materialize_grads:
            grads = [_zeros_like_output(self, i, create_graph) if x is None else x
                     for i, x in enumerate(grads)]
        if not create_graph:
            grads = [x if x is None or isinstance(x, Tensor) else _make(x) for x in grads]
        res = self._cls.backward(self, *grads)
        if not isinstance(res, tuple):
            res = (res,)
        n_in = len(self._input_kinds)
        if len(res) < n_in:
            raise RuntimeError(
                f"function {type(self).__name__} returned an incorrect number of gradients "
                f"(expected {n_in}, got {len(res)})")
        res = res[:n_in] if len(res) > n_in and all(r is None for r in res[n_in:]) else res
        if len(res) != n_in:
            raise RuntimeError(
                f"function {type(self).__name__} returned an incorrect number of gradients "
                f"(expected {n_in}, got {len(res)})")
        out = []
        for kind, r in zip(self._input_kinds, res):
            if not kind:
                continue  # the argument was not a tensor: no edge
            if r is not None and not isinstance(r, Tensor):
                raise TypeError(f"{type(self).__name__}.backward must return Tensors or None")
            out.append(r if create_graph or r is None else r._data)
        return tuple(out)


def _zeros_like_output(node, i, as_tensor):
    import numpy as np

    from .._tensor import _make

    shape, dt = node._out_meta[i]
    z = np.zeros(shape, dt)
    return _make(z) if as_tensor else z


class _FunctionMeta(type):
    """Gives every Function subclass its node class, named ``<Name>Backward``."""

    def __init__(cls, name, bases, attrs):
        super().__init__(name, bases, attrs)
        node_name = name + "Backward"
        cls._backward_cls = type(node_name, (BackwardCFunction,),
                                 {"_cls": cls, "__module__": cls.__module__})
        cls._backward_cls.__qualname__ = node_name


class Function(metaclass=_FunctionMeta):
    """Base class of custom differentiable operations (``forward`` and ``backward``)."""

    @staticmethod
    def forward(ctx: Any, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            "You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple, output: Any) -> Any:
        return _NO_SETUP

    @staticmethod
    def backward(ctx: Any, *grad_outputs: Any) -> Any:
        raise NotImplementedError(
            "You must implement either the backward or vjp method for your custom "
            "autograd.Function to use it with backward mode AD.")

    vjp = backward

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run ``forward`` and, when an input needs a gradient, record the call."""
        from .._tensor import Tensor

        node = cls._backward_cls()
        uses_setup = cls.setup_context is not Function.setup_context
        prev = STATE.enabled
        STATE.enabled = False
        try:
            if uses_setup:
                output = cls.forward(*args, **kwargs)
                cls.setup_context(node, args, output)
            else:
                output = cls.forward(node, *args, **kwargs)
        finally:
            STATE.enabled = prev
        is_tuple = isinstance(output, tuple)
        outputs = output if is_tuple else (output,)
        tensor_args = [a for a in args if isinstance(a, Tensor)]
        if not (prev and any(a._rg for a in tensor_args)):
            return output
        from ..ops._core import _edge

        node._seq = next_sequence_nr()
        node._input_kinds = tuple(isinstance(a, Tensor) for a in args)
        node._next = tuple(_edge(a) for a in tensor_args)
        node._needs_input_grad = tuple(isinstance(a, Tensor) and a._rg for a in args)
        saved = node.to_save
        if saved:
            node._saved = tuple(saved)
            node._versions = [None if s is None else s._version for s in saved]
        dirty = {id(t) for t in node.dirty_tensors}
        non_diff = {id(t) for t in node.non_differentiable}
        node.n_outputs = len(outputs)
        node._out_meta = [(o._data.shape, o._data.dtype) if isinstance(o, Tensor) else ((), None)
                          for o in outputs]
        results = []
        for i, o in enumerate(outputs):
            if not isinstance(o, Tensor):
                results.append(o)
                continue
            if id(o) in non_diff or o._data.dtype.kind not in "fc":
                results.append(o)
                continue
            if id(o) in dirty:
                if o._grad_fn is None and o._rg:
                    raise RuntimeError(
                        "a leaf Variable that requires grad is being used in an in-place "
                        "operation.")
                o._version_counter().bump()
                t = o
            elif any(o is a for a in args):
                t = o.view_as(o) if hasattr(o, "view_as") else o.detach()
            else:
                t = o
                if t._grad_fn is not None or t._rg:
                    t = o.detach()
            t._grad_fn = node
            t._rg = True
            t._output_nr = i
            results.append(t)
        return tuple(results) if is_tuple else results[0]


_NO_SETUP = object()


def once_differentiable(fn):
    """Decorate ``backward``: its result is not differentiable again (runs without a graph)."""

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        from .grad_mode import no_grad

        with no_grad():
            return fn(ctx, *args)

    return wrapper
