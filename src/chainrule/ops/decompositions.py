"""Determinants, inverses, solves and decompositions: ``det``, ``slogdet``, ``inv``, ``solve``,
``solve_triangular``, ``cholesky``, ``qr``, ``eigh``/``eigvalsh``, ``svd``/``svdvals`` (batched
over leading dims).

The forward passes are NumPy's LAPACK routines. Singular or non-positive-definite input
raises :class:`LinAlgError` with PyTorch's message, whose pivot/minor index is recomputed
here (NumPy does not report it). The derivatives are the standard matrix-calculus formulas,
written with ``F`` functions (``F.inv``, ``F.solve``, ``F.diag_embed``... defined below) so
they run, and can be differentiated again, under ``create_graph``. Eigenvector and singular
vector derivatives assume distinct eigenvalues / singular values, as in PyTorch.
"""

from __future__ import annotations

import numpy as np

from .. import _dtype
from ..autograd.engine import _SECOND_TIME, _version_error
from ..autograd.grad_mode import STATE
from ..autograd.graph import FREED, VersionCounter, accumulator, derivative
from ._core import Tensor, make, record, record_multi, register
from ._graphmath import define_math
from .extrema import _return_type
from .linalg import sname
from .matrix import _broadcast_shape, diag_embed, diagonal
from .reduction import _others_tensor

__all__ = ["LinAlgError", "det", "slogdet", "linalg_slogdet", "inv", "solve", "cholesky", "qr",
           "eigh", "eigvalsh", "svd", "svdvals", "solve_triangular", "RETURN_TYPES", "check_matrix",
           "record_outputs"]


class LinAlgError(RuntimeError):
    """A linear-algebra routine failed on its input (PyTorch's ``torch.linalg.LinAlgError``)."""


LinAlgError.__module__ = "chainrule.linalg"

#: the named tuples the decompositions return, as ``torch.return_types.<name>``
RETURN_TYPES = {name: _return_type(name, fields) for name, fields in (
    ("slogdet", ("sign", "logabsdet")), ("linalg_slogdet", ("sign", "logabsdet")),
    ("linalg_qr", ("Q", "R")), ("linalg_eigh", ("eigenvalues", "eigenvectors")),
    ("linalg_svd", ("U", "S", "Vh")),
    ("linalg_lstsq", ("solution", "residuals", "rank", "singular_values")))}


# --------------------------------------------------------------------------- input checks
def check_matrix(A: Tensor, fn: str, square: bool = True, floating: bool = True,
                 name: str = "A") -> np.ndarray:
    """``A``'s array after PyTorch's checks: at least 2-D, square, floating point."""
    d = A._data
    if d.ndim < 2:
        raise RuntimeError(f"{fn}: The input tensor {name} must have at least 2 dimensions.")
    if square and d.shape[-1] != d.shape[-2]:
        raise RuntimeError(f"{fn}: {name} must be batches of square matrices, but they are "
                           f"{d.shape[-2]} by {d.shape[-1]} matrices")
    if floating and d.dtype.kind not in "fc":
        raise RuntimeError(f"{fn}: Expected a floating point or complex tensor as input. Got "
                           f"{sname(d)}")
    if d.dtype == np.float16:
        raise RuntimeError(f"{fn}: Low precision dtypes not supported. Got Half")
    return d


def _lu_info(a: np.ndarray) -> int:
    """LAPACK getrf's ``info``: 1-based index of the first zero pivot of LU with partial
    pivoting (0 when there is none)."""
    a = np.array(a, dtype=np.float64)
    n = a.shape[-1]
    for j in range(n):
        p = j + int(np.argmax(np.abs(a[j:, j])))
        if a[p, j] == 0:
            return j + 1
        a[[j, p]] = a[[p, j]]
        a[j + 1:, j] /= a[j, j]
        a[j + 1:, j + 1:] -= np.outer(a[j + 1:, j], a[j, j + 1:])
    return 0


def _potrf_info(a: np.ndarray) -> int:
    """LAPACK potrf's ``info``: the order of the first leading minor that is not positive
    definite."""
    a = np.asarray(a, dtype=np.float64)
    n = a.shape[-1]
    low = np.zeros_like(a)
    for j in range(n):
        dj = a[j, j] - low[j, :j] @ low[j, :j]
        if not dj > 0:
            return j + 1
        low[j, j] = np.sqrt(dj)
        low[j + 1:, j] = (a[j + 1:, j] - low[j + 1:, :j] @ low[j, :j]) / low[j, j]
    return 0


def _failure(d: np.ndarray, info) -> tuple[str, int]:
    """The ``(Batch element k): `` prefix and ``info`` of the first failing matrix."""
    flat = d.reshape((-1,) + d.shape[-2:])
    for k, m in enumerate(flat):
        i = info(m)
        if i:
            return (f"(Batch element {k}): " if d.ndim > 2 else ""), i
    return "", d.shape[-1]


def _inv_array(d: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.inv(d)
    except np.linalg.LinAlgError:
        pre, i = _failure(d, _lu_info)
        raise LinAlgError(f"linalg.inv: {pre}The diagonal element {i} is zero, the inversion "
                          "could not be completed because the input matrix is singular."
                          ) from None


# ------------------------------------------------------------- outputs saved by a node
def record_outputs(cls, outs: list, inputs: tuple, args=None, saved=None, meta=None) -> tuple:
    """:func:`record_multi`, with the inputs' gradient accumulators created first.

    ``record_multi`` numbers the node before it creates a leaf's AccumulateGrad, so the
    engine could run that accumulator before this node; creating it first keeps the order.
    """
    if STATE.enabled:
        keep = [accumulator(t) for t in inputs  # noqa: F841 - alive until recorded
                if t is not None and t._rg and t._grad_fn is None]
    return record_multi(cls, outs, inputs, saved=saved, args=args, meta=meta)


def _record_saving_outputs(cls, outs: list, inputs: tuple, args=None, saved=None,
                           meta=None) -> tuple:
    """:func:`record_outputs` whose node also keeps its outputs (read with
    ``F.saved_outputs``); an in-place change of an output is detected."""
    res = record_outputs(cls, outs, inputs, saved=saved, args=args, meta=meta)
    node = res[0]._grad_fn
    if node is not None:
        node._out = tuple(outs)
        vcs = []
        for t in res:
            t._vc = VersionCounter()
            vcs.append(t._vc)
        node._out_vcs = tuple(vcs)
    return res


def _checked_outputs(node) -> tuple:
    outs = node._out
    if outs is FREED:
        raise RuntimeError(_SECOND_TIME)
    for i, (o, vc) in enumerate(zip(outs, node._out_vcs, strict=True)):
        if vc.value:
            t = make(o, True, node)
            t._output_nr = i
            raise _version_error(node, t, 0, vc.value, vc.where, False)
    return outs


def _saved_outputs_tensor(node) -> list:
    res = []
    for i, (o, vc) in enumerate(zip(_checked_outputs(node), node._out_vcs, strict=True)):
        t = make(o, True, node)
        t._output_nr = i
        t._vc = vc
        res.append(t)
    return res


# F.saved_outputs(node): the node's outputs (tensors of the node itself under create_graph).
define_math("saved_outputs", lambda node: list(_checked_outputs(node)), _saved_outputs_tensor)
define_math("inv", np.linalg.inv, lambda a: inv(a))
define_math("solve", np.linalg.solve, lambda a, b: solve(a, b))
define_math("diag_embed", lambda x: x[..., None] * np.eye(x.shape[-1], dtype=x.dtype),
            lambda x: diag_embed(x))
define_math("mdiag", lambda x: np.diagonal(x, 0, -2, -1), lambda x: diagonal(x, 0, -2, -1))


def _mT(F, x):
    return F.swapaxes(x, -1, -2)


def _row(F, x):
    """``x[..., None, :]``."""
    s = tuple(x.shape)
    return F.reshape(x, s[:-1] + (1,) + s[-1:])


def _col(F, x):
    """``x[..., :, None]``."""
    return F.reshape(x, tuple(x.shape) + (1,))


def _eye(F, n: int, like):
    return F.const(np.eye(n), like)


# ----------------------------------------------------------------------- det / slogdet
def _others(s: np.ndarray) -> np.ndarray:
    """For each entry of the last dim, the product of the other entries."""
    one = np.ones(s.shape[:-1] + (1,), s.dtype)
    left = np.cumprod(np.concatenate([one, s[..., :-1]], -1), -1)
    right = np.cumprod(np.concatenate([one, s[..., :0:-1]], -1), -1)[..., ::-1]
    return left * right


def _det_backward_array(a, g, det):
    if np.all(det != 0):
        return (g * det)[..., None, None] * np.swapaxes(np.linalg.inv(a), -1, -2)
    u, s, vh = np.linalg.svd(a)
    sign = np.linalg.det(u) * np.linalg.det(vh)
    return (g * sign)[..., None, None] * np.matmul(u * _others(s)[..., None, :], vh)


def _det_backward_tensor(a, g, det):
    shape = tuple(g.shape) + (1, 1)
    if np.all(det._data != 0):
        return (g * det).reshape(shape) * inv(a).mT
    u, s, vh = svd(a, full_matrices=False)
    sign = make(np.linalg.det(u._data) * np.linalg.det(vh._data))
    others = _others_tensor(s, s.ndim - 1)  # a polynomial in s: no division by tiny values
    return (g * sign).reshape(shape) * ((u * others.unsqueeze(-2)) @ vh)


# F.det_backward(A, g, det): g times the cofactor matrix of A (det A^{-T} when invertible)
define_math("det_backward", _det_backward_array, _det_backward_tensor)


@derivative("linalg_det")
def LinalgDetBackward0(node, F, g):
    # d det(A) = det(A) tr(A^{-1} dA): gA = g det(A) A^{-T}, the cofactor matrix in general
    (a,) = F.saved(node)
    return (F.det_backward(a, g, F.output(node)),)


@register("det")
def det(input: Tensor) -> Tensor:
    """The determinant of each square matrix in the last two dims."""
    d = check_matrix(input, "linalg.det")
    return record(LinalgDetBackward0, np.asarray(np.linalg.det(d)), (input,), saved=(input,),
                  save_out=True)


@derivative("linalg_slogdet", outputs=2)
def LinalgSlogdetBackward0(node, F, grads):
    # d log|det A| = tr(A^{-1} dA): gA = g A^{-T}; the sign is locally constant
    glog = grads[1]
    if glog is None:
        return (None,)
    (a,) = F.saved(node)
    return (_col(F, _col(F, glog)) * _mT(F, F.inv(a)),)


def _slogdet(input: Tensor, kind: str):
    d = check_matrix(input, "linalg.slogdet")
    sign, logabs = np.linalg.slogdet(d)
    outs = [np.asarray(sign, d.dtype), np.asarray(logabs, d.dtype)]
    return RETURN_TYPES[kind](*record_outputs(LinalgSlogdetBackward0, outs, (input,),
                                              saved=(input,)))


@register("slogdet")
def slogdet(input: Tensor):
    """``(sign, logabsdet)`` of the determinant of each square matrix."""
    return _slogdet(input, "slogdet")


def linalg_slogdet(A: Tensor):
    """``linalg.slogdet``: ``(sign, logabsdet)`` of the determinant of each square matrix."""
    return _slogdet(A, "linalg_slogdet")


# ------------------------------------------------------------------------- inv / solve
@derivative("linalg_inv_ex")
def LinalgInvExBackward0(node, F, g):
    # d A^{-1} = -A^{-1} dA A^{-1}: gA = -A^{-T} g A^{-T}
    inv_t = _mT(F, F.output(node))
    return (-F.matmul(F.matmul(inv_t, g), inv_t),)


@register("inverse")
def inv(input: Tensor) -> Tensor:
    """The inverse of each square matrix (``linalg.inv``); singular input raises."""
    d = check_matrix(input, "linalg.inv")
    return record(LinalgInvExBackward0, _inv_array(d), (input,), save_out=True)


@derivative("linalg_solve_ex")
def LinalgSolveExBackward0(node, F, g):
    # X = A^{-1} B: gB = A^{-T} g, gA = -gB X^T  (left=False, X = B A^{-1}: gB = g A^{-T},
    # gA = -X^T gB)
    vector, left = node._args
    (a,) = F.saved(node)
    x = F.output(node)
    if vector:
        g, x = _col(F, g), _col(F, x)
    if left:
        gb = F.solve(_mT(F, a), g)
        ga = -F.matmul(gb, _mT(F, x))
    else:
        gb = _mT(F, F.solve(a, _mT(F, g)))
        ga = -F.matmul(_mT(F, x), gb)
    if vector:
        gb = F.reshape(gb, tuple(gb.shape)[:-1])
    na, nb = F.needs(node)
    return (ga if na else None, gb if nb else None)


def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:
    """``linalg.solve``: X with ``A X = B`` (``X A = B`` if not ``left``); B may be a vector."""
    a, b = A._data, B._data
    if a.dtype.kind not in "fc":
        raise RuntimeError("linalg.solve: Expected a floating point or complex tensor as input. "
                           f"Got {sname(a)}")
    if a.dtype != b.dtype:
        raise RuntimeError("linalg.solve: Expected A and B to have the same dtype, but found A "
                           f"of type {sname(a)} and B of type {sname(b)} instead")
    check_matrix(A, "linalg.solve")
    vector = b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1])
    bm = b[..., None] if vector else b
    n = a.shape[-1]
    if bm.ndim < 2 or bm.shape[-2 if left else -1] != n:
        r, c = (bm.shape[-2], bm.shape[-1]) if bm.ndim >= 2 else (1, bm.shape[-1])
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({n}x{n} and {r}x{c})")
    batch = _broadcast_shape([bm.shape[:-2], a.shape[:-2]])
    try:
        if left:
            x = np.linalg.solve(a, bm)
        else:
            x = np.swapaxes(np.linalg.solve(np.swapaxes(a, -1, -2), np.swapaxes(bm, -1, -2)),
                            -1, -2)
    except np.linalg.LinAlgError:
        pre, _ = _failure(np.broadcast_to(a, batch + a.shape[-2:]), _lu_info)
        raise LinAlgError(f"torch.linalg.solve: {pre}The solver failed because the input "
                          "matrix is singular.") from None
    if vector:
        x = x[..., 0]
    ma = None if a.shape[:-2] == batch else (a.shape, A.dtype)
    mb = None if b.shape == x.shape else (b.shape, B.dtype)
    return record(LinalgSolveExBackward0, x, (A, B), saved=(A,), save_out=True,
                  args=(vector, left), meta=None if ma is None and mb is None else (ma, mb))


# ---------------------------------------------------------------------- solve_triangular
def _trsolve(a: np.ndarray, b: np.ndarray, upper: bool, left: bool, unit: bool) -> np.ndarray:
    """Substitution with the ``upper``/lower triangle of ``a`` (zero pivots give inf/nan)."""
    if not left:  # X A = B  <=>  A^T X^T = B^T
        return np.swapaxes(_trsolve(np.swapaxes(a, -1, -2), np.swapaxes(b, -1, -2), not upper,
                                    True, unit), -1, -2)
    n = a.shape[-1]
    dt = np.result_type(a, b)
    x = np.zeros(np.broadcast_shapes(a.shape[:-2], b.shape[:-2]) + b.shape[-2:], dt)
    with np.errstate(divide="ignore", invalid="ignore"):
        for i in (range(n - 1, -1, -1) if upper else range(n)):
            done = slice(i + 1, n) if upper else slice(0, i)
            r = b[..., i, :] - np.matmul(a[..., i:i + 1, done], x[..., done, :])[..., 0, :]
            x[..., i, :] = r if unit else r / a[..., i, i, None]
    return x


@derivative("linalg_solve_triangular")
def LinalgSolveTriangularBackward0(node, F, g):
    # X = A^{-1} B: gB = A^{-T} g, gA = -gB X^T on A's triangle (X = B A^{-1}: gB = g A^{-T},
    # gA = -X^T gB)
    upper, left, unit = node._args
    (a,) = F.saved(node)
    x = F.output(node)
    gb = F.solve_triangular(_mT(F, a), g, not upper, left, unit)
    ga = -F.matmul(gb, _mT(F, x)) if left else -F.matmul(_mT(F, x), gb)
    k = int(unit)
    return (F.triu(ga, k) if upper else F.tril(ga, -k), gb)


define_math("solve_triangular", _trsolve,
            lambda a, b, up, left, unit: solve_triangular(a, b, upper=up, left=left,
                                                          unitriangular=unit))


def solve_triangular(A: Tensor, B: Tensor, *, upper: bool | None = None, left: bool = True,
                     unitriangular: bool = False) -> Tensor:
    """``linalg.solve_triangular``: X with ``A X = B`` (``X A = B`` if not ``left``) reading
    only the ``upper`` or lower triangle of A (its diagonal taken as 1 if ``unitriangular``)."""
    if upper is None:
        raise TypeError('linalg_solve_triangular() missing 1 required positional arguments: '
                        '"upper"')
    a, b = A._data, B._data
    check_matrix(A, "linalg.solve_triangular", floating=False)
    if b.ndim < 2:
        raise RuntimeError("linalg.solve_triangular: The input tensor B must have at least 2 "
                           "dimensions.")
    n = a.shape[-1]
    if b.shape[-2 if left else -1] != n:
        raise RuntimeError(f"linalg.solve_triangular: Incompatible shapes of A and B for the "
                           f"equation {'AX = B' if left else 'XA = B'} ({n}x{n} and "
                           f"{b.shape[-2]}x{b.shape[-1]})")
    dt = _dtype.result_type(A, B)
    if not dt.is_floating_point:
        raise NotImplementedError(f"\"triangular_solve_cpu\" not implemented for "
                                  f"'{sname(np.empty(0, dt.np))}'")
    batch = _broadcast_shape([b.shape[:-2], a.shape[:-2]])
    x = _trsolve(a.astype(dt.np, copy=False), b.astype(dt.np, copy=False), upper, left,
                 unitriangular)
    ma = None if a.shape[:-2] == batch and a.dtype == x.dtype else (a.shape, A.dtype)
    mb = None if b.shape == x.shape and b.dtype == x.dtype else (b.shape, B.dtype)
    return record(LinalgSolveTriangularBackward0, x, (A, B), saved=(A,), save_out=True,
                  args=(bool(upper), bool(left), bool(unitriangular)),
                  meta=None if ma is None and mb is None else (ma, mb))


# ------------------------------------------------------------------------------ cholesky
@derivative("linalg_cholesky_ex")
def LinalgCholeskyExBackward0(node, F, g):
    # Murray (2016): gA = sym(L^{-T} Phi(L^T gL) L^{-1}), Phi the lower triangle with the
    # diagonal halved, sym(X) = (X + X^T) / 2
    low = F.output(node)
    if node._args:  # upper: the factor is L^T
        low, g = _mT(F, low), _mT(F, g)
    n = tuple(low.shape)[-1]
    phi = F.matmul(_mT(F, low), g) * F.const(np.tril(np.ones((n, n))) - 0.5 * np.eye(n), g)
    linv = F.inv(low)
    ga = F.matmul(F.matmul(_mT(F, linv), phi), linv)
    return ((ga + _mT(F, ga)) * 0.5,)


def cholesky(A: Tensor, *, upper: bool = False) -> Tensor:
    """``linalg.cholesky``: L with ``A = L L^T`` (``U^T U`` if ``upper``), reading the lower
    triangle; non-positive-definite input raises."""
    d = check_matrix(A, "linalg.cholesky")
    try:
        low = np.linalg.cholesky(d)
    except np.linalg.LinAlgError:
        pre, i = _failure(d, _potrf_info)
        raise LinAlgError(f"linalg.cholesky: {pre}The factorization could not be completed "
                          f"because the input is not positive-definite (the leading minor of "
                          f"order {i} is not positive-definite).") from None
    out = np.ascontiguousarray(np.swapaxes(low, -1, -2)) if upper else low
    return record(LinalgCholeskyExBackward0, out, (A,), save_out=True, args=bool(upper))


# ------------------------------------------------------------------------------------ qr
def _qr_backward(F, gq, gr, q, r):
    # m >= n: gA = (gQ + Q copyltu(M)) R^{-T}, M = R gR^T - gQ^T Q, copyltu(M) the symmetric
    # matrix with M's lower triangle
    m = F.matmul(r, _mT(F, gr)) - F.matmul(_mT(F, gq), q)
    sym = F.tril(m) + _mT(F, F.tril(m, -1))
    b = gq + F.matmul(q, sym)
    return _mT(F, F.solve(r, _mT(F, b)))


@derivative("linalg_qr", outputs=2)
def LinalgQrBackward0(node, F, grads):
    # A = QR; for m < n, A = [X | Y], R = [U | V]: gY = Q gV and X = QU gets the square rule
    # with gQ + Y gV^T
    mode = node._args
    if mode == "r":
        raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when "
                           "mode='r'. Please use linalg.qr(A, mode='reduced') if you are going "
                           "to differentiate through linalg.qr.")
    q, r = F.saved_outputs(node)
    m, n = tuple(q.shape)[-2], tuple(r.shape)[-1]
    if mode == "complete" and m > n:
        raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and "
                           "nrows > ncols.")
    gq = F.zeros_like(q) if grads[0] is None else grads[0]
    gr = F.zeros_like(r) if grads[1] is None else grads[1]
    if m >= n:
        return (_qr_backward(F, gq, gr, q, r),)
    left, right = (Ellipsis, slice(None), slice(0, m)), (Ellipsis, slice(None), slice(m, None))
    gv = F.getitem(gr, right)
    y = F.matmul(q, F.getitem(r, right))
    gx = _qr_backward(F, gq + F.matmul(y, _mT(F, gv)), F.getitem(gr, left), q,
                      F.getitem(r, left))
    return (F.cat([gx, F.matmul(q, gv)], -1),)


def qr(A: Tensor, mode: str = "reduced"):
    """``linalg.qr``: ``(Q, R)`` with orthonormal Q and upper-triangular R; ``mode`` 'reduced',
    'complete' or 'r' (Q empty)."""
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                           "'reduced' (default), 'r', or 'complete'")
    d = check_matrix(A, "linalg.qr", square=False)
    if mode == "r":
        outs = [np.zeros((0,), d.dtype), np.linalg.qr(d, mode="r")]
    else:
        outs = list(np.linalg.qr(d, mode=mode))
    return RETURN_TYPES["linalg_qr"](*_record_saving_outputs(LinalgQrBackward0, outs, (A,),
                                                             args=mode))


# ---------------------------------------------------------------------------------- eigh
@derivative("linalg_eigh", outputs=2)
def LinalgEighBackward0(node, F, grads):
    # gA = V (diag(gL) + skew(V^T gV) / (L_j - L_i)) V^T, skew(X) = (X - X^T) / 2
    gl, gv = grads
    lam, v = F.saved_outputs(node)
    if gv is None:
        inner = F.diag_embed(gl)
    else:
        vg = F.matmul(_mT(F, v), gv)
        e = _row(F, lam) - _col(F, lam) + _eye(F, tuple(lam.shape)[-1], lam)
        inner = (vg - _mT(F, vg)) * 0.5 / e
        if gl is not None:
            inner = inner + F.diag_embed(gl)
    return (F.matmul(F.matmul(v, inner), _mT(F, v)),)


def _eigh(A: Tensor, UPLO: str, fn: str) -> tuple:
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    d = A._data
    if d.dtype.kind not in "fc" and d.ndim >= 2:
        raise NotImplementedError(f"\"linalg_eigh_cpu\" not implemented for '{sname(d)}'")
    d = check_matrix(A, fn)
    lam, v = np.linalg.eigh(d, UPLO=UPLO)
    return _record_saving_outputs(LinalgEighBackward0, [lam, v], (A,))


def eigh(A: Tensor, UPLO: str = "L"):
    """``linalg.eigh``: ascending eigenvalues and orthonormal eigenvectors of symmetric
    matrices (reading the ``UPLO`` triangle)."""
    return RETURN_TYPES["linalg_eigh"](*_eigh(A, UPLO, "linalg.eigh"))


def eigvalsh(A: Tensor, UPLO: str = "L") -> Tensor:
    """``linalg.eigvalsh``: the ascending eigenvalues of symmetric matrices."""
    return _eigh(A, UPLO, "linalg.eigh")[0]


# ----------------------------------------------------------------------------------- svd
def _svd_backward(F, gu, gs, gvh, u, s, vh):
    # gA = U [(skew(U^T gU) S + S skew(V^T gV)) / (S_k^2 - S_j^2) + diag(gS)] V^T, plus the
    # components outside the spans of U (m > n) or V (m < n); skew(X) = X - X^T
    m, n = tuple(u.shape)[-2], tuple(vh.shape)[-1]
    if gu is None and gvh is None:
        return F.matmul(u * _row(F, gs), vh)
    s2 = s * s
    e = _row(F, s2) - _col(F, s2) + _eye(F, tuple(s.shape)[-1], s)
    inner = None
    if gu is not None:
        ug = F.matmul(_mT(F, u), gu)
        inner = (ug - _mT(F, ug)) * _row(F, s)
    if gvh is not None:
        vg = F.matmul(vh, _mT(F, gvh))
        term = _col(F, s) * (vg - _mT(F, vg))
        inner = term if inner is None else inner + term
    ga = inner / e
    if gs is not None:
        ga = ga + F.diag_embed(gs)
    if m > n and gu is not None:
        ga = F.matmul(u, ga)
        gus = gu / _row(F, s)
        ga = ga + gus - F.matmul(u, F.matmul(_mT(F, u), gus))
        return F.matmul(ga, vh)
    if m < n and gvh is not None:
        ga = F.matmul(ga, vh)
        sgv = gvh / _col(F, s)
        ga = ga + sgv - F.matmul(F.matmul(sgv, _mT(F, vh)), vh)
        return F.matmul(u, ga)
    return F.matmul(F.matmul(u, ga), vh)


@derivative("linalg_svd", outputs=3)
def LinalgSvdBackward0(node, F, grads):
    # the SVD derivative for distinct singular values (full matrices: their first k columns)
    gu, gs, gvh = grads
    u, s, vh = F.saved_outputs(node)
    if node._args:
        k = tuple(s.shape)[-1]
        cols, rows = (Ellipsis, slice(0, k)), (Ellipsis, slice(0, k), slice(None))
        u, vh = F.getitem(u, cols), F.getitem(vh, rows)
        gu = None if gu is None else F.getitem(gu, cols)
        gvh = None if gvh is None else F.getitem(gvh, rows)
    return (_svd_backward(F, gu, gs, gvh, u, s, vh),)


def _svd(A: Tensor, full_matrices: bool, fn: str, driver: str | None) -> tuple:
    if driver is not None:
        raise RuntimeError("torch.linalg.svd: keyword argument `driver=` is only supported on "
                           "CUDA inputs with cuSOLVER backend.")
    d = check_matrix(A, fn, square=False)
    outs = list(np.linalg.svd(d, full_matrices=full_matrices))
    return _record_saving_outputs(LinalgSvdBackward0, outs, (A,), args=bool(full_matrices))


def svd(A: Tensor, full_matrices: bool = True, *, driver: str | None = None):
    """``linalg.svd``: ``(U, S, Vh)`` with ``A = U diag(S) Vh``, S descending."""
    return RETURN_TYPES["linalg_svd"](*_svd(A, full_matrices, "linalg.svd", driver))


def svdvals(A: Tensor, *, driver: str | None = None) -> Tensor:
    """``linalg.svdvals``: the singular values, descending."""
    return _svd(A, False, "linalg.svd", driver)[1]
