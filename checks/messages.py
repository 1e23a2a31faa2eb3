"""The feedback messages, one per common mistake, and the exception that carries them."""

import re

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


# The width messages are wrapped at where they are shown as text: a notebook's traceback, and
# nbgrader's Validate, whose JupyterLab dialog shows them as they are (no wrapping) and whose
# command line cuts every line past 83 characters (its width, 90, less an indent and "...").
WIDTH = 80
# What is never cut at a line end: a number, a shape or index such as (3, 4), an array such as
# [[1, 2], [3, 4]], code in backquotes.
_NUMBERS = r"[-+\d.,eE\s]*"
_WHOLE = re.compile(rf"\({_NUMBERS}\)|\[(?:[-+\d.,eE\s]|\[{_NUMBERS}\])*\]|`[^`]*`")


def wrap(text, width=WIDTH):
    """The lines of ``text`` filled to at most ``width`` characters, broken at spaces only, never
    inside a number, a shape, an array or code in backquotes (a longer piece gets a line of its own)."""
    lines = []
    for paragraph in str(text).splitlines() or [""]:
        glued = _WHOLE.sub(lambda m: m.group(0).replace(" ", "\0"), paragraph)
        line = ""
        for word in glued.split(" "):
            if line and len(line) + 1 + len(word) > width:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}" if line else word
        lines.append(line)
    return [line.replace("\0", " ") for line in lines]


# The helpers that call a learner's code set ``__tracebackhide__ = True``: IPython leaves their
# frames out of a traceback, which goes from the test's line straight to the learner's own.


class Mistake(AssertionError):
    """A test failure whose message is meant for the learner.

    In a notebook it shows as its message alone, wrapped at :data:`WIDTH` columns: the
    test's own code stays out of the traceback.
    """

    def _render_traceback_(self):  # IPython's hook for custom tracebacks
        return wrap(f"Mistake: {self}")


def ok(message="All tests passed."):
    """Print a short success line at the end of a visible test cell."""
    print(message)
