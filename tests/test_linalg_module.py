"""``chainrule.linalg`` and the structural matrix ops: what the op database cannot express.

Errors (type and message) are compared with PyTorch's; ``diagonal`` is checked to be a view;
decompositions that PyTorch refuses to differentiate refuse here too; warnings match.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import chainrule

torch = pytest.importorskip("torch")

_RNG = np.random.default_rng(7)
_SING = [[1.0, 2.0], [2.0, 4.0]]
_SING3 = [[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]]
_NPD = [[1.0, 2.0], [2.0, 1.0]]


def _t(lib, *shape, dtype="float64"):
    a = np.asarray(_RNG.uniform(-1, 1, size=shape) if shape else _RNG.uniform(-1, 1))
    return lib.tensor(a, dtype=getattr(lib, dtype))


def _m(lib, rows, dtype="float64"):
    return lib.tensor(rows, dtype=getattr(lib, dtype))


def _i(lib, *shape):
    return lib.ones(*shape, dtype=lib.int64)


def _outcome(lib, fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            out = fn(lib)
        except Exception as e:  # noqa: BLE001 - the exception is what is compared
            kind = "LinAlgError" if isinstance(e, lib.linalg.LinAlgError) else type(e).__name__
            msg = str(e).split("\n")[0].split(" (Triggered internally")[0]
            return ("error", kind, msg.split(" but got: ")[0])  # drop printed tensor values
    outs = out if isinstance(out, (tuple, list)) else (out,)
    return ("ok", [(tuple(o.shape), str(o.dtype).split(".")[-1]) for o in outs])


ERRORS = {
    "diag_3d": lambda L: L.diag(_t(L, 2, 2, 2)),
    "diagonal_same": lambda L: L.diagonal(_t(L, 2, 3), 0, -1, 1),
    "diagonal_range": lambda L: L.diagonal(_t(L, 2, 3), 0, 0, 2),
    "diag_embed_same": lambda L: L.diag_embed(_t(L, 3), 0, 0, 0),
    "trace_3d": lambda L: L.trace(_t(L, 2, 2, 2)),
    "trace_bool": lambda L: L.trace(L.ones(2, 2, dtype=L.bool)),
    "tril_indices_neg": lambda L: L.tril_indices(-1, 4),
    "triu_indices_neg_col": lambda L: L.triu_indices(3, -3),
    "tril_indices_float": lambda L: L.tril_indices(3, 3, dtype=L.float32),
    "meshgrid_2d": lambda L: L.meshgrid(_t(L, 2, 2), _t(L, 3), indexing="ij"),
    "meshgrid_indexing": lambda L: L.meshgrid(_t(L, 2), _t(L, 3), indexing="foo"),
    "meshgrid_dtype": lambda L: L.meshgrid(_t(L, 2), L.arange(3), indexing="ij"),
    "meshgrid_empty": lambda L: L.meshgrid(indexing="ij"),
    "tensor_split_zero": lambda L: L.tensor_split(_t(L, 4), 0),
    "tensor_split_0d": lambda L: L.tensor_split(_t(L), 2),
    "tensor_split_2d_tensor": lambda L: L.tensor_split(_t(L, 4), L.tensor([[1]])),
    "tensor_split_float_tensor": lambda L: L.tensor_split(_t(L, 4), L.tensor([1.0])),
    "broadcast_tensors": lambda L: L.broadcast_tensors(_t(L, 3), _t(L, 4)),
    "broadcast_to": lambda L: L.broadcast_to(_t(L, 3), (2,)),
    "take_along_dim_int32": lambda L: L.take_along_dim(_t(L, 3, 3), L.tensor([[0]],
                                                                           dtype=L.int32), 1),
    "take_along_dim_float": lambda L: L.take_along_dim(_t(L, 3), L.tensor([0.0])),
    "take_along_dim_ndim": lambda L: L.take_along_dim(_t(L, 3, 3), L.tensor([0]), 1),
    "take_along_dim_bcast": lambda L: L.take_along_dim(_t(L, 3, 3), L.tensor([[0], [1]]), 1),
    "rot90_dims": lambda L: L.rot90(_t(L, 3, 3), 1, [0]),
    "rot90_1d": lambda L: L.rot90(_t(L, 3), 1, [0, 1]),
    "rot90_same": lambda L: L.rot90(_t(L, 3, 3), 1, [1, 1]),
    "rot90_wrapped_same": lambda L: L.rot90(_t(L, 3, 3), 1, [0, -2]),
    "rot90_range": lambda L: L.rot90(_t(L, 3, 3), 1, [0, 2]),
    "block_diag_3d": lambda L: L.block_diag(_t(L, 2, 2), _t(L, 1, 1, 1)),
    "block_diag_empty": lambda L: L.block_diag(),
    "diff_n": lambda L: L.diff(_t(L, 3), n=-1),
    "diff_0d": lambda L: L.diff(_t(L)),
    "diff_prepend_shape": lambda L: L.diff(_t(L, 2, 3), dim=1, prepend=_t(L, 3, 1)),
    "diff_prepend_ndim": lambda L: L.diff(_t(L, 2, 3), dim=1, prepend=_t(L, 2)),
    "cross_no_3": lambda L: L.cross(_t(L, 2, 2), _t(L, 2, 2)),
    "cross_dim": lambda L: L.cross(_t(L, 2, 2), _t(L, 2, 2), dim=1),
    "linalg_cross_len": lambda L: L.linalg.cross(_t(L, 2, 2), _t(L, 2, 2)),
    "linalg_cross_ndim": lambda L: L.linalg.cross(_t(L, 2, 3), _t(L, 3)),
    "linalg_cross_bcast": lambda L: L.linalg.cross(_t(L, 2, 3), _t(L, 4, 3)),
    "linalg_cross_dtype": lambda L: L.linalg.cross(_i(L, 3), _t(L, 3)),
    "cdist_1d": lambda L: L.cdist(_t(L, 3), _t(L, 3)),
    "cdist_cols": lambda L: L.cdist(_t(L, 2, 3), _t(L, 2, 4)),
    "cdist_p": lambda L: L.cdist(_t(L, 2, 3), _t(L, 2, 3), p=-1),
    "cdist_int": lambda L: L.cdist(_i(L, 2, 3), _i(L, 2, 3)),
    "cdist_dtype": lambda L: L.cdist(_t(L, 2, 3), _t(L, 2, 3, dtype="float32")),
    "cdist_mode": lambda L: L.cdist(_t(L, 2, 3), _t(L, 2, 3), compute_mode="foo"),
    "pdist_3d": lambda L: L.pdist(_t(L, 2, 2, 2)),
    "pdist_p": lambda L: L.pdist(_t(L, 2, 2), -1),
    "pdist_int": lambda L: L.pdist(_i(L, 2, 3)),
    "dist_int": lambda L: L.dist(_i(L, 3), _i(L, 3)),
    "cosine_int": lambda L: L.cosine_similarity(_i(L, 3), _i(L, 3), dim=0),
    "cosine_dim": lambda L: L.cosine_similarity(_t(L, 3), _t(L, 3)),
    "renorm_p": lambda L: L.renorm(_t(L, 3, 3), 0, 0, 1.0),
    "renorm_maxnorm": lambda L: L.renorm(_t(L, 3, 3), 2, 0, -1.5),
    "renorm_int": lambda L: L.renorm(_i(L, 3, 3), 2, 0, 1.0),
    "renorm_1d": lambda L: L.renorm(_t(L, 3), 2, 0, 1.0),
    "cov_3d": lambda L: L.cov(_t(L, 2, 2, 2)),
    "cov_bool": lambda L: L.cov(L.ones(2, 2, dtype=L.bool)),
    "cov_fweights_float": lambda L: L.cov(_t(L, 2, 3), fweights=_t(L, 3)),
    "cov_fweights_numel": lambda L: L.cov(_t(L, 2, 3), fweights=_i(L, 2)),
    "cov_fweights_neg": lambda L: L.cov(_t(L, 2, 3), fweights=-_i(L, 3)),
    "cov_aweights_int": lambda L: L.cov(_t(L, 2, 3), aweights=_i(L, 3)),
    "cov_aweights_2d": lambda L: L.cov(_t(L, 2, 3), aweights=_t(L, 1, 3)),
    "cov_zero_weights": lambda L: L.cov(_t(L, 2, 3), aweights=_t(L, 3) * 0),
    "corrcoef_3d": lambda L: L.corrcoef(_t(L, 2, 2, 2)),
    "det_nonsquare": lambda L: L.linalg.det(_t(L, 2, 3)),
    "det_1d": lambda L: L.det(_t(L, 3)),
    "det_int": lambda L: L.linalg.det(_i(L, 2, 2)),
    "det_int_nonsquare": lambda L: L.linalg.det(_i(L, 2, 3)),
    "slogdet_nonsquare": lambda L: L.linalg.slogdet(_t(L, 2, 3)),
    "inv_singular": lambda L: L.linalg.inv(_m(L, _SING)),
    "inv_singular3": lambda L: L.linalg.inv(_m(L, _SING3)),
    "inverse_singular": lambda L: L.inverse(_m(L, _SING)),
    "inv_batch_singular": lambda L: L.linalg.inv(L.stack([L.eye(2, dtype=L.float64),
                                                          _m(L, _SING)])),
    "inv_nonsquare": lambda L: L.linalg.inv(_t(L, 2, 3)),
    "inv_int": lambda L: L.linalg.inv(_i(L, 2, 2)),
    "inv_half": lambda L: L.linalg.inv(L.ones(2, 2, dtype=L.float16)),
    "solve_singular": lambda L: L.linalg.solve(_m(L, _SING), _t(L, 2)),
    "solve_batch_singular": lambda L: L.linalg.solve(
        L.stack([L.eye(2, dtype=L.float64), _m(L, _SING)]), _t(L, 2, 2, 1)),
    "solve_shape": lambda L: L.linalg.solve(_t(L, 2, 2), _t(L, 3)),
    "solve_shape_matrix": lambda L: L.linalg.solve(_t(L, 2, 2), _t(L, 3, 1)),
    "solve_right_shape": lambda L: L.linalg.solve(_t(L, 2, 2), _t(L, 2, 3), left=False),
    "solve_right_vector": lambda L: L.linalg.solve(_t(L, 3, 3), _t(L, 3), left=False),
    "solve_dtype": lambda L: L.linalg.solve(_t(L, 2, 2), _t(L, 2, dtype="float32")),
    "solve_int": lambda L: L.linalg.solve(_i(L, 2, 2), _i(L, 2)),
    "solve_batch": lambda L: L.linalg.solve(_t(L, 2, 3, 3), _t(L, 4, 3, 1)),
    "solve_nonsquare": lambda L: L.linalg.solve(_t(L, 2, 3), _t(L, 2)),
    "cholesky_npd": lambda L: L.linalg.cholesky(_m(L, _NPD)),
    "cholesky_batch_npd": lambda L: L.linalg.cholesky(L.stack([L.eye(2, dtype=L.float64),
                                                               _m(L, _NPD)])),
    "cholesky_nonsquare": lambda L: L.linalg.cholesky(_t(L, 2, 3)),
    "cholesky_int": lambda L: L.linalg.cholesky(_i(L, 2, 2)),
    "qr_mode": lambda L: L.linalg.qr(_t(L, 2, 2), mode="foo"),
    "qr_1d": lambda L: L.linalg.qr(_t(L, 2)),
    "eigh_uplo": lambda L: L.linalg.eigh(_t(L, 2, 2), UPLO="X"),
    "eigh_nonsquare": lambda L: L.linalg.eigh(_t(L, 2, 3)),
    "eigh_int": lambda L: L.linalg.eigh(_i(L, 2, 2)),
    "svd_1d": lambda L: L.linalg.svd(_t(L, 3)),
    "svd_int": lambda L: L.linalg.svd(_i(L, 2, 2)),
    "svd_driver": lambda L: L.linalg.svdvals(_t(L, 2, 2), driver="gesvd"),
    "svdvals_1d": lambda L: L.linalg.svdvals(_t(L, 3)),
    "svdvals_int": lambda L: L.linalg.svdvals(_i(L, 2, 2)),
    "eigvalsh_1d": lambda L: L.linalg.eigvalsh(_t(L, 3)),
    "eigvalsh_nonsquare": lambda L: L.linalg.eigvalsh(_t(L, 2, 3)),
    "slogdet_int": lambda L: L.linalg.slogdet(_i(L, 2, 2)),
    "cond_1d": lambda L: L.linalg.cond(_t(L, 3)),
    "cond_nonsquare": lambda L: L.linalg.cond(_t(L, 2, 3), 1),
    "pinv_int": lambda L: L.linalg.pinv(_i(L, 2, 2)),
    "matrix_rank_int": lambda L: L.linalg.matrix_rank(_i(L, 2, 2)),
    "matrix_power_nonsquare": lambda L: L.linalg.matrix_power(_t(L, 2, 3), 2),
    "matrix_power_singular": lambda L: L.linalg.matrix_power(_m(L, _SING), -1),
    "matrix_power_int_negative": lambda L: L.matrix_power(_i(L, 2, 2), -1),
    "matrix_norm_ord": lambda L: L.linalg.matrix_norm(_t(L, 2, 2), 3),
    "matrix_norm_str": lambda L: L.linalg.matrix_norm(_t(L, 2, 2), "foo"),
    "matrix_norm_1d": lambda L: L.linalg.matrix_norm(_t(L, 2)),
    "norm_3d_ord": lambda L: L.linalg.norm(_t(L, 2, 2, 2), 2),
    "norm_fro_1d": lambda L: L.linalg.norm(_t(L, 2), "fro"),
    "norm_dim3": lambda L: L.linalg.norm(_t(L, 2, 2, 2), dim=(0, 1, 2)),
    "matrix_rank_1d": lambda L: L.linalg.matrix_rank(_t(L, 3)),
    "lstsq_shape": lambda L: L.linalg.lstsq(_t(L, 3, 2), _t(L, 2, 2)),
    "lstsq_int": lambda L: L.linalg.lstsq(_i(L, 2, 2), _i(L, 2, 2)),
    "multi_dot_one": lambda L: L.linalg.multi_dot([_t(L, 2, 2)]),
    "multi_dot_3d": lambda L: L.linalg.multi_dot([_t(L, 2, 2, 2), _t(L, 2, 2)]),
    "multi_dot_middle": lambda L: L.linalg.multi_dot([_t(L, 2, 2), _t(L, 2), _t(L, 2, 2)]),
    "multi_dot_shape": lambda L: L.linalg.multi_dot([_t(L, 2, 3), _t(L, 2, 2)]),
    "multi_dot_dtype": lambda L: L.linalg.multi_dot([_t(L, 2, 2), _t(L, 2, 2, dtype="float32")]),
    "vecdot_shape": lambda L: L.linalg.vecdot(_t(L, 2, 3), _t(L, 2, 2)),
    "vecdot_int": lambda L: L.linalg.vecdot(_i(L, 3), _i(L, 3)),
    "vecdot_dtype": lambda L: L.linalg.vecdot(_t(L, 3), _t(L, 3, dtype="float32")),
    "linalg_diagonal_1d": lambda L: L.linalg.diagonal(_t(L, 3)),
    "pinv_1d": lambda L: L.linalg.pinv(_t(L, 3)),
    "solve_triangular_vector": lambda L: L.linalg.solve_triangular(_t(L, 3, 3), _t(L, 3),
                                                                    upper=True),
    "solve_triangular_shape": lambda L: L.linalg.solve_triangular(_t(L, 3, 3), _t(L, 2, 2),
                                                                   upper=True),
    "solve_triangular_right": lambda L: L.linalg.solve_triangular(_t(L, 3, 3), _t(L, 2, 2),
                                                                   upper=True, left=False),
    "solve_triangular_upper": lambda L: L.linalg.solve_triangular(_t(L, 3, 3), _t(L, 3, 2)),
    "solve_triangular_int": lambda L: L.linalg.solve_triangular(_i(L, 2, 2), _i(L, 2, 2),
                                                                 upper=True),
    # successful calls whose shapes and dtypes are compared
    "ok_tril_indices_int32": lambda L: L.tril_indices(3, 3, dtype=L.int32),
    "ok_trace_int32": lambda L: L.trace(L.ones(2, 2, dtype=L.int32)),
    "ok_block_diag_promote": lambda L: L.block_diag(_i(L, 2, 2), _t(L, 1)),
    "ok_take_along_dim_flat_int32": lambda L: L.take_along_dim(_t(L, 3), L.tensor([0],
                                                                                dtype=L.int32)),
    "ok_matrix_power_int": lambda L: L.linalg.matrix_power(_i(L, 2, 2), 2),
    "ok_cov_int": lambda L: L.cov(L.arange(6).reshape(2, 3)),
    "ok_cov_dof": lambda L: L.cov(_t(L, 2, 1)),
    "ok_dist_promote": lambda L: L.dist(_t(L, 3), _t(L, 3, dtype="float32")),
    "ok_diag_embed_int": lambda L: L.diag_embed(L.arange(2)),
    "ok_cosine_promote": lambda L: L.cosine_similarity(_i(L, 3), _t(L, 3, dtype="float32"),
                                                       dim=0),
    "ok_solve_batched_vector": lambda L: L.linalg.solve(_t(L, 2, 3, 3), _t(L, 2, 3)),
    "ok_lstsq_gelsd_vector": lambda L: L.linalg.lstsq(_t(L, 5, 3), _t(L, 5), driver="gelsd"),
    "ok_lstsq_gelsd_batch": lambda L: L.linalg.lstsq(_t(L, 2, 5, 3), _t(L, 2, 5),
                                                     driver="gelsd"),
    "ok_lstsq_gelsy": lambda L: L.linalg.lstsq(_t(L, 5, 3), _t(L, 5, 2)),
    "ok_qr_r": lambda L: L.linalg.qr(_t(L, 4, 3), mode="r"),
    "ok_qr_complete": lambda L: L.linalg.qr(_t(L, 4, 3), mode="complete"),
    "ok_svd_full": lambda L: L.linalg.svd(_t(L, 4, 3)),
    "ok_matrix_norm_keepdim": lambda L: L.linalg.matrix_norm(_t(L, 2, 3, 4), "nuc", (0, 2),
                                                              True),
    "ok_meshgrid_0d": lambda L: L.meshgrid(_t(L), _t(L, 3), indexing="xy"),
    "ok_tensor_split_neg_index": lambda L: L.tensor_split(L.arange(7), [-2]),
    "ok_diff_big_n": lambda L: L.diff(_t(L, 3), n=5),
    "ok_solve_triangular_promote": lambda L: L.linalg.solve_triangular(
        _t(L, 3, 3), _t(L, 3, 2, dtype="float32"), upper=True),
    "ok_solve_triangular_batch": lambda L: L.linalg.solve_triangular(_t(L, 2, 3, 3), _t(L, 3, 2),
                                                                      upper=True),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_same_outcome_as_torch(name):
    fn = ERRORS[name]
    assert _outcome(chainrule, fn) == _outcome(torch, fn)


def test_linalg_error_is_a_runtime_error():
    assert issubclass(chainrule.linalg.LinAlgError, RuntimeError)
    with pytest.raises(RuntimeError, match="input matrix is singular"):
        chainrule.linalg.inv(chainrule.tensor(_SING))


def test_diagonal_is_a_view():
    x = chainrule.arange(12.0).reshape(3, 4)
    d = x.diagonal(1)
    assert d._base is x._base and d._version == x._version
    d.mul_(10)
    assert x[1, 2].item() == 60.0 and x._version == d._version == 1
    assert np.shares_memory(d._data, x._data)
    y = chainrule.diag(x)  # a copy
    assert not np.shares_memory(y._data, x._data)


def test_diagonal_in_place_is_seen_by_saved_tensors():
    a = chainrule.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    b = a * 1
    c = b * b  # saves b
    b.diagonal().zero_()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        c.sum().backward()
    a2 = chainrule.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    b2 = a2 * 1
    b2.diagonal().mul_(3)
    b2.sum().backward()
    assert a2.grad.tolist() == [[3.0, 1.0], [1.0, 3.0]]


def test_meshgrid_warns_without_indexing():
    for lib in (chainrule, torch):
        with pytest.warns(UserWarning, match="it will be required to pass the indexing"):
            lib.meshgrid(lib.arange(2.0), lib.arange(3.0))


def test_cross_warns_without_dim():
    with pytest.warns(UserWarning, match="Using torch.cross without specifying the dim"):
        chainrule.cross(chainrule.ones(3, 3), chainrule.ones(3, 3))


def test_cov_warns_on_zero_dof():
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        chainrule.cov(chainrule.ones(2, 1))


@pytest.mark.parametrize("fn", [
    lambda L, a: L.linalg.qr(a, mode="r").R.sum(),
    lambda L, a: L.linalg.qr(a, mode="complete").Q.sum(),
])
def test_qr_refuses_gradients_as_torch(fn):
    msgs = []
    for lib in (chainrule, torch):
        a = lib.tensor(np.arange(12.0).reshape(4, 3) ** 1.5, requires_grad=True)
        with pytest.raises(RuntimeError) as e:
            fn(lib, a).backward()
        msgs.append(str(e.value))
    assert msgs[0] == msgs[1]


def test_return_types():
    a = chainrule.tensor(np.eye(3) * 2.0)
    assert chainrule.linalg.slogdet(a).logabsdet.item() == pytest.approx(np.log(8))
    assert chainrule.slogdet(a).sign.item() == 1.0
    assert type(chainrule.linalg.eigh(a)).__name__ == "linalg_eigh"
    assert chainrule.linalg.svd(a)._fields == ("U", "S", "Vh")
    assert chainrule.linalg.qr(a)._fields == ("Q", "R")
    assert chainrule.linalg.lstsq(a, a)._fields == ("solution", "residuals", "rank",
                                                    "singular_values")


def test_saved_outputs_are_version_checked():
    a = chainrule.tensor(np.diag([1.0, 2.0, 3.0]) + 0.1, requires_grad=True)
    lam, v = chainrule.linalg.eigh(a)
    v.mul_(2)
    with pytest.raises(RuntimeError, match="output 1 of LinalgEigh"):
        lam.sum().backward()


def test_svdvals_gradient_runs_twice_with_retain_graph():
    a = chainrule.tensor(_RNG.uniform(size=(3, 3)), requires_grad=True)
    s = chainrule.linalg.svdvals(a).sum()
    s.backward(retain_graph=True)
    s.backward()
    s2 = chainrule.linalg.svdvals(a).sum()
    s2.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        s2.backward()


def test_dist_p0_has_no_gradient():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    g = chainrule.autograd.grad(chainrule.dist(x, x * 0, 0), x, allow_unused=True)
    assert g == (None,)


def test_two_decompositions_of_one_leaf_accumulate():
    # both nodes must deliver their gradient before the leaf's accumulator runs
    for f in (chainrule.linalg.svdvals, lambda a: chainrule.linalg.eigh(a @ a.mT)[0],
              lambda a: chainrule.linalg.slogdet(a)[1]):
        a = chainrule.tensor(_RNG.uniform(size=(3, 3)) + np.eye(3), requires_grad=True)
        one = chainrule.autograd.grad(f(a).sum(), a)[0]
        two = chainrule.autograd.grad(f(a).sum() + f(a).sum(), a)[0]
        np.testing.assert_allclose(two.numpy(), 2 * one.numpy(), rtol=1e-10)


def test_solve_triangular_zero_pivot_gives_inf_nan():
    for lib in (chainrule, torch):
        x = lib.linalg.solve_triangular(lib.zeros(2, 2, dtype=lib.float64),
                                        lib.ones(2, 2, dtype=lib.float64), upper=True)
        assert not np.isfinite(x.numpy()).any()
