"""Module backward hooks: identity nodes around a module's inputs and outputs.

``register_full_backward_pre_hook`` and ``register_full_backward_hook`` work as in PyTorch:
the tensors going into and out of the module pass through an identity node
(``BackwardHookFunctionBackward``) whose derivative calls the hooks with the gradients
w.r.t. the module's outputs (pre-hooks) and then w.r.t. its inputs.
"""

from __future__ import annotations

from ..._tensor import Tensor, _make
from ...autograd.grad_mode import STATE
from ...autograd.graph import Node
from ...ops._core import record_multi

__all__ = ["BackwardHook"]


class BackwardHookFunctionBackward(Node):
    """Identity whose derivative runs a module's backward hooks."""

    _callback = None

    def backward(self, F, grads):
        multi = self.n_outputs != 1
        gl = list(grads) if multi else [grads]
        array = F.mode == "array"
        wrapped = tuple(None if g is None else (_make(g) if array else g) for g in gl)
        res = self._callback(wrapped)
        if res is not None:
            gl = [None if g is None else (g._data if array and isinstance(g, Tensor) else g)
                  for g in res]
        return tuple(gl)


def _apply_identity(tensors: list, callback):
    outs = record_multi(BackwardHookFunctionBackward, [t._data for t in tensors], tuple(tensors))
    if outs and outs[0].grad_fn is not None:
        outs[0].grad_fn._callback = callback
    return list(outs)


class BackwardHook:
    """Sets up the identity nodes for one call of a module with backward hooks."""

    def __init__(self, module, user_hooks: list, user_pre_hooks: list) -> None:
        self.module = module
        self.user_hooks = user_hooks
        self.user_pre_hooks = user_pre_hooks
        self.grad_outputs = None
        self.n_inputs = 0
        self.input_positions: list | None = None

    def _pack(self, positions: list, values, n: int) -> tuple:
        res = [None] * n
        for p, v in zip(positions, values, strict=True):
            res[p] = v
        return tuple(res)

    def _input_callback(self, grads: tuple):
        grad_inputs = self._pack(self.input_positions, grads, self.n_inputs)
        for hook in self.user_hooks:
            out = hook(self.module, grad_inputs, self.grad_outputs)
            if out is None:
                continue
            out = tuple(out) if isinstance(out, (tuple, list)) else (out,)
            if len(out) != len(grad_inputs):
                raise RuntimeError(
                    f"Backward hook returned an invalid number of grad_input, got {len(out)}, "
                    f"but expected {len(grad_inputs)}")
            grad_inputs = out
        return tuple(grad_inputs[p] for p in self.input_positions)

    def _output_callback(self, grads: tuple):
        grad_outputs = grads
        for hook in self.user_pre_hooks:
            out = hook(self.module, grad_outputs)
            if out is None:
                continue
            out = tuple(out) if isinstance(out, (tuple, list)) else (out,)
            if len(out) != len(grad_outputs):
                raise RuntimeError(
                    f"Backward pre hook returned an invalid number of grad_output, got "
                    f"{len(out)}, but expected {len(grad_outputs)}")
            grad_outputs = out
        self.grad_outputs = grad_outputs
        if self.input_positions is None:
            # no input requires grad: the hooks still run, with grad_input all None
            grad_inputs = (None,) * self.n_inputs
            for hook in self.user_hooks:
                res = hook(self.module, grad_inputs, self.grad_outputs)
                if res is not None and not all(r is None for r in res):
                    raise RuntimeError(
                        "Backward hook for Modules where no input requires gradient should "
                        "always return None or None for all gradients.")
            self.grad_outputs = None
        return grad_outputs

    def setup_input_hook(self, args: tuple) -> tuple:
        self.n_inputs = len(args)
        positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        if not (STATE.enabled and any(args[i].requires_grad for i in positions)):
            return args
        self.input_positions = positions
        new = _apply_identity([args[i] for i in positions], self._input_callback)
        args = list(args)
        for p, t in zip(positions, new, strict=True):
            args[p] = t
        return tuple(args)

    def setup_output_hook(self, result):
        single = isinstance(result, Tensor)
        items = [result] if single else (list(result) if isinstance(result, tuple) else None)
        if items is None:
            return result
        positions = [i for i, a in enumerate(items) if isinstance(a, Tensor)]
        if not (STATE.enabled and any(items[i].requires_grad for i in positions)):
            return result
        new = _apply_identity([items[i] for i in positions], self._output_callback)
        for p, t in zip(positions, new, strict=True):
            items[p] = t
        return items[0] if single else tuple(items)
