"""chainrule.save / chainrule.load: round trips, safety (no pickle), damaged files, atomic
writes."""

from __future__ import annotations

import collections
import io
import json
import math
import os
import pathlib
import pickle
import zipfile

import numpy as np
import pytest

import chainrule
from chainrule import serialization

DTYPES = ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool",
          "complex64", "complex128"]


def _same(a, b):
    """Deep equality that compares tensors and arrays by dtype, shape and values."""
    assert type(a) is type(b), (type(a), type(b))
    if isinstance(a, chainrule.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape
        assert a.requires_grad == b.requires_grad
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, dict):
        assert list(a.keys()) == list(b.keys())
        for k in a:
            _same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            _same(x, y)
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b)
    else:
        assert a == b


def _round_trip(obj, tmp_path=None):
    buf = io.BytesIO()
    chainrule.save(obj, buf)
    buf.seek(0)
    return chainrule.load(buf)


@pytest.mark.parametrize("dtype", DTYPES)
def test_tensor_dtypes_round_trip(dtype):
    rng = np.random.default_rng(0)
    arr = (rng.standard_normal((3, 4)) * 10).astype(dtype)
    t = chainrule.tensor(arr)
    out = _round_trip(t)
    _same(t, out)
    assert _round_trip(chainrule.tensor(arr[0, 0])).shape == ()
    assert _round_trip(chainrule.tensor(arr[:0])).shape == (0, 4)


def test_nested_structure_round_trip(tmp_path):
    obj = {
        "w": chainrule.tensor([[1.0, 2.0], [3.0, 4.0]]),
        "layers": [chainrule.zeros(3), {"b": chainrule.ones(2, dtype=chainrule.float64)}],
        "meta": collections.OrderedDict([("z", 1), ("a", (1, 2.5, "x", None, True))]),
        3: "int key",
        (1, "t"): "tuple key",
        None: [],
        "floats": [float("inf"), -0.0, float("nan"), 1e-310, 0.1],
        "big": 2 ** 100,
        "complex": 1 + 2j,
        "bytes": b"\x00\xffpk",
        "dtype": chainrule.float16,
        "np": np.arange(6, dtype=np.int16).reshape(2, 3),
        "npscalar": np.float32(1.5),
        "empty": {},
        "size": chainrule.zeros(2, 3).shape,
    }
    path = tmp_path / "ckpt.pt"
    chainrule.save(obj, path)
    out = chainrule.load(path)
    _same(obj, out)
    assert isinstance(out["meta"], collections.OrderedDict)
    assert type(out["npscalar"]) is np.float32
    assert out["dtype"] is chainrule.float16
    assert isinstance(out["size"], chainrule.Size) and out["size"] == (2, 3)


def test_missing_parent_directory(tmp_path):
    with pytest.raises(RuntimeError, match="Parent directory .* does not exist"):
        chainrule.save(1, tmp_path / "nope" / "f.pt")


def test_requires_grad_and_shared_tensors():
    w = chainrule.tensor([1.0, 2.0], requires_grad=True)
    y = w * 2
    out = _round_trip({"a": w, "b": w, "y": y, "c": w.detach()})
    assert out["a"] is out["b"]
    assert out["a"].requires_grad and out["a"].is_leaf
    assert out["y"].requires_grad and out["y"].is_leaf  # saved as a leaf, like torch
    assert not out["c"].requires_grad
    assert out["c"] is not out["a"]


def test_views_and_noncontiguous():
    base = chainrule.tensor(np.arange(12.0).reshape(3, 4))
    out = _round_trip(chainrule.tensor(base.numpy()[:, ::2]))
    assert out.tolist() == [[0.0, 2.0], [4.0, 6.0], [8.0, 10.0]]


def test_loaded_tensors_are_writable_and_usable():
    out = _round_trip(chainrule.tensor([1.0, 2.0], requires_grad=True))
    (out * out).sum().backward()
    assert out.grad.tolist() == [2.0, 4.0]
    out.detach().numpy()[0] = 5.0


@pytest.mark.parametrize("target", ["str", "pathlib", "fileobj"])
def test_accepts_paths_and_file_objects(tmp_path, target):
    obj = {"x": chainrule.arange(5)}
    p = tmp_path / "f.ckpt"
    if target == "str":
        chainrule.save(obj, str(p))
        out = chainrule.load(str(p))
    elif target == "pathlib":
        chainrule.save(obj, pathlib.Path(p))
        out = chainrule.load(pathlib.Path(p))
    else:
        with open(p, "wb") as f:
            chainrule.save(obj, f)
        with open(p, "rb") as f:
            out = chainrule.load(f)
    _same(obj, out)


def test_non_seekable_stream():
    buf = io.BytesIO()
    chainrule.save([1, chainrule.ones(2)], buf)

    class Stream(io.RawIOBase):
        def __init__(self, data):
            self._b = io.BytesIO(data)

        def readable(self):
            return True

        def seekable(self):
            return False

        def readinto(self, b):
            chunk = self._b.read(len(b))
            b[:len(chunk)] = chunk
            return len(chunk)

    out = chainrule.load(io.BufferedReader(Stream(buf.getvalue())))
    assert out[0] == 1 and out[1].tolist() == [1.0, 1.0]


def test_load_options():
    buf = io.BytesIO()
    chainrule.save(chainrule.ones(1), buf)
    for kw in ({"weights_only": True}, {"weights_only": False}, {"map_location": "cpu"},
               {"map_location": chainrule.device("cpu")}):
        buf.seek(0)
        assert chainrule.load(buf, **kw).tolist() == [1.0]
    buf.seek(0)
    with pytest.raises(RuntimeError, match="cuda"):
        chainrule.load(buf, map_location="cuda")


# ------------------------------------------------------------------------------ optimizers
@pytest.mark.parametrize("cls,kw", [
    (chainrule.optim.SGD, {"lr": 0.1, "momentum": 0.9}),
    (chainrule.optim.Adam, {"lr": 0.01, "amsgrad": True}),
    (chainrule.optim.RMSprop, {"centered": True, "momentum": 0.3}),
    (chainrule.optim.Adagrad, {}),
])
def test_optimizer_state_dict_round_trip(tmp_path, cls, kw):
    rng = np.random.default_rng(0)
    params = [chainrule.tensor(rng.standard_normal(3), requires_grad=True) for _ in range(3)]
    opt = cls([{"params": params[:1]}, {"params": params[1:], "lr": 0.5}], **kw)
    for _ in range(3):
        for p in params:
            p.grad = chainrule.tensor(rng.standard_normal(3))
        opt.step()
    sd = opt.state_dict()
    chainrule.save({"optim": sd, "epoch": 3}, tmp_path / "o.pt")
    loaded = chainrule.load(tmp_path / "o.pt")
    _same(sd, loaded["optim"])
    assert sorted(loaded["optim"]["state"]) == [0, 1, 2]  # integer keys survive

    clones = [chainrule.tensor(p.detach().numpy().copy(), requires_grad=True) for p in params]
    opt2 = cls([{"params": clones[:1]}, {"params": clones[1:]}], **kw)
    opt2.load_state_dict(loaded["optim"])
    grads = [chainrule.tensor(rng.standard_normal(3)) for _ in params]
    for ps, o in ((params, opt), (clones, opt2)):
        for p, g in zip(ps, grads, strict=True):
            p.grad = g
        o.step()
    for p, c in zip(params, clones, strict=True):
        np.testing.assert_array_equal(p.detach().numpy(), c.detach().numpy())


def test_scheduler_state_dict_round_trip():
    opt = chainrule.optim.SGD([chainrule.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
    s = chainrule.optim.lr_scheduler.OneCycleLR(opt, 1.0, total_steps=20)
    opt.step()
    s.step()
    sd = s.state_dict()
    out = _round_trip(sd)
    _same(sd, out)


# ------------------------------------------------------------------------------ refusing to save
@pytest.mark.parametrize("bad", [object(), {"f": lambda x: x}, [1, {2, 3}],
                                 np.array([object()], dtype=object),
                                 collections.namedtuple("P", "a")(1),
                                 collections.defaultdict(int)])
def test_unsupported_objects_are_refused(bad):
    with pytest.raises(TypeError, match="chainrule.save"):
        chainrule.save(bad, io.BytesIO())


def test_self_reference_is_refused():
    a = []
    a.append(a)
    with pytest.raises(ValueError, match="self-referencing"):
        chainrule.save(a, io.BytesIO())


def test_file_object_untouched_when_save_fails():
    buf = io.BytesIO()
    with pytest.raises(TypeError):
        chainrule.save({"ok": chainrule.ones(2), "bad": object()}, buf)
    assert buf.getvalue() == b""


# ------------------------------------------------------------------------------ atomic writes
def test_failed_save_leaves_previous_file_intact(tmp_path):
    path = tmp_path / "model.pt"
    chainrule.save({"w": chainrule.ones(3)}, path)
    before = path.read_bytes()
    with pytest.raises(TypeError):
        chainrule.save({"w": chainrule.zeros(3), "oops": object()}, path)
    assert path.read_bytes() == before
    assert chainrule.load(path)["w"].tolist() == [1.0, 1.0, 1.0]
    assert os.listdir(tmp_path) == ["model.pt"]


def test_failure_mid_write_leaves_previous_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "model.pt"
    chainrule.save({"w": chainrule.ones(3)}, path)
    before = path.read_bytes()
    real = np.lib.format.write_array
    calls = {"n": 0}

    def failing_write_array(fp, arr, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            fp.write(b"partial garbage")
            raise OSError("No space left on device")
        return real(fp, arr, *args, **kwargs)

    monkeypatch.setattr(np.lib.format, "write_array", failing_write_array)
    with pytest.raises(OSError, match="No space left"):
        chainrule.save({"a": chainrule.zeros(100), "b": chainrule.zeros(100)}, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.pt"]


def test_keyboard_interrupt_mid_write_cleans_up(tmp_path, monkeypatch):
    path = tmp_path / "model.pt"

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(np.lib.format, "write_array", interrupted)
    with pytest.raises(KeyboardInterrupt):
        chainrule.save(chainrule.zeros(2), path)
    assert os.listdir(tmp_path) == []


def test_save_keeps_existing_permissions(tmp_path):
    path = tmp_path / "m.pt"
    chainrule.save(1, path)
    os.chmod(path, 0o640)
    chainrule.save(2, path)
    assert os.stat(path).st_mode & 0o777 == 0o640
    assert chainrule.load(path) == 2


def test_save_through_symlink(tmp_path):
    real = tmp_path / "real.pt"
    link = tmp_path / "link.pt"
    chainrule.save(1, real)
    link.symlink_to(real)
    chainrule.save(2, link)
    assert link.is_symlink()
    assert chainrule.load(real) == 2


# ------------------------------------------------------------------------------ refusing to load
def test_pickle_payload_is_refused_never_executed(tmp_path):
    marker = tmp_path / "executed"

    class Exploit:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    for protocol in (0, 2, 4, 5):
        path = tmp_path / f"p{protocol}.pt"
        with open(path, "wb") as f:
            pickle.dump({"w": Exploit()}, f, protocol=protocol)
        with pytest.raises(RuntimeError, match="not a valid chainrule checkpoint") as e:
            chainrule.load(path)
        if protocol >= 2 or protocol == 0:
            assert "pickle" in str(e.value) or "not a ZIP archive" in str(e.value)
    assert not marker.exists()


def test_pickle_protocol_2_message():
    buf = io.BytesIO(pickle.dumps([1, 2], protocol=2))
    with pytest.raises(RuntimeError, match="pickle payload, which chainrule.load refuses"):
        chainrule.load(buf)


def test_npz_with_object_arrays_is_refused(tmp_path):
    path = tmp_path / "obj.npz"
    np.savez(path, a=np.array([{"x": 1}], dtype=object))
    with pytest.raises(RuntimeError, match="object arrays.*pickle"):
        chainrule.load(path)


def test_checkpoint_with_object_array_member_is_refused(tmp_path):
    """A forged checkpoint whose manifest points at an object array."""
    path = tmp_path / "forged.pt"
    manifest = {"format": serialization.FORMAT, "version": 1,
                "root": {"t": "ndarray", "key": "a0", "dtype": "|O", "shape": [1]}}
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("manifest.json", json.dumps(manifest))
        with zf.open("a0.npy", "w") as m:
            np.lib.format.write_array(m, np.array([1], dtype=object), allow_pickle=True)
    with pytest.raises(RuntimeError, match="pickle"):
        chainrule.load(path)


def test_torch_checkpoint_is_refused(tmp_path):
    torch = pytest.importorskip("torch")
    path = tmp_path / "torch.pt"
    torch.save({"w": torch.ones(2)}, path)
    with pytest.raises(RuntimeError, match="PyTorch/pickle checkpoint"):
        chainrule.load(path)


@pytest.mark.parametrize("cut", [0.05, 0.5, 0.9, 0.99])
def test_truncated_file(tmp_path, cut):
    path = tmp_path / "t.pt"
    chainrule.save({"w": chainrule.ones(1000), "b": chainrule.zeros(10)}, path)
    data = path.read_bytes()
    path.write_bytes(data[:int(len(data) * cut)])
    with pytest.raises(RuntimeError, match=r"t.pt' is not a valid chainrule checkpoint"):
        chainrule.load(path)


def test_corrupted_bytes_detected(tmp_path):
    path = tmp_path / "c.pt"
    chainrule.save({"w": chainrule.ones(1000)}, path)
    data = bytearray(path.read_bytes())
    i = data.index(b"\x00\x00\x80\x3f")  # inside the float32 ones
    data[i + 3] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(RuntimeError, match="not a valid chainrule checkpoint"):
        chainrule.load(path)


@pytest.mark.parametrize("payload,reason", [
    (b"", "empty"),
    (b"hello world, not a checkpoint", "not a ZIP archive"),
    (b"\x93NUMPY\x01\x00", "bare NumPy .npy"),
])
def test_foreign_files(tmp_path, payload, reason):
    path = tmp_path / "x.bin"
    path.write_bytes(payload)
    with pytest.raises(RuntimeError, match=reason):
        chainrule.load(path)


def _zip(path, members):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)


@pytest.mark.parametrize("members,reason", [
    ({"other.txt": "x"}, "has no manifest.json"),
    ({"manifest.json": "{not json"}, "not valid JSON"),
    ({"manifest.json": '{"format": "something else"}'}, "does not describe"),
    ({"manifest.json": json.dumps({"format": "chainrule.checkpoint", "version": 99,
                                   "root": {"t": "none"}})}, "unsupported checkpoint version"),
    ({"manifest.json": json.dumps({"format": "chainrule.checkpoint", "version": 1,
                                   "root": {"t": "tensor", "key": "t0", "dtype": "float32",
                                            "shape": [2]}})}, "'t0' named in the manifest"),
    ({"manifest.json": json.dumps({"format": "chainrule.checkpoint", "version": 1,
                                   "root": {"t": "evil"}})}, "unknown node type"),
    ({"manifest.json": json.dumps({"format": "chainrule.checkpoint", "version": 1,
                                   "root": {"t": "none"}}), "data.pkl": b"x"},
     "unexpected member"),
])
def test_malformed_archives(tmp_path, members, reason):
    path = tmp_path / "m.pt"
    _zip(path, members)
    with pytest.raises(RuntimeError, match=reason):
        chainrule.load(path)


def test_manifest_array_mismatch(tmp_path):
    path = tmp_path / "mm.pt"
    chainrule.save(chainrule.ones(3), path)
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    manifest = json.loads(members["manifest.json"])
    manifest["root"]["shape"] = [4]
    members["manifest.json"] = json.dumps(manifest)
    _zip(path, members)
    with pytest.raises(RuntimeError, match="has shape \\[3\\], the manifest says \\[4\\]"):
        chainrule.load(path)


def test_format_is_an_npz_with_a_json_manifest(tmp_path):
    path = tmp_path / "f.pt"
    t = chainrule.tensor([1.0, 2.0])
    chainrule.save({"t": t}, path)
    with np.load(path, allow_pickle=False) as npz:
        assert npz.files == ["manifest.json", "t0"]
        assert json.loads(npz["manifest.json"])["version"] == 1
        np.testing.assert_array_equal(npz["t0"], [1.0, 2.0])
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    assert manifest["format"] == "chainrule.checkpoint"
    assert manifest["root"]["t"] == "dict"


def test_parameter_round_trip():
    parameter = pytest.importorskip("chainrule.nn.parameter")
    p = parameter.Parameter(chainrule.ones(2))
    frozen = parameter.Parameter(chainrule.zeros(1), requires_grad=False)
    out = _round_trip({"p": p, "frozen": frozen})
    assert type(out["p"]) is parameter.Parameter
    assert out["p"].requires_grad
    assert type(out["frozen"]) is parameter.Parameter
    assert not out["frozen"].requires_grad
