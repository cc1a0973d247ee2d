"""A walk through the PyTorch autograd tutorial, run on chainrule.

Each example is the tutorial's own code, unchanged but for ``import chainrule as torch``.
Run it with ``python -m chainrule.examples.tutorial``; each example prints what PyTorch
prints. One example calls ``backward()`` twice on the same graph without
``retain_graph=True``: there chainrule raises PyTorch's error, which is shown.
"""

from __future__ import annotations

import sys
import traceback

EXAMPLES: list[tuple[str, str]] = [
    ("requires_grad attribute", '''
import torch
# Create a tensor that requires gradient tracking (default requires_grad=False)
x = torch.tensor(3.0, requires_grad=True)
print(x) # tensor(3., requires_grad=True)
print(x.requires_grad) # True
# Can also modify after creation
y = torch.tensor(2.0)
print(y.requires_grad) # False
y.requires_grad_(True) # In-place modification (note the underscore)
print(y.requires_grad) # True
# The result of operations involving tensors with requires_grad=True automatically inherits requires_grad=True
z = x * y
print(z.requires_grad) # True
'''),
    ("grad_fn and the computational graph", '''
import torch
x = torch.tensor(2.0, requires_grad=True)
y = torch.tensor(3.0, requires_grad=True)
z = x ** 2 + y * 3 # z = x^2 + 3y
print(z) # tensor(13., grad_fn=<AddBackward0>)
print(z.grad_fn) # <AddBackward0 object>
# Trace the chain of operations that created z
print(z.grad_fn.next_functions)
# ((<PowBackward0 object>, 0), (<MulBackward0 object>, 0))
'''),
    ("backward() on a scalar output", '''
import torch
x = torch.tensor(2.0, requires_grad=True)
y = torch.tensor(3.0, requires_grad=True)
# Forward pass: z = x^2 + 3y
z = x ** 2 + y * 3
# Backward pass: automatically compute dz/dx and dz/dy
z.backward()
# Check gradients
print(x.grad) # tensor(4.)  dz/dx = 2x = 2*2 = 4
print(y.grad) # tensor(3.)  dz/dy = 3
'''),
    ("gradients accumulate", '''
import torch
x = torch.tensor(2.0, requires_grad=True)
# First backward pass
loss = x ** 2
loss.backward()
print(x.grad) # tensor(4.)  dL/dx = 2x = 4
# Second backward pass (no zeroing!)
loss = x ** 2
loss.backward()
print(x.grad) # tensor(8.)  Accumulated! Not 4, but 4+4=8
# Correct approach: Zero gradients before each backward pass
x.grad.zero_() # In-place zeroing (note the underscore)
loss = x ** 2
loss.backward()
print(x.grad) # tensor(4.)  Correct
'''),
    ("backward(gradient) on a non-scalar output", '''
import torch
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
# Forward pass: y is a vector
y = x ** 2 # y = [1, 4, 9]
# Non-scalar outputs require gradient argument (same shape as y)
# Gradient can be understood as "gradient of loss w.r.t. y"
y.backward(gradient=torch.ones_like(y)) # Assume upstream gradient is all 1
print(x.grad)
# tensor([2., 4., 6.])  dy/dx = 2x, computed element-wise
# If upstream gradient is not all 1 (e.g., weighted)
x.grad.zero_()
y.backward(gradient=torch.tensor([1.0, 0.5, 2.0])) # Different weights
# Actual computation: x.grad = 2x * gradient = [2*1, 4*0.5, 6*2]
print(x.grad)
# tensor([2., 2., 12.])
# More common practice: First sum/mean to scalar, then backward()
x.grad.zero_()
loss = (x ** 2).sum() # Aggregate vector into scalar
loss.backward()
print(x.grad)
# tensor([2., 4., 6.])  Equivalent to first method
'''),
    ("torch.no_grad()", '''
import torch
x = torch.tensor(3.0, requires_grad=True)
# Within no_grad context, no operations are tracked for gradients
with torch.no_grad():
    y = x ** 2
    print(y.requires_grad) # False  No longer tracking gradients
    print(y.grad_fn) # None  No computational graph node
# After exiting no_grad context, normal tracking resumes
z = x ** 2
print(z.requires_grad) # True
# Common use case: Wrap entire inference process during model evaluation
model = torch.nn.Linear(10, 1)
inputs = torch.randn(32, 10)
with torch.no_grad():
    outputs = model(inputs) # No computational graph built, faster and more memory-efficient
'''),
    ("@torch.no_grad() decorator", '''
import torch
import torch.nn as nn
model = nn.Linear(10, 1)
@torch.no_grad()
def predict(model, x):
    """Inference function, no gradient computation needed"""
    return model(x)
x = torch.randn(5, 10)
output = predict(model, x)
print(output.requires_grad) # False
'''),
    ("detach()", '''
import torch
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x ** 2 + x * 3 # y has grad_fn
# Detached tensor shares data with y but is detached from the computational graph
y_detached = y.detach()
print(y_detached.requires_grad) # False
print(y_detached.grad_fn) # None
# Convert to numpy (tensors with gradients cannot be directly converted)
# y.numpy() # Error: RuntimeError
y_detached.numpy() # Works fine
# When logging loss values, always detach (avoid keeping computational graph and consuming memory)
losses = []
for i in range(3):
    loss = (x ** 2).sum()
    losses.append(loss.detach().item()) # .item() converts scalar tensor to Python float
    loss.backward()
    x.grad.zero_()
print(losses) # [14.0, 14.0, 14.0]
'''),
    ("retain_graph", '''
import torch
x = torch.tensor(2.0, requires_grad=True)
y = x ** 3 # y = x^3
# First backward (retain graph)
y.backward(retain_graph=True)
print(x.grad) # tensor(12.)  dy/dx = 3x^2 = 3*4 = 12
# Second backward (graph still exists)
x.grad.zero_()
y.backward(retain_graph=True)
print(x.grad) # tensor(12.)  Same result
# Last backward - no need to retain
x.grad.zero_()
y.backward() # Graph is now released
print(x.grad) # tensor(12.)
# Trying backward again will raise an error (graph already released)
# y.backward() # RuntimeError: Trying to backward through the graph a second time
'''),
    ("gradient descent by hand", '''
import torch
# Construct training data: y = 2x + 1 with noise
torch.manual_seed(42)
X = torch.randn(100, 1)
y_true = 2 * X + 1 + 0.1 * torch.randn(100, 1)
# Initialize model parameters (need gradient tracking)
w = torch.zeros(1, requires_grad=True) # Weight
b = torch.zeros(1, requires_grad=True) # Bias
lr = 0.1 # Learning rate
epochs = 50 # Number of training epochs
for epoch in range(epochs):
    # 1. Forward pass: compute predictions
    y_pred = X * w + b
    # 2. Compute loss (MSE)
    loss = (y_pred - y_true).pow(2).mean()
    # 3. Backward pass: compute gradients
    loss.backward()
    # 4. Update parameters (no gradient tracking)
    with torch.no_grad():
        w -= lr * w.grad
        b -= lr * b.grad
    # 5. Zero gradients
    w.grad.zero_()
    b.grad.zero_()
    if (epoch + 1) % 10 == 0:
        print(f"Epoch {epoch + 1}: loss = {loss.item():.4f}, w = {w.item():.4f}, b = {b.item():.4f}")
print(w, b)
'''),
]


def run_example(code: str, library) -> None:
    """Run one example's code with ``import torch`` resolving to ``library``."""
    saved = {k: sys.modules.get(k) for k in ("torch", "torch.nn")}
    sys.modules["torch"] = library
    if hasattr(library, "nn"):
        sys.modules["torch.nn"] = library.nn
    try:
        exec(compile(code, "<tutorial>", "exec"), {"__name__": "__tutorial__"})
    finally:
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v


def main() -> int:
    import chainrule

    for i, (title, code) in enumerate(EXAMPLES, 1):
        print(f"\n=== {i}. {title} " + "=" * max(0, 60 - len(title)))
        print(code.strip())
        print("--- output ---")
        try:
            run_example(code, chainrule)
        except RuntimeError as e:
            print("RuntimeError:", e)
            print("(PyTorch raises the same error here: this example calls backward() twice "
                  "on one graph without retain_graph=True.)")
        except Exception:  # pragma: no cover - shown to the reader
            traceback.print_exc()
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
