"""Convolution (1-, 2- and 3-d): one fused op, ``ConvolutionBackward0``.

Forward is im2col + one matmul: the input is zero-padded into a fresh C-contiguous buffer,
every receptive field of it is laid out ``(C*prod(K), N*prod(out))`` with one copy (moving
each output row of a window, a run of consecutive elements with stride 1, as one item), and
``weight (O, C*prod(K)) @ cols`` is a single BLAS call for the whole batch. Groups split the
channel axis and batch the matmul over groups.

Backward, for ``g = dL/dout``:

- ``grad_weight = g @ cols^T`` summed over the batch (``cols`` is kept from forward only when
  the weight wants a gradient);
- ``grad_bias = g.sum(batch and spatial axes)``;
- ``grad_input``: ``dcols = weight^T @ g``, then col2im: ``dcols`` is spread over the padded
  input grid, where a kernel offset is a flat shift, so each kernel position is one
  contiguous add (``prod(K)`` iterations, never per pixel or per sample, every element
  summed in the same order as slice-adds would); then the padding is cut. Sparse outputs
  (strides that leave most of the grid empty) use one strided slice-add per kernel position.

Under ``create_graph=True`` the same gradients are computed from differentiable ops instead
(``unfold`` of the padded input for the weight, ``fold`` of ``weight^T @ g`` for the input),
so convolution can be differentiated any number of times.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ...autograd.graph import derivative
from ._utils import Tensor, needs, np_dtype_name, record

__all__ = ["conv1d", "conv2d", "conv3d", "convolution"]

#: col2im spreads the output gradient over the padded input grid when that grid has at most
#: this many times as many positions as the output (else a slice-add per kernel position)
_EXT_RATIO = 8


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


def _runs(a: np.ndarray, shape: tuple, strides: tuple, run: int) -> np.ndarray:
    """A view of ``a`` (C-contiguous) whose items are runs of ``run`` consecutive elements
    (a void dtype), with ``shape`` and byte ``strides`` over the runs: copying it moves each
    run as one item, where NumPy would otherwise loop over every short run of elements."""
    return np.ndarray(shape, dtype=np.dtype((np.void, run * a.itemsize)), buffer=a,
                      strides=strides)


def _padded(x: np.ndarray, pads: list) -> np.ndarray:
    """``x`` zero-padded as ``np.pad(x, [(0, 0), (0, 0)] + pads)`` does, always C-contiguous:
    zeros with ``x`` written into the interior (np.pad's own overhead is most of its cost at
    these sizes)."""
    if not any(lo or hi for lo, hi in pads):
        return np.ascontiguousarray(x)
    shape = x.shape[:2] + tuple(x.shape[2 + i] + lo + hi for i, (lo, hi) in enumerate(pads))
    xp = np.zeros(shape, dtype=x.dtype)
    xp[(slice(None), slice(None)) + tuple(slice(lo, lo + x.shape[2 + i])
                                          for i, (lo, _) in enumerate(pads))] = x
    return xp


def _im2col(xp: np.ndarray, ksize: tuple, stride: tuple, dilation: tuple,
            out_sp: tuple) -> np.ndarray:
    """Every receptive field of the C-contiguous ``xp`` (N, C, *S), laid out
    ``(C, *K, N, *out)`` (one copy). With stride 1 along the last dim each output row of a
    window is a run of consecutive elements, copied as one item."""
    nd = len(ksize)
    N, C = xp.shape[:2]
    st = xp.strides
    if stride[-1] == 1 and xp.flags.c_contiguous:
        shape = (C,) + tuple(ksize) + (N,) + tuple(out_sp[:-1])
        strides = (st[1],) + tuple(st[2 + i] * dilation[i] for i in range(nd)) + (st[0],) + \
            tuple(st[2 + i] * stride[i] for i in range(nd - 1))
        cols = np.empty(shape, dtype=np.dtype((np.void, out_sp[-1] * xp.itemsize)))
        np.copyto(cols, _runs(xp, shape, strides, out_sp[-1]))
        return cols.view(xp.dtype).reshape(shape + (out_sp[-1],))
    win = _windows(xp, ksize, stride, dilation, out_sp)
    perm = (1,) + tuple(range(2, 2 + nd)) + (0,) + tuple(range(2 + nd, 2 + 2 * nd))
    return np.ascontiguousarray(win.transpose(perm))


def _col2im(dcols: np.ndarray, xp_shape: tuple, ksize: tuple, stride: tuple,
            dilation: tuple, out_sp: tuple, pads: list) -> np.ndarray:
    """The gradient of the input from ``dcols`` (C, *K, N, *out): the padded input's
    ``dxp[n, c, o * stride + k * dilation] += dcols[c, k, n, o]`` in row-major kernel order,
    cropped, as a C-contiguous (N, C, *H) array.

    ``dcols`` is first spread into ``ext`` (K, C, N, *S) at its positions in the padded grid
    (zeros elsewhere); then a kernel offset is one flat shift of the padded images, so each
    kernel position is one contiguous add over everything. Every element receives the same
    terms in the same order as a slice-add per kernel position; the zeros that come along
    (and spill into the next image or channel) leave every partial sum as it is, since a sum
    that starts from +0.0 is never -0.0.
    """
    nd = len(ksize)
    N, C = xp_shape[:2]
    S = tuple(xp_shape[2:])
    K = math.prod(ksize)
    dt = dcols.dtype
    size = dt.itemsize
    plane = math.prod(S)
    L = C * N * plane
    flat = [math.prod(S[i + 1:]) for i in range(nd)]
    ext = np.zeros(K * L, dtype=dt)
    # ext[k, c, n, o * stride] = dcols[c, k, n, o], moving runs along the last dim if it
    # has stride 1
    shape = (C, K, N) + tuple(out_sp[:-1])
    strides = (N * plane * size, L * size, plane * size) + \
        tuple(flat[i] * stride[i] * size for i in range(nd - 1))
    dcols = np.ascontiguousarray(dcols).reshape(shape + (out_sp[-1],))
    if stride[-1] == 1:
        run = out_sp[-1]
        src = dcols.view(np.dtype((np.void, run * size))).reshape(shape)
        np.copyto(_runs(ext, shape, strides, run), src)
    else:
        view = as_strided(ext, shape=shape + (out_sp[-1],),
                          strides=strides + (stride[-1] * size,))
        view[...] = dcols
    shifts = [sum(kk[i] * dilation[i] * flat[i] for i in range(nd))
              for kk in itertools.product(*(range(k) for k in ksize))]
    buf = np.zeros(L + max(shifts), dtype=dt)
    for j, sh in enumerate(shifts):
        part = buf[sh:sh + L]
        part += ext[j * L:(j + 1) * L]
    # crop the padding and move N first: (N, C, *H), copied by runs of the last dim
    H = tuple(S[i] - lo - hi for i, (lo, hi) in enumerate(pads))
    gx = np.empty((N, C) + H, dtype=dt)
    if all(H):
        offset = sum(pads[i][0] * flat[i] for i in range(nd)) * size
        shape = (N, C) + H[:-1]
        strides = (plane * size, N * plane * size) + tuple(flat[i] * size
                                                          for i in range(nd - 1))
        src = np.ndarray(shape, dtype=np.dtype((np.void, H[-1] * size)), buffer=buf,
                         offset=offset, strides=strides)
        np.copyto(gx.view(src.dtype).reshape(shape), src)
    return gx


def _conv_array_rule(node, g, saved):
    """grad_input by col2im, grad_weight = g @ cols^T, grad_bias = sum of g."""
    _, w, cols = saved
    stride, dilation, pads, groups, xp_shape, out_sp, batched = node._args
    need_x, need_w, need_b = needs(node)
    if not batched:
        g = g[None]
    N, O = g.shape[:2]
    G = groups
    Og = O // G
    P = math.prod(out_sp)
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
        if math.prod(xp_shape[2:]) <= _EXT_RATIO * P:
            gx = _col2im(dcols, xp_shape, tuple(ksize), stride, dilation, out_sp, pads)
        else:  # sparse outputs (large strides): a slice-add per kernel position
            dcols = dcols.reshape((C,) + tuple(ksize) + (N,) + tuple(out_sp))
            dxp = np.zeros(xp_shape, dtype=g.dtype)
            for kk in itertools.product(*(range(k) for k in ksize)):
                sl = tuple(slice(kk[i] * dilation[i], kk[i] * dilation[i] +
                                 stride[i] * (out_sp[i] - 1) + 1, stride[i]) for i in range(nd))
                dxp[(slice(None), slice(None)) + sl] += \
                    dcols[(slice(None),) + kk].swapaxes(0, 1)
            crop = tuple(slice(lo, xp_shape[2 + i] - hi) for i, (lo, hi) in enumerate(pads))
            gx = dxp[(slice(None), slice(None)) + crop]
        if not batched:
            gx = gx[0]
    return gx, gw, gb


def _conv_tensor_rule(node, F, g):
    """The same gradients from differentiable ops (under ``create_graph``): ``unfold`` of
    the padded input and ``fold`` (its adjoint) of ``weight^T @ g``, with matmuls between."""
    from .fold import _fold_op, _unfold_op
    from .padding import pad

    x, w, _ = F.saved(node)
    stride, dilation, pads, groups, xp_shape, out_sp, batched = node._args
    need_x, need_w, need_b = F.needs(node)
    nd = len(out_sp)
    if not batched:
        g = g.unsqueeze(0)
    N, O = g.shape[:2]
    G = groups
    Og = O // G
    P = math.prod(out_sp)
    ksize = tuple(w.shape[2:])
    K = math.prod(ksize)
    C = xp_shape[1]
    Cg = C // G
    zero = (0,) * nd
    gx = gw = gb = None
    if need_b:
        gb = F.sum(g, (0,) + tuple(range(2, g.ndim)))
    g4 = g.reshape(N, G, Og, P)
    if need_w:
        xb = x if batched else x.unsqueeze(0)
        if any(lo or hi for lo, hi in pads):
            flat = []
            for lo, hi in reversed(pads):
                flat += [lo, hi]
            xb = pad(xb, flat)
        cols = _unfold_op(xb, ksize, dilation, zero, stride, True, out_sp)  # (N, C*K, P)
        cols = cols.reshape(N, G, Cg * K, P)
        gw = F.sum(F.matmul(g4, cols.transpose(-1, -2)), 0).reshape(tuple(w.shape))
    if need_x:
        w3 = w.reshape(G, Og, Cg * K)
        dcols = F.matmul(w3.transpose(1, 2), g4).reshape(N, C * K, P)
        gxp = _fold_op(dcols, tuple(xp_shape[2:]), ksize, dilation, zero, stride, True,
                       out_sp)
        if any(lo or hi for lo, hi in pads):
            crop = tuple(slice(lo, xp_shape[2 + i] - hi) for i, (lo, hi) in enumerate(pads))
            gxp = gxp[(slice(None), slice(None)) + crop]
        gx = gxp if batched else gxp.squeeze(0)
    return gx, gw, gb


@derivative("convolution")
def ConvolutionBackward0(node, F, g):
    """grad_input by col2im, grad_weight = g @ cols^T, grad_bias = sum of g (with NumPy);
    under ``create_graph`` the same from differentiable ops, so it can be differentiated
    again."""
    if F.mode == "array":
        return _conv_array_rule(node, g, F.saved(node))
    return _conv_tensor_rule(node, F, g)


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
    xp = _padded(x, pads)
    G = groups
    CgK = math.prod(weight.shape[1:])
    P = math.prod(out_sp)
    # im2col: the windows (N, C, *K, *out) laid out (G, Cg*K, N*P), one copy; then one
    # matmul per group gives (G, O/G, N*P)
    cols = _im2col(xp, ksize, stride, dilation, out_sp).reshape(G, CgK, N * P)
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
