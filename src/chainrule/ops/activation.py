"""The activation functions of ``nn.functional``: ``hardtanh``, ``relu6``, ``leaky_relu``,
``elu``, ``selu``, ``celu``, ``gelu``, ``silu``, ``softplus``, ``logsigmoid``,
``hardsigmoid``, ``hardswish``, ``mish``, ``threshold``, ``hardshrink``, ``softshrink``,
``softsign``, ``tanhshrink``, ``glu`` and ``prelu``.

Each is one NumPy forward and one node named as PyTorch names it (``relu6`` is a
``hardtanh``, so ``HardtanhBackward0``; ``softsign`` and ``tanhshrink`` are compositions, as in
PyTorch). Gradients at kinks follow PyTorch's kernels exactly: ``hardtanh`` and
``hardsigmoid`` pass nothing at their bounds, ``leaky_relu`` and ``elu`` take the negative
branch at 0, ``hardswish`` is 0 at -3 and 1 at 3. These are registered as functions only
(no Tensor methods, except ``hardshrink`` and ``prelu``, as in PyTorch);
``chainrule.nn.functional`` picks them up from ``OPS``.
"""

from __future__ import annotations

import math

import numpy as np

from ..autograd.engine import ArrayMath
from ..autograd.graph import derivative
from . import selection  # noqa: F401  (F.choose)
from ._core import OPS, Tensor, record, register, wrap_dim
from ._graphmath import define_math
from .linalg import sname
from .unary import _erf, _sigmoid

if not hasattr(ArrayMath, "erf"):
    define_math("erf", _erf, lambda x: OPS["erf"](x))
if not hasattr(ArrayMath, "sigmoid"):
    define_math("sigmoid", _sigmoid, lambda x: OPS["sigmoid"](x))

_SQRT1_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT_2_PI = math.sqrt(2.0 / math.pi)
_KAPPA = 0.044715
_SIXTH = float(np.float32(1.0 / 6.0))  # PyTorch's hardsigmoid slope is a float constant
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _float_only(input: Tensor, kernel: str) -> np.ndarray:
    d = input._data
    if d.dtype.kind not in "fc":
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{sname(d)}'")
    return d


def _inplace(input: Tensor, fn, *args) -> Tensor:
    from .inplace import apply_inplace

    return apply_inplace(input, fn, *args)


def _pointwise(cls, out: np.ndarray, input: Tensor, args=None) -> Tensor:
    return record(cls, out, (input,), saved=(input,), args=args)


# --------------------------------------------------------------- hardtanh / relu6
@derivative("hardtanh")
def HardtanhBackward0(node, F, g):
    # 1 strictly between the bounds, 0 at and beyond them
    (x,) = F.saved(node)
    lo, hi = node._args
    return (F.choose((x <= lo) | (x >= hi), 0.0, g),)


@register("hardtanh", method=False)
def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """``clamp(x, min_val, max_val)`` with no gradient at the bounds."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    if inplace:
        return _inplace(input, hardtanh, min_val, max_val)
    d = input._data
    if d.dtype.kind == "b":
        raise RuntimeError("Bool inputs not supported for hardtanh")
    out = np.minimum(np.maximum(d, min_val), max_val)
    if out.dtype != d.dtype:
        out = out.astype(d.dtype)
    return _pointwise(HardtanhBackward0, out, input, (min_val, max_val))


@register("relu6", method=False)
def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """``min(max(x, 0), 6)`` (a ``hardtanh``)."""
    return hardtanh(input, 0.0, 6.0, inplace)


# --------------------------------------------------------------------- leaky_relu
@derivative("leaky_relu")
def LeakyReluBackward0(node, F, g):
    # 1 for x > 0, negative_slope for x <= 0
    (x,) = F.saved(node)
    return (F.choose(x > 0, g, g * node._args),)


@register("leaky_relu", method=False)
def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``x`` for positive ``x``, ``negative_slope * x`` otherwise."""
    if inplace:
        return _inplace(input, leaky_relu, negative_slope)
    d = _float_only(input, "leaky_relu_cpu")
    out = np.where(d > 0, d, d * negative_slope)
    return _pointwise(LeakyReluBackward0, out, input, negative_slope)


# ------------------------------------------------------------------ elu / selu / celu
def _elu_rule(node, F, g):
    # x <= 0: alpha * scale * input_scale * exp(x * input_scale); else scale (NaN too)
    (x,) = F.saved(node)
    alpha, scale, iscale = node._args
    neg = x <= 0
    e = F.exp(F.choose(neg, x, 0.0) * iscale)
    return (F.choose(neg, g * (e * (alpha * scale * iscale)), g * scale),)


EluBackward0 = derivative("elu")(_elu_rule)
CeluBackward0 = derivative("celu")(_elu_rule)


def _elu(input: Tensor, alpha: float, scale: float, iscale: float, cls) -> Tensor:
    d = _float_only(input, "elu_cpu")
    neg = np.expm1(np.minimum(d, 0) * iscale) * (alpha * scale)
    out = np.where(d <= 0, neg, d * scale if scale != 1 else d)
    return _pointwise(cls, out, input, (alpha, scale, iscale))


@register("elu", method=False)
def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``x`` for positive ``x``, ``alpha * (exp(x) - 1)`` otherwise."""
    if inplace:
        return _inplace(input, elu, alpha)
    return _elu(input, alpha, 1.0, 1.0, EluBackward0)


@register("selu", method=False)
def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """Scaled ``elu`` with PyTorch's fixed ``alpha`` and ``scale``."""
    if inplace:
        return _inplace(input, selu)
    return _elu(input, _SELU_ALPHA, _SELU_SCALE, 1.0, EluBackward0)


@register("celu", method=False)
def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    if inplace:
        return _inplace(input, celu, alpha)
    return _elu(input, alpha, 1.0, 1.0 / alpha, CeluBackward0)


# ---------------------------------------------------------------------------- gelu
@derivative("gelu")
def GeluBackward0(node, F, g):
    # exact: Phi(x) + x phi(x); tanh form: 0.5 (1 + t) + 0.5 x (1 - t^2) k (1 + 3 c x^2)
    (x,) = F.saved(node)
    if node._args == "tanh":
        x2 = x * x
        t = F.tanh((x + x2 * x * _KAPPA) * _SQRT_2_PI)
        return (g * ((t + 1.0) * 0.5 + x * (1.0 - t * t) * (0.5 * _SQRT_2_PI)
                     * (x2 * (3.0 * _KAPPA) + 1.0)),)
    cdf = (F.erf(x * _SQRT1_2) + 1.0) * 0.5
    pdf = F.exp(x * x * -0.5) * _INV_SQRT_2PI
    return (g * (cdf + x * pdf),)


@register("gelu", method=False)
def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """``x * Phi(x)`` (``approximate='tanh'``: PyTorch's tanh approximation)."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    d = _float_only(input, "GeluKernelImpl")
    if approximate == "tanh":
        out = d * 0.5 * (1.0 + np.tanh((d + d * d * d * _KAPPA) * _SQRT_2_PI))
    else:
        out = d * 0.5 * (1.0 + _erf(d * _SQRT1_2))
    return _pointwise(GeluBackward0, out, input, approximate)


# ---------------------------------------------------------------------------- silu
@derivative("silu")
def SiluBackward0(node, F, g):
    # s (1 + x (1 - s)), s = sigmoid(x)
    (x,) = F.saved(node)
    s = F.sigmoid(x)
    return (g * (s * (x * (1.0 - s) + 1.0)),)


@register("silu", method=False)
def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * sigmoid(x)``."""
    if inplace:
        return _inplace(input, silu)
    d = _float_only(input, "silu_cpu")
    return _pointwise(SiluBackward0, d * _sigmoid(d), input)


# ----------------------------------------------------------- softplus / logsigmoid
@derivative("softplus")
def SoftplusBackward0(node, F, g):
    # sigmoid(beta x), and 1 where beta x > threshold (the linear region)
    (x,) = F.saved(node)
    beta, threshold = node._args
    bx = x * beta
    return (F.choose(bx > threshold, g, g * F.sigmoid(bx)),)


@register("softplus", method=False)
def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta x)) / beta``, and ``x`` where ``beta x > threshold``."""
    d = _float_only(input, "softplus_cpu")
    bx = d * beta
    with np.errstate(over="ignore"):
        out = np.where(bx > threshold, d, np.log1p(np.exp(bx)) / beta)
    return _pointwise(SoftplusBackward0, out, input, (beta, threshold))


@derivative("log_sigmoid")
def LogSigmoidBackward0(node, F, g):
    # 1 - sigmoid(x) = sigmoid(-x)
    (x,) = F.saved(node)
    return (g * F.sigmoid(-x),)


@register("logsigmoid", method=False)
def logsigmoid(input: Tensor) -> Tensor:
    """``log(sigmoid(x))``, computed without overflow."""
    d = _float_only(input, "log_sigmoid_cpu")
    out = np.minimum(d, 0) - np.log1p(np.exp(-np.abs(d)))
    return _pointwise(LogSigmoidBackward0, out, input)


# ---------------------------------------------------------- hardsigmoid / hardswish
@derivative("hardsigmoid")
def HardsigmoidBackward0(node, F, g):
    # 1/6 strictly inside (-3, 3)
    (x,) = F.saved(node)
    return (F.choose((x > -3.0) & (x < 3.0), g * _SIXTH, 0.0),)


@register("hardsigmoid", method=False)
def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """``min(max(x + 3, 0), 6) / 6``."""
    if inplace:
        return _inplace(input, hardsigmoid)
    d = _float_only(input, "hardsigmoid_cpu")
    return _pointwise(HardsigmoidBackward0, np.minimum(np.maximum(d + 3.0, 0), 6.0) / 6.0, input)


@derivative("hardswish")
def HardswishBackward0(node, F, g):
    # 0 for x <= -3, x/3 + 1/2 for -3 < x < 3, 1 for x >= 3
    (x,) = F.saved(node)
    return (F.choose(x <= -3.0, 0.0, F.choose(x < 3.0, g * (x / 3.0 + 0.5), g)),)


@register("hardswish", method=False)
def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * min(max(x + 3, 0), 6) / 6``."""
    if inplace:
        return _inplace(input, hardswish)
    d = _float_only(input, "hardswish_cpu")
    out = d * np.minimum(np.maximum(d + 3.0, 0), 6.0) / 6.0
    return _pointwise(HardswishBackward0, out, input)


# ---------------------------------------------------------------------------- mish
def _softplus_stable(d: np.ndarray) -> np.ndarray:
    return np.maximum(d, 0) + np.log1p(np.exp(-np.abs(d)))


@derivative("mish")
def MishBackward0(node, F, g):
    # t + x s (1 - t^2), t = tanh(softplus(x)), s = sigmoid(x)
    (x,) = F.saved(node)
    t = F.tanh(F.choose(x > 0, x, 0.0) + F.log1p(F.exp(-F.abs(x))))
    s = F.sigmoid(x)
    return (g * (t + x * s * (1.0 - t * t)),)


@register("mish", method=False)
def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * tanh(softplus(x))``."""
    if inplace:
        return _inplace(input, mish)
    d = _float_only(input, "mish_cpu")
    return _pointwise(MishBackward0, d * np.tanh(_softplus_stable(d)), input)


# ------------------------------------------------------------ threshold / shrinks
@derivative("threshold")
def ThresholdBackward0(node, F, g):
    # 0 where x <= threshold, else 1 (NaN passes)
    (x,) = F.saved(node)
    return (F.choose(x <= node._args, 0.0, g),)


@register("threshold", method=False)
def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """``x`` where ``x > threshold``, else ``value``."""
    if inplace:
        return _inplace(input, globals()["threshold"], threshold, value)
    d = input._data
    if d.dtype.kind == "b":
        raise NotImplementedError("\"threshold_cpu\" not implemented for 'Bool'")
    out = np.where(d <= threshold, value, d)
    if out.dtype != d.dtype:
        out = out.astype(d.dtype)
    return _pointwise(ThresholdBackward0, out, input, threshold)


@derivative("hardshrink")
def HardshrinkBackward0(node, F, g):
    # 0 on [-lambd, lambd], 1 outside
    (x,) = F.saved(node)
    lam = node._args
    return (F.choose((x >= -lam) & (x <= lam), 0.0, g),)


@register("hardshrink")
def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``x`` where ``|x| > lambd``, else 0."""
    d = _float_only(input, "hardshrink_cpu")
    out = np.where((d >= -lambd) & (d <= lambd), 0, d).astype(d.dtype, copy=False)
    return _pointwise(HardshrinkBackward0, out, input, lambd)


@derivative("softshrink")
def SoftshrinkBackward0(node, F, g):
    # 0 on [-lambd, lambd], 1 outside
    (x,) = F.saved(node)
    lam = node._args
    return (F.choose((x >= -lam) & (x <= lam), 0.0, g),)


@register("softshrink", method=False)
def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, else 0."""
    d = _float_only(input, "softshrink_check")
    if lambd < 0:
        raise RuntimeError(f"lambda must be in range [0, {np.finfo(d.dtype).max:g}] for input "
                           f"dtype {sname(d)}, but found {lambd:g}")
    out = np.where(d > lambd, d - lambd, np.where(d < -lambd, d + lambd, d * 0))
    return _pointwise(SoftshrinkBackward0, out.astype(d.dtype, copy=False), input, lambd)


@register("softsign", method=False)
def softsign(input: Tensor) -> Tensor:
    """``x / (1 + |x|)`` (composed, as in PyTorch)."""
    return input / (input.abs() + 1)


@register("tanhshrink", method=False)
def tanhshrink(input: Tensor) -> Tensor:
    """``x - tanh(x)`` (composed, as in PyTorch)."""
    return input - input.tanh()


# ----------------------------------------------------------------------------- glu
@derivative("glu")
def GluBackward0(node, F, g):
    # a sigmoid(b) with (a, b) the halves of x along dim: ga = g s, gb = g a s (1 - s)
    (x,) = F.saved(node)
    dim = node._args
    n = x.shape[dim] // 2
    lead = (slice(None),) * dim
    a = F.getitem(x, lead + (slice(0, n),))
    s = F.sigmoid(F.getitem(x, lead + (slice(n, None),)))
    gs = g * s
    return (F.cat([gs, gs * a * (1.0 - s)], dim),)


@register("glu", method=False)
def glu(input: Tensor, dim: int = -1) -> Tensor:
    """First half of ``input`` along ``dim`` gated by the sigmoid of the second half."""
    d = input._data
    if d.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    dim = wrap_dim(dim, d.ndim)
    n = d.shape[dim]
    if n % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {dim} is size {n}")
    d = _float_only(input, "glu_cpu")
    a, b = np.split(d, 2, axis=dim)
    return _pointwise(GluBackward0, a * _sigmoid(b), input, dim)


# ---------------------------------------------------------------------------- prelu
@derivative("prelu_kernel")
def PreluKernelBackward0(node, F, g):
    # x > 0: 1, else weight; d weight: x g where x <= 0, summed over all but the channel dim
    x, w = F.saved(node)
    nx, nw = F.needs(node)
    vshape, axes = node._args
    wv = F.reshape(w, vshape)
    pos = x > 0
    gx = F.choose(pos, g, g * wv) if nx else None
    gw = None
    if nw:
        gw = F.choose(pos, 0.0, x * g)
        if axes:
            gw = F.sum(gw, axes)
        gw = F.reshape(gw, tuple(w.shape))
    return gx, gw


@register("prelu")
def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """``leaky_relu`` with a learned slope per channel (dim 1) or one shared slope."""
    d = _float_only(input, "prelu_cpu")
    w = weight._data
    channels = d.shape[1] if d.ndim >= 2 else 1
    if w.size != 1 and w.size != channels:
        raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found "
                           f"parameter numbers = {w.size} and channel size = {channels}.")
    if w.size == 1:
        vshape, axes = (), tuple(range(d.ndim))
    else:
        vshape = (1, channels) + (1,) * (d.ndim - 2)
        axes = tuple(i for i in range(d.ndim) if i != 1)
    out = np.where(d > 0, d, d * w.reshape(vshape))
    return record(PreluKernelBackward0, out.astype(d.dtype, copy=False), (input, weight),
                  saved=(input, weight), args=(vshape, axes))
