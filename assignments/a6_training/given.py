"""What assignment 6 gives you: code from the course's reference package
(nanoprop), copied here as it is written there. Read it, use it; do not change it.

It is written by the course's build (python -m tools.build_assignments).
"""
import numpy as np
from collections import namedtuple
from pathlib import Path


def as_float(z):
    """z as a float array: float16/32/64 kept as they are, anything else as float64."""
    z = np.asarray(z)
    return z if np.issubdtype(z.dtype, np.floating) else z.astype(np.float64)


def sigmoid(z):
    """1 / (1 + e^-z), computed without overflow for large |z|."""
    z = as_float(z)
    e = np.exp(-np.abs(z))                       # in (0, 1]: never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def tanh(z):
    return np.tanh(as_float(z))


def relu(z):
    return np.maximum(as_float(z), 0.0)


def affine_forward(x, W, b):
    """out = x W + b.

    x: (N, D), W: (D, M), b: (M,)  ->  out: (N, M)
    """
    out = x @ W + b
    return out, (x, W)


def affine_backward(dout, cache):
    """dout: (N, M)  ->  dx: (N, D), dW: (D, M), db: (M,)"""
    x, W = cache
    dx = dout @ W.T          # each input feeds every output through W
    dW = x.T @ dout          # sums over the batch: one outer product per example
    db = dout.sum(axis=0)    # the bias is added to every example
    return dx, dW, db


def relu_forward(x):
    """out = max(x, 0), element-wise. x: any shape -> out: same shape."""
    return relu(x), x


def relu_backward(dout, cache):
    """dout: same shape as x; cache: x, the forward input  ->  dx: same shape as x"""
    x = cache
    return dout * (x > 0)    # the gradient flows only where the unit was on


def sigmoid_forward(x):
    """out = 1 / (1 + e^-x), element-wise. x: any shape -> out: same shape."""
    out = sigmoid(x)
    return out, out


def sigmoid_backward(dout, cache):
    """dout: same shape as x; cache: out, the forward output  ->  dx: same shape as x"""
    out = cache
    return dout * out * (1 - out)    # sigma' = sigma (1 - sigma), reusing the output


def tanh_forward(x):
    """out = tanh(x), element-wise. x: any shape -> out: same shape."""
    out = tanh(x)
    return out, out


def tanh_backward(dout, cache):
    """dout: same shape as x; cache: out, the forward output  ->  dx: same shape as x"""
    out = cache
    return dout * (1 - out ** 2)     # tanh' = 1 - tanh^2, reusing the output


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


ACTIVATION_LAYERS = {
    "relu": (relu_forward, relu_backward),
    "sigmoid": (sigmoid_forward, sigmoid_backward),
    "tanh": (tanh_forward, tanh_backward),
}


def init_params(sizes, seed=0, activation="relu", dtype=np.float64):
    """Random weights scaled to the layer width, zero biases.

    sizes: [D, H1, ..., C]. He initialisation (variance 2 / fan_in) suits ReLU;
    LeCun initialisation (variance 1 / fan_in) suits tanh and sigmoid (Glorot,
    or Xavier, initialisation is the close cousin 2 / (fan_in + fan_out)).
    Either keeps the signal from shrinking or blowing up as it passes through
    the layers.
    """
    rng = np.random.default_rng(seed)
    gain = 2.0 if activation == "relu" else 1.0
    params = {}
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{i}"] = (rng.standard_normal((fan_in, fan_out)) * np.sqrt(gain / fan_in)).astype(dtype)
        params[f"b{i}"] = np.zeros(fan_out, dtype=dtype)
    return params


class MLP:
    """A classifier: sizes [D, H1, ..., C] maps (N, D) inputs to (N, C) scores."""

    def __init__(self, sizes, activation="relu", seed=0, dtype=np.float64):
        self.sizes = list(sizes)
        self.activation = activation
        self.params = init_params(self.sizes, seed, activation, dtype)

    @property
    def n_layers(self):
        return len(self.sizes) - 1

    def forward(self, X):
        """X: (N, D) -> scores: (N, C), caches for the backward pass."""
        act_forward, _ = ACTIVATION_LAYERS[self.activation]
        caches = []
        out = X
        for i in range(1, self.n_layers + 1):
            out, affine_cache = affine_forward(out, self.params[f"W{i}"], self.params[f"b{i}"])
            act_cache = None
            if i < self.n_layers:          # no activation after the last layer
                out, act_cache = act_forward(out)
            caches.append((affine_cache, act_cache))
        return out, caches

    def backward(self, dscores, caches):
        """dscores: (N, C) -> grads: dict with the same keys and shapes as params."""
        _, act_backward = ACTIVATION_LAYERS[self.activation]
        grads = {}
        dout = dscores
        for i in reversed(range(1, self.n_layers + 1)):
            affine_cache, act_cache = caches[i - 1]
            if act_cache is not None:
                dout = act_backward(dout, act_cache)
            dout, grads[f"W{i}"], grads[f"b{i}"] = affine_backward(dout, affine_cache)
        return grads

    def loss(self, X, y):
        """Softmax cross-entropy on labels y: (N,) -> (loss, grads)."""
        scores, caches = self.forward(X)
        loss, dscores = softmax_cross_entropy(scores, y)
        return loss, self.backward(dscores, caches)

    def predict(self, X):
        """X: (N, D) -> predicted classes: (N,)"""
        scores, _ = self.forward(X)
        return scores.argmax(axis=1)


DIGITS_CSV = Path(__file__).with_name("digits.csv.gz")


# The first six fields are the original split; the validation fields were added after them, so
# code that reads the split by name or by position 0-5 sees exactly what it saw before.
Split = namedtuple("Split", "X_train y_train X_test y_test mean std X_val y_val X_fit y_fit")


def load_digits_raw():
    """All 1,797 images -> X: (1797, 64) pixel values 0..16, y: (1797,) labels 0..9."""
    table = np.loadtxt(DIGITS_CSV, delimiter=",")
    return table[:, :-1], table[:, -1].astype(np.int64)


def validation_rows(y, val_size, rng):
    """Rows of y to hold out: round(val_size * count) of each class's rows, drawn by rng,
    returned sorted (so the held-out images keep the training set's shuffled order)."""
    picked = []
    for label in np.unique(y):
        rows = np.flatnonzero(y == label)
        picked.append(rng.choice(rows, size=int(round(val_size * len(rows))), replace=False))
    return np.sort(np.concatenate(picked))


def load_digits(test_size=0.2, seed=0, dtype=np.float64, val_size=0.2):
    """A shuffled train/test split, standardised with the training set's statistics,
    and a validation split carved out of the training images.

    Each pixel is shifted and scaled to mean 0 and standard deviation 1 over the
    training images (pixels that never change keep scale 1). The test set uses
    the same mean and std: it must not leak into training.

    The training images are then split once more, class by class: ``val_size`` of
    each digit's training images become the validation set (X_val, y_val), the rest
    the fitting set (X_fit, y_fit). Fit the weights on X_fit, make every choice
    (the epoch to stop at, the learning rate) on X_val, and look at X_test once, at
    the end. X_fit and X_val together are exactly X_train; neither touches X_test.

    Returns Split(X_train, y_train, X_test, y_test, mean, std, X_val, y_val, X_fit,
    y_fit); an image is recovered with ``(X * std + mean).reshape(8, 8)``.
    """
    X, y = load_digits_raw()
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(X))
    n_test = int(round(test_size * len(X)))
    test, train = order[:n_test], order[n_test:]
    mean = X[train].mean(axis=0)
    std = X[train].std(axis=0)
    std[std == 0] = 1.0
    standardise = lambda A: ((A - mean) / std).astype(dtype)
    X_train, y_train = standardise(X[train]), y[train]
    val = validation_rows(y_train, val_size, rng)
    fit = np.setdiff1d(np.arange(len(y_train)), val)
    return Split(
        X_train, y_train, standardise(X[test]), y[test], mean, std,
        X_train[val], y_train[val], X_train[fit], y_train[fit],
    )
