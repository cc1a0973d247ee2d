"""``Parameter``: a tensor a ``Module`` registers and an optimizer updates; ``Buffer``.

A Parameter is a leaf Tensor that shares its data (and version counter) with the tensor it is
made from, and requires grad by default::

    >>> import chainrule as torch
    >>> p = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    >>> p
    Parameter containing:
    tensor([1., 2.], requires_grad=True)
    >>> p.is_leaf, p.requires_grad
    (True, True)

Operations on a Parameter return plain tensors, as in PyTorch.
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor

__all__ = ["Parameter", "Buffer", "is_lazy"]


def _shared(cls, data: Tensor | None, requires_grad: bool) -> Tensor:
    if data is None:
        from .._creation import empty

        data = empty(0)
    if not isinstance(data, Tensor):
        raise TypeError(
            f"{cls.__name__}.__new__() expected a Tensor as data, got {type(data).__name__}")
    t = object.__new__(cls)
    t._data = data._data
    t._rg = False
    t._grad_fn = None
    # share the version counter: an in-place change through either is seen by both
    t._vc = data._version_counter()
    if requires_grad:
        t.requires_grad_(True)
    return t


class Parameter(Tensor):
    """A tensor that is a module parameter: assigning one to a ``Module`` attribute registers it.

    ``Parameter(data=None, requires_grad=True)`` shares ``data``'s memory; ``data=None`` gives
    an empty parameter.
    """

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True):
        return _shared(cls, data, requires_grad)

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        pass  # everything is done in __new__ (Tensor.__init__ is the legacy constructor)

    def __repr__(self) -> str:
        try:
            from .._printing import parameter_repr
        except ImportError:  # pragma: no cover - printing always provides it
            return "Parameter containing:\n" + Tensor.__repr__(self)
        return parameter_repr(self)

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        from .._tensor import _make

        result = type(self)(_make(self._data.copy()), self._rg)
        if self._grad is not None:
            result._grad = self._grad.__deepcopy__(memo)
        memo[id(self)] = result
        return result

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (type(self), self._data.copy(), self._rg))


def _rebuild_parameter(cls, data: np.ndarray, requires_grad: bool):
    from .._tensor import _make

    return cls(_make(data), requires_grad)


class Buffer(Tensor):
    """A tensor that assigned to a ``Module`` attribute is registered as a buffer.

    ``Buffer(data, persistent=True)``: a non-persistent buffer is left out of ``state_dict``.
    What the module stores is a plain tensor sharing ``data``'s memory, as in PyTorch.
    """

    def __new__(cls, data: Tensor | None = None, *, persistent: bool = True):
        t = _shared(cls, data, False)
        t.persistent = persistent
        return t

    def __init__(self, data: Tensor | None = None, *, persistent: bool = True) -> None:
        pass


def is_lazy(param) -> bool:
    """Whether ``param`` is uninitialized (chainrule has no lazy modules: always False)."""
    return False
