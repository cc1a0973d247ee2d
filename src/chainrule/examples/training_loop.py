"""A minimal training loop to copy: model, loss, optimizer, data loader, evaluation.

    python -m chainrule.examples.training_loop

Learns to classify points inside or outside a circle with a two-layer network. Replace the
data and the model with yours; the loop stays the same.
"""

from __future__ import annotations

import chainrule as torch
from chainrule import nn
from chainrule.utils.data import DataLoader, TensorDataset


def make_data(n: int = 1000):
    x = torch.rand(n, 2) * 2 - 1                       # points in [-1, 1]^2
    y = ((x ** 2).sum(1) < 0.5).long()                 # 1 inside the circle
    return TensorDataset(x, y)


def main(epochs: int = 20) -> float:
    torch.manual_seed(0)
    train_set, test_set = torch.utils.data.random_split(make_data(), [800, 200])
    train_loader = DataLoader(train_set, batch_size=32, shuffle=True)
    test_loader = DataLoader(test_set, batch_size=200)

    model = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 2))
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)

    for epoch in range(epochs):
        model.train()
        for x, y in train_loader:
            optimizer.zero_grad()           # gradients accumulate: clear them first
            loss = loss_fn(model(x), y)     # forward
            loss.backward()                 # backward: fills p.grad for every parameter
            optimizer.step()                # update
        model.eval()
        with torch.no_grad():               # evaluation records no graph
            correct = sum((model(x).argmax(1) == y).sum().item() for x, y in test_loader)
        accuracy = correct / len(test_set)
        if (epoch + 1) % 5 == 0:
            print(f"epoch {epoch + 1:2d}: last batch loss {loss.item():.4f}, "
                  f"test accuracy {100 * accuracy:.1f}%")
    return accuracy


if __name__ == "__main__":
    main()
