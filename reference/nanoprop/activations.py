"""Activation functions and their derivatives, element-wise on numpy arrays.

Each function ``f(z)`` sits next to its derivative ``f_prime(z)`` = df/dz.
A neuron computes ``a = f(w . x + b)``; backprop needs ``f'(z)`` at the
same ``z``.

All of them work element-wise on a number or an array of any shape. A float
array keeps its precision (float32 in, float32 out); anything else (ints,
bools, Python numbers) is computed in float64.
"""
import numpy as np


def as_float(z):
    """z as a float array: float16/32/64 kept as they are, anything else as float64."""
    z = np.asarray(z)
    return z if np.issubdtype(z.dtype, np.floating) else z.astype(np.float64)


def step(z):
    """Heaviside step: 1 where z > 0, else 0. The perceptron's threshold."""
    z = as_float(z)
    return (z > 0).astype(z.dtype)


def step_prime(z):
    """Zero everywhere it exists (undefined at 0): no gradient to learn from."""
    return np.zeros_like(as_float(z))


def sigmoid(z):
    """1 / (1 + e^-z), computed without overflow for large |z|."""
    z = as_float(z)
    e = np.exp(-np.abs(z))                       # in (0, 1]: never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_prime(z):
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z):
    return np.tanh(as_float(z))


def tanh_prime(z):
    return 1.0 - np.tanh(as_float(z)) ** 2


def relu(z):
    return np.maximum(as_float(z), 0.0)


def relu_prime(z):
    """1 where z > 0, else 0. At z = 0 we pick 0 (any value in [0, 1] is valid)."""
    z = as_float(z)
    return (z > 0).astype(z.dtype)


ACTIVATIONS = {
    "step": (step, step_prime),
    "sigmoid": (sigmoid, sigmoid_prime),
    "tanh": (tanh, tanh_prime),
    "relu": (relu, relu_prime),
}


def neuron(x, w, b, activation="sigmoid"):
    """One neuron: a = f(w . x + b).

    x: inputs, shape (D,) or a batch (N, D); w: weights, shape (D,); b: a number.
    Returns a number (or shape (N,) for a batch).
    """
    f, _ = ACTIVATIONS[activation]
    return f(np.dot(x, w) + b)
