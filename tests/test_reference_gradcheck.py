"""The learner-facing gradient checker must find bugs, not just agree with correct code."""

import numpy as np

from nanoprop import gradcheck as G
from nanoprop import layers


def test_numerical_gradient_of_a_cubic(rng):
    x = rng.standard_normal((3, 2))
    before = x.copy()
    grad = G.numerical_gradient(lambda a: np.sum(a**3), x)
    assert G.relative_error(grad, 3 * x**2) < 1e-8
    np.testing.assert_array_equal(x, before)  # x is restored


def test_relative_error_is_scale_free():
    assert G.relative_error([1.0], [1.0]) == 0.0
    assert abs(G.relative_error([1e6], [1.01e6]) - G.relative_error([1.0], [1.01])) < 1e-12
    assert G.relative_error([1.0, 2.0], [1.0, -2.0]) == 1.0


def test_gradient_checks_catch_a_transposed_and_a_scaled_gradient(rng):
    x, W, b = rng.standard_normal((4, 4)), rng.standard_normal((4, 4)), rng.standard_normal(4)
    dout = rng.standard_normal((4, 4))
    _, cache = layers.affine_forward(x, W, b)
    _, dW, _ = layers.affine_backward(dout, cache)
    f = lambda W_: np.sum(layers.affine_forward(x, W_, b)[0] * dout)
    assert G.relative_error(dW, G.numerical_gradient(f, W.copy())) < 1e-7
    assert G.relative_error(dW.T, G.numerical_gradient(f, W.copy())) > 1e-2
    assert G.directional_check(f, W, dW) < 1e-7
    assert G.directional_check(f, W, dW * 1.1) > 1e-2
    assert G.directional_check(f, W, -dW) > 0.5


def test_relative_error_is_the_worst_entry_as_documented():
    """max over entries of |a_i - b_i| / max(|a_i| + |b_i|, eps), not max |a - b| / max(|a| + |b|)."""
    assert abs(G.relative_error([1.0, 100.0], [2.0, 100.0]) - 1 / 3) < 1e-15
    assert G.relative_error([0.0, 5.0], [0.0, 5.0]) == 0.0  # 0 / eps, not 0 / 0
    assert abs(G.relative_error([0.0], [1e-10]) - 1e-2) < 1e-15  # below eps: divided by eps
    assert "|a_i - b_i| / max(|a_i| + |b_i|, eps)" in G.relative_error.__doc__
