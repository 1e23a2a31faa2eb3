"""Backprop through time against numeric gradients over several steps."""
import numpy as np
from hypothesis import given, strategies as st

from nanoprop import rnn
from oracle import assert_close, numeric_grads

small = st.integers(1, 4)


def params(rng, N, D, H):
    return (rng.standard_normal((N, D)), rng.standard_normal((N, H)),
            rng.standard_normal((D, H)) * 0.5, rng.standard_normal((H, H)) * 0.5,
            rng.standard_normal(H))


@given(small, small, small, st.integers(0, 2**32 - 1))
def test_step_backward(N, D, H, seed):
    rng = np.random.default_rng(seed)
    args = params(rng, N, D, H)
    h, cache = rnn.rnn_step_forward(*args)
    assert h.shape == (N, H)
    dh = rng.standard_normal(h.shape)
    grads = rnn.rnn_step_backward(dh, cache)
    numeric = numeric_grads(lambda *a: np.sum(rnn.rnn_step_forward(*a)[0] * dh), list(args))
    for name, g, n in zip(["dx", "dh_prev", "dWx", "dWh", "db"], grads, numeric):
        assert_close(g, n, what=name)


@given(small, st.integers(1, 6), small, small, st.integers(0, 2**32 - 1))
def test_backprop_through_time(N, T, D, H, seed):
    rng = np.random.default_rng(seed)
    _, h0, Wx, Wh, b = params(rng, N, D, H)
    x = rng.standard_normal((N, T, D))
    h, cache = rnn.rnn_forward(x, h0, Wx, Wh, b)
    assert h.shape == (N, T, H)
    dh = rng.standard_normal(h.shape)
    grads = rnn.rnn_backward(dh, cache)
    numeric = numeric_grads(lambda *a: np.sum(rnn.rnn_forward(*a)[0] * dh), [x, h0, Wx, Wh, b])
    for name, g, n in zip(["dx", "dh0", "dWx", "dWh", "db"], grads, numeric):
        assert_close(g, n, what=name)


def test_forward_matches_the_recurrence(rng):
    x, h0 = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 5))
    Wx, Wh, b = rng.standard_normal((4, 5)), rng.standard_normal((5, 5)), rng.standard_normal(5)
    h, _ = rnn.rnn_forward(x, h0, Wx, Wh, b)
    state = h0
    for t in range(3):
        state = np.tanh(x[:, t] @ Wx + state @ Wh + b)
        assert_close(h[:, t], state, tol=1e-12, what=f"h at t={t}")
