"""The Generator class, the global default generator and the seed functions."""

from __future__ import annotations

import os

import numpy as np

from .._tensor import Tensor, _make
from .._tensor import device as _device
from ._engine import DEFAULT_SEED, MASK64, MT19937, STATE_BYTES, pack_state, unpack_state

__all__ = ["Generator", "default_generator", "manual_seed", "seed", "initial_seed",
           "get_rng_state", "set_rng_state", "resolve"]


def _nondeterministic_seed() -> int:
    return int.from_bytes(os.urandom(8), "little")


class Generator:
    """A CPU random number generator with PyTorch's algorithm, seeding and state layout.

    >>> import chainrule as torch
    >>> g = torch.Generator().manual_seed(0)
    >>> torch.rand(2, generator=g)
    tensor([0.4963, 0.7682])
    """

    def __init__(self, device: str | _device = "cpu") -> None:
        self.device = _device(device)
        self._engine = MT19937(DEFAULT_SEED)
        self._reseed(DEFAULT_SEED)

    # ------------------------------------------------------------------ seeding and state
    def _reseed(self, seed: int) -> None:
        self._seed = seed
        self._engine.seed(seed)
        self._normal_double: float | None = None  # second value of a Box-Muller pair
        self._normal_float: float | None = None  # kept only for get/set_state

    def manual_seed(self, seed: int) -> Generator:
        """Seed the generator (any integer in [-2**63, 2**64)); returns the generator."""
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise RuntimeError(f"manual_seed expected a long, but got {type(seed).__name__}")
        seed = int(seed)
        if not -(1 << 63) <= seed < (1 << 64):
            raise ValueError("Overflow when unpacking long long")
        self._reseed(seed & MASK64)
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
        return _make(pack_state(self._seed, self._engine, self._normal_double,
                                self._normal_float))

    def set_state(self, new_state: Tensor) -> Generator:
        """Restore a state from :meth:`get_state` (or from ``torch.get_rng_state()``)."""
        data = new_state._data if isinstance(new_state, Tensor) else np.asarray(new_state)
        if data.dtype != np.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        if data.size != STATE_BYTES:
            raise RuntimeError(
                f"Expected a CPUGeneratorImplState of size {STATE_BYTES} but found the input "
                f"RNG state size to be {data.size}")
        seed, key, left, nxt, nd, nf = unpack_state(np.ascontiguousarray(data).reshape(-1))
        self._seed = seed
        self._engine.load(key, left, nxt)
        self._normal_double, self._normal_float = nd, nf
        return self

    def __repr__(self) -> str:
        return f"<chainrule.Generator object (device='{self.device}', seed={self._seed})>"

    # ------------------------------------------------------------------ raw draws
    def _words(self, n: int) -> np.ndarray:
        """The next ``n`` 32-bit outputs of the engine, as uint32."""
        return self._engine.raw(n).astype(np.uint32)

    def _random64(self, n: int) -> np.ndarray:
        """``n`` 64-bit draws (two words each, the first one high), as uint64."""
        w = self._engine.raw(2 * n)
        hi = w[0::2] << np.uint64(32)
        hi |= w[1::2]
        return hi


def resolve(generator: Generator | None) -> Generator:
    """``generator``, or the default generator for None."""
    if generator is None:
        return default_generator
    if not isinstance(generator, Generator):
        raise TypeError(
            f"expected a chainrule.Generator for 'generator', got {type(generator).__name__}")
    return generator


default_generator = Generator()
default_generator.seed()


def manual_seed(seed: int) -> Generator:
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


def set_rng_state(new_state: Tensor) -> None:
    """Restore the default generator's state from :func:`get_rng_state`."""
    default_generator.set_state(new_state)
