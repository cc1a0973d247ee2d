"""``unfold`` (im2col), ``fold`` (col2im) and the transposed convolutions built on them.

``unfold`` lays every ``kernel_size`` block of the (padded) input out as a column:
``(N, C, H, W) -> (N, C*kh*kw, L)``; ``fold`` sums columns back into an image, overlapping
blocks adding up. Each is the other's derivative, so both (and what is composed from them)
can be differentiated any number of times.

``conv_transpose{1,2,3}d`` is composed: a matmul of the weight with the input gives the
columns, and ``fold`` places them (stride, padding, dilation, output padding, groups).
"""

from __future__ import annotations

import itertools

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ...autograd.graph import derivative
from ._utils import Tensor, ntuple, op, record

__all__ = ["unfold", "fold", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"]


def _blocks(S, k, d, p, s) -> tuple:
    return tuple((S[i] + 2 * p[i] - d[i] * (k[i] - 1) - 1) // s[i] + 1 for i in range(len(k)))


def _im2col(x: np.ndarray, k, d, p, s, out=None) -> np.ndarray:
    """``(N, C, *S) -> (N, C * prod(k), L)`` (``out``: the block counts, by default all)."""
    nd = len(k)
    N, C = x.shape[:2]
    out = _blocks(x.shape[2:], k, d, p, s) if out is None else tuple(out)
    xp = np.pad(x, [(0, 0), (0, 0)] + [(v, v) for v in p]) if any(p) else x
    st = xp.strides
    view = as_strided(xp, shape=(N, C) + tuple(k) + out,
                      strides=st[:2] + tuple(st[2 + i] * d[i] for i in range(nd))
                      + tuple(st[2 + i] * s[i] for i in range(nd)), writeable=False)
    return np.ascontiguousarray(view).reshape(N, C * int(np.prod(k)), int(np.prod(out)))


def _col2im(cols: np.ndarray, S, k, d, p, s, out=None) -> np.ndarray:
    """``(N, C * prod(k), L) -> (N, C, *S)``, overlapping blocks summed."""
    nd = len(k)
    N = cols.shape[0]
    K = int(np.prod(k))
    C = cols.shape[1] // K
    out = _blocks(S, k, d, p, s) if out is None else tuple(out)
    c = cols.reshape((N, C) + tuple(k) + out)
    xp = np.zeros((N, C) + tuple(S[i] + 2 * p[i] for i in range(nd)), dtype=cols.dtype)
    for kk in itertools.product(*(range(v) for v in k)):
        sl = tuple(slice(kk[i] * d[i], kk[i] * d[i] + s[i] * (out[i] - 1) + 1, s[i])
                   for i in range(nd))
        xp[(slice(None), slice(None)) + sl] += c[(slice(None), slice(None)) + kk]
    crop = tuple(slice(p[i], p[i] + S[i]) for i in range(nd))
    return xp[(slice(None), slice(None)) + crop]


@derivative("im2col")
def Im2ColBackward0(node, F, g):
    # the derivative of unfold is fold
    S, k, d, p, s, batched, out = node._args
    if F.mode == "array":
        gg = g if batched else g[None]
        gx = _col2im(gg, S, k, d, p, s, out)
        return (gx if batched else gx[0],)
    return (_fold_op(g, S, k, d, p, s, batched, out),)


@derivative("col2im")
def Col2ImBackward0(node, F, g):
    # the derivative of fold is unfold
    S, k, d, p, s, batched, out = node._args
    if F.mode == "array":
        gg = g if batched else g[None]
        gx = _im2col(gg, k, d, p, s, out)
        return (gx if batched else gx[0],)
    return (_unfold_op(g, k, d, p, s, batched, out),)


def _unfold_op(x: Tensor, k, d, p, s, batched: bool, blocks=None) -> Tensor:
    data = x._data if batched else x._data[None]
    out = _im2col(data, k, d, p, s, blocks)
    return record(Im2ColBackward0, out if batched else out[0], (x,),
                  args=(data.shape[2:], k, d, p, s, batched, blocks))


def _fold_op(cols: Tensor, S, k, d, p, s, batched: bool, blocks=None) -> Tensor:
    data = cols._data if batched else cols._data[None]
    out = _col2im(data, S, k, d, p, s, blocks)
    return record(Col2ImBackward0, out if batched else out[0], (cols,),
                  args=(tuple(S), k, d, p, s, batched, blocks))


def _args2d(kernel_size, dilation, padding, stride):
    pair = ntuple(2)
    return pair(kernel_size), pair(dilation), pair(padding), pair(stride)


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Extract sliding blocks: ``(N, C, H, W) -> (N, C*kh*kw, L)`` (im2col).

    >>> import chainrule as torch
    >>> x = torch.arange(9.).reshape(1, 1, 3, 3)
    >>> torch.nn.functional.unfold(x, 2)
    tensor([[[0., 1., 3., 4.],
             [1., 2., 4., 5.],
             [3., 4., 6., 7.],
             [4., 5., 7., 8.]]])
    """
    if input.ndim not in (3, 4):
        raise NotImplementedError(
            f"Input Error: Only 3D or 4D input Tensors are supported (got {input.ndim}D)")
    k, d, p, s = _args2d(kernel_size, dilation, padding, stride)
    blocks = _blocks(tuple(input.shape[-2:]), k, d, p, s)
    if any(b < 1 for b in blocks):
        raise RuntimeError(
            f"Given input with spatial size ({input.shape[-2]}, {input.shape[-1]}), "
            f"kernel_size=({k[0]}, {k[1]}), dilation=({d[0]}, {d[1]}), padding=({p[0]}, "
            f"{p[1]}), calculated shape of the array of sliding blocks as ({blocks[0]}, "
            f"{blocks[1]}), but its components must be at least one.")
    return _unfold_op(input, k, d, p, s, input.ndim == 4)


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0,
         stride=1) -> Tensor:
    """Combine sliding blocks into an image, summing overlaps: ``(N, C*kh*kw, L) ->
    (N, C, *output_size)`` (col2im)."""
    if input.ndim not in (2, 3):
        raise NotImplementedError(
            f"Input Error: Only unbatched (2D) or batched (3D) input Tensors are supported "
            f"(got {input.ndim}D)")
    S = ntuple(2)(output_size)
    k, d, p, s = _args2d(kernel_size, dilation, padding, stride)
    K = k[0] * k[1]
    ck = input.shape[-2]
    if ck % K:
        raise RuntimeError(
            f"Expected size of input's dimension {input.ndim - 2} to be divisible by the "
            f"product of kernel_size, but got input.size({input.ndim - 2})={ck} and "
            f"kernel_size=({k[0]}, {k[1]}).")
    blocks = _blocks(S, k, d, p, s)
    L = blocks[0] * blocks[1]
    if input.shape[-1] != L:
        raise RuntimeError(
            f"Given output_size=({S[0]}, {S[1]}), kernel_size=({k[0]}, {k[1]}), "
            f"dilation=({d[0]}, {d[1]}), padding=({p[0]}, {p[1]}), stride=({s[0]}, {s[1]}), "
            f"expected size of input's dimension {input.ndim - 1} to match the calculated "
            f"number of sliding blocks {blocks[0]} * {blocks[1]} = {L}, but got "
            f"input.size({input.ndim - 1})={input.shape[-1]}.")
    return _fold_op(input, S, k, d, p, s, input.ndim == 3)


# --------------------------------------------------------------------- transposed conv
def _conv_transpose(input: Tensor, weight: Tensor, bias: Tensor | None, stride, padding,
                    output_padding, groups: int, dilation, nd: int, name: str) -> Tensor:
    tup = ntuple(nd)
    s, p, op_, d = tup(stride), tup(padding), tup(output_padding), tup(dilation)
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to "
                           f"{name}, but got input of size: {list(input.shape)}")
    batched = input.ndim == nd + 2
    x = input if batched else input.unsqueeze(0)
    N, Cin = x.shape[:2]
    if weight.ndim != nd + 2 or weight.shape[0] != Cin:
        raise RuntimeError(
            f"Given transposed=1, weight of size {list(weight.shape)}, expected input"
            f"{list(x.shape)} to have {weight.shape[0]} channels, but got {Cin} channels "
            "instead")
    if Cin % groups:
        raise RuntimeError(f"Given groups={groups}, expected input channels to be divisible "
                           f"by groups")
    for i in range(nd):
        if op_[i] >= max(s[i], d[i]):
            raise RuntimeError("output padding must be smaller than either stride or "
                               "dilation, but got output_padding"
                               f"{'_' + 'dhw'[3 - nd + i] if nd > 1 else ''}: {op_[i]}, "
                               f"stride{'_' + 'dhw'[3 - nd + i] if nd > 1 else ''}: {s[i]}, "
                               f"dilation{'_' + 'dhw'[3 - nd + i] if nd > 1 else ''}: {d[i]}")
    k = tuple(weight.shape[2:])
    Coutg = weight.shape[1]
    Cout = Coutg * groups
    K = int(np.prod(k))
    Lin = tuple(x.shape[2:])
    out_sp = tuple((Lin[i] - 1) * s[i] - 2 * p[i] + d[i] * (k[i] - 1) + op_[i] + 1
                   for i in range(nd))
    G, Cig = groups, Cin // groups
    L = int(np.prod(Lin))
    # columns: per group W_g^T (Coutg*K, Cig) @ x_g (Cig, L)
    wg = weight.reshape(G, Cig, Coutg * K).transpose(1, 2)
    xg = x.reshape(N, G, Cig, L)
    cols = op("matmul")(wg, xg).reshape(N, Cout * K, L)
    # fold places the columns as the blocks (one per input position) of an output of size
    # out_sp with the given padding; output_padding only enlarges the far edge
    out = _fold_op(cols, out_sp, k, d, p, s, True, Lin)
    if bias is not None:
        out = out + bias.reshape((1, Cout) + (1,) * nd)
    return out if batched else out.squeeze(0)


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1,
                     padding=0, output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """1-d transposed convolution; ``weight`` is ``(C_in, C_out/groups, k)``."""
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups,
                           dilation, 1, "conv_transpose1d")


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1,
                     padding=0, output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """2-d transposed convolution ("deconvolution"); ``weight`` is
    ``(C_in, C_out/groups, kh, kw)``."""
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups,
                           dilation, 2, "conv_transpose2d")


def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1,
                     padding=0, output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """3-d transposed convolution."""
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups,
                           dilation, 3, "conv_transpose3d")
