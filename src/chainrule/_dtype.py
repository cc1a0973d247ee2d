"""dtypes and PyTorch's type-promotion rules (float32 by default)."""

from __future__ import annotations

import numpy as np

__all__ = [
    "dtype", "bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32",
    "float64", "complex64", "complex128", "half", "float", "double", "short", "int", "long",
    "cfloat", "cdouble", "get_default_dtype", "set_default_dtype", "promote_types",
    "result_type", "can_cast",
]

_builtin_bool, _builtin_int, _builtin_float = bool, int, float

# category order used by promotion: bool < integer < floating < complex
_BOOL, _INT, _FLOAT, _COMPLEX = 0, 1, 2, 3


class dtype:
    """A tensor element type; prints as ``chainrule.float32``."""

    __slots__ = ("name", "np", "category", "itemsize", "is_floating_point", "is_complex",
                 "is_signed")

    def __init__(self, name: str, np_dtype: np.dtype, category: int):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.category = category
        self.itemsize = self.np.itemsize
        self.is_floating_point = category == _FLOAT
        self.is_complex = category == _COMPLEX
        self.is_signed = self.np.kind in "ifc"

    def __repr__(self) -> str:
        return f"chainrule.{self.name}"

    def __reduce__(self):
        return (_by_name, (self.name,))

    def to_real(self) -> dtype:
        return {complex64: float32, complex128: float64}.get(self, self)

    def to_complex(self) -> dtype:
        return {float16: complex64, float32: complex64, float64: complex128}.get(self, self)


bool = dtype("bool", np.bool_, _BOOL)  # noqa: A001
uint8 = dtype("uint8", np.uint8, _INT)
int8 = dtype("int8", np.int8, _INT)
int16 = dtype("int16", np.int16, _INT)
int32 = dtype("int32", np.int32, _INT)
int64 = dtype("int64", np.int64, _INT)
float16 = dtype("float16", np.float16, _FLOAT)
float32 = dtype("float32", np.float32, _FLOAT)
float64 = dtype("float64", np.float64, _FLOAT)
complex64 = dtype("complex64", np.complex64, _COMPLEX)
complex128 = dtype("complex128", np.complex128, _COMPLEX)

half, float, double = float16, float32, float64  # noqa: A001
short, int, long = int16, int32, int64  # noqa: A001
cfloat, cdouble = complex64, complex128

ALL = (bool, uint8, int8, int16, int32, int64, float16, float32, float64, complex64, complex128)
_FROM_NP = {d.np: d for d in ALL}
_BY_NAME = {d.name: d for d in ALL}


def _by_name(name: str) -> dtype:
    return _BY_NAME[name]


def from_numpy_dtype(npd) -> dtype:
    """The chainrule dtype of a NumPy dtype; raises TypeError for unsupported ones."""
    try:
        return _FROM_NP[npd]
    except (KeyError, TypeError):
        npd = np.dtype(npd)
        if npd in _FROM_NP:
            return _FROM_NP[npd]
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{npd}. The only supported types are: "
            "float64, float32, float16, complex64, complex128, int64, int32, int16, int8, "
            "uint8, and bool."
        ) from None


def to_dtype(d) -> dtype:
    """Accepts a chainrule dtype, a NumPy dtype or a Python type."""
    if d.__class__ is dtype:
        return d
    if d is _builtin_float:
        return float64
    if d is _builtin_int:
        return int64
    if d is _builtin_bool:
        return bool
    if d is complex:
        return complex128
    return from_numpy_dtype(np.dtype(d))


_default = [float32]


def get_default_dtype() -> dtype:
    """The floating dtype that Python floats and float factories produce (float32)."""
    return _default[0]


def set_default_dtype(d: dtype) -> None:
    """Set the default floating dtype (float32 or float64)."""
    d = to_dtype(d)
    if not d.is_floating_point:
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default[0] = d


def promote_types(a: dtype, b: dtype) -> dtype:
    """The smallest dtype both ``a`` and ``b`` can be cast to, by PyTorch's table."""
    if a is b:
        return a
    if a.category != b.category:
        hi, lo = (a, b) if a.category > b.category else (b, a)
        if hi.is_complex and lo.is_floating_point and lo.itemsize > hi.itemsize // 2:
            return complex128
        return hi
    return _FROM_NP[np.promote_types(a.np, b.np)]


def _scalar_dtype(x) -> dtype:
    if isinstance(x, _builtin_bool):
        return bool
    if isinstance(x, _builtin_int):
        return int64
    if isinstance(x, complex):
        return _default[0].to_complex()
    return _default[0]


def _combine(higher: dtype | None, lower: dtype | None) -> dtype | None:
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher.is_complex:
        return higher
    if higher.is_floating_point:
        return higher.to_complex() if lower.is_complex else higher
    if higher is bool or lower.category >= _FLOAT:
        return promote_types(higher, lower)
    return higher


def result_type(*operands) -> dtype:
    """PyTorch's result dtype: dimensioned tensors outrank 0-dim tensors outrank Python scalars.

    A lower-priority operand only promotes the result when it is of a higher category
    (bool < integer < floating < complex).
    """
    dim_r = zero_r = wrapped_r = None
    for x in operands:
        d = getattr(x, "_data", None)
        if d is None:
            if isinstance(x, dtype):
                dim_r = x if dim_r is None else promote_types(dim_r, x)
                continue
            if isinstance(x, np.ndarray):
                d = x
            else:
                s = _scalar_dtype(x)
                if wrapped_r is None or s.category > wrapped_r.category:
                    wrapped_r = s
                continue
        t = _FROM_NP[d.dtype]
        if d.ndim:
            dim_r = t if dim_r is None else promote_types(dim_r, t)
        else:
            zero_r = t if zero_r is None else promote_types(zero_r, t)
    return _combine(dim_r, _combine(zero_r, wrapped_r))


def can_cast(from_: dtype, to: dtype) -> _builtin_bool:
    """Whether PyTorch allows an in-place or ``out=`` write of ``from_`` into ``to``."""
    return from_.category <= to.category
