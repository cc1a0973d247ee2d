"""Tensor: an ndarray plus autograd metadata.

Arithmetic, math and shape methods are attached by the ``ops`` package (each op is defined
once there, as a function, and installed as a method); this file holds only what is the
tensor's own: its data, its place in the graph, conversions and introspection.
"""

from __future__ import annotations

import warnings
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from . import _dtype
from ._dtype import dtype as DType
from .autograd.graph import RemovableHandle, VersionCounter

__all__ = ["Tensor", "Size", "device"]

_NONLEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
    "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. "
    "If you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor "
    "instead. See github.com/pytorch/pytorch/pull/30531 for more information."
)


class Size(tuple):
    """A tensor's shape: a tuple that prints as ``chainrule.Size([2, 3])``."""

    def __repr__(self) -> str:
        return f"chainrule.Size({list(self)})"

    __str__ = __repr__

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, i):
        r = tuple.__getitem__(self, i)
        return Size(r) if isinstance(i, slice) else r

    def __add__(self, other):
        return Size(tuple(self) + tuple(other))


class device:
    """Where a tensor lives. chainrule computes on the CPU only."""

    __slots__ = ("type", "index")

    def __init__(self, type: str | device = "cpu", index: int | None = None):
        if isinstance(type, device):
            type, index = type.type, type.index
        kind, _, idx = str(type).partition(":")
        if kind != "cpu":
            raise RuntimeError(
                f"chainrule computes on the CPU only; device '{type}' is not available")
        self.type = kind
        self.index = int(idx) if idx else index

    def __repr__(self) -> str:
        return f"device(type='{self.type}')"

    def __str__(self) -> str:
        return self.type

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and other.type == self.type

    def __hash__(self) -> int:
        return hash(self.type)


CPU = device("cpu")


def _make(data: np.ndarray, rg: bool = False, fn=None) -> Tensor:
    """Wrap an ndarray without copying (the hot path of every op)."""
    t = _new(Tensor)
    t._data = data if data.__class__ is _ndarray else np.asarray(data)
    t._rg = rg
    t._grad_fn = fn
    return t


_new = object.__new__
_ndarray = np.ndarray


class Tensor:
    """A multi-dimensional array that records the operations applied to it.

    >>> import chainrule as torch
    >>> x = torch.tensor([1.0, 2.0], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad
    tensor([2., 4.])
    """

    # Defaults at class level: an op's output sets only _data, _rg and _grad_fn.
    _grad: Tensor | None = None
    _output_nr = 0
    _vc: VersionCounter | None = None
    _accum = None
    _hooks: dict | None = None
    _base: Tensor | None = None
    __array_priority__ = 1000  # NumPy defers `ndarray <op> Tensor` to our reflected ops
    __hash__ = object.__hash__

    def __init__(self, *args, **kwargs) -> None:
        # Legacy constructor: Tensor([1, 2]) -> float32 data; Tensor(2, 3) -> uninitialised.
        dt = kwargs.pop("dtype", None)
        dt = _dtype.get_default_dtype() if dt is None else _dtype.to_dtype(dt)
        if kwargs.pop("device", None) not in (None, "cpu") or kwargs:
            raise TypeError(f"Tensor() got unexpected arguments {list(kwargs)}")
        if len(args) == 1 and not isinstance(args[0], int):
            a = args[0]
            data = np.array(a._data if isinstance(a, Tensor) else a, dtype=dt.np)
        else:
            shape = args[0] if len(args) == 1 and isinstance(args[0], tuple) else args
            data = np.empty(tuple(int(s) for s in shape), dtype=dt.np)
        self._data = data
        self._rg = False
        self._grad_fn = None

    # ---------------------------------------------------------------- metadata
    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim: int | None = None):
        """The shape, or the length of dimension ``dim``."""
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_wrap_dim(dim, self._data.ndim)]

    @property
    def dtype(self) -> DType:
        return _dtype._FROM_NP[self._data.dtype]

    @property
    def device(self) -> device:
        return CPU

    @property
    def is_cuda(self) -> bool:
        return False

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        return self._data.ndim

    ndimension = dim

    def numel(self) -> int:
        return self._data.size

    nelement = numel

    def element_size(self) -> int:
        return self._data.itemsize

    def stride(self, dim: int | None = None):
        st = tuple(s // self._data.itemsize for s in self._data.strides)
        return st if dim is None else st[_wrap_dim(dim, self._data.ndim)]

    def is_contiguous(self) -> bool:
        return bool(self._data.flags.c_contiguous)

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def is_complex(self) -> bool:
        return self._data.dtype.kind == "c"

    def data_ptr(self) -> int:
        return self._data.__array_interface__["data"][0]

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    # ---------------------------------------------------------------- autograd state
    @property
    def requires_grad(self) -> bool:
        return self._rg

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        value = bool(value)
        if self._grad_fn is not None:
            if value:
                return
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use "
                "a computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach().")
        if value and self._data.dtype.kind not in "fc":
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self._rg = value

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place (leaves only) and return self."""
        self.requires_grad = requires_grad
        return self

    @property
    def grad_fn(self):
        return self._grad_fn

    @property
    def is_leaf(self) -> bool:
        return self._grad_fn is None

    @property
    def grad(self) -> Tensor | None:
        if self._grad_fn is not None and self._grad is None and not self.retains_grad:
            warnings.warn(_NONLEAF_GRAD_WARNING, UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(
                    f"assigned grad expected to be a Tensor or None but got grad of "
                    f"{type(value).__name__}")
            if value.dtype is not self.dtype:
                raise RuntimeError(
                    f"assigned grad has data of a different type ({value.dtype} vs "
                    f"{self.dtype})")
            if value.shape != self.shape:
                raise RuntimeError(
                    f"assigned grad has data of a different size ({list(value.shape)} vs "
                    f"{list(self.shape)})")
        self._grad = value

    @grad.deleter
    def grad(self) -> None:
        self._grad = None

    @property
    def output_nr(self) -> int:
        return self._output_nr

    @property
    def _version(self) -> int:
        return 0 if self._vc is None else self._vc.value

    def _version_counter(self) -> VersionCounter:
        vc = self._vc
        if vc is None:
            vc = self._vc = VersionCounter()
        return vc

    @property
    def retains_grad(self) -> bool:
        fn = self._grad_fn
        return fn is not None and fn._retained is not None and self._output_nr in fn._retained

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor during backward (no-op on a leaf)."""
        if not self._rg:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        fn = self._grad_fn
        if fn is None:
            return
        if fn._retained is None:
            fn._retained = {}
        fn._special = True
        fn._retained[self._output_nr] = weakref.ref(self)

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> RemovableHandle:
        """``hook(grad)`` runs when this tensor's gradient is computed; may return a new one."""
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        fn = self._grad_fn
        if fn is None:
            if self._hooks is None:
                self._hooks = {}
            hooks = self._hooks
        else:
            if fn._tensor_pre_hooks is None:
                fn._tensor_pre_hooks = {}
            fn._special = True
            hooks = fn._tensor_pre_hooks
        h = RemovableHandle(hooks)
        hooks[h.id] = (self._output_nr, hook)
        return h

    def backward(self, gradient: Tensor | None = None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs=None) -> None:
        """Accumulate the gradient of this tensor into ``.grad`` of the graph's leaves."""
        from .autograd import backward

        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def detach(self) -> Tensor:
        """A tensor sharing this one's data and version counter, outside any graph."""
        t = _make(self._data)
        t._vc = self._version_counter()
        return t

    def detach_(self) -> Tensor:
        """Detach in place: this tensor becomes a leaf that does not require grad."""
        self._grad_fn = None
        self._rg = False
        return self

    @property
    def data(self) -> Tensor:
        return self.detach()

    @data.setter
    def data(self, value: Tensor) -> None:
        self._data = value._data

    # ---------------------------------------------------------------- conversions
    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The data as an ndarray sharing memory (a copy with ``force=True``)."""
        if self._rg and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                "instead.")
        return self._data.copy() if force else self._data

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        if self._rg:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                "instead.")
        a = self._data
        if dtype is not None and a.dtype != dtype:
            return a.astype(dtype)
        return a.copy() if copy else a

    def item(self) -> Any:
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.reshape(()).item()

    def tolist(self) -> Any:
        """The data as (nested) Python lists of numbers."""
        return self._data.tolist()

    def _scalar(self, kind: str):
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.reshape(()).item()

    def __float__(self) -> float:
        return float(self._scalar("float"))

    def __int__(self) -> int:
        return int(self._scalar("int"))

    def __complex__(self) -> complex:
        return complex(self._scalar("complex"))

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(
                "Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._data.reshape(()).item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError(
                "only integer tensors of a single element can be converted to an index")
        return int(self._data.reshape(()).item())

    def __dlpack__(self, stream=None, **kwargs):
        if self._rg:
            raise RuntimeError(
                "Can't export tensors that require gradient, use tensor.detach()")
        return self._data.__dlpack__(**kwargs) if kwargs else self._data.__dlpack__()

    def __dlpack_device__(self):
        return self._data.__dlpack_device__()

    def __repr__(self) -> str:
        from ._printing import tensor_repr

        return tensor_repr(self)

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0 and spec:
            return self._data.item().__format__(spec)
        return object.__format__(self, spec)

    def __reduce_ex__(self, protocol):
        return (_rebuild, (self._data.copy(), self._rg))

    def __deepcopy__(self, memo):
        if self._grad_fn is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the "
                "deepcopy protocol at the moment.  If you were attempting to deepcopy a module, "
                "this may be because of a torch.nn.utils.weight_norm usage, see "
                "https://github.com/pytorch/pytorch/pull/103001")
        new = type(self).__new__(type(self))
        new.__dict__.update({k: v for k, v in self.__dict__.items()
                             if k not in ("_grad", "_accum", "_vc", "_hooks", "_base")})
        new._data = self._data.copy()
        if self._grad is not None:
            new._grad = self._grad.__deepcopy__(memo)
        memo[id(self)] = new
        return new

    def __abs__(self) -> Tensor:
        return self.abs()

    def __contains__(self, element) -> bool:
        """Whether any element equals ``element`` (a tensor broadcasts, as in PyTorch)."""
        if not isinstance(element, (Tensor, _builtin_number)):
            raise RuntimeError(
                f"Tensor.__contains__ only supports Tensor or scalar, but you passed in a "
                f"{type(element)}.")
        return bool((self == element).any().item())

    def __reversed__(self) -> Tensor:
        """The tensor flipped along dimension 0 (a 0-d tensor as it is)."""
        return self if self._data.ndim == 0 else self.flip(0)

    @property
    def H(self) -> Tensor:  # noqa: N802
        """The conjugate transpose of a matrix."""
        n = self._data.ndim
        if n == 0:
            warnings.warn("Tensor.H is deprecated on 0-D tensors. Consider using x.conj().",
                          UserWarning, stacklevel=2)
            return self.conj()
        if n != 2:
            hint = " For batches of matrices, consider using tensor.mH" if n > 2 else ""
            raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got "
                               f"{n}-D tensor.{hint}")
        return self.transpose(0, 1).conj()

    @property
    def mH(self) -> Tensor:  # noqa: N802
        """The conjugate transpose of the last two dimensions."""
        n = self._data.ndim
        if n < 2:
            raise RuntimeError("tensor.mH is only supported on matrices or batches of matrices. "
                               f"Got {n}-D tensor.")
        return self.transpose(-2, -1).conj()

    def adjoint(self) -> Tensor:
        """``mH``."""
        return self.mH

    @property
    def nbytes(self) -> int:
        """``numel() * itemsize`` (the bytes of the elements, not of the storage)."""
        return self._data.size * self._data.itemsize

    @property
    def itemsize(self) -> int:
        return self._data.itemsize

    def is_nonzero(self) -> bool:
        """The truth value of a one-element tensor."""
        n = self._data.size
        if n != 1:
            raise RuntimeError(f"Boolean value of Tensor with "
                               f"{'no values' if n == 0 else 'more than one value'} is ambiguous")
        return bool(self._data.reshape(()).item())

    def sum_to_size(self, *size) -> Tensor:
        """Sum this tensor down to ``size`` (the reverse of broadcasting to this shape)."""
        if len(size) == 1 and not isinstance(size[0], int):
            size = tuple(size[0])
        size = tuple(int(s) for s in size)
        shape = self._data.shape
        lead = len(shape) - len(size)
        if lead < 0 or any(s != 1 and s != shape[lead + i] for i, s in enumerate(size)):
            raise RuntimeError(f"size {{{list(size)}}} is not expandable to size "
                               f"{{{list(shape)}}}.")
        if size == shape:
            return self
        axes = list(range(lead)) + [lead + i for i, s in enumerate(size)
                                    if s == 1 and shape[lead + i] != 1]
        res = self.sum(tuple(axes), keepdim=True) if axes else self
        return res.view(size) if res._data.shape != size else res

    def apply_(self, callable: Callable) -> Tensor:
        """Replace each element ``v`` by ``callable(v)`` (a Python number), in place.

        Only for tensors that do not require grad. Unlike PyTorch, the version counter is
        bumped, so a graph that saved this tensor notices the change.
        """
        if self._rg:
            raise RuntimeError("Can't call apply_() on Variable that requires grad. Use "
                               "var.detach().apply_() instead.")
        vals = [callable(v) for v in self._data.ravel().tolist()]
        self._write_values(vals)
        return self

    def map_(self, tensor: Tensor, callable: Callable) -> Tensor:
        """Replace each element ``a`` by ``callable(a, b)``, ``b`` from ``tensor`` broadcast to
        this shape, in place (tensors that do not require grad only)."""
        if self._rg or tensor._rg:
            raise RuntimeError("Can't call map_() on Variable that requires grad. Use "
                               "var.detach().map_() instead.")
        other = tensor.expand(self._data.shape)._data
        vals = [callable(a, b) for a, b in zip(self._data.ravel().tolist(),
                                               other.ravel().tolist(), strict=True)]
        self._write_values(vals)
        return self

    def _write_values(self, vals: list) -> None:
        vals = [v.item() if isinstance(v, Tensor) else v for v in vals]
        d = self._data
        d[...] = np.asarray(vals).reshape(d.shape).astype(d.dtype)
        self._version_counter().bump()


_builtin_number = (int, float, complex, np.number, np.bool_)


def _rebuild(data, rg):
    t = _make(data)
    t._rg = rg
    return t


def _wrap_dim(dim: int, ndim: int) -> int:
    """Normalise a possibly negative dim, raising PyTorch's IndexError when out of range."""
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim + n if dim < 0 else dim

