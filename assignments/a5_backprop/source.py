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
# (`W1, b1, W2, b2, ...`). The forward passes are the reference ones (assignment 2):
# `caches[i - 1]` is `(affine_cache, activation_cache)` for layer `i`, and the activation
# cache is `None` for the last layer.
#
# Every gradient is checked against numeric gradients (central differences), as you
# should always check a backward pass. Write your code in the cells marked
# `# YOUR CODE HERE`, with numpy only; do not modify the inputs.

# %% code id=setup
import numpy as np

import nanoprop  # the course's reference package: the forward passes and the MLP constructor
from nanoprop.layers import affine_forward, relu_forward, sigmoid_forward, tanh_forward
import checks

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
### BEGIN HIDDEN TESTS
checks.compare_with_reference(affine_backward, nanoprop.affine_backward, checks.random_affine_backward_args, ("dx", "dW", "db"),
                              pick=("dx",), like=lambda a: {"dx": ("x", a[1][0].shape)}, seed=51)
### END HIDDEN TESTS
checks.ok()

# %% tests id=test_affine_dW points=2 needs=affine_backward
rng = np.random.default_rng(0)
x, W, b, dout = rng.normal(size=(4, 3)), rng.normal(size=(3, 2)), rng.normal(size=2), rng.normal(size=(4, 2))
dx, dW, db = checks.unpack(checks.call(affine_backward, dout, (x, W)), ("dx", "dW", "db"), "affine_backward")
checks.check_gradients([dW], lambda W: np.sum(affine_forward(x, W, b)[0] * dout), [W], ["dW"], like={"dW": ("W", W.shape)})
### BEGIN HIDDEN TESTS
checks.compare_with_reference(affine_backward, nanoprop.affine_backward, checks.random_affine_backward_args, ("dx", "dW", "db"),
                              pick=("dW",), like=lambda a: {"dW": ("W", a[1][1].shape)}, seed=52)
### END HIDDEN TESTS
checks.ok()

# %% tests id=test_affine_db points=1 needs=affine_backward
rng = np.random.default_rng(0)
x, W, b, dout = rng.normal(size=(4, 3)), rng.normal(size=(3, 2)), rng.normal(size=2), rng.normal(size=(4, 2))
dx, dW, db = checks.unpack(checks.call(affine_backward, dout, (x, W)), ("dx", "dW", "db"), "affine_backward")
checks.check_gradients([db], lambda b: np.sum(affine_forward(x, W, b)[0] * dout), [b], ["db"],
                       batch=4, like={"db": ("b", b.shape)}, hints=("bias_zero",))
### BEGIN HIDDEN TESTS
checks.compare_with_reference(affine_backward, nanoprop.affine_backward, checks.random_affine_backward_args, ("dx", "dW", "db"),
                              pick=("db",), batch=lambda a: a[0].shape[0], like=lambda a: {"db": ("b", (a[1][1].shape[1],))},
                              hints=("bias_zero",), seed=53)
### END HIDDEN TESTS
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
### BEGIN HIDDEN TESTS
for _seed in range(4):
    _rng = np.random.default_rng(54 + _seed)
    _x = checks.random_array(_rng, *checks.random_shape(_rng, 3))
    _x[np.abs(_x) < 1e-3] = 0.5          # keep finite differences off the kink
    checks.check_activation_backward(relu_backward, relu_forward(_x)[1], _rng.normal(size=_x.shape), _x,
                                     "relu", "relu_backward")
### END HIDDEN TESTS
checks.ok()

# %% tests id=test_sigmoid_backward points=1 needs=activation_backward
x = np.array([[-1.5, 0.5], [2.0, -0.25]])
_, cache = sigmoid_forward(x)
checks.check_activation_backward(sigmoid_backward, cache, np.array([[1.0, -2.0], [0.5, 3.0]]), x, "sigmoid", "sigmoid_backward")
### BEGIN HIDDEN TESTS
for _seed in range(4):
    _rng = np.random.default_rng(58 + _seed)
    _x = checks.random_array(_rng, *checks.random_shape(_rng, 2), low=-6, high=6)
    checks.check_activation_backward(sigmoid_backward, sigmoid_forward(_x)[1], _rng.normal(size=_x.shape), _x,
                                     "sigmoid", "sigmoid_backward")
### END HIDDEN TESTS
checks.ok()

# %% tests id=test_tanh_backward points=1 needs=activation_backward
x = np.array([[-1.5, 0.5], [2.0, -0.25]])
_, cache = tanh_forward(x)
checks.check_activation_backward(tanh_backward, cache, np.array([[1.0, -2.0], [0.5, 3.0]]), x, "tanh", "tanh_backward")
### BEGIN HIDDEN TESTS
for _seed in range(4):
    _rng = np.random.default_rng(62 + _seed)
    _x = checks.random_array(_rng, *checks.random_shape(_rng, 2))
    checks.check_activation_backward(tanh_backward, tanh_forward(_x)[1], _rng.normal(size=_x.shape), _x,
                                     "tanh", "tanh_backward")
### END HIDDEN TESTS
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
class MLP(nanoprop.MLP):
    """A classifier: sizes [D, H1, ..., C]; forward, loss and predict come from the reference."""

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
# MLP.backward is checked with the reference layers, so only the way it chains them counts here.
model = MLP([4, 5, 3], activation="tanh", seed=0)
X, y = np.linspace(-1, 1, 12).reshape(3, 4), np.array([0, 2, 1])
checks.check_network_backward(checks.with_reference_layers(model.backward), model, X, y)
### BEGIN HIDDEN TESTS
for _act, _sizes in (("relu", [3, 4, 2]), ("sigmoid", [5, 3, 4, 3]), ("tanh", [2, 3]), ("relu", [4, 6, 5, 4, 3])):
    _model = MLP(_sizes, activation=_act, seed=len(_sizes))
    _rng = np.random.default_rng(len(_sizes))
    _X, _y = _rng.normal(size=(6, _sizes[0])), _rng.integers(0, _sizes[-1], size=6)
    checks.check_network_backward(checks.with_reference_layers(_model.backward), _model, _X, _y)
### END HIDDEN TESTS
checks.ok()
