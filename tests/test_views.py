"""Views share memory and the version counter; copies do not; shape-op errors match PyTorch.

The op database checks values, gradients and grad_fn names. This file checks what it cannot
express: aliasing (``_data`` is a NumPy view of the input's, ``_vc`` is shared, ``_base`` is the
root), detection of in-place changes through an alias, multi-output nodes, and error types
and messages compared with PyTorch's.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import chainrule

C = chainrule


def _x():
    return C.tensor(np.arange(1.0, 25.0).reshape(2, 3, 4))


# op(x) for x of shape (2, 3, 4): each returns a view (or several) of x
VIEWS = {
    "view": lambda x: x.view(6, 4),
    "view_flat": lambda x: x.view(-1),
    "view_as": lambda x: x.view_as(C.zeros(4, 6)),
    "reshape": lambda x: x.reshape(4, 6),
    "reshape_alias": lambda x: x.transpose(0, 1).reshape(3, 2, 4),
    "flatten": lambda x: x.flatten(1),
    "unflatten": lambda x: x.unflatten(2, (2, 2)),
    "squeeze": lambda x: x.unsqueeze(0).squeeze(),
    "squeeze_dim": lambda x: x.unsqueeze(1).squeeze(1),
    "squeeze_dims": lambda x: x.unsqueeze(1).squeeze((0, 1)),
    "unsqueeze": lambda x: x.unsqueeze(-1),
    "transpose": lambda x: x.transpose(0, 2),
    "swapaxes": lambda x: C.swapaxes(x, 1, 2),
    "permute": lambda x: x.permute(2, 0, 1),
    "t": lambda x: x.narrow(0, 0, 1).squeeze(0).t(),
    "mT": lambda x: x.mT,
    "expand": lambda x: x.unsqueeze(0).expand(3, 2, 3, 4),
    "narrow": lambda x: x.narrow(1, 1, 2),
    "movedim": lambda x: x.movedim(0, -1),
    "split": lambda x: x.split(1, 2),
    "split_sizes": lambda x: x.split([1, 2], 1),
    "chunk": lambda x: x.chunk(2, -1),
    "unbind": lambda x: x.unbind(1),
    "detach": lambda x: x.detach(),
}

COPIES = {
    "reshape_copy": lambda x: x.transpose(0, 1).reshape(-1),
    "flatten_copy": lambda x: x.transpose(0, 2).flatten(),
    "repeat": lambda x: x.repeat(1, 1, 1),
    "tile": lambda x: x.tile(2),
    "flip": lambda x: x.flip(0),
    "roll": lambda x: x.roll(1, 0),
    "cat": lambda x: C.cat([x]),
    "stack": lambda x: C.stack([x]),
    "hstack": lambda x: C.hstack([x, x]),
    "ravel_copy": lambda x: x.transpose(0, 1).ravel(),
}


def _outs(r):
    return list(r) if isinstance(r, (tuple, list)) else [r]


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_views_share_memory_version_counter_and_base(name):
    x = _x()
    outs = _outs(VIEWS[name](x))
    assert outs
    for v in outs:
        assert np.shares_memory(v._data, x._data)
        assert v._version_counter() is x._version_counter()
        if name != "detach":
            assert v._base is x
    # a write through the base is seen by every view, and bumps their version
    before = [o._data.copy() for o in outs]
    with C.no_grad():
        x.add_(100.0)
    for v, b in zip(outs, before, strict=True):
        np.testing.assert_array_equal(v._data, b + 100.0)
        assert v._version == x._version == 1


@pytest.mark.parametrize("name", sorted(n for n in VIEWS if n not in ("expand", "detach")))
def test_write_through_view_is_seen_by_base(name):
    x = _x()
    v = _outs(VIEWS[name](x))[0]
    with C.no_grad():
        v.mul_(0.0)
    assert x._version == 1
    assert (x._data == 0).sum() == v._data.size


def test_view_of_view_records_root_base():
    x = _x()
    v = x.view(6, 4).t().unsqueeze(0).narrow(1, 1, 2)
    assert v._base is x
    assert v._version_counter() is x._version_counter()
    pieces = x.transpose(0, 1).split(1)
    assert all(p._base is x for p in pieces)


@pytest.mark.parametrize("name", sorted(COPIES))
def test_copies_do_not_alias(name):
    x = _x()
    out = COPIES[name](x)
    assert not np.shares_memory(out._data, x._data)
    assert out._base is None or not np.shares_memory(out._base._data, x._data)
    assert out._vc is None or out._vc is not x._vc
    with C.no_grad():
        x.add_(1.0)
    assert out._version == 0


def test_views_are_views_without_grad_mode_and_for_integers():
    x = C.tensor([[0, 1, 2], [3, 4, 5]])
    v = x.t()
    assert v._base is x and np.shares_memory(v._data, x._data)
    y = C.ones(2, 3, requires_grad=True)
    with C.no_grad():
        w = y.view(-1)
    assert w._base is y and not w.requires_grad


# ------------------------------------------------------------------ in-place detection
def _assert_modified_error(fn):
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        fn()


def test_inplace_on_base_detected_through_saved_view():
    a = C.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    b = a * 1.0
    v = b.view(2, 2)
    y = (v * v).sum()  # MulBackward0 saved v
    b._version_counter().bump()
    _assert_modified_error(y.backward)


def test_inplace_on_view_detected_through_saved_base():
    a = C.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    b = a * 1.0
    y = (b * b).sum()  # saved b
    v = b.transpose(0, 0).narrow(0, 1, 2)
    with C.no_grad():
        v.add_(1.0)
    assert b._version == 1
    _assert_modified_error(y.backward)


@pytest.mark.parametrize("name", ["split", "unbind", "chunk"])
def test_inplace_on_one_piece_detected_through_another(name):
    a = C.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    b = a * 1.0
    p = _outs(VIEWS[name](b.unsqueeze(0)))
    y = (p[0] * p[0]).sum()
    p[-1]._version_counter().bump()
    _assert_modified_error(y.backward)


def test_inplace_on_copy_is_not_detected():
    a = C.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    b = a * 1.0
    y = (b * b).sum()
    c = b.flip(0)
    with C.no_grad():
        c.add_(1.0)
    y.backward()
    np.testing.assert_allclose(a.grad.numpy(), [2.0, 4.0, 6.0, 8.0])


# ------------------------------------------------------------------ graph structure
def test_split_pieces_share_one_node():
    x = C.zeros(5, 2, requires_grad=True)
    pieces = C.split(x, 2)
    assert len({id(p.grad_fn) for p in pieces}) == 1
    assert type(pieces[0].grad_fn).__name__ == "SplitBackward0"
    assert [p.output_nr for p in pieces] == [0, 1, 2]
    sized = x.split([1, 4])
    assert type(sized[1].grad_fn).__name__ == "SplitWithSizesBackward0"
    un = x.unbind(1)
    assert un[0].grad_fn is un[1].grad_fn
    assert type(un[0].grad_fn).__name__ == "UnbindBackward0"
    assert C.zeros(0, 3, requires_grad=True).chunk(2)[0].grad_fn.name() == \
        "SplitWithSizesBackward0"


def test_unused_pieces_get_zero_gradient():
    x = C.arange(6.0).requires_grad_()
    a, b, c = x.split(2)
    (b * 3.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0, 0, 3, 3, 0, 0])


def test_flatten_returns_input_itself_when_nothing_merges():
    v = C.zeros(4, requires_grad=True)
    assert v.flatten() is v
    x = C.zeros(2, 3)
    assert x.flatten(1, 1) is x and x.flatten(-1) is x
    s = C.tensor(1.0, requires_grad=True).flatten()
    assert s.shape == (1,) and s.grad_fn.name() == "ViewBackward0"


def test_reshape_copy_records_clone_then_unsafe_view():
    x = C.zeros(2, 3, requires_grad=True)
    y = x.t().reshape(-1)
    assert y.grad_fn.name() == "UnsafeViewBackward0"
    clone = y.grad_fn.next_functions[0][0]
    assert clone.name() == "CloneBackward0"
    assert clone.next_functions[0][0].name() == "TBackward0"


def test_T_and_mT_properties():
    m = C.zeros(2, 3, requires_grad=True)
    assert m.T.grad_fn.name() == "PermuteBackward0" and m.T.shape == (3, 2)
    assert m.mT.grad_fn.name() == "TransposeBackward0"
    x = C.zeros(2, 3, 4)
    with pytest.warns(UserWarning, match="use of `x.T` on tensors of dimension other than 2"):
        assert x.T.shape == (4, 3, 2)
    with pytest.warns(UserWarning, match="Tensor.T is deprecated on 0-D tensors"):
        assert C.tensor(1.0).T.shape == ()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert C.zeros(3).T.shape == (3,)
    assert x.mT.shape == (2, 4, 3)


def test_view_dtype_shares_memory_without_grad():
    x = C.tensor([1.0, 2.0], dtype=C.float64, requires_grad=True)
    v = x.view(C.int64)
    assert v.dtype is C.int64 and not v.requires_grad and v.grad_fn is None
    assert np.shares_memory(v._data, x._data)
    assert x.view(C.float32).shape == (4,)
    assert C.zeros(2, 4, dtype=C.int8).view(C.int32).shape == (2, 1)


def test_expand_gradient_sums_and_stays_a_view():
    x = C.tensor([[1.0], [2.0]], requires_grad=True)
    y = x.expand(3, 2, 4)
    assert y.stride() == (0, 1, 0)
    (y * C.arange(24.0).reshape(3, 2, 4)).sum().backward()
    expect = np.arange(24.0).reshape(3, 2, 4).sum((0, 2))[:, None]
    np.testing.assert_allclose(x.grad.numpy(), expect)


# ------------------------------------------------------------------ errors vs torch
def _m(lib):
    return lib.zeros(2, 3)


def _x3(lib):
    return lib.zeros(2, 1, 3)


ERRORS = {
    "view_size": lambda lib: _m(lib).view(4),
    "view_two_infer": lambda lib: _m(lib).view(-1, -1),
    "view_infer_bad": lambda lib: _m(lib).view(-1, 4),
    "view_infer_zero": lambda lib: _m(lib).view(-1, 0),
    "view_empty_ambiguous": lambda lib: lib.zeros(0, 3).view(-1, 0),
    "reshape_size": lambda lib: _m(lib).reshape(4),
    "reshape_negative": lambda lib: _m(lib).reshape(-2, 3),
    "reshape_noncontig_size": lambda lib: _m(lib).t().reshape(5),
    "view_noncontig": lambda lib: _m(lib).t().view(6),
    "view_dtype_0d": lambda lib: lib.tensor(1.0).view(lib.int16),
    "view_dtype_stride": lambda lib: _m(lib).t().view(lib.int16),
    "view_dtype_size": lambda lib: lib.zeros(3).view(lib.float64),
    "flatten_dim": lambda lib: _m(lib).flatten(2),
    "flatten_order": lambda lib: _m(lib).flatten(1, 0),
    "unflatten_sizes": lambda lib: _m(lib).unflatten(1, (2, 2)),
    "unflatten_empty": lambda lib: _m(lib).unflatten(1, ()),
    "unflatten_dim": lambda lib: _m(lib).unflatten(3, (3,)),
    "squeeze_dim": lambda lib: _m(lib).squeeze(2),
    "squeeze_repeated": lambda lib: _m(lib).squeeze((0, 0)),
    "squeeze_0d": lambda lib: lib.tensor(1.0).squeeze(1),
    "unsqueeze_high": lambda lib: _x3(lib).unsqueeze(4),
    "unsqueeze_low": lambda lib: _x3(lib).unsqueeze(-5),
    "transpose_dim": lambda lib: _m(lib).transpose(0, 2),
    "permute_len": lambda lib: _m(lib).permute(0),
    "permute_dup": lambda lib: _m(lib).permute(0, 0),
    "permute_range": lambda lib: _m(lib).permute(0, 2),
    "t_3d": lambda lib: _x3(lib).t(),
    "mT_1d": lambda lib: lib.zeros(4).mT,
    "expand_fewer": lambda lib: _x3(lib).expand(2, 4),
    "expand_mismatch": lambda lib: _x3(lib).expand(3, 4, 3),
    "expand_leading_keep": lambda lib: _x3(lib).expand(-1, 2, -1, 3),
    "repeat_fewer": lambda lib: _x3(lib).repeat(2),
    "repeat_negative": lambda lib: _x3(lib).repeat(-1, 1, 1),
    "tile_negative": lambda lib: _m(lib).tile(-1),
    "flip_repeated": lambda lib: _x3(lib).flip([0, 0]),
    "flip_dim": lambda lib: _x3(lib).flip(3),
    "fliplr_1d": lambda lib: lib.fliplr(lib.zeros(3)),
    "flipud_0d": lambda lib: lib.flipud(lib.tensor(1.0)),
    "roll_align": lambda lib: _x3(lib).roll((1, 2), (0,)),
    "roll_align_flat": lambda lib: _x3(lib).roll((1, 2)),
    "roll_align_dims": lambda lib: _x3(lib).roll(1, (0, 2)),
    "roll_dim": lambda lib: _x3(lib).roll(1, 5),
    "roll_empty": lambda lib: _x3(lib).roll((), ()),
    "narrow_0d": lambda lib: lib.tensor(1.0).narrow(0, 0, 1),
    "narrow_start_low": lambda lib: _x3(lib).narrow(2, -4, 1),
    "narrow_start_high": lambda lib: _x3(lib).narrow(2, 4, 0),
    "narrow_exceeds": lambda lib: _x3(lib).narrow(2, 2, 2),
    "narrow_length": lambda lib: _x3(lib).narrow(2, 1, -1),
    "narrow_dim": lambda lib: _x3(lib).narrow(5, 1, 2),
    "movedim_count": lambda lib: _x3(lib).movedim((0, 1), (2,)),
    "movedim_src": lambda lib: _x3(lib).movedim((0, -3), (1, 2)),
    "movedim_dst": lambda lib: _x3(lib).movedim((0, 1), (2, 2)),
    "movedim_range": lambda lib: _x3(lib).movedim(0, 3),
    "cat_sizes": lambda lib: lib.cat([lib.zeros(2, 3), lib.zeros(2, 4)]),
    "cat_sizes_dim1": lambda lib: lib.cat([lib.zeros(2, 3), lib.zeros(4, 3)], 1),
    "cat_ndim": lambda lib: lib.cat([lib.zeros(2, 3), lib.zeros(2)]),
    "cat_ndim_after_empty": lambda lib: lib.cat([lib.zeros(0), lib.zeros(2, 3), lib.zeros(2)]),
    "cat_0d": lambda lib: lib.cat([lib.zeros(2), lib.tensor(1.0)]),
    "cat_dim": lambda lib: lib.cat([lib.zeros(2, 3)], 2),
    "cat_dim_after_empty": lambda lib: lib.cat([lib.zeros(0), lib.zeros(2, 3)], 2),
    "cat_empty_list": lambda lib: lib.cat([]),
    "cat_tensor": lambda lib: lib.cat(lib.zeros(2)),
    "cat_element": lambda lib: lib.cat([lib.zeros(2), 3]),
    "stack_sizes": lambda lib: lib.stack([lib.zeros(2, 3), lib.zeros(4, 3)]),
    "stack_dim": lambda lib: lib.stack([lib.zeros(2, 3)], 3),
    "stack_empty": lambda lib: lib.stack([]),
    "hstack_empty": lambda lib: lib.hstack([]),
    "vstack_empty": lambda lib: lib.vstack([]),
    "split_sum": lambda lib: lib.split(lib.zeros(5, 4), [1, 3]),
    "split_zero": lambda lib: lib.split(lib.zeros(5, 4), 0),
    "split_negative": lambda lib: lib.split(lib.zeros(5, 4), -1),
    "split_negative_sizes": lambda lib: lib.split(lib.zeros(5, 4), [-1, 6]),
    "split_0d": lambda lib: lib.split(lib.tensor(1.0), 1),
    "chunk_zero": lambda lib: lib.zeros(5).chunk(0),
    "chunk_0d": lambda lib: lib.tensor(1.0).chunk(1),
    "unbind_0d": lambda lib: lib.tensor(1.0).unbind(),
    "unbind_dim": lambda lib: lib.zeros(2).unbind(1),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_match_torch(name):
    torch = pytest.importorskip("torch")
    fn = ERRORS[name]
    with pytest.raises(Exception) as t_err:
        fn(torch)
    with pytest.raises(Exception) as c_err:
        fn(chainrule)
    assert c_err.type is t_err.type
    t_msg = str(t_err.value).split("\n")[0].replace("torch.", "")
    c_msg = str(c_err.value).split("\n")[0].replace("torch.", "")
    assert c_msg == t_msg
