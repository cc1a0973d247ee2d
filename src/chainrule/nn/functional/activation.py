"""Activation functions with ``torch.nn.functional``'s signatures.

The elementwise activations are core ops (``chainrule.relu``, ``chainrule.gelu``...): each
function here looks its op up in ``chainrule.ops.OPS`` when called and forwards to it, so it
has exactly the core op's forward, derivative and grad_fn name. ``inplace=True`` uses the
core's in-place variant (``relu_``...) when there is one. The few activations PyTorch builds
from others (``selu``, ``celu``, ``glu``, ``softsign``...) are composed here from core ops.
"""

from __future__ import annotations

import warnings

from ._utils import Tensor, has_op, op

__all__ = ["relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "elu", "elu_", "selu",
           "celu", "gelu", "silu", "mish", "softplus", "hardtanh", "hardtanh_", "hardsigmoid",
           "hardswish", "logsigmoid", "sigmoid", "tanh", "softsign", "tanhshrink",
           "softshrink", "hardshrink", "threshold", "threshold_", "glu", "prelu", "rrelu",
           "softmax", "log_softmax", "softmin", "gumbel_softmax"]


def _inplace(input: Tensor, name: str, out_of_place, *args, **kwargs) -> Tensor:
    method = getattr(input, name + "_", None)
    if method is not None:
        return method(*args, **kwargs)
    res = out_of_place(input, *args, **kwargs)
    copy_ = getattr(input, "copy_", None)
    if copy_ is None:
        raise NotImplementedError(f"in-place {name} needs Tensor.{name}_ or Tensor.copy_")
    return copy_(res)


def _call(name: str, input: Tensor, *args, inplace: bool = False, **kwargs) -> Tensor:
    if inplace:
        return _inplace(input, name, op(name), *args, **kwargs)
    return op(name)(input, *args, **kwargs)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """``max(0, x)``.

    >>> import chainrule as torch
    >>> torch.nn.functional.relu(torch.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """
    return _call("relu", input, inplace=inplace)


def relu_(input: Tensor) -> Tensor:
    return relu(input, inplace=True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """``min(max(0, x), 6)``."""
    if has_op("relu6") and not inplace:
        return op("relu6")(input)
    return hardtanh(input, 0.0, 6.0, inplace)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``x`` where positive, ``negative_slope * x`` elsewhere."""
    return _call("leaky_relu", input, negative_slope, inplace=inplace)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    return leaky_relu(input, negative_slope, True)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``x`` where positive, ``alpha (e^x - 1)`` elsewhere."""
    return _call("elu", input, alpha, inplace=inplace)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return elu(input, alpha, True)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """``scale * elu(x, alpha)`` with the self-normalising constants."""
    if has_op("selu"):
        return _call("selu", input, inplace=inplace)
    return elu(input, _SELU_ALPHA) * _SELU_SCALE


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``max(0, x) + min(0, alpha (e^(x/alpha) - 1))``."""
    if has_op("celu"):
        return _call("celu", input, alpha, inplace=inplace)
    return elu(input / alpha) * alpha


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """``x * Phi(x)`` (``approximate='tanh'`` for the tanh formula)."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    if approximate == "none":
        return op("gelu")(input)
    return op("gelu")(input, approximate=approximate)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * sigmoid(x)``."""
    return _call("silu", input, inplace=inplace)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * tanh(softplus(x))``."""
    if has_op("mish"):
        return _call("mish", input, inplace=inplace)
    return input * op("tanh")(softplus(input))


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + e^(beta x)) / beta`` (linear above ``threshold``)."""
    if beta == 1.0 and threshold == 20.0:
        return op("softplus")(input)
    return op("softplus")(input, beta, threshold)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """``clamp(x, min_val, max_val)``."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    if has_op("hardtanh"):
        return _call("hardtanh", input, min_val, max_val, inplace=inplace)
    return _call("clamp", input, min_val, max_val, inplace=inplace)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    return hardtanh(input, min_val, max_val, True)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """``relu6(x + 3) / 6``."""
    if has_op("hardsigmoid"):
        return _call("hardsigmoid", input, inplace=inplace)
    return relu6(input + 3.0) / 6.0


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * relu6(x + 3) / 6``."""
    if has_op("hardswish"):
        return _call("hardswish", input, inplace=inplace)
    return input * hardsigmoid(input)


def logsigmoid(input: Tensor) -> Tensor:
    """``log(sigmoid(x))``, stable."""
    for name in ("logsigmoid", "log_sigmoid"):
        if has_op(name):
            return op(name)(input)
    return -softplus(-input)


def sigmoid(input: Tensor) -> Tensor:
    """``1 / (1 + e^-x)``."""
    return op("sigmoid")(input)


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent."""
    return op("tanh")(input)


def softsign(input: Tensor) -> Tensor:
    """``x / (1 + |x|)``."""
    return input / (op("abs")(input) + 1)


def tanhshrink(input: Tensor) -> Tensor:
    """``x - tanh(x)``."""
    return input - op("tanh")(input)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """``x`` where ``x > threshold``, else ``value``."""
    if has_op("threshold"):
        return _call("threshold", input, threshold, value, inplace=inplace)
    out = op("where")(input > threshold, input, value)
    if inplace:
        return input.copy_(out)
    return out


def threshold_(input: Tensor, threshold_: float, value: float) -> Tensor:
    return threshold(input, threshold_, value, True)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``x`` where ``|x| > lambd``, else 0."""
    if has_op("hardshrink"):
        return op("hardshrink")(input, lambd)
    return op("where")(op("abs")(input) > lambd, input, 0.0)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """Shrink towards 0 by ``lambd`` (0 inside ``[-lambd, lambd]``)."""
    if has_op("softshrink"):
        return op("softshrink")(input, lambd)
    where = op("where")
    return where(input > lambd, input - lambd, where(input < -lambd, input + lambd, 0.0))


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """Gated linear unit: the first half of ``dim`` times the sigmoid of the second."""
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    n = input.shape[dim]
    if n % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension "
                           f"{dim % input.ndim} is size {n}")
    a, b = op("chunk")(input, 2, dim)
    return a * op("sigmoid")(b)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """``x`` where positive, ``weight * x`` elsewhere (weight per channel, dim 1)."""
    if has_op("prelu"):
        return op("prelu")(input, weight)
    w = weight
    if weight.numel() != 1 and input.ndim >= 2:
        w = weight.reshape((1, -1) + (1,) * (input.ndim - 2))
    return op("where")(input > 0, input, w * input)


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
          training: bool = False, inplace: bool = False) -> Tensor:
    """Randomized leaky ReLU: a random slope in ``[lower, upper]`` per element in training,
    the mean slope in eval."""
    if not training:
        return leaky_relu(input, (lower + upper) / 2, inplace)
    from ... import rand

    slope = rand(*input.shape, dtype=input.dtype) * (upper - lower) + lower
    out = op("where")(input >= 0, input, input * slope)
    return input.copy_(out) if inplace else out


def _get_softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  "to include dim=X as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def _softmax_like(name: str, input: Tensor, dim, dtype, stacklevel: int) -> Tensor:
    if dim is None:
        dim = _get_softmax_dim(name, input.ndim, stacklevel + 1)
    if dtype is None:
        return op(name)(input, dim)
    return op(name)(input, dim, dtype=dtype)


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype=None) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim``.

    >>> import chainrule as torch
    >>> torch.nn.functional.softmax(torch.tensor([0.0, 0.0]), dim=0)
    tensor([0.5000, 0.5000])
    """
    return _softmax_like("softmax", input, dim, dtype, _stacklevel)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
                dtype=None) -> Tensor:
    """``x - logsumexp(x)`` along ``dim`` (stable)."""
    return _softmax_like("log_softmax", input, dim, dtype, _stacklevel)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype=None) -> Tensor:
    """``softmax(-x)`` along ``dim``."""
    if dim is None:
        dim = _get_softmax_dim("softmin", input.ndim, _stacklevel)
    return softmax(-input, dim, dtype=dtype)


def gumbel_softmax(logits: Tensor, tau: float = 1.0, hard: bool = False, eps: float = 1e-10,
                   dim: int = -1) -> Tensor:
    """Sample from the Gumbel-softmax distribution (straight-through when ``hard``)."""
    from ... import rand

    u = rand(*logits.shape, dtype=logits.dtype)
    gumbels = -op("log")(-op("log")(u + eps) + eps)
    y_soft = softmax((logits + gumbels) / tau, dim)
    if not hard:
        return y_soft
    index = y_soft.argmax(dim, keepdim=True)
    y_hard = op("zeros_like")(logits).scatter_(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft

