"""nanoprop.optim.clip_by_norm: caps the joint gradient norm, keeps the direction, copies."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nanoprop import clip_by_norm


def joint_norm(grads):
    return np.sqrt(sum(np.sum(g**2) for g in grads.values()))


@given(st.floats(1e-3, 1e3), st.integers(0, 2**32 - 1))
def test_clipped_norm_and_direction(max_norm, seed):
    rng = np.random.default_rng(seed)
    grads = {"W": rng.standard_normal((3, 4)) * 10, "b": rng.standard_normal(4)}
    before = {k: g.copy() for k, g in grads.items()}
    clipped, norm = clip_by_norm(grads, max_norm)
    assert norm == pytest.approx(joint_norm(before))
    assert joint_norm(clipped) == pytest.approx(min(norm, max_norm), rel=1e-9)
    scale = clipped["W"].ravel()[0] / before["W"].ravel()[0]
    for k in grads:  # same direction: one common factor
        np.testing.assert_allclose(clipped[k], before[k] * scale, rtol=1e-12)
        np.testing.assert_array_equal(grads[k], before[k])  # nothing modified in place
        assert clipped[k] is not grads[k]


def test_small_and_zero_gradients_pass_unchanged():
    grads = {"W": np.array([[0.3, -0.4]])}  # norm 0.5
    clipped, norm = clip_by_norm(grads, 1.0)
    assert norm == pytest.approx(0.5)
    np.testing.assert_array_equal(clipped["W"], grads["W"])
    zero, norm = clip_by_norm({"b": np.zeros(3)}, 1.0)
    assert norm == 0.0 and not np.any(zero["b"])


def test_exact_example():
    clipped, norm = clip_by_norm({"a": np.array([3.0]), "b": np.array([4.0])}, 1.0)
    assert norm == 5.0
    np.testing.assert_allclose([clipped["a"][0], clipped["b"][0]], [0.6, 0.8])


@pytest.mark.parametrize("bad", [0, -1.0, float("nan")])
def test_non_positive_max_norm_is_refused_in_words(bad):
    with pytest.raises(ValueError, match="max_norm must be a positive number"):
        clip_by_norm({"W": np.ones(2)}, bad)
