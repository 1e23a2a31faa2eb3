"""The network, the optimiser, the data and the training loop."""

import numpy as np
import pytest
from oracle import assert_gradient_close, numerical_gradients

import nanoprop
from nanoprop import MLP, load_digits, optim


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_mlp_gradients_match_numeric(activation, rng):
    model = MLP([5, 7, 6, 3], activation=activation, seed=3)
    X, y = rng.standard_normal((4, 5)), rng.integers(0, 3, 4)
    _, grads = model.loss(X, y)
    assert set(grads) == set(model.params) == {"W1", "b1", "W2", "b2", "W3", "b3"}
    for k, p in model.params.items():

        def f(a, k=k):
            saved, model.params[k] = model.params[k], a
            try:
                return model.loss(X, y)[0]
            finally:
                model.params[k] = saved

        (numeric,) = numerical_gradients(f, [p])
        assert_gradient_close(grads[k], numeric, tol=1e-6, what=f"d{k} ({activation})")


def test_sgd_momentum_closed_form():
    w, v = np.array([1.0, -2.0]), np.zeros(2)
    dw = np.array([0.5, 0.5])
    w1, v1 = optim.sgd_momentum(w, dw, v, learning_rate=0.1, momentum=0.9)
    assert_gradient_close(v1, [-0.05, -0.05], tol=1e-15)
    assert_gradient_close(w1, [0.95, -2.05], tol=1e-15)
    w2, v2 = optim.sgd_momentum(w1, dw, v1, learning_rate=0.1, momentum=0.9)
    assert_gradient_close(v2, [-0.095, -0.095], tol=1e-15)
    assert_gradient_close(w2, [0.855, -2.145], tol=1e-15)
    assert w.tolist() == [1.0, -2.0] and v.tolist() == [0.0, 0.0]  # nothing in place
    assert optim.sgd(np.array([1.0]), np.array([2.0]), 0.25).tolist() == [0.5]


def test_momentum_minimises_a_quadratic():
    w, v = np.array([5.0, -3.0]), np.zeros(2)
    for _ in range(300):
        w, v = optim.sgd_momentum(w, 2 * w, v, learning_rate=0.05, momentum=0.9)  # f = |w|^2
    assert np.abs(w).max() < 1e-6


def test_minibatches_use_every_example_once():
    X, y = np.arange(10).reshape(10, 1), np.arange(10)
    batches = list(optim.minibatches(X, y, 4, np.random.default_rng(0)))
    assert [len(b[1]) for b in batches] == [4, 4, 2]
    assert sorted(np.concatenate([b[1] for b in batches])) == list(range(10))
    assert all((bx[:, 0] == by).all() for bx, by in batches)


def test_digits_match_scikit_learn():
    sklearn_datasets = pytest.importorskip("sklearn.datasets")
    X, y = nanoprop.data.load_digits_raw()
    ref = sklearn_datasets.load_digits()
    np.testing.assert_array_equal(X, ref.data)
    np.testing.assert_array_equal(y, ref.target)


def test_split_is_standardised_with_training_statistics():
    d = load_digits(test_size=0.2, seed=0)
    assert d.X_train.shape == (1438, 64) and d.X_test.shape == (359, 64)
    assert_gradient_close(d.X_train.mean(axis=0), np.zeros(64), tol=1e-10, what="train mean")
    moving = d.std != 1.0
    assert_gradient_close(
        d.X_train[:, moving].std(axis=0), np.ones(moving.sum()), tol=1e-10, what="train std"
    )
    X, _ = nanoprop.data.load_digits_raw()
    rows = {tuple(r) for r in np.round(d.X_test * d.std + d.mean, 6)}
    assert rows <= {tuple(r) for r in X}  # the test set is real images, unscaled
    assert load_digits(seed=0).y_test.tolist() == d.y_test.tolist()  # seeded
    assert load_digits(seed=1).y_test.tolist() != d.y_test.tolist()


@pytest.mark.slow
def test_mlp_learns_digits():
    d = load_digits(seed=0)
    model = MLP([64, 128, 10], seed=0)
    history = nanoprop.train(
        model,
        d.X_train,
        d.y_train,
        d.X_test,
        d.y_test,
        epochs=20,
        batch_size=64,
        learning_rate=0.05,
        momentum=0.9,
        seed=0,
    )
    assert history["loss"][-1] < history["loss"][0] / 10
    assert nanoprop.accuracy(model, d.X_test, d.y_test) >= 0.95
    assert len(history["val_acc"]) == 20


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_float32_network_stays_float32(activation, rng):
    X, y = rng.standard_normal((4, 5)), rng.integers(0, 3, 4)
    model32 = MLP([5, 7, 3], activation, seed=3, dtype=np.float32)
    model = MLP([5, 7, 3], activation, seed=3)  # the same weights, in float64
    scores32, caches32 = model32.forward(X.astype(np.float32))
    assert scores32.dtype == np.float32
    _, grads32 = model32.loss(X.astype(np.float32), y)
    _, grads = model.loss(X, y)
    for k, g in grads32.items():
        assert g.dtype == np.float32, f"d{k} ({activation}) is {g.dtype}"
        assert_gradient_close(g, grads[k], tol=1e-5, what=f"d{k} ({activation}) in float32")
    dscores = rng.standard_normal(scores32.shape).astype(np.float32)
    assert all(g.dtype == np.float32 for g in model32.backward(dscores, caches32).values())


def test_init_is_lecun_for_tanh_and_sigmoid_and_he_for_relu():
    """Variance gain / fan_in, whatever fan_out is (Glorot's 2 / (fan_in + fan_out) would not be)."""
    for activation, gain in [("relu", 2.0), ("tanh", 1.0), ("sigmoid", 1.0)]:
        for fan_out in (50, 800):
            W = nanoprop.init_params([400, fan_out], seed=0, activation=activation)["W1"]
            assert abs(W.var() * 400 / gain - 1) < 0.05, (activation, fan_out, W.var())
    doc = nanoprop.init_params.__doc__
    assert "LeCun initialisation (variance 1 / fan_in)" in doc
    assert "Xavier (variance 1 / fan_in)" not in doc


def test_history_always_has_val_acc():
    X, y = np.random.default_rng(0).standard_normal((20, 3)), np.arange(20) % 2
    history = nanoprop.train(MLP([3, 4, 2]), X, y, epochs=2, batch_size=8)
    assert history["val_acc"] == [] and len(history["loss"]) == len(history["train_acc"]) == 2
    history = nanoprop.train(MLP([3, 4, 2]), X, y, X, y, epochs=2, batch_size=8)
    assert len(history["val_acc"]) == 2
    assert "``val_acc`` (always there, but empty" in nanoprop.train.__doc__
