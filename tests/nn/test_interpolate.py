"""F.interpolate, pixel_shuffle/unshuffle and the upsampling layers against PyTorch
(float64 and float32, outputs and gradients), plus reprs and errors."""

from __future__ import annotations

import numpy as np
import pytest
from nn_helpers import np_of

import chainrule
import chainrule.nn.functional as CF
from chainrule import nn

torch = pytest.importorskip("torch")
TF = torch.nn.functional
RNG = np.random.default_rng(3)

MODES = [("nearest", 3), ("nearest", 4), ("nearest", 5), ("nearest-exact", 3),
         ("nearest-exact", 4), ("nearest-exact", 5), ("linear", 3), ("bilinear", 4),
         ("bicubic", 4), ("trilinear", 5), ("area", 3), ("area", 4)]
SIZES = [{"size": 1}, {"size": 4}, {"size": 9}, {"scale_factor": 2}, {"scale_factor": 0.5},
         {"scale_factor": 1.7}, {"scale_factor": 1 / 3},
         {"scale_factor": 0.7, "recompute_scale_factor": True}, {"scale_factor": 3}]


def _run(x, mode, kw, align_corners):
    xc = chainrule.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    yc = CF.interpolate(xc, mode=mode, align_corners=align_corners, **kw)
    yt = TF.interpolate(xt, mode=mode, align_corners=align_corners, **kw)
    return xc, xt, yc, yt


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("mode,nd", MODES)
@pytest.mark.parametrize("kw", SIZES)
def test_interpolate_matches_torch(dtype, mode, nd, kw):
    tol = 1e-12 if dtype == np.float64 else 2e-5
    for insz in (1, 3, 5):
        out = kw.get("size") or int(insz * kw["scale_factor"])
        if out <= 0:
            continue
        shape = (2, 3) + tuple(insz + i for i in range(nd - 2))
        acs = [None] if mode in ("nearest", "nearest-exact", "area") else [False, True]
        for ac in acs:
            x = RNG.standard_normal(shape).astype(dtype)
            try:
                xc, xt, yc, yt = _run(x, mode, kw, ac)
            except RuntimeError:  # torch refuses (zero output size)
                continue
            assert tuple(yc.shape) == tuple(yt.shape)
            assert yc.dtype == chainrule.tensor(x).dtype
            np.testing.assert_allclose(np_of(yc), yt.detach().numpy(), atol=tol, rtol=tol)
            g = RNG.standard_normal(tuple(yt.shape)).astype(dtype)
            yc.backward(chainrule.tensor(g))
            yt.backward(torch.tensor(g))
            np.testing.assert_allclose(np_of(xc.grad), xt.grad.numpy(), atol=tol * 10,
                                       rtol=tol)


@pytest.mark.parametrize("mode", ["linear", "nearest", "bicubic"])
def test_interpolate_gradgrad(mode):
    shape = (1, 2, 4) if mode != "bicubic" else (1, 1, 3, 4)
    x = chainrule.tensor(RNG.standard_normal(shape), requires_grad=True)
    kw = {} if mode == "nearest" else {"align_corners": False}

    def f(x):
        return CF.interpolate(x, scale_factor=1.5, mode=mode, **kw) ** 2

    assert chainrule.autograd.gradcheck(f, (x,))
    assert chainrule.autograd.gradgradcheck(f, (x,))


def test_interpolate_tuple_size_and_scale():
    x = RNG.standard_normal((1, 2, 4, 5))
    for kw in ({"size": (3, 7)}, {"scale_factor": (1.5, 0.6)}):
        _, _, yc, yt = _run(x, "bilinear", kw, False)
        np.testing.assert_allclose(np_of(yc), yt.detach().numpy(), atol=1e-12)


def test_interpolate_errors():
    x = chainrule.zeros(1, 1, 4)
    with pytest.raises(ValueError, match="only one of size or scale_factor"):
        CF.interpolate(x, size=2, scale_factor=2)
    with pytest.raises(ValueError, match="either size or scale_factor"):
        CF.interpolate(x)
    with pytest.raises(ValueError, match="align_corners option can only be set"):
        CF.interpolate(x, size=2, align_corners=True)
    with pytest.raises(NotImplementedError, match="Got 3D input, but bilinear mode needs 4D"):
        CF.interpolate(x, size=2, mode="bilinear")
    with pytest.raises(NotImplementedError, match="Only 3D, 4D and 5D"):
        CF.interpolate(chainrule.zeros(2, 3), size=2)
    with pytest.raises(ValueError, match="same number of spatial dimensions"):
        CF.interpolate(x, size=(2, 3))
    with pytest.raises(ValueError, match="not meaningful"):
        CF.interpolate(x, size=2, recompute_scale_factor=True)
    with pytest.raises(ValueError, match="Anti-alias"):
        CF.interpolate(x, size=2, mode="linear", antialias=True)


def test_upsample_aliases_warn():
    x = RNG.standard_normal((1, 1, 2, 3))
    with pytest.warns(UserWarning, match="upsample` is deprecated"):
        yc = CF.upsample(chainrule.tensor(x), scale_factor=2, mode="bilinear")
    np.testing.assert_allclose(np_of(yc), TF.interpolate(torch.tensor(x), scale_factor=2,
                                                         mode="bilinear").numpy(), atol=1e-12)
    with pytest.warns(UserWarning, match="upsample_bilinear"):
        yc = CF.upsample_bilinear(chainrule.tensor(x), size=(3, 4))
    np.testing.assert_allclose(np_of(yc), TF.interpolate(torch.tensor(x), size=(3, 4),
                                                         mode="bilinear",
                                                         align_corners=True).numpy(),
                               atol=1e-12)
    with pytest.warns(UserWarning, match="upsample_nearest"):
        CF.upsample_nearest(chainrule.tensor(x), scale_factor=2)


@pytest.mark.parametrize("shape,r", [((2, 8, 3, 4), 2), ((18, 2, 3), 3), ((1, 2, 4, 3, 2), 1)])
def test_pixel_shuffle(shape, r):
    x = RNG.standard_normal(shape)
    xc, xt = chainrule.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yc, yt = CF.pixel_shuffle(xc, r), TF.pixel_shuffle(xt, r)
    np.testing.assert_array_equal(np_of(yc), yt.detach().numpy())
    zc, zt = CF.pixel_unshuffle(yc, r), TF.pixel_unshuffle(yt, r)
    np.testing.assert_array_equal(np_of(zc), zt.detach().numpy())
    np.testing.assert_array_equal(np_of(zc), x)
    g = RNG.standard_normal(tuple(yt.shape))
    yc.backward(chainrule.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_array_equal(np_of(xc.grad), xt.grad.numpy())


def test_pixel_shuffle_errors():
    for fn, args, msg in [
        (CF.pixel_shuffle, (chainrule.zeros(2, 3), 2), "at least 3 dimensions"),
        (CF.pixel_shuffle, (chainrule.zeros(1, 3, 2, 2), 2), "divisible by the square"),
        (CF.pixel_shuffle, (chainrule.zeros(1, 4, 2, 2), 0), "positive upscale_factor"),
        (CF.pixel_unshuffle, (chainrule.zeros(1, 3, 3, 2), 2), "height to be divisible"),
        (CF.pixel_unshuffle, (chainrule.zeros(1, 3, 2, 3), 2), "width to be divisible"),
    ]:
        with pytest.raises(RuntimeError, match=msg):
            fn(*args)


@pytest.mark.parametrize("name,args,kw", [
    ("Upsample", (), {"scale_factor": 2}),
    ("Upsample", (), {"size": (3, 5), "mode": "bilinear"}),
    ("Upsample", (), {"scale_factor": (2, 1.5), "mode": "bicubic", "align_corners": True}),
    ("Upsample", (), {"scale_factor": 0.6, "mode": "nearest-exact",
                      "recompute_scale_factor": True}),
    ("UpsamplingNearest2d", (), {"scale_factor": 2}),
    ("UpsamplingBilinear2d", (), {"size": 5}),
    ("PixelShuffle", (2,), {}),
    ("PixelUnshuffle", (2,), {}),
])
def test_upsampling_layers(name, args, kw):
    c, t = getattr(nn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw)
    assert repr(c) == repr(t)
    x = RNG.standard_normal((2, 4, 4, 6))
    xc, xt = chainrule.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yc, yt = c(xc), t(xt)
    np.testing.assert_allclose(np_of(yc), yt.detach().numpy(), atol=1e-12)
    g = RNG.standard_normal(tuple(yt.shape))
    yc.backward(chainrule.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(np_of(xc.grad), xt.grad.numpy(), atol=1e-11)
