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
TRAIN_ARGS = (
    "model, X, y, X_val=None, y_val=None, epochs=20, batch_size=64,\n"
    "          learning_rate=0.1, momentum=0.9, seed=0"
)

# Three correct solutions per assignment in styles of their own: each a list of code that replaces
# the functions (or classes) of the same names in the instructor's answer cells; functions not
# named keep the instructor's one-liners, as an honest learner often writes them too. The first
# style starts from test_grader_copies.HONEST and the styles of test_grader_verdicts.
STYLES = {
    "a1_neuron": [
        HONEST["a1_neuron"]
        + [
            "def sigmoid_prime(z):\n    e = np.exp(-np.abs(z))\n    return e / (1 + e) ** 2\n",
            "def tanh_prime(z):\n    t = tanh(z)\n    return (1 - t) * (1 + t)\n",
        ],
        [
            "import math\n\n\ndef _sig(v):\n    if v >= 0:\n        return 1.0 / (1.0 + math.exp(-v))\n"
            "    ev = math.exp(v)\n    return ev / (1.0 + ev)\n\n\ndef sigmoid(z):\n"
            "    arr = np.asarray(z, dtype=float)\n    flat = [_sig(v) for v in arr.ravel()]\n"
            "    return np.array(flat).reshape(arr.shape)\n",
            "def sigmoid_prime(z):\n    s = sigmoid(z)\n    return s - s * s\n",
            "def tanh(z):\n    return 2 * sigmoid(2 * np.asarray(z, dtype=float)) - 1\n",
            "def tanh_prime(z):\n    return 4.0 * sigmoid_prime(2.0 * np.asarray(z, dtype=float))\n",
            "def relu(z):\n    out = np.array(z, dtype=float)\n    out[out < 0] = 0\n    return out\n",
            "def relu_prime(z):\n    return np.vectorize(lambda v: 1.0 if v > 0 else 0.0, otypes=[float])(z)\n",
            "def neuron(x, w, b, activation='sigmoid'):\n    if activation not in ACTIVATIONS:\n"
            "        raise ValueError(f'unknown activation {activation!r}')\n"
            "    z = np.asarray(x, dtype=float) @ np.asarray(w, dtype=float) + b\n"
            "    return ACTIVATIONS[activation](z)\n",
        ],
        [
            "def sigmoid(z):\n    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))\n",
            "def sigmoid_prime(z):\n    t = np.tanh(0.5 * np.asarray(z, dtype=float))\n"
            "    return 0.25 * (1.0 - t * t)\n",
            "def tanh_prime(z):\n    th = np.tanh(z)\n    return 1 - th * th\n",
            "def relu(z):\n    a = np.asarray(z, dtype=float)\n    return a * (a > 0)\n",
            "def relu_prime(z):\n    return np.greater(z, 0).astype(np.float64)\n",
            "def neuron(x, w, b, activation='sigmoid'):\n"
            "    total = np.tensordot(x, w, axes=([-1], [0])) + b\n"
            "    fn = ACTIVATIONS.get(activation)\n    return fn(total)\n",
        ],
    ],
    "a2_forward": [
        HONEST["a2_forward"][:3] + [A2_FORWARD],
        [
            "def affine_forward(x, W, b):\n    out = np.dot(x, W)\n    out += b\n    cache = (x, W)\n"
            "    return out, cache\n",
            "def relu_forward(x):\n    out = np.where(x > 0, x, 0)\n    return out, x\n",
            "def sigmoid_forward(x):\n    out = np.empty_like(x, dtype=float)\n    pos = x >= 0\n"
            "    out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))\n    ex = np.exp(x[~pos])\n"
            "    out[~pos] = ex / (1.0 + ex)\n    return out, out\n",
            "def tanh_forward(x):\n    out = np.tanh(x)\n    cache = out\n    return out, cache\n",
            "class MLP(given.MLP):\n    def forward(self, X):\n        act = ACTIVATION_LAYERS[self.activation][0]\n"
            "        depth = len(self.sizes) - 1\n        caches = []\n        h = X\n        layer = 1\n"
            "        while layer <= depth:\n"
            "            W, b = self.params['W' + str(layer)], self.params['b' + str(layer)]\n"
            "            h, lin = affine_forward(h, W, b)\n            if layer == depth:\n"
            "                caches.append((lin, None))\n            else:\n"
            "                h, nonlin = act(h)\n                caches.append((lin, nonlin))\n"
            "            layer += 1\n        return h, caches\n",
        ],
        [
            "def affine_forward(x, W, b):\n    N = x.shape[0]\n    out = x.dot(W) + np.tile(b, (N, 1))\n"
            "    return out, (x, W)\n",
            "def relu_forward(x):\n    out = np.clip(x, 0, None)\n    return out, x\n",
            "def sigmoid_forward(x):\n    out = np.exp(-np.logaddexp(0, -x))\n    return out, out\n",
            "def tanh_forward(x):\n    out = 2 * np.exp(-np.logaddexp(0, -2 * x)) - 1\n    return out, out\n",
            "class MLP(given.MLP):\n    def _step(self, i, h, last):\n"
            "        h, lin = affine_forward(h, self.params[f'W{i}'], self.params[f'b{i}'])\n"
            "        if last:\n            return h, (lin, None)\n"
            "        h, nonlin = ACTIVATION_LAYERS[self.activation][0](h)\n        return h, (lin, nonlin)\n\n"
            "    def forward(self, X):\n        count = len(self.sizes) - 1\n        caches = []\n"
            "        for i in range(count):\n            X, c = self._step(i + 1, X, i + 1 == count)\n"
            "            caches.append(c)\n        return X, caches\n",
        ],
    ],
    "a3_loss": [
        HONEST["a3_loss"][:2]  # (its softmax_cross_entropy takes the log of an underflowed 0)
        + [
            "def softmax_cross_entropy(logits, labels):\n    N = logits.shape[0]\n"
            "    z = logits - np.max(logits, axis=1)[:, None]\n"
            "    logp = z - np.log(np.sum(np.exp(z), axis=1))[:, None]\n    grad = np.exp(logp)\n"
            "    for i, c in enumerate(labels):\n        grad[i, c] -= 1.0\n"
            "    return float(-np.mean(logp[np.arange(N), labels])), grad / N\n",
        ],
        [
            "def mse_loss(pred, target):\n    n = pred.shape[0]\n    total = 0.0\n"
            "    for p, t in zip(pred.reshape(n, -1), target.reshape(n, -1)):\n"
            "        total += float(((p - t) ** 2).sum())\n    return total / (2 * n), (pred - target) / n\n",
            "def softmax(logits):\n    rows = []\n    for row in logits:\n        ex = np.exp(row - row.max())\n"
            "        rows.append(ex / ex.sum())\n    return np.array(rows)\n",
            "def softmax_cross_entropy(logits, labels):\n    n = len(labels)\n    top = np.max(logits, axis=1)\n"
            "    lse = top + np.log(np.sum(np.exp(logits - top[:, None]), axis=1))\n"
            "    correct = logits[np.arange(n), labels]\n    onehot = np.zeros_like(logits)\n"
            "    onehot[np.arange(n), labels] = 1.0\n"
            "    return float(np.mean(lse - correct)), (softmax(logits) - onehot) / n\n",
        ],
        [
            "def mse_loss(pred, target):\n    residual = np.subtract(pred, target)\n    count = np.shape(pred)[0]\n"
            "    loss = np.vdot(residual, residual) / (2.0 * count)\n    return float(loss), residual / count\n",
            "def softmax(logits):\n    ex = np.exp(logits - logits.max(axis=-1, keepdims=True))\n"
            "    total = np.einsum('nc->n', ex)\n    return ex / total[:, np.newaxis]\n",
            "def softmax_cross_entropy(logits, labels):\n    count = logits.shape[0]\n    total = 0.0\n"
            "    grad = np.zeros_like(logits, dtype=float)\n    for i in range(count):\n"
            "        row = logits[i] - np.max(logits[i])\n        log_norm = np.log(np.sum(np.exp(row)))\n"
            "        total += log_norm - row[labels[i]]\n        grad[i] = np.exp(row - log_norm)\n"
            "        grad[i, labels[i]] -= 1.0\n    return float(total / count), grad / count\n",
        ],
    ],
    "a5_backprop": [
        HONEST["a5_backprop"]
        + [
            "def sigmoid_backward(dout, cache):\n    return dout * cache - dout * cache ** 2\n",
            A5_BACKWARD,
        ],
        [
            "def affine_backward(dout, cache):\n    x, W = cache\n    dx = np.dot(dout, W.T)\n"
            "    dW = np.dot(x.T, dout)\n    db = np.sum(dout, axis=0)\n    return dx, dW, db\n",
            "def relu_backward(dout, cache):\n    dx = dout.copy()\n    dx[cache <= 0] = 0\n    return dx\n",
            "def sigmoid_backward(dout, cache):\n    s = cache\n    local = s * (1.0 - s)\n    return local * dout\n",
            "def tanh_backward(dout, cache):\n    local = 1.0 - np.square(cache)\n    return dout * local\n",
            "class MLP(given.MLP):\n    def backward(self, dscores, caches):\n"
            "        act_backward = ACTIVATION_LAYERS[self.activation][1]\n        grads = {}\n"
            "        grad = dscores\n        for layer in range(len(caches), 0, -1):\n"
            "            lin_cache, nonlin_cache = caches[layer - 1]\n            if nonlin_cache is not None:\n"
            "                grad = act_backward(grad, nonlin_cache)\n"
            "            grad, dW, db = affine_backward(grad, lin_cache)\n"
            "            grads['W' + str(layer)] = dW\n            grads['b' + str(layer)] = db\n"
            "        return grads\n",
        ],
        [
            "def affine_backward(dout, cache):\n    x, W = cache\n    db = dout.sum(0)\n"
            "    dW = np.matmul(x.T, dout)\n    dx = np.matmul(dout, np.transpose(W))\n    return dx, dW, db\n",
            "def relu_backward(dout, cache):\n    mask = (cache > 0).astype(dout.dtype)\n    return mask * dout\n",
            "def sigmoid_backward(dout, cache):\n    return np.multiply(dout, cache * (1 - cache))\n",
            "def tanh_backward(dout, cache):\n    return np.multiply(dout, 1 - cache ** 2)\n",
            "class MLP(given.MLP):\n    def _back(self, i, grad, caches, grads):\n        if i == 0:\n"
            "            return grads\n        lin, act = caches[i - 1]\n        if act is not None:\n"
            "            grad = ACTIVATION_LAYERS[self.activation][1](grad, act)\n"
            "        grad, grads[f'W{i}'], grads[f'b{i}'] = affine_backward(grad, lin)\n"
            "        return self._back(i - 1, grad, caches, grads)\n\n"
            "    def backward(self, dscores, caches):\n        return self._back(len(caches), dscores, caches, {})\n",
        ],
    ],
    "a6_training": [
        HONEST["a6_training"]
        + [
            "def sgd(w, dw, learning_rate=0.01):\n    step = learning_rate * dw\n    return w - step\n",
            f"def train({TRAIN_ARGS}):\n    rng = np.random.default_rng(seed)\n    vel = {{}}\n"
            "    for name, p in model.params.items():\n        vel[name] = np.zeros_like(p)\n"
            "    hist = {'loss': [], 'train_acc': [], 'val_acc': []}\n    epoch = 0\n"
            "    while epoch < epochs:\n        total, count = 0.0, 0\n"
            "        for xb, yb in minibatches(X, y, batch_size, rng):\n"
            "            loss, grads = model.loss(xb, yb)\n            total += loss\n            count += 1\n"
            "            for name in model.params:\n"
            "                w, v = sgd_momentum(model.params[name], grads[name], vel[name], learning_rate, momentum)\n"
            "                model.params[name] = w\n                vel[name] = v\n"
            "        hist['loss'].append(float(total / count))\n"
            "        hist['train_acc'].append(accuracy(model, X, y))\n        if X_val is not None:\n"
            "            hist['val_acc'].append(accuracy(model, X_val, y_val))\n        epoch += 1\n"
            "    return hist\n",
        ],
        [
            "def sgd(w, dw, learning_rate=0.01):\n    return np.subtract(w, learning_rate * dw)\n",
            "def sgd_momentum(w, dw, v, learning_rate=0.01, momentum=0.9):\n    v_next = v * momentum\n"
            "    v_next -= learning_rate * dw\n    return w + v_next, v_next\n",
            A6_MINIBATCHES[0],
            "def accuracy(model, X, y):\n    pred = model.predict(X)\n"
            "    return float((pred == y).sum()) / y.shape[0]\n",
            f"def train({TRAIN_ARGS}):\n    rng = np.random.default_rng(seed)\n    keys = list(model.params)\n"
            "    velocity = dict(zip(keys, [np.zeros_like(model.params[k]) for k in keys]))\n"
            "    history = dict(loss=[], train_acc=[], val_acc=[])\n    for epoch in range(epochs):\n"
            "        batch_losses = []\n        for Xb, yb in minibatches(X, y, batch_size, rng):\n"
            "            batch_loss, g = model.loss(Xb, yb)\n            batch_losses.append(batch_loss)\n"
            "            updated = {k: sgd_momentum(model.params[k], g[k], velocity[k], learning_rate, momentum)\n"
            "                       for k in keys}\n            for k, (w_new, v_new) in updated.items():\n"
            "                model.params[k] = w_new\n                velocity[k] = v_new\n"
            "        history['loss'].append(sum(batch_losses) / len(batch_losses))\n"
            "        history['train_acc'].append(accuracy(model, X, y))\n        if X_val is not None:\n"
            "            history['val_acc'].append(accuracy(model, X_val, y_val))\n    return history\n",
        ],
        [
            "def sgd(w, dw, learning_rate=0.01):\n    new_w = w.copy()\n    new_w -= learning_rate * dw\n"
            "    return new_w\n",
            "def sgd_momentum(w, dw, v, learning_rate=0.01, momentum=0.9):\n"
            "    v_new = np.add(momentum * v, -learning_rate * dw)\n    return np.add(w, v_new), v_new\n",
            A6_MINIBATCHES[2],
            "def accuracy(model, X, y):\n    right = np.count_nonzero(model.predict(X) == y)\n"
            "    return right / len(y)\n",
            "def _epoch(model, X, y, batch_size, rng, velocity, learning_rate, momentum):\n    losses = []\n"
            "    for batch in minibatches(X, y, batch_size, rng):\n        value, grads = model.loss(*batch)\n"
            "        losses.append(value)\n        for key in model.params:\n"
            "            model.params[key], velocity[key] = sgd_momentum(\n"
            "                model.params[key], grads[key], velocity[key], learning_rate=learning_rate,\n"
            "                momentum=momentum)\n    return float(np.mean(losses))\n\n\n"
            f"def train({TRAIN_ARGS}):\n    rng = np.random.default_rng(seed)\n"
            "    velocity = {key: 0.0 * value for key, value in model.params.items()}\n"
            "    history = {'loss': [], 'train_acc': [], 'val_acc': []}\n    for _ in range(epochs):\n"
            "        history['loss'].append(_epoch(model, X, y, batch_size, rng, velocity, learning_rate,\n"
            "                                      momentum))\n"
            "        history['train_acc'].append(accuracy(model, X, y))\n"
            "        if X_val is not None and y_val is not None:\n"
            "            history['val_acc'].append(accuracy(model, X_val, y_val))\n    return history\n",
        ],
    ],
    "a7_rnn": [
        HONEST["a7_rnn"]
        + [
            "def rnn_step_backward(dh, cache):\n    x, h_prev, Wx, Wh, h = cache\n    da = dh - dh * h * h\n"
            "    return (np.einsum('nh,dh->nd', da, Wx), np.einsum('nh,kh->nk', da, Wh),\n"
            "            np.einsum('nd,nh->dh', x, da), np.einsum('nk,nh->kh', h_prev, da),\n"
            "            np.einsum('nh->h', da))\n",
            "def rnn_backward(dh, cache):\n    N, T, H = dh.shape\n    Wx = cache[0][2]\n    grads_x = []\n"
            "    dWx = np.zeros_like(Wx)\n    dWh = np.zeros((H, H))\n    db = np.zeros(H)\n"
            "    carry = np.zeros((N, H))\n    for t in range(T - 1, -1, -1):\n"
            "        step = rnn_step_backward(dh[:, t] + carry, cache[t])\n        grads_x.append(step[0])\n"
            "        carry = step[1]\n        dWx += step[2]\n        dWh += step[3]\n        db += step[4]\n"
            "    dx = np.stack(grads_x[::-1], axis=1)\n    return dx, carry, dWx, dWh, db\n",
        ],
        [
            "def rnn_step_forward(x, h_prev, Wx, Wh, b):\n    a = np.dot(x, Wx) + np.dot(h_prev, Wh) + b\n"
            "    h = np.tanh(a)\n    cache = (x, h_prev, Wx, Wh, h)\n    return h, cache\n",
            "def rnn_step_backward(dh, cache):\n    x, h_prev, Wx, Wh, h = cache\n"
            "    grad_a = (1.0 - np.square(h)) * dh\n    dx = np.dot(grad_a, Wx.T)\n"
            "    dh_prev = np.dot(grad_a, Wh.T)\n    dWx = np.dot(x.T, grad_a)\n    dWh = np.dot(h_prev.T, grad_a)\n"
            "    db = np.sum(grad_a, axis=0)\n    return dx, dh_prev, dWx, dWh, db\n",
            "def rnn_forward(x, h0, Wx, Wh, b):\n    hs, caches = [], []\n    h = h0\n"
            "    for step in range(x.shape[1]):\n        h, c = rnn_step_forward(x[:, step, :], h, Wx, Wh, b)\n"
            "        hs.append(h)\n        caches.append(c)\n    if not hs:\n"
            "        return np.zeros((x.shape[0], 0, h0.shape[1])), caches\n"
            "    return np.stack(hs, axis=1), caches\n",
            "def rnn_backward(dh, cache):\n    T = dh.shape[1]\n    dxs = [None] * T\n    dh_next = 0\n"
            "    total = None\n    for t in reversed(range(T)):\n"
            "        parts = rnn_step_backward(dh[:, t] + dh_next, cache[t])\n"
            "        dxs[t], dh_next = parts[0], parts[1]\n"
            "        total = parts[2:] if total is None else tuple(a + g for a, g in zip(total, parts[2:]))\n"
            "    return (np.stack(dxs, axis=1), dh_next) + tuple(total)\n",
        ],
        [
            "def rnn_step_forward(x, h_prev, Wx, Wh, b):\n    pre = x @ Wx\n    pre += h_prev @ Wh\n"
            "    pre += b\n    h = np.tanh(pre)\n    return h, (x, h_prev, Wx, Wh, h)\n",
            "def rnn_step_backward(dh, cache):\n    x, h_prev, Wx, Wh, h = cache\n"
            "    local = dh * (1.0 - h) * (1.0 + h)\n"
            "    grads = (local @ Wx.T, local @ Wh.T, x.T @ local, h_prev.T @ local, local.sum(axis=0))\n"
            "    return grads\n",
            "def rnn_forward(x, h0, Wx, Wh, b):\n    N, T, D = x.shape\n    H = h0.shape[1]\n"
            "    out = np.empty((N, T, H))\n    caches = [None] * T\n    h = h0\n    t = 0\n    while t < T:\n"
            "        h, caches[t] = rnn_step_forward(x[:, t, :], h, Wx, Wh, b)\n        out[:, t, :] = h\n"
            "        t += 1\n    return out, caches\n",
            "def rnn_backward(dh, cache):\n    N, T, H = dh.shape\n    D = cache[0][0].shape[1]\n"
            "    dx = np.empty((N, T, D))\n    sums = [0.0, 0.0, 0.0]\n    g = np.zeros((N, H))\n"
            "    for t in range(T)[::-1]:\n"
            "        dx[:, t, :], g, *rest = rnn_step_backward(dh[:, t, :] + g, cache[t])\n"
            "        sums = [s + r for s, r in zip(sums, rest)]\n    return dx, g, sums[0], sums[1], sums[2]\n",
        ],
    ],
}

# a4_autograd: the notebook gives the whole Value class; learners fill in its nine regions (the
# local gradients of +, *, **, exp, log, tanh, sigmoid, relu, then backward's walk of the graph).
A4_REGIONS = [
    [
        "g = out.grad\nself.grad = self.grad + g\nother.grad = other.grad + g",
        "a, b = self.data, other.data\nself.grad += b * out.grad\nother.grad += a * out.grad",
        "local = k * (self.data ** (k - 1))\nself.grad += local * out.grad",
        "self.grad += math.exp(self.data) * out.grad",
        "self.grad += (1.0 / self.data) * out.grad",
        "t = math.tanh(self.data)\nself.grad += (1 - t * t) * out.grad",
        "s = out.data\nself.grad += s * (1 - s) * out.grad",
        "if self.data > 0:\n    self.grad += out.grad",
        "order, seen, stack = [], set(), [(self, False)]\nwhile stack:\n    v, done = stack.pop()\n"
        "    if done:\n        order.append(v)\n    elif id(v) not in seen:\n        seen.add(id(v))\n"
        "        stack.append((v, True))\n        stack.extend((child, False) for child in v._prev)\n"
        "self.grad = 1.0\nfor v in order[::-1]:\n    v._backward()",
    ],
    [
        "for v in (self, other):\n    v.grad += out.grad",
        "self.grad += out.grad * other.data\nother.grad += out.grad * self.data",
        "self.grad += out.grad * k * self.data ** (k - 1)",
        "self.grad += out.grad * out.data",
        "self.grad += out.grad * self.data ** -1",
        "self.grad += out.grad * (1 - out.data * out.data)",
        "self.grad += out.grad * out.data * (1 - out.data)",
        "self.grad += out.grad * (1.0 if self.data > 0 else 0.0)",
        "nodes, todo = [], [self]\nseen = {id(self)}\nwhile todo:\n    v = todo.pop()\n    nodes.append(v)\n"
        "    for c in v._prev:\n        if id(c) not in seen:\n            seen.add(id(c))\n"
        "            todo.append(c)\nwaiting = {id(v): 0 for v in nodes}\nfor v in nodes:\n"
        "    for c in v._prev:\n        waiting[id(c)] += 1\nself.grad = 1.0\nready = [self]\n"
        "while ready:\n    v = ready.pop()\n    v._backward()\n    for c in v._prev:\n"
        "        waiting[id(c)] -= 1\n        if waiting[id(c)] == 0:\n            ready.append(c)",
    ],
    [
        "self.grad += 1.0 * out.grad\nother.grad += 1.0 * out.grad",
        "dself, dother = other.data, self.data\nself.grad += dself * out.grad\nother.grad += dother * out.grad",
        "self.grad += out.grad * k * math.pow(self.data, k - 1)",
        "derivative = out.data\nself.grad += derivative * out.grad",
        "derivative = 1.0 / self.data\nself.grad += derivative * out.grad",
        "derivative = (1.0 - out.data) * (1.0 + out.data)\nself.grad += derivative * out.grad",
        "derivative = out.data - out.data ** 2\nself.grad += derivative * out.grad",
        "derivative = float(self.data > 0)\nself.grad += derivative * out.grad",
        "def build(v, seen, order):\n    if id(v) in seen:\n        return order\n    seen.add(id(v))\n"
        "    for p in v._prev:\n        build(p, seen, order)\n    order.append(v)\n    return order\n\n"
        "topo = build(self, set(), [])\nself.grad = 1.0\nfor node in topo[::-1]:\n    node._backward()",
    ],
]
REGION = re.compile(r"^( *)### BEGIN SOLUTION\n.*?^ *### END SOLUTION\n?", re.M | re.S)
MARKERS = re.compile(r"^ *### (BEGIN|END) SOLUTION\n", re.M)


# --- learners' answers ---------------------------------------------------------------------------
def solution_cells(nb):
    return {
        c["metadata"]["nbgrader"]["grade_id"]: c["source"]
        for c in nb["cells"]
        if c["metadata"].get("nbgrader", {}).get("solution")
    }


def _blocks(body):
    """[(first line, last line)] (1-based) of the statements of an AST body, decorators included."""
    return [(min([s.lineno] + [d.lineno for d in getattr(s, "decorator_list", [])]), s.end_lineno) for s in body]


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
        (grade_id, text), = cells.items()
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
    top |= {n.id for f in ast.walk(tree) if isinstance(f, ast.JoinedStr) for n in ast.walk(f) if isinstance(n, ast.Name)}
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
            assert dressed != answers or kind == "verbatim"
            assert run_cells(filled(source(assignment), dressed)) == {}, (assignment, k, kind)
