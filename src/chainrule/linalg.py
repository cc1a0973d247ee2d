"""``chainrule.linalg``: PyTorch's ``torch.linalg`` namespace.

The decompositions live in :mod:`chainrule.ops.decompositions` and the structural ops in
:mod:`chainrule.ops.matrix`; this module publishes them under their ``linalg`` names and
defines what is built on them: norms, ``pinv``, ``lstsq``, ``matrix_power``, ``matrix_rank``,
``multi_dot``, ``vecdot``, ``cond`` and ``cross``, and the top-level ``cov``/``corrcoef``
(composed from products, as in PyTorch). Every ``linalg`` function is registered in
``chainrule.ops.OPS`` as ``"linalg.<name>"`` (the op database covers each).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from . import _dtype
from .autograd.graph import derivative
from .ops import OPS
from .ops._core import Tensor, binary_meta, make, record, register, wrap_dim
from .ops._graphmath import define_math
from .ops.decompositions import (
    RETURN_TYPES,
    LinAlgError,
    check_matrix,
    cholesky,
    det,
    eigh,
    eigvalsh,
    inv,
    linalg_slogdet,
    qr,
    record_outputs,
    solve,
    solve_triangular,
    svd,
    svdvals,
)
from .ops.linalg import _cname, matmul, sname
from .ops.matrix import _broadcast_shape
from .ops.matrix import diagonal as _diagonal
from .ops.reduction import vector_norm

__all__ = ["LinAlgError", "det", "slogdet", "inv", "solve", "cholesky", "qr", "eigh",
           "eigvalsh", "svd", "svdvals", "pinv", "matrix_power", "norm", "vector_norm",
           "matrix_norm", "matrix_rank", "lstsq", "cross", "multi_dot", "vecdot", "diagonal",
           "cond", "matmul", "solve_triangular"]

slogdet = linalg_slogdet


def diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """The ``offset`` diagonal of the matrices in dims ``dim1``, ``dim2`` (a view)."""
    return _diagonal(A, offset, dim1, dim2)


# ---------------------------------------------------------------------- pinv and lstsq
def _pinv_backward(F, g, p, a):
    # d pinv(A) for A of constant rank (Golub & Pereyra), PyTorch's arrangement
    m, n = tuple(a.shape)[-2:]
    ph, gh = F.swapaxes(p, -1, -2), F.swapaxes(g, -1, -2)
    mm = F.matmul
    if m <= n:
        k = mm(gh, p)
        kph = mm(k, ph)
        return (-F.swapaxes(mm(p, k), -1, -2) + kph - mm(mm(a, p), kph)
                + mm(mm(ph, p), gh - mm(k, a)))
    k = mm(p, gh)
    phk = mm(ph, k)
    return (-F.swapaxes(mm(k, p), -1, -2) + mm(mm(gh - mm(a, k), p), ph) + phk
            - mm(mm(phk, p), a))


@derivative("linalg_pinv")
def LinalgPinvBackward0(node, F, g):
    # the derivative of the pseudo-inverse at constant rank
    (a,) = F.saved(node)
    return (_pinv_backward(F, g, F.output(node), a),)


def _tolerances(d: np.ndarray, atol, rtol):
    """PyTorch's (atol, rtol): rtol defaults to eps * max(m, n) unless a positive atol is given."""
    a = 0.0 if atol is None else atol
    a = a._data if isinstance(a, Tensor) else np.asarray(a)
    if rtol is not None:
        r = rtol._data if isinstance(rtol, Tensor) else np.asarray(rtol)
    elif atol is not None and np.all(a > 0):
        r = np.asarray(0.0)
    else:
        r = np.asarray(np.finfo(d.dtype).eps * max(d.shape[-2:]))
    return a, r


def _pinv_array(d: np.ndarray, atol, rtol, hermitian: bool) -> np.ndarray:
    a, r = _tolerances(d, atol, rtol)
    if hermitian:
        s, u = np.linalg.eigh(d)
        top = np.abs(s).max(-1, keepdims=True) if s.shape[-1] else np.zeros(s.shape[:-1] + (1,))
        tol = np.maximum(np.asarray(a)[..., None], np.asarray(r)[..., None] * top)
        with np.errstate(divide="ignore"):
            sp = np.where(np.abs(s) > tol, 1 / s, 0).astype(d.dtype)
        return np.matmul(u * sp[..., None, :], np.swapaxes(u, -1, -2))
    u, s, vh = np.linalg.svd(d, full_matrices=False)
    top = s[..., :1]
    tol = np.maximum(np.asarray(a)[..., None], np.asarray(r)[..., None] * top)
    with np.errstate(divide="ignore"):
        sp = np.where(s > tol, 1 / s, 0).astype(d.dtype)
    return np.matmul(np.swapaxes(vh, -1, -2) * sp[..., None, :], np.swapaxes(u, -1, -2))


def pinv(A: Tensor, rcond: float | None = None, hermitian: bool = False, *, atol=None,
         rtol=None) -> Tensor:
    """The Moore-Penrose pseudo-inverse (singular values at most ``max(atol, rtol * s_max)``
    count as zero; ``rcond`` is the older name of ``rtol``)."""
    d = A._data
    if d.ndim < 2 or d.dtype.kind not in "fc":
        raise RuntimeError(f"linalg.pinv({sname(d)}{{{list(d.shape)}}}): expected a tensor with "
                           "2 or more dimensions of float, double, cfloat or cdouble types")
    if rcond is not None:
        rtol, atol = rcond, 0.0 if atol is None else atol
    out = _pinv_array(d, atol, rtol, hermitian)
    return record(LinalgPinvBackward0, out, (A,), saved=(A,), save_out=True)


define_math("pinv", lambda a: _pinv_array(a, None, None, False), lambda a: pinv(a))


@register("pinverse")
def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:
    """``linalg.pinv(input, rtol=rcond)``."""
    return pinv(input, rcond)


@derivative("linalg_lstsq", outputs=2)
def LinalgLstsqBackward0(node, F, grads):
    # X = pinv(A) B: gB = pinv(A)^T gX, gA = pinv'(A)[gX B^T]; residuals |AX - B|^2 add
    # 2 (AX - B) diag(g) X^T to gA and -2 (AX - B) diag(g) to gB
    gx, gres = grads
    a, b = F.saved(node)
    vector, has_res = node._args
    if vector:
        b = F.reshape(b, tuple(b.shape) + (1,))
        gx = None if gx is None else F.reshape(gx, tuple(gx.shape) + (1,))
    p = F.pinv(a)
    ga = gb = None
    if gx is not None:
        gb = F.matmul(F.swapaxes(p, -1, -2), gx)
        ga = _pinv_backward(F, F.matmul(gx, F.swapaxes(b, -1, -2)), p, a)
    if has_res and gres is not None:
        x = F.matmul(p, b)
        rg = (F.matmul(a, x) - b) * F.reshape(gres, tuple(gres.shape)[:-1] + (1,) +
                                               tuple(gres.shape)[-1:]) * 2.0
        ta = F.matmul(rg, F.swapaxes(x, -1, -2))
        ga = ta if ga is None else ga + ta
        gb = -rg if gb is None else gb - rg
    if vector and gb is not None:
        gb = F.reshape(gb, tuple(gb.shape)[:-1])
    na, nb = F.needs(node)
    return (ga if na else None, gb if nb else None)


_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def lstsq(A: Tensor, B: Tensor, rcond: float | None = None, *, driver: str | None = None):
    """Least-squares solutions of ``A X = B``: ``(solution, residuals, rank,
    singular_values)``, the last three as PyTorch computes them for the ``driver``."""
    a, b = A._data, B._data
    if a.dtype.kind != "f" or b.dtype.kind != "f":
        raise RuntimeError("This function doesn't handle types other than float and double")
    if a.ndim < 2:
        raise RuntimeError("torch.linalg.lstsq: input must have at least 2 dimensions.")
    if a.dtype != b.dtype:
        raise RuntimeError("torch.linalg.lstsq: Expected input and other to have the same dtype, "
                           f"but got input's dtype {sname(a)} and other's dtype {sname(b)}")
    driver = "gelsy" if driver is None else driver
    if driver not in _DRIVERS:
        raise RuntimeError("torch.linalg.lstsq: parameter `driver` should be one of (gels, "
                           "gelsy, gelsd, gelss)")
    vector = b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1])
    bm = b[..., None] if vector else b
    m, n = a.shape[-2:]
    if bm.shape[-2] != m:
        raise RuntimeError(f"torch.linalg.lstsq: input.size(-2) should match "
                           f"other.size({-1 if vector else -2})")
    batch = _broadcast_shape([a.shape[:-2], bm.shape[:-2]])
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    tol = (np.finfo(a.dtype).eps * max(m, n) if rcond is None or rcond < 0 else rcond)
    tol = tol * s[..., :1]
    with np.errstate(divide="ignore"):
        sp = np.where(s > tol, 1 / s, 0).astype(a.dtype)
    p = np.matmul(np.swapaxes(vh, -1, -2) * sp[..., None, :], np.swapaxes(u, -1, -2))
    x = np.matmul(p, bm)
    rank = (s > tol).sum(-1).astype(np.int64)
    has_res = driver != "gelsy" and m > n and (driver == "gels" or bool(np.all(rank == n)))
    res = (((np.matmul(a, x) - bm) ** 2).sum(-2) if has_res else np.zeros((0,), a.dtype))
    if vector:
        x = x[..., 0]
    meta = (None if a.shape[:-2] == batch else (a.shape, A.dtype),
            None if b.shape[:-1 if vector else -2] == batch else (b.shape, B.dtype))
    sol, resid = record_outputs(LinalgLstsqBackward0, [x, np.asarray(res, a.dtype)], (A, B),
                                saved=(A, B), args=(vector, has_res),
                                meta=None if meta == (None, None) else meta)
    rank_t = make(rank if driver != "gels" else np.zeros((0,), np.int64))
    sv = make(s if driver in ("gelsd", "gelss") else np.zeros((0,), a.dtype))
    return RETURN_TYPES["linalg_lstsq"](sol, resid, rank_t, sv)


# ------------------------------------------------------------------ powers, rank, products
@register("matrix_power")
def matrix_power(A: Tensor, n: int) -> Tensor:
    """``A`` to the integer power ``n`` (by repeated squaring; negative powers invert)."""
    check_matrix(A, "linalg.matrix_power", floating=False)
    n = int(n)
    if n == 0:
        eye = np.broadcast_to(np.eye(A.shape[-1], dtype=A._data.dtype), A._data.shape)
        return A.clone().copy_(make(eye))
    if n == 1:
        return A.clone()
    if n < 0:
        A = inv(A)
        n = -n
        if n == 1:
            return A
    if n == 2:
        return matmul(A, A)
    if n == 3:
        return matmul(matmul(A, A), A)
    z = result = None
    while n > 0:
        bit, n = n % 2, n // 2
        z = A if z is None else matmul(z, z)
        if bit:
            result = z if result is None else matmul(result, z)
    return result


def matrix_rank(A: Tensor, tol: float | None = None, hermitian: bool = False, *, atol=None,
                rtol=None) -> Tensor:
    """The number of singular values above ``max(atol, rtol * s_max)`` (int64, per matrix)."""
    d = check_matrix(A, "torch.linalg.matrix_rank", square=False, floating=False, name="input")
    if d.dtype.kind != "f":
        raise RuntimeError("This function doesn't handle types other than float and double")
    if tol is not None:
        atol, rtol = tol, 0.0
    a, r = _tolerances(d, atol, rtol)
    s = np.abs(np.linalg.eigvalsh(d)) if hermitian else np.linalg.svd(d, compute_uv=False)
    top = s.max(-1, keepdims=True) if s.shape[-1] else np.zeros(s.shape[:-1] + (1,), s.dtype)
    tol = np.maximum(np.asarray(a)[..., None], np.asarray(r)[..., None] * top)
    return make(np.asarray((s > tol).sum(-1), np.int64))


def multi_dot(tensors) -> Tensor:
    """The product of a chain of matrices (first/last may be vectors), in the cheapest order."""
    ts = list(tensors)
    k = len(ts)
    if k < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {k}")
    for i, t in enumerate(ts):
        where = "the first tensor" if i == 0 else "the last tensor" if i == k - 1 else None
        if where and t.ndim not in (1, 2):
            raise RuntimeError(f"multi_dot(): {where} must be 1D or 2D but got {t.ndim}D")
        if where is None and t.ndim != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t.ndim}D")
        if t.dtype is not ts[0].dtype:
            raise RuntimeError(f"multi_dot(): all tensors must have be the same dtype but tensor "
                               f"0 is {_cname(ts[0]._data)} and tensor {i} {_cname(t._data)}")
    out_shape = []
    if ts[0].ndim == 1:
        ts[0] = ts[0].unsqueeze(0)
    else:
        out_shape.append(ts[0].shape[0])
    if ts[-1].ndim == 1:
        ts[-1] = ts[-1].unsqueeze(-1)
    else:
        out_shape.append(ts[-1].shape[1])
    for i in range(k - 1):
        if ts[i].shape[1] != ts[i + 1].shape[0]:
            raise RuntimeError(f"multi_dot(): tensors {i} and {i + 1} with shapes "
                               f"{list(tensors[i].shape)} and {list(tensors[i + 1].shape)} "
                               "cannot be multiplied")
    mm = OPS["mm"]
    if k == 2:
        res = mm(ts[0], ts[1])
    elif k == 3:
        a, b, c, d = ts[0].shape[0], ts[1].shape[0], ts[2].shape[0], ts[2].shape[1]
        if a * b * c + a * c * d > b * c * d + a * b * d:
            res = mm(ts[0], mm(ts[1], ts[2]))
        else:
            res = mm(mm(ts[0], ts[1]), ts[2])
    else:
        res = _chain(ts, _chain_order(ts), 0, k - 1, mm)
    return res.view(tuple(out_shape))


def _chain_order(ts: list) -> list:
    """The classic matrix-chain dynamic programme: split points of the cheapest order."""
    p = [t.shape[0] for t in ts] + [ts[-1].shape[1]]
    k = len(ts)
    cost = [[0] * k for _ in range(k)]
    split = [[0] * k for _ in range(k)]
    for length in range(1, k):
        for i in range(k - length):
            j = i + length
            cost[i][j] = math.inf
            for s in range(i, j):
                c = cost[i][s] + cost[s + 1][j] + p[i] * p[s + 1] * p[j + 1]
                if c < cost[i][j]:
                    cost[i][j], split[i][j] = c, s
    return split


def _chain(ts, split, i, j, mm):
    if i == j:
        return ts[i]
    return mm(_chain(ts, split, i, split[i][j], mm), _chain(ts, split, split[i][j] + 1, j, mm))


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1) -> Tensor:
    """The dot product of ``x`` and ``y`` along ``dim`` (broadcasting)."""
    for t in (x, y):
        if t._data.dtype.kind not in "fc":
            raise RuntimeError("linalg.vecdot: Expected a floating point or complex tensor as "
                               f"input. Got {sname(t._data)}")
    if x.dtype is not y.dtype:
        raise RuntimeError("linalg.vecdot: Expected x and y to have the same dtype, but found x "
                           f"of type {sname(x._data)} and y of type {sname(y._data)} instead")
    return (x * y).sum(dim)


# ----------------------------------------------------------------------------------- norms
def matrix_norm(A: Tensor, ord="fro", dim=(-2, -1), keepdim: bool = False, *,
                dtype=None) -> Tensor:
    """Matrix norms over the two ``dim``: 'fro', 'nuc', 2/-2 (extreme singular values),
    1/-1 (column sums), inf/-inf (row sums)."""
    if A.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 "
                           "dimensions.")
    dim = tuple(dim)
    if len(dim) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got "
                           f"{' '.join(str(x) for x in dim)}")
    d0, d1 = wrap_dim(dim[0], A.ndim), wrap_dim(dim[1], A.ndim)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, "
                           f"{dim[1]})")
    if A._data.dtype.kind not in "fc":
        raise RuntimeError("linalg.matrix_norm: Expected a floating point or complex tensor as "
                           f"input. Got {sname(A._data)}")
    if dtype is not None:
        A = A.to(dtype)
    if isinstance(ord, str):
        if ord == "fro":
            return vector_norm(A, 2, (d0, d1), keepdim)
        if ord != "nuc":
            raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    elif ord not in (1, -1, 2, -2, math.inf, -math.inf):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    if ord == "nuc" or abs(ord) == 2:
        perm = [i for i in range(A.ndim) if i not in (d0, d1)] + [d0, d1]
        s = svdvals(A.permute(*perm))
        if ord == "nuc":
            res = s.sum(-1, keepdim=keepdim)
        else:
            res = OPS["amax" if ord > 0 else "amin"](s, -1, keepdim)
        if keepdim:
            res = res.unsqueeze(-1).permute(*np.argsort(perm).tolist())
        return res
    if math.isinf(ord):
        d0, d1 = d1, d0
    if not keepdim and d0 < d1:
        d1 -= 1
    return OPS["amax" if ord > 0 else "amin"](vector_norm(A, 1, d0, keepdim), d1, keepdim)


def norm(A: Tensor, ord=None, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """A vector norm (1 dim, or all elements when neither ``ord`` nor ``dim`` is given) or a
    matrix norm (2 dims, or a 2-D input with ``ord``)."""
    if dim is not None:
        dim = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
        if len(dim) == 1:
            return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)
        if len(dim) == 2:
            return matrix_norm(A, "fro" if ord is None else ord, dim, keepdim, dtype=dtype)
        raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got "
                           f"{list(dim)}")
    if ord is not None:
        if isinstance(ord, str) or A.ndim == 2:
            return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
        if A.ndim == 1:
            return vector_norm(A, ord, None, keepdim, dtype=dtype)
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be "
                           f"1D or 2D. Got {A.ndim}D.")
    return vector_norm(A, 2, None, keepdim, dtype=dtype)


@derivative("nan_to_num")
def _NanToNumBackward0(node, F, g):
    # finite inputs pass through; nan/inf were replaced by constants
    return (g * F.const(node._args, g),)


def cond(A: Tensor, p=None) -> Tensor:
    """The condition number ``||A||_p ||A^{-1}||_p`` (by singular values for p None/2/-2)."""
    if A.ndim < 2:
        raise RuntimeError("linalg.cond: The input tensor must have at least 2 dimensions.")
    if p is None or (not isinstance(p, str) and abs(p) == 2):
        s = svdvals(A)
        hi, lo = s.narrow(-1, 0, 1), s.narrow(-1, s.shape[-1] - 1, 1)
        return (lo / hi if p == -2 else hi / lo).squeeze(-1)
    check_matrix(A, f"linalg.cond(ord={p})")
    try:
        ai = inv(A)
    except LinAlgError:
        ai = make(_inv_or_inf(A._data))
    res = matrix_norm(A, p) * matrix_norm(ai, p)
    if p == "nuc":
        return res
    out = np.nan_to_num(res._data, nan=np.inf)
    return record(_NanToNumBackward0, out, (res,), args=np.isfinite(res._data))


def _inv_or_inf(d: np.ndarray) -> np.ndarray:
    flat = d.reshape((-1,) + d.shape[-2:])
    out = np.empty_like(flat)
    for k, m in enumerate(flat):
        try:
            out[k] = np.linalg.inv(m)
        except np.linalg.LinAlgError:
            out[k] = np.inf
    return out.reshape(d.shape)


# ----------------------------------------------------------------------------------- cross
define_math("cross", lambda a, b, dim: np.cross(a, b, axis=dim),
            lambda a, b, dim: linalg_cross(a, b, dim=dim))


@derivative("linalg_cross")
def LinalgCrossBackward0(node, F, g):
    # d(x × y) = dx × y + x × dy: gx = y × g, gy = g × x
    x, y = F.saved(node)
    nx, ny = F.needs(node)
    dim = node._args
    return (F.cross(y, g, dim) if nx else None, F.cross(g, x, dim) if ny else None)


def _cross(input: Tensor, other: Tensor, dim: int) -> Tensor:
    a, b = input._data, other._data
    if a.ndim != b.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected scalar type {sname(a)} but found {sname(b)}")
    d = wrap_dim(dim, a.ndim)
    if a.shape[d] != 3 or b.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{a.shape[d]} and {b.shape[d]}")
    _broadcast_shape([a.shape, b.shape])
    out = np.cross(a, b, axis=d)
    saved = (input if other._rg else None, other if input._rg else None)
    return record(LinalgCrossBackward0, out, (input, other), saved=saved, args=d - a.ndim,
                  meta=binary_meta(input, other, out))


def linalg_cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:
    """``linalg.cross``: the 3-vector cross product along ``dim`` (broadcasting)."""
    return _cross(input, other, dim)


@register("cross")
def top_cross(input: Tensor, other: Tensor, dim: int | None = None) -> Tensor:
    """The cross product along ``dim`` (by default, deprecated: the first dim of size 3)."""
    if dim is None:
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease "
                      "either pass the dim explicitly or simply use torch.linalg.cross.\nThe "
                      "default value of dim will change to agree with that of linalg.cross in a "
                      "future release.", UserWarning, stacklevel=2)
        dim = next((i for i, s in enumerate(input.shape) if s == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    return _cross(input, other, dim)


top_cross.__name__ = top_cross.__qualname__ = "cross"
cross = linalg_cross  # linalg.cross; chainrule.cross is top_cross


# ------------------------------------------------------------------------------ statistics
def _weights_check(w: Tensor, name: str, nobs: int, kind: str) -> None:
    if w.ndim > 1:
        raise RuntimeError(f"cov(): expected {name} to have one or fewer dimensions but got "
                           f"{name} with {w.ndim} dimensions")
    ok = w.dtype.is_floating_point if kind == "floating point" else (
        not w.dtype.is_floating_point and not w.dtype.is_complex and w.dtype is not _dtype.bool)
    if not ok:
        raise RuntimeError(f"cov(): expected {name} to have {kind} dtype but got {name} with "
                           f"{sname(w._data)} dtype")
    if w.numel() != nobs:
        raise RuntimeError(f"cov(): expected {name} to have the same numel as there are "
                           f"observations in the input but got {w.numel()} != {nobs}")
    if nobs and (w._data < 0).any():
        raise RuntimeError(f"cov(): {name} cannot be negative")


@register("cov")
def cov(input: Tensor, *, correction: int = 1, fweights: Tensor | None = None,
        aweights: Tensor | None = None) -> Tensor:
    """The covariance matrix of the variables in the rows of ``input`` (observations in
    columns), optionally weighted."""
    if input.ndim > 2:
        raise RuntimeError("cov(): expected input to have two or fewer dimensions but got an "
                           f"input with {input.ndim} dimensions")
    if input.dtype is _dtype.bool:
        raise RuntimeError("cov(): bool dtype is not supported for input")
    x = input.view(1, -1) if input.ndim < 2 else input
    nobs = x.shape[1]
    # integer weights and counts in the input's float dtype: the same values, and gradients
    # keep that dtype
    fdt = x.dtype if x.dtype.is_floating_point else _dtype.get_default_dtype()
    w = None
    if fweights is not None:
        _weights_check(fweights, "fweights", nobs, "integral")
        w = fweights.to(fdt)
    if aweights is not None:
        _weights_check(aweights, "aweights", nobs, "floating point")
        w = aweights if w is None else w * aweights
    w_sum = w.sum() if w is not None else make(np.asarray(nobs, fdt.np))
    if w is not None and not (w_sum._data != 0):
        raise RuntimeError("cov(): weights sum to zero, can't be normalized")
    avg = (x * w if w is not None else x).sum(1) / w_sum
    if w is not None and aweights is not None and correction != 0:
        norm_factor = w_sum - correction * (w * aweights).sum() / w_sum
    else:
        norm_factor = w_sum - correction
    if norm_factor._data <= 0:
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less "
                      "than the number of observations.", UserWarning, stacklevel=2)
        norm_factor = norm_factor * 0
    x = x - avg.unsqueeze(1)
    c = OPS["mm"](x, (x * w if w is not None else x).t())
    return (c / norm_factor).squeeze()


@register("corrcoef")
def corrcoef(input: Tensor) -> Tensor:
    """Pearson correlation coefficients of the variables in the rows of ``input``."""
    if input.ndim > 2:
        raise RuntimeError("corrcoef(): expected input to have two or fewer dimensions but got "
                           f"an input with {input.ndim} dimensions")
    c = cov(input)
    if c.ndim == 0:
        return c / c
    std = c.diagonal().sqrt()
    c = c / std.view(-1, 1)
    c = c / std.view(1, -1)
    return c.clip(-1, 1)


# ---------------------------------------------------------------------------- registration
for _name, _fn in {"det": det, "slogdet": slogdet, "inv": inv, "solve": solve,
                   "cholesky": cholesky, "qr": qr, "eigh": eigh, "eigvalsh": eigvalsh,
                   "svd": svd, "svdvals": svdvals, "pinv": pinv, "matrix_power": matrix_power,
                   "norm": norm, "vector_norm": vector_norm, "matrix_norm": matrix_norm,
                   "matrix_rank": matrix_rank, "lstsq": lstsq, "cross": cross,
                   "multi_dot": multi_dot, "vecdot": vecdot, "diagonal": diagonal,
                   "cond": cond, "solve_triangular": solve_triangular,
                   "matmul": matmul}.items():
    register(f"linalg.{_name}", method=False)(_fn)
del _name, _fn
