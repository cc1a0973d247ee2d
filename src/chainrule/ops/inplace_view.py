"""In-place shape changes: ``squeeze_``, ``unsqueeze_``, ``transpose_``, ``t_``.

They change only the tensor's layout (its array becomes a view of the same data). On a
graph the tensor takes a new node over its old history, named as PyTorch names it
(``SqueezeBackward3``, ``TransposeBackward1``...), and its version is bumped.
"""

from __future__ import annotations

import numpy as np

from ..autograd.grad_mode import STATE
from ..autograd.graph import derivative
from ._core import Tensor, make, record, register, wrap_dim
from ._inplace_core import check_leaf, refresh_view


@derivative("squeeze", 3, complex_ok=True)
def SqueezeBackward3(node, F, g):
    # put the removed size-1 dimensions back
    return (F.reshape(g, node._args),)


SqueezeBackward4 = derivative("squeeze", 4, complex_ok=True)(SqueezeBackward3.backward)
SqueezeBackward5 = derivative("squeeze", 5, complex_ok=True)(SqueezeBackward3.backward)
UnsqueezeBackward1 = derivative("unsqueeze", 1, complex_ok=True)(SqueezeBackward3.backward)


@derivative("transpose", 1, complex_ok=True)
def TransposeBackward1(node, F, g):
    # swap the same two dimensions back
    return (g if node._args is None else F.swapaxes(g, *node._args),)


@derivative("t", 1, complex_ok=True)
def TBackward1(node, F, g):
    return (F.swapaxes(g, 0, 1) if node._args == 2 else g,)



@register("squeeze_", function=False)
def squeeze_(self: Tensor, dim=None) -> Tensor:
    """``squeeze`` in place: this tensor takes the squeezed shape (a view of its data)."""
    new = make(self._data).squeeze(dim) if dim is not None else make(self._data).squeeze()
    cls = SqueezeBackward3 if dim is None else (
        SqueezeBackward4 if isinstance(dim, (int, np.integer)) else SqueezeBackward5)
    return _set_view(self, new._data, cls, self._data.shape)

@register("unsqueeze_", function=False)
def unsqueeze_(self: Tensor, dim: int) -> Tensor:
    """``unsqueeze`` in place."""
    new = make(self._data).unsqueeze(dim)
    return _set_view(self, new._data, UnsqueezeBackward1, self._data.shape)

@register("transpose_", function=False)
def transpose_(self: Tensor, dim0: int, dim1: int) -> Tensor:
    """``transpose`` in place."""
    n = self._data.ndim
    a, b = (wrap_dim(dim0, n), wrap_dim(dim1, n)) if n else (0, 0)
    new = self._data.swapaxes(a, b) if n else self._data.view()
    return _set_view(self, new, TransposeBackward1, (a, b) if n else None)

@register("t_", function=False)
def t_(self: Tensor) -> Tensor:
    """``t`` in place (matrices; 0-D and 1-D tensors stay as they are)."""
    n = self._data.ndim
    if n > 2:
        raise RuntimeError(f"t_() expects a tensor with <= 2 dimensions, but self is {n}D")
    return _set_view(self, self._data.T if n == 2 else self._data.view(), TBackward1, n)

def _set_view(self: Tensor, new: np.ndarray, cls, args) -> Tensor:
    """Give this tensor the new layout ``new`` of its data, recording ``cls`` if tracked."""
    check_leaf(self)
    refresh_view(self)
    if STATE.enabled and self._rg:
        old = make(self._data, True, self._grad_fn)
        old._output_nr = self._output_nr
        self._grad_fn = record(cls, new, (old,), args=args)._grad_fn
        self._output_nr = 0
    self._data = new
    self._version_counter().bump()
    return self
