"""A multi-layer perceptron assembled from the layers.

    scores = affine -> act -> affine -> act -> ... -> affine

Parameters live in a dict, ``W1, b1, W2, b2, ...``; ``loss`` returns a dict
of gradients with the same keys, ready for an optimiser.
"""
import numpy as np

from .layers import (affine_backward, affine_forward, relu_backward, relu_forward,
                     sigmoid_backward, sigmoid_forward, tanh_backward, tanh_forward)
from .losses import softmax_cross_entropy

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
