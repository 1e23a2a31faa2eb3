"""What assignment 5 gives you: code from the course's reference package
(nanoprop), copied here as it is written there. Read it, use it; do not change it.

It is written by the course's build (python -m tools.build_assignments).
"""
import numpy as np


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


def relu_forward(x):
    """out = max(x, 0), element-wise. x: any shape -> out: same shape."""
    return relu(x), x


def sigmoid_forward(x):
    """out = 1 / (1 + e^-x), element-wise. x: any shape -> out: same shape."""
    out = sigmoid(x)
    return out, out


def tanh_forward(x):
    """out = tanh(x), element-wise. x: any shape -> out: same shape."""
    out = tanh(x)
    return out, out


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


# None stands for what you write yourself.
ACTIVATION_LAYERS = {'relu': (relu_forward, None), 'sigmoid': (sigmoid_forward, None), 'tanh': (tanh_forward, None)}


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

    def loss(self, X, y):
        """Softmax cross-entropy on labels y: (N,) -> (loss, grads)."""
        scores, caches = self.forward(X)
        loss, dscores = softmax_cross_entropy(scores, y)
        return loss, self.backward(dscores, caches)

    def predict(self, X):
        """X: (N, D) -> predicted classes: (N,)"""
        scores, _ = self.forward(X)
        return scores.argmax(axis=1)
