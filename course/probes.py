"""Judging a learner's functions outside their kernel.

A notebook's own tests run inside the learner's kernel, where a fake ``__eq__``, an array subclass
or a monkeypatched ``numpy.allclose`` can make any assertion pass. A probe does not trust that:

1. the grader draws inputs (from a seed the learner never sees) and saves them as ``.npy``;
2. after the notebook ran, the kernel calls the learner's function on them and saves the result
   as a plain float array (no pickles: nothing of the learner's objects crosses over);
3. the grader computes the same call with ``nanoprop`` in its own process and compares.

A probe that fails zeroes the test cells it guards (an error output is added to them, so the
feedback says why) and flags the submission. A probe spec is data (it travels to remote workers);
each assignment keeps its own in ``assignments/<name>/probes.toml``, one table per probe:

    [[probe]]
    function = "sigmoid"
    reference = "nanoprop.sigmoid"
    args = [{ normal = [4, 3] }, { value = 0.5 }]
    grade_ids = ["test_sigmoid"]

Arguments: ``{"normal": shape}`` (standard normal floats; ``"scale": s`` multiplies them),
``{"value": number}`` (a Python float), ``{"labels": [n, classes]}`` (integers in [0, classes)),
``{"tuple": [arguments]}``, and ``{"cache_of": "nanoprop.f", "args": [arguments], "pick": 1}``:
what the reference ``f`` returns at position ``pick`` (a backward pass's cache, made by the
reference forward pass). Optional keys: ``"pick": k`` compares only the k-th returned value
(``(out, cache)``: 0; ``"output"`` names it in messages), and ``"rebind": {"g": "nanoprop.g"}``
runs the learner's function with the reference ``g`` in place of the learner's own
(``checks.rebind``, as the notebook's tests do), so one bug is not charged twice.

Shapes are best all different (N=5, D=4, M=3, ...), so that a transposed result cannot pass.
"""

import functools
import importlib
import inspect
import io
import json
import os
import re
import stat
import tomllib
from collections.abc import Callable

import numpy as np

MAX_RESULT_BYTES = 16 * 1024**2
# The kernel never reported (it was out of memory, or the check was sabotaged): the notebook's
# own result stands, and the submission is flagged for a look by hand.
UNCHECKED = "unchecked"
RTOL, ATOL = 1e-6, 1e-8


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
    if "value" in arg:
        return float(arg["value"])
    if "labels" in arg:
        n, classes = arg["labels"]
        return rng.integers(0, classes, size=n)
    if "tuple" in arg:
        return tuple(_draw(a, rng) for a in arg["tuple"])
    if "cache_of" in arg:
        return _resolve(arg["cache_of"])(*[_draw(a, rng) for a in arg["args"]])[arg["pick"]]
    raise ValueError(f"probe argument {arg!r}: use normal, value, labels, tuple or cache_of")


def make_inputs(spec: dict, rng: np.random.Generator) -> list:
    """The arguments of one probe, drawn by the grader."""
    return [_draw(arg, rng) for arg in spec["args"]]


def _resolve(dotted):
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


def reference(spec: dict) -> Callable:
    """The reference function of a probe, returning only what the probe compares."""
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
    if isinstance(value, float):
        return {"float": value}
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(value), allow_pickle=False)
    _write(dir_fd, stem + ".npy", buffer.getvalue(), owner)
    return {"npy": stem + ".npy"}


# Runs in the learner's kernel after the notebook: call, convert to float, save. Everything the
# learner could tamper with here only changes the numbers, which are judged outside.
KERNEL_CODE = r"""
def __course_probe(folder):
    import importlib as _il, json as _json, os as _os, types as _types
    import numpy as _np
    _specs = _json.load(open(_os.path.join(folder, "specs.json")))
    _layouts = _json.load(open(_os.path.join(folder, "layouts.json")))
    def _load(_l):
        if "float" in _l:
            return float(_l["float"])
        if "npy" in _l:
            return _np.load(_os.path.join(folder, _l["npy"]), allow_pickle=False)
        _parts = [_load(_p) for _p in _l.get("tuple", _l.get("list"))]
        return tuple(_parts) if "tuple" in _l else _parts
    _out = {}
    for _i, _spec in enumerate(_specs):
        _fn = globals().get(_spec["function"])
        if not callable(_fn):
            _out[_i] = "not defined"
            continue
        _mods = set()
        for _n in getattr(getattr(_fn, "__code__", None), "co_names", ()):
            _v = getattr(_fn, "__globals__", {}).get(_n)
            _m = getattr(_v, "__module__", None) or getattr(_v, "__name__", "")
            if isinstance(_m, str) and _m.split(".")[0] == "nanoprop":
                _mods.add(_n)
        if _mods:
            _out[_i] = "calls nanoprop: " + ", ".join(sorted(_mods))
            continue
        if _spec.get("rebind") and isinstance(_fn, _types.FunctionType):
            from checks import rebind as _rebind
            _names = {}
            for _n, _dotted in _spec["rebind"].items():
                _mod, _, _attr = _dotted.rpartition(".")
                _names[_n] = getattr(_il.import_module(_mod), _attr)
            _fn = _rebind(_fn, **_names)
        _args = [_load(_l) for _l in _layouts[_i]]
        try:
            _r = _fn(*_args)
            if "pick" in _spec:
                _r = _r[_spec["pick"]]
            _a = _np.array(_r, dtype=float, copy=True)
            _np.save(_os.path.join(folder, f"out_{_i}.npy"), _a, allow_pickle=False)
            _out[_i] = "ok"
        except BaseException as _e:
            _out[_i] = "raised " + type(_e).__name__ + ": " + str(_e)[:200]
    _json.dump(_out, open(_os.path.join(folder, "status.json"), "w"))
__course_probe(%r)
del __course_probe
"""


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
        for name, data in (("specs.json", specs), ("layouts.json", layouts)):
            _write(dir_fd, name, json.dumps(data).encode(), owner)
        if owner is not None:
            os.fchown(dir_fd, owner, owner)
    finally:
        os.close(dir_fd)
    return inputs


def judge(folder: str, specs: list[dict], inputs: list[list]) -> dict[int, str | None]:
    """Compare the kernel's saved results with nanoprop: {index: None, a problem, or UNCHECKED}."""
    try:
        dir_fd = _open_folder(folder)
    except OSError:
        return {i: UNCHECKED for i in range(len(specs))}
    try:
        return _judge(dir_fd, specs, inputs)
    finally:
        os.close(dir_fd)


def _judge(dir_fd, specs, inputs):
    try:
        status = {int(k): str(v) for k, v in json.loads(_read(dir_fd, "status.json", 2**20)).items()}
    except (OSError, ValueError, AttributeError):
        status = {}
    verdicts = {}
    for i, spec in enumerate(specs):
        name = spec["function"] + (f" ({spec['output']})" if "output" in spec else "")
        if i not in status:
            verdicts[i] = UNCHECKED
            continue
        state = status[i]
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
        want = np.asarray(reference(spec)(*inputs[i]), dtype=float)
        if want.ndim == 0 and got.size == 1:
            got = got.reshape(())  # a number returned as a one-element array, as the notebook allows
        if got.shape != want.shape:
            verdicts[i] = f"{name}: returned shape {got.shape}, the reference gives {want.shape}"
        elif not np.allclose(got, want, rtol=RTOL, atol=ATOL, equal_nan=False):
            err = float(np.max(np.abs(got - want))) if got.size else 0.0
            verdicts[i] = f"{name}: disagrees with the reference on fresh inputs (max difference {err:.3g})"
        else:
            verdicts[i] = None
    return verdicts


def _normal_lines(source):
    return {
        ln.strip() for ln in source.splitlines() if len(ln.strip()) > 8 and not ln.strip().startswith("#")
    }


@functools.lru_cache(maxsize=1)
def _reference_functions():
    import nanoprop

    out = {}
    for mod in vars(nanoprop).values():
        if inspect.ismodule(mod) and mod.__name__.startswith("nanoprop."):
            for name, fn in vars(mod).items():
                if inspect.isfunction(fn) and fn.__module__ == mod.__name__:
                    out[f"{mod.__name__}.{name}"] = _normal_lines(inspect.getsource(fn))
    return out


def copied_from_reference(source: str, min_lines: int = 3) -> list[str]:
    """Names of nanoprop functions sharing at least ``min_lines`` distinctive lines with source."""
    mine = _normal_lines(source)
    return sorted(name for name, lines in _reference_functions().items() if len(mine & lines) >= min_lines)


def mentions_reference(source: str) -> bool:
    """True if learner code names the reference package (importing it is not allowed)."""
    return re.search(r"\bnanoprop\b", source) is not None
