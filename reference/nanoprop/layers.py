"""Layers as forward/backward pairs.

Every ``*_forward`` returns ``(out, cache)``: the output and what the backward
pass will need. Every ``*_backward(dout, cache)`` takes the upstream gradient
``dout`` = dL/d(out) (same shape as ``out``) and returns the gradients of the
loss with respect to the layer's inputs and parameters.

Shapes: N examples in a batch, D input features, M output units.
"""
from .activations import relu, sigmoid, tanh


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
    return relu(x), x


def relu_backward(dout, cache):
    """dout: same shape as x; cache: x, the forward input  ->  dx: same shape as x"""
    x = cache
    return dout * (x > 0)    # the gradient flows only where the unit was on


def sigmoid_forward(x):
    """out = 1 / (1 + e^-x), element-wise. x: any shape -> out: same shape."""
    out = sigmoid(x)
    return out, out


def sigmoid_backward(dout, cache):
    """dout: same shape as x; cache: out, the forward output  ->  dx: same shape as x"""
    out = cache
    return dout * out * (1 - out)    # sigma' = sigma (1 - sigma), reusing the output


def tanh_forward(x):
    """out = tanh(x), element-wise. x: any shape -> out: same shape."""
    out = tanh(x)
    return out, out


def tanh_backward(dout, cache):
    """dout: same shape as x; cache: out, the forward output  ->  dx: same shape as x"""
    out = cache
    return dout * (1 - out ** 2)     # tanh' = 1 - tanh^2, reusing the output
