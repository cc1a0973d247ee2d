"""Double backward of the fused nn ops (convolution, pooling, embedding) against PyTorch.

Each case takes ``L = sum(out * out * v)``, its first derivatives with ``create_graph=True``,
then the derivatives of ``sum(grad_i * u_i)``, in float64, in both libraries; plus
numerical second-order checks (``gradgradcheck``) and a check that the first-order results
(without ``create_graph``) are the same as the ones computed under it.
"""

from __future__ import annotations

import numpy as np
import pytest
from nn_helpers import np_of

import chainrule
import chainrule.nn.functional as F
from chainrule.autograd import gradgradcheck

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _second_order(lib, fn, arrays, diff):
    ts = [lib.tensor(a, requires_grad=i in diff) for i, a in enumerate(arrays)]
    out = fn(lib, ts)
    if isinstance(out, tuple):
        out = out[0]
    v = lib.tensor(np.random.default_rng(1).standard_normal(tuple(out.shape)))
    loss = (out * out * v).sum()
    wrt = [ts[i] for i in diff]
    gs = lib.autograd.grad(loss, wrt, create_graph=True)
    s = sum((g * lib.tensor(np.random.default_rng(10 + i).standard_normal(tuple(g.shape))))
            .sum() for i, g in enumerate(gs))
    ggs = lib.autograd.grad(s, wrt, allow_unused=True)
    # the first-order path (NumPy) gives the same as the differentiable one
    ts2 = [lib.tensor(a, requires_grad=i in diff) for i, a in enumerate(arrays)]
    out2 = fn(lib, ts2)
    if isinstance(out2, tuple):
        out2 = out2[0]
    plain = lib.autograd.grad((out2 * out2 * v).sum(), [ts2[i] for i in diff])
    return ([np_of(g) for g in gs], [None if g is None else np_of(g) for g in ggs],
            [np_of(g) for g in plain])


def _check(name, arrays, diff, kwargs, atol=1e-10, rtol=1e-9, torch_second=True):
    def fn(lib, ts):
        mod = F if lib is chainrule else TF
        return getattr(mod, name)(*ts, **kwargs)

    gc, ggc, plain = _second_order(chainrule, fn, arrays, diff)
    gt, ggt, _ = _second_order(torch, fn, arrays, diff)
    for a, b in zip(gc, gt, strict=True):
        np.testing.assert_allclose(a, b, atol=atol, rtol=rtol)
    for a, b in zip(plain, gc, strict=True):
        np.testing.assert_allclose(a, b, atol=atol, rtol=rtol)
    if not torch_second:
        return
    for a, b in zip(ggc, ggt, strict=True):
        if b is None or a is None:
            z = a if b is None else b
            assert z is None or not np.any(z)
            continue
        np.testing.assert_allclose(a, b, atol=atol, rtol=rtol)


def _distinct(shape, seed=0):
    """Values at least 0.1 apart (no ties, and no finite-difference step changes a max)."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    return (rng.permutation(n).reshape(shape) * 0.1 - n * 0.05).astype(np.float64)


CONV_CASES = [
    ("conv1d", (2, 3, 11), (4, 3, 3), True, {}),
    ("conv1d", (2, 4, 12), (6, 2, 3), True, {"stride": 3, "padding": 2, "groups": 2}),
    ("conv1d", (3, 11), (4, 3, 4), False, {"padding": "same", "dilation": 2}),
    ("conv2d", (2, 3, 6, 5), (4, 3, 3, 2), True, {}),
    ("conv2d", (2, 4, 9, 8), (6, 2, 3, 3), True,
     {"stride": 2, "padding": 1, "dilation": 2, "groups": 2}),
    ("conv2d", (2, 3, 7, 6), (4, 3, 3, 2), False, {"stride": (2, 1), "padding": (1, 0)}),
    ("conv2d", (2, 3, 7, 6), (4, 3, 4, 2), True, {"padding": "same"}),
    ("conv2d", (3, 7, 6), (4, 3, 3, 2), True, {"stride": 2}),  # unbatched
    ("conv2d", (1, 4, 9, 9), (4, 1, 3, 3), True, {"stride": 4, "groups": 4}),  # depthwise
    ("conv3d", (1, 2, 5, 4, 6), (3, 2, 2, 3, 2), True, {"stride": 2, "padding": 1}),
]


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("name,xs,ws,bias,kw", CONV_CASES)
def test_conv_double_backward_matches_torch(name, xs, ws, bias, kw):
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal(xs), rng.standard_normal(ws)]
    if bias:
        arrays.append(rng.standard_normal(ws[0]))
    _check(name, arrays, list(range(len(arrays))), kw)


def test_conv_double_backward_wrt_one_input():
    rng = np.random.default_rng(4)
    arrays = [rng.standard_normal((2, 3, 6, 6)), rng.standard_normal((2, 3, 3, 3))]
    _check("conv2d", arrays, [0], {"padding": 1})
    _check("conv2d", arrays, [1], {"stride": 2})


def test_conv_grad_of_input_grad_is_the_weight():
    # d/dw sum(d sum(conv(x, w)) / dx) = (number of windows) per weight
    x = chainrule.tensor(np.random.default_rng(5).standard_normal((1, 1, 4, 4)),
                         requires_grad=True)
    w = chainrule.tensor(np.random.default_rng(6).standard_normal((1, 1, 2, 2)),
                         requires_grad=True)
    (gx,) = chainrule.autograd.grad(F.conv2d(x, w).sum(), x, create_graph=True)
    np.testing.assert_allclose(np_of(gx).sum(), 9 * np_of(w).sum())
    gx.sum().backward()
    np.testing.assert_allclose(np_of(w.grad), np.full((1, 1, 2, 2), 9.0))


POOL_CASES = [
    ("max_pool2d", (2, 3, 7, 6), {"kernel_size": 3, "stride": 2, "padding": 1}),
    ("max_pool2d", (2, 3, 7, 6), {"kernel_size": 2, "ceil_mode": True}),
    ("max_pool2d", (2, 3, 8, 6), {"kernel_size": 2}),  # tiles exactly (staged path)
    ("max_pool2d", (2, 3, 8, 6), {"kernel_size": 2, "return_indices": True}),  # fast path
    ("max_pool2d", (2, 3, 9, 7), {"kernel_size": 2}),  # fast path, rows left over
    ("max_pool2d", (3, 8, 8), {"kernel_size": 3, "stride": 1, "dilation": 2}),
    ("max_pool1d", (2, 3, 9), {"kernel_size": 2, "dilation": 2, "return_indices": True}),
    ("max_pool3d", (1, 2, 5, 4, 6), {"kernel_size": 2, "stride": 1}),
    ("avg_pool2d", (2, 3, 7, 6), {"kernel_size": 3, "stride": 2, "padding": 1}),
    ("avg_pool2d", (2, 3, 7, 6), {"kernel_size": 3, "stride": 2, "padding": 1,
                                  "count_include_pad": False, "ceil_mode": True}),
    ("avg_pool2d", (3, 6, 6), {"kernel_size": 2, "divisor_override": 3}),
    ("avg_pool1d", (2, 3, 9), {"kernel_size": 3, "stride": 2, "padding": 1}),
    ("avg_pool3d", (1, 2, 5, 4, 6), {"kernel_size": 2, "stride": (1, 2, 1)}),
    ("adaptive_avg_pool2d", (2, 3, 7, 6), {"output_size": (3, 4)}),
    ("adaptive_avg_pool1d", (2, 3, 10), {"output_size": 4}),
    ("adaptive_max_pool2d", (2, 3, 7, 6), {"output_size": (3, 4)}),
    ("adaptive_max_pool1d", (3, 10), {"output_size": 4, "return_indices": True}),
]


@pytest.mark.parametrize("name,shape,kw", POOL_CASES)
def test_pool_double_backward_matches_torch(name, shape, kw):
    _check(name, [_distinct(shape)], [0], kw)


@pytest.mark.parametrize("kw", [{}, {"padding_idx": 2}, {"scale_grad_by_freq": True},
                                {"padding_idx": -1, "scale_grad_by_freq": True}])
def test_embedding_double_backward_matches_torch(kw):
    rng = np.random.default_rng(8)
    idx = rng.integers(0, 6, (4, 5))
    idx[0, :3] = 2
    weight = rng.standard_normal((6, 3))
    # PyTorch's double backward of embedding leaves out the 1/count scaling of
    # scale_grad_by_freq (its own gradgradcheck fails there); chainrule differentiates the
    # scaled first derivative, checked numerically in test_gradgradcheck_embedding
    _check("embedding", [idx, weight], [1], kw,
           torch_second=not kw.get("scale_grad_by_freq", False))


# ------------------------------------------------------------- numerical second order
def _gg(fn, *arrays):
    ts = tuple(chainrule.tensor(a, requires_grad=True) for a in arrays)
    assert gradgradcheck(fn, ts, eps=1e-6, atol=1e-6, rtol=1e-4)


def test_gradgradcheck_conv():
    rng = np.random.default_rng(9)
    _gg(lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1, groups=2) ** 2,
        rng.standard_normal((1, 4, 5, 5)), rng.standard_normal((4, 2, 3, 2)),
        rng.standard_normal(4))
    _gg(lambda x, w: F.conv1d(x, w, padding="same", dilation=2) ** 2,
        rng.standard_normal((2, 2, 7)), rng.standard_normal((3, 2, 2)))


def test_gradgradcheck_pooling():
    x = _distinct((1, 2, 5, 6))
    _gg(lambda t: F.max_pool2d(t, 3, 2, 1) ** 2, x)
    _gg(lambda t: F.max_pool2d(t, 2) ** 2, _distinct((1, 2, 4, 6)))
    _gg(lambda t: F.avg_pool2d(t, 3, 2, 1, count_include_pad=False) ** 2, x)
    _gg(lambda t: F.adaptive_avg_pool2d(t, (2, 4)) ** 2, x)
    _gg(lambda t: F.adaptive_max_pool2d(t, (2, 4)) ** 2, x)


def test_gradgradcheck_embedding():
    idx = chainrule.tensor(np.array([[0, 2, 2], [3, 1, 0]]))
    w = np.random.default_rng(11).standard_normal((4, 3))
    _gg(lambda t: F.embedding(idx, t) ** 2, w)
    _gg(lambda t: F.embedding(idx, t, padding_idx=1) ** 2, w)


def test_embedding_scale_grad_by_freq_double_backward_is_the_backward_derivative():
    # with scale_grad_by_freq the backward is not the forward's gradient (so no numerical
    # second-order check can pass, in either library); its derivative with respect to the
    # incoming gradient g is the gather of the outer gradient divided by the counts
    idx = np.array([[0, 2, 2], [3, 1, 0]])
    rng = np.random.default_rng(13)
    w = chainrule.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    g = chainrule.tensor(rng.standard_normal((2, 3, 3)), requires_grad=True)
    out = F.embedding(chainrule.tensor(idx), w, scale_grad_by_freq=True)
    (gw,) = chainrule.autograd.grad(out, w, g, create_graph=True)
    u = rng.standard_normal((4, 3))
    (gg,) = chainrule.autograd.grad((gw * chainrule.tensor(u)).sum(), g)
    counts = np.bincount(idx.ravel(), minlength=4)
    np.testing.assert_allclose(np_of(gg), u[idx] / counts[idx][..., None], rtol=1e-12)


def test_hessian_vector_product_of_a_small_cnn():
    rng = np.random.default_rng(12)
    arrays = [rng.standard_normal((2, 2, 8, 8)), rng.standard_normal((3, 2, 3, 3)),
              rng.standard_normal(3), rng.standard_normal((5, 12))]

    def run(lib, mod):
        x, w, b, lw = (lib.tensor(a, requires_grad=i > 0) for i, a in enumerate(arrays))
        h = mod.max_pool2d(mod.conv2d(x, w, b, padding=1).tanh(), 2)
        h = mod.avg_pool2d(h, 2).reshape(2, 12)
        loss = ((h @ lw.T) ** 2).sum()
        gs = lib.autograd.grad(loss, (w, b, lw), create_graph=True)
        dot = sum((g * g).sum() for g in gs)
        return [np_of(g) for g in lib.autograd.grad(dot, (w, b, lw))]

    for a, b in zip(run(chainrule, F), run(torch, TF), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-10)
