"""``chainrule.cuda``: chainrule computes on the CPU only, so no CUDA device is ever available.

The functions code written for PyTorch calls to probe for a GPU answer accordingly
(``is_available()`` is False, ``device_count()`` is 0); seeding is a no-op, as in a PyTorch
built without CUDA, and what would need a device raises PyTorch's ``AssertionError``.
"""

from __future__ import annotations

__all__ = ["is_available", "device_count", "is_initialized", "current_device", "synchronize",
           "manual_seed", "manual_seed_all", "empty_cache"]

_NOT_COMPILED = "Torch not compiled with CUDA enabled"


def is_available() -> bool:
    """False: chainrule has no GPU backend."""
    return False


def device_count() -> int:
    """0."""
    return 0


def is_initialized() -> bool:
    return False


def current_device() -> int:
    """Raises, as PyTorch does without CUDA."""
    raise AssertionError(_NOT_COMPILED)


def synchronize(device=None) -> None:
    """Raises, as PyTorch does without CUDA."""
    raise AssertionError(_NOT_COMPILED)


def manual_seed(seed: int) -> None:
    """Ignored (there is no CUDA generator), as in PyTorch without CUDA."""


def manual_seed_all(seed: int) -> None:
    """Ignored (there is no CUDA generator), as in PyTorch without CUDA."""


def empty_cache() -> None:
    """Nothing to free."""
