"""Optimizer base class: parameter groups, errors, zero_grad, state, state_dict, hooks."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import chainrule
import chainrule.optim as optim
from chainrule.optim.optimizer import Optimizer, required

ALL = [optim.SGD, optim.Adam, optim.AdamW, optim.RMSprop, optim.Adagrad]


def _params(n=3, dtype="float32", seed=0):
    rng = np.random.default_rng(seed)
    return [chainrule.tensor(rng.standard_normal((2, 3)).astype(dtype), requires_grad=True)
            for _ in range(n)]


def _set_grads(params, seed):
    rng = np.random.default_rng(seed)
    for p in params:
        p.grad = chainrule.tensor(rng.standard_normal(tuple(p.shape)).astype(p.dtype.name))


# ------------------------------------------------------------------------------ errors
@pytest.mark.parametrize("cls", ALL)
def test_invalid_learning_rate(cls):
    with pytest.raises(ValueError, match=r"^Invalid learning rate: -0.1$"):
        cls(_params(), lr=-0.1)


@pytest.mark.parametrize("cls,kw,msg", [
    (optim.SGD, {"momentum": -1}, "Invalid momentum value: -1"),
    (optim.SGD, {"weight_decay": -1}, "Invalid weight_decay value: -1"),
    (optim.SGD, {"nesterov": True}, "Nesterov momentum requires a momentum and zero dampening"),
    (optim.SGD, {"nesterov": True, "momentum": 0.9, "dampening": 0.1},
     "Nesterov momentum requires a momentum and zero dampening"),
    (optim.Adam, {"eps": -1e-8}, "Invalid epsilon value: -1e-08"),
    (optim.Adam, {"betas": (1.0, 0.999)}, "Invalid beta parameter at index 0: 1.0"),
    (optim.Adam, {"betas": (0.9, -0.1)}, "Invalid beta parameter at index 1: -0.1"),
    (optim.Adam, {"betas": (0, 0.9)}, "betas must be either both floats or both Tensors"),
    (optim.AdamW, {"weight_decay": -0.5}, "Invalid weight_decay value: -0.5"),
    (optim.RMSprop, {"alpha": -0.5}, "Invalid alpha value: -0.5"),
    (optim.RMSprop, {"momentum": -0.5}, "Invalid momentum value: -0.5"),
    (optim.Adagrad, {"lr_decay": -0.5}, "Invalid lr_decay value: -0.5"),
    (optim.Adagrad, {"initial_accumulator_value": -1},
     "Invalid initial_accumulator_value value: -1"),
])
def test_invalid_hyperparameters(cls, kw, msg):
    with pytest.raises(ValueError, match="^" + msg.replace("(", r"\(").replace(")", r"\)")):
        cls(_params(), **kw)


def test_invalid_values_match_torch_messages():
    torch = pytest.importorskip("torch")
    cases = [(optim.SGD, {"lr": -0.1}), (optim.Adam, {"betas": (0.9, 1.5)}),
             (optim.RMSprop, {"eps": -1.0}), (optim.Adagrad, {"weight_decay": -2.0})]
    for cls, kw in cases:
        with pytest.raises(ValueError) as ours:
            cls(_params(), **kw)
        with pytest.raises(ValueError) as theirs:
            getattr(torch.optim, cls.__name__)([torch.zeros(2, requires_grad=True)], **kw)
        assert str(ours.value) == str(theirs.value)


def test_params_errors():
    p = _params(1)[0]
    with pytest.raises(TypeError, match="should be an iterable of Tensors or dicts"):
        optim.SGD(p)
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        optim.SGD([])
    with pytest.raises(TypeError, match="ordering of tensors in sets"):
        optim.SGD([{"params": {p}}])
    with pytest.raises(TypeError, match="optimizer can only optimize Tensors, but one of the "
                                        "params is int"):
        optim.SGD([p, 3])
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        optim.SGD([p * 2])
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter "
                                         "group"):
        optim.SGD([{"params": [p]}, {"params": [p]}])
    with pytest.warns(UserWarning, match="duplicate parameters"):
        optim.SGD([p, p])


def test_add_param_group():
    a, b, c = _params()
    opt = optim.SGD([a], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": b, "lr": 0.5})
    assert opt.param_groups[1]["params"] == [b]
    assert opt.param_groups[1]["lr"] == 0.5
    assert opt.param_groups[1]["momentum"] == 0.9  # filled from the defaults
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a, c]})
    with pytest.raises(TypeError, match="param_group must be a dict"):
        opt.add_param_group([c])


def test_required_default():
    class Custom(Optimizer):
        def __init__(self, params, lr=required):
            super().__init__(params, {"lr": lr})

        def step(self, closure=None):
            return None

    p = _params(1)[0]
    with pytest.raises(ValueError, match="parameter group didn't specify a value of required "
                                         "optimization parameter lr"):
        Custom([p])
    assert Custom([{"params": [p], "lr": 0.1}]).param_groups[0]["lr"] == 0.1
    assert repr(required) == "<required parameter>"


def test_named_parameters():
    a, b = _params(2)
    opt = optim.Adam([("w", a), ("b", b)])
    assert opt.param_groups[0]["param_names"] == ["w", "b"]
    assert opt.param_groups[0]["params"] == [a, b]
    with pytest.raises(ValueError, match="with/without names"):
        opt.add_param_group({"params": _params(1)})


def test_per_group_options_and_defaults():
    a, b = _params(2)
    opt = optim.Adam([{"params": [a]}, {"params": [b], "lr": 0.5, "betas": (0.5, 0.6)}],
                     lr=0.01)
    assert opt.defaults["lr"] == 0.01
    assert opt.param_groups[0]["lr"] == 0.01
    assert opt.param_groups[1]["lr"] == 0.5
    assert opt.param_groups[1]["betas"] == (0.5, 0.6)
    assert opt.param_groups[1]["eps"] == 1e-8


def test_defaults_match_torch():
    torch = pytest.importorskip("torch")
    for cls in ALL:
        ours = cls(_params(1)).defaults
        theirs = getattr(torch.optim, cls.__name__)([torch.zeros(1, requires_grad=True)]).defaults
        assert ours == theirs, cls.__name__
    assert optim.SGD(_params(1)).defaults["lr"] == 1e-3
    assert optim.AdamW(_params(1)).defaults["weight_decay"] == 1e-2


def test_differentiable_is_refused():
    with pytest.raises(NotImplementedError, match="differentiable"):
        optim.SGD(_params(1), differentiable=True)


# ------------------------------------------------------------------------------ zero_grad
def test_zero_grad():
    params = _params()
    opt = optim.SGD(params, lr=0.1)
    _set_grads(params, 1)
    opt.zero_grad()
    assert all(p.grad is None for p in params)

    _set_grads(params, 2)
    grads = [p.grad for p in params]
    opt.zero_grad(set_to_none=False)
    for p, g in zip(params, grads, strict=True):
        assert p.grad is g
        assert not p.grad.numpy().any()


def test_zero_grad_handles_read_only_grad_arrays():
    p = _params(1)[0]
    g = np.broadcast_to(np.ones(3, dtype=np.float32), (2, 3))
    p.grad = chainrule._tensor._make(g)
    optim.SGD([p]).zero_grad(set_to_none=False)
    assert p.grad.shape == (2, 3)
    assert not p.grad.numpy().any()


# ------------------------------------------------------------------------------ step
def test_step_updates_in_place_and_bumps_version():
    p = _params(1)[0]
    data = p._data
    v0 = p._version
    opt = optim.SGD([p], lr=0.1)
    p.grad = chainrule.ones_like(p)
    expected = data - np.float32(0.1)
    opt.step()
    assert p._data is data
    np.testing.assert_array_equal(p.detach().numpy(), expected)
    assert p._version == v0 + 1


def test_step_detected_by_autograd_version_check():
    p = chainrule.tensor([1.0, 2.0], requires_grad=True)
    y = p * p  # saves p
    opt = optim.SGD([p], lr=0.1)
    p.grad = chainrule.ones_like(p)
    opt.step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_closure():
    p = chainrule.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    seen = {}

    def closure():
        opt.zero_grad()
        seen["grad_enabled"] = chainrule.is_grad_enabled()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with chainrule.no_grad():
        loss = opt.step(closure)
    assert seen["grad_enabled"]
    assert float(loss) == 5.0
    np.testing.assert_allclose(p.detach().numpy(), [0.8, 1.6], rtol=1e-6)


def test_state_keyed_by_parameter_and_lazy():
    a, b = _params(2)
    opt = optim.Adam([a, b])
    a.grad = chainrule.ones_like(a)
    opt.step()
    assert set(opt.state) == {a}
    assert set(opt.state[a]) == {"step", "exp_avg", "exp_avg_sq"}
    assert opt.state[a]["step"].item() == 1.0
    assert opt.state[a]["step"].dtype == chainrule.float32
    assert opt.state[a]["exp_avg"].shape == a.shape


def test_lr_as_tensor():
    p = chainrule.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([p], lr=chainrule.tensor(0.5))
    p.grad = chainrule.ones_like(p)
    opt.step()
    np.testing.assert_allclose(p.detach().numpy(), [0.5, 1.5])


def test_step_hooks():
    p = _params(1)[0]
    opt = optim.SGD([p])
    calls = []
    h1 = opt.register_step_pre_hook(lambda o, args, kwargs: calls.append(("pre", o)))
    h2 = opt.register_step_post_hook(lambda o, args, kwargs: calls.append(("post", o)))
    gh = optim.optimizer.register_optimizer_step_pre_hook(
        lambda o, args, kwargs: calls.append(("global", o)))
    p.grad = chainrule.ones_like(p)
    opt.step()
    assert calls == [("global", opt), ("pre", opt), ("post", opt)]
    for h in (h1, h2, gh):
        h.remove()
    opt.step()
    assert len(calls) == 3


def test_repr():
    opt = optim.SGD(_params(1), lr=0.1)
    text = repr(opt)
    assert text.startswith("SGD (\nParameter Group 0\n")
    assert "    lr: 0.1\n" in text


def test_repr_matches_torch():
    torch = pytest.importorskip("torch")
    ours = repr(optim.Adam(_params(1), lr=0.1))
    theirs = repr(torch.optim.Adam([torch.zeros(1, requires_grad=True)], lr=0.1))
    assert ours == theirs


# ------------------------------------------------------------------------------ state_dict
@pytest.mark.parametrize("cls,kw", [
    (optim.SGD, {"lr": 0.1, "momentum": 0.9}),
    (optim.Adam, {"lr": 0.01, "amsgrad": True}),
    (optim.AdamW, {"lr": 0.01}),
    (optim.RMSprop, {"lr": 0.01, "momentum": 0.5, "centered": True}),
    (optim.Adagrad, {"lr": 0.1}),
])
def test_state_dict_round_trip_continues_identically(cls, kw):
    params = _params()
    opt = cls([{"params": params[:1]}, {"params": params[1:], "lr": 0.05}], **kw)
    for s in range(3):
        _set_grads(params, s)
        opt.step()
    sd = opt.state_dict()
    assert set(sd) == {"state", "param_groups"}
    assert sorted(sd["state"]) == [0, 1, 2]
    assert [g["params"] for g in sd["param_groups"]] == [[0], [1, 2]]

    clones = [chainrule.tensor(p.detach().numpy().copy(), requires_grad=True) for p in params]
    opt2 = cls([{"params": clones[:1]}, {"params": clones[1:], "lr": 0.7}], **kw)
    import copy

    opt2.load_state_dict(copy.deepcopy(sd))
    assert opt2.param_groups[1]["lr"] == 0.05
    assert opt2.param_groups[0]["params"] == clones[:1]
    for s in range(3, 6):
        _set_grads(params, s)
        _set_grads(clones, s)
        opt.step()
        opt2.step()
    for p, c in zip(params, clones, strict=True):
        np.testing.assert_array_equal(p.detach().numpy(), c.detach().numpy())


def test_state_dict_format_matches_torch():
    torch = pytest.importorskip("torch")
    for cls, kw in [(optim.SGD, {"momentum": 0.9}), (optim.Adam, {"amsgrad": True}),
                    (optim.AdamW, {}), (optim.RMSprop, {"centered": True, "momentum": 0.1}),
                    (optim.Adagrad, {})]:
        rng = np.random.default_rng(0)
        init = [rng.standard_normal(3).astype("float32") for _ in range(2)]
        cps = [chainrule.tensor(a, requires_grad=True) for a in init]
        tps = [torch.tensor(a, requires_grad=True) for a in init]
        copt = cls([{"params": cps[:1]}, {"params": cps[1:], "lr": 0.5}], **kw)
        topt = getattr(torch.optim, cls.__name__)(
            [{"params": tps[:1]}, {"params": tps[1:], "lr": 0.5}], **kw)
        for p in cps:
            p.grad = chainrule.ones_like(p)
        for p in tps:
            p.grad = torch.ones_like(p)
        copt.step()
        topt.step()
        csd, tsd = copt.state_dict(), topt.state_dict()
        assert csd["param_groups"] == tsd["param_groups"]
        assert csd["state"].keys() == tsd["state"].keys()
        for k in tsd["state"]:
            assert csd["state"][k].keys() == tsd["state"][k].keys()
            for name, tv in tsd["state"][k].items():
                cv = csd["state"][k][name]
                assert cv.dtype.name == str(tv.dtype).replace("torch.", "")
                assert tuple(cv.shape) == tuple(tv.shape)
                np.testing.assert_allclose(cv.numpy(), tv.numpy(), rtol=1e-6)


def _torch_to_chainrule(obj):
    import torch

    if isinstance(obj, torch.Tensor):
        return chainrule.tensor(obj.detach().numpy().copy())
    if isinstance(obj, dict):
        return {k: _torch_to_chainrule(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_torch_to_chainrule(v) for v in obj]
    return obj


@pytest.mark.parametrize("name,kw", [("SGD", {"lr": 0.1, "momentum": 0.9}),
                                     ("Adam", {"lr": 0.01}), ("RMSprop", {"centered": True}),
                                     ("Adagrad", {"lr_decay": 0.1})])
def test_load_torch_state_dict_and_continue(name, kw):
    """A state_dict written by torch (tensors converted) resumes exactly as torch does."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    init = rng.standard_normal(4)
    tp = torch.tensor(init.copy(), requires_grad=True)
    topt = getattr(torch.optim, name)([tp], foreach=False, **kw)
    grads = [rng.standard_normal(4) for _ in range(6)]
    for g in grads[:3]:
        tp.grad = torch.tensor(g)
        topt.step()
    cp = chainrule.tensor(tp.detach().numpy().copy(), requires_grad=True)
    copt = getattr(optim, name)([cp], **kw)
    copt.load_state_dict(_torch_to_chainrule(topt.state_dict()))
    for g in grads[3:]:
        tp.grad = torch.tensor(g)
        cp.grad = chainrule.tensor(g)
        topt.step()
        copt.step()
    np.testing.assert_allclose(cp.detach().numpy(), tp.detach().numpy(), rtol=1e-12)


def test_load_state_dict_errors():
    a, b, c = _params()
    opt = optim.SGD([a, b], lr=0.1)
    sd = optim.SGD([{"params": [a]}, {"params": [b]}]).state_dict()
    with pytest.raises(ValueError, match="different number of parameter groups"):
        opt.load_state_dict(sd)
    sd = optim.SGD([a, b, c]).state_dict()
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        opt.load_state_dict(sd)


def test_load_state_dict_casts_state_to_param_dtype():
    p64 = _params(1, "float64")[0]
    opt64 = optim.Adam([p64])
    _set_grads([p64], 0)
    opt64.step()
    p32 = _params(1, "float32")[0]
    opt32 = optim.Adam([p32])
    opt32.load_state_dict(opt64.state_dict())
    assert opt32.state[p32]["exp_avg"].dtype == chainrule.float32
    assert opt32.state[p32]["step"].dtype == chainrule.float32  # step kept as saved
    _set_grads([p32], 1)
    opt32.step()
    assert opt32.state[p32]["step"].item() == 2.0


def test_load_state_dict_with_python_number_step():
    p = _params(1)[0]
    opt = optim.Adam([p])
    _set_grads([p], 0)
    opt.step()
    sd = opt.state_dict()
    sd["state"][0]["step"] = 1  # old checkpoints stored a Python number
    opt2 = optim.Adam([p])
    opt2.load_state_dict(sd)
    assert isinstance(opt2.state[p]["step"], chainrule.Tensor)
    opt2.step()
    assert opt2.state[p]["step"].item() == 2.0


def test_state_dict_hooks():
    p = _params(1)[0]
    opt = optim.SGD([p])
    seen = []
    opt.register_state_dict_pre_hook(lambda o: seen.append("pre"))
    opt.register_state_dict_post_hook(lambda o, sd: {**sd, "extra": 1})
    sd = opt.state_dict()
    assert seen == ["pre"]
    assert sd["extra"] == 1

    def strip(o, sd):
        sd = dict(sd)
        sd.pop("extra")
        return sd

    opt.register_load_state_dict_pre_hook(strip)
    opt.register_load_state_dict_post_hook(lambda o: seen.append("loaded"))
    opt.load_state_dict(sd)
    assert seen == ["pre", "loaded"]


def test_adagrad_state_created_at_construction():
    a, b = _params(2)
    opt = optim.Adagrad([a], initial_accumulator_value=0.25)
    assert set(opt.state[a]) == {"step", "sum"}
    np.testing.assert_array_equal(opt.state[a]["sum"].numpy(), np.full((2, 3), 0.25, "float32"))
    opt.add_param_group({"params": [b]})
    b.grad = chainrule.ones_like(b)
    opt.step()
    assert opt.state[b]["step"].item() == 1.0


def test_no_warnings_on_plain_step():
    p = _params(1)[0]
    opt = optim.Adam([p])
    p.grad = chainrule.ones_like(p)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.step()
        opt.zero_grad()
