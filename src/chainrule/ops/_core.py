"""What every op shares: recording a node, turning operands into arrays, registration.

An op is a function that computes its result on ndarrays and calls :func:`record`, which
wraps the result in a Tensor and, when grad mode is on and an input requires grad, attaches a
node of the op's derivative class. Registration (:func:`register`) makes the op public as
``chainrule.<name>`` and as a ``Tensor`` method, and lists it in :data:`OPS`, which the op
database tests check for completeness.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .. import _dtype
from .._tensor import Tensor, _make, _wrap_dim
from ..autograd.anomaly import _STATE as _ANOMALY
from ..autograd.anomaly import forward_trace
from ..autograd.grad_mode import STATE
from ..autograd.graph import (
    VersionCounter,
    accumulator,
    complex_error,
    has_complex,
    next_sequence_nr,
)

__all__ = ["record", "register", "cj", "OPS", "operands", "as_tensor_arg", "wrap_dim", "dims_arg",
           "broadcast_error", "Tensor", "make"]

make = _make
wrap_dim = _wrap_dim

#: every public differentiable or data op, by name: {name: function}
OPS: dict[str, Callable] = {}


def register(*names: str, method: bool = True, function: bool = True):
    """Publish an op as ``chainrule.<name>`` and (if ``method``) ``Tensor.<name>``."""

    def deco(fn: Callable) -> Callable:
        for n in names or (fn.__name__,):
            if function:
                OPS[n] = fn
            if method:
                setattr(Tensor, n, fn)
        return fn

    return deco


NO_EDGE = (None, 0)  # shared: an input that wants no gradient
_NO_VERSIONS = {1: (None,), 2: (None, None)}


def _edge(t):
    if t is None or not t._rg:
        return NO_EDGE
    fn = t._grad_fn
    if fn is not None:
        return (fn, t._output_nr)
    return (accumulator(t), 0)


def record(cls, out: np.ndarray, inputs: tuple, saved: tuple | None = None, args=None,
           save_out: bool = False, meta: tuple | None = None) -> Tensor:
    """Wrap ``out``; when an input needs a gradient, attach a ``cls`` node as its grad_fn.

    ``inputs`` are the differentiable arguments (a Tensor, or None for a constant), one edge
    each; ``saved`` what the derivative reads (tensors are version-checked); ``args`` the
    op's other arguments; ``save_out`` keeps the result for the derivative; ``meta`` per input
    ``(shape, dtype)`` when the gradient must be reduced or cast back to it.
    """
    if out.__class__ is not _ndarray:
        out = np.asarray(out)
    if not STATE.enabled or (kind := out.dtype.kind) not in "fc":
        return _make(out)
    if len(inputs) == 1:
        t = inputs[0]
        if not t._rg:
            return _make(out)
        fn = t._grad_fn
        edges = ((fn, t._output_nr) if fn is not None else (accumulator(t), 0),)
    elif len(inputs) == 2:
        a, b = inputs
        if not ((a is not None and a._rg) or (b is not None and b._rg)):
            return _make(out)
        edges = (_edge(a), _edge(b))
    else:
        for t in inputs:
            if t is not None and t._rg:
                break
        else:
            return _make(out)
        edges = tuple([_edge(t) for t in inputs])
    if not cls.complex_ok and (kind == "c" or has_complex(inputs)):
        raise complex_error(cls)
    node = cls()
    node._seq = next_sequence_nr()
    node._next = edges
    if saved is not None:
        node._saved = saved
        versions = []
        for t in saved:
            if t.__class__ is Tensor or isinstance(t, Tensor):
                vc = t._vc
                versions.append(0 if vc is None else vc.value)
            else:
                versions.append(None)
        node._versions = versions
    if args is not None:
        node._args = args
    if meta is not None:
        node._meta = meta
    return _output(node, out, save_out)


_ndarray = np.ndarray


def _output(node, out: np.ndarray, save_out: bool) -> Tensor:
    """The result tensor of a new ``node`` (which keeps ``out`` if its rule reads it)."""
    if _ANOMALY["enabled"]:
        node._anomaly_trace = forward_trace()
        node._special = True
    res = _make(out, True, node)
    if save_out:
        node._out = out
        node._out_vc = res._vc = VersionCounter()
    return res


def record_unary(cls, out: np.ndarray, x: Tensor, save_input: bool = False,
                 save_out: bool = False, args=None) -> Tensor:
    """:func:`record` for an op of one tensor (the hot path of elementwise math).

    For elementwise ops only, whose output is complex exactly when ``x`` is: a node class
    not flagged ``complex_ok`` is refused on a complex output (checked off the float path).
    """
    if out.__class__ is not _ndarray:
        out = np.asarray(out)
    if not (x._rg and STATE.enabled):
        return _make(out)
    kind = out.dtype.kind
    if kind != "f":
        if kind != "c":
            return _make(out)
        if not cls.complex_ok:
            # its callers are elementwise ops: complex output exactly when the input is
            raise complex_error(cls)
    fn = x._grad_fn
    edge = (fn, x._output_nr) if fn is not None else (accumulator(x), 0)
    node = cls()
    node._seq = next_sequence_nr()  # after the edge: a new AccumulateGrad must come first
    node._next = (edge,)
    if save_input:
        node._saved = (x,)
        vc = x._vc
        node._versions = (0 if vc is None else vc.value,)
    if args is not None:
        node._args = args
    return _output(node, out, save_out)


def record_with_number(cls, out: np.ndarray, x: Tensor, number, save_number: bool,
                       args=None) -> Tensor:
    """:func:`record` for ``tensor <op> number``: the number is a constant second input.

    Only for a floating (never complex) tensor and a real number, so no complex check.
    """
    if out.__class__ is not _ndarray:
        out = np.asarray(out)
    if not (x._rg and STATE.enabled):
        return _make(out)
    fn = x._grad_fn
    edge = (fn, x._output_nr) if fn is not None else (accumulator(x), 0)
    node = cls()
    node._seq = next_sequence_nr()  # after the edge: a new AccumulateGrad must come first
    node._next = (edge, NO_EDGE)
    if save_number:
        node._saved = (None, number)
        node._versions = _NO_VERSIONS[2]
    if args is not None:
        node._args = args
    return _output(node, out, False)


def record_multi(cls, outs: list, inputs: tuple, saved=None, args=None, meta=None) -> tuple:
    """Like :func:`record` for an op with several differentiable outputs."""
    if not (STATE.enabled and any(t is not None and t._rg for t in inputs)):
        return tuple(_make(o) for o in outs)
    if not cls.complex_ok and (has_complex(inputs) or any(
            np.asarray(o).dtype.kind == "c" for o in outs)):
        raise complex_error(cls)
    edges = tuple([_edge(t) for t in inputs])
    node = cls()
    node._seq = next_sequence_nr()  # after the edges: a new AccumulateGrad must come first
    node.n_outputs = len(outs)
    node._next = edges
    if saved is not None:
        node._saved = saved
        node._versions = tuple([
            (0 if t._vc is None else t._vc.value) if isinstance(t, Tensor) else None
            for t in saved])
    node._args = args
    node._meta = meta
    res = []
    for i, o in enumerate(outs):
        t = _make(o, True, node)
        if i:
            t._output_nr = i
        res.append(t)
    return tuple(res)


def cj(F, x):
    """The complex conjugate of a saved operand when it is complex, else ``x`` unchanged.

    Rules use it for PyTorch's conjugate Wirtinger gradients (``d(x*y)/dx -> g * conj(y)``);
    real arrays pass through without the copy ``np.conj`` would make.
    """
    if x.__class__ is _ndarray:
        return np.conj(x) if x.dtype.kind == "c" else x
    if x is None or x.__class__ is float or x.__class__ is int:
        return x
    if isinstance(x, complex):
        return x.conjugate()
    if isinstance(x, Tensor):
        return F.conj(x)  # chainrule's conj is the tensor itself when it is real
    return np.conj(x) if np.iscomplexobj(x) else x


def as_tensor_arg(x) -> Tensor:
    """A Tensor for ``x``: tensors pass through, numbers and arrays are wrapped as constants."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (bool, int, float, complex)):
        dt = _dtype._scalar_dtype(x)
        return _make(np.asarray(x, dtype=dt.np))
    from .._creation import tensor

    return tensor(x)


_SCALARS = (int, float, bool)


def operands(a, b):
    """Arrays for a binary op and the dtype PyTorch gives its result.

    Returns ``(ta, tb, da, db, dtype)`` where ``ta``/``tb`` are the Tensor operands (None for a
    Python scalar), ``da``/``db`` what NumPy computes with, and ``dtype`` the NumPy result
    dtype to cast to, or None when NumPy already produces PyTorch's.
    """
    if isinstance(a, Tensor):
        ta, da = a, a._data
    elif isinstance(a, _SCALARS) or isinstance(a, complex):
        ta, da = None, a
    else:
        ta = as_tensor_arg(a)
        da = ta._data
    if isinstance(b, Tensor):
        tb, db = b, b._data
    elif isinstance(b, _SCALARS) or isinstance(b, complex):
        tb, db = None, b
    else:
        tb = as_tensor_arg(b)
        db = tb._data
    if ta is not None and tb is not None:
        if da.dtype is db.dtype or da.dtype == db.dtype:
            return ta, tb, da, db, None
    elif ta is not None:
        if da.dtype.kind in "fc" or (da.dtype.kind in "iu" and b.__class__ is int):
            return ta, tb, da, db, None
    elif tb is not None:
        if db.dtype.kind in "fc" or (db.dtype.kind in "iu" and a.__class__ is int):
            return ta, tb, da, db, None
    else:
        raise TypeError("at least one operand must be a Tensor")
    dt = _dtype.result_type(a if ta is None else ta, b if tb is None else tb).np
    return ta, tb, da, db, dt


def binary_meta(ta, tb, out: np.ndarray):
    """Per-input ``(shape, dtype)`` for the engine when an input differs from ``out``.

    When either input's dtype differs from the result's, both get one: a gradient computed
    with the other operand (``g * y``) may come out in that operand's wider dtype.
    """
    da = None if ta is None else ta._data
    db = None if tb is None else tb._data
    mixed = (da is not None and da.dtype != out.dtype) or (db is not None and db.dtype != out.dtype)
    ma = mb = None
    if da is not None and (mixed or da.shape != out.shape):
        ma = (da.shape, ta.dtype)
    if db is not None and (mixed or db.shape != out.shape):
        mb = (db.shape, tb.dtype)
    if ma is None and mb is None:
        return None
    return (ma, mb)


def broadcast_error(a_shape, b_shape) -> RuntimeError:
    """PyTorch's message for shapes that do not broadcast."""
    na, nb = len(a_shape), len(b_shape)
    n = max(na, nb)
    for i in range(1, n + 1):
        sa = a_shape[-i] if i <= na else 1
        sb = b_shape[-i] if i <= nb else 1
        if sa != sb and sa != 1 and sb != 1:
            return RuntimeError(
                f"The size of tensor a ({sa}) must match the size of tensor b ({sb}) at "
                f"non-singleton dimension {n - i}")
    return RuntimeError(f"shapes {list(a_shape)} and {list(b_shape)} cannot be broadcast")


def dims_arg(dim, ndim: int) -> tuple | None:
    """Normalise ``dim`` (None, int, or sequence of ints; negative allowed) to a sorted tuple."""
    if dim is None:
        return None
    if isinstance(dim, (int, np.integer)):
        return (_wrap_dim(int(dim), ndim),)
    dims = tuple(_wrap_dim(int(d), ndim) for d in dim)
    if len(set(dims)) != len(dims):
        d = next(d for d in dims if dims.count(d) > 1)
        raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    return tuple(sorted(dims))
