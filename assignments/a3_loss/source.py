# %% markdown
# # Assignment 3: loss functions and their gradients
#
# A loss says how wrong a batch of predictions is, as one number, and its gradient says
# which way to move each prediction to make it less wrong. Both losses here are
# **averages over the batch** of `N` examples, so their gradients are averages too.
#
# | function | input | returns |
# | --- | --- | --- |
# | `mse_loss(pred, target)` | `pred`, `target`: `(N,)` or `(N, K)` | $L = \frac{1}{2N}\sum (pred - target)^2$ as a float, and `dpred` $= \partial L / \partial\, pred$ (same shape as `pred`) |
# | `softmax(logits)` | `logits (N, C)` | probabilities `(N, C)`, each row sums to 1 |
# | `softmax_cross_entropy(logits, labels)` | `logits (N, C)`, integer `labels (N,)` in `[0, C)` | $L = -\frac{1}{N}\sum_i \log p_{i, y_i}$ as a float, and `dlogits` `(N, C)` |
#
# **Numerical stability.** `softmax` and `softmax_cross_entropy` must give finite answers,
# with no overflow warning, for logits as large as ±1000. (Hint: adding the same number to
# every logit of a row does not change its probabilities.)
#
# Write your code in the cells marked `# YOUR CODE HERE`, with numpy only; do not modify
# the inputs. The loss and its gradient are graded separately.

# %% code id=setup
import numpy as np

import checks

# %% solution id=mse_loss
def mse_loss(pred, target):
    """L = sum((pred - target)^2) / (2N).

    pred, target: (N,) or (N, K) -> loss: float, dpred: same shape as pred
    """
    ### BEGIN SOLUTION
    n = pred.shape[0]
    diff = pred - target
    loss = float(0.5 * np.sum(diff ** 2) / n)
    dpred = diff / n
    return loss, dpred
    ### END SOLUTION

# %% tests id=test_mse_value points=1 needs=mse_loss
pred, target = np.array([[1.0, 2.0, 0.0], [3.0, 5.0, 1.0]]), np.array([[1.0, 0.0, 0.0], [2.0, 5.0, 2.0]])
loss, dpred = checks.unpack(checks.call(mse_loss, pred, target), ("loss", "dpred"), "mse_loss")
checks.assert_close(loss, 1.5, "the MSE loss", batch=2)
checks.ok()

# %% tests id=test_mse_gradient points=2 needs=mse_loss
pred, target = np.array([[1.0, 2.0, 0.0], [3.0, 5.0, 1.0]]), np.array([[1.0, 0.0, 0.0], [2.0, 5.0, 2.0]])
loss, dpred = checks.unpack(checks.call(mse_loss, pred, target), ("loss", "dpred"), "mse_loss")
checks.check_gradients([dpred], lambda p: checks.reference.mse_loss(p, target)[0], [pred], ["dpred"], batch=2)
checks.ok()

# %% solution id=softmax
def softmax(logits):
    """Row-wise probabilities.  logits: (N, C) -> probs: (N, C), each row sums to 1"""
    ### BEGIN SOLUTION
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)
    ### END SOLUTION

# %% tests id=test_softmax points=2 needs=softmax
probs = checks.call(softmax, np.array([[0.0, 0.0], [0.0, np.log(3.0)]]))
checks.assert_close(probs, np.array([[0.5, 0.5], [0.25, 0.75]]), "softmax")
probs = checks.call(softmax, np.array([[1000.0, 0.0, -1000.0]]))
checks.assert_close(probs, np.array([[1.0, 0.0, 0.0]]), "softmax of the logits [1000, 0, -1000]")
checks.ok()

# %% solution id=softmax_cross_entropy
def softmax_cross_entropy(logits, labels):
    """Softmax, then the average negative log-probability of the true classes.

    logits: (N, C); labels: (N,) integers in [0, C) -> loss: float, dlogits: (N, C)
    """
    ### BEGIN SOLUTION
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = float(-log_probs[np.arange(n), labels].mean())
    dlogits = np.exp(log_probs)
    dlogits[np.arange(n), labels] -= 1
    dlogits /= n
    return loss, dlogits
    ### END SOLUTION

# %% tests id=test_cross_entropy_value points=2 needs=softmax_cross_entropy
logits, labels = np.array([[0.0, 0.0], [0.0, np.log(3.0)], [2.0, -1.0]]), np.array([0, 1, 0])
loss, dlogits = checks.unpack(checks.call(softmax_cross_entropy, logits, labels), ("loss", "dlogits"),
                              "softmax_cross_entropy")
checks.assert_close(loss, -(np.log(0.5) + np.log(0.75) + np.log(1 / (1 + np.exp(-3.0)))) / 3,
                    "the cross-entropy loss", batch=3)
big, _ = checks.unpack(checks.call(softmax_cross_entropy, np.array([[1000.0, -1000.0]]), np.array([1])),
                       ("loss", "dlogits"), "softmax_cross_entropy")
checks.assert_close(big, 2000.0, "the loss for logits [1000, -1000] and label 1")
checks.ok()

# %% tests id=test_cross_entropy_gradient points=2 needs=softmax_cross_entropy
logits, labels = np.array([[0.0, 0.0], [0.0, np.log(3.0)], [2.0, -1.0]]), np.array([0, 1, 0])
loss, dlogits = checks.unpack(checks.call(softmax_cross_entropy, logits, labels), ("loss", "dlogits"),
                              "softmax_cross_entropy")
checks.check_gradients([dlogits], lambda z: checks.reference.softmax_cross_entropy(z, labels)[0], [logits],
                       ["dlogits"], batch=3)
checks.ok()
