"""Pooling: max, average and adaptive average, over 1, 2 (or 3) spatial dims, vectorised.

Windows are an ``as_strided`` view of the padded input (no per-pixel loop). Max pooling
takes one pass per kernel position over strided slices, keeping the running maximum and
which kernel position gave it (the first one on ties, like PyTorch); the backward sends each
gradient there with one masked add per kernel position. Non-overlapping windows (stride equal
to the kernel, no padding or dilation: the usual ``MaxPool2d(2)``) take a fast path on strided
views of the unpadded input that keeps, per later kernel position, whether it beat the running
maximum; same results, bit for bit. Average pooling's backward adds
``g / divisor`` back with one strided slice-add per kernel position. Adaptive average
pooling is linear and separable: per spatial dim a matrix ``A`` (out x in) of window weights, so
``out = A_h @ x @ A_w^T`` and its gradient is ``A_h^T @ g @ A_w`` (differentiable again).

Under ``create_graph=True`` max pooling's gradient is a differentiable scatter of ``g`` to the
argmax positions (``F.index_add``) and average pooling's a ``fold`` of ``g / divisor``, so
every pool here can be differentiated any number of times.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ...autograd.graph import derivative
from ._utils import Tensor, make, record

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d",
           "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d",
           "max_pool1d_with_indices", "max_pool2d_with_indices", "adaptive_max_pool1d",
           "adaptive_max_pool2d", "lp_pool1d", "lp_pool2d"]


def _tuple(x, n: int) -> tuple:
    if isinstance(x, (list, tuple)):
        if len(x) == 1:
            return (int(x[0]),) * n
        if len(x) != n:
            raise RuntimeError(f"expected {n} values, got {list(x)}")
        return tuple(int(v) for v in x)
    return (int(x),) * n


def _out_size(L: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    num = L + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)
    out = num // s + 1
    if ceil_mode and (out - 1) * s >= L + p:
        out -= 1
    return out


def _setup(x: Tensor, nd: int, kernel_size, stride, padding, dilation, ceil_mode, name: str):
    if x.ndim not in (nd + 1, nd + 2) or x.numel() == 0:
        dims = {1: "2D or 3D", 2: "3D or 4D", 3: "4D or 5D"}[nd]
        if nd == 1:
            raise RuntimeError(f"{name}: Expected {dims} (batch mode) tensor with optional 0 "
                               f"dim batch size for input, but got:{list(x.shape)}")
        raise RuntimeError(f"non-empty {dims} (batch mode) tensor expected for input")
    k = _tuple(kernel_size, nd)
    s = k if stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0) \
        else _tuple(stride, nd)
    p = _tuple(padding, nd)
    d = _tuple(dilation, nd)
    if any(v <= 0 for v in k):
        raise RuntimeError("kernel size should be greater than zero, but got "
                           + ", ".join(f"k{i}: {v}" for i, v in enumerate(k)))
    if any(v <= 0 for v in s):
        raise RuntimeError("stride should be greater than zero")
    for i in range(nd):
        if p[i] > (d[i] * (k[i] - 1) + 1) // 2:
            raise RuntimeError(
                f"pad should be at most half of effective kernel size, but got pad={p[i]}, "
                f"kernel_size={k[i]} and dilation={d[i]}")
    data = x._data
    batched = data.ndim == nd + 2
    if not batched:
        data = data[None]
    S = data.shape[2:]
    out = tuple(_out_size(S[i], k[i], s[i], p[i], d[i], ceil_mode) for i in range(nd))
    if any(o < 1 for o in out):
        shp = "x".join(str(v) for v in data.shape[1:])
        oshp = "x".join(str(v) for v in (data.shape[1],) + out)
        raise RuntimeError(f"Given input size: ({shp}). Calculated output size: ({oshp}). "
                           "Output size is too small")
    # pad before by p, after enough to hold every window
    pads = [(0, 0), (0, 0)]
    for i in range(nd):
        need = (out[i] - 1) * s[i] + d[i] * (k[i] - 1) + 1
        pads.append((p[i], max(0, need - S[i] - p[i])))
    return data, batched, k, s, p, d, out, pads


def _windows(xp: np.ndarray, k, s, d, out) -> np.ndarray:
    """View ``(N, C, *out, *K)`` of the pooling windows of the padded ``xp``."""
    nd = len(k)
    st = xp.strides
    shape = xp.shape[:2] + tuple(out) + tuple(k)
    strides = st[:2] + tuple(st[2 + i] * s[i] for i in range(nd)) + \
        tuple(st[2 + i] * d[i] for i in range(nd))
    return as_strided(xp, shape=shape, strides=strides, writeable=False)


# ------------------------------------------------------------------------------ max pool
def _kernel_slices(k, s, d, out_sp):
    """Per kernel position: its index and the strided slice of the padded input it reads
    for every output position (row-major order, so ties keep the first maximum)."""
    nd = len(k)
    for kk in itertools.product(*(range(v) for v in k)):
        yield kk, (slice(None), slice(None)) + tuple(
            slice(kk[i] * d[i], kk[i] * d[i] + s[i] * (out_sp[i] - 1) + 1, s[i])
            for i in range(nd))


def _second_on_ties(dtype) -> bool:
    """Whether ``np.maximum(a, b)`` returns ``b`` where ``a == b`` for ``dtype`` (it does
    with NumPy's x86 kernels; only ``+0.0`` vs ``-0.0`` can tell), probed once on contiguous,
    strided, short and long arrays."""
    a = np.zeros(67, dtype)
    b = -a
    for sl in (slice(None), slice(None, None, 2), slice(0, 1), slice(0, 5)):
        if not (np.signbit(np.maximum(a[sl], b[sl])).all()
                and not np.signbit(np.maximum(b[sl], a[sl])).any()):
            return False
    return True


_MAXIMUM_KEEPS_SECOND = {np.dtype(t): _second_on_ties(t)
                         for t in (np.float16, np.float32, np.float64)}
_FAST = object()  # marks the args of a max-pool node recorded by the fast path
_STAGED = object()  # ... by its staged variant


def _fast_windows(a: np.ndarray, k, out_sp) -> np.ndarray:
    """View ``(N, C, O1, k1, O2, k2, ...)`` of ``a`` (N, C, *S) split into the
    non-overlapping windows of a pool with ``stride == kernel_size`` (trailing rows that no
    window reaches are left out)."""
    st = a.strides
    shape = a.shape[:2]
    strides = st[:2]
    for i, kk in enumerate(k):
        shape += (out_sp[i], kk)
        strides += (st[2 + i] * kk, st[2 + i])
    return as_strided(a, shape=shape, strides=strides)


def _fast_positions(k) -> list:
    """Per kernel position (row-major, the order ties are broken in), its index into
    :func:`_fast_windows`."""
    full = slice(None)
    out = []
    for kk in itertools.product(*(range(v) for v in k)):
        idx = (full, full)
        for v in kk:
            idx += (full, v)
        out.append(idx)
    return out


def _max_pool_fast(input: Tensor, data: np.ndarray, batched: bool, k, p, out_sp,
                   return_indices: bool):
    """Max pool with ``stride == kernel_size``, no padding, no dilation: the windows tile
    the input, so each kernel position is a strided view of it. One pass per position keeps
    the running maximum and whether that position beat it (strictly: ties keep the first
    maximum, as in PyTorch). None where NaNs need PyTorch's NaN rule (the general path)."""
    kind = data.dtype.kind
    if kind == "f":
        keep_second = _MAXIMUM_KEEPS_SECOND.get(data.dtype)
        if keep_second is None or np.isnan(data.min()):
            return None
    elif kind not in "iub":
        return None
    else:
        keep_second = True
    if not return_indices and data.flags.c_contiguous and all(
            data.shape[2 + i] == out_sp[i] * k[i] for i in range(len(k))):
        return _max_pool_staged(input, data, batched, k, out_sp, keep_second)
    win = _fast_windows(data, k, out_sp)
    best, beats = _running_max([win[idx] for idx in _fast_positions(k)], keep_second)
    res = record(MaxPoolBackward[len(k)], best if batched else best[0], (input,),
                 saved=(input,), args=(_FAST, beats, data.shape, k, out_sp, batched))
    if return_indices:
        arg = np.zeros(best.shape, dtype=np.int32)
        for j, m in enumerate(beats, 1):
            arg[m] = j  # the last position that beat the running maximum is the first one
        flat = _flat_indices(arg, k, k, (1,) * len(k), p, out_sp, data.shape[2:])
        return res, make(flat if batched else flat[0])
    return res


def _running_max(views: list, keep_second: bool):
    """The first maximum of ``views`` elementwise, and per later view where it beat the
    running maximum (strictly)."""
    best = views[0].copy()
    beats = []
    for v in views[1:]:
        m = np.greater(v, best)
        beats.append(m)
        if keep_second:  # the larger, or best itself where equal (even -0.0 vs 0.0)
            np.maximum(v, best, out=best)
        else:
            best = np.where(m, v, best)
    return best, beats


def _route(g: np.ndarray, beats: list, outs: list) -> None:
    """``outs[j] = g * (j is where the first maximum was)``: the last position that beat the
    running maximum, found from the last position back."""
    rest = None  # where no later position won
    for j in range(len(beats), 0, -1):
        b = beats[j - 1]
        if rest is None:
            won, rest = b, ~b
        else:
            won = b & rest
            np.greater(rest, b, out=rest)  # rest & ~b
        np.multiply(g, won, out=outs[j])
    if rest is None:
        outs[0][...] = g
    else:
        np.multiply(g, rest, out=outs[0])


def _max_pool_staged(input: Tensor, data: np.ndarray, batched: bool, k, out_sp,
                     keep_second: bool):
    """:func:`_max_pool_fast` when the windows tile the C-contiguous input exactly: one stage
    per spatial dim, last first, each a running maximum over that dim's kernel positions (the
    last dim's are plain strided vectors, the others rows of the already reduced dims). The
    first maximum of a window is the first of the first maxima of its rows, so ties still go
    to the first maximum in row-major order."""
    N, C = data.shape[:2]
    S = data.shape[2:]
    nd = len(k)
    a = data
    stages = []
    for i in range(nd - 1, -1, -1):
        if k[i] == 1:
            stages.append(None)
            continue
        pre = N * C * math.prod(S[:i]) * out_sp[i]
        b = a.reshape(pre, k[i], math.prod(out_sp[i + 1:]))
        a, beats = _running_max([b[:, j] for j in range(k[i])], keep_second)
        stages.append(beats)
    if a is data:  # a 1x1 kernel: still a new array
        a = data.copy()
    best = a.reshape((N, C) + tuple(out_sp))
    stages.reverse()  # per dim, first to last
    return record(MaxPoolBackward[nd], best if batched else best[0], (input,),
                  saved=(input,), args=(_STAGED, stages, data.shape, k, out_sp, batched))


def _max_pool_staged_rule(node, g):
    """Backward of :func:`_max_pool_staged`: the stages undone from the first dim to the last,
    each spreading the gradient over that dim's kernel positions; then ``+ 0`` as the general
    rule's sum into zeros (-0.0 -> 0.0)."""
    _, stages, shape, k, out_sp, batched = node._args
    if not batched:
        g = g[None]
    N, C = shape[:2]
    S = shape[2:]
    for i, beats in enumerate(stages):
        if beats is None:
            continue
        pre = N * C * math.prod(S[:i]) * out_sp[i]
        inner = math.prod(out_sp[i + 1:])
        g = g.reshape(pre, inner)
        e = np.empty((pre, k[i], inner), dtype=g.dtype)
        _route(g, beats, [e[:, j] for j in range(k[i])])
        g = e
    dx = g.reshape(shape)
    dx += 0
    return (dx if batched else dx[0],)


def _max_pool_fast_rule(node, g):
    """Backward of :func:`_max_pool_fast`: each window's gradient goes to its first
    maximum, the last position that beat the running maximum (computed from the last
    position back), exactly as the general rule's ``0 + g * (arg == j)``."""
    _, beats, shape, k, out_sp, batched = node._args
    if not batched:
        g = g[None]
    dx = np.zeros(shape, dtype=g.dtype)
    win = _fast_windows(dx, k, out_sp)
    _route(g, beats, [win[idx] for idx in _fast_positions(k)])
    dx += 0  # as the general rule's sum into zeros: -0.0 -> 0.0
    return (dx if batched else dx[0],)


def _max_pool(input: Tensor, nd: int, kernel_size, stride, padding, dilation, ceil_mode,
              return_indices: bool, name: str):
    data, batched, k, s, p, d, out_sp, pads = _setup(input, nd, kernel_size, stride, padding,
                                                     dilation, ceil_mode, name)
    if s == k and not any(v != 1 for v in d) and not any(a or b for a, b in pads):
        res = _max_pool_fast(input, data, batched, k, p, out_sp, return_indices)
        if res is not None:
            return res
    if data.dtype.kind == "f":
        fill = -np.inf
    elif data.dtype.kind == "b":
        fill = False
    else:
        fill = np.iinfo(data.dtype).min
    xp = np.pad(data, pads, constant_values=fill) if any(a or b for a, b in pads) else data
    # one pass per kernel position: keep the running maximum and which position gave it
    # (a later value wins only if strictly greater, or NaN, as in PyTorch's kernel)
    best = arg = None
    check_nan = data.dtype.kind in "fc"
    for j, (_, sl) in enumerate(_kernel_slices(k, s, d, out_sp)):
        v = xp[sl]
        if best is None:
            best = v.copy()
            arg = np.zeros(best.shape, dtype=np.int32)
            continue
        m = v > best
        if check_nan:
            m |= np.isnan(v)
        np.copyto(best, v, where=m)
        arg[m] = j
    res = record(MaxPoolBackward[nd], best if batched else best[0], (input,),
                 saved=(input,), args=(arg, xp.shape, pads, k, s, d, out_sp, batched))
    if return_indices:
        flat = _flat_indices(arg, k, s, d, p, out_sp, data.shape[2:])
        return res, make(flat if batched else flat[0])
    return res


def _flat_indices(arg, k, s, d, p, out_sp, S) -> np.ndarray:
    """Index of each maximum in its (unpadded) input plane, as PyTorch's return_indices."""
    nd = len(k)
    kpos = np.unravel_index(arg, k)
    flat = np.zeros(arg.shape, dtype=np.int64)
    for i in range(nd):
        o = np.arange(out_sp[i]).reshape((-1,) + (1,) * (nd - 1 - i)) * s[i]
        flat = flat * S[i] + (o + kpos[i] * d[i] - p[i])
    return flat


def _max_pool_rule(node, g, saved):
    """Each output's gradient goes to its maximum's position (summed where windows overlap):
    one masked add per kernel position."""
    if node._args[0] is _FAST:
        return _max_pool_fast_rule(node, g)
    if node._args[0] is _STAGED:
        return _max_pool_staged_rule(node, g)
    arg, xp_shape, pads, k, s, d, out_sp, batched = node._args
    if not batched:
        g = g[None]
    dxp = np.zeros(xp_shape, dtype=g.dtype)
    for j, (_, sl) in enumerate(_kernel_slices(k, s, d, out_sp)):
        dxp[sl] += g * (arg == j)
    crop = tuple(slice(lo, xp_shape[i] - hi) for i, (lo, hi) in enumerate(pads))
    gx = dxp[crop]
    return (gx if batched else gx[0],)


def _flat_rule(node, g, saved):
    """Each output's gradient goes to its maximum's flat position (one bincount)."""
    flat, shape, batched = node._args
    if not batched:
        g = g[None]
    N, C = shape[:2]
    plane = int(np.prod(shape[2:]))
    base = (np.arange(N * C, dtype=np.int64) * plane).reshape((N, C) + (1,) * (len(shape) - 2))
    idx = (flat + base).ravel()
    gx = np.bincount(idx, weights=g.ravel(), minlength=N * C * plane)
    gx = gx.astype(g.dtype, copy=False).reshape(shape)
    return (gx if batched else gx[0],)


def _scatter_to_flat(F, g, flat: np.ndarray, shape: tuple, batched: bool):
    """Differentiable: ``g`` added into zeros of ``shape`` (N, C, *S) at the flat in-plane
    positions ``flat`` (N, C, *out) (``F.index_add``, whose derivative is a gather)."""
    if not batched:
        g = g.unsqueeze(0)
    N, C = shape[:2]
    plane = math.prod(shape[2:])
    base = (np.arange(N * C, dtype=np.int64) * plane).reshape((N, C) + (1,) * (flat.ndim - 2))
    gx = F.index_add((N * C * plane,), ((flat + base).ravel(),), g.reshape(-1), g)
    gx = gx.reshape(tuple(shape))
    return gx if batched else gx.squeeze(0)


def _max_pool_flat(node, F) -> tuple:
    """The flat in-plane index of every window's maximum (as ``return_indices`` gives it),
    the batched input shape and whether the input was batched."""
    tag = node._args[0]
    if tag is _FAST or tag is _STAGED:
        _, beats, shape, k, out_sp, batched = node._args
        nd = len(k)
        if tag is _STAGED:  # recompute the per-position winners from the saved input
            data = F.saved(node)[0]._data
            if not batched:
                data = data[None]
            win = _fast_windows(data, k, out_sp)
            keep = _MAXIMUM_KEEPS_SECOND.get(data.dtype, True)
            _, beats = _running_max([win[idx] for idx in _fast_positions(k)], keep)
        arg = np.zeros((shape[0], shape[1]) + tuple(out_sp), dtype=np.int32)
        for j, m in enumerate(beats, 1):
            arg[m] = j
        flat = _flat_indices(arg, k, k, (1,) * nd, (0,) * nd, out_sp, shape[2:])
        return flat, tuple(shape), batched
    arg, xp_shape, pads, k, s, d, out_sp, batched = node._args
    S = tuple(xp_shape[2 + i] - lo - hi for i, (lo, hi) in enumerate(pads[2:]))
    p = tuple(lo for lo, _ in pads[2:])
    flat = _flat_indices(arg, k, s, d, p, out_sp, S)
    return flat, tuple(xp_shape[:2]) + S, batched


def _max_pool_backward(node, F, g):
    """Each output's gradient goes to its maximum's position (NumPy); under ``create_graph``
    the same as a differentiable scatter (``F.index_add``) to the argmax positions."""
    if F.mode == "array":
        return _max_pool_rule(node, g, F.saved(node))
    flat, shape, batched = _max_pool_flat(node, F)
    return (_scatter_to_flat(F, g, flat, shape, batched),)


MaxPoolBackward = {
    nd: derivative(f"max_pool{nd}d_with_indices")(_max_pool_backward) for nd in (1, 2, 3)
}
# PyTorch's node names: MaxPool2DWithIndicesBackward0...
for _nd, _cls in MaxPoolBackward.items():
    _cls.__name__ = _cls.__qualname__ = f"MaxPool{_nd}DWithIndicesBackward0"


def max_pool1d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False):
    """1-d max pooling over ``(N, C, L)``; with ``return_indices`` also the argmax indices."""
    return _max_pool(input, 1, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices, "max_pool1d")


def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False):
    """2-d max pooling over ``(N, C, H, W)``; ``stride`` defaults to ``kernel_size``.

    >>> import chainrule as torch
    >>> x = torch.arange(16.).reshape(1, 1, 4, 4)
    >>> torch.nn.functional.max_pool2d(x, 2)
    tensor([[[[ 5.,  7.],
              [13., 15.]]]])
    """
    return _max_pool(input, 2, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices, "max_pool2d")


def max_pool3d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False):
    """3-d max pooling over ``(N, C, D, H, W)``."""
    return _max_pool(input, 3, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices, "max_pool3d")


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


# ------------------------------------------------------------------------------ avg pool
def _divisor(S, k, s, p, out, count_include_pad: bool, divisor_override) -> np.ndarray:
    """Per output position, what its window's sum is divided by (PyTorch's rule)."""
    nd = len(k)
    if divisor_override:
        return np.asarray(float(divisor_override))
    div = np.ones((1,) * nd)
    for i in range(nd):
        start = np.arange(out[i]) * s[i] - p[i]
        end = np.minimum(start + k[i], S[i] + p[i])
        size = end - start
        if not count_include_pad:
            size = np.minimum(end, S[i]) - np.maximum(start, 0)
        div = div * size.reshape((-1,) + (1,) * (nd - 1 - i))
    return div


def _avg_pool(input: Tensor, nd: int, kernel_size, stride, padding, ceil_mode: bool,
              count_include_pad: bool, divisor_override, name: str) -> Tensor:
    data, batched, k, s, p, d, out_sp, pads = _setup(input, nd, kernel_size, stride, padding,
                                                     1, ceil_mode, name)
    xp = np.pad(data, pads) if any(a or b for a, b in pads) else data
    win = _windows(xp, k, s, d, out_sp)
    total = win.sum(axis=tuple(range(2 + nd, 2 + 2 * nd)))
    div = _divisor(data.shape[2:], k, s, p, out_sp, count_include_pad, divisor_override)
    out = total / div
    if data.dtype.kind not in "fc":
        out = np.trunc(out)  # integer inputs: truncating division, as in PyTorch
    out = out.astype(data.dtype, copy=False)
    return record(AvgPoolBackward[nd], out if batched else out[0], (input,),
                  args=(div, xp.shape, pads, k, s, out_sp, batched))


def _avg_pool_rule(node, g, saved):
    """Each input receives ``g / divisor`` from every window it lies in."""
    div, xp_shape, pads, k, s, out_sp, batched = node._args
    if not batched:
        g = g[None]
    nd = len(k)
    gd = (g / div).astype(g.dtype, copy=False)
    dxp = np.zeros(xp_shape, dtype=g.dtype)
    for kk in itertools.product(*(range(v) for v in k)):
        sl = tuple(slice(kk[i], kk[i] + s[i] * (out_sp[i] - 1) + 1, s[i]) for i in range(nd))
        dxp[(slice(None), slice(None)) + sl] += gd
    crop = tuple(slice(lo, xp_shape[2 + i] - hi) for i, (lo, hi) in enumerate(pads[2:]))
    gx = dxp[(slice(None), slice(None)) + crop]
    return (gx if batched else gx[0],)


def _avg_pool_backward(node, F, g):
    """``g / divisor`` back over every window (NumPy); under ``create_graph`` the same,
    linear in ``g``, as a ``fold`` of ``g / divisor`` repeated per kernel position."""
    if F.mode == "array":
        return _avg_pool_rule(node, g, None)
    from .fold import _fold_op

    div, xp_shape, pads, k, s, out_sp, batched = node._args
    nd = len(k)
    if not batched:
        g = g.unsqueeze(0)
    N, C = xp_shape[:2]
    K = math.prod(k)
    P = math.prod(out_sp)
    gd = g / F.const(div, like=g)
    cols = gd.reshape(N, C, 1, P).expand(N, C, K, P).reshape(N, C * K, P)
    gxp = _fold_op(cols, tuple(xp_shape[2:]), k, (1,) * nd, (0,) * nd, s, True, out_sp)
    if any(lo or hi for lo, hi in pads[2:]):
        crop = tuple(slice(lo, xp_shape[2 + i] - hi) for i, (lo, hi) in enumerate(pads[2:]))
        gxp = gxp[(slice(None), slice(None)) + crop]
    return (gxp if batched else gxp.squeeze(0),)


AvgPoolBackward = {
    nd: derivative(f"avg_pool{nd}d")(_avg_pool_backward) for nd in (1, 2, 3)
}
for _nd, _cls in AvgPoolBackward.items():
    _cls.__name__ = _cls.__qualname__ = f"AvgPool{_nd}DBackward0"


def avg_pool1d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """1-d average pooling over ``(N, C, L)``."""
    return _avg_pool(input, 1, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     None, "avg_pool1d")


def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override=None) -> Tensor:
    """2-d average pooling over ``(N, C, H, W)``; padding counts in the divisor unless
    ``count_include_pad=False``.

    >>> import chainrule as torch
    >>> x = torch.arange(16.).reshape(1, 1, 4, 4)
    >>> torch.nn.functional.avg_pool2d(x, 2)
    tensor([[[[ 2.5000,  4.5000],
              [10.5000, 12.5000]]]])
    """
    return _avg_pool(input, 2, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override, "avg_pool2d")


def avg_pool3d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override=None) -> Tensor:
    """3-d average pooling over ``(N, C, D, H, W)``."""
    return _avg_pool(input, 3, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override, "avg_pool3d")


def lp_pool1d(input: Tensor, norm_type: float, kernel_size, stride=None,
              ceil_mode: bool = False) -> Tensor:
    """Power-average pooling: ``(sum x^p)^(1/p)`` over each window."""
    kw = _tuple(kernel_size, 1)[0]
    out = avg_pool1d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    from .activation import relu

    return (out.sign() * relu(out.abs())).mul(kw).pow(1.0 / norm_type)


def lp_pool2d(input: Tensor, norm_type: float, kernel_size, stride=None,
              ceil_mode: bool = False) -> Tensor:
    """2-d power-average pooling."""
    kh, kw = _tuple(kernel_size, 2)
    out = avg_pool2d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    from .activation import relu

    return (out.sign() * relu(out.abs())).mul(kw * kh).pow(1.0 / norm_type)


# ------------------------------------------------------------------------- adaptive pools
def _adaptive_ranges(L: int, O: int):
    i = np.arange(O)
    start = (i * L) // O
    end = -((-(i + 1) * L) // O)  # ceil((i+1) L / O)
    return start, end


def _adaptive_matrix(L: int, O: int, dtype) -> np.ndarray:
    start, end = _adaptive_ranges(L, O)
    j = np.arange(L)
    m = (j >= start[:, None]) & (j < end[:, None])
    return (m / (end - start)[:, None]).astype(dtype)


def _output_size(output_size, nd: int, S) -> tuple:
    o = _tuple(output_size, nd) if not isinstance(output_size, (list, tuple)) else \
        tuple(output_size)
    if len(o) != nd:
        raise RuntimeError(f"adaptive pool: output_size must be {nd}")
    return tuple(S[i] if o[i] is None else int(o[i]) for i in range(nd))


def _apply_mats(x, mats, transpose: bool, F=None):
    """Contract each trailing spatial dim of ``x`` with its matrix (``A`` or ``A^T``)."""
    nd = len(mats)
    for i, m in enumerate(mats):
        ax = x.ndim - nd + i
        mm = m if not transpose else m.T
        # move axis ax last, multiply by mm^T, move back
        if F is None:
            x = np.moveaxis(np.matmul(np.moveaxis(x, ax, -1), mm.T), -1, ax)
        else:
            x = F.swapaxes(F.matmul(F.swapaxes(x, ax, -1), F.const(mm.T, like=x)), ax, -1) \
                if ax != x.ndim - 1 else F.matmul(x, F.const(mm.T, like=x))
    return x


def _adaptive_avg(input: Tensor, output_size, nd: int, name: str) -> Tensor:
    data = input._data
    if data.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"{name}(): Expected {nd + 1}D or {nd + 2}D tensor, but got "
                           f"{list(data.shape)}")
    S = data.shape[-nd:]
    out_sz = _output_size(output_size, nd, S)
    mats = [_adaptive_matrix(S[i], out_sz[i], data.dtype) for i in range(nd)]
    out = _apply_mats(data, mats, False)
    return record(AdaptiveAvgPoolBackward[nd], np.ascontiguousarray(out), (input,),
                  args=(mats,))


def _adaptive_avg_rule(node, F, g):
    # linear: the gradient contracts with the transposed window matrices
    (mats,) = node._args
    if F.mode == "array":
        return (_apply_mats(g, mats, True).astype(g.dtype, copy=False),)
    return (_apply_mats(g, mats, True, F),)


AdaptiveAvgPoolBackward = {
    nd: derivative(f"adaptive_avg_pool{nd}d")(_adaptive_avg_rule)
    for nd in (1, 2, 3)
}
for _nd, _cls in AdaptiveAvgPoolBackward.items():
    _cls.__name__ = _cls.__qualname__ = f"AdaptiveAvgPool{_nd}DBackward0"


def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:
    """Average pooling to a fixed output length (windows ``[floor(iL/O), ceil((i+1)L/O))``)."""
    return _adaptive_avg(input, output_size, 1, "adaptive_avg_pool1d")


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """Average pooling to a fixed ``(H_out, W_out)`` (``None`` keeps that input size).

    >>> import chainrule as torch
    >>> x = torch.arange(16.).reshape(1, 1, 4, 4)
    >>> torch.nn.functional.adaptive_avg_pool2d(x, 1)
    tensor([[[[7.5000]]]])
    """
    return _adaptive_avg(input, output_size, 2, "adaptive_avg_pool2d")


def adaptive_avg_pool3d(input: Tensor, output_size) -> Tensor:
    """Average pooling to a fixed ``(D_out, H_out, W_out)``."""
    return _adaptive_avg(input, output_size, 3, "adaptive_avg_pool3d")


def _adaptive_max(input: Tensor, output_size, nd: int, return_indices: bool, name: str):
    data = input._data
    if data.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"{name}(): Expected {nd + 1}D or {nd + 2}D tensor, but got "
                           f"{list(data.shape)}")
    batched = data.ndim == nd + 2
    x = data if batched else data[None]
    S = x.shape[2:]
    out_sz = _output_size(output_size, nd, S)
    # gather every (padded) window: per dim an index table (O, kmax) clipped into range,
    # with positions outside the window masked to -inf
    idx_tables, masks = [], []
    for i in range(nd):
        start, end = _adaptive_ranges(S[i], out_sz[i])
        kmax = int((end - start).max())
        pos = start[:, None] + np.arange(kmax)
        masks.append(pos < end[:, None])
        idx_tables.append(np.minimum(pos, S[i] - 1))
    N, C = x.shape[:2]
    if nd == 1:
        win = x[:, :, idx_tables[0]]  # (N, C, O, k)
        valid = masks[0]
        flat_pos = idx_tables[0]
    else:
        (ih, iw), (mh, mw) = idx_tables, masks
        win = x[:, :, ih[:, None, :, None], iw[None, :, None, :]]  # (N,C,Oh,Ow,kh,kw)
        valid = mh[:, None, :, None] & mw[None, :, None, :]
        flat_pos = ih[:, None, :, None] * S[1] + iw[None, :, None, :]
        win = win.reshape(N, C, out_sz[0], out_sz[1], -1)
        valid = valid.reshape(out_sz[0], out_sz[1], -1)
        flat_pos = np.broadcast_to(flat_pos, valid.shape[:2] + flat_pos.shape[2:]).reshape(
            out_sz[0], out_sz[1], -1)
    fill = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    win = np.where(valid, win, fill)
    arg = win.argmax(axis=-1)
    out = np.take_along_axis(win, arg[..., None], -1)[..., 0]
    flat = np.take_along_axis(np.broadcast_to(flat_pos, arg.shape + flat_pos.shape[-1:]),
                              arg[..., None], -1)[..., 0]
    res = record(AdaptiveMaxPoolBackward[nd], out if batched else out[0], (input,),
                 saved=(input,), args=(flat, x.shape, batched))
    if return_indices:
        return res, make(flat if batched else flat[0])
    return res


def _adaptive_max_backward(node, F, g):
    """Each output's gradient goes to its maximum's flat position (one bincount); under
    ``create_graph`` a differentiable scatter (``F.index_add``)."""
    if F.mode == "array":
        return _flat_rule(node, g, F.saved(node))
    flat, shape, batched = node._args
    return (_scatter_to_flat(F, g, flat, tuple(shape), batched),)


AdaptiveMaxPoolBackward = {
    nd: derivative(f"adaptive_max_pool{nd}d")(_adaptive_max_backward) for nd in (1, 2)
}
for _nd, _cls in AdaptiveMaxPoolBackward.items():
    _cls.__name__ = _cls.__qualname__ = f"AdaptiveMaxPool{_nd}DBackward0"


def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):
    """Max pooling to a fixed output length."""
    return _adaptive_max(input, output_size, 1, return_indices, "adaptive_max_pool1d")


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):
    """Max pooling to a fixed ``(H_out, W_out)``."""
    return _adaptive_max(input, output_size, 2, return_indices, "adaptive_max_pool2d")

