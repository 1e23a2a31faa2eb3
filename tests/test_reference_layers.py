"""Every backward pass against central-difference numeric gradients, on random shapes."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from nanoprop import layers as L
from oracle import assert_close, away_from_zero, numeric_grads

dims = st.integers(1, 6)
seeds = st.integers(0, 2**32 - 1)


@given(dims, dims, dims, seeds)
def test_affine_backward(N, D, M, seed):
    rng = np.random.default_rng(seed)
    x, W, b = rng.standard_normal((N, D)), rng.standard_normal((D, M)), rng.standard_normal(M)
    out, cache = L.affine_forward(x, W, b)
    assert out.shape == (N, M)
    assert_close(out, x @ W + b, tol=1e-12, what="affine out")
    dout = rng.standard_normal(out.shape)
    dx, dW, db = L.affine_backward(dout, cache)
    nx, nW, nb = numeric_grads(lambda x, W, b: np.sum(L.affine_forward(x, W, b)[0] * dout), [x, W, b])
    assert_close(dx, nx, what="dx")
    assert_close(dW, nW, what="dW")
    assert_close(db, nb, what="db")


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh"])
@given(shape=st.lists(dims, min_size=1, max_size=3), seed=seeds)
def test_activation_backward(name, shape, seed):
    forward, backward = getattr(L, f"{name}_forward"), getattr(L, f"{name}_backward")
    rng = np.random.default_rng(seed)
    x = away_from_zero(rng.standard_normal(shape) * 3)
    out, cache = forward(x)
    assert out.shape == x.shape
    dout = rng.standard_normal(out.shape)
    dx = backward(dout, cache)
    (nx,) = numeric_grads(lambda x: np.sum(forward(x)[0] * dout), [x])
    assert_close(dx, nx, what=f"d{name}")


def test_forward_does_not_modify_inputs(rng):
    x, W, b = rng.standard_normal((3, 4)), rng.standard_normal((4, 2)), rng.standard_normal(2)
    copies = [a.copy() for a in (x, W, b)]
    out, cache = L.affine_forward(x, W, b)
    L.affine_backward(np.ones_like(out), cache)
    for name in ("relu", "sigmoid", "tanh"):
        o, c = getattr(L, f"{name}_forward")(x)
        getattr(L, f"{name}_backward")(np.ones_like(o), c)
    for a, a0 in zip((x, W, b), copies):
        np.testing.assert_array_equal(a, a0)
