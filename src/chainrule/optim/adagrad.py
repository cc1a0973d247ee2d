"""Adagrad, as ``torch.optim.Adagrad``."""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor, _make
from . import _functional as F
from .optimizer import Optimizer, _check_lr, _no_differentiable, _step_tensor

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    r"""Adagrad.

    Matches ``torch.optim.Adagrad`` (single-tensor implementation, dense gradients)::

        t += 1
        g = -grad if maximize else grad
        g = g + weight_decay * p                       (weight_decay != 0)
        clr = lr / (1 + (t - 1) * lr_decay)
        s = s + g * g
        p = p - clr * g / (sqrt(s) + eps)

    Args:
        params: iterable of tensors or of parameter-group dicts.
        lr (float): learning rate (default: 1e-2).
        lr_decay (float): learning-rate decay (default: 0).
        weight_decay (float): L2 penalty (default: 0).
        initial_accumulator_value (float): starting value of the sums (default: 0).
        eps (float): added to the denominator (default: 1e-10).
        maximize (bool): maximize the objective (default: False).
        foreach, fused: accepted for compatibility.  differentiable: must be False.

    The state (``step`` and ``sum``) is created for every parameter at construction.
    """

    def __init__(self, params, lr: float | Tensor = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0,
                 eps: float = 1e-10, foreach: bool | None = None, *, maximize: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        _check_lr(lr)
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(
                f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        _no_differentiable(differentiable)

        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "fused": fused,
        }
        super().__init__(params, defaults)
        if fused and foreach:
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")

        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, group)

    def _init_state(self, p: Tensor, group) -> None:
        state = self.state[p]
        state["step"] = _step_tensor()
        init_value = group["initial_accumulator_value"]
        if p._data.dtype.kind == "c":
            init_value = complex(init_value, init_value)
        state["sum"] = _make(np.full_like(p._data, init_value))

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            group.setdefault("fused", None)
        self._upgrade_step_state()

    def share_memory(self) -> None:
        """No-op: chainrule tensors live in this process's memory."""

    def _init_group(self, group, params_with_grad, grads, state_sums, state_steps) -> None:
        for p in group["params"]:
            if p._grad is None:
                continue
            params_with_grad.append(p)
            grads.append(p._grad)
            state = self.state[p]
            if len(state) == 0:  # a group added after construction
                self._init_state(p, group)
            state_sums.append(state["sum"])
            state_steps.append(state["step"])

    def step(self, closure=None):
        """Perform a single optimization step (``closure`` re-evaluates the loss)."""
        loss = self._run_closure(closure)

        for group in self.param_groups:
            params_with_grad: list[Tensor] = []
            grads: list[Tensor] = []
            state_sums: list[Tensor] = []
            state_steps: list[Tensor] = []
            self._init_group(group, params_with_grad, grads, state_sums, state_steps)

            F.adagrad(params_with_grad, grads, state_sums, state_steps, lr=group["lr"],
                      weight_decay=group["weight_decay"], lr_decay=group["lr_decay"],
                      eps=group["eps"], maximize=group["maximize"])

        return loss
