"""Helpers shared by the ``tests/nn`` tests: torch comparison and numerical gradients."""

from __future__ import annotations

import numpy as np

import chainrule


def cr_tensor(a, requires_grad=False):
    a = np.asarray(a)
    t = chainrule.tensor(a)
    if requires_grad:
        t.requires_grad_(True)
    return t


def torch_tensor(torch, a, requires_grad=False):
    return torch.tensor(np.asarray(a), requires_grad=requires_grad)


def np_of(t) -> np.ndarray:
    return np.asarray(t.detach().numpy())


def load_from_torch(cr_module, torch_module) -> None:
    """Copy every parameter and buffer of ``torch_module`` into ``cr_module`` (by name)."""
    sd = {k: chainrule.tensor(v.detach().numpy().copy()) for k, v in
          torch_module.state_dict().items()}
    cr_module.load_state_dict(sd)


def assert_close(actual, expected, atol: float, rtol: float = 0.0, what: str = "") -> None:
    np.testing.assert_allclose(np_of(actual) if not isinstance(actual, np.ndarray) else actual,
                               np_of(expected) if not isinstance(expected, np.ndarray)
                               else expected, atol=atol, rtol=rtol, err_msg=what)


def compare_module(torch, cr_module, torch_module, inputs, *, atol=1e-10, rtol=1e-7,
                   grad_inputs=True, seed=0):
    """Run both modules on the same inputs (numpy arrays; float ones get gradients), backward
    the same random upstream gradient, and compare outputs, input and parameter gradients and
    buffers. Returns the two outputs."""
    rng = np.random.default_rng(seed)
    load_from_torch(cr_module, torch_module)
    cr_in, t_in = [], []
    for a in inputs:
        a = np.asarray(a)
        rg = grad_inputs and a.dtype.kind == "f"
        cr_in.append(cr_tensor(a, rg))
        t_in.append(torch_tensor(torch, a, rg))
    out_c = cr_module(*cr_in)
    out_t = torch_module(*t_in)
    assert tuple(out_c.shape) == tuple(out_t.shape)
    assert_close(out_c, out_t, atol, rtol, "output")
    if out_t.requires_grad:
        g = rng.standard_normal(tuple(out_t.shape)).astype(np_of(out_t).dtype)
        out_t.backward(torch.tensor(g))
        out_c.backward(chainrule.tensor(g))
        for i, (c, t) in enumerate(zip(cr_in, t_in, strict=True)):
            if t.requires_grad:
                assert_close(c.grad, t.grad, atol, rtol, f"grad of input {i}")
        t_params = dict(torch_module.named_parameters())
        for name, p in cr_module.named_parameters():
            tp = t_params[name]
            if tp.grad is None:
                assert p.grad is None, name
            else:
                assert_close(p.grad, tp.grad, atol, rtol, f"grad of {name}")
    t_bufs = dict(torch_module.named_buffers())
    for name, b in cr_module.named_buffers():
        assert_close(b, t_bufs[name], atol, rtol, f"buffer {name}")
    return out_c, out_t


def numerical_grad(f, arrays, index: int, eps: float = 1e-6) -> np.ndarray:
    """Central differences of the scalar ``f(*arrays)`` w.r.t. ``arrays[index]`` (float64)."""
    base = [np.array(a, dtype=np.float64) if np.asarray(a).dtype.kind == "f" else np.asarray(a)
            for a in arrays]
    x = base[index]
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + eps
        fp = f(*base)
        x[i] = old - eps
        fm = f(*base)
        x[i] = old
        grad[i] = (fp - fm) / (2 * eps)
    return grad


def gradcheck(fn, arrays, *, diff=None, atol=1e-6, rtol=1e-5, seed=0):
    """Compare chainrule's gradients of ``sum(fn(*tensors) * w)`` with central differences.

    ``diff`` lists the indices of ``arrays`` to differentiate (default: all float ones).
    """
    rng = np.random.default_rng(seed)
    arrays = [np.asarray(a) for a in arrays]
    if diff is None:
        diff = [i for i, a in enumerate(arrays) if a.dtype.kind == "f"]
    ts = [cr_tensor(a.astype(np.float64) if a.dtype.kind == "f" else a, i in diff)
          for i, a in enumerate(arrays)]
    out = fn(*ts)
    w = rng.standard_normal(tuple(out.shape))

    def scalar(*arrs):
        tt = [cr_tensor(a) for a in arrs]
        with chainrule.no_grad():
            return float((np_of(fn(*tt)) * w).sum())

    (out * chainrule.tensor(w)).sum().backward()
    for i in diff:
        num = numerical_grad(scalar, arrays, i)
        np.testing.assert_allclose(np_of(ts[i].grad), num, atol=atol, rtol=rtol,
                                   err_msg=f"gradient of argument {i}")
