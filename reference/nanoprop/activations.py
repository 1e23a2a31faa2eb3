"""Activation functions and their derivatives, element-wise on numpy arrays.

Each function ``f(z)`` sits next to its derivative ``f_prime(z)`` = df/dz.
A neuron computes ``a = f(w . x + b)``; backprop needs ``f'(z)`` at the
same ``z``.
"""
import numpy as np


def step(z):
    """Heaviside step: 1 where z > 0, else 0. The perceptron's threshold."""
    return (np.asarray(z) > 0).astype(float)


def step_prime(z):
    """Zero everywhere it exists (undefined at 0): no gradient to learn from."""
    return np.zeros_like(np.asarray(z, dtype=float))


def sigmoid(z):
    """1 / (1 + e^-z), computed without overflow for large |z|."""
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))                       # in (0, 1]: never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_prime(z):
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z):
    return np.tanh(z)


def tanh_prime(z):
    return 1.0 - np.tanh(z) ** 2


def relu(z):
    return np.maximum(z, 0.0)


def relu_prime(z):
    """1 where z > 0, else 0. At z = 0 we pick 0 (any value in [0, 1] is valid)."""
    return (np.asarray(z) > 0).astype(float)


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
