"""Copies and dtype conversions: ``clone``, ``contiguous``, ``to(dtype)``."""

from __future__ import annotations

import numpy as np

from .._dtype import dtype as DType
from ..autograd.graph import derivative
from ._core import Tensor, record, register


@derivative("clone", saves=False)
def CloneBackward0(node, F, g):
    return (g,)


@register("clone")
def clone(input: Tensor, *, memory_format=None) -> Tensor:
    """A copy with its own storage; gradients flow back to ``input``."""
    return record(CloneBackward0, input._data.copy(), (input,))


@register("contiguous")
def contiguous(input: Tensor, memory_format=None) -> Tensor:
    """``input`` itself when already C-contiguous, else a contiguous copy."""
    if input._data.flags.c_contiguous:
        return input
    return record(CloneBackward0, np.ascontiguousarray(input._data), (input,))


@derivative("to_copy")
def ToCopyBackward0(node, F, g):
    # identity; the engine casts the gradient back to the input's dtype from _meta
    return (g,)


def to_dtype(input: Tensor, dt: DType) -> Tensor:
    """``input`` converted to ``dt`` (differentiable between floating dtypes)."""
    out = input._data.astype(dt.np)
    return record(ToCopyBackward0, out, (input,),
                  meta=(((input._data.shape, input.dtype)),))
