"""Gradient descent: step downhill, against the gradient.

    plain SGD:     w <- w - lr * dw
    with momentum: v <- mu * v - lr * dw ;  w <- w + v

Momentum keeps a running velocity, so steps that agree build up speed and
steps that zig-zag cancel out.
"""
import numpy as np


def sgd(w, dw, learning_rate=0.01):
    """One plain step. w, dw: same shape -> next w (w itself is not modified)."""
    return w - learning_rate * dw


def sgd_momentum(w, dw, v, learning_rate=0.01, momentum=0.9):
    """One step with momentum.

    w, dw, v: same shape (v starts as zeros) -> (next_w, next_v).
    Neither w nor v is modified in place.
    """
    v = momentum * v - learning_rate * dw
    return w + v, v


def minibatches(X, y, batch_size, rng):
    """Shuffle once, then yield (X_batch, y_batch) slices of batch_size rows.

    Every example is used exactly once per epoch; the last batch may be smaller.
    """
    order = rng.permutation(len(X))
    for start in range(0, len(X), batch_size):
        idx = order[start:start + batch_size]
        yield X[idx], y[idx]
