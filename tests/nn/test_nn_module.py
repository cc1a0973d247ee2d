"""nn.Module: registration, traversal, modes, state dicts, hooks, conversion, printing."""

from __future__ import annotations

import copy
import pickle
from collections import OrderedDict

import numpy as np
import pytest

import chainrule
from chainrule import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 4)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(4, 2, bias=False)
        self.register_buffer("steps", chainrule.zeros(1))
        self.register_buffer("scratch", chainrule.ones(2), persistent=False)
        self.scale = nn.Parameter(chainrule.tensor(2.0))

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x))) * self.scale


# ------------------------------------------------------------------------ registration
def test_parameters_buffers_and_modules_are_registered():
    net = Net()
    assert [n for n, _ in net.named_parameters()] == [
        "scale", "fc1.weight", "fc1.bias", "fc2.weight"]
    assert [n for n, _ in net.named_buffers()] == ["steps", "scratch"]
    assert [n for n, _ in net.named_children()] == ["fc1", "act", "fc2"]
    assert [n for n, _ in net.named_modules()] == ["", "fc1", "act", "fc2"]
    assert len(list(net.parameters())) == 4
    assert len(list(net.parameters(recurse=False))) == 1
    assert net.fc1 is net._modules["fc1"]
    assert net.steps is net._buffers["steps"]
    assert net.fc2.bias is None
    assert isinstance(net.scale, nn.Parameter) and net.scale.is_leaf


def test_shared_parameters_are_listed_once():
    lin = nn.Linear(2, 2)
    seq = nn.Sequential(lin, nn.ReLU(), lin)
    assert len(list(seq.parameters())) == 2
    assert [n for n, _ in seq.named_modules()] == ["", "0", "1"]
    assert len(list(seq.named_parameters(remove_duplicate=False))) == 4


def test_setattr_replaces_and_validates():
    net = Net()
    with pytest.raises(TypeError, match="cannot assign 'torch.FloatTensor' as parameter "
                                        "'scale' \\(torch.nn.Parameter or None expected\\)"):
        net.scale = chainrule.tensor(1.0)
    with pytest.raises(TypeError, match="as child module 'fc1'"):
        net.fc1 = 3
    with pytest.raises(TypeError, match="as buffer 'steps'"):
        net.steps = 3
    net.steps = chainrule.ones(1)  # a tensor may replace a buffer
    assert "steps" in net._buffers and float(net.steps) == 1.0
    net.scale = None
    assert net.scale is None and "scale" in net._parameters
    net.fc1 = nn.Linear(3, 4)  # a module replaces a module
    net.extra = nn.Parameter(chainrule.ones(2))
    assert "extra" in net._parameters
    net.plain = 5
    assert net.plain == 5 and "plain" not in net._parameters


def test_register_errors_match_torch():
    m = nn.Module()
    with pytest.raises(KeyError) as e:
        m.register_parameter("a.b", None)
    assert e.value.args[0] == 'parameter name can\'t contain "."'
    with pytest.raises(KeyError) as e:
        m.register_buffer("", None)
    assert e.value.args[0] == 'buffer name can\'t be empty string ""'
    with pytest.raises(TypeError, match="cannot assign 'torch.FloatTensor' object to parameter"):
        m.register_parameter("w", chainrule.ones(1))
    m.x = 1
    with pytest.raises(KeyError, match="attribute 'x' already exists"):
        m.register_buffer("x", chainrule.ones(1))
    with pytest.raises(TypeError, match="is not a Module subclass"):
        m.add_module("y", 3)
    w = chainrule.ones(2, requires_grad=True) * 2
    with pytest.raises(ValueError, match="Cannot assign non-leaf Tensor"):
        m.register_parameter("w", _nonleaf(w))

    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(chainrule.ones(1))

    with pytest.raises(AttributeError, match="cannot assign parameters before Module.__init__"):
        Early()


def _nonleaf(t):
    p = nn.Parameter(chainrule.ones(2))
    p._grad_fn = t.grad_fn
    return p


def test_getattr_delattr_dir():
    net = Net()
    with pytest.raises(AttributeError, match="'Net' object has no attribute 'nope'"):
        _ = net.nope
    del net.fc1
    assert "fc1" not in net._modules
    del net.steps
    assert "steps" not in net._buffers
    del net.scale
    assert "scale" not in net._parameters
    d = dir(net)
    assert "fc2" in d and "scratch" in d and "forward" in d
    assert all(not k[0].isdigit() for k in dir(nn.Sequential(nn.ReLU())))


def test_get_submodule_parameter_buffer():
    seq = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.BatchNorm1d(3)))
    assert seq.get_submodule("1.0") is seq[1][0]
    assert seq.get_parameter("0.weight") is seq[0].weight
    assert seq.get_buffer("1.0.running_mean") is seq[1][0].running_mean
    with pytest.raises(AttributeError, match="Sequential has no attribute `7`"):
        seq.get_submodule("7")
    with pytest.raises(AttributeError, match="`in_features` is not an nn.Parameter"):
        seq.get_parameter("0.in_features")


def test_forward_missing():
    with pytest.raises(NotImplementedError, match='missing the required "forward" function'):
        nn.Module()(1)


# ------------------------------------------------------------------------ modes and grads
def test_train_eval_recurse():
    net = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Dropout(), nn.BatchNorm1d(2)))
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        net.train(1)


def test_zero_grad_and_requires_grad_():
    net = Net()
    net(chainrule.ones(5, 3)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    g = net.fc1.weight.grad
    net.zero_grad(set_to_none=False)
    assert net.fc1.weight.grad is g and not np.any(g.numpy())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())


def test_apply_visits_children_first():
    seen = []
    net = nn.Sequential(nn.Linear(1, 1), nn.Sequential(nn.ReLU()))
    assert net.apply(lambda m: seen.append(type(m).__name__)) is net
    assert seen == ["Linear", "ReLU", "Sequential", "Sequential"]


def test_to_double_keeps_parameter_objects_and_int_buffers():
    bn = nn.BatchNorm1d(3)
    w = bn.weight
    bn.double()
    assert bn.weight is w and bn.weight.dtype is chainrule.float64
    assert bn.running_mean.dtype is chainrule.float64
    assert bn.num_batches_tracked.dtype is chainrule.int64
    bn.to(chainrule.float32)
    assert bn.weight.dtype is chainrule.float32
    bn.to("cpu")
    with pytest.raises(TypeError, match="floating point or complex dtypes"):
        bn.to(chainrule.int64)
    lin = nn.Linear(2, 2)
    lin(chainrule.ones(1, 2)).sum().backward()
    lin.double()
    assert lin.weight.grad.dtype is chainrule.float64
    out = lin(chainrule.ones(1, 2, dtype=chainrule.float64))
    assert out.dtype is chainrule.float64


# ------------------------------------------------------------------------ state dict
def test_state_dict_keys_values_share_memory():
    net = Net()
    sd = net.state_dict()
    assert isinstance(sd, OrderedDict)
    assert list(sd) == ["scale", "steps", "fc1.weight", "fc1.bias", "fc2.weight"]
    assert not sd["fc1.weight"].requires_grad
    sd["fc1.weight"][0, 0] = 42.0
    assert float(net.fc1.weight[0, 0]) == 42.0
    assert net.state_dict(keep_vars=True)["fc1.weight"] is net.fc1.weight
    assert list(net.state_dict(prefix="m.")) [0] == "m.scale"


def test_load_state_dict_roundtrip_and_report():
    a, b = Net(), Net()
    res = b.load_state_dict(a.state_dict())
    assert repr(res) == "<All keys matched successfully>"
    assert res.missing_keys == [] and res.unexpected_keys == []
    for (n, p), (_, q) in zip(a.named_parameters(), b.named_parameters(), strict=True):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy(), err_msg=n)
    sd = a.state_dict()
    del sd["fc1.bias"]
    sd["bogus"] = chainrule.ones(1)
    res = b.load_state_dict(sd, strict=False)
    assert res.missing_keys == ["fc1.bias"] and res.unexpected_keys == ["bogus"]
    assert repr(res) == "_IncompatibleKeys(missing_keys=['fc1.bias'], unexpected_keys=['bogus'])"


def test_load_state_dict_version_counter_and_no_grad():
    lin = nn.Linear(2, 2)
    v = lin.weight._version
    lin.load_state_dict({"weight": chainrule.zeros(2, 2), "bias": chainrule.zeros(2)})
    assert lin.weight._version > v
    assert lin.weight.requires_grad and lin.weight.grad_fn is None
    assert not lin.weight.detach().numpy().any()


def test_load_state_dict_errors_match_torch():
    torch = pytest.importorskip("torch")
    cases = [
        {"weight": np.zeros((3, 2))},
        {"weight": np.zeros((3, 2)), "bias": np.zeros(3), "foo": np.zeros(1)},
        {"weight": np.zeros((3, 3)), "bias": np.zeros(3)},
        {"weight": np.zeros((3, 3)), "foo": np.zeros(3)},
    ]
    for case in cases:
        with pytest.raises(RuntimeError) as et:
            torch.nn.Linear(2, 3).load_state_dict({k: torch.tensor(v) for k, v in case.items()})
        with pytest.raises(RuntimeError) as ec:
            nn.Linear(2, 3).load_state_dict({k: chainrule.tensor(v) for k, v in case.items()})
        assert str(ec.value) == str(et.value)


def test_load_state_dict_non_tensor_and_non_mapping():
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        nn.Linear(1, 1).load_state_dict([1])
    with pytest.raises(RuntimeError, match='While copying the parameter named "bias"'):
        nn.Linear(1, 1).load_state_dict({"weight": chainrule.ones(1, 1), "bias": 1.0})


def test_load_state_dict_assign_and_batchnorm_legacy():
    lin = nn.Linear(2, 2)
    w = chainrule.ones(2, 2)
    lin.load_state_dict({"weight": w, "bias": chainrule.zeros(2)}, assign=True)
    assert isinstance(lin.weight, nn.Parameter) and lin.weight.requires_grad
    bn = nn.BatchNorm1d(2)
    sd = dict(bn.state_dict())
    del sd["num_batches_tracked"]  # a checkpoint from before it existed, without metadata
    assert bn.load_state_dict(sd).missing_keys == []


def test_non_persistent_buffer_not_in_state_dict():
    net = Net()
    assert "scratch" not in net.state_dict()
    buf = nn.Buffer(chainrule.ones(3), persistent=False)
    net.extra = buf
    assert "extra" in net._buffers and "extra" in net._non_persistent_buffers_set


def test_state_dict_matches_torch_keys_for_nested_model():
    torch = pytest.importorskip("torch")

    def build(lib):
        return lib.nn.Sequential(lib.nn.Conv2d(1, 2, 3), lib.nn.BatchNorm2d(2), lib.nn.ReLU(),
                                 lib.nn.Sequential(lib.nn.Flatten(), lib.nn.Linear(8, 3)))

    assert list(build(chainrule).state_dict()) == list(build(torch).state_dict())


# ------------------------------------------------------------------------ hooks
def test_forward_pre_hook_and_forward_hook():
    lin = nn.Linear(2, 2)
    calls = []

    def pre(mod, args):
        calls.append("pre")
        return (args[0] * 0,)

    def post(mod, args, out):
        calls.append("post")
        return out + 1

    h1 = lin.register_forward_pre_hook(pre)
    h2 = lin.register_forward_hook(post)
    out = lin(chainrule.ones(1, 2))
    np.testing.assert_allclose(out.detach().numpy(), lin.bias.detach().numpy()[None] + 1,
                               rtol=1e-6)
    assert calls == ["pre", "post"]
    h1.remove()
    h2.remove()
    out = lin(chainrule.ones(1, 2))
    assert calls == ["pre", "post"]


def test_hooks_with_kwargs_prepend_and_context_manager():
    class Add(nn.Module):
        def forward(self, x, y=0):
            return x + y

    m = Add()
    order = []
    m.register_forward_pre_hook(lambda mod, args, kwargs: (args, {"y": 10}), with_kwargs=True)
    m.register_forward_hook(lambda mod, args, kwargs, out: order.append(("kw", kwargs["y"])),
                            with_kwargs=True)
    m.register_forward_hook(lambda mod, args, out: order.append("first"), prepend=True)
    assert float(m(chainrule.tensor(1.0))) == 11.0
    assert order == ["first", ("kw", 10)]
    with m.register_forward_hook(lambda mod, args, out: out * 2):
        assert float(m(chainrule.tensor(1.0))) == 22.0
    assert float(m(chainrule.tensor(1.0))) == 11.0


def test_global_forward_hook():
    seen = []
    h = nn.modules.module.register_module_forward_hook(
        lambda mod, args, out: seen.append(type(mod).__name__))
    try:
        nn.Sequential(nn.ReLU())(chainrule.ones(1))
    finally:
        h.remove()
    assert seen == ["ReLU", "Sequential"]


def test_full_backward_hooks_see_gradients():
    torch = pytest.importorskip("torch")
    results = {}
    for lib in (torch, chainrule):
        lib.manual_seed(0)
        lin = lib.nn.Linear(3, 2)
        rec = []

        def pre(m, go, rec=rec):
            rec.append(("pre", go[0] * 1))

        def post(m, gi, go, rec=rec):
            rec.append(("post", gi[0] * 1, go[0] * 1))
            return (gi[0] * 2,)

        lin.register_full_backward_pre_hook(pre)
        lin.register_full_backward_hook(post)
        x = lib.ones(4, 3, requires_grad=True)
        lin(x).pow(2).sum().backward()
        results[lib.__name__] = (rec, x.grad.numpy().copy())
    (rt, gxt), (rc, gxc) = results["torch"], results["chainrule"]
    assert [r[0] for r in rc] == [r[0] for r in rt] == ["pre", "post"]
    np.testing.assert_allclose(rc[0][1].numpy(), rt[0][1].numpy(), rtol=1e-5)
    np.testing.assert_allclose(rc[1][1].numpy(), rt[1][1].numpy(), rtol=1e-5)
    np.testing.assert_allclose(gxc, gxt, rtol=1e-5)


# ------------------------------------------------------------------------ repr
def test_repr_matches_torch_for_nested_models():
    torch = pytest.importorskip("torch")

    def build(lib):
        n = lib.nn
        return n.Sequential(OrderedDict([
            ("conv", n.Conv2d(3, 8, 3, padding=1)),
            ("block", n.Sequential(n.BatchNorm2d(8), n.ReLU(inplace=True), n.MaxPool2d(2))),
            ("heads", n.ModuleList([n.Linear(4, 4), n.Linear(4, 4), n.Linear(4, 4),
                                    n.Identity()])),
            ("dict", n.ModuleDict({"a": n.Tanh(), "b": n.Softmax(dim=1)})),
            ("flat", n.Flatten()),
        ]))

    assert repr(build(chainrule)) == repr(build(torch))
    assert repr(chainrule.nn.ModuleList()) == repr(torch.nn.ModuleList())


def test_extra_repr_multiline():
    class Multi(nn.Module):
        def extra_repr(self):
            return "a=1\nb=2"

    assert repr(Multi()) == "Multi(\n  a=1\n  b=2\n)"


def test_parameter_repr_and_behaviour():
    p = nn.Parameter(chainrule.tensor([1.0, 2.0]))
    assert repr(p) == "Parameter containing:\ntensor([1., 2.], requires_grad=True)"
    q = nn.Parameter(chainrule.tensor([1.0]), requires_grad=False)
    assert repr(q) == "Parameter containing:\ntensor([1.])"
    assert isinstance(p, chainrule.Tensor) and p.is_leaf
    y = p * 2
    assert type(y) is chainrule.Tensor
    base = chainrule.zeros(2)
    shared = nn.Parameter(base)
    base[0] = 5.0
    assert float(shared[0]) == 5.0
    assert nn.Parameter().shape == (0,)


def test_parameter_repr_matches_torch():
    torch = pytest.importorskip("torch")
    a = np.array([[1.5, -2.0], [3.25, 4.0]], dtype=np.float32)
    assert repr(nn.Parameter(chainrule.tensor(a))) == repr(torch.nn.Parameter(torch.tensor(a)))


# ------------------------------------------------------------------------ copies
def test_deepcopy_and_pickle():
    net = Net()
    net.fc1.weight.grad = chainrule.ones(4, 3)
    c = copy.deepcopy(net)
    assert c.fc1.weight is not net.fc1.weight
    assert isinstance(c.fc1.weight, nn.Parameter)
    np.testing.assert_array_equal(c.fc1.weight.detach().numpy(), net.fc1.weight.detach().numpy())
    assert c.fc1.weight.grad is not None
    p = pickle.loads(pickle.dumps(net))
    assert isinstance(p.scale, nn.Parameter) and p.scale.requires_grad
    x = chainrule.ones(2, 3)
    np.testing.assert_allclose(p(x).detach().numpy(), net(x).detach().numpy())


# ------------------------------------------------------------------------ containers
def test_sequential_indexing_slicing_and_editing():
    a, b, c = nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1)
    seq = nn.Sequential(a, b, c)
    assert len(seq) == 3 and seq[0] is a and seq[-1] is c
    sub = seq[1:]
    assert isinstance(sub, nn.Sequential) and list(sub._modules) == ["1", "2"]
    assert list(seq) == [a, b, c]
    seq.append(nn.Sigmoid())
    assert len(seq) == 4 and isinstance(seq[3], nn.Sigmoid)
    del seq[1]
    assert list(seq._modules) == ["0", "1", "2"] and seq[1] is c
    seq.insert(1, b)
    assert seq[1] is b
    seq[0] = nn.Identity()
    assert isinstance(seq[0], nn.Identity)
    assert len(seq + nn.Sequential(nn.ReLU())) == 5
    with pytest.raises(IndexError, match="index 9 is out of range"):
        seq[9]
    named = nn.Sequential(OrderedDict([("first", a), ("second", b)]))
    assert named.first is a and list(named._modules) == ["first", "second"]
    out = nn.Sequential(nn.Linear(2, 3), nn.ReLU())(chainrule.ones(4, 2))
    assert out.shape == (4, 3)


def test_module_list_dict_parameter_list():
    ml = nn.ModuleList([nn.ReLU(), nn.Tanh()])
    ml.append(nn.Sigmoid())
    ml.extend([nn.ReLU()])
    assert len(ml) == 4 and isinstance(ml[-1], nn.ReLU)
    assert isinstance(ml[1:3], nn.ModuleList) and len(ml[1:3]) == 2
    del ml[0]
    assert list(ml._modules) == ["0", "1", "2"]
    md = nn.ModuleDict({"a": nn.ReLU()})
    md["b"] = nn.Tanh()
    assert list(md.keys()) == ["a", "b"] and "b" in md and len(md) == 2
    assert md.pop("a").__class__ is nn.ReLU
    pl = nn.ParameterList([chainrule.ones(2), nn.Parameter(chainrule.zeros(3))])
    assert all(isinstance(p, nn.Parameter) for p in pl)
    holder = nn.Module()
    holder.pl = pl
    assert [n for n, _ in holder.named_parameters()] == ["pl.0", "pl.1"]
    pd = nn.ParameterDict({"w": chainrule.ones(2)})
    assert isinstance(pd["w"], nn.Parameter) and "w" in pd


def test_container_reprs_match_torch():
    torch = pytest.importorskip("torch")
    for lib in (torch, chainrule):
        lib.manual_seed(0)
    pl_c = nn.ParameterList([chainrule.ones(2, 3), nn.Parameter(chainrule.zeros(3))])
    pl_t = torch.nn.ParameterList([torch.ones(2, 3), torch.nn.Parameter(torch.zeros(3))])
    assert repr(pl_c) == repr(pl_t).replace("torch.", "chainrule.")
    ml_c = nn.ModuleList([nn.ReLU(), nn.ReLU(), nn.Tanh(), nn.ReLU()])
    ml_t = torch.nn.ModuleList([torch.nn.ReLU(), torch.nn.ReLU(), torch.nn.Tanh(),
                                torch.nn.ReLU()])
    assert repr(ml_c) == repr(ml_t)


# ------------------------------------------------------------------------ integration
def test_fused_hot_path_nodes():
    lin = nn.Linear(3, 2)
    y = lin(chainrule.ones(4, 3))
    # one node for the whole layer: its edges lead to the input (none), weight and bias
    leaves = {id(e[0].variable) for e in y.grad_fn.next_functions
              if e[0] is not None and hasattr(e[0], "variable")}
    assert leaves == {id(lin.weight), id(lin.bias)}
    loss = nn.functional.cross_entropy(y, chainrule.tensor([0, 1, 1, 0]))
    assert type(loss.grad_fn).__name__ == "NllLossBackward0"
    assert loss.grad_fn.next_functions[0][0] is y.grad_fn  # log_softmax fused in


def test_training_loop_reduces_loss():
    chainrule.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 4)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.int64)
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 2))
    opt = chainrule.optim.SGD(model.parameters(), lr=0.5)
    X, Y = chainrule.tensor(x), chainrule.tensor(y)
    losses = []
    for _ in range(60):
        opt.zero_grad()
        loss = nn.CrossEntropyLoss()(model(X), Y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.3 * losses[0]
    model.eval()
    with chainrule.no_grad():
        acc = (model(X).argmax(1).numpy() == y).mean()
    assert acc > 0.9
