"""Random number generation that reproduces PyTorch's CPU generator bit for bit.

``chainrule.manual_seed(42); chainrule.randn(100, 1)`` gives exactly the float32 values that
``torch.manual_seed(42); torch.randn(100, 1)`` gives. The pieces, each matched to PyTorch's
CPU kernels (and checked against them in ``tests/test_random.py``):

- The engine is a 32-bit Mersenne Twister (mt19937) seeded with the low 32 bits of the seed;
  ``random64`` glues two consecutive words as ``hi << 32 | lo``. The 624-word twist runs as
  NumPy array operations, and a request for N words twists all the rows it needs in one
  buffer, so no Python code runs per number.
- Uniform floats: float32 from the low 24 bits of one word, float64 from the low 53 bits of a
  64-bit draw, scaled to ``[from, to)`` with a fused multiply-add (as PyTorch's compiled kernel
  does).
- Normal samples. Contiguous tensors of 16 or more elements: fill with uniforms, then
  Box-Muller on blocks of 16 (8 pairs); when the size is not a multiple of 16 the last 16
  outputs are computed again from 16 fresh uniforms. float32 uses the AVX2 kernel's Cephes
  ``log``/``sincos`` polynomials, reproduced here with float32 arithmetic and exactly rounded
  fused multiply-adds wherever the compiler fused them; float64 uses the C library's
  ``log``/``cos``/``sin`` (the ones Python's ``math`` calls). Smaller or non-contiguous
  tensors: one float64 Box-Muller pair per two samples (``log1p``, ``cos``, ``sin``), the
  second value of a pair cached in the generator for the next call.
- ``randint``/``random_``: ``word % range + low`` (a 64-bit draw when ``range >= 2**28``).
  ``randperm``: PyTorch's swap loop ``swap(i, i + word % (n - i))``.
- ``get_rng_state`` returns PyTorch's own 5056-byte layout, so states load across the two.

Tensor methods installed here: ``uniform_``, ``normal_``, ``random_``, ``bernoulli_``,
``exponential_``, ``log_normal_``, ``cauchy_``, ``geometric_``, ``bernoulli``, ``multinomial``.
"""

from __future__ import annotations

import math
import os

import numpy as np

from . import _dtype
from ._tensor import Tensor, _make
from ._tensor import device as _device
from .autograd.grad_mode import STATE

__all__ = [
    "Generator", "default_generator", "manual_seed", "seed", "initial_seed", "get_rng_state",
    "set_rng_state", "rand", "randn", "randint", "randperm", "rand_like", "randn_like",
    "randint_like", "normal", "bernoulli", "multinomial",
]

# =========================================================================== mt19937 engine

_N = 624
_M = 397
_UPPER = np.uint32(0x80000000)
_LOWER = np.uint32(0x7FFFFFFF)
_ONE32 = np.uint32(1)
_MATRIX_A = np.uint32(0x9908B0DF)
_DEFAULT_SEED = 67280421310721  # c10::default_rng_seed_val: a fresh Generator()'s seed
_MASK64 = (1 << 64) - 1
_STATE_BYTES = 5056  # sizeof(at::detail::CPUGeneratorImplState)


def _seed_words(seed: int) -> np.ndarray:
    """The initial 624-word state for ``seed`` (only its low 32 bits matter)."""
    s = [0] * _N
    x = seed & 0xFFFFFFFF
    s[0] = x
    for j in range(1, _N):
        x = (1812433253 * (x ^ (x >> 30)) + j) & 0xFFFFFFFF
        s[j] = x
    return np.array(s, dtype=np.uint32)


def _twist(prev: np.ndarray, out: np.ndarray, t: np.ndarray, tmp: np.ndarray) -> None:
    """``out`` = the state after one twist of ``prev`` (``t``, ``tmp``: 623-word scratch).

    Word i becomes ``w[i + 397] ^ twist(w[i], w[i + 1])`` where indices past the end wrap to
    words already updated. The twist of every adjacent pair uses old words only (except the
    last), so it is computed for the whole row at once; the xor with ``w[i + 397]`` then
    runs in three blocks, each reading words the previous block finished.
    """
    np.bitwise_and(prev[:623], _UPPER, out=t)
    np.bitwise_and(prev[1:], _LOWER, out=tmp)
    np.bitwise_or(t, tmp, out=t)
    np.right_shift(t, _ONE32, out=t)
    np.bitwise_and(prev[1:], _ONE32, out=tmp)
    np.multiply(tmp, _MATRIX_A, out=tmp)
    np.bitwise_xor(t, tmp, out=t)
    np.bitwise_xor(prev[397:], t[:227], out=out[:227])
    np.bitwise_xor(out[:227], t[227:454], out=out[227:454])
    np.bitwise_xor(out[227:396], t[454:623], out=out[454:623])
    u, v = int(prev[623]), int(out[0])
    y = ((u & 0x80000000) | (v & 0x7FFFFFFF)) >> 1
    if v & 1:
        y ^= 0x9908B0DF
    out[623] = int(out[396]) ^ y


def _temper(y: np.ndarray) -> np.ndarray:
    y = y ^ (y >> np.uint32(11))
    y ^= (y << np.uint32(7)) & np.uint32(0x9D2C5680)
    y ^= (y << np.uint32(15)) & np.uint32(0xEFC60000)
    y ^= y >> np.uint32(18)
    return y


def _nondeterministic_seed() -> int:
    return int.from_bytes(os.urandom(8), "little")


class Generator:
    """A CPU random number generator with PyTorch's algorithm, seeding and state layout.

    >>> import chainrule as torch
    >>> g = torch.Generator().manual_seed(0)
    >>> torch.rand(2, generator=g)
    tensor([0.4963, 0.7682])
    """

    def __init__(self, device="cpu") -> None:
        self.device = _device(device)
        self._reseed(_DEFAULT_SEED)

    # ------------------------------------------------------------------ seeding and state
    def _reseed(self, seed: int) -> None:
        self._seed = seed
        self._seeded = True
        self._mt = _seed_words(seed)
        self._left = 1  # words left + 1, as in PyTorch (1: twist before the next word)
        self._next = 0  # index of the next word in the state
        self._normal_double: float | None = None  # second value of a Box-Muller pair
        self._normal_float: float | None = None  # kept only for get/set_state

    def manual_seed(self, seed) -> Generator:
        """Seed the generator (any integer in [-2**63, 2**64)); returns the generator."""
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise RuntimeError(f"manual_seed expected a long, but got {type(seed).__name__}")
        seed = int(seed)
        if not -(1 << 63) <= seed < (1 << 64):
            raise ValueError("Overflow when unpacking long long")
        self._reseed(seed & _MASK64)
        return self

    def seed(self) -> int:
        """Seed from the operating system's entropy and return that seed."""
        s = _nondeterministic_seed()
        self._reseed(s)
        return s

    def initial_seed(self) -> int:
        """The seed the generator was last seeded with."""
        return self._seed

    def get_state(self) -> Tensor:
        """The state as a uint8 tensor in PyTorch's 5056-byte ``CPUGeneratorImplState`` layout."""
        buf = np.zeros(_STATE_BYTES, np.uint8)
        buf[0:8].view("<u8")[0] = self._seed
        buf[8:16].view("<i4")[:] = (self._left, int(self._seeded))
        buf[16:24].view("<u8")[0] = self._next
        buf[24:5016].view("<u8")[:] = self._mt
        if self._normal_double is not None:
            buf[5024:5032].view("<f8")[0] = self._normal_double
            buf[5040:5044].view("<i4")[0] = 1
        if self._normal_float is not None:
            buf[5048:5052].view("<f4")[0] = self._normal_float
            buf[5052] = 1
        return _make(buf)

    def set_state(self, new_state) -> Generator:
        """Restore a state from :meth:`get_state` (or from ``torch.get_rng_state()``)."""
        data = new_state._data if isinstance(new_state, Tensor) else np.asarray(new_state)
        if data.dtype != np.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        if data.size != _STATE_BYTES:
            raise RuntimeError(
                f"Expected a CPUGeneratorImplState of size {_STATE_BYTES} but found the input "
                f"RNG state size to be {data.size}")
        buf = np.ascontiguousarray(data).reshape(-1)
        seed = int(buf[0:8].view("<u8")[0])
        left, seeded = (int(v) for v in buf[8:16].view("<i4"))
        nxt = int(buf[16:24].view("<u8")[0]) & 0xFFFFFFFF
        if not (seeded and 0 < left <= _N and nxt <= _N):
            raise RuntimeError("Invalid mt19937 state")
        self._seed = seed
        self._seeded = True
        self._left, self._next = left, nxt
        self._mt = buf[24:5016].view("<u8").astype(np.uint32)
        self._normal_double = (float(buf[5024:5032].view("<f8")[0])
                               if buf[5040:5044].view("<i4")[0] else None)
        self._normal_float = (float(buf[5048:5052].view("<f4")[0]) if buf[5052] else None)
        return self

    def __repr__(self) -> str:
        return f"<chainrule.Generator object (device='{self.device}', seed={self._seed})>"

    # ------------------------------------------------------------------ raw draws
    def _words(self, n: int) -> np.ndarray:
        """The next ``n`` 32-bit outputs of the engine, as uint32."""
        out = np.empty(n, np.uint32)
        k = min(n, self._left - 1, _N - self._next)
        if k > 0:
            out[:k] = self._mt[self._next:self._next + k]
            self._next += k
            self._left -= k
        rem = n - max(k, 0)
        if rem > 0:
            rows = -(-rem // _N)
            buf = np.empty((rows + 1, _N), np.uint32)
            buf[0] = self._mt
            t = np.empty(_N - 1, np.uint32)
            tmp = np.empty(_N - 1, np.uint32)
            for r in range(rows):
                _twist(buf[r], buf[r + 1], t, tmp)
            out[n - rem:] = buf[1:].reshape(-1)[:rem]
            self._mt = buf[rows].copy()
            used = rem - (rows - 1) * _N
            self._next = used
            self._left = _N + 1 - used
        return _temper(out)

    def _random64(self, n: int) -> np.ndarray:
        """``n`` 64-bit draws (two words each, the first one high), as uint64."""
        w = self._words(2 * n).astype(np.uint64)
        return (w[0::2] << np.uint64(32)) | w[1::2]

    def _uniform32(self, n: int) -> np.ndarray:
        """``n`` float32 uniforms in [0, 1) from the low 24 bits of one word each."""
        w = self._words(n) & np.uint32(0xFFFFFF)
        return w.astype(np.float32) * np.float32(2.0 ** -24)

    def _uniform64(self, n: int) -> np.ndarray:
        """``n`` float64 uniforms in [0, 1) from the low 53 bits of a 64-bit draw each."""
        v = self._random64(n) & np.uint64((1 << 53) - 1)
        return v.astype(np.float64) * (2.0 ** -53)

    def _normal_pairs(self, n: int) -> np.ndarray:
        """``n`` standard normals (float64) the way ``at::normal_distribution<double>`` does.

        Each pair draws u1, u2 and gives ``r cos(theta)`` then ``r sin(theta)``, with
        ``r = sqrt(-2 log1p(-u2))`` and ``theta = 2 pi u1``; a second value not used yet is
        cached in the generator and returned first by the next call.
        """
        out = np.empty(n, np.float64)
        i = 0
        if n and self._normal_double is not None:
            out[0] = self._normal_double
            self._normal_double = None
            i = 1
        rem = n - i
        if rem > 0:
            pairs = (rem + 1) // 2
            u = self._uniform64(2 * pairs)
            r = np.sqrt(-2.0 * _libm(math.log1p, -u[1::2]))
            theta = (2.0 * math.pi) * u[0::2]
            both = np.empty(2 * pairs, np.float64)
            both[0::2] = r * _libm(math.cos, theta)
            both[1::2] = r * _libm(math.sin, theta)
            out[i:] = both[:rem]
            if rem % 2:
                self._normal_double = float(both[-1])
        return out


def _libm(fn, x: np.ndarray) -> np.ndarray:
    """``fn`` (a ``math`` function, i.e. the C library's) over a float64 array.

    NumPy's own SIMD log/log1p differ from the C library in the last bit for some inputs, and
    PyTorch calls the C library, so the scalar functions are used here.
    """
    return np.fromiter(map(fn, x.tolist()), np.float64, count=x.size)


# =========================================================================== exact arithmetic

_MID_MASK = np.int64(0x1FFFFFFF)
_MID = np.int64(0x10000000)


def _round_to_odd(s: np.ndarray, err: np.ndarray) -> np.ndarray:
    """``s + err`` (``err`` the exact rounding error of ``s``) rounded to odd: ``s`` if exact,
    else the neighbour of ``s`` toward ``err`` when the last bit of ``s`` is even."""
    bits = s.view(np.int64)
    fix = (err != 0) & ((bits & 1) == 0)
    if fix.any():
        step = np.where((err > 0) == (s > 0), 1, -1)
        s = np.where(fix, bits + step, bits).view(np.float64)
    return s


def _fma32(a, b, c) -> np.ndarray:
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


_SPLIT = 134217729.0  # 2**27 + 1


def _two_sum(a, b):
    s = a + b
    bp = s - a
    return s, (a - (s - bp)) + (b - bp)


def _fma64(a, b, c) -> np.ndarray:
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


# =========================================================================== Box-Muller kernels

_f32 = np.float32
_SQRTHF = _f32(0.707106781186547524)
_LOG_P = [_f32(v) for v in (
    7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1,
    -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1)]
_LOG_Q1 = _f32(-2.12194440e-4)
_LOG_Q2 = _f32(0.693359375)
_FOPI = _f32(1.27323954473516)
_DP = [_f32(-0.78515625), _f32(-2.4187564849853515625e-4), _f32(-3.77489497744594108e-8)]
_SIN_P = [_f32(-1.9515295891e-4), _f32(8.3321608736e-3), _f32(-1.6666654611e-1)]
_COS_P = [_f32(2.443315711809948e-5), _f32(-1.388731625493765e-3), _f32(4.166664568298827e-2)]
_TWO_PI32 = _f32(2.0 * math.pi)


def _log_cephes(x: np.ndarray) -> np.ndarray:
    """float32 natural log of x in (0, 1] exactly as PyTorch's AVX2 ``log256_ps``.

    The polynomial's ``y * x + p`` steps (and ``y * z + e * q1``) are fused multiply-adds in
    PyTorch's compiled kernel, so they are here.
    """
    b = x.view(np.int32)
    m = ((b & 0x007FFFFF) | 0x3F000000).view(np.float32)  # mantissa in [0.5, 1)
    small = m < _SQRTHF
    e = ((b >> 23) - 126).astype(np.float32)
    e -= small
    x = np.where(small, m + m, m) - _f32(1)
    z = x * x
    y = _fma32(_LOG_P[0], x, _LOG_P[1])
    for p in _LOG_P[2:]:
        y = _fma32(y, x, p)
    y = y * x
    y = _fma32(y, z, e * _LOG_Q1)
    y = y - z * _f32(0.5)
    return (x + y) + e * _LOG_Q2


def _sincos_cephes(x: np.ndarray):
    """float32 (sin x, cos x) for x >= 0 exactly as PyTorch's AVX2 ``sincos256_ps``."""
    j = (x * _FOPI).astype(np.int32)
    j += 1
    j &= ~1
    y = j.astype(np.float32)
    for d in _DP:
        x = _fma32(y, d, x)
    z = x * x
    yc = _fma32(_fma32(_COS_P[0], z, _COS_P[1]), z, _COS_P[2]) * z
    yc = _fma32(yc, z, -(z * _f32(0.5))) + _f32(1)
    ys = _fma32(_fma32(_SIN_P[0], z, _SIN_P[1]), z, _SIN_P[2]) * z
    ys = _fma32(ys, x, x)
    first = (j & 2) == 0
    s = np.where(first, ys, yc)
    c = np.where(first, yc, ys)
    np.negative(s, out=s, where=(j & 4) != 0)
    np.negative(c, out=c, where=((j - 2) & 4) == 0)
    return s, c


def _box_muller16_f32(u: np.ndarray, mean: float, std: float) -> np.ndarray:
    """PyTorch's float32 ``normal_fill_16`` on rows of 16 uniforms (8 pairs per row)."""
    u = u.reshape(-1, 16)
    radius = np.sqrt(_f32(-2) * _log_cephes(_f32(1) - u[:, :8]))
    s, c = _sincos_cephes(_TWO_PI32 * u[:, 8:])
    out = np.empty_like(u)
    np.multiply(radius, c, out=out[:, :8])
    np.multiply(radius, s, out=out[:, 8:])
    out = out.reshape(-1)
    m32, s32 = _f32(mean), _f32(std)
    if s32 == 1:
        return out + m32  # (fma(x, 1, m) == x + m; with m = +0 it also turns -0 into +0)
    if m32 == 0:
        return out * s32 + m32
    return _fma32(out, s32, m32)


def _box_muller16_f64(u: np.ndarray, mean: float, std: float) -> np.ndarray:
    """PyTorch's float64 ``normal_fill_16`` (C library log/cos/sin) on rows of 16 uniforms."""
    u = u.reshape(-1, 16)
    u1 = (1.0 - u[:, :8]).reshape(-1)
    theta = ((2.0 * math.pi) * u[:, 8:]).reshape(-1)
    radius = np.sqrt(-2.0 * _libm(math.log, u1))
    out = np.empty_like(u)
    out[:, :8] = (radius * _libm(math.cos, theta)).reshape(-1, 8)
    out[:, 8:] = (radius * _libm(math.sin, theta)).reshape(-1, 8)
    return _affine64(out.reshape(-1), mean, std)


def _affine64(x: np.ndarray, mean: float, std: float) -> np.ndarray:
    """``fma(x, std, mean)`` in float64."""
    mean, std = float(mean), float(std)
    if std == 1.0:
        return x + mean  # (fma(x, 1, m) == x + m; with m = +0 it also turns -0 into +0)
    if mean == 0.0:
        return x * std + mean
    return _fma64(x, std, mean)


# =========================================================================== kernels
# Each returns a flat array of n values in PyTorch's iteration order.

def _real_np(d: np.dtype) -> np.dtype:
    return np.dtype(np.float32) if d == np.complex64 else np.dtype(np.float64)


_CHUNK = 32768  # a multiple of 16


def _normal_kernel(g: Generator, n: int, npd: np.dtype, mean: float, std: float,
                   contiguous: bool) -> np.ndarray:
    if n >= 16 and contiguous:
        m = n - n % 16
        if npd == np.float64:
            u = g._uniform64(n + 16 if m != n else n)
            out = np.empty(n, np.float64)
            out[:m] = _box_muller16_f64(u[:m], mean, std)
            if m != n:
                out[n - 16:] = _box_muller16_f64(u[n:], mean, std)
            return out
        # float32 draws all n uniforms into the output, then 16 more for the tail; float16
        # draws 16 at a time into a float buffer, so only the full blocks' and the tail's.
        tail_at = n if npd == np.float32 else m
        u = g._uniform32(tail_at + 16 if m != n else n)
        out = np.empty(n, np.float32)
        for i in range(0, m, _CHUNK):  # chunks small enough for the temporaries to stay cached
            j = min(i + _CHUNK, m)
            out[i:j] = _box_muller16_f32(u[i:j], mean, std)
        if m != n:
            out[n - 16:] = _box_muller16_f32(u[tail_at:], mean, std)
        return out.astype(npd, copy=False)
    return _cast(_affine64(g._normal_pairs(n), mean, std), npd)


def _uniform_kernel(g: Generator, n: int, npd: np.dtype, a: float, b: float) -> np.ndarray:
    if npd == np.float64:
        x = g._uniform64(n)
        if a == 0.0 and b == 1.0:
            return x
        v = _fma64(x, b - a, a)
        return np.where(v == b, a, v)
    x = g._uniform32(n)  # float32 and float16 compute in float32
    a32, b32 = _f32(a), _f32(b)
    if not (a32 == 0 and b32 == 1):
        x = _fma32(x, b32 - a32, a32)
    v = x.astype(npd, copy=False)
    ta, tb = npd.type(a), npd.type(b)
    return np.where(v == tb, ta, v)


def _int_kernel(g: Generator, n: int, npd: np.dtype, rng: int, base: int) -> np.ndarray:
    """``random_(from, to)``: ``(draw % range + from)`` with uint64 wraparound."""
    if rng >= 1 << 28:
        v = g._random64(n)
    else:
        v = g._words(n).astype(np.uint64)
    v = (v % np.uint64(rng)) + np.uint64(base & _MASK64)
    return v.view(np.int64).astype(npd)


def _random_default_kernel(g: Generator, n: int, npd: np.dtype) -> np.ndarray:
    """``random_()`` with no bounds: ``[0, max]`` for integers, ``[0, 2**mantissa]`` for floats."""
    if npd == np.bool_:
        return (g._words(n) & np.uint32(1)).astype(np.bool_)
    if npd == np.int64 or npd == np.float64:
        v = g._random64(n)
        mod = (1 << 63) if npd == np.int64 else (1 << 53) + 1
    else:
        v = g._words(n).astype(np.uint64)
        if npd.kind == "f":
            mod = (1 << np.finfo(npd).nmant + 1) + 1
        else:
            mod = int(np.iinfo(npd).max) + 1
    return (v % np.uint64(mod)).astype(npd)


def _exponential_kernel(g: Generator, n: int, npd: np.dtype, lambd: float) -> np.ndarray:
    u = g._uniform64(n)
    return _cast((-1.0 / lambd) * _libm(math.log1p, -u), npd)


# =========================================================================== in-place plumbing

_LEAF_ERROR = "a leaf Variable that requires grad is being used in an in-place operation."
_VIEW_LEAF_ERROR = ("a view of a leaf Variable that requires grad is being used in an "
                    "in-place operation.")
_TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
               "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
               "bool": "Bool", "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def _type_name(npd: np.dtype) -> str:
    return _TYPE_NAMES.get(npd.name, npd.name)


def _check_inplace(t: Tensor) -> None:
    if not STATE.enabled:
        return
    if t._rg and t._grad_fn is None:
        raise RuntimeError(_LEAF_ERROR)
    base = t._base
    if base is not None and base._rg and base._grad_fn is None:
        raise RuntimeError(_VIEW_LEAF_ERROR)


def _gen(generator: Generator | None) -> Generator:
    if generator is None:
        return default_generator
    if not isinstance(generator, Generator):
        raise TypeError(
            f"expected a chainrule.Generator for 'generator', got {type(generator).__name__}")
    return generator


def _iter_order(a: np.ndarray) -> list[int] | None:
    """The axis order PyTorch's TensorIterator visits ``a`` in, outermost first: memory order
    (dimensions by decreasing stride) for a non-contiguous tensor; None for C order."""
    if a.flags.c_contiguous or a.ndim < 2:
        return None
    return sorted(range(a.ndim), key=lambda d: -abs(a.strides[d]))


def _iter_view(a: np.ndarray, order: list[int] | None) -> np.ndarray:
    """A view of ``a`` whose C order is the iteration order ``order``."""
    return a if order is None else a.transpose(order)


def _cast(x: np.ndarray, npd: np.dtype) -> np.ndarray:
    """Cast float64 results as C++ does: to Half through float (two roundings)."""
    if npd == np.float16 and x.dtype == np.float64:
        x = x.astype(np.float32)
    return x.astype(npd, copy=False)


def _fill(t: Tensor, kernel, real: bool = False) -> Tensor:
    """Write ``kernel(n, np_dtype, contiguous)`` into ``t`` in place (complex tensors through
    their real view, as PyTorch does), bump its version and return it."""
    _check_inplace(t)
    if STATE.enabled and t._rg:
        # A non-leaf in a recorded graph: PyTorch's new history has a zero derivative; zero_
        # rebases the tensor's history onto exactly that before the samples overwrite it.
        t.zero_()
    a = t._data
    if real and a.dtype.kind == "c":
        rd = _real_np(a.dtype)
        if a.flags.c_contiguous:
            flat = a.reshape(-1).view(rd)
            flat[...] = kernel(flat.size, rd, True)
        else:
            tmp = np.empty(a.shape, a.dtype)
            flat = tmp.reshape(-1).view(rd)
            flat[...] = kernel(flat.size, rd, False)
            a[...] = tmp
    elif a.size:
        v = _iter_view(a, _iter_order(a))
        v[...] = kernel(a.size, a.dtype, bool(a.flags.c_contiguous)).reshape(v.shape)
    t._version_counter().bump()
    return t


def _require_float(t: Tensor, what: str) -> None:
    if t._data.dtype.kind not in "fc":
        raise NotImplementedError(
            f'"{what}" not implemented for \'{_type_name(t._data.dtype)}\'')


# =========================================================================== Tensor methods

def uniform_(self: Tensor, a: float = 0.0, b: float = 1.0, *, generator=None,
             **kwargs) -> Tensor:
    """Fill with samples from U[a, b), in place (PyTorch's keyword names ``from``/``to``
    are accepted too)."""
    _require_float(self, "check_uniform_bounds")
    a, b = _from_to_kwargs("uniform_", a, b, kwargs)
    a, b = float(a), float(b)
    if a > b:
        raise RuntimeError(
            f"uniform_ expects to return a [from, to) range, but found from={_num(a)} > "
            f"to={_num(b)}")
    g = _gen(generator)
    return _fill(self, lambda n, d, c: _uniform_kernel(g, n, d, a, b), real=True)


def _from_to_kwargs(name: str, a, b, kwargs: dict):
    for k in kwargs:
        if k not in ("from", "to"):
            raise TypeError(f"{name}() got an unexpected keyword argument '{k}'")
    return kwargs.get("from", a), kwargs.get("to", b)


def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator=None) -> Tensor:
    """Fill with samples from N(mean, std**2), in place."""
    _require_float(self, "normal_kernel_cpu")
    mean, std = float(mean), float(std)
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_num(std)}")
    if self._data.dtype.kind == "c":
        std = std / math.sqrt(2)
    g = _gen(generator)
    return _fill(self, lambda n, d, c: _normal_kernel(g, n, d, mean, std, c), real=True)


def random_(self: Tensor, *args, generator=None, **kwargs) -> Tensor:
    """``random_(from=0, to=None)``: integers drawn uniformly from [from, to), in place.

    With no bounds: [0, max of the dtype] (``[0, 2**mantissa]`` for floating dtypes).
    """
    names = ("from", "to")
    if len(args) > 2:
        raise TypeError(f"random_() takes at most 2 positional arguments ({len(args)} given)")
    vals = dict(zip(names, args, strict=False))
    for k, v in kwargs.items():
        if k not in names or k in vals:
            raise TypeError(f"random_() got an unexpected keyword argument '{k}'")
        vals[k] = v
    g = _gen(generator)
    npd = self._data.dtype
    if not vals:
        return _fill(self, lambda n, d, c: _random_default_kernel(g, n, d))
    if len(args) == 1 and not kwargs:  # random_(to)
        lo, hi = 0, int(args[0])
    else:
        lo = int(vals.get("from", 0))
        hi = vals.get("to")
        hi = None if hi is None else int(hi)
    if hi is None:
        if lo == -(1 << 63):
            return _fill(self, lambda n, d, c: g._random64(n).view(np.int64).astype(d))
        if npd.kind == "f":
            hi_inc = 1 << (np.finfo(npd).nmant + 1)
            lo = _update_from(lo, npd)
        elif npd == np.bool_:
            hi_inc = 1
        else:
            hi_inc = int(np.iinfo(npd).max)
        _check_bounds(lo, hi_inc, npd)
        rng = hi_inc - lo + 1
    else:
        if lo >= hi:
            raise RuntimeError(
                f"random_ expects 'from' to be less than 'to', but got from={lo} >= to={hi}")
        if npd.kind == "f":
            lo, hi = _update_from(lo, npd), _update_to(hi, npd)
        _check_bounds(lo, hi - 1, npd)
        rng = hi - lo
    return _fill(self, lambda n, d, c: _int_kernel(g, n, d, rng, lo))


def _update_from(lo: int, npd: np.dtype) -> int:
    digits = np.finfo(npd).nmant + 1
    plus1 = int(npd.type(lo + 1))
    if plus1 < lo:
        k = abs(lo + 1).bit_length() - 1
        lo = plus1 + (1 << (k - digits + 1))
    return lo


def _update_to(hi: int, npd: np.dtype) -> int:
    digits = np.finfo(npd).nmant + 1
    minus1 = int(npd.type(hi - 1))
    if minus1 >= hi:
        k = abs(hi - 1).bit_length() - 1
        hi = minus1 - (1 << (k - digits + 1))
    return hi


def _check_bounds(lo: int, hi_inc: int, npd: np.dtype) -> None:
    name = _dtype._FROM_NP[npd].name
    if npd.kind == "f":
        mn, mx = float(np.finfo(npd).min), float(np.finfo(npd).max)
    elif npd == np.bool_:
        mn, mx = 0, 1
    else:
        mn, mx = int(np.iinfo(npd).min), int(np.iinfo(npd).max)
    if not mn <= lo <= mx:
        raise RuntimeError(f"from is out of bounds for {name}")
    if not mn <= hi_inc <= mx:
        raise RuntimeError(f"to - 1 is out of bounds for {name}")


def bernoulli_(self: Tensor, p=0.5, *, generator=None) -> Tensor:
    """Fill with 1 (probability ``p``, a float or a tensor broadcastable to self) or 0."""
    g = _gen(generator)
    if isinstance(p, Tensor):
        pd = p._data
        if np.any((pd < 0) | (pd > 1)):
            raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
        pd = np.broadcast_to(pd, self._data.shape)
        order = _iter_order(self._data)

        def kernel(n, d, c):
            probs = _iter_view(pd, order).reshape(-1)
            if probs.dtype == np.float64:
                return (g._uniform64(n) < probs).astype(d)
            return (g._uniform32(n) < probs.astype(np.float32)).astype(d)

        return _fill(self, kernel)
    p = float(p)
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={_num(p)}")
    return _fill(self, lambda n, d, c: (g._uniform64(n) < p).astype(d))


def exponential_(self: Tensor, lambd: float = 1.0, *, generator=None) -> Tensor:
    """Fill with samples from the exponential distribution of rate ``lambd``, in place."""
    if self._data.dtype.kind != "f":
        raise RuntimeError(
            "Exponential distribution is a continuous probability distribution. dtype must be "
            f"a floating point but you specified {_type_name(self._data.dtype)}")
    lambd = float(lambd)
    if not lambd > 0:
        raise RuntimeError(
            f"exponential_ expects lambda > 0.0, but found lambda={_num(lambd)}")
    g = _gen(generator)
    return _fill(self, lambda n, d, c: _exponential_kernel(g, n, d, lambd))


def log_normal_(self: Tensor, mean: float = 1.0, std: float = 2.0, *,
                generator=None) -> Tensor:
    """Fill with ``exp(N(mean, std**2))`` samples, in place (shares the normal cache)."""
    _require_float(self, "log_normal_cpu")
    mean, std = float(mean), float(std)
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={_num(std)}")
    g = _gen(generator)

    def kernel(n, d, c):
        return _cast(_libm(math.exp, _affine64(g._normal_pairs(n), mean, std)), d)

    return _fill(self, kernel)


def cauchy_(self: Tensor, median: float = 0.0, sigma: float = 1.0, *,
            generator=None) -> Tensor:
    """Fill with samples from the Cauchy distribution, in place."""
    if self._data.dtype.kind != "f":
        raise RuntimeError(
            "Cauchy distribution is a continuous probability distribution. dtype must be a "
            f"floating point but you specified {_type_name(self._data.dtype)}")
    median, sigma = float(median), float(sigma)
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={_num(sigma)}")
    g = _gen(generator)

    def kernel(n, d, c):
        t = _libm(math.tan, math.pi * (g._uniform64(n) - 0.5))
        return _cast(_fma64(t, sigma, median), d)

    return _fill(self, kernel)


def geometric_(self: Tensor, p: float, *, generator=None) -> Tensor:
    """Fill with the number of Bernoulli(p) trials up to the first success, in place."""
    p = float(p)
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={_num(p)}")
    g = _gen(generator)
    denom = math.log1p(-p)

    def kernel(n, d, c):
        v = np.ceil(_libm(_safe_log, g._uniform64(n)) / denom)
        with np.errstate(invalid="ignore"):
            return _cast(v, d)

    return _fill(self, kernel)


def _safe_log(x: float) -> float:
    return math.log(x) if x > 0 else -math.inf


def _num(x: float):
    return int(x) if float(x).is_integer() else x


# =========================================================================== factories

def _size(size: tuple, name: str) -> tuple:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    out = []
    for s in size:
        if isinstance(s, Tensor):
            s = int(s.item())
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)):
            raise TypeError(
                f"{name}(): argument 'size' must be tuple of ints, but found element of type "
                f"{type(s).__name__}")
        if s < 0:
            raise RuntimeError(
                f"Trying to create tensor with negative dimension {s}: {list(size)}")
        out.append(int(s))
    return tuple(out)


def _empty(shape: tuple, dt) -> Tensor:
    return _make(np.empty(shape, dt.np))


def _finish(t: Tensor, requires_grad: bool) -> Tensor:
    if requires_grad:
        t.requires_grad_(True)
    return t


def _float_dtype(dtype, what: str):
    dt = _dtype.get_default_dtype() if dtype is None else _dtype.to_dtype(dtype)
    if not (dt.is_floating_point or dt.is_complex):
        raise NotImplementedError(f'"{what}" not implemented for \'{_type_name(dt.np)}\'')
    return dt


def _check_device(device) -> None:
    if device is not None:
        _device(device)


def _no_grad_fill(fn, t: Tensor, *args, **kwargs) -> Tensor:
    prev = STATE.enabled
    STATE.enabled = False
    try:
        return fn(t, *args, **kwargs)
    finally:
        STATE.enabled = prev


def rand(*size, generator=None, dtype=None, device=None, requires_grad: bool = False,
         layout=None, pin_memory: bool = False) -> Tensor:
    """Samples from U[0, 1) of the given shape (float32 by default)."""
    _check_device(device)
    dt = _float_dtype(dtype, "check_uniform_bounds")
    t = _empty(_size(size, "rand"), dt)
    return _finish(_no_grad_fill(uniform_, t, generator=generator), requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad: bool = False,
          layout=None, pin_memory: bool = False) -> Tensor:
    """Samples from N(0, 1) of the given shape (float32 by default)."""
    _check_device(device)
    dt = _float_dtype(dtype, "normal_kernel_cpu")
    t = _empty(_size(size, "randn"), dt)
    return _finish(_no_grad_fill(normal_, t, generator=generator), requires_grad)


def _randint_args(args, kwargs):
    low = kwargs.pop("low", None)
    high = kwargs.pop("high", None)
    size = kwargs.pop("size", None)
    args = list(args)
    if size is None and args and isinstance(args[-1], (tuple, list)):
        size = args.pop()
    if len(args) == 2:
        low, high = args
    elif len(args) == 1:
        if high is None:
            high = args[0]
        else:
            low = args[0]
    elif args:
        raise TypeError("randint() received an invalid combination of arguments")
    if high is None or size is None:
        raise TypeError("randint() missing required arguments 'high' and 'size'")
    return (0 if low is None else low), high, size


def randint(*args, generator=None, dtype=None, device=None, requires_grad: bool = False,
            layout=None, pin_memory: bool = False, **kwargs) -> Tensor:
    """``randint(low=0, high, size)``: integers uniform in [low, high) (int64 by default)."""
    low, high, size = _randint_args(args, kwargs)
    if kwargs:
        raise TypeError(f"randint() got an unexpected keyword argument '{next(iter(kwargs))}'")
    _check_device(device)
    dt = _dtype.int64 if dtype is None else _dtype.to_dtype(dtype)
    t = _empty(_size(tuple(size), "randint"), dt)
    _no_grad_fill(random_, t, int(low), int(high), generator=generator)
    return _finish(t, requires_grad)


def randperm(n: int, *, generator=None, dtype=None, device=None, requires_grad: bool = False,
             layout=None, pin_memory: bool = False) -> Tensor:
    """A random permutation of ``0 .. n-1`` (int64 by default), as PyTorch's CPU kernel."""
    _check_device(device)
    n = int(n)
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    dt = _dtype.int64 if dtype is None else _dtype.to_dtype(dtype)
    g = _gen(generator)
    if n < (2 ** 32 - 1) // 20:
        perm = list(range(n))
        if n > 1:
            z = (g._words(n - 1).astype(np.int64) % np.arange(n, 1, -1)).tolist()
            for i, k in enumerate(z):
                j = i + k
                perm[i], perm[j] = perm[j], perm[i]
    else:  # PyTorch's inside-out shuffle for huge n (far too slow in Python to matter)
        z = g._random64(n)
        perm = [0] * n
        for i in range(n):
            k = int(z[i] % np.uint64(i + 1))
            perm[i] = perm[k]
            perm[k] = i
    return _finish(_make(np.array(perm, dtype=np.int64).astype(dt.np)), requires_grad)


def _like(input: Tensor, dtype):
    return input.dtype if dtype is None else _dtype.to_dtype(dtype)


def rand_like(input: Tensor, *, generator=None, dtype=None, device=None,
              requires_grad: bool = False, layout=None, memory_format=None) -> Tensor:
    """U[0, 1) samples with the shape (and by default dtype) of ``input``."""
    return rand(input.shape, generator=generator, dtype=_like(input, dtype), device=device,
                requires_grad=requires_grad)


def randn_like(input: Tensor, *, generator=None, dtype=None, device=None,
               requires_grad: bool = False, layout=None, memory_format=None) -> Tensor:
    """N(0, 1) samples with the shape (and by default dtype) of ``input``."""
    return randn(input.shape, generator=generator, dtype=_like(input, dtype), device=device,
                 requires_grad=requires_grad)


def randint_like(input: Tensor, low=0, high=None, *, generator=None, dtype=None, device=None,
                 requires_grad: bool = False, layout=None, memory_format=None) -> Tensor:
    """``randint_like(input, low=0, high)``: integers in [low, high) shaped like ``input``."""
    if high is None:
        low, high = 0, low
    return randint(low, high, tuple(input.shape), generator=generator,
                   dtype=_like(input, dtype), device=device, requires_grad=requires_grad)


def normal(mean, std=1.0, size=None, *, generator=None, dtype=None, device=None,
           requires_grad: bool = False, layout=None, pin_memory: bool = False,
           out=None) -> Tensor:
    """Samples from N(mean, std**2).

    ``normal(mean: float, std: float, size)``; ``normal(mean: Tensor, std=1.0)``;
    ``normal(mean: float, std: Tensor)``; ``normal(mean: Tensor, std: Tensor)``. With tensor
    arguments the samples are drawn as N(0, 1) (N(0, std) for a float std) and scaled and
    shifted afterwards, as PyTorch does.
    """
    if out is not None:
        raise TypeError("normal(): the out= argument is not supported")
    mt, st = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not mt and not st:
        if size is None:
            raise TypeError("normal() missing required argument 'size'")
        _check_device(device)
        dt = _float_dtype(dtype, "normal_kernel_cpu")
        t = _empty(_size(tuple(size), "normal"), dt)
        _no_grad_fill(normal_, t, mean, std, generator=generator)
        return _finish(t, requires_grad)
    if st and std._data.size and np.min(std._data) < 0:
        raise RuntimeError("normal expects all elements of std >= 0.0")
    if mt and not st:
        std = float(std)
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {_num(std)}")
        t = _empty(mean.shape, mean.dtype)
        _no_grad_fill(normal_, t, 0.0, std, generator=generator)
        return _make(t._data + mean._data)
    if st and not mt:
        t = _empty(std.shape, std.dtype)
        _no_grad_fill(normal_, t, generator=generator)
        return _make(t._data * std._data + std._data.dtype.type(mean))
    shape = np.broadcast_shapes(mean.shape, std.shape)
    t = _empty(shape, mean.dtype)
    _no_grad_fill(normal_, t, generator=generator)
    d = t._data.dtype
    return _make(((t._data * std._data).astype(d, copy=False) + mean._data).astype(d, copy=False))


def bernoulli(input: Tensor, p=None, *, generator=None) -> Tensor:
    """0/1 samples: 1 with probability ``input`` (elementwise), or ``p`` if given."""
    t = _empty(input.shape, input.dtype)
    _no_grad_fill(bernoulli_, t, input if p is None else p, generator=generator)
    return t


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,
                generator=None) -> Tensor:
    """Indices sampled from the rows of ``input`` (non-negative weights), as PyTorch's CPU.

    Without replacement (or for one sample) this is PyTorch's exponential trick, the top
    ``num_samples`` of ``input / Exp(1)``; with replacement, a binary search of each uniform
    in the row's normalized cumulative sum.
    """
    data = input._data
    if data.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if data.dtype.kind != "f":
        raise RuntimeError(
            f"multinomial only supports floating-point dtypes for input, got: "
            f"{_type_name(data.dtype)}")
    n_sample = int(num_samples)
    if n_sample <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    n_cat = data.shape[-1]
    if not replacement and n_sample > n_cat:
        raise RuntimeError(
            "cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    rows = data.reshape(-1, n_cat)
    g = _gen(generator)
    if not replacement or n_sample == 1:
        if not (np.all(rows >= 0) and np.all(np.isfinite(rows))):
            raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
        if np.any(rows.sum(-1) == 0):
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        q = _exponential_kernel(g, rows.size, data.dtype, 1.0).reshape(rows.shape)
        with np.errstate(divide="ignore", invalid="ignore"):
            q = rows / q
        if n_sample == 1:
            res = np.argmax(q, axis=-1)[:, None]
        else:
            res = np.argsort(-q, axis=-1, kind="stable")[:, :n_sample]
    else:
        acc = np.float32 if data.dtype == np.float16 else data.dtype
        res = np.empty((rows.shape[0], n_sample), np.int64)
        for i, row in enumerate(rows):
            if np.any(row < 0) or not np.all(np.isfinite(row)):
                raise RuntimeError("invalid multinomial distribution (encountering probability "
                                   "entry < 0 or infinity or NaN)")
            cum = np.cumsum(row.astype(acc))
            total = cum[-1]
            if not total > 0:
                raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
            cum = cum / total
            cum[-1] = 1
            u = g._uniform64(n_sample)
            res[i] = np.searchsorted(cum.astype(np.float64), u, side="left")
    res = res.astype(np.int64)
    return _make(res.reshape(n_sample) if data.ndim == 1 else res)


# =========================================================================== default generator

default_generator = Generator()
default_generator.seed()


def manual_seed(seed) -> Generator:
    """Seed the default generator (``torch.manual_seed``); returns it."""
    return default_generator.manual_seed(int(seed))


def seed() -> int:
    """Seed the default generator nondeterministically and return the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    """The default generator's current seed."""
    return default_generator.initial_seed()


def get_rng_state() -> Tensor:
    """The default generator's state (a uint8 tensor in PyTorch's layout)."""
    return default_generator.get_state()


def set_rng_state(new_state) -> None:
    """Restore the default generator's state from :func:`get_rng_state`."""
    default_generator.set_state(new_state)


def _bernoulli_method(self: Tensor, p=None, *, generator=None) -> Tensor:
    """Out-of-place ``bernoulli``: 1 with probability ``self`` (or ``p``), else 0."""
    return bernoulli(self, p, generator=generator)


def _multinomial_method(self: Tensor, num_samples: int, replacement: bool = False, *,
                        generator=None) -> Tensor:
    """``multinomial(self, num_samples, replacement)``."""
    return multinomial(self, num_samples, replacement, generator=generator)


for _name, _fn in (("uniform_", uniform_), ("normal_", normal_), ("random_", random_),
                   ("bernoulli_", bernoulli_), ("exponential_", exponential_),
                   ("log_normal_", log_normal_), ("cauchy_", cauchy_),
                   ("geometric_", geometric_), ("bernoulli", _bernoulli_method),
                   ("multinomial", _multinomial_method)):
    setattr(Tensor, _name, _fn)
del _name, _fn
