"""Regression and binary losses: mse, l1, smooth_l1, huber, binary cross entropy (on
probabilities and on logits) and KL divergence.

Each is one fused node over ``(input, target)`` (both may want gradients). Rules are written
with the math namespace ``F`` (``d = input - target``, ``a`` the incoming gradient, divided by
the element count for ``'mean'``), so they are differentiable again under
``create_graph=True``. Broadcasting between input and target is undone by the engine.
"""

from __future__ import annotations

import warnings

import numpy as np

from ...autograd.graph import derivative
from ._utils import Tensor, legacy_reduction, op, record, reduction_enum, size_str

__all__ = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "kl_div"]


def _size_warning(input: Tensor, target: Tensor) -> None:
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(
            f"Using a target size ({size_str(target.shape)}) that is different to the input "
            f"size ({size_str(input.shape)}). This will likely lead to incorrect results due "
            "to broadcasting. Please ensure they have the same size.", stacklevel=3)


def _meta(tensors, shape, dtype):
    meta = []
    for t in tensors:
        if t is None or (tuple(t._data.shape) == shape and t._data.dtype == dtype):
            meta.append(None)
        else:
            meta.append((tuple(t._data.shape), t.dtype))
    return None if all(m is None for m in meta) else tuple(meta)


def _reduce(loss: np.ndarray, reduction: str, dtype) -> np.ndarray:
    if reduction == "mean":
        return np.asarray(loss.mean(), dtype=dtype)
    if reduction == "sum":
        return np.asarray(loss.sum(), dtype=dtype)
    return loss.astype(dtype, copy=False)


def _scale(F, g, reduction: str, n: int):
    """The incoming gradient as a factor on each element's derivative."""
    return g / float(n) if reduction == "mean" else g


def _const(F, value, like):
    return value if F.mode == "array" else F.const(value, like=like)


def _sigmoid(F, x):
    if F.mode == "array":
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype, copy=False)
    return x.sigmoid()


# ------------------------------------------------------------------ pointwise regression
def _pointwise_rule(deriv):
    def rule(node, F, g):
        x, y = F.saved(node)
        reduction, param, n = node._args
        d = x - y
        gd = deriv(F, d, param) * _scale(F, g, reduction, n)
        need = F.needs(node)
        return (gd if need[0] else None, -gd if len(need) > 1 and need[1] else None)

    return rule


MseLossBackward0 = derivative("mse_loss")(_pointwise_rule(lambda F, d, p: d * 2.0))
L1LossBackward0 = derivative("l1_loss")(_pointwise_rule(lambda F, d, p: F.sign(d)))


def _smooth_l1_deriv(F, d, beta):
    if beta == 0:
        return F.sign(d)
    return F.where(F.abs(d) < beta, d / beta, F.sign(d))


def _huber_deriv(F, d, delta):
    return F.where(F.abs(d) <= delta, d, F.sign(d) * delta)


SmoothL1LossBackward0 = derivative("smooth_l1_loss")(_pointwise_rule(_smooth_l1_deriv))
HuberLossBackward0 = derivative("huber_loss")(_pointwise_rule(_huber_deriv))


def _pointwise(cls, fwd, input: Tensor, target: Tensor, reduction: str, param=None,
               weight: Tensor | None = None, weighted_mean_by_weight: bool = True) -> Tensor:
    _size_warning(input, target)
    reduction = reduction_enum(reduction)
    if weight is not None:
        # PyTorch composes the weighted variants from the unweighted loss
        if tuple(weight.shape) != tuple(input.shape):
            raise ValueError("Weights and input must have the same size.")
        weighted = _pointwise(cls, fwd, input, target, "none", param) * weight
        if reduction == "none":
            return weighted
        if reduction == "sum" or weighted_mean_by_weight:
            total = op("sum")(weighted)
            return total if reduction == "sum" else total / op("sum")(weight)
        return op("mean")(weighted)
    x, y = input._data, target._data
    if x.dtype.kind not in "fc" and y.dtype.kind not in "fc":
        raise RuntimeError(f"expected a floating-point input, but got {input.dtype}")
    d = x - y
    loss = fwd(d, param)
    out = _reduce(loss, reduction, d.dtype)
    return record(cls, out, (input, target), saved=(input, target),
                  args=(reduction, param, d.size), meta=_meta((input, target), d.shape, d.dtype))


def _broadcast_check(input: Tensor, target: Tensor):
    try:
        np.broadcast_shapes(tuple(input.shape), tuple(target.shape))
    except ValueError:
        from ...ops._core import broadcast_error

        raise broadcast_error(tuple(input.shape), tuple(target.shape)) from None


def mse_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
             reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """Mean squared error ``(input - target)^2``, reduced.

    >>> import chainrule as torch
    >>> torch.nn.functional.mse_loss(torch.tensor([1., 2.]), torch.tensor([0., 0.]))
    tensor(2.5000)
    """
    _broadcast_check(input, target)
    reduction = legacy_reduction(size_average, reduce, reduction)
    return _pointwise(MseLossBackward0, lambda d, p: d * d, input, target, reduction,
                      weight=weight)


def l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
            reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """Mean absolute error ``|input - target|``, reduced."""
    _broadcast_check(input, target)
    reduction = legacy_reduction(size_average, reduce, reduction)
    return _pointwise(L1LossBackward0, lambda d, p: np.abs(d), input, target, reduction,
                      weight=weight)


def _smooth_l1(d, beta):
    ad = np.abs(d)
    if beta == 0:
        return ad
    return np.where(ad < beta, 0.5 * d * d / beta, ad - 0.5 * beta).astype(d.dtype, copy=False)


def _huber(d, delta):
    ad = np.abs(d)
    return np.where(ad < delta, 0.5 * d * d, delta * (ad - 0.5 * delta)).astype(
        d.dtype, copy=False)


def smooth_l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                   reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """``0.5 d^2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta``."""
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    _broadcast_check(input, target)
    reduction = legacy_reduction(size_average, reduce, reduction)
    return _pointwise(SmoothL1LossBackward0, _smooth_l1, input, target, reduction,
                      float(beta))


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    """``0.5 d^2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)``."""
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    _broadcast_check(input, target)
    return _pointwise(HuberLossBackward0, _huber, input, target, reduction, float(delta),
                      weight=weight, weighted_mean_by_weight=False)


# ------------------------------------------------------------------ binary cross entropy
@derivative("binary_cross_entropy")
def BinaryCrossEntropyBackward0(node, F, g):
    """d/dx = w (x - t) / max(x (1 - x), 1e-12); d/dt = w (log(1-x) - log(x)) (logs >= -100)."""
    x, t = F.saved(node)
    w, reduction, n = node._args
    a = _scale(F, g, reduction, n)
    if w is not None:
        a = a * _const(F, w, x)
    need = F.needs(node)
    gx = gt = None
    if need[0]:
        denom = F.maximum((1.0 - x) * x, F.const(1e-12, like=x))
        gx = (x - t) / denom * a
    if len(need) > 1 and need[1]:
        lo = F.const(-100.0, like=x)
        gt = (F.maximum(F.log(1.0 - x), lo) - F.maximum(F.log(x), lo)) * a
    return gx, gt


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                         size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """``-w (t log(x) + (1 - t) log(1 - x))`` with each log clamped to ``>= -100``.

    >>> import chainrule as torch
    >>> torch.nn.functional.binary_cross_entropy(torch.tensor([0.8]), torch.tensor([1.]))
    tensor(0.2231)
    """
    reduction = reduction_enum(legacy_reduction(size_average, reduce, reduction))
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(
            f"Using a target size ({size_str(target.shape)}) that is different to the input "
            f"size ({size_str(input.shape)}) is deprecated. Please ensure they have the same "
            "size.")
    x = input._data
    t = target._data
    if x.size and ((x < 0).any() or (x > 1).any()):
        raise RuntimeError("all elements of input should be between 0 and 1")
    with np.errstate(divide="ignore"):
        lx = np.maximum(np.log(x), -100.0)
        l1x = np.maximum(np.log(1.0 - x), -100.0)
    loss = -(t * lx + (1.0 - t) * l1x)
    w = None
    if weight is not None:
        w = np.broadcast_to(weight._data, x.shape).astype(x.dtype, copy=False)
        loss = loss * w
    out = _reduce(loss, reduction, x.dtype)
    return record(BinaryCrossEntropyBackward0, out, (input, target), saved=(input, target),
                  args=(w, reduction, x.size))


@derivative("binary_cross_entropy_with_logits")
def BinaryCrossEntropyWithLogitsBackward0(node, F, g):
    """d/dx = ((1 + (pw-1) t) sigmoid(x) - pw t) w; d/dt = (-x + (pw-1) softplus(-x)) w."""
    x, t = F.saved(node)
    w, pw, reduction, n = node._args
    a = _scale(F, g, reduction, n)
    if w is not None:
        a = a * _const(F, w, x)
    need = F.needs(node)
    gx = gt = None
    if need[0]:
        sig = _sigmoid(F, x)
        if pw is None:
            gx = (sig - t) * a
        else:
            p = _const(F, pw, x)
            gx = ((1.0 + (p - 1.0) * t) * sig - p * t) * a
    if len(need) > 1 and need[1]:
        if pw is None:
            gt = -x * a
        else:
            p = _const(F, pw, x)
            sp = F.log1p(F.exp(-F.abs(x))) + F.maximum(-x, F.const(0.0, like=x))
            gt = (-x + (p - 1.0) * sp) * a
    return gx, gt


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor,
                                     weight: Tensor | None = None, size_average=None,
                                     reduce=None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """Sigmoid + binary cross entropy in one stable op:
    ``(1 - t) x + (1 + (pw - 1) t) softplus(-x)``, times ``weight``.

    >>> import chainrule as torch
    >>> torch.nn.functional.binary_cross_entropy_with_logits(torch.tensor([0.]),
    ...                                                      torch.tensor([1.]))
    tensor(0.6931)
    """
    reduction = reduction_enum(legacy_reduction(size_average, reduce, reduction))
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({size_str(target.shape)}) must be the same as input "
                         f"size ({size_str(input.shape)})")
    x = input._data
    t = target._data.astype(x.dtype, copy=False)
    sp = np.log1p(np.exp(-np.abs(x))) + np.maximum(-x, 0)  # softplus(-x), stable
    pw = None
    if pos_weight is not None:
        pw = np.broadcast_to(pos_weight._data, np.broadcast_shapes(
            pos_weight._data.shape, x.shape)).astype(x.dtype, copy=False)
        loss = (1.0 - t) * x + (1.0 + (pw - 1.0) * t) * sp
    else:
        loss = (1.0 - t) * x + sp
    w = None
    if weight is not None:
        w = np.broadcast_to(weight._data, x.shape).astype(x.dtype, copy=False)
        loss = loss * w
    out = _reduce(loss, reduction, x.dtype)
    return record(BinaryCrossEntropyWithLogitsBackward0, out, (input, target),
                  saved=(input, target), args=(w, pw, reduction, x.size))


# ------------------------------------------------------------------------ KL divergence
@derivative("kl_div")
def KlDivBackward0(node, F, g):
    """log_target: d/dx = -e^t, d/dt = e^t (t - x + 1); else d/dx = -t,
    d/dt = (log(t) + 1 - x) * (t > 0)."""
    x, t = F.saved(node)
    log_target, reduction, n = node._args
    a = _scale(F, g, reduction, n)
    need = F.needs(node)
    gx = gt = None
    if log_target:
        et = F.exp(t)
        if need[0]:
            gx = -et * a
        if len(need) > 1 and need[1]:
            gt = et * (t - x + 1.0) * a
    else:
        if need[0]:
            gx = -t * a
        if len(need) > 1 and need[1]:
            # as PyTorch: (log(t) + 1 - x) * (t > 0), which is NaN where t == 0
            if F.mode == "array":
                with np.errstate(divide="ignore", invalid="ignore"):
                    gt = (np.log(t) + 1.0 - x) * (t > 0) * a
            else:
                gt = (F.log(t) + 1.0 - x) * F.mask(t > 0, t) * a
    return gx, gt


def kl_div(input: Tensor, target: Tensor, size_average=None, reduce=None,
           reduction: str = "mean", log_target: bool = False) -> Tensor:
    """KL divergence of ``target`` from log-probabilities ``input``:
    ``target * (log(target) - input)`` (``'batchmean'`` divides the sum by the batch size).
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    if reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support "
            "size.'batchmean' divides only by the batch size, and aligns with the KL div math "
            "definition.'mean' will be changed to behave the same as 'batchmean' in the next "
            "major release.", stacklevel=2)
    if reduction == "batchmean":
        red = "sum"
    else:
        red = reduction_enum(reduction)
    _broadcast_check(input, target)
    x, t = input._data, target._data
    if log_target:
        loss = np.exp(t) * (t - x)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            xlogy = np.where(t > 0, t * np.log(np.where(t > 0, t, 1.0)), 0.0)
        loss = xlogy - t * x
    dt = np.result_type(x, t)
    out = _reduce(loss, red, dt)
    res = record(KlDivBackward0, out, (input, target), saved=(input, target),
                 args=(log_target, red, loss.size),
                 meta=_meta((input, target), loss.shape, dt))
    if reduction == "batchmean" and input.ndim != 0:
        res = res / input.shape[0]
    return res
