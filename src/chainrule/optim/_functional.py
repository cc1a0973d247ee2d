"""The optimizers' update math, done in place on the tensors' NumPy arrays.

Each function mirrors PyTorch's single-tensor (``foreach=False``) implementation in
``torch/optim/<name>.py`` operation by operation, with PyTorch's floating-point semantics:

* hyperparameters are combined in Python (double precision) exactly where PyTorch does so,
  e.g. ``bias_correction1 = 1 - beta1 ** step`` and ``1 - lr * weight_decay``;
* a Python scalar that meets a tensor is first rounded to the tensor's dtype (ATen converts
  scalar arguments to the kernel's ``scalar_t``), so float32 parameters see
  ``float32(1 - beta2)`` rather than the double;
* compound kernels evaluate in ATen's order: ``addcmul`` is ``self + (value * t1) * t2``,
  ``addcdiv`` is ``self + (value * t1) / t2``, ``lerp`` is ``self + w * (end - self)`` for
  ``|w| < 0.5`` and ``end - (end - self) * (1 - w)`` otherwise, ``add(other, alpha)`` is
  ``self + alpha * other``.

ATen's vectorised CPU kernels contract ``add(alpha)``, ``lerp`` and ``addcmul`` into fused
multiply-adds (one rounding instead of two).  NumPy has no FMA, so by default these are
two roundings: float32 results then differ from PyTorch's by at most an ulp per operation.
Setting :data:`EMULATE_FMA` to ``True`` computes those operations for float32 arrays in
float64 (the product of two float32 values is exact in float64) and rounds once, which
reproduces PyTorch bit for bit except for ``sqrt`` (ATen's vectorised square root is not
always correctly rounded); it costs about 2.5x the memory traffic, so it is off by default.

Complex parameters are updated through a real view of their arrays (``view_as_real``), as
PyTorch does.
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor, _make

#: Round ``add(alpha)``, ``lerp`` and ``addcmul`` once, like ATen's fused multiply-adds
#: (float32 only; see the module docstring).
EMULATE_FMA = False

__all__ = ["sgd", "adam", "rmsprop", "adagrad", "EMULATE_FMA"]


# ----------------------------------------------------------------------------- primitives
def _real(a: np.ndarray) -> np.ndarray:
    """``view_as_real`` for complex arrays (a view with a trailing axis of 2)."""
    if a.dtype.kind == "c":
        return a[..., None].view(a.real.dtype)
    return a


def _fma(a, b, c, out: np.ndarray, scratch: np.ndarray) -> np.ndarray:
    """``out = a * b + c``: one rounding when :data:`EMULATE_FMA` is set (float32).

    ``scratch`` is an array of ``out``'s shape and dtype that may be overwritten; it may be
    ``out`` (or ``a``/``b``) but not ``c``."""
    if EMULATE_FMA and out.dtype == np.float32:
        t = np.multiply(a, b, dtype=np.float64, out=np.empty(out.shape, np.float64))
        np.add(t, c, out=t, dtype=np.float64)
        np.copyto(out, t, casting="same_kind")
        return out
    np.multiply(a, b, out=scratch)
    return np.add(scratch, c, out=out)


def _add_scaled(x: np.ndarray, y: np.ndarray, alpha: float, out: np.ndarray | None = None):
    """``x.add(y, alpha=alpha)``: ``x + alpha * y`` (into a new array, or into ``out``)."""
    if out is None:
        out = np.empty_like(x)
        return _fma(x.dtype.type(alpha), y, x, out, out)
    return _fma(x.dtype.type(alpha), y, x, out, np.empty_like(out))


def _lerp_(s: np.ndarray, end: np.ndarray, weight: float) -> None:
    """``s.lerp_(end, weight)`` with ATen's two-sided formula."""
    dt = s.dtype.type
    w = dt(weight)
    diff = np.subtract(end, s, out=np.empty_like(s))
    if abs(w) < 0.5:
        _fma(w, diff, s, s, diff)
    else:
        _fma(diff, -(dt(1) - w), end, s, diff)


def _addcmul(s: np.ndarray, t1: np.ndarray, t2: np.ndarray, value: float,
             out: np.ndarray | None = None) -> np.ndarray:
    """``s.addcmul(t1, t2, value=value)``: ``s + (value * t1) * t2``, in place by default."""
    u = np.multiply(t1, s.dtype.type(value), out=np.empty_like(s))
    return _fma(u, t2, s, s if out is None else out, u)


def _addcdiv_(s: np.ndarray, t1: np.ndarray, t2: np.ndarray, value: float) -> None:
    """``s.addcdiv_(t1, t2, value=value)``: ``s + (value * t1) / t2``."""
    u = np.multiply(t1, s.dtype.type(value), out=np.empty_like(s))
    np.divide(u, t2, out=u)
    np.add(s, u, out=s)


def _neg(a: np.ndarray) -> np.ndarray:
    return np.negative(a, out=np.empty_like(a))


def _sqrt(a: np.ndarray) -> np.ndarray:
    return np.sqrt(a, out=np.empty_like(a))


def _bump(p: Tensor) -> None:
    p._version_counter().bump()


def _scalar(x) -> float:
    return x.item() if isinstance(x, Tensor) else x


# ----------------------------------------------------------------------------- SGD
def sgd(params: list[Tensor], grads: list[Tensor], momentum_buffer_list: list,
        *, weight_decay: float, momentum: float, lr: float, dampening: float,
        nesterov: bool, maximize: bool) -> None:
    """SGD step (``torch.optim.sgd._single_tensor_sgd``); fills ``momentum_buffer_list``
    with new buffers where it holds ``None``."""
    lr = _scalar(lr)
    weight_decay = _scalar(weight_decay)
    for i, param in enumerate(params):
        p = param._data
        g = grads[i]._data
        if maximize:
            g = _neg(g)
        if weight_decay != 0:
            g = _add_scaled(g, p, weight_decay)

        if momentum != 0:
            buf_t = momentum_buffer_list[i]
            if buf_t is None:
                buf_t = _make(np.array(g, copy=True))
                momentum_buffer_list[i] = buf_t
                buf = buf_t._data
            else:
                buf = buf_t._data
                np.multiply(buf, buf.dtype.type(momentum), out=buf)
                _add_scaled(buf, g, 1 - dampening, out=buf)
            if nesterov:
                g = _add_scaled(g, buf, momentum)
            else:
                g = buf

        pr = _real(p)
        _add_scaled(pr, _real(g), -lr, out=pr)
        _bump(param)


# ----------------------------------------------------------------------------- Adam(W)
def adam(params: list[Tensor], grads: list[Tensor], exp_avgs: list[Tensor],
         exp_avg_sqs: list[Tensor], max_exp_avg_sqs: list[Tensor], state_steps: list[Tensor],
         *, amsgrad: bool, beta1: float, beta2: float, lr: float, weight_decay: float,
         eps: float, maximize: bool, decoupled_weight_decay: bool = False) -> None:
    """Adam / AdamW step (``torch.optim.adam._single_tensor_adam``)."""
    lr = _scalar(lr)
    beta1 = _scalar(beta1)
    beta2 = _scalar(beta2)
    for i, param in enumerate(params):
        p = param._data
        g = grads[i]._data
        step_t = state_steps[i]._data
        np.add(step_t, 1, out=step_t)

        if maximize:
            g = _neg(g)
        if weight_decay != 0:
            if decoupled_weight_decay:
                np.multiply(p, p.dtype.type(1 - lr * weight_decay), out=p)
            else:
                g = _add_scaled(g, p, weight_decay)

        pr, gr = _real(p), _real(g)
        exp_avg = _real(exp_avgs[i]._data)
        exp_avg_sq = _real(exp_avg_sqs[i]._data)

        _lerp_(exp_avg, gr, 1 - beta1)
        np.multiply(exp_avg_sq, exp_avg_sq.dtype.type(beta2), out=exp_avg_sq)
        _addcmul(exp_avg_sq, gr, gr, 1 - beta2)

        step = float(step_t)
        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        step_size = lr / bias_correction1
        bias_correction2_sqrt = bias_correction2 ** 0.5

        if amsgrad:
            max_sq = _real(max_exp_avg_sqs[i]._data)
            np.maximum(max_sq, exp_avg_sq, out=max_sq)
            denom = _sqrt(max_sq)
        else:
            denom = _sqrt(exp_avg_sq)
        dt = denom.dtype.type
        np.divide(denom, dt(bias_correction2_sqrt), out=denom)
        np.add(denom, dt(eps), out=denom)

        _addcdiv_(pr, exp_avg, denom, -step_size)
        _bump(param)


# ----------------------------------------------------------------------------- RMSprop
def rmsprop(params: list[Tensor], grads: list[Tensor], square_avgs: list[Tensor],
            grad_avgs: list[Tensor], momentum_buffer_list: list[Tensor],
            state_steps: list[Tensor], *, lr: float, alpha: float, eps: float,
            weight_decay: float, momentum: float, centered: bool, maximize: bool) -> None:
    """RMSprop step (``torch.optim.rmsprop._single_tensor_rmsprop``)."""
    lr = _scalar(lr)
    for i, param in enumerate(params):
        p = param._data
        g = grads[i]._data
        step_t = state_steps[i]._data
        np.add(step_t, 1, out=step_t)

        if maximize:
            g = _neg(g)
        if weight_decay != 0:
            g = _add_scaled(g, p, weight_decay)

        pr, gr = _real(p), _real(g)
        square_avg = _real(square_avgs[i]._data)
        dt = square_avg.dtype.type

        np.multiply(square_avg, dt(alpha), out=square_avg)
        _addcmul(square_avg, gr, gr, 1 - alpha)

        if centered:
            grad_avg = _real(grad_avgs[i]._data)
            _lerp_(grad_avg, gr, 1 - alpha)
            avg = _addcmul(square_avg, grad_avg, grad_avg, -1, out=np.empty_like(square_avg))
            np.sqrt(avg, out=avg)
        else:
            avg = _sqrt(square_avg)
        np.add(avg, dt(eps), out=avg)

        if momentum > 0:
            buf = _real(momentum_buffer_list[i]._data)
            np.multiply(buf, dt(momentum), out=buf)
            _addcdiv_(buf, gr, avg, 1)
            _add_scaled(pr, buf, -lr, out=pr)
        else:
            _addcdiv_(pr, gr, avg, -lr)
        _bump(param)


# ----------------------------------------------------------------------------- Adagrad
def adagrad(params: list[Tensor], grads: list[Tensor], state_sums: list[Tensor],
            state_steps: list[Tensor], *, lr: float, weight_decay: float, lr_decay: float,
            eps: float, maximize: bool) -> None:
    """Adagrad step (``torch.optim.adagrad._single_tensor_adagrad``, dense gradients)."""
    lr = _scalar(lr)
    for param, grad, state_sum, step_tensor in zip(params, grads, state_sums, state_steps,
                                                   strict=True):
        p = param._data
        g = grad._data
        step_t = step_tensor._data
        np.add(step_t, 1, out=step_t)
        step = float(step_t)

        if maximize:
            g = _neg(g)
        if weight_decay != 0:
            g = _add_scaled(g, p, weight_decay)

        clr = lr / (1 + (step - 1) * lr_decay)

        pr, gr = _real(p), _real(g)
        ssum = _real(state_sum._data)
        _addcmul(ssum, gr, gr, 1)
        std = _sqrt(ssum)
        np.add(std, std.dtype.type(eps), out=std)
        _addcdiv_(pr, gr, std, -clr)
        _bump(param)
