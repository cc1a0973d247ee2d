"""Internals of :mod:`chainrule.utils.data` (``collate``), laid out as in PyTorch."""

from __future__ import annotations

from . import collate

__all__ = ["collate"]
