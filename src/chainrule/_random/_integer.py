"""Integer sampling: ``random_``/``randint`` draws and bounds, and ``randperm``'s shuffle."""

from __future__ import annotations

import numpy as np

from .. import _dtype
from ._engine import MASK64
from ._generator import Generator

__all__ = ["int_kernel", "random_default_kernel", "full_range_kernel", "bounds",
           "permutation"]


def int_kernel(g: Generator, n: int, npd: np.dtype, rng: int, base: int) -> np.ndarray:
    """``random_(from, to)``: ``(draw % range + from)`` with uint64 wraparound; the draw is
    one word, or a 64-bit draw when ``range >= 2**28``."""
    if rng >= 1 << 28:
        v = g._random64(n)
        v %= np.uint64(rng)
        v += np.uint64(base & MASK64)
        return v.view(np.int64).astype(npd, copy=False)
    w = g._engine.raw(n).astype(np.uint32)
    w %= np.uint32(rng)  # (the word and the range fit in 32 bits)
    v = w.astype(np.uint64)
    v += np.uint64(base & MASK64)
    return v.view(np.int64).astype(npd, copy=False)


def full_range_kernel(g: Generator, n: int, npd: np.dtype) -> np.ndarray:
    """``random_(-2**63, None)``: a whole 64-bit draw each."""
    return g._random64(n).view(np.int64).astype(npd)


def random_default_kernel(g: Generator, n: int, npd: np.dtype) -> np.ndarray:
    """``random_()`` with no bounds: ``[0, max]`` for integers, ``[0, 2**mantissa]`` for floats."""
    if npd == np.bool_:
        return (g._words(n) & np.uint32(1)).astype(np.bool_)
    if npd == np.int64 or npd == np.float64:
        v = g._random64(n)
        mod = (1 << 63) if npd == np.int64 else (1 << 53) + 1
    else:
        v = g._engine.raw(n)
        if npd.kind == "f":
            mod = (1 << np.finfo(npd).nmant + 1) + 1
        else:
            mod = int(np.iinfo(npd).max) + 1
    return (v % np.uint64(mod)).astype(npd)


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


def bounds(lo: int, hi: int | None, npd: np.dtype) -> tuple[int, int]:
    """``(range, from)`` for ``random_(lo, hi)`` on dtype ``npd``, checked as PyTorch does
    (``hi`` None: up to the dtype's maximum; floats clamp to exactly representable bounds)."""
    if hi is None:
        if npd.kind == "f":
            hi_inc = 1 << (np.finfo(npd).nmant + 1)
            lo = _update_from(lo, npd)
        elif npd == np.bool_:
            hi_inc = 1
        else:
            hi_inc = int(np.iinfo(npd).max)
        _check_bounds(lo, hi_inc, npd)
        return hi_inc - lo + 1, lo
    if lo >= hi:
        raise RuntimeError(
            f"random_ expects 'from' to be less than 'to', but got from={lo} >= to={hi}")
    if npd.kind == "f":
        lo, hi = _update_from(lo, npd), _update_to(hi, npd)
    _check_bounds(lo, hi - 1, npd)
    return hi - lo, lo


def _swap_sequence(t: np.ndarray) -> np.ndarray:
    """``perm = arange(n)``, then ``swap(perm[i], perm[t[i]])`` for ``i = 0 .. n-1`` in turn
    (``t[i] >= i``, int64), without a Python loop.

    Step ``i`` leaves position ``i`` final, holding what position ``t[i]`` held just before.
    Positions only change as swap targets before their own step, so what position ``p`` holds
    at any time is what the last earlier step targeting ``p`` took from its own position then,
    or ``p`` itself. Sorting the steps by (target, step) lines those up: each step takes its
    value from the step before it in its target's group (or its target's own value), and the
    value position ``i`` holds at its step is found by following "the last step before ``i``
    that targeted ``i``" links down to a position never targeted before its step: pointer
    jumping over links that always point back in time.
    """
    n = t.size
    s = np.arange(n, dtype=np.int64)
    key = t << 32
    key |= s
    key.sort()  # the steps grouped by target, in order within each group
    ss = key & 0xFFFFFFFF
    tt = key >> 32
    same = tt[1:] == tt[:-1]
    # pred[i]: the step before step i with the same target, or -1
    pred = np.empty(n, np.int64)
    pred[ss[0]] = -1
    p = ss[:-1] + 1
    p *= same
    p -= 1
    pred[ss[1:]] = p
    # prev[i]: the last step before step i that targeted position i; i itself when none
    tt[:-1] -= n
    tt[:-1] *= ~same
    tt[:-1] += n  # the last step of each group goes to its target, the others to slot n
    prev = np.full(n + 1, -1, np.int64)
    prev[tt] = ss
    prev = prev[:n]
    d = pred - prev
    d *= prev == s  # a step that targets its own position: the step before it there
    prev += d
    d = s + 1
    d *= prev < 0
    prev += d
    # the value at position i at step i: the root of its prev links
    prev = prev[prev]
    prev = prev[prev]
    todo = np.flatnonzero(prev[prev] != prev)
    while todo.size:
        up = prev[prev[todo]]
        prev[todo] = up
        todo = todo[prev[up] != up]
    # step i takes its target's value: from the step before it there, or the target's own
    out = prev[pred]
    out -= t
    out *= pred >= 0
    out += t
    return out


def permutation(g: Generator, n: int) -> np.ndarray:
    """PyTorch's CPU ``randperm`` as int64: ``swap(perm[i], perm[i + word % (n - i)])`` for
    ``i < n - 1`` (and an inside-out shuffle of 64-bit draws for huge ``n``)."""
    if n < (2 ** 32 - 1) // 20:
        t = np.arange(n, dtype=np.int64)
        if n > 1:
            z = g._engine.raw(n - 1).astype(np.uint32)
            z %= np.arange(n, 1, -1, dtype=np.uint32)
            t[:-1] += z
            t = _swap_sequence(t)
        return t
    z = g._random64(n)  # far too slow in Python to matter
    perm = [0] * n
    for i in range(n):
        k = int(z[i] % np.uint64(i + 1))
        perm[i] = perm[k]
        perm[k] = i
    return np.array(perm, dtype=np.int64)
