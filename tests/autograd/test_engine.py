"""The backward pass: accumulation, shared subexpressions, pruning, retain/create graph,
hooks, autograd.grad, and graphs too deep for any recursive engine."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

import chainrule as torch
from chainrule.autograd.graph import AccumulateGrad


def test_shared_subexpression_sums_before_its_node_runs():
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    b = a + a
    c = b + b
    c.sum().backward()
    assert a.grad.tolist() == [4.0, 4.0]


def test_diamond_graph_runs_each_node_once():
    calls = []
    x = torch.tensor(2.0, requires_grad=True)
    y = x * 3
    y.grad_fn.register_hook(lambda gi, go: calls.append(1))
    z = y * y + y.exp()
    z.backward()
    assert calls == [1]
    np.testing.assert_allclose(x.grad.item(), (2 * 6 + np.exp(6)) * 3, rtol=1e-6)


def test_gradients_accumulate_across_backward_calls():
    x = torch.tensor(3.0, requires_grad=True)
    (x * x).backward()
    g = x.grad
    (x * x).backward()
    assert x.grad.item() == 12.0
    assert x.grad is g  # accumulated in place, as PyTorch does without create_graph


def test_leaf_grad_does_not_alias_the_seed_gradient():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    seed = torch.tensor([1.0, 1.0])
    (x + 0).backward(seed)
    x.grad.zero_()
    assert seed.tolist() == [1.0, 1.0]


def test_add_of_two_leaves_gives_each_its_own_grad_array():
    x = torch.tensor([1.0], requires_grad=True)
    y = torch.tensor([1.0], requires_grad=True)
    (x + y).sum().backward()
    x.grad.zero_()
    assert y.grad.item() == 1.0


def test_nodes_that_lead_to_no_wanted_input_do_not_run():
    ran = []
    x = torch.tensor(1.0, requires_grad=True)
    w = torch.tensor(2.0, requires_grad=True)
    side = w * 5
    side.grad_fn.register_hook(lambda gi, go: ran.append("side"))
    out = x * 2 + side
    (gx,) = torch.autograd.grad(out, [x])
    assert gx.item() == 2.0
    assert ran == []
    assert w.grad is None


def test_only_needed_input_gradients_are_computed():
    seen = {}
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    c = torch.tensor([3.0, 4.0])
    y = x * c
    y.grad_fn.register_hook(lambda gi, go: seen.setdefault("gi", gi))
    y.sum().backward()
    assert seen["gi"][1] is None  # no gradient computed for the constant


def test_million_op_chain_backpropagates():
    x = torch.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(1_000_000):
        y = y + 1.0
    y.backward()
    assert x.grad.item() == 1.0


def test_retain_graph_allows_a_second_backward():
    x = torch.tensor(2.0, requires_grad=True)
    y = x ** 3
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.item() == 24.0
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.backward()


def test_node_that_saved_nothing_can_run_twice():
    x = torch.tensor(2.0, requires_grad=True)
    y = x + 3
    y.backward()
    y.backward()
    assert x.grad.item() == 2.0


def test_second_derivative_with_create_graph():
    x = torch.tensor(1.5, requires_grad=True)
    y = x.sin() * x ** 3
    (g,) = torch.autograd.grad(y, x, create_graph=True)
    (h,) = torch.autograd.grad(g, x)
    v = 1.5
    expected = -np.sin(v) * v**3 + 6 * np.cos(v) * v**2 + 6 * np.sin(v) * v
    np.testing.assert_allclose(h.item(), expected, rtol=1e-5)


def test_third_derivative():
    x = torch.tensor(0.7, requires_grad=True)
    y = x.exp() * x
    g1, = torch.autograd.grad(y, x, create_graph=True)
    g2, = torch.autograd.grad(g1, x, create_graph=True)
    g3, = torch.autograd.grad(g2, x)
    np.testing.assert_allclose(g3.item(), np.exp(0.7) * (0.7 + 3), rtol=1e-5)


def test_backward_with_create_graph_stores_differentiable_grad():
    x = torch.tensor(3.0, requires_grad=True)
    (x ** 2).backward(create_graph=True)
    assert x.grad.requires_grad
    assert x.grad.grad_fn is not None


def test_backward_inputs_restricts_accumulation():
    x = torch.tensor(1.0, requires_grad=True)
    w = torch.tensor(2.0, requires_grad=True)
    (x * w).backward(inputs=[w])
    assert w.grad.item() == 1.0
    assert x.grad is None


def test_grad_of_non_leaf_input():
    x = torch.tensor(2.0, requires_grad=True)
    h = x * 3
    y = h * h
    (gh,) = torch.autograd.grad(y, h)
    assert gh.item() == 12.0


def test_grad_allow_unused_and_materialize():
    x = torch.tensor(1.0, requires_grad=True)
    u = torch.tensor(1.0, requires_grad=True)
    with pytest.raises(RuntimeError, match="appears to not have been used in the graph"):
        torch.autograd.grad(x * 2, [x, u])
    gx, gu = torch.autograd.grad(x * 2, [x, u], allow_unused=True)
    assert gu is None
    gx, gu = torch.autograd.grad(x * 2, [x, u], materialize_grads=True)
    assert gu.item() == 0.0


def test_non_scalar_backward_needs_gradient():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError,
                       match="^grad can be implicitly created only for scalar outputs$"):
        (x * 2).backward()


def test_gradient_shape_mismatch_names_both_shapes():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError) as e:
        (x * 2).backward(torch.ones(3))
    assert str(e.value) == ("Mismatch in shape: grad_output[0] has a shape of torch.Size([3]) "
                            "and output[0] has a shape of torch.Size([2]).")


def test_backward_without_graph_raises():
    with pytest.raises(RuntimeError, match="^element 0 of tensors does not require grad and "
                                           "does not have a grad_fn$"):
        torch.tensor([1.0, 2.0]).sum().backward()


def test_tensor_hook_changes_gradient():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.register_hook(lambda g: g * 10)
    y.sum().backward()
    assert x.grad.tolist() == [20.0, 20.0]


def test_leaf_hook_and_removal():
    x = torch.tensor([1.0], requires_grad=True)
    h = x.register_hook(lambda g: g + 1)
    (x * 3).sum().backward()
    assert x.grad.item() == 4.0
    h.remove()
    x.grad = None
    (x * 3).sum().backward()
    assert x.grad.item() == 3.0


def test_retain_grad_on_non_leaf():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    assert y.retains_grad
    (y * y).sum().backward()
    assert y.grad.tolist() == [4.0, 8.0]


def test_non_leaf_grad_access_warns():
    x = torch.tensor(1.0, requires_grad=True)
    y = x * 2
    with pytest.warns(UserWarning, match="is not a leaf Tensor is being accessed"):
        assert y.grad is None


def test_node_pre_and_post_hooks():
    x = torch.tensor(2.0, requires_grad=True)
    y = x * 3
    y.grad_fn.register_prehook(lambda go: (go[0] * 2,))
    y.grad_fn.register_hook(lambda gi, go: (gi[0] + 1, gi[1]))
    y.backward()
    assert x.grad.item() == 7.0


def test_next_functions_and_accumulate_grad_identity():
    x = torch.tensor(2.0, requires_grad=True)
    a = x * 2
    b = x * 3
    acc = a.grad_fn.next_functions[0][0]
    assert isinstance(acc, AccumulateGrad)
    assert acc is b.grad_fn.next_functions[0][0]
    assert acc.variable is x
    assert a.grad_fn.next_functions[1] == (None, 0)
    assert repr(a.grad_fn).startswith("<MulBackward0 object at 0x")


def test_graph_is_freed_without_the_cycle_collector():
    gc.disable()
    try:
        x = torch.tensor([1.0, 2.0], requires_grad=True)
        y = (x * 2).exp().sum()
        ref = weakref.ref(y.grad_fn)
        del y
        assert ref() is None
    finally:
        gc.enable()


def test_saved_tensors_released_after_backward():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    big = torch.ones(1000, requires_grad=True)
    y = (big * big).sum() + (x * x).sum()
    node = y.grad_fn.next_functions[0][0].next_functions[0][0]
    assert node._saved is not None
    y.backward()
    assert not node._saved  # released


def test_grad_dtype_follows_the_input_dtype():
    x = torch.tensor([1.0, 2.0], requires_grad=True)                     # float32
    w = torch.tensor([3.0, 4.0], dtype=torch.float64, requires_grad=True)
    (x * w).sum().backward()
    assert x.grad.dtype is torch.float32
    assert w.grad.dtype is torch.float64


def test_broadcast_gradient_is_reduced_to_input_shape():
    a = torch.ones(3, 1, requires_grad=True)
    b = torch.ones(4, requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.shape == (3, 1) and a.grad.tolist() == [[4.0], [4.0], [4.0]]
    assert b.grad.tolist() == [3.0] * 4


def test_matches_torch_on_a_mixed_graph():
    pt = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    xs, ws = rng.standard_normal((4, 3)), rng.standard_normal((3, 2))
    results = []
    for lib in (torch, pt):
        x = lib.tensor(xs, requires_grad=True)
        w = lib.tensor(ws, requires_grad=True)
        h = (x @ w).tanh()
        loss = (h * h).mean() + (x.exp() / (1 + x * x)).sum()
        loss.backward()
        results.append((loss.item(), x.grad.numpy().copy(), w.grad.numpy().copy()))
    for a, b in zip(results[0], results[1]):
        np.testing.assert_allclose(a, b, rtol=1e-10)


def test_leaf_used_first_by_a_unary_op_gets_all_its_gradient():
    # a leaf's AccumulateGrad is created by its first use and must be ordered before that node
    x = torch.tensor([0.5, 1.0], requires_grad=True)
    (g,) = torch.autograd.grad(x.exp() - x, x, torch.ones(2))
    np.testing.assert_allclose(g.numpy(), np.exp([0.5, 1.0]) - 1, rtol=1e-6)
    y = torch.tensor([0.5, 1.0], requires_grad=True)
    (g,) = torch.autograd.grad(y * 2.0 + y.tanh(), y, torch.ones(2))
    np.testing.assert_allclose(g.numpy(), 2 + 1 - np.tanh([0.5, 1.0]) ** 2, rtol=1e-6)


def test_leaves_never_share_gradient_memory():
    class Twice(torch.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, g):
            r = g * 1
            return r, r  # the same array for both inputs

    a = torch.tensor([1.0, 2.0], requires_grad=True)
    b = torch.tensor([1.0, 2.0], requires_grad=True)
    Twice.apply(a, b).sum().backward()
    a.grad.zero_()
    assert b.grad.tolist() == [1.0, 1.0]
    w = torch.ones(2, 3, requires_grad=True)
    (torch.ones(4, 3) @ w.t()).sum().backward()  # t()'s gradient is a transposed view
    assert w.grad.tolist() == [[4.0] * 3] * 2


def test_backward_passes_on_two_threads_at_once():
    import threading

    results, errors = {}, []

    def work(k):
        try:
            for _ in range(200):
                x = torch.tensor([1.0, 2.0], requires_grad=True)
                w = torch.tensor([3.0, 4.0], requires_grad=True)
                (g,) = torch.autograd.grad((x * w * k).sum(), [x])  # prunes w's branch
                results.setdefault(k, g.tolist())
                assert g.tolist() == [3.0 * k, 4.0 * k]
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in (1.0, 2.0)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and results == {1.0: [3.0, 4.0], 2.0: [6.0, 8.0]}
