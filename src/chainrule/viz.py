"""See the graph and the chain rule at work.

>>> import chainrule as torch
>>> from chainrule import viz
>>> x = torch.tensor(2.0, requires_grad=True)
>>> y = torch.tensor(3.0, requires_grad=True)
>>> z = x ** 2 + y * 3
>>> print(viz.graph_text(z, {"x": x, "y": y}))
AddBackward0
├── PowBackward0
│   └── AccumulateGrad (x: [])
└── MulBackward0
    ├── AccumulateGrad (y: [])
    └── (constant)
>>> for step in viz.trace_backward(z, params={"x": x, "y": y}):
...     print(step)
AddBackward0: grad_out 1. -> grad_in (1., 1.)
MulBackward0: grad_out 1. -> grad_in (3., None)
AccumulateGrad(y): grad 3.
PowBackward0: grad_out 1. -> grad_in (4.,)
AccumulateGrad(x): grad 4.

``to_dot`` gives Graphviz source; ``render`` draws it to a file (needs the ``viz`` extra:
``pip install "chainrule[viz]"`` and Graphviz's ``dot`` program).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ._tensor import Tensor
from .autograd.graph import AccumulateGrad, Node, gradient_edge

__all__ = ["graph_text", "to_dot", "render", "trace_backward", "BackwardStep"]


def _names(params: Mapping[str, Tensor] | None) -> dict[int, str]:
    return {id(t): name for name, t in (params or {}).items()}


def _root(t: Tensor) -> Node:
    node = gradient_edge(t)[0]
    if node is None:
        raise ValueError("the tensor does not require grad: it has no graph to show")
    return node


def _label(node: Node, names: dict[int, str]) -> str:
    if isinstance(node, AccumulateGrad):
        v = node.variable
        name = names.get(id(v), "leaf")
        return f"AccumulateGrad ({name}: {list(v.shape)})"
    return type(node).__name__


def graph_text(t: Tensor, params: Mapping[str, Tensor] | None = None) -> str:
    """The graph behind ``t`` as an indented tree; a node reached twice is marked."""
    names = _names(params)
    lines: list[str] = []
    seen: set[int] = set()
    stack = [(_root(t), "", "", True)]
    while stack:
        node, prefix, branch, _last = stack.pop()
        if node is None:
            lines.append(f"{prefix}{branch}(constant)")
            continue
        again = id(node) in seen and not isinstance(node, AccumulateGrad)
        lines.append(f"{prefix}{branch}{_label(node, names)}" + (" (shared, shown above)"
                                                               if again else ""))
        if again:
            continue
        seen.add(id(node))
        children = [c for c, _ in node.next_functions]
        child_prefix = prefix + ("" if not branch else ("    " if branch == "└── " else "│   "))
        for i in reversed(range(len(children))):
            last = i == len(children) - 1
            stack.append((children[i], child_prefix, "└── " if last else "├── ", last))
    return "\n".join(lines)


def to_dot(t: Tensor, params: Mapping[str, Tensor] | None = None) -> str:
    """Graphviz DOT source of the graph behind ``t`` (leaves blue, the output green)."""
    names = _names(params)
    root = _root(t)
    out = ["digraph chainrule {", '  node [shape=box, style="rounded,filled", '
           'fontname="Helvetica", fillcolor=lightgrey];']
    out.append(f'  output [label="output\\n{list(t.shape)}", fillcolor=darkolivegreen1];')
    out.append(f"  n{id(root)} -> output;")
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, AccumulateGrad):
            v = node.variable
            label = f"{names.get(id(v), 'leaf')}\\n{list(v.shape)}"
            out.append(f'  n{id(node)} [label="{label}", fillcolor=lightblue];')
        else:
            out.append(f'  n{id(node)} [label="{type(node).__name__}"];')
        for child, _ in node.next_functions:
            if child is not None:
                out.append(f"  n{id(child)} -> n{id(node)};")
                stack.append(child)
    out.append("}")
    return "\n".join(out)


def render(t: Tensor, path: str, params: Mapping[str, Tensor] | None = None,
           format: str = "png") -> str:
    """Draw the graph behind ``t`` to ``path`` (without extension); returns the file written."""
    try:
        import graphviz
    except ImportError:
        raise ImportError('render() needs the graphviz package: pip install "chainrule[viz]" '
                          "(and Graphviz's dot program, e.g. apt-get install graphviz)") from None
    return graphviz.Source(to_dot(t, params)).render(path, format=format, cleanup=True)


@dataclass
class BackwardStep:
    """One node's part of the chain rule: the gradient it received and what it passed on."""

    node: str
    grad_out: tuple
    grad_in: tuple

    def __str__(self) -> str:
        def fmt(g):
            return "None" if g is None else np.array2string(np.asarray(g), precision=4)

        if self.node.startswith("AccumulateGrad"):
            return f"{self.node}: grad {fmt(self.grad_out[0])}"
        grad_in = ", ".join(fmt(g) for g in self.grad_in)
        trailing = "," if len(self.grad_in) == 1 else ""
        return (f"{self.node}: grad_out {', '.join(fmt(g) for g in self.grad_out)} -> grad_in "
                f"({grad_in}{trailing})")


def trace_backward(t: Tensor, gradient: Tensor | None = None,
                   params: Mapping[str, Tensor] | None = None) -> list[BackwardStep]:
    """Run ``t.backward(gradient)`` and record, node by node, the gradients that flowed."""
    names = _names(params)
    steps: list[BackwardStep] = []
    handles = []
    seen: set[int] = set()
    stack = [_root(t)]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, AccumulateGrad):
            label = f"AccumulateGrad({names.get(id(node.variable), 'leaf')})"

            def leaf_hook(grads, label=label):
                steps.append(BackwardStep(label, tuple(_arr(g) for g in grads), ()))

            handles.append(node.register_prehook(leaf_hook))
        else:
            def hook(grad_in, grad_out, name=type(node).__name__):
                steps.append(BackwardStep(name, tuple(_arr(g) for g in grad_out),
                                          tuple(_arr(g) for g in grad_in)))

            handles.append(node.register_hook(hook))
        stack.extend(c for c, _ in node.next_functions)
    try:
        t.backward(gradient)
    finally:
        for h in handles:
            h.remove()
    return steps


def _arr(g):
    return None if g is None else np.array(g._data)
