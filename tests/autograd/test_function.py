"""Custom autograd.Function, gradcheck, functional transforms and anomaly detection."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as torch
from chainrule.autograd import Function, once_differentiable


class Cube(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x ** 2


class ScaleAndIndex(Function):
    """Two outputs, one non-differentiable; a non-tensor argument."""

    @staticmethod
    def forward(ctx, x, k):
        ctx.k = k
        idx = torch.tensor([0])
        ctx.mark_non_differentiable(idx)
        return x * k, idx

    @staticmethod
    def backward(ctx, g, g_idx):
        return g * ctx.k, None


def test_custom_function_forward_backward_and_name():
    x = torch.tensor(2.0, requires_grad=True)
    y = Cube.apply(x)
    assert type(y.grad_fn).__name__ == "CubeBackward"
    assert repr(y) == "tensor(8., grad_fn=<CubeBackward>)"
    y.backward()
    assert x.grad.item() == 12.0


def test_custom_function_double_backward():
    x = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(Cube.apply(x), x, create_graph=True)
    (h,) = torch.autograd.grad(g, x)
    assert h.item() == 12.0


def test_custom_function_non_tensor_args_and_non_differentiable_output():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y, idx = ScaleAndIndex.apply(x, 3.0)
    assert not idx.requires_grad
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_custom_function_without_grad_records_nothing():
    y = Cube.apply(torch.tensor(2.0))
    assert y.grad_fn is None
    with torch.no_grad():
        y = Cube.apply(torch.tensor(2.0, requires_grad=True))
    assert y.grad_fn is None


def test_once_differentiable_and_wrong_number_of_grads():
    class Bad(Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        @once_differentiable
        def backward(ctx, g):
            return (g,)

    x = torch.tensor(1.0, requires_grad=True)
    with pytest.raises(RuntimeError, match="returned an incorrect number of gradients"):
        Bad.apply(x, torch.tensor(2.0)).backward()


def test_saved_tensor_modified_in_place_is_detected():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    a = x * 1
    y = Cube.apply(a)
    a.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_gradcheck_passes_and_fails():
    x = torch.tensor([0.3, -1.2], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: (t.sin() * t).exp(), (x,))
    assert torch.autograd.gradgradcheck(lambda t: t.tanh() * t, (x,))

    class Wrong(Function):
        @staticmethod
        def forward(ctx, t):
            return t * 2

        @staticmethod
        def backward(ctx, g):
            return g * 3

    with pytest.raises(torch.autograd.GradcheckError, match="Jacobian mismatch"):
        torch.autograd.gradcheck(Wrong.apply, (x,))
    assert torch.autograd.gradcheck(Wrong.apply, (x,), raise_exception=False) is False


def test_functional_jacobian_hessian_vjp_jvp_hvp():
    F = torch.autograd.functional
    x = torch.tensor([1.0, 2.0], dtype=torch.float64)
    J = F.jacobian(lambda t: t ** 2 * t[0], x)
    np.testing.assert_allclose(J.numpy(), [[3.0, 0.0], [4.0, 4.0]])
    H = F.hessian(lambda t: (t ** 3).sum(), x)
    np.testing.assert_allclose(H.numpy(), np.diag([6.0, 12.0]))
    v = torch.tensor([1.0, 1.0], dtype=torch.float64)
    out, vjp = F.vjp(lambda t: t ** 2, x, v)
    np.testing.assert_allclose(vjp.numpy(), [2.0, 4.0])
    out, jvp = F.jvp(lambda t: t ** 2, x, v)
    np.testing.assert_allclose(jvp.numpy(), [2.0, 4.0])
    out, hvp = F.hvp(lambda t: (t ** 3).sum(), x, v)
    np.testing.assert_allclose(hvp.numpy(), [6.0, 12.0])


def test_functional_matches_torch():
    pt = pytest.importorskip("torch")
    xs = np.array([0.5, -0.3, 1.2])
    f = lambda lib: (lambda t: (t.sin() * t.sum()).exp())
    ours = torch.autograd.functional.jacobian(f(torch), torch.tensor(xs))
    theirs = pt.autograd.functional.jacobian(f(pt), pt.tensor(xs))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-10)
    g = lambda t: (t.exp() * t).sum()
    np.testing.assert_allclose(torch.autograd.functional.hessian(g, torch.tensor(xs)).numpy(),
                               pt.autograd.functional.hessian(g, pt.tensor(xs)).numpy(),
                               rtol=1e-10)


def test_detect_anomaly_reports_nan_with_forward_trace():
    x = torch.tensor([0.0, 1.0], requires_grad=True)
    with pytest.warns(UserWarning):
        with torch.autograd.detect_anomaly():
            y = (x.sqrt() * 0).sum()  # d/dx sqrt at 0 is inf; inf * 0 = nan
            with pytest.raises(RuntimeError, match="returned nan values in its 0th output"):
                y.backward()
