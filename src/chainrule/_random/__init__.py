"""Random number generation that reproduces PyTorch's CPU generator bit for bit.

``chainrule.manual_seed(42); chainrule.randn(100, 1)`` gives exactly the float32 values that
``torch.manual_seed(42); torch.randn(100, 1)`` gives, and ``get_rng_state`` returns
PyTorch's own 5056-byte layout, so states load across the two (checked against PyTorch in
``tests/test_random.py``). One concept per module:

- ``_engine``: the mt19937 engine (NumPy's C implementation of the same algorithm) with
  PyTorch's ``left``/``next`` bookkeeping, and the state layout.
- ``_generator``: ``Generator``, the default generator and the seed/state functions.
- ``_exact``: float arithmetic rounded as PyTorch's compiled kernels round it (fused
  multiply-adds, the C library's ``log``/``sin``/``cos``, casts to Half).
- ``_cephes``: the float32 ``log``/``sincos`` polynomials of PyTorch's AVX2 Box-Muller
  kernel, vectorised.
- ``_uniform``: uniform floats (float32 from the low 24 bits of a word, float64 from the
  low 53 bits of a 64-bit draw ``hi << 32 | lo``), and the exponential, Cauchy, geometric
  and Bernoulli samplers built on one uniform each.
- ``_normal``: the Box-Muller paths of ``normal_`` (blocks of 16 in float32 or float64, the
  scalar pair path with its cached second value) and ``log_normal_``.
- ``_integer``: ``random_``/``randint`` (``word % range + low``, a 64-bit draw when
  ``range >= 2**28``) and ``randperm`` (``swap(i, i + word % (n - i))``, vectorised).
- ``_fill``: writing samples into a tensor in place, in PyTorch's iteration order.
- ``_inplace``: the Tensor methods ``uniform_``, ``normal_``, ``random_``, ``bernoulli_``,
  ``exponential_``, ``log_normal_``, ``cauchy_``, ``geometric_``.
- ``_factories``: ``rand``, ``randn``, ``randint``, ``randperm``, the ``*_like`` forms,
  ``normal``, ``bernoulli``, ``multinomial`` (the last two also as Tensor methods).
"""

from __future__ import annotations

from .._tensor import Tensor
from ._factories import (
    bernoulli,
    bernoulli_method,
    multinomial,
    multinomial_method,
    normal,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
)
from ._generator import (
    Generator,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    seed,
    set_rng_state,
)
from ._inplace import (
    bernoulli_,
    cauchy_,
    exponential_,
    geometric_,
    log_normal_,
    normal_,
    random_,
    uniform_,
)

__all__ = [
    "Generator", "default_generator", "manual_seed", "seed", "initial_seed", "get_rng_state",
    "set_rng_state", "rand", "randn", "randint", "randperm", "rand_like", "randn_like",
    "randint_like", "normal", "bernoulli", "multinomial",
]

for _name, _fn in (("uniform_", uniform_), ("normal_", normal_), ("random_", random_),
                   ("bernoulli_", bernoulli_), ("exponential_", exponential_),
                   ("log_normal_", log_normal_), ("cauchy_", cauchy_),
                   ("geometric_", geometric_), ("bernoulli", bernoulli_method),
                   ("multinomial", multinomial_method)):
    setattr(Tensor, _name, _fn)
del _name, _fn
