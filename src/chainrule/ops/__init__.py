"""Every differentiable op: its forward and its derivative, side by side, by family.

Importing this package registers each op as ``chainrule.<name>`` and as a Tensor method.
(``inplace`` looks the out-of-place ops up when called, so the import order is free.)
"""

from __future__ import annotations

from . import (
    _graphmath,
    activation,
    arithmetic,
    contraction,
    conversion,
    decompositions,
    extrema,
    indexing,
    inplace,
    inplace_view,
    join,
    linalg,
    masked,
    matrix,
    pointwise,
    reduction,
    scatter,
    searching,
    selection,
    softmax,
    sorting,
    special,
    unary,
    view,
)
from ._core import OPS

__all__ = ["OPS"]
