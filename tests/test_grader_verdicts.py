"""Every point comes from a verdict learner code cannot forge.

Graded (``course autograde`` on the fixture course): the attacks on the verdict itself
(``bad_submissions/unseen_verdicts.py``), in one small batch with an honest learner, so that a
change of the outside checks is seen without grading the whole catalogue. A check that cannot run
scores 0 and says why. In-process: correct answers written in other styles pass the new probes.
"""

import pytest
from bad_submissions import fixture as fx
from bad_submissions.catalogue import Context
from bad_submissions.unseen_verdicts import ENTRIES
from test_assignments_mutants import source
from test_grader_catalogue import LIMITS, scores
from test_grader_probes import SPECS, namespace_of, probe

from course.autograde import Options, autograde


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("verdicts") / "course"
    fx.make_course(root)
    fx.write_submission(root, "honest", fx.answered(root))
    ctx = Context(root=str(root), victim_notebook="", reference_file="", gradebook="", port=0)
    for bad in ENTRIES:
        bad.build(root, bad.student, ctx)
    summary = autograde(root, fx.ASSIGNMENT, Options(jobs=2, limits=LIMITS, progress=False))
    assert not summary.failed and not summary.interrupted
    return root


@pytest.mark.grading
@pytest.mark.slow
def test_the_honest_learner_keeps_full_marks(graded):
    assert scores(graded, "honest")[0] == fx.POINTS
    assert fx.record(graded, "honest")["flags"] == []


@pytest.mark.grading
@pytest.mark.slow
@pytest.mark.parametrize("bad", ENTRIES, ids=[b.name for b in ENTRIES])
def test_an_attack_on_the_verdict_gets_its_points(graded, bad):
    flags = fx.record(graded, bad.student)["flags"]
    assert scores(graded, bad.student)[0] == bad.scores, f"{bad.name}: {bad.what}\n{flags}"
    assert bad.flags <= {f["kind"] for f in flags}, flags
    for f in flags:
        if f["kind"] == "unchecked":
            assert "could not run" in f["message"] and "(" in f["message"], f["message"]


# --- correct answers in other styles ------------------------------------------------------------
A1_STYLES = {
    "relu": [
        "def relu(z):\n    return np.where(z > 0, z, 0.0)",
        "def relu(z):\n    out = np.array(z, dtype=float)\n    out[out < 0] = 0\n    return out",
        "def relu(z):\n    return np.array([max(v, 0.0) for v in np.ravel(z)]).reshape(np.shape(z))",
        "def relu(z):\n    return z * (z > 0)",
    ],
    "relu_prime": [
        "def relu_prime(z):\n    return np.where(z > 0, 1.0, 0.0)",
        "def _step(v):\n    return 1.0 if v > 0 else 0.0\n"
        "def relu_prime(z):\n    return np.vectorize(_step, otypes=[float])(z)",
        "def relu_prime(z):\n    out = np.zeros(np.shape(z))\n"
        "    for i, v in np.ndenumerate(z):\n        out[i] = float(v > 0)\n    return out",
    ],
    "neuron": [
        "def neuron(x, w, b, activation='sigmoid'):\n"
        "    z = sum(x[..., k] * w[k] for k in range(len(w))) + b\n    return ACTIVATIONS[activation](z)",
        "def _weighted(x, w, b):\n    return x @ w + b\n"
        "def neuron(x, w, b, activation='sigmoid'):\n"
        "    return {'sigmoid': sigmoid, 'tanh': tanh, 'relu': relu}[activation](_weighted(x, w, b))",
    ],
}


@pytest.mark.parametrize(
    "function,code", [(f, c) for f, codes in A1_STYLES.items() for c in codes], ids=lambda v: str(v)[:20]
)
def test_other_correct_styles_pass_the_a1_probes(function, code, tmp_path):
    ns = namespace_of(source("a1_neuron"))
    exec(code, ns)
    assert probe(ns, "a1_neuron", tmp_path) == {}


def test_a_wrong_relu_prime_fails_its_probe_only(tmp_path):
    ns = namespace_of(source("a1_neuron"))
    exec("def relu_prime(z):\n    return np.ones_like(z)", ns)
    assert set(probe(ns, "a1_neuron", tmp_path)) == {"test_relu_prime"}


def test_a_check_that_ends_the_kernel_is_unchecked_and_the_earlier_ones_stand(tmp_path):
    """In-process stand-in for a kernel that ends during a probe: the status file says which call
    was running; the calls before it keep their verdicts, the ones after are not reached."""
    from course import probes

    specs = SPECS["a1_neuron"]
    ns = namespace_of(source("a1_neuron"))
    inputs = probes.prepare(str(tmp_path), specs, seed=3)

    class Ended(BaseException):
        pass

    def dies(z):
        raise Ended

    ns["tanh"] = dies
    with pytest.raises(Ended):  # the stand-in escapes like os._exit would (nothing written after)
        code = probes.kernel_code(str(tmp_path)).replace(
            "except BaseException as _e:", "except Exception as _e:"
        )
        exec(code, ns)
    verdicts = probes.judge(str(tmp_path), specs, inputs, why="it ended the kernel")
    names = [s["function"] for s in specs]
    running = names.index("tanh")
    assert all(verdicts[i] is None for i in range(running))
    assert isinstance(verdicts[running], probes.Unchecked) and "it ended the kernel" in verdicts[running]
    assert all(isinstance(verdicts[i], probes.Unchecked) for i in range(running + 1, len(specs)))
    assert "stopped the kernel" in verdicts[running + 1]


A6_MINIBATCHES = [
    "def minibatches(X, y, batch_size, rng):\n    idx = np.arange(len(X))\n    rng.shuffle(idx)\n"
    "    for s in range(0, len(X), batch_size):\n        part = idx[s:s + batch_size]\n"
    "        yield X[part], y[part]",
    "def minibatches(X, y, batch_size, rng):\n    order = list(rng.permutation(len(y)))\n    batches = []\n"
    "    while order:\n        take, order = order[:batch_size], order[batch_size:]\n"
    "        batches.append((X[take], y[take]))\n    return batches",
    "def minibatches(X, y, batch_size, rng):\n    p = rng.permutation(len(X))\n    Xs, ys = X[p], y[p]\n"
    "    return [(Xs[i:i + batch_size], ys[i:i + batch_size]) for i in range(0, len(Xs), batch_size)]",
]


@pytest.mark.parametrize("code", A6_MINIBATCHES, ids=["shuffle-loop", "list-while", "comprehension"])
def test_any_honest_shuffle_passes_the_minibatches_probe(code, tmp_path):
    ns = namespace_of(source("a6_training"))
    exec(code, ns)
    assert probe(ns, "a6_training", tmp_path) == {}


A2_FORWARD = """
def _layer(x, W, b, act_forward, last):
    out, affine_cache = affine_forward(x, W, b)
    if last:
        return out, (affine_cache, None)
    out, act_cache = act_forward(out)
    return out, (affine_cache, act_cache)

class MLP(given.MLP):
    def forward(self, X):
        caches, out, n = [], X, len(self.sizes) - 1
        for i in range(1, n + 1):
            out, cache = _layer(out, self.params[f"W{i}"], self.params[f"b{i}"],
                                ACTIVATION_LAYERS[self.activation][0], i == n)
            caches.append(cache)
        return out, caches
"""


def test_a_forward_pass_through_a_helper_passes_the_mlp_probe(tmp_path):
    ns = namespace_of(source("a2_forward"))
    exec(A2_FORWARD, ns)
    assert probe(ns, "a2_forward", tmp_path) == {}


A4_BACKWARD = """
_Base = Value


class Value(_Base):
    def backward(self):
        order, seen, stack = [], set(), [(self, False)]
        while stack:
            v, done = stack.pop()
            if done:
                order.append(v)
            elif id(v) not in seen:
                seen.add(id(v))
                stack.append((v, True))
                stack.extend((child, False) for child in v._prev)
        self.grad = 1.0
        for v in order[::-1]:
            v._backward()
"""

A5_BACKWARD = """
class MLP(given.MLP):
    def backward(self, dscores, caches):
        grads, dout = {}, dscores
        layers = list(enumerate(caches, start=1))
        while layers:
            i, (affine_cache, act_cache) = layers.pop()
            if act_cache is not None:
                dout = ACTIVATION_LAYERS[self.activation][1](dout, act_cache)
            dout, dW, db = affine_backward(dout, affine_cache)
            grads.update({"W%d" % i: dW, "b%d" % i: db})
        return grads
"""


@pytest.mark.parametrize(
    "assignment,code", [("a4_autograd", A4_BACKWARD), ("a5_backprop", A5_BACKWARD)], ids=["a4", "a5"]
)
def test_an_iterative_backward_passes_the_probes(assignment, code, tmp_path):
    ns = namespace_of(source(assignment))
    exec(code, ns)
    assert probe(ns, assignment, tmp_path) == {}


def test_a_check_stopped_by_the_time_limit_leaves_the_later_ones_to_a_fresh_kernel(tmp_path):
    """The grader interrupts a call past the time limit (KeyboardInterrupt): that call stays
    "running" (unchecked), the checks after it are ``NotReached`` (tried again elsewhere)."""
    from course import probes

    specs = SPECS["a1_neuron"]
    ns = namespace_of(source("a1_neuron"))
    inputs = probes.prepare(str(tmp_path), specs, seed=4)

    def interrupted(z):
        raise KeyboardInterrupt

    ns["tanh"] = interrupted
    exec(probes.kernel_code(str(tmp_path)), ns)
    verdicts = probes.judge(str(tmp_path), specs, inputs, why="no answer within the cell time limit")
    running = [s["function"] for s in specs].index("tanh")
    assert all(verdicts[i] is None for i in range(running))
    assert type(verdicts[running]) is probes.Unchecked and "time limit" in verdicts[running]
    assert all(type(verdicts[i]) is probes.NotReached for i in range(running + 1, len(specs)))
