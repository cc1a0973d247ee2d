"""Property tests (hypothesis): broadcasting gradients and random graphs."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import chainrule as torch

OPS = {
    "add": (lambda a, b: a + b, lambda a, b: (np.ones_like(a * b), np.ones_like(a * b))),
    "sub": (lambda a, b: a - b, lambda a, b: (np.ones_like(a * b), -np.ones_like(a * b))),
    "mul": (lambda a, b: a * b, lambda a, b: (b + 0 * a, a + 0 * b)),
    "div": (lambda a, b: a / b, lambda a, b: (1 / b + 0 * a, -a / (b * b))),
}


def _sum_to(g: np.ndarray, shape: tuple) -> np.ndarray:
    while g.ndim > len(shape):
        g = g.sum(0)
    for i, s in enumerate(shape):
        if s == 1 and g.shape[i] != 1:
            g = g.sum(i, keepdims=True)
    return g


@settings(max_examples=150, deadline=None, derandomize=True)
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4,
                                                 max_side=4),
       op=st.sampled_from(sorted(OPS)), seed=st.integers(0, 2**16))
def test_broadcast_gradients_reduce_to_input_shapes(shapes, op, seed):
    rng = np.random.default_rng(seed)
    sa, sb = shapes.input_shapes
    a = rng.uniform(0.5, 2.0, sa)
    b = rng.uniform(0.5, 2.0, sb)
    ta = torch.tensor(a, requires_grad=True)
    tb = torch.tensor(b, requires_grad=True)
    f, df = OPS[op]
    out = f(ta, tb)
    assert tuple(out.shape) == shapes.result_shape
    w = rng.uniform(-1, 1, shapes.result_shape)
    out.backward(torch.tensor(w))
    da, db = df(np.broadcast_to(a, shapes.result_shape), np.broadcast_to(b, shapes.result_shape))
    np.testing.assert_allclose(ta.grad.numpy(), _sum_to(w * da, sa), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(tb.grad.numpy(), _sum_to(w * db, sb), rtol=1e-10, atol=1e-12)
    assert ta.grad.shape == sa and tb.grad.shape == sb


UNARY = [lambda x: x.exp() * 0.5, lambda x: x.tanh(), lambda x: x.sin(), lambda x: x * x,
         lambda x: x.sigmoid(), lambda x: (x * x + 1.0).log(), lambda x: x ** 3 * 0.1]
BINARY = [lambda x, y: x + y, lambda x, y: x * y, lambda x, y: x - y * 0.5,
          lambda x, y: x / (y * y + 1.0)]


@st.composite
def graphs(draw):
    """A random DAG: each step applies a unary or binary op to earlier values."""
    n_inputs = draw(st.integers(1, 3))
    steps = []
    for i in range(draw(st.integers(1, 12))):
        avail = n_inputs + i
        if draw(st.booleans()):
            steps.append(("u", draw(st.integers(0, len(UNARY) - 1)),
                          draw(st.integers(0, avail - 1))))
        else:
            steps.append(("b", draw(st.integers(0, len(BINARY) - 1)),
                          draw(st.integers(0, avail - 1)), draw(st.integers(0, avail - 1))))
    outs = draw(st.lists(st.integers(0, n_inputs + len(steps) - 1), min_size=1, max_size=3))
    return n_inputs, steps, outs


def _evaluate(inputs, steps, outs):
    vals = list(inputs)
    for s in steps:
        if s[0] == "u":
            vals.append(UNARY[s[1]](vals[s[2]]))
        else:
            vals.append(BINARY[s[1]](vals[s[2]], vals[s[3]]))
    total = vals[outs[0]].sum()
    for o in outs[1:]:
        total = total + vals[o].sum()
    return total


@settings(max_examples=120, deadline=None, derandomize=True)
@given(g=graphs(), seed=st.integers(0, 2**16))
def test_random_graph_gradients_match_finite_differences(g, seed):
    n_inputs, steps, outs = g
    rng = np.random.default_rng(seed)
    arrays = [rng.uniform(-1, 1, 3) for _ in range(n_inputs)]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    total = _evaluate(ts, steps, outs)
    if not total.requires_grad:
        return
    grads = torch.autograd.grad(total, ts, allow_unused=True)
    eps = 1e-6
    for i, a in enumerate(arrays):
        num = np.zeros_like(a)
        for k in range(a.size):
            plus = [x.copy() for x in arrays]
            minus = [x.copy() for x in arrays]
            plus[i][k] += eps
            minus[i][k] -= eps
            fp = _evaluate([torch.tensor(x) for x in plus], steps, outs).item()
            fm = _evaluate([torch.tensor(x) for x in minus], steps, outs).item()
            num[k] = (fp - fm) / (2 * eps)
        ana = np.zeros_like(a) if grads[i] is None else grads[i].numpy()
        np.testing.assert_allclose(ana, num, rtol=1e-4, atol=1e-6)
