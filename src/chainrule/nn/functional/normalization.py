"""Normalisation: ``batch_norm``, ``layer_norm``, ``group_norm``, ``instance_norm``, and
``normalize`` / ``rms_norm``.

The three fused ops share one derivative. With ``xhat = (x - mean) * invstd`` over a set of
``M`` elements that share statistics, ``gy = g * weight``:

    dx = invstd * (gy - mean(gy) - xhat * mean(gy * xhat))
    dweight = sum(g * xhat),   dbias = sum(g)        (over everything but the channel)

Rules are written with the math namespace ``F``; under ``create_graph=True`` the statistics
are recomputed from the saved input as tensors, so these layers are differentiable twice.
Batch norm in eval mode (running statistics) is an affine map: ``dx = g * weight * invstd``.
"""

from __future__ import annotations

import numpy as np

from ...autograd.graph import derivative
from ._utils import Tensor, op, record, size_str

__all__ = ["batch_norm", "layer_norm", "group_norm", "instance_norm", "normalize", "rms_norm"]


def _stats_tensor(F, x, axes, eps):
    """``(xhat, invstd)`` recomputed from tensor ``x`` (differentiable)."""
    M = 1
    for a in axes:
        M *= x.shape[a]
    mean = F.sum(x, axes, keepdim=True) / M
    xc = x - mean
    var = F.sum(xc * xc, axes, keepdim=True) / M
    invstd = 1.0 / F.sqrt(var + eps)
    return xc * invstd, invstd


def _norm_grads(F, g, xhat, invstd, w_b, axes, wshape, waxes, need):
    """Input, weight and bias gradients of ``y = xhat * w + b`` where ``xhat`` normalises
    over ``axes``; ``w_b`` is the weight broadcast to ``x`` (None without affine)."""
    need_x, need_w, need_b = need
    gx = gw = gb = None
    if need_w:
        gw = F.reshape(F.sum(g * xhat, waxes), wshape)
    if need_b:
        gb = F.reshape(F.sum(g, waxes), wshape)
    if need_x:
        gy = g if w_b is None else g * w_b
        M = 1
        for a in axes:
            M *= xhat.shape[a]
        m1 = F.sum(gy, axes, keepdim=True) / M
        m2 = F.sum(gy * xhat, axes, keepdim=True) / M
        gx = (gy - m1 - xhat * m2) * invstd
    return gx, gw, gb


# ------------------------------------------------------------------------------ layer norm
@derivative("native_layer_norm")
def NativeLayerNormBackward0(node, F, g):
    x, w = F.saved(node)[:2]
    axes, eps, mean_inv = node._args
    lead = tuple(range(x.ndim - len(axes)))
    if F.mode == "array":
        mean, invstd = mean_inv
        xhat = (x - mean) * invstd
    else:
        xhat, invstd = _stats_tensor(F, x, axes, eps)
    need = F.needs(node)
    wshape = None if w is None else tuple(w.shape)
    gx, gw, gb = _norm_grads(F, g, xhat, invstd, w, axes, wshape, lead,
                             (need[0], len(need) > 1 and need[1], len(need) > 2 and need[2]))
    return gx, gw, gb


def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise over the last ``len(normalized_shape)`` dims, then scale and shift.

    >>> import chainrule as torch
    >>> torch.nn.functional.layer_norm(torch.tensor([[1., 2., 3.]]), (3,))
    tensor([[-1.2247,  0.0000,  1.2247]])
    """
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    ns = tuple(int(s) for s in normalized_shape)
    x = input._data
    k = len(ns)
    if k == 0 or x.ndim < k or tuple(x.shape[-k:]) != ns:
        raise RuntimeError(
            f"Given normalized_shape={list(ns)}, expected input with shape "
            f"[*, {', '.join(map(str, ns))}], but got input of size{list(x.shape)}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != ns:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but "
                               f"got {name} of shape {list(t.shape)} and normalized_shape = "
                               f"{list(ns)}")
    axes = tuple(range(x.ndim - k, x.ndim))
    mean = x.mean(axis=axes, keepdims=True)
    xc = x - mean
    var = np.mean(xc * xc, axis=axes, keepdims=True)
    invstd = (1.0 / np.sqrt(var + eps)).astype(x.dtype, copy=False)
    out = xc * invstd
    if weight is not None:
        out *= weight._data
    if bias is not None:
        out += bias._data
    return record(NativeLayerNormBackward0, out.astype(x.dtype, copy=False),
                  (input, weight, bias), saved=(input, weight), args=(axes, eps, (mean, invstd)))


def rms_norm(input: Tensor, normalized_shape, weight: Tensor | None = None,
             eps: float | None = None) -> Tensor:
    """``x / sqrt(mean(x^2) + eps) * weight`` over the last dims (composite)."""
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    k = len(normalized_shape)
    dims = tuple(range(-k, 0))
    if eps is None:
        eps = float(np.finfo(input._data.dtype).eps)
    ms = op("mean")(input * input, dims, keepdim=True)
    out = input * op("rsqrt")(ms + eps)
    return out * weight if weight is not None else out


# ------------------------------------------------------------------------------ group norm
@derivative("native_group_norm")
def NativeGroupNormBackward0(node, F, g):
    x, w = F.saved(node)[:2]
    G, eps, mean_inv = node._args
    N, C = x.shape[:2]
    rest = tuple(x.shape[2:])
    xs = F.reshape(x, (N, G, -1))
    if F.mode == "array":
        mean, invstd = mean_inv
        xhat = (xs - mean) * invstd
    else:
        xhat, invstd = _stats_tensor(F, xs, (2,), eps)
    need = F.needs(node)
    need_x = need[0]
    need_w = len(need) > 1 and need[1]
    need_b = len(need) > 2 and need[2]
    gx = gw = gb = None
    xhat_full = F.reshape(xhat, (N, C) + rest)
    waxes = (0,) + tuple(range(2, 2 + len(rest)))
    if need_w:
        gw = F.sum(g * xhat_full, waxes)
    if need_b:
        gb = F.sum(g, waxes)
    if need_x:
        gy = g if w is None else g * F.reshape(w, (1, C) + (1,) * len(rest))
        gy = F.reshape(gy, (N, G, -1))
        M = xhat.shape[2]
        m1 = F.sum(gy, (2,), keepdim=True) / M
        m2 = F.sum(gy * xhat, (2,), keepdim=True) / M
        gx = F.reshape((gy - m1 - xhat * m2) * invstd, (N, C) + rest)
    return gx, gw, gb


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise each group of ``C // num_groups`` channels (per sample), then per-channel
    affine."""
    x = input._data
    if x.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received "
                           f"{x.ndim}")
    N, C = x.shape[:2]
    if C % num_groups:
        raise RuntimeError(
            f"Expected number of channels in input to be divisible by num_groups, but got "
            f"input of shape {list(x.shape)} and num_groups={num_groups}")
    xs = x.reshape(N, num_groups, -1)
    mean = xs.mean(axis=2, keepdims=True)
    xc = xs - mean
    var = np.mean(xc * xc, axis=2, keepdims=True)
    invstd = (1.0 / np.sqrt(var + eps)).astype(x.dtype, copy=False)
    out = (xc * invstd).reshape(x.shape)
    bshape = (1, C) + (1,) * (x.ndim - 2)
    if weight is not None:
        out = out * weight._data.reshape(bshape)
    if bias is not None:
        out = out + bias._data.reshape(bshape)
    return record(NativeGroupNormBackward0, out.astype(x.dtype, copy=False),
                  (input, weight, bias), saved=(input, weight),
                  args=(num_groups, eps, (mean, invstd)))


# ------------------------------------------------------------------------------ batch norm
@derivative("native_batch_norm")
def NativeBatchNormBackward0(node, F, g):
    x, w = F.saved(node)[:2]
    training, eps, stats = node._args
    C = x.shape[1]
    bshape = (1, C) + (1,) * (x.ndim - 2)
    axes = (0,) + tuple(range(2, x.ndim))
    need = F.needs(node)
    need = (need[0], len(need) > 1 and need[1], len(need) > 2 and need[2])
    w_b = None if w is None else F.reshape(w, bshape)
    if training:
        if F.mode == "array":
            mean, invstd = stats
            xhat = (x - mean) * invstd
        else:
            xhat, invstd = _stats_tensor(F, x, axes, eps)
        return _norm_grads(F, g, xhat, invstd, w_b, axes, (C,), axes, need)
    # eval: running statistics are constants
    mean, invstd = stats
    if F.mode != "array":
        mean, invstd = F.const(mean, like=x), F.const(invstd, like=x)
    xhat = (x - mean) * invstd
    gx = gw = gb = None
    if need[0]:
        gx = g * invstd if w_b is None else g * (w_b * invstd)
    if need[1]:
        gw = F.sum(g * xhat, axes)
    if need[2]:
        gb = F.sum(g, axes)
    return gx, gw, gb


def _update_running(buf: Tensor, new: np.ndarray, momentum: float) -> None:
    d = buf._data
    upd = ((1.0 - momentum) * d + momentum * new).astype(d.dtype, copy=False)
    if d.flags.writeable:
        d[...] = upd
    else:
        buf._data = upd
    buf._version_counter().bump()


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel (dim 1) over the batch and spatial dims.

    In training (or without running statistics) the batch statistics are used, and the
    running ones, when given, are updated in place: ``running = (1 - momentum) * running +
    momentum * batch`` (unbiased variance). Otherwise the running statistics are used.
    """
    x = input._data
    if x.ndim < 2:
        raise ValueError(f"Expected 2D or more input (got {x.ndim}D input)")
    C = x.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and t.numel() != C:
            raise RuntimeError(
                f"{name} should contain {C} elements not {t.numel()}")
    axes = (0,) + tuple(range(2, x.ndim))
    bshape = (1, C) + (1,) * (x.ndim - 2)
    use_batch = training or running_mean is None or running_var is None
    if use_batch:
        M = x.size // C if C else 0
        if training and M <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got "
                             f"input size {size_str(x.shape)}")
        mean = x.mean(axis=axes, keepdims=True)
        xc = x - mean
        var = np.mean(xc * xc, axis=axes, keepdims=True)
        invstd = (1.0 / np.sqrt(var + eps)).astype(x.dtype, copy=False)
        if training:
            if running_mean is not None:
                _update_running(running_mean, mean.reshape(C), momentum)
            if running_var is not None:
                unbiased = var.reshape(C) * (M / max(M - 1, 1))
                _update_running(running_var, unbiased, momentum)
        out = xc * invstd
    else:
        mean = running_mean._data.reshape(bshape).astype(x.dtype, copy=False)
        invstd = (1.0 / np.sqrt(running_var._data.reshape(bshape) + eps)).astype(
            x.dtype, copy=False)
        out = (x - mean) * invstd
    if weight is not None:
        out = out * weight._data.reshape(bshape)
    if bias is not None:
        out = out + bias._data.reshape(bshape)
    return record(NativeBatchNormBackward0, out.astype(x.dtype, copy=False),
                  (input, weight, bias), saved=(input, weight),
                  args=(use_batch, eps, (mean, invstd)))


def instance_norm(input: Tensor, running_mean: Tensor | None = None,
                  running_var: Tensor | None = None, weight: Tensor | None = None,
                  bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel of each sample over its spatial dims."""
    if use_input_stats:
        if running_mean is not None or running_var is not None:
            N, C = input.shape[:2]
            d = input._data
            M = int(np.prod(d.shape[2:]))
            mean = d.mean(axis=tuple(range(2, d.ndim))).mean(0)
            var = d.var(axis=tuple(range(2, d.ndim))) * (M / max(M - 1, 1))
            if running_mean is not None:
                _update_running(running_mean, mean, momentum)
            if running_var is not None:
                _update_running(running_var, var.mean(0), momentum)
        return group_norm(input, input.shape[1], weight, bias, eps)
    return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)


# ------------------------------------------------------------------------------ normalize
def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12,
              out: Tensor | None = None) -> Tensor:
    """``input / max(||input||_p along dim, eps)``.

    >>> import chainrule as torch
    >>> torch.nn.functional.normalize(torch.tensor([[3., 4.]]))
    tensor([[0.6000, 0.8000]])
    """
    if "norm" in _ops():
        denom = op("norm")(input, p, dim, keepdim=True)
    else:
        denom = op("linalg.vector_norm")(input, p, dim, keepdim=True)
    denom = op("clamp_min")(denom, eps) if "clamp_min" in _ops() else op("clamp")(denom, eps)
    res = input / denom
    if out is not None:
        out._data = res._data
        return out
    return res


def _ops():
    from ...ops import OPS

    return OPS

