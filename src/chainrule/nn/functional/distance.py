"""``cosine_similarity`` and ``pairwise_distance`` (composed from core ops, as in PyTorch)."""

from __future__ import annotations

from ._utils import Tensor, op

__all__ = ["cosine_similarity", "pairwise_distance"]


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """``sum(x1 * x2) / (max(||x1||, eps) * max(||x2||, eps))`` along ``dim``.

    The same op as ``chainrule.cosine_similarity`` (broadcasting and promotion included).

    >>> import chainrule as torch
    >>> torch.nn.functional.cosine_similarity(torch.tensor([[1., 0.]]),
    ...                                       torch.tensor([[1., 1.]]))
    tensor([0.7071])
    """
    return op("cosine_similarity")(x1, x2, dim, eps)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """``||x1 - x2 + eps||_p`` over the last dim."""
    return op("norm")(x1 - x2 + eps, p, -1, keepdim=keepdim)
