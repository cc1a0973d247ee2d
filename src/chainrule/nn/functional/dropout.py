"""Dropout: zero elements (or whole channels) with probability ``p`` in training and scale the
rest by ``1 / (1 - p)``; the identity in eval.

As in PyTorch's CPU kernel the mask is ``empty_like(input).bernoulli_(1 - p) / (1 - p)``
drawn from chainrule's generator, which is bit-exact with PyTorch's: after the same
``manual_seed`` the same elements are dropped. The result is ``input * mask`` (a
``MulBackward0`` node, as in PyTorch).
"""

from __future__ import annotations

import warnings

import numpy as np

from ._utils import Tensor, make, op

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout",
           "feature_alpha_dropout"]


def _check_p(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _bernoulli(shape: tuple, p: float, dtype) -> np.ndarray:
    """1 with probability ``p`` (else 0), drawn like ``torch.empty(shape).bernoulli_(p)``."""
    from ..._creation import empty
    from ..._dtype import from_numpy_dtype

    return empty(*shape, dtype=from_numpy_dtype(dtype)).bernoulli_(p)._data


def _apply(input: Tensor, mask: np.ndarray, inplace: bool) -> Tensor:
    m = make(mask.astype(input._data.dtype, copy=False))
    if inplace:
        return input.mul_(m)
    return op("mul")(input, m)


def _keep_mask(shape: tuple, p: float, dtype) -> np.ndarray:
    if p == 1.0:
        return np.zeros(shape, dtype)
    return _bernoulli(shape, 1.0 - p, dtype) / np.asarray(1.0 - p, dtype=dtype)


def dropout(input: Tensor, p: float = 0.5, training: bool = True,
            inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the others by ``1 / (1 - p)``.

    >>> import chainrule as torch
    >>> x = torch.ones(4)
    >>> torch.nn.functional.dropout(x, 0.5, training=False)
    tensor([1., 1., 1., 1.])
    """
    _check_p(p)
    if not training or p == 0.0:
        return input
    return _apply(input, _keep_mask(tuple(input.shape), p, input._data.dtype), inplace)


def _feature(input: Tensor, p: float, training: bool, inplace: bool,
             unsqueeze: bool) -> Tensor:
    """PyTorch's ``feature_dropout``: one draw per (sample, channel) of dims 0 and 1; with
    ``unsqueeze`` the input is one sample without its batch dim."""
    if not training or p == 0.0:
        return input
    shape = tuple(input.shape)
    if unsqueeze:
        shape = (1,) + shape
    if len(shape) < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    noise = (shape[0], shape[1]) + (1,) * (len(shape) - 2)
    mask = _keep_mask(noise, p, input._data.dtype)
    return _apply(input, mask[0] if unsqueeze else mask, inplace)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels of ``(N, C, L)`` (or ``(C, L)``) input."""
    _check_p(p)
    if input.ndim not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D input. Note "
            "that dropout1d exists to provide channel-wise dropout on inputs with 1 spatial "
            "dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D "
            "inputs).")
    return _feature(input, p, training, inplace, input.ndim == 2)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels of ``(N, C, H, W)`` input.

    As in PyTorch, a 3-d input is taken as ``(N, C, L)`` (with a warning).
    """
    _check_p(p)
    if input.ndim not in (3, 4):
        warnings.warn(
            f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is deprecated "
            "and will result in an error in a future release. To retain the behavior and "
            "silence this warning, please use dropout instead. Note that dropout2d exists to "
            "provide channel-wise dropout on inputs with 2 spatial dimensions, a channel "
            "dimension, and an optional batch dimension (i.e. 3D or 4D inputs).", stacklevel=2)
    if input.ndim == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D "
            "dropout behavior is desired - input is interpreted as shape (N, C, L), where C "
            "is the channel dim. This behavior will change in a future release to interpret "
            "the input as one without a batch dimension, i.e. shape (C, H, W). To maintain "
            "the 1D channel-wise dropout behavior, please switch to using dropout1d instead.",
            stacklevel=2)
    return _feature(input, p, training, inplace, False)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels of ``(N, C, D, H, W)`` (or ``(C, D, H, W)``) input."""
    _check_p(p)
    if input.ndim not in (4, 5):
        warnings.warn(
            f"dropout3d: Received a {input.ndim}-D input to dropout3d, which is deprecated "
            "and will result in an error in a future release. To retain the behavior and "
            "silence this warning, please use dropout instead. Note that dropout3d exists to "
            "provide channel-wise dropout on inputs with 3 spatial dimensions, a channel "
            "dimension, and an optional batch dimension (i.e. 4D or 5D inputs).", stacklevel=2)
    return _feature(input, p, training, inplace, input.ndim != 5)


_ALPHA = 1.6732632423543772848170429916717 * 1.0507009873554804934193349852946


def _alpha(input: Tensor, p: float, training: bool, mask_shape: tuple) -> Tensor:
    _check_p(p)
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return op("mul")(input, make(np.zeros((), input._data.dtype)))
    dt = input._data.dtype
    keep = _bernoulli(mask_shape, 1.0 - p, dt)
    a = 1.0 / np.sqrt((_ALPHA * _ALPHA * p + 1.0) * (1.0 - p))
    # as PyTorch: b = (noise - 1) * (alpha a) + alpha a p; noise *= a; input * noise + b
    b = (keep - 1) * dt.type(_ALPHA * a) + dt.type(_ALPHA * a * p)
    return op("add")(op("mul")(input, make(keep * dt.type(a))), make(b))


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                  inplace: bool = False) -> Tensor:
    """Dropout that keeps SELU's self-normalising mean and variance."""
    return _alpha(input, p, training, tuple(input.shape))


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                          inplace: bool = False) -> Tensor:
    """``alpha_dropout`` of whole channels."""
    shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2)
    return _alpha(input, p, training, shape)
