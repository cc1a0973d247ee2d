"""Selection and activation functions: the gradients PyTorch defines at kinks, ties and NaN,
errors, dtypes and ``inplace=True``."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule

torch = pytest.importorskip("torch")
NAN = float("nan")


def _fn(lib, name):
    if lib is torch and not hasattr(torch, name):
        return getattr(torch.nn.functional, name)
    if lib is torch and name in ("gelu", "softplus", "hardtanh", "elu", "leaky_relu"):
        return getattr(torch.nn.functional, name)
    return getattr(lib, name)


def _grads(lib, fn, values, dtype="float64"):
    ins = [lib.tensor(v, dtype=getattr(lib, dtype), requires_grad=True) for v in values]
    out = fn(lib, *ins)
    w = lib.tensor(np.linspace(0.5, 1.5, out.numel()).reshape(tuple(out.shape)),
                   dtype=out.dtype)
    gs = lib.autograd.grad(out, ins, w, allow_unused=True)
    return [np.asarray(out.detach().numpy())] + [
        None if g is None else np.asarray(g.numpy()) for g in gs]


def _check(fn, *values, dtype="float64", tile=1):
    if tile > 1:  # large arrays take the rules' fast (multiply-based) selection paths;
        # NaN is left out there: PyTorch's vectorized kernels treat it differently from the
        # scalar loop (and so differently by position), the small cases check the scalar rule
        values = [np.tile(np.nan_to_num(np.asarray(v), nan=0.25), tile) for v in values]
    c = _grads(chainrule, fn, values, dtype)
    t = _grads(torch, fn, values, dtype)
    tol = dict(rtol=1e-12, atol=1e-12) if dtype == "float64" else dict(rtol=1e-5, atol=1e-6)
    for a, b in zip(c, t, strict=True):
        if b is None:
            assert a is None or not np.any(a)
            continue
        np.testing.assert_allclose(a, b, equal_nan=True, **tol)


KINKS = [-7.0, -6.0, -3.0, -2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.0, 6.0, 7.0, NAN]

ACTIVATIONS = [
    ("relu", ()), ("hardtanh", ()), ("hardtanh", (-0.5, 2.0)), ("relu6", ()),
    ("leaky_relu", ()), ("leaky_relu", (0.2,)), ("leaky_relu", (-0.2,)), ("elu", ()),
    ("elu", (0.5,)), ("elu", (-0.5,)), ("selu", ()), ("celu", (2.0,)), ("gelu", ()),
    ("silu", ()), ("softplus", ()), ("softplus", (2.0, 4.0)), ("logsigmoid", ()),
    ("hardsigmoid", ()), ("hardswish", ()), ("mish", ()), ("threshold", (0.5, 9.0)),
    ("threshold", (-1.0, 0.0)), ("hardshrink", ()), ("hardshrink", (1.0,)),
    ("softshrink", ()), ("softshrink", (2.0,)), ("softsign", ()), ("tanhshrink", ()),
]


@pytest.mark.parametrize("tile", [1, 300])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name,args", ACTIVATIONS)
def test_activation_kinks_match_torch(name, args, dtype, tile):
    _check(lambda lib, x: _fn(lib, name)(x, *args), KINKS, dtype=dtype, tile=tile)


def test_gelu_tanh_and_extremes():
    big = [-800.0, -30.0, 0.0, 30.0, 800.0]
    for name in ("gelu", "silu", "softplus", "logsigmoid", "mish", "elu", "selu"):
        _check(lambda lib, x, n=name: _fn(lib, n)(x), big)
    _check(lambda lib, x: _fn(lib, "gelu")(x, approximate="tanh"), KINKS)


@pytest.mark.parametrize("tile", [1, 600])
def test_clamp_bounds_pass_the_gradient(tile):
    _check(lambda lib, x: lib.clamp(x, -1, 1), KINKS, tile=tile)
    _check(lambda lib, x: lib.clamp(x, min=0.0), KINKS, tile=tile)
    _check(lambda lib, x: lib.clamp(x, max=0.0), KINKS, tile=tile)
    _check(lambda lib, x: lib.clamp(x, 1, -1), KINKS, tile=tile)  # min > max: everything is max
    _check(lambda lib, x: lib.clamp_min(x, 0.5), KINKS, tile=tile)
    _check(lambda lib, x: lib.clamp_max(x, 0.5), KINKS, tile=tile)


@pytest.mark.parametrize("tile", [1, 600])
def test_clamp_tensor_bounds(tile):
    x = [-2.0, -1.0, 0.0, 1.0, 2.0, 0.0, 1.0, NAN]
    lo = [-1.0, -1.0, -1.0, -1.0, -1.0, 1.0, 1.0, 0.0]
    hi = [1.0, 1.0, 1.0, 1.0, 1.0, -1.0, 1.0, 1.0]
    _check(lambda lib, a, b, c: lib.clamp(a, b, c), x, lo, hi, tile=tile)
    _check(lambda lib, a, b: lib.clamp(a, min=b), x, lo, tile=tile)
    _check(lambda lib, a, c: lib.clamp(a, max=c), x, hi, tile=tile)
    _check(lambda lib, a, b: lib.clamp_min(a, b), x, lo, tile=tile)
    _check(lambda lib, a, c: lib.clamp_max(a, c), x, hi, tile=tile)


@pytest.mark.parametrize("tile", [1, 600])
def test_ties_and_nan_in_binary_selection(tile):
    a = [1.0, 2.0, 3.0, NAN, 1.0, NAN]
    b = [1.0, 1.0, 4.0, 1.0, NAN, NAN]
    for name in ("maximum", "minimum", "fmax", "fmin"):
        _check(lambda lib, x, y, n=name: getattr(lib, n)(x, y), a, b, tile=tile)
    _check(lambda lib, x, y: lib.atan2(x, y), [0.0, 0.0, 1.0, -1.0], [0.0, 1.0, 0.0, 0.0],
           tile=tile)


@pytest.mark.parametrize("tile", [1, 600])
def test_where_and_lerp_gradients(tile):
    _check(lambda lib, x, y: lib.where(x > y, x, y), [1.0, 2.0, 3.0], [3.0, 2.0, 1.0],
           tile=tile)
    _check(lambda lib, x, y, w: lib.lerp(x, y, w), [0.0, 1.0, 2.0], [1.0, -1.0, 2.0],
           [0.0, 0.5, 1.0], tile=tile)
    _check(lambda lib, x, y: lib.lerp(x, y, 0.75), [0.0, 1.0, 2.0], [1.0, -1.0, 2.0],
           tile=tile)


def test_prelu_at_zero():
    _check(lambda lib, x, w: lib.prelu(x, w), [[-1.0, 0.0, 1.0], [0.0, 2.0, -3.0]], [0.25, 0.5,
                                                                                      1.0])


@pytest.mark.parametrize("name,args", [("relu", ()), ("leaky_relu", (0.2,)), ("hardtanh", ()),
                                       ("relu6", ()), ("elu", ()), ("selu", ()),
                                       ("celu", (1.5,)), ("silu", ()), ("hardsigmoid", ()),
                                       ("hardswish", ()), ("mish", ()),
                                       ("threshold", (0.5, 9.0))])
def test_inplace_activations(name, args):
    def run(lib):
        x = lib.tensor([-2.0, -0.5, 0.5, 2.0, 7.0], dtype=lib.float64, requires_grad=True)
        y = x * 1.0
        f = getattr(torch.nn.functional, name) if lib is torch else getattr(lib, name)
        out = f(y, *args, inplace=True)
        assert out is y
        out.sum().backward()
        return y.detach().numpy().copy(), x.grad.numpy()

    for a, b in zip(run(chainrule), run(torch), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def _err(fn):
    res = []
    for lib in (chainrule, torch):
        try:
            out = fn(lib)
            res.append(("ok", str(out.dtype).split(".")[-1], tuple(out.shape)))
        except Exception as e:  # noqa: BLE001
            res.append((type(e).__name__, str(e).split("\n")[0]))
    assert res[0] == res[1]


T = lambda lib, v, dt="float64": lib.tensor(v, dtype=getattr(lib, dt))  # noqa: E731
NNF = lambda lib, n: getattr(torch.nn.functional, n) if lib is torch else getattr(lib, n)  # noqa

ERRORS = [
    lambda lib: lib.where(T(lib, [1.0, 0.0]), T(lib, [1.0, 2.0]), T(lib, [3.0, 4.0])),
    lambda lib: lib.where(T(lib, [True, False], "bool"), T(lib, [1.0, 2.0]), T(lib, [1.0] * 3)),
    lambda lib: lib.where(T(lib, [True, False], "bool"), T(lib, [1, 2], "int64"), 2.5),
    lambda lib: lib.where(T(lib, [True, False], "bool"), 1.0, 2),
    lambda lib: lib.where(T(lib, [True, False], "bool"), T(lib, [1.0, 2.0], "float32"),
                          T(lib, 2.0)),
    lambda lib: lib.relu(T(lib, [True], "bool")),
    lambda lib: lib.relu(T(lib, [-1, 2], "int64")),
    lambda lib: lib.clamp(T(lib, [1.0])),
    lambda lib: lib.clamp(T(lib, [1, 2, 3], "int64"), 0.5, 2.5),
    lambda lib: lib.clamp(T(lib, [True, False], "bool"), 0, 1),
    lambda lib: lib.clamp(T(lib, [1.0, 2.0], "float32"), T(lib, [0.0, 0.0]), T(lib, [1.0, 1.0])),
    lambda lib: lib.clamp(T(lib, [1.0, 2.0]), T(lib, [0.0, 1.0]), 1.5),
    lambda lib: lib.clamp(T(lib, [1.0, 2.0]), T(lib, 0.5), 1.5),
    lambda lib: lib.clamp(T(lib, [1.0, 2.0]), T(lib, [0.0, 1.0, 2.0])),
    lambda lib: lib.clamp_min(T(lib, [1, 2], "int64"), 0.5),
    lambda lib: lib.maximum(T(lib, [1.0]), 2.0),
    lambda lib: lib.maximum(T(lib, [1.0, 2.0]), T(lib, [1.0] * 3)),
    lambda lib: lib.maximum(T(lib, [1, 2], "int64"), T(lib, [1.0, 2.0], "float32")),
    lambda lib: lib.maximum(T(lib, [True], "bool"), T(lib, [False], "bool")),
    lambda lib: lib.atan2(T(lib, [1, 2], "int64"), T(lib, [1, 2], "int64")),
    lambda lib: lib.atan2(T(lib, [1.0]), 2.0),
    lambda lib: lib.lerp(T(lib, [1.0], "float32"), T(lib, [1.0]), 0.5),
    lambda lib: lib.lerp(T(lib, [1.0], "float32"), T(lib, [1.0], "float32"), T(lib, [0.5])),
    lambda lib: lib.lerp(T(lib, [1.0], "float32"), T(lib, [1.0], "float32"), T(lib, 0.5)),
    lambda lib: lib.lerp(T(lib, [1], "int64"), T(lib, [1], "int64"), 0.5),
    lambda lib: lib.lerp(T(lib, [1], "int64"), T(lib, [1], "int64"), T(lib, [1], "int64")),
    lambda lib: NNF(lib, "gelu")(T(lib, [1.0]), approximate="foo"),
    lambda lib: NNF(lib, "hardtanh")(T(lib, [1.0]), 1.0, -1.0),
    lambda lib: NNF(lib, "hardtanh")(T(lib, [True], "bool")),
    lambda lib: NNF(lib, "hardtanh")(T(lib, [-3, 0, 3], "int64")),
    lambda lib: NNF(lib, "relu6")(T(lib, [-3, 0, 9], "int64")),
    lambda lib: NNF(lib, "threshold")(T(lib, [-3, 0, 9], "int64"), 0.5, 2.0),
    lambda lib: NNF(lib, "glu")(T(lib, [[1.0, 2.0, 3.0]])),
    lambda lib: NNF(lib, "prelu")(T(lib, [[1.0, 2.0, 3.0]]), T(lib, [1.0, 2.0])),
    lambda lib: NNF(lib, "prelu")(T(lib, [1.0, 2.0, 3.0]), T(lib, [1.0, 2.0, 3.0])),
    lambda lib: NNF(lib, "softshrink")(T(lib, [1.0]), -0.5),
    lambda lib: NNF(lib, "celu")(T(lib, [1.0]), 0.0),
] + [
    (lambda lib, n=n, dt=dt: NNF(lib, n)(T(lib, [1, 0], dt)))
    for n in ("leaky_relu", "elu", "gelu", "silu", "softplus", "logsigmoid", "hardsigmoid",
              "hardswish", "mish", "selu", "celu", "hardshrink", "softshrink")
    for dt in ("int64", "bool")
]


@pytest.mark.parametrize("fn", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_errors_and_dtypes_match_torch(fn):
    _err(fn)


def test_where_single_argument_and_uint8_condition():
    c = chainrule.tensor([[True, False], [False, True]])
    rows, cols = chainrule.where(c)
    assert rows.tolist() == [0, 1] and cols.tolist() == [0, 1]
    with pytest.warns(UserWarning, match="uint8 condition"):
        out = chainrule.where(c.to(chainrule.uint8), chainrule.ones(2, 2), chainrule.zeros(2, 2))
    assert out.tolist() == [[1.0, 0.0], [0.0, 1.0]]


def test_names_on_results():
    x = chainrule.tensor([1.0, -2.0], requires_grad=True)
    w = chainrule.tensor([0.3, 0.6], requires_grad=True)
    names = {
        "ClampBackward1": chainrule.clamp(x, 0, 1), "ClampBackward0": chainrule.clamp(x, w),
        "ClampMinBackward0": x.clamp_min(0.0), "ClampMinBackward1": x.clamp_min(w),
        "ClampMaxBackward0": x.clamp_max(0.0), "ClampMaxBackward1": x.clamp_max(w),
        "LerpBackward0": x.lerp(w, 0.5), "LerpBackward1": x.lerp(w, w),
        "HardtanhBackward0": chainrule.relu6(x), "EluBackward0": chainrule.selu(x),
        "CeluBackward0": chainrule.celu(x), "LogSigmoidBackward0": chainrule.logsigmoid(x),
        "DivBackward0": chainrule.softsign(x), "SubBackward0": chainrule.tanhshrink(x),
        "WhereBackward0": x.where(x > 0, 0.0),
    }
    for name, out in names.items():
        assert out.grad_fn.name() == name


def test_infinite_upstream_gradient_is_masked_exactly():
    # PyTorch selects, it does not multiply: an inf gradient stays out of masked elements
    res = []
    for lib in (chainrule, torch):
        x = lib.tensor(np.tile([-1.0, 0.0, 2.0], 1000), requires_grad=True)
        g = lib.tensor(np.tile([np.inf, np.inf, 1.0], 1000))
        res.append([np.asarray(t.numpy()) for t in lib.autograd.grad(
            [lib.relu(x), lib.clamp(x, -0.5, 0.5), lib.where(x > 0, x, 0.0)], [x] * 1,
            [g, g, g])])
    np.testing.assert_array_equal(res[0][0], res[1][0])
