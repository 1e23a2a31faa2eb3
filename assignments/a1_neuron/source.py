# %% markdown
# # Assignment 1: the neuron and its activations
#
# A neuron computes a weighted sum of its inputs plus a bias, and passes it through an
# *activation function*: $a = f(w \cdot x + b)$. Backpropagation will need the derivative
# $f'(z)$ of every activation at the same $z$, so each function comes with its derivative.
#
# **Your task.** Write the functions below, in the cells marked `# YOUR CODE HERE`
# (delete the `raise NotImplementedError()` line). Use numpy only. Every function works
# element-wise on an array `z` of any shape and returns a new float array of the same shape;
# it must not change its input.
#
# | function | returns |
# | --- | --- |
# | `sigmoid(z)`, `sigmoid_prime(z)` | $\sigma(z) = 1/(1+e^{-z})$ and its derivative |
# | `tanh(z)`, `tanh_prime(z)` | $\tanh z$ and its derivative |
# | `relu(z)`, `relu_prime(z)` | $\max(z, 0)$ and its derivative (take 0 at $z = 0$) |
# | `neuron(x, w, b, activation)` | $f(w \cdot x + b)$ for one input `x` of shape `(D,)` or a batch `(N, D)` |
#
# `sigmoid` must work for very large inputs too: `sigmoid(np.array([-1000.0, 1000.0]))`
# should give `[0, 1]` without any overflow warning.
#
# Run each test cell after your function: it explains what went wrong, if anything.
# The grader runs more tests than you see, on random shapes and values.

# %% code id=setup
import numpy as np

import checks

# %% solution id=sigmoid
def sigmoid(z):
    """1 / (1 + e^-z), element-wise. z: any shape -> same shape, floats in (0, 1)."""
    ### BEGIN SOLUTION
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    ### END SOLUTION


def sigmoid_prime(z):
    """The derivative of sigmoid at z. z: any shape -> same shape."""
    ### BEGIN SOLUTION
    s = sigmoid(z)
    return s * (1.0 - s)
    ### END SOLUTION

# %% tests id=test_sigmoid points=2 needs=sigmoid
checks.assert_close(checks.call(sigmoid, np.array([0.0])), np.array([0.5]), "sigmoid(0)")
checks.assert_close(checks.call(sigmoid, np.array([-1000.0, 1000.0])), np.array([0.0, 1.0]),
                    "sigmoid at -1000 and 1000")
checks.ok()

# %% tests id=test_sigmoid_prime points=1 needs=sigmoid
checks.check_derivative(sigmoid_prime, np.linspace(-4, 4, 9), "sigmoid_prime", "sigmoid")
checks.ok()

# %% solution id=tanh
def tanh(z):
    """tanh(z), element-wise. z: any shape -> same shape, floats in (-1, 1)."""
    ### BEGIN SOLUTION
    return np.tanh(z)
    ### END SOLUTION


def tanh_prime(z):
    """The derivative of tanh at z. z: any shape -> same shape."""
    ### BEGIN SOLUTION
    return 1.0 - np.tanh(z) ** 2
    ### END SOLUTION

# %% tests id=test_tanh points=1 needs=tanh
checks.assert_close(checks.call(tanh, np.array([0.0, 1.0])), np.array([0.0, 0.7615941559557649]), "tanh")
checks.ok()

# %% tests id=test_tanh_prime points=1 needs=tanh
checks.check_derivative(tanh_prime, np.linspace(-3, 3, 7), "tanh_prime", "tanh")
checks.ok()

# %% solution id=relu
def relu(z):
    """max(z, 0), element-wise. z: any shape -> same shape."""
    ### BEGIN SOLUTION
    return np.maximum(z, 0.0)
    ### END SOLUTION


def relu_prime(z):
    """The derivative of relu: 1 where z > 0, else 0. z: any shape -> same shape."""
    ### BEGIN SOLUTION
    return (np.asarray(z) > 0).astype(float)
    ### END SOLUTION

# %% tests id=test_relu points=1 needs=relu
checks.assert_close(checks.call(relu, np.array([-2.0, 0.0, 3.0])), np.array([0.0, 0.0, 3.0]), "relu")
checks.ok()

# %% tests id=test_relu_prime points=1 needs=relu
checks.check_derivative(relu_prime, np.array([-2.5, -0.5, 0.5, 2.5]), "relu_prime", "relu")
checks.ok()

# %% solution id=neuron
ACTIVATIONS = {"sigmoid": sigmoid, "tanh": tanh, "relu": relu}


def neuron(x, w, b, activation="sigmoid"):
    """One neuron: a = f(w . x + b), f = ACTIVATIONS[activation].

    x: (D,) or a batch (N, D); w: (D,); b: a number  ->  a number, or (N,) for a batch
    """
    ### BEGIN SOLUTION
    return ACTIVATIONS[activation](np.dot(x, w) + b)
    ### END SOLUTION

# %% tests id=test_neuron points=2 needs=sigmoid,tanh,relu,neuron
checks.assert_close(checks.call(neuron, np.array([1.0, 2.0]), np.array([0.5, -0.25]), 0.0),
                    0.5, "neuron([1, 2], [0.5, -0.25], 0)")
checks.assert_close(checks.call(neuron, np.array([[1.0, 2.0], [3.0, 1.0]]), np.array([1.0, 0.5]), 0.5, "relu"),
                    np.array([2.5, 4.0]), "a relu neuron on a batch of 2", hints=("bias_forgotten",))
checks.assert_close(checks.call(neuron, np.array([[1.0, 2.0], [3.0, 1.0]]), np.array([1.0, -1.0]), 0.5, "relu"),
                    np.array([0.0, 2.5]), "a relu neuron on a batch of 2")
x, w = np.array([[1.0, 2.0], [-3.0, 1.0]]), np.array([0.5, -0.25])
checks.assert_close(checks.call(neuron, x, w, 0.25, "tanh"), checks.reference.neuron(x, w, 0.25, "tanh"),
                    "a tanh neuron on a batch of 2", hints=("bias_forgotten",))
checks.ok()
