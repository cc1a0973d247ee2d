"""Learning-rate schedulers: lr (and momentum) sequences against PyTorch over ~30 steps."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import chainrule
import chainrule.optim as optim
from chainrule.optim import lr_scheduler as sched


def _optimizers(torch, opt_name="SGD", **kw):
    """Matching chainrule and torch optimizers with two param groups."""
    kw = kw or ({"momentum": 0.9} if opt_name == "SGD" else {})
    c = [chainrule.zeros(2, requires_grad=True) for _ in range(2)]
    t = [torch.zeros(2, requires_grad=True) for _ in range(2)]
    copt = getattr(optim, opt_name)([{"params": c[:1]}, {"params": c[1:], "lr": 0.03}],
                                    lr=0.1, **kw)
    topt = getattr(torch.optim, opt_name)([{"params": t[:1]}, {"params": t[1:], "lr": 0.03}],
                                          lr=0.1, **kw)
    return copt, topt


def _group_values(opt, key):
    return [g[key] for g in opt.param_groups]


SCHEDULERS = [
    ("StepLR", {"step_size": 7}),
    ("StepLR", {"step_size": 3, "gamma": 0.5}),
    ("MultiStepLR", {"milestones": [3, 8, 8, 20], "gamma": 0.3}),
    ("ExponentialLR", {"gamma": 0.93}),
    ("CosineAnnealingLR", {"T_max": 10}),
    ("CosineAnnealingLR", {"T_max": 7, "eta_min": 0.001}),
    ("LambdaLR", {"lr_lambda": lambda e: 0.95 ** e + 0.01 * e}),
    ("MultiplicativeLR", {"lr_lambda": lambda e: 0.9}),
    ("ConstantLR", {"factor": 0.5, "total_iters": 4}),
    ("LinearLR", {"start_factor": 0.2, "end_factor": 0.9, "total_iters": 12}),
    ("PolynomialLR", {"total_iters": 20, "power": 2.0}),
    ("CosineAnnealingWarmRestarts", {"T_0": 5, "T_mult": 2, "eta_min": 0.001}),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 4}),
    ("CyclicLR", {"base_lr": [0.01, 0.02], "max_lr": 0.1, "step_size_up": 3,
                  "step_size_down": 5, "mode": "triangular2"}),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 4, "mode": "exp_range",
                  "gamma": 0.9}),
    ("OneCycleLR", {"max_lr": 0.5, "total_steps": 31}),
    ("OneCycleLR", {"max_lr": [0.5, 0.2], "total_steps": 31, "anneal_strategy": "linear"}),
    ("OneCycleLR", {"max_lr": 0.5, "epochs": 3, "steps_per_epoch": 11, "three_phase": True,
                    "pct_start": 0.25, "div_factor": 10.0, "final_div_factor": 100.0}),
]


def _sched_id(case):
    return case[0] + "-" + ",".join(f"{k}" for k in case[1])


@pytest.mark.parametrize("opt_name", ["SGD", "Adam"])
@pytest.mark.parametrize("case", SCHEDULERS, ids=_sched_id)
def test_lr_sequence_matches_torch(case, opt_name):
    torch = pytest.importorskip("torch")
    name, kw = case
    copt, topt = _optimizers(torch, opt_name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cs = getattr(sched, name)(copt, **kw)
        ts = getattr(torch.optim.lr_scheduler, name)(topt, **kw)
    assert cs.get_last_lr() == ts.get_last_lr()
    assert cs.last_epoch == ts.last_epoch
    momentum_key = "betas" if opt_name == "Adam" else "momentum"
    for step in range(30):
        copt.step()
        topt.step()
        cs.step()
        ts.step()
        assert cs.get_last_lr() == ts.get_last_lr(), f"step {step}"
        assert _group_values(copt, "lr") == _group_values(topt, "lr")
        assert _group_values(copt, momentum_key) == _group_values(topt, momentum_key)
        assert cs.last_epoch == ts.last_epoch


@pytest.mark.parametrize("kw", [
    {},
    {"mode": "max"},
    {"patience": 2, "factor": 0.5},
    {"patience": 1, "cooldown": 2, "threshold": 0.1, "threshold_mode": "abs"},
    {"patience": 0, "min_lr": [0.01, 0.02], "mode": "max", "threshold_mode": "abs"},
    {"patience": 1, "min_lr": 0.005, "eps": 1e-3},
])
def test_reduce_lr_on_plateau_matches_torch(kw):
    torch = pytest.importorskip("torch")
    copt, topt = _optimizers(torch)
    cs = sched.ReduceLROnPlateau(copt, **kw)
    ts = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kw)
    rng = np.random.default_rng(0)
    metrics = list(np.linspace(1.0, 0.5, 8)) + [0.5 + 0.01 * rng.standard_normal()
                                                 for _ in range(25)]
    for m in metrics:
        cs.step(m)
        ts.step(m)
        assert cs.get_last_lr() == ts.get_last_lr()
        assert cs.num_bad_epochs == ts.num_bad_epochs
        assert cs.cooldown_counter == ts.cooldown_counter
        assert cs.best == ts.best
        assert cs.last_epoch == ts.last_epoch
    assert cs.get_last_lr() != [0.1, 0.03] or kw.get("mode") == "max"


def test_reduce_lr_on_plateau_accepts_tensor_metric():
    opt = optim.SGD([chainrule.zeros(1, requires_grad=True)], lr=1.0)
    s = sched.ReduceLROnPlateau(opt, patience=0, factor=0.5)
    s.step(chainrule.tensor(1.0))
    s.step(chainrule.tensor(2.0))
    assert s.get_last_lr() == [0.5]


def test_reduce_lr_on_plateau_errors():
    opt = optim.SGD([chainrule.zeros(1, requires_grad=True)])
    with pytest.raises(ValueError, match="Factor should be < 1.0."):
        sched.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="mode foo is unknown!"):
        sched.ReduceLROnPlateau(opt, mode="foo")
    with pytest.raises(ValueError, match="threshold mode bar is unknown!"):
        sched.ReduceLROnPlateau(opt, threshold_mode="bar")
    with pytest.raises(ValueError, match="expected 1 min_lrs, got 2"):
        sched.ReduceLROnPlateau(opt, min_lr=[0.1, 0.2])


def test_sequential_and_chained_match_torch():
    torch = pytest.importorskip("torch")
    copt, topt = _optimizers(torch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cseq = sched.SequentialLR(copt, [sched.LinearLR(copt, 0.1, total_iters=5),
                                         sched.ExponentialLR(copt, 0.9)], milestones=[5])
        tseq = torch.optim.lr_scheduler.SequentialLR(
            topt, [torch.optim.lr_scheduler.LinearLR(topt, 0.1, total_iters=5),
                   torch.optim.lr_scheduler.ExponentialLR(topt, 0.9)], milestones=[5])
    for _ in range(20):
        copt.step()
        topt.step()
        cseq.step()
        tseq.step()
        assert cseq.get_last_lr() == tseq.get_last_lr()

    copt, topt = _optimizers(torch)
    cch = sched.ChainedScheduler([sched.ConstantLR(copt, 0.5, total_iters=4),
                                  sched.ExponentialLR(copt, 0.9)])
    tch = torch.optim.lr_scheduler.ChainedScheduler(
        [torch.optim.lr_scheduler.ConstantLR(topt, 0.5, total_iters=4),
         torch.optim.lr_scheduler.ExponentialLR(topt, 0.9)])
    for _ in range(10):
        copt.step()
        topt.step()
        cch.step()
        tch.step()
        assert cch.get_last_lr() == tch.get_last_lr()


def test_cosine_annealing_follows_recursive_formula():
    """Beyond T_max the recursive update keeps going (periodic), as in torch."""
    opt = optim.SGD([chainrule.zeros(1, requires_grad=True)], lr=1.0)
    s = sched.CosineAnnealingLR(opt, T_max=4)
    lrs = [s.get_last_lr()[0]]
    for _ in range(8):
        opt.step()
        s.step()
        lrs.append(s.get_last_lr()[0])
    closed = [(1 + math.cos(math.pi * e / 4)) / 2 for e in range(9)]
    np.testing.assert_allclose(lrs, closed, atol=1e-12)


def test_epoch_argument_uses_closed_form_like_torch():
    torch = pytest.importorskip("torch")
    copt, topt = _optimizers(torch)
    cs = sched.StepLR(copt, step_size=3, gamma=0.5)
    ts = torch.optim.lr_scheduler.StepLR(topt, step_size=3, gamma=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for e in [4, 7, 2]:
            cs.step(e)
            ts.step(e)
            assert cs.get_last_lr() == ts.get_last_lr()


def test_warns_when_scheduler_steps_before_optimizer():
    opt = optim.SGD([chainrule.zeros(1, requires_grad=True)], lr=1.0)
    s = sched.StepLR(opt, 2)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        s.step()

    opt = optim.SGD([chainrule.zeros(1, requires_grad=True)], lr=1.0)
    s = sched.StepLR(opt, 2)
    opt.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s.step()


def test_get_lr_outside_step_warns():
    opt = optim.SGD([chainrule.zeros(1, requires_grad=True)], lr=1.0)
    s = sched.ExponentialLR(opt, 0.5)
    with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
        s.get_lr()


@pytest.mark.parametrize("make", [
    lambda o: sched.StepLR(o, 3, 0.5),
    lambda o: sched.CosineAnnealingLR(o, 10),
    lambda o: sched.OneCycleLR(o, 1.0, total_steps=40),
    lambda o: sched.MultiStepLR(o, [2, 5]),
])
def test_scheduler_state_dict_round_trip(make):
    opt = optim.SGD([chainrule.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
    s = make(opt)
    for _ in range(7):
        opt.step()
        s.step()
    sd = s.state_dict()
    assert "optimizer" not in sd
    assert sd["last_epoch"] == 7
    assert sd["_last_lr"] == s.get_last_lr()

    opt2 = optim.SGD([chainrule.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
    opt2.load_state_dict(opt.state_dict())
    s2 = make(opt2)
    s2.load_state_dict(sd)
    for _ in range(5):
        opt.step()
        opt2.step()
        s.step()
        s2.step()
        assert s.get_last_lr() == s2.get_last_lr()


def test_lambda_state_dict_skips_functions():
    opt = optim.SGD([chainrule.zeros(1, requires_grad=True)], lr=0.1)

    class Factor:
        def __init__(self):
            self.k = 0.5

        def __call__(self, e):
            return self.k ** e

    s = sched.LambdaLR(opt, [Factor()])
    sd = s.state_dict()
    assert sd["lr_lambdas"] == [{"k": 0.5}]
    s2 = sched.LambdaLR(opt, lambda e: 1.0)
    assert s2.state_dict()["lr_lambdas"] == [None]
    with pytest.raises(ValueError, match="Expected 1 lr_lambdas, but got 2"):
        sched.LambdaLR(opt, [lambda e: 1, lambda e: 2])


def test_scheduler_errors():
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        sched.StepLR([], 3)
    opt = optim.SGD([chainrule.zeros(1, requires_grad=True)], lr=0.1)
    with pytest.raises(KeyError, match="initial_lr"):
        sched.StepLR(opt, 3, last_epoch=4)
    with pytest.raises(ValueError, match="You must define either total_steps"):
        sched.OneCycleLR(opt, 1.0)
    with pytest.raises(ValueError, match="anneal_strategy must be one of"):
        sched.OneCycleLR(opt, 1.0, total_steps=10, anneal_strategy="exp")
    s = sched.OneCycleLR(opt, 1.0, total_steps=2)
    opt.step()
    s.step()
    s.step()
    with pytest.raises(ValueError, match="Tried to step 3 times"):
        s.step()
    opt = optim.Adagrad([chainrule.zeros(1, requires_grad=True)])
    with pytest.raises(ValueError, match="optimizer must support momentum"):
        sched.OneCycleLR(opt, 1.0, total_steps=10)


def test_one_cycle_cycles_adam_beta1():
    opt = optim.Adam([chainrule.zeros(1, requires_grad=True)], betas=(0.9, 0.99))
    s = sched.OneCycleLR(opt, 0.1, total_steps=10, base_momentum=0.8, max_momentum=0.95)
    assert opt.param_groups[0]["betas"] == (0.95, 0.99)
    betas = []
    for _ in range(9):
        opt.step()
        s.step()
        betas.append(opt.param_groups[0]["betas"][0])
    assert min(betas) == pytest.approx(0.8)
    assert betas[-1] == pytest.approx(0.95)
    assert opt.param_groups[0]["betas"][1] == 0.99
