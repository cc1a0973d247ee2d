"""Op-database entries for elementwise selection and activation functions.

Samples keep away from kinks (the numerical check differentiates there); the gradients PyTorch
defines at kinks and ties are checked in ``tests/test_selection.py``.
"""

import numpy as np

from . import OpInfo, arr, pos


def _nnf(name: str, *args, **kwargs):
    """Call ``chainrule.<name>`` / ``torch.nn.functional.<name>`` on the sample plus args."""
    def call(lib, x, *rest):
        return getattr(lib, name)(x, *rest, *args, **kwargs)

    def torch_call(lib, x, *rest):
        return getattr(lib.nn.functional, name)(x, *rest, *args, **kwargs)

    return call, torch_call


def _act(name: str, samples, *args, smooth=True, variant="", **kwargs) -> OpInfo:
    call, torch_call = _nnf(name, *args, **kwargs)
    return OpInfo(name, call, samples, torch_call=torch_call, smooth=smooth, variant=variant)


_c = np.array([True, False, True, False])
_c2 = np.array([[True], [False], [True]])

ENTRIES = [
    OpInfo("where", lambda lib, c, x, y: lib.where(c, x, y),
           [(_c, arr(4), arr(4)), (_c2, arr(3, 4), arr(4)), (_c2, arr(1, 4), arr(3, 1))],
           smooth=False),
    OpInfo("where", lambda lib, c, x: (lib.where(c, x, 0.0), lib.where(c, 2.5, x)),
           [(_c, arr(4)), (_c2, arr(3, 2))], smooth=False, variant="scalar"),
    OpInfo("where", lambda lib, c, x, y: x.where(c, y), [(_c, arr(4), arr(2, 1))], smooth=False,
           variant="method"),
    OpInfo("where", lambda lib, c, x, y: lib.where(c, x, y),
           [(_c, np.arange(4), np.array(2.5)), (_c, np.arange(4), np.arange(4) * 2)],
           differentiable=False, variant="promotion"),
    OpInfo("where", lambda lib, c: lib.where(c), [(_c,), (_c2,)], differentiable=False,
           variant="nonzero"),
    OpInfo("relu", lambda lib, x: lib.relu(x), [(arr(3, 4, away=0.05),)], smooth=False),
    OpInfo("relu", lambda lib, x: x.relu(), [(np.arange(-2, 3),)], differentiable=False,
           variant="int"),
    OpInfo(("clamp", "clip"), lambda lib, x: (lib.clamp(x, -0.5, 0.5), x.clip(min=0.2),
                                              lib.clip(x, max=-0.3)),
           [(arr(3, 4),)], smooth=False),
    OpInfo("clamp", lambda lib, x, lo, hi: lib.clamp(x, lo, hi),
           [(arr(3, 4), arr(4, low=-1.5, high=-0.5), arr(3, 1, low=0.5, high=1.5)),
            (arr(5), arr(5), arr(5))], smooth=False, variant="tensor"),
    OpInfo("clamp", lambda lib, x, lo: (lib.clamp(x, min=lo), x.clamp(max=lo)),
           [(arr(3, 4), arr(4))], smooth=False, variant="tensor-one"),
    OpInfo("clamp", lambda lib, x: (lib.clamp(x, 1, 2), lib.clamp(x, 0.5, 2.5)),
           [(np.arange(5),)], differentiable=False, variant="int"),
    OpInfo("clamp_min", lambda lib, x, y: (lib.clamp_min(x, 0.3), x.clamp_min(y)),
           [(arr(3, 4), arr(4))], smooth=False),
    OpInfo("clamp_max", lambda lib, x, y: (lib.clamp_max(x, 0.3), x.clamp_max(y)),
           [(arr(3, 4), arr(3, 1))], smooth=False),
    OpInfo("maximum", lambda lib, x, y: lib.maximum(x, y),
           [(arr(3, 4), arr(3, 4)), (arr(3, 1), arr(4)), (arr(3), arr())], smooth=False),
    OpInfo("minimum", lambda lib, x, y: x.minimum(y),
           [(arr(3, 4), arr(3, 4)), (arr(3, 1), arr(4))], smooth=False),
    OpInfo("maximum", lambda lib, x, y: (lib.maximum(x, y), lib.minimum(x, y)),
           [(np.array([1, 5, 3]), np.array([4, 2, 3]))], differentiable=False, variant="int"),
    OpInfo("fmax", lambda lib, x, y: lib.fmax(x, y),
           [(arr(3, 4), arr(4)), (np.array([np.nan, 1.0, 2.0]), np.array([0.5, np.nan, 3.0]))],
           smooth=False),
    OpInfo("fmin", lambda lib, x, y: x.fmin(y),
           [(arr(3, 4), arr(4)), (np.array([np.nan, 1.0, 2.0]), np.array([0.5, np.nan, 3.0]))],
           smooth=False),
    OpInfo("lerp", lambda lib, x, y: (lib.lerp(x, y, 0.3), x.lerp(y, 0.8)),
           [(arr(3, 4), arr(4)), (arr(3), arr(3))]),
    OpInfo("lerp", lambda lib, x, y, w: lib.lerp(x, y, w),
           [(arr(3, 4), arr(4), arr(3, 1)), (arr(3), arr(3), arr())], variant="tensor"),
    OpInfo(("atan2", "arctan2"), lambda lib, x, y: (lib.atan2(x, y), x.arctan2(y)),
           [(arr(3, 4), arr(4, away=0.3)), (arr(3), arr(1, 3, away=0.3))]),
    OpInfo("atan2", lambda lib, x, y: lib.atan2(x, y), [(np.arange(3), np.arange(3) + 1)],
           differentiable=False, variant="int"),
    # activations (nn.functional only in PyTorch)
    _act("hardtanh", [(arr(3, 4, low=-3, high=3),)], smooth=False),
    _act("hardtanh", [(arr(3, 4, low=-3, high=3),)], -0.5, 2.0, smooth=False, variant="bounds"),
    _act("relu6", [(arr(3, 4, low=-3, high=9),)], smooth=False),
    _act("leaky_relu", [(arr(3, 4, away=0.05),)], smooth=False),
    _act("leaky_relu", [(arr(3, 4, away=0.05),)], 0.2, smooth=False, variant="slope"),
    _act("elu", [(arr(3, 4, away=0.05),)], smooth=False),
    _act("elu", [(arr(3, 4, away=0.05),)], 0.5, smooth=False, variant="alpha"),
    _act("selu", [(arr(3, 4, away=0.05),)], smooth=False),
    _act("celu", [(arr(3, 4, away=0.05),)], 2.0, smooth=False),
    _act("gelu", [(arr(3, 4, low=-4, high=4),)]),
    _act("gelu", [(arr(3, 4, low=-4, high=4),)], approximate="tanh", variant="tanh"),
    _act("silu", [(arr(3, 4, low=-5, high=5),)]),
    _act("softplus", [(arr(3, 4, low=-5, high=5),)]),
    _act("softplus", [(arr(3, 4, low=-5, high=5),)], 2.0, 3.0, smooth=False, variant="threshold"),
    _act("logsigmoid", [(arr(3, 4, low=-5, high=5),)]),
    _act("hardsigmoid", [(arr(3, 4, low=-5, high=5),)], smooth=False),
    _act("hardswish", [(arr(3, 4, low=-5, high=5),)], smooth=False),
    _act("mish", [(arr(3, 4, low=-5, high=5),)]),
    _act("threshold", [(arr(3, 4),)], 0.1, 20.0, smooth=False),
    _act("hardshrink", [(arr(3, 4),)], smooth=False),
    _act("softshrink", [(arr(3, 4),)], 0.3, smooth=False),
    _act("softsign", [(arr(3, 4, away=0.05),)], smooth=False),
    _act("tanhshrink", [(arr(3, 4),)]),
    _act("glu", [(arr(3, 4),)]),
    _act("glu", [(arr(4, 3),)], 0, variant="dim"),
    OpInfo("hardshrink", lambda lib, x: x.hardshrink(0.3), [(arr(5),)], smooth=False,
           variant="method"),
    OpInfo("prelu", lambda lib, x, w: lib.prelu(x, w),
           [(arr(2, 3, 4, away=0.05), pos(3)), (arr(2, 3, away=0.05), pos(1)),
            (arr(5, away=0.05), pos(1))], smooth=False),
    OpInfo("relu6", lambda lib, x: lib.nn.functional.relu6(x) if lib.__name__ == "torch"
           else lib.relu6(x), [(np.arange(-2, 9),)], differentiable=False, variant="int"),
]
