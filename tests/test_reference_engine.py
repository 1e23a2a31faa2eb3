"""The scalar autograd engine against closed-form derivatives and against the numpy layers."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nanoprop import Value, layers, losses

xs = st.floats(0.1, 3.0)


def grad_of(f, *numbers):
    vals = [Value(n) for n in numbers]
    out = f(*vals)
    out.backward()
    return out.data, [v.grad for v in vals]


@given(xs, xs)
def test_closed_forms(a, b):
    cases = [
        (lambda x, y: x + y, a + b, [1, 1]),
        (lambda x, y: x - y, a - b, [1, -1]),
        (lambda x, y: x * y, a * b, [b, a]),
        (lambda x, y: x / y, a / b, [1 / b, -a / b**2]),
        (lambda x, y: x**3 + y, a**3 + b, [3 * a**2, 1]),
        (lambda x, y: (x * y).exp(), math.exp(a * b), [b * math.exp(a * b), a * math.exp(a * b)]),
        (lambda x, y: (x * y).log(), math.log(a * b), [1 / a, 1 / b]),
        (
            lambda x, y: (x - y).tanh(),
            math.tanh(a - b),
            [1 - math.tanh(a - b) ** 2, -(1 - math.tanh(a - b) ** 2)],
        ),
        (lambda x, y: (x - y).relu(), max(a - b, 0), [float(a > b), -float(a > b)]),
        (lambda x, y: 2 / x - y, 2 / a - b, [-2 / a**2, -1]),
        (lambda x, y: 1 - x * -y, 1 + a * b, [b, a]),
    ]
    for f, value, grads in cases:
        out, got = grad_of(f, a, b)
        assert out == pytest.approx(value, rel=1e-12)
        assert got == pytest.approx(grads, rel=1e-9, abs=1e-12)


@given(st.floats(-50, 50))
def test_sigmoid(z):
    s = 1 / (1 + math.exp(-z))
    out, (g,) = grad_of(lambda v: v.sigmoid(), z)
    assert out == pytest.approx(s, rel=1e-12) and g == pytest.approx(s * (1 - s), rel=1e-9, abs=1e-300)


def test_gradients_accumulate_when_a_value_is_reused():
    a = Value(3.0)
    b = a + a  # db/da = 2, not 1
    b.backward()
    assert a.grad == 2.0
    x = Value(2.0)
    y = x * x * x  # dy/dx = 3x^2 = 12
    y.backward()
    assert x.grad == 12.0


def test_diamond_graph_visits_each_node_once():
    a = Value(2.0)
    b, c = a * 3, a + 1
    d = b * c  # d = 3a(a+1): dd/da = 6a + 3 = 15
    d.backward()
    assert a.grad == 15.0 and b.grad == 3.0 and c.grad == 6.0


def test_same_network_as_numpy_layers(rng):
    """A 3-4-2 tanh network with MSE: Value's gradients equal the layers' backward pass."""
    x, W1, b1 = rng.standard_normal((2, 3)), rng.standard_normal((3, 4)), rng.standard_normal(4)
    W2, b2, target = rng.standard_normal((4, 2)), rng.standard_normal(2), rng.standard_normal((2, 2))

    h, c1 = layers.affine_forward(x, W1, b1)
    a, c2 = layers.tanh_forward(h)
    out, c3 = layers.affine_forward(a, W2, b2)
    loss, dout = losses.mse_loss(out, target)
    da, dW2, db2 = layers.affine_backward(dout, c3)
    dW1 = layers.affine_backward(layers.tanh_backward(da, c2), c1)[1]

    V = lambda A: np.vectorize(Value, otypes=[object])(A)
    vx, vW1, vb1, vW2, vb2 = V(x), V(W1), V(b1), V(W2), V(b2)
    vh = np.vectorize(lambda v: v.tanh(), otypes=[object])(vx @ vW1 + vb1)
    vout = vh @ vW2 + vb2
    vloss = sum(((vout - target) ** 2).ravel()) * (0.5 / len(x))
    vloss.backward()

    grads = lambda A: np.vectorize(lambda v: v.grad)(A)
    assert vloss.data == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(grads(vW1), dW1, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(grads(vW2), dW2, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(grads(vb2), db2, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("x", [0.0, 2.0, -1.5])
def test_power_zero_is_constant_even_at_zero(x):
    out, (g,) = grad_of(lambda v: v**0, x)
    assert out == 1.0 and g == 0.0
    out, (g,) = grad_of(lambda v: v**1 + v**2, x)  # 0.0 ** 0 = 1 in k a^(k-1)
    assert out == x + x * x and g == 1.0 + 2 * x
