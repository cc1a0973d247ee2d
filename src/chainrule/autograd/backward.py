"""The user-facing entry points of the engine: ``backward`` and ``grad``."""

from __future__ import annotations

import numpy as np

from . import engine

__all__ = ["backward", "grad"]


def _as_tuple(x) -> tuple:
    if x is None:
        return ()
    if isinstance(x, (list, tuple)):
        return tuple(x)
    return (x,)


def _shape_str(shape) -> str:
    return f"torch.Size({list(shape)})"


def _make_grads(outputs: tuple, grad_outputs: tuple, create_graph: bool) -> list:
    """Validate the seed gradients; create ones for scalar outputs."""
    from .._tensor import Tensor, _make

    if len(grad_outputs) != len(outputs):
        raise RuntimeError(
            f"grad requires one gradient per output: got {len(grad_outputs)} gradients for "
            f"{len(outputs)} outputs")
    res = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if g is None:
            if out._rg and out._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if out._data.dtype.kind not in "fc":
                raise RuntimeError(
                    "grad can be implicitly created only for real scalar outputs but got "
                    f"{out.dtype}")
            arr = np.ones(out._data.shape, out._data.dtype)
            res.append(_make(arr) if create_graph else arr)
            continue
        if not isinstance(g, Tensor):
            raise TypeError(f"gradients can be either Tensors or None, but got {type(g).__name__}")
        if g._data.shape != out._data.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of {_shape_str(g.shape)} and "
                f"output[{i}] has a shape of {_shape_str(out.shape)}.")
        if g._data.dtype.kind not in "fc" and out._data.dtype.kind in "fc":
            raise RuntimeError(
                f"For complex Tensors, both grad_output and output are required to have the "
                f"same dtype. Mismatch in dtype: grad_output[{i}] has a dtype of {g.dtype} and "
                f"output[{i}] has a dtype of {out.dtype}.")
        if create_graph:
            res.append(g)
        else:
            d = g._data
            res.append(d if d.dtype == out._data.dtype else d.astype(out._data.dtype))
    return res


def backward(tensors, grad_tensors=None, retain_graph: bool | None = None,
             create_graph: bool = False, grad_variables=None, inputs=None) -> None:
    """Accumulate d(tensors)/d(leaf) into the ``.grad`` of every leaf (or of ``inputs``)."""
    from .._tensor import Tensor

    outputs = _as_tuple(tensors)
    if grad_variables is not None:
        grad_tensors = grad_variables
    grads = _as_tuple(grad_tensors) if grad_tensors is not None else (None,) * len(outputs)
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is not None:
        inputs = _as_tuple(inputs)
        if not inputs:
            raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
        for t in inputs:
            if not isinstance(t, Tensor):
                raise TypeError("inputs must be Tensors")
    for i, t in enumerate(outputs):
        if not t._rg:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn")
    seeds = _make_grads(outputs, grads, create_graph)
    engine.run_backward(outputs, seeds, retain_graph=retain_graph, create_graph=create_graph,
                        inputs=inputs, accumulate=True)


def grad(outputs, inputs, grad_outputs=None, retain_graph: bool | None = None,
         create_graph: bool = False, only_inputs: bool = True, allow_unused: bool | None = None,
         is_grads_batched: bool = False, materialize_grads: bool = False) -> tuple:
    """The gradients of ``outputs`` with respect to ``inputs``, returned (not accumulated)."""
    from .._tensor import Tensor, _make

    outs = _as_tuple(outputs)
    ins = _as_tuple(inputs)
    if allow_unused is None:
        allow_unused = materialize_grads
    if materialize_grads and not allow_unused:
        raise ValueError(
            "Expected allow_unused to be True or not passed when materialize_grads=True")
    grads = _as_tuple(grad_outputs) if grad_outputs is not None else (None,) * len(outs)
    for t in ins:
        if not isinstance(t, Tensor):
            raise TypeError("grad() expects Tensors as inputs")
    if retain_graph is None:
        retain_graph = create_graph
    for i, t in enumerate(outs):
        if not t._rg:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn")
    seeds = _make_grads(outs, grads, create_graph)
    res = engine.run_backward(outs, seeds, retain_graph=retain_graph, create_graph=create_graph,
                              inputs=ins, accumulate=False, allow_unused=allow_unused)
    if materialize_grads:
        res = tuple(_make(np.zeros_like(t._data)) if g is None else g for g, t in zip(res, ins))
    return res

