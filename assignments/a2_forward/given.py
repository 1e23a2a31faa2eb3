"""What assignment 2 gives you: code from the course's reference package
(nanoprop), copied here as it is written there. Read it, use it; do not change it.

It is written by the course's build (python -m tools.build_assignments).
"""
import numpy as np


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
