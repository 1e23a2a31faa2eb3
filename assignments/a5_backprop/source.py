# %% markdown
# # Assignment 5: backprop through a network, in matrix form
#
# Each layer's backward pass takes the **upstream gradient** `dout` = dL/d(out), which has
# the shape of the layer's output, and the `cache` its forward pass saved; it returns the
# gradient of the loss with respect to each input and parameter, **each with the shape of
# what it is the gradient of**.
#
# | function | input | returns |
# | --- | --- | --- |
# | `affine_backward(dout, cache)` | `dout (N, M)`, `cache = (x, W)` with `x (N, D)`, `W (D, M)` | `dx (N, D)`, `dW (D, M)`, `db (M,)` |
# | `relu_backward(dout, cache)` | `dout` any shape, `cache = x` (the layer's input) | `dx`, same shape |
# | `sigmoid_backward(dout, cache)` | `dout`, `cache = out` (the layer's *output*) | `dx` |
# | `tanh_backward(dout, cache)` | `dout`, `cache = out` (the layer's *output*) | `dx` |
#
# Then `MLP.backward(dscores, caches)` walks the layers from the last to the first and
# returns a dict of gradients with the same keys and shapes as `self.params`
# (`W1, b1, W2, b2, ...`). The forward passes are given (in `given.py`, as in assignment 2):
# `caches[i - 1]` is `(affine_cache, activation_cache)` for layer `i`, and the activation
# cache is `None` for the last layer.
#
# Every gradient is checked against numeric gradients (central differences), as you
# should always check a backward pass. Write your code in the cells marked
# `# YOUR CODE HERE`, with numpy only; do not modify the inputs.

# %% code id=setup
import numpy as np

import checks
import given  # what this assignment gives: the forward passes, the loss, the MLP's forward pass
from given import affine_forward, relu_forward, sigmoid_forward, tanh_forward, softmax_cross_entropy

# %% solution id=affine_backward
def affine_backward(dout, cache):
    """dout: (N, M), cache = (x, W)  ->  dx: (N, D), dW: (D, M), db: (M,)"""
    ### BEGIN SOLUTION
    x, W = cache
    dx = dout @ W.T
    dW = x.T @ dout
    db = dout.sum(axis=0)
    return dx, dW, db
    ### END SOLUTION

# %% tests id=test_affine_dx points=1 needs=affine_backward
rng = np.random.default_rng(0)
x, W, b, dout = rng.normal(size=(4, 3)), rng.normal(size=(3, 2)), rng.normal(size=2), rng.normal(size=(4, 2))
dx, dW, db = checks.unpack(checks.call(affine_backward, dout, (x, W)), ("dx", "dW", "db"), "affine_backward")
checks.check_gradients([dx], lambda x: np.sum(affine_forward(x, W, b)[0] * dout), [x], ["dx"], like={"dx": ("x", x.shape)})
checks.ok()

# %% tests id=test_affine_dW points=2 needs=affine_backward
rng = np.random.default_rng(0)
x, W, b, dout = rng.normal(size=(4, 3)), rng.normal(size=(3, 2)), rng.normal(size=2), rng.normal(size=(4, 2))
dx, dW, db = checks.unpack(checks.call(affine_backward, dout, (x, W)), ("dx", "dW", "db"), "affine_backward")
checks.check_gradients([dW], lambda W: np.sum(affine_forward(x, W, b)[0] * dout), [W], ["dW"], like={"dW": ("W", W.shape)})
checks.ok()

# %% tests id=test_affine_db points=1 needs=affine_backward
rng = np.random.default_rng(0)
x, W, b, dout = rng.normal(size=(4, 3)), rng.normal(size=(3, 2)), rng.normal(size=2), rng.normal(size=(4, 2))
dx, dW, db = checks.unpack(checks.call(affine_backward, dout, (x, W)), ("dx", "dW", "db"), "affine_backward")
checks.check_gradients([db], lambda b: np.sum(affine_forward(x, W, b)[0] * dout), [b], ["db"],
                       batch=4, like={"db": ("b", b.shape)}, hints=("bias_zero",))
checks.ok()

# %% solution id=activation_backward
def relu_backward(dout, cache):
    """dout: any shape, cache = x (the input of relu)  ->  dx: same shape"""
    ### BEGIN SOLUTION
    x = cache
    return dout * (x > 0)
    ### END SOLUTION


def sigmoid_backward(dout, cache):
    """dout: any shape, cache = out (the output of sigmoid)  ->  dx: same shape"""
    ### BEGIN SOLUTION
    out = cache
    return dout * out * (1 - out)
    ### END SOLUTION


def tanh_backward(dout, cache):
    """dout: any shape, cache = out (the output of tanh)  ->  dx: same shape"""
    ### BEGIN SOLUTION
    out = cache
    return dout * (1 - out ** 2)
    ### END SOLUTION

# %% tests id=test_relu_backward points=1 needs=activation_backward
x = np.array([[-1.5, 0.5], [2.0, -0.25]])
_, cache = relu_forward(x)
checks.check_activation_backward(relu_backward, cache, np.array([[1.0, -2.0], [0.5, 3.0]]), x, "relu", "relu_backward")
checks.ok()

# %% tests id=test_sigmoid_backward points=1 needs=activation_backward
x = np.array([[-1.5, 0.5], [2.0, -0.25]])
_, cache = sigmoid_forward(x)
checks.check_activation_backward(sigmoid_backward, cache, np.array([[1.0, -2.0], [0.5, 3.0]]), x, "sigmoid", "sigmoid_backward")
checks.ok()

# %% tests id=test_tanh_backward points=1 needs=activation_backward
x = np.array([[-1.5, 0.5], [2.0, -0.25]])
_, cache = tanh_forward(x)
checks.check_activation_backward(tanh_backward, cache, np.array([[1.0, -2.0], [0.5, 3.0]]), x, "tanh", "tanh_backward")
checks.ok()

# %% markdown
# The layers by activation name, as `(forward, backward)` pairs, for `MLP.backward`
# (run this cell after yours):

# %% code id=activation_table
ACTIVATION_LAYERS = {
    "relu": (relu_forward, relu_backward),
    "sigmoid": (sigmoid_forward, sigmoid_backward),
    "tanh": (tanh_forward, tanh_backward),
}

# %% solution id=mlp_backward
class MLP(given.MLP):
    """A classifier: sizes [D, H1, ..., C]; forward, loss and predict are given."""

    def backward(self, dscores, caches):
        """dscores: (N, C), caches from self.forward -> grads: dict like self.params.

        There are len(self.sizes) - 1 layers; layer i has parameters W{i} and b{i}.
        """
        ### BEGIN SOLUTION
        _, act_backward = ACTIVATION_LAYERS[self.activation]
        grads = {}
        dout = dscores
        for i in reversed(range(1, len(self.sizes))):
            affine_cache, act_cache = caches[i - 1]
            if act_cache is not None:
                dout = act_backward(dout, act_cache)
            dout, grads[f"W{i}"], grads[f"b{i}"] = affine_backward(dout, affine_cache)
        return grads
        ### END SOLUTION

# %% tests id=test_mlp_backward points=3 needs=mlp_backward
# MLP.backward runs with the reference's layers here, so only the way it chains them counts.
model = MLP([4, 5, 3], activation="tanh", seed=0)
X, y = np.linspace(-1, 1, 12).reshape(3, 4), np.array([0, 2, 1])
with checks.parts_from(checks.reference, globals(), checks.LAYER_NAMES):
    checks.check_network_backward(model.backward, model, X, y, softmax_cross_entropy)
checks.ok()
