"""Linear regression by hand with autograd: the tutorial's closing example, complete.

    python -m chainrule.examples.linear_regression

Fits ``y = 2x + 1`` from 100 noisy points with gradient descent on two parameters. With
``manual_seed(42)`` the data, every step and every printed number are PyTorch's.
"""

from __future__ import annotations

import chainrule as torch


def fit(epochs: int = 50, lr: float = 0.1, verbose: bool = True):
    """Returns the fitted ``(w, b)`` and the loss history."""
    torch.manual_seed(42)
    X = torch.randn(100, 1)
    y_true = 2 * X + 1 + 0.1 * torch.randn(100, 1)

    w = torch.zeros(1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    history = []
    for epoch in range(epochs):
        y_pred = X * w + b                          # 1. forward
        loss = (y_pred - y_true).pow(2).mean()      # 2. mean squared error
        loss.backward()                             # 3. dloss/dw, dloss/db into .grad
        with torch.no_grad():                       # 4. update without recording
            w -= lr * w.grad
            b -= lr * b.grad
        w.grad.zero_()                              # 5. gradients accumulate: reset them
        b.grad.zero_()
        history.append(loss.item())
        if verbose and (epoch + 1) % 10 == 0:
            print(f"Epoch {epoch + 1}: loss = {loss.item():.4f}, w = {w.item():.4f}, "
                  f"b = {b.item():.4f}")
    return w, b, history


if __name__ == "__main__":
    w, b, _ = fit()
    print(f"learned w = {w.item():.4f} (true 2), b = {b.item():.4f} (true 1)")
