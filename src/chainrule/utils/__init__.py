"""Utilities with PyTorch's layout: :mod:`chainrule.utils.data` (datasets, samplers,
``DataLoader``) and :mod:`chainrule.utils.hooks`."""

from __future__ import annotations

from . import data, hooks

__all__ = ["data", "hooks"]
