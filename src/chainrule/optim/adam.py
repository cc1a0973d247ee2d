"""Adam (and, with ``decoupled_weight_decay=True``, AdamW), as ``torch.optim.Adam``."""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor, _make
from . import _functional as F
from .optimizer import Optimizer, _check_lr, _no_differentiable, _step_tensor, _to_scalar

__all__ = ["Adam"]


class Adam(Optimizer):
    r"""Adam: adaptive moment estimation.

    Matches ``torch.optim.Adam`` (single-tensor implementation) step for step::

        t += 1
        g = -grad if maximize else grad
        p = p * (1 - lr * weight_decay)      (decoupled_weight_decay, i.e. AdamW)
        g = g + weight_decay * p             (otherwise, when weight_decay != 0)
        m = m.lerp(g, 1 - beta1)
        v = v * beta2 + (1 - beta2) * g * g
        v_max = max(v_max, v)                (amsgrad)
        denom = sqrt(v or v_max) / sqrt(1 - beta2 ** t) + eps
        p = p - (lr / (1 - beta1 ** t)) * m / denom

    Args:
        params: iterable of tensors or of parameter-group dicts.
        lr (float): learning rate (default: 1e-3).
        betas (tuple[float, float]): decay rates of the moment averages (default: (0.9, 0.999)).
        eps (float): added to the denominator (default: 1e-8).
        weight_decay (float): weight decay (default: 0).
        amsgrad (bool): use the AMSGrad variant (default: False).
        maximize (bool): maximize the objective (default: False).
        decoupled_weight_decay (bool): AdamW's decoupled weight decay (default: False).
        foreach, capturable, fused: accepted for compatibility; the update is the same.
        differentiable: must be False.

    State per parameter: ``step`` (0-dim float32 tensor), ``exp_avg``, ``exp_avg_sq`` and,
    with amsgrad, ``max_exp_avg_sq``.
    """

    def __init__(self, params, lr: float | Tensor = 1e-3,
                 betas: tuple[float | Tensor, float | Tensor] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, amsgrad: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None, decoupled_weight_decay: bool = False) -> None:
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= _to_scalar(betas[0]) < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= _to_scalar(betas[1]) < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not ((isinstance(betas[0], float) and isinstance(betas[1], float))
                or (isinstance(betas[0], Tensor) and isinstance(betas[1], Tensor))):
            raise ValueError("betas must be either both floats or both Tensors")
        for i in (0, 1):
            if isinstance(betas[i], Tensor) and betas[i].numel() != 1:
                raise ValueError(f"Tensor betas[{i}] must be 1-element")
        _no_differentiable(differentiable)
        betas = tuple(_to_scalar(b) for b in betas)

        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
            "fused": fused,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)
        if fused and foreach:
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("amsgrad", False)
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("capturable", False)
            group.setdefault("differentiable", False)
            group.setdefault("decoupled_weight_decay", False)
            group.setdefault("fused", None)
        self._upgrade_step_state()

    def _init_group(self, group, params_with_grad, grads, exp_avgs, exp_avg_sqs,
                    max_exp_avg_sqs, state_steps) -> None:
        for p in group["params"]:
            if p._grad is None:
                continue
            params_with_grad.append(p)
            grads.append(p._grad)
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _step_tensor()
                state["exp_avg"] = _make(np.zeros_like(p._data))
                state["exp_avg_sq"] = _make(np.zeros_like(p._data))
                if group["amsgrad"]:
                    state["max_exp_avg_sq"] = _make(np.zeros_like(p._data))
            exp_avgs.append(state["exp_avg"])
            exp_avg_sqs.append(state["exp_avg_sq"])
            if group["amsgrad"]:
                max_exp_avg_sqs.append(state["max_exp_avg_sq"])
            state_steps.append(state["step"])

    def step(self, closure=None):
        """Perform a single optimization step (``closure`` re-evaluates the loss)."""
        loss = self._run_closure(closure)

        for group in self.param_groups:
            params_with_grad: list[Tensor] = []
            grads: list[Tensor] = []
            exp_avgs: list[Tensor] = []
            exp_avg_sqs: list[Tensor] = []
            max_exp_avg_sqs: list[Tensor] = []
            state_steps: list[Tensor] = []
            beta1, beta2 = group["betas"]
            self._init_group(group, params_with_grad, grads, exp_avgs, exp_avg_sqs,
                             max_exp_avg_sqs, state_steps)

            F.adam(params_with_grad, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs,
                   state_steps, amsgrad=group["amsgrad"], beta1=beta1, beta2=beta2,
                   lr=group["lr"], weight_decay=group["weight_decay"], eps=group["eps"],
                   maximize=group["maximize"],
                   decoupled_weight_decay=group["decoupled_weight_decay"])

        return loss
