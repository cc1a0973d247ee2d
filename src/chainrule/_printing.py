"""Tensor printing that reproduces PyTorch's ``repr`` character for character.

The only intended difference is the dtype prefix: ``dtype=chainrule.int32`` where
PyTorch writes ``dtype=torch.int32``.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from . import _dtype

__all__ = [
    "set_printoptions", "get_printoptions", "printoptions", "tensor_repr", "parameter_repr",
]

# (precision, threshold, edgeitems, linewidth) of each named profile
_PROFILES: dict[str, tuple[int, float, int, int]] = {
    "default": (4, 1000, 3, 80),
    "short": (2, 1000, 2, 80),
    "full": (4, math.inf, 3, 80),
}
_KEYS = ("precision", "threshold", "edgeitems", "linewidth")

_opts: dict[str, Any] = {
    "precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None,
}


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """Set printing options, as ``torch.set_printoptions`` does.

    ``profile`` ('default', 'short' or 'full') is applied first; explicit arguments
    override it. ``sci_mode`` is always reset (``None`` means chosen automatically).
    """
    if profile in _PROFILES:
        _opts.update(zip(_KEYS, _PROFILES[profile], strict=True))
    for key, value in zip(_KEYS, (precision, threshold, edgeitems, linewidth), strict=True):
        if value is not None:
            _opts[key] = value
    _opts["sci_mode"] = sci_mode


def get_printoptions() -> dict[str, Any]:
    """The current printing options, usable as ``set_printoptions(**opts)``."""
    return dict(_opts)


@contextlib.contextmanager
def printoptions(**kwargs: Any) -> Iterator[None]:
    """Temporarily change the printing options inside a ``with`` block."""
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)


class _Formatter:
    """Chooses a common width and notation for every element of one (real) array."""

    def __init__(self, values: np.ndarray):
        self.floating = values.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.width = 1
        flat = values.reshape(-1)
        if not self.floating:
            if flat.size:
                # str() length grows with magnitude, so the extremes give the widest string
                self.width = max(1, len(str(flat.min().item())), len(str(flat.max().item())))
            return
        vals = flat[np.isfinite(flat) & (flat != 0)]
        if vals.size == 0:
            return
        mags = np.abs(vals).astype(np.float64)
        lo, hi = float(mags.min()), float(mags.max())
        self.int_mode = bool(np.all(vals == np.ceil(vals)))
        forced = _opts["sci_mode"]
        if forced is None:
            self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4
        else:
            self.sci_mode = forced
        # the formatted length depends only on sign and magnitude (and, in scientific
        # notation, on the exponent's digit count), so per-sign extremes suffice
        cands = []
        for part in (vals[vals > 0], vals[vals < 0]):
            if part.size:
                cands += [part.min().item(), part.max().item()]
        prec = _opts["precision"]
        if self.sci_mode:
            lens = [len(f"{v:.{prec}e}") for v in cands]
        elif self.int_mode:
            lens = [len(f"{v:.0f}") + 1 for v in cands]  # +1 for the trailing '.'
        else:
            lens = [len(f"{v:.{prec}f}") for v in cands]
        self.width = max(self.width, *lens)

    def format(self, value: Any) -> str:
        """One element, right-aligned to the common width."""
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:{self.width}.{_opts['precision']}e}"
        elif self.int_mode:
            text = f"{value:.0f}"
            if math.isfinite(value):
                text += "."
        else:
            text = f"{value:.{_opts['precision']}f}"
        return text.rjust(self.width)


def _element(value: Any, real_fmt: _Formatter, imag_fmt: _Formatter | None) -> str:
    if imag_fmt is None:
        return real_fmt.format(value)
    real = real_fmt.format(value.real)
    imag = (imag_fmt.format(value.imag) + "j").lstrip()
    return real + imag if imag[0] in "+-" else real + "+" + imag


def _summarized(arr: np.ndarray) -> np.ndarray:
    """The elements that remain visible once ``arr`` is summarised (for the formatter)."""
    edge = _opts["edgeitems"]
    if arr.ndim == 0:
        return arr
    if arr.ndim == 1:
        if arr.shape[0] > 2 * edge:
            return np.concatenate((arr[:edge], arr[-edge:]))
        return arr
    if not edge:
        return arr[(slice(0, 0),) * arr.ndim]
    for axis, n in enumerate(arr.shape):
        if n > 2 * edge:
            keep = np.r_[0:edge, n - edge:n]
            arr = np.take(arr, keep, axis=axis)
    return arr


def _vector_str(arr: np.ndarray, indent: int, summarize: bool, real_fmt: _Formatter,
                imag_fmt: _Formatter | None) -> str:
    elem_len = real_fmt.width + 2
    if imag_fmt is not None:
        elem_len += imag_fmt.width + 1
    per_line = max(1, math.floor((_opts["linewidth"] - indent) / elem_len))
    edge = _opts["edgeitems"]

    def fmt(part: np.ndarray) -> list[str]:
        return [_element(v, real_fmt, imag_fmt) for v in part.tolist()]

    if summarize and not edge:
        items = ["..."]
    elif summarize and arr.shape[0] > 2 * edge:
        items = fmt(arr[:edge]) + [" ..."] + fmt(arr[-edge:])
    else:
        items = fmt(arr)
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(arr: np.ndarray, indent: int, summarize: bool, real_fmt: _Formatter,
                imag_fmt: _Formatter | None) -> str:
    if arr.ndim == 0:
        return _element(arr.item(), real_fmt, imag_fmt)
    if arr.ndim == 1:
        return _vector_str(arr, indent, summarize, real_fmt, imag_fmt)
    n, edge = arr.shape[0], _opts["edgeitems"]
    if summarize and n > 2 * edge:
        rows = [*range(edge), None, *range(n - edge, n)]
    else:
        rows = list(range(n))
    parts = ["..." if i is None else _nested_str(arr[i], indent + 1, summarize, real_fmt,
                                                 imag_fmt) for i in rows]
    return "[" + ("," + "\n" * (arr.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def _body_str(arr: np.ndarray, indent: int) -> str:
    if arr.size == 0:
        return "[]"
    summarize = arr.size > _opts["threshold"]
    visible = _summarized(arr) if summarize else arr
    if arr.dtype.kind == "c":
        real_fmt, imag_fmt = _Formatter(visible.real), _Formatter(visible.imag)
    else:
        real_fmt, imag_fmt = _Formatter(visible), None
    return _nested_str(arr, indent, summarize, real_fmt, imag_fmt)


_EXTRA = len("chainrule.") - len("torch.")


def _add_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    out = [text]
    # PyTorch's own (off-by-two when single-line) measure of the last line's length
    last_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        # lay out as PyTorch does for its (shorter) "torch." spelling of the dtype
        size = len(suffix) - suffix.count("chainrule.") * _EXTRA
        if last_len + size + 2 > _opts["linewidth"]:
            out.append(",\n" + " " * indent + suffix)
            last_len = indent + size
        else:
            out.append(", " + suffix)
            last_len += size + 2
    out.append(")")
    return "".join(out)


def tensor_repr(t: Any) -> str:
    """``repr`` of a chainrule Tensor, formatted exactly as PyTorch formats its tensors."""
    from ._tensor import Tensor

    cls = type(t)
    plain = cls is Tensor or cls.__name__ == "Parameter"
    prefix = "tensor(" if plain else f"{cls.__name__}("
    indent = len(prefix)
    data: np.ndarray = t._data
    dt = t.dtype
    default = _dtype.get_default_dtype()
    suffixes: list[str] = []
    if data.size == 0:
        if data.ndim != 1:
            suffixes.append(f"size={tuple(data.shape)}")
        if dt is not default:
            suffixes.append(f"dtype={dt!r}")
        body = "[]"
    else:
        if not _opts["edgeitems"]:
            suffixes.append(f"size={tuple(data.shape)}")
        default_complex = _dtype.complex128 if default is _dtype.float64 else _dtype.complex64
        if dt not in (default, default_complex, _dtype.int64, _dtype.bool):
            suffixes.append(f"dtype={dt!r}")
        body = _body_str(data, indent)
    grad_fn = getattr(t, "_grad_fn", None)
    if grad_fn is not None:
        suffixes.append(f"grad_fn=<{type(grad_fn).__name__}>")
    elif getattr(t, "_rg", False):
        suffixes.append("requires_grad=True")
    text = _add_suffixes(prefix + body, suffixes, indent)
    if not plain and any(c.__name__ == "Parameter" for c in cls.__mro__):
        text = f"Parameter({text})"
    return text


def parameter_repr(t: Any) -> str:
    """``repr`` of an ``nn.Parameter``: ``Parameter containing:`` above the tensor."""
    return "Parameter containing:\n" + tensor_repr(t)
