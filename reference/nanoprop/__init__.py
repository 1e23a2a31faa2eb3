"""nanoprop: backpropagation, step by step, in numpy.

Read the modules in this order; each builds on the ones before it:

    activations  a neuron and its activation functions, with their derivatives
    engine       Value: a scalar autograd engine (the chain rule on a graph)
    graph        walking a Value graph in the order backprop visits it
    layers       affine / relu / sigmoid / tanh as forward-backward pairs
    losses       mean squared error and softmax cross-entropy, with gradients
    gradcheck    numeric gradients, to check every backward pass
    network      a multi-layer perceptron built from the layers
    optim        gradient descent, momentum, Adam, mini-batches
    training     the training loop
    data         the handwritten digits
    rnn          a recurrent network and backprop through time
"""
from . import activations, data, gradcheck, graph, layers, losses, network, optim, rnn, training
from .activations import neuron, relu, sigmoid, step, tanh
from .data import load_digits
from .engine import Value
from .gradcheck import directional_check, numerical_gradient, relative_error
from .layers import (affine_backward, affine_forward, relu_backward, relu_forward,
                     sigmoid_backward, sigmoid_forward, tanh_backward, tanh_forward)
from .losses import mse_loss, softmax, softmax_cross_entropy
from .network import MLP, init_params
from .optim import adam, clip_by_norm, minibatches, sgd, sgd_momentum
from .rnn import rnn_backward, rnn_forward, rnn_step_backward, rnn_step_forward
from .training import accuracy, train

__version__ = "1.0.0"
