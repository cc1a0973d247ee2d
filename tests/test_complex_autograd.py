"""Gradients through complex tensors match PyTorch's (conjugate Wirtinger convention).

Every rule flagged ``complex_ok`` is compared with torch on random complex128 inputs through a
real loss; a few unflagged ops must refuse complex tensors with NotImplementedError instead
of returning a wrong gradient.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule

try:
    import torch
except ImportError:  # the comparisons skip; the refusal tests still run
    torch = None

LIBS = (chainrule, torch)
needs_torch = pytest.mark.skipif(torch is None, reason="compares with torch==2.13.0")


def _z(shape, seed):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


def _r(shape, seed):
    return np.random.default_rng(seed).standard_normal(shape)


def _losses(lib, out):
    # two real losses: |out|^2 and |out|, so both g = out and g = sgn(out) reach the rule
    if out.is_complex():
        return (out * out.conj()).real.sum() + out.abs().sum()
    return (out * out).sum() + out.abs().sum()


def _grads(fn, arrays):
    res = []
    for lib in LIBS:
        ts = [lib.tensor(a, requires_grad=True) for a in arrays]
        gs = lib.autograd.grad(_losses(lib, fn(lib, *ts)), ts)
        res.append([g.resolve_conj().detach().numpy() for g in gs])
    return res


def _check(fn, *arrays, rtol=1e-7):
    ours, theirs = _grads(fn, arrays)
    for a, b in zip(ours, theirs, strict=True):
        assert a.dtype == b.dtype
        np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-10)


Z = (3, 4)
BINARY = {
    "add": lambda lib, x, y: x + y,
    "add_alpha": lambda lib, x, y: lib.add(x, y, alpha=2.5),
    "sub": lambda lib, x, y: x - y,
    "sub_alpha": lambda lib, x, y: lib.sub(x, y, alpha=-1.5),
    "mul": lambda lib, x, y: x * y,
    "div": lambda lib, x, y: x / y,
    "mul_chain": lambda lib, x, y: (x * y).exp() / (y + 2.0),
}


@needs_torch
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary(name):
    _check(BINARY[name], _z(Z, 1), _z(Z, 2))


@needs_torch
@pytest.mark.parametrize("name", ["mul", "add", "sub", "div"])
def test_binary_mixed_real_and_complex(name):
    # a real input of a complex op gets the real part of the gradient, as in PyTorch
    _check(BINARY[name], _r(Z, 3), _z(Z, 4))
    _check(BINARY[name], _z(Z, 5), _r((4,), 6))


@needs_torch
def test_brief_example():
    x = np.array([1 + 2j, 3 - 1j])
    y = np.array([2 - 1j, 1 + 1j])
    res = []
    for lib in LIBS:
        t = lib.tensor(x, requires_grad=True)
        (t * lib.tensor(y)).abs().sum().backward()
        res.append(t.grad.numpy())
    np.testing.assert_allclose(res[0], res[1])


SCALAR = {
    "rsub": lambda lib, x: 2.0 - x,
    "rsub_complex": lambda lib, x: (1 + 2j) - x,
    "mul_number": lambda lib, x: x * (2 - 3j),
    "add_number": lambda lib, x: x + 1j,
    "div_number": lambda lib, x: x / (1 + 1j),
    "rdiv": lambda lib, x: 3.0 / x,
    "neg": lambda lib, x: -x,
    "pow2": lambda lib, x: x ** 2,
    "pow3": lambda lib, x: x ** 3,
    "pow_half": lambda lib, x: x ** 0.5,
    "pow_neg": lambda lib, x: x ** -1.5,
    "square": lambda lib, x: lib.square(x),
}


@needs_torch
@pytest.mark.parametrize("name", sorted(SCALAR))
def test_with_number(name):
    _check(SCALAR[name], _z(Z, 7))


@needs_torch
def test_real_tensor_with_complex_number():
    for fn in (lambda lib, x: x * 1j, lambda lib, x: (1 + 2j) - x, lambda lib, x: x + 1j,
               lambda lib, x: x ** (1 + 1j)):
        _check(fn, np.abs(_r(Z, 8)) + 0.5)


UNARY = ["exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt",
         "reciprocal", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh",
         "asinh", "acosh", "atanh", "sigmoid", "abs", "sgn", "conj", "angle"]


@needs_torch
@pytest.mark.parametrize("name", UNARY)
def test_unary(name):
    _check(lambda lib, x: getattr(lib, name)(x), _z(Z, 9) * 0.7, rtol=1e-6)


@needs_torch
def test_abs_and_sgn_at_zero():
    z = np.array([0j, 1 + 1j, -2j])
    _check(lambda lib, x: lib.abs(x), z)
    _check(lambda lib, x: lib.sgn(x) * 3, z)


@needs_torch
def test_real_imag_parts():
    _check(lambda lib, x: x.real * 2 + x.imag ** 2, _z(Z, 10))


REDUCTIONS = {
    "sum": lambda lib, x: x.sum(),
    "sum_dim": lambda lib, x: x.sum(1, keepdim=True) * x,
    "mean": lambda lib, x: x.mean(),
    "mean_dim": lambda lib, x: x.mean(0),
}


@needs_torch
@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_reductions(name):
    _check(REDUCTIONS[name], _z(Z, 11))


CONTRACTIONS = {
    "mm": (lambda lib, a, b: lib.mm(a, b), (3, 4), (4, 2)),
    "matmul_2d": (lambda lib, a, b: a @ b, (3, 4), (4, 2)),
    "matmul_nd": (lambda lib, a, b: a @ b, (2, 3, 4), (4, 5)),
    "matmul_bcast": (lambda lib, a, b: a @ b, (3, 4), (2, 4, 5)),
    "matmul_vec_mat": (lambda lib, a, b: a @ b, (4,), (4, 3)),
    "matmul_mat_vec": (lambda lib, a, b: a @ b, (3, 4), (4,)),
    "matmul_nd_vec": (lambda lib, a, b: a @ b, (2, 3, 4), (4,)),
    "matmul_vec_nd": (lambda lib, a, b: a @ b, (3,), (2, 3, 4)),
    "bmm": (lambda lib, a, b: lib.bmm(a, b), (2, 3, 4), (2, 4, 5)),
    "mv": (lambda lib, a, b: lib.mv(a, b), (3, 4), (4,)),
    "dot": (lambda lib, a, b: lib.dot(a, b), (4,), (4,)),
    "vdot": (lambda lib, a, b: lib.vdot(a, b), (4,), (4,)),
    "outer": (lambda lib, a, b: lib.outer(a, b), (3,), (4,)),
    "linear": (lambda lib, a, b: lib.nn.functional.linear(a, b), (3, 4), (5, 4)),
    "linear_3d": (lambda lib, a, b: lib.nn.functional.linear(a, b), (2, 3, 4), (5, 4)),
    "linear_1d": (lambda lib, a, b: lib.nn.functional.linear(a, b), (4,), (5, 4)),
}


@needs_torch
@pytest.mark.parametrize("name", sorted(CONTRACTIONS))
def test_contractions(name):
    fn, sa, sb = CONTRACTIONS[name]
    _check(fn, _z(sa, 12), _z(sb, 13))


@needs_torch
def test_linear_with_bias_and_addmm():
    _check(lambda lib, x, w, b: lib.nn.functional.linear(x, w, b),
           _z((3, 4), 18), _z((5, 4), 19), _z((5,), 20))
    _check(lambda lib, x, w, b: lib.nn.functional.linear(x, w, b),
           _z((2, 3, 4), 18), _z((5, 4), 19), _z((5,), 20))
    _check(lambda lib, c, a, b: lib.addmm(c, a, b, beta=0.5, alpha=2.0),
           _z((3, 2), 21), _z((3, 4), 22), _z((4, 2), 23))
    _check(lambda lib, c, a, b: lib.baddbmm(c, a, b, beta=0.5, alpha=2.0),
           _z((2, 3, 2), 21), _z((2, 3, 4), 22), _z((2, 4, 2), 23))


SHAPES = {
    "reshape": lambda lib, x: x.reshape(4, 3) * 2,
    "view": lambda lib, x: x.view(-1),
    "transpose": lambda lib, x: x.t() @ x,
    "permute": lambda lib, x: x.unsqueeze(0).permute(2, 0, 1).squeeze(1),
    "expand": lambda lib, x: x[:, :1].expand(3, 5),
    "index": lambda lib, x: x[1:, [0, 2, 2]],
    "select": lambda lib, x: x[2] * x[:, 1].sum(),
    "cat": lambda lib, x: lib.cat([x, x * 2], 0),
    "stack": lambda lib, x: lib.stack([x, x.exp()], 1),
    "split": lambda lib, x: x.split(2, 1)[1],
    "unbind": lambda lib, x: x.unbind(0)[1],
    "repeat": lambda lib, x: x.repeat(2, 1),
    "flip": lambda lib, x: x.flip(0),
    "roll": lambda lib, x: x.roll(1, 1),
    "clone": lambda lib, x: x.clone(),
    "to": lambda lib, x: x.to(lib.complex64).to(lib.complex128),
    "flatten": lambda lib, x: x.flatten(),
    "where": lambda lib, x: lib.where(x.real > 0, x, x * 2),
}


@needs_torch
@pytest.mark.parametrize("name", sorted(SHAPES))
def test_shape_and_indexing(name):
    _check(SHAPES[name], _z(Z, 24), rtol=1e-6)


@needs_torch
@pytest.mark.filterwarnings("ignore")
def test_cast_to_real_keeps_the_real_part():
    _check(lambda lib, x: x.to(lib.float64) * 3, _z(Z, 32))


@needs_torch
def test_inplace_arithmetic():
    def fn(lib, x, y):
        t = x * 1.0
        t.mul_(y)
        t.add_(y, alpha=2.0)
        t[0] = y[1]
        return t

    _check(fn, _z(Z, 25), _z(Z, 26))


@needs_torch
def test_create_graph_through_complex_rules():
    z = _z((3,), 27)
    res = []
    for lib in LIBS:
        t = lib.tensor(z, requires_grad=True)
        loss = (t.exp() * t).abs().sum()
        (g,) = lib.autograd.grad(loss, t, create_graph=True)
        (gg,) = lib.autograd.grad((g * g.conj()).real.sum(), t)
        res.append(gg.resolve_conj().numpy())
    np.testing.assert_allclose(res[0], res[1], rtol=1e-7)


REFUSED = {
    "relu": lambda x: chainrule.relu(x),
    "prod": lambda x: x.prod(),
    "cumsum": lambda x: x.cumsum(0),
    "softmax": lambda x: x.softmax(0),
    "pow_tensor": lambda x: x ** x,
    "var_real_output": lambda x: x.var(),
    "norm_real_output": lambda x: chainrule.linalg.vector_norm(x),
    "sign": lambda x: chainrule.sign(x),
    "erf": lambda x: chainrule.erf(x),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_unverified_ops_refuse_complex(name):
    x = chainrule.tensor(_z((4,), 28), requires_grad=True)
    with pytest.raises(NotImplementedError, match="complex tensors"):
        REFUSED[name](x)
    # without a graph to record nothing is refused
    with chainrule.no_grad():
        try:
            REFUSED[name](x)
        except NotImplementedError:  # pragma: no cover
            pytest.fail("refused without recording")
        except Exception:
            pass


def test_refusal_names_the_op_and_real_tensors_are_unaffected():
    x = chainrule.tensor(_z((4,), 29), requires_grad=True)
    with pytest.raises(NotImplementedError, match="CumsumBackward0"):
        x.cumsum(0)
    y = chainrule.tensor(_r((4,), 30), requires_grad=True)
    y.cumsum(0).relu().sum().backward()
    assert y.grad is not None
    # a complex tensor that does not require grad in a real-only graph is refused too when
    # the unverified op records a node
    with pytest.raises(NotImplementedError):
        chainrule.cumsum(y * chainrule.tensor(_z((4,), 31)), 0)
