"""Anomaly detection: find the forward operation behind a failing backward.

Inside ``detect_anomaly()`` every recorded node remembers the stack of the forward code
that created it; if its derivative raises, or (with ``check_nan``) returns NaN, the error
names that node and the forward traceback is shown.
"""

from __future__ import annotations

import traceback
import warnings

from .grad_mode import _DecoratorContextManager

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled",
           "is_anomaly_check_nan_enabled"]

_STATE = {"enabled": False, "check_nan": True}


def is_anomaly_enabled() -> bool:
    return _STATE["enabled"]


def is_anomaly_check_nan_enabled() -> bool:
    return _STATE["check_nan"]


def forward_trace() -> str:
    """The current stack, without chainrule's own frames."""
    import os

    pkg = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    frames = [f for f in traceback.extract_stack()[:-1] if not f.filename.startswith(pkg)]
    return "".join(traceback.format_list(frames))


def report(node) -> None:
    """Show the forward traceback of ``node`` (called when its backward fails)."""
    trace = node._anomaly_trace
    if trace:
        warnings.warn(f"Error detected in {type(node).__name__}. Traceback of forward call that "
                      f"caused the error:\n{trace}", UserWarning, stacklevel=3)


class detect_anomaly(_DecoratorContextManager):
    """Record forward tracebacks and check backward results for NaN inside the block."""

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan
        self.prev = (False, True)
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime "
                      "and should only be enabled for debugging.", UserWarning, stacklevel=2)

    def __enter__(self) -> None:
        self.prev = (_STATE["enabled"], _STATE["check_nan"])
        _STATE["enabled"], _STATE["check_nan"] = True, self.check_nan

    def __exit__(self, *exc) -> None:
        _STATE["enabled"], _STATE["check_nan"] = self.prev

    def clone(self):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return self.__class__(self.check_nan)


class set_detect_anomaly(_DecoratorContextManager):
    """Turn anomaly detection on or off (as a call or a context)."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self.prev = (_STATE["enabled"], _STATE["check_nan"])
        self.mode, self.check_nan = mode, check_nan
        _STATE["enabled"], _STATE["check_nan"] = mode, check_nan

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc) -> None:
        _STATE["enabled"], _STATE["check_nan"] = self.prev

    def clone(self):
        return self.__class__(self.mode, self.check_nan)
