"""``pad``: constant (any number of dims, negative pads crop), reflect, replicate, circular.

Constant padding's derivative is padding by the negated amounts (a crop), itself
differentiable. The other modes are one gather of the input with an index table per padded
dim; the derivative is the matching scatter-add, and the two are each other's derivatives,
so every mode can be differentiated any number of times.
"""

from __future__ import annotations

import numpy as np

from ...autograd.graph import derivative
from ._utils import Tensor, record

__all__ = ["pad"]


def _split(pad, ndim: int) -> list:
    """``(before, after)`` per dim (dims without padding get ``(0, 0)``)."""
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    k = len(pad) // 2
    if k > ndim:
        raise RuntimeError("Padding length should be less than or equal to two times the "
                           "input dimension but got padding length "
                           f"{len(pad)} and input of dimension {ndim}")
    res = [(0, 0)] * ndim
    for i in range(k):
        res[ndim - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    return res


def _constant(x: np.ndarray, pads: list, value) -> np.ndarray:
    crop = tuple(slice(max(-lo, 0), x.shape[i] - max(-hi, 0)) for i, (lo, hi) in
                 enumerate(pads))
    x = x[crop]
    widths = [(max(lo, 0), max(hi, 0)) for lo, hi in pads]
    if any(a or b for a, b in widths):
        x = np.pad(x, widths, constant_values=value)
    return x


@derivative("constant_pad_nd")
def ConstantPadNdBackward0(node, F, g):
    # the derivative of padding is cropping: pad by the negated amounts
    (pads,) = node._args
    neg = [(-lo, -hi) for lo, hi in pads]
    if F.mode == "array":
        return (_constant(g, neg, 0),)
    flat = []
    for lo, hi in reversed(neg):
        flat += [lo, hi]
    return (pad(g, flat),)


def _index_table(L: int, lo: int, hi: int, mode: str) -> np.ndarray:
    j = np.arange(-lo, L + hi)
    if mode == "reflect":
        period = 2 * (L - 1)
        m = np.mod(j, period) if period else np.zeros_like(j)
        return np.where(m < L, m, period - m)
    if mode == "replicate":
        return np.clip(j, 0, L - 1)
    return np.mod(j, L)  # circular


def _gather(x: np.ndarray, tables: dict) -> np.ndarray:
    for ax, idx in tables.items():
        x = np.take(x, idx, axis=ax)
    return x


def _scatter(g: np.ndarray, tables: dict, shape: tuple) -> np.ndarray:
    for ax, idx in sorted(tables.items(), reverse=True):
        gm = np.moveaxis(g, ax, 0)
        out = np.zeros((shape[ax],) + gm.shape[1:], dtype=g.dtype)
        np.add.at(out, idx, gm)
        g = np.moveaxis(out, 0, ax)
    return g


def _gather_rule(node, F, g):
    tables, shape, _ = node._args
    if F.mode == "array":
        return (_scatter(g, tables, shape),)
    return (_scatter_op(g, tables, shape),)


def _scatter_rule(node, F, g):
    tables, shape, cls = node._args
    if F.mode == "array":
        return (_gather(g, tables),)
    return (_gather_op(g, tables, cls),)


_GATHER = {}
for _mode, _name in (("reflect", "ReflectionPad"), ("replicate", "ReplicationPad"),
                     ("circular", "CircularPad")):
    for _nd in (1, 2, 3):
        _cls = derivative(f"{_mode}_pad{_nd}d")(_gather_rule)
        _cls.__name__ = _cls.__qualname__ = f"{_name}{_nd}DBackward0"
        _GATHER[(_mode, _nd)] = _cls
PadScatterBackward0 = derivative("pad_scatter")(_scatter_rule)


def _gather_op(x: Tensor, tables: dict, cls) -> Tensor:
    return record(cls, _gather(x._data, tables), (x,), args=(tables, tuple(x.shape), cls))


def _scatter_op(g: Tensor, tables: dict, shape: tuple) -> Tensor:
    return record(PadScatterBackward0, _scatter(g._data, tables, shape), (g,),
                  args=(tables, shape, None))


_SUPPORTED = ("Supported combinations for non-constant padding:\n"
              "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
              "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
              "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")


def pad(input: Tensor, pad, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad the last ``len(pad) // 2`` dims: ``pad = (left, right, top, bottom, ...)`` starting
    from the last dim.

    >>> import chainrule as torch
    >>> torch.nn.functional.pad(torch.tensor([[1., 2.]]), (1, 2))
    tensor([[0., 1., 2., 0., 0.]])
    >>> torch.nn.functional.pad(torch.tensor([[[1., 2., 3.]]]), (2, 1), mode="reflect")
    tensor([[[3., 2., 1., 2., 3., 2.]]])
    """
    x = input._data
    pads = _split(pad, x.ndim)
    if mode == "constant":
        out = _constant(x, pads, 0 if value is None else value)
        return record(ConstantPadNdBackward0, out, (input,), args=(pads,))
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise ValueError(f'Padding mode "{mode}" doesn\'t take in value argument')
    k = len(pad) // 2
    if k not in (1, 2, 3) or x.ndim not in (k + 1, k + 2):
        raise NotImplementedError(f"Padding size {len(pad)} is not supported for {x.ndim}D "
                                  f"input tensor.\n{_SUPPORTED}")
    tables = {}
    for ax in range(x.ndim - k, x.ndim):
        lo, hi = pads[ax]
        L = x.shape[ax]
        if mode == "reflect" and (lo >= L or hi >= L):
            raise RuntimeError(
                f"Argument #4: Padding size should be less than the corresponding input "
                f"dimension, but got: padding ({lo}, {hi}) at dimension {ax} of input "
                f"{list(x.shape)}")
        if mode == "circular" and (lo > L or hi > L):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if lo < 0 or hi < 0:
            raise RuntimeError("negative padding is only supported for constant mode")
        if lo or hi:
            tables[ax] = _index_table(L, lo, hi, mode)
    return _gather_op(input, tables, _GATHER[(mode, k)])
