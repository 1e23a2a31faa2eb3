"""Checking gradients with numbers: the test every backward pass must pass.

The central difference (f(x + h) - f(x - h)) / 2h is off from the true
derivative by O(h^2), so an analytic gradient that disagrees with it by more
than about 1e-6 (relative) almost certainly has a bug.
"""
import numpy as np


def numerical_gradient(f, x, h=1e-5):
    """df/dx for a scalar function f of an array x, one entry at a time.

    f: callable taking x and returning a number; x: float array (any shape)
    -> grad: same shape as x. x is restored before returning.

    For a function with an array output and upstream gradient ``dout``,
    check ``lambda x: np.sum(f(x) * dout)`` instead.
    """
    grad = np.zeros_like(x, dtype=float)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        f_plus = f(x)
        x[i] = old - h
        f_minus = f(x)
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def relative_error(a, b, eps=1e-8):
    """The largest, over the entries, of |a_i - b_i| / max(|a_i| + |b_i|, eps).

    Scale-free: about 1e-8 or less when right. eps keeps entries that are
    both (nearly) zero from dividing by zero.
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), eps)))


def directional_check(f, x, grad, n_directions=5, h=1e-5, seed=0):
    """A cheap check for large arrays: compare the slope along random directions.

    For a random unit direction v, grad . v should equal
    (f(x + h v) - f(x - h v)) / 2h. Costs 2 evaluations of f per direction
    instead of 2 per entry of x.

    Returns the largest relative error over the directions.
    """
    rng = np.random.default_rng(seed)
    worst = 0.0
    for _ in range(n_directions):
        v = rng.standard_normal(x.shape)
        v /= np.linalg.norm(v)
        analytic = float(np.sum(grad * v))
        numeric = (f(x + h * v) - f(x - h * v)) / (2 * h)
        worst = max(worst, relative_error(analytic, numeric))
    return worst
