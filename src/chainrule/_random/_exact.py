"""Float arithmetic rounded exactly as PyTorch's compiled CPU kernels round it.

NumPy has no fused multiply-add, and its SIMD ``log``/``sin``/``cos`` may differ from the C
library's in the last bit; the samplers need both to match PyTorch bit for bit.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["fma32", "fma64", "libm", "cast", "real_np"]

_MID_MASK = np.int64(0x1FFFFFFF)
_MID = np.int64(0x10000000)
_SPLIT = 134217729.0  # 2**27 + 1


def _round_to_odd(s: np.ndarray, err: np.ndarray) -> np.ndarray:
    """``s + err`` (``err`` the exact rounding error of ``s``) rounded to odd: ``s`` if exact,
    else the neighbour of ``s`` toward ``err`` when the last bit of ``s`` is even."""
    bits = s.view(np.int64)
    fix = (err != 0) & ((bits & 1) == 0)
    if fix.any():
        step = np.where((err > 0) == (s > 0), 1, -1)
        s = np.where(fix, bits + step, bits).view(np.float64)
    return s


def fma32(a, b, c) -> np.ndarray:
    """Correctly rounded float32 ``a * b + c`` (a fused multiply-add) for float32 inputs
    (at least one of them an array).

    The product of two float32 values is exact in float64; the float64 sum is then rounded
    to float32, which is correct unless the sum landed exactly on a float32 tie: those few
    elements are recomputed with the sum rounded to odd, which makes the second rounding
    exact. (Results in float32's subnormal range are not handled.)
    """
    s = np.multiply(a, b, dtype=np.float64)
    s += c
    tie = (s.view(np.int64) & _MID_MASK) == _MID
    if tie.any():
        idx = np.nonzero(tie)
        pp = (np.broadcast_to(a, s.shape)[idx].astype(np.float64)
              * np.broadcast_to(b, s.shape)[idx].astype(np.float64))
        cc = np.broadcast_to(c, s.shape)[idx].astype(np.float64)
        ss = s[idx]
        bp = ss - cc
        s[idx] = _round_to_odd(ss, (cc - (ss - bp)) + (pp - bp))
    return s.astype(np.float32)


def _two_sum(a, b):
    s = a + b
    bp = s - a
    return s, (a - (s - bp)) + (b - bp)


def fma64(a, b, c) -> np.ndarray:
    """Correctly rounded float64 ``a * b + c`` (Boldo and Melquiond's emulation of an FMA:
    exact product and sum, the low parts added with rounding to odd)."""
    a, b, c = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(b, np.float64),
                                  np.asarray(c, np.float64))
    p = a * b
    t = _SPLIT * a
    ah = t - (t - a)
    al = a - ah
    t = _SPLIT * b
    bh = t - (t - b)
    bl = b - bh
    perr = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    hi, lo = _two_sum(c, p)
    v, verr = _two_sum(lo, perr)
    return hi + _round_to_odd(np.atleast_1d(v), np.atleast_1d(verr)).reshape(v.shape)


def libm(fn: Callable[[float], float], x: np.ndarray) -> np.ndarray:
    """``fn`` (a ``math`` function, i.e. the C library's) over a float64 array.

    NumPy's own SIMD log/log1p differ from the C library in the last bit for some inputs, and
    PyTorch calls the C library, so the scalar functions are used here.
    """
    return np.fromiter(map(fn, x.tolist()), np.float64, count=x.size)


def real_np(d: np.dtype) -> np.dtype:
    """The real dtype of the complex dtype ``d``."""
    return np.dtype(np.float32) if d == np.complex64 else np.dtype(np.float64)


def cast(x: np.ndarray, npd: np.dtype) -> np.ndarray:
    """Cast float64 results as C++ does: to Half through float (two roundings)."""
    if npd == np.float16 and x.dtype == np.float64:
        x = x.astype(np.float32)
    return x.astype(npd, copy=False)
