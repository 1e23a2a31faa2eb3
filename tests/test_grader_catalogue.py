"""The catalogue of bad submissions, graded in one batch with honest ones.

For every entry of ``bad_submissions.catalogue``: the batch completes, the points per test are the
expected ones, the expected flags are raised with a message, the learner's original files are
unchanged, and nothing outside the learner's folder changed. Honest submissions in the same batch
get their correct grades.
"""

import hashlib
import os
import socket
import sqlite3

import nbformat
import pytest
from bad_submissions import fixture as fx
from bad_submissions.catalogue import CATALOGUE, Context
from once import built_once

import nanoprop
from course.autograde import Course, Options, autograde, load_records
from course.jail.sandbox import FIRST_UID, UID_SLOTS, Limits, detect

pytestmark = [pytest.mark.grading, pytest.mark.slow, pytest.mark.xdist_group("grader_catalogue")]

LIMITS = Limits(notebook_timeout=40, cpu_seconds=60, memory_bytes=1024 * 2**20, max_output_bytes=256 * 1024)
# Without the jail (no bubblewrap, or not root) these entries would really write the reference,
# spawn processes without a limit or reach the network: they are left out, with the reason.
JAILED = detect().bwrap and detect().own_user
RUNNABLE = [b for b in CATALOGUE if JAILED or not b.needs_jail]
HONEST = {
    "honest_1": fx.CORRECT,
    "honest_2": fx.CORRECT,
    "honest_wrong": dict(fx.CORRECT, neuron=fx.WRONG_NEURON),
}


def tree_hashes(folder):
    out = {}
    for dirpath, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(dirpath, name)
            out[os.path.relpath(path, folder)] = hashlib.sha256(open(path, "rb").read()).hexdigest()
    return out


def orphaned_sandbox_processes():
    """Processes of a sandbox user left behind by their kernel (adopted by init). Kernels of
    other gradings running at the same time still have their jail as parent, so they are not
    counted."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            uid = os.stat(f"/proc/{pid}").st_uid
            ppid = int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if FIRST_UID <= uid < FIRST_UID + UID_SLOTS and ppid == 1:
            found.append(pid)
    return found


def grade_catalogue(root):
    """Build the course with every bad and honest submission, grade it in one batch; return the
    summary and the fingerprints of everything that must not change."""
    fx.make_course(root)
    for student, answers in HONEST.items():
        fx.write_submission(root, student, fx.answered(root, answers))
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    ctx = Context(
        root=str(root),
        victim_notebook=str(fx.submission_dir(root, "honest_1") / "f1_neuron.ipynb"),
        reference_file=os.path.join(os.path.dirname(nanoprop.__file__), "activations.py"),
        gradebook=str(root / "gradebook.db"),
        port=listener.getsockname()[1],
    )
    for bad in RUNNABLE:
        bad.build(root, bad.student, ctx)
    before = {
        "submitted": tree_hashes(root / "submitted"),
        "reference": tree_hashes(os.path.dirname(nanoprop.__file__)),
        "config": hashlib.sha256((root / "nbgrader_config.py").read_bytes()).hexdigest(),
        "source": tree_hashes(root / "assignments"),
    }
    try:
        summary = autograde(root, fx.ASSIGNMENT, Options(jobs=2, limits=LIMITS, progress=False))
    finally:
        listener.close()
    return {
        "graded": summary.graded,
        "failed": summary.failed,
        "interrupted": summary.interrupted,
        "before": before,
    }


@pytest.fixture(scope="session")
def graded(tmp_path_factory):
    """(course folder, summary, fingerprints), graded once per test run (see ``once``)."""
    folder, result = built_once(
        tmp_path_factory, "grader-catalogue", lambda folder: grade_catalogue(folder / "course")
    )
    return folder / "course", result, result["before"]


def scores(root, student):
    course = Course(root)
    with course.gradebook() as gb:
        nb = gb.find_submission_notebook(fx.NOTEBOOK, fx.ASSIGNMENT, student)
        return {g.name: g.auto_score for g in nb.grades}, {g.name: g.needs_manual_grade for g in nb.grades}


def test_the_catalogue_is_big_enough():
    assert len(CATALOGUE) >= 20
    assert len({b.student for b in CATALOGUE}) == len(CATALOGUE)


def test_the_batch_completes(graded):
    root, summary, _ = graded
    everyone = set(HONEST) | {b.student for b in RUNNABLE}
    assert set(summary["graded"]) == everyone, f"not graded: {everyone - set(summary['graded'])}"
    assert not summary["failed"] and not summary["interrupted"]


def test_honest_submissions_get_their_grades(graded):
    root, _, _ = graded
    assert scores(root, "honest_1")[0] == fx.POINTS
    assert scores(root, "honest_2")[0] == fx.POINTS
    assert scores(root, "honest_wrong")[0] == {"test_sigmoid": 2.0, "test_neuron": 0.0}
    assert fx.record(root, "honest_1")["flags"] == []


@pytest.mark.parametrize("bad", CATALOGUE, ids=[b.name for b in CATALOGUE])
def test_bad_submission_is_graded_right(graded, bad):
    if bad not in RUNNABLE:
        pytest.skip("needs the bubblewrap jail and its own user: " + detect().describe())
    root, _, _ = graded
    got, manual = scores(root, bad.student)
    assert got == bad.scores, f"{bad.name}: {bad.what}\n{fx.record(root, bad.student)['flags']}"
    assert not any(manual.values()), f"{bad.name}: left waiting for manual grading"
    rec = fx.record(root, bad.student)
    kinds = {f["kind"] for f in rec["flags"]}
    assert bad.flags <= kinds, f"{bad.name}: expected flags {bad.flags}, got {rec['flags']}"
    assert all(f["message"] for f in rec["flags"])
    if bad.output_must_not_contain:
        nb = nbformat.read(root / "autograded" / bad.student / fx.ASSIGNMENT / f"{fx.NOTEBOOK}.ipynb", 4)
        text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
        assert bad.output_must_not_contain not in text, text[:2000]
        if detect().bwrap:
            assert text, "the probe code printed nothing"


def test_original_submissions_are_unchanged(graded):
    root, _, before = graded
    assert tree_hashes(root / "submitted") == before["submitted"]


def test_nothing_outside_the_learners_folder_changed(graded):
    root, _, before = graded
    assert tree_hashes(os.path.dirname(nanoprop.__file__)) == before["reference"]
    assert hashlib.sha256((root / "nbgrader_config.py").read_bytes()).hexdigest() == before["config"]
    assert tree_hashes(root / "assignments") == before["source"]


def test_the_gradebook_is_consistent(graded):
    root, _, _ = graded
    con = sqlite3.connect(root / "gradebook.db")
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    n = con.execute("SELECT count(*) FROM submitted_assignment").fetchone()[0]
    con.close()
    assert n == len(HONEST) + len(RUNNABLE)


def test_no_learner_process_survives(graded):
    if not detect().own_user:
        pytest.skip("kernels do not run as their own users here: " + detect().describe())
    assert orphaned_sandbox_processes() == []


def test_the_report_shows_every_flagged_submission(graded, tmp_path):
    from course.report import summarise, write_report

    root, _, _ = graded
    s = summarise(load_records(Course(root), fx.ASSIGNMENT))
    flagged = {student for student, _ in s["flagged"]}
    for bad in RUNNABLE:
        if bad.flags:
            assert bad.student in flagged, bad.name
    assert "honest_1" not in flagged
    page = open(write_report(root, fx.ASSIGNMENT, tmp_path / "r.html"), encoding="utf-8").read()
    assert "not valid notebook JSON" in page and "outside the kernel" in page
    assert s["graded"] == len(HONEST) + len(RUNNABLE)
