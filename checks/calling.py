"""Did the learner write it? Calling a learner's function under watch.

:func:`call` runs a learner's function and fails it, with a message, if it modifies its
inputs, makes numpy warn, or gets its result from ``nanoprop``: through a name, a closure,
a default argument, borrowed code, ``sys.modules`` or ``importlib`` (the code is inspected,
and every call made while it runs is watched). :func:`rebind` grades one function with the
reference in place of the learner's others, so one bug is not charged twice.
"""

import copy
import functools
import inspect
import sys
import types
import warnings
from contextlib import contextmanager
from pathlib import Path

import numpy as np

import nanoprop

from .messages import MESSAGES, Mistake

REFERENCE_DIR = str(Path(nanoprop.__file__).resolve().parent)


def _is_reference(obj):
    """True if obj is nanoprop, one of its modules, or something defined in it."""
    if isinstance(obj, types.ModuleType):
        return obj.__name__.split(".")[0] == "nanoprop"
    if isinstance(obj, types.CodeType):
        return _in_reference_dir(obj.co_filename)
    module = getattr(obj, "__module__", None)
    if isinstance(module, str) and module.split(".")[0] == "nanoprop":
        return True
    code = getattr(obj, "__code__", None) or getattr(getattr(obj, "__func__", None), "__code__", None)
    return isinstance(code, types.CodeType) and _in_reference_dir(code.co_filename)


@functools.lru_cache(maxsize=4096)
def _in_reference_dir(filename):
    try:
        return str(Path(filename).resolve()).startswith(REFERENCE_DIR)
    except (OSError, ValueError):
        return False


def _code_objects(code):
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _code_objects(const)


def _functions_of(obj):
    """The plain functions behind a function, method or class (its own methods)."""
    if inspect.isclass(obj):
        for klass in obj.__mro__:
            if klass is object:
                continue
            if _is_reference(klass):
                yield klass
            for member in vars(klass).values():
                yield from (
                    _functions_of(getattr(member, "__func__", member)) if not inspect.isclass(member) else ()
                )
    elif isinstance(obj, types.ModuleType):
        for member in vars(obj).values():
            is_code = inspect.isfunction(member) or inspect.isclass(member)
            if is_code and getattr(member, "__module__", None) == obj.__name__:
                yield from _functions_of(member)
    elif isinstance(obj, types.MethodType):
        yield obj.__func__
    elif isinstance(obj, (types.FunctionType, types.BuiltinFunctionType)):
        yield obj
    elif isinstance(obj, property):
        for f in (obj.fget, obj.fset, obj.fdel):
            if f is not None:
                yield f


def reference_links(fn, allow=()):
    """Where fn's code, globals, closure or defaults lead to nanoprop (a list of words)."""
    allowed = {id(a) for a in allow}
    for a in allow:
        if isinstance(a, types.ModuleType):
            allowed.update(id(v) for v in vars(a).values())
    found = []
    seen = set()
    todo = list(_functions_of(fn))
    while todo:
        f = todo.pop()
        if id(f) in seen:
            continue
        seen.add(id(f))
        if inspect.isclass(f):
            found.append(f"it is built on nanoprop's {f.__name__}")
            continue
        if id(f) in allowed or not isinstance(f, types.FunctionType):
            continue
        if _is_reference(f):
            found.append(f"{f.__name__} is nanoprop's own function")
            continue
        for code in _code_objects(f.__code__):
            for const in code.co_consts:
                if isinstance(const, str) and "nanoprop" in const:
                    found.append(f"it mentions {const!r}")
            for name in code.co_names + code.co_freevars:
                if name == "nanoprop":
                    found.append("it imports or names nanoprop")
                    continue
                value = f.__globals__.get(name)
                if value is not None and id(value) not in allowed and _is_reference(value):
                    found.append(f"it uses the name {name!r} from nanoprop")
                elif isinstance(value, types.FunctionType) or inspect.isclass(value):
                    todo.extend(_functions_of(value))  # the learner's own helpers, in turn
        for cell in f.__closure__ or ():
            try:
                value = cell.cell_contents
            except ValueError:
                continue
            if id(value) not in allowed and _is_reference(value):
                found.append("it keeps a nanoprop object in a closure")
        for value in (f.__defaults__ or ()) + tuple((f.__kwdefaults__ or {}).values()):
            if id(value) not in allowed and _is_reference(value):
                found.append("it keeps a nanoprop object as a default argument")
    return sorted(set(found))


@contextmanager
def _watch_reference_calls(allow_codes):
    """Record every call into nanoprop's files while the block runs."""
    calls = []

    def profiler(frame, event, arg):
        if event == "call":
            code = frame.f_code
            if code not in allow_codes and _in_reference_dir(code.co_filename):
                calls.append(code.co_name)

    previous = sys.getprofile()
    sys.setprofile(profiler)
    try:
        yield calls
    finally:
        if sys.getprofile() is not profiler:
            calls.append("<the call watcher was switched off>")
        sys.setprofile(previous)


def _allowed_codes(allow):
    codes = set()
    for a in allow:
        for f in _functions_of(a):
            if isinstance(f, types.FunctionType):
                codes.update(_code_objects(f.__code__))
    return codes


def assert_own_code(fn, name, allow=()):
    """Fail if fn is nanoprop's, or reaches nanoprop through its names, closure or defaults.

    ``allow``: nanoprop functions or classes the notebook hands to the learner on purpose.
    (Calls made while fn runs are watched separately, by :func:`call`.)
    """
    links = reference_links(fn, allow)
    if links:
        raise Mistake(
            f"{name} {MESSAGES['calls_reference']} ({'; '.join(links)}). "
            "Write it yourself with numpy: that is the exercise."
        )


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


def call(fn, *args, name=None, arg_names=None, allow=(), **kwargs):
    """Run a learner's fn(*args, **kwargs) and return its result, checking it played fair.

    Raises :class:`Mistake` if fn is not written yet, modifies an argument in place,
    makes numpy warn, or reaches into nanoprop (other than the ``allow``-ed objects).
    """
    name = name or getattr(fn, "__name__", "your function")
    assert_own_code(fn, name, allow)
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
        with _watch_reference_calls(_allowed_codes(allow)) as reference_calls:
            try:
                result = fn(*args, **kwargs)
                if isinstance(result, types.GeneratorType):
                    result = list(result)  # run a generator's code under the same checks
            except NotImplementedError:
                raise Mistake(
                    f"{name} {MESSAGES['not_written']}: replace `raise NotImplementedError()` with your code."
                ) from None
    if reference_calls:
        raise Mistake(
            f"{name} {MESSAGES['calls_reference']} (it called nanoprop's "
            f"{', '.join(sorted(set(reference_calls)))}). Write it yourself with numpy."
        )
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

    Used to grade one function with the reference in place of the learner's other
    functions, so a bug in one part does not cost the points of another.
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


LAYER_NAMES = [
    "affine_forward",
    "affine_backward",
    "relu_forward",
    "relu_backward",
    "sigmoid_forward",
    "sigmoid_backward",
    "tanh_forward",
    "tanh_backward",
]
REFERENCE_MODULES = (nanoprop.layers, nanoprop.activations)


def with_reference_layers(fn):
    """fn (a function or method) wired to the reference layers instead of the learner's.

    Grades how a network *chains* its layers apart from the layers themselves, so a bug
    in affine_backward does not also cost the points of MLP.backward. The names rebound:
    :data:`LAYER_NAMES` and ``ACTIVATION_LAYERS`` ({name: (forward, backward)}, as in
    nanoprop.network and the notebooks). Pass ``allow=REFERENCE_MODULES`` to :func:`call`
    for the result.
    """
    names = {n: getattr(nanoprop.layers, n) for n in LAYER_NAMES}
    names["ACTIVATION_LAYERS"] = dict(nanoprop.network.ACTIVATION_LAYERS)
    return rebind(fn, **names)
