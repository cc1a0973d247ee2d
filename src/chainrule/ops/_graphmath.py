"""The math namespace derivative rules use under ``create_graph=True``.

Rules are written once against ``F`` (see ``autograd.engine.ArrayMath``). Here ``F`` is
:class:`TensorMath`: the same names, implemented with chainrule's own differentiable ops, so
the backward pass records a graph that can be differentiated again. A family of ops that
needs a new name in ``F`` declares it with :func:`define_math`, giving both versions.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..autograd import engine
from ..autograd.engine import ArrayMath, check_output, check_saved, sum_to
from ._core import OPS, Tensor, make


class TensorMath:
    """Formulas' namespace over differentiable tensors."""

    mode = "tensor"

    @staticmethod
    def saved(node) -> list:
        return check_saved(node, False)

    @staticmethod
    def output(node) -> Tensor:
        out = check_output(node)
        t = make(out, True, node)
        t._vc = node._out_vc
        return t

    @staticmethod
    def needs(node) -> tuple:
        return engine.needs(node)

    @staticmethod
    def sum(x, dim=None, keepdim=False):
        return OPS["sum"](x, dim, keepdim=keepdim) if dim is not None else OPS["sum"](x)

    @staticmethod
    def sum_to(g, shape):
        return sum_to(g, shape)

    @staticmethod
    def mask(cond, like):
        return cond.to(like.dtype)

    @staticmethod
    def zeros(shape, like):
        return make(np.zeros(shape, like._data.dtype))

    @staticmethod
    def zeros_like(x):
        return make(np.zeros_like(x._data))

    @staticmethod
    def ones_like(x):
        return make(np.ones_like(x._data))

    @staticmethod
    def full_like(x, value):
        return make(np.full_like(x._data, value))

    @staticmethod
    def cast(x, like):
        return x.to(like.dtype)

    @staticmethod
    def const(value, like):
        return make(np.asarray(value, dtype=like._data.dtype))

    @staticmethod
    def reshape(x, shape):
        return x.reshape(shape)

    @staticmethod
    def expand(x, shape):
        return x.expand(shape)

    @staticmethod
    def swapaxes(x, a, b):
        return x.transpose(a, b)

    @staticmethod
    def permute(x, dims):
        return x.permute(*dims)

    @staticmethod
    def getitem(x, index):
        return x[index]

    @staticmethod
    def cat(xs, axis=0):
        return OPS["cat"](list(xs), axis)

    @staticmethod
    def stack(xs, axis=0):
        return OPS["stack"](list(xs), axis)


# Names whose tensor version is simply the public op of the same name.
for _name in ("exp", "log", "sin", "cos", "tan", "tanh", "sinh", "cosh", "sqrt", "abs", "sign",
              "where", "matmul", "maximum", "minimum", "floor", "ceil", "flip", "roll", "tril",
              "triu", "outer", "einsum", "conj", "sigmoid", "erf", "log1p", "expm1", "reciprocal"):
    setattr(TensorMath, _name, staticmethod(lambda *a, _n=_name, **k: OPS[_n](*a, **k)))

ArrayMath.floor = staticmethod(np.floor)
ArrayMath.ceil = staticmethod(np.ceil)
ArrayMath.log1p = staticmethod(np.log1p)
ArrayMath.expm1 = staticmethod(np.expm1)
ArrayMath.reciprocal = staticmethod(np.reciprocal)


def define_math(name: str, array_fn: Callable, tensor_fn: Callable) -> None:
    """Add ``F.<name>`` to both namespaces: ``array_fn`` on ndarrays, ``tensor_fn`` on tensors."""
    setattr(ArrayMath, name, staticmethod(array_fn))
    setattr(TensorMath, name, staticmethod(tensor_fn))


engine.set_tensor_math(TensorMath)
