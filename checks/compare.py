"""Comparing a learner's result with the expected one, and naming the difference.

:func:`assert_result` recognises a wrong sign, a transposed array, a missing or doubled
1/N average, a missing or unsummed bias gradient, a forgotten bias, an activation applied
once too often, a step taken uphill, the wrong dtype, nan or inf; otherwise it says where
the values differ. The grader uses it too, outside the kernel, to say what is wrong with a
result on its own fresh inputs.
"""

import numpy as np

from .messages import MESSAGES, Mistake

# What an activation applied once too often does to raw scores (sigmoid written through tanh).
_ACTIVATIONS = {
    "relu": lambda s: np.maximum(s, 0.0),
    "sigmoid": lambda s: 0.5 * (1.0 + np.tanh(0.5 * s)),
    "tanh": np.tanh,
}


def _close(a, b, rtol=1e-6, atol=1e-8):
    return a.shape == b.shape and np.allclose(a, b, rtol=rtol, atol=atol)


def assert_result(got, want, what, *, batch=None, like=None, hints=(), start=None, rtol=1e-6, atol=1e-8):
    """Compare one output with the expected array and explain the difference.

    got: the learner's value; want: the expected array (or number);
    what: its name in messages ("dW"); batch: the batch size N, to recognise a missing
    or doubled 1/N; like: (name, shape) of the parameter it should match ("W", (3, 4));
    hints: extra diagnoses to try, names from :data:`MESSAGES` ("bias_zero", ...);
    start: for an update step (w -> next w), the value it starts from, to recognise a step
    taken the wrong way.
    """
    want_arr = np.asarray(want)
    scalar = want_arr.ndim == 0
    if got is None:
        raise Mistake(f"{what} {MESSAGES['not_array']} a value, not None. Did you forget to return it?")
    if scalar:
        if isinstance(got, np.ndarray) and got.size == 1:
            got = got.reshape(())
        if not isinstance(got, (int, float, np.number, np.ndarray)) or np.ndim(got) != 0:
            raise Mistake(
                f"{what} {MESSAGES['not_array']} a single number; yours is {type(got).__name__}"
                + (f" of shape {np.shape(got)}" if hasattr(got, "shape") else "")
                + ". Did you forget to sum or average?"
            )
    elif not isinstance(got, np.ndarray):
        raise Mistake(f"{what} {MESSAGES['not_array']} a numpy array; yours is {type(got).__name__}.")
    got_arr = np.asarray(got)
    if got_arr.dtype.kind not in "fc":
        raise Mistake(
            f"{what} {MESSAGES['dtype']}; yours has dtype {got_arr.dtype}. "
            "Integer arithmetic rounds the values away."
        )
    if want_arr.dtype == np.float64 and got_arr.dtype != np.float64:
        raise Mistake(f"{what} {MESSAGES['dtype']} of float64 like its inputs; yours is {got_arr.dtype}.")
    if got_arr.shape != want_arr.shape:
        _diagnose_shape(got_arr, want_arr, what, like, batch)
    if not np.all(np.isfinite(got_arr)) and np.all(np.isfinite(want_arr)):
        raise Mistake(
            f"{what} {MESSAGES['not_finite']}. Is the computation numerically stable "
            "for large inputs? Avoid exp() of large positive numbers."
        )
    if _close(got_arr, want_arr, rtol, atol):
        return
    if start is not None:
        step, want_step = got_arr - start, want_arr - start
        if np.any(want_step != 0) and _close(step, -want_step, rtol, atol):
            raise Mistake(
                f"The step from the old value to {what} {MESSAGES['sign']}: it goes "
                "uphill. Gradient descent moves against the gradient."
            )
    _diagnose_values(got_arr, want_arr, what, batch, hints, rtol, atol)


def _diagnose_shape(got, want, what, like, batch):
    target = f"{like[0]}'s shape {like[1]}" if like else f"shape {want.shape}"
    if got.shape == want.shape[::-1] and got.ndim == 2:
        raise Mistake(
            f"{what} {MESSAGES['shape']} {want.shape} ({target}); yours is {got.shape}. "
            f"{MESSAGES['transposed']}."
        )
    if batch is not None and got.shape == (batch,) + want.shape and want.ndim >= 1:
        raise Mistake(
            f"{what} {MESSAGES['shape']} {want.shape} ({target}); yours is {got.shape}, "
            f"{MESSAGES['bias_not_summed']}. The same parameter serves every example "
            "in the batch: combine their contributions."
        )
    raise Mistake(f"{what} {MESSAGES['shape']} {want.shape} ({target}); yours is {got.shape}.")


def _diagnose_values(got, want, what, batch, hints, rtol, atol):
    if np.any(want != 0) and _close(got, -want, rtol, atol):
        raise Mistake(
            f"{what} has the right size but {MESSAGES['sign']} everywhere. "
            "Check the order of a subtraction, or a minus sign."
        )
    if batch and batch > 1 and np.any(want != 0):
        if _close(got, want * batch, rtol, atol):
            raise Mistake(
                f"{what} is {batch} {MESSAGES['missing_average']}, and {batch} is the batch "
                "size: the loss is an average over the batch, so its gradient is too."
            )
        if _close(got, want / batch, rtol, atol):
            raise Mistake(
                f"{what} is {batch} {MESSAGES['double_average']}, and {batch} is the batch "
                "size: did you divide by N twice?"
            )
    if "bias_zero" in hints and not np.any(got) and np.any(want):
        raise Mistake(
            f"{what} {MESSAGES['bias_zero']} but the upstream gradient is not: the bias takes "
            "part in every output, so it receives gradient from every example."
        )
    if "bias_forgotten" in hints and got.ndim in (1, 2) and got.shape[0] > 1:
        offset = want - got  # the same number (1-D) or the same row (2-D) everywhere
        if np.allclose(offset, offset[0], rtol=rtol, atol=atol):
            raise Mistake(f"{what} is {MESSAGES['bias_forgotten']}: check the bias term.")
    if "last_activation" in hints:
        for act, f in _ACTIVATIONS.items():
            if _close(got, f(want), rtol, atol):
                raise Mistake(
                    f"{what} look like they went through {act} {MESSAGES['last_activation']}: "
                    "the last layer gives raw scores."
                )
    index = np.unravel_index(np.argmax(np.abs(got - want)), want.shape) if want.ndim else ()
    where = f" at index {tuple(int(i) for i in index)}" if want.ndim else ""
    raise Mistake(
        f"{what} {MESSAGES['mismatch']}{where}: expected {want[index]:.6g}, yours is {got[index]:.6g}."
    )


def assert_close(got, want, what, **kw):
    """Pass if the learner's ``got`` is ``want``, up to rounding; else raise :class:`Mistake`.

    The contract (that of :func:`assert_result`, whose keywords ``batch``, ``like``,
    ``hints``, ``start``, ``rtol`` and ``atol`` it passes on):

    * type: ``got`` is a numpy array, or a single number (a size-1 array counts) when
      ``want`` is a number; a floating-point one, and float64 when ``want`` is float64;
    * shape: exactly ``want``'s (no broadcasting: (3,) is not (1, 3));
    * values: no nan or inf (unless ``want`` has some), and entry by entry
      ``|got - want| <= atol + rtol * |want|`` (``np.allclose``), with ``rtol=1e-6``,
      ``atol=1e-8`` by default.

    The message names ``what`` (as the learner knows it: "dW", "the MSE loss") and says
    what is wrong: None returned; the type, dtype or shape (naming a transposed array, or
    one row per example when ``batch`` is given); nan or inf; a diagnosis from
    :data:`MESSAGES` (the wrong sign, a missing or doubled 1/N when ``batch`` is given,
    those in ``hints``, a step uphill when ``start`` is given); or else the index of the
    largest difference, with the expected value and the learner's there.
    """
    assert_result(got, want, what, **kw)


def unpack(result, names, fn_name):
    """Check a function returned a tuple of len(names) values and return it as a tuple."""
    if len(names) == 1:
        return (result,)
    if not isinstance(result, tuple) or len(result) != len(names):
        got = f"a tuple of {len(result)}" if isinstance(result, tuple) else type(result).__name__
        raise Mistake(
            f"{fn_name} {MESSAGES['not_array']} a tuple ({', '.join(names)}); yours returned {got}."
        )
    return result


def random_array(rng, *shape, low=-3.0, high=3.0):
    """Uniform random float64 values, well away from 0 for half of them (kinks, divisions)."""
    return rng.uniform(low, high, size=shape)


def random_shape(rng, ndim, low=1, high=6):
    return tuple(int(s) for s in rng.integers(low, high + 1, size=ndim))


def random_same_shape(rng, count, max_ndim=2, high=7):
    """``count`` random arrays of one random shape of 1 to ``max_ndim`` dimensions (e.g. a
    prediction and its target)."""
    shape = random_shape(rng, int(rng.integers(1, max_ndim + 1)), high=high)
    return tuple(random_array(rng, *shape) for _ in range(count))


def random_affine_backward_args(rng):
    """Arguments for ``affine_backward(dout, (x, W))`` of random sizes N, D, M (each 1 to 7)."""
    n, d, m = random_shape(rng, 3, high=7)
    return random_array(rng, n, m), (random_array(rng, n, d), random_array(rng, d, m))
