"""Central-difference gradient checks (float64) of the fused nn ops; these run without
PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
from nn_helpers import gradcheck

import chainrule
import chainrule.nn.functional as F

RNG = np.random.default_rng(3)


def _r(*shape):
    return RNG.standard_normal(shape)


CASES = {
    "conv1d": (lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1), [_r(2, 2, 7), _r(3, 2, 3),
                                                                       _r(3)]),
    "conv2d": (lambda x, w, b: F.conv2d(x, w, b, stride=(1, 2), padding=1, dilation=(2, 1)),
               [_r(2, 2, 5, 6), _r(3, 2, 2, 3), _r(3)]),
    "conv2d_groups_same": (lambda x, w: F.conv2d(x, w, groups=2, padding="same"),
                           [_r(1, 4, 4, 4), _r(4, 2, 3, 2)]),
    "conv3d": (lambda x, w: F.conv3d(x, w, padding=1), [_r(1, 1, 3, 3, 3), _r(2, 1, 2, 2, 2)]),
    "max_pool2d": (lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True), [_r(2, 2, 6, 5)]),
    "max_pool1d": (lambda x: F.max_pool1d(x, 2, dilation=2), [_r(2, 2, 7)]),
    "avg_pool2d": (lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
                   [_r(2, 2, 6, 5)]),
    "avg_pool1d": (lambda x: F.avg_pool1d(x, 3, 1, 1), [_r(2, 2, 6)]),
    "adaptive_avg_pool2d": (lambda x: F.adaptive_avg_pool2d(x, (3, 4)), [_r(2, 2, 7, 6)]),
    "adaptive_max_pool2d": (lambda x: F.adaptive_max_pool2d(x, (3, 2)), [_r(1, 2, 5, 5)]),
    "layer_norm": (lambda x, w, b: F.layer_norm(x, (4,), w, b), [_r(3, 4), _r(4), _r(4)]),
    "group_norm": (lambda x, w, b: F.group_norm(x, 2, w, b), [_r(2, 4, 3), _r(4), _r(4)]),
    "batch_norm_train": (lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
                         [_r(5, 3, 2), _r(3), _r(3)]),
    "batch_norm_eval": (lambda x, w, b: F.batch_norm(
        x, chainrule.tensor(np.array([0.1, -0.2, 0.3])), chainrule.tensor(np.array([1., 2., 3.])),
        w, b), [_r(5, 3), _r(3), _r(3)]),
    "embedding": (lambda i, w: F.embedding(i, w),  # (padding_idx zeroes by design)
                  [np.array([[0, 2, 2], [1, 3, 2]]), _r(4, 3)]),
    "pad_reflect": (lambda x: F.pad(x, (2, 1, 1, 2), mode="reflect"), [_r(1, 2, 4, 4)]),
    "pad_constant": (lambda x: F.pad(x, (1, -1, 2, 0), value=2.0), [_r(2, 3, 4)]),
    "cross_entropy": (lambda x, t: F.cross_entropy(x, t, label_smoothing=0.1,
                                                   weight=chainrule.tensor([1., 2., .5])),
                      [_r(4, 3), np.array([0, 2, 1, 2])]),
    "cross_entropy_kdim": (lambda x, t: F.cross_entropy(x, t, ignore_index=1),
                           [_r(2, 3, 2, 2), np.array([[[0, 1], [2, 2]], [[1, 0], [0, 2]]])]),
    "cross_entropy_probs": (lambda x, t: F.cross_entropy(x, t, label_smoothing=0.2),
                            [_r(4, 3), np.abs(_r(4, 3))]),
    "nll_loss": (lambda x, t: F.nll_loss(x, t, reduction="sum"),
                 [_r(4, 3), np.array([0, 2, 1, 2])]),
    "mse_loss": (lambda x, y: F.mse_loss(x, y), [_r(3, 4), _r(3, 4)]),
    "smooth_l1_loss": (lambda x, y: F.smooth_l1_loss(x, y, beta=0.7), [_r(3, 4), _r(3, 4)]),
    "huber_loss": (lambda x, y: F.huber_loss(x, y, delta=0.5, reduction="sum"),
                   [_r(3, 4), _r(3, 4)]),
    "bce": (lambda x, y: F.binary_cross_entropy(x, y),
            [RNG.uniform(0.1, 0.9, (3, 4)), RNG.uniform(0, 1, (3, 4))]),
    "bce_logits": (lambda x, y: F.binary_cross_entropy_with_logits(
        x, y, pos_weight=chainrule.tensor([1., 2., 3., .5])),
        [_r(3, 4), RNG.uniform(0, 1, (3, 4))]),
    "kl_div": (lambda x, y: F.kl_div(x, y, reduction="batchmean"),
               [_r(3, 4), RNG.uniform(0.1, 1, (3, 4))]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_gradients_match_central_differences(name):
    fn, arrays = CASES[name]
    gradcheck(fn, arrays, atol=1e-6, rtol=1e-5)


def test_linear_module_gradients_numerically():
    chainrule.manual_seed(0)
    lin = chainrule.nn.Linear(3, 2).double()
    x = _r(4, 3)
    gradcheck(lambda xx, w, b: F.linear(xx, w, b),
              [x, lin.weight.detach().numpy(), lin.bias.detach().numpy()])
