"""The oracle (tests/oracle.py) itself: it must find wrong gradients and say which one is wrong."""

import numpy as np
import pytest
from oracle import assert_gradient_close, check_backward, numerical_gradients

from nanoprop import layers as L


def test_numerical_gradients_of_a_known_function(rng):
    a, b = rng.standard_normal((2, 3)), rng.standard_normal(3)
    before = a.copy(), b.copy()
    da, db = numerical_gradients(lambda a, b: np.sum(a**2 * b) + np.sum(np.sin(b)), [a, b])
    assert_gradient_close(da, 2 * a * b, tol=1e-7, what="da")
    assert_gradient_close(db, np.sum(a**2, axis=0) + np.cos(b), tol=1e-7, what="db")
    np.testing.assert_array_equal(a, before[0])  # the inputs are not modified
    np.testing.assert_array_equal(b, before[1])
    (dz,) = numerical_gradients(lambda z: float(z**3), [np.float32(2.0)])
    assert dz.dtype == np.float64 and dz.shape == () and abs(dz - 12.0) < 1e-6


def test_assert_gradient_close_checks_shape_and_tolerance():
    assert_gradient_close([1.0, 2.0], [1.0, 2.0 + 5e-7])
    with pytest.raises(AssertionError, match="dW: max error"):
        assert_gradient_close([1.0, 2.0], [1.0, 2.0 + 5e-6], what="dW")
    with pytest.raises(AssertionError, match=r"db: shape \(2,\) != \(1, 2\)"):
        assert_gradient_close([1.0, 2.0], [[1.0, 2.0]], what="db")


def test_check_backward_passes_a_right_backward_and_names_a_wrong_gradient(rng):
    x, W, b = rng.standard_normal((3, 4)), rng.standard_normal((4, 2)), rng.standard_normal(2)
    out, grads = check_backward(L.affine_forward, L.affine_backward, x, W, b)
    assert out.shape == (3, 2) and [g.shape for g in grads] == [x.shape, W.shape, b.shape]

    def affine_backward(dout, cache):  # the bias gradient averaged, not summed
        dx, dW, db = L.affine_backward(dout, cache)
        return dx, dW, db / len(dout)

    with pytest.raises(AssertionError, match="affine_backward: db: max error"):
        check_backward(L.affine_forward, affine_backward, x, W, b)
    with pytest.raises(AssertionError, match="2 gradients for 3 inputs"):
        check_backward(L.affine_forward, lambda dout, cache: L.affine_backward(dout, cache)[:2], x, W, b)

    def relu_backward(dout, cache):  # twice the right gradient
        return 2 * dout * (cache > 0)

    with pytest.raises(AssertionError, match=r"relu_backward: d\(input 0\)"):  # no names to give
        check_backward(lambda *z: L.relu_forward(*z), relu_backward, x + 0.5)
