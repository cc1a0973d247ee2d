"""float32 ``log`` and ``sincos`` exactly as PyTorch's AVX2 ``log256_ps``/``sincos256_ps``
(Cephes polynomials), for the float32 Box-Muller kernel.

PyTorch's compiled kernel fuses the polynomial steps ``y * x + p`` into fused multiply-adds.
An FMA of float32 operands is emulated here as float64 ``a * b + c`` (the product is exact)
rounded to float32. That double rounding can differ from a true FMA only when the float64
sum is inexact and lands on a float32 tie; for these polynomials it never does on the inputs
the sampler can produce: ``1 - k / 2**24`` for ``log`` and ``float32(2 pi) * (k / 2**24)``
for ``sincos``, ``k < 2**24`` (checked for all 2**24 of them against an exactly rounded FMA,
``test_cephes_kernels_match_exact_fma_on_every_input`` in ``tests/test_random.py``). The
first two range-reduction steps multiply an even integer ``j <= 8`` by a constant of at most
11 significant bits, which is exact in float32, so they are plain float32 arithmetic.

Every function takes and returns contiguous 1-d arrays.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["log_cephes", "sincos_cephes", "TWO_PI32"]

_f32 = np.float32
_SQRTHF_BITS = int(_f32(0.707106781186547524).view(np.int32))
_LOG_P = [float(_f32(v)) for v in (
    7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1,
    -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1)]
_LOG_Q1 = _f32(-2.12194440e-4)
_LOG_Q2 = _f32(0.693359375)
_FOPI = _f32(1.27323954473516)
_DP1, _DP2 = _f32(-0.78515625), _f32(-2.4187564849853515625e-4)  # 8 and 11 bits
_DP3 = float(_f32(-3.77489497744594108e-8))
_SIN_P = [float(_f32(v)) for v in (-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1)]
_COS_P = [float(_f32(v)) for v in (2.443315711809948e-5, -1.388731625493765e-3,
                                   4.166664568298827e-2)]
_HALF = _f32(0.5)
_ONE = _f32(1)
TWO_PI32 = _f32(2.0 * math.pi)


def _round32(y64: np.ndarray, y32: np.ndarray) -> None:
    """Round the float64 ``y64`` to float32 into ``y32``, and back into ``y64``."""
    np.copyto(y32, y64, casting="same_kind")
    np.copyto(y64, y32)


def _horner(x64: np.ndarray, coeffs: list[float], y64: np.ndarray, y32: np.ndarray) -> None:
    """``y = fma(... fma(fma(c0, x, c1), x, c2) ..., x, cn)`` in float32, into ``y32`` (and
    ``y64``, its float64 copy)."""
    np.multiply(x64, coeffs[0], out=y64)
    np.add(y64, coeffs[1], out=y64)
    _round32(y64, y32)
    for c in coeffs[2:]:
        np.multiply(y64, x64, out=y64)
        np.add(y64, c, out=y64)
        _round32(y64, y32)


def log_cephes(x: np.ndarray) -> np.ndarray:
    """float32 natural log of ``x = 1 - k / 2**24`` (``0 <= k < 2**24``), as ``log256_ps``."""
    b = x.view(np.int32)
    e = b >> 23
    e -= 126
    mb = b & 0x007FFFFF
    mb |= 0x3F000000  # the mantissa as a float in [0.5, 1)
    small = mb - _SQRTHF_BITS
    small >>= 31  # -1 where the mantissa is below sqrt(1/2): it is doubled, e lowered
    e += small
    small <<= 23
    mb -= small
    xr = mb.view(np.float32)
    xr -= _ONE
    ef = e.astype(np.float32)
    z = xr * xr
    x64 = xr.astype(np.float64)
    y64 = np.empty_like(x64)
    y32 = np.empty_like(xr)
    _horner(x64, _LOG_P, y64, y32)
    y32 *= xr
    np.copyto(y64, y32)  # y = fma(y, z, e * q1)
    np.copyto(x64, z)
    y64 *= x64
    np.copyto(x64, ef * _LOG_Q1)
    y64 += x64
    np.copyto(y32, y64, casting="same_kind")
    z *= _HALF
    y32 -= z
    y32 += xr
    ef *= _LOG_Q2
    y32 += ef
    return y32


def sincos_cephes(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """float32 ``(sin x, cos x)`` of ``x = float32(2 pi) * (k / 2**24)``, as
    ``sincos256_ps``."""
    j = x * _FOPI
    j = j.astype(np.int32)
    j += 1
    j &= ~1
    y = j.astype(np.float32)
    t = y * _DP1  # exact
    x = x + t
    np.multiply(y, _DP2, out=t)  # exact
    x += t
    x64 = x.astype(np.float64)  # x = fma(y, dp3, x)
    y64 = y.astype(np.float64)
    y64 *= _DP3
    x64 += y64
    np.copyto(x, x64, casting="same_kind")
    np.copyto(x64, x)
    z = x * x
    z64 = z.astype(np.float64)
    yc = np.empty_like(z)
    _horner(z64, _COS_P, y64, yc)
    yc *= z
    np.copyto(y64, yc)
    y64 *= z64  # yc = fma(yc, z, -(z * 0.5)) + 1; z * 0.5 is exact
    y64 -= z64 * 0.5
    np.copyto(yc, y64, casting="same_kind")
    yc += _ONE
    ys = np.empty_like(z)
    _horner(z64, _SIN_P, y64, ys)
    np.multiply(ys, z, out=ys)
    np.copyto(y64, ys)
    y64 *= x64  # ys = fma(ys, x, x)
    y64 += x64
    np.copyto(ys, y64, casting="same_kind")
    # Quadrant: swap sin and cos where j & 2, then flip the signs by j & 4 and (j - 2) & 4.
    si, ci = ys.view(np.int32), yc.view(np.int32)
    swap = j >> 1
    swap &= 1
    np.negative(swap, out=swap)
    d = si ^ ci
    d &= swap
    si ^= d
    ci ^= d
    sign = j & 4
    sign <<= 29
    si ^= sign
    j -= 2
    np.invert(j, out=j)
    j &= 4
    j <<= 29
    ci ^= j
    return ys, yc
