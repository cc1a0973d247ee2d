"""The recorded graph: nodes (what ``grad_fn`` is), their edges, saved tensors and hooks.

A node is created by every differentiable op whose inputs want a gradient. It holds:

- ``_next``: one ``(node, output_nr)`` edge per differentiable input, ``(None, 0)`` for an
  input that wants no gradient (``next_functions`` exposes it);
- ``_saved`` / ``_versions``: the input tensors its derivative needs, with their version
  numbers when saved, so that a later in-place change is detected instead of silently
  giving a wrong gradient;
- ``_out`` / ``_out_vc``: the output's array when the derivative is written in terms of the
  result (``exp``, ``tanh``...). The array, not the tensor, is kept so that the output does
  not form a reference cycle with its own ``grad_fn``;
- ``_meta``: per-input ``(shape, dtype)`` when an input differs from the output (broadcast or
  promoted); the engine then reduces and casts the gradient back in one place;
- ``_args``: the op's non-tensor arguments (``dim``, ``keepdim``...).

Node classes are named from the op, never by hand: ``derivative("mul")`` makes
``MulBackward0``.
"""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Callable
from typing import Any

__all__ = ["Node", "AccumulateGrad", "NotImplementedBackward", "derivative", "VersionCounter",
           "gradient_edge", "RemovableHandle", "complex_error", "has_complex", "mark_complex_ok"]

#: Sequence numbers order nodes by creation; the engine runs them in reverse (see engine.py).
next_sequence_nr = itertools.count(1).__next__

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class VersionCounter:
    """Counts in-place modifications of a tensor's storage; shared by views and ``detach()``.

    ``where`` is the ``(file, line)`` of the user code that made the last change, for the
    error raised when a derivative finds a saved tensor modified.
    """

    __slots__ = ("value", "where")

    def __init__(self) -> None:
        self.value = 0
        self.where: tuple[str, int] | None = None

    def bump(self) -> None:
        self.value += 1
        self.where = _caller_location()


_inside_package: dict = {}


def _caller_location() -> tuple[str, int] | None:
    """``(file, line)`` of the first frame outside chainrule: the user code doing an in-place op."""
    f = sys._getframe(2)
    while f is not None:
        code = f.f_code
        inside = _inside_package.get(code)
        if inside is None:
            inside = _inside_package[code] = code.co_filename.startswith(_PACKAGE_DIR)
        if not inside:
            return (code.co_filename, f.f_lineno)
        f = f.f_back
    return None


class RemovableHandle:
    """Returned by ``register_hook``; ``remove()`` unregisters the hook."""

    _next_id = 0

    def __init__(self, hooks: dict) -> None:
        self._hooks = hooks
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1

    def remove(self) -> None:
        self._hooks.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


class _Freed(tuple):
    """Marks saved values released after backward (distinct from 'nothing saved')."""

    def __repr__(self) -> str:
        return "FREED"


FREED = _Freed()


# Nodes PyTorch implements by hand in C++ rather than generating: name() is namespaced
_CPP_NODE_NAMES = {"AccumulateGrad", "CopyBackwards", "CopySlices", "NotImplemented", "Error",
                   "DelayedError", "GraphRoot"}


class Node:
    """A recorded operation: ``grad_fn`` of the tensors it produced.

    Subclasses implement ``backward(self, F, grad)`` (or ``grads`` for several outputs), where
    ``F`` is the math namespace the engine runs the formula with: NumPy arrays normally,
    differentiable tensors under ``create_graph=True``.
    """

    # Class-level defaults keep creating a node to the few fields an op actually sets.
    _next: tuple = ()
    _saved: tuple | None = None
    _versions: tuple = ()
    _out = None
    _out_vc: VersionCounter | None = None
    _out_version = 0
    _meta: tuple | None = None
    _args: Any = None
    _special = False  # True once a hook, retain_grad or anomaly check needs the slow path
    _pre_hooks: dict | None = None
    _tensor_pre_hooks: dict | None = None
    _post_hooks: dict | None = None
    _retained: dict | None = None
    _anomaly_trace: str | None = None
    n_outputs = 1
    #: True for the rules checked to give PyTorch's (conjugate Wirtinger) gradients for complex
    #: tensors; recording any other node with a complex input or output raises (see _core).
    complex_ok = False

    @property
    def next_functions(self) -> tuple:
        return self._next

    def name(self) -> str:
        """PyTorch's name for the node (its C++ nodes carry the ``torch::autograd::`` prefix)."""
        n = type(self).__name__
        return "torch::autograd::" + n if n in _CPP_NODE_NAMES else n

    def _sequence_nr(self) -> int:
        return self._seq

    @property
    def metadata(self) -> dict:
        d = self.__dict__.get("_metadata")
        if d is None:
            d = self.__dict__["_metadata"] = {}
        return d

    def __repr__(self) -> str:
        return f"<{type(self).__name__} object at {id(self):#x}>"

    def __call__(self, *grads):
        """Run this node's derivative on ``grads`` (tensors) and return input gradients."""
        from . import engine

        return engine.call_node(self, grads)

    def register_hook(self, fn: Callable) -> RemovableHandle:
        """``fn(grad_inputs, grad_outputs)`` runs after this node; may return new grad_inputs."""
        if self._post_hooks is None:
            self._post_hooks = {}
        self._special = True
        h = RemovableHandle(self._post_hooks)
        self._post_hooks[h.id] = fn
        return h

    def register_prehook(self, fn: Callable) -> RemovableHandle:
        """``fn(grad_outputs)`` runs before this node; may return new grad_outputs."""
        if self._pre_hooks is None:
            self._pre_hooks = {}
        self._special = True
        h = RemovableHandle(self._pre_hooks)
        self._pre_hooks[h.id] = fn
        return h

    def release(self) -> None:
        """Drop saved values (as backward does without ``retain_graph``)."""
        if self._saved is not None:
            self._saved = FREED
        if self._out is not None:
            self._out = FREED

    def backward(self, F, grad):  # pragma: no cover - every op overrides
        raise NotImplementedError


class NotImplementedBackward(Node):
    """The node of an op PyTorch defines no derivative for (``floor_divide``...).

    Recording it keeps the graph intact; running it raises PyTorch's error. ``_args`` holds
    the op's name.
    """

    def backward(self, F, g):
        raise RuntimeError(f"derivative for aten::{self._args} is not implemented")


NotImplementedBackward.__name__ = NotImplementedBackward.__qualname__ = "NotImplemented"
NotImplementedBackward.complex_ok = True  # raises when run: never a wrong gradient


class AccumulateGrad(Node):
    """The node of a leaf that requires grad: adds the incoming gradient into ``.grad``."""

    def __init__(self, variable) -> None:
        self.variable = variable
        self._seq = next_sequence_nr()

    _special = True  # always takes the engine's full path
    complex_ok = True  # adds the gradient as it arrives


def gradient_edge(t) -> tuple:
    """The ``(node, output_nr)`` edge through which a gradient reaches tensor ``t``."""
    if not t._rg:
        return (None, 0)
    fn = t._grad_fn
    if fn is not None:
        return (fn, t._output_nr)
    return (accumulator(t), 0)


def accumulator(t) -> AccumulateGrad:
    """The leaf's AccumulateGrad, one per leaf while the graph holds it (kept weakly)."""
    ref = t._accum
    acc = ref() if ref is not None else None
    if acc is None:
        import weakref

        acc = AccumulateGrad(t)
        t._accum = weakref.ref(acc)
    return acc


def _camel(op_name: str) -> str:
    # PyTorch's codegen title-cases each word: log1p -> Log1P, max_pool2d -> MaxPool2D
    return "".join(p.title() for p in op_name.split("_"))


def derivative(op_name: str, overload: int = 0, *, outputs: int = 1,
               complex_ok: bool = False) -> Callable[[Callable], type]:
    """Turn a derivative formula into the node class named after its op.

    ``@derivative("mul")`` applied to ``def rule(node, F, grad)`` returns class
    ``MulBackward0`` whose ``backward`` is ``rule``. ``outputs=k`` declares an op with k
    outputs; its rule then receives a list of k gradients (None where none arrived).
    A node that saved nothing (``add``) can run twice without ``retain_graph``, as in
    PyTorch: only saved values are released after backward.
    ``complex_ok=True`` declares the rule correct for complex tensors (PyTorch's conjugate
    Wirtinger convention, checked against PyTorch); without it recording the node with a
    complex input or output raises ``NotImplementedError``.
    """

    def make(rule: Callable) -> type:
        name = f"{_camel(op_name)}Backward{overload}"
        cls = type(name, (Node,), {"backward": rule, "n_outputs": outputs,
                                   "complex_ok": complex_ok,
                                   "__module__": rule.__module__,
                                   "__doc__": rule.__doc__})
        cls.__qualname__ = name
        return cls

    return make


def mark_complex_ok(*classes: type) -> None:
    """Declare existing node classes correct for complex tensors (see ``derivative``)."""
    for cls in classes:
        cls.complex_ok = True


def complex_error(cls: type) -> NotImplementedError:
    """The error for recording ``cls``, not checked for complex tensors, on complex ones."""
    name = cls.__name__
    op = name[:name.rfind("Backward")] if "Backward" in name else name
    return NotImplementedError(
        f"chainrule does not differentiate {op} ({name}) for complex tensors yet (PyTorch's "
        "conjugate Wirtinger gradients); compute it on the real and imaginary parts, or detach "
        "the input")


def has_complex(tensors) -> bool:
    """Whether one of ``tensors`` (Tensors or None) is complex."""
    for t in tensors:
        if t is not None and t._data.dtype.kind == "c":
            return True
    return False
