"""Train a small network on handwritten digits, with chainrule.

    python -m chainrule.examples.digits              # a small CNN (default)
    python -m chainrule.examples.digits --model mlp  # a 64-128-10 MLP

The data is scikit-learn's bundled digits set (1,797 images of 8x8 pixels, no download).
The script shows a progress bar, reports loss and test accuracy after every epoch, and saves
a loss/accuracy plot (PNG) and the trained weights (a chainrule checkpoint, no pickle).
Needs the ``examples`` extra: ``pip install "chainrule[examples]"``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

import chainrule as torch
from chainrule import nn
from chainrule.utils.data import DataLoader, TensorDataset

_MISSING = ("The digits demo needs scikit-learn, tqdm and matplotlib: "
            'pip install "chainrule[examples]"  (from a checkout: pip install -e ".[examples]")')


def _require_extras():
    try:
        import matplotlib  # noqa: F401
        import sklearn  # noqa: F401
        import tqdm  # noqa: F401
    except ImportError as e:
        sys.exit(f"{_MISSING}\n(missing: {e.name})")


class DigitsCNN(nn.Module):
    """Two 3x3 convolutions with max-pooling, then two linear layers."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),   # 16x4x4
            nn.Conv2d(16, 32, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 32x2x2
        )
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(32 * 2 * 2, 64), nn.ReLU(),
                                        nn.Linear(64, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


def make_mlp() -> nn.Module:
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))


def load_data(seed: int, test_fraction: float = 0.2):
    """Digits as float32 tensors scaled to [0, 1], split into train and test sets."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32)[:, None, :, :]   # N x 1 x 8 x 8
    y = digits.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(y))
    n_test = int(len(y) * test_fraction)
    test, train = order[:n_test], order[n_test:]
    return (torch.from_numpy(x[train]), torch.from_numpy(y[train]),
            torch.from_numpy(x[test]), torch.from_numpy(y[test]))


@torch.no_grad()
def evaluate(model: nn.Module, x, y) -> tuple[float, float]:
    """Mean cross-entropy loss and accuracy of ``model`` on ``(x, y)``."""
    model.eval()
    logits = model(x)
    loss = nn.functional.cross_entropy(logits, y).item()
    acc = (logits.argmax(1) == y).float().mean().item()
    model.train()
    return loss, acc


def save_plot(history: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = range(1, len(history["train_loss"]) + 1)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    ax1.plot(epochs, history["train_loss"], label="train")
    ax1.plot(epochs, history["test_loss"], label="test")
    ax1.set_xlabel("epoch")
    ax1.set_ylabel("cross-entropy loss")
    ax1.legend()
    ax2.plot(epochs, [100 * a for a in history["test_acc"]], color="tab:green")
    ax2.set_xlabel("epoch")
    ax2.set_ylabel("test accuracy (%)")
    fig.suptitle("chainrule: handwritten digits")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


DEFAULTS = {"cnn": {"epochs": 15, "lr": 2e-3}, "mlp": {"epochs": 20, "lr": 3e-3}}


def train(model_name: str = "cnn", epochs: int | None = None, batch_size: int = 32,
          lr: float | None = None, seed: int = 0, out_dir: Path = Path("."),
          quiet: bool = False):
    """Train and evaluate; returns the history dict and the paths written."""
    from tqdm import tqdm

    torch.manual_seed(seed)
    x_train, y_train, x_test, y_test = load_data(seed)
    model = DigitsCNN() if model_name == "cnn" else make_mlp()
    epochs = epochs or DEFAULTS[model_name]["epochs"]
    opt = torch.optim.Adam(model.parameters(), lr=lr or DEFAULTS[model_name]["lr"])
    loss_fn = nn.CrossEntropyLoss()
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=batch_size, shuffle=True,
                        generator=torch.Generator().manual_seed(seed))
    history = {"train_loss": [], "test_loss": [], "test_acc": []}
    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        total, count = 0.0, 0
        bar = tqdm(loader, desc=f"epoch {epoch:2d}/{epochs}", leave=False, disable=quiet,
                   unit="batch")
        for xb, yb in bar:
            loss = loss_fn(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(yb)
            count += len(yb)
            bar.set_postfix(loss=f"{loss.item():.4f}", refresh=False)
        test_loss, test_acc = evaluate(model, x_test, y_test)
        history["train_loss"].append(total / count)
        history["test_loss"].append(test_loss)
        history["test_acc"].append(test_acc)
        if not quiet:
            print(f"epoch {epoch:2d}: train loss {total / count:.4f}  test loss {test_loss:.4f}"
                  f"  test accuracy {100 * test_acc:.2f}%")
    elapsed = time.perf_counter() - start
    out_dir.mkdir(parents=True, exist_ok=True)
    plot_path = out_dir / f"digits_{model_name}.png"
    weights_path = out_dir / f"digits_{model_name}.chainrule"
    save_plot(history, plot_path)
    torch.save(model.state_dict(), weights_path)
    if not quiet:
        print(f"\n{model_name.upper()}: test accuracy {100 * history['test_acc'][-1]:.2f}% "
              f"after {epochs} epochs in {elapsed:.1f} s")
        print(f"saved the loss/accuracy plot to {plot_path} and the weights to {weights_path}")
    return history, plot_path, weights_path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Train a small network on handwritten digits.")
    ap.add_argument("--model", choices=["cnn", "mlp"], default="cnn")
    ap.add_argument("--epochs", type=int, default=None, help="default: 15 (cnn), 20 (mlp)")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=None, help="Adam's; default 2e-3 (cnn), 3e-3 (mlp)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=Path("digits_output"),
                    help="folder for the plot and the weights")
    args = ap.parse_args(argv)
    _require_extras()
    train(args.model, args.epochs, args.batch_size, args.lr, args.seed, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
