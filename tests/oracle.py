"""Independent checks the reference is tested against: numeric gradients by central differences.

Deliberately written apart from ``nanoprop.gradcheck`` (which is itself under test), so a bug
there cannot hide a bug in a backward pass.
"""
import numpy as np


def numeric_grad(f, x, h=1e-6):
    """Central-difference gradient of a scalar function f at x (float64), entry by entry."""
    x = np.array(x, dtype=np.float64)
    grad = np.empty_like(x)
    flat, g = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        up = f(x)
        flat[i] = old - h
        down = f(x)
        flat[i] = old
        g[i] = (up - down) / (2 * h)
    return grad


def numeric_grads(f, arrays, h=1e-6):
    """Gradients of f(*arrays) with respect to each array in turn."""
    out = []
    for k in range(len(arrays)):
        def f_k(a, k=k):
            args = list(arrays)
            args[k] = a
            return f(*args)
        out.append(numeric_grad(f_k, arrays[k], h))
    return out


def assert_close(analytic, numeric, tol=1e-6, what="gradient"):
    analytic, numeric = np.asarray(analytic, float), np.asarray(numeric, float)
    assert analytic.shape == numeric.shape, f"{what}: shape {analytic.shape} != {numeric.shape}"
    scale = np.maximum(1.0, np.abs(analytic) + np.abs(numeric))
    err = np.max(np.abs(analytic - numeric) / scale) if analytic.size else 0.0
    assert err < tol, f"{what}: max error {err:.3g} (tolerance {tol:g})"


def away_from_zero(a, margin=1e-3):
    """Push entries away from 0 so a finite difference never straddles a ReLU kink."""
    return np.where(np.abs(a) < margin, np.sign(a) * margin + (a == 0) * margin, a)
