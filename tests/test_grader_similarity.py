"""``course similarity``: every copy of a learner's work found, no honest pair reported.

A generated class for every assignment, in one course folder released with nbgrader: the demo
class (``tools/demo_class.py``: the instructor's solution, partial, buggy, blank and missing work),
three learners who each wrote a correct solution in a style of their own (``STYLES``; each is run
against the notebook's tests first), and four learners copying each of those three: verbatim, with
the variables renamed, with the functions reordered, reformatted (other spacing, line breaks and
comments). Every pair of the same work must be reported (recall 1.0), no other pair (0 false
positives). Both figures are printed (``pytest -s``) and in the README, at the chosen threshold and
at others, to show the measurement can fail both ways.
"""

import ast
import copy
import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from test_assignments_mutants import run_cells, source
from test_grader_copies import HONEST, _retokenized
from test_grader_verdicts import A2_FORWARD, A5_BACKWARD, A6_MINIBATCHES

from course import similarity
from course.cli import main
from tools import assignments as catalogue
from tools import demo_class as demo

ASSIGNMENTS = catalogue.names()

# Three correct solutions per assignment in styles of their own: each a list of code that replaces
# the functions (or classes) of the same names in the instructor's answer cells; functions not
# named keep the instructor's one-liners, as an honest learner often writes them too. The first
# style starts from test_grader_copies.HONEST and the styles of test_grader_verdicts.
STYLES = {
    "a1_neuron": [
        HONEST["a1_neuron"]
        + [
            """\
def sigmoid_prime(z):
    e = np.exp(-np.abs(z))
    return e / (1 + e) ** 2
""",
            """\
def tanh_prime(z):
    t = tanh(z)
    return (1 - t) * (1 + t)
""",
        ],
        [
            """\
import math


def _sig(v):
    if v >= 0:
        return 1.0 / (1.0 + math.exp(-v))
    ev = math.exp(v)
    return ev / (1.0 + ev)


def sigmoid(z):
    arr = np.asarray(z, dtype=float)
    flat = [_sig(v) for v in arr.ravel()]
    return np.array(flat).reshape(arr.shape)
""",
            """\
def sigmoid_prime(z):
    s = sigmoid(z)
    return s - s * s
""",
            """\
def tanh(z):
    return 2 * sigmoid(2 * np.asarray(z, dtype=float)) - 1
""",
            """\
def tanh_prime(z):
    return 4.0 * sigmoid_prime(2.0 * np.asarray(z, dtype=float))
""",
            """\
def relu(z):
    out = np.array(z, dtype=float)
    out[out < 0] = 0
    return out
""",
            """\
def relu_prime(z):
    return np.vectorize(lambda v: 1.0 if v > 0 else 0.0, otypes=[float])(z)
""",
            """\
def neuron(x, w, b, activation='sigmoid'):
    if activation not in ACTIVATIONS:
        raise ValueError(f'unknown activation {activation!r}')
    z = np.asarray(x, dtype=float) @ np.asarray(w, dtype=float) + b
    return ACTIVATIONS[activation](z)
""",
        ],
        [
            """\
def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))
""",
            """\
def sigmoid_prime(z):
    t = np.tanh(0.5 * np.asarray(z, dtype=float))
    return 0.25 * (1.0 - t * t)
""",
            """\
def tanh_prime(z):
    th = np.tanh(z)
    return 1 - th * th
""",
            """\
def relu(z):
    a = np.asarray(z, dtype=float)
    return a * (a > 0)
""",
            """\
def relu_prime(z):
    return np.greater(z, 0).astype(np.float64)
""",
            """\
def neuron(x, w, b, activation='sigmoid'):
    total = np.tensordot(x, w, axes=([-1], [0])) + b
    fn = ACTIVATIONS.get(activation)
    return fn(total)
""",
        ],
    ],
    "a2_forward": [
        HONEST["a2_forward"][:3] + [A2_FORWARD],
        [
            """\
def affine_forward(x, W, b):
    out = np.dot(x, W)
    out += b
    cache = (x, W)
    return out, cache
""",
            """\
def relu_forward(x):
    out = np.where(x > 0, x, 0)
    return out, x
""",
            """\
def sigmoid_forward(x):
    out = np.empty_like(x, dtype=float)
    pos = x >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
    ex = np.exp(x[~pos])
    out[~pos] = ex / (1.0 + ex)
    return out, out
""",
            """\
def tanh_forward(x):
    out = np.tanh(x)
    cache = out
    return out, cache
""",
            """\
class MLP(given.MLP):
    def forward(self, X):
        act = ACTIVATION_LAYERS[self.activation][0]
        depth = len(self.sizes) - 1
        caches = []
        h = X
        layer = 1
        while layer <= depth:
            W, b = self.params['W' + str(layer)], self.params['b' + str(layer)]
            h, lin = affine_forward(h, W, b)
            if layer == depth:
                caches.append((lin, None))
            else:
                h, nonlin = act(h)
                caches.append((lin, nonlin))
            layer += 1
        return h, caches
""",
        ],
        [
            """\
def affine_forward(x, W, b):
    N = x.shape[0]
    out = x.dot(W) + np.tile(b, (N, 1))
    return out, (x, W)
""",
            """\
def relu_forward(x):
    out = np.clip(x, 0, None)
    return out, x
""",
            """\
def sigmoid_forward(x):
    out = np.exp(-np.logaddexp(0, -x))
    return out, out
""",
            """\
def tanh_forward(x):
    out = 2 * np.exp(-np.logaddexp(0, -2 * x)) - 1
    return out, out
""",
            """\
class MLP(given.MLP):
    def _step(self, i, h, last):
        h, lin = affine_forward(h, self.params[f'W{i}'], self.params[f'b{i}'])
        if last:
            return h, (lin, None)
        h, nonlin = ACTIVATION_LAYERS[self.activation][0](h)
        return h, (lin, nonlin)

    def forward(self, X):
        count = len(self.sizes) - 1
        caches = []
        for i in range(count):
            X, c = self._step(i + 1, X, i + 1 == count)
            caches.append(c)
        return X, caches
""",
        ],
    ],
    "a3_loss": [
        HONEST["a3_loss"][:2]  # (its softmax_cross_entropy takes the log of an underflowed 0)
        + [
            """\
def softmax_cross_entropy(logits, labels):
    N = logits.shape[0]
    z = logits - np.max(logits, axis=1)[:, None]
    logp = z - np.log(np.sum(np.exp(z), axis=1))[:, None]
    grad = np.exp(logp)
    for i, c in enumerate(labels):
        grad[i, c] -= 1.0
    return float(-np.mean(logp[np.arange(N), labels])), grad / N
""",
        ],
        [
            """\
def mse_loss(pred, target):
    n = pred.shape[0]
    total = 0.0
    for p, t in zip(pred.reshape(n, -1), target.reshape(n, -1)):
        total += float(((p - t) ** 2).sum())
    return total / (2 * n), (pred - target) / n
""",
            """\
def softmax(logits):
    rows = []
    for row in logits:
        ex = np.exp(row - row.max())
        rows.append(ex / ex.sum())
    return np.array(rows)
""",
            """\
def softmax_cross_entropy(logits, labels):
    n = len(labels)
    top = np.max(logits, axis=1)
    lse = top + np.log(np.sum(np.exp(logits - top[:, None]), axis=1))
    correct = logits[np.arange(n), labels]
    onehot = np.zeros_like(logits)
    onehot[np.arange(n), labels] = 1.0
    return float(np.mean(lse - correct)), (softmax(logits) - onehot) / n
""",
        ],
        [
            """\
def mse_loss(pred, target):
    residual = np.subtract(pred, target)
    count = np.shape(pred)[0]
    loss = np.vdot(residual, residual) / (2.0 * count)
    return float(loss), residual / count
""",
            """\
def softmax(logits):
    ex = np.exp(logits - logits.max(axis=-1, keepdims=True))
    total = np.einsum('nc->n', ex)
    return ex / total[:, np.newaxis]
""",
            """\
def softmax_cross_entropy(logits, labels):
    count = logits.shape[0]
    total = 0.0
    grad = np.zeros_like(logits, dtype=float)
    for i in range(count):
        row = logits[i] - np.max(logits[i])
        log_norm = np.log(np.sum(np.exp(row)))
        total += log_norm - row[labels[i]]
        grad[i] = np.exp(row - log_norm)
        grad[i, labels[i]] -= 1.0
    return float(total / count), grad / count
""",
        ],
    ],
    "a5_backprop": [
        HONEST["a5_backprop"]
        + [
            """\
def sigmoid_backward(dout, cache):
    return dout * cache - dout * cache ** 2
""",
            A5_BACKWARD,
        ],
        [
            """\
def affine_backward(dout, cache):
    x, W = cache
    dx = np.dot(dout, W.T)
    dW = np.dot(x.T, dout)
    db = np.sum(dout, axis=0)
    return dx, dW, db
""",
            """\
def relu_backward(dout, cache):
    dx = dout.copy()
    dx[cache <= 0] = 0
    return dx
""",
            """\
def sigmoid_backward(dout, cache):
    s = cache
    local = s * (1.0 - s)
    return local * dout
""",
            """\
def tanh_backward(dout, cache):
    local = 1.0 - np.square(cache)
    return dout * local
""",
            """\
class MLP(given.MLP):
    def backward(self, dscores, caches):
        act_backward = ACTIVATION_LAYERS[self.activation][1]
        grads = {}
        grad = dscores
        for layer in range(len(caches), 0, -1):
            lin_cache, nonlin_cache = caches[layer - 1]
            if nonlin_cache is not None:
                grad = act_backward(grad, nonlin_cache)
            grad, dW, db = affine_backward(grad, lin_cache)
            grads['W' + str(layer)] = dW
            grads['b' + str(layer)] = db
        return grads
""",
        ],
        [
            """\
def affine_backward(dout, cache):
    x, W = cache
    db = dout.sum(0)
    dW = np.matmul(x.T, dout)
    dx = np.matmul(dout, np.transpose(W))
    return dx, dW, db
""",
            """\
def relu_backward(dout, cache):
    mask = (cache > 0).astype(dout.dtype)
    return mask * dout
""",
            """\
def sigmoid_backward(dout, cache):
    return np.multiply(dout, cache * (1 - cache))
""",
            """\
def tanh_backward(dout, cache):
    return np.multiply(dout, 1 - cache ** 2)
""",
            """\
class MLP(given.MLP):
    def _back(self, i, grad, caches, grads):
        if i == 0:
            return grads
        lin, act = caches[i - 1]
        if act is not None:
            grad = ACTIVATION_LAYERS[self.activation][1](grad, act)
        grad, grads[f'W{i}'], grads[f'b{i}'] = affine_backward(grad, lin)
        return self._back(i - 1, grad, caches, grads)

    def backward(self, dscores, caches):
        return self._back(len(caches), dscores, caches, {})
""",
        ],
    ],
    "a6_training": [
        HONEST["a6_training"]
        + [
            """\
def sgd(w, dw, learning_rate=0.01):
    step = learning_rate * dw
    return w - step
""",
            """\
def train(model, X, y, X_val=None, y_val=None, epochs=20, batch_size=64,
          learning_rate=0.1, momentum=0.9, seed=0):
    rng = np.random.default_rng(seed)
    vel = {}
    for name, p in model.params.items():
        vel[name] = np.zeros_like(p)
    hist = {'loss': [], 'train_acc': [], 'val_acc': []}
    epoch = 0
    while epoch < epochs:
        total, count = 0.0, 0
        for xb, yb in minibatches(X, y, batch_size, rng):
            loss, grads = model.loss(xb, yb)
            total += loss
            count += 1
            for name in model.params:
                w, v = sgd_momentum(model.params[name], grads[name], vel[name], learning_rate, momentum)
                model.params[name] = w
                vel[name] = v
        hist['loss'].append(float(total / count))
        hist['train_acc'].append(accuracy(model, X, y))
        if X_val is not None:
            hist['val_acc'].append(accuracy(model, X_val, y_val))
        epoch += 1
    return hist
""",
        ],
        [
            """\
def sgd(w, dw, learning_rate=0.01):
    return np.subtract(w, learning_rate * dw)
""",
            """\
def sgd_momentum(w, dw, v, learning_rate=0.01, momentum=0.9):
    v_next = v * momentum
    v_next -= learning_rate * dw
    return w + v_next, v_next
""",
            A6_MINIBATCHES[0],
            """\
def accuracy(model, X, y):
    pred = model.predict(X)
    return float((pred == y).sum()) / y.shape[0]
""",
            """\
def train(model, X, y, X_val=None, y_val=None, epochs=20, batch_size=64,
          learning_rate=0.1, momentum=0.9, seed=0):
    rng = np.random.default_rng(seed)
    keys = list(model.params)
    velocity = dict(zip(keys, [np.zeros_like(model.params[k]) for k in keys]))
    history = dict(loss=[], train_acc=[], val_acc=[])
    for epoch in range(epochs):
        batch_losses = []
        for Xb, yb in minibatches(X, y, batch_size, rng):
            batch_loss, g = model.loss(Xb, yb)
            batch_losses.append(batch_loss)
            updated = {k: sgd_momentum(model.params[k], g[k], velocity[k], learning_rate, momentum)
                       for k in keys}
            for k, (w_new, v_new) in updated.items():
                model.params[k] = w_new
                velocity[k] = v_new
        history['loss'].append(sum(batch_losses) / len(batch_losses))
        history['train_acc'].append(accuracy(model, X, y))
        if X_val is not None:
            history['val_acc'].append(accuracy(model, X_val, y_val))
    return history
""",
        ],
        [
            """\
def sgd(w, dw, learning_rate=0.01):
    new_w = w.copy()
    new_w -= learning_rate * dw
    return new_w
""",
            """\
def sgd_momentum(w, dw, v, learning_rate=0.01, momentum=0.9):
    v_new = np.add(momentum * v, -learning_rate * dw)
    return np.add(w, v_new), v_new
""",
            A6_MINIBATCHES[2],
            """\
def accuracy(model, X, y):
    right = np.count_nonzero(model.predict(X) == y)
    return right / len(y)
""",
            """\
def _epoch(model, X, y, batch_size, rng, velocity, learning_rate, momentum):
    losses = []
    for batch in minibatches(X, y, batch_size, rng):
        value, grads = model.loss(*batch)
        losses.append(value)
        for key in model.params:
            model.params[key], velocity[key] = sgd_momentum(
                model.params[key], grads[key], velocity[key], learning_rate=learning_rate,
                momentum=momentum)
    return float(np.mean(losses))


def train(model, X, y, X_val=None, y_val=None, epochs=20, batch_size=64,
          learning_rate=0.1, momentum=0.9, seed=0):
    rng = np.random.default_rng(seed)
    velocity = {key: 0.0 * value for key, value in model.params.items()}
    history = {'loss': [], 'train_acc': [], 'val_acc': []}
    for _ in range(epochs):
        history['loss'].append(_epoch(model, X, y, batch_size, rng, velocity, learning_rate,
                                      momentum))
        history['train_acc'].append(accuracy(model, X, y))
        if X_val is not None and y_val is not None:
            history['val_acc'].append(accuracy(model, X_val, y_val))
    return history
""",
        ],
    ],
    "a7_rnn": [
        HONEST["a7_rnn"]
        + [
            """\
def rnn_step_backward(dh, cache):
    x, h_prev, Wx, Wh, h = cache
    da = dh - dh * h * h
    return (np.einsum('nh,dh->nd', da, Wx), np.einsum('nh,kh->nk', da, Wh),
            np.einsum('nd,nh->dh', x, da), np.einsum('nk,nh->kh', h_prev, da),
            np.einsum('nh->h', da))
""",
            """\
def rnn_backward(dh, cache):
    N, T, H = dh.shape
    Wx = cache[0][2]
    grads_x = []
    dWx = np.zeros_like(Wx)
    dWh = np.zeros((H, H))
    db = np.zeros(H)
    carry = np.zeros((N, H))
    for t in range(T - 1, -1, -1):
        step = rnn_step_backward(dh[:, t] + carry, cache[t])
        grads_x.append(step[0])
        carry = step[1]
        dWx += step[2]
        dWh += step[3]
        db += step[4]
    dx = np.stack(grads_x[::-1], axis=1)
    return dx, carry, dWx, dWh, db
""",
        ],
        [
            """\
def rnn_step_forward(x, h_prev, Wx, Wh, b):
    a = np.dot(x, Wx) + np.dot(h_prev, Wh) + b
    h = np.tanh(a)
    cache = (x, h_prev, Wx, Wh, h)
    return h, cache
""",
            """\
def rnn_step_backward(dh, cache):
    x, h_prev, Wx, Wh, h = cache
    grad_a = (1.0 - np.square(h)) * dh
    dx = np.dot(grad_a, Wx.T)
    dh_prev = np.dot(grad_a, Wh.T)
    dWx = np.dot(x.T, grad_a)
    dWh = np.dot(h_prev.T, grad_a)
    db = np.sum(grad_a, axis=0)
    return dx, dh_prev, dWx, dWh, db
""",
            """\
def rnn_forward(x, h0, Wx, Wh, b):
    hs, caches = [], []
    h = h0
    for step in range(x.shape[1]):
        h, c = rnn_step_forward(x[:, step, :], h, Wx, Wh, b)
        hs.append(h)
        caches.append(c)
    if not hs:
        return np.zeros((x.shape[0], 0, h0.shape[1])), caches
    return np.stack(hs, axis=1), caches
""",
            """\
def rnn_backward(dh, cache):
    T = dh.shape[1]
    dxs = [None] * T
    dh_next = 0
    total = None
    for t in reversed(range(T)):
        parts = rnn_step_backward(dh[:, t] + dh_next, cache[t])
        dxs[t], dh_next = parts[0], parts[1]
        total = parts[2:] if total is None else tuple(a + g for a, g in zip(total, parts[2:]))
    return (np.stack(dxs, axis=1), dh_next) + tuple(total)
""",
        ],
        [
            """\
def rnn_step_forward(x, h_prev, Wx, Wh, b):
    pre = x @ Wx
    pre += h_prev @ Wh
    pre += b
    h = np.tanh(pre)
    return h, (x, h_prev, Wx, Wh, h)
""",
            """\
def rnn_step_backward(dh, cache):
    x, h_prev, Wx, Wh, h = cache
    local = dh * (1.0 - h) * (1.0 + h)
    grads = (local @ Wx.T, local @ Wh.T, x.T @ local, h_prev.T @ local, local.sum(axis=0))
    return grads
""",
            """\
def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = h0.shape[1]
    out = np.empty((N, T, H))
    caches = [None] * T
    h = h0
    t = 0
    while t < T:
        h, caches[t] = rnn_step_forward(x[:, t, :], h, Wx, Wh, b)
        out[:, t, :] = h
        t += 1
    return out, caches
""",
            """\
def rnn_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.empty((N, T, D))
    sums = [0.0, 0.0, 0.0]
    g = np.zeros((N, H))
    for t in range(T)[::-1]:
        dx[:, t, :], g, *rest = rnn_step_backward(dh[:, t, :] + g, cache[t])
        sums = [s + r for s, r in zip(sums, rest)]
    return dx, g, sums[0], sums[1], sums[2]
""",
        ],
    ],
}

# a4_autograd: the notebook gives the whole Value class; learners fill in its nine regions (the
# local gradients of +, *, **, exp, log, tanh, sigmoid, relu, then backward's walk of the graph).
A4_REGIONS = [
    [
        """\
g = out.grad
self.grad = self.grad + g
other.grad = other.grad + g""",
        """\
a, b = self.data, other.data
self.grad += b * out.grad
other.grad += a * out.grad""",
        """\
local = k * (self.data ** (k - 1))
self.grad += local * out.grad""",
        "self.grad += math.exp(self.data) * out.grad",
        "self.grad += (1.0 / self.data) * out.grad",
        """\
t = math.tanh(self.data)
self.grad += (1 - t * t) * out.grad""",
        """\
s = out.data
self.grad += s * (1 - s) * out.grad""",
        """\
if self.data > 0:
    self.grad += out.grad""",
        """\
order, seen, stack = [], set(), [(self, False)]
while stack:
    v, done = stack.pop()
    if done:
        order.append(v)
    elif id(v) not in seen:
        seen.add(id(v))
        stack.append((v, True))
        stack.extend((child, False) for child in v._prev)
self.grad = 1.0
for v in order[::-1]:
    v._backward()""",
    ],
    [
        """\
for v in (self, other):
    v.grad += out.grad""",
        """\
self.grad += out.grad * other.data
other.grad += out.grad * self.data""",
        "self.grad += out.grad * k * self.data ** (k - 1)",
        "self.grad += out.grad * out.data",
        "self.grad += out.grad * self.data ** -1",
        "self.grad += out.grad * (1 - out.data * out.data)",
        "self.grad += out.grad * out.data * (1 - out.data)",
        "self.grad += out.grad * (1.0 if self.data > 0 else 0.0)",
        """\
nodes, todo = [], [self]
seen = {id(self)}
while todo:
    v = todo.pop()
    nodes.append(v)
    for c in v._prev:
        if id(c) not in seen:
            seen.add(id(c))
            todo.append(c)
waiting = {id(v): 0 for v in nodes}
for v in nodes:
    for c in v._prev:
        waiting[id(c)] += 1
self.grad = 1.0
ready = [self]
while ready:
    v = ready.pop()
    v._backward()
    for c in v._prev:
        waiting[id(c)] -= 1
        if waiting[id(c)] == 0:
            ready.append(c)""",
    ],
    [
        """\
self.grad += 1.0 * out.grad
other.grad += 1.0 * out.grad""",
        """\
dself, dother = other.data, self.data
self.grad += dself * out.grad
other.grad += dother * out.grad""",
        "self.grad += out.grad * k * math.pow(self.data, k - 1)",
        """\
derivative = out.data
self.grad += derivative * out.grad""",
        """\
derivative = 1.0 / self.data
self.grad += derivative * out.grad""",
        """\
derivative = (1.0 - out.data) * (1.0 + out.data)
self.grad += derivative * out.grad""",
        """\
derivative = out.data - out.data ** 2
self.grad += derivative * out.grad""",
        """\
derivative = float(self.data > 0)
self.grad += derivative * out.grad""",
        """\
def build(v, seen, order):
    if id(v) in seen:
        return order
    seen.add(id(v))
    for p in v._prev:
        build(p, seen, order)
    order.append(v)
    return order

topo = build(self, set(), [])
self.grad = 1.0
for node in topo[::-1]:
    node._backward()""",
    ],
]
REGION = re.compile(r"^( *)### BEGIN SOLUTION\n.*?^ *### END SOLUTION\n?", re.M | re.S)
MARKERS = re.compile(r"^ *### (BEGIN|END) SOLUTION(\n|$)", re.M)


# --- learners' answers ---------------------------------------------------------------------------
def solution_cells(nb):
    return {
        c["metadata"]["nbgrader"]["grade_id"]: c["source"]
        for c in nb["cells"]
        if c["metadata"].get("nbgrader", {}).get("solution")
    }


def _blocks(body):
    """[(first line, last line)] (1-based) of the statements of an AST body, decorators included."""
    return [
        (min([s.lineno] + [d.lineno for d in getattr(s, "decorator_list", [])]), s.end_lineno) for s in body
    ]


def replace_defs(text, code):
    """``text`` (a cell) with its top-level definitions named in ``code`` replaced by ``code``."""
    wanted = {s.name for s in ast.parse(code).body if isinstance(s, ast.FunctionDef | ast.ClassDef)}
    tree = ast.parse(text)
    lines = text.splitlines()
    spans = [b for s, b in zip(tree.body, _blocks(tree.body)) if getattr(s, "name", None) in wanted]
    for first, last in reversed(spans):
        del lines[first - 1 : last]
    at = spans[0][0] - 1
    return "\n".join(lines[:at] + code.rstrip("\n").splitlines() + lines[at:])


def style_answers(assignment, k):
    """{grade_id: source} of the k-th honest style: the instructor's cells, rewritten."""
    cells = solution_cells(source(assignment))
    if assignment == "a4_autograd":
        bodies = iter(A4_REGIONS[k])
        ((grade_id, text),) = cells.items()
        cells[grade_id] = REGION.sub(lambda m: _indent(next(bodies), m.group(1)), text)
        return cells
    for code in STYLES[assignment][k]:
        names = {s.name for s in ast.parse(code).body if isinstance(s, ast.FunctionDef | ast.ClassDef)}
        grade_id = next(g for g, t in cells.items() if names & _defined(t))
        cells[grade_id] = replace_defs(cells[grade_id], code)
    return {g: MARKERS.sub("", t) for g, t in cells.items()}


def _indent(code, pad):
    return "".join(pad + line + "\n" if line else "\n" for line in code.splitlines())


def _defined(text):
    return {getattr(s, "name", None) for s in ast.parse(text).body}


def filled(nb, answers):
    """A copy of the notebook with its answer cells holding ``answers``."""
    nb = copy.deepcopy(nb)
    for cell in nb["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id in answers and cell["metadata"]["nbgrader"].get("solution"):
            cell["source"] = answers[grade_id]
    return nb


# --- copies --------------------------------------------------------------------------------------
def renamed(text):
    """The cell with its variables renamed (not the parameters the notebook gives, nor names used
    in f-strings, which are one token)."""
    tree = ast.parse(text)
    top = {getattr(s, "name", None) for s in tree.body}
    top |= {
        n.id
        for f in ast.walk(tree)
        if isinstance(f, ast.JoinedStr)
        for n in ast.walk(f)
        if isinstance(n, ast.Name)
    }
    local = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.arg):
            top.add(node.arg)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            local.add(node.id)
    return _retokenized(text, lambda n: n + "_mine" if n in local - top else n)


def reordered(text):
    """The cell with its functions (and the methods of its classes) in the reverse order."""
    tree = ast.parse(text)
    lines = text.splitlines()

    def order(body, lines_of):
        spans = _blocks(body)
        defs = [i for i, s in enumerate(body) if isinstance(s, ast.FunctionDef | ast.ClassDef)]
        chunks = {}
        for n, (first, last) in enumerate(spans):
            end = spans[n + 1][0] - 1 if n + 1 < len(spans) else last
            chunk = lines_of[first - 1 : end]
            if isinstance(body[n], ast.ClassDef):
                chunk = lines_of[first - 1 : body[n].body[0].lineno - 1] + order(body[n].body, lines_of)
                chunk += lines_of[last:end]
            chunks[n] = chunk
        swapped = dict(zip(defs, reversed(defs)))
        head = lines_of[: spans[0][0] - 1] if body is tree.body else []
        return head + [line for n in range(len(body)) for line in chunks[swapped.get(n, n)]]

    out = "\n".join(order(tree.body, lines)) + "\n"
    ast.parse(out)
    return out


def reformatted(text):
    """The cell as a formatter with short lines writes it, a comment before every statement."""
    ruff = Path(sys.executable).with_name("ruff")
    text = subprocess.run(
        [str(ruff), "format", "--isolated", "--line-length", "40", "-"],
        input=text,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    lines = text.splitlines()
    starts = sorted({n.lineno for n in ast.walk(ast.parse(text)) if isinstance(n, ast.stmt)}, reverse=True)
    for at in starts:
        pad = re.match(r" *", lines[at - 1]).group()
        lines[at - 1 : at - 1] = [f"{pad}# step", ""]
    return "\n".join(lines) + "\n"


COPIES = {"verbatim": lambda t: t, "renamed": renamed, "reordered": reordered, "reformatted": reformatted}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_honest_style_is_a_correct_solution(assignment):
    """Each style passes every test of the notebook, the hidden ones too; so do its copies."""
    for k in range(3):
        answers = style_answers(assignment, k)
        assert run_cells(filled(source(assignment), answers)) == {}, (assignment, k)
        for kind, dress in COPIES.items():
            dressed = {g: dress(t) for g, t in answers.items()}
            # (in a3 every answer cell holds one function: nothing to reorder)
            assert dressed != answers or kind == "verbatim" or (kind, assignment) == ("reordered", "a3_loss")
            assert run_cells(filled(source(assignment), dressed)) == {}, (assignment, k, kind)


# --- the generated class -------------------------------------------------------------------------
BAD_ID = "<img src=x onerror=alert(1)>"  # a folder name that is HTML (a copier of style 0 in a1)
BAD_CODE = "\n# </pre><script>alert(1)</script>\n"


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    """(course folder, {assignment: {student: the work their answers are (style k), or None}})."""
    from nbgrader.apps import NbGraderAPI

    from course.autograde import Course

    root = demo.make_course(tmp_path_factory.mktemp("similarity") / "course", ASSIGNMENTS)
    config = copy.deepcopy(Course(root).config)
    config.CourseDirectory.root = str(root)
    api = NbGraderAPI(config=config)
    students = demo.invent_students(10, seed=3)
    work = demo.invent_work(students, ASSIGNMENTS, seed=3)
    origin = {}
    for a in ASSIGNMENTS:
        result = api.generate_assignment(a, force=True, create=True)
        assert result["success"], result["log"]
        src = demo.read_notebook(root / "assignments" / a / f"{a}.ipynb")
        rel = demo.read_notebook(root / "release" / a / f"{a}.ipynb")
        learners = {
            s.id: demo.submission(src, rel, work[s.id, a])
            for s in students
            if work[s.id, a].kind != "missing"
        }
        origin[a] = dict.fromkeys(learners)
        for k in range(3):
            answers = style_answers(a, k)
            for kind, dress in {"": None, **COPIES}.items():
                name = f"copy{k}-{kind}" if kind else f"style{k}"
                learners[name] = filled(rel, {g: dress(t) for g, t in answers.items()} if dress else answers)
                origin[a][name] = k
        if a == "a1_neuron":
            answers = style_answers(a, 0)
            last = list(answers)[-1]
            learners[BAD_ID] = filled(rel, answers | {last: answers[last] + BAD_CODE})
            origin[a][BAD_ID] = 0
        for student, nb in learners.items():
            demo.write_notebook(nb, root / "submitted" / student / a / f"{a}.ipynb")
        broken = root / "submitted" / "broken" / a / f"{a}.ipynb"
        broken.parent.mkdir(parents=True)
        broken.write_text('{"cells": [')
    return root, origin


def measure(pairs, origin, threshold, min_shared):
    """(pairs of the same work found, pairs of the same work, honest pairs reported)."""
    groups = {}
    for student, k in origin.items():
        if k is not None:
            groups.setdefault(k, []).append(student)
    expected = sum(len(g) * (len(g) - 1) // 2 for g in groups.values())
    found = false = 0
    for p in pairs:
        if p.score >= threshold and p.shared >= min_shared:
            same = origin.get(p.a) is not None and origin.get(p.a) == origin.get(p.b)
            found += same
            false += not same
    return found, expected, false


@pytest.fixture(scope="module")
def compared(graded_class):
    root, origin = graded_class
    return {a: similarity.compare_class(str(root), a) for a in ASSIGNMENTS}


def totals(compared, origin, threshold, min_shared):
    found, expected, false = map(
        sum, zip(*(measure(compared[a].pairs, origin[a], threshold, min_shared) for a in ASSIGNMENTS))
    )
    return found, expected, false


@pytest.mark.grading
@pytest.mark.slow
def test_every_copy_is_found_and_no_honest_pair_is_reported(graded_class, compared):
    _, origin = graded_class
    honest = sum(len(compared[a].pairs) for a in ASSIGNMENTS) - totals(compared, origin, 0, 0)[1]
    print(f"\nhonest pairs compared: {honest}")
    for threshold, min_shared in [
        (0.1, 0),
        (0.2, 0),
        (0.3, 0),
        (0.5, 0),
        (0.5, 60),
        (0.9, 60),
        (1.0, 60),
        (0.5, 200),
    ]:
        found, expected, false = totals(compared, origin, threshold, min_shared)
        print(
            f"threshold {threshold:.2f}, at least {min_shared:3d} tokens shared: "
            f"recall {found / expected:.3f} "
            f"({found} of {expected} pairs of the same work), false positives {false}"
        )
    same = [p for a in ASSIGNMENTS for p in compared[a].pairs if _same(origin[a], p)]
    other = [p for a in ASSIGNMENTS for p in compared[a].pairs if not _same(origin[a], p)]
    top, most = max(other, key=lambda p: p.score), max(other, key=lambda p: p.shared)
    print(
        f"copies: lowest score {min(p.score for p in same):.2f}, fewest tokens shared "
        f"{min(p.shared for p in same)}; honest pairs: highest score {top.score:.2f} ({top.shared} "
        f"tokens), most tokens shared {most.shared} (score {most.score:.2f})"
    )
    for a in ASSIGNMENTS:
        found, expected, false = measure(
            compared[a].pairs, origin[a], similarity.THRESHOLD, similarity.MIN_SHARED
        )
        print(f"{a}: recall {found / expected:.3f} ({found} of {expected}), false positives {false}")
        assert (found, false) == (expected, 0), a
        assert sum(p.reported for p in compared[a].pairs) == expected  # as compare_class decided
    # the measurement can fail both ways: too strict loses copies, too lax flags honest learners
    found, expected, _ = totals(compared, origin, similarity.THRESHOLD, 200)
    assert found < expected
    assert totals(compared, origin, 0.2, 0)[2] > 0


def _same(origin, pair):
    return origin.get(pair.a) is not None and origin.get(pair.a) == origin.get(pair.b)


def test_a_short_answer_alike_by_chance_is_not_reported():
    """Two honest one-liners the same (after renaming) share all their fingerprints: too few to tell."""
    answers = {
        "ann": ["return np.maximum(z, 0.0) * np.ones_like(z) + 0.0 * z"],
        "bob": ["return np.maximum(x, 0.0) * np.ones_like(x) + 0.0 * x"],
    }
    (pair,) = similarity.compare(answers)
    assert pair.score == 1.0 and pair.shared < similarity.MIN_SHARED and not pair.reported
    (pair,) = similarity.compare(answers, min_shared=0)
    assert pair.reported


@pytest.mark.grading
@pytest.mark.slow
def test_the_page_shows_the_pairs_side_by_side_and_escapes_what_learners_wrote(graded_class, tmp_path):
    root, origin = graded_class
    out = tmp_path / "a1.html"
    assert main(["--root", str(root), "similarity", "a1_neuron", "--output", str(out)]) == 0
    page = out.read_text()
    assert "<script" not in page and "<img" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page  # the id, escaped
    assert "&lt;/pre&gt;&lt;script&gt;" in page  # the comment, escaped, in the answer as written
    assert "<mark>" in page and "<details>" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "broken" in page and "not valid notebook JSON" in page
    with open(tmp_path / "a1.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    copies = [s for s, k in origin["a1_neuron"].items() if k is not None]
    assert sum(r["reported"] == "yes" for r in rows) == 35  # 6 + 5 + 5 learners of the same work
    assert {BAD_ID} <= {r["student_a"] for r in rows} | {r["student_b"] for r in rows}
    assert len(rows) >= len(copies) * (len(copies) - 1) // 2


@pytest.mark.grading
@pytest.mark.slow
def test_bad_input_is_named_and_the_rest_compared(graded_class, tmp_path, capsys):
    import shutil

    root, _ = graded_class
    alone = tmp_path / "course"
    shutil.copytree(root, alone, ignore=shutil.ignore_patterns("submitted"))
    for student in ("style0", "broken", "s004"):  # one with code, one unreadable, one blank
        shutil.copytree(root / "submitted" / student / "a3_loss", alone / "submitted" / student / "a3_loss")
    odd = alone / "submitted" / "odd" / "a3_loss" / "a3_loss.ipynb"  # JSON, but not the cells of one
    odd.parent.mkdir(parents=True)
    cell = {"cell_type": "code", "metadata": {"nbgrader": "x"}, "source": 1, "outputs": []}
    odd.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [cell, 5]}))
    assert main(["--root", str(alone), "similarity", "a3_loss"]) == 0
    err = capsys.readouterr().err
    assert "odd: a3_loss.ipynb cannot be read as a notebook" in err
    assert "broken: a3_loss.ipynb is not valid notebook JSON" in err
    assert "s004: no code of their own" in err
    assert "1 submission(s) with code of their own: no pair to compare" in err
    assert (alone / "reports" / "a3_loss-similarity.html").is_file()
    assert main(["--root", str(alone), "similarity", "a3_loss", "--threshold", "7"]) == 2
    assert "--threshold must be between 0 and 1" in capsys.readouterr().err


@pytest.mark.grading
@pytest.mark.slow
def test_the_alternative_pycode_similar_on_the_same_class(graded_class, compared):
    """The comparison behind the choice (``pip install pycode_similar==1.4`` to run it): its AST
    diff of whole answer cells, with nothing left out, on the same pairs as ``compare_class``'s."""
    pycode_similar = pytest.importorskip("pycode_similar")
    root, origin = graded_class
    scores = []  # (score, same work)
    for a in ASSIGNMENTS:
        texts = {}
        for student in compared[a].answers:
            nb = demo.read_notebook(root / "submitted" / student / a / f"{a}.ipynb")
            texts[student] = "\n\n".join(similarity.answer_cells(nb).values())
        for p in compared[a].pairs:
            both = [
                pycode_similar.summarize(pycode_similar.detect([texts[x], texts[y]])[0][1])[0]
                for x, y in ((p.a, p.b), (p.b, p.a))
            ]
            scores.append((max(both), _same(origin[a], p)))
    expected = sum(same for _, same in scores)
    print()
    for threshold in (0.7, 0.8, 0.9, 1.0):
        found = sum(same for s, same in scores if s >= threshold)
        false = sum(not same for s, same in scores if s >= threshold)
        print(f"pycode_similar at {threshold:.1f}: recall {found / expected:.3f}, false positives {false}")
    assert expected == totals(compared, origin, 0, 0)[1]
