"""``cross_entropy`` and ``nll_loss``: classification losses over dim 1.

``cross_entropy`` with class indices is ONE fused node: forward is a stable
log-softmax + gather in a few NumPy passes, and the backward is

    dlogits = (softmax(x) * c_i - onehot_w) * g_i

with ``c_i = (1 - eps) * w[t_i] + eps/C * sum(w)`` and ``onehot_w`` the target's one-hot scaled
by ``(1 - eps) * w[t_i]`` plus ``eps/C * w`` (label smoothing ``eps``; ``w`` class weights, 1
without them), ``g_i`` the incoming gradient divided by the mean's denominator. The node is
named ``NllLossBackward0`` like PyTorch's top node, so a printed loss reads the same, but its
edge leads straight to the logits (there is no separate ``LogSoftmaxBackward0``).

Under ``create_graph=True`` the same formula runs on tensors (the softmax is recomputed from
the saved logits), so the loss can be differentiated twice.
"""

from __future__ import annotations

import numpy as np

from ...autograd.graph import derivative
from ._utils import Tensor, legacy_reduction, record, reduction_enum

__all__ = ["cross_entropy", "nll_loss"]


def _check_target(input: Tensor, target: Tensor, weight: Tensor | None):
    """Normalise to batched ``(N, C, *d)`` / ``(N, *d)`` arrays; validate like PyTorch."""
    x = input._data
    t = target._data
    if x.ndim == 0:
        raise ValueError("Expected 1 or more dimensions (got 0)")
    if t.dtype.kind not in "iu" or t.dtype.itemsize != 8 and t.dtype != np.uint8:
        names = {"int32": "Int", "int16": "Short", "int8": "Char", "float32": "Float",
                 "float64": "Double", "bool": "Bool", "float16": "Half"}
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got "
                           f"{names.get(t.dtype.name, t.dtype.name)}")
    unbatched = x.ndim == 1
    if unbatched:
        if t.ndim != 0:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        x, t = x[None], t[None]
    else:
        if x.ndim == 2 and t.ndim != 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if t.shape[:1] != x.shape[:1]:
            raise ValueError(f"Expected input batch_size ({x.shape[0]}) to match target "
                             f"batch_size ({t.shape[0] if t.ndim else 1}).")
        if t.shape[1:] != x.shape[2:]:
            raise RuntimeError(f"size mismatch (got input: {list(x.shape)} , target: "
                               f"{list(t.shape)}")
    C = x.shape[1]
    if weight is not None and (weight.ndim != 1 or weight.shape[0] != C):
        raise RuntimeError(
            f"weight tensor should be defined either for all {C} classes or no classes but "
            f"got weight tensor of shape: {list(weight.shape)}")
    return x, t.astype(np.int64, copy=False), unbatched


_ROWS: dict[int, np.ndarray] = {}
_max = np.maximum.reduce  # what ndarray.max / .sum call, without the Python wrapper
_sum = np.add.reduce


def _rows(n: int) -> np.ndarray:
    """``np.arange(n)`` (int64), cached: the row index of every per-sample gather."""
    r = _ROWS.get(n)
    if r is None:
        if len(_ROWS) > 64:
            _ROWS.clear()
        r = _ROWS[n] = np.arange(n)
        r.flags.writeable = False
    return r


def _targets(t: np.ndarray, C: int, ignore_index: int):
    # one reduction checks 0 <= t < C: negative int64 values are huge as uint64
    if t.size and int(_max(t.view(np.uint64), axis=None)) < C and not (
            0 <= ignore_index < C and (t == ignore_index).any()):
        return t, None, True  # the common case: every target valid, one pass each
    valid = t != ignore_index
    all_valid = bool(valid.all())
    bad = valid & ((t < 0) | (t >= C))
    if bad.any():
        raise IndexError(f"Target {int(t[bad].flat[0])} is out of bounds.")
    tc = t if all_valid else np.where(valid, t, 0)
    return tc, valid, all_valid


def _class_weights(weight, tc, valid, all_valid, dtype):
    """Per element ``w[t_i]`` (0 where ignored), or None when every weight is 1."""
    if weight is None:
        return None if all_valid else valid.astype(dtype)
    wt = weight._data.astype(dtype, copy=False)[tc]
    return wt if all_valid else wt * valid


def _reduce_with(loss, wt, n_valid, reduction):
    if reduction == "none":
        return loss
    total = _sum(loss, axis=None)
    if reduction == "sum":
        return np.asarray(total, dtype=loss.dtype)
    if wt is None and n_valid > 0:  # nothing to silence
        return np.asarray(total / n_valid, dtype=loss.dtype)
    denom = n_valid if wt is None else wt.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(total / denom, dtype=loss.dtype)


# ------------------------------------------------------------------------ cross entropy
@derivative("nll_loss")
def _CrossEntropyBackward(node, F, g):
    """(softmax * c - onehot_w) * g / denom; see the module docstring."""
    (x,) = F.saved(node)[:1]
    (tc, valid, wt, smoothing, wvec, reduction, denom, unbatched, e, s) = node._args
    C = x.shape[-1] if unbatched else x.shape[1]
    eps = smoothing
    if F.mode == "array":
        if unbatched:
            g = np.reshape(g, (1,))
        shape1 = (e.shape[0], 1) + e.shape[2:]
        if reduction == "none":
            a = g.reshape(shape1)
        else:
            a = np.asarray(g / denom if reduction == "mean" else g, dtype=e.dtype)
        # c_i = (1 - eps) w_t + eps/C * W * valid
        c = (1.0 - eps) * (1.0 if wt is None else wt.reshape(shape1))
        if eps:
            W = float(C) if wvec is None else float(wvec.sum())
            c = c + (eps / C) * W * (1.0 if valid is None else valid.reshape(shape1))
        if not eps and wt is None:  # no weights, no smoothing: c = 1.0, and a * 1.0 is a
            grad = e * (a / s)
            hit = a
        else:
            grad = e * ((a * c) / s)
            hit = (1.0 - eps) * a * (1.0 if wt is None else wt.reshape(shape1))
        # subtract the one-hot part at the targets
        if e.ndim == 2:
            grad[_rows(e.shape[0]), tc] -= hit if np.ndim(hit) == 0 else np.reshape(hit, -1)
        else:
            hit = np.broadcast_to(hit, shape1)
            t1 = tc.reshape(shape1)
            cur = np.take_along_axis(grad, t1, axis=1)
            np.put_along_axis(grad, t1, cur - hit, axis=1)
        if eps:
            wv = np.ones(C, e.dtype) if wvec is None else wvec.astype(e.dtype, copy=False)
            wv = wv.reshape((1, C) + (1,) * (e.ndim - 2))
            v = 1.0 if valid is None else valid.reshape(shape1)
            grad -= (eps / C) * a * v * wv
        return (grad[0] if unbatched else grad,)
    # tensor path (create_graph): the same formula with differentiable ops
    xb = F.reshape(x, (1,) + tuple(x.shape)) if unbatched else x
    gb = F.reshape(g, (1,)) if unbatched else g
    m = np.max(xb._data, axis=1, keepdims=True)
    ex = F.exp(xb - F.const(m, like=xb))
    p = ex / F.sum(ex, 1, keepdim=True)
    shape1 = (xb.shape[0], 1) + tuple(xb.shape[2:])
    if reduction == "none":
        a = F.reshape(gb, shape1)
    else:
        a = gb / float(denom) if reduction == "mean" else gb
    dt = xb._data.dtype
    c = (1.0 - eps) * (np.ones(shape1, dt) if wt is None else wt.reshape(shape1))
    onehot = np.zeros(xb.shape, dt)
    np.put_along_axis(onehot, tc.reshape(shape1), 1.0, axis=1)
    target_part = onehot * c
    if eps:
        W = float(C) if wvec is None else float(wvec.sum())
        v = np.ones(shape1, dt) if valid is None else valid.reshape(shape1).astype(dt)
        c = c + (eps / C) * W * v
        wv = np.ones(C, dt) if wvec is None else wvec.astype(dt, copy=False)
        target_part = target_part + (eps / C) * v * wv.reshape((1, C) + (1,) * (xb.ndim - 2))
    grad = (p * F.const(c, like=xb) - F.const(target_part, like=xb)) * a
    return (F.reshape(grad, tuple(x.shape)) if unbatched else grad,)


_CrossEntropyBackward.__doc__ = "Fused log_softmax + nll_loss derivative (see module doc)."


@derivative("cross_entropy_loss")
def CrossEntropyLossBackward0(node, F, g):
    """Probability targets: d/dx = (softmax * sum_c(w t') - w t') * g; d/dt = -w logp (1-eps) g."""
    x, t = F.saved(node)[:2]
    wvec, eps, reduction, denom, unbatched = node._args
    need = F.needs(node)
    axis = 0 if unbatched else 1
    C = x.shape[axis]
    wshape = (C,) + (1,) * (x.ndim - axis - 1)
    if F.mode == "array":
        m = x.max(axis=axis, keepdims=True)
        z = x - m
        ez = np.exp(z)
        s = ez.sum(axis=axis, keepdims=True)
        p = ez / s
        logp = z - np.log(s)
        w = 1.0 if wvec is None else wvec.reshape(wshape).astype(x.dtype, copy=False)
    else:
        m = np.max(x._data, axis=axis, keepdims=True)
        z = x - F.const(m, like=x)
        ez = F.exp(z)
        s = F.sum(ez, axis, keepdim=True)
        p = ez / s
        logp = z - F.log(s)
        w = 1.0 if wvec is None else F.const(wvec.reshape(wshape), like=x)
    if reduction == "none":
        a = F.reshape(g, tuple(g.shape[:axis]) + (1,) + tuple(g.shape[axis:]))
    else:
        a = g / float(denom) if reduction == "mean" else g
    tp = t * (1.0 - eps) + eps / C
    wt = tp * w
    gx = gt = None
    if need[0]:
        gx = (p * F.sum(wt, axis, keepdim=True) - wt) * a
    if len(need) > 1 and need[1]:
        gt = (-(w * logp) * (1.0 - eps)) * a
    return gx, gt


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                  size_average=None, ignore_index: int = -100, reduce=None,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Cross entropy between ``input`` logits ``(N, C, *d)`` and class indices ``(N, *d)``
    (or class probabilities of the input's shape).

    >>> import chainrule as torch
    >>> x = torch.tensor([[2.0, 0.0, -1.0]], requires_grad=True)
    >>> loss = torch.nn.functional.cross_entropy(x, torch.tensor([0]))
    >>> loss
    tensor(0.1698, grad_fn=<NllLossBackward0>)
    """
    reduction = reduction_enum(legacy_reduction(size_average, reduce, reduction))
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(
            f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    x_in = input._data
    if x_in.dtype.kind not in "fc":
        raise RuntimeError(f'"log_softmax_lastdim_kernel_impl" not implemented for '
                           f"'{input.dtype}'")
    if target._data.dtype.kind == "f" and target._data.shape == x_in.shape:
        return _cross_entropy_probs(input, target, weight, reduction, label_smoothing)
    x, t, unbatched = _check_target(input, target, weight)
    C = x.shape[1]
    tc, valid, all_valid = _targets(t, C, ignore_index)
    m = _max(x, axis=1, keepdims=True)  # ndarray.max without its Python wrapper
    z = x - m
    if x.ndim == 2:
        zt = z[_rows(x.shape[0]), tc][:, None]
    else:
        zt = np.take_along_axis(z, tc[:, None], axis=1)
    e = np.exp(z, out=z)
    s = _sum(e, axis=1, keepdims=True)
    lse = np.log(s)
    nll = (lse - zt)[:, 0]
    wt = _class_weights(weight, tc, valid, all_valid, x.dtype)
    loss = nll if wt is None else nll * wt
    eps = float(label_smoothing)
    wvec = None if weight is None else weight._data
    if eps:
        # smooth_i = -sum_c w_c logp_ic = W * lse - sum_c w_c z_c   (masked where ignored)
        zz = x - m
        if wvec is None:
            smooth = C * lse[:, 0] - zz.sum(axis=1)
        else:
            wv = wvec.astype(x.dtype).reshape((1, C) + (1,) * (x.ndim - 2))
            smooth = wvec.sum() * lse[:, 0] - (zz * wv).sum(axis=1)
        if not all_valid:
            smooth = smooth * valid
        loss = (1.0 - eps) * loss + (eps / C) * smooth
    n_valid = int(valid.sum()) if not all_valid else t.size
    denom = (n_valid if wt is None else wt.sum()) if reduction == "mean" else 1
    out = _reduce_with(loss.astype(x.dtype, copy=False), wt, n_valid, reduction)
    if unbatched and reduction == "none":
        out = out[0]
    cls = _CrossEntropy2DBackward if x.ndim == 4 else _CrossEntropyBackward
    return record(cls, out, (input,), saved=(input,),
                  args=(tc, None if all_valid else valid, wt, eps, wvec, reduction, denom,
                        unbatched, e, s))


def _cross_entropy_probs(input, target, weight, reduction, eps):
    x = input._data
    unbatched = x.ndim == 1
    axis = 0 if unbatched else 1
    C = x.shape[axis]
    if weight is not None and (weight.ndim != 1 or weight.shape[0] != C):
        raise RuntimeError(
            f"weight tensor should be defined either for all {C} classes or no classes but "
            f"got weight tensor of shape: {list(weight.shape)}")
    m = x.max(axis=axis, keepdims=True)
    z = x - m
    logp = z - np.log(np.exp(z).sum(axis=axis, keepdims=True))
    t = target._data.astype(x.dtype, copy=False)
    if eps:
        t = t * (1.0 - eps) + eps / C
    if weight is not None:
        wshape = (C,) + (1,) * (x.ndim - axis - 1)
        t = t * weight._data.reshape(wshape)
    loss = -(logp * t).sum(axis=axis)
    denom = x.size // C if C else 0
    if reduction == "none":
        out = loss
    elif reduction == "sum":
        out = np.asarray(loss.sum(), dtype=x.dtype)
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            out = np.asarray(loss.sum() / denom, dtype=x.dtype)
    wvec = None if weight is None else weight._data
    return record(CrossEntropyLossBackward0, out.astype(x.dtype, copy=False), (input, target),
                  saved=(input, target), args=(wvec, float(eps), reduction, denom, unbatched))


# ------------------------------------------------------------------------------ nll loss
@derivative("nll_loss")
def NllLossBackward0(node, F, g):
    """d/dinput = -w[t] * g at the target class (0 elsewhere and where ignored)."""
    (tc, wt, reduction, denom, unbatched, shape, dt) = node._args
    N = shape[0]
    shape1 = (N, 1) + tuple(shape[2:])
    w = np.ones(shape1, dt) if wt is None else wt.reshape(shape1).astype(dt, copy=False)
    onehot = np.zeros(shape, dt)
    np.put_along_axis(onehot, tc.reshape(shape1), -w, axis=1)
    if reduction == "none":
        a = F.reshape(g, shape1)
    elif reduction == "mean":
        a = g / float(denom)
    else:
        a = g
    grad = F.const(onehot, like=g) * a
    return (F.reshape(grad, tuple(shape[1:])) if unbatched else grad,)


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
             ignore_index: int = -100, reduce=None, reduction: str = "mean") -> Tensor:
    """Negative log likelihood of log-probabilities ``input (N, C, *d)`` at ``target``.

    >>> import chainrule as torch
    >>> logp = torch.tensor([[-0.5, -1.0, -2.0]])
    >>> torch.nn.functional.nll_loss(logp, torch.tensor([1]))
    tensor(1.)
    """
    reduction = reduction_enum(legacy_reduction(size_average, reduce, reduction))
    x, t, unbatched = _check_target(input, target, weight)
    C = x.shape[1]
    tc, valid, all_valid = _targets(t, C, ignore_index)
    picked = -np.take_along_axis(x, tc[:, None], axis=1)[:, 0]
    wt = _class_weights(weight, tc, valid, all_valid, x.dtype)
    loss = picked if wt is None else picked * wt
    n_valid = int(valid.sum()) if not all_valid else t.size
    denom = (n_valid if wt is None else wt.sum()) if reduction == "mean" else 1
    out = _reduce_with(loss.astype(x.dtype, copy=False), wt, n_valid, reduction)
    if unbatched and reduction == "none":
        out = out[0]
    cls = NllLoss2DBackward0 if x.ndim == 4 else NllLossBackward0
    return record(cls, out, (input,),
                  args=(tc, wt, reduction, denom, unbatched, x.shape, x.dtype))


NllLoss2DBackward0 = derivative("nll_loss2d")(NllLossBackward0.backward)
NllLoss2DBackward0.__name__ = NllLoss2DBackward0.__qualname__ = "NllLoss2DBackward0"
_CrossEntropyBackward.__name__ = _CrossEntropyBackward.__qualname__ = "NllLossBackward0"
_CrossEntropy2DBackward = derivative("nll_loss2d")(_CrossEntropyBackward.backward)
_CrossEntropy2DBackward.__name__ = _CrossEntropy2DBackward.__qualname__ = "NllLoss2DBackward0"
