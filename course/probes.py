"""Judging a learner's functions outside their kernel.

A notebook's own tests run inside the learner's kernel, where a fake ``__eq__``, an array subclass
or a monkeypatched ``numpy.allclose`` can make any assertion pass. A probe does not trust that:

1. the grader draws inputs (from a seed the learner never sees) and saves them as ``.npy``;
2. after the notebook ran, the kernel calls the learner's function on them and saves the result
   as a plain float array (no pickles: nothing of the learner's objects crosses over);
3. the grader computes the same call with ``nanoprop`` in its own process and compares.

A probe that fails zeroes the test cells it guards (an error output is added to them, so the
feedback says why) and flags the submission. A probe spec is data (it travels to remote workers):

    {"notebook": "a1_neuron", "function": "sigmoid", "reference": "nanoprop.sigmoid",
     "args": [{"normal": [4, 3]}, {"value": 0.5}], "grade_ids": ["test_sigmoid"]}

Specs come from ``<source>/<assignment>/probes.json`` when present, else from ``BUILTIN``.
"""
import functools
import importlib
import inspect
import json
import os
import re

import numpy as np

def _same_name(notebook, module, names, shape=(7, 5)):
    """Probes for functions that take one array and share their name with nanoprop's."""
    return [{"notebook": notebook, "function": n, "reference": f"{module}.{n}",
             "args": [{"normal": list(shape)}], "grade_ids": [f"test_{n}"]} for n in names]


# Probes of the course's own assignments, by assignment (kept next to nothing the learner sees).
BUILTIN = {
    "a1_neuron": _same_name("a1_neuron", "nanoprop.activations",
                            ["sigmoid", "sigmoid_prime", "tanh", "tanh_prime"]) + [
        {"notebook": "a1_neuron", "function": "neuron", "reference": "nanoprop.neuron",
         "args": [{"normal": [6]}, {"normal": [6]}, {"value": 0.3}], "grade_ids": ["test_neuron"]}],
    "a3_loss": _same_name("a3_loss", "nanoprop.losses", ["softmax"]),
}

MAX_RESULT_BYTES = 16 * 1024**2
# The kernel never reported (it was out of memory, or the check was sabotaged): the notebook's
# own result stands, and the submission is flagged for a look by hand.
UNCHECKED = "unchecked"
RTOL, ATOL = 1e-6, 1e-8


def load(source_folder, assignment):
    """The probe specs of an assignment (a list of dicts)."""
    path = os.path.join(source_folder, assignment, "probes.json")
    if os.path.exists(path):
        with open(path) as fh:
            return json.load(fh)
    return list(BUILTIN.get(assignment, []))


def make_inputs(spec, rng):
    """The arguments of one probe, drawn by the grader."""
    args = []
    for arg in spec["args"]:
        if "normal" in arg:
            args.append(rng.normal(size=tuple(arg["normal"])))
        elif "value" in arg:
            args.append(np.asarray(arg["value"], dtype=float))
        else:
            raise ValueError(f"probe argument {arg!r}: use {{'normal': shape}} or {{'value': number}}")
    return args


def reference(spec):
    module, _, name = spec["reference"].rpartition(".")
    return getattr(importlib.import_module(module), name)


# Runs in the learner's kernel after the notebook: call, convert to float, save. Everything the
# learner could tamper with here only changes the numbers, which are judged outside.
KERNEL_CODE = r'''
def __course_probe(folder):
    import json as _json, os as _os, sys as _sys
    import numpy as _np
    _specs = _json.load(open(_os.path.join(folder, "specs.json")))
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
        _args = [_np.load(_os.path.join(folder, f"in_{_i}_{_k}.npy"), allow_pickle=False)
                 for _k in range(len(_spec["args"]))]
        try:
            _r = _fn(*_args)
            _a = _np.array(_r, dtype=float, copy=True)
            _np.save(_os.path.join(folder, f"out_{_i}.npy"), _a, allow_pickle=False)
            _out[_i] = "ok"
        except BaseException as _e:
            _out[_i] = "raised " + type(_e).__name__ + ": " + str(_e)[:200]
    _json.dump(_out, open(_os.path.join(folder, "status.json"), "w"))
__course_probe(%r)
del __course_probe
'''


def prepare(folder, specs, seed):
    """Write the specs and inputs into the kernel's folder; return the inputs for judging."""
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(seed)
    inputs = []
    for i, spec in enumerate(specs):
        args = make_inputs(spec, rng)
        for k, a in enumerate(args):
            np.save(os.path.join(folder, f"in_{i}_{k}.npy"), a, allow_pickle=False)
        inputs.append(args)
    with open(os.path.join(folder, "specs.json"), "w") as fh:
        json.dump(specs, fh)
    return inputs


def judge(folder, specs, inputs):
    """Compare the kernel's saved results with nanoprop: {index: None, a problem, or UNCHECKED}."""
    try:
        with open(os.path.join(folder, "status.json")) as fh:
            status = {int(k): v for k, v in json.load(fh).items()}
    except (OSError, ValueError):
        status = {}
    verdicts = {}
    for i, spec in enumerate(specs):
        name = spec["function"]
        if i not in status:
            verdicts[i] = UNCHECKED
            continue
        state = status[i]
        if state != "ok":
            verdicts[i] = f"{name}: {state}"
            continue
        path = os.path.join(folder, f"out_{i}.npy")
        if not os.path.exists(path) or os.path.getsize(path) > MAX_RESULT_BYTES:
            verdicts[i] = f"{name}: no usable result was saved"
            continue
        try:
            got = np.load(path, allow_pickle=False)
        except ValueError as exc:
            verdicts[i] = f"{name}: its result could not be read ({exc})"
            continue
        want = np.asarray(reference(spec)(*inputs[i]), dtype=float)
        if got.shape != want.shape:
            verdicts[i] = f"{name}: returned shape {got.shape}, the reference gives {want.shape}"
        elif not np.allclose(got, want, rtol=RTOL, atol=ATOL, equal_nan=False):
            err = float(np.max(np.abs(got - want))) if got.size else 0.0
            verdicts[i] = f"{name}: disagrees with the reference on fresh inputs (max difference {err:.3g})"
        else:
            verdicts[i] = None
    return verdicts


def _normal_lines(source):
    return {ln.strip() for ln in source.splitlines() if len(ln.strip()) > 8 and not ln.strip().startswith("#")}


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


def copied_from_reference(source, min_lines=3):
    """Names of nanoprop functions sharing at least ``min_lines`` distinctive lines with source."""
    mine = _normal_lines(source)
    return sorted(name for name, lines in _reference_functions().items()
                  if len(mine & lines) >= min_lines)


def mentions_reference(source):
    """True if learner code names the reference package (importing it is not allowed)."""
    return re.search(r"\bnanoprop\b", source) is not None
