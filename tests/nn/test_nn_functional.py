"""nn.functional against PyTorch: convolution and pooling options and errors, padding modes,
embedding, one_hot, normalize, dropout, the activation wrappers, and double backward of the
normalisation layers."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from nn_helpers import np_of

import chainrule
import chainrule.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional
RNG = np.random.default_rng(7)


def _both(fn_c, fn_t, arrays, kwargs=None, diff=None, atol=1e-10, rtol=1e-8):
    kwargs = kwargs or {}
    diff = [i for i, a in enumerate(arrays) if np.asarray(a).dtype.kind == "f"] \
        if diff is None else diff
    cs = [chainrule.tensor(a, requires_grad=i in diff) for i, a in enumerate(arrays)]
    ts = [torch.tensor(a, requires_grad=i in diff) for i, a in enumerate(arrays)]
    oc, ot = fn_c(*cs, **kwargs), fn_t(*ts, **kwargs)
    if isinstance(ot, tuple):
        for a, b in zip(oc[1:], ot[1:], strict=True):
            np.testing.assert_array_equal(np_of(a), b.numpy())
        oc, ot = oc[0], ot[0]
    np.testing.assert_allclose(np_of(oc), np_of(ot), atol=atol, rtol=rtol)
    if diff:
        g = RNG.standard_normal(tuple(ot.shape))
        ot.backward(torch.tensor(g, dtype=ot.dtype))
        oc.backward(chainrule.tensor(g, dtype=oc.dtype))
        for i in diff:
            np.testing.assert_allclose(np_of(cs[i].grad), ts[i].grad.numpy(), atol=atol,
                                       rtol=rtol, err_msg=f"grad {i}")
    return oc, ot


# ------------------------------------------------------------------------ convolution
@pytest.mark.parametrize("nd,shape,wshape,kw", [
    (1, (2, 4, 11), (6, 2, 3), {"groups": 2, "stride": 2, "padding": 1}),
    (2, (2, 3, 9, 8), (4, 3, 3, 3), {"stride": (2, 1), "padding": (1, 0), "dilation": (1, 2)}),
    (2, (1, 6, 7, 7), (6, 1, 3, 3), {"groups": 6, "padding": "same"}),
    (2, (2, 2, 6, 6), (3, 2, 2, 4), {"padding": "same", "dilation": 2}),
    (2, (2, 2, 5, 5), (3, 2, 1, 1), {}),
    (3, (1, 2, 5, 4, 4), (2, 2, 3, 2, 2), {"stride": 2, "padding": 1}),
])
def test_conv_matches_torch(nd, shape, wshape, kw):
    fc, ft = getattr(F, f"conv{nd}d"), getattr(TF, f"conv{nd}d")
    x, w, b = RNG.standard_normal(shape), RNG.standard_normal(wshape), \
        RNG.standard_normal(wshape[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _both(fc, ft, [x, w, b], kw)
        _both(lambda a, c, **k: fc(a, c, None, **k), lambda a, c, **k: ft(a, c, None, **k),
              [x, w], kw)
        _both(fc, ft, [x.astype(np.float32), w.astype(np.float32), b.astype(np.float32)], kw,
              atol=1e-5, rtol=1e-4)


def test_conv_only_weight_or_only_input_requires_grad():
    x, w = RNG.standard_normal((2, 3, 6, 6)), RNG.standard_normal((4, 3, 3, 3))
    _both(F.conv2d, TF.conv2d, [x, w], diff=[1])
    _both(F.conv2d, TF.conv2d, [x, w], diff=[0])


def test_conv_errors_match_torch():
    cases = [
        ((1, 2, 5, 5), np.float64, (3, 2, 3, 3), np.float32, None, {}),
        ((1, 2, 5, 5), np.float32, (3, 2, 3, 3), np.float32, (3, np.float64), {}),
        ((1, 2, 2, 2), np.float32, (3, 2, 3, 3), np.float32, None, {}),
        ((1, 4, 5, 5), np.float32, (3, 2, 3, 3), np.float32, None, {"groups": 2}),
        ((1, 2, 5, 5), np.float32, (3, 2, 3, 3), np.float32, None,
         {"stride": 2, "padding": "same"}),
        ((1, 2, 5), np.float32, (3, 2, 3, 3), np.float32, None, {}),
        ((1, 2, 5, 5), np.float32, (3, 2, 3, 3), np.float32, None, {"padding": "foo"}),
        ((1, 2, 5, 5), np.float32, (3, 2, 3, 3), np.float32, (4, np.float32), {}),
        ((1, 1, 5, 5), np.float32, (3, 2, 3, 3), np.float32, None, {}),
    ]
    for xs, xd, ws, wd, b, kw in cases:
        x, w = np.zeros(xs, xd), np.zeros(ws, wd)
        bt = None if b is None else torch.tensor(np.zeros(b[0], b[1]))
        bc = None if b is None else chainrule.tensor(np.zeros(b[0], b[1]))
        with pytest.raises(RuntimeError) as et:
            TF.conv2d(torch.tensor(x), torch.tensor(w), bt, **kw)
        with pytest.raises(RuntimeError) as ec:
            F.conv2d(chainrule.tensor(x), chainrule.tensor(w), bc, **kw)
        assert str(ec.value) == str(et.value)


def test_conv_double_backward_works():
    # (more cases against PyTorch in test_double_backward.py)
    x = chainrule.tensor(RNG.standard_normal((1, 1, 4, 4)), requires_grad=True)
    w = chainrule.tensor(RNG.standard_normal((1, 1, 2, 2)), requires_grad=True)
    (gx,) = chainrule.autograd.grad(F.conv2d(x, w).sum(), x, create_graph=True)
    np.testing.assert_allclose(np_of(gx).sum(), 9 * np_of(w).sum())  # first order is right
    gx.sum().backward()
    np.testing.assert_allclose(np_of(w.grad), np.full((1, 1, 2, 2), 9.0))


# ------------------------------------------------------------------------ pooling
@pytest.mark.parametrize("name,shape,kw", [
    ("max_pool2d", (2, 3, 7, 6), {"kernel_size": 3, "stride": 2, "padding": 1,
                                  "return_indices": True}),
    ("max_pool2d", (2, 3, 7, 6), {"kernel_size": 2, "ceil_mode": True}),
    ("max_pool1d", (2, 3, 9), {"kernel_size": 2, "dilation": 2, "return_indices": True}),
    ("max_pool3d", (1, 2, 5, 4, 6), {"kernel_size": 2, "stride": 1}),
    ("avg_pool2d", (2, 3, 7, 6), {"kernel_size": (3, 2), "stride": 2, "padding": 1,
                                  "count_include_pad": False, "ceil_mode": True}),
    ("avg_pool1d", (2, 3, 9), {"kernel_size": 3, "padding": 1}),
    ("avg_pool3d", (1, 2, 5, 4, 6), {"kernel_size": 2, "stride": 1, "padding": 1}),
    ("adaptive_avg_pool2d", (2, 3, 7, 6), {"output_size": (4, 5)}),
    ("adaptive_avg_pool2d", (3, 7, 6), {"output_size": (None, 2)}),
    ("adaptive_avg_pool3d", (1, 2, 5, 4, 6), {"output_size": (2, 3, 4)}),
    ("adaptive_max_pool2d", (2, 3, 7, 6), {"output_size": (4, 5), "return_indices": True}),
    ("adaptive_max_pool1d", (2, 3, 9), {"output_size": 4, "return_indices": True}),
    ("lp_pool2d", (2, 3, 6, 6), {"norm_type": 2, "kernel_size": 2}),
])
def test_pooling_matches_torch(name, shape, kw):
    x = RNG.standard_normal(shape)
    if name.startswith("lp"):
        x = np.abs(x) + 0.1
    _both(getattr(F, name), getattr(TF, name), [x], kw)


@pytest.mark.parametrize("nd,shape,wshape,kw", [
    (2, (4, 1, 8, 8), (3, 1, 3, 3), {"padding": 1}),
    (2, (4, 6, 4, 4), (5, 6, 3, 3), {"padding": 1}),
    (2, (2, 4, 9, 8), (4, 2, 3, 3), {"stride": (2, 1), "padding": (1, 0), "dilation": (1, 2),
                                     "groups": 2}),
    (2, (2, 3, 9, 8), (4, 3, 3, 2), {"stride": (1, 2), "padding": (2, 1)}),
    (2, (2, 2, 12, 12), (3, 2, 3, 3), {"stride": 4}),             # sparse: slice-adds
    (2, (3, 5, 5), (3, 3, 2, 2), {"padding": 2}),                 # unbatched
    (1, (2, 4, 11), (6, 4, 3), {"padding": 3, "dilation": 2}),
    (3, (2, 2, 4, 5, 3), (3, 2, 2, 3, 2), {"padding": 1}),
])
def test_conv_layouts_match_the_reference_bit_for_bit(nd, shape, wshape, kw, monkeypatch):
    """im2col by runs, the padded buffer and col2im by flat shifts give the same bits as
    ``np.pad`` + a strided im2col copy and one slice-add per kernel position (zeros, -0.0,
    inf and NaN in the input and in the incoming gradient)."""
    from chainrule.nn.functional import conv

    def reference_im2col(xp, ksize, stride, dilation, out_sp):
        n = len(ksize)
        win = conv._windows(xp, ksize, stride, dilation, out_sp)
        perm = (1,) + tuple(range(2, 2 + n)) + (0,) + tuple(range(2 + n, 2 + 2 * n))
        return np.ascontiguousarray(win.transpose(perm))

    rng = np.random.default_rng(5)
    a = rng.standard_normal(shape)
    a[rng.random(shape) < 0.1] = -0.0
    a.flat[3], a.flat[-2] = np.inf, np.nan
    w, b = rng.standard_normal(wshape), rng.standard_normal(wshape[0])
    runs = []
    for reference in (False, True):
        if reference:
            monkeypatch.setattr(conv, "_im2col", reference_im2col)
            monkeypatch.setattr(conv, "_padded",
                                lambda x, pads: np.pad(x, [(0, 0), (0, 0)] + pads))
            monkeypatch.setattr(conv, "_EXT_RATIO", 0)
        x = chainrule.tensor(a, requires_grad=True)
        wt = chainrule.tensor(w, requires_grad=True)
        bt = chainrule.tensor(b, requires_grad=True)
        y = getattr(F, f"conv{nd}d")(x, wt, bt, **kw)
        g = np.random.default_rng(6).standard_normal(tuple(y.shape))
        g[g < -1] = -0.0
        g.flat[0] = np.inf
        grads = chainrule.autograd.grad(y, (x, wt, bt), chainrule.tensor(g))
        runs.append([t.detach().numpy().tobytes() for t in (y, *grads)])
    assert runs[0] == runs[1]


def test_max_pool_ties_send_gradient_to_first_maximum():
    x = np.ones((1, 1, 4, 4))
    _both(F.max_pool2d, TF.max_pool2d, [x], {"kernel_size": 2})
    _both(F.max_pool2d, TF.max_pool2d, [x], {"kernel_size": 3, "stride": 1, "padding": 1})


def _pool_data(rng, shape, dtype):
    """Values with many ties (small integers), signed zeros and infinities."""
    a = rng.integers(-2, 3, shape).astype(dtype)
    if a.dtype.kind == "f":
        a[rng.random(shape) < 0.1] = -0.0
        a[rng.random(shape) < 0.03] = np.inf
        a[rng.random(shape) < 0.03] = -np.inf
    return a


def _bits(a):
    a = np.asarray(a)
    return (a.dtype, a.shape, a.tobytes())


@pytest.mark.parametrize("nd,shape,kw", [
    (2, (3, 4, 8, 8), {"kernel_size": 2}),
    (2, (3, 4, 8, 6), {"kernel_size": (4, 3)}),
    (2, (3, 4, 9, 7), {"kernel_size": 2}),                       # rows/cols left over
    (2, (4, 6, 6), {"kernel_size": (2, 3), "stride": (2, 3)}),   # unbatched
    (2, (2, 3, 6, 6), {"kernel_size": 3, "ceil_mode": True}),
    (2, (2, 3, 5, 5), {"kernel_size": 1}),
    (2, (2, 3, 4, 4), {"kernel_size": 4, "return_indices": True}),
    (1, (2, 3, 9), {"kernel_size": 3, "return_indices": True}),
    (1, (2, 3, 9), {"kernel_size": 3}),
    (3, (2, 2, 4, 6, 4), {"kernel_size": 2, "return_indices": True}),
    (3, (2, 2, 4, 6, 4), {"kernel_size": (1, 3, 2)}),
])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.bool_])
@pytest.mark.parametrize("contiguous", [True, False])
def test_max_pool_fast_path_matches_the_general_path(nd, shape, kw, dtype, contiguous,
                                                     monkeypatch):
    """Non-overlapping windows take a fast path (staged when they tile a C-contiguous
    input): the same bits as the general one, forward and backward (ties, -0.0, infinities,
    and gradients with -0.0, inf and NaN)."""
    from chainrule.nn.functional import pooling

    rng = np.random.default_rng(3)
    a = _pool_data(rng, shape, dtype)
    if not contiguous:
        a = np.ascontiguousarray(a.swapaxes(-1, -2)).swapaxes(-1, -2)
    fn = getattr(F, f"max_pool{nd}d")
    runs = []
    for fast in (True, False):
        if not fast:
            monkeypatch.setattr(pooling, "_max_pool_fast", lambda *args: None)
        x = chainrule.tensor(a, requires_grad=a.dtype.kind == "f")
        if contiguous:
            assert x._data.flags.c_contiguous
        else:
            x = x.transpose(-1, -2).contiguous().transpose(-1, -2).detach().requires_grad_(
                x.requires_grad)
            assert not x._data.flags.c_contiguous
        out = fn(x, **kw)
        y = out[0] if isinstance(out, tuple) else out
        assert not np.shares_memory(y._data, x._data)
        run = [_bits(y.detach().numpy())]
        if isinstance(out, tuple):
            run.append(_bits(out[1].numpy()))
        if x.requires_grad:
            assert type(y.grad_fn).__name__ == f"MaxPool{nd}DWithIndicesBackward0"
            g = np.random.default_rng(4).standard_normal(tuple(y.shape)).astype(a.dtype)
            g[g < -1] = -0.0
            g.flat[0], g.flat[-1] = np.inf, np.nan
            (gx,) = chainrule.autograd.grad(y, x, chainrule.tensor(g))
            run.append(_bits(gx.numpy()))
        runs.append(run)
    assert runs[0] == runs[1]


def test_max_pool_fast_path_nan_follows_torch():
    # NaNs take the general path (PyTorch's rule: a later NaN wins)
    x = np.arange(32.0).reshape(1, 2, 4, 4)
    x[0, 0, 0, 0] = x[0, 0, 1, 1] = np.nan
    x[0, 1, 2, 3] = np.nan
    _both(F.max_pool2d, TF.max_pool2d, [x], {"kernel_size": 2, "return_indices": True})


def test_pooling_errors_match_torch():
    cases = [("max_pool2d", (4, 4), {"kernel_size": 2}),
             ("max_pool2d", (1, 1, 4, 4), {"kernel_size": 3, "padding": 2}),
             ("max_pool2d", (1, 1, 1, 1), {"kernel_size": 2}),
             ("avg_pool2d", (1, 1, 1, 1), {"kernel_size": 2}),
             ("adaptive_avg_pool2d", (4,), {"output_size": 2}),
             ("max_pool1d", (4,), {"kernel_size": 2})]
    for name, shape, kw in cases:
        with pytest.raises(RuntimeError) as et:
            getattr(TF, name)(torch.zeros(shape), **kw)
        with pytest.raises(RuntimeError) as ec:
            getattr(F, name)(chainrule.zeros(*shape), **kw)
        assert str(ec.value) == str(et.value)


def test_integer_pooling():
    x = RNG.integers(-5, 5, (1, 2, 4, 4))
    _both(F.max_pool2d, TF.max_pool2d, [x], {"kernel_size": 2})
    _both(F.avg_pool2d, TF.avg_pool2d, [x], {"kernel_size": 2})


# ------------------------------------------------------------------------ normalisation
@pytest.mark.parametrize("case", ["layer", "group", "batch_train", "batch_eval"])
def test_normalisation_double_backward_matches_torch(case):
    x = RNG.standard_normal((4, 3, 2))
    w, b = RNG.standard_normal(3), RNG.standard_normal(3)
    res = {}
    for lib, mod in ((torch, TF), (chainrule, F)):
        xv = lib.tensor(x, requires_grad=True)
        wv = lib.tensor(w, requires_grad=True)
        bv = lib.tensor(b, requires_grad=True)
        if case == "layer":
            y = mod.layer_norm(xv.transpose(1, 2), (3,), wv, bv)
        elif case == "group":
            y = mod.group_norm(xv, 3, wv, bv)
        else:
            rm, rv = lib.tensor(np.zeros(3)), lib.tensor(np.ones(3) * 2)
            y = mod.batch_norm(xv, rm, rv, wv, bv, training=case == "batch_train")
        loss = (y ** 3).sum()
        gx, gw = lib.autograd.grad(loss, (xv, wv), create_graph=True)
        ((gx ** 2).sum() + (gw ** 2).sum()).backward()
        res[lib.__name__] = [np_of(t) for t in (gx, gw, xv.grad, wv.grad, bv.grad)]
    for a, b_ in zip(res["chainrule"], res["torch"], strict=True):
        np.testing.assert_allclose(a, b_, atol=1e-9, rtol=1e-7)


def test_layer_norm_errors_match_torch():
    for shape, ns in [((2, 3), (4,)), ((2, 3), (2, 3, 4))]:
        with pytest.raises(RuntimeError) as et:
            TF.layer_norm(torch.zeros(shape), ns)
        with pytest.raises(RuntimeError) as ec:
            F.layer_norm(chainrule.zeros(*shape), ns)
        assert str(ec.value) == str(et.value)
    with pytest.raises(RuntimeError) as et:
        TF.group_norm(torch.zeros(2, 3, 4), 2)
    with pytest.raises(RuntimeError) as ec:
        F.group_norm(chainrule.zeros(2, 3, 4), 2)
    assert str(ec.value) == str(et.value)


def test_instance_norm_and_rms_norm():
    x = RNG.standard_normal((2, 3, 5))
    _both(F.instance_norm, TF.instance_norm, [x])
    w = RNG.standard_normal(5)
    _both(lambda a, c: F.rms_norm(a, (5,), c, 1e-6), lambda a, c: TF.rms_norm(a, (5,), c, 1e-6),
          [x, w])


def test_normalize():
    x = RNG.standard_normal((3, 4))
    x[1] = 0.0
    for kw in ({}, {"p": 1.0, "dim": 0}, {"dim": -1, "eps": 1e-3}):
        _both(F.normalize, TF.normalize, [x], kw)


# ------------------------------------------------------------------------ padding
@pytest.mark.parametrize("mode,shape,pad", [
    ("constant", (2, 3), (1, 2)),
    ("constant", (2, 3, 4), (1, 0, 2, 1, 0, 1)),
    ("constant", (2, 5, 4), (-1, 2, 1, -2)),
    ("reflect", (2, 3, 5), (2, 3)),
    ("reflect", (1, 2, 4, 5), (1, 2, 3, 0)),
    ("replicate", (2, 3, 5), (4, 1)),
    ("replicate", (1, 2, 3, 4, 5), (1, 2, 0, 1, 2, 1)),
    ("circular", (1, 2, 4, 5), (1, 2, 3, 0)),
])
def test_pad_matches_torch(mode, shape, pad):
    x = RNG.standard_normal(shape)
    _both(F.pad, TF.pad, [x], {"pad": pad, "mode": mode})
    oc = F.pad(chainrule.tensor(x, requires_grad=True), pad, mode)
    ot = TF.pad(torch.tensor(x, requires_grad=True), pad, mode)
    if mode != "circular":
        assert type(oc.grad_fn).__name__ == type(ot.grad_fn).__name__


def test_pad_value_and_errors():
    _both(F.pad, TF.pad, [RNG.standard_normal((2, 2))], {"pad": (1, 1), "value": 3.5})
    for args in [((2, 3, 4), (1,), "constant"), ((1, 2, 5, 5), (1, 1), "reflect"),
                 ((1, 2, 3, 3), (3, 3, 0, 0), "reflect")]:
        shape, pad, mode = args
        with pytest.raises((RuntimeError, NotImplementedError)) as et:
            TF.pad(torch.zeros(shape), pad, mode)
        with pytest.raises(type(et.value)) as ec:
            F.pad(chainrule.zeros(*shape), pad, mode)
        assert str(ec.value) == str(et.value)


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad_twice_differentiable(mode):
    x = RNG.standard_normal((1, 2, 5))
    res = {}
    for lib, mod in ((torch, TF), (chainrule, F)):
        xv = lib.tensor(x, requires_grad=True)
        y = mod.pad(xv, (2, 1), mode)
        (g,) = lib.autograd.grad((y ** 3).sum(), xv, create_graph=True)
        (g ** 2).sum().backward()
        res[lib.__name__] = (np_of(g), np_of(xv.grad))
    for a, b in zip(res["chainrule"], res["torch"], strict=True):
        np.testing.assert_allclose(a, b, atol=1e-10)


# ------------------------------------------------------------------------ embedding, one_hot
def test_embedding_functional_repeated_indices_accumulate():
    w = RNG.standard_normal((5, 3))
    idx = np.array([[0, 1, 1], [4, 1, 0]])
    _both(lambda i, ww: F.embedding(i, ww), lambda i, ww: TF.embedding(i, ww), [idx, w])
    _both(lambda i, ww: F.embedding(i, ww, padding_idx=1),
          lambda i, ww: TF.embedding(i, ww, padding_idx=1), [idx, w])
    oc = F.embedding(chainrule.tensor(idx), chainrule.tensor(w, requires_grad=True))
    assert type(oc.grad_fn).__name__ == "EmbeddingBackward0"


def test_embedding_errors_match_torch():
    for idx, exc in ((np.array([5]), IndexError), (np.array([0.5]), RuntimeError)):
        with pytest.raises(exc) as et:
            TF.embedding(torch.tensor(idx), torch.zeros(3, 2))
        with pytest.raises(exc) as ec:
            F.embedding(chainrule.tensor(idx), chainrule.zeros(3, 2))
        assert str(ec.value) == str(et.value)


def test_one_hot():
    t = np.array([[0, 2], [1, 3]])
    for n in (-1, 5):
        oc, ot = F.one_hot(chainrule.tensor(t), n), TF.one_hot(torch.tensor(t), n)
        np.testing.assert_array_equal(np_of(oc), ot.numpy())
        assert oc.dtype is chainrule.int64
    for bad, n in ((np.array([5]), 3), (np.array([-1]), 3)):
        with pytest.raises(RuntimeError) as et:
            TF.one_hot(torch.tensor(bad), n)
        with pytest.raises(RuntimeError) as ec:
            F.one_hot(chainrule.tensor(bad), n)
        assert str(ec.value) == str(et.value)


# ------------------------------------------------------------------------ activations
@pytest.mark.parametrize("name,kw", [
    ("relu", {}), ("relu6", {}), ("leaky_relu", {"negative_slope": 0.2}), ("elu", {}),
    ("selu", {}), ("gelu", {}), ("gelu", {"approximate": "tanh"}), ("silu", {}), ("mish", {}),
    ("softplus", {"beta": 2.0, "threshold": 3.0}), ("hardtanh", {"min_val": -0.3}),
    ("hardsigmoid", {}), ("hardswish", {}), ("logsigmoid", {}), ("sigmoid", {}), ("tanh", {}),
    ("softsign", {}), ("tanhshrink", {}), ("softshrink", {"lambd": 0.2}),
    ("hardshrink", {"lambd": 0.2}), ("threshold", {"threshold": 0.1, "value": -1.0}),
    ("glu", {"dim": 0}), ("softmax", {"dim": 1}), ("log_softmax", {"dim": 0}),
    ("softmin", {"dim": 1}), ("celu", {"alpha": 0.5}), ("rrelu", {}),
])
def test_activation_functions_match_torch(name, kw):
    x = RNG.standard_normal((4, 6)) * 2
    _both(getattr(F, name), getattr(TF, name), [x], kw, rtol=1e-7)


def test_softmax_implicit_dim_warns():
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        out = F.softmax(chainrule.ones(2, 3))
    np.testing.assert_allclose(np_of(out), np.full((2, 3), 1 / 3), rtol=1e-6)


def test_inplace_activation_modifies_input():
    x = chainrule.tensor([-1.0, 2.0])
    y = F.relu(x, inplace=True)
    np.testing.assert_array_equal(np_of(x), [0.0, 2.0])
    assert y is x or np.shares_memory(np_of(y), np_of(x))


def test_linear_bilinear_functional():
    x, w, b = RNG.standard_normal((3, 4)), RNG.standard_normal((2, 4)), RNG.standard_normal(2)
    _both(F.linear, TF.linear, [x, w, b])
    _both(F.linear, TF.linear, [x, w])
    x2, wb = RNG.standard_normal((3, 5)), RNG.standard_normal((2, 4, 5))
    _both(F.bilinear, TF.bilinear, [x, x2, wb, b])


# ------------------------------------------------------------------------ fold, transposed
@pytest.mark.parametrize("name,shapes,kw", [
    ("unfold", [(2, 3, 5, 6)], {"kernel_size": 2, "padding": 1, "stride": 2}),
    ("unfold", [(3, 5, 6)], {"kernel_size": (2, 3), "dilation": (2, 1)}),
    ("fold", [(2, 12, 9)], {"output_size": (5, 5), "kernel_size": 2, "padding": 1,
                            "stride": 2}),
    ("conv_transpose2d", [(2, 4, 5, 5), (4, 3, 3, 3), (3,)],
     {"stride": 2, "padding": 1, "output_padding": 1}),
    ("conv_transpose2d", [(2, 4, 5, 5), (4, 3, 3, 2)], {"groups": 2, "dilation": (2, 1)}),
    ("conv_transpose2d", [(4, 5, 5), (4, 3, 3, 3)], {"dilation": 3, "output_padding": 2}),
    ("conv_transpose1d", [(2, 4, 7), (4, 2, 3), (2,)], {"stride": 3, "padding": 2}),
    ("conv_transpose3d", [(1, 2, 3, 4, 3), (2, 2, 2, 2, 2)], {"stride": 2}),
])
def test_fold_unfold_conv_transpose_match_torch(name, shapes, kw):
    _both(getattr(F, name), getattr(TF, name), [RNG.standard_normal(s) for s in shapes], kw)


def test_fold_errors_match_torch():
    for shape, kw in [((2, 12, 3), {"output_size": (5, 5), "kernel_size": 2}),
                      ((2, 13, 16), {"output_size": (5, 5), "kernel_size": 2})]:
        with pytest.raises(RuntimeError) as et:
            TF.fold(torch.zeros(shape), **kw)
        with pytest.raises(RuntimeError) as ec:
            F.fold(chainrule.zeros(*shape), **kw)
        assert str(ec.value) == str(et.value)


def test_conv_transpose_and_unfold_twice_differentiable():
    x = RNG.standard_normal((1, 2, 3, 3))
    w = RNG.standard_normal((2, 2, 2, 2))
    res = {}
    for lib, mod in ((torch, TF), (chainrule, F)):
        xv, wv = lib.tensor(x, requires_grad=True), lib.tensor(w, requires_grad=True)
        y = mod.conv_transpose2d(xv, wv, stride=2)
        y = mod.unfold(y * y, 2).sum() + y.pow(3).sum()
        gx, gw = lib.autograd.grad(y, (xv, wv), create_graph=True)
        ((gx ** 2).sum() + (gw ** 2).sum()).backward()
        res[lib.__name__] = [np_of(t) for t in (gx, gw, xv.grad, wv.grad)]
    for a, b in zip(res["chainrule"], res["torch"], strict=True):
        np.testing.assert_allclose(a, b, atol=1e-9, rtol=1e-8)


def test_conv_transpose_output_size_module():
    tm = torch.nn.ConvTranspose2d(2, 3, 3, stride=2).double()
    cm = chainrule.nn.ConvTranspose2d(2, 3, 3, stride=2).double()
    cm.load_state_dict({k: chainrule.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    x = RNG.standard_normal((1, 2, 4, 4))
    ot = tm(torch.tensor(x), output_size=(10, 10))
    oc = cm(chainrule.tensor(x), output_size=(10, 10))
    assert tuple(oc.shape) == tuple(ot.shape) == (1, 3, 10, 10)
    np.testing.assert_allclose(np_of(oc), np_of(ot), atol=1e-12)
    with pytest.raises(ValueError, match="requested an output size of"):
        cm(chainrule.tensor(x), output_size=(20, 20))


def test_cosine_similarity_and_pairwise_distance():
    x1, x2 = RNG.standard_normal((4, 5)), RNG.standard_normal((4, 5))
    x1[0] = 0.0
    _both(F.cosine_similarity, TF.cosine_similarity, [x1, x2])
    _both(F.cosine_similarity, TF.cosine_similarity, [x1, x2], {"dim": 0, "eps": 1e-3})
    _both(F.pairwise_distance, TF.pairwise_distance, [x1, x2])
    _both(F.pairwise_distance, TF.pairwise_distance, [x1, x2], {"p": 1.0, "keepdim": True})
    cm, tm = chainrule.nn.CosineSimilarity(dim=0), torch.nn.CosineSimilarity(dim=0)
    assert repr(cm) == repr(tm)
    np.testing.assert_allclose(np_of(cm(chainrule.tensor(x1), chainrule.tensor(x2))),
                               tm(torch.tensor(x1), torch.tensor(x2)).numpy(), atol=1e-12)
