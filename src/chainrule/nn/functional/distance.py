"""``cosine_similarity`` and ``pairwise_distance`` (composed from core ops, as in PyTorch)."""

from __future__ import annotations

from ._utils import Tensor, op

__all__ = ["cosine_similarity", "pairwise_distance"]


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """``sum(x1 * x2) / (max(||x1||, eps) * max(||x2||, eps))`` along ``dim``.

    As in PyTorch, each input is divided by its (clamped) norm first; the clamp does not
    take part in the gradient.

    >>> import chainrule as torch
    >>> torch.nn.functional.cosine_similarity(torch.tensor([[1., 0.]]),
    ...                                       torch.tensor([[1., 1.]]))
    tensor([0.7071])
    """
    norm = op("norm")
    n1 = norm(x1, 2, dim, keepdim=True)
    n2 = norm(x2, 2, dim, keepdim=True)
    clamp_min = op("clamp_min")
    # clamp the values, keep the norms' gradients (PyTorch clamps under no_grad)
    n1 = n1 + (clamp_min(n1, eps) - n1).detach()
    n2 = n2 + (clamp_min(n2, eps) - n2).detach()
    return op("sum")((x1 / n1) * (x2 / n2), dim)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """``||x1 - x2 + eps||_p`` over the last dim."""
    return op("norm")(x1 - x2 + eps, p, -1, keepdim=keepdim)
