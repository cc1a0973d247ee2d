"""Resampling: ``interpolate`` (and its deprecated ``upsample*`` aliases), ``pixel_shuffle``
and ``pixel_unshuffle``.

``interpolate`` is separable: for each spatial dim the source indices and weights are computed
in NumPy exactly as PyTorch's CPU kernels compute them (``UpSample.h``: same scale, same source
index, same clamping, same float precision), and the dim is resampled with differentiable
``index_select`` and weighted sums. Gradients (and double backward) come from those core ops;
the backward of ``index_select`` scatters-adds like PyTorch's ``upsample_*_backward``.

>>> import chainrule as torch
>>> import chainrule.nn.functional as F
>>> F.interpolate(torch.tensor([[[1.0, 2.0]]]), scale_factor=2)
tensor([[[1., 1., 2., 2.]]])
>>> F.interpolate(torch.tensor([[[1.0, 2.0]]]), size=4, mode="linear", align_corners=True)
tensor([[[1.0000, 1.3333, 1.6667, 2.0000]]])
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from ._utils import Tensor, make, op

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear",
           "pixel_shuffle", "pixel_unshuffle"]

_MODES = "nearest | linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact"
_NDIM = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5}
_NAMES = {3: "linear", 4: "bilinear", 5: "trilinear"}


def _is_integer(x) -> bool:
    if isinstance(x, bool):
        return True
    if isinstance(x, numbers.Integral):
        return True
    return isinstance(x, Tensor) and not x.is_floating_point()


def _opmath(dtype) -> type:
    """The scalar type PyTorch's CPU kernels compute indices in: float32 for float32/16
    inputs, float64 for float64."""
    return np.float64 if np.dtype(dtype) == np.float64 else np.float32


def _scales_value(T, scale, in_size: int, out_size: int):
    """``compute_scales_value<T>``: ``1/scale`` when a positive scale is given, else
    ``in/out``."""
    if scale is not None and scale > 0:
        return T(1.0 / scale)
    return T(in_size) / T(out_size)


def _area_scale(T, in_size: int, out_size: int, align_corners: bool, scale):
    if align_corners:
        return T(in_size - 1) / T(out_size - 1) if out_size > 1 else T(0)
    return _scales_value(T, scale, in_size, out_size)


def _source_index(T, scale, out_size: int, align_corners: bool, cubic: bool) -> np.ndarray:
    dst = np.arange(out_size).astype(T)
    if align_corners:
        return (scale * dst).astype(T)
    src = (scale * (dst + T(0.5)) - T(0.5)).astype(T)
    if not cubic:
        src = np.where(src < 0, T(0), src).astype(T)
    return src


def _guard(real: np.ndarray, in_size: int):
    """``guard_index_and_lambda``: floor index clamped to ``in - 1`` and the clamped
    fraction."""
    idx = np.minimum(np.floor(real).astype(np.int64), in_size - 1)
    lam = np.clip(real - idx.astype(real.dtype), 0, 1).astype(real.dtype)
    return idx, lam


def _nearest_indices(in_size: int, out_size: int, scale, exact: bool,
                     shortcuts: bool) -> np.ndarray:
    """Source index of every output position. PyTorch's 2-d ``nearest`` kernel alone keeps the
    legacy shortcuts (copy when sizes match, ``i >> 1`` when doubling) whatever the scale."""
    if shortcuts and not exact:
        if out_size == in_size:
            return np.arange(out_size, dtype=np.int64)
        if out_size == 2 * in_size:
            return np.arange(out_size, dtype=np.int64) >> 1
    s = _scales_value(np.float32, scale, in_size, out_size)
    dst = np.arange(out_size).astype(np.float32)
    if exact:
        dst = dst + np.float32(0.5)
    src = np.floor((dst * s).astype(np.float32)).astype(np.int64)
    return np.minimum(src, in_size - 1)


def _bshape(ndim: int, axis: int, n: int) -> tuple:
    return tuple(n if i == axis else 1 for i in range(ndim))


def _select(x: Tensor, axis: int, idx: np.ndarray) -> Tensor:
    return op("index_select")(x, axis, make(np.ascontiguousarray(idx, dtype=np.int64)))


def _weight(x: Tensor, w: np.ndarray, axis: int) -> Tensor:
    return make(w.astype(x._data.dtype).reshape(_bshape(x.ndim, axis, w.shape[0])))


def _linear_dim(x: Tensor, axis: int, out_size: int, align_corners: bool, scale) -> Tensor:
    in_size = x.shape[axis]
    if out_size == in_size and not align_corners:
        return x
    T = _opmath(x._data.dtype)
    s = _area_scale(T, in_size, out_size, align_corners, scale)
    idx0, lam1 = _guard(_source_index(T, s, out_size, align_corners, False), in_size)
    idx1 = idx0 + (idx0 < in_size - 1)
    lam0 = (T(1) - lam1).astype(T)
    x0 = _select(x, axis, idx0)
    x1 = _select(x, axis, idx1)
    return x0 * _weight(x, lam0, axis) + x1 * _weight(x, lam1, axis)


def _cubic_coeffs(t: np.ndarray) -> list:
    A = -0.75

    def conv1(v):
        return ((A + 2) * v - (A + 3)) * v * v + 1

    def conv2(v):
        return ((A * v - 5 * A) * v + 8 * A) * v - 4 * A

    return [conv2(t + 1.0), conv1(t), conv1(1.0 - t), conv2(2.0 - t)]


def _cubic_dim(x: Tensor, axis: int, out_size: int, align_corners: bool, scale) -> Tensor:
    in_size = x.shape[axis]
    T = _opmath(x._data.dtype)
    s = _area_scale(T, in_size, out_size, align_corners, scale)
    idx, lam = _guard(_source_index(T, s, out_size, align_corners, True), in_size)
    coeffs = _cubic_coeffs(lam)
    out = None
    for j in range(4):
        ij = np.clip(idx - 1 + j, 0, in_size - 1)
        term = _select(x, axis, ij) * _weight(x, np.asarray(coeffs[j], dtype=T), axis)
        out = term if out is None else out + term
    return out


def interpolate(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resample the spatial dims of ``(N, C, *spatial)`` input to ``size`` or by
    ``scale_factor``, with PyTorch's modes and index arithmetic."""
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError(
                "align_corners option can only be set with the interpolating modes: "
                "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False

    dim = input.ndim - 2
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    elif size is not None:
        scale_factors = None
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(
                    "Input and output must have the same number of spatial dimensions, but "
                    f"got input with spatial dimensions of {list(input.shape[2:])} and output "
                    f"size of {size}. Please provide input tensor in (N, C, d1, d2, ...,dK) "
                    "format and output size in (o1, o2, ...,oK) format.")
            if not all(_is_integer(x) for x in size):
                raise TypeError(
                    "expected size to be one of int or Tuple[int] or Tuple[int, int] or "
                    f"Tuple[int, int, int], but got size with types {[type(x) for x in size]}")
            output_size = [int(s) for s in size]
        else:
            output_size = [int(size) for _ in range(dim)]
    elif scale_factor is not None:
        output_size = None
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError(
                    "Input and scale_factor must have the same number of spatial dimensions, "
                    f"but got input with spatial dimensions of {list(input.shape[2:])} and "
                    f"scale_factor of shape {scale_factor}. Please provide input tensor in "
                    "(N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) "
                    "format.")
            scale_factors = [float(s) for s in scale_factor]
        else:
            scale_factors = [float(scale_factor) for _ in range(dim)]
    else:
        raise ValueError("either size or scale_factor should be defined")

    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if mode == "area" and output_size is None:
        recompute_scale_factor = True
    if recompute_scale_factor:
        output_size = [int(math.floor(input.shape[i + 2] * scale_factors[i]))
                       for i in range(dim)]
        scale_factors = None

    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and input.ndim == 4):
        raise ValueError(
            "Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and "
            "requires a 4-D tensor as input")
    if antialias:
        raise NotImplementedError("chainrule's interpolate does not support antialias=True")

    nd = input.ndim
    supported = mode in ("nearest", "nearest-exact", "area") or \
        (mode in _NDIM and _NDIM[mode] == nd)
    if nd not in (3, 4, 5) or not supported:
        if nd in (3, 4, 5) and mode in _NDIM:
            raise NotImplementedError(
                f"Got {nd}D input, but {mode} mode needs {_NDIM[mode]}D input")
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {nd}D) for the "
            f"modes: {_MODES} (got {mode})")

    if mode == "area":
        from . import pooling

        fn = getattr(pooling, f"adaptive_avg_pool{dim}d")
        return fn(input, output_size)

    if output_size is None:
        # upsample_compute_output_size: trunc(in * scale) in double precision
        output_size = [int(input.shape[i + 2] * s) for i, s in enumerate(scale_factors)]
    scales = scale_factors if scale_factors is not None else [None] * dim
    for o in output_size:
        if o <= 0:
            raise RuntimeError(
                f"Input and output sizes should be greater than 0, but got input "
                f"({', '.join(map(str, input.shape[2:]))}) and output "
                f"({', '.join(map(str, output_size))})")

    x = input
    for i in range(dim):
        axis = 2 + i
        if mode in ("nearest", "nearest-exact"):
            idx = _nearest_indices(x.shape[axis], output_size[i], scales[i],
                                   mode == "nearest-exact", nd == 4)
            if not (len(idx) == x.shape[axis] and (idx == np.arange(len(idx))).all()):
                x = _select(x, axis, idx)
        elif mode == "bicubic":
            x = _cubic_dim(x, axis, output_size[i], align_corners, scales[i])
        else:
            x = _linear_dim(x, axis, output_size[i], align_corners, scales[i])
    if x is input:
        x = op("clone")(input)
    return x


def upsample(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",
             align_corners: bool | None = None) -> Tensor:
    """Deprecated alias of :func:`interpolate`."""
    warnings.warn("`nn.functional.upsample` is deprecated. "
                  "Use `nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Deprecated: ``interpolate(..., mode='nearest')``."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. "
                  "Use `nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Deprecated: ``interpolate(..., mode='bilinear', align_corners=True)``."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. "
                  "Use `nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """``(*, C r^2, H, W) -> (*, C, H r, W r)``.

    >>> import chainrule as torch
    >>> torch.nn.functional.pixel_shuffle(torch.arange(4.).reshape(1, 4, 1, 1), 2)
    tensor([[[[0., 1.],
              [2., 3.]]]])
    """
    r = int(upscale_factor)
    if input.ndim < 3:
        raise RuntimeError("pixel_shuffle expects input to have at least 3 dimensions, but "
                           f"got input with {input.ndim} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    *lead, c, h, w = input.shape
    if c % (r * r) != 0:
        raise RuntimeError(
            "pixel_shuffle expects its input's 'channel' dimension to be divisible by the "
            f"square of upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    n = len(lead)
    oc = c // (r * r)
    x = input.reshape(*lead, oc, r, r, h, w)
    perm = list(range(n)) + [n, n + 3, n + 1, n + 4, n + 2]
    return x.permute(*perm).reshape(*lead, oc, h * r, w * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """``(*, C, H r, W r) -> (*, C r^2, H, W)``, the inverse of :func:`pixel_shuffle`."""
    r = int(downscale_factor)
    if input.ndim < 3:
        raise RuntimeError("pixel_unshuffle expects input to have at least 3 dimensions, "
                           f"but got input with {input.ndim} dimension(s)")
    if r <= 0:
        raise RuntimeError(
            f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    *lead, c, h, w = input.shape
    if h % r != 0:
        raise RuntimeError("pixel_unshuffle expects height to be divisible by "
                           f"downscale_factor, but input.size(-2)={h} is not divisible by {r}")
    if w % r != 0:
        raise RuntimeError("pixel_unshuffle expects width to be divisible by "
                           f"downscale_factor, but input.size(-1)={w} is not divisible by {r}")
    n = len(lead)
    x = input.reshape(*lead, c, h // r, r, w // r, r)
    perm = list(range(n)) + [n, n + 2, n + 4, n + 1, n + 3]
    return x.permute(*perm).reshape(*lead, c * r * r, h // r, w // r)
