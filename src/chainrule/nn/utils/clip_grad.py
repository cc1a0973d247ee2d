"""Gradient clipping: ``clip_grad_norm_`` (rescale all gradients so their joint norm is at
most ``max_norm``) and ``clip_grad_value_`` (clamp each gradient element)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable

import numpy as np

from ..._tensor import Tensor, _make
from ...autograd.grad_mode import no_grad

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "get_total_norm"]


def _params(parameters) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        return [parameters]
    return list(parameters)


def _vector_norm(a: np.ndarray, p: float) -> np.floating:
    a = np.abs(a.ravel())
    if p == math.inf:
        return a.max() if a.size else a.dtype.type(0)
    if p == -math.inf:
        return a.min() if a.size else a.dtype.type(np.inf)
    if p == 0:
        return a.dtype.type((a != 0).sum())
    if p == 1:
        return a.sum()
    if p == 2:
        return np.sqrt(np.dot(a, a))
    return (a ** p).sum() ** (1.0 / p)


def get_total_norm(tensors, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach=None) -> Tensor:
    """The ``norm_type``-norm of all ``tensors`` together (as if concatenated)."""
    ts = _params(tensors)
    norm_type = float(norm_type)
    if not ts:
        return _make(np.asarray(0.0, dtype=np.float32))
    norms = np.array([_vector_norm(t._data, norm_type) for t in ts])
    dt = np.result_type(*[t._data.dtype for t in ts])
    total = _vector_norm(norms.astype(dt), norm_type)
    total = np.asarray(total, dtype=dt)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            "non-finite, so it cannot be clipped. To disable this error and scale the "
            "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`")
    return _make(total)


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach=None) -> Tensor:
    """Scale the gradients of ``parameters`` in place so that their joint norm is at most
    ``max_norm``; returns the total norm before clipping (a tensor).

    >>> import chainrule as torch
    >>> p = torch.nn.Parameter(torch.tensor([3.0, 4.0]))
    >>> p.grad = torch.tensor([3.0, 4.0])
    >>> torch.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    tensor(5.)
    >>> p.grad
    tensor([0.6000, 0.8000])
    """
    params = _params(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    if not grads:
        return total
    clip_coef = float(max_norm) / (float(total._data) + 1e-6)
    # multiply by min(coef, 1) (clamped, not branched, like PyTorch)
    coef = min(clip_coef, 1.0)
    with no_grad():
        for g in grads:
            c = np.asarray(coef, dtype=g._data.dtype)
            if g._data.flags.writeable:
                np.multiply(g._data, c, out=g._data)
            else:
                g._data = g._data * c
            g._version_counter().bump()
    return total


def clip_grad_norm(parameters, max_norm: float, norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach=None) -> Tensor:
    """Deprecated alias of :func:`clip_grad_norm_`."""
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`torch.nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters: Iterable[Tensor] | Tensor, clip_value: float,
                     foreach=None) -> None:
    """Clamp every gradient element of ``parameters`` to ``[-clip_value, clip_value]``."""
    clip_value = float(clip_value)
    with no_grad():
        for p in _params(parameters):
            g = p.grad
            if g is None:
                continue
            if g._data.flags.writeable:
                np.clip(g._data, -clip_value, clip_value, out=g._data)
            else:
                g._data = np.clip(g._data, -clip_value, clip_value)
            g._version_counter().bump()
