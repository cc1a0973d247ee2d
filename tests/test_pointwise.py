"""The pointwise family beyond the op database: errors and messages, in-place variants,
operators, derivatives PyTorch does not implement, named tuples and views."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule

torch = pytest.importorskip("torch")


def _error(fn):
    res = []
    for lib in (chainrule, torch):
        with pytest.raises(Exception) as info:
            fn(lib)
        res.append((type(info.value).__name__, str(info.value)))
    return res


_ERRORS = {
    "logaddexp-int": lambda lib: lib.logaddexp(lib.tensor([1]), lib.tensor([2])),
    "logaddexp2-int": lambda lib: lib.logaddexp2(lib.tensor([1]), lib.tensor([2])),
    "hypot-int": lambda lib: lib.hypot(lib.tensor([1]), lib.tensor([2])),
    "hypot-number": lambda lib: lib.hypot(lib.tensor([1.0]), 2.0),
    "heaviside-dtypes": lambda lib: lib.heaviside(lib.tensor([1.0]), lib.tensor([1])),
    "heaviside-number": lambda lib: lib.heaviside(lib.tensor([1.0]), 0.5),
    "nextafter-int": lambda lib: lib.nextafter(lib.tensor([1]), lib.tensor([2])),
    "addcdiv-int": lambda lib: lib.addcdiv(lib.tensor([1]), lib.tensor([1]), lib.tensor([2])),
    "addcdiv-float-int": lambda lib: lib.addcdiv(lib.tensor([1.0]), lib.tensor([1]),
                                                 lib.tensor([2])),
    "addcmul_-broadcast": lambda lib: lib.tensor([1.0]).addcmul_(lib.ones(3), lib.ones(3)),
    "positive-bool": lambda lib: lib.positive(lib.tensor([True])),
    "ldexp-number": lambda lib: lib.ldexp(lib.tensor([1.0]), 3),
    "ldexp-bool": lambda lib: lib.ldexp(lib.tensor([1.0]), lib.tensor([True])),
    "frexp-int": lambda lib: lib.frexp(lib.tensor([1, 2])),
    "lshift-float": lambda lib: lib.tensor([1.5]) << 2,
    "rshift-float": lambda lib: lib.tensor([1, 2]) >> 1.5,
    "lshift-bool": lambda lib: lib.bitwise_left_shift(lib.tensor([True]), lib.tensor([True])),
    "gcd-float": lambda lib: lib.gcd(lib.tensor([1.0]), lib.tensor([2.0])),
    "lcm-bool": lambda lib: lib.lcm(lib.tensor([True]), lib.tensor([True])),
    "gcd-number": lambda lib: lib.gcd(lib.tensor([4]), 6),
    "imag-real": lambda lib: lib.imag(lib.tensor([1.0])),
    "imag-attr": lambda lib: lib.tensor([1.0]).imag,
    "trapezoid-x-size": lambda lib: lib.trapezoid(lib.ones(3), lib.ones(2)),
    "float_power_-dtype": lambda lib: lib.ones(2).float_power_(2),
    "heaviside-backward": lambda lib: lib.heaviside(
        lib.ones(2, requires_grad=True), lib.tensor([0.5])).sum().backward(),
}


@pytest.mark.parametrize("name", list(_ERRORS))
def test_errors_match_torch(name):
    ours, theirs = _error(_ERRORS[name])
    assert ours == theirs


def test_inplace_variants():
    x = np.array([1.0, -2.0, 3.0])
    cases = [("deg2rad_", ()), ("rad2deg_", ()), ("nan_to_num_", ()), ("copysign_", (-1.0,)),
             ("hypot_", ("t",)), ("ldexp_", ("i",)), ("nextafter_", ("t",)),
             ("addcmul_", ("t", "t")), ("addcdiv_", ("t", "t")), ("heaviside_", ("t",))]
    for name, args in cases:
        res = []
        for lib in (chainrule, torch):
            t = lib.tensor(x)
            other = {"t": lib.tensor(np.array([0.5, 2.0, -1.0])), "i": lib.tensor([1, 2, 0])}
            a = [other.get(v, v) if isinstance(v, str) else v for v in args]
            r = getattr(t, name)(*a)
            assert r is t
            res.append(t.numpy().copy())
        np.testing.assert_allclose(res[0], res[1], rtol=1e-12, err_msg=name)
    for name in ("gcd_", "lcm_", "bitwise_left_shift_", "bitwise_right_shift_"):
        res = [getattr(lib.tensor([4, 6, 9]), name)(lib.tensor([6, 1, 2])).tolist()
               for lib in (chainrule, torch)]
        assert res[0] == res[1], name


def test_shift_operators_in_place():
    for lib in (chainrule, torch):
        a = lib.tensor([1, 2, 3])
        b = a
        a <<= 2
        a >>= 1
        assert a is b and a.tolist() == [2, 4, 6]


def test_nextafter_gradient():
    res = []
    for lib in (chainrule, torch):
        x = lib.ones(2, 1, requires_grad=True)
        y = lib.zeros(3, requires_grad=True)
        res.append([g.tolist() for g in lib.autograd.grad(lib.nextafter(x, y).sum(), [x, y])])
    assert res[0] == res[1]


def test_float_power_inplace_on_double_graph():
    for lib in (chainrule, torch):
        x = lib.tensor([1.5, 2.0], dtype=lib.float64, requires_grad=True)
        y = x * 1
        y.float_power_(3)
        y.sum().backward()
        assert x.grad.tolist() == pytest.approx([3 * 1.5 ** 2, 12.0])


def test_float_power_gradient_reaches_float32_input():
    for lib in (chainrule, torch):
        x = lib.tensor([1.5, 2.0], requires_grad=True)
        y = lib.float_power(x, 2)
        assert y.dtype is lib.float64
        y.sum().backward()
        assert x.grad.dtype is lib.float32 and x.grad.tolist() == [3.0, 4.0]


def test_frexp_named_tuple():
    m, e = chainrule.frexp(chainrule.tensor([8.0, 0.3]))
    r = chainrule.frexp(chainrule.tensor([8.0]))
    assert r.mantissa.tolist() == [0.5] and r.exponent.dtype is chainrule.int32
    assert repr(r).startswith("chainrule.return_types.frexp(")
    assert e.tolist() == [4, -1]


def test_real_and_imag_are_views_with_gradients():
    z = np.array([1 + 2j, 0j, -3 + 0.5j])
    for lib in (chainrule, torch):
        t = lib.tensor(z, requires_grad=True)
        (gr,) = lib.autograd.grad(t.real.sum(), t)
        (gi,) = lib.autograd.grad(lib.imag(t).sum() * 2, t)
        np.testing.assert_allclose(gr.numpy(), np.ones(3))
        np.testing.assert_allclose(gi.numpy(), np.full(3, 2j))
        c = lib.tensor(z)
        c.real[0] = 7.0
        c.imag.mul_(2)
        np.testing.assert_allclose(c.numpy(), [7 + 4j, 0j, -3 + 1j])
        r = lib.tensor([1.0, 2.0])
        assert r.real is r and lib.real(r) is r


def test_angle_of_complex_gradient():
    z = np.array([1 + 2j, 0j, -3 + 0.5j])
    res = []
    for lib in (chainrule, torch):
        t = lib.tensor(z, requires_grad=True)
        (g,) = lib.autograd.grad(lib.angle(t).sum(), t)
        res.append(g.numpy())
    np.testing.assert_allclose(res[0], res[1], rtol=1e-6)


def test_conj_of_complex_gradient_and_identity_on_real():
    z = np.array([1 + 2j, -3 + 0.5j])
    res = []
    for lib in (chainrule, torch):
        t = lib.tensor(z, requires_grad=True)
        (g,) = lib.autograd.grad(lib.imag(lib.conj(t)).sum() + lib.conj(t).real.sum() * 3, t)
        res.append(g.resolve_conj().numpy())
        x = lib.ones(2)
        assert lib.conj(x) is x and lib.resolve_conj(x) is x and lib.conj_physical(x) is x
        assert not x.is_conj() and not x.is_neg()
    np.testing.assert_allclose(res[0], res[1])


def test_trapezoid_argument_checks():
    with pytest.raises(TypeError):
        chainrule.trapezoid(chainrule.ones(3), chainrule.ones(3), dx=2)
    with pytest.raises(RuntimeError, match="bool"):
        chainrule.trapezoid(chainrule.tensor([True, False]))
    for lib in (chainrule, torch):
        z = lib.trapezoid(lib.ones(2, 0, dtype=lib.float64), dim=1)
        assert z.tolist() == [0.0, 0.0] and z.dtype is lib.float64
        assert tuple(lib.cumulative_trapezoid(lib.ones(2, 0), dim=1).shape) == (2, 0)
