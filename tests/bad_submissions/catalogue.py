"""The catalogue of bad submissions the grader must survive and grade right.

Each ``Bad`` entry builds one learner's submission in the fixture course (``fixture.py``) and says
what must happen, in words an instructor can act on (``what``), with the expected points per test
and the flag kinds the grader must raise. ``tests/test_grader_catalogue.py`` grades them all in one
batch together with honest submissions and checks every entry.

Full marks are 5 (``test_sigmoid`` 2 points, ``test_neuron`` 3 points).
"""

import json
import os
from dataclasses import dataclass, field

import nbformat

from . import fixture as fx

CORRECT, WRONG_NEURON = fx.CORRECT, fx.WRONG_NEURON


@dataclass
class Context:
    """What an attacker could know: absolute paths of things it must not touch."""

    root: str  # the course folder
    victim_notebook: str  # another learner's submitted notebook
    reference_file: str  # a module of nanoprop
    gradebook: str
    port: int  # a TCP port listening on the grader's loopback


@dataclass
class Bad:
    name: str
    what: str  # what it does and what the grader must do
    build: object  # build(root, student, ctx)
    scores: dict  # expected points by grade id
    flags: set = field(default_factory=set)  # flag kinds that must be raised
    output_must_not_contain: str = ""  # text that must not appear in the graded outputs
    student: str = ""
    needs_jail: bool = False  # only safe to run inside bubblewrap as its own user

    @property
    def total(self):
        return sum(self.scores.values())


FULL = {"test_sigmoid": 2.0, "test_neuron": 3.0}
NEURON_ZERO = {"test_sigmoid": 2.0, "test_neuron": 0.0}
ZERO = {"test_sigmoid": 0.0, "test_neuron": 0.0}


def _answers(root, student, **answers):
    fx.write_submission(root, student, fx.answered(root, dict(CORRECT, **answers)))


def _mutate(root, student, change, answers=None):
    nb = fx.answered(root, answers)
    change(nb)
    fx.write_submission(root, student, nb)


def _cell(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def _index(nb, grade_id):
    return next(
        i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id
    )


# --- the entries -------------------------------------------------------------------------------
def invalid_json(root, s, ctx):
    fx.write_submission(root, s, raw='{"cells": [ {"cell_type": "code", ')


def empty_file(root, s, ctx):
    fx.write_submission(root, s, raw=b"")


def wrong_file_name(root, s, ctx):
    fx.write_submission(root, s, fx.answered(root), filename="f1_neuron (1).ipynb")


def old_format(root, s, ctx):
    nb3 = nbformat.convert(fx.answered(root), 3)
    fx.write_submission(root, s, raw=nbformat.writes(nb3, version=3))


def deleted_test_cell(root, s, ctx):
    _mutate(root, s, lambda nb: nb.cells.pop(_index(nb, "test_neuron")))


def edited_test_cell(root, s, ctx):
    def change(nb):
        _cell(nb, "test_neuron").source = "assert True  # tests removed by the learner"

    _mutate(root, s, change, dict(CORRECT, neuron=WRONG_NEURON))


def changed_points_and_ids(root, s, ctx):
    def change(nb):
        _cell(nb, "test_sigmoid").metadata["nbgrader"]["points"] = 100
        cell = _cell(nb, "test_neuron")
        cell.metadata["nbgrader"]["grade_id"] = "test_neuron_mine"
        cell.source = "pass"

    _mutate(root, s, change, dict(CORRECT, neuron=WRONG_NEURON))


def duplicated_cells(root, s, ctx):
    def change(nb):
        i = _index(nb, "test_sigmoid")
        nb.cells.insert(i + 1, nbformat.from_dict(json.loads(json.dumps(nb.cells[i]))))
        nb.cells.insert(i + 1, nbformat.from_dict(json.loads(json.dumps(nb.cells[i]))))

    _mutate(root, s, change)


def split_test_cell(root, s, ctx):
    def change(nb):
        i = _index(nb, "test_neuron")
        first, second = nb.cells[i], nbformat.from_dict(json.loads(json.dumps(nb.cells[i])))
        lines = first.source.splitlines()
        first.source, second.source = "\n".join(lines[:1]), "\n".join(lines[1:])
        nb.cells.insert(i + 1, second)

    _mutate(root, s, change, dict(CORRECT, neuron=WRONG_NEURON))


def stripped_test_metadata(root, s, ctx):
    def change(nb):
        del _cell(nb, "test_neuron").metadata["nbgrader"]

    _mutate(root, s, change, dict(CORRECT, neuron=WRONG_NEURON))


def infinite_loop(root, s, ctx):
    _answers(root, s, neuron="while True:\n    pass\n" + CORRECT["neuron"])


def sleep_forever(root, s, ctx):
    _answers(root, s, neuron="import time\ntime.sleep(10**6)\n" + CORRECT["neuron"])


def memory_bomb(root, s, ctx):
    _answers(
        root, s, neuron=CORRECT["neuron"] + "\nhog = []\nwhile True:\n    hog.append(bytearray(50 * 2**20))"
    )


def process_spawning(root, s, ctx):
    _answers(
        root,
        s,
        neuron=CORRECT["neuron"]
        + (
            "\nimport subprocess, sys\nprocs = []\nwhile True:\n"
            "    procs.append(subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)']))"
        ),
    )


def sys_exit(root, s, ctx):
    _answers(root, s, neuron=CORRECT["neuron"] + "\nimport sys\nsys.exit(3)")


def os_exit(root, s, ctx):
    _answers(root, s, neuron="import os\nos._exit(0)\n" + CORRECT["neuron"])


def segfault(root, s, ctx):
    _answers(root, s, neuron="import ctypes\nctypes.string_at(0)\n" + CORRECT["neuron"])


def huge_output(root, s, ctx):
    _answers(root, s, neuron="while True:\n    print('x' * 100000)\n" + CORRECT["neuron"])


def write_outside(root, s, ctx):
    targets = [
        ctx.gradebook,
        ctx.victim_notebook,
        ctx.reference_file,
        ctx.root + "/nbgrader_config.py",
        os.path.join(os.path.dirname(ctx.reference_file), "evil.py"),
    ]
    hidden = [t[::-1] for t in targets]  # reversed, as a learner hiding the paths might write them
    code = (
        f"for target in [t[::-1] for t in {hidden!r}]:\n"
        "    try:\n        with open(target, 'a') as fh:\n            fh.write('# tampered')\n"
        "        print('WROTE', target)\n"
        "    except OSError as exc:\n        print('blocked', type(exc).__name__)\n"
    )
    _answers(root, s, sigmoid=code + CORRECT["sigmoid"])


def monkeypatch_helpers(root, s, ctx):
    _answers(
        root,
        s,
        sigmoid=(
            "np.allclose = lambda *a, **k: True\nnp.isclose = lambda *a, **k: True\n"
            "import builtins\ndef sigmoid(z):\n    return z"
        ),
        neuron=WRONG_NEURON,
    )


def fake_eq(root, s, ctx):
    _answers(
        root,
        s,
        sigmoid=(
            "class Anything:\n    def __eq__(self, other): return True\n"
            "    def __array_function__(self, func, types, args, kwargs): return True\n"
            "    def __array_ufunc__(self, *a, **k): return True\n"
            "def sigmoid(z):\n    return Anything()"
        ),
        neuron="def neuron(x, w, b):\n    return sigmoid(0)",
    )


def array_subclass(root, s, ctx):
    _answers(
        root,
        s,
        sigmoid=(
            "class Liar(np.ndarray):\n    def __eq__(self, other): return True\n"
            "    def __array_function__(self, func, types, args, kwargs): return True\n"
            "def sigmoid(z):\n    return np.asarray(z, dtype=float).view(Liar)"
        ),
        neuron="def neuron(x, w, b):\n    return 1 / (1 + np.exp(-(np.dot(x, w) + b)))",
    )


def import_nanoprop(root, s, ctx):
    _answers(root, s, sigmoid="from nanoprop import sigmoid as _ref\ndef sigmoid(z):\n    return _ref(z)")


def copy_nanoprop(root, s, ctx):
    _answers(
        root,
        s,
        sigmoid=(
            'def sigmoid(z):\n    """1 / (1 + e^-z), computed without overflow for large |z|."""\n'
            "    z = np.asarray(z, dtype=float)\n"
            "    e = np.exp(-np.abs(z))                       # in (0, 1]: never overflows\n"
            "    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))"
        ),
    )


def read_hidden_tests(root, s, ctx):
    places = [
        ctx.root + "/**/*.ipynb",
        ctx.root + "/gradebook.db",
        "/home/**/*.ipynb",
        "/tmp/**/*.ipynb",
        "/tmp/**/gradebook.db",
        "*.ipynb",
        "../*.ipynb",
        "../../**/*.ipynb",
    ]
    code = (
        "import glob\nfound = []\n"
        f"for pattern in {places!r}:\n"
        "    for path in glob.glob(pattern, recursive=True):\n"
        "        try:\n            text = open(path, 'rb').read()\n"
        "        except OSError:\n            continue\n"
        "        if b'HIDDEN TESTS' in text or b'reference_neuron' in text:\n            found.append(path)\n"
        "print('LEAKED' if found else 'nothing found', found[:3])\n"
    )
    _answers(root, s, sigmoid=code + CORRECT["sigmoid"])


def network_call(root, s, ctx):
    code = (
        "import socket\ntry:\n"
        f"    socket.create_connection(('127.0.0.1', {ctx.port}), timeout=3).close()\n"
        "    print('NETWORK OPEN')\n"
        "except OSError as exc:\n    print('network blocked:', type(exc).__name__)\n"
    )
    _answers(root, s, sigmoid=code + CORRECT["sigmoid"])


def non_ascii(root, s, ctx):
    _answers(
        root, s, sigmoid="def sigmoid(z):\n    σ = 1.0 / (1.0 + np.exp(-z))  # « sigmoïde »\n    return σ"
    )


def shadow_numpy(root, s, ctx):
    folder = fx.write_submission(root, s, fx.answered(root, dict(CORRECT, neuron=WRONG_NEURON)))
    (folder / "numpy.py").write_text(
        "def allclose(*a, **k):\n    return True\nisclose = allclose\n"
        "def __getattr__(name):\n    return lambda *a, **k: True\n"
    )


def detects_grading(root, s, ctx):
    _answers(
        root,
        s,
        sigmoid=(
            "import os\nif os.environ.get('NBGRADER_EXECUTION') or 'autograded' in os.getcwd():\n"
            "    np.allclose = lambda *a, **k: True\n    np.isclose = lambda *a, **k: True\n"
            "def sigmoid(z):\n    return z"
        ),
        neuron=WRONG_NEURON,
    )


def stderr_warning(root, s, ctx):
    _answers(
        root,
        s,
        sigmoid=(
            "import warnings\ndef sigmoid(z):\n"
            "    warnings.warn('a harmless warning', UserWarning)\n"
            "    return 1.0 / (1.0 + np.exp(-z))"
        ),
    )


def swallows_interrupt(root, s, ctx):
    _answers(
        root,
        s,
        neuron=(
            "import time\nwhile True:\n    try:\n        time.sleep(0.2)\n"
            "    except KeyboardInterrupt:\n        pass\n"
        )
        + CORRECT["neuron"],
    )


CATALOGUE = [
    Bad(
        "invalid_json",
        "The notebook file is not valid JSON: it scores 0 and is flagged "
        "'not valid notebook JSON'; ask the learner to download it again.",
        invalid_json,
        ZERO,
        {"unreadable"},
    ),
    Bad(
        "empty_file",
        "The notebook file is empty: scores 0, flagged 'is empty'.",
        empty_file,
        ZERO,
        {"unreadable"},
    ),
    Bad(
        "wrong_file_name",
        "The notebook was renamed ('f1_neuron (1).ipynb'): graded as the expected notebook "
        "and flagged so the instructor can tell the learner.",
        wrong_file_name,
        FULL,
        {"renamed"},
    ),
    Bad(
        "old_format",
        "The notebook is in format 3: upgraded to format 4 and graded.",
        old_format,
        FULL,
        {"old-format"},
    ),
    Bad(
        "deleted_test_cell",
        "A test cell was deleted: nbgrader restores it from the gradebook and grades it.",
        deleted_test_cell,
        FULL,
    ),
    Bad(
        "edited_test_cell",
        "A test cell was edited to always pass: the original test is restored, so the "
        "wrong neuron still fails.",
        edited_test_cell,
        NEURON_ZERO,
    ),
    Bad(
        "changed_points_and_ids",
        "Points raised to 100 and a grade id renamed in the metadata: the points and "
        "the test come back from the gradebook; the wrong neuron fails.",
        changed_points_and_ids,
        NEURON_ZERO,
    ),
    Bad(
        "duplicated_cells",
        "A test cell was pasted twice (repeated grade ids): counted once.",
        duplicated_cells,
        FULL,
    ),
    Bad(
        "split_test_cell",
        "A test cell split in two with the same grade id: the whole test is restored and "
        "the wrong neuron fails.",
        split_test_cell,
        NEURON_ZERO,
    ),
    Bad(
        "stripped_test_metadata",
        "A test cell stripped of its nbgrader metadata: restored and graded, not "
        "left waiting for manual grading.",
        stripped_test_metadata,
        NEURON_ZERO,
    ),
    Bad(
        "infinite_loop",
        "An infinite loop: the cell is interrupted after the cell timeout and flagged; later cells run.",
        infinite_loop,
        NEURON_ZERO,
        {"cell-timeout"},
    ),
    Bad(
        "sleep_forever",
        "time.sleep forever: interrupted like an infinite loop.",
        sleep_forever,
        NEURON_ZERO,
        {"cell-timeout"},
    ),
    Bad(
        "memory_bomb",
        "Allocates memory without end: it hits the memory limit (MemoryError or the kernel "
        "is stopped); the machine and the batch are unharmed.",
        memory_bomb,
        FULL,
    ),
    Bad(
        "process_spawning",
        "Starts processes in a loop: the process limit stops it; every process it "
        "started is killed when the notebook ends.",
        process_spawning,
        FULL,
        needs_jail=True,
    ),
    Bad(
        "sys_exit",
        "Calls sys.exit: IPython turns it into an error in that cell; the rest is graded.",
        sys_exit,
        FULL,
    ),
    Bad(
        "os_exit",
        "Calls os._exit, which ends the kernel: the cells after it are marked 'not run' and "
        "score 0; the submission is flagged.",
        os_exit,
        NEURON_ZERO,
        {"kernel-stopped"},
    ),
    Bad(
        "segfault",
        "Crashes the interpreter (segmentation fault): like os._exit, flagged as a crash.",
        segfault,
        NEURON_ZERO,
        {"kernel-stopped"},
    ),
    Bad(
        "huge_output",
        "Prints without end: stopped by the output limit or the memory limit (the kernel "
        "buffers output); the batch goes on and earlier tests keep their points.",
        huge_output,
        NEURON_ZERO,
    ),
    Bad(
        "write_outside",
        "Tries to write the gradebook, another learner's notebook, the reference package, "
        "the course config: nothing outside its own folder changes.",
        write_outside,
        FULL,
        output_must_not_contain="WROTE",
        needs_jail=True,
    ),
    Bad(
        "monkeypatch_helpers",
        "Replaces numpy.allclose and isclose by 'always true' with wrong answers: "
        "the in-notebook tests pass, the outside check fails both; flagged.",
        monkeypatch_helpers,
        ZERO,
        {"outside-check"},
    ),
    Bad(
        "fake_eq",
        "Returns an object whose comparisons are always true: the outside check cannot turn it "
        "into numbers; both tests score 0, flagged.",
        fake_eq,
        ZERO,
        {"outside-check"},
    ),
    Bad(
        "array_subclass",
        "Returns an ndarray subclass faking comparisons with wrong values: caught outside "
        "the kernel; the honest neuron keeps its points.",
        array_subclass,
        {"test_sigmoid": 0.0, "test_neuron": 3.0},
        {"outside-check"},
    ),
    Bad(
        "import_nanoprop",
        "Imports the reference package instead of writing the sigmoid: the reference is not in "
        "the kernel, so the import fails like any missing module and the sigmoid and the "
        "neuron built on it score 0.",
        import_nanoprop,
        {"test_sigmoid": 0.0, "test_neuron": 0.0},
        set(),
    ),
    Bad(
        "copy_nanoprop",
        "Copies the reference's sigmoid line for line: the code is correct so it keeps its "
        "points, but it is flagged for the instructor to judge.",
        copy_nanoprop,
        FULL,
        {"copied-reference"},
    ),
    Bad(
        "read_hidden_tests",
        "Searches the disk for the source notebook and the gradebook: the jail shows it neither.",
        read_hidden_tests,
        FULL,
        output_must_not_contain="LEAKED",
        needs_jail=True,
    ),
    Bad(
        "network_call",
        "Opens a network connection: there is no network in the jail.",
        network_call,
        FULL,
        output_must_not_contain="NETWORK OPEN",
        needs_jail=True,
    ),
    Bad(
        "non_ascii",
        "Non-ASCII identifiers, comments and student id: graded normally.",
        non_ascii,
        FULL,
        student="élève_ñø",
    ),
    Bad(
        "shadow_numpy",
        "Submits a numpy.py that makes every comparison true: not given to the kernel, "
        "flagged; the wrong neuron fails.",
        shadow_numpy,
        NEURON_ZERO,
        {"shadowing-module"},
    ),
    Bad(
        "detects_grading",
        "Cheats only when it detects grading (NBGRADER_EXECUTION, the autograded "
        "folder): the scrubbed environment hides both, and the outside check would catch it anyway.",
        detects_grading,
        ZERO,
    ),
    Bad(
        "stderr_warning",
        "A correct answer that prints a harmless warning to stderr: full marks "
        "(nbgrader's IgnorePattern is on for 'Warning').",
        stderr_warning,
        FULL,
    ),
    Bad(
        "swallows_interrupt",
        "A loop that swallows KeyboardInterrupt: interrupts fail, the notebook time "
        "limit stops the kernel; later cells are 'not run'.",
        swallows_interrupt,
        NEURON_ZERO,
        {"kernel-stopped"},
    ),
]


def _unseen_entries():
    """The entries of every ``unseen_*.py`` module beside this one (each holds ``ENTRIES``, a list
    of ``Bad``): attacks by class, kept in a module per class."""
    import importlib
    import pkgutil

    found = []
    for module in sorted(m.name for m in pkgutil.iter_modules([os.path.dirname(__file__)])):
        if module.startswith("unseen_"):
            found += importlib.import_module(f"{__package__}.{module}").ENTRIES
    return found


CATALOGUE += _unseen_entries()
for _bad in CATALOGUE:
    _bad.student = _bad.student or "bad_" + _bad.name
assert len({b.student for b in CATALOGUE}) == len(CATALOGUE), "two catalogue entries share a name"
