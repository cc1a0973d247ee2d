"""Core engine benchmarks: chainrule vs PyTorch vs the same maths by hand in NumPy.

Run from the repository root::

    python benchmarks/core.py            # all workloads, medians of several repeats
    python benchmarks/core.py --quick    # fewer repeats

Workloads (float32, identical inputs and weights for every contestant):

a. tiny ops: a chain of 200 elementwise ops (mul, add, tanh, exp) on a 4-element tensor,
   then sum and backward; reported in microseconds per op.
b. an MLP training step 784-256-10 (ReLU, softmax cross-entropy, SGD update under no_grad),
   batch 64.
c. the same at batch 1024.
d. a 20,000-deep scalar chain ``y = y * 1.0001 + 0.0001``, then backward.
e. peak memory of (b), above the memory after imports (each contestant in a fresh process).

"NumPy" is the floor: the forward and the hand-derived backward written directly with NumPy,
no tape. Ratios are measured in the same run on the same machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import numpy as np

CHAIN_OPS = 200
DEEP = 20_000
LR = 0.1


# --------------------------------------------------------------------------- inputs
def mlp_data(batch: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, 784)).astype(np.float32)
    y = rng.integers(0, 10, size=batch).astype(np.int64)
    w1 = (rng.standard_normal((784, 256)) * 0.05).astype(np.float32)
    b1 = np.zeros(256, np.float32)
    w2 = (rng.standard_normal((256, 10)) * 0.05).astype(np.float32)
    b2 = np.zeros(10, np.float32)
    return x, y, [w1, b1, w2, b2]


CHAIN_X = np.array([0.1, -0.2, 0.3, 0.4], np.float32)


# ------------------------------------------------------------------ autograd engines
def tiny_chain(lib):
    x = lib.tensor(CHAIN_X, requires_grad=True)

    def run():
        y = x
        for _ in range(CHAIN_OPS // 4):
            y = y * 0.9
            y = y + 0.1
            y = y.tanh()
            y = y.exp()
        y.sum().backward()
        x.grad = None

    return run


def mlp_step(lib, batch: int):
    xs, ys, params = mlp_data(batch)
    x, y = lib.tensor(xs), lib.tensor(ys)
    w1, b1, w2, b2 = [lib.tensor(p.copy(), requires_grad=True) for p in params]
    rows = lib.arange(batch)

    def run():
        h = (x @ w1 + b1).relu()
        logits = h @ w2 + b2
        loss = -logits.log_softmax(1)[rows, y].mean()
        loss.backward()
        with lib.no_grad():
            for p in (w1, b1, w2, b2):
                p -= LR * p.grad
                p.grad = None
        return loss

    return run


def deep_chain(lib):
    x = lib.tensor(1.0, requires_grad=True)

    def run():
        y = x
        for _ in range(DEEP):
            y = y * 1.0001 + 0.0001
        y.backward()
        x.grad = None

    return run


# ------------------------------------------------------------------- NumPy by hand
def tiny_chain_numpy():
    x = CHAIN_X.copy()

    def run():
        saved = []
        y = x
        for _ in range(CHAIN_OPS // 4):
            y = y * np.float32(0.9)
            y = y + np.float32(0.1)
            t = np.tanh(y)
            e = np.exp(t)
            saved.append((t, e))
            y = e
        g = np.ones_like(y)
        for t, e in reversed(saved):
            g = g * e
            g = g * (1 - t * t)
            g = g * np.float32(0.9)
        return g

    return run


def mlp_step_numpy(batch: int):
    x, y, params = mlp_data(batch)
    w1, b1, w2, b2 = [p.copy() for p in params]
    rows = np.arange(batch)

    def run():
        z1 = x @ w1 + b1
        h = np.maximum(z1, 0)
        z2 = h @ w2 + b2
        m = z2.max(axis=1, keepdims=True)
        e = np.exp(z2 - m)
        s = e.sum(axis=1, keepdims=True)
        logp = z2 - m - np.log(s)
        loss = -logp[rows, y].mean()
        dz2 = e / s
        dz2[rows, y] -= 1
        dz2 /= batch
        dw2 = h.T @ dz2
        db2 = dz2.sum(0)
        dh = dz2 @ w2.T
        dz1 = dh * (z1 > 0)
        dw1 = x.T @ dz1
        db1 = dz1.sum(0)
        for p, g in ((w1, dw1), (b1, db1), (w2, dw2), (b2, db2)):
            p -= np.float32(LR) * g
        return loss

    return run


def deep_chain_numpy():
    def run():
        y = np.float32(1.0)
        for _ in range(DEEP):
            y = y * np.float32(1.0001) + np.float32(0.0001)
        g = np.float32(1.0)
        for _ in range(DEEP):
            g = g * np.float32(1.0001)
        return g

    return run


# ------------------------------------------------------------------------- timing
def median_time(fn: Callable, repeats: int, number: int = 1) -> float:
    fn()  # warm up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t0) / number)
    return statistics.median(times)


def peak_memory_mib(contestant: str) -> float:
    """Peak RSS growth of 20 MLP steps (batch 64) above the RSS after imports, in MiB."""
    code = f"""
import resource, sys
sys.path.insert(0, {str(__file__.rsplit('/', 1)[0])!r})
import numpy as np
import core
if {contestant!r} == "torch":
    import torch as lib
    torch_threads = lib.set_num_threads
elif {contestant!r} == "chainrule":
    import chainrule as lib
def rss():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
def hwm():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM"):
                return int(line.split()[1]) / 1024
base = rss()
open("/proc/self/clear_refs", "w").write("5")
step = core.mlp_step_numpy(64) if {contestant!r} == "numpy" else core.mlp_step(lib, 64)
for _ in range(20):
    step()
print(hwm() - base)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(out.stderr)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats")
    ap.add_argument("--json", help="also write the results to this file")
    args = ap.parse_args()
    rep = 3 if args.quick else 7

    import chainrule

    contestants: dict[str, object] = {"chainrule": chainrule}
    try:
        import torch

        torch.set_num_threads(2)
        contestants["torch"] = torch
    except ImportError:
        print("(PyTorch not installed: pip install torch==2.13.0 to compare against it)")

    workloads = {
        "a. tiny ops (us/op)": (lambda lib: tiny_chain(lib), tiny_chain_numpy, 1e6 / CHAIN_OPS,
                                20),
        "b. MLP step, batch 64 (ms)": (lambda lib: mlp_step(lib, 64),
                                       lambda: mlp_step_numpy(64), 1e3, 20),
        "c. MLP step, batch 1024 (ms)": (lambda lib: mlp_step(lib, 1024),
                                         lambda: mlp_step_numpy(1024), 1e3, 3),
        "d. 20,000-deep chain (s)": (lambda lib: deep_chain(lib), deep_chain_numpy, 1.0, 1),
    }
    results: dict[str, dict[str, float]] = {}
    for name, (make, make_np, scale, number) in workloads.items():
        row = {"numpy": median_time(make_np(), rep, number) * scale}
        for cname, lib in contestants.items():
            row[cname] = median_time(make(lib), rep, number) * scale
        results[name] = row
    results["e. peak memory of b (MiB)"] = {c: peak_memory_mib(c) for c in
                                           ["numpy", *contestants]}

    head = f"{'workload':34}{'chainrule':>11}{'torch':>11}{'numpy':>11}{'vs torch':>10}" \
           f"{'vs numpy':>10}"
    print(head)
    print("-" * len(head))
    for name, row in results.items():
        c, n, t = row["chainrule"], row["numpy"], row.get("torch")
        ts = f"{t:11.3f}" if t is not None else f"{'-':>11}"
        vt = f"{c / t:9.2f}x" if t else f"{'-':>10}"
        vn = f"{c / n:9.2f}x" if n > 0.05 else f"{'-':>10}"
        print(f"{name:34}{c:11.3f}{ts}{n:11.3f}{vt}{vn}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
