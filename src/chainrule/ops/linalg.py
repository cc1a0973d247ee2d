"""Matrix products: ``matmul``/``@``, ``mm``, ``bmm``, ``mv``, ``dot``, ``outer``, ``addmm``,
``baddbmm`` and ``linear``.

Each product is one NumPy ``matmul`` forward and a rule that does only the products whose
gradients are needed (``F.needs``), with transposes as views. Node names follow PyTorch:
``mm`` is ``MmBackward0``, ``linear`` on a matrix with a bias ``AddmmBackward0``... Where
PyTorch records a small chain of view nodes around the product (a 1-D operand, batched
``matmul``), one fused node does the whole derivative and carries the name PyTorch shows on
the result (``SqueezeBackward4``, ``UnsafeViewBackward0``, ``CloneBackward0``,
``ViewBackward0``). ``einsum``, ``tensordot`` and ``kron`` live in :mod:`.contraction`.
"""

from __future__ import annotations

import numpy as np

from ..autograd.graph import derivative
from ._core import Tensor, broadcast_error, cj, make, record, register

# PyTorch's names for dtypes in error messages: ScalarType names and C type names.
SCALAR_NAMES = {"bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short",
                "int32": "Int", "int64": "Long", "float16": "Half", "float32": "Float",
                "float64": "Double", "complex64": "ComplexFloat",
                "complex128": "ComplexDouble"}
_C_NAMES = {"bool": "bool", "uint8": "unsigned char", "int8": "signed char",
            "int16": "short int", "int32": "int", "int64": "long int", "float16": "c10::Half",
            "float32": "float", "float64": "double", "complex64": "c10::complex<float>",
            "complex128": "c10::complex<double>"}


def sname(a: np.ndarray) -> str:
    """PyTorch's ScalarType name of an array's dtype (``Float``, ``Double``...)."""
    return SCALAR_NAMES[a.dtype.name]


def _cname(a: np.ndarray) -> str:
    return _C_NAMES[a.dtype.name]


def need_tensor(x, fn: str, arg: str, pos: int) -> Tensor:
    """``x`` itself if a Tensor, else PyTorch's TypeError for a non-Tensor argument."""
    if isinstance(x, Tensor):
        return x
    raise TypeError(f"{fn}(): argument '{arg}' (position {pos}) must be Tensor, not "
                    f"{type(x).__name__}")


def _no_bool(a: np.ndarray, kernel: str) -> None:
    if a.dtype.kind == "b":
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")


def _pair(a: Tensor, b: Tensor) -> tuple:
    # Each operand is needed only for the other's gradient (as PyTorch saves them).
    return (a if b._rg else None), (b if a._rg else None)


def _prod(shape) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


def _t(x):
    """Swap the last two axes (a view, for arrays and tensors)."""
    return x.swapaxes(-1, -2) if isinstance(x, np.ndarray) else x.transpose(-1, -2)


# ------------------------------------------------------------------------- shape checks
def _mm_check(ashape, bshape, a: np.ndarray, b: np.ndarray) -> None:
    if ashape[1] != bshape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({ashape[0]}x{ashape[1]} "
                           f"and {bshape[0]}x{bshape[1]})")
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {_cname(a)} != "
                           f"{_cname(b)}")
    _no_bool(a, "addmm_impl_cpu_")


def _mv_check(mshape, n: int, m: np.ndarray, v: np.ndarray) -> None:
    if mshape[1] != n:
        raise RuntimeError(f"size mismatch, got input ({mshape[0]}), mat ({mshape[0]}x"
                           f"{mshape[1]}), vec ({n})")
    if m.dtype != v.dtype:
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got {sname(v)}, "
                           f"{sname(m)}, and {sname(v)}")
    _no_bool(m, "addmv_impl_cpu")


def _bmm_check(b1, k1: int, b2, k2: int, a: np.ndarray, b: np.ndarray) -> None:
    if b1 != b2 or k1 != k2:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{b1}, {k1}] but got: [{b2}, {k2}].")
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected scalar type {sname(a)} but found {sname(b)}")
    _no_bool(a, "bmm")


def _dot_check(a: np.ndarray, b: np.ndarray) -> None:
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a.dtype != b.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                           f"{sname(a)} and {sname(b)}")
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src "
                           f"[{b.shape[0]}] to have the same number of elements, but got "
                           f"{a.shape[0]} and {b.shape[0]} elements respectively")
    _no_bool(a, "dot")


def _expand_check(c: np.ndarray, target) -> None:
    """PyTorch's error when ``c`` cannot be expanded to the shape ``target``."""
    shape = c.shape
    if len(shape) > len(target):
        from ..autograd.engine import _type_name

        raise RuntimeError(
            f"expand({_type_name(c)}{{{list(shape)}}}, size={list(target)}): the number of "
            f"sizes provided ({len(target)}) must be greater or equal to the number of "
            f"dimensions in the tensor ({len(shape)})")
    lead = len(target) - len(shape)
    for i, s in enumerate(shape):
        if s != 1 and s != target[lead + i]:
            raise RuntimeError(
                f"The expanded size of the tensor ({target[lead + i]}) must match the existing "
                f"size ({s}) at non-singleton dimension {lead + i}.  Target sizes: "
                f"{list(target)}.  Tensor sizes: {list(shape)}")


# ---------------------------------------------------------------------------------- mm
@derivative("mm", complex_ok=True)
def MmBackward0(node, F, g):
    # d(A B) = dA B + A dB: gA = g B^H, gB = A^H g (the conjugates for complex tensors)
    a, b = F.saved(node)
    a, b = cj(F, a), cj(F, b)
    na, nb = F.needs(node)
    return (F.matmul(g, _t(b)) if na else None), (F.matmul(_t(a), g) if nb else None)


@register("mm")
def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """Matrix product of two 2-D tensors."""
    a = need_tensor(input, "mm", "input", 1)._data
    b = need_tensor(mat2, "mm", "mat2", 2)._data
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[0] or a.dtype != b.dtype or \
            a.dtype.kind == "b":
        if a.ndim != 2:
            raise RuntimeError("self must be a matrix")
        if b.ndim != 2:
            raise RuntimeError("mat2 must be a matrix")
        _mm_check(a.shape, b.shape, a, b)
    return record(MmBackward0, np.matmul(a, b), (input, mat2), saved=_pair(input, mat2))


# --------------------------------------------------------------------------------- bmm
# batched, the same rule: gA = g B^T, gB = A^T g per batch element
BmmBackward0 = derivative("bmm", complex_ok=True)(MmBackward0.backward)


@register("bmm")
def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """Batched matrix product of two 3-D tensors with the same batch size."""
    a = need_tensor(input, "bmm", "input", 1)._data
    b = need_tensor(mat2, "bmm", "mat2", 2)._data
    if a.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    _bmm_check(a.shape[0], a.shape[2], b.shape[0], b.shape[1], a, b)
    return record(BmmBackward0, np.matmul(a, b), (input, mat2), saved=_pair(input, mat2))


# ---------------------------------------------------------------------------------- mv
@derivative("mv", complex_ok=True)
def MvBackward0(node, F, g):
    # d(A v): gA = g v^T, gv = A^T g
    a, v = F.saved(node)
    a, v = cj(F, a), cj(F, v)
    na, nv = F.needs(node)
    return (F.outer(g, v) if na else None), (F.matmul(_t(a), g) if nv else None)


@register("mv")
def mv(input: Tensor, vec: Tensor) -> Tensor:
    """Matrix-vector product."""
    m = need_tensor(input, "mv", "input", 1)._data
    v = need_tensor(vec, "mv", "vec", 2)._data
    if m.ndim != 2 or v.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {m.ndim}, {v.ndim}")
    _mv_check(m.shape, v.shape[0], m, v)
    return record(MvBackward0, np.matmul(m, v), (input, vec), saved=_pair(input, vec))


# ------------------------------------------------------------------------- dot / vdot
@derivative("dot", complex_ok=True)
def DotBackward0(node, F, g):
    # d(x . y) = y dx + x dy (complex: g conj(y), g conj(x))
    x, y = F.saved(node)
    x, y = cj(F, x), cj(F, y)
    nx, ny = F.needs(node)
    return (g * y if nx else None), (g * x if ny else None)


@derivative("vdot", complex_ok=True)
def VdotBackward0(node, F, g):
    # d(conj(x) . y): gx = conj(g) y, gy = g x
    x, y = F.saved(node)
    nx, ny = F.needs(node)
    gc = cj(F, g)
    return (gc * y if nx else None), (g * x if ny else None)


@register("dot")
def dot(input: Tensor, tensor: Tensor) -> Tensor:
    """Inner product of two 1-D tensors."""
    a = need_tensor(input, "dot", "input", 1)._data
    b = need_tensor(tensor, "dot", "tensor", 2)._data
    _dot_check(a, b)
    return record(DotBackward0, np.asarray(np.dot(a, b)), (input, tensor),
                  saved=_pair(input, tensor))


@register("vdot")
def vdot(input: Tensor, other: Tensor) -> Tensor:
    """Inner product of two 1-D tensors, conjugating the first."""
    a = need_tensor(input, "vdot", "input", 1)._data
    b = need_tensor(other, "vdot", "other", 2)._data
    _dot_check(a, b)
    return record(VdotBackward0, np.asarray(np.vdot(a, b)), (input, other),
                  saved=_pair(input, other))


# ------------------------------------------------------------------------------ outer
@derivative("mul", complex_ok=True)
def _OuterMulBackward(node, F, g):
    # torch: a.reshape(-1, 1) * b, fused: ga = g conj(b), gb = g^T conj(a)
    a, b = F.saved(node)
    a, b = cj(F, a), cj(F, b)
    na, nb = F.needs(node)
    if na and b.dtype != g.dtype:
        b = F.cast(b, g)
    if nb and a.dtype != g.dtype:
        a = F.cast(a, g)
    return (F.matmul(g, b) if na else None), (F.matmul(_t(g), a) if nb else None)


@register("outer", "ger")
def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """Outer product of two 1-D tensors (dtypes promote as for ``*``)."""
    from .. import _dtype

    a = need_tensor(input, "outer", "input", 1)._data
    b = need_tensor(vec2, "outer", "vec2", 2)._data
    if a.ndim != 1:
        raise RuntimeError(f"outer: Expected 1-D argument self, but got {a.ndim}-D")
    if b.ndim != 1:
        raise RuntimeError(f"outer: Expected 1-D argument vec2, but got {b.ndim}-D")
    dt = _dtype.result_type(input, vec2).np
    out = np.multiply.outer(a, b)
    if out.dtype != dt:
        out = out.astype(dt)
    meta = None
    if a.dtype != dt or b.dtype != dt:
        meta = ((a.shape, input.dtype), (b.shape, vec2.dtype))
    return record(_OuterMulBackward, out, (input, vec2), saved=_pair(input, vec2), meta=meta)


# ----------------------------------------------------------------------------- matmul
@derivative("squeeze", 4, complex_ok=True)
def _VecMatBackward(node, F, g):
    # torch: x.unsqueeze(0).mm(B).squeeze_(0), fused: gx = conj(B) g, gB = conj(x) g^T
    x, b = F.saved(node)
    x, b = cj(F, x), cj(F, b)
    nx, nb = F.needs(node)
    return (F.matmul(b, g) if nx else None), (F.outer(x, g) if nb else None)


def _matmul_nd_rule(node, F, g):
    # gA = g B^T, gB = A^T g batched; a 1-D operand acts as a row (A) or a column (B) and the
    # engine sums the gradient over broadcast batch dims; conjugates for complex tensors
    a, b = F.saved(node)
    a, b = cj(F, a), cj(F, b)
    na, nb = F.needs(node)
    a_shape, b_shape = node._args
    a_vec, b_vec = len(a_shape) == 1, len(b_shape) == 1
    gs = tuple(g.shape)
    if a_vec:  # (batch, p) -> (batch, 1, p)
        g = F.reshape(g, gs[:-1] + (1,) + gs[-1:])
    elif b_vec:  # (batch, m) -> (batch, m, 1)
        g = F.reshape(g, gs + (1,))
    ga = gb = None
    if na:
        b2 = F.reshape(b, (b_shape[0], 1)) if b_vec else b
        ga = F.matmul(g, _t(b2))
        if a_vec:
            sh = tuple(ga.shape)
            ga = F.reshape(ga, sh[:-2] + sh[-1:])
    if nb:
        if len(b_shape) <= 2 and len(a_shape) >= 3:
            # b has no batch: fold the batch of a and g into one product
            n = a_shape[-1]
            a2 = F.reshape(a, (-1, n))
            g2 = F.reshape(g, (-1, 1 if b_vec else b_shape[-1]))
            gb = F.matmul(_t(a2), g2)
            if b_vec:
                gb = F.reshape(gb, (n,))
        else:
            a2 = F.reshape(a, (1, a_shape[0])) if a_vec else a
            gb = F.matmul(_t(a2), g)
            if b_vec:
                sh = tuple(gb.shape)
                gb = F.reshape(gb, sh[:-1])
    return ga, gb


_MatmulUnsafeViewBackward = derivative("unsafe_view", complex_ok=True)(_matmul_nd_rule)
_MatmulCloneBackward = derivative("clone", complex_ok=True)(_matmul_nd_rule)
_MatmulTransposeBackward = derivative("transpose", complex_ok=True)(_matmul_nd_rule)


def _fold_strides_ok(t1: np.ndarray) -> bool:
    if t1.size == 0:
        return True
    st = [s // t1.itemsize for s in t1.strides]
    return all(st[i] == st[i + 1] * t1.shape[i + 1] for i in range(t1.ndim - 2))


def _should_fold(a: np.ndarray, b: np.ndarray, rg_a: bool, rg_b: bool) -> bool:
    """PyTorch's choice of folding batch dims into one ``mm``/``mv`` (vs ``bmm``)."""
    larger = a.ndim >= b.ndim
    dim_t1, dim_t2 = (a.ndim, b.ndim) if larger else (b.ndim, a.ndim)
    if not (dim_t1 >= 3 and dim_t2 <= 2):
        return False
    if rg_b if larger else rg_a:
        return True
    if a.ndim == 2:
        return False
    return _fold_strides_ok(a if larger else np.swapaxes(b, -1, -2))


def _matmul_nd(ta: Tensor, tb: Tensor) -> Tensor:
    """``matmul`` when an operand has 3 or more dims: checks and node name as PyTorch."""
    a, b = ta._data, tb._data
    # PyTorch drops the unit batch of a 3-D operand that requires grad
    if a.ndim == 3 and b.ndim == 3 and a.shape[0] != b.shape[0]:
        if a.shape[0] == 1 and ta._rg:
            a = a[0]
        elif b.shape[0] == 1 and tb._rg:
            b = b[0]
    cls = _MatmulUnsafeViewBackward
    if _should_fold(a, b, ta._rg, tb._rg):
        if b.ndim > a.ndim:  # folds b^T, multiplied by a^T (2-D) or by a (1-D)
            rows = _prod(b.shape[:-2]) * b.shape[-1]
            if a.ndim == 2:
                _mm_check((rows, b.shape[-2]), (a.shape[1], a.shape[0]), b, a)
                # PyTorch returns the transposed result, copied unless already contiguous
                m, p = a.shape[0], b.shape[-1]
                copied = m != 1 and p != 1 and rows * m
                cls = _MatmulCloneBackward if copied else _MatmulTransposeBackward
            else:
                _mv_check((rows, b.shape[-2]), a.shape[0], b, a)
        else:
            rows = _prod(a.shape[:-1])
            if b.ndim == 2:
                _mm_check((rows, a.shape[-1]), b.shape, a, b)
            else:
                _mv_check((rows, a.shape[-1]), b.shape[0], a, b)
    else:
        ba = a.shape[:-2]
        bb = b.shape[:-2]
        try:
            batch = np.broadcast_shapes(ba, bb)
        except ValueError:
            raise broadcast_error(ba, bb) from None
        n = _prod(batch)
        k2 = b.shape[-2] if b.ndim > 1 else b.shape[0]
        _bmm_check(n, a.shape[-1], n, k2, a, b)
    out = np.matmul(ta._data, tb._data)
    if out.__class__ is not np.ndarray:
        out = np.asarray(out)
    meta = ((ta._data.shape, ta.dtype), (tb._data.shape, tb.dtype))
    return record(cls, out, (ta, tb), saved=_pair(ta, tb),
                  args=(ta._data.shape, tb._data.shape), meta=meta)


@register("matmul")
def matmul(input: Tensor, other: Tensor) -> Tensor:
    """Matrix product with NumPy/PyTorch semantics: 1-D operands, batch broadcasting."""
    need_tensor(input, "matmul", "input", 1)
    need_tensor(other, "matmul", "other", 2)
    da, db = input._data.ndim, other._data.ndim
    if da == 2 and db == 2:
        return mm(input, other)
    if da == 0 or db == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{da}D and {db}D")
    if da == 1 and db == 1:
        return dot(input, other)
    if da == 2 and db == 1:
        return mv(input, other)
    if da == 1 and db == 2:
        a, b = input._data, other._data
        _mm_check((1, a.shape[0]), b.shape, a, b)
        return record(_VecMatBackward, np.matmul(a, b), (input, other), saved=_pair(input, other))
    return _matmul_nd(input, other)


def _matmul_op(self: Tensor, other) -> Tensor:
    if isinstance(other, Tensor):
        return matmul(self, other)
    if isinstance(other, np.ndarray):
        from .._creation import tensor

        return matmul(self, tensor(other))
    return NotImplemented


def _rmatmul_op(self: Tensor, other) -> Tensor:
    if isinstance(other, np.ndarray):
        from .._creation import tensor

        return matmul(tensor(other), self)
    return NotImplemented


Tensor.__matmul__ = _matmul_op
Tensor.__rmatmul__ = _rmatmul_op


# ------------------------------------------------------------------- addmm / baddbmm
def _scale(x, s):
    # the gradient of s * y is g * conj(s)
    return x if s == 1 else x * (s.conjugate() if isinstance(s, complex) else s)


@derivative("addmm", complex_ok=True)
def AddmmBackward0(node, F, g):
    # beta C + alpha A B: gC = beta g, gA = alpha g B^H, gB = alpha A^H g (conj for complex)
    a, b = F.saved(node)
    a, b = cj(F, a), cj(F, b)
    beta, alpha = node._args
    nc, na, nb = F.needs(node)
    return (_scale(g, beta) if nc else None,
            _scale(F.matmul(g, _t(b)), alpha) if na else None,
            _scale(F.matmul(_t(a), g), alpha) if nb else None)


@derivative("baddbmm", complex_ok=True)
def BaddbmmBackward0(node, F, g):
    # beta C + alpha A B (batched): gC = beta g, gA = alpha g B^H, gB = alpha A^H g
    a, b = F.saved(node)
    a, b = cj(F, a), cj(F, b)
    beta, alpha = node._args
    nc, na, nb = F.needs(node)
    return (_scale(g, beta) if nc else None,
            _scale(F.matmul(g, _t(b)), alpha) if na else None,
            _scale(F.matmul(_t(a), g), alpha) if nb else None)


def _add_scaled(out: np.ndarray, c: np.ndarray, beta, alpha) -> np.ndarray:
    """``beta * c + alpha * out`` computed into ``out`` (``c`` ignored when beta is 0)."""
    if alpha != 1:
        out *= alpha
    if beta != 0:
        out += c if beta == 1 else c * beta
    return out


def _cmeta(tc: Tensor, out: np.ndarray):
    c = tc._data
    m = (c.shape, tc.dtype) if c.shape != out.shape or c.dtype != out.dtype else None
    return None if m is None else (m, None, None)


@register("addmm")
def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)``, ``input`` broadcast to the product's shape."""
    c = need_tensor(input, "addmm", "input", 1)._data
    a = need_tensor(mat1, "addmm", "mat1", 2)._data
    b = need_tensor(mat2, "addmm", "mat2", 3)._data
    for name, m in (("mat1", a), ("mat2", b)):
        if m.ndim != 2:
            raise RuntimeError(f"{name} must be a matrix, got {m.ndim}-D tensor")
    if a.shape[1] != b.shape[0]:
        _mm_check(a.shape, b.shape, a, b)
    if c.dtype != b.dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {sname(c)} and "
                           f"{sname(b)}")
    if a.dtype != b.dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {sname(a)} and "
                           f"{sname(b)}")
    _no_bool(a, "addmm_impl_cpu_")
    _expand_check(c, (a.shape[0], b.shape[1]))
    out = _add_scaled(np.matmul(a, b), c, beta, alpha)
    return record(AddmmBackward0, out, (input, mat1, mat2), saved=_pair(mat1, mat2),
                  args=(beta, alpha), meta=_cmeta(input, out))


@register("baddbmm")
def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * bmm(batch1, batch2)``, ``input`` broadcast."""
    from ._core import wrap_dim

    c = need_tensor(input, "baddbmm", "input", 1)._data
    a = need_tensor(batch1, "baddbmm", "batch1", 2)._data
    b = need_tensor(batch2, "baddbmm", "batch2", 3)._data
    target = (a.shape[wrap_dim(0, a.ndim)], a.shape[wrap_dim(1, a.ndim)],
              b.shape[wrap_dim(2, b.ndim)])
    _expand_check(c, target)
    if a.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    _bmm_check(a.shape[0], a.shape[2], b.shape[0], b.shape[1], a, b)
    if c.dtype != a.dtype:
        raise RuntimeError(f"Input dtypes must be the same, got: input {_cname(c)}, batch1: "
                           f"{_cname(a)}, batch2: {_cname(b)}")
    out = _add_scaled(np.matmul(a, b), c, beta, alpha)
    return record(BaddbmmBackward0, out, (input, batch1, batch2), saved=_pair(batch1, batch2),
                  args=(beta, alpha), meta=_cmeta(input, out))


# ----------------------------------------------------------------------------- linear
def _linear_rule(node, F, g):
    # y = x W^T (+ b): gx = g W, gW = g^T x with leading dims folded, gb = g (engine sums);
    # conj(W), conj(x) for complex tensors
    x, w = F.saved(node)
    x, w = cj(F, x), cj(F, w)
    has_bias, n_out, n_in = node._args
    need = F.needs(node)
    if has_bias:
        nb, nx, nw = need
    else:
        nx, nw = need
    gx = F.matmul(g, w) if nx else None
    gw = None
    if nw:
        if x.ndim == 2:
            gw = F.matmul(_t(g), x)
        elif x.ndim == 1:
            gw = F.outer(g, x)
        else:
            gw = F.matmul(_t(F.reshape(g, (-1, n_out))), F.reshape(x, (-1, n_in)))
    if has_bias:
        # the bias was added to the flattened (rows, out) product
        gb = (g if g.ndim == 2 else F.reshape(g, (-1, n_out))) if nb else None
        return gb, gx, gw
    return gx, gw


# PyTorch's node on the result: addmm(b, x, W.t()) for a matrix with a bias, mm without;
# a view of the flattened addmm for other inputs with a bias; matmul's names without one.
_LinearAddmmBackward = derivative("addmm", complex_ok=True)(_linear_rule)
_LinearMmBackward = derivative("mm", complex_ok=True)(_linear_rule)
_LinearViewBackward = derivative("view", complex_ok=True)(_linear_rule)
_LinearSqueezeBackward = derivative("squeeze", 4, complex_ok=True)(_linear_rule)
_LinearUnsafeViewBackward = derivative("unsafe_view", complex_ok=True)(_linear_rule)


@register("linear", method=False)
def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias``: one matrix product and one add, one node."""
    if input.__class__ is Tensor and bias is not None:  # the common case, checked cheaply
        x, w, c = input._data, weight._data, bias._data
        if (x.ndim == 2 and w.ndim == 2 and c.ndim == 1 and x.shape[1] == w.shape[1]
                and c.shape[0] == w.shape[0] and x.dtype == w.dtype == c.dtype
                and x.dtype.kind == "f"):
            out = np.matmul(x, w.T)
            out += c
            return record(_LinearAddmmBackward, out, (bias, input, weight),
                          saved=_pair(input, weight), args=(True, w.shape[0], w.shape[1]),
                          meta=((c.shape, bias.dtype), None, None))
    x = need_tensor(input, "linear", "input", 1)._data
    w = need_tensor(weight, "linear", "weight", 2)._data
    if x.ndim == 0 or w.ndim == 0:
        raise RuntimeError(f"both arguments to linear need to be at least 1D, but they are "
                           f"{x.ndim}D and {w.ndim}D")
    if w.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {w.ndim}D")
    if bias is not None:
        need_tensor(bias, "linear", "bias", 3)
    # PyTorch flattens a contiguous input into one addmm when the bias is a vector
    flat = bias is not None and x.ndim != 2 and x.flags.c_contiguous and (
        sum(1 for s in bias._data.shape if s != 1) == 1 or bias._data.ndim == 1)
    if w.ndim == 1:
        if bias is not None and (x.ndim == 2 or flat):
            raise RuntimeError("mat2 must be a matrix, got 1-D tensor")
        out = matmul(input, weight)
        return out if bias is None else out + bias
    if bias is not None and x.ndim != 2 and not flat:
        from .arithmetic import add

        return add(linear(input, weight), bias)  # PyTorch: matmul, then add_
    n_out, n_in = w.shape
    rows = _prod(x.shape[:-1])
    if x.shape[-1] != n_in:
        _mm_check((rows, x.shape[-1]), (n_in, n_out), x, w)
    if bias is None:
        if x.dtype != w.dtype:
            _mm_check((rows, n_in), (n_in, n_out), x, w)
        _no_bool(x, "addmm_impl_cpu_")
        out = np.matmul(x, w.T)
        cls = (_LinearMmBackward if x.ndim == 2 else
               _LinearSqueezeBackward if x.ndim == 1 else _LinearUnsafeViewBackward)
        return record(cls, out, (input, weight), saved=_pair(input, weight),
                      args=(False, n_out, n_in))
    c = bias._data
    if c.dtype != w.dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {sname(c)} and "
                           f"{sname(w)}")
    if x.dtype != w.dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {sname(x)} and "
                           f"{sname(w)}")
    _no_bool(x, "addmm_impl_cpu_")
    _expand_check(c, (rows, n_out))
    if x.ndim == 2:
        out = np.matmul(x, w.T)
        out += c
        cls = _LinearAddmmBackward
    else:  # PyTorch: addmm on the input flattened to a matrix, viewed back
        out = np.matmul(x.reshape(rows, n_in), w.T)
        out += c
        out = out.reshape(x.shape[:-1] + (n_out,))
        cls = _LinearViewBackward
    meta = None
    if c.shape != (rows, n_out):
        meta = ((c.shape, bias.dtype), None, None)
    return record(cls, out, (bias, input, weight), saved=_pair(input, weight),
                  args=(True, n_out, n_in), meta=meta)


__all__ = ["mm", "bmm", "mv", "dot", "vdot", "outer", "matmul", "addmm", "baddbmm", "linear",
           "make"]
