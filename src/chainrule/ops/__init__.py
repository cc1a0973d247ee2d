"""Every differentiable op: its forward and its derivative, side by side, by family.

Importing this package registers each op as ``chainrule.<name>`` and as a Tensor method.
"""

from __future__ import annotations

from . import _graphmath, arithmetic, conversion, extrema, indexing, join, masked, reduction, scatter, softmax, unary, view  # noqa: F401,E501
from . import activation, contraction, linalg, selection  # noqa: F401
from . import inplace  # noqa: F401  (after the families: it wraps their ops)
from ._core import OPS

__all__ = ["OPS"]
