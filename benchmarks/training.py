"""Training-layer benchmarks: chainrule vs PyTorch vs the same maths by hand in NumPy.

Run from the repository root::

    python benchmarks/training.py            # all workloads, medians of several repeats
    python benchmarks/training.py --quick    # fewer repeats

Workloads (float32, identical data, batches and initial weights for every contestant):

1. the MLP step of ``benchmarks/core.py`` (784-256-10, ReLU, softmax cross-entropy, SGD
   lr 0.1, batch 64) written with ``nn.Linear``, ``nn.CrossEntropyLoss`` and ``optim.SGD``
   (zero_grad / backward / step), timed in the same run as ``core.mlp_step`` (raw tensor
   ops); the ``nn / raw`` row is the ratio of the two for each library.
2. scikit-learn's digits (all 1,797 8x8 images, pixels / 16), MLP 64-128-10 (ReLU),
   cross-entropy, SGD lr 0.1, 20 epochs of batch 32; every epoch is shuffled by a
   permutation drawn in NumPy up front, so every contestant sees the same batches.
   2b repeats the run with each library's own ``DataLoader(TensorDataset, shuffle=True)``
   and 2c times the ``DataLoader`` alone (20 epochs of batches, no training), to show the
   data pipeline's cost separately.
3. one epoch of the digits CNN of ``chainrule.examples.digits`` (``DigitsCNN``) with Adam
   lr 1e-3, batch 32, over the example's 1,437 training images.

"NumPy" is the floor: the forward and the hand-derived backward written directly with NumPy
(channels-last; im2col through ``sliding_window_view`` + one matmul per convolution, a reshape
and three ``np.maximum`` for the 2x2 max-pool), no tape. After each workload the final weights
of every contestant are compared with the floor's, to show that all ran the same maths.

Ratios are measured in the same run on the same machine; the libraries are timed one after
the other (see ``median_times``), the raw and nn steps of one library in turn. PyTorch runs
with ``torch.set_num_threads(2)`` (``--torch-threads`` to change it); the CPU use of other
processes is printed first, as a busy machine skews every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import traceback
from collections.abc import Callable

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import core  # noqa: E402  (the sibling benchmark: mlp_data, mlp_step, mlp_step_numpy)

TORCH_THREADS = 2
BATCH = 32
MLP_EPOCHS = 20
MLP_LR = 0.1
CNN_LR = 1e-3
BETAS = (0.9, 0.999)
EPS = 1e-8
SEED = 0


# --------------------------------------------------------------------------- inputs
def digits_arrays():
    """All 1,797 digits: images (N, 1, 8, 8) float32 in [0, 1] and int64 labels."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32)[:, None, :, :]
    y = digits.target.astype(np.int64)
    return x, y


def digits_train_split(x, y, seed: int = SEED, test_fraction: float = 0.2):
    """The training split of ``chainrule.examples.digits.load_data`` (1,437 images)."""
    order = np.random.default_rng(seed).permutation(len(y))
    train = order[int(len(y) * test_fraction):]
    return x[train], y[train]


def batch_indices(n: int, epochs: int, seed: int = SEED) -> list[np.ndarray]:
    """Index arrays of every batch of every epoch, one fixed permutation per epoch."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(epochs):
        perm = rng.permutation(n)
        out += [perm[i:i + BATCH].copy() for i in range(0, n, BATCH)]
    return out


def uniform_init(shapes, seed: int = SEED) -> list[np.ndarray]:
    """PyTorch's default Linear/Conv init U(-1/sqrt(fan_in), 1/sqrt(fan_in)), drawn in NumPy.

    ``shapes`` alternates weight and bias shapes; a weight's fan-in is the product of its
    trailing dimensions (in, or in * kh * kw).
    """
    rng = np.random.default_rng(seed)
    out = []
    for i in range(0, len(shapes), 2):
        w_shape, b_shape = shapes[i], shapes[i + 1]
        bound = 1.0 / np.sqrt(np.prod(w_shape[1:]))
        out.append(rng.uniform(-bound, bound, w_shape).astype(np.float32))
        out.append(rng.uniform(-bound, bound, b_shape).astype(np.float32))
    return out


MLP_SHAPES = [(128, 64), (128,), (10, 128), (10,)]
CNN_SHAPES = [(16, 1, 3, 3), (16,), (32, 16, 3, 3), (32,), (64, 128), (64,), (10, 64), (10,)]


def load_params(lib, model, arrays) -> None:
    """Copy ``arrays`` into ``model.parameters()`` (in order) and clear their grads."""
    with lib.no_grad():
        for p, a in zip(model.parameters(), arrays, strict=True):
            if tuple(p.shape) != a.shape:
                raise ValueError(f"parameter shape {tuple(p.shape)} != {a.shape}")
            p.copy_(lib.from_numpy(a))
            p.grad = None


def params_numpy(model) -> list[np.ndarray]:
    return [p.detach().numpy().copy() for p in model.parameters()]


# ------------------------------------------------------------------ autograd engines
def mlp_nn_step(lib, batch: int):
    """``core.mlp_step`` with nn.Linear / nn.CrossEntropyLoss / optim.SGD."""
    nn = lib.nn
    xs, ys, (w1, b1, w2, b2) = core.mlp_data(batch)
    x, y = lib.tensor(xs), lib.tensor(ys)
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    # nn.Linear stores its weight as (out, in); core.py's raw version uses (in, out)
    load_params(lib, model, [w1.T.copy(), b1, w2.T.copy(), b2])
    loss_fn = nn.CrossEntropyLoss()
    opt = lib.optim.SGD(model.parameters(), lr=core.LR)

    def run():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return run


def digits_mlp(lib, x: np.ndarray, y: np.ndarray, batches: list[np.ndarray]):
    """The 20-epoch MLP run on fixed batches; returns ``run() -> model``."""
    nn = lib.nn
    init = uniform_init(MLP_SHAPES)
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    loss_fn = nn.CrossEntropyLoss()
    X, Y = lib.from_numpy(x), lib.from_numpy(y)
    idxs = [lib.from_numpy(b) for b in batches]

    def run():
        load_params(lib, model, init)
        opt = lib.optim.SGD(model.parameters(), lr=MLP_LR)
        for idx in idxs:
            xb, yb = X[idx], Y[idx]
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
        return model

    return run


def digits_mlp_dataloader(lib, x: np.ndarray, y: np.ndarray, train: bool = True):
    """The same run fed by the library's own DataLoader(shuffle=True) (or the loader alone)."""
    nn = lib.nn
    from_data = __import__(f"{lib.__name__}.utils.data", fromlist=["DataLoader"])
    init = uniform_init(MLP_SHAPES)
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    loss_fn = nn.CrossEntropyLoss()
    dataset = from_data.TensorDataset(lib.from_numpy(x), lib.from_numpy(y))

    def run():
        loader = from_data.DataLoader(dataset, batch_size=BATCH, shuffle=True,
                                      generator=lib.Generator().manual_seed(SEED))
        if not train:
            n = 0
            for _ in range(MLP_EPOCHS):
                for xb, _yb in loader:
                    n += len(xb)
            return n
        load_params(lib, model, init)
        opt = lib.optim.SGD(model.parameters(), lr=MLP_LR)
        for _ in range(MLP_EPOCHS):
            for xb, yb in loader:
                opt.zero_grad()
                loss = loss_fn(model(xb), yb)
                loss.backward()
                opt.step()
        return model

    return run


def make_cnn(nn):
    """``chainrule.examples.digits.DigitsCNN``, built from ``nn`` (chainrule's or torch's)."""

    class DigitsCNN(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(1, 16, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(16, 32, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            )
            self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(32 * 2 * 2, 64),
                                            nn.ReLU(), nn.Linear(64, 10))

        def forward(self, x):
            return self.classifier(self.features(x))

    return DigitsCNN()


def digits_cnn(lib, x: np.ndarray, y: np.ndarray, batches: list[np.ndarray]):
    """One epoch of DigitsCNN with Adam on fixed batches; returns ``run() -> model``."""
    init = uniform_init(CNN_SHAPES)
    model = make_cnn(lib.nn)
    loss_fn = lib.nn.CrossEntropyLoss()
    X, Y = lib.from_numpy(x), lib.from_numpy(y)
    idxs = [lib.from_numpy(b) for b in batches]

    def run():
        load_params(lib, model, init)
        opt = lib.optim.Adam(model.parameters(), lr=CNN_LR, betas=BETAS, eps=EPS)
        for idx in idxs:
            xb, yb = X[idx], Y[idx]
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
        return model

    return run


# ------------------------------------------------------------------- NumPy by hand
def softmax_xent(z: np.ndarray, y: np.ndarray):
    """Mean cross-entropy of logits ``z`` and its gradient with respect to ``z``."""
    n = len(y)
    rows = np.arange(n)
    m = z.max(axis=1, keepdims=True)
    e = np.exp(z - m)
    s = e.sum(axis=1, keepdims=True)
    loss = -(z[rows, y] - m[:, 0] - np.log(s[:, 0])).mean()
    dz = e / s
    dz[rows, y] -= 1
    dz /= np.float32(n)
    return loss, dz


def digits_mlp_numpy(x: np.ndarray, y: np.ndarray, batches: list[np.ndarray]):
    init = uniform_init(MLP_SHAPES)
    X = x.reshape(len(x), -1)
    lr = np.float32(MLP_LR)

    def run():
        w1, b1, w2, b2 = params = [a.copy() for a in init]
        for idx in batches:
            xb, yb = X[idx], y[idx]
            z1 = xb @ w1.T + b1
            h = np.maximum(z1, 0)
            z2 = h @ w2.T + b2
            _loss, dz2 = softmax_xent(z2, yb)
            dw2 = dz2.T @ h
            db2 = dz2.sum(0)
            dz1 = (dz2 @ w2) * (z1 > 0)
            dw1 = dz1.T @ xb
            db1 = dz1.sum(0)
            for p, g in zip(params, (dw1, db1, dw2, db2), strict=True):
                p -= lr * g
        return params

    return run


def conv3x3_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray):
    """3x3 convolution, padding 1, stride 1, channels-last: (N,H,W,C) -> (N,H,W,O)."""
    n, h, wd, c = x.shape
    xp = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    cols = np.lib.stride_tricks.sliding_window_view(xp, (3, 3), axis=(1, 2))  # N,H,W,C,3,3
    cols = cols.reshape(n * h * wd, c * 9)  # (C, kh, kw) order, as w.reshape(O, -1)
    wm = w.reshape(len(w), -1)
    out = (cols @ wm.T + b).reshape(n, h, wd, len(w))
    return out, cols


def conv3x3_backward(dout: np.ndarray, cols: np.ndarray, w: np.ndarray, x_shape, need_dx: bool):
    n, h, wd, c = x_shape
    o = len(w)
    d2 = dout.reshape(-1, o)
    wm = w.reshape(o, -1)
    dw = (d2.T @ cols).reshape(w.shape)
    db = d2.sum(0)
    if not need_dx:
        return None, dw, db
    dcols = (d2 @ wm).reshape(n, h, wd, c, 3, 3)
    dxp = np.zeros((n, h + 2, wd + 2, c), np.float32)
    for i in range(3):
        for j in range(3):
            dxp[:, i:i + h, j:j + wd, :] += dcols[..., i, j]
    return dxp[:, 1:-1, 1:-1, :], dw, db


POOL_POS = ((0, 0), (0, 1), (1, 0), (1, 1))  # a 2x2 window in (row, column) order


def maxpool2_forward(x: np.ndarray):
    """2x2 max-pool, stride 2, channels-last; also, per later window position, where it
    beat the running maximum (for the backward)."""
    n, h, w, c = x.shape
    r = x.reshape(n, h // 2, 2, w // 2, 2, c)
    best, beats = r[:, :, 0, :, 0], []
    for i, j in POOL_POS[1:]:
        v = r[:, :, i, :, j]
        beats.append(v > best)
        best = np.maximum(best, v)
    return best, beats


def maxpool2_backward(dout: np.ndarray, beats: list[np.ndarray]):
    """The gradient goes to the first maximum of each window, as in PyTorch.

    Ties matter here: a blank region of a digit gives the same conv output at every position.
    The last position that beat the running maximum is the first maximum.
    """
    n, h2, w2, c = dout.shape
    d = np.zeros((n, h2, 2, w2, 2, c), np.float32)
    rest = np.ones(dout.shape, bool)  # no later position won
    for k in (3, 2, 1):
        i, j = POOL_POS[k]
        np.multiply(dout, beats[k - 1] & rest, out=d[:, :, i, :, j])
        rest &= ~beats[k - 1]
    np.multiply(dout, rest, out=d[:, :, 0, :, 0])
    return d.reshape(n, h2 * 2, w2 * 2, c)


def digits_cnn_numpy(x: np.ndarray, y: np.ndarray, batches: list[np.ndarray]):
    init = uniform_init(CNN_SHAPES)
    X = np.ascontiguousarray(x.transpose(0, 2, 3, 1))  # channels-last inside the floor
    lr, b1, b2, eps = (np.float32(v) for v in (CNN_LR, *BETAS, EPS))

    def run():
        params = [a.copy() for a in init]
        cw1, cb1, cw2, cb2, lw1, lb1, lw2, lb2 = params
        m = [np.zeros_like(p) for p in params]
        v = [np.zeros_like(p) for p in params]
        for step, idx in enumerate(batches, 1):
            xb, yb = X[idx], y[idx]
            n = len(idx)
            # forward
            a1, cols1 = conv3x3_forward(xb, cw1, cb1)           # N,8,8,16
            r1 = np.maximum(a1, 0)
            p1, win1 = maxpool2_forward(r1)                      # N,4,4,16
            a2, cols2 = conv3x3_forward(p1, cw2, cb2)           # N,4,4,32
            r2 = np.maximum(a2, 0)
            p2, win2 = maxpool2_forward(r2)                      # N,2,2,32
            f = p2.transpose(0, 3, 1, 2).reshape(n, -1)          # flatten in (C, H, W) order
            z1 = f @ lw1.T + lb1
            h = np.maximum(z1, 0)
            z2 = h @ lw2.T + lb2
            _loss, dz2 = softmax_xent(z2, yb)
            # backward
            dlw2 = dz2.T @ h
            dlb2 = dz2.sum(0)
            dz1 = (dz2 @ lw2) * (z1 > 0)
            dlw1 = dz1.T @ f
            dlb1 = dz1.sum(0)
            df = (dz1 @ lw1).reshape(n, 32, 2, 2).transpose(0, 2, 3, 1)
            dr2 = maxpool2_backward(df, win2)
            da2 = dr2 * (a2 > 0)
            dp1, dcw2, dcb2 = conv3x3_backward(da2, cols2, cw2, p1.shape, True)
            dr1 = maxpool2_backward(dp1, win1)
            da1 = dr1 * (a1 > 0)
            _, dcw1, dcb1 = conv3x3_backward(da1, cols1, cw1, xb.shape, False)
            # Adam, as torch.optim.Adam computes it
            bc1 = 1 - b1 ** step
            bc2_sqrt = np.sqrt(1 - b2 ** step)
            grads = (dcw1, dcb1, dcw2, dcb2, dlw1, dlb1, dlw2, dlb2)
            for p, g, mi, vi in zip(params, grads, m, v, strict=True):
                mi *= b1
                mi += (1 - b1) * g
                vi *= b2
                vi += (1 - b2) * g * g
                p -= (lr / bc1) * mi / (np.sqrt(vi) / bc2_sqrt + eps)
        return params

    return run


# ------------------------------------------------------------------------- timing
def median_times(fns: dict[str, Callable], repeats: int, number: int = 1,
                 errors: dict[str, str] | None = None) -> tuple[dict[str, float], dict]:
    """Median seconds per call of each fn; also each fn's last result.

    Libraries (the part of a name before ``/``) are timed one after the other, each after a
    warm-up call, because one library's idle worker threads (OpenBLAS, OpenMP) spin for a
    while after its last call and slow the next library's threads on a 2-core machine.
    Within a library (``chainrule/raw`` and ``chainrule/nn``) the fns take turns, one repeat
    each, so drifts of the machine hit them alike. A fn that raises is dropped and its error
    recorded in ``errors``.
    """
    groups: dict[str, dict[str, Callable]] = {}
    for name, fn in fns.items():
        groups.setdefault(name.split("/")[0], {})[name] = fn
    last: dict[str, object] = {}
    times: dict[str, list[float]] = {}
    for group in groups.values():
        for name in list(group):
            try:
                last[name] = group[name]()  # warm up
            except Exception as e:  # noqa: BLE001 - report and go on with the others
                if errors is None:
                    raise
                errors[name] = f"{type(e).__name__}: {e}"
                traceback.print_exc(limit=-3)
                del group[name]
        for _ in range(repeats):
            for name, fn in group.items():
                t0 = time.perf_counter()
                for _ in range(number):
                    last[name] = fn()
                times.setdefault(name, []).append((time.perf_counter() - t0) / number)
    return {name: statistics.median(t) for name, t in times.items()}, last


def max_param_diff(a: list[np.ndarray], b: list[np.ndarray]) -> float:
    return max(float(np.abs(p - q).max()) for p, q in zip(a, b, strict=True))


def thread_settings(torch) -> str:
    parts = [f"{os.cpu_count()} CPU cores"]
    if torch is not None:
        parts.append(f"torch.get_num_threads()={torch.get_num_threads()}, "
                     f"interop threads {torch.get_num_interop_threads()}")
    try:
        from threadpoolctl import threadpool_info

        blas = [f"{i['internal_api']} {i['num_threads']} threads" for i in threadpool_info()
                if i.get("user_api") == "blas" and "numpy" in i.get("filepath", "")]
        parts.append("NumPy's BLAS: " + (", ".join(blas) or "unknown"))
    except ImportError:
        parts.append("NumPy's BLAS threads: unknown (threadpoolctl not installed)")
    env = [f"{k}={os.environ[k]}" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                            "MKL_NUM_THREADS") if k in os.environ]
    if env:
        parts.append(" ".join(env))
    return "; ".join(parts)


def other_load(seconds: float = 1.0) -> float | None:
    """Cores kept busy by other processes over ``seconds`` (Linux /proc/stat), else the
    1-minute load average, else None."""

    def sample():
        with open("/proc/stat") as f:
            v = [int(n) for n in f.readline().split()[1:]]
        return sum(v), v[3] + v[4]  # total, idle + iowait

    try:
        t0, i0 = sample()
        time.sleep(seconds)
        t1, i1 = sample()
        return (os.cpu_count() or 1) * (1 - (i1 - i0) / max(t1 - t0, 1))
    except (OSError, ValueError, IndexError):
        return os.getloadavg()[0] if hasattr(os, "getloadavg") else None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats")
    ap.add_argument("--json", help="also write the results to this file")
    ap.add_argument("--torch-threads", type=int, default=TORCH_THREADS,
                    help=f"torch.set_num_threads (default {TORCH_THREADS}, the machine's cores)")
    args = ap.parse_args()
    rep_step = 3 if args.quick else 7     # workload 1 (each repeat = 20 steps)
    rep_train = 3 if args.quick else 5    # workloads 2 and 3 (each repeat = a whole run)

    import chainrule

    contestants: dict[str, object] = {"chainrule": chainrule}
    torch = None
    try:
        import torch

        torch.set_num_threads(args.torch_threads)
        contestants["torch"] = torch
    except ImportError:
        print("(PyTorch not installed: pip install torch==2.13.0 to compare against it)")
    try:
        import sklearn  # noqa: F401

        have_sklearn = True
    except ImportError:
        have_sklearn = False
        print("(scikit-learn not installed: skipping the digits workloads 2 and 3; "
              "pip install scikit-learn)")
    print(f"threads: {thread_settings(torch)}")
    busy = other_load()
    if busy is not None:
        print(f"CPU use by other processes just before the run: {busy:.2f} cores"
              + ("  -- expect noisy timings" if busy > 0.2 else ""))

    errors: dict[str, str] = {}
    results: dict[str, dict[str, float]] = {}
    ratio_rows: set[str] = set()
    checks: list[str] = []

    def build(row: str, fns: dict[str, Callable], key: str, factory: Callable) -> None:
        """fns[key] = factory(), or record why a contestant could not be set up."""
        try:
            fns[key] = factory()
        except Exception as e:  # noqa: BLE001 - report and go on with the others
            errors[f"{row} [{key}] setup"] = f"{type(e).__name__}: {e}"

    def record(row: str, fns: dict[str, Callable], repeats: int, number: int = 1,
               scale: float = 1.0):
        errs: dict[str, str] = {}
        medians, last = median_times(fns, repeats, number, errs)
        errors.update({f"{row} [{k}]": e for k, e in errs.items()})
        results[row] = {k: t * scale for k, t in medians.items()}
        return last

    # 1. MLP step: raw tensor ops and nn layers timed in the same run
    row1 = "1. MLP step"
    fns: dict[str, Callable] = {"numpy": core.mlp_step_numpy(64)}
    for cname, lib in contestants.items():
        build(row1, fns, f"{cname}/raw", lambda lib=lib: core.mlp_step(lib, 64))
        build(row1, fns, f"{cname}/nn", lambda lib=lib: mlp_nn_step(lib, 64))
    record(row1, fns, rep_step, 20, 1e3)
    med = results.pop(row1)
    ratio_row = {c: med[f"{c}/nn"] / med[f"{c}/raw"] for c in contestants
                 if f"{c}/nn" in med and f"{c}/raw" in med}
    results["1a. MLP step, raw ops (ms)"] = {
        "numpy": med["numpy"], **{c: med[f"{c}/raw"] for c in contestants if f"{c}/raw" in med}}
    results["1b. MLP step, nn + optim (ms)"] = {
        "numpy": med["numpy"], **{c: med[f"{c}/nn"] for c in contestants if f"{c}/nn" in med}}
    results["1c. nn / raw (ratio)"] = ratio_row
    ratio_rows.add("1c. nn / raw (ratio)")

    if have_sklearn:
        x, y = digits_arrays()
        # 2. digits MLP, 20 epochs on fixed batches; then through each library's DataLoader
        batches = batch_indices(len(y), MLP_EPOCHS)
        row = "2. digits MLP, 20 epochs (s)"
        fns = {"numpy": digits_mlp_numpy(x, y, batches)}
        for cname, lib in contestants.items():
            build(row, fns, cname, lambda lib=lib: digits_mlp(lib, x, y, batches))
        checks.append(param_check("2", record(row, fns, rep_train)))
        row = "2b. same, DataLoader(shuffle) (s)"
        fns = {}
        for cname, lib in contestants.items():
            build(row, fns, cname, lambda lib=lib: digits_mlp_dataloader(lib, x, y))
        record(row, fns, rep_train)
        row = "2c. DataLoader alone, 20 ep (s)"
        fns = {}
        for cname, lib in contestants.items():
            build(row, fns, cname, lambda lib=lib: digits_mlp_dataloader(lib, x, y, False))
        record(row, fns, rep_train)

        # 3. digits CNN, one epoch over the example's training split
        xt, yt = digits_train_split(x, y)
        batches = batch_indices(len(yt), 1)
        row = "3. digits CNN, 1 epoch (s)"
        fns = {"numpy": digits_cnn_numpy(xt, yt, batches)}
        for cname, lib in contestants.items():
            build(row, fns, cname, lambda lib=lib: digits_cnn(lib, xt, yt, batches))
        checks.append(param_check("3", record(row, fns, rep_train)))

    head = f"{'workload':34}{'chainrule':>11}{'torch':>11}{'numpy':>11}{'vs torch':>10}" \
           f"{'vs numpy':>10}"
    print(head)
    print("-" * len(head))

    def cell(v):
        return f"{v:11.3f}" if v is not None else f"{'-':>11}"

    for name, row in results.items():
        c, t, n = row.get("chainrule"), row.get("torch"), row.get("numpy")
        if name in ratio_rows:
            print(f"{name:34}{cell(c)}{cell(t)}{cell(None)}{'-':>10}{'-':>10}")
            continue
        vt = f"{c / t:9.2f}x" if c and t else f"{'-':>10}"
        vn = f"{c / n:9.2f}x" if c and n else f"{'-':>10}"
        print(f"{name:34}{cell(c)}{cell(t)}{cell(n)}{vt}{vn}")
    print()
    for line in checks:
        if line:
            print(line)
    print_targets(results)
    if errors:
        print("\nerrors (contestant left out of that row):")
        for k, e in errors.items():
            print(f"  {k}: {e}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"results": results, "errors": errors,
                       "threads": thread_settings(torch)}, f, indent=2)
    return 1 if errors else 0


def param_check(label: str, last: dict) -> str:
    """Max |difference| of the final weights between contestants: they ran the same maths."""
    finals = {}
    for k, v in last.items():
        finals[k] = v if isinstance(v, list) else params_numpy(v)
    if "numpy" not in finals or len(finals) < 2:
        return ""
    diffs = [f"{k} {max_param_diff(finals[k], finals['numpy']):.1e}" for k in finals
             if k != "numpy"]
    return (f"check {label}: max |final weight - numpy floor's|: " + ", ".join(diffs)
            + "  (over ~1e-6: a ReLU input within rounding of 0 took the other side)")


def print_targets(results: dict) -> None:
    def get(row, key):
        return results.get(row, {}).get(key)

    lines = []
    r = get("1c. nn / raw (ratio)", "chainrule")
    if r is not None:
        lines.append(f"target 1: chainrule nn / raw = {r:.2f}x (<= 1.10x): "
                     f"{'met' if r <= 1.10 else 'MISSED'}")
    for row, goal, label in (("2. digits MLP, 20 epochs (s)", 0.5, "2"),
                             ("3. digits CNN, 1 epoch (s)", 2.0, "3")):
        c, t = get(row, "chainrule"), get(row, "torch")
        if c is not None and t is not None:
            lines.append(f"target {label}: chainrule / torch = {c / t:.2f}x (<= {goal}x): "
                         f"{'met' if c / t <= goal else 'MISSED'}")
    for line in lines:
        print(line)


if __name__ == "__main__":
    sys.exit(main())
