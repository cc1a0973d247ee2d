"""Learning-rate schedulers, as ``torch.optim.lr_scheduler``.

The chainable schedulers compute each new learning rate from the current ``group["lr"]``
with PyTorch's recursive formulas, so the sequences match PyTorch's float for float
(``CosineAnnealingLR`` in particular follows PyTorch's recursion, not the closed form).
Passing an ``epoch`` to ``step`` uses the closed form where PyTorch does.

One concept per module:

- ``_base``: ``LRScheduler`` (and its deprecated alias ``_LRScheduler``), the epoch
  deprecation warning and the param-group helpers every scheduler uses.
- ``_multiplicative``: ``LambdaLR``, ``MultiplicativeLR``, ``StepLR``, ``MultiStepLR``,
  ``ConstantLR``, ``LinearLR``, ``ExponentialLR``, ``PolynomialLR``.
- ``_cyclic``: ``CosineAnnealingLR``, ``CosineAnnealingWarmRestarts``, ``CyclicLR``,
  ``OneCycleLR``.
- ``_composite``: ``SequentialLR``, ``ChainedScheduler``.
- ``_plateau``: ``ReduceLROnPlateau``.
"""

from __future__ import annotations

# ``Optimizer``, ``EPOCH_DEPRECATION_WARNING``, ``inf`` and the deprecated ``_LRScheduler``
# are not in ``__all__`` (as in PyTorch) but stay importable from here.
from ..optimizer import Optimizer as Optimizer
from ._base import EPOCH_DEPRECATION_WARNING as EPOCH_DEPRECATION_WARNING
from ._base import LRScheduler
from ._base import _LRScheduler as _LRScheduler
from ._base import inf as inf
from ._composite import ChainedScheduler, SequentialLR
from ._cyclic import CosineAnnealingLR, CosineAnnealingWarmRestarts, CyclicLR, OneCycleLR
from ._multiplicative import (
    ConstantLR,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    MultiplicativeLR,
    MultiStepLR,
    PolynomialLR,
    StepLR,
)
from ._plateau import ReduceLROnPlateau

__all__ = [
    "LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ConstantLR", "LinearLR",
    "ExponentialLR", "SequentialLR", "CosineAnnealingLR", "ChainedScheduler",
    "ReduceLROnPlateau", "CyclicLR", "CosineAnnealingWarmRestarts", "OneCycleLR",
    "PolynomialLR", "LRScheduler",
]
