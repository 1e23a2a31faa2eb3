"""Layers as forward/backward pairs.

Every ``*_forward`` returns ``(out, cache)``: the output and what the backward
pass will need. Every ``*_backward(dout, cache)`` takes the upstream gradient
``dout`` = dL/d(out) (same shape as ``out``) and returns the gradients of the
loss with respect to the layer's inputs and parameters.

Shapes: N examples in a batch, D input features, M output units.
"""
import numpy as np

from .activations import sigmoid


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
    return np.maximum(x, 0), x


def relu_backward(dout, cache):
    x = cache
    return dout * (x > 0)    # the gradient flows only where the unit was on


def sigmoid_forward(x):
    """out = 1 / (1 + e^-x), element-wise."""
    out = sigmoid(x)
    return out, out


def sigmoid_backward(dout, cache):
    out = cache
    return dout * out * (1 - out)    # sigma' = sigma (1 - sigma), reusing the output


def tanh_forward(x):
    """out = tanh(x), element-wise."""
    out = np.tanh(x)
    return out, out


def tanh_backward(dout, cache):
    out = cache
    return dout * (1 - out ** 2)     # tanh' = 1 - tanh^2, reusing the output
