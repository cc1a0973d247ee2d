"""The trapezoid rule: ``trapezoid`` (alias ``trapz``) and ``cumulative_trapezoid``.

Compositions of other differentiable ops, written as PyTorch writes them so that the result's
``grad_fn`` is the same: the final multiply by ``dx`` (``MulBackward1``) or divide by 2
(``DivBackward1``) is by a number, or (``cumulative_trapezoid`` with ``dx``) a ``cumsum``.
Sample points ``x`` given as a 1-D tensor are laid along ``dim``; an ``x`` of fewer dimensions
than ``y`` is broadcast from the left, as in NumPy.
"""

from __future__ import annotations

import numpy as np

from ..autograd.graph import derivative
from ._core import Tensor, make, record, register, wrap_dim

__all__ = ["trapezoid", "trapz", "cumulative_trapezoid"]


@derivative("mul", 1)
def MulBackward1(node, F, g):
    # times a number c
    return (g * node._args,)


@derivative("div", 1)
def DivBackward1(node, F, g):
    # divided by a number c
    return (g / node._args,)


def _by_number(cls, t: Tensor, c, np_fn) -> Tensor:
    d = t._data
    out = np.asarray(np_fn(d, c))
    if d.dtype.kind in "fc":
        out = out.astype(d.dtype, copy=False)
    return record(cls, out, (t,), args=c)


def _no_bool(y: Tensor, x: Tensor | None = None) -> None:
    if y._data.dtype.kind == "b" or (x is not None and x._data.dtype.kind == "b"):
        raise RuntimeError(
            "trapezoid: received a bool input for `x` or `y`, but bool is not supported")


def _slices(y: Tensor, dim: int) -> tuple[Tensor, Tensor]:
    """``y[1:]`` and ``y[:-1]`` along ``dim``."""
    n = y._data.shape[dim]
    return y.narrow(dim, min(1, n), max(n - 1, 0)), y.narrow(dim, 0, max(n - 1, 0))


def _x_diff(y: Tensor, x: Tensor, dim: int, fn: str) -> Tensor:
    """``x``'s differences along ``dim``, shaped to broadcast against ``y``'s (as PyTorch)."""
    if x._data.ndim == 1:
        if x._data.shape[0] != y._data.shape[dim]:
            raise RuntimeError(f"{fn}: There must be one `x` value for each sample point")
        shape = [1] * y._data.ndim
        shape[dim] = x._data.shape[0]
        x = x.view(tuple(shape))
    elif x._data.ndim < y._data.ndim:
        x = x.view((1,) * (y._data.ndim - x._data.ndim) + x._data.shape)
    right, left = _slices(x, dim)
    return right - left


@register("trapezoid", method=False)
def trapezoid(y: Tensor, x: Tensor | None = None, *, dx=None, dim: int = -1) -> Tensor:
    """The trapezoid rule along ``dim``: sample points ``x``, or a uniform spacing ``dx``."""
    if x is not None and dx is not None:
        raise TypeError("trapezoid() received an invalid combination of arguments - got "
                        "(Tensor, Tensor, dx=...), but expected one of: (Tensor y, Tensor x, *, "
                        "int dim = -1) or (Tensor y, *, Number dx = 1, int dim = -1)")
    dim = wrap_dim(dim, y._data.ndim)
    _no_bool(y, x)
    if y._data.shape[dim] == 0:
        shape = y._data.shape[:dim] + y._data.shape[dim + 1:]
        return make(np.zeros(shape, dtype=y._data.dtype))
    if x is not None:
        right, left = _slices(y, dim)
        total = (_x_diff(y, x, dim, "trapezoid") * (right + left)).sum(dim)
        return _by_number(DivBackward1, total, 2.0, np.true_divide)
    ends = y.narrow(dim, 0, 1).squeeze(dim) + y.narrow(dim, -1, 1).squeeze(dim)
    total = y.sum(dim) - ends * 0.5
    return _by_number(MulBackward1, total, 1 if dx is None else dx, np.multiply)


@register("trapz", method=False)
def trapz(y: Tensor, x: Tensor | None = None, *, dx=None, dim: int = -1) -> Tensor:
    """``trapezoid`` (its older name)."""
    return trapezoid(y, x, dx=dx, dim=dim)


@register("cumulative_trapezoid", method=False)
def cumulative_trapezoid(y: Tensor, x: Tensor | None = None, *, dx=None,
                         dim: int = -1) -> Tensor:
    """The running trapezoid-rule integral along ``dim`` (one element fewer than ``y``)."""
    dim = wrap_dim(dim, y._data.ndim)
    _no_bool(y, x)
    right, left = _slices(y, dim)
    if x is not None:
        total = ((left + right) * _x_diff(y, x, dim, "cumulative_trapezoid")).cumsum(dim)
        return _by_number(DivBackward1, total, 2.0, np.true_divide)
    return ((left + right) * ((1 if dx is None else dx) / 2.0)).cumsum(dim)
