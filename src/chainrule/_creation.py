"""Tensor factories: ``tensor``, ``zeros``, ``ones``, ``arange``, ... and their ``*_like``."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import _dtype
from ._dtype import dtype as DType
from ._tensor import Tensor, _make, device

__all__ = ["tensor", "as_tensor", "asarray", "from_numpy", "from_dlpack", "zeros", "ones",
           "full", "empty", "zeros_like", "ones_like", "full_like", "empty_like", "arange",
           "linspace", "logspace", "eye", "scalar_tensor"]


def _check_device(dev) -> None:
    if dev is not None:
        device(dev)


def _finish(data: np.ndarray, requires_grad: bool) -> Tensor:
    t = _make(data)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _infer_dtype(data: Any) -> DType:
    """PyTorch's inference: promote the element types (Python bool, int64, the default float,
    complex; NumPy scalars, arrays and tensors keep their own dtype)."""
    default = _dtype.get_default_dtype()
    result = None
    stack = [data]
    while stack:
        x = stack.pop()
        if isinstance(x, (list, tuple)):
            stack.extend(x)
            continue
        if isinstance(x, Tensor):
            d = x.dtype
        elif isinstance(x, (np.ndarray, np.generic)):
            d = _dtype.from_numpy_dtype(x.dtype)
        elif isinstance(x, bool):
            d = _dtype.bool
        elif isinstance(x, int):
            d = _dtype.int64
        elif isinstance(x, float):
            d = default
        elif isinstance(x, complex):
            d = default.to_complex()
        else:
            raise TypeError(f"Could not infer dtype of {type(x).__name__}")
        result = d if result is None else _dtype.promote_types(result, d)
    return default if result is None else result


def _to_array(data: Any, dt: DType | None) -> np.ndarray:
    if isinstance(data, Tensor):
        arr = data._data
    elif isinstance(data, np.ndarray):
        arr = data
    else:
        if dt is None:
            dt = _infer_dtype(data)
        if isinstance(data, (list, tuple)):
            data = _unwrap_nested(data)
        try:
            return np.array(data, dtype=dt.np)
        except ValueError as e:
            raise ValueError(f"expected sequence of equal-length lists: {e}") from None
    if dt is None:
        dt = _dtype.from_numpy_dtype(arr.dtype)
    return np.array(arr, dtype=dt.np, copy=True)


def _unwrap_nested(data):
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, (list, tuple)):
        return [_unwrap_nested(x) for x in data]
    return data


def tensor(data: Any, *, dtype: DType | None = None, device=None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (numbers, nested lists, arrays or tensors).

    >>> import chainrule as torch
    >>> torch.tensor([1, 2]).dtype, torch.tensor([1.5]).dtype
    (chainrule.int64, chainrule.float32)
    """
    _check_device(device)
    dt = None if dtype is None else _dtype.to_dtype(dtype)
    return _finish(_to_array(data, dt), requires_grad)


def scalar_tensor(value, *, dtype: DType | None = None, device=None,
                  requires_grad: bool = False) -> Tensor:
    """A 0-dim tensor of ``value`` (default float dtype)."""
    dt = _dtype.get_default_dtype() if dtype is None else _dtype.to_dtype(dtype)
    return _finish(np.array(value, dtype=dt.np), requires_grad)


def as_tensor(data: Any, dtype: DType | None = None, device=None) -> Tensor:
    """Like ``tensor`` but shares memory with an ndarray or tensor of the same dtype."""
    _check_device(device)
    dt = None if dtype is None else _dtype.to_dtype(dtype)
    if isinstance(data, Tensor):
        return data if dt is None or dt is data.dtype else data.to(dt)
    if isinstance(data, np.ndarray):
        _dtype.from_numpy_dtype(data.dtype)
        if dt is None or dt.np == data.dtype:
            return _make(data)
        return _make(data.astype(dt.np))
    return tensor(data, dtype=dt)


def asarray(obj: Any, *, dtype: DType | None = None, device=None, copy: bool | None = None,
            requires_grad: bool = False) -> Tensor:
    """Convert ``obj`` to a tensor, sharing memory when possible unless ``copy``."""
    t = tensor(obj, dtype=dtype) if copy else as_tensor(obj, dtype=dtype)
    if requires_grad:
        t.requires_grad_(True)
    return t


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``ndarray`` (writes show through both ways)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    _dtype.from_numpy_dtype(ndarray.dtype)
    return _make(ndarray)


def from_dlpack(ext_tensor: Any) -> Tensor:
    """A tensor sharing memory with any object exporting DLPack (NumPy arrays, tensors)."""
    if isinstance(ext_tensor, Tensor):
        return _make(ext_tensor._data)
    return _make(np.from_dlpack(ext_tensor))


def _size(size: tuple) -> tuple:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    out = []
    for s in size:
        if isinstance(s, Tensor):
            s = int(s)
        if not isinstance(s, (int, np.integer)):
            raise TypeError(
                f"empty(): argument 'size' must be tuple of ints, but found element of type "
                f"{type(s).__name__}")
        if s < 0:
            raise RuntimeError(
                f"Trying to create tensor with negative dimension {s}: {list(size)}")
        out.append(int(s))
    return tuple(out)


def _float_dt(dtype) -> DType:
    return _dtype.get_default_dtype() if dtype is None else _dtype.to_dtype(dtype)


def zeros(*size, dtype: DType | None = None, device=None, requires_grad: bool = False,
          out=None) -> Tensor:
    """A tensor of zeros of the given shape."""
    _check_device(device)
    return _finish(np.zeros(_size(size), _float_dt(dtype).np), requires_grad)


def ones(*size, dtype: DType | None = None, device=None, requires_grad: bool = False,
         out=None) -> Tensor:
    """A tensor of ones of the given shape."""
    _check_device(device)
    return _finish(np.ones(_size(size), _float_dt(dtype).np), requires_grad)


def empty(*size, dtype: DType | None = None, device=None, requires_grad: bool = False,
          memory_format=None, out=None) -> Tensor:
    """An uninitialised tensor of the given shape."""
    _check_device(device)
    return _finish(np.empty(_size(size), _float_dt(dtype).np), requires_grad)


def _fill_dtype(fill_value) -> DType:
    if isinstance(fill_value, Tensor):
        return fill_value.dtype
    return _dtype._scalar_dtype(fill_value)


def full(size: Sequence[int], fill_value, *, dtype: DType | None = None, device=None,
         requires_grad: bool = False) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value`` (dtype inferred from it)."""
    _check_device(device)
    dt = _fill_dtype(fill_value) if dtype is None else _dtype.to_dtype(dtype)
    value = fill_value._data if isinstance(fill_value, Tensor) else fill_value
    return _finish(np.full(_size((size,)), value, dt.np), requires_grad)


def _like_dt(input: Tensor, dtype) -> DType:
    return input.dtype if dtype is None else _dtype.to_dtype(dtype)


def zeros_like(input: Tensor, *, dtype: DType | None = None, device=None,
               requires_grad: bool = False, memory_format=None) -> Tensor:
    """Zeros with the shape (and by default dtype) of ``input``."""
    return _finish(np.zeros(input._data.shape, _like_dt(input, dtype).np), requires_grad)


def ones_like(input: Tensor, *, dtype: DType | None = None, device=None,
              requires_grad: bool = False, memory_format=None) -> Tensor:
    """Ones with the shape (and by default dtype) of ``input``."""
    return _finish(np.ones(input._data.shape, _like_dt(input, dtype).np), requires_grad)


def empty_like(input: Tensor, *, dtype: DType | None = None, device=None,
               requires_grad: bool = False, memory_format=None) -> Tensor:
    """Uninitialised, with the shape (and by default dtype) of ``input``."""
    return _finish(np.empty(input._data.shape, _like_dt(input, dtype).np), requires_grad)


def full_like(input: Tensor, fill_value, *, dtype: DType | None = None, device=None,
              requires_grad: bool = False, memory_format=None) -> Tensor:
    """``fill_value`` everywhere, with the shape (and by default dtype) of ``input``."""
    return _finish(np.full(input._data.shape, fill_value, _like_dt(input, dtype).np),
                   requires_grad)


def _num(x):
    return x.item() if isinstance(x, Tensor) else x


def arange(start, end=None, step=1, *, dtype: DType | None = None, device=None,
           requires_grad: bool = False) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive) by ``step``; int64 for integer args."""
    _check_device(device)
    start, end, step = _num(start), _num(end), _num(step)
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    if dtype is None:
        is_int = all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                     for v in (start, end, step))
        dt = _dtype.int64 if is_int else _dtype.get_default_dtype()
    else:
        dt = _dtype.to_dtype(dtype)
    n = max(0, math.ceil((end - start) / step))
    if dt.is_floating_point:
        data = (start + np.arange(n, dtype=np.float64) * step).astype(dt.np)
    else:
        data = np.arange(start, end, step)[:n].astype(dt.np)
    return _finish(data, requires_grad)


def linspace(start, end, steps: int, *, dtype: DType | None = None, device=None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    _check_device(device)
    start, end = _num(start), _num(end)
    dt = _float_dt(dtype)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    # PyTorch fills the first half forward from start and the second half back from end, with
    # the step rounded to the dtype and each value rounded once (as a fused multiply-add)
    calc = dt.np if dt.is_floating_point else np.dtype(np.float32)
    wide = np.longdouble
    if steps == 1:
        data = np.array([start], dtype=wide)
    else:
        step = (calc.type(end) - calc.type(start)) / calc.type(steps - 1)
        idx = np.arange(steps, dtype=wide)
        half = steps // 2
        data = np.where(idx < half, wide(calc.type(start)) + wide(step) * idx,
                        wide(calc.type(end)) - wide(step) * (steps - idx - 1))
    if not dt.is_floating_point:
        data = np.trunc(data)
    return _finish(data.astype(dt.np), requires_grad)


def logspace(start, end, steps: int, base: float = 10.0, *, dtype: DType | None = None,
             device=None, requires_grad: bool = False) -> Tensor:
    """``base ** linspace(start, end, steps)``."""
    dt = _float_dt(dtype)
    exps = linspace(start, end, steps, dtype=_dtype.float64)._data
    return _finish(np.power(base, exps).astype(dt.np), requires_grad)


def eye(n: int, m: int | None = None, *, dtype: DType | None = None, device=None,
        requires_grad: bool = False) -> Tensor:
    """The ``n x m`` identity matrix."""
    _check_device(device)
    return _finish(np.eye(n, n if m is None else m, dtype=_float_dt(dtype).np), requires_grad)
