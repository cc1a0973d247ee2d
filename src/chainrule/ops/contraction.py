"""Index contractions: ``einsum``, ``tensordot`` and ``kron``.

All three are one NumPy contraction forward and share one derivative: the gradient of
operand ``k`` is itself an ``einsum`` of the incoming gradient with the other operands, onto
``k``'s subscripts. A subscript repeated within ``k`` (a diagonal, ``'ii->i'``) gets a fresh
letter tied to the first by an identity matrix, and a subscript summed only inside ``k`` is
restored by a vector of ones; operands broadcast along a size-1 subscript are expanded
(views), and the engine sums the gradient back down to their shapes.
"""

from __future__ import annotations

import string

import numpy as np

from ..autograd.graph import derivative
from ._core import Tensor, record, register, wrap_dim
from ._graphmath import define_math
from .linalg import need_tensor, sname

_LETTERS = string.ascii_letters


def _einsum_array(eq: str, *ops):
    out = np.einsum(eq, *ops, optimize=len(ops) > 1)
    return out if out.__class__ is np.ndarray else np.asarray(out)


def _einsum_tensor(eq: str, *ops):
    return einsum(eq, *ops)


define_math("einsum_contract", _einsum_array, _einsum_tensor)


# ------------------------------------------------------------------------------ parsing
def _parse(equation: str, shapes: list) -> tuple[list[str], str, dict]:
    """Explicit subscripts per operand, output subscripts and the size of every letter.

    Ellipses become letters unused by the equation; errors are PyTorch's.
    """
    num_ops = len(shapes)
    arrow = equation.find("->")
    lhs = equation if arrow < 0 else equation[:arrow]
    labels: list[list] = [[] for _ in range(num_ops)]
    cur = 0
    ell_seen = False
    i = 0
    while i < len(lhs):
        ch = lhs[i]
        if ch == " ":
            pass
        elif ch == ".":
            if ell_seen:
                raise RuntimeError(f"einsum(): found '.' for operand {cur} for which an ellipsis "
                                   "was already found")
            if not (i + 2 < len(lhs) and lhs[i + 1] == "." and lhs[i + 2] == "."):
                raise RuntimeError(f"einsum(): found '.' for operand {cur} that is not part of "
                                   "any ellipsis")
            i += 2
            labels[cur].append(None)
            ell_seen = True
        elif ch == ",":
            cur += 1
            if cur >= num_ops:
                raise RuntimeError(
                    "einsum(): fewer operands were provided than specified in the equation")
            ell_seen = False
        elif ch in _LETTERS:
            labels[cur].append(ch)
        else:
            raise RuntimeError(f"einsum(): invalid subscript given at index {i} in the equation "
                               "string, subscripts must be in [a-zA-Z]")
        i += 1
    if cur != num_ops - 1:
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    counts: dict = {}
    ell_dims = 0
    for k, (labs, shape) in enumerate(zip(labels, shapes, strict=True)):
        n = sum(1 for c in labs if c is not None)
        has_ell = len(labs) != n
        if has_ell:
            ell_dims = max(ell_dims, len(shape) - n)
            if n > len(shape):
                raise RuntimeError(f"einsum(): the number of subscripts in the equation ({n}) is "
                                   f"more than the number of dimensions ({len(shape)}) for "
                                   f"operand {k}")
        elif n != len(shape):
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({n}) does "
                               f"not match the number of dimensions ({len(shape)}) for operand "
                               f"{k} and no ellipsis was given")
        for c in labs:
            if c is not None:
                counts[c] = counts.get(c, 0) + 1
    used = set(equation)
    ell = [c for c in _LETTERS if c not in used][:ell_dims]
    if len(ell) < ell_dims:
        raise RuntimeError("einsum(): too many dimensions for the available subscripts")
    if arrow < 0:
        out = "".join(ell) + "".join(sorted(c for c, n in counts.items() if n == 1))
    else:
        rhs = equation[arrow + 2:]
        out_l: list[str] = []
        ell_out = False
        i = 0
        while i < len(rhs):
            ch = rhs[i]
            if ch == " ":
                pass
            elif ch == ".":
                if ell_out:
                    raise RuntimeError("einsum(): found '.' for output but an ellipsis (...) "
                                       "was already found")
                if not (i + 2 < len(rhs) and rhs[i + 1] == "." and rhs[i + 2] == "."):
                    raise RuntimeError("einsum(): found '.' for output that is not part of any "
                                       "ellipsis (...)")
                i += 2
                out_l.extend(ell)
                ell_out = True
            elif ch in _LETTERS:
                if ch in out_l:
                    raise RuntimeError(f"einsum(): output subscript {ch} appears more than once "
                                       "in the output")
                if ch not in counts:
                    raise RuntimeError(f"einsum(): output subscript {ch} does not appear in the "
                                       "equation for any input operand")
                out_l.append(ch)
            else:
                raise RuntimeError(f"einsum(): invalid subscript given at index "
                                   f"{len(lhs) + 2 + i} in the equation string, subscripts "
                                   "must be in [a-zA-Z]")
            i += 1
        out = "".join(out_l)
    subs = []
    sizes: dict = {}
    for k, (labs, shape) in enumerate(zip(labels, shapes, strict=True)):
        n_ell = len(shape) - sum(1 for c in labs if c is not None)
        s = []
        for c in labs:
            s.extend(ell[ell_dims - n_ell:] if c is None else [c])
        seen: dict = {}
        for c, size in zip(s, shape, strict=True):
            if c in seen and seen[c] != size:
                raise RuntimeError(f"einsum(): subscript {c} is repeated for operand {k} but the "
                                   f"sizes don't match, {size} != {seen[c]}")
            seen[c] = size
            prev = sizes.get(c)
            if prev is not None and prev != size and prev != 1 and size != 1:
                if c in ell:
                    raise RuntimeError(
                        f"einsum(): dimension {ell.index(c)} covered by ellipsis in operand {k}"
                        f"has size {size} which does not broadcast with previously seen "
                        f"ellipsis with size {prev} for the respective dimension")
                raise RuntimeError(f"einsum(): subscript {c} has size {size} for operand {k} "
                                   f"which does not broadcast with previously seen size {prev}")
            if prev is None or prev == 1:
                sizes[c] = size
        subs.append("".join(s))
    return subs, out, sizes


def _grad_equation(subs: list[str], out: str, k: int) -> tuple[str, list]:
    """The einsum giving operand ``k``'s gradient, and the constant factors it needs."""
    used = set("".join(subs)) | set(out)
    fresh = iter(c for c in _LETTERS if c not in used)
    target = []
    extras = []  # ("eye", letter, fresh) or ("ones", letter)
    for c in subs[k]:
        if c in target:
            f = next(fresh)
            extras.append(("eye", c, f))
            target.append(f)
        else:
            target.append(c)
    present = set(out).union(*[set(s) for j, s in enumerate(subs) if j != k])
    present |= {e[1] for e in extras}
    for c in dict.fromkeys(subs[k]):
        if c not in present:
            extras.append(("ones", c))
    inputs = [out] + [s for j, s in enumerate(subs) if j != k]
    inputs += [e[1] + e[2] if e[0] == "eye" else e[1] for e in extras]
    return ",".join(inputs) + "->" + "".join(target), extras


def _einsum_rule(node, F, g):
    # gradient of operand k: einsum(g, other operands -> subscripts of k), with identity
    # factors for repeated subscripts and ones for subscripts summed only within k
    ops = F.saved(node)
    subs, out, sizes, gshape = node._args
    if gshape is not None:
        g = F.reshape(g, gshape)
    full = []
    for o, s in zip(ops, subs, strict=True):
        shape = tuple(sizes[c] for c in s)
        full.append(o if tuple(o.shape) == shape else F.expand(o, shape))
    res = []
    for k, need in enumerate(F.needs(node)):
        if not need:
            res.append(None)
            continue
        eq, extras = _grad_equation(subs, out, k)
        consts = [F.const(np.eye(sizes[e[1]]) if e[0] == "eye" else np.ones(sizes[e[1]]), g)
                  for e in extras]
        others = [full[j] for j in range(len(full)) if j != k]
        res.append(F.einsum_contract(eq, g, *others, *consts))
    return tuple(res)


EinsumBackward0 = derivative("einsum")(_einsum_rule)
# PyTorch reshapes its mm result last for tensordot, and kron's product last for kron
_TensordotViewBackward = derivative("view")(_einsum_rule)
_KronUnsafeViewBackward = derivative("unsafe_view")(_einsum_rule)


def _contract(cls, eq_subs: list[str], out: str, sizes: dict, tensors: list, result,
              gshape=None) -> Tensor:
    if result.__class__ is not np.ndarray:
        result = np.asarray(result)
    meta = tuple((t._data.shape, t.dtype) for t in tensors)
    return record(cls, result, tuple(tensors), saved=tuple(tensors),
                  args=(eq_subs, out, sizes, gshape), meta=meta)


def _sublist(args) -> tuple[str, list]:
    """``einsum(op1, [0, 1], op2, [1, 2], [0, 2])`` as an equation and operands."""
    def letters(sub):
        s = ""
        for n in sub:
            if n is Ellipsis:
                s += "..."
            elif 0 <= n < 26:
                s += chr(ord("A") + n)
            elif 26 <= n < 52:
                s += chr(ord("a") + n - 26)
            else:
                raise ValueError(f"einsum(): subscript in subscript list is not within the valid "
                                 f"range [0, 52), but got {n}")
        return s

    n = len(args) // 2
    ops = list(args[0:2 * n:2])
    eq = ",".join(letters(s) for s in args[1:2 * n:2])
    if len(args) % 2:
        eq += "->" + letters(args[-1])
    return eq, ops


@register("einsum", method=False)
def einsum(*args) -> Tensor:
    """Sum of products over the subscripts of ``equation`` (``'ij,jk->ik'``, ``...``)."""
    if not args:
        raise TypeError("einsum(): must specify the equation string and at least one operand, "
                        "or at least one operand and its subscripts list")
    if isinstance(args[0], str):
        equation, ops = args[0], list(args[1:])
        if len(ops) == 1 and isinstance(ops[0], (list, tuple)):
            ops = list(ops[0])
    else:
        equation, ops = _sublist(args)
    if not ops:
        raise RuntimeError("einsum(): must provide at least one operand")
    for i, o in enumerate(ops):
        need_tensor(o, "einsum", "operands", i + 2)
    arrays = [o._data for o in ops]
    subs, out, sizes = _parse(equation, [a.shape for a in arrays])
    d0 = arrays[0].dtype
    for a in arrays[1:]:
        if a.dtype != d0:
            raise RuntimeError(f"expected scalar type {sname(arrays[0])} but found {sname(a)}")
    full = []
    for a, s in zip(arrays, subs, strict=True):
        shape = tuple(sizes[c] for c in s)
        full.append(a if a.shape == shape else np.broadcast_to(a, shape))
    eq = ",".join(subs) + "->" + out
    res = np.einsum(eq, *full, optimize=len(full) > 1)
    if res.__class__ is not np.ndarray:
        res = np.asarray(res)
    elif any(np.may_share_memory(res, a) for a in arrays):
        res = res.copy()
    return _contract(EinsumBackward0, subs, out, sizes, ops, res)


# --------------------------------------------------------------------------- tensordot
@register("tensordot", method=False)
def tensordot(a: Tensor, b: Tensor, dims=2, out=None) -> Tensor:
    """Contract the last ``dims`` dims of ``a`` with the first of ``b`` (or listed dims)."""
    need_tensor(a, "tensordot", "a", 1)
    need_tensor(b, "tensordot", "b", 2)
    da, db = a._data, b._data
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, (int, np.integer)):
        dims = int(dims)
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > min(da.ndim, db.ndim):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        dims_a, dims_b = list(range(-dims, 0)), list(range(dims))
    else:
        dims_a, dims_b = dims
        if isinstance(dims_a, (int, np.integer)) or isinstance(dims_b, (int, np.integer)):
            raise TypeError("tensordot(): argument 'dims_self' (position 3) must be tuple of "
                            f"ints, not {type(dims_a).__name__}")
        dims_a, dims_b = list(dims_a), list(dims_b)
    if len(dims_a) != len(dims_b):
        raise RuntimeError("both dimension lists should have same length")
    if da.dtype != db.dtype:
        raise RuntimeError("both inputs should have same dtype")
    letters = iter(_LETTERS)
    sa = [next(letters) for _ in range(da.ndim)]
    sb = [next(letters) for _ in range(db.ndim)]
    for x, y in zip(dims_a, dims_b, strict=True):
        i, j = wrap_dim(int(x), da.ndim), wrap_dim(int(y), db.ndim)
        s1, s2 = da.shape[i], db.shape[j]
        if s1 != s2 and s1 != 1 and s2 != 1:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {s1} in "
                               f"dim {x} and second has size {s2} in dim {y}")
        sb[j] = sa[i]
    contracted = set(sb) & set(sa)
    out = "".join(c for c in sa if c not in contracted) + "".join(
        c for c in sb if c not in contracted)
    subs, _, sizes = _parse(f"{''.join(sa)},{''.join(sb)}->{out}", [da.shape, db.shape])
    ia = [sa.index(c) for c in sa if c in contracted]
    ib = [sb.index(c) for c in sa if c in contracted]
    if all(da.shape[i] == db.shape[j] for i, j in zip(ia, ib, strict=True)):
        res = np.tensordot(da, db, axes=(ia, ib))
    else:
        res = np.einsum(",".join(subs) + "->" + out, da, db, optimize=True)
    return _contract(_TensordotViewBackward, subs, out, sizes, [a, b], res)


# -------------------------------------------------------------------------------- kron
@register("kron")
def kron(input: Tensor, other: Tensor) -> Tensor:
    """Kronecker product: every element of ``input`` times the whole of ``other``."""
    from .. import _dtype

    need_tensor(input, "kron", "input", 1)
    need_tensor(other, "kron", "other", 2)
    dt = _dtype.result_type(input, other)
    a, b = input, other
    if a.dtype is not dt:
        a = a.to(dt)
    if b.dtype is not dt:
        b = b.to(dt)
    da, db = a._data, b._data
    nd = max(da.ndim, db.ndim)
    letters = iter(_LETTERS)
    sa, sb, out, gshape, shape = [], [], [], [], []
    for i in range(nd):
        ia, ib = i - (nd - da.ndim), i - (nd - db.ndim)
        if ia >= 0:
            c = next(letters)
            sa.append(c)
            out.append(c)
            gshape.append(da.shape[ia])
        if ib >= 0:
            c = next(letters)
            sb.append(c)
            out.append(c)
            gshape.append(db.shape[ib])
        shape.append((da.shape[ia] if ia >= 0 else 1) * (db.shape[ib] if ib >= 0 else 1))
    subs = ["".join(sa), "".join(sb)]
    sizes = dict(zip(sa, da.shape, strict=True)) | dict(zip(sb, db.shape, strict=True))
    res = np.einsum(",".join(subs) + "->" + "".join(out), da, db).reshape(shape)
    return _contract(_KronUnsafeViewBackward, subs, "".join(out), sizes, [a, b], res,
                     gshape=tuple(gshape))
