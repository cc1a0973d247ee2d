"""``chainrule.nn``: modules, layers, losses, initialisation and utilities, as ``torch.nn``.

>>> import chainrule as torch
>>> from chainrule import nn
>>> import chainrule.nn.functional as F
>>> _ = torch.manual_seed(0)
>>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
>>> x, y = torch.randn(5, 4), torch.tensor([0, 2, 1, 0, 2])
>>> loss = F.cross_entropy(model(x), y)
>>> loss.backward()
>>> model[0].weight.grad.shape
chainrule.Size([8, 4])
"""

from __future__ import annotations

from . import functional, init, utils
from .modules import *  # noqa: F403
from .modules import __all__ as _modules_all
from .modules.module import register_module_forward_hook, register_module_forward_pre_hook
from .parameter import Buffer, Parameter

__all__ = ["Parameter", "Buffer", "functional", "init", "utils",
           "register_module_forward_hook", "register_module_forward_pre_hook", *_modules_all]
