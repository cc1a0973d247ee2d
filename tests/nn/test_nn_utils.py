"""nn.utils: gradient clipping and parameter/vector conversion."""

from __future__ import annotations

import math

import numpy as np
import pytest

import chainrule
from chainrule import nn
from chainrule.nn.utils import (
    clip_grad_norm_,
    clip_grad_value_,
    parameters_to_vector,
    vector_to_parameters,
)


def _params(grads):
    ps = []
    for g in grads:
        p = nn.Parameter(chainrule.zeros(*np.shape(g)))
        p.grad = chainrule.tensor(np.asarray(g, dtype=np.float32))
        ps.append(p)
    return ps


def test_clip_grad_norm_scales_in_place_and_returns_total():
    ps = _params([[3.0, 0.0], [[4.0]]])
    g0 = ps[0].grad
    total = clip_grad_norm_(ps, 1.0)
    assert isinstance(total, chainrule.Tensor) and abs(float(total) - 5.0) < 1e-6
    assert ps[0].grad is g0
    np.testing.assert_allclose(ps[0].grad.numpy(), [0.6, 0.0], rtol=1e-5)
    np.testing.assert_allclose(ps[1].grad.numpy(), [[0.8]], rtol=1e-5)
    ps = _params([[0.1, 0.2]])
    clip_grad_norm_(ps, 10.0)
    np.testing.assert_allclose(ps[0].grad.numpy(), [0.1, 0.2], rtol=1e-6)  # below the max


def test_clip_grad_norm_inf_norm_single_tensor_and_no_grads():
    ps = _params([[1.0, -7.0]])
    total = clip_grad_norm_(ps[0], 3.5, norm_type=math.inf)
    assert float(total) == 7.0
    np.testing.assert_allclose(ps[0].grad.numpy(), [0.5, -3.5], rtol=1e-5)
    assert float(clip_grad_norm_([nn.Parameter(chainrule.ones(2))], 1.0)) == 0.0


def test_clip_grad_norm_nonfinite():
    ps = _params([[np.inf, 1.0]])
    with pytest.raises(RuntimeError, match="is non-finite, so it cannot be clipped"):
        clip_grad_norm_(ps, 1.0, error_if_nonfinite=True)


def test_clip_grad_norm_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal((3, 4)).astype(np.float32),
             rng.standard_normal(5).astype(np.float32)]
    for norm_type in (2.0, 1.0, 3.0, math.inf):
        cps = _params(grads)
        tps = [torch.nn.Parameter(torch.zeros(g.shape)) for g in grads]
        for p, g in zip(tps, grads, strict=True):
            p.grad = torch.tensor(g)
        tt = torch.nn.utils.clip_grad_norm_(tps, 0.7, norm_type=norm_type)
        ct = clip_grad_norm_(cps, 0.7, norm_type=norm_type)
        np.testing.assert_allclose(float(ct), float(tt), rtol=1e-5)
        for c, t in zip(cps, tps, strict=True):
            np.testing.assert_allclose(c.grad.numpy(), t.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_clip_grad_value():
    ps = _params([[-3.0, 0.5, 2.0]])
    clip_grad_value_(ps, 1.0)
    np.testing.assert_array_equal(ps[0].grad.numpy(), [-1.0, 0.5, 1.0])


def test_parameters_to_vector_and_back():
    chainrule.manual_seed(0)
    m = nn.Linear(3, 2)
    vec = parameters_to_vector(m.parameters())
    assert vec.shape == (8,)
    np.testing.assert_array_equal(vec.detach().numpy()[:6], m.weight.detach().numpy().ravel())
    vector_to_parameters(chainrule.arange(8.0), m.parameters())
    np.testing.assert_array_equal(m.weight.detach().numpy(), np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(m.bias.detach().numpy(), [6.0, 7.0])
    assert isinstance(m.weight, nn.Parameter)
    with pytest.raises(TypeError, match="expected torch.Tensor"):
        vector_to_parameters([1.0], m.parameters())
