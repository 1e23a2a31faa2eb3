"""The feedback messages, one per common mistake, and the exception that carries them."""

# The beginnings of the feedback messages, one per common mistake. Tests look for them.
MESSAGES = {
    "not_written": "is not written yet",
    "in_place": "changed its input",
    "warning": "made numpy warn",
    "not_array": "should return",
    "shape": "should have shape",
    "transposed": "Check the order of the factors",
    "dtype": "should be a floating-point array",
    "not_finite": "contains nan or inf",
    "sign": "has the wrong sign",
    "missing_average": "times too large",
    "double_average": "times too small",
    "bias_zero": "is all zeros",
    "bias_not_summed": "one row per example",
    "derivative": "derivative",
    "not_accumulated": "gradients were not accumulated",
    "order": "topological order",
    "bias_forgotten": "off by the same amount in every row",
    "last_activation": "once too often",
    "mismatch": "differs from the expected value",
    "no_time_flow": "does not flow back through time",
    "not_summed_over_time": "only one time step",
    "local_derivative": "local derivative",
    "not_every_example": "every example exactly once",
    "not_shuffled": "not shuffled",
    "too_inaccurate": "test accuracy",
}


class Mistake(AssertionError):
    """A test failure whose message is meant for the learner.

    In a notebook it shows as its message alone: the test's own code (hidden tests
    included) stays out of the traceback.
    """

    def _render_traceback_(self):  # IPython's hook for custom tracebacks
        return [f"Mistake: {self}"]


def ok(message="All tests passed."):
    """Print a short success line at the end of a visible test cell."""
    print(message)
