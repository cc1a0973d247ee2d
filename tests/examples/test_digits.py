"""The main demo trains to >= 97% test accuracy; an epoch matches PyTorch loss for loss."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import chainrule

pytest.importorskip("sklearn")
pytest.importorskip("tqdm")
pytest.importorskip("matplotlib")

from chainrule.examples import digits  # noqa: E402


def test_demo_reaches_97_percent_and_saves_plot_and_weights(tmp_path, capsys):
    assert digits.main(["--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "test accuracy" in out
    acc = float(out.split("CNN: test accuracy ")[1].split("%")[0])
    assert acc >= 97.0
    png = tmp_path / "digits_cnn.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    state = chainrule.load(tmp_path / "digits_cnn.chainrule")
    model = digits.DigitsCNN()
    model.load_state_dict(state)
    _, _, x_test, y_test = digits.load_data(0)
    _, test_acc = digits.evaluate(model, x_test, y_test)
    assert abs(100 * test_acc - acc) < 0.006  # printed with two decimals


def test_mlp_variant_reaches_97_percent(tmp_path):
    history, _, _ = digits.train("mlp", out_dir=tmp_path, quiet=True)
    assert history["test_acc"][-1] >= 0.97


def test_demo_says_what_to_install_without_the_extras(monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    with pytest.raises(SystemExit) as e:
        digits.main([])
    assert 'pip install "chainrule[examples]"' in str(e.value)


def test_one_epoch_matches_pytorch_loss_for_loss():
    torch = pytest.importorskip("torch")
    tnn = torch.nn

    chainrule.manual_seed(0)
    ours = digits.DigitsCNN()
    theirs = tnn.Sequential(
        tnn.Conv2d(1, 16, 3, padding=1), tnn.ReLU(), tnn.MaxPool2d(2),
        tnn.Conv2d(16, 32, 3, padding=1), tnn.ReLU(), tnn.MaxPool2d(2),
        tnn.Flatten(), tnn.Linear(128, 64), tnn.ReLU(), tnn.Linear(64, 10)).double()
    ours = ours.double()
    names = [n for n, _ in ours.named_parameters()]
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        assert tuple(p.shape) == tuple(q.shape), name
        with torch.no_grad():
            q.copy_(torch.from_numpy(p.detach().numpy().copy()))
    assert len(names) == 8

    x_train, y_train, _, _ = digits.load_data(0)
    xs, ys = x_train.numpy().astype(np.float64), y_train.numpy()
    order = np.random.default_rng(0).permutation(len(ys))
    opt_c = chainrule.optim.Adam(ours.parameters(), lr=2e-3)
    opt_t = torch.optim.Adam(theirs.parameters(), lr=2e-3)
    for start in range(0, len(ys), 32):
        idx = order[start:start + 32]
        lc = chainrule.nn.functional.cross_entropy(ours(chainrule.tensor(xs[idx])),
                                                   chainrule.tensor(ys[idx]))
        lt = tnn.functional.cross_entropy(theirs(torch.tensor(xs[idx])), torch.tensor(ys[idx]))
        np.testing.assert_allclose(lc.item(), lt.item(), rtol=1e-4)
        opt_c.zero_grad()
        opt_t.zero_grad()
        lc.backward()
        lt.backward()
        opt_c.step()
        opt_t.step()
