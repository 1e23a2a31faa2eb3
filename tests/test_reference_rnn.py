"""Backprop through time against numeric gradients over several steps."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from oracle import assert_gradient_close, check_backward

from nanoprop import rnn

small = st.integers(1, 4)


def params(rng, N, D, H):
    return (
        rng.standard_normal((N, D)),
        rng.standard_normal((N, H)),
        rng.standard_normal((D, H)) * 0.5,
        rng.standard_normal((H, H)) * 0.5,
        rng.standard_normal(H),
    )


@given(small, small, small, st.integers(0, 2**32 - 1))
def test_step_backward(N, D, H, seed):
    rng = np.random.default_rng(seed)
    h, _ = check_backward(rnn.rnn_step_forward, rnn.rnn_step_backward, *params(rng, N, D, H), rng=rng)
    assert h.shape == (N, H)


@given(small, st.integers(1, 6), small, small, st.integers(0, 2**32 - 1))
def test_backprop_through_time(N, T, D, H, seed):
    rng = np.random.default_rng(seed)
    _, h0, Wx, Wh, b = params(rng, N, D, H)
    x = rng.standard_normal((N, T, D))
    h, _ = check_backward(rnn.rnn_forward, rnn.rnn_backward, x, h0, Wx, Wh, b, rng=rng)
    assert h.shape == (N, T, H)


def test_forward_matches_the_recurrence(rng):
    x, h0 = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 5))
    Wx, Wh, b = rng.standard_normal((4, 5)), rng.standard_normal((5, 5)), rng.standard_normal(5)
    h, _ = rnn.rnn_forward(x, h0, Wx, Wh, b)
    state = h0
    for t in range(3):
        state = np.tanh(x[:, t] @ Wx + state @ Wh + b)
        assert_gradient_close(h[:, t], state, tol=1e-12, what=f"h at t={t}")


def test_backprop_through_time_keeps_float32(rng):
    _, h0, Wx, Wh, b = params(rng, 2, 4, 5)
    args = (rng.standard_normal((2, 3, 4)), h0, Wx, Wh, b)
    h, cache = rnn.rnn_forward(*args)
    dh = rng.standard_normal(h.shape)
    h32, cache32 = rnn.rnn_forward(*(a.astype(np.float32) for a in args))
    grads32 = rnn.rnn_backward(dh.astype(np.float32), cache32)
    assert h32.dtype == np.float32
    assert [g.dtype for g in grads32] == [np.float32] * 5, [g.dtype.name for g in grads32]
    for name, g32, g in zip(["dx", "dh0", "dWx", "dWh", "db"], grads32, rnn.rnn_backward(dh, cache)):
        assert_gradient_close(g32, g, tol=1e-5, what=f"{name} in float32")


def test_one_step_of_bptt_is_the_step_backward(rng):
    x, h0, Wx, Wh, b = params(rng, 3, 2, 4)
    h, cache = rnn.rnn_forward(x[:, None], h0, Wx, Wh, b)
    dh = rng.standard_normal(h.shape)
    dx, dh0, dWx, dWh, db = rnn.rnn_backward(dh, cache)
    step = rnn.rnn_step_backward(dh[:, 0], cache[0])
    for got, want in zip((dx[:, 0], dh0, dWx, dWh, db), step):
        np.testing.assert_array_equal(got, want)
