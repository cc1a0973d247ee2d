"""The small examples run and print what PyTorch prints."""

from __future__ import annotations

import pytest

from chainrule.examples import linear_regression, training_loop


def test_linear_regression_fits_and_matches_the_recorded_pytorch_run(capsys):
    w, b, history = linear_regression.fit()
    out = capsys.readouterr().out
    # recorded from PyTorch 2.13 running the same code (tests/tutorial/10.txt)
    assert "Epoch 50: loss = 0.0078, w = 2.0011, b = 1.0036" in out
    assert abs(w.item() - 2) < 0.01 and abs(b.item() - 1) < 0.01
    assert history[-1] < history[0]


def test_minimal_training_loop_learns(capsys):
    pytest.importorskip("numpy")
    accuracy = training_loop.main(epochs=20)
    assert accuracy > 0.9
