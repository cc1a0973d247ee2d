"""Uniform floats, and the samplers PyTorch derives from one uniform per value
(exponential, Cauchy, geometric, Bernoulli).

Each kernel returns a flat array of ``n`` samples in PyTorch's iteration order.
"""

from __future__ import annotations

import math

import numpy as np

from ._exact import cast, fma32, fma64, libm
from ._generator import Generator

__all__ = ["uniform32", "uniform64", "uniform_kernel", "exponential_kernel", "cauchy_kernel",
           "geometric_kernel", "bernoulli_scalar_kernel", "bernoulli_tensor_kernel"]


def uniform32(g: Generator, n: int) -> np.ndarray:
    """``n`` float32 uniforms in [0, 1) from the low 24 bits of one word each."""
    k = g._engine.raw(n).astype(np.int32)
    k &= 0xFFFFFF
    u = k.astype(np.float32)
    u *= np.float32(2.0 ** -24)
    return u


def uniform64(g: Generator, n: int) -> np.ndarray:
    """``n`` float64 uniforms in [0, 1) from the low 53 bits of a 64-bit draw each."""
    v = g._random64(n)
    v &= np.uint64((1 << 53) - 1)
    u = v.astype(np.float64)
    u *= 2.0 ** -53
    return u


def uniform_kernel(g: Generator, n: int, npd: np.dtype, a: float, b: float) -> np.ndarray:
    """``uniform_(a, b)``: ``fma(u, b - a, a)``, with ``b`` (from rounding) mapped to ``a``."""
    if npd == np.float64:
        x = uniform64(g, n)
        if a == 0.0 and b == 1.0:
            return x
        v = fma64(x, b - a, a)
        return np.where(v == b, a, v)
    x = uniform32(g, n)  # float32 and float16 compute in float32
    a32, b32 = np.float32(a), np.float32(b)
    if not (a32 == 0 and b32 == 1):
        x = fma32(x, b32 - a32, a32)
    elif npd == np.float32:
        return x  # at most 1 - 2**-24: never ``to``
    v = x.astype(npd, copy=False)
    hit = v == npd.type(b)
    if hit.any():
        v[hit] = npd.type(a)
    return v


def exponential_kernel(g: Generator, n: int, npd: np.dtype, lambd: float) -> np.ndarray:
    """``-log1p(-u) / lambd`` (written ``(-1 / lambd) * log1p(-u)``) in float64."""
    u = uniform64(g, n)
    return cast((-1.0 / lambd) * libm(math.log1p, -u), npd)


def cauchy_kernel(g: Generator, n: int, npd: np.dtype, median: float,
                  sigma: float) -> np.ndarray:
    """``median + sigma * tan(pi * (u - 1/2))`` in float64."""
    t = libm(math.tan, math.pi * (uniform64(g, n) - 0.5))
    return cast(fma64(t, sigma, median), npd)


def _safe_log(x: float) -> float:
    return math.log(x) if x > 0 else -math.inf


def geometric_kernel(g: Generator, n: int, npd: np.dtype, p: float) -> np.ndarray:
    """``ceil(log(u) / log1p(-p))`` in float64."""
    v = np.ceil(libm(_safe_log, uniform64(g, n)) / math.log1p(-p))
    with np.errstate(invalid="ignore"):
        return cast(v, npd)


def bernoulli_scalar_kernel(g: Generator, n: int, npd: np.dtype, p: float) -> np.ndarray:
    """1 where a float64 uniform is below ``p``."""
    return (uniform64(g, n) < p).astype(npd)


def bernoulli_tensor_kernel(g: Generator, npd: np.dtype, probs: np.ndarray) -> np.ndarray:
    """1 where a uniform is below ``probs`` (float64 draws for float64 probabilities, float32
    draws otherwise)."""
    if probs.dtype == np.float64:
        return (uniform64(g, probs.size) < probs).astype(npd)
    return (uniform32(g, probs.size) < probs.astype(np.float32)).astype(npd)
