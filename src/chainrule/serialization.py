"""``chainrule.save`` / ``chainrule.load``: checkpoints without pickle.

A checkpoint holds tensors, NumPy arrays, Python numbers, strings, bytes, ``None``,
dtypes, and lists, tuples, dicts and ``OrderedDict`` s of these, nested (module and
optimizer ``state_dict`` s, training state, ...).  Arbitrary objects are refused when
saving, and loading never executes code: there is no pickle anywhere in the format.

File format
-----------
A checkpoint is a ZIP archive (uncompressed, the layout of ``numpy.savez``) with:

``manifest.json``
    UTF-8 JSON object ``{"format": "chainrule.checkpoint", "version": 1, "root": NODE}``
    where ``NODE`` describes the saved object.  Each node is a JSON object with a type
    tag ``"t"``:

    ==================  ============================================================
    ``none``            ``None``
    ``bool``            ``{"v": true}``
    ``int``             ``{"v": 12}`` (arbitrary precision)
    ``float``           ``{"v": "0.1"}`` (``repr`` of the float, so ``nan``/``inf``
                        round-trip exactly)
    ``complex``         ``{"re": "1.0", "im": "-2.0"}``
    ``str``             ``{"v": "text"}``
    ``bytes``           ``{"v": "<base64>"}``
    ``list``/``tuple``  ``{"items": [NODE, ...]}``
    ``size``            ``{"items": [2, 3]}`` (a ``chainrule.Size``)
    ``dict``/``odict``  ``{"items": [[KEY_NODE, VALUE_NODE], ...]}`` (in order; keys may be
                        any hashable node, e.g. the integer ids of optimizer state)
    ``dtype``           ``{"v": "float32"}`` (a ``chainrule.dtype``)
    ``tensor``          ``{"key": "t0", "dtype": "float32", "shape": [2, 3],
                        "requires_grad": false, "parameter": false}``
    ``ndarray``         ``{"key": "a0", "dtype": "<f4", "shape": [2, 3]}``
    ``npscalar``        ``{"key": "a1", "dtype": "<i8"}`` (a NumPy scalar, stored 0-d)
    ==================  ============================================================

``<key>.npy``
    one NumPy ``.npy`` member per tensor / array, read back with ``allow_pickle=False``
    (object arrays are never written nor accepted).

The same Tensor object referenced several times is stored once and loads as one object.
Views are stored as independent copies of their data.  Tensors created by
``chainrule.nn.Parameter`` load as Parameters.

Writing to a path goes to a temporary file in the same directory, which is flushed,
``fsync`` ed and then renamed over the target with ``os.replace``: a save that fails (an
unsupported object, a full disk, an interrupt) leaves any previous file intact.  Loading
checks the archive, the manifest and every array against the manifest, and reports a
damaged, truncated or foreign file as ``RuntimeError("<file> is not a valid chainrule
checkpoint: <reason>")``; files holding pickle data (``pickle.dump`` output, PyTorch's own
``.pt`` archives, ``.npy``/``.npz`` with object arrays) are refused with a message saying
so, never unpickled.
"""

from __future__ import annotations

import base64
import collections
import io
import json
import os
import tempfile
import zipfile
from typing import Any

import numpy as np

from . import _dtype
from ._tensor import Size, Tensor, _make

__all__ = ["save", "load"]

FORMAT = "chainrule.checkpoint"
VERSION = 1
MANIFEST = "manifest.json"

_PICKLE_REFUSED = ("it contains a pickle payload, which chainrule.load refuses to execute "
                   "(chainrule checkpoints never contain pickle data)")


# ---------------------------------------------------------------------------------- encode
class _Encoder:
    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}
        self._tensor_keys: dict[int, str] = {}
        self._keep: list[Any] = []  # keeps memoised objects alive so ids stay unique
        self._active: set[int] = set()

    def _add_array(self, prefix: str, arr: np.ndarray) -> str:
        key = f"{prefix}{len(self.arrays)}"
        self.arrays[key] = arr
        return key

    def encode(self, obj: Any) -> dict:
        if obj is None:
            return {"t": "none"}
        if isinstance(obj, bool):
            return {"t": "bool", "v": obj}
        if isinstance(obj, np.generic):  # before int/float/complex/str: np.float64 is a float
            arr = _check_plain_array(np.asarray(obj))
            key = self._add_array("a", arr)
            return {"t": "npscalar", "key": key, "dtype": arr.dtype.str}
        if isinstance(obj, int):
            return {"t": "int", "v": int(obj)}
        if isinstance(obj, float):
            return {"t": "float", "v": repr(float(obj))}
        if isinstance(obj, complex):
            return {"t": "complex", "re": repr(obj.real), "im": repr(obj.imag)}
        if isinstance(obj, str):
            return {"t": "str", "v": str(obj)}
        if isinstance(obj, (bytes, bytearray)):
            return {"t": "bytes", "v": base64.b64encode(bytes(obj)).decode("ascii")}
        if isinstance(obj, _dtype.dtype):
            return {"t": "dtype", "v": obj.name}
        if isinstance(obj, Tensor):
            return self._encode_tensor(obj)
        if isinstance(obj, np.ndarray):
            arr = _check_plain_array(obj)
            key = self._add_array("a", arr)
            return {"t": "ndarray", "key": key, "dtype": arr.dtype.str, "shape": list(arr.shape)}
        if isinstance(obj, Size):
            return {"t": "size", "items": [int(v) for v in obj]}
        if isinstance(obj, (list, tuple, dict)):
            return self._encode_container(obj)
        raise TypeError(
            f"chainrule.save: cannot serialise an object of type {_qualname(type(obj))}; "
            "checkpoints hold tensors, NumPy arrays, numbers, strings, bytes, None, dtypes and "
            "lists/tuples/dicts of them (chainrule.save uses no pickle)")

    def _encode_container(self, obj) -> dict:
        oid = id(obj)
        if oid in self._active:
            raise ValueError("chainrule.save: cannot serialise a self-referencing container")
        self._active.add(oid)
        try:
            if isinstance(obj, tuple) and hasattr(obj, "_fields"):
                raise TypeError(
                    f"chainrule.save: cannot serialise namedtuple {_qualname(type(obj))} "
                    "(save a plain tuple or a dict instead)")
            if isinstance(obj, (list, tuple)):
                if type(obj) not in (list, tuple):
                    raise TypeError(f"chainrule.save: cannot serialise an object of type "
                                    f"{_qualname(type(obj))} (a {type(obj).__base__.__name__}"
                                    " subclass)")
                tag = "list" if isinstance(obj, list) else "tuple"
                return {"t": tag, "items": [self.encode(v) for v in obj]}
            if type(obj) is dict:
                tag = "dict"
            elif type(obj) is collections.OrderedDict:
                tag = "odict"
            else:
                raise TypeError(f"chainrule.save: cannot serialise an object of type "
                                f"{_qualname(type(obj))} (a dict subclass)")
            items = []
            for k, v in obj.items():
                knode = self.encode(k)
                if knode["t"] in ("list", "dict", "odict", "tensor", "ndarray"):
                    raise TypeError(f"chainrule.save: unsupported dict key of type "
                                    f"{_qualname(type(k))}")
                items.append([knode, self.encode(v)])
            return {"t": tag, "items": items}
        finally:
            self._active.discard(oid)

    def _encode_tensor(self, t: Tensor) -> dict:
        is_param = _is_parameter(t)
        node = {"t": "tensor", "dtype": t.dtype.name, "shape": list(t._data.shape),
                "requires_grad": bool(t.requires_grad), "parameter": is_param}
        key = self._tensor_keys.get(id(t))
        if key is None:
            key = self._add_array("t", t._data)
            self._tensor_keys[id(t)] = key
            self._keep.append(t)
        node["key"] = key
        return node


def _qualname(tp: type) -> str:
    mod = getattr(tp, "__module__", "")
    name = getattr(tp, "__qualname__", repr(tp))
    return name if mod in ("builtins", "") else f"{mod}.{name}"


def _check_plain_array(arr: np.ndarray) -> np.ndarray:
    if arr.dtype.hasobject or arr.dtype.kind not in "biufcSUM" or arr.dtype.fields:
        raise TypeError(f"chainrule.save: cannot serialise NumPy arrays of dtype {arr.dtype} "
                        "(only plain numeric, boolean, string and datetime arrays)")
    return arr


def _is_parameter(t: Tensor) -> bool:
    return type(t).__name__ == "Parameter" and type(t).__module__.startswith("chainrule.nn")


def _write_archive(fileobj, manifest: dict, arrays: dict[str, np.ndarray]) -> None:
    with zipfile.ZipFile(fileobj, mode="w", compression=zipfile.ZIP_STORED,
                         allowZip64=True) as zf:
        zf.writestr(MANIFEST, json.dumps(manifest, separators=(",", ":"), allow_nan=False))
        for key, arr in arrays.items():
            with zf.open(key + ".npy", mode="w", force_zip64=True) as member:
                np.lib.format.write_array(member, arr, allow_pickle=False)


def save(obj: Any, f, pickle_module=None, pickle_protocol: int = 2,
         _use_new_zipfile_serialization: bool = True) -> None:
    """Save ``obj`` (tensors and nested containers of them) to ``f``.

    Args:
        obj: what to save (see the module docstring for the supported types).
        f: a path (``str`` or ``os.PathLike``) or a writable binary file object.

    A path is written atomically: the checkpoint is assembled in a temporary file next to
    it and renamed over ``f`` only once complete.

    >>> import io, chainrule as torch
    >>> buf = io.BytesIO()
    >>> torch.save({"w": torch.tensor([1.0, 2.0]), "step": 3}, buf)
    >>> _ = buf.seek(0)
    >>> torch.load(buf)
    {'w': tensor([1., 2.]), 'step': 3}
    """
    if pickle_module is not None:
        raise ValueError("chainrule.save does not use pickle; pickle_module is not supported")
    encoder = _Encoder()
    manifest = {"format": FORMAT, "version": VERSION, "root": encoder.encode(obj)}
    # Everything that can fail on the object itself has failed by now: nothing was written.

    if isinstance(f, (str, os.PathLike)):
        _save_to_path(os.fspath(f), manifest, encoder.arrays)
        return
    if not hasattr(f, "write"):
        raise TypeError(f"chainrule.save: expected a path or a writable binary file object, "
                        f"got {type(f).__name__}")
    buf = io.BytesIO()
    _write_archive(buf, manifest, encoder.arrays)
    f.write(buf.getbuffer())
    if hasattr(f, "flush"):
        f.flush()


def _save_to_path(path: str, manifest: dict, arrays: dict[str, np.ndarray]) -> None:
    path = os.path.realpath(path)  # write through symlinks, as open(path, "wb") would
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        raise RuntimeError(f"Parent directory {directory} does not exist.")
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp",
                               dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            _write_archive(fh, manifest, arrays)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            mode = os.stat(path).st_mode & 0o7777
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    try:  # make the rename durable
        dfd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


# ---------------------------------------------------------------------------------- decode
class _Invalid(Exception):
    """A reason why a file is not a valid checkpoint."""


class _Decoder:
    def __init__(self, zf: zipfile.ZipFile) -> None:
        self.zf = zf
        self.names = set(zf.namelist())
        self.tensors: dict[str, Tensor] = {}

    def _array(self, key: str, dtype: str | None, shape) -> np.ndarray:
        if not isinstance(key, str) or key + ".npy" not in self.names:
            raise _Invalid(f"array {key!r} named in the manifest is missing")
        with self.zf.open(key + ".npy") as member:
            try:
                arr = np.lib.format.read_array(member, allow_pickle=False)
            except ValueError as e:
                if "allow_pickle" in str(e) or "Object arrays" in str(e):
                    raise _Invalid(_PICKLE_REFUSED) from e
                raise _Invalid(f"array {key!r} is damaged: {e}") from e
        if dtype is not None and arr.dtype != np.dtype(dtype):
            raise _Invalid(f"array {key!r} has dtype {arr.dtype}, the manifest says {dtype}")
        if shape is not None and list(arr.shape) != list(shape):
            raise _Invalid(f"array {key!r} has shape {list(arr.shape)}, the manifest says "
                           f"{list(shape)}")
        return arr

    def decode(self, node) -> Any:
        if not isinstance(node, dict) or "t" not in node:
            raise _Invalid(f"malformed manifest node {str(node)[:80]!r}")
        t = node["t"]
        if t == "none":
            return None
        if t == "bool":
            return bool(_expect(node["v"], bool))
        if t == "int":
            return _expect(node["v"], int)
        if t == "float":
            return float(_expect(node["v"], str))
        if t == "complex":
            return complex(float(_expect(node["re"], str)), float(_expect(node["im"], str)))
        if t == "str":
            return _expect(node["v"], str)
        if t == "bytes":
            return base64.b64decode(_expect(node["v"], str), validate=True)
        if t == "dtype":
            try:
                return _dtype._by_name(_expect(node["v"], str))
            except KeyError:
                raise _Invalid(f"unknown dtype {node['v']!r}") from None
        if t == "size":
            return Size(_expect(v, int) for v in _expect(node["items"], list))
        if t in ("list", "tuple"):
            items = [self.decode(v) for v in _expect(node["items"], list)]
            return items if t == "list" else tuple(items)
        if t in ("dict", "odict"):
            out = {} if t == "dict" else collections.OrderedDict()
            for pair in _expect(node["items"], list):
                if not isinstance(pair, list) or len(pair) != 2:
                    raise _Invalid("malformed dict entry in the manifest")
                out[self.decode(pair[0])] = self.decode(pair[1])
            return out
        if t == "tensor":
            return self._tensor(node)
        if t == "ndarray":
            return self._array(node["key"], node["dtype"], node["shape"])
        if t == "npscalar":
            return self._array(node["key"], node["dtype"], []).reshape(())[()]
        raise _Invalid(f"unknown node type {t!r} in the manifest")

    def _tensor(self, node) -> Tensor:
        key = node["key"]
        cached = self.tensors.get(key)
        if cached is not None:
            return cached
        try:
            dt = _dtype._by_name(node["dtype"])
        except (KeyError, TypeError):
            raise _Invalid(f"unsupported tensor dtype {node.get('dtype')!r}") from None
        arr = self._array(key, dt.np.str, node["shape"])
        if not arr.flags.writeable:
            arr = arr.copy()
        t = _make(arr)
        if node.get("parameter"):
            from .nn.parameter import Parameter

            t = Parameter(t, requires_grad=bool(node.get("requires_grad", True)))
        elif node.get("requires_grad"):
            t.requires_grad_(True)
        self.tensors[key] = t
        return t


def _expect(value, tp):
    if not isinstance(value, tp) or (tp is int and isinstance(value, bool)):
        raise _Invalid(f"malformed manifest value {str(value)[:80]!r}")
    return value


def _name_of(f) -> str:
    if isinstance(f, (str, os.PathLike)):
        return repr(os.fspath(f))
    name = getattr(f, "name", None)
    return repr(name) if isinstance(name, str) else "the file"


def _looks_like_pickle(head: bytes) -> bool:
    # protocol 2+ starts with PROTO (0x80) and a protocol number; protocols 0/1 usually
    # start with a MARK/EMPTY_* opcode.  PyTorch's legacy format also starts with a pickle.
    return (len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5) or head[:1] in (
        b"(", b"}", b"]")


def load(f, map_location=None, pickle_module=None, *, weights_only: bool | None = True,
         mmap: bool | None = None, **pickle_load_args) -> Any:
    """Load an object saved by :func:`save`.

    Args:
        f: a path (``str`` or ``os.PathLike``) or a readable binary file object.
        map_location: ``None`` or ``"cpu"`` (chainrule tensors live on the CPU).
        weights_only: accepted for compatibility; loading is always restricted to the
            checkpoint format (no code is ever executed), whatever its value.

    Raises:
        RuntimeError: the file is not a valid chainrule checkpoint (damaged, truncated,
            another format, or containing pickle data, which is never executed).
    """
    if pickle_module is not None:
        raise ValueError("chainrule.load does not use pickle; pickle_module is not supported")
    _check_map_location(map_location)
    name = _name_of(f)

    if isinstance(f, (str, os.PathLike)):
        with open(os.fspath(f), "rb") as fh:
            return _load_stream(fh, name)
    if not hasattr(f, "read"):
        raise TypeError(f"chainrule.load: expected a path or a readable binary file object, "
                        f"got {type(f).__name__}")
    if not (hasattr(f, "seek") and getattr(f, "seekable", lambda: True)()):
        f = io.BytesIO(f.read())
    return _load_stream(f, name)


def _check_map_location(map_location) -> None:
    if map_location is None or callable(map_location) or isinstance(map_location, dict):
        return
    from ._tensor import device

    dev = device(map_location)
    if dev.type != "cpu":
        raise RuntimeError(f"chainrule.load: cannot map tensors to {dev}; chainrule tensors "
                           "live on the CPU")


def _load_stream(fh, name: str) -> Any:
    start = fh.tell()
    head = fh.read(8)
    fh.seek(start)
    if isinstance(head, str):
        raise TypeError("chainrule.load: the file object must be opened in binary mode")
    try:
        if head[:2] == b"PK":
            return _load_zip(fh)
        if _looks_like_pickle(head):
            raise _Invalid(_PICKLE_REFUSED)
        if head[:6] == b"\x93NUMPY":
            raise _Invalid("it is a bare NumPy .npy file, not a checkpoint archive")
        if not head:
            raise _Invalid("the file is empty")
        raise _Invalid("it is not a ZIP archive (unknown format, or a damaged file)")
    except _Invalid as e:
        raise RuntimeError(f"{name} is not a valid chainrule checkpoint: {e}") from (
            e.__cause__)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError,
            KeyError, UnicodeDecodeError, json.JSONDecodeError, TypeError, OverflowError,
            RecursionError) as e:
        raise RuntimeError(f"{name} is not a valid chainrule checkpoint: "
                           f"{type(e).__name__}: {e}") from e


def _load_zip(fh) -> Any:
    try:
        zf = zipfile.ZipFile(fh, mode="r")
    except zipfile.BadZipFile as e:
        raise _Invalid(f"damaged or truncated archive ({e})") from e
    with zf:
        names = zf.namelist()
        if MANIFEST not in names:
            pkl = [n for n in names if n.endswith(".pkl")]
            if pkl:
                raise _Invalid(f"it is a PyTorch/pickle checkpoint (it holds {pkl[0]}); "
                               + _PICKLE_REFUSED)
            if any(_member_holds_objects(zf, n) for n in names if n.endswith(".npy")):
                raise _Invalid("it is an .npz archive with object arrays; " + _PICKLE_REFUSED)
            raise _Invalid(f"the archive has no {MANIFEST}")
        try:
            manifest = json.loads(zf.read(MANIFEST).decode("utf-8"),
                                  parse_constant=_reject_constant)
        except (ValueError, UnicodeDecodeError) as e:
            raise _Invalid(f"{MANIFEST} is not valid JSON ({e})") from e
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise _Invalid(f"{MANIFEST} does not describe a chainrule checkpoint")
        if manifest.get("version") != VERSION:
            raise _Invalid(f"unsupported checkpoint version {manifest.get('version')!r} "
                           f"(this chainrule reads version {VERSION})")
        for n in names:
            if n != MANIFEST and not n.endswith(".npy"):
                raise _Invalid(f"unexpected member {n!r} in the archive")
        if "root" not in manifest:
            raise _Invalid(f"{MANIFEST} has no root object")
        return _Decoder(zf).decode(manifest["root"])


def _member_holds_objects(zf: zipfile.ZipFile, name: str) -> bool:
    """Whether the .npy member's header declares an object (pickled) dtype."""
    try:
        with zf.open(name) as member:
            version = np.lib.format.read_magic(member)
            if version == (1, 0):
                _, _, dtype = np.lib.format.read_array_header_1_0(member)
            else:
                _, _, dtype = np.lib.format.read_array_header_2_0(member)
        return bool(dtype.hasobject)
    except Exception:  # an unreadable header is reported as a damaged archive instead
        return False


def _reject_constant(name: str):
    raise ValueError(f"non-standard JSON constant {name}")
