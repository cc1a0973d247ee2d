"""Tensor and dtype extras: ``type_as``, operators, ``H``/``mH``, ``nbytes``, in-place shape
changes, ``sum_to_size``, ``apply_``/``map_``, ``finfo``/``iinfo``, runtime flags, ``cuda``.

Each behaviour is compared with PyTorch where it is installed.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import chainrule

pt = pytest.importorskip("torch")


def _both(fn):
    """``fn(lib)`` for chainrule and torch; each result is a value or ``(type, message)``."""
    res = []
    for lib in (chainrule, pt):
        try:
            res.append(fn(lib))
        except Exception as e:  # noqa: BLE001 - the error itself is compared
            res.append((type(e).__name__, str(e)))
    return res


def _same_error(fn):
    ours, theirs = _both(fn)
    assert isinstance(theirs, tuple), "torch did not raise"
    assert ours == theirs


def _name(t, lib):
    """The class name of ``t``'s grad_fn (None for no grad_fn)."""
    if t.grad_fn is None:
        return None
    return t.grad_fn.name() if lib is pt else type(t.grad_fn).__name__


# ------------------------------------------------------------------------ small methods
def test_type_as():
    for lib in (chainrule, pt):
        x = lib.tensor([[1.5, 2.5]], requires_grad=True)
        y = x.type_as(lib.tensor([1], dtype=lib.int16))
        assert y.dtype is lib.int16 and y.tolist() == [[1, 2]]
        assert x.type_as(lib.tensor([1.0])) is x
        d = x.type_as(lib.tensor([1.0], dtype=lib.float64))
        assert d.dtype is lib.float64 and _name(d, lib) == "ToCopyBackward0"
    _same_error(lambda lib: lib.tensor([1.0]).type_as(3))


def test_abs_operator():
    for lib in (chainrule, pt):
        x = lib.tensor([-1.5, 2.0], requires_grad=True)
        y = abs(x)
        assert y.tolist() == [1.5, 2.0]
        y.sum().backward()
        assert x.grad.tolist() == [-1.0, 1.0]


@pytest.mark.parametrize("element", [
    2.0, 5, 2, True, np.float64(3.0), "tensor-row", "tensor-miss", "tensor-2d",
])
def test_contains(element):
    def run(lib):
        x = lib.tensor([[1.0, 2.0], [3.0, 4.0]])
        e = {"tensor-row": lambda: lib.tensor([1.0, 2.0]),
             "tensor-miss": lambda: lib.tensor([1.0, 5.0]),
             "tensor-2d": lambda: lib.tensor([[1.0, 2.0]])}.get(element, lambda: element)()
        return e in x

    ours, theirs = _both(run)
    assert ours == theirs


def test_contains_rejects_other_types():
    _same_error(lambda lib: "a" in lib.tensor([1.0]))
    _same_error(lambda lib: [1.0] in lib.tensor([1.0]))


def test_reversed():
    for lib in (chainrule, pt):
        x = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        r = reversed(x)
        assert r.tolist() == [[3.0, 4.0], [1.0, 2.0]]
        assert _name(r, lib) == "FlipBackward0"
        assert reversed(lib.tensor([1, 2, 3])).tolist() == [3, 2, 1]
        s = lib.tensor(3.0)
        assert reversed(s) is s


def test_H_mH_adjoint():
    for lib in (chainrule, pt):
        m = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
        for t in (m.H, m.mH, m.adjoint()):
            assert t.tolist() == [[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]]
        b = lib.ones(2, 3, 4)
        assert tuple(b.mH.shape) == (2, 4, 3)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert lib.tensor(1.0).H.item() == 1.0
    _same_error(lambda lib: lib.ones(3).H)
    _same_error(lambda lib: lib.ones(2, 3, 4).H)
    _same_error(lambda lib: lib.ones(3).mH)
    with pytest.warns(UserWarning, match="Tensor.H is deprecated on 0-D tensors"):
        chainrule.tensor(1.0).H  # noqa: B018


def test_H_of_complex_conjugates():
    z = np.array([[1 + 2j, 3 - 1j], [0.5j, 2.0]])
    ours = chainrule.tensor(z).H
    theirs = pt.tensor(z).H.resolve_conj()
    np.testing.assert_allclose(ours.numpy(), theirs.numpy())


def test_nbytes_itemsize():
    def run(lib):
        x = lib.ones(2, 3)
        return (x.nbytes, x.itemsize, lib.ones(3, dtype=lib.int16).nbytes, x[:, 0].nbytes,
                lib.ones(4).expand(3, 4).nbytes, lib.tensor([True]).nbytes,
                lib.tensor(5).itemsize, lib.ones(0, 3).nbytes)

    ours, theirs = _both(run)
    assert ours == theirs


def test_is_nonzero():
    for lib in (chainrule, pt):
        assert lib.is_nonzero(lib.tensor([1.5])) is True
        assert lib.is_nonzero(lib.tensor(0.0)) is False
        assert lib.tensor([3]).is_nonzero() is True
        assert lib.is_nonzero(lib.tensor(float("nan"))) is True
    _same_error(lambda lib: lib.is_nonzero(lib.tensor([1.0, 2.0])))
    _same_error(lambda lib: lib.is_nonzero(lib.tensor([])))
    _same_error(lambda lib: lib.is_nonzero(1))


def test_is_floating_point_is_complex():
    for lib in (chainrule, pt):
        assert lib.is_floating_point(lib.ones(2)) is True
        assert lib.is_floating_point(lib.ones(2, dtype=lib.int64)) is False
        assert lib.is_complex(lib.ones(2)) is False
        assert lib.is_complex(lib.tensor([1j])) is True
    _same_error(lambda lib: lib.is_floating_point(1.0))
    _same_error(lambda lib: lib.is_complex([1]))


# -------------------------------------------------------------------------- sum_to_size
@pytest.mark.parametrize("size", [(1, 2), (2,), 2, (1, 1), (2, 2), "size", (2, 1)])
def test_sum_to_size(size):
    def run(lib):
        x = lib.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=lib.float64, requires_grad=True)
        if size == "size":
            y = x.sum_to_size(lib.Size([1, 2]))
        elif isinstance(size, int):
            y = x.sum_to_size(size)
        else:
            y = x.sum_to_size(*size)
        (g,) = lib.autograd.grad(y, x, lib.ones_like(y))
        return y.tolist(), _name(y, lib), g.tolist(), y is x

    ours, theirs = _both(run)
    assert ours == theirs


@pytest.mark.parametrize("size", [(3, 2), (1, 1, 1), (2, 3)])
def test_sum_to_size_errors(size):
    _same_error(lambda lib: lib.ones(2, 2).sum_to_size(*size))


# ----------------------------------------------------------------------- apply_ / map_
def test_apply_and_map():
    def run(lib):
        x = lib.tensor([[1.0, 2.0], [3.0, 4.0]])
        x.apply_(lambda v: v * 2)
        i = lib.tensor([1, 2, 3]).apply_(lambda v: v / 2)
        m = lib.tensor([[1.0, 2.0], [3.0, 4.0]]).map_(lib.tensor([10.0, 20.0]),
                                                      lambda a, b: a + b)
        v = lib.tensor([1.0, 2.0, 3.0, 4.0])
        v[::2].apply_(lambda a: -a)  # writes through a strided view
        return x.tolist(), i.tolist(), i.dtype.__repr__().split(".")[1], m.tolist(), v.tolist()

    ours, theirs = _both(run)
    assert ours == theirs


def test_apply_and_map_errors():
    _same_error(lambda lib: lib.ones(2, requires_grad=True).apply_(lambda v: v))
    _same_error(lambda lib: lib.ones(2, requires_grad=True).map_(lib.ones(2), lambda a, b: a))
    _same_error(lambda lib: lib.ones(2).map_(lib.ones(2, requires_grad=True), lambda a, b: a))
    _same_error(lambda lib: lib.ones(2, 2).map_(lib.ones(3), lambda a, b: a))


def test_apply_bumps_the_version():
    x = chainrule.ones(2)
    v = x._version
    x.apply_(lambda a: a + 1)
    assert x._version == v + 1


# ------------------------------------------------------------- in-place shape changes
_INPLACE = {
    "squeeze_": lambda t: t.squeeze_(),
    "squeeze_dim": lambda t: t.squeeze_(1),
    "squeeze_dim0": lambda t: t.squeeze_(0),
    "squeeze_dims": lambda t: t.squeeze_((1,)),
    "unsqueeze_": lambda t: t.unsqueeze_(0),
    "unsqueeze_neg": lambda t: t.unsqueeze_(-1),
    "transpose_": lambda t: t.transpose_(0, 2),
    "transpose_neg": lambda t: t.transpose_(-1, 0),
}


@pytest.mark.parametrize("name", list(_INPLACE))
def test_inplace_shape_change_on_graph(name):
    def run(lib):
        x = lib.tensor(np.arange(6.0).reshape(2, 1, 3), requires_grad=True)
        y = x * 2
        r = _INPLACE[name](y)
        g = lib.tensor(np.arange(1.0, 7.0).reshape(tuple(y.shape)))
        y.backward(g)
        fn = _name(r, lib)
        return r is y, tuple(y.shape), y.tolist(), fn, y._version, x.grad.tolist()

    ours, theirs = _both(run)
    assert ours == theirs


def test_t_():
    def run(lib):
        x = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
        y = x * 1
        y.t_()
        fn = _name(y, lib)
        (y * lib.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])).sum().backward()
        v = (x * 1)[0]
        v.t_()
        return tuple(y.shape), fn, x.grad.tolist(), tuple(v.shape)

    ours, theirs = _both(run)
    assert ours == theirs
    _same_error(lambda lib: lib.ones(2, 2, 2).t_())


def test_inplace_shape_change_errors():
    _same_error(lambda lib: lib.ones(2, 1, requires_grad=True).squeeze_())
    _same_error(lambda lib: lib.ones(2, 1, requires_grad=True)[0].unsqueeze_(0))
    _same_error(lambda lib: (lib.ones(2, 1, 3, requires_grad=True) * 1).transpose_(0, 5))
    _same_error(lambda lib: (lib.ones(2, 1, 3, requires_grad=True) * 1).unsqueeze_(5))
    _same_error(lambda lib: (lib.ones(2, 1, 3, requires_grad=True) * 1).squeeze_(5))


def test_inplace_shape_change_without_grad():
    def run(lib):
        w = lib.ones(2, 1, 3, requires_grad=True)
        with lib.no_grad():
            w.squeeze_()
        a = lib.tensor([1, 2, 3])
        b = a.view(3)
        a.unsqueeze_(0)
        a.transpose_(0, 1)
        return (tuple(w.shape), w.requires_grad, w.is_leaf, w._version, tuple(a.shape),
                a._version, b._version)

    ours, theirs = _both(run)
    assert ours == theirs


def test_inplace_shape_change_invalidates_saved_tensors():
    for lib in (chainrule, pt):
        x = lib.ones(2, 1, 3, requires_grad=True)
        y = x * 2
        m = y * y  # saves y
        y.squeeze_()
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            m.sum().backward()


def test_inplace_shape_change_of_a_view():
    def run(lib):
        x = lib.tensor(np.arange(6.0).reshape(2, 1, 3), requires_grad=True)
        y = x * 2
        s = y[0]
        s.unsqueeze_(0)
        fn = _name(s, lib)
        (s * lib.tensor([[[1.0], [2.0], [3.0]]]).transpose(1, 2)).sum().backward()
        return tuple(s.shape), fn, s._base is y, x.grad.tolist()

    ours, theirs = _both(run)
    assert ours == theirs


def test_inplace_shape_change_second_order():
    x = chainrule.tensor([[1.0, 2.0, 3.0]], dtype=chainrule.float64, requires_grad=True)
    y = x * x
    y.t_()
    (g,) = chainrule.autograd.grad(y.sum(), x, create_graph=True)
    (gg,) = chainrule.autograd.grad(g.sum(), x)
    assert g.tolist() == [[2.0, 4.0, 6.0]] and gg.tolist() == [[2.0, 2.0, 2.0]]


# ------------------------------------------------------------------------ finfo / iinfo
@pytest.mark.parametrize("name", ["float16", "float32", "float64", "complex64", "complex128",
                                  None])
def test_finfo(name):
    if name is None:  # the default dtype
        ours, theirs = chainrule.finfo(), pt.finfo()
    else:
        ours, theirs = chainrule.finfo(getattr(chainrule, name)), pt.finfo(getattr(pt, name))
    assert repr(ours) == repr(theirs) and str(ours) == str(theirs)
    for attr in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr
        assert type(getattr(ours, attr)) is type(getattr(theirs, attr)), attr
    assert ours == chainrule.finfo(getattr(chainrule, ours.dtype))
    with pytest.raises(TypeError):
        hash(ours)


@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32", "int64"])
def test_iinfo(name):
    ours, theirs = chainrule.iinfo(getattr(chainrule, name)), pt.iinfo(getattr(pt, name))
    assert repr(ours) == repr(theirs)
    assert (ours.bits, ours.min, ours.max, ours.dtype) == \
        (theirs.bits, theirs.min, theirs.max, theirs.dtype)


def test_finfo_iinfo_errors():
    _same_error(lambda lib: lib.finfo(lib.int32))
    _same_error(lambda lib: lib.iinfo(lib.float32))
    with pytest.raises(TypeError, match="is not supported by torch.iinfo"):
        chainrule.iinfo(chainrule.bool)


def test_can_cast():
    names = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32",
             "float64", "complex64", "complex128"]
    for a in names:
        for b in names:
            assert chainrule.can_cast(getattr(chainrule, a), getattr(chainrule, b)) == \
                pt.can_cast(getattr(pt, a), getattr(pt, b)), (a, b)


# ------------------------------------------------------------------- runtime settings
def test_num_threads():
    before = chainrule.get_num_threads()
    try:
        chainrule.set_num_threads(3)
        assert chainrule.get_num_threads() == 3
        chainrule.set_num_interop_threads(2)
        assert chainrule.get_num_interop_threads() == 2
    finally:
        chainrule.set_num_threads(before)
    _same_error(lambda lib: lib.set_num_threads(0))
    _same_error(lambda lib: lib.set_num_threads(-1))
    _same_error(lambda lib: lib.set_num_threads(2.5))


def test_deterministic_algorithms_flag():
    assert chainrule.are_deterministic_algorithms_enabled() is False
    try:
        chainrule.use_deterministic_algorithms(True, warn_only=True)
        assert chainrule.are_deterministic_algorithms_enabled() is True
        assert chainrule.is_deterministic_algorithms_warn_only_enabled() is True
    finally:
        chainrule.use_deterministic_algorithms(False)
    assert chainrule.is_deterministic_algorithms_warn_only_enabled() is False
    with pytest.raises(TypeError, match="must be bool, not int"):
        chainrule.use_deterministic_algorithms(1)


def test_cuda_namespace():
    cuda = chainrule.cuda
    assert cuda.is_available() is False and cuda.device_count() == 0
    assert cuda.is_initialized() is False
    assert cuda.manual_seed(0) is None and cuda.manual_seed_all(0) is None
    with pytest.raises(AssertionError, match="not compiled with CUDA"):
        cuda.current_device()
    assert not hasattr(chainrule, "bfloat16")  # NumPy has no bfloat16 (see the report)

