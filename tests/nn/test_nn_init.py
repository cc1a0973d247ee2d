"""nn.init: with the same seed every initialiser gives PyTorch's values; gains and fans."""

from __future__ import annotations

import math

import numpy as np
import pytest

import chainrule
from chainrule.nn import init


def test_calculate_gain():
    assert init.calculate_gain("relu") == math.sqrt(2)
    assert init.calculate_gain("tanh") == 5 / 3
    assert init.calculate_gain("conv2d") == 1
    assert init.calculate_gain("leaky_relu", 0.2) == math.sqrt(2 / 1.04)
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="Unsupported nonlinearity foo"):
        init.calculate_gain("foo")
    with pytest.raises(ValueError, match="negative_slope True not a valid number"):
        init.calculate_gain("leaky_relu", True)


def test_fans():
    assert init._calculate_fan_in_and_fan_out(chainrule.empty(5, 3)) == (3, 5)
    assert init._calculate_fan_in_and_fan_out(chainrule.empty(8, 4, 3, 3)) == (36, 72)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(chainrule.empty(3))


def test_deterministic_inits():
    t = chainrule.empty(3, 4)
    np.testing.assert_array_equal(init.constant_(t, 0.5).numpy(), np.full((3, 4), 0.5))
    np.testing.assert_array_equal(init.ones_(t).numpy(), np.ones((3, 4)))
    np.testing.assert_array_equal(init.zeros_(t).numpy(), np.zeros((3, 4)))
    np.testing.assert_array_equal(init.eye_(t).numpy(), np.eye(3, 4))
    w = init.dirac_(chainrule.empty(4, 2, 3, 3), groups=2)
    assert w.numpy().sum() == 4 and w.numpy()[0, 0, 1, 1] == 1 and w.numpy()[2, 0, 1, 1] == 1
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        init.eye_(chainrule.empty(2, 2, 2))


def test_init_works_on_parameters_without_recording():
    p = chainrule.nn.Parameter(chainrule.empty(3, 3))
    init.kaiming_normal_(p)
    assert p.grad_fn is None and p.requires_grad and p.is_leaf
    assert p._version > 0


def test_kaiming_zero_element_warns():
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        init.kaiming_uniform_(chainrule.empty(0, 3))


CASES = [
    ("uniform_", (), {"a": -2.0, "b": 3.0}, (3, 5)),
    ("normal_", (), {"mean": 1.0, "std": 0.5}, (40,)),
    ("xavier_uniform_", (), {"gain": 2.0}, (4, 6)),
    ("xavier_normal_", (), {}, (4, 6, 3)),
    ("kaiming_uniform_", (), {"a": math.sqrt(5)}, (5, 3)),
    ("kaiming_uniform_", (), {"mode": "fan_out", "nonlinearity": "relu"}, (5, 3, 2, 2)),
    ("kaiming_normal_", (), {}, (6, 7)),
    ("kaiming_normal_", (), {"mode": "fan_out"}, (20, 3)),
    ("orthogonal_", (), {}, (5, 3)),
    ("orthogonal_", (), {"gain": 2.0}, (3, 7)),
    ("orthogonal_", (), {}, (4, 2, 3)),
    ("trunc_normal_", (), {}, (50,)),
    ("trunc_normal_", (), {"mean": 0.0, "std": 1.0, "a": 0.5, "b": 1.0}, (30,)),
    ("sparse_", (0.5,), {}, (6, 4)),
]


@pytest.mark.parametrize("name,args,kw,shape", CASES,
                         ids=[f"{c[0]}-{c[2]}-{c[3]}" for c in CASES])
def test_seeded_init_matches_torch(name, args, kw, shape):
    torch = pytest.importorskip("torch")
    torch.manual_seed(123)
    chainrule.manual_seed(123)
    tt = getattr(torch.nn.init, name)(torch.empty(shape), *args, **kw)
    ct = getattr(init, name)(chainrule.empty(*shape), *args, **kw)
    np.testing.assert_allclose(ct.numpy(), tt.numpy(), rtol=1e-5, atol=1e-6)
    # and the generator is left in the same state
    np.testing.assert_array_equal(chainrule.rand(5).numpy(), torch.rand(5).numpy())


def test_deprecated_aliases_warn():
    with pytest.warns(FutureWarning, match="nn.init.normal` is now deprecated"):
        init.normal(chainrule.empty(2))
