"""The reference's answers on the visible tests' inputs, recorded when the course is built.

A visible test compares a learner's result with what the course's reference package returns
on the same inputs::

    checks.assert_close(sigmoid(z), checks.reference.sigmoid(z), "sigmoid(z)")

The reference itself is not in a learner's kit, nor in the kernel that grades a notebook.
``checks.reference.sigmoid(z)`` looks up, in the file ``expected.json`` next to the
notebook, what the reference returned for exactly this ``z`` when the notebook was built;
inputs it has never seen are an error that says so. The hidden tests, where the inputs are
fresh for every grading run, are computed by the grader, outside the learner's kernel.

How a call is found again: its *path* (``MLP([4, 5, 3], seed=0).forward(X)`` is the attribute
``MLP``, a call with those arguments, the attribute ``forward``, a call with ``X``) is turned
into a key: a SHA-256 of the names and of the exact bytes of every argument. What the reference
returned is kept if it is plain data (numbers, strings, numpy arrays, and tuples, lists and
dicts of them); anything else (a module, a model) is kept as "an object", whose attributes and
methods are looked up the same way.

The course's build records: ``with checks.recorded.recording(resolve) as answers: ...`` runs
the visible tests with ``resolve(name)`` (the real reference) behind every lookup and collects
the answers, which it writes with :func:`dump`.
"""

import hashlib
import inspect
import json
import os
from contextlib import contextmanager

import numpy as np

from .messages import Mistake

FILE = "expected.json"
_OBJECT = {"object": True}


class NotRecorded(Mistake):
    """A lookup the build never made: the visible test's inputs were changed."""


def _digest_into(h, value):
    """Feed value's type and exact contents to the hash h (TypeError for what has none)."""
    if isinstance(value, Answer):
        h.update(b"answer:" + value._key.encode())
    elif isinstance(value, np.random.Generator):  # its state: the same draws to come
        h.update(b"rng:" + json.dumps(value.bit_generator.state, sort_keys=True).encode())
    elif isinstance(value, np.ndarray):
        h.update(f"nd:{value.dtype.str}:{value.shape}:".encode())
        h.update(np.ascontiguousarray(value).tobytes())
    elif isinstance(value, np.generic):
        _digest_into(h, np.asarray(value))
    elif value is None or isinstance(value, (bool, int, float, str)):
        h.update(f"{type(value).__name__}:{value!r};".encode())
    elif isinstance(value, (tuple, list)):
        h.update(f"{type(value).__name__}:{len(value)}(".encode())
        for item in value:
            _digest_into(h, item)
        h.update(b")")
    elif isinstance(value, dict):
        h.update(f"dict:{len(value)}(".encode())
        for k in sorted(value, key=repr):
            _digest_into(h, k)
            _digest_into(h, value[k])
        h.update(b")")
    else:
        raise TypeError(f"a {type(value).__name__} cannot be looked up (only plain data can)")


def _key(parent, step, args=(), kwargs=None):
    h = hashlib.sha256(parent.encode() + b"|" + step.encode())
    _digest_into(h, tuple(args))
    _digest_into(h, dict(kwargs or {}))
    return h.hexdigest()[:32]


def encode(value):
    """Plain data -> JSON-ready data (floats kept exactly), or None if it is not plain."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf":
            return None
        return {"array": value.tolist(), "dtype": value.dtype.str, "shape": list(value.shape)}
    if isinstance(value, np.generic):
        return {"scalar": value.item(), "dtype": value.dtype.str} if value.dtype.kind in "biuf" else None
    if value is None or isinstance(value, (bool, int, float, str)):
        return {"value": value}
    if isinstance(value, (tuple, list)):
        items = [encode(v) for v in value]
        return None if None in items else {type(value).__name__: items}
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        items = {k: encode(v) for k, v in value.items()}
        return None if None in items.values() else {"dict": items}
    return None


def decode(data):
    """The inverse of :func:`encode` (a fresh copy each time)."""
    if "array" in data:
        return np.array(data["array"], dtype=np.dtype(data["dtype"])).reshape(data["shape"])
    if "scalar" in data:
        return np.dtype(data["dtype"]).type(data["scalar"])
    if "value" in data:
        return data["value"]
    if "tuple" in data:
        return tuple(decode(v) for v in data["tuple"])
    if "list" in data:
        return [decode(v) for v in data["list"]]
    return {k: decode(v) for k, v in data["dict"].items()}


class _Book:
    """Where answers come from: a recorded file (or dict), or the live reference while recording."""

    def __init__(self, answers=None, path=None):
        self.answers, self.path, self.resolve, self.loaded_from = answers, path, None, None

    def lookup(self, key, what):
        stale = self.answers is None or self.loaded_from != os.path.abspath(self.path or "")
        if self.path and self.resolve is None and stale:
            self.load(self.path)
        if key not in self.answers:
            raise NotRecorded(
                f"The course recorded no expected result for {what} with these inputs. The "
                "visible tests compare with results recorded for their own inputs: run the "
                "test cell as it was given (and the set-up cell above it), without changing it."
            )
        return self.answers[key]

    def load(self, path):
        try:
            with open(path, encoding="utf-8") as fh:
                self.answers = json.load(fh)
        except FileNotFoundError:
            raise Mistake(
                f"{FILE} is missing: it holds the expected results of the visible tests and "
                "comes with the assignment. Keep it in the folder of the notebook."
            ) from None
        self.loaded_from = os.path.abspath(path)


def _signature(fn):
    """[(parameter, encoded default or None)] of a plain function, or None."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return None
    out = []
    for p in params:
        if p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
            return None
        default = None if p.default is p.empty else encode(p.default)
        if p.default is not p.empty and default is None:
            return None
        out.append([p.name, default])
    return out


class Answer:
    """Something the reference gave: a module, a function, an object (see the module's doc)."""

    def __init__(self, key, what, live=None, book=None, params=None):
        self._key, self._what, self._live, self._params = key, what, live, params
        self._book = book or _book

    def _answer(self, key, what, produce):
        book = self._book
        if book.resolve is not None:  # recording: ask the real reference
            value = produce()
            data = encode(value)
            if data is None:
                params = _signature(value) if callable(value) else None
                book.answers[key] = {"object": True, "params": params} if params else _OBJECT
                return Answer(key, what, value, book, params)
            book.answers[key] = data
            return value
        data = book.lookup(key, what)
        if data.get("object"):
            return Answer(key, what, None, book, data.get("params"))
        return decode(data)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        what = f"{self._what}.{name}" if self._what else name
        if self._book.resolve is not None and not self._what:
            return self._answer(_key(self._key, name), what, lambda: self._book.resolve(name))
        return self._answer(_key(self._key, name), what, lambda: getattr(self._live, name))

    def _bound(self, args, kwargs):
        """The arguments by parameter name, defaults filled in, if the signature is known: the same
        call written another way (keywords, defaults left out) is the same call."""
        if not self._params:
            return args, kwargs
        names = [n for n, _ in self._params]
        if len(args) > len(names) or set(kwargs) - set(names) or set(names[: len(args)]) & set(kwargs):
            return args, kwargs
        bound = dict(zip(names, args), **kwargs)
        for n, default in self._params:
            if n not in bound:
                if default is None:
                    return args, kwargs
                bound[n] = decode(default)
        return (), bound

    def __call__(self, *args, **kwargs):
        key = _key(self._key, "()", *self._bound(args, kwargs))
        rngs = [a for a in (*args, *kwargs.values()) if isinstance(a, np.random.Generator)]

        def produce():
            result = self._live(*_live(args), **_live(kwargs))
            return list(result) if inspect.isgenerator(result) else result  # a generator's items

        result = self._answer(key, self._what, produce)
        # what the call did to a random generator it was given, done again to the learner's
        after = key + ":rng"
        if self._book.resolve is not None and rngs:
            self._book.answers[after] = {"value": [g.bit_generator.state for g in rngs]}
        elif rngs and after in self._book.answers:
            for g, state in zip(rngs, self._book.answers[after]["value"]):
                g.bit_generator.state = state
        return result

    def __repr__(self):
        return f"<the reference's {self._what or 'package'}>"


def answers_from(answers):
    """A root like :data:`reference` whose answers come from the dict ``answers``."""
    return Answer("", "", book=_Book(answers))


def _live(value):
    """Arguments for the real reference: recorded objects replaced by the objects they stand for."""
    if isinstance(value, Answer):
        return value._live
    if isinstance(value, tuple):
        return tuple(_live(v) for v in value)
    if isinstance(value, list):
        return [_live(v) for v in value]
    if isinstance(value, dict):
        return {k: _live(v) for k, v in value.items()}
    return value


_book = _Book(path=FILE)
reference = Answer("", "", book=_book)


@contextmanager
def recording(resolve, root=None):
    """Answer every lookup of ``root`` (default :data:`reference`) from ``resolve(name)`` (the real
    reference) and collect the answers."""
    book = (root or reference)._book
    saved = book.resolve, book.answers
    book.resolve, book.answers = resolve, {}
    try:
        yield book.answers
    finally:
        book.loaded_from = None
        book.resolve, book.answers = saved[0], (saved[1] if book.path else book.answers)


class OrOwn:
    """A part answered from the recorded reference where the call is on the recorded path, and by
    the learner's own ``own`` where it is not (so a wrong path is the learner's own result)."""

    def __init__(self, recorded, own):
        self.recorded, self.own = recorded, own

    def __call__(self, *args, **kwargs):
        __tracebackhide__ = True  # IPython's tracebacks skip this frame (see checks.messages)
        if self.recorded is not None:
            try:
                return self.recorded(*args, **kwargs)
            except NotRecorded:
                if self.own is None:
                    raise
        return self.own(*args, **kwargs)


def stand_ins(root, namespace, names):
    """{name: stand-in} for each of ``names`` defined in ``namespace``: a function becomes one
    that answers from ``root`` on the recorded path (:class:`OrOwn`); a dict of tuples of
    functions (``ACTIVATION_LAYERS``) the same dict with each function so replaced, under its
    own name. A name never looked up on the recorded path keeps the learner's own."""
    out = {}
    for n in names:
        own = namespace.get(n)
        if own is None:  # not defined there: nothing to stand in for
            continue
        try:
            getattr(root, n)
        except NotRecorded:
            continue
        if isinstance(own, dict):
            out[n] = {
                k: tuple(f if f is None else OrOwn(_or_none(root, f.__name__), f) for f in v)
                for k, v in own.items()
            }
        else:
            out[n] = OrOwn(getattr(root, n), own)
    return out


def _or_none(root, name):
    try:
        return getattr(root, name)
    except NotRecorded:
        return None


@contextmanager
def parts_from(root, namespace, names):
    """While the block runs, ``namespace[name]`` (the notebook's globals) answers from ``root``
    for each name in ``names`` (see :func:`stand_ins`), so that a network is checked with the
    reference's parts wherever it calls them, in helpers and methods too."""
    replacements = stand_ins(root, namespace, names)
    saved = {n: namespace[n] for n in replacements}
    namespace.update(replacements)
    try:
        yield
    finally:
        namespace.update(saved)


def dump(answers):
    """The text of an expected-results file (stable: sorted keys, one answer per line)."""
    lines = [f"{json.dumps(k)}: {json.dumps(answers[k], allow_nan=True)}" for k in sorted(answers)]
    return "{\n" + ",\n".join(lines) + "\n}\n"
