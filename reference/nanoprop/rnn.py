"""A vanilla recurrent network and backpropagation through time (BPTT).

One step:   h_t = tanh(x_t Wx + h_{t-1} Wh + b)
The same Wx, Wh, b are used at every step, so their gradients are *sums*
over the steps. BPTT is ordinary backprop on the network unrolled in time.

Shapes: N sequences, T steps, D input features, H hidden units.
"""
import numpy as np


def rnn_step_forward(x, h_prev, Wx, Wh, b):
    """x: (N, D), h_prev: (N, H), Wx: (D, H), Wh: (H, H), b: (H,) -> h: (N, H)"""
    h = np.tanh(x @ Wx + h_prev @ Wh + b)
    return h, (x, h_prev, Wx, Wh, h)


def rnn_step_backward(dh, cache):
    """dh: (N, H) -> dx: (N, D), dh_prev: (N, H), dWx: (D, H), dWh: (H, H), db: (H,)"""
    x, h_prev, Wx, Wh, h = cache
    dz = dh * (1 - h ** 2)          # back through tanh
    dx = dz @ Wx.T
    dh_prev = dz @ Wh.T
    dWx = x.T @ dz
    dWh = h_prev.T @ dz
    db = dz.sum(axis=0)
    return dx, dh_prev, dWx, dWh, db


def rnn_forward(x, h0, Wx, Wh, b):
    """Run the step over a whole sequence.

    x: (N, T, D), h0: (N, H)  ->  h: (N, T, H), the hidden state at every step
    """
    N, T, _ = x.shape
    h = np.zeros((N, T, h0.shape[1]), dtype=np.result_type(x, h0, Wx))
    caches = []
    h_prev = h0
    for t in range(T):
        h_prev, cache = rnn_step_forward(x[:, t], h_prev, Wx, Wh, b)
        h[:, t] = h_prev
        caches.append(cache)
    return h, caches


def rnn_backward(dh, cache):
    """Backprop through time.

    dh: (N, T, H), the loss gradient reaching each hidden state from above;
    cache: the list of T step caches from ``rnn_forward``
    ->  dx: (N, T, D), dh0: (N, H), dWx: (D, H), dWh: (H, H), db: (H,)

    Walk the steps backwards; each step's state also receives the gradient
    flowing back from the step after it (``dh_next``).
    """
    N, T, H = dh.shape
    _, _, Wx, Wh, _ = cache[0]              # the same weights at every step
    D = Wx.shape[0]
    dx = np.zeros((N, T, D), dtype=np.result_type(dh, Wx))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(H, dtype=Wh.dtype)
    dh_next = np.zeros((N, H), dtype=dh.dtype)   # nothing flows back into the last step
    for t in reversed(range(T)):
        dx[:, t], dh_next, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t] + dh_next, cache[t])
        dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t   # shared weights: sum over time
    dh0 = dh_next                           # what flows out of the first step reaches h0
    return dx, dh0, dWx, dWh, db
