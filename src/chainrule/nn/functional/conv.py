"""Convolution (1-, 2- and 3-d): one fused op, ``ConvolutionBackward0``.

Forward is im2col + one matmul: ``as_strided`` gives a view of every receptive field of the
(padded) input, laid out ``(C*prod(K), N*prod(out))`` with one copy, and
``weight (O, C*prod(K)) @ cols`` is a single BLAS call for the whole batch. Groups split the
channel axis and batch the matmul over groups.

Backward, for ``g = dL/dout``:

- ``grad_weight = g @ cols^T`` summed over the batch (``cols`` is kept from forward only when
  the weight wants a gradient);
- ``grad_bias = g.sum(batch and spatial axes)``;
- ``grad_input``: ``dcols = weight^T @ g``, then col2im: one strided slice-add per kernel
  position (``prod(K)`` iterations, never per pixel or per sample), then the padding is cut.
"""

from __future__ import annotations

import itertools

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ._utils import Tensor, array_derivative, needs, np_dtype_name, record

__all__ = ["conv1d", "conv2d", "conv3d", "convolution"]


def _tuple(x, n: int, name: str) -> tuple:
    if isinstance(x, (list, tuple)):
        if len(x) == 1 and n > 1:
            x = tuple(x) * n
        if len(x) != n:
            raise RuntimeError(f"expected {name} to be a single integer value or a list of {n} "
                               f"values to match the convolution dimensions, but got "
                               f"{name}={list(x)}")
        return tuple(int(v) for v in x)
    return (int(x),) * n


def _check(x: Tensor, w: Tensor, b: Tensor | None, nd: int, groups: int, name: str) -> None:
    if x.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(
            f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {name}, but got "
            f"input of size: {list(x.shape)}")
    if w.ndim != nd + 2:
        raise RuntimeError(
            "weight should have at least three dimensions" if w.ndim < 3 else
            f"Expected {nd + 2}-dimensional weight for {nd + 2}-dimensional input "
            f"{list(x.shape)}, but got {w.ndim}-dimensional weight of size {list(w.shape)} "
            "instead")
    if x._data.dtype != w._data.dtype:
        raise RuntimeError(f"expected scalar type {np_dtype_name(x._data.dtype)} but found "
                           f"{np_dtype_name(w._data.dtype)}")
    if x._data.dtype.kind not in "fc":
        raise RuntimeError(f'"slow_conv2d_cpu" not implemented for '
                           f"'{np_dtype_name(x._data.dtype)}'")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    O = w.shape[0]
    if O % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension "
            f"0, but got weight of size [{list(w.shape)}] instead")
    if b is not None:
        if b._data.dtype != x._data.dtype:
            raise RuntimeError(f"Input type ({_short(x)}) and bias type ({_short(b)}) should "
                               "be the same")
        if b.ndim != 1 or b.shape[0] != O:
            raise RuntimeError(
                f"Given weight of size {list(w.shape)}, expected bias to be 1-dimensional with "
                f"{O} elements, but got bias of size {list(b.shape)} instead")


def _short(t: Tensor) -> str:
    return {"float32": "float", "float64": "double", "float16": "c10::Half"}.get(
        t._data.dtype.name, t._data.dtype.name)


def _padding(padding, nd: int, stride: tuple, dilation: tuple, ksize: tuple) -> list:
    """Per spatial dim ``(before, after)`` zero padding."""
    if isinstance(padding, str):
        if padding == "valid":
            return [(0, 0)] * nd
        if padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            res = []
            for d, k in zip(dilation, ksize, strict=True):
                total = d * (k - 1)
                res.append((total // 2, total - total // 2))
            return res
        raise RuntimeError(f"Invalid padding string: '{padding}'")
    p = _tuple(padding, nd, "padding")
    if any(v < 0 for v in p):
        raise RuntimeError("negative padding is not supported")
    return [(v, v) for v in p]


def _windows(xp: np.ndarray, ksize: tuple, stride: tuple, dilation: tuple, out_sp: tuple):
    """View ``(N, C, *K, *out)`` of every receptive field of ``xp`` (no copy)."""
    st = xp.strides
    nd = len(ksize)
    shape = xp.shape[:2] + tuple(ksize) + tuple(out_sp)
    strides = st[:2] + tuple(st[2 + i] * dilation[i] for i in range(nd)) + \
        tuple(st[2 + i] * stride[i] for i in range(nd))
    return as_strided(xp, shape=shape, strides=strides, writeable=False)


@array_derivative("convolution")
def ConvolutionBackward0(node, g, saved):
    """grad_input by col2im, grad_weight = g @ cols^T, grad_bias = sum of g."""
    _, w, cols = saved
    stride, dilation, pads, groups, xp_shape, out_sp, batched = node._args
    need_x, need_w, need_b = needs(node)
    if not batched:
        g = g[None]
    N, O = g.shape[:2]
    G = groups
    Og = O // G
    P = int(np.prod(out_sp))
    CgK = w[0].size
    gx = gw = gb = None
    if need_b:
        gb = g.sum(axis=(0,) + tuple(range(2, g.ndim)))
    if not (need_w or need_x):
        return gx, gw, gb
    # g as (G, Og, N*P): the layout of the forward's matmul output
    g2 = g.reshape(N, G, Og, P).transpose(1, 2, 0, 3).reshape(G, Og, N * P)
    if need_w:
        gw = np.matmul(g2, cols.transpose(0, 2, 1)).reshape(w.shape)
    if need_x:
        nd = len(out_sp)
        ksize = w.shape[2:]
        C = xp_shape[1]
        w3 = w.reshape(G, Og, CgK)
        dcols = np.matmul(w3.transpose(0, 2, 1), g2)  # (G, CgK, N*P)
        dcols = dcols.reshape((C,) + tuple(ksize) + (N,) + tuple(out_sp))
        dxp = np.zeros(xp_shape, dtype=g.dtype)
        for kk in itertools.product(*(range(k) for k in ksize)):
            sl = tuple(slice(kk[i] * dilation[i], kk[i] * dilation[i] +
                             stride[i] * (out_sp[i] - 1) + 1, stride[i]) for i in range(nd))
            dxp[(slice(None), slice(None)) + sl] += dcols[(slice(None),) + kk].swapaxes(0, 1)
        crop = tuple(slice(lo, xp_shape[2 + i] - hi) for i, (lo, hi) in enumerate(pads))
        gx = dxp[(slice(None), slice(None)) + crop]
        if not batched:
            gx = gx[0]
    return gx, gw, gb


def convolution(input: Tensor, weight: Tensor, bias: Tensor | None, stride, padding, dilation,
                groups: int, nd: int, name: str = "conv2d") -> Tensor:
    """N-d convolution (cross-correlation, as in PyTorch) of ``input`` with ``weight``."""
    _check(input, weight, bias, nd, groups, name)
    stride = _tuple(stride, nd, "stride")
    dilation = _tuple(dilation, nd, "dilation")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("dilation should be greater than zero")
    ksize = tuple(weight.shape[2:])
    pads = _padding(padding, nd, stride, dilation, ksize)
    x = input._data
    batched = x.ndim == nd + 2
    if not batched:
        x = x[None]
    N, C = x.shape[:2]
    O, Cg = weight.shape[:2]
    if C != Cg * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {list(weight.shape)}, expected input"
            f"{list(x.shape)} to have {Cg * groups} channels, but got {C} channels instead")
    padded = tuple(x.shape[2 + i] + lo + hi for i, (lo, hi) in enumerate(pads))
    eff = tuple(dilation[i] * (ksize[i] - 1) + 1 for i in range(nd))
    if any(padded[i] < eff[i] for i in range(nd)):
        raise RuntimeError(
            f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). "
            f"Kernel size: ({' x '.join(map(str, eff))}). Kernel size can't be greater than "
            "actual input size")
    out_sp = tuple((padded[i] - eff[i]) // stride[i] + 1 for i in range(nd))
    xp = np.pad(x, [(0, 0), (0, 0)] + pads) if any(lo or hi for lo, hi in pads) else x
    G = groups
    CgK = int(np.prod(weight.shape[1:]))
    P = int(np.prod(out_sp))
    # im2col: the windows (N, C, *K, *out) laid out (G, Cg*K, N*P), one copy; then one
    # matmul per group gives (G, O/G, N*P)
    win = _windows(xp, ksize, stride, dilation, out_sp)
    perm = (1,) + tuple(range(2, 2 + nd)) + (0,) + tuple(range(2 + nd, 2 + 2 * nd))
    cols = np.ascontiguousarray(win.transpose(perm)).reshape(G, CgK, N * P)
    w3 = weight._data.reshape(G, O // G, CgK)
    # per sample, (O/G, CgK) @ (CgK, P) straight from cols (a strided view, no copy), which
    # writes the output in its final (N, O, *out) layout
    out = np.matmul(w3, cols.reshape(G, CgK, N, P).transpose(2, 0, 1, 3))
    out = out.reshape((N, O) + out_sp)
    if bias is not None:
        out += bias._data.reshape((1, O) + (1,) * nd)
    if not batched:
        out = out[0]
    keep_cols = weight._rg
    return record(ConvolutionBackward0, out, (input, weight, bias),
                  saved=(input, weight, cols if keep_cols else None),
                  args=(stride, dilation, pads, groups, xp.shape, out_sp, batched))


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
           dilation=1, groups: int = 1) -> Tensor:
    """1-d convolution over ``(N, C, L)`` (or unbatched ``(C, L)``) input.

    >>> import chainrule as torch
    >>> x = torch.ones(1, 1, 5)
    >>> torch.nn.functional.conv1d(x, torch.ones(1, 1, 3))
    tensor([[[3., 3., 3.]]])
    """
    return convolution(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
           dilation=1, groups: int = 1) -> Tensor:
    """2-d convolution over ``(N, C, H, W)`` (or unbatched ``(C, H, W)``) input.

    ``padding`` is an int, a pair, ``'valid'`` or ``'same'`` (stride 1 only).

    >>> import chainrule as torch
    >>> x = torch.ones(1, 1, 3, 3)
    >>> torch.nn.functional.conv2d(x, torch.ones(1, 1, 2, 2), padding=1)[0, 0]
    tensor([[1., 2., 2., 1.],
            [2., 4., 4., 2.],
            [2., 4., 4., 2.],
            [1., 2., 2., 1.]])
    """
    return convolution(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
           dilation=1, groups: int = 1) -> Tensor:
    """3-d convolution over ``(N, C, D, H, W)`` (or unbatched ``(C, D, H, W)``) input."""
    return convolution(input, weight, bias, stride, padding, dilation, groups, 3, "conv3d")
