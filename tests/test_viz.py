"""viz: the graph as text and DOT, and a trace of the chain rule."""

from __future__ import annotations

import builtins

import pytest

import chainrule as torch
from chainrule import viz


def _graph():
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    x = torch.tensor([3.0, 4.0])
    h = (w * x).tanh()
    loss = (h * h).sum() + w.sum()
    return w, loss


def test_graph_text_shows_nodes_leaves_and_shared_nodes():
    w, loss = _graph()
    text = viz.graph_text(loss, {"w": w})
    assert text.splitlines()[0] == "AddBackward0"
    assert "AccumulateGrad (w: [2])" in text
    assert "(constant)" in text
    assert "(shared, shown above)" in text  # h feeds the product twice


def test_to_dot_is_graphviz_source():
    w, loss = _graph()
    dot = viz.to_dot(loss, {"w": w})
    assert dot.startswith("digraph chainrule {") and dot.endswith("}")
    assert "TanhBackward0" in dot and 'label="w\\n[2]"' in dot


def test_trace_backward_records_every_node_and_fills_grad():
    w, loss = _graph()
    steps = viz.trace_backward(loss, params={"w": w})
    names = [s.node for s in steps]
    assert names[0] == "AddBackward0" and names[-1] == "AccumulateGrad(w)"
    assert w.grad is not None
    assert str(steps[-1]).startswith("AccumulateGrad(w): grad [")


def test_render_without_graphviz_says_what_to_install(monkeypatch):
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "graphviz":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    _, loss = _graph()
    with pytest.raises(ImportError, match=r'pip install "chainrule\[viz\]"'):
        viz.render(loss, "graph")


def test_tensor_without_graph_is_refused():
    with pytest.raises(ValueError, match="does not require grad"):
        viz.graph_text(torch.ones(2))
