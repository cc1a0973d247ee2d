"""Losses against PyTorch (values and gradients of input and, where differentiable, target),
every reduction; class weights, ignore_index, label smoothing, probability targets and
K-dimensional inputs for cross entropy; and double backward where PyTorch has it."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from nn_helpers import np_of

import chainrule
import chainrule.nn.functional as F
from chainrule import nn

torch = pytest.importorskip("torch")
TF = torch.nn.functional

RNG = np.random.default_rng(99)
REDUCTIONS = ["mean", "sum", "none"]


def _run(fn_c, fn_t, arrays, diff, kwargs, atol=1e-10, rtol=1e-8, dtype=np.float64):
    """Call both with the same arrays; compare value and gradients of the ``diff`` args."""
    cs, ts = [], []
    for i, a in enumerate(arrays):
        if isinstance(a, np.ndarray) and a.dtype.kind == "f":
            a = a.astype(dtype)
        rg = i in diff
        cs.append(chainrule.tensor(a, requires_grad=rg) if a is not None else None)
        ts.append(torch.tensor(a, requires_grad=rg) if a is not None else None)
    out_t = fn_t(*ts, **kwargs)
    out_c = fn_c(*cs, **kwargs)
    np.testing.assert_allclose(np_of(out_c), np_of(out_t), atol=atol, rtol=rtol)
    assert out_c.dtype.name == str(out_t.dtype).replace("torch.", "")
    if diff:
        g = RNG.standard_normal(tuple(out_t.shape)).astype(np_of(out_t).dtype)
        out_t.backward(torch.tensor(g))
        out_c.backward(chainrule.tensor(g))
        for i in diff:
            np.testing.assert_allclose(np_of(cs[i].grad), ts[i].grad.numpy(), atol=atol,
                                       rtol=rtol, err_msg=f"grad {i}")
    return out_c, out_t


# ---------------------------------------------------------------------- regression losses
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,kw", [("mse_loss", {}), ("l1_loss", {}),
                                     ("smooth_l1_loss", {}), ("smooth_l1_loss", {"beta": 0.5}),
                                     ("smooth_l1_loss", {"beta": 0.0}), ("huber_loss", {}),
                                     ("huber_loss", {"delta": 0.3})])
def test_regression_losses(name, kw, reduction):
    x, y = RNG.standard_normal((4, 5)), RNG.standard_normal((4, 5))
    _run(getattr(F, name), getattr(TF, name), [x, y], [0, 1], dict(kw, reduction=reduction))
    _run(getattr(F, name), getattr(TF, name), [x, y], [0], dict(kw, reduction=reduction),
         atol=1e-5, rtol=1e-5, dtype=np.float32)


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
def test_weighted_regression_losses(name):
    x, y, w = (RNG.standard_normal((3, 4)) for _ in range(3))
    w = np.abs(w)
    for red in REDUCTIONS:
        _run(lambda a, b, c, **k: getattr(F, name)(a, b, weight=c, **k),
             lambda a, b, c, **k: getattr(TF, name)(a, b, weight=c, **k),
             [x, y, w], [0], {"reduction": red})


def test_regression_broadcast_warns_and_reduces_gradients():
    x, y = RNG.standard_normal((4, 1)), RNG.standard_normal(4)
    with pytest.warns(UserWarning, match="Using a target size"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _run(F.mse_loss, TF.mse_loss, [x, y], [0, 1], {})
        F.mse_loss(chainrule.tensor(x), chainrule.tensor(y))


def test_regression_loss_modules():
    x, y = RNG.standard_normal((3, 2)), RNG.standard_normal((3, 2))
    for name, kw in [("MSELoss", {}), ("L1Loss", {"reduction": "sum"}),
                     ("SmoothL1Loss", {"beta": 0.3}), ("HuberLoss", {"delta": 2.0})]:
        cm, tm = getattr(nn, name)(**kw), getattr(torch.nn, name)(**kw)
        _run(cm, tm, [x, y], [0], {})
        assert repr(cm) == repr(tm)


def test_legacy_size_average_reduce():
    x, y = RNG.standard_normal(5), RNG.standard_normal(5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for sa, rd in [(False, None), (None, False), (True, True)]:
            _run(F.mse_loss, TF.mse_loss, [x, y], [0], {"size_average": sa, "reduce": rd})
    assert nn.MSELoss(size_average=False).reduction == "sum"


def test_invalid_reduction():
    with pytest.raises(ValueError, match="foo is not a valid value for reduction"):
        F.mse_loss(chainrule.ones(2), chainrule.ones(2), reduction="foo")


# ---------------------------------------------------------------------- binary
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy(reduction):
    x = RNG.uniform(0.05, 0.95, (4, 3))
    t = RNG.uniform(0, 1, (4, 3))
    w = RNG.uniform(0.5, 2, (4, 3))
    _run(F.binary_cross_entropy, TF.binary_cross_entropy, [x, t], [0, 1],
         {"reduction": reduction})
    _run(lambda a, b, **k: F.binary_cross_entropy(a, b, chainrule.tensor(w), **k),
         lambda a, b, **k: TF.binary_cross_entropy(a, b, torch.tensor(w), **k),
         [x, t], [0], {"reduction": reduction})


def test_binary_cross_entropy_clamps_log():
    x = np.array([0.0, 1.0, 0.5])
    t = np.array([1.0, 0.0, 1.0])
    _run(F.binary_cross_entropy, TF.binary_cross_entropy, [x, t], [0], {"reduction": "none"})


def test_binary_cross_entropy_errors():
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        F.binary_cross_entropy(chainrule.tensor([1.5]), chainrule.tensor([1.0]))
    with pytest.raises(ValueError, match="Using a target size \\(torch.Size\\(\\[3\\]\\)\\) "
                                         "that is different to the input size"):
        F.binary_cross_entropy(chainrule.tensor([0.5, 0.5]), chainrule.ones(3))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits(reduction):
    x = RNG.standard_normal((4, 3)) * 10
    t = RNG.uniform(0, 1, (4, 3))
    w = RNG.uniform(0.5, 2, (3,))
    pw = RNG.uniform(0.5, 3, (3,))
    _run(F.binary_cross_entropy_with_logits, TF.binary_cross_entropy_with_logits, [x, t],
         [0, 1], {"reduction": reduction})
    for kw in ({"pos_weight": pw}, {"weight": w}, {"weight": w, "pos_weight": pw}):
        ck = {k: chainrule.tensor(v) for k, v in kw.items()}
        tk = {k: torch.tensor(v) for k, v in kw.items()}
        _run(lambda a, b, ck=ck, **k: F.binary_cross_entropy_with_logits(a, b, **ck, **k),
             lambda a, b, tk=tk, **k: TF.binary_cross_entropy_with_logits(a, b, **tk, **k),
             [x, t], [0, 1], {"reduction": reduction})


def test_bce_with_logits_is_stable_for_large_logits():
    x = np.array([1000.0, -1000.0, 50.0])
    t = np.array([0.0, 1.0, 1.0])
    out, _ = _run(F.binary_cross_entropy_with_logits, TF.binary_cross_entropy_with_logits,
                  [x, t], [0], {"reduction": "none"})
    assert np.isfinite(np_of(out)).all()
    with pytest.raises(ValueError, match="Target size .* must be the same as input size"):
        F.binary_cross_entropy_with_logits(chainrule.ones(2), chainrule.ones(3))


def test_binary_modules():
    x = RNG.uniform(0.1, 0.9, (3, 2))
    t = RNG.uniform(0, 1, (3, 2))
    w = chainrule.tensor([1.0, 2.0], dtype=chainrule.float64)
    cm, tm = nn.BCELoss(weight=w), torch.nn.BCELoss(weight=torch.tensor([1.0, 2.0]).double())
    _run(cm, tm, [x, t], [0], {})
    pw = np.array([2.0, 0.5])
    cm = nn.BCEWithLogitsLoss(pos_weight=chainrule.tensor(pw))
    tm = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(pw))
    _run(cm, tm, [x, t], [0], {})
    assert "pos_weight" in dict(cm.named_buffers())
    assert repr(cm) == repr(tm)


# ---------------------------------------------------------------------- KL
@pytest.mark.parametrize("reduction", ["batchmean", "sum", "none", "mean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(reduction, log_target):
    x = np.log(RNG.dirichlet(np.ones(4), 3))
    t = RNG.dirichlet(np.ones(4), 3)
    t[0, 1] = 0.0  # xlogy(0, 0) = 0
    if log_target:
        t = np.log(t + 0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _run(F.kl_div, TF.kl_div, [x, t], [0, 1],
             {"reduction": reduction, "log_target": log_target})
    cm = nn.KLDivLoss(reduction="batchmean", log_target=log_target)
    tm = torch.nn.KLDivLoss(reduction="batchmean", log_target=log_target)
    _run(cm, tm, [x, t], [0], {})


def test_kl_div_mean_warns():
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
        F.kl_div(chainrule.zeros(2, 2), chainrule.ones(2, 2) / 2)


# ---------------------------------------------------------------------- cross entropy / nll
CE_CASES = [
    ((6, 4), {}),
    ((6, 4), {"weight": True}),
    ((6, 4), {"ignore_index": 1}),
    ((6, 4), {"ignore_index": 1, "weight": True}),
    ((6, 4), {"label_smoothing": 0.2}),
    ((6, 4), {"label_smoothing": 0.3, "weight": True, "ignore_index": 2}),
    ((3, 4, 5), {}),
    ((2, 4, 3, 2), {"weight": True, "ignore_index": 0}),
    ((2, 4, 3, 2), {"label_smoothing": 0.1}),
    ((4,), {}),
    ((4,), {"label_smoothing": 0.25, "weight": True}),
]


def _targets(shape):
    C = shape[1] if len(shape) > 1 else shape[0]
    tshape = (shape[0],) + shape[2:] if len(shape) > 1 else ()
    return RNG.integers(0, C, tshape), C


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape,kw", CE_CASES, ids=[f"{s}-{k}" for s, k in CE_CASES])
def test_cross_entropy_class_indices(shape, kw, reduction):
    x = RNG.standard_normal(shape) * 3
    t, C = _targets(shape)
    kw = dict(kw)
    w = RNG.uniform(0.2, 2.0, C) if kw.pop("weight", False) else None
    ck = dict(kw, reduction=reduction, weight=None if w is None else chainrule.tensor(w))
    tk = dict(kw, reduction=reduction, weight=None if w is None else torch.tensor(w))
    _run(lambda a, b, **_: F.cross_entropy(a, b, **ck),
         lambda a, b, **_: TF.cross_entropy(a, b, **tk), [x, t], [0], {})
    _run(lambda a, b, **_: F.cross_entropy(a, b, **{**ck, "weight": None if w is None else
                                                  chainrule.tensor(w.astype(np.float32))}),
         lambda a, b, **_: TF.cross_entropy(a, b, **{**tk, "weight": None if w is None else
                                                   torch.tensor(w.astype(np.float32))}),
         [x, t], [0], {}, atol=2e-5, rtol=1e-4, dtype=np.float32)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
@pytest.mark.parametrize("shape", [(5, 3), (2, 3, 4), (3,)])
def test_cross_entropy_probability_targets(shape, smoothing, reduction):
    x = RNG.standard_normal(shape)
    axis = 1 if len(shape) > 1 else 0
    t = RNG.dirichlet(np.ones(shape[axis]), int(np.prod(shape)) // shape[axis])
    t = np.moveaxis(t.reshape((shape[0],) + shape[2:] + (shape[axis],)) if len(shape) > 1
                    else t.reshape(shape), -1, axis) if len(shape) > 1 else t.reshape(shape)
    w = RNG.uniform(0.5, 2.0, shape[axis])
    for weight in (None, w):
        ck = {"reduction": reduction, "label_smoothing": smoothing,
              "weight": None if weight is None else chainrule.tensor(weight)}
        tk = {"reduction": reduction, "label_smoothing": smoothing,
              "weight": None if weight is None else torch.tensor(weight)}
        _run(lambda a, b, ck=ck, **_: F.cross_entropy(a, b, **ck),
             lambda a, b, tk=tk, **_: TF.cross_entropy(a, b, **tk), [x, t], [0, 1], {})


def test_cross_entropy_grad_fn_and_print_like_torch():
    x = RNG.standard_normal((3, 4)).astype(np.float32)
    t = np.array([0, 3, 1])
    lc = F.cross_entropy(chainrule.tensor(x, requires_grad=True), chainrule.tensor(t))
    lt = TF.cross_entropy(torch.tensor(x, requires_grad=True), torch.tensor(t))
    assert repr(lc) == repr(lt)
    x4 = RNG.standard_normal((2, 3, 2, 2)).astype(np.float32)
    t4 = RNG.integers(0, 3, (2, 2, 2))
    lc = F.cross_entropy(chainrule.tensor(x4, requires_grad=True), chainrule.tensor(t4))
    lt = TF.cross_entropy(torch.tensor(x4, requires_grad=True), torch.tensor(t4))
    assert type(lc.grad_fn).__name__ == type(lt.grad_fn).__name__ == "NllLoss2DBackward0"


def test_cross_entropy_all_ignored_is_nan_like_torch():
    x = RNG.standard_normal((2, 3))
    t = np.array([-100, -100])
    out, _ = _run(F.cross_entropy, TF.cross_entropy, [x, t], [], {})
    assert np.isnan(np_of(out))


def test_cross_entropy_errors_match_torch():
    cases = [
        (np.zeros((2, 3)), np.array([0, 5]), {}),
        (np.zeros((2, 3)), np.array([0, -5]), {}),
        (np.zeros((2, 3)), np.array([0, 1], dtype=np.int32), {}),
        (np.zeros((2, 3)), np.array([0, 1, 1]), {}),
        (np.zeros((2, 3)), np.array([[0, 1], [1, 0]]), {}),
        (np.zeros((2, 3)), np.array([0, 1]), {"label_smoothing": 1.5}),
        (np.zeros((2, 3)), np.array([0, 1]), {"weight": np.ones(4)}),
    ]
    for x, t, kw in cases:
        ck = {k: chainrule.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
        tk = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
        with pytest.raises(Exception) as et:
            TF.cross_entropy(torch.tensor(x), torch.tensor(t), **tk)
        with pytest.raises(type(et.value)) as ec:
            F.cross_entropy(chainrule.tensor(x), chainrule.tensor(t), **ck)
        assert str(ec.value) == str(et.value)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape,kw", [((5, 3), {}), ((5, 3), {"weight": True}),
                                      ((5, 3), {"ignore_index": 2, "weight": True}),
                                      ((2, 3, 4, 2), {"ignore_index": 0}), ((3,), {})])
def test_nll_loss(shape, kw, reduction):
    x = RNG.standard_normal(shape)
    t, C = _targets(shape)
    kw = dict(kw)
    w = RNG.uniform(0.2, 2.0, C) if kw.pop("weight", False) else None
    ck = dict(kw, reduction=reduction, weight=None if w is None else chainrule.tensor(w))
    tk = dict(kw, reduction=reduction, weight=None if w is None else torch.tensor(w))
    out_c, out_t = _run(lambda a, b, **_: F.nll_loss(a, b, **ck),
                        lambda a, b, **_: TF.nll_loss(a, b, **tk), [x, t], [0], {})
    assert type(out_c.grad_fn).__name__ == type(out_t.grad_fn).__name__


def test_classification_modules():
    x = RNG.standard_normal((5, 3))
    t = RNG.integers(0, 3, 5)
    w = np.array([1.0, 2.0, 0.5])
    cm = nn.CrossEntropyLoss(weight=chainrule.tensor(w), ignore_index=1, label_smoothing=0.1)
    tm = torch.nn.CrossEntropyLoss(weight=torch.tensor(w), ignore_index=1, label_smoothing=0.1)
    _run(cm, tm, [x, t], [0], {})
    assert dict(cm.named_buffers())["weight"] is cm.weight
    cm, tm = nn.NLLLoss(reduction="sum"), torch.nn.NLLLoss(reduction="sum")
    _run(cm, tm, [x, t], [0], {})
    assert repr(cm) == repr(tm)


# ---------------------------------------------------------------------- double backward
@pytest.mark.parametrize("name,extra", [
    ("cross_entropy", {}), ("cross_entropy", {"label_smoothing": 0.2}),
    ("mse_loss", {}), ("smooth_l1_loss", {}), ("huber_loss", {}),
    ("binary_cross_entropy_with_logits", {}), ("kl_div", {"reduction": "batchmean"}),
    ("nll_loss", {}),
])
def test_loss_double_backward_matches_torch(name, extra):
    x = RNG.standard_normal((4, 3))
    if name in ("cross_entropy", "nll_loss"):
        t = RNG.integers(0, 3, 4)
    elif name == "binary_cross_entropy_with_logits":
        t = RNG.uniform(0, 1, (4, 3))
    elif name == "kl_div":
        t = RNG.dirichlet(np.ones(3), 4)
    else:
        t = RNG.standard_normal((4, 3))
    res = {}
    for lib, fn in ((torch, getattr(TF, name)), (chainrule, getattr(F, name))):
        xv = lib.tensor(x, requires_grad=True)
        loss = fn(xv * xv, lib.tensor(t), **extra)
        (g,) = lib.autograd.grad(loss, xv, create_graph=True)
        (g * g).sum().backward()
        res[lib.__name__] = (np_of(g), np_of(xv.grad))
    np.testing.assert_allclose(res["chainrule"][0], res["torch"][0], atol=1e-10)
    np.testing.assert_allclose(res["chainrule"][1], res["torch"][1], atol=1e-10)
