"""The tutorial's examples print exactly what PyTorch prints.

Expected outputs were recorded from PyTorch 2.13 into ``tests/tutorial/*.txt`` (run this
file as a script with torch installed to re-record them); with torch installed the test
also compares against a live PyTorch run.
"""

from __future__ import annotations

import contextlib
import io
import re
import sys
from pathlib import Path

import pytest

import chainrule
from chainrule.examples.tutorial import EXAMPLES, run_example

EXPECTED = Path(__file__).parent / "tutorial"
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def capture(code: str, library) -> str:
    """What running ``code`` prints, with the error it raises (if any) on the last line."""
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        try:
            run_example(code, library)
        except Exception as e:  # the tutorial's double-backward example raises
            print(f"{type(e).__name__}: {e}")
    return _ADDRESS.sub(" at 0xADDR", buf.getvalue()).replace("torch.", "chainrule.")


IDS = [f"{i:02d}" for i in range(1, len(EXAMPLES) + 1)]


@pytest.mark.parametrize("num,code", [(i, c) for i, (_, c) in zip(IDS, EXAMPLES)], ids=IDS)
def test_example_prints_what_pytorch_prints(num: str, code: str):
    expected = (EXPECTED / f"{num}.txt").read_text()
    assert capture(code, chainrule) == expected


@pytest.mark.parametrize("num,code", [(i, c) for i, (_, c) in zip(IDS, EXAMPLES)], ids=IDS)
def test_recorded_output_is_pytorchs(num: str, code: str):
    torch = pytest.importorskip("torch")
    assert capture(code, torch) == (EXPECTED / f"{num}.txt").read_text()


def test_double_backward_example_raises_pytorchs_error():
    out = (EXPECTED / "05.txt").read_text()
    assert out.splitlines()[-1].startswith("RuntimeError: Trying to backward through the graph")


def test_walkthrough_demo_runs(capsys):
    from chainrule.examples.tutorial import main

    assert main() == 0
    out = capsys.readouterr().out
    assert "tensor(13., grad_fn=<AddBackward0>)" in out


if __name__ == "__main__":
    import torch

    for num, (_, code) in zip(IDS, EXAMPLES):
        (EXPECTED / f"{num}.txt").write_text(capture(code, torch))
    sys.exit(0)
