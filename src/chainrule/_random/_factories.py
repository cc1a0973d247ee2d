"""The public sampling factories: ``rand``, ``randn``, ``randint``, ``randperm``, their
``*_like`` forms, ``normal``, ``bernoulli`` and ``multinomial``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import _dtype
from .._dtype import dtype as DType
from .._tensor import Tensor, _make
from .._tensor import device as _device
from ._fill import Kernel, num, sample, type_name
from ._generator import Generator, resolve
from ._inplace import (
    bernoulli_kernel_for,
    normal_kernel_for,
    random_kernel_for,
    uniform_kernel_for,
)
from ._integer import permutation
from ._uniform import exponential_kernel, uniform64

__all__ = ["rand", "randn", "randint", "randperm", "rand_like", "randn_like", "randint_like",
           "normal", "bernoulli", "multinomial"]

DeviceLike = str | _device
Size = int | Sequence[int]


def _size(size: tuple, name: str) -> tuple[int, ...]:
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


def _finish(t: Tensor, requires_grad: bool) -> Tensor:
    if requires_grad:
        t.requires_grad_(True)
    return t


def _float_dtype(dtype: DType | None, what: str) -> DType:
    dt = _dtype.get_default_dtype() if dtype is None else _dtype.to_dtype(dtype)
    if not (dt.is_floating_point or dt.is_complex):
        raise NotImplementedError(f'"{what}" not implemented for \'{type_name(dt.np)}\'')
    return dt


def _check_device(device: DeviceLike | None) -> None:
    if device is not None:
        _device(device)


def _new(shape: tuple, npd: np.dtype, kernel: Kernel, real: bool = False) -> Tensor:
    """A new tensor of ``kernel``'s samples (a fresh contiguous tensor filled in place)."""
    return _make(sample(shape, npd, kernel, real))


def rand(*size: Size, generator: Generator | None = None, dtype: DType | None = None,
         device: DeviceLike | None = None, requires_grad: bool = False, layout: Any = None,
         pin_memory: bool = False) -> Tensor:
    """Samples from U[0, 1) of the given shape (float32 by default)."""
    _check_device(device)
    dt = _float_dtype(dtype, "check_uniform_bounds")
    shape = _size(size, "rand")
    kernel = uniform_kernel_for(dt.np, 0.0, 1.0, generator)
    return _finish(_new(shape, dt.np, kernel, real=True), requires_grad)


def randn(*size: Size, generator: Generator | None = None, dtype: DType | None = None,
          device: DeviceLike | None = None, requires_grad: bool = False, layout: Any = None,
          pin_memory: bool = False) -> Tensor:
    """Samples from N(0, 1) of the given shape (float32 by default)."""
    _check_device(device)
    dt = _float_dtype(dtype, "normal_kernel_cpu")
    shape = _size(size, "randn")
    kernel = normal_kernel_for(dt.np, 0.0, 1.0, generator)
    return _finish(_new(shape, dt.np, kernel, real=True), requires_grad)


def _randint_args(args: tuple, kwargs: dict) -> tuple[Any, Any, Any]:
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


def randint(*args: int | Sequence[int], generator: Generator | None = None,
            dtype: DType | None = None, device: DeviceLike | None = None,
            requires_grad: bool = False, layout: Any = None, pin_memory: bool = False,
            **kwargs: Any) -> Tensor:
    """``randint(low=0, high, size)``: integers uniform in [low, high) (int64 by default)."""
    low, high, size = _randint_args(args, kwargs)
    if kwargs:
        raise TypeError(f"randint() got an unexpected keyword argument '{next(iter(kwargs))}'")
    _check_device(device)
    dt = _dtype.int64 if dtype is None else _dtype.to_dtype(dtype)
    shape = _size(tuple(size), "randint")
    kernel = random_kernel_for(dt.np, (int(low), int(high)), {}, generator)
    return _finish(_new(shape, dt.np, kernel), requires_grad)


def randperm(n: int, *, generator: Generator | None = None, dtype: DType | None = None,
             device: DeviceLike | None = None, requires_grad: bool = False, layout: Any = None,
             pin_memory: bool = False) -> Tensor:
    """A random permutation of ``0 .. n-1`` (int64 by default), as PyTorch's CPU kernel."""
    _check_device(device)
    n = int(n)
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    dt = _dtype.int64 if dtype is None else _dtype.to_dtype(dtype)
    perm = permutation(resolve(generator), n)
    return _finish(_make(perm.astype(dt.np, copy=False)), requires_grad)


def _like(input: Tensor, dtype: DType | None) -> DType:
    return input.dtype if dtype is None else _dtype.to_dtype(dtype)


def rand_like(input: Tensor, *, generator: Generator | None = None, dtype: DType | None = None,
              device: DeviceLike | None = None, requires_grad: bool = False, layout: Any = None,
              memory_format: Any = None) -> Tensor:
    """U[0, 1) samples with the shape (and by default dtype) of ``input``."""
    return rand(input.shape, generator=generator, dtype=_like(input, dtype), device=device,
                requires_grad=requires_grad)


def randn_like(input: Tensor, *, generator: Generator | None = None, dtype: DType | None = None,
               device: DeviceLike | None = None, requires_grad: bool = False, layout: Any = None,
               memory_format: Any = None) -> Tensor:
    """N(0, 1) samples with the shape (and by default dtype) of ``input``."""
    return randn(input.shape, generator=generator, dtype=_like(input, dtype), device=device,
                 requires_grad=requires_grad)


def randint_like(input: Tensor, low: int = 0, high: int | None = None, *,
                 generator: Generator | None = None, dtype: DType | None = None,
                 device: DeviceLike | None = None, requires_grad: bool = False, layout: Any = None,
                 memory_format: Any = None) -> Tensor:
    """``randint_like(input, low=0, high)``: integers in [low, high) shaped like ``input``."""
    if high is None:
        low, high = 0, low
    return randint(low, high, tuple(input.shape), generator=generator,
                   dtype=_like(input, dtype), device=device, requires_grad=requires_grad)


def normal(mean: float | Tensor, std: float | Tensor = 1.0, size: Sequence[int] | None = None,
           *, generator: Generator | None = None, dtype: DType | None = None,
           device: DeviceLike | None = None, requires_grad: bool = False, layout: Any = None,
           pin_memory: bool = False, out: Tensor | None = None) -> Tensor:
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
        shape = _size(tuple(size), "normal")
        kernel = normal_kernel_for(dt.np, mean, std, generator)
        return _finish(_new(shape, dt.np, kernel, real=True), requires_grad)
    if st and std._data.size and np.min(std._data) < 0:
        raise RuntimeError("normal expects all elements of std >= 0.0")
    if mt and not st:
        std = float(std)
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {num(std)}")
        d = mean._data.dtype
        z = sample(mean._data.shape, d, normal_kernel_for(d, 0.0, std, generator), real=True)
        return _make(z + mean._data)
    if st and not mt:
        d = std._data.dtype
        z = sample(std._data.shape, d, normal_kernel_for(d, 0.0, 1.0, generator), real=True)
        return _make(z * std._data + d.type(mean))
    shape = np.broadcast_shapes(mean.shape, std.shape)
    d = mean._data.dtype
    z = sample(shape, d, normal_kernel_for(d, 0.0, 1.0, generator), real=True)
    return _make(((z * std._data).astype(d, copy=False) + mean._data).astype(d, copy=False))


def bernoulli(input: Tensor, p: float | Tensor | None = None, *,
              generator: Generator | None = None) -> Tensor:
    """0/1 samples: 1 with probability ``input`` (elementwise), or ``p`` if given."""
    d = input._data.dtype
    shape = input._data.shape
    kernel = bernoulli_kernel_for(shape, None, input if p is None else p, generator)
    return _make(sample(shape, d, kernel))


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,
                generator: Generator | None = None) -> Tensor:
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
            f"{type_name(data.dtype)}")
    n_sample = int(num_samples)
    if n_sample <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    n_cat = data.shape[-1]
    if not replacement and n_sample > n_cat:
        raise RuntimeError(
            "cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    rows = data.reshape(-1, n_cat)
    g = resolve(generator)
    if not replacement or n_sample == 1:
        if not (np.all(rows >= 0) and np.all(np.isfinite(rows))):
            raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
        if np.any(rows.sum(-1) == 0):
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        q = exponential_kernel(g, rows.size, data.dtype, 1.0).reshape(rows.shape)
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
            u = uniform64(g, n_sample)
            res[i] = np.searchsorted(cum.astype(np.float64), u, side="left")
    res = res.astype(np.int64)
    return _make(res.reshape(n_sample) if data.ndim == 1 else res)


def bernoulli_method(self: Tensor, p: float | Tensor | None = None, *,
                     generator: Generator | None = None) -> Tensor:
    """Out-of-place ``bernoulli``: 1 with probability ``self`` (or ``p``), else 0."""
    return bernoulli(self, p, generator=generator)


def multinomial_method(self: Tensor, num_samples: int, replacement: bool = False, *,
                       generator: Generator | None = None) -> Tensor:
    """``multinomial(self, num_samples, replacement)``."""
    return multinomial(self, num_samples, replacement, generator=generator)


