import math
import warnings

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from oracle import assert_gradient_close, numerical_gradients

from nanoprop import losses


@given(st.integers(1, 6), st.integers(2, 6), st.integers(0, 2**32 - 1))
def test_softmax_cross_entropy_gradient(N, C, seed):
    rng = np.random.default_rng(seed)
    logits, labels = rng.standard_normal((N, C)) * 2, rng.integers(0, C, N)
    loss, dlogits = losses.softmax_cross_entropy(logits, labels)
    (numeric,) = numerical_gradients(lambda z: losses.softmax_cross_entropy(z, labels)[0], [logits])
    assert_gradient_close(dlogits, numeric, what="dlogits")
    # closed form: mean of -log(softmax at the true class)
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    assert abs(loss - np.mean(-np.log(p[np.arange(N), labels]))) < 1e-10


@given(st.integers(1, 6), st.integers(1, 4), st.integers(0, 2**32 - 1))
def test_mse_gradient_and_value(N, K, seed):
    rng = np.random.default_rng(seed)
    pred, target = rng.standard_normal((N, K)), rng.standard_normal((N, K))
    loss, dpred = losses.mse_loss(pred, target)
    assert abs(loss - 0.5 * np.sum((pred - target) ** 2) / N) < 1e-12
    (numeric,) = numerical_gradients(lambda p: losses.mse_loss(p, target)[0], [pred])
    assert_gradient_close(dpred, numeric, what="dpred")


def test_uniform_logits_give_log_C():
    loss, dlogits = losses.softmax_cross_entropy(np.zeros((4, 10)), np.array([0, 3, 5, 9]))
    assert abs(loss - math.log(10)) < 1e-12
    assert abs(dlogits.sum()) < 1e-12  # each row of p - y sums to 0


def test_huge_logits_stay_finite():
    logits = np.array([[1000.0, 0.0, -1000.0], [-1000.0, 1000.0, 999.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss, dlogits = losses.softmax_cross_entropy(logits, np.array([2, 1]))
        probs = losses.softmax(logits)
    assert np.isfinite(loss) and np.isfinite(dlogits).all() and np.isfinite(probs).all()
    assert abs(loss - (2000.0 + math.log1p(math.exp(-1))) / 2) < 1e-9
    assert_gradient_close(probs.sum(axis=1), [1.0, 1.0], tol=1e-12, what="softmax rows")


def test_inputs_not_modified():
    logits, labels = np.array([[1.0, 2.0]]), np.array([1])
    pred, target = np.array([1.0, 2.0]), np.array([0.0, 0.0])
    losses.softmax_cross_entropy(logits, labels)
    losses.mse_loss(pred, target)
    assert logits.tolist() == [[1.0, 2.0]] and pred.tolist() == [1.0, 2.0]
