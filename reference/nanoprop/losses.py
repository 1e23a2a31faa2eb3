"""Loss functions: how wrong the predictions are, and which way to move them.

Each returns ``(loss, dpred)``: a scalar averaged over the batch of N examples,
and its gradient with respect to the predictions (same shape as them).
"""
import numpy as np


def mse_loss(pred, target):
    """Mean squared error, halved and averaged over the batch:

        L = (1 / 2N) * sum_i ||pred_i - target_i||^2,

    so that dL/dpred = (pred - target) / N: the error itself, averaged.

    pred, target: (N,) or (N, K)  ->  loss: float, dpred: same shape as pred
    """
    n = pred.shape[0]
    diff = pred - target
    loss = float(0.5 * np.sum(diff ** 2) / n)
    dpred = diff / n
    return loss, dpred


def softmax(logits):
    """Row-wise probabilities. Subtracting the row max changes nothing
    mathematically but keeps exp() from overflowing.

    logits: (N, C)  ->  probs: (N, C), each row sums to 1
    """
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def softmax_cross_entropy(logits, labels):
    """Softmax followed by the negative log-likelihood of the true class.

    logits: (N, C) scores; labels: (N,) integers in [0, C)
    ->  loss: float, dlogits: (N, C)

    The gradient is famously simple: (probabilities - one_hot(labels)) / N.
    """
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = float(-log_probs[np.arange(n), labels].mean())
    dlogits = np.exp(log_probs)
    dlogits[np.arange(n), labels] -= 1
    dlogits /= n
    return loss, dlogits
