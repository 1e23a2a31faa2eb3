# %% markdown
# # Assignment 7 (bonus): backprop through time
#
# A vanilla recurrent network reads a sequence one step at a time and keeps a hidden state:
#
# $$h_t = \tanh(x_t W_x + h_{t-1} W_h + b)$$
#
# The **same** `Wx`, `Wh`, `b` are used at every step. Backprop through time (BPTT) is
# ordinary backprop on the network unrolled over the steps, with two things to watch:
# each hidden state $h_t$ receives gradient both from above (`dh[:, t]`) and from the next
# step (through $h_{t+1}$), and the gradients of the shared weights are **sums** over the steps.
#
# Shapes: `N` sequences, `T` steps, `D` input features, `H` hidden units.
#
# | function | input | returns |
# | --- | --- | --- |
# | `rnn_step_forward(x, h_prev, Wx, Wh, b)` | `x (N, D)`, `h_prev (N, H)`, `Wx (D, H)`, `Wh (H, H)`, `b (H,)` | `h (N, H)` and `cache = (x, h_prev, Wx, Wh, h)` |
# | `rnn_step_backward(dh, cache)` | `dh (N, H)` | `dx (N, D)`, `dh_prev (N, H)`, `dWx`, `dWh`, `db` |
# | `rnn_forward(x, h0, Wx, Wh, b)` | `x (N, T, D)`, `h0 (N, H)` | `h (N, T, H)`, every hidden state, and `cache`: the list of the `T` step caches |
# | `rnn_backward(dh, cache)` | `dh (N, T, H)` | `dx (N, T, D)`, `dh0 (N, H)`, `dWx (D, H)`, `dWh (H, H)`, `db (H,)` |
#
# Use the cache formats given above: the tests check each function on its own, with the
# reference versions of the others. Write your code in the cells marked `# YOUR CODE HERE`,
# with numpy only; do not modify the inputs.

# %% code id=setup
import numpy as np

import checks

# %% solution id=rnn_step
def rnn_step_forward(x, h_prev, Wx, Wh, b):
    """x: (N, D), h_prev: (N, H), Wx: (D, H), Wh: (H, H), b: (H,) -> h: (N, H), cache"""
    ### BEGIN SOLUTION
    h = np.tanh(x @ Wx + h_prev @ Wh + b)
    return h, (x, h_prev, Wx, Wh, h)
    ### END SOLUTION


def rnn_step_backward(dh, cache):
    """dh: (N, H) -> dx: (N, D), dh_prev: (N, H), dWx: (D, H), dWh: (H, H), db: (H,)"""
    ### BEGIN SOLUTION
    x, h_prev, Wx, Wh, h = cache
    dz = dh * (1 - h ** 2)
    dx = dz @ Wx.T
    dh_prev = dz @ Wh.T
    dWx = x.T @ dz
    dWh = h_prev.T @ dz
    db = dz.sum(axis=0)
    return dx, dh_prev, dWx, dWh, db
    ### END SOLUTION

# %% tests id=test_rnn_step_forward points=1 needs=rnn_step
x, h0, Wx, Wh, b = checks.random_rnn(np.random.default_rng(0), N=2, T=1, D=3, H=4)
h, cache = checks.unpack(checks.call(rnn_step_forward, x[:, 0], h0, Wx, Wh, b), ("h", "cache"), "rnn_step_forward")
checks.assert_close(h, checks.reference.rnn_step_forward(x[:, 0], h0, Wx, Wh, b)[0], "h", hints=("bias_forgotten",))
checks.ok()

# %% tests id=test_rnn_step_backward points=2 needs=rnn_step
rng = np.random.default_rng(1)
x, h0, Wx, Wh, b = checks.random_rnn(rng, N=2, T=1, D=3, H=4)
dh = rng.normal(size=(2, 4))
_, cache = checks.reference.rnn_step_forward(x[:, 0], h0, Wx, Wh, b)
grads = checks.unpack(checks.call(rnn_step_backward, dh, cache), ("dx", "dh_prev", "dWx", "dWh", "db"), "rnn_step_backward")
loss = lambda x, h0, Wx, Wh, b: np.sum(checks.reference.rnn_step_forward(x, h0, Wx, Wh, b)[0] * dh)
checks.check_gradients(grads, loss, [x[:, 0], h0, Wx, Wh, b], ["dx", "dh_prev", "dWx", "dWh", "db"],
                       like={"dWx": ("Wx", Wx.shape), "dWh": ("Wh", Wh.shape), "db": ("b", b.shape)})
checks.ok()

# %% solution id=rnn_sequence
def rnn_forward(x, h0, Wx, Wh, b):
    """x: (N, T, D), h0: (N, H) -> h: (N, T, H), cache: the list of the T step caches"""
    ### BEGIN SOLUTION
    N, T, _ = x.shape
    h = np.zeros((N, T, h0.shape[1]))
    caches = []
    h_prev = h0
    for t in range(T):
        h_prev, cache = rnn_step_forward(x[:, t], h_prev, Wx, Wh, b)
        h[:, t] = h_prev
        caches.append(cache)
    return h, caches
    ### END SOLUTION


def rnn_backward(dh, cache):
    """dh: (N, T, H) -> dx: (N, T, D), dh0: (N, H), dWx: (D, H), dWh: (H, H), db: (H,)"""
    ### BEGIN SOLUTION
    N, T, H = dh.shape
    _, _, Wx, Wh, _ = cache[0]                  # the same weights at every step
    dx = np.zeros((N, T, Wx.shape[0]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(H)
    dh_next = np.zeros((N, H))                  # nothing flows back into the last step
    for t in reversed(range(T)):
        dx[:, t], dh_next, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t] + dh_next, cache[t])
        dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
    dh0 = dh_next                               # what flows out of the first step reaches h0
    return dx, dh0, dWx, dWh, db
    ### END SOLUTION

# %% tests id=test_rnn_forward points=1 needs=rnn_sequence
# rnn_forward runs with the reference's rnn_step_forward here, so only the loop over time counts.
x, h0, Wx, Wh, b = checks.random_rnn(np.random.default_rng(2), N=2, T=3, D=3, H=4)
with checks.parts_from(checks.reference, globals(), ["rnn_step_forward"]):
    h, cache = checks.unpack(checks.call(rnn_forward, x, h0, Wx, Wh, b), ("h", "cache"), "rnn_forward")
checks.assert_close(h, checks.reference.rnn_forward(x, h0, Wx, Wh, b)[0], "h")
checks.ok()

# %% tests id=test_rnn_backward points=3 needs=rnn_sequence
# rnn_backward runs with the reference's rnn_step_backward here, so only backprop through time counts.
rng = np.random.default_rng(3)
x, h0, Wx, Wh, b = checks.random_rnn(rng, N=2, T=4, D=3, H=2)
dh = rng.normal(size=(2, 4, 2))
with checks.parts_from(checks.reference, globals(), ["rnn_step_backward"]):
    checks.check_rnn_backward(rnn_backward, x, h0, Wx, Wh, b, dh)
checks.ok()
