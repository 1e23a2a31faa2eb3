"""Checks shared by the test cells of every assignment.

A learner's function is run on inputs, its result is compared with the reference
package ``nanoprop`` (or with numeric gradients), and when they disagree the message
says *what* is wrong and *where to look*, without handing over the answer. The same
helpers serve the visible tests (small, fixed inputs) and the hidden ones (random shapes
and values, edge cases).

Every call of a learner's function goes through :func:`call`, which also checks that

* the inputs are not modified in place,
* numpy raised no warning (overflow, division by zero, ...), reported as a message
  instead of a stray warning (nbgrader scores any stderr in a test cell as a fail),
* the function did not get its result from ``nanoprop`` (:func:`assert_own_code`).

The mistakes recognised (see :data:`MESSAGES`): a wrong sign, a transposed gradient, a
missing 1/N average (or a double one), a missing or unsummed bias gradient, a wrong
activation derivative, gradients not accumulated, an output with the wrong shape or dtype.
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

REFERENCE_DIR = str(Path(nanoprop.__file__).resolve().parent)

# The beginnings of the feedback messages, one per common mistake. Tests look for them.
MESSAGES = {
    "not_written": "is not written yet",
    "calls_reference": "uses the reference package nanoprop",
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

    def _render_traceback_(self):          # IPython's hook for custom tracebacks
        return [f"Mistake: {self}"]


# --------------------------------------------------------------------------------------
# Did the learner write it, or call nanoprop?
# --------------------------------------------------------------------------------------

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
                yield from _functions_of(getattr(member, "__func__", member)) if not inspect.isclass(member) else ()
    elif isinstance(obj, types.ModuleType):
        for member in vars(obj).values():
            if inspect.isfunction(member) or inspect.isclass(member):
                if getattr(member, "__module__", None) == obj.__name__:
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
                    todo.extend(_functions_of(value))     # the learner's own helpers, in turn
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
        raise Mistake(f"{name} {MESSAGES['calls_reference']} ({'; '.join(links)}). "
                      "Write it yourself with numpy: that is the exercise.")


# --------------------------------------------------------------------------------------
# Calling the learner's code
# --------------------------------------------------------------------------------------

def _snapshot(value):
    try:
        return copy.deepcopy(value)
    except Exception:       # objects that cannot be copied are not checked for changes
        return None


def _same(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape
                and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (int, float, complex, str, bytes, np.number)):
        return a == b
    return True   # other objects (models, random generators) may change on purpose


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
    with warnings.catch_warnings(record=True) as caught, np.errstate(over="warn", divide="warn", invalid="warn", under="ignore"):
        warnings.simplefilter("always")
        with _watch_reference_calls(_allowed_codes(allow)) as reference_calls:
            try:
                result = fn(*args, **kwargs)
                if isinstance(result, types.GeneratorType):
                    result = list(result)     # run a generator's code under the same checks
            except NotImplementedError:
                raise Mistake(f"{name} {MESSAGES['not_written']}: replace "
                              "`raise NotImplementedError()` with your code.") from None
    if reference_calls:
        raise Mistake(f"{name} {MESSAGES['calls_reference']} (it called nanoprop's "
                      f"{', '.join(sorted(set(reference_calls)))}). Write it yourself with numpy.")
    for i, (old, new) in enumerate(zip(before, args)):
        if old is not None and not _same(old, new):
            arg = arg_names[i] if i < len(arg_names) else f"argument {i + 1}"
            raise Mistake(f"{name} {MESSAGES['in_place']} `{arg}` in place. Leave the inputs "
                          "as they are and compute new arrays (the caller still needs them).")
    numpy_warnings = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    if numpy_warnings:
        raise Mistake(f"{name} {MESSAGES['warning']}: '{numpy_warnings[0].message}'. "
                      f"{describe_inputs(args)} It must give finite results without warnings: "
                      "look for an exp() of a large number or a division by zero.")
    return result


def describe_inputs(args):
    parts = []
    for a in args:
        if isinstance(a, np.ndarray):
            parts.append(f"an array of shape {a.shape} with values in [{a.min():.3g}, {a.max():.3g}]"
                         if a.size else f"an empty array of shape {a.shape}")
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
    copy_ = types.FunctionType(func.__code__, new_globals, func.__name__,
                               func.__defaults__, func.__closure__)
    copy_.__kwdefaults__ = func.__kwdefaults__
    copy_.__qualname__ = func.__qualname__
    if isinstance(fn, types.MethodType):
        return types.MethodType(copy_, fn.__self__)
    return copy_


LAYER_NAMES = ["affine_forward", "affine_backward", "relu_forward", "relu_backward",
               "sigmoid_forward", "sigmoid_backward", "tanh_forward", "tanh_backward"]
REFERENCE_MODULES = (nanoprop.layers, nanoprop.activations)


def with_reference_layers(fn):
    """fn (a function or method) wired to the reference layers instead of the learner's.

    Grades how a network *chains* its layers apart from the layers themselves, so a bug
    in affine_backward does not also cost the points of MLP.backward. Pass
    ``allow=REFERENCE_MODULES`` to :func:`call` for the result.
    """
    names = {n: getattr(nanoprop.layers, n) for n in LAYER_NAMES}
    names["ACTIVATION_FORWARD"] = {k: fwd for k, (fwd, _) in nanoprop.network.ACTIVATION_LAYERS.items()}
    names["ACTIVATION_BACKWARD"] = {k: bwd for k, (_, bwd) in nanoprop.network.ACTIVATION_LAYERS.items()}
    names["ACTIVATION_LAYERS"] = dict(nanoprop.network.ACTIVATION_LAYERS)
    return rebind(fn, **names)


# --------------------------------------------------------------------------------------
# Comparing results and diagnosing the difference
# --------------------------------------------------------------------------------------

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
            raise Mistake(f"{what} {MESSAGES['not_array']} a single number; yours is {type(got).__name__}"
                          + (f" of shape {np.shape(got)}" if hasattr(got, 'shape') else "")
                          + ". Did you forget to sum or average?")
    elif not isinstance(got, np.ndarray):
        raise Mistake(f"{what} {MESSAGES['not_array']} a numpy array; yours is {type(got).__name__}.")
    got_arr = np.asarray(got)
    if got_arr.dtype.kind not in "fc":
        raise Mistake(f"{what} {MESSAGES['dtype']}; yours has dtype {got_arr.dtype}. "
                      "Integer arithmetic rounds the values away.")
    if want_arr.dtype == np.float64 and got_arr.dtype != np.float64:
        raise Mistake(f"{what} {MESSAGES['dtype']} of float64 like its inputs; yours is {got_arr.dtype}.")
    if got_arr.shape != want_arr.shape:
        _diagnose_shape(got_arr, want_arr, what, like, batch)
    if not np.all(np.isfinite(got_arr)) and np.all(np.isfinite(want_arr)):
        raise Mistake(f"{what} {MESSAGES['not_finite']}. Is the computation numerically stable "
                      "for large inputs? Avoid exp() of large positive numbers.")
    if _close(got_arr, want_arr, rtol, atol):
        return
    if start is not None:
        step, want_step = got_arr - start, want_arr - start
        if np.any(want_step != 0) and _close(step, -want_step, rtol, atol):
            raise Mistake(f"The step from the old value to {what} {MESSAGES['sign']}: it goes "
                          "uphill. Gradient descent moves against the gradient.")
    _diagnose_values(got_arr, want_arr, what, batch, hints, rtol, atol)


def _diagnose_shape(got, want, what, like, batch):
    target = f"{like[0]}'s shape {like[1]}" if like else f"shape {want.shape}"
    if got.shape == want.shape[::-1] and got.ndim == 2:
        raise Mistake(f"{what} {MESSAGES['shape']} {want.shape} ({target}); yours is {got.shape}. "
                      f"{MESSAGES['transposed']}.")
    if batch is not None and got.shape == (batch,) + want.shape and want.ndim >= 1:
        raise Mistake(f"{what} {MESSAGES['shape']} {want.shape} ({target}); yours is {got.shape}, "
                      f"{MESSAGES['bias_not_summed']}. The same parameter serves every example "
                      "in the batch: combine their contributions.")
    raise Mistake(f"{what} {MESSAGES['shape']} {want.shape} ({target}); yours is {got.shape}.")


def _diagnose_values(got, want, what, batch, hints, rtol, atol):
    if np.any(want != 0) and _close(got, -want, rtol, atol):
        raise Mistake(f"{what} has the right size but {MESSAGES['sign']} everywhere. "
                      "Check the order of a subtraction, or a minus sign.")
    if batch and batch > 1 and np.any(want != 0):
        if _close(got, want * batch, rtol, atol):
            raise Mistake(f"{what} is {batch} {MESSAGES['missing_average']}, and {batch} is the batch "
                          "size: the loss is an average over the batch, so its gradient is too.")
        if _close(got, want / batch, rtol, atol):
            raise Mistake(f"{what} is {batch} {MESSAGES['double_average']}, and {batch} is the batch "
                          "size: did you divide by N twice?")
    if "bias_zero" in hints and not np.any(got) and np.any(want):
        raise Mistake(f"{what} {MESSAGES['bias_zero']} but the upstream gradient is not: the bias takes "
                      "part in every output, so it receives gradient from every example.")
    if "bias_forgotten" in hints and got.ndim in (1, 2) and got.shape[0] > 1:
        offset = want - got          # the same number (1-D) or the same row (2-D) everywhere
        if np.allclose(offset, offset[0], rtol=rtol, atol=atol):
            raise Mistake(f"{what} is {MESSAGES['bias_forgotten']}: check the bias term.")
    if "last_activation" in hints:
        for act, f in (("relu", nanoprop.relu), ("sigmoid", nanoprop.sigmoid), ("tanh", np.tanh)):
            if _close(got, f(want), rtol, atol):
                raise Mistake(f"{what} look like they went through {act} {MESSAGES['last_activation']}: "
                              "the last layer gives raw scores.")
    index = np.unravel_index(np.argmax(np.abs(got - want)), want.shape) if want.ndim else ()
    where = f" at index {tuple(int(i) for i in index)}" if want.ndim else ""
    raise Mistake(f"{what} {MESSAGES['mismatch']}{where}: expected {want[index]:.6g}, "
                  f"yours is {got[index]:.6g}.")


def assert_close(got, want, what, **kw):
    """Alias of :func:`assert_result` for plain numbers and small arrays in visible tests."""
    assert_result(got, want, what, **kw)


def unpack(result, names, fn_name):
    """Check a function returned a tuple of len(names) values and return it as a tuple."""
    if len(names) == 1:
        return (result,)
    if not isinstance(result, tuple) or len(result) != len(names):
        got = f"a tuple of {len(result)}" if isinstance(result, tuple) else type(result).__name__
        raise Mistake(f"{fn_name} {MESSAGES['not_array']} a tuple ({', '.join(names)}); yours "
                      f"returned {got}.")
    return result


def compare_with_reference(fn, reference, make_args, names, *, pick=None, trials=10, seed=0,
                           name=None, batch=None, like=None, hints=(), allow=(), rtol=1e-6, atol=1e-8):
    """Run fn and the reference on the same random inputs and compare the outputs.

    make_args(rng) -> tuple of arguments (fresh arrays; random shapes and values).
    names: the names of fn's outputs, e.g. ("dx", "dW", "db"); ``pick``: the names to
    compare (default all). batch(args) -> N, like(args) -> {name: (param, shape)}.
    """
    rng = np.random.default_rng(seed)
    pick = names if pick is None else pick
    for _ in range(trials):
        args = make_args(rng)
        expected = reference(*copy.deepcopy(args))
        expected = expected if len(names) > 1 else (expected,)
        got = unpack(call(fn, *args, name=name, allow=allow), names, name or fn.__name__)
        n = batch(args) if batch else None
        shapes = like(args) if like else {}
        for what in pick:
            i = names.index(what)
            assert_result(got[i], expected[i], what, batch=n, like=shapes.get(what),
                          hints=hints, rtol=rtol, atol=atol)


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


def random_array(rng, *shape, low=-3.0, high=3.0):
    """Uniform random float64 values, well away from 0 for half of them (kinks, divisions)."""
    return rng.uniform(low, high, size=shape)


def random_shape(rng, ndim, low=1, high=6):
    return tuple(int(s) for s in rng.integers(low, high + 1, size=ndim))


# --------------------------------------------------------------------------------------
# A whole network's backward pass (assignment 5)
# --------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------
# Gradient descent and training (assignment 6)
# --------------------------------------------------------------------------------------

def check_minibatches(minibatches, n, batch_size, seed=0):
    """minibatches(X, y, batch_size, rng): all rows once, batch_size at a time, shuffled, paired."""
    X = np.arange(n * 2, dtype=float).reshape(n, 2)      # row i is [2i, 2i + 1]
    y = np.arange(n)
    batches = call(minibatches, X, y, batch_size, np.random.default_rng(seed), name="minibatches")
    batches = list(batches) if batches is not None else []
    sizes = [len(b[1]) if isinstance(b, tuple) and len(b) == 2 else None for b in batches]
    if None in sizes:
        raise Mistake(f"minibatches {MESSAGES['not_array']} (yield) pairs (X_batch, y_batch).")
    seen = np.concatenate([b[1] for b in batches]) if batches else np.array([], dtype=int)
    if sorted(seen.tolist()) != list(range(n)):
        raise Mistake(f"An epoch must use {MESSAGES['not_every_example']}: with {n} examples in "
                      f"batches of {batch_size}, your batches hold {len(seen)} examples "
                      f"({len(set(seen.tolist()))} different ones). Check the last, smaller batch.")
    expected_sizes = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    if sizes != expected_sizes:
        raise Mistake(f"With {n} examples and batch_size {batch_size} the batch sizes should be "
                      f"{expected_sizes}; yours are {sizes}.")
    for X_batch, y_batch in batches:
        if not np.array_equal(X_batch[:, 0], 2 * y_batch):
            raise Mistake("In a batch, the rows of X_batch and the labels in y_batch no longer "
                          "belong together: shuffle both with the same order.")
    if np.array_equal(seen, np.arange(n)):
        raise Mistake(f"The examples are {MESSAGES['not_shuffled']}: each epoch should visit them "
                      "in a new random order drawn from rng.")
    again = np.concatenate([b[1] for b in call(minibatches, X, y, batch_size,
                                               np.random.default_rng(seed + 1), name="minibatches")])
    if np.array_equal(again, seen):
        raise Mistake(f"Two different rng give the same order: the examples are {MESSAGES['not_shuffled']} "
                      "with the rng you are given.")


def check_history(history, reference, epochs):
    """A train() history: the keys, one entry per epoch, and the same numbers as the reference."""
    if not isinstance(history, dict):
        raise Mistake(f"train {MESSAGES['not_array']} a history dict; yours returned {type(history).__name__}.")
    for key in ("loss", "train_acc", "val_acc"):
        values = history.get(key)
        if values is None or len(values) != epochs:
            raise Mistake(f"history['{key}'] should hold one number per epoch ({epochs}); yours is {values!r}.")
        assert_result(np.asarray(values, dtype=float), np.asarray(reference[key]), f"history['{key}']",
                      rtol=1e-6, atol=1e-9)


def check_accuracy(accuracy, required, what="the trained model"):
    if not isinstance(accuracy, (float, np.floating)) or not accuracy >= required:
        raise Mistake(f"The {MESSAGES['too_inaccurate']} of {what} is {accuracy!r}; it must reach "
                      f"{required:.0%}. Check the tests above, then the learning rate and the number "
                      "of epochs.")


# --------------------------------------------------------------------------------------
# Backprop through time (assignment 7)
# --------------------------------------------------------------------------------------

RNN_GRADIENTS = ("dx", "dh0", "dWx", "dWh", "db")


def random_rnn(rng, N=None, T=None, D=None, H=None):
    """Random inputs for a vanilla RNN: x (N, T, D), h0 (N, H), Wx (D, H), Wh (H, H), b (H,)."""
    N, T, D, H = (v if v is not None else int(rng.integers(1, 5)) for v in (N, T, D, H))
    return (rng.normal(size=(N, T, D)), rng.normal(size=(N, H)), rng.normal(0, 0.5, size=(D, H)),
            rng.normal(0, 0.5, size=(H, H)), rng.normal(0, 0.5, size=H))


def _bptt_variants(dh, caches):
    """What rnn_backward gives with two classic mistakes: no gradient from later steps,
    and shared weights keeping one step's gradient instead of the sum."""
    no_flow = sum(nanoprop.rnn_step_backward(dh[:, t], caches[t])[2] for t in range(dh.shape[1]))
    first = nanoprop.rnn_step_backward(dh[:, 0] + _dh_next_at(dh, caches, 0), caches[0])
    last = nanoprop.rnn_step_backward(dh[:, -1], caches[-1])
    return {"no_flow": no_flow, "single_steps": (first[2], last[2])}


def _dh_next_at(dh, caches, t_stop):
    dh_next = np.zeros_like(dh[:, 0])
    for t in reversed(range(t_stop + 1, dh.shape[1])):
        _, dh_next, _, _, _ = nanoprop.rnn_step_backward(dh[:, t] + dh_next, caches[t])
    return dh_next


def check_rnn_backward(rnn_backward, x, h0, Wx, Wh, b, dh, name="rnn_backward"):
    """rnn_backward(dh, caches) on caches from the reference forward, against the reference,
    with the two classic mistakes of backprop through time diagnosed."""
    _, caches = nanoprop.rnn_forward(x, h0, Wx, Wh, b)
    expected = nanoprop.rnn_backward(dh, caches)
    got = unpack(call(rnn_backward, dh, caches, name=name, allow=(nanoprop.rnn_step_backward,)),
                 RNN_GRADIENTS, name)
    like = {"dx": ("x", x.shape), "dh0": ("h0", h0.shape), "dWx": ("Wx", Wx.shape), "dWh": ("Wh", Wh.shape),
            "db": ("b", b.shape)}
    T = x.shape[1]
    if T > 1 and isinstance(got[2], np.ndarray) and got[2].shape == Wx.shape:
        variants = _bptt_variants(dh, caches)
        if not _close(got[2], expected[2]) and _close(got[2], variants["no_flow"]):
            raise Mistake(f"In {name}, the gradient {MESSAGES['no_time_flow']}: each step must also "
                          "receive the gradient its hidden state sends to the next step (dh_next).")
        if any(_close(got[2], v) for v in variants["single_steps"]):
            raise Mistake(f"dWx holds {MESSAGES['not_summed_over_time']}'s gradient. Wx, Wh and b are "
                          "shared by every step, so their gradients collect the contributions of all steps.")
    for what, g, e in zip(RNN_GRADIENTS, got, expected):
        assert_result(g, e, what, like=like[what], rtol=1e-6, atol=1e-8)


# --------------------------------------------------------------------------------------
# The scalar autograd engine (assignment 4)
# --------------------------------------------------------------------------------------

def _run_local_backward(Value, build, xs, upstream, start_grads=None):
    """Build out = build(*leaves), set out.grad, run only out._backward(); return leaf grads."""
    leaves = [Value(x) for x in xs]
    for leaf, g in zip(leaves, start_grads or [0.0] * len(xs)):
        leaf.grad = g
    out = build(*leaves)
    out.grad = upstream
    call(out._backward, name=f"the backward of {out._op or 'this operation'}")
    return [leaf.grad for leaf in leaves]


def check_local_gradient(Value, build, xs, expression):
    """One operation's _backward: the leaves must receive upstream x local derivative.

    build(*leaves) -> a Value made by one operation; xs: the leaves' numbers;
    expression: how messages show it, e.g. "c = a * b".
    """
    upstream = 1.5
    got = _run_local_backward(Value, build, xs, upstream)
    names = "abcd"
    for k, x in enumerate(xs):
        h = 1e-6
        plus = [Value(v + h * (i == k)) for i, v in enumerate(xs)]
        minus = [Value(v - h * (i == k)) for i, v in enumerate(xs)]
        want = upstream * (build(*plus).data - build(*minus).data) / (2 * h)
        if not isinstance(got[k], (int, float)) or abs(got[k] - want) > 1e-5 * max(1.0, abs(want)):
            values = ", ".join(f"{names[i]} = {v:g}" for i, v in enumerate(xs))
            raise Mistake(f"After {expression} with {values} and an upstream gradient of "
                          f"{upstream:g}, {names[k]}.grad should be {want:.6g}; yours is {got[k]!r}. "
                          f"Check the {MESSAGES['local_derivative']} of this operation, times the "
                          "upstream gradient.")


def check_accumulates(Value, build, xs, expression):
    """_backward must add to a leaf's gradient, not overwrite it (a leaf may be used again)."""
    fresh = _run_local_backward(Value, build, xs, 1.0)
    start = [0.25 * (k + 1) for k in range(len(xs))]
    again = _run_local_backward(Value, build, xs, 1.0, start)
    for k, (f, a, s0) in enumerate(zip(fresh, again, start)):
        if abs(a - (s0 + f)) > 1e-9 * max(1.0, abs(a)):
            raise Mistake(f"In {expression}, an input already had .grad = {s0:g} and received "
                          f"{f:g} more, so it should end at {s0 + f:g}; yours is {a:g}: "
                          f"{MESSAGES['not_accumulated']}. A value used twice gets gradient "
                          "from both uses.")


def check_reused_input(Value, build_twice, build_apart, x, expression):
    """out = f(a, a) must give a the sum of what f(a, b) gives a and b."""
    (twice,) = _run_local_backward(Value, build_twice, [x], 1.0)
    apart = _run_local_backward(Value, build_apart, [x, x], 1.0)
    if abs(twice - sum(apart)) > 1e-9 * max(1.0, abs(twice)):
        raise Mistake(f"In {expression}, a is used twice, so a.grad should be {sum(apart):g} "
                      f"(the two uses together); yours is {twice:g}: {MESSAGES['not_accumulated']}.")


def check_topological_order(Value, n_nodes=8, seed=0):
    """Value.backward() on a graph whose local derivatives are fixed numbers.

    Every node's _backward is set here (child.grad += weight * node.grad), so only the
    order of the calls and the seed gradient of the output are under test.
    """
    rng = np.random.default_rng(seed)
    nodes = [Value(0.0, (), "", f"x{i}") for i in range(3)]
    weights = {}
    for i in range(3, n_nodes):
        children = tuple(sorted(set(rng.choice(i, size=2, replace=False).tolist())))
        node = Value(0.0, tuple(nodes[c] for c in children), "f", f"x{i}")
        weights[i] = {c: float(rng.integers(1, 4)) for c in children}

        def _backward(node=node, i=i):
            for c, w in weights[i].items():
                nodes[c].grad += w * node.grad
        node._backward = _backward
        nodes.append(node)
    out = Value(0.0, (nodes[-1], nodes[-2]), "+", "out")
    out._backward = lambda: [setattr(v, "grad", v.grad + out.grad) for v in out._prev]
    expected = np.zeros(n_nodes + 1)         # reverse mode by hand, in index order
    expected[-1] = 1.0
    expected[n_nodes - 1] += 1.0
    expected[n_nodes - 2] += 1.0
    for i in reversed(range(3, n_nodes)):
        for c, w in weights[i].items():
            expected[c] += w * expected[i]
    call(out.backward, name="Value.backward")
    if out.grad != 1.0:
        raise Mistake(f"After out.backward(), out.grad should be 1 (d out / d out); yours is {out.grad!r}.")
    for i, node in enumerate(nodes):
        if abs(node.grad - expected[i]) > 1e-9:
            raise Mistake(f"In a graph of {n_nodes} values where some are used more than once, "
                          f"{node.label}.grad should be {expected[i]:g}; yours is {node.grad:g}. A "
                          "value passed its gradient on before all of it had arrived: call each "
                          f"_backward in reverse {MESSAGES['order']} (a value after every value that "
                          "uses it), and each exactly once.")


def compare_engines(Value, expression, xs, what):
    """Run expression(*leaves) with the learner's Value and nanoprop's; compare all gradients."""
    mine = [Value(x) for x in xs]
    ref = [nanoprop.Value(x) for x in xs]
    out, ref_out = expression(*mine), expression(*ref)
    call(out.backward, name="Value.backward")
    ref_out.backward()
    for k, (m, r) in enumerate(zip(mine, ref)):
        if not isinstance(m.grad, (int, float)) or abs(m.grad - r.grad) > 1e-6 * max(1.0, abs(r.grad)):
            raise Mistake(f"For {what} at {xs}, the gradient of input {k + 1} should be "
                          f"{r.grad:.6g}; yours is {m.grad!r}. Run the tests above to find "
                          "which operation is wrong.")


def ok(message="All tests passed."):
    """Print a short success line at the end of a visible test cell."""
    print(message)
