"""Gradient descent: step downhill, against the gradient.

    plain SGD:     w <- w - lr * dw
    with momentum: v <- mu * v - lr * dw ;  w <- w + v
    Adam:          m <- b1 * m + (1 - b1) * dw          (average gradient)
                   s <- b2 * s + (1 - b2) * dw**2       (average squared gradient)
                   w <- w - lr * m_hat / (sqrt(s_hat) + eps),
                   m_hat = m / (1 - b1**t), s_hat = s / (1 - b2**t)   (step t = 1, 2, ...)

Momentum keeps a running velocity, so steps that agree build up speed and
steps that zig-zag cancel out. Adam also divides each weight's step by the
typical size of that weight's gradient, so every weight moves at about the
learning rate per step, whatever the scale of its gradient. Clipping caps the length of a step whose
gradient has exploded (recurrent networks, chapter 9).
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


def adam(w, dw, m, s, t, learning_rate=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam step (Kingma and Ba, 2015).

    w, dw, m, s: same shape (m and s start as zeros); t: the number of this step,
    1 for the first -> (next_w, next_m, next_s). The division by 1 - beta**t
    undoes the pull towards zero of averages that started at zero.
    Nothing is modified in place.
    """
    if not (isinstance(t, (int, np.integer)) and t >= 1):
        raise ValueError(f"t is the number of the step, counted from 1; got {t!r}.")
    m = beta1 * m + (1 - beta1) * dw
    s = beta2 * s + (1 - beta2) * np.square(dw)
    m_hat = m / (1 - beta1**t)
    s_hat = s / (1 - beta2**t)
    return w - learning_rate * m_hat / (np.sqrt(s_hat) + eps), m, s


def minibatches(X, y, batch_size, rng):
    """Shuffle once, then yield (X_batch, y_batch) slices of batch_size rows.

    Every example is used exactly once per epoch; the last batch may be smaller.
    """
    order = rng.permutation(len(X))
    for start in range(0, len(X), batch_size):
        idx = order[start:start + batch_size]
        yield X[idx], y[idx]


def clip_by_norm(grads, max_norm):
    """Rescale a dict of gradients so that their joint L2 norm is at most max_norm.

    grads: {name: array}  ->  (clipped grads: new dict, same keys and shapes;
    norm: the joint norm *before* clipping). The direction is kept; only the
    length shrinks, and only when it exceeds max_norm. Nothing is modified in place.
    """
    if not max_norm > 0:
        raise ValueError(f"max_norm must be a positive number, got {max_norm!r}.")
    norm = float(np.sqrt(sum(np.sum(np.square(g)) for g in grads.values())))
    scale = min(1.0, max_norm / norm) if norm > 0 else 1.0
    return {k: g * scale for k, g in grads.items()}, norm
