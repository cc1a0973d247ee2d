"""RMSprop, as ``torch.optim.RMSprop``."""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor, _make
from . import _functional as F
from .optimizer import Optimizer, _check_lr, _no_differentiable, _step_tensor

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    r"""RMSprop.

    Matches ``torch.optim.RMSprop`` (single-tensor implementation) step for step::

        g = -grad if maximize else grad
        g = g + weight_decay * p                         (weight_decay != 0)
        v = alpha * v + (1 - alpha) * g * g
        avg = sqrt(v - g_avg * g_avg) with g_avg = g_avg.lerp(g, 1 - alpha)   (centered)
        avg = sqrt(v)                                    (otherwise)
        avg = avg + eps
        buf = momentum * buf + g / avg;  p = p - lr * buf     (momentum > 0)
        p = p - lr * g / avg                             (otherwise)

    Args:
        params: iterable of tensors or of parameter-group dicts.
        lr (float): learning rate (default: 1e-2).
        alpha (float): smoothing constant (default: 0.99).
        eps (float): added to the denominator (default: 1e-8).
        weight_decay (float): L2 penalty (default: 0).
        momentum (float): momentum factor (default: 0).
        centered (bool): normalise by the estimated variance of the gradient (default: False).
        maximize (bool): maximize the objective (default: False).
        capturable, foreach: accepted for compatibility.  differentiable: must be False.

    State per parameter: ``step``, ``square_avg``, ``momentum_buffer`` (momentum > 0) and
    ``grad_avg`` (centered).
    """

    def __init__(self, params, lr: float | Tensor = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0, momentum: float = 0,
                 centered: bool = False, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        _no_differentiable(differentiable)

        defaults = {
            "lr": lr,
            "momentum": momentum,
            "alpha": alpha,
            "eps": eps,
            "centered": centered,
            "weight_decay": weight_decay,
            "capturable": capturable,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("momentum", 0)
            group.setdefault("centered", False)
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            group.setdefault("capturable", False)
        self._upgrade_step_state()

    def _init_group(self, group, params_with_grad, grads, square_avgs, momentum_buffer_list,
                    grad_avgs, state_steps) -> None:
        for p in group["params"]:
            if p._grad is None:
                continue
            params_with_grad.append(p)
            grads.append(p._grad)
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _step_tensor()
                state["square_avg"] = _make(np.zeros_like(p._data))
                if group["momentum"] > 0:
                    state["momentum_buffer"] = _make(np.zeros_like(p._data))
                if group["centered"]:
                    state["grad_avg"] = _make(np.zeros_like(p._data))
            square_avgs.append(state["square_avg"])
            state_steps.append(state["step"])
            if group["momentum"] > 0:
                momentum_buffer_list.append(state["momentum_buffer"])
            if group["centered"]:
                grad_avgs.append(state["grad_avg"])

    def step(self, closure=None):
        """Perform a single optimization step (``closure`` re-evaluates the loss)."""
        loss = self._run_closure(closure)

        for group in self.param_groups:
            params_with_grad: list[Tensor] = []
            grads: list[Tensor] = []
            square_avgs: list[Tensor] = []
            grad_avgs: list[Tensor] = []
            momentum_buffer_list: list[Tensor] = []
            state_steps: list[Tensor] = []
            self._init_group(group, params_with_grad, grads, square_avgs,
                             momentum_buffer_list, grad_avgs, state_steps)

            F.rmsprop(params_with_grad, grads, square_avgs, grad_avgs, momentum_buffer_list,
                      state_steps, lr=group["lr"], alpha=group["alpha"], eps=group["eps"],
                      weight_decay=group["weight_decay"], momentum=group["momentum"],
                      centered=group["centered"], maximize=group["maximize"])

        return loss
