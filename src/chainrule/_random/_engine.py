"""The mt19937 engine and PyTorch's CPU generator state layout.

PyTorch's CPU generator is a 32-bit Mersenne Twister (``at::mt19937``) seeded with the low
32 bits of the seed by the standard ``init_genrand`` recurrence. NumPy ships a C
implementation of the same algorithm (``numpy.random.MT19937``: same twist, same tempering,
and ``random_raw`` returns the tempered 32-bit words one by one), so the words are drawn
there, at C speed, and only PyTorch's bookkeeping is kept here: ``left`` (words left in the
current 624-word row, plus one) and ``next`` (index of the next word), which PyTorch stores in
its state and which NumPy's single ``pos`` cannot always tell apart (a freshly seeded engine
has ``left == 1, next == 0``, an exhausted row ``left == 1, next == 624``).
"""

from __future__ import annotations

import numpy as np

__all__ = ["MT19937", "DEFAULT_SEED", "STATE_BYTES", "seed_words", "pack_state",
           "unpack_state"]

N = 624  # words per row of the state
DEFAULT_SEED = 67280421310721  # c10::default_rng_seed_val: a fresh Generator()'s seed
STATE_BYTES = 5056  # sizeof(at::detail::CPUGeneratorImplState)
MASK64 = (1 << 64) - 1


def seed_words(seed: int) -> np.ndarray:
    """The initial 624-word state for ``seed`` (only its low 32 bits matter)."""
    s = [0] * N
    x = seed & 0xFFFFFFFF
    s[0] = x
    for j in range(1, N):
        x = (1812433253 * (x ^ (x >> 30)) + j) & 0xFFFFFFFF
        s[j] = x
    return np.array(s, dtype=np.uint32)


class MT19937:
    """mt19937 words in PyTorch's order, with PyTorch's ``left``/``next`` bookkeeping."""

    __slots__ = ("_bg", "left", "next")

    def __init__(self, seed: int = DEFAULT_SEED) -> None:
        self._bg = np.random.MT19937(0)  # its state is replaced right away
        self.seed(seed)

    def seed(self, seed: int) -> None:
        """Seed with the low 32 bits of ``seed``; the first draw twists."""
        legacy = getattr(self._bg, "_legacy_seeding", None)  # NumPy's init_genrand, in C
        if legacy is None:
            self.load(seed_words(seed), left=1, next=0)
        else:
            legacy(seed & 0xFFFFFFFF)
            self.left, self.next = 1, 0

    def load(self, key: np.ndarray, left: int, next: int) -> None:
        """Set the raw (untempered) 624-word row and PyTorch's ``left`` and ``next``."""
        self._bg.state = {"bit_generator": "MT19937",
                          "state": {"key": np.asarray(key, np.uint32), "pos": N + 1 - left}}
        self.left, self.next = left, next

    def key(self) -> np.ndarray:
        """The raw 624-word row the next words are tempered from (PyTorch's ``state_``)."""
        return np.asarray(self._bg.state["state"]["key"], np.uint32)

    def raw(self, n: int) -> np.ndarray:
        """The next ``n`` 32-bit words, tempered, as uint64 (high halves zero)."""
        out = self._bg.random_raw(n)
        if n > 0:  # words used in the current row: 624 also when a twist is due
            used = (N + 1 - self.left + n - 1) % N + 1
            self.left, self.next = N + 1 - used, used
        return out


def pack_state(seed: int, engine: MT19937, normal_double: float | None,
               normal_float: float | None) -> np.ndarray:
    """PyTorch's ``CPUGeneratorImplState`` as 5056 bytes (native little-endian layout)."""
    buf = np.zeros(STATE_BYTES, np.uint8)
    buf[0:8].view("<u8")[0] = seed
    buf[8:16].view("<i4")[:] = (engine.left, 1)  # left_, seeded_
    buf[16:24].view("<u8")[0] = engine.next
    buf[24:5016].view("<u8")[:] = engine.key()
    if normal_double is not None:
        buf[5024:5032].view("<f8")[0] = normal_double
        buf[5040:5044].view("<i4")[0] = 1
    if normal_float is not None:
        buf[5048:5052].view("<f4")[0] = normal_float
        buf[5052] = 1
    return buf


def unpack_state(buf: np.ndarray):
    """``(seed, key, left, next, normal_double, normal_float)`` from 5056 state bytes."""
    seed = int(buf[0:8].view("<u8")[0])
    left, seeded = (int(v) for v in buf[8:16].view("<i4"))
    nxt = int(buf[16:24].view("<u8")[0]) & 0xFFFFFFFF
    if not (seeded and 0 < left <= N and nxt <= N):
        raise RuntimeError("Invalid mt19937 state")
    key = buf[24:5016].view("<u8").astype(np.uint32)
    normal_double = (float(buf[5024:5032].view("<f8")[0])
                     if buf[5040:5044].view("<i4")[0] else None)
    normal_float = float(buf[5048:5052].view("<f4")[0]) if buf[5052] else None
    return seed, key, left, nxt, normal_double, normal_float
