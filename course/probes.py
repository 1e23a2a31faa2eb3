"""Judging a learner's functions outside their kernel: the hidden tests.

A notebook's own tests (the visible ones: nothing else of the tests is in the notebook) run inside
the learner's kernel, where a fake ``__eq__``, an array subclass or a monkeypatched
``numpy.allclose`` can make any assertion pass, and where neither the reference nor a hidden test
is: a probe is where the hidden tests live. It does not trust the kernel:

1. the grader draws inputs (from a seed the learner never sees) and saves them as ``.npy``;
2. after the notebook ran, the kernel calls the learner's function on them and saves the result
   as a plain float array (no pickles: nothing of the learner's objects crosses over);
3. the grader computes the same call with ``nanoprop`` in its own process and compares.

A function that changes one of its input arrays in place fails its probe (the notebooks forbid it).
A probe that fails zeroes the test cells it guards (an error output is added to them, so the
feedback says why) and flags the submission. So does a probe that cannot run (``Unchecked``: the
function ended the kernel, never returned, or its result vanished; a probe not reached because an
earlier one stopped the kernel; the kernel already dead): a test's points never rest on the
notebook's own verdict alone. A probe spec is data (it travels to remote workers); each assignment
keeps its own in ``assignments/<name>/probes.toml``, one table per probe:

    [[probe]]
    function = "sigmoid"
    reference = "nanoprop.sigmoid"
    args = [{ normal = [4, 3] }, { value = 0.5 }]
    grade_ids = ["test_sigmoid"]

Arguments: ``{"normal": shape}`` (standard normal floats; ``"scale": s`` multiplies them),
``{"uniform": [low, high]}`` (one Python float drawn in that range), ``{"value": x}`` (a Python
float, or a string if ``x`` is one), ``{"labels": [n, classes]}`` (integers in [0, classes)),
``{"tuple": [arguments]}``, and ``{"cache_of": "nanoprop.f", "args": [arguments], "pick": 1}``:
what the reference ``f`` returns at position ``pick`` (a backward pass's cache, made by the
reference forward pass); with ``"construct"`` (below), ``f`` names a method of a reference class
(``"nanoprop.MLP.forward"``) called on an instance built that way. A cache may hold ``None``.
``"kwargs": {name: argument}`` passes keyword arguments, drawn the same way.

Optional keys: ``"pick": k`` compares only the k-th returned value (``(out, cache)``: 0; a dict of
gradients: its key, ``"W1"``; ``"output"`` names it in messages), and ``"rebind": {"g":
"nanoprop.g"}``: the learner's function runs with the reference's ``g`` in place of the learner's
own, so one bug is not charged twice. The reference itself never enters the kernel: the grader runs
the reference composite on the same inputs with its parts recorded (:func:`parts_table`), and the
kernel answers each call of ``g`` that lies on that path from the record (``checks.parts_from``,
wherever the learner's code calls it: in helpers and methods too); a call off the path is the
learner's own ``g``.

Methods: ``function = "MLP.forward"`` with ``"construct": {"args": [...], "kwargs": {...}}`` (plain
TOML values; ``"biases": seed`` then draws every bias from that seed, as :func:`construct` does on
both sides) builds the notebook's class ``MLP(*args, **kwargs)`` and calls its method ``forward``
(which the notebook's class itself must define, without ``super()``: an inherited or delegated
method is not the learner's); ``reference = "nanoprop.MLP"`` names the reference class, built with
the same arguments (so the same seed, the same parameters). ``rebind`` applies to the method.

Expressions (a4's ``Value``): ``function = "Value"`` with ``"expression": "a * b + a"`` builds one
leaf ``Value(x)`` per argument (named a, b, c, ... in order; draw them with ``uniform``), evaluates
the expression on them, calls ``.backward()`` on the result and compares ``[out.data, a.grad,
b.grad, ...]`` with the same done by ``reference = "nanoprop.Value"``. With ``"local": true`` the
output's own ``_backward`` is called once (its grad set to 1) instead of ``backward()``: one
operation's local derivative, apart from the engine's ordering.

Properties (a6's ``minibatches``): ``"property": "minibatches"`` compares no values with the
reference. Its arguments: ``{"rows": [n, d]}`` (an (n, d) array whose row i holds i*d, ..., i*d +
d-1), ``{"index": n}`` (the labels 0, ..., n-1), ``{"value": batch_size}`` and ``{"rng": true}`` (the
kernel gets ``numpy.random.default_rng`` of a drawn seed). The kernel saves one row [batch number,
label, X row] per example yielded; the grader checks every example comes exactly once, batches of
``batch_size`` rows (the last may be smaller), rows and labels kept together, and an order that is
not the original one: any honest shuffle passes.

Training (a6's ``train``): ``{"model": "nanoprop.MLP", "construct": {...}}`` is an argument built
from the reference by the grader, and from the class of that name that the assignment gives
(``given.MLP``) by the kernel; ``{"integer": [low, high]}``
draws an int; ``{"none": true}`` is None; ``{"dataset": ["nanoprop.load_digits", seed,
"X_train"]}`` is an array of a reference data set. With ``"property": "trains"`` the kernel saves
the model's parameters after the call (the first argument's ``params``, flattened in key order);
the grader loads them into its own model and requires an accuracy ``"at_least"`` on
``"accuracy_on": [X, y]`` (two ``dataset`` values): the learner's own training, judged by what it
produced.

Shapes are best all different (N=5, D=4, M=3, ...), so that a transposed result cannot pass.
"""

import builtins
import copy
import functools
import importlib
import inspect
import io
import json
import keyword
import os
import stat
import tokenize
import tomllib
from collections.abc import Callable

import numpy as np

MAX_RESULT_BYTES = 16 * 1024**2
# Kept for the flag's kind: a probe that could not run is an ``Unchecked`` verdict.
UNCHECKED = "unchecked"
RTOL, ATOL = 1e-6, 1e-8
LEAVES = "abcdefgh"  # the names of an expression's leaves, in the order of its arguments


class Unchecked(str):
    """The verdict of a probe that could not run; its text says which and why. It scores 0, like a
    failed probe (a test's points never rest on the notebook's own verdict alone)."""


class NotReached(Unchecked):
    """An ``Unchecked`` probe that was never called, because an earlier one stopped the kernel or
    the kernel died before the first (the grader may try it again in a fresh kernel)."""


class RngSeed(int):
    """An argument the kernel receives as ``numpy.random.default_rng(seed)``."""


class Built:
    """An object of the reference built from plain data (``{"model": ...}``): the grader's call
    gets ``value``; the kernel builds its own from ``layout``."""

    def __init__(self, value, layout):
        self.value, self.layout = value, layout


def load(source_folder: str, assignment: str) -> list[dict]:
    """The probe specs of an assignment: the ``[[probe]]`` tables of its ``probes.toml``."""
    path = os.path.join(source_folder, assignment, "probes.toml")
    if not os.path.exists(path):
        return []
    with open(path, "rb") as fh:
        return tomllib.load(fh).get("probe", [])


def _draw(arg, rng):
    if "normal" in arg:
        return rng.normal(size=tuple(arg["normal"])) * arg.get("scale", 1.0)
    if "uniform" in arg:
        low, high = arg["uniform"]
        return float(rng.uniform(low, high))
    if "value" in arg:
        value = arg["value"]
        return value if isinstance(value, (str, int)) and not isinstance(value, bool) else float(value)
    if "labels" in arg:
        n, classes = arg["labels"]
        return rng.integers(0, classes, size=n)
    if "rows" in arg:  # row i of an (n, d) array holds i*d, ..., i*d + d-1 (it says its own index)
        n, d = arg["rows"]
        return np.arange(n * d, dtype=float).reshape(n, d)
    if "index" in arg:  # 0, 1, ..., n-1: labels that say their own index
        return np.arange(arg["index"])
    if "none" in arg:
        return None
    if "rng" in arg:
        return RngSeed(int(rng.integers(2**31)))
    if "integer" in arg:
        low, high = arg["integer"]
        return int(rng.integers(low, high))
    if "dataset" in arg:  # ["nanoprop.load_digits", seed, "X_train"]: an array of a reference data set
        loader, seed, field = arg["dataset"]
        return np.asarray(getattr(_resolve(loader)(seed=seed), field))
    if "model" in arg:
        how = arg.get("construct", {})
        return Built(construct(_resolve(arg["model"]), how), {"model": arg["model"], "construct": how})
    if "tuple" in arg:
        return tuple(_draw(a, rng) for a in arg["tuple"])
    if "cache_of" in arg:
        return _call(arg["cache_of"], arg.get("construct"))(*[_draw(a, rng) for a in arg["args"]])[
            arg["pick"]
        ]
    raise ValueError(
        f"probe argument {arg!r}: use normal, uniform, value, labels, rows, index, rng, tuple or cache_of"
    )


def make_inputs(spec: dict, rng: np.random.Generator) -> list:
    """The arguments of one probe, drawn by the grader."""
    return [_draw(arg, rng) for arg in spec["args"]]


def _resolve(dotted):
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


def construct(cls, how):
    """``cls(*args, **kwargs)`` as ``how`` says; with ``"biases": seed``, every bias ``b*`` of its
    ``params`` is then drawn from that seed (fresh models have zero biases, behind which a
    forgotten bias hides). The kernel builds the notebook's class the same way."""
    instance = cls(*how.get("args", []), **how.get("kwargs", {}))
    if "biases" in how:
        rng = np.random.default_rng(how["biases"])
        for k in sorted(instance.params):
            if k.startswith("b"):
                instance.params[k] = rng.normal(0.0, 0.5, size=instance.params[k].shape)
    return instance


def _call(dotted, how=None):
    """The reference function ``dotted``; with ``how`` (a ``construct`` table), ``dotted`` is
    ``module.Class.method`` and the method is bound to an instance built that way."""
    if how is None:
        return _resolve(dotted)
    owner, _, method = dotted.rpartition(".")
    return getattr(construct(_resolve(owner), how), method)


def _expression(cls, expression, xs, local=False):
    leaves = [cls(x) for x in xs]
    out = eval(expression, {"__builtins__": {}}, dict(zip(LEAVES, leaves)))  # the grader's own spec
    if local:
        out.grad = 1.0
        out._backward()
    else:
        out.backward()
    return [out.data] + [leaf.grad for leaf in leaves]


def resolve_reference(name: str):
    """What ``checks.reference.<name>`` stands for when answers are recorded: nanoprop's ``name``
    (from the package, or from the one of its modules that defines it), or a helper built on it."""
    import nanoprop

    if name == "expression_gradients":
        return expression_gradients
    if hasattr(nanoprop, name):
        return getattr(nanoprop, name)
    modules = [m for m in vars(nanoprop).values() if inspect.ismodule(m) and hasattr(m, name)]
    if not modules:
        raise AttributeError(f"nanoprop has no {name!r}")
    return getattr(modules[0], name)


def parts_table(spec: dict, args: list) -> dict:
    """The answers the reference's own parts (``rebind``) give on the path the reference composite
    takes for ``args``: the kernel runs the learner's composite with them (``checks.parts_from``),
    so a bug in a part is not charged to the composite too."""
    from checks import recorded
    from checks.calling import rebind

    root = recorded.answers_from({})
    method = spec["function"].rpartition(".")[2]
    fn = _call(spec["reference"] + "." + method, spec["construct"]) if "construct" in spec else None
    fn = fn or _resolve(spec["reference"])
    names = list(spec["rebind"])
    with recorded.recording(resolve_reference, root) as answers:
        stand_ins = recorded.stand_ins(root, getattr(fn, "__func__", fn).__globals__, names)
        result = rebind(fn, **stand_ins)(*copy.deepcopy([_plain(a) for a in args]))
        if inspect.isgenerator(result):
            list(result)
    return answers


def _plain(arg):
    return (
        copy.deepcopy(arg.value)
        if isinstance(arg, Built)
        else (np.random.default_rng(int(arg)) if isinstance(arg, RngSeed) else arg)
    )


def expression_gradients(expression: str, xs, local: bool = False) -> list[float]:
    """[out.data, a.grad, b.grad, ...] of ``expression`` built on the reference's ``Value`` leaves
    with data ``xs`` (a4's checks, recorded at build time, and its probes)."""
    import nanoprop

    return _expression(nanoprop.Value, expression, xs, local)


def reference(spec: dict) -> Callable:
    """The reference function of a probe, returning only what the probe compares."""
    if "expression" in spec:
        cls = _resolve(spec["reference"])
        return lambda *xs: _expression(cls, spec["expression"], xs, spec.get("local", False))
    if "construct" in spec:
        method = spec["function"].rpartition(".")[2]
        fn = _call(spec["reference"] + "." + method, spec["construct"])
    else:
        fn = _resolve(spec["reference"])
    if "pick" not in spec:
        return fn
    return lambda *args: fn(*args)[spec["pick"]]


def _open_folder(folder):
    """The probe folder, opened without following a link (it lies in the learner's folder,
    where their code may replace anything with a link or a pipe while the grader works)."""
    return os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)


def _write(dir_fd, name, data, owner):
    fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644, dir_fd=dir_fd)
    try:
        os.write(fd, data)
        if owner is not None:
            os.fchown(fd, owner, owner)
    finally:
        os.close(fd)


def _read(dir_fd, name, limit):
    """A regular file's bytes (no link, no pipe, at most ``limit`` bytes), else OSError."""
    fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=dir_fd)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            raise OSError(f"{name} is not a regular file of at most {limit} bytes")
        return os.read(fd, limit + 1)[:limit]
    finally:
        os.close(fd)


def _save(dir_fd, stem, value, owner):
    """Save an argument as .npy files; return its layout (how to put it together again)."""
    if isinstance(value, (tuple, list)):
        kind = "tuple" if isinstance(value, tuple) else "list"
        return {kind: [_save(dir_fd, f"{stem}_{k}", v, owner) for k, v in enumerate(value)]}
    if value is None:
        return {"none": True}
    if isinstance(value, RngSeed):
        return {"rng": int(value)}
    if isinstance(value, Built):
        return value.layout
    if isinstance(value, str):
        return {"str": value}
    if isinstance(value, int) and not isinstance(value, (bool, np.integer)):
        return {"int": value}
    if isinstance(value, float):
        return {"float": value}
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(value), allow_pickle=False)
    _write(dir_fd, stem + ".npy", buffer.getvalue(), owner)
    return {"npy": stem + ".npy"}


# Runs in the learner's kernel after the notebook: call, convert to float, save. Everything the
# learner could tamper with here only changes the numbers, which are judged outside. The status
# file is rewritten before and after each call, so a call that ends the kernel or never returns
# is known ("running") and the calls before it keep their results.
KERNEL_CODE = r"""
def __course_probe(folder):
    import importlib as _il, json as _json, os as _os, types as _types
    import numpy as _np
    _specs = _json.load(open(_os.path.join(folder, "specs.json")))
    _layouts = _json.load(open(_os.path.join(folder, "layouts.json")))
    def _load(_l):
        if "float" in _l:
            return float(_l["float"])
        if "int" in _l:
            return int(_l["int"])
        if "str" in _l:
            return str(_l["str"])
        if "none" in _l:
            return None
        if "rng" in _l:
            return _np.random.default_rng(int(_l["rng"]))
        if "model" in _l:  # the assignment's own class of that name, from what it gives
            _cls = getattr(_il.import_module("given"), _l["model"].rpartition(".")[2])
            return _build(_cls, _l["construct"])
        if "npy" in _l:
            return _np.load(_os.path.join(folder, _l["npy"]), allow_pickle=False)
        _parts = [_load(_p) for _p in _l.get("tuple", _l.get("list"))]
        return tuple(_parts) if "tuple" in _l else _parts
    _out = {}
    def _report():
        _tmp = _os.path.join(folder, "status.tmp")
        with open(_tmp, "w") as _fh:
            _json.dump(_out, _fh)
        _os.replace(_tmp, _os.path.join(folder, "status.json"))
    def _build(_cls, _c):
        _obj = _cls(*_c.get("args", []), **_c.get("kwargs", {}))
        if "biases" in _c:
            _g = _np.random.default_rng(_c["biases"])
            for _k in sorted(_obj.params):
                if _k.startswith("b"):
                    _obj.params[_k] = _g.normal(0.0, 0.5, size=_obj.params[_k].shape)
        return _obj
    def _arrays(_v):
        if isinstance(_v, _np.ndarray):
            return [_v]
        if isinstance(_v, (tuple, list)):
            return [_a for _x in _v for _a in _arrays(_x)]
        return []
    def _run(_i, _spec):
        _name = _spec["function"]
        _args = [_load(_l) for _l in _layouts[_i]]
        if "expression" in _spec:
            _cls = globals().get(_name)
            if not isinstance(_cls, type):
                return "not defined"
            _leaves = [_cls(_a) for _a in _args]
            _o = eval(_spec["expression"], {"__builtins__": {}}, dict(zip(%(leaves)r, _leaves)))
            if _spec.get("local"):
                _o.grad = 1.0
                _o._backward()
            else:
                _o.backward()
            _r = [_o.data] + [_l.grad for _l in _leaves]
        else:
            _owner, _, _method = _name.rpartition(".")
            if _owner:
                _cls = globals().get(_owner)
                if not isinstance(_cls, type):
                    return "not defined"
                _fn = _cls.__dict__.get(_method)
                if not isinstance(_fn, _types.FunctionType):
                    return "not defined in the notebook's class " + _owner
                if "super" in _fn.__code__.co_names:
                    return "calls super(): the reference's own method, not the notebook's"
            else:
                _fn = globals().get(_name)
                if not callable(_fn):
                    return "not defined"
            if _owner:
                _fn = _types.MethodType(_fn, _build(_cls, _spec.get("construct", {})))
            _given = _arrays(_args)
            _before = [_g.copy() for _g in _given]
            if _spec.get("rebind"):  # the reference's parts, answered on the reference's path
                import checks as _checks
                _table = _json.load(open(_os.path.join(folder, "parts_%%d.json" %% _i)))
                with _checks.parts_from(_checks.answers_from(_table), globals(), list(_spec["rebind"])):
                    _r = _fn(*_args)
                    if _spec.get("property") == "minibatches" or hasattr(_r, "__next__"):
                        _r = list(_r)
            else:
                _r = _fn(*_args)
            if _spec.get("property") == "minibatches":
                _rows = []
                for _k, _b in enumerate(_r):
                    _xb, _yb = _b
                    _xb = _np.array(_xb, dtype=float, copy=True)
                    _yb = _np.array(_yb, dtype=float, copy=True).reshape(-1)
                    _ks = _np.full(len(_yb), float(_k))
                    _rows.append(_np.column_stack([_ks, _yb, _xb.reshape(len(_yb), -1)]))
                    if len(_rows) > 10000:
                        break
                _r = _np.concatenate(_rows) if _rows else _np.zeros((0, 2))
            elif _spec.get("property") == "trains":
                _p = _args[0].params
                _r = _np.concatenate([_np.array(_p[_k], dtype=float).reshape(-1) for _k in sorted(_p)])
            elif "pick" in _spec:
                _r = _r[_spec["pick"]]
            for _g, _b in zip(_given, _before):
                if not _np.array_equal(_g, _b, equal_nan=True):
                    return "changed an input array in place (the caller still needs it): compute a new one"
        _a = _np.array(_r, dtype=float, copy=True)
        _np.save(_os.path.join(folder, f"out_{_i}.npy"), _a, allow_pickle=False)
        return "ok"
    for _i, _spec in enumerate(_specs):
        _out[_i] = "running"
        _report()
        try:
            _out[_i] = _run(_i, _spec)
        except KeyboardInterrupt:
            return  # the grader's time limit: the status still says this call was running
        except BaseException as _e:
            _out[_i] = "raised " + type(_e).__name__ + ": " + str(_e)[:200]
        _report()
__course_probe(%(folder)r)
del __course_probe
"""


def kernel_code(folder: str) -> str:
    """The code the kernel runs for the probes prepared in ``folder`` (as the kernel sees it)."""
    return KERNEL_CODE % {"folder": folder, "leaves": LEAVES}


def prepare(folder: str, specs: list[dict], seed: int, owner: int | None = None) -> list[list]:
    """Write the specs and inputs into a new folder for the kernel (owned by ``owner``, a user
    id, if given); return the inputs, for judging."""
    os.makedirs(folder, exist_ok=True)
    dir_fd = _open_folder(folder)
    try:
        rng = np.random.default_rng(seed)
        inputs, layouts = [], []
        for i, spec in enumerate(specs):
            args = make_inputs(spec, rng)
            layouts.append([_save(dir_fd, f"in_{i}_{k}", a, owner) for k, a in enumerate(args)])
            inputs.append(args)
            if spec.get("rebind"):
                _write(dir_fd, f"parts_{i}.json", json.dumps(parts_table(spec, args)).encode(), owner)
        for name, data in (("specs.json", specs), ("layouts.json", layouts)):
            _write(dir_fd, name, json.dumps(data).encode(), owner)
        if owner is not None:
            os.fchown(dir_fd, owner, owner)
    finally:
        os.close(dir_fd)
    return inputs


def judge(folder: str, specs: list[dict], inputs: list[list], why: str = "") -> dict[int, str | None]:
    """Compare the kernel's saved results with nanoprop: {index: None, a problem, or an
    ``Unchecked`` problem}. ``why``: what the grader saw of the kernel (it ended, it timed out),
    said of the call that was running when the probes stopped."""
    try:
        dir_fd = _open_folder(folder)
    except OSError:
        return {
            i: Unchecked(f"{_label(spec)}: the grader's folder for the check was removed or replaced")
            for i, spec in enumerate(specs)
        }
    try:
        return _judge(dir_fd, specs, inputs, why)
    finally:
        os.close(dir_fd)


def _label(spec):
    return spec["function"] + (f" ({spec['output']})" if "output" in spec else "")


def _judge(dir_fd, specs, inputs, why):
    try:
        status = {int(k): str(v) for k, v in json.loads(_read(dir_fd, "status.json", 2**20)).items()}
    except (OSError, ValueError, AttributeError):
        status = {}
    culprit = next(
        (specs[i]["function"] for i in sorted(status) if status[i] == "running" and i < len(specs)), None
    )
    verdicts = {}
    for i, spec in enumerate(specs):
        name = _label(spec)
        state = status.get(i)
        if state is None:
            if culprit:
                verdicts[i] = NotReached(
                    f"{name}: never called, because the check of {culprit} stopped the kernel"
                )
            else:
                kind = NotReached if not status else Unchecked  # no check started: worth another kernel
                verdicts[i] = kind(f"{name}: the check never reported ({why or 'its status was lost'})")
            continue
        if state == "running":
            verdicts[i] = Unchecked(f"{name}: the call did not return ({why or 'the kernel stopped'})")
            continue
        if state != "ok":
            verdicts[i] = f"{name}: {state}"
            continue
        try:
            got = np.load(io.BytesIO(_read(dir_fd, f"out_{i}.npy", MAX_RESULT_BYTES)), allow_pickle=False)
        except OSError:
            verdicts[i] = f"{name}: no usable result was saved"
            continue
        except ValueError as exc:
            verdicts[i] = f"{name}: its result could not be read ({exc})"
            continue
        if spec.get("property") == "minibatches":
            verdicts[i] = _judge_minibatches(name, got, *inputs[i][:3])
            continue
        if spec.get("property") == "trains":
            verdicts[i] = _judge_training(name, got, spec, inputs[i][0].value)
            continue
        args = [a.value if isinstance(a, Built) else a for a in inputs[i]]
        want = np.asarray(reference(spec)(*args), dtype=float)
        if want.ndim == 0 and got.size == 1:
            got = got.reshape(())  # a number returned as a one-element array, as the notebook allows
        if got.shape == want.shape and got.dtype.kind == "f" and np.allclose(got, want, rtol=RTOL, atol=ATOL):
            verdicts[i] = None
        else:
            verdicts[i] = f"{name}: on fresh inputs, {_difference(got, want, spec, args)}"
    return verdicts


def _difference(got, want, spec, args):
    """What is wrong with a result, in the words the visible tests use (``checks.assert_result``:
    a wrong sign, a missing 1/N, a transposed array...), or where it differs most."""
    from checks.compare import assert_result
    from checks.messages import Mistake

    what = spec.get("output", spec["function"])
    first = next((a for a in args if isinstance(a, np.ndarray)), None)
    batch = first.shape[0] if first is not None and first.ndim >= 2 else None
    if got.dtype.kind == "f":
        got = got.astype(np.float64)  # float32 passes when its values are right: not the problem here
    try:
        assert_result(got, want, what, batch=batch, rtol=RTOL, atol=ATOL)
    except Mistake as exc:
        return str(exc)
    return f"{what} differs from the reference's result"  # cannot happen: the comparison above failed


def _judge_training(name, got, spec, model):
    """The parameters a ``train`` probe left in its model, loaded into the grader's own copy of
    the model and scored on the data of ``"accuracy_on"``: None or the problem."""
    sizes = {k: v.size for k, v in model.params.items()}
    if got.dtype.kind != "f" or got.shape != (sum(sizes.values()),):
        return f"{name}: the model's parameters came back with the wrong shapes"
    start = 0
    for k in sorted(model.params):
        model.params[k] = got[start : start + sizes[k]].reshape(model.params[k].shape)
        start += sizes[k]
    X, y = (_draw({"dataset": d}, None) for d in spec["accuracy_on"])
    score = float(np.mean(model.predict(X) == y))
    if not score >= spec["at_least"]:
        return f"{name}: the trained model's accuracy is {score:.3f}, below {spec['at_least']}"
    return None


def _judge_minibatches(name, got, X, y, batch_size):
    """The batches a ``minibatches`` probe saved (rows of [batch number, y, X...]) checked for what
    an epoch must be, whatever the shuffle: None or the problem."""
    n, d = X.shape
    if got.dtype.kind != "f" or got.ndim != 2 or got.shape[1] != 2 + d:
        return f"{name}: did not yield (X_batch, y_batch) pairs of the right shapes"
    batch, labels, rows = got[:, 0], got[:, 1], got[:, 2:]
    if sorted(labels.tolist()) != list(range(n)):
        return f"{name}: an epoch must use every example exactly once ({len(labels)} rows for {n} examples)"
    sizes = np.bincount(batch.astype(int)).tolist() if batch.size else []
    want = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    if sizes != want or not np.array_equal(batch, np.sort(batch)):
        return f"{name}: batch sizes {sizes}, expected {want}"
    if not np.array_equal(rows, X[labels.astype(int)]):
        return f"{name}: the rows of X_batch and the labels in y_batch no longer belong together"
    if np.array_equal(labels, np.arange(n)):
        return f"{name}: the examples are not shuffled"
    return None


_KEEP = set(keyword.kwlist) | set(dir(builtins)) | {"np", "self", "math"}


def normal_lines(source: str) -> set[str]:
    """The logical lines of ``source`` with its own names blanked (``dx = dout @ W.T`` and ``g =
    up @ M.T`` are one line ``_ = _ @ _.T``; attributes, numbers, strings and numpy's names are
    kept) and its spacing and line breaks ignored, and its comments, each a line of its own: what a
    copy keeps when its variables are renamed or it is reformatted. Short lines (``return _``)
    are left out."""
    out, line, after_dot = set(), [], False
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return set()
    for tok in tokens:
        if tok.type == tokenize.COMMENT:
            text = " ".join(tok.string.lstrip("#").split())
            if len(text) > 12:
                out.add("# " + text)
        elif tok.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
            text = " ".join(line)
            if len(text) > 12 and not text.startswith(("def ", "class ")):
                out.add(text)
            line = []
        elif tok.type not in (tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING):
            blank = tok.type == tokenize.NAME and not after_dot and tok.string not in _KEEP
            line.append("_" if blank else tok.string)
            after_dot = tok.string == "."
    return out


@functools.lru_cache(maxsize=1)
def _reference_functions():
    import nanoprop

    out = {}
    for mod in vars(nanoprop).values():
        if inspect.ismodule(mod) and mod.__name__.startswith("nanoprop."):
            for name, fn in vars(mod).items():
                if inspect.isfunction(fn) and fn.__module__ == mod.__name__:
                    out[f"{mod.__name__}.{name}"] = normal_lines(inspect.getsource(fn))
            for name, cls in vars(mod).items():
                if inspect.isclass(cls) and cls.__module__ == mod.__name__:
                    for attr, fn in vars(cls).items():
                        if inspect.isfunction(fn):
                            out[f"{mod.__name__}.{name}.{attr}"] = normal_lines(inspect.getsource(fn))
    return out


def copied_from_reference(source: str, baseline: str = "", min_lines: int = 3) -> list[str]:
    """Names of nanoprop functions of which ``source`` repeats at least ``min_lines`` lines (see
    :func:`normal_lines`: renaming and reformatting do not hide a copy) that ``baseline`` does not
    hold. The baseline is the assignment's source notebook: what the notebook gives (templates,
    signatures, docstrings) and the instructor's own solution, whose lines are the ones the
    specification forces on every correct answer (``dx = dout @ W.T``); only what goes beyond them
    (the reference's own comments, docstrings and turns of phrase) can tell a copy."""
    mine = normal_lines(source) - normal_lines(baseline)
    return sorted(name for name, lines in _reference_functions().items() if len(mine & lines) >= min_lines)
