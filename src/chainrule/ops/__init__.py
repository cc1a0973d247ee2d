"""Every differentiable op: its forward and its derivative, side by side, by family.

Importing this package registers each op as ``chainrule.<name>`` and as a Tensor method.
"""

from __future__ import annotations

from . import (  # noqa: F401,E501  # noqa: F401
    _graphmath,
    activation,
    arithmetic,
    contraction,
    conversion,
    extrema,
    indexing,
    inplace,  # noqa: F401  (after the families: it wraps their ops)
    join,
    linalg,
    masked,
    reduction,
    scatter,
    selection,
    softmax,
    unary,
    view,
)
from ._core import OPS

__all__ = ["OPS"]
