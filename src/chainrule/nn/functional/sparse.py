"""``embedding`` (a fused lookup, ``EmbeddingBackward0``) and ``one_hot``.

The gradient of a lookup is a scatter-add: rows looked up several times accumulate every
incoming gradient; the ``padding_idx`` row gets none. Under ``create_graph=True`` it is
``F.index_add`` of ``g``, so it can be differentiated again.
"""

from __future__ import annotations

import numpy as np

from ...autograd.grad_mode import no_grad
from ...autograd.graph import derivative
from ._utils import Tensor, make, record

__all__ = ["embedding", "one_hot"]


def _embedding_array_rule(node, g):
    """Scatter-add ``g`` into the looked-up rows (none into ``padding_idx``)."""
    idx, num, padding_idx, scale_grad_by_freq = node._args
    D = g.shape[-1]
    flat = idx.ravel()
    gw = np.zeros((num, D), dtype=g.dtype)
    rows = g.reshape(-1, D)
    if scale_grad_by_freq:
        counts = np.bincount(flat, minlength=num)
        rows = rows / counts[flat][:, None]
    np.add.at(gw, flat, rows)
    if padding_idx is not None:
        gw[padding_idx] = 0
    return (gw,)


@derivative("embedding")
def EmbeddingBackward0(node, F, g):
    """Scatter-add ``g`` into the looked-up rows (none into ``padding_idx``); under
    ``create_graph`` with ``F.index_add`` (differentiable: its derivative is a gather)."""
    if F.mode == "array":
        return _embedding_array_rule(node, g)
    idx, num, padding_idx, scale_grad_by_freq = node._args
    D = g.shape[-1]
    flat = idx.ravel()
    rows = g.reshape(-1, D)
    if scale_grad_by_freq:
        counts = np.bincount(flat, minlength=num)
        rows = rows / F.const((counts[flat] * 1.0)[:, None], like=g)
    if padding_idx is not None:
        keep = np.flatnonzero(flat != padding_idx)
        flat = flat[keep]
        rows = rows[keep]
    return (F.index_add((num, D), (flat,), rows, g),)


def _renorm(weight: Tensor, idx: np.ndarray, max_norm: float, norm_type: float) -> None:
    w = weight._data
    rows = np.unique(idx)
    norms = np.linalg.norm(w[rows], ord=norm_type, axis=1) if norm_type != 2 else \
        np.sqrt((w[rows].astype(np.float64) ** 2).sum(1))
    big = norms > max_norm
    if big.any():
        r = rows[big]
        w[r] *= (max_norm / (norms[big] + 1e-7))[:, None].astype(w.dtype)
        weight._version_counter().bump()


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of ``weight`` at the indices ``input``: shape ``input.shape + (D,)``.

    >>> import chainrule as torch
    >>> w = torch.tensor([[0., 0.], [1., 1.], [2., 2.]])
    >>> torch.nn.functional.embedding(torch.tensor([2, 0]), w)
    tensor([[2., 2.],
            [0., 0.]])
    """
    idx = input._data
    if idx.dtype.kind not in "iu":
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar "
            f"types: Long, Int; but got {input.type()} instead (while checking arguments for "
            "embedding)")
    num = weight.shape[0]
    if padding_idx is not None:
        if padding_idx > 0:
            if padding_idx >= num:
                raise AssertionError("Padding_idx must be within num_embeddings")
        elif padding_idx < 0:
            if padding_idx < -num:
                raise AssertionError("Padding_idx must be within num_embeddings")
            padding_idx = num + padding_idx
    if idx.size and (idx.min() < 0 or idx.max() >= num):
        raise IndexError("index out of range in self")
    if max_norm is not None:
        with no_grad():
            _renorm(weight, idx, max_norm, norm_type)
    out = np.take(weight._data, idx, axis=0)
    return record(EmbeddingBackward0, out, (weight,),
                  args=(idx.astype(np.int64, copy=False), num, padding_idx,
                        scale_grad_by_freq))


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """``int64`` one-hot encoding: shape ``tensor.shape + (num_classes,)``.

    >>> import chainrule as torch
    >>> torch.nn.functional.one_hot(torch.tensor([0, 2]), 3)
    tensor([[1, 0, 0],
            [0, 0, 1]])
    """
    t = tensor._data
    if t.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if t.size and t.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        if t.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(t.max()) + 1
    elif t.size and t.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    out = (t[..., None] == np.arange(num_classes)).astype(np.int64)
    return make(out)
