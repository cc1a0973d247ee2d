"""scaled_dot_product_attention, MultiheadAttention and the Transformer modules against
PyTorch: same weights, float64, outputs and gradients compared; init, reprs and masks."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from nn_helpers import load_from_torch, np_of

import chainrule
import chainrule.nn.functional as CF
from chainrule import nn

torch = pytest.importorskip("torch")
TF = torch.nn.functional
RNG = np.random.default_rng(7)
ATOL = 1e-10


def _x(*shape):
    return RNG.standard_normal(shape)


def _pair(a, rg=True):
    return chainrule.tensor(a, requires_grad=rg), torch.tensor(a, requires_grad=rg)


def _close(a, b, atol=ATOL):
    np.testing.assert_allclose(np_of(a), np_of(b), atol=atol, rtol=1e-8)


@pytest.mark.parametrize("case", ["plain", "bool", "float", "causal", "scale", "gqa",
                                  "bool_bcast", "dead_row"])
def test_sdpa(case):
    q, k, v = _x(2, 4, 3, 5), _x(2, 4, 6, 5), _x(2, 4, 6, 5)
    kw_c, kw_t = {}, {}
    if case == "bool":
        m = RNG.random((3, 6)) > 0.3
        m[:, 0] = True
        kw_c["attn_mask"], kw_t["attn_mask"] = chainrule.tensor(m), torch.tensor(m)
    elif case == "float":
        m = _x(2, 1, 3, 6)
        kw_c["attn_mask"], kw_t["attn_mask"] = chainrule.tensor(m), torch.tensor(m)
    elif case == "causal":
        q = _x(2, 4, 6, 5)
        kw_c["is_causal"] = kw_t["is_causal"] = True
    elif case == "scale":
        kw_c["scale"] = kw_t["scale"] = 0.3
    elif case == "gqa":
        k, v = _x(2, 2, 6, 5), _x(2, 2, 6, 5)
        kw_c["enable_gqa"] = kw_t["enable_gqa"] = True
    elif case == "bool_bcast":
        m = RNG.random((2, 1, 1, 6)) > 0.5
        m[..., 1] = True
        kw_c["attn_mask"], kw_t["attn_mask"] = chainrule.tensor(m), torch.tensor(m)
    elif case == "dead_row":
        m = np.ones((3, 6), bool)
        m[1] = False
        kw_c["attn_mask"], kw_t["attn_mask"] = chainrule.tensor(m), torch.tensor(m)
    (qc, qt), (kc, kt), (vc, vt) = _pair(q), _pair(k), _pair(v)
    oc = CF.scaled_dot_product_attention(qc, kc, vc, **kw_c)
    ot = TF.scaled_dot_product_attention(qt, kt, vt, **kw_t)
    _close(oc, ot)
    g = _x(*ot.shape)
    oc.backward(chainrule.tensor(g))
    ot.backward(torch.tensor(g))
    for c, t in ((qc, qt), (kc, kt), (vc, vt)):
        _close(c.grad, t.grad)


def test_sdpa_dropout_matches_torch_generator():
    q, k, v = _x(2, 3, 4), _x(2, 5, 4), _x(2, 5, 4)
    chainrule.manual_seed(3)
    torch.manual_seed(3)
    oc = CF.scaled_dot_product_attention(chainrule.tensor(q), chainrule.tensor(k),
                                         chainrule.tensor(v), dropout_p=0.4)
    ot = TF.scaled_dot_product_attention(torch.tensor(q), torch.tensor(k), torch.tensor(v),
                                         dropout_p=0.4)
    _close(oc, ot)


def test_sdpa_double_backward():
    q = chainrule.tensor(_x(2, 3, 4), requires_grad=True)
    k = chainrule.tensor(_x(2, 5, 4))
    v = chainrule.tensor(_x(2, 5, 4))
    assert chainrule.autograd.gradcheck(
        lambda q: CF.scaled_dot_product_attention(q, k, v), (q,))
    assert chainrule.autograd.gradgradcheck(
        lambda q: CF.scaled_dot_product_attention(q, k, v), (q,))


def test_sdpa_dtype_error():
    q = chainrule.zeros(1, 2, 3, dtype=chainrule.float64)
    with pytest.raises(RuntimeError, match="same dtype"):
        CF.scaled_dot_product_attention(q, q.float(), q)


def _mha_pair(seed=0, **kw):
    torch.manual_seed(seed)
    chainrule.manual_seed(seed)
    t = torch.nn.MultiheadAttention(**kw).double()
    c = nn.MultiheadAttention(**kw).double()
    return c, t


def test_mha_init_matches_torch():
    for kw in ({"embed_dim": 6, "num_heads": 2},
               {"embed_dim": 6, "num_heads": 3, "kdim": 4, "vdim": 5, "add_bias_kv": True}):
        c, t = _mha_pair(5, **kw)
        ct = dict(c.named_parameters())
        for name, p in t.named_parameters():
            assert name in ct
            np.testing.assert_allclose(np_of(ct[name]).astype(np.float32),
                                       p.detach().numpy().astype(np.float32), atol=0, rtol=0)
        assert list(ct) == [n for n, _ in t.named_parameters()]
    assert repr(c) == repr(t)
    assert type(c.out_proj).__name__ == "NonDynamicallyQuantizableLinear"
    assert isinstance(c.out_proj, nn.Linear)


MHA_CASES = [
    ({"embed_dim": 8, "num_heads": 2}, {}),
    ({"embed_dim": 8, "num_heads": 2, "batch_first": True}, {}),
    ({"embed_dim": 8, "num_heads": 4}, {"average_attn_weights": False}),
    ({"embed_dim": 8, "num_heads": 2}, {"need_weights": False}),
    ({"embed_dim": 8, "num_heads": 2}, {"attn_mask": "bool"}),
    ({"embed_dim": 8, "num_heads": 2}, {"attn_mask": "float"}),
    ({"embed_dim": 8, "num_heads": 2}, {"attn_mask": "3d"}),
    ({"embed_dim": 8, "num_heads": 2}, {"key_padding_mask": "bool"}),
    ({"embed_dim": 8, "num_heads": 2}, {"key_padding_mask": "bool", "attn_mask": "bool",
                                        "need_weights": False}),
    ({"embed_dim": 8, "num_heads": 2}, {"attn_mask": "causal", "is_causal": True,
                                        "need_weights": False}),
    ({"embed_dim": 8, "num_heads": 2, "kdim": 5, "vdim": 3}, {"cross": True}),
    ({"embed_dim": 8, "num_heads": 2, "add_bias_kv": True, "add_zero_attn": True},
     {"key_padding_mask": "bool"}),
    ({"embed_dim": 8, "num_heads": 2, "bias": False}, {"cross": True}),
    ({"embed_dim": 8, "num_heads": 2}, {"unbatched": True}),
]


@pytest.mark.parametrize("ctor,call", MHA_CASES)
def test_mha_matches_torch(ctor, call):
    call = dict(call)
    c, t = _mha_pair(1, **ctor)
    load_from_torch(c, t)
    L, S, N, E = 3, 4, 2, ctor["embed_dim"]
    cross = call.pop("cross", False)
    unbatched = call.pop("unbatched", False)

    def shape(n, d):
        if unbatched:
            return (n, d)
        return (N, n, d) if ctor.get("batch_first") else (n, N, d)

    q = _x(*shape(L, E))
    if cross:
        k, v = _x(*shape(S, ctor.get("kdim", E))), _x(*shape(S, ctor.get("vdim", E)))
    else:
        k = v = q
        S = L
    kw_c, kw_t = {}, {}
    am = call.pop("attn_mask", None)
    if am is not None:
        if am == "bool":
            m = RNG.random((L, S)) > 0.4
            m[:, 0] = False
        elif am == "float":
            m = _x(L, S)
        elif am == "3d":
            m = _x(N * ctor["num_heads"], L, S)
        else:
            m = np.triu(np.full((L, S), -np.inf), 1)
        kw_c["attn_mask"], kw_t["attn_mask"] = chainrule.tensor(m), torch.tensor(m)
    kp = call.pop("key_padding_mask", None)
    if kp is not None:
        m = np.zeros((N, S), bool)
        m[0, -1] = m[1, 1] = True
        kw_c["key_padding_mask"], kw_t["key_padding_mask"] = chainrule.tensor(m), \
            torch.tensor(m)
    kw_c.update(call)
    kw_t.update(call)
    qc, qt = _pair(q)
    if cross:
        kc, kt = _pair(k)
        vc, vt = _pair(v)
    else:
        kc = vc = qc
        kt = vt = qt
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        oc, wc = c(qc, kc, vc, **kw_c)
        ot, wt = t(qt, kt, vt, **kw_t)
    _close(oc, ot)
    if wt is None:
        assert wc is None
    else:
        _close(wc, wt)
    g = _x(*ot.shape)
    oc.backward(chainrule.tensor(g))
    ot.backward(torch.tensor(g))
    _close(qc.grad, qt.grad)
    if cross:
        _close(kc.grad, kt.grad)
        _close(vc.grad, vt.grad)
    tp = dict(t.named_parameters())
    for name, p in c.named_parameters():
        _close(p.grad, tp[name].grad)


def test_mha_functional_errors():
    m = nn.MultiheadAttention(4, 2)
    with pytest.raises(AssertionError, match="embed_dim must be divisible"):
        nn.MultiheadAttention(5, 2)
    with pytest.raises(RuntimeError, match="2D attn_mask"):
        m(chainrule.zeros(3, 1, 4), chainrule.zeros(3, 1, 4), chainrule.zeros(3, 1, 4),
          attn_mask=chainrule.zeros(2, 2))


def _layer_pair(cls, seed, *args, **kw):
    torch.manual_seed(seed)
    chainrule.manual_seed(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = getattr(torch.nn, cls)(*args, **kw).double()
        c = getattr(nn, cls)(*args, **kw).double()
    return c, t


@pytest.mark.parametrize("kw", [{}, {"batch_first": True}, {"norm_first": True},
                                {"activation": "gelu", "bias": False},
                                {"activation": "gelu", "layer_norm_eps": 1e-3}])
@pytest.mark.parametrize("mask", [None, "causal", "padding"])
def test_encoder_layer_and_stack(kw, mask):
    c, t = _layer_pair("TransformerEncoderLayer", 2, 8, 2, 16, dropout=0.0, **kw)
    assert repr(c) == repr(t)
    shape = (2, 5, 8) if kw.get("batch_first") else (5, 2, 8)
    x = _x(*shape)
    kc, kt = {}, {}
    if mask == "causal":
        m = np.triu(np.full((5, 5), -np.inf), 1)
        kc["src_mask"], kt["src_mask"] = chainrule.tensor(m), torch.tensor(m)
        kc["is_causal"] = kt["is_causal"] = True
    elif mask == "padding":
        m = np.zeros((2, 5), bool)
        m[1, 3:] = True
        kc["src_key_padding_mask"], kt["src_key_padding_mask"] = chainrule.tensor(m), \
            torch.tensor(m)
    for layer_c, layer_t in ((c, t),) + (_stack(c, t),):
        xc, xt = _pair(x)
        load_from_torch(layer_c, layer_t)
        if isinstance(layer_c, nn.TransformerEncoder):
            kc2 = {("mask" if k == "src_mask" else k): v for k, v in kc.items()
                   if k != "is_causal"}
            kt2 = {("mask" if k == "src_mask" else k): v for k, v in kt.items()
                   if k != "is_causal"}
        else:
            kc2, kt2 = kc, kt
        oc, ot = layer_c(xc, **kc2), layer_t(xt, **kt2)
        _close(oc, ot, 1e-9)
        g = _x(*ot.shape)
        oc.backward(chainrule.tensor(g))
        ot.backward(torch.tensor(g))
        _close(xc.grad, xt.grad, 1e-9)
        tp = dict(layer_t.named_parameters())
        for name, p in layer_c.named_parameters():
            _close(p.grad, tp[name].grad, 1e-9)


def _stack(c, t):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sc = nn.TransformerEncoder(c, 2, norm=nn.LayerNorm(8).double())
        st = torch.nn.TransformerEncoder(t, 2, norm=torch.nn.LayerNorm(8).double())
    assert repr(sc) == repr(st)
    return sc, st


def test_encoder_nested_tensor_warning():
    layer = nn.TransformerEncoderLayer(4, 2, 8)
    with pytest.warns(UserWarning, match="batch_first was not True"):
        nn.TransformerEncoder(layer, 2)


def test_encoder_layer_init_matches_torch():
    c, t = _layer_pair("TransformerEncoderLayer", 11, 8, 2, 16)
    tp = dict(t.named_parameters())
    for name, p in c.named_parameters():
        np.testing.assert_allclose(np_of(p).astype(np.float32),
                                   tp[name].detach().numpy().astype(np.float32), rtol=0,
                                   atol=0)


@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer_full(batch_first):
    c, t = _layer_pair("Transformer", 4, d_model=8, nhead=2, num_encoder_layers=2,
                       num_decoder_layers=2, dim_feedforward=16, dropout=0.0,
                       batch_first=batch_first)
    assert repr(c) == repr(t)
    tp = dict(t.named_parameters())
    for name, p in c.named_parameters():  # init (xavier on every matrix) equals torch's
        np.testing.assert_allclose(np_of(p), tp[name].detach().numpy(), rtol=0, atol=1e-7)
    load_from_torch(c, t)
    src = _x(2, 5, 8) if batch_first else _x(5, 2, 8)
    tgt = _x(2, 4, 8) if batch_first else _x(4, 2, 8)
    sc, st = _pair(src)
    gc, gt = _pair(tgt)
    m = t.generate_square_subsequent_mask(4, dtype=torch.float64)
    mc = nn.Transformer.generate_square_subsequent_mask(4, dtype=chainrule.float64)
    np.testing.assert_array_equal(np_of(mc), m.numpy())
    oc = c(sc, gc, tgt_mask=mc)
    ot = t(st, gt, tgt_mask=m)
    _close(oc, ot, 1e-9)
    g = _x(*ot.shape)
    oc.backward(chainrule.tensor(g))
    ot.backward(torch.tensor(g))
    _close(sc.grad, st.grad, 1e-9)
    _close(gc.grad, gt.grad, 1e-9)
    for name, p in c.named_parameters():
        _close(p.grad, tp[name].grad, 1e-9)
