"""Derivatives and backward passes, checked against numeric (central-difference) ones.

The numeric gradients are computed here (:func:`numerical_gradients`), not by the reference's
gradient checker; the exact derivatives of the activations are the reference's, recorded on the
test's inputs (:mod:`checks.recorded`).
"""

import numpy as np

from .calling import call
from .compare import assert_result
from .messages import MESSAGES, Mistake
from .recorded import reference


def _slope(activation, z):
    """The reference's derivative of ``activation`` ("sigmoid", "tanh", "relu") at z."""
    return np.asarray(getattr(reference.activations, f"{activation}_prime")(z), dtype=np.float64)


def check_derivative(fn_prime, z, name, activation, **kw):
    """Compare a derivative with the slope of the activation.

    fn_prime: the learner's derivative; z: points to check at; activation: "sigmoid", ...
    """
    __tracebackhide__ = True  # IPython's tracebacks skip this frame (see checks.messages)
    got = call(fn_prime, z, name=name)
    want = _slope(activation, z)
    try:
        assert_result(got, want, name, rtol=1e-5, atol=1e-7, **kw)
    except Mistake:
        got = np.asarray(got, dtype=float)
        i = np.unravel_index(np.argmax(np.abs(got - want)), want.shape) if want.ndim else ()
        raise Mistake(
            f"{name} is not the {MESSAGES['derivative']} of {activation}: at z = "
            f"{np.asarray(z)[i]:.4g} the slope of {activation} is {want[i]:.4g}, yours "
            f"gives {got[i]:.4g}. Differentiate {activation} again."
        ) from None


def numerical_gradients(f, arrays, h=1e-6):
    """Central-difference gradients of a scalar function f(*arrays), one per array.

    f: callable taking len(arrays) arrays, returning a number; arrays: a list of arrays
    (any shapes)  ->  list of float64 arrays, shaped like ``arrays``, where entry i of
    gradient k is (f(.., a_k + h e_i, ..) - f(.., a_k - h e_i, ..)) / 2h.
    f is called on float64 copies, so the arrays passed in are not modified.
    """
    __tracebackhide__ = True  # IPython's tracebacks skip this frame (see checks.messages)
    grads = []
    for k in range(len(arrays)):
        args = [np.array(a, dtype=np.float64) for a in arrays]
        x = args[k]  # a copy, perturbed in place
        grad = np.empty_like(x)
        for i in range(x.size):
            old = x.flat[i]
            x.flat[i] = old + h
            up = f(*args)
            x.flat[i] = old - h
            down = f(*args)
            x.flat[i] = old
            grad.flat[i] = (up - down) / (2 * h)
        grads.append(grad)
    return grads


def numerical_derivative(f, z, h=1e-6):
    """f'(z), entry by entry, for an element-wise f: :func:`numerical_gradients` of f at each z_i.

    z: a number or an array (any shape) -> float64 array shaped like z.
    """
    __tracebackhide__ = True  # IPython's tracebacks skip this frame (see checks.messages)
    z = np.asarray(z, dtype=np.float64)
    slopes = [numerical_gradients(f, [zi], h)[0] for zi in z.flat]
    return np.array(slopes, dtype=np.float64).reshape(z.shape)


def check_activation_backward(backward, cache, dout, x, activation, name):
    """An activation layer's backward pass: dx should be dout times the slope at x."""
    __tracebackhide__ = True  # IPython's tracebacks skip this frame (see checks.messages)
    want = dout * _slope(activation, x)
    got = call(backward, dout, cache, name=name)
    try:
        assert_result(got, want, "dx", rtol=1e-5, atol=1e-7)
    except Mistake as mistake:
        if not isinstance(got, np.ndarray) or got.shape != want.shape:
            raise
        slope = np.divide(got, dout, out=np.zeros_like(want), where=np.abs(dout) > 1e-3)
        i = np.unravel_index(np.argmax(np.abs(got - want) * (np.abs(dout) > 1e-3)), want.shape)
        raise Mistake(
            f"{name}: dx should be dout times the {MESSAGES['derivative']} of {activation} "
            f"at x. At x = {x[i]:.4g} that slope is {want[i] / dout[i]:.4g}, but yours "
            f"multiplies dout by {slope[i]:.4g}. Check the derivative, and which value "
            "from the cache you use."
        ) from mistake


def check_gradients(grads, f, arrays, names, *, batch=None, like=None, hints=(), tol=1e-5):
    """Check analytic gradients against numeric ones: the test every backward pass must pass."""
    __tracebackhide__ = True  # IPython's tracebacks skip this frame (see checks.messages)
    numeric = numerical_gradients(f, arrays)
    for g, n, what in zip(grads, numeric, names):
        assert_result(g, n, what, batch=batch, like=(like or {}).get(what), hints=hints, rtol=tol, atol=tol)


def check_network_backward(backward, model, X, y, loss, name="MLP.backward"):
    """grads = backward(dscores, caches) of a model whose forward pass is given.

    backward: the learner's method; model: an MLP (params, forward) of the assignment;
    X: (N, D); y: (N,) labels; loss(scores, y) -> (loss, dscores): the given softmax
    cross-entropy. The expected gradients are numeric derivatives of the loss. The biases
    are first set to small random numbers, so that no unit sits exactly on relu's kink
    (where a numeric derivative means nothing), and so that a bias gradient left at zero
    shows.
    """
    __tracebackhide__ = True  # IPython's tracebacks skip this frame (see checks.messages)
    rng = np.random.default_rng(len(X))
    for key in model.params:
        if key.startswith("b"):
            model.params[key] = rng.uniform(0.05, 0.2, size=model.params[key].shape)
    scores, caches = model.forward(X)
    _, dscores = loss(scores, y)
    grads = call(backward, dscores, caches, name=name)
    if not isinstance(grads, dict) or set(grads) != set(model.params):
        keys = sorted(grads) if isinstance(grads, dict) else type(grads).__name__
        raise Mistake(
            f"{name} {MESSAGES['not_array']} a dict with one gradient per parameter, "
            f"keys {sorted(model.params)}; yours gives {keys}."
        )
    for key, param in model.params.items():

        def loss_of(p, key=key):
            kept = model.params[key]
            model.params[key] = p
            try:
                return loss(model.forward(X)[0], y)[0]
            finally:
                model.params[key] = kept

        (numeric,) = numerical_gradients(loss_of, [param])
        assert_result(
            grads[key],
            numeric,
            f"grads['{key}']",
            batch=len(X),
            like=(key, param.shape),
            hints=("bias_zero",),
            rtol=1e-5,
            atol=1e-6,
        )
