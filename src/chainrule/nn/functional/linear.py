"""``linear`` and ``bilinear``.

``linear`` is the core's fused ``linear`` op when the core registers one (one matmul plus the
bias, one node), else ``input @ weight.T + bias`` from core ops.
"""

from __future__ import annotations

from ._utils import Tensor, has_op, op

__all__ = ["linear", "bilinear"]


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias``.

    >>> import chainrule as torch
    >>> x = torch.tensor([[1.0, 2.0]])
    >>> torch.nn.functional.linear(x, torch.tensor([[1.0, 1.0]]), torch.tensor([0.5]))
    tensor([[3.5000]])
    """
    if has_op("linear"):
        return op("linear")(input, weight, bias)
    out = op("matmul")(input, weight.t() if weight.ndim == 2 else weight)
    return out if bias is None else out + bias


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor,
             bias: Tensor | None = None) -> Tensor:
    """``y_k = x1^T W_k x2 + b_k`` over the last dims (``weight`` is ``(out, in1, in2)``)."""
    if input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(
            f"bilinear(): input batch dimensions do not match: got {list(input1.shape[:-1])} "
            f"and {list(input2.shape[:-1])}")
    if weight.ndim != 3 or weight.shape[1] != input1.shape[-1] or \
            weight.shape[2] != input2.shape[-1]:
        raise RuntimeError(
            f"bilinear(): input dimensions do not match: got {input1.shape[-1]} and "
            f"{input2.shape[-1]} for weight of size {list(weight.shape)}")
    out = op("einsum")("...i,oij,...j->...o", input1, weight, input2)
    return out if bias is None else out + bias
