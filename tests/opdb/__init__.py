"""The op database: one entry per way of calling each op, from which every op test derives.

An :class:`OpInfo` names the registered op(s) it covers, how to call it on a library (``lib``
is ``chainrule`` or ``torch``, so one lambda serves both), and sample inputs. In samples, a
float ndarray becomes a differentiable tensor; integer and bool arrays become constant
tensors; anything else is passed through unchanged. ``tests/test_opdb.py`` derives from each
entry: a float64 numerical gradient check, a second-order check for smooth ops, and a
comparison with PyTorch of values, gradients, dtypes and ``grad_fn`` names.

Family modules (``opdb/<family>.py``) each define ``ENTRIES``; :func:`all_entries` collects
them. An op registered in ``chainrule.ops.OPS`` without an entry fails the coverage test.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class OpInfo:
    names: str | tuple[str, ...]          # the registered op name(s) this entry covers
    call: Callable[..., Any]              # call(lib, *args) -> tensor or tuple of tensors
    samples: list[tuple]                  # argument tuples (see module docstring)
    differentiable: bool = True           # False: values/dtypes only (comparisons, argmax...)
    smooth: bool = True                   # run the second-order check
    numerical: bool = True                # run the numerical check (False: samples at kinks)
    torch_call: Callable[..., Any] | None = None  # when torch spells the call differently
    check_grad_fn: bool = True            # compare the grad_fn class name with torch's
    atol: float = 1e-5
    rtol: float = 1e-3
    float32: bool = True                  # also compare with torch in float32
    variant: str = ""                     # a label for test ids
    extra: dict = field(default_factory=dict)

    @property
    def name_tuple(self) -> tuple[str, ...]:
        return (self.names,) if isinstance(self.names, str) else tuple(self.names)

    @property
    def id(self) -> str:
        return self.name_tuple[0] + (f"-{self.variant}" if self.variant else "")


_rng = np.random.default_rng(1234)


def arr(*shape, low: float = -2.0, high: float = 2.0, away: float = 0.0) -> np.ndarray:
    """A fixed random float64 array; ``away`` keeps values at least that far from 0."""
    a = np.asarray(_rng.uniform(low, high, size=shape))
    if away:
        a = np.where(a >= 0, a + away, a - away)
    return a


def pos(*shape, low: float = 0.5, high: float = 2.0) -> np.ndarray:
    """A fixed random positive float64 array."""
    return np.asarray(_rng.uniform(low, high, size=shape))


def ints(*shape, low: int = 0, high: int = 3) -> np.ndarray:
    """A fixed random int64 array (a constant tensor in tests)."""
    return _rng.integers(low, high, size=shape).astype(np.int64)


def all_entries() -> list[OpInfo]:
    entries: list[OpInfo] = []
    for mod in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{mod.name}")
        entries.extend(getattr(module, "ENTRIES", []))
    return entries
