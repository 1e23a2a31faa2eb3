"""Bad submissions that attack the verdict itself: the outside checks (``course/probes.py``) must
give every point, and a check that cannot run must score 0, never leave the notebook's own verdict.

The fixture's probes call ``sigmoid`` on an array of shape (9,) and ``neuron`` on inputs of shape
(6,), shapes none of the notebook's tests use: that is how the code below knows the grader calls.
"""

from .catalogue import CORRECT, NEURON_ZERO, WRONG_NEURON, ZERO, Bad, _answers

PATCH_ALLCLOSE = "np.allclose = lambda *a, **k: True\nnp.isclose = lambda *a, **k: True\n"
PROBED = "np.shape(x) == (6,)"  # the neuron's inputs when the outside check calls it


def _neuron_when_probed(action):
    return f"def neuron(x, w, b):\n    if {PROBED}:\n        {action}\n    return sigmoid(np.dot(x, w) + b)"


def exits_when_probed(root, s, ctx):
    _answers(root, s, neuron="import os\n" + _neuron_when_probed("os._exit(0)"))


def kills_kernel_when_probed(root, s, ctx):
    _answers(
        root, s, neuron="import os, signal\n" + _neuron_when_probed("os.kill(os.getpid(), signal.SIGKILL)")
    )


def sigmoid_exits_when_probed(root, s, ctx):
    # the first function checked ends the kernel; the honest neuron after it is checked all the same
    _answers(
        root,
        s,
        sigmoid=(
            "import os\ndef sigmoid(z):\n    if np.shape(z) == (9,):\n        os._exit(0)\n"
            "    return 1.0 / (1.0 + np.exp(-z))"
        ),
    )


def sigmoid_sleeps_when_probed(root, s, ctx):
    _answers(
        root,
        s,
        sigmoid=(
            "import time\ndef sigmoid(z):\n    if np.shape(z) == (9,):\n        time.sleep(10**6)\n"
            "    return 1.0 / (1.0 + np.exp(-z))"
        ),
    )


def sleeps_when_probed(root, s, ctx):
    _answers(root, s, neuron="import time\n" + _neuron_when_probed("time.sleep(10**6)"))


def erases_the_status(root, s, ctx):
    # when checked, the neuron deletes the grader's record of which check was running, then ends
    # the kernel: nothing says who stopped it, so no check stands
    _answers(
        root,
        s,
        neuron="import glob, os\n"
        + _neuron_when_probed("[os.remove(f) for f in glob.glob('.probe-*/status.json')]; os._exit(0)"),
    )


def exits_after_the_tests(root, s, ctx):
    # a wrong sigmoid passing its own test with a patched allclose, then the kernel ended before
    # the grader can call it: the grader runs the notebook again to check it
    _answers(
        root,
        s,
        sigmoid=PATCH_ALLCLOSE + "def sigmoid(z):\n    return z",
        neuron="import os\n" + CORRECT["neuron"] + "\nos._exit(0)",
    )


def fitted_to_the_tests(root, s, ctx):
    # right only where the notebook's tests look (the visible points, the hidden tests' seed-7
    # inputs of size 4): a table of answers, with a wrong formula elsewhere
    _answers(
        root,
        s,
        neuron=(
            "def neuron(x, w, b):\n"
            "    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)\n"
            "    if x.shape in ((3,), (4,)):\n"
            "        return 1 / (1 + np.exp(-(x @ w + b)))\n"
            "    return 0.5 + 0.0 * (x @ w)"
        ),
    )


def patches_test_helpers(root, s, ctx):
    # every shared test helper (checks.*) and numpy's comparisons made to pass everything
    _answers(
        root,
        s,
        sigmoid=(
            "import checks\n"
            "for _name in dir(checks):\n"
            "    if not _name.startswith('_') and callable(getattr(checks, _name)):\n"
            "        setattr(checks, _name, lambda *a, **k: None)\n"
            + PATCH_ALLCLOSE
            + "def sigmoid(z):\n    return np.zeros_like(z)"
        ),
        neuron=WRONG_NEURON,
    )


def patches_numpy_save(root, s, ctx):
    # numpy.save replaced so that what the grader reads is the right answer computed by the
    # learner's own idea of it (here: saving the input as the result)
    _answers(
        root,
        s,
        sigmoid=(
            "_save = np.save\n"
            "def _lying_save(file, arr, *a, **k):\n"
            "    return _save(file, np.full_like(np.asarray(arr, dtype=float), 0.5), *a, **k)\n"
            "np.save = _lying_save\n" + PATCH_ALLCLOSE + "def sigmoid(z):\n    return z"
        ),
    )


def patches_numpy_asarray(root, s, ctx):
    # numpy.asarray and numpy.array replaced to return the reference-looking 0.5s
    _answers(
        root,
        s,
        sigmoid=(
            "_array = np.array\n"
            "np.asarray = lambda a, *x, **k: _array(a, *x, **k) * 0 + 0.5\n"
            "np.array = lambda a, *x, **k: _array(a, *x, **k) * 0 + 0.5\n"
            + PATCH_ALLCLOSE
            + "def sigmoid(z):\n    return z"
        ),
    )


ENTRIES = [
    Bad(
        "exits_when_probed",
        "The neuron calls os._exit only when the grader's outside check calls it (recognised by "
        "its inputs' shape): the check cannot run, so test_neuron scores 0 (never the notebook's own "
        "verdict) and the flag says the check could not run and why.",
        exits_when_probed,
        NEURON_ZERO,
        {"unchecked"},
    ),
    Bad(
        "kills_kernel_when_probed",
        "The neuron kills its own kernel (SIGKILL) only when the outside check calls it: test_neuron "
        "scores 0, flagged as a check that could not run.",
        kills_kernel_when_probed,
        NEURON_ZERO,
        {"unchecked"},
    ),
    Bad(
        "sigmoid_exits_when_probed",
        "The sigmoid ends the kernel only when the outside check calls it (on shape (9,)): test_sigmoid "
        "scores 0, flagged as unchecked; the neuron's check, which the dead kernel kept from running, "
        "runs in a fresh kernel (the notebook run again), so the honest neuron keeps its 3 points.",
        sigmoid_exits_when_probed,
        {"test_sigmoid": 0.0, "test_neuron": 3.0},
        {"unchecked"},
    ),
    Bad(
        "sigmoid_sleeps_when_probed",
        "The sigmoid sleeps forever only when the outside check calls it: interrupted at the cell time "
        "limit, test_sigmoid scores 0 (flagged unchecked); the honest neuron is checked in a fresh "
        "kernel and keeps its points.",
        sigmoid_sleeps_when_probed,
        {"test_sigmoid": 0.0, "test_neuron": 3.0},
        {"unchecked"},
    ),
    Bad(
        "sleeps_when_probed",
        "The neuron sleeps forever only when the outside check calls it: stopped after the cell time "
        "limit; test_neuron scores 0, flagged as a check that could not run.",
        sleeps_when_probed,
        NEURON_ZERO,
        {"unchecked"},
    ),
    Bad(
        "erases_the_status",
        "The neuron, when the outside check calls it, deletes the grader's status file and ends the "
        "kernel: the checks are tried again in fresh kernels (twice), where it does the same; no check "
        "stands, so both tests score 0 and are flagged as unchecked.",
        erases_the_status,
        ZERO,
        {"unchecked"},
    ),
    Bad(
        "exits_after_the_tests",
        "A wrong sigmoid passes its own test through a patched numpy.allclose, then the notebook ends "
        "its kernel so the outside check cannot call it: the grader runs the notebook's code again in "
        "a fresh kernel and checks there; both tests score 0, flagged.",
        exits_after_the_tests,
        ZERO,
        {"kernel-stopped", "outside-check"},
    ),
    Bad(
        "fitted_to_the_tests",
        "A neuron right only on inputs of the notebook's tests' sizes (fitted to the tests), wrong "
        "elsewhere: the outside check draws other inputs; test_neuron scores 0, flagged.",
        fitted_to_the_tests,
        NEURON_ZERO,
        {"outside-check"},
    ),
    Bad(
        "patches_test_helpers",
        "Replaces the course's test helpers (a fake 'checks' module) and numpy's comparisons by "
        "do-nothing versions, with wrong answers: the outside checks fail both; flagged.",
        patches_test_helpers,
        ZERO,
        {"outside-check"},
    ),
    Bad(
        "patches_numpy_save",
        "Replaces numpy.save so that what the outside check reads looks like a sigmoid's output: the "
        "numbers are still judged outside on fresh inputs; both tests score 0 (the neuron uses the "
        "wrong sigmoid), flagged.",
        patches_numpy_save,
        ZERO,
        {"outside-check"},
    ),
    Bad(
        "patches_numpy_asarray",
        "Replaces numpy.asarray and numpy.array in the kernel to bend what the outside check converts "
        "and saves: both tests score 0, flagged.",
        patches_numpy_asarray,
        ZERO,
        {"outside-check"},
    ),
]
