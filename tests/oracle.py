"""Independent checks the reference is tested against: numeric gradients by central differences.

Deliberately apart from ``nanoprop.gradcheck`` (which is itself under test), so a bug there cannot
hide a bug in a backward pass. The numeric gradients are the course's test helpers' own
(``checks.numerical_gradients``, which never calls the reference; tests/test_reference_oracle.py
checks them against closed forms).

    numerical_gradients(f, arrays)           the gradients of a scalar f(*arrays), numerically
    assert_gradient_close(got, want, what)   an array (a gradient, mostly) against the one it should be
    check_backward(forward, backward, *xs)   a ``*_forward`` / ``*_backward`` pair, in one line
"""

import inspect

import numpy as np

from checks.gradients import numerical_gradients


def assert_gradient_close(got, want, what="gradient", tol=1e-6):
    """Same shape, and max |got - want| / max(1, |got| + |want|) < tol, entry by entry.

    Relative for large entries, absolute for small ones (where a numeric gradient has only
    an absolute accuracy).
    """
    got, want = np.asarray(got, float), np.asarray(want, float)
    assert got.shape == want.shape, f"{what}: shape {got.shape} != {want.shape}"
    scale = np.maximum(1.0, np.abs(got) + np.abs(want))
    err = np.max(np.abs(got - want) / scale) if got.size else 0.0
    assert err < tol, f"{what}: max error {err:.3g} (tolerance {tol:g})"


def check_backward(forward, backward, *inputs, tol=1e-6, rng=None):
    """Check ``backward`` against numeric gradients of ``forward``, for every input.

    Runs ``out, cache = forward(*inputs)``, draws a random upstream gradient ``dout`` shaped
    like ``out`` from ``rng`` (default: seed 0), calls ``backward(dout, cache)`` and compares
    the k-th gradient it returns with the numeric gradient of sum(forward(...)[0] * dout)
    with respect to the k-th input. A failure names the gradient, e.g. "affine_backward: dW".
    Returns ``(out, grads)`` for any further checks.
    """
    rng = np.random.default_rng(0) if rng is None else rng
    out, cache = forward(*inputs)
    dout = rng.standard_normal(np.shape(out))
    grads = backward(dout, cache)
    grads = grads if isinstance(grads, tuple) else (grads,)
    name = getattr(backward, "__name__", "backward")
    assert len(grads) == len(inputs), f"{name}: {len(grads)} gradients for {len(inputs)} inputs"
    numeric = numerical_gradients(lambda *a: np.sum(forward(*a)[0] * dout), list(inputs))
    for what, got, want in zip(_gradient_names(forward, len(inputs)), grads, numeric):
        assert_gradient_close(got, want, what=f"{name}: {what}", tol=tol)
    return out, grads


def _gradient_names(forward, n):
    """d<argument> for each of forward's first n arguments (dx, dW, db), else d(input k)."""
    try:
        params = list(inspect.signature(forward).parameters.values())[:n]
    except (TypeError, ValueError):
        params = []
    if len(params) == n and all(p.kind == p.POSITIONAL_OR_KEYWORD for p in params):
        return [f"d{p.name}" for p in params]
    return [f"d(input {k})" for k in range(n)]


def away_from_zero(a, margin=1e-3):
    """Push entries away from 0 so a finite difference never straddles a ReLU kink."""
    return np.where(np.abs(a) < margin, np.sign(a) * margin + (a == 0) * margin, a)
