"""Check analytical gradients against finite differences: ``gradcheck``, ``gradgradcheck``."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Raised by gradcheck when the analytical and numerical Jacobians differ."""


def _as_tuple(x) -> tuple:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _outputs(fn, inputs) -> list:
    from .._tensor import Tensor

    return [o for o in _as_tuple(fn(*inputs)) if isinstance(o, Tensor)]


def _numerical_jacobian(fn, inputs, diff_idx, eps) -> list[list[np.ndarray]]:
    """J[i][j]: d out_j / d input_i as (input numel, output numel), by central differences."""
    from .grad_mode import no_grad

    jac = []
    with no_grad():
        outs0 = _outputs(fn, inputs)
        for i in diff_idx:
            x = inputs[i]
            flat = x._data.reshape(-1)
            cols = [np.zeros((flat.size, o._data.size)) for o in outs0]
            for k in range(flat.size):
                orig = flat[k].copy()
                flat[k] = orig + eps
                plus = [o._data.astype(np.float64).ravel() for o in _outputs(fn, inputs)]
                flat[k] = orig - eps
                minus = [o._data.astype(np.float64).ravel() for o in _outputs(fn, inputs)]
                flat[k] = orig
                for j, (p, m) in enumerate(zip(plus, minus)):
                    cols[j][k] = (p - m) / (2 * eps)
            jac.append(cols)
    return jac


def _analytical_jacobian(fn, inputs, diff_idx) -> list[list[np.ndarray]]:
    from .._tensor import _make
    from .backward import grad

    outs = _outputs(fn, inputs)
    diff_inputs = [inputs[i] for i in diff_idx]
    jac = [[np.zeros((inputs[i]._data.size, o._data.size)) for o in outs] for i in diff_idx]
    for j, o in enumerate(outs):
        if not o.requires_grad:
            continue
        for k in range(o._data.size):
            seed = np.zeros(o._data.shape, o._data.dtype)
            seed.flat[k] = 1
            gs = grad([o], diff_inputs, [_make(seed)], retain_graph=True, allow_unused=True)
            for i, g in enumerate(gs):
                if g is not None:
                    jac[i][j][:, k] = g._data.astype(np.float64).ravel()
    return jac


def gradcheck(func: Callable, inputs, *, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, raise_exception: bool = True, **_ignored) -> bool:
    """Compare the gradients of ``func`` at ``inputs`` with central finite differences.

    Inputs that require grad should be float64. Returns True, or raises ``GradcheckError``
    (or returns False with ``raise_exception=False``) naming the first mismatch.
    """
    from .._tensor import Tensor

    inputs = _as_tuple(inputs)
    diff_idx = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not diff_idx:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, "
                         "but none of the them have requires_grad=True.")
    for i in diff_idx:
        if inputs[i].dtype.name != "float64":
            import warnings

            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating "
                          "point. This check will likely fail if all the inputs are not of "
                          "double precision floating point. ", UserWarning, stacklevel=2)
    numerical = _numerical_jacobian(func, inputs, diff_idx, eps)
    analytical = _analytical_jacobian(func, inputs, diff_idx)
    for a_i, (num_in, ana_in) in enumerate(zip(numerical, analytical)):
        for o_j, (n, a) in enumerate(zip(num_in, ana_in)):
            if not np.allclose(a, n, rtol=rtol, atol=atol):
                msg = (f"Jacobian mismatch for output {o_j} with respect to input "
                       f"{diff_idx[a_i]},\nnumerical:{n}\nanalytical:{a}\n")
                if raise_exception:
                    raise GradcheckError(msg)
                return False
    return True


def gradgradcheck(func: Callable, inputs, grad_outputs: Sequence | None = None, *,
                  eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                  raise_exception: bool = True, **_ignored) -> bool:
    """``gradcheck`` of the first derivative: checks second derivatives of ``func``."""
    from .._tensor import Tensor, _make
    from .backward import grad

    inputs = _as_tuple(inputs)
    outs = _outputs(func, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = [_make(rng.standard_normal(o._data.shape).astype(o._data.dtype))
                        for o in outs]
    grad_outputs = list(_as_tuple(grad_outputs))

    def first_derivative(*args):
        from .grad_mode import enable_grad

        ins = args[:len(inputs)]
        gos = args[len(inputs):]
        with enable_grad():
            o = [t for t in _outputs(func, ins) if t.requires_grad]
            d = [x for x in ins if isinstance(x, Tensor) and x.requires_grad]
            gs = grad(o, d, list(gos)[:len(o)], create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    for g in grad_outputs:
        g.requires_grad_(True)
    return gradcheck(first_derivative, tuple(inputs) + tuple(grad_outputs), eps=eps, atol=atol,
                     rtol=rtol, raise_exception=raise_exception)
