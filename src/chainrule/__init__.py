"""chainrule: define-by-run automatic differentiation on NumPy, with PyTorch's API.

>>> import chainrule as torch
>>> x = torch.tensor(2.0, requires_grad=True)
>>> y = x ** 2 + 3 * x
>>> y.backward()
>>> x.grad
tensor(7.)
"""

from __future__ import annotations

from . import autograd, cuda, linalg, nn, ops, optim, special, utils, viz
from ._creation import (
    arange,
    as_tensor,
    asarray,
    empty,
    empty_like,
    eye,
    from_dlpack,
    from_numpy,
    full,
    full_like,
    linspace,
    logspace,
    ones,
    ones_like,
    scalar_tensor,
    tensor,
    zeros,
    zeros_like,
)
from ._dtype import (
    are_deterministic_algorithms_enabled,
    bool,
    can_cast,
    cdouble,
    cfloat,
    complex64,
    complex128,
    double,
    dtype,
    finfo,
    float,
    float16,
    float32,
    float64,
    get_default_dtype,
    get_num_interop_threads,
    get_num_threads,
    half,
    iinfo,
    int,
    int8,
    int16,
    int32,
    int64,
    is_complex,
    is_deterministic_algorithms_warn_only_enabled,
    is_floating_point,
    is_nonzero,
    long,
    promote_types,
    set_default_dtype,
    set_num_interop_threads,
    set_num_threads,
    short,
    uint8,
    use_deterministic_algorithms,
)
from ._printing import get_printoptions, set_printoptions
from ._random import (
    Generator,
    bernoulli,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    multinomial,
    normal,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    seed,
    set_rng_state,
)
from ._tensor import Size, Tensor, device
from .autograd.grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .serialization import load, save

globals().update({k: v for k, v in ops.OPS.items() if "." not in k})  # linalg.* stay in linalg


def result_type(tensor1, tensor2) -> dtype:
    """The dtype PyTorch's promotion gives ``tensor1 op tensor2``."""
    from ._dtype import result_type as _rt

    return _rt(tensor1, tensor2)


def is_tensor(obj) -> bool:
    """Whether ``obj`` is a chainrule Tensor."""
    return isinstance(obj, Tensor)


def numel(input: Tensor) -> int:
    """The number of elements of ``input``."""
    return input.numel()


__version__ = "0.1.0"
