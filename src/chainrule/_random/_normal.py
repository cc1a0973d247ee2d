"""Normal samples: PyTorch's two Box-Muller paths and the log-normal built on them.

Contiguous tensors of 16 or more elements: fill with uniforms, then Box-Muller on blocks of
16 (8 pairs: ``radius = sqrt(-2 log(1 - u[i]))``, ``theta = 2 pi u[i + 8]``, outputs
``radius cos theta`` then ``radius sin theta``); when the size is not a multiple of 16 the
last 16 outputs are computed again from 16 fresh uniforms. float32 uses the AVX2 kernel's
Cephes ``log``/``sincos`` polynomials (``_cephes``), vectorised over chunks of blocks;
float64 uses the C library's ``log``/``cos``/``sin``, one call per value. Smaller or
non-contiguous tensors: one float64 Box-Muller pair per two samples (``log1p``, ``cos``,
``sin``), the second value of a pair cached in the generator for the next call.
"""

from __future__ import annotations

import math

import numpy as np

from ._cephes import TWO_PI32, log_cephes, sincos_cephes
from ._exact import cast, fma32, fma64, libm
from ._generator import Generator
from ._uniform import uniform32, uniform64

__all__ = ["normal_kernel", "normal_pairs", "log_normal_kernel"]

_f32 = np.float32
_V32 = np.dtype((np.void, 32))  # 8 float32: half a Box-Muller block of 16
_PAIRS = 16384  # pairs per float32 chunk (measured: larger chunks fall out of cache)


def _affine32(x: np.ndarray, mean: float, std: float) -> None:
    """``x = fma(x, std, mean)`` in float32, in place."""
    m32, s32 = _f32(mean), _f32(std)
    if s32 == 1:
        x += m32  # (fma(x, 1, m) == x + m; with m = +0 it also turns -0 into +0)
    elif m32 == 0:
        x *= s32
        x += m32
    else:
        x[...] = fma32(x, s32, m32)


def _box_muller16_f32(u: np.ndarray, out: np.ndarray, mean: float, std: float) -> None:
    """PyTorch's float32 ``normal_fill_16`` on rows of 16 uniforms (8 pairs per row), into
    ``out``: ``radius = sqrt(-2 log(1 - u[:8]))``, ``theta = 2 pi u[8:]``; ``out[:8] =
    radius cos theta``, ``out[8:] = radius sin theta``."""
    halves = u.view(_V32)  # the 8 radius uniforms, then the 8 angle uniforms, of each row
    x = np.ascontiguousarray(halves[0::2]).view(np.float32)
    theta = np.ascontiguousarray(halves[1::2]).view(np.float32)
    np.subtract(_f32(1), x, out=x)
    radius = log_cephes(x)
    radius *= _f32(-2)
    np.sqrt(radius, out=radius)
    theta *= TWO_PI32
    s, c = sincos_cephes(theta)
    c *= radius
    s *= radius
    _affine32(c, mean, std)
    _affine32(s, mean, std)
    halves = out.view(_V32)
    halves[0::2] = c.view(_V32)
    halves[1::2] = s.view(_V32)


def _box_muller16_f64(u: np.ndarray, mean: float, std: float) -> np.ndarray:
    """PyTorch's float64 ``normal_fill_16`` (C library log/cos/sin) on rows of 16 uniforms."""
    u = u.reshape(-1, 16)
    u1 = (1.0 - u[:, :8]).reshape(-1)
    theta = ((2.0 * math.pi) * u[:, 8:]).reshape(-1)
    radius = np.sqrt(-2.0 * libm(math.log, u1))
    out = np.empty_like(u)
    out[:, :8] = (radius * libm(math.cos, theta)).reshape(-1, 8)
    out[:, 8:] = (radius * libm(math.sin, theta)).reshape(-1, 8)
    return _affine64(out.reshape(-1), mean, std)


def _affine64(x: np.ndarray, mean: float, std: float) -> np.ndarray:
    """``fma(x, std, mean)`` in float64."""
    mean, std = float(mean), float(std)
    if std == 1.0:
        return x + mean  # (fma(x, 1, m) == x + m; with m = +0 it also turns -0 into +0)
    if mean == 0.0:
        return x * std + mean
    return fma64(x, std, mean)



def normal_pairs(g: Generator, n: int) -> np.ndarray:
    """``n`` standard normals (float64) the way ``at::normal_distribution<double>`` does.

    Each pair draws u1, u2 and gives ``r cos(theta)`` then ``r sin(theta)``, with
    ``r = sqrt(-2 log1p(-u2))`` and ``theta = 2 pi u1``; a second value not used yet is
    cached in the generator and returned first by the next call.
    """
    out = np.empty(n, np.float64)
    i = 0
    if n and g._normal_double is not None:
        out[0] = g._normal_double
        g._normal_double = None
        i = 1
    rem = n - i
    if rem > 0:
        pairs = (rem + 1) // 2
        u = uniform64(g, 2 * pairs)
        r = np.sqrt(-2.0 * libm(math.log1p, -u[1::2]))
        theta = (2.0 * math.pi) * u[0::2]
        both = np.empty(2 * pairs, np.float64)
        both[0::2] = r * libm(math.cos, theta)
        both[1::2] = r * libm(math.sin, theta)
        out[i:] = both[:rem]
        if rem % 2:
            g._normal_double = float(both[-1])
    return out


def normal_kernel(g: Generator, n: int, npd: np.dtype, mean: float, std: float,
                  contiguous: bool) -> np.ndarray:
    """``n`` samples of N(mean, std**2) as ``normal_`` draws them into a tensor of dtype
    ``npd`` (``contiguous``: whether that tensor is contiguous)."""
    if n >= 16 and contiguous:
        m = n - n % 16
        if npd == np.float64:
            u = uniform64(g, n + 16 if m != n else n)
            out = np.empty(n, np.float64)
            out[:m] = _box_muller16_f64(u[:m], mean, std)
            if m != n:
                out[n - 16:] = _box_muller16_f64(u[n:], mean, std)
            return out
        # float32 draws all n uniforms into the output, then 16 more for the tail; float16
        # draws 16 at a time into a float buffer, so only the full blocks' and the tail's.
        tail_at = n if npd == np.float32 else m
        u = uniform32(g, tail_at + 16 if m != n else n)
        out = np.empty(n, np.float32)
        for i in range(0, m, 2 * _PAIRS):
            j = min(i + 2 * _PAIRS, m)
            _box_muller16_f32(u[i:j], out[i:j], mean, std)
        if m != n:
            _box_muller16_f32(u[tail_at:], out[n - 16:], mean, std)
        return out.astype(npd, copy=False)
    return cast(_affine64(normal_pairs(g, n), mean, std), npd)


def log_normal_kernel(g: Generator, n: int, npd: np.dtype, mean: float,
                      std: float) -> np.ndarray:
    """``exp(mean + std * z)`` with ``z`` from the float64 pair path (shares its cache)."""
    return cast(libm(math.exp, _affine64(normal_pairs(g, n), mean, std)), npd)
