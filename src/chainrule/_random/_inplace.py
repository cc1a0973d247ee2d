"""The in-place samplers installed as Tensor methods: ``uniform_``, ``normal_``,
``random_``, ``bernoulli_``, ``exponential_``, ``log_normal_``, ``cauchy_``, ``geometric_``.

The ``*_kernel_for`` functions check the arguments as PyTorch does and return the kernel that
draws the samples; the factories use them too, to build new tensors directly.
"""

from __future__ import annotations

import math

import numpy as np

from .._tensor import Tensor
from ._fill import Kernel, fill, iter_order, iter_view, num, require_float, type_name
from ._generator import Generator, resolve
from ._integer import bounds, full_range_kernel, int_kernel, random_default_kernel
from ._normal import log_normal_kernel, normal_kernel
from ._uniform import (
    bernoulli_scalar_kernel,
    bernoulli_tensor_kernel,
    cauchy_kernel,
    exponential_kernel,
    geometric_kernel,
    uniform_kernel,
)

__all__ = ["uniform_", "normal_", "random_", "bernoulli_", "exponential_", "log_normal_",
           "cauchy_", "geometric_", "uniform_kernel_for", "normal_kernel_for",
           "random_kernel_for", "bernoulli_kernel_for"]


def uniform_kernel_for(npd: np.dtype, a: float, b: float, generator: Generator | None,
                       kwargs: dict | None = None) -> Kernel:
    """The kernel of ``uniform_(a, b)`` (``kwargs``: PyTorch's ``from``/``to`` names)."""
    require_float(npd, "check_uniform_bounds")
    for k in kwargs or ():
        if k not in ("from", "to"):
            raise TypeError(f"uniform_() got an unexpected keyword argument '{k}'")
    if kwargs:
        a, b = kwargs.get("from", a), kwargs.get("to", b)
    a, b = float(a), float(b)
    if a > b:
        raise RuntimeError(
            f"uniform_ expects to return a [from, to) range, but found from={num(a)} > "
            f"to={num(b)}")
    g = resolve(generator)
    return lambda n, d, c: uniform_kernel(g, n, d, a, b)


def uniform_(self: Tensor, a: float = 0.0, b: float = 1.0, *,
             generator: Generator | None = None, **kwargs) -> Tensor:
    """Fill with samples from U[a, b), in place (PyTorch's keyword names ``from``/``to``
    are accepted too)."""
    return fill(self, uniform_kernel_for(self._data.dtype, a, b, generator, kwargs), real=True)


def normal_kernel_for(npd: np.dtype, mean: float, std: float,
                      generator: Generator | None) -> Kernel:
    """The kernel of ``normal_(mean, std)`` on a tensor of dtype ``npd``."""
    require_float(npd, "normal_kernel_cpu")
    mean, std = float(mean), float(std)
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {num(std)}")
    if npd.kind == "c":
        std = std / math.sqrt(2)
    g = resolve(generator)
    return lambda n, d, c: normal_kernel(g, n, d, mean, std, c)


def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *,
            generator: Generator | None = None) -> Tensor:
    """Fill with samples from N(mean, std**2), in place."""
    return fill(self, normal_kernel_for(self._data.dtype, mean, std, generator), real=True)


def random_kernel_for(npd: np.dtype, args: tuple, kwargs: dict,
                      generator: Generator | None) -> Kernel:
    """The kernel of ``random_(*args, **kwargs)`` on a tensor of dtype ``npd``."""
    names = ("from", "to")
    if len(args) > 2:
        raise TypeError(f"random_() takes at most 2 positional arguments ({len(args)} given)")
    vals = dict(zip(names, args, strict=False))
    for k, v in kwargs.items():
        if k not in names or k in vals:
            raise TypeError(f"random_() got an unexpected keyword argument '{k}'")
        vals[k] = v
    g = resolve(generator)
    if not vals:
        return lambda n, d, c: random_default_kernel(g, n, d)
    if len(args) == 1 and not kwargs:  # random_(to)
        lo, hi = 0, int(args[0])
    else:
        lo = int(vals.get("from", 0))
        hi = vals.get("to")
        hi = None if hi is None else int(hi)
    if hi is None and lo == -(1 << 63):
        return lambda n, d, c: full_range_kernel(g, n, d)
    rng, lo = bounds(lo, hi, npd)
    return lambda n, d, c: int_kernel(g, n, d, rng, lo)


def random_(self: Tensor, *args, generator: Generator | None = None, **kwargs) -> Tensor:
    """``random_(from=0, to=None)``: integers drawn uniformly from [from, to), in place.

    With no bounds: [0, max of the dtype] (``[0, 2**mantissa]`` for floating dtypes).
    """
    return fill(self, random_kernel_for(self._data.dtype, args, kwargs, generator))


def bernoulli_kernel_for(shape: tuple, order: list[int] | None, p: float | Tensor,
                         generator: Generator | None) -> Kernel:
    """The kernel of ``bernoulli_(p)`` into an array of ``shape`` visited in ``order`` (see
    :func:`iter_order`)."""
    g = resolve(generator)
    if isinstance(p, Tensor):
        pd = p._data
        if np.any((pd < 0) | (pd > 1)):
            raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
        pd = np.broadcast_to(pd, shape)
        return lambda n, d, c: bernoulli_tensor_kernel(g, d, iter_view(pd, order).reshape(-1))
    p = float(p)
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={num(p)}")
    return lambda n, d, c: bernoulli_scalar_kernel(g, n, d, p)


def bernoulli_(self: Tensor, p: float | Tensor = 0.5, *,
               generator: Generator | None = None) -> Tensor:
    """Fill with 1 (probability ``p``, a float or a tensor broadcastable to self) or 0."""
    a = self._data
    return fill(self, bernoulli_kernel_for(a.shape, iter_order(a), p, generator))


def exponential_(self: Tensor, lambd: float = 1.0, *,
                 generator: Generator | None = None) -> Tensor:
    """Fill with samples from the exponential distribution of rate ``lambd``, in place."""
    if self._data.dtype.kind != "f":
        raise RuntimeError(
            "Exponential distribution is a continuous probability distribution. dtype must be "
            f"a floating point but you specified {type_name(self._data.dtype)}")
    lambd = float(lambd)
    if not lambd > 0:
        raise RuntimeError(
            f"exponential_ expects lambda > 0.0, but found lambda={num(lambd)}")
    g = resolve(generator)
    return fill(self, lambda n, d, c: exponential_kernel(g, n, d, lambd))


def log_normal_(self: Tensor, mean: float = 1.0, std: float = 2.0, *,
                generator: Generator | None = None) -> Tensor:
    """Fill with ``exp(N(mean, std**2))`` samples, in place (shares the normal cache)."""
    require_float(self._data.dtype, "log_normal_cpu")
    mean, std = float(mean), float(std)
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={num(std)}")
    g = resolve(generator)
    return fill(self, lambda n, d, c: log_normal_kernel(g, n, d, mean, std))


def cauchy_(self: Tensor, median: float = 0.0, sigma: float = 1.0, *,
            generator: Generator | None = None) -> Tensor:
    """Fill with samples from the Cauchy distribution, in place."""
    if self._data.dtype.kind != "f":
        raise RuntimeError(
            "Cauchy distribution is a continuous probability distribution. dtype must be a "
            f"floating point but you specified {type_name(self._data.dtype)}")
    median, sigma = float(median), float(sigma)
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={num(sigma)}")
    g = resolve(generator)
    return fill(self, lambda n, d, c: cauchy_kernel(g, n, d, median, sigma))


def geometric_(self: Tensor, p: float, *, generator: Generator | None = None) -> Tensor:
    """Fill with the number of Bernoulli(p) trials up to the first success, in place."""
    p = float(p)
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={num(p)}")
    g = resolve(generator)
    return fill(self, lambda n, d, c: geometric_kernel(g, n, d, p))
