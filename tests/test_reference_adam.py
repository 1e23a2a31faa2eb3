"""nanoprop.optim.adam against Kingma and Ba's Algorithm 1, written out one number at a time."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nanoprop import adam


def adam_by_hand(w, grads, lr, b1, b2, eps):
    """Algorithm 1 of the paper on plain Python floats: the oracle (no numpy, no vectors)."""
    m = s = 0.0
    for t, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        s = b2 * s + (1 - b2) * g * g
        m_hat = m / (1 - b1**t)
        s_hat = s / (1 - b2**t)
        w = w - lr * m_hat / (math.sqrt(s_hat) + eps)
    return w, m, s


@given(st.integers(0, 2**32 - 1), st.integers(1, 12))
def test_many_steps_match_the_papers_algorithm_entry_by_entry(seed, steps):
    rng = np.random.default_rng(seed)
    w0 = rng.standard_normal((3, 2))
    grads = rng.standard_normal((steps, 3, 2)) * 10.0 ** rng.uniform(-3, 3)
    w, m, s = w0, np.zeros_like(w0), np.zeros_like(w0)
    for t in range(1, steps + 1):
        w, m, s = adam(w, grads[t - 1], m, s, t, learning_rate=0.01, beta1=0.8, beta2=0.99)
    for i in np.ndindex(w0.shape):
        want = adam_by_hand(w0[i], grads[:, i[0], i[1]], 0.01, 0.8, 0.99, 1e-8)
        np.testing.assert_allclose([w[i], m[i], s[i]], want, rtol=1e-12, atol=1e-15)


def test_first_step_moves_every_weight_by_the_learning_rate_whatever_its_gradient():
    dw = np.array([1e-4, -3.0, 250.0])
    w, m, s = adam(np.zeros(3), dw, np.zeros(3), np.zeros(3), 1, learning_rate=0.1)
    np.testing.assert_allclose(w, -0.1 * np.sign(dw), rtol=1e-3)
    np.testing.assert_allclose(m, 0.1 * dw)  # (1 - beta1) * dw
    np.testing.assert_allclose(s, 0.001 * dw**2)  # (1 - beta2) * dw**2


def test_minimises_a_badly_scaled_bowl_and_modifies_nothing_in_place():
    scales = np.array([100.0, 0.01])  # f(w) = sum(scales * w**2) / 2
    w, m, s = np.array([1.0, 1.0]), np.zeros(2), np.zeros(2)
    before = (w.copy(), m.copy(), s.copy())
    w1, m1, s1 = adam(w, scales * w, m, s, 1)
    for old, kept in zip(before, (w, m, s)):
        np.testing.assert_array_equal(old, kept)
    assert w1 is not w and m1 is not m and s1 is not s
    w, m, s = w1, m1, s1
    for t in range(2, 3001):
        w, m, s = adam(w, scales * w, m, s, t, learning_rate=0.01)
    assert np.all(np.abs(w) < 0.05), w


@pytest.mark.parametrize("bad", [0, -1, 1.5, "1"])
def test_a_step_number_below_one_is_refused_in_words(bad):
    with pytest.raises(ValueError, match="t is the number of the step, counted from 1"):
        adam(np.ones(2), np.ones(2), np.zeros(2), np.zeros(2), bad)
