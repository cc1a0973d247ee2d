"""dtypes and PyTorch's type-promotion rules (float32 by default)."""

from __future__ import annotations

import os

import numpy as np

__all__ = [
    "dtype", "bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32",
    "float64", "complex64", "complex128", "half", "float", "double", "short", "int", "long",
    "cfloat", "cdouble", "get_default_dtype", "set_default_dtype", "promote_types",
    "result_type", "can_cast", "finfo", "iinfo", "is_floating_point", "is_complex",
    "is_nonzero", "set_num_threads", "get_num_threads", "set_num_interop_threads",
    "get_num_interop_threads", "use_deterministic_algorithms",
    "are_deterministic_algorithms_enabled", "is_deterministic_algorithms_warn_only_enabled",
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


# ------------------------------------------------------------------------ finfo / iinfo
class finfo:
    """Machine limits of a floating dtype (of its real counterpart for a complex one).

    ``bits``, ``eps``, ``max``, ``min``, ``tiny`` (= ``smallest_normal``), ``resolution``
    are Python numbers and ``dtype`` the name, as ``torch.finfo``.
    """

    __hash__ = None  # type: ignore[assignment]  # PyTorch's finfo is unhashable too

    def __init__(self, type: dtype | None = None) -> None:
        d = _default[0] if type is None else to_dtype(type)
        if not (d.is_floating_point or d.is_complex):
            raise TypeError("torch.finfo() requires a floating point input type. Use torch.iinfo "
                            "to handle 'torch.finfo'")
        d = d.to_real()
        info = np.finfo(d.np)
        self.bits = d.itemsize * 8
        self.eps = _builtin_float(info.eps)
        self.max = _builtin_float(info.max)
        self.min = _builtin_float(info.min)
        self.tiny = self.smallest_normal = _builtin_float(info.smallest_normal)
        self.resolution = 10.0 ** -_builtin_int(info.precision)
        self.dtype = d.name

    def __eq__(self, other) -> _builtin_bool:
        return isinstance(other, finfo) and other.dtype == self.dtype

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, "
                f"tiny={self.tiny:g}, dtype={self.dtype})")

    __str__ = __repr__


class iinfo:
    """Machine limits of an integer dtype: ``bits``, ``min``, ``max`` and ``dtype`` (the name)."""

    __hash__ = None  # type: ignore[assignment]

    def __init__(self, type: dtype) -> None:
        d = to_dtype(type)
        if d is bool:
            raise TypeError(f"{d} is not supported by torch.iinfo")
        if d.category != _INT:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to "
                            "handle 'torch.iinfo'")
        info = np.iinfo(d.np)
        self.bits = d.itemsize * 8
        self.min = _builtin_int(info.min)
        self.max = _builtin_int(info.max)
        self.dtype = d.name

    def __eq__(self, other) -> _builtin_bool:
        return isinstance(other, iinfo) and other.dtype == self.dtype

    def __repr__(self) -> str:
        return f"iinfo(min={_builtin_float(self.min):g}, max={_builtin_float(self.max):g}, " \
               f"dtype={self.dtype})"

    __str__ = __repr__


# ------------------------------------------------------------------- tensor predicates
def _need_tensor(x, fn: str):
    if getattr(x, "_data", None) is None:
        raise TypeError(f"{fn}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(x).__name__}")
    return x


def is_floating_point(input) -> _builtin_bool:
    """Whether ``input``'s dtype is a floating type."""
    return _need_tensor(input, "is_floating_point")._data.dtype.kind == "f"


def is_complex(input) -> _builtin_bool:
    """Whether ``input``'s dtype is a complex type."""
    return _need_tensor(input, "is_complex")._data.dtype.kind == "c"


def is_nonzero(input) -> _builtin_bool:
    """The truth value of a one-element tensor."""
    return _need_tensor(input, "is_nonzero").is_nonzero()


# ------------------------------------------------------------------ runtime settings
# chainrule computes with NumPy, whose thread pools (BLAS, OpenMP) it does not control: these
# record the number asked for, so that code written for PyTorch runs; set the pools with
# environment variables (OMP_NUM_THREADS...) or threadpoolctl instead.
_THREADS = {"intra": os.cpu_count() or 1, "inter": os.cpu_count() or 1}
_DETERMINISTIC = {"mode": False, "warn_only": False}


def _check_threads(n, name: str) -> _builtin_int:
    if not isinstance(n, (_builtin_int, np.integer)) or isinstance(n, _builtin_bool):
        raise RuntimeError(f"{name} expects an int, but got {type(n).__name__}")
    if n <= 0:
        raise RuntimeError(f"{name} expects a positive integer")
    return _builtin_int(n)


def set_num_threads(n: _builtin_int) -> None:
    """Record the intra-op thread count (NumPy's own thread pools are not changed)."""
    _THREADS["intra"] = _check_threads(n, "set_num_threads")


def get_num_threads() -> _builtin_int:
    """The recorded intra-op thread count (the CPU count unless set)."""
    return _THREADS["intra"]


def set_num_interop_threads(n: _builtin_int) -> None:
    """Record the inter-op thread count (chainrule runs ops one at a time)."""
    _THREADS["inter"] = _check_threads(n, "set_num_interop_threads")


def get_num_interop_threads() -> _builtin_int:
    return _THREADS["inter"]


def use_deterministic_algorithms(mode: _builtin_bool, *, warn_only: _builtin_bool = False) -> None:
    """Record the flag. chainrule's ops are deterministic already, so nothing else changes."""
    if not isinstance(mode, _builtin_bool):
        raise TypeError(f"_set_deterministic_algorithms(): argument 'mode' (position 1) must be "
                        f"bool, not {type(mode).__name__}")
    _DETERMINISTIC["mode"] = mode
    _DETERMINISTIC["warn_only"] = _builtin_bool(warn_only)


def are_deterministic_algorithms_enabled() -> _builtin_bool:
    return _DETERMINISTIC["mode"]


def is_deterministic_algorithms_warn_only_enabled() -> _builtin_bool:
    return _DETERMINISTIC["warn_only"]
