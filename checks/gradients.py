"""Derivatives and backward passes, checked against numeric (central-difference) ones."""
import numpy as np

import nanoprop

from .compare import assert_result
from .fairness import REFERENCE_MODULES, call
from .messages import MESSAGES, Mistake


def check_derivative(fn_prime, z, name, activation, **kw):
    """Compare a derivative with central differences of the (reference) activation.

    fn_prime: the learner's derivative; z: points to check at; activation: "sigmoid", ...
    """
    f = nanoprop.activations.ACTIVATIONS[activation][0]
    got = call(fn_prime, z, name=name)
    want = numeric_derivative(f, z)
    try:
        assert_result(got, want, name, rtol=1e-5, atol=1e-7, **kw)
    except Mistake:
        got = np.asarray(got, dtype=float)
        i = np.unravel_index(np.argmax(np.abs(got - want)), want.shape) if want.ndim else ()
        raise Mistake(f"{name} is not the {MESSAGES['derivative']} of {activation}: at z = "
                      f"{np.asarray(z)[i]:.4g} the slope of {activation} is {want[i]:.4g}, yours "
                      f"gives {got[i]:.4g}. Differentiate {activation} again.") from None


def numeric_derivative(f, z, h=1e-6):
    """Element-wise central difference (f(z + h) - f(z - h)) / 2h for an element-wise f."""
    z = np.asarray(z, dtype=float)
    return (f(z + h) - f(z - h)) / (2 * h)


def check_activation_backward(backward, cache, dout, x, activation, name):
    """An activation layer's backward pass: dx should be dout times the slope at x."""
    f = nanoprop.activations.ACTIVATIONS[activation][0]
    want = dout * numeric_derivative(f, x)
    got = call(backward, dout, cache, name=name)
    try:
        assert_result(got, want, "dx", rtol=1e-5, atol=1e-7)
    except Mistake as mistake:
        if not isinstance(got, np.ndarray) or got.shape != want.shape:
            raise
        slope = np.divide(got, dout, out=np.zeros_like(want), where=np.abs(dout) > 1e-3)
        i = np.unravel_index(np.argmax(np.abs(got - want) * (np.abs(dout) > 1e-3)), want.shape)
        raise Mistake(f"{name}: dx should be dout times the {MESSAGES['derivative']} of {activation} "
                      f"at x. At x = {x[i]:.4g} that slope is {want[i] / dout[i]:.4g}, but yours "
                      f"multiplies dout by {slope[i]:.4g}. Check the derivative, and which value "
                      "from the cache you use.") from mistake


def numeric_gradients(f, arrays, h=1e-6):
    """Central-difference gradients of the scalar f(*arrays) with respect to each array."""
    grads = []
    for k, a in enumerate(arrays):
        a = np.array(a, dtype=float)
        args = [np.array(x, dtype=float) for x in arrays]
        args[k] = a
        grads.append(nanoprop.numerical_gradient(lambda _: f(*args), a, h))
    return grads


def check_gradients(grads, f, arrays, names, *, batch=None, like=None, hints=(), tol=1e-5):
    """Check analytic gradients against numeric ones: the test every backward pass must pass."""
    numeric = numeric_gradients(f, arrays)
    for g, n, what in zip(grads, numeric, names):
        assert_result(g, n, what, batch=batch, like=(like or {}).get(what), hints=hints,
                      rtol=tol, atol=tol)


def check_network_backward(backward, model, X, y, name="MLP.backward"):
    """grads = backward(dscores, caches) for a model whose forward is the reference's.

    backward: the learner's method, usually wrapped by :func:`with_reference_layers`;
    model: an MLP built on nanoprop.MLP (params, forward); X: (N, D); y: (N,) labels.
    The expected gradients are numeric derivatives of the cross-entropy loss. The biases
    are first set to small random numbers, so that no unit sits exactly on relu's kink
    (where a numeric derivative means nothing).
    """
    rng = np.random.default_rng(len(X))
    for key in model.params:
        if key.startswith("b"):
            model.params[key] = rng.uniform(0.05, 0.2, size=model.params[key].shape)
    scores, caches = model.forward(X)
    _, dscores = nanoprop.softmax_cross_entropy(scores, y)
    grads = call(backward, dscores, caches, name=name, allow=REFERENCE_MODULES)
    if not isinstance(grads, dict) or set(grads) != set(model.params):
        keys = sorted(grads) if isinstance(grads, dict) else type(grads).__name__
        raise Mistake(f"{name} {MESSAGES['not_array']} a dict with one gradient per parameter, "
                      f"keys {sorted(model.params)}; yours gives {keys}.")
    reference = nanoprop.MLP(model.sizes, model.activation)
    for key, param in model.params.items():
        params = {k: v.copy() for k, v in model.params.items()}

        def loss_of(p, key=key, params=params):
            params[key] = p
            reference.params = params
            return reference.loss(X, y)[0]
        (numeric,) = numeric_gradients(loss_of, [param])
        assert_result(grads[key], numeric, f"grads['{key}']", batch=len(X), like=(key, param.shape),
                      hints=("bias_zero",), rtol=1e-5, atol=1e-6)
