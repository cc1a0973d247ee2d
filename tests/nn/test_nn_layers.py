"""Every layer against PyTorch: same weights (copied through state_dict), same input, same
upstream gradient; outputs, input and parameter gradients and buffers compared, in float64
(tight) and float32. Reprs compared too."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from nn_helpers import compare_module, load_from_torch, np_of

import chainrule
from chainrule import nn

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(1234)


def _x(*shape, dtype=np.float64):
    return RNG.standard_normal(shape).astype(dtype)


# (name, constructor args, kwargs, input shapes)
LAYERS = [
    ("Linear", (3, 4), {}, [(5, 3)]),
    ("Linear", (3, 4), {"bias": False}, [(2, 7, 3)]),
    ("Linear", (3, 1), {}, [(3,)]),
    ("Bilinear", (3, 2, 4), {}, [(5, 3), (5, 2)]),
    ("Conv1d", (2, 4, 3), {}, [(2, 2, 9)]),
    ("Conv1d", (4, 4, 3), {"groups": 2, "padding": "same", "dilation": 2}, [(2, 4, 9)]),
    ("Conv1d", (2, 3, 4), {"stride": 3, "padding": 2, "bias": False}, [(2, 11)]),
    ("Conv2d", (3, 4, 3), {}, [(2, 3, 7, 6)]),
    ("Conv2d", (3, 6, (3, 2)), {"stride": 2, "padding": 1}, [(2, 3, 8, 7)]),
    ("Conv2d", (4, 8, 3), {"groups": 4, "padding": "same"}, [(1, 4, 5, 5)]),
    ("Conv2d", (2, 2, 3), {"dilation": 2, "padding": (2, 1), "bias": False}, [(2, 2, 9, 8)]),
    ("Conv2d", (2, 3, 3), {"padding": 1, "padding_mode": "reflect"}, [(2, 2, 5, 6)]),
    ("Conv2d", (2, 3, 3), {"padding": 2, "padding_mode": "replicate"}, [(2, 2, 5, 6)]),
    ("Conv2d", (2, 3, 3), {"padding": 1, "padding_mode": "circular"}, [(2, 2, 5, 6)]),
    ("Conv2d", (2, 3, 4), {"padding": "same", "padding_mode": "reflect"}, [(1, 2, 6, 6)]),
    ("Conv2d", (2, 3, 3), {"padding": "valid"}, [(2, 5, 6)]),
    ("Conv3d", (2, 3, 2), {"padding": 1}, [(1, 2, 4, 3, 5)]),
    ("ConvTranspose1d", (3, 2, 3), {"stride": 2, "padding": 1}, [(2, 3, 6)]),
    ("ConvTranspose2d", (4, 6, 3), {"stride": 2, "padding": 1, "output_padding": 1,
                                    "groups": 2}, [(2, 4, 4, 5)]),
    ("ConvTranspose2d", (2, 3, (2, 3)), {"dilation": 2, "bias": False}, [(2, 4, 4)]),
    ("ConvTranspose3d", (2, 2, 2), {"stride": 2}, [(1, 2, 2, 3, 2)]),
    ("Unfold", ((2, 3),), {"padding": 1, "stride": 2}, [(2, 3, 5, 6)]),
    ("Fold", ((5, 6), 2), {"stride": 1}, [(2, 12, 20)]),
    ("MaxPool1d", (3,), {"stride": 2, "padding": 1}, [(2, 3, 10)]),
    ("MaxPool2d", (2,), {}, [(2, 3, 8, 6)]),
    ("MaxPool2d", (3,), {"stride": 2, "padding": 1, "ceil_mode": True}, [(2, 3, 9, 8)]),
    ("MaxPool2d", ((2, 3),), {"stride": 1, "dilation": (2, 1)}, [(3, 7, 8)]),
    ("AvgPool1d", (3,), {"stride": 2, "padding": 1}, [(2, 3, 10)]),
    ("AvgPool2d", (2,), {}, [(2, 3, 8, 6)]),
    ("AvgPool2d", (3,), {"stride": 2, "padding": 1, "ceil_mode": True,
                         "count_include_pad": False}, [(2, 3, 9, 8)]),
    ("AvgPool2d", (3,), {"stride": 1, "padding": 1, "divisor_override": 4}, [(2, 3, 5, 5)]),
    ("AdaptiveAvgPool2d", ((3, 2),), {}, [(2, 3, 7, 5)]),
    ("AdaptiveAvgPool2d", (1,), {}, [(2, 3, 7, 5)]),
    ("AdaptiveAvgPool1d", (4,), {}, [(2, 3, 9)]),
    ("AdaptiveMaxPool2d", ((3, 2),), {}, [(2, 3, 7, 5)]),
    ("BatchNorm1d", (3,), {}, [(6, 3)]),
    ("BatchNorm1d", (3,), {"affine": False, "momentum": None}, [(6, 3, 4)]),
    ("BatchNorm2d", (3,), {"momentum": 0.3}, [(4, 3, 5, 2)]),
    ("BatchNorm2d", (3,), {"track_running_stats": False}, [(4, 3, 5, 2)]),
    ("BatchNorm3d", (2,), {}, [(2, 2, 3, 2, 2)]),
    ("LayerNorm", (5,), {}, [(4, 3, 5)]),
    ("LayerNorm", ((3, 5),), {"elementwise_affine": False}, [(4, 3, 5)]),
    ("LayerNorm", (5,), {"bias": False, "eps": 1e-3}, [(2, 5)]),
    ("GroupNorm", (2, 4), {}, [(3, 4, 5)]),
    ("GroupNorm", (1, 4), {"affine": False}, [(3, 4, 2, 2)]),
    ("Flatten", (), {}, [(2, 3, 4)]),
    ("Flatten", (0, 1), {}, [(2, 3, 4)]),
    ("Unflatten", (1, (2, 3)), {}, [(4, 6)]),
    ("Identity", (54,), {"unused": 1}, [(3, 2)]),
    ("ReLU", (), {}, [(4, 5)]),
    ("ReLU6", (), {}, [(4, 5)]),
    ("LeakyReLU", (0.2,), {}, [(4, 5)]),
    ("ELU", (0.5,), {}, [(4, 5)]),
    ("SELU", (), {}, [(4, 5)]),
    ("CELU", (0.7,), {}, [(4, 5)]),
    ("GELU", (), {}, [(4, 5)]),
    ("GELU", ("tanh",), {}, [(4, 5)]),
    ("SiLU", (), {}, [(4, 5)]),
    ("Mish", (), {}, [(4, 5)]),
    ("Tanh", (), {}, [(4, 5)]),
    ("Sigmoid", (), {}, [(4, 5)]),
    ("LogSigmoid", (), {}, [(4, 5)]),
    ("Softplus", (), {}, [(4, 5)]),
    ("Softplus", (2.0, 1.0), {}, [(4, 5)]),
    ("Hardtanh", (-0.5, 0.5), {}, [(4, 5)]),
    ("Hardsigmoid", (), {}, [(4, 5)]),
    ("Hardswish", (), {}, [(4, 5)]),
    ("Softsign", (), {}, [(4, 5)]),
    ("Tanhshrink", (), {}, [(4, 5)]),
    ("Softshrink", (0.3,), {}, [(4, 5)]),
    ("Hardshrink", (0.3,), {}, [(4, 5)]),
    ("Threshold", (0.1, 20.0), {}, [(4, 5)]),
    ("GLU", (), {}, [(4, 6)]),
    ("PReLU", (), {}, [(4, 5)]),
    ("PReLU", (3,), {"init": 0.1}, [(4, 3, 2)]),
    ("Softmax", (1,), {}, [(4, 5)]),
    ("LogSoftmax", (-1,), {}, [(2, 4, 5)]),
    ("Softmin", (0,), {}, [(4, 5)]),
    ("Softmax2d", (), {}, [(2, 3, 2, 2)]),
    ("ZeroPad2d", ((1, 2, 0, 1),), {}, [(2, 3, 4)]),
    ("ConstantPad1d", (2, 3.5), {}, [(2, 3, 4)]),
    ("ReflectionPad2d", (2,), {}, [(1, 2, 4, 5)]),
    ("ReplicationPad1d", ((3, 1),), {}, [(2, 3, 4)]),
    ("CircularPad2d", (1,), {}, [(1, 2, 4, 5)]),
]


def _id(case):
    name, args, kw, _ = case
    return f"{name}-{args}-{kw}"


@pytest.mark.parametrize("case", LAYERS, ids=[_id(c) for c in LAYERS])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_layer_matches_torch(case, dtype):
    name, args, kw, shapes = case
    tm = getattr(torch.nn, name)(*args, **kw)
    cm = getattr(nn, name)(*args, **kw)
    if dtype is np.float64:
        tm, cm = tm.double(), cm.double()
    inputs = [_x(*s, dtype=dtype) for s in shapes]
    atol, rtol = (1e-10, 1e-8) if dtype is np.float64 else (1e-5, 1e-4)
    if name == "CELU" and dtype is np.float64:
        rtol = 1e-7  # PyTorch's CELU backward rounds 1/alpha to float32
    compare_module(torch, cm, tm, inputs, atol=atol, rtol=rtol)
    assert repr(cm) == repr(tm)


# Layers whose result comes from a chain of nodes in one of the two libraries (names differ
# by construction), and unbatched convolutions (PyTorch convolves a batch of one, squeezes).
_COMPOSITE = ("MaxPool1d", "AvgPool1d", "Bilinear", "AdaptiveAvgPool2d", "Softmin",
              "Tanhshrink", "Softsign", "Identity", "CircularPad2d", "GLU", "Flatten",
              "Unflatten", "Linear", "PReLU", "LayerNorm", "GroupNorm", "Softmax2d",
              "AdaptiveAvgPool1d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d")
NAMED_LAYERS = [c for c in LAYERS if c[0] not in _COMPOSITE and not (
    c[0].startswith("Conv") and len(c[3][0]) == int(c[0][-2]) + 1)]


@pytest.mark.parametrize("case", NAMED_LAYERS, ids=[_id(c) for c in NAMED_LAYERS])
def test_layer_grad_fn_names_match_torch(case):
    name, args, kw, shapes = case
    tm = getattr(torch.nn, name)(*args, **kw)
    cm = getattr(nn, name)(*args, **kw)
    xs = [_x(*s) for s in shapes]
    tout = tm(*[torch.tensor(a, dtype=torch.float32, requires_grad=True) for a in xs])
    cout = cm(*[chainrule.tensor(a, dtype=chainrule.float32, requires_grad=True) for a in xs])
    assert type(cout.grad_fn).__name__ == type(tout.grad_fn).__name__


def test_linear_and_conv_init_match_torch_for_same_seed():
    for ctor in [lambda m: m.Linear(3, 2), lambda m: m.Linear(7, 5, bias=False),
                 lambda m: m.Conv2d(3, 4, 3), lambda m: m.Conv1d(4, 2, 5, groups=2),
                 lambda m: m.ConvTranspose2d(4, 6, 3, groups=2),
                 lambda m: m.Bilinear(3, 2, 4), lambda m: m.Embedding(10, 3, padding_idx=2),
                 lambda m: m.BatchNorm1d(3), lambda m: m.LayerNorm(4), lambda m: m.PReLU()]:
        torch.manual_seed(0)
        chainrule.manual_seed(0)
        tm, cm = ctor(torch.nn), ctor(nn)
        tsd, csd = tm.state_dict(), cm.state_dict()
        assert list(tsd) == list(csd)
        for k in tsd:
            np.testing.assert_array_equal(np_of(csd[k]), tsd[k].numpy(), err_msg=k)


def test_embedding_matches_torch():
    idx = np.array([[1, 2, 2, 0], [4, 2, 9, 1]])
    for kw in [{}, {"padding_idx": 2}, {"padding_idx": -1}, {"scale_grad_by_freq": True}]:
        tm = torch.nn.Embedding(10, 3, **kw).double()
        cm = nn.Embedding(10, 3, **kw).double()
        compare_module(torch, cm, tm, [idx])
        assert repr(cm) == repr(tm)


def test_embedding_max_norm_renormalises_in_place():
    tm = torch.nn.Embedding(6, 3, max_norm=1.0).double()
    cm = nn.Embedding(6, 3, max_norm=1.0).double()
    load_from_torch(cm, tm)
    idx = np.array([0, 2, 2, 5])
    out_t = tm(torch.tensor(idx))
    out_c = cm(chainrule.tensor(idx))
    np.testing.assert_allclose(np_of(out_c), np_of(out_t), atol=1e-12)
    np.testing.assert_allclose(np_of(cm.weight), np_of(tm.weight), atol=1e-12)
    assert repr(cm) == repr(tm)


def test_embedding_from_pretrained():
    w = _x(4, 2)
    cm = nn.Embedding.from_pretrained(chainrule.tensor(w))
    assert not cm.weight.requires_grad
    np.testing.assert_array_equal(np_of(cm(chainrule.tensor([3]))), w[[3]])
    assert nn.Embedding.from_pretrained(chainrule.tensor(w), freeze=False).weight.requires_grad


def test_batchnorm_train_then_eval_matches_torch():
    tm = torch.nn.BatchNorm2d(3, momentum=0.2).double()
    cm = nn.BatchNorm2d(3, momentum=0.2).double()
    load_from_torch(cm, tm)
    for _ in range(3):
        x = _x(4, 3, 2, 2) * 3 + 1
        out_t = tm(torch.tensor(x))
        out_c = cm(chainrule.tensor(x))
        np.testing.assert_allclose(np_of(out_c), np_of(out_t), atol=1e-10)
    for name in ("running_mean", "running_var", "num_batches_tracked"):
        np.testing.assert_allclose(np_of(getattr(cm, name)), np_of(getattr(tm, name)),
                                   atol=1e-12, err_msg=name)
    tm.eval()
    cm.eval()
    x = _x(5, 3, 2, 2)
    compare_module(torch, cm, tm, [x])
    assert int(cm.num_batches_tracked) == 3


def test_batchnorm_errors():
    with pytest.raises(ValueError, match="expected 4D input \\(got 2D input\\)"):
        nn.BatchNorm2d(3)(chainrule.ones(2, 3))
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when "
                                         "training, got input size torch.Size\\(\\[1, 3\\]\\)"):
        nn.BatchNorm1d(3)(chainrule.ones(1, 3))
    nn.BatchNorm1d(3).eval()(chainrule.ones(1, 3))  # fine in eval


def test_dropout_train_eval_and_scaling():
    chainrule.manual_seed(3)
    d = nn.Dropout(0.25)
    x = chainrule.ones(2000, requires_grad=True)
    y = d(x)
    vals = np.unique(np_of(y))
    np.testing.assert_allclose(vals, [0.0, 1 / 0.75], rtol=1e-6)
    frac = (np_of(y) == 0).mean()
    assert 0.2 < frac < 0.3
    y.sum().backward()
    np.testing.assert_array_equal(np_of(x.grad), np_of(y))  # gradient is the mask
    d.eval()
    assert d(x) is x
    assert nn.Dropout(1.0)(x).detach().numpy().sum() == 0
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, "
                                         "but got 1.5"):
        nn.Dropout(1.5)
    chainrule.manual_seed(7)
    a = np_of(nn.Dropout()(chainrule.ones(50)))
    chainrule.manual_seed(7)
    b = np_of(nn.Dropout()(chainrule.ones(50)))
    np.testing.assert_array_equal(a, b)


def test_channel_dropout_zeroes_whole_channels():
    chainrule.manual_seed(0)
    y = np_of(nn.Dropout2d(0.5)(chainrule.ones(8, 6, 3, 3)))
    per_channel = y.reshape(8, 6, -1)
    assert np.all((per_channel == 0).all(-1) | (per_channel == 2).all(-1))
    y1 = np_of(nn.Dropout1d(0.5)(chainrule.ones(4, 5, 7)))
    assert np.all((y1 == 0).all(-1) | (y1 == 2).all(-1))


def test_dropout_reprs_match_torch():
    for name, args in [("Dropout", ()), ("Dropout", (0.1, True)), ("Dropout1d", ()),
                       ("Dropout2d", (0.3,)), ("AlphaDropout", ())]:
        assert repr(getattr(nn, name)(*args)) == repr(getattr(torch.nn, name)(*args))


def test_activation_reprs_with_options_match_torch():
    cases = [("ReLU", (True,)), ("LeakyReLU", (0.1, True)), ("ELU", (1.0, True)),
             ("Hardtanh", (-2.0, 2.0, True)), ("ReLU6", (True,)), ("SiLU", (True,)),
             ("Softmax", ()), ("RReLU", ()), ("Threshold", (0.5, 1.0, True)),
             ("Mish", (True,)), ("Hardswish", (True,)), ("SELU", (True,))]
    for name, args in cases:
        assert repr(getattr(nn, name)(*args)) == repr(getattr(torch.nn, name)(*args))


def test_maxpool_return_indices_module():
    x = _x(2, 3, 6, 6)
    to, ti = torch.nn.MaxPool2d(2, return_indices=True)(torch.tensor(x))
    co, ci = nn.MaxPool2d(2, return_indices=True)(chainrule.tensor(x))
    np.testing.assert_array_equal(np_of(ci), ti.numpy())
    np.testing.assert_array_equal(np_of(co), to.numpy())


def test_small_cnn_end_to_end_matches_torch():
    def build(lib):
        n = lib.nn
        return n.Sequential(n.Conv2d(1, 4, 3, padding=1), n.BatchNorm2d(4), n.ReLU(),
                            n.MaxPool2d(2), n.Conv2d(4, 8, 3), n.GELU(),
                            n.AdaptiveAvgPool2d(1), n.Flatten(), n.Dropout(0.0),
                            n.Linear(8, 3), n.LogSoftmax(dim=1))

    tm, cm = build(torch).double(), build(chainrule).double()
    compare_module(torch, cm, tm, [_x(4, 1, 8, 8)])
    assert repr(cm) == repr(tm)


@pytest.mark.parametrize("name,args,shape", [
    ("Dropout", (0.3,), (6, 7)), ("Dropout", (0.5,), (3, 4, 5)), ("Dropout1d", (0.4,), (3, 5, 6)),
    ("Dropout2d", (0.5,), (2, 6, 3, 3)), ("Dropout2d", (0.5,), (6, 3, 3)),
    ("AlphaDropout", (0.2,), (5, 6)), ("FeatureAlphaDropout", (0.2,), (3, 4, 2)),
])
def test_dropout_masks_match_torch_for_same_seed(name, args, shape):
    x = np.abs(_x(*shape)).astype(np.float32) + 0.5
    torch.manual_seed(11)
    chainrule.manual_seed(11)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tt = torch.tensor(x, requires_grad=True)
        ct = chainrule.tensor(x, requires_grad=True)
        ot = getattr(torch.nn, name)(*args)(tt)
        oc = getattr(nn, name)(*args)(ct)
    np.testing.assert_allclose(np_of(oc), np_of(ot), rtol=1e-6, atol=1e-6)
    g = _x(*shape).astype(np.float32)
    ot.backward(torch.tensor(g))
    oc.backward(chainrule.tensor(g))
    np.testing.assert_allclose(np_of(ct.grad), tt.grad.numpy(), rtol=1e-6, atol=1e-6)
    assert type(oc.grad_fn).__name__ == type(ot.grad_fn).__name__
