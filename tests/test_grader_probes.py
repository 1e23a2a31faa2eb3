"""The grader's outside checks (``course.probes``) on the course's own assignments, in-process.

The probe code runs in the namespace where the notebook's cells ran (as it does in the kernel),
and its saved results are judged against nanoprop. The instructor's solution must pass every
probe; a seeded bug must fail a probe guarding one of the tests it loses, and never one guarding
a test it keeps (an outside check must not accuse a correct function).
"""

import os
import signal

import numpy as np
import pytest
from test_assignments_mutants import run_cells, source

from course import probes
from tools import assignments as catalogue
from tools import build_assignments as build
from tools import demo_class as demo

SPECS = {a.name: probes.load(str(a.folder.parent), a.name) for a in catalogue.discover()}
PROBED = sorted(a for a, specs in SPECS.items() if specs)
# Bugs a probe cannot see by design: a correct result with a warning on the way (the probe compares
# values). The notebook's own checks catch them. (A function that overwrites its input fails its probe.)
UNSEEN = {"warning"}


def probe(namespace, assignment, folder, seed=7):
    """{grade_id: verdict} for every probe of ``assignment`` that fails."""
    specs = SPECS[assignment]
    inputs = probes.prepare(str(folder), specs, seed)
    with build.inside(catalogue.get(assignment).folder):  # as in the kernel: no nanoprop, the given code
        exec(probes.kernel_code(str(folder)), namespace)
    failed = {}
    for i, verdict in probes.judge(str(folder), specs, inputs).items():
        if verdict:
            for grade_id in specs[i]["grade_ids"]:
                failed.setdefault(grade_id, verdict)
    return failed


def namespace_of(nb):
    namespace = {"__name__": "__main__"}
    run_cells(nb, namespace)
    return namespace


def test_every_probe_guards_a_real_test_of_its_assignment():
    for assignment in PROBED:
        tests = set(demo.test_cells(source(assignment)))
        for spec in SPECS[assignment]:
            assert set(spec["grade_ids"]) <= tests, (assignment, spec["function"])


@pytest.mark.parametrize("assignment", sorted(SPECS))
def test_every_graded_test_is_guarded_by_an_outside_check(assignment):
    """No test's points rest on the in-kernel verdict alone."""
    tests = set(demo.test_cells(source(assignment)))
    guarded = {g for spec in SPECS[assignment] for g in spec["grade_ids"]}
    assert tests <= guarded, f"{assignment}: {sorted(tests - guarded)} rest on the notebook's verdict only"


@pytest.mark.parametrize("assignment", PROBED)
def test_the_solution_passes_every_probe(assignment, tmp_path):
    assert probe(namespace_of(source(assignment)), assignment, tmp_path) == {}


@pytest.mark.parametrize(
    "mutant", [m for m in catalogue.all_bugs() if m.assignment in PROBED], ids=lambda m: m.name
)
def test_a_seeded_bug_fails_the_probes_of_what_it_breaks(mutant, tmp_path):
    failed = probe(
        namespace_of(catalogue.apply_bug(mutant, source(mutant.assignment))), mutant.assignment, tmp_path
    )
    assert set(failed) <= mutant.lost, f"a probe accuses a test the bug keeps: {failed}"
    guarded = {g for spec in SPECS[mutant.assignment] for g in spec["grade_ids"]}
    if mutant.message not in UNSEEN and mutant.lost & guarded:
        assert failed, f"{mutant.name} breaks {sorted(mutant.lost & guarded)} but passes their probes"


def test_large_logits_catch_an_unstable_softmax(tmp_path):
    (mutant,) = [m for m in catalogue.all_bugs() if m.name == "softmax_unstable"]
    failed = probe(namespace_of(catalogue.apply_bug(mutant, source("a3_loss"))), "a3_loss", tmp_path)
    assert set(failed) == {"test_softmax"} and "large logits" in failed["test_softmax"]


def test_a_probe_says_which_output_disagrees(tmp_path):
    ns = namespace_of(source("a5_backprop"))
    right = ns["affine_backward"]
    ns["affine_backward"] = lambda dout, cache: (lambda g: (g[0], 2 * g[1], g[2]))(right(dout, cache))
    failed = probe(ns, "a5_backprop", tmp_path)
    assert set(failed) == {"test_affine_dW"}
    msg = failed["test_affine_dW"]
    assert msg.startswith("affine_backward (dW): on fresh inputs, dW "), msg
    assert "differs from the expected value at index" in msg or "times too large" in msg, msg


def test_demo_assignments_are_all_known():
    assert set(PROBED) <= set(demo.ASSIGNMENTS)


def test_odd_but_correct_answers_pass(tmp_path):
    """What the notebook's own tests accept, the probes accept too."""
    ns = namespace_of(source("a5_backprop"))
    ns["sigmoid_backward"] = lambda dout, cache: dout * (s := np.clip(cache, 1e-12, 1 - 1e-12)) * (1 - s)
    ns["tanh_backward"] = lambda dout, cache: dout * (1 - np.clip(cache, -1, 1) ** 2)
    assert probe(ns, "a5_backprop", tmp_path / "a5") == {}
    ns = namespace_of(source("a3_loss"))
    right = ns["mse_loss"]
    ns["mse_loss"] = lambda pred, target: (np.array([right(pred, target)[0]]), list(right(pred, target))[1])
    assert probe(ns, "a3_loss", tmp_path / "a3") == {}
    ns = namespace_of(source("a6_training"))
    ns["sgd"] = lambda w, dw, learning_rate=0.01: [
        w - learning_rate * dw for _ in [0] if isinstance(learning_rate, float)
    ][0]
    assert probe(ns, "a6_training", tmp_path / "a6") == {}


def test_a_pipe_in_place_of_a_result_cannot_hang_the_grader(tmp_path):
    specs = SPECS["a1_neuron"]
    inputs = probes.prepare(str(tmp_path), specs, seed=1)
    os.mkfifo(tmp_path / "status.json")
    signal.alarm(20)  # a hang fails the test instead of blocking the suite
    try:
        verdicts = probes.judge(str(tmp_path), specs, inputs)
    finally:
        signal.alarm(0)
    assert all(isinstance(v, probes.Unchecked) for v in verdicts.values()) and verdicts


def test_a_link_in_place_of_the_probe_folder_is_not_followed(tmp_path):
    target = tmp_path / "elsewhere"
    target.mkdir()
    (tmp_path / "probe").symlink_to(target)
    with pytest.raises(OSError):
        probes.prepare(str(tmp_path / "probe"), SPECS["a1_neuron"], seed=1)
    assert list(target.iterdir()) == []
    assert set(probes.judge(str(tmp_path / "probe"), SPECS["a1_neuron"], [])) == set(
        range(len(SPECS["a1_neuron"]))
    )


INLINE_FORWARD_WITHOUT_BIAS = """
class MLP(given.MLP):
    def forward(self, X):
        act_forward, _ = ACTIVATION_LAYERS[self.activation]
        caches, out = [], X
        for i in range(1, self.n_layers + 1):
            x, W = out, self.params[f"W{i}"]
            out = x @ W
            act_cache = None
            if i < self.n_layers:
                out, act_cache = act_forward(out)
            caches.append(((x, W), act_cache))
        return out, caches
"""


def test_a_bias_forgotten_inside_a_network_fails_its_check(tmp_path):
    """The networks of the checks have non-zero biases, so an affine step written inline without
    its bias shows (a fresh model's biases are all zero)."""
    ns = namespace_of(source("a2_forward"))
    exec(INLINE_FORWARD_WITHOUT_BIAS, ns)
    assert set(probe(ns, "a2_forward", tmp_path)) == {"test_mlp_forward"}
