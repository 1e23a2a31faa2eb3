"""Calling a learner's function under watch.

:func:`call` runs a learner's function and fails it, with a message, if it is not written
yet, modifies its inputs or makes numpy warn. :func:`rebind` runs a function with other
parts in place of the learner's own.
"""

import copy
import inspect
import types
import warnings

import numpy as np

from .messages import MESSAGES, Mistake


def _snapshot(value):
    try:
        return copy.deepcopy(value)
    except Exception:  # objects that cannot be copied are not checked for changes
        return None


def _same(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (
            isinstance(a, np.ndarray)
            and isinstance(b, np.ndarray)
            and a.shape == b.shape
            and a.dtype == b.dtype
            and np.array_equal(a, b, equal_nan=True)
        )
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (int, float, complex, str, bytes, np.number)):
        return a == b
    return True  # other objects (models, random generators) may change on purpose


def call(fn, *args, name=None, arg_names=None, **kwargs):
    """Run a learner's fn(*args, **kwargs) and return its result.

    Raises :class:`Mistake` if fn is not written yet, modifies an argument in place, or
    makes numpy warn.
    """
    __tracebackhide__ = True  # IPython's tracebacks skip this frame (see checks.messages)
    name = name or getattr(fn, "__name__", "your function")
    if arg_names is None:
        try:
            arg_names = list(inspect.signature(fn).parameters)
        except (TypeError, ValueError):
            arg_names = []
    before = [_snapshot(a) for a in args]
    with (
        warnings.catch_warnings(record=True) as caught,
        np.errstate(over="warn", divide="warn", invalid="warn", under="ignore"),
    ):
        warnings.simplefilter("always")
        try:
            result = fn(*args, **kwargs)
            if isinstance(result, types.GeneratorType):
                result = list(result)  # run a generator's code under the same checks
        except NotImplementedError:
            raise Mistake(
                f"{name} {MESSAGES['not_written']}: replace `raise NotImplementedError()` with your code."
            ) from None
    for i, (old, new) in enumerate(zip(before, args)):
        if old is not None and not _same(old, new):
            arg = arg_names[i] if i < len(arg_names) else f"argument {i + 1}"
            raise Mistake(
                f"{name} {MESSAGES['in_place']} `{arg}` in place. Leave the inputs "
                "as they are and compute new arrays (the caller still needs them)."
            )
    numpy_warnings = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    if numpy_warnings:
        raise Mistake(
            f"{name} {MESSAGES['warning']}: '{numpy_warnings[0].message}'. "
            f"{describe_inputs(args)} It must give finite results without warnings: "
            "look for an exp() of a large number or a division by zero."
        )
    return result


def describe_inputs(args):
    parts = []
    for a in args:
        if isinstance(a, np.ndarray):
            parts.append(
                f"an array of shape {a.shape} with values in [{a.min():.3g}, {a.max():.3g}]"
                if a.size
                else f"an empty array of shape {a.shape}"
            )
        elif isinstance(a, (int, float, np.number)):
            parts.append(repr(a))
    return f"(Inputs: {', '.join(parts)}.)" if parts else ""


def rebind(fn, **names):
    """A copy of fn (a function or method) that sees ``names`` instead of its own globals.

    Used to run one function with other parts in place of the learner's (the grader's
    answers, in an outside check), so a bug in one part does not cost the points of another.
    """
    func = getattr(fn, "__func__", fn)
    new_globals = dict(func.__globals__)
    new_globals.update(names)
    copy_ = types.FunctionType(func.__code__, new_globals, func.__name__, func.__defaults__, func.__closure__)
    copy_.__kwdefaults__ = func.__kwdefaults__
    copy_.__qualname__ = func.__qualname__
    if isinstance(fn, types.MethodType):
        return types.MethodType(copy_, fn.__self__)
    return copy_
