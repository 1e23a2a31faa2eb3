import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from oracle import assert_gradient_close, numerical_gradients

from nanoprop import activations as A

finite = st.floats(-30, 30, allow_nan=False)


@given(st.lists(finite, min_size=1, max_size=20))
def test_sigmoid_matches_closed_form(zs):
    z = np.array(zs)
    assert_gradient_close(A.sigmoid(z), [1 / (1 + math.exp(-v)) for v in zs], tol=1e-12, what="sigmoid")


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu"])
def test_derivatives_match_numeric(name, rng):
    f, f_prime = A.ACTIVATIONS[name]
    z = rng.standard_normal(12) * 3
    z[np.abs(z) < 1e-3] = 0.5  # keep away from the ReLU kink
    numeric = np.array([numerical_gradients(lambda v: float(f(v)), [zi])[0] for zi in z])
    assert_gradient_close(f_prime(z), numeric, tol=1e-6, what=f"{name}'")


def test_closed_form_values():
    assert A.sigmoid(0.0) == 0.5 and A.sigmoid_prime(0.0) == 0.25
    assert A.tanh_prime(0.0) == 1.0
    assert list(A.relu(np.array([-2.0, 0.0, 3.0]))) == [0.0, 0.0, 3.0]
    assert list(A.relu_prime(np.array([-2.0, 0.0, 3.0]))) == [0.0, 0.0, 1.0]
    assert list(A.step(np.array([-1.0, 0.0, 2.0]))) == [0.0, 0.0, 1.0]
    assert not A.step_prime(np.array([-1.0, 2.0])).any()


def test_sigmoid_is_stable_for_huge_inputs():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = A.sigmoid(np.array([-1000.0, 1000.0]))
    assert s[0] == 0.0 and s[1] == 1.0


def test_neuron_is_activation_of_weighted_sum():
    x, w, b = np.array([1.0, 2.0]), np.array([0.5, -0.25]), 0.1
    assert A.neuron(x, w, b, "relu") == pytest.approx(0.1)
    assert A.neuron(x, w, b, "sigmoid") == pytest.approx(1 / (1 + math.exp(-0.1)))
    batch = A.neuron(np.stack([x, -x]), w, b, "tanh")
    assert batch.shape == (2,) and batch[1] == pytest.approx(math.tanh(0.1))


@pytest.mark.parametrize("name", sorted(A.ACTIVATIONS))
@pytest.mark.parametrize("which", ["f", "f_prime"])
def test_float_dtypes_are_kept_and_the_rest_computed_in_float64(name, which):
    fn = A.ACTIVATIONS[name][which == "f_prime"]
    z = np.array([-2.0, 0.0, 0.5, 3.0])
    for dtype in (np.float32, np.float64):
        out = fn(z.astype(dtype))
        assert out.dtype == dtype, f"{name} {which}: {dtype.__name__} in, {out.dtype} out"
        np.testing.assert_allclose(out, fn(z), rtol=1e-6, atol=1e-7)
    for other in (np.array([-2, 0, 3]), np.array([-1, 0, 2], dtype=np.int8), np.array([True, False])):
        assert fn(other).dtype == np.float64, f"{name} {which}: {other.dtype} in, {fn(other).dtype} out"
