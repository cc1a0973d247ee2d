"""Op-database entries for determinants, inverses, solves, decompositions and the
``chainrule.linalg`` functions built on them.

Symmetric (positive-definite) inputs are built inside ``call`` from a general matrix, so
that the numerical gradient perturbs a symmetric matrix symmetrically. Where a result is
only defined up to signs (Q of ``qr``, eigenvectors, singular vectors), the entries compare
sign-invariant functions of it (``Q @ R``, ``V * V``...), as PyTorch's own OpInfos do.
"""

import numpy as np

from . import OpInfo, arr, ints

INF = float("inf")


def _well(*shape):
    """A well-conditioned square matrix (or batch): random plus a multiple of the identity."""
    return arr(*shape) + 4 * np.eye(shape[-1])


def _spd(lib, a):
    return a @ a.mT + lib.eye(a.shape[-1], dtype=a.dtype) * a.shape[-1]


def _sym(a):
    return a + a.mT


_SINGULAR = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])
_RANK1 = np.outer([1.0, 2.0, -1.0], [0.5, 1.0, 2.0])

ENTRIES = [
    # ------------------------------------------------------------------- det / slogdet
    OpInfo("det", lambda lib, a: lib.det(a), [(arr(3, 3),), (arr(2, 4, 4),), (arr(1, 1),)]),
    OpInfo("det", lambda lib, a: a.det(), [(_SINGULAR,)], variant="singular"),
    OpInfo("det", lambda lib, a: a.det(), [(_RANK1,)], smooth=False, variant="rank1"),
    OpInfo("linalg.det", lambda lib, a: lib.linalg.det(a), [(arr(3, 3),), (arr(2, 2, 2),)]),
    OpInfo("slogdet", lambda lib, a: lib.slogdet(a), [(arr(3, 3),), (arr(2, 3, 3),)]),
    OpInfo("linalg.slogdet", lambda lib, a: tuple(lib.linalg.slogdet(a)),
           [(_well(3, 3),), (-_well(2, 2),)]),
    # ------------------------------------------------------------------------- inverses
    OpInfo("inverse", lambda lib, a: (lib.inverse(a), a.inverse()),
           [(_well(3, 3),), (_well(2, 3, 3),)]),
    OpInfo("linalg.inv", lambda lib, a: lib.linalg.inv(a), [(_well(4, 4),), (_well(2, 1, 2, 2),)]),
    OpInfo("linalg.solve", lambda lib, a, b: lib.linalg.solve(a, b),
           [(_well(3, 3), arr(3, 2)), (_well(3, 3), arr(3)), (_well(2, 3, 3), arr(2, 3)),
            (_well(2, 3, 3), arr(3, 4)), (_well(3, 3), arr(2, 3, 1))]),
    OpInfo("linalg.solve", lambda lib, a, b: lib.linalg.solve(a, b, left=False),
           [(_well(3, 3), arr(2, 3)), (_well(2, 3, 3), arr(3, 3))], variant="right"),
    OpInfo("linalg.solve_triangular", lambda lib, a, b: (
        lib.linalg.solve_triangular(a, b, upper=True),
        lib.linalg.solve_triangular(a, b, upper=False, unitriangular=True)),
        [(_well(3, 3), arr(3, 2)), (_well(2, 3, 3), arr(3, 4)), (_well(3, 3), arr(2, 3, 1))]),
    OpInfo("linalg.solve_triangular", lambda lib, a, b: (
        lib.linalg.solve_triangular(a, b, upper=False, left=False),
        lib.linalg.solve_triangular(a, b, upper=True, left=False, unitriangular=True)),
        [(_well(3, 3), arr(2, 3)), (_well(2, 3, 3), arr(1, 4, 3))], variant="right"),
    OpInfo("linalg.pinv", lambda lib, a: lib.linalg.pinv(a),
           [(arr(3, 4),), (arr(4, 3),), (_well(3, 3),), (arr(2, 2, 3),)]),
    OpInfo("linalg.pinv", lambda lib, a: lib.linalg.pinv(_sym(a), hermitian=True),
           [(_well(3, 3),)], variant="hermitian"),
    OpInfo("linalg.pinv", lambda lib, a: (lib.linalg.pinv(a, atol=0.5), lib.linalg.pinv(a, 0.3)),
           [(np.diag([3.0, 1.0, 0.1]) + 0.01 * arr(3, 3),)], numerical=False, smooth=False,
           variant="tol"),
    OpInfo("pinverse", lambda lib, a: (lib.pinverse(a), a.pinverse(1e-3)), [(arr(2, 3),)]),
    OpInfo("linalg.lstsq", lambda lib, a, b: lib.linalg.lstsq(a, b).solution,
           [(arr(5, 3), arr(5, 2)), (arr(5, 3), arr(5)), (arr(2, 4, 3), arr(2, 4, 2)),
            (arr(3, 5), arr(3, 2))]),
    OpInfo("linalg.lstsq", lambda lib, a, b: tuple(lib.linalg.lstsq(a, b, driver="gelsd")),
           [(arr(5, 3), arr(5, 2)), (arr(5, 3), arr(5))], variant="gelsd"),
    OpInfo("linalg.lstsq", lambda lib, a, b: tuple(lib.linalg.lstsq(a, b, driver=d)[1:]
                                                   for d in ("gels", "gelsy", "gelss")),
           [(arr(5, 3), arr(5, 2)), (arr(3, 5), arr(3, 2))], differentiable=False,
           variant="drivers"),
    # ------------------------------------------------------------------------ cholesky
    OpInfo("linalg.cholesky", lambda lib, a: lib.linalg.cholesky(_spd(lib, a)),
           [(arr(3, 3),), (arr(2, 4, 4),)]),
    OpInfo("linalg.cholesky", lambda lib, a: lib.linalg.cholesky(_spd(lib, a), upper=True),
           [(arr(3, 3),)], variant="upper"),
    # ------------------------------------------------------------------------------ qr
    OpInfo("linalg.qr", lambda lib, a: _qr_invariants(*lib.linalg.qr(a)),
           [(arr(3, 3),), (arr(4, 3),), (arr(3, 5),), (arr(2, 4, 2),)]),
    OpInfo("linalg.qr", lambda lib, a: _qr_invariants(*lib.linalg.qr(a, mode="complete")),
           [(arr(3, 3),), (arr(2, 4),)], variant="complete"),
    OpInfo("linalg.qr", lambda lib, a: lib.linalg.qr(a, mode="r").R.abs(), [(arr(4, 3),)],
           differentiable=False, variant="r"),
    # ---------------------------------------------------------------------------- eigh
    OpInfo("linalg.eigh", lambda lib, a: _eigh_invariants(*lib.linalg.eigh(_sym(a))),
           [(arr(3, 3),), (arr(2, 4, 4),)]),
    OpInfo("linalg.eigh", lambda lib, a: _eigh_invariants(*lib.linalg.eigh(_sym(a), UPLO="U")),
           [(arr(3, 3),)], variant="upper"),
    OpInfo("linalg.eigh", lambda lib, a: lib.linalg.eigh(_sym(a)).eigenvalues, [(arr(4, 4),)],
           variant="values"),
    OpInfo("linalg.eigvalsh", lambda lib, a: lib.linalg.eigvalsh(_sym(a)),
           [(arr(3, 3),), (arr(2, 3, 3),)]),
    OpInfo("linalg.eigvalsh", lambda lib, a: lib.linalg.eigvalsh(_sym(a), "U"), [(arr(3, 3),)],
           variant="upper"),
    # ----------------------------------------------------------------------------- svd
    OpInfo("linalg.svd", lambda lib, a: _svd_invariants(*lib.linalg.svd(a, full_matrices=False)),
           [(arr(3, 3),), (arr(4, 2),), (arr(2, 5),), (arr(2, 3, 4),)]),
    OpInfo("linalg.svd", lambda lib, a: _svd_invariants(*lib.linalg.svd(a), full=True),
           [(arr(3, 3),), (arr(4, 2),), (arr(2, 5),)], variant="full"),
    OpInfo("linalg.svd", lambda lib, a: lib.linalg.svd(a).S, [(arr(3, 4),)], variant="values"),
    OpInfo("linalg.svdvals", lambda lib, a: lib.linalg.svdvals(a),
           [(arr(3, 4),), (arr(4, 3),), (arr(2, 3, 3),)]),
    # --------------------------------------------------------------------------- powers
    OpInfo("matrix_power", lambda lib, a: tuple(lib.matrix_power(a, n) for n in (2, 3, 5, 6)),
           [(arr(3, 3) * 0.5,), (arr(2, 2, 2) * 0.5,)]),
    OpInfo("matrix_power", lambda lib, a: (a.matrix_power(1), lib.matrix_power(a, 0)),
           [(arr(3, 3),)], smooth=False, check_grad_fn=False, variant="0-1"),
    OpInfo("matrix_power", lambda lib, a: a.matrix_power(1), [(arr(3, 3),)], smooth=False,
           variant="1"),
    OpInfo("linalg.matrix_power", lambda lib, a: tuple(lib.linalg.matrix_power(a, n)
                                                       for n in (-1, -2, -3, 4)),
           [(_well(3, 3) * 0.5,)]),
    OpInfo("linalg.matrix_power", lambda lib, a: lib.linalg.matrix_power(a, 3),
           [(ints(3, 3),)], differentiable=False, variant="int"),
    OpInfo("linalg.matrix_rank", lambda lib, a: (lib.linalg.matrix_rank(a),
                                                 lib.linalg.matrix_rank(a, atol=1.0, rtol=0.1),
                                                 lib.linalg.matrix_rank(a, 0.5)),
           [(arr(3, 3),), (_RANK1,), (_SINGULAR,), (arr(2, 3, 4),)], differentiable=False),
    OpInfo("linalg.matrix_rank", lambda lib, a: (lib.linalg.matrix_rank(_sym(a), hermitian=True),
                                                 lib.linalg.matrix_rank(a @ a.mT, hermitian=True,
                                                                        rtol=0.2)),
           [(arr(3, 3),), (_RANK1,), (arr(2, 3, 3),)], differentiable=False,
           variant="hermitian"),
    # --------------------------------------------------------------------------- norms
    OpInfo("linalg.vector_norm", lambda lib, x: (lib.linalg.vector_norm(x),
                                                 lib.linalg.vector_norm(x, 1, -1),
                                                 lib.linalg.vector_norm(x, 3, (0, 2), True)),
           [(arr(2, 3, 4),)]),
    OpInfo("linalg.vector_norm", lambda lib, x: lib.linalg.vector_norm(x, INF, 1),
           [(arr(2, 3),)], smooth=False, variant="inf"),
    OpInfo("linalg.matrix_norm", lambda lib, a: tuple(lib.linalg.matrix_norm(a, o)
                                                      for o in ("fro", "nuc", 2, -2)),
           [(arr(3, 4),), (arr(2, 3, 3),)]),
    OpInfo("linalg.matrix_norm", lambda lib, a: tuple(lib.linalg.matrix_norm(a, o)
                                                      for o in (1, -1, INF, -INF)),
           [(arr(3, 4),), (arr(2, 3, 3),)], smooth=False, variant="abs"),
    OpInfo("linalg.matrix_norm", lambda lib, a: tuple(
        lib.linalg.matrix_norm(a, o, dim=(2, 0), keepdim=k) for o in ("fro", "nuc", 2, 1, INF)
        for k in (False, True)), [(arr(3, 2, 4),)], smooth=False, variant="dims"),
    OpInfo("linalg.norm", lambda lib, x: (lib.linalg.norm(x), lib.linalg.norm(x, dim=1),
                                          lib.linalg.norm(x, 3, (0,), True),
                                          lib.linalg.norm(x, dim=(0, 1))),
           [(arr(3, 4),), (arr(2, 3, 4),)]),
    OpInfo("linalg.norm", lambda lib, x: tuple(lib.linalg.norm(x, o) for o in (2, "nuc", -2)),
           [(arr(3, 4),)], variant="matrix"),
    OpInfo("linalg.norm", lambda lib, x: tuple(lib.linalg.norm(x, o, keepdim=True)
                                               for o in (1, INF, "fro")),
           [(arr(3, 4),)], smooth=False, variant="matrix-abs"),
    OpInfo("linalg.norm", lambda lib, x: (lib.linalg.norm(x, 3), lib.linalg.norm(x, 1)),
           [(arr(5),)], smooth=False, variant="vector"),
    OpInfo("linalg.cond", lambda lib, a: (lib.linalg.cond(a), lib.linalg.cond(a, -2)),
           [(arr(3, 3),), (arr(3, 4),), (arr(2, 3, 3),)]),
    OpInfo("linalg.cond", lambda lib, a: tuple(lib.linalg.cond(a, p)
                                               for p in (1, -1, INF, "fro", "nuc")),
           [(_well(3, 3),)], differentiable=False, variant="p"),  # PyTorch's backward fails
    # --------------------------------------------------------------------------- products
    OpInfo("linalg.multi_dot", lambda lib, *ts: lib.linalg.multi_dot(ts),
           [(arr(2, 3), arr(3, 4)), (arr(3), arr(3, 4), arr(4)), (arr(4, 2), arr(2, 5), arr(5, 1)),
            (arr(2), arr(2, 3), arr(3, 1), arr(1, 4)), (arr(2, 3), arr(3, 1), arr(1, 4), arr(4, 2),
                                                        arr(2, 5))]),
    OpInfo("linalg.matmul", lambda lib, x, y: lib.linalg.matmul(x, y),
           [(arr(2, 3), arr(3, 4)), (arr(2, 2, 3), arr(3))]),
    OpInfo("linalg.vecdot", lambda lib, x, y: (lib.linalg.vecdot(x, y),
                                               lib.linalg.vecdot(x, y, dim=0)),
           [(arr(3, 4), arr(4)), (arr(3, 1), arr(3, 2))]),
    OpInfo("linalg.diagonal", lambda lib, a: (lib.linalg.diagonal(a),
                                              lib.linalg.diagonal(a, offset=1, dim1=0, dim2=2)),
           [(arr(3, 4, 5),)], smooth=False),
]


def _qr_invariants(q, r):
    """Functions of (Q, R) that do not depend on the signs LAPACK chose."""
    return q @ r, q * q, r * r


def _eigh_invariants(lam, v):
    return lam, v * v, (v * lam.unsqueeze(-2)) @ v.mT


def _svd_invariants(u, s, vh, full=False):
    k = s.shape[-1]
    if full:
        u, vh = u[..., :k], vh[..., :k, :]
    return s, u * u, vh * vh, (u * s.unsqueeze(-2)) @ vh
