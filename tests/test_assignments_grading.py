"""Validity of the graded assignments, checked by grading real notebooks with plain nbgrader.

A course folder (in a temporary directory) holds a "class" of special students: the
instructor's solution, the released blank, and one student per seeded mutant. The
assignments are graded in two groups, each once per test run in its own folder: the first
test worker to need a group grades it (holding a file lock), any other worker waits and
reads the same results, so the two groups can be graded side by side on two workers.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from once import built_once

import checks
from tools import assignments as catalogue
from tools import demo_class as demo

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENTS = demo.ASSIGNMENTS
# Graded by nbgrader: the first three mutants of each assignment. (tests/test_assignments_mutants.py
# checks every mutant, in-process.)
MUTANTS = [m for a in ASSIGNMENTS for m in catalogue.get(a).bugs[:3]]


def balanced_groups(assignments, n=2):
    """The assignments split into ``n`` groups of about the same grading work (one per test
    worker): the notebooks to grade times the test cells in each, largest first to the lightest."""

    def work(a):
        graded = 2 + sum(m.assignment == a for m in MUTANTS)  # the solution, the blank, the bugs
        return graded * len(demo.test_cells(catalogue.get(a).read_notebook()))

    groups = [[] for _ in range(n)]
    for a in sorted(assignments, key=work, reverse=True):
        min(groups, key=lambda g: sum(map(work, g))).append(a)
    return [sorted(g) for g in groups if g]


GROUPS = balanced_groups(ASSIGNMENTS)
GROUP_OF = {a: i for i, group in enumerate(GROUPS) for a in group}

pytestmark = [pytest.mark.grading]


def _student_id(i):
    return f"m{i:02d}"


def by_group(values, assignment_of=lambda v: v, ids=None):
    """Parameters ordered group by group (and marked with their group for --dist loadgroup)."""
    values = sorted(values, key=lambda v: GROUP_OF[assignment_of(v)])
    return [
        pytest.param(
            v,
            id=ids(v) if ids else None,
            marks=pytest.mark.xdist_group(f"grading-{GROUP_OF[assignment_of(v)]}"),
        )
        for v in values
    ]


def validity_class(assignments):
    """The special students and their work: solution, blank and one per graded mutant."""
    students = [
        demo.Student("solution", "Sol", "Ution", "sol@example.edu"),
        demo.Student("blank", "Bl", "Ank", "blank@example.edu"),
    ]
    students += [
        demo.Student(_student_id(i), "Mu", m.name, f"m{i}@example.edu")
        for i, m in enumerate(MUTANTS)
        if m.assignment in assignments
    ]
    work = {}
    for a in assignments:
        cells = tuple(demo.solution_cells(demo.read_notebook(ROOT / "assignments" / a / f"{a}.ipynb")))
        work["solution", a] = demo.Work("complete", cells, None)
        work["blank", a] = demo.Work("blank", (), None)
        for i, m in enumerate(MUTANTS):
            work[_student_id(i), a] = (
                demo.Work("buggy", cells, m) if m.assignment == a else demo.Work("missing", (), None)
            )
    return students, work


@pytest.fixture(scope="session")
def grading_results(tmp_path_factory):
    """results(assignment) -> (course folder, work, exported grades) of its group."""

    def grade(group, wait):
        """Grade the group once per test run (see ``once``); without wait, None if another
        worker is grading it."""

        def build(folder):
            assignments = [a for a in GROUPS[group] if a in ASSIGNMENTS]
            students, work = validity_class(assignments)
            exported = demo.grade_class(
                demo.make_course(folder / "course", assignments),
                students,
                work,
                assignments,
                feedback_for="blank",
                via_lms=False,
            )
            return [[s, a, x] for (s, a), x in exported.items()]

        return built_once(tmp_path_factory, f"assignment-validity-{group}", build, wait)

    def results(assignment):
        group = GROUP_OF[assignment]
        done = grade(group, wait=False)
        if done is None:  # another worker is grading it: grade the others meanwhile
            for other in range(len(GROUPS)):
                if other != group:
                    grade(other, wait=False)
            done = grade(group, wait=True)
        folder, exported = done
        _, work = validity_class([a for a in GROUPS[group] if a in ASSIGNMENTS])
        return folder / "course", work, {(s, a): x for s, a, x in exported}

    return results


def autograded(course_dir, student, assignment):
    return demo.read_notebook(Path(course_dir) / "autograded" / student / assignment / f"{assignment}.ipynb")


def failing_tests(nb):
    """{grade_id: error text} for every graded test cell whose output is an error."""
    out = {}
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        errors = [o for o in cell.get("outputs", []) if o["output_type"] == "error"]
        if meta.get("grade") and errors:
            out[meta["grade_id"]] = "\n".join(errors[0]["traceback"] + [errors[0]["evalue"]])
    return out


def max_score(assignment):
    return sum(
        p
        for p, _ in demo.test_cells(
            demo.read_notebook(ROOT / "assignments" / assignment / f"{assignment}.ipynb")
        ).values()
    )


@pytest.mark.parametrize("assignment", by_group(ASSIGNMENTS))
def test_solution_scores_full_marks(grading_results, assignment):
    _, _, exported = grading_results(assignment)
    assert exported["solution", assignment] == max_score(assignment) > 0


@pytest.mark.parametrize("assignment", by_group(ASSIGNMENTS))
def test_released_blank_runs_and_scores_zero(grading_results, assignment):
    course_dir, _, exported = grading_results(assignment)
    assert exported["blank", assignment] == 0
    nb = autograded(course_dir, "blank", assignment)
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and not cell["metadata"].get("nbgrader", {}).get("grade"):
            errors = [o for o in cell["outputs"] if o["output_type"] == "error"]
            assert not errors, f"a non-test cell of the blank {assignment} fails: {errors}"
    for grade_id, text in failing_tests(nb).items():
        assert checks.MESSAGES["not_written"] in text, f"{grade_id}: {text[-500:]}"


@pytest.mark.parametrize("mutant", by_group(MUTANTS, lambda m: m.assignment, lambda m: m.name))
def test_mutant_loses_exactly_the_broken_part(grading_results, mutant):
    course_dir, work, exported = grading_results(mutant.assignment)
    student = _student_id(MUTANTS.index(mutant))
    failing = failing_tests(autograded(course_dir, student, mutant.assignment))
    assert set(failing) == mutant.lost
    for grade_id, text in failing.items():  # every failure is explained to the learner
        assert "Mistake: " in text, f"{grade_id} failed without a diagnosis: {text[-800:]}"
    assert any(checks.MESSAGES[mutant.message] in text for text in failing.values()), failing
    nb = demo.read_notebook(ROOT / "assignments" / mutant.assignment / f"{mutant.assignment}.ipynb")
    lost_points = sum(demo.test_cells(nb)[g][0] for g in mutant.lost)
    assert exported[student, mutant.assignment] == max_score(mutant.assignment) - lost_points
    assert exported[student, mutant.assignment] == demo.expected_score(nb, work[student, mutant.assignment])


def test_every_assignment_has_three_graded_mutants():
    for a in ASSIGNMENTS:
        assert len([m for m in MUTANTS if m.assignment == a]) >= 3, a


@pytest.mark.parametrize("assignment", by_group(ASSIGNMENTS))
def test_release_hides_solutions_and_hidden_tests(grading_results, assignment):
    course_dir, _, _ = grading_results(assignment)
    released = (Path(course_dir) / "release" / assignment / f"{assignment}.ipynb").read_text()
    assert "HIDDEN TESTS" not in released and "BEGIN SOLUTION" not in released
    source = demo.read_notebook(ROOT / "assignments" / assignment / f"{assignment}.ipynb")
    for cell in source["cells"]:
        hidden = re.findall(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", cell["source"], re.S)
        for block in hidden:
            for line in block.strip().splitlines():
                if len(line.strip()) > 25:
                    assert line not in released, f"hidden test line in the release: {line}"


@pytest.mark.parametrize("assignment", by_group(ASSIGNMENTS))
def test_feedback_shows_no_hidden_test_code(grading_results, assignment):
    course_dir, _, _ = grading_results(assignment)
    html = (Path(course_dir) / "feedback" / "blank" / assignment / f"{assignment}.html").read_text()
    assert "HIDDEN TESTS" not in html and "compare_with_reference" not in html
    assert not re.search(r"<script[^>]+src=[\"']?(https?:)?//", html), (
        "feedback loads a script off the machine"
    )
    assert checks.MESSAGES["not_written"] in html  # the learner still reads the message


def as_in_the_kit(course_dir, student, assignment):
    """The files of the kit next to a learner's notebook, as in the folder a learner works in."""
    for kit_file in (Path(course_dir) / "release" / assignment).iterdir():
        if kit_file.suffix != ".ipynb":
            shutil.copy(kit_file, Path(course_dir) / "submitted" / student / assignment)


@pytest.mark.parametrize("assignment", by_group(["a1_neuron", "a6_training"]))
def test_nbgrader_validate_passes_on_a_correct_notebook(grading_results, assignment):
    course_dir, _, _ = grading_results(assignment)
    correct = Path(course_dir) / "submitted" / "solution" / assignment / f"{assignment}.ipynb"
    for student in ("solution", "blank"):
        as_in_the_kit(course_dir, student, assignment)
    out = demo.nbgrader(course_dir, "validate", str(correct))
    assert "Success! Your notebook passes all the tests." in out, out[-2000:]
    blank = Path(course_dir) / "submitted" / "blank" / assignment / f"{assignment}.ipynb"
    out = demo.nbgrader(course_dir, "validate", str(blank), check=False)
    assert "Success!" not in out and checks.MESSAGES["not_written"] in out, out[-2000:]


@pytest.mark.slow
@pytest.mark.parametrize("assignment", by_group(["a1_neuron"]))
def test_jupyterlab_serves_the_release_and_its_validate_button_passes(grading_results, assignment):
    """What `make lab` gives a learner: JupyterLab on the course folder, the released notebook,
    and nbgrader's Validate extension (the button calls /assignments/validate)."""
    import json as _json
    import secrets
    import socket
    import time
    import urllib.parse
    import urllib.request

    course_dir, _, _ = grading_results(assignment)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = secrets.token_hex(16)
    env = dict(os.environ, PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
    log = open(Path(course_dir).parent / "jupyterlab.log", "w")
    as_root = ["--allow-root"] if os.getuid() == 0 else []  # as `make lab` does
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "jupyter"),
            "lab",
            "--no-browser",
            f"--port={port}",
            "--ip=127.0.0.1",
            f"--ServerApp.token={token}",
            f"--ServerApp.root_dir={course_dir}",
            *as_root,
        ],
        cwd=course_dir,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"

    def request(path, data=None):
        req = urllib.request.Request(base + path, data=data, headers={"Authorization": f"token {token}"})
        with urllib.request.urlopen(req, timeout=120) as response:
            return response.status, response.read().decode()

    try:
        for _ in range(600):  # the server needs a few seconds to start
            try:
                request("/api/status")
                break
            except OSError:
                assert server.poll() is None, Path(log.name).read_text()[-3000:]
                time.sleep(0.5)
        status, page = request("/lab")
        assert status == 200 and "JupyterLab" in page
        status, body = request(f"/api/contents/release/{assignment}/{assignment}.ipynb")
        assert _json.loads(body)["type"] == "notebook"
        _, body = request(
            "/nbgrader_version?version=" + urllib.parse.quote(__import__("nbgrader").__version__)
        )
        assert _json.loads(body)["success"] is True
        as_in_the_kit(course_dir, "solution", assignment)
        path = f"submitted/solution/{assignment}/{assignment}.ipynb"
        _, body = request("/assignments/validate", data=urllib.parse.urlencode({"path": path}).encode())
        result = _json.loads(body)
        assert result["success"] is True and not result["value"].get("failed"), result
        path = f"release/{assignment}/{assignment}.ipynb"
        _, body = request("/assignments/validate", data=urllib.parse.urlencode({"path": path}).encode())
        assert _json.loads(body)["value"].get("failed"), "the blank release should not validate"
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
