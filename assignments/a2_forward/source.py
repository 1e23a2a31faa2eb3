# %% markdown
# # Assignment 2: the forward pass
#
# A network is a chain of *layers*. Each layer is a function with a forward pass that
# returns its output **and a cache**: whatever its backward pass (assignment 5) will need.
#
# Shapes: a batch of `N` examples with `D` features goes in; a layer with `M` units
# gives `N` rows of `M` outputs.
#
# | function | input | returns |
# | --- | --- | --- |
# | `affine_forward(x, W, b)` | `x (N, D)`, `W (D, M)`, `b (M,)` | `out = x W + b` of shape `(N, M)`, and `cache = (x, W)` |
# | `relu_forward(x)` | `x` any shape | `max(x, 0)` element-wise, and `cache = x` |
# | `sigmoid_forward(x)` | `x` any shape | $\sigma(x)$ element-wise, and `cache = out` |
# | `tanh_forward(x)` | `x` any shape | $\tanh x$ element-wise, and `cache = out` |
#
# Then **compose** them: `MLP.forward(X)` runs affine, activation, affine, activation, ...,
# affine, with *no* activation after the last affine layer (it gives raw class scores).
#
# Write your code in the cells marked `# YOUR CODE HERE`, with numpy only; do not modify
# the inputs. `sigmoid_forward` must not overflow for inputs like ±1000.
#
# The MLP class inherits its constructor from the class `MLP` that the assignment gives you
# (in `given.py`, next to this notebook): it sets
# `self.sizes` (for example `[64, 32, 10]`), `self.activation` (`"relu"`, `"sigmoid"` or
# `"tanh"`) and `self.params`, a dict with `W1, b1, W2, b2, ...` (`W1` has shape
# `(sizes[0], sizes[1])`). Use *your* layer functions in `forward`.

# %% code id=setup
import numpy as np

import checks
import given  # what this assignment gives: the MLP's constructor (given.MLP)

# %% solution id=affine_forward
def affine_forward(x, W, b):
    """out = x W + b.  x: (N, D), W: (D, M), b: (M,) -> out: (N, M), cache = (x, W)"""
    ### BEGIN SOLUTION
    out = x @ W + b
    return out, (x, W)
    ### END SOLUTION

# %% tests id=test_affine_forward points=2 needs=affine_forward
x = np.array([[1.0, 2.0, 3.0], [0.0, -1.0, 1.0]])
W = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, -1.0]])
b = np.array([0.5, -0.5])
out, cache = checks.unpack(checks.call(affine_forward, x, W, b), ("out", "cache"), "affine_forward")
checks.assert_close(out, np.array([[4.5, -1.5], [1.5, -2.5]]), "out", hints=("bias_forgotten",))
checks.ok()

# %% solution id=activation_forward
def relu_forward(x):
    """out = max(x, 0), element-wise.  x: any shape -> out: same shape, cache = x"""
    ### BEGIN SOLUTION
    return np.maximum(x, 0), x
    ### END SOLUTION


def sigmoid_forward(x):
    """out = 1 / (1 + e^-x), element-wise.  x: any shape -> out: same shape, cache = out"""
    ### BEGIN SOLUTION
    e = np.exp(-np.abs(x))
    out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return out, out
    ### END SOLUTION


def tanh_forward(x):
    """out = tanh(x), element-wise.  x: any shape -> out: same shape, cache = out"""
    ### BEGIN SOLUTION
    out = np.tanh(x)
    return out, out
    ### END SOLUTION

# %% tests id=test_relu_forward points=1 needs=activation_forward
out, _ = checks.unpack(checks.call(relu_forward, np.array([[-1.0, 2.0], [0.5, -3.0]])), ("out", "cache"), "relu_forward")
checks.assert_close(out, np.array([[0.0, 2.0], [0.5, 0.0]]), "relu_forward's out")
checks.ok()

# %% tests id=test_sigmoid_forward points=1 needs=activation_forward
out, _ = checks.unpack(checks.call(sigmoid_forward, np.array([[0.0, -1000.0, 1000.0]])), ("out", "cache"), "sigmoid_forward")
checks.assert_close(out, np.array([[0.5, 0.0, 1.0]]), "sigmoid_forward's out")
checks.ok()

# %% tests id=test_tanh_forward points=1 needs=activation_forward
out, _ = checks.unpack(checks.call(tanh_forward, np.array([0.0, 1.0])), ("out", "cache"), "tanh_forward")
checks.assert_close(out, np.tanh(np.array([0.0, 1.0])), "tanh_forward's out")
checks.ok()

# %% markdown
# The activation layers by name, for `MLP.forward` (run this cell after yours). Each name maps
# to a `(forward, backward)` pair, as in the course's reference; the backward passes come in assignment 5,
# so they are `None` for now:

# %% code id=activation_table
ACTIVATION_LAYERS = {
    "relu": (relu_forward, None),
    "sigmoid": (sigmoid_forward, None),
    "tanh": (tanh_forward, None),
}

# %% solution id=mlp_forward
class MLP(given.MLP):
    """A classifier: sizes [D, H1, ..., C] maps (N, D) inputs to (N, C) scores."""

    def forward(self, X):
        """X: (N, D) -> scores: (N, C), caches.

        caches: a list with one (affine_cache, activation_cache) pair per layer, first layer
        first; activation_cache is None for the last layer, which has no activation.
        The number of layers is len(self.sizes) - 1.
        """
        ### BEGIN SOLUTION
        act_forward, _ = ACTIVATION_LAYERS[self.activation]
        n_layers = len(self.sizes) - 1
        caches = []
        out = X
        for i in range(1, n_layers + 1):
            out, affine_cache = affine_forward(out, self.params[f"W{i}"], self.params[f"b{i}"])
            act_cache = None
            if i < n_layers:
                out, act_cache = act_forward(out)
            caches.append((affine_cache, act_cache))
        return out, caches
        ### END SOLUTION

# %% tests id=test_mlp_forward points=3 needs=mlp_forward
# MLP.forward runs with the reference's layers here, so only the way it chains them counts.
model = MLP([4, 5, 3], activation="relu", seed=0)
model.params["b1"], model.params["b2"] = np.linspace(-0.5, 0.5, 5), np.array([0.1, -0.2, 0.3])
X = np.linspace(-1, 1, 8).reshape(2, 4)
with checks.parts_from(checks.reference, globals(), checks.LAYER_NAMES):
    scores, caches = checks.unpack(checks.call(model.forward, X, name="MLP.forward"), ("scores", "caches"), "MLP.forward")
p = model.params
hidden, _ = checks.reference.relu_forward(checks.reference.affine_forward(X, p["W1"], p["b1"])[0])
checks.assert_close(scores, checks.reference.affine_forward(hidden, p["W2"], p["b2"])[0], "scores",
                    hints=("last_activation", "bias_forgotten"))
assert len(caches) == 2, f"caches should hold one entry per layer (2 here); yours has {len(caches)}."
checks.ok()
