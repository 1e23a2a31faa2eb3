"""Every backward pass against central-difference numeric gradients, on random shapes."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from oracle import assert_gradient_close, away_from_zero, check_backward

from nanoprop import layers as L

dims = st.integers(1, 6)
seeds = st.integers(0, 2**32 - 1)


@given(dims, dims, dims, seeds)
def test_affine_backward(N, D, M, seed):
    rng = np.random.default_rng(seed)
    x, W, b = rng.standard_normal((N, D)), rng.standard_normal((D, M)), rng.standard_normal(M)
    out, _ = check_backward(L.affine_forward, L.affine_backward, x, W, b, rng=rng)
    assert out.shape == (N, M)
    assert_gradient_close(out, x @ W + b, tol=1e-12, what="affine out")


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh"])
@given(shape=st.lists(dims, min_size=1, max_size=3), seed=seeds)
def test_activation_backward(name, shape, seed):
    forward, backward = getattr(L, f"{name}_forward"), getattr(L, f"{name}_backward")
    rng = np.random.default_rng(seed)
    x = away_from_zero(rng.standard_normal(shape) * 3)
    out, _ = check_backward(forward, backward, x, rng=rng)
    assert out.shape == x.shape


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


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh"])
def test_activation_layers_keep_float32(name, rng):
    forward, backward = getattr(L, f"{name}_forward"), getattr(L, f"{name}_backward")
    x, dout = rng.standard_normal((3, 4)) * 3, rng.standard_normal((3, 4))
    out32, cache32 = forward(x.astype(np.float32))
    dx32 = backward(dout.astype(np.float32), cache32)
    assert out32.dtype == np.float32 and dx32.dtype == np.float32, (out32.dtype, dx32.dtype)
    out, cache = forward(x)
    assert_gradient_close(out32, out, tol=1e-6, what=f"{name} out in float32")
    assert_gradient_close(dx32, backward(dout, cache), tol=1e-5, what=f"d{name} in float32")
    assert forward(np.array([[-2, 0, 3]]))[0].dtype == np.float64  # ints are computed in float64


def test_every_layer_documents_its_shapes():
    for name in [n for n in dir(L) if n.endswith(("_forward", "_backward"))]:
        doc = getattr(L, name).__doc__ or ""
        assert "->" in doc and ("shape" in doc or "(N, " in doc), f"{name}'s docstring gives no shapes"
        if name.endswith("_backward"):
            assert "dout" in doc, f"{name}'s docstring does not say what dout is"
