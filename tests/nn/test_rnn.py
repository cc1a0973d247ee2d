"""RNN, LSTM, GRU and their cells against PyTorch: init, outputs, states, gradients, errors."""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pytest

import chainrule
from chainrule import nn

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.filterwarnings("ignore:LSTM with projections is not supported")


def _np(t) -> np.ndarray:
    return np.asarray(t.detach().numpy())


def _flatten(out) -> list:
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _flatten(o)]
    return [out]


def _make(kind: str, *args, **kwargs):
    """Build the chainrule and torch module with the same seed (so the same weights)."""
    chainrule.manual_seed(1234)
    c = getattr(nn, kind)(*args, **kwargs)
    torch.manual_seed(1234)
    t = getattr(torch.nn, kind)(*args, **kwargs)
    return c, t


def _compare(c_mod, t_mod, arrays, dtype, rtol, atol, hx_tuple=False):
    """Run both modules on ``arrays`` (input, then optional states), backward a random
    weighting of every output, and compare outputs and all gradients."""
    c_mod = c_mod.to(getattr(chainrule, dtype))
    t_mod = t_mod.to(getattr(torch, dtype))
    arrays = [np.asarray(a, dtype=dtype) for a in arrays]
    c_in = [chainrule.tensor(a, requires_grad=True) for a in arrays]
    t_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    if len(arrays) == 1:
        c_out, t_out = c_mod(c_in[0]), t_mod(t_in[0])
    elif hx_tuple:
        c_out = c_mod(c_in[0], (c_in[1], c_in[2]))
        t_out = t_mod(t_in[0], (t_in[1], t_in[2]))
    else:
        c_out, t_out = c_mod(c_in[0], c_in[1]), t_mod(t_in[0], t_in[1])
    c_flat, t_flat = _flatten(c_out), _flatten(t_out)
    assert len(c_flat) == len(t_flat)
    rng = np.random.default_rng(0)
    c_loss, t_loss = 0, 0
    for co, to in zip(c_flat, t_flat, strict=True):
        assert tuple(co.shape) == tuple(to.shape)
        assert co.dtype == getattr(chainrule, dtype)
        np.testing.assert_allclose(_np(co), _np(to), rtol=rtol, atol=atol)
        w = rng.standard_normal(tuple(to.shape)).astype(dtype)
        c_loss = c_loss + (co * chainrule.tensor(w)).sum()
        t_loss = t_loss + (to * torch.tensor(w)).sum()
    c_loss.backward()
    t_loss.backward()
    for i, (ci, ti) in enumerate(zip(c_in, t_in, strict=True)):
        np.testing.assert_allclose(_np(ci.grad), _np(ti.grad), rtol=rtol, atol=atol,
                                   err_msg=f"grad of input {i}")
    c_params = dict(c_mod.named_parameters())
    t_params = dict(t_mod.named_parameters())
    assert list(c_params) == list(t_params)
    for name, tp in t_params.items():
        np.testing.assert_allclose(_np(c_params[name].grad), _np(tp.grad), rtol=rtol,
                                   atol=atol, err_msg=f"grad of {name}")


TOL = {"float64": (1e-10, 1e-12), "float32": (1e-4, 1e-5)}

CONFIGS = [
    {},
    {"num_layers": 2},
    {"bidirectional": True},
    {"num_layers": 2, "bidirectional": True},
    {"batch_first": True},
    {"bias": False},
    {"num_layers": 2, "bidirectional": True, "batch_first": True, "bias": False},
]


def _kinds():
    return [("RNN", {}), ("RNN", {"nonlinearity": "relu"}), ("LSTM", {}), ("GRU", {}),
            ("LSTM", {"proj_size": 2})]


@pytest.mark.parametrize("kind,extra", _kinds(), ids=lambda v: str(v))
@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: ",".join(f"{k}={v}" for k, v in
                                                                    c.items()) or "default")
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("with_state", [False, True])
def test_matches_torch(kind, extra, config, dtype, with_state):
    kwargs = {**config, **extra}
    c_mod, t_mod = _make(kind, 3, 4, **kwargs)
    rng = np.random.default_rng(7)
    T, B = 5, 2
    shape = (B, T, 3) if kwargs.get("batch_first") else (T, B, 3)
    arrays = [rng.standard_normal(shape)]
    nd = (2 if kwargs.get("bidirectional") else 1) * kwargs.get("num_layers", 1)
    if with_state:
        h = kwargs.get("proj_size", 0) or 4
        arrays.append(rng.standard_normal((nd, B, h)))
        if kind == "LSTM":
            arrays.append(rng.standard_normal((nd, B, 4)))
    rtol, atol = TOL[dtype]
    _compare(c_mod, t_mod, arrays, dtype, rtol, atol, hx_tuple=kind == "LSTM")


@pytest.mark.parametrize("kind,extra", _kinds(), ids=lambda v: str(v))
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("with_state", [False, True])
def test_unbatched_matches_torch(kind, extra, batch_first, with_state):
    c_mod, t_mod = _make(kind, 3, 4, num_layers=2, bidirectional=True,
                         batch_first=batch_first, **extra)
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal((5, 3))]
    if with_state:
        arrays.append(rng.standard_normal((4, extra.get("proj_size", 0) or 4)))
        if kind == "LSTM":
            arrays.append(rng.standard_normal((4, 4)))
    _compare(c_mod, t_mod, arrays, "float64", 1e-10, 1e-12, hx_tuple=kind == "LSTM")


@pytest.mark.parametrize("kind,kwargs", [
    ("RNN", {}), ("RNN", {"num_layers": 3, "nonlinearity": "relu", "bias": False}),
    ("LSTM", {"num_layers": 2, "bidirectional": True}), ("LSTM", {"proj_size": 3}),
    ("GRU", {"num_layers": 2, "batch_first": True}),
    ("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu", "bias": False}),
    ("LSTMCell", {}), ("GRUCell", {"bias": False}),
])
def test_init_names_shapes_and_repr_match_torch(kind, kwargs):
    c_mod, t_mod = _make(kind, 6, 5, **kwargs)
    assert repr(c_mod) == repr(t_mod)
    c_params = list(c_mod.named_parameters())
    t_params = list(t_mod.named_parameters())
    assert [n for n, _ in c_params] == [n for n, _ in t_params]
    for (_, cp), (_, tp) in zip(c_params, t_params, strict=True):
        assert tuple(cp.shape) == tuple(tp.shape)
        np.testing.assert_array_equal(_np(cp), _np(tp))
    assert list(c_mod.state_dict()) == list(t_mod.state_dict())


@pytest.mark.parametrize("args,kwargs", [
    ((10, 20), {"num_layers": 2, "batch_first": True}),
    ((10, 20), {"bias": False, "dropout": 0.5, "num_layers": 3, "bidirectional": True}),
    ((10, 20), {"proj_size": 5}),
])
def test_repr(args, kwargs):
    for kind in ("RNN", "LSTM", "GRU"):
        if kind != "LSTM" and "proj_size" in kwargs:
            continue
        assert repr(getattr(nn, kind)(*args, **kwargs)) == \
            repr(getattr(torch.nn, kind)(*args, **kwargs))
    assert repr(nn.RNN(3, 4, 2, "relu")) == repr(torch.nn.RNN(3, 4, 2, "relu"))


@pytest.mark.parametrize("kind,extra", [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu"}),
                                        ("LSTMCell", {}), ("GRUCell", {}),
                                        ("GRUCell", {"bias": False})])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("with_state", [False, True])
def test_cells_match_torch(kind, extra, dtype, batched, with_state):
    c_mod, t_mod = _make(kind, 3, 4, **extra)
    rng = np.random.default_rng(11)
    lead = (2,) if batched else ()
    arrays = [rng.standard_normal(lead + (3,))]
    if with_state:
        arrays.append(rng.standard_normal(lead + (4,)))
        if kind == "LSTMCell":
            arrays.append(rng.standard_normal(lead + (4,)))
    rtol, atol = TOL[dtype]
    _compare(c_mod, t_mod, arrays, dtype, rtol, atol, hx_tuple=kind == "LSTMCell")


def test_cell_sequence_equals_layer():
    chainrule.manual_seed(0)
    cell = nn.LSTMCell(3, 4).double()
    layer = nn.LSTM(3, 4).double()
    layer.load_state_dict({k + "_l0": v for k, v in cell.state_dict().items()})
    x = chainrule.randn(6, 2, 3, dtype=chainrule.float64)
    out, (h_n, c_n) = layer(x)
    h = c = chainrule.zeros(2, 4, dtype=chainrule.float64)
    for t in range(6):
        h, c = cell(x[t], (h, c))
        np.testing.assert_allclose(_np(out[t]), _np(h), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(_np(h_n[0]), _np(h), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(_np(c_n[0]), _np(c), rtol=1e-12, atol=1e-14)


def test_dropout_between_layers_matches_torch():
    for kind in ("RNN", "LSTM", "GRU"):
        c_mod, t_mod = _make(kind, 3, 4, num_layers=3, dropout=0.4)
        c_mod.double()
        t_mod.double()
        x = np.random.default_rng(0).standard_normal((5, 2, 3))
        chainrule.manual_seed(5)
        torch.manual_seed(5)
        c_out = _flatten(c_mod(chainrule.tensor(x)))
        t_out = _flatten(t_mod(torch.tensor(x)))
        for co, to in zip(c_out, t_out, strict=True):
            np.testing.assert_allclose(_np(co), _np(to), rtol=1e-10, atol=1e-12)
        c_mod.eval()
        t_mod.eval()
        for co, to in zip(_flatten(c_mod(chainrule.tensor(x))),
                          _flatten(t_mod(torch.tensor(x))), strict=True):
            np.testing.assert_allclose(_np(co), _np(to), rtol=1e-10, atol=1e-12)


def test_dropout_changes_training_output():
    chainrule.manual_seed(0)
    m = nn.GRU(3, 4, num_layers=2, dropout=0.9).double()
    x = chainrule.randn(4, 2, 3, dtype=chainrule.float64)
    a = m(x)[0]
    m.eval()
    b = m(x)[0]
    c = m(x)[0]
    assert not np.allclose(_np(a), _np(b))
    np.testing.assert_array_equal(_np(b), _np(c))


def test_gradcheck_lstm():
    chainrule.manual_seed(0)
    m = nn.LSTM(2, 3, num_layers=2, bidirectional=True).double()
    x = chainrule.randn(3, 2, 2, dtype=chainrule.float64, requires_grad=True)
    h0 = chainrule.randn(4, 2, 3, dtype=chainrule.float64, requires_grad=True)
    c0 = chainrule.randn(4, 2, 3, dtype=chainrule.float64, requires_grad=True)
    params = list(m.parameters())

    def f(x, h0, c0, *_):
        out, (h, c) = m(x, (h0, c0))
        return out, h, c

    assert chainrule.autograd.gradcheck(f, (x, h0, c0, *params))


def test_gradgradcheck_gru_and_cell():
    chainrule.manual_seed(0)
    m = nn.GRU(2, 2).double()
    x = chainrule.randn(2, 1, 2, dtype=chainrule.float64, requires_grad=True)
    h0 = chainrule.randn(1, 1, 2, dtype=chainrule.float64, requires_grad=True)
    assert chainrule.autograd.gradgradcheck(lambda x, h0: m(x, h0)[0], (x, h0))
    cell = nn.LSTMCell(2, 2).double()
    hc = chainrule.randn(1, 2, dtype=chainrule.float64, requires_grad=True)
    assert chainrule.autograd.gradgradcheck(lambda x, h: cell(x, (h, h))[1], (x[0], hc))


def test_double_backward_matches_torch():
    c_mod, t_mod = _make("LSTM", 2, 3, num_layers=2)
    c_mod.double()
    t_mod.double()
    x = np.random.default_rng(1).standard_normal((3, 2, 2))
    cx = chainrule.tensor(x, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    (cg,) = chainrule.autograd.grad(c_mod(cx)[0].pow(2).sum(), cx, create_graph=True)
    (tg,) = torch.autograd.grad(t_mod(tx)[0].pow(2).sum(), tx, create_graph=True)
    np.testing.assert_allclose(_np(cg), _np(tg), rtol=1e-10)
    cg.pow(2).sum().backward()
    tg.pow(2).sum().backward()
    np.testing.assert_allclose(_np(cx.grad), _np(tx.grad), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(_np(c_mod.weight_hh_l1.grad), _np(t_mod.weight_hh_l1.grad),
                               rtol=1e-9, atol=1e-12)


def _error(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return type(e).__name__, str(e)
    return None


@pytest.mark.parametrize("kind,args,kwargs,inputs", [
    ("LSTM", (3, 4), {}, [(5, 2, 6)]),
    ("LSTM", (3, 4), {}, [(4, 5, 2, 3)]),
    ("LSTM", (3, 4), {}, [(5, 2, 3), ((1, 3, 4), (1, 2, 4))]),
    ("LSTM", (3, 4), {}, [(5, 2, 3), ((1, 2, 4), (1, 2, 5))]),
    ("LSTM", (3, 4), {}, [(5, 2, 3), ((2, 4), (2, 4))]),
    ("LSTM", (3, 4), {}, [(5, 3), ((1, 1, 4), (1, 1, 4))]),
    ("LSTM", (3, 4), {"proj_size": 2}, [(5, 2, 3), ((1, 2, 4), (1, 2, 4))]),
    ("GRU", (3, 4), {}, [(5, 2, 2)]),
    ("GRU", (3, 4), {}, [(5,)]),
    ("GRU", (3, 4), {"num_layers": 2}, [(5, 2, 3), (1, 2, 4)]),
    ("GRU", (3, 4), {}, [(5, 2, 3), (2, 4)]),
    ("GRU", (3, 4), {}, [(5, 3), (1, 1, 4)]),
    ("RNN", (3, 4), {"batch_first": True}, [(5, 2, 3), (1, 2, 4)]),
    ("RNN", (3, 4), {}, [(2, 3, 4, 5)]),
    ("RNNCell", (3, 4), {}, [(2, 5)]),
    ("RNNCell", (3, 4), {}, [(2, 3), (3, 4)]),
    ("RNNCell", (3, 4), {}, [(2, 3), (2, 5)]),
    ("RNNCell", (3, 4), {}, [(2, 2, 3)]),
    ("LSTMCell", (3, 4), {}, [(2, 3), ((2, 4), (2, 5))]),
    ("LSTMCell", (3, 4), {}, [(2, 3), ((2, 4, 1), (2, 4))]),
    ("GRUCell", (3, 4), {}, [(3,), (2, 4)]),
    ("GRUCell", (3, 4), {}, [(2, 3), (1, 1, 4)]),
])
def test_errors_match_torch(kind, args, kwargs, inputs):
    c_mod, t_mod = _make(kind, *args, **kwargs)

    def build(lib, spec):
        if isinstance(spec[0], tuple):
            return tuple(lib.zeros(*s) for s in spec)
        return lib.zeros(*spec)

    c_err = _error(lambda: c_mod(*[build(chainrule, s) for s in inputs]))
    t_err = _error(lambda: t_mod(*[build(torch, s) for s in inputs]))
    assert t_err is not None
    assert c_err == t_err


def test_dtype_mismatch_error():
    m = nn.LSTM(3, 4)
    with pytest.raises(ValueError, match=r"RNN input dtype \(chainrule.float64\) does not match "
                                         r"weight dtype \(chainrule.float32\)"):
        m(chainrule.zeros(5, 2, 3, dtype=chainrule.float64))


@pytest.mark.parametrize("kind,args,kwargs", [
    ("LSTM", (3, 4), {"proj_size": 4}),
    ("LSTM", (3, 4), {"proj_size": -1}),
    ("GRU", (3, 4), {"proj_size": 2}),
    ("RNN", (3, 4), {"proj_size": 2}),
    ("RNN", (3, 4), {"nonlinearity": "sigmoid"}),
    ("LSTM", (3, 4), {"dropout": 1.5}),
    ("LSTM", (3, 4), {"dropout": True}),
    ("GRU", (0, 4), {}),
    ("GRU", (3, 0), {}),
    ("GRU", (3, 4), {"num_layers": 0}),
    ("GRU", (3.0, 4), {}),
    ("GRU", (3, 4), {"bias": 1}),
    ("GRU", (3, 4), {"batch_first": 0}),
])
def test_constructor_errors_match_torch(kind, args, kwargs):
    c_err = _error(lambda: getattr(nn, kind)(*args, **kwargs))
    t_err = _error(lambda: getattr(torch.nn, kind)(*args, **kwargs))
    assert t_err is not None
    assert c_err == t_err


def test_dropout_warning_for_single_layer():
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.LSTM(3, 4, dropout=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.LSTM(3, 4, num_layers=2, dropout=0.5)


def test_misc_api():
    m = nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    m.flatten_parameters()
    assert m.mode == "LSTM" and m.dropout == 0.0 and m.proj_size == 0
    assert isinstance(m, nn.RNNBase)
    assert [[tuple(p.shape) for p in ws] for ws in m.all_weights] == \
        [[tuple(p.shape) for p in ws] for ws in torch.nn.LSTM(3, 4, num_layers=2,
                                                              bidirectional=True).all_weights]
    assert len(m._flat_weights) == 16
    assert nn.RNN(3, 4).nonlinearity == "tanh"
    assert nn.RNN(3, 4, nonlinearity="relu").mode == "RNN_RELU"
    assert isinstance(nn.GRUCell(3, 4), nn.RNNCellBase)
    # Modules survive dtype conversion, deep copies and state_dict round trips.
    m2 = copy.deepcopy(m).double()
    out, (h, c) = m2(chainrule.zeros(2, 3, dtype=chainrule.float64))
    assert tuple(out.shape) == (2, 8) and tuple(h.shape) == (4, 4)
    m3 = nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    m3.load_state_dict(m.state_dict())
    x = chainrule.randn(4, 1, 3)
    np.testing.assert_array_equal(_np(m(x)[0]), _np(m3(x)[0]))
    # Replacing a weight is picked up by forward.
    m3.weight_ih_l0 = nn.Parameter(chainrule.zeros(16, 3))
    assert not np.array_equal(_np(m(x)[0]), _np(m3(x)[0]))


def test_parameters_receive_gradients_in_training_step():
    chainrule.manual_seed(0)
    m = nn.GRU(3, 4, num_layers=2, batch_first=True)
    opt = chainrule.optim.SGD(m.parameters(), lr=0.1)
    x = chainrule.randn(2, 5, 3)
    loss0 = m(x)[0].pow(2).mean()
    loss0.backward()
    assert all(p.grad is not None for p in m.parameters())
    opt.step()
    loss1 = m(x)[0].pow(2).mean()
    assert loss1.item() < loss0.item()
