"""Validity of the graded assignments, checked by grading real notebooks with plain nbgrader.

A course folder (in a temporary directory) holds a "class" of special students: the
instructor's solution, the released blank, and one student per seeded mutant. The
assignments are graded in two groups, each once per session in its own folder, so that the
two groups can run on the two test workers side by side; every test reads the results.
"""
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from course import checks, demo, mutants

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENTS = [a for a in demo.ASSIGNMENTS if (ROOT / "assignments" / a / f"{a}.ipynb").exists()]
# Graded by nbgrader: the first three mutants of each assignment and the one that calls
# nanoprop. (tests/test_assignments_mutants.py checks every mutant, in-process.)
MUTANTS = [m for a in ASSIGNMENTS for i, m in enumerate(mutants.for_assignment(a))
           if i < 3 or m.message == "calls_reference"]
# Two groups of about the same grading work, one per test worker.
GROUPS = [["a1_neuron", "a2_forward", "a3_loss", "a7_rnn"], ["a4_autograd", "a5_backprop", "a6_training"]]
GROUP_OF = {a: i for i, group in enumerate(GROUPS) for a in group}

pytestmark = [pytest.mark.grading]


def _student_id(i):
    return f"m{i:02d}"


def by_group(values, assignment_of=lambda v: v, ids=None):
    """Parameters that run on the worker grading their assignment's group."""
    return [pytest.param(v, id=ids(v) if ids else None,
                         marks=pytest.mark.xdist_group(f"grading-{GROUP_OF[assignment_of(v)]}"))
            for v in values]


def grade_group(course_dir, assignments):
    """Grade solution, blank and every mutant of these assignments; return the results."""
    course_dir = demo.make_course(course_dir, assignments)
    students = [demo.Student("solution", "Sol", "Ution", "sol@example.edu"),
                demo.Student("blank", "Bl", "Ank", "blank@example.edu")]
    students += [demo.Student(_student_id(i), "Mu", m.name, f"m{i}@example.edu")
                 for i, m in enumerate(MUTANTS) if m.assignment in assignments]
    work = {}
    for a in assignments:
        cells = tuple(demo.solution_cells(demo.read_notebook(ROOT / "assignments" / a / f"{a}.ipynb")))
        work["solution", a] = demo.Work("complete", cells, None)
        work["blank", a] = demo.Work("blank", (), None)
        for i, m in enumerate(MUTANTS):
            work[_student_id(i), a] = (demo.Work("buggy", cells, m) if m.assignment == a
                                       else demo.Work("missing", (), None))
    exported = demo.grade_class(course_dir, students, work, assignments, feedback_for="blank", via_lms=False)
    return course_dir, work, exported


@pytest.fixture(scope="session")
def grading_results(tmp_path_factory):
    cache = {}

    def results(assignment):
        group = GROUP_OF[assignment]
        if group not in cache:
            folder = tmp_path_factory.mktemp(f"validity{group}") / "course"
            cache[group] = grade_group(folder, [a for a in GROUPS[group] if a in ASSIGNMENTS])
        return cache[group]
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
    return sum(p for p, _ in demo.test_cells(demo.read_notebook(
        ROOT / "assignments" / assignment / f"{assignment}.ipynb")).values())


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
    for grade_id, text in failing.items():          # every failure is explained to the learner
        assert "Mistake: " in text, f"{grade_id} failed without a diagnosis: {text[-800:]}"
    assert any(checks.MESSAGES[mutant.message] in text for text in failing.values()), failing
    nb = demo.read_notebook(ROOT / "assignments" / mutant.assignment / f"{mutant.assignment}.ipynb")
    lost_points = sum(demo.test_cells(nb)[g][0] for g in mutant.lost)
    assert exported[student, mutant.assignment] == max_score(mutant.assignment) - lost_points
    assert exported[student, mutant.assignment] == demo.expected_score(nb, work[student, mutant.assignment])


def test_every_assignment_has_three_graded_mutants_and_a_cheat():
    for a in ASSIGNMENTS:
        graded = [m for m in MUTANTS if m.assignment == a]
        assert len(graded) >= 3 and any(m.message == "calls_reference" for m in graded), a


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
    assert checks.MESSAGES["not_written"] in html       # the learner still reads the message


@pytest.mark.parametrize("assignment", by_group(["a1_neuron", "a6_training"]))
def test_nbgrader_validate_passes_on_a_correct_notebook(grading_results, assignment):
    course_dir, _, _ = grading_results(assignment)
    correct = Path(course_dir) / "submitted" / "solution" / assignment / f"{assignment}.ipynb"
    out = demo.nbgrader(course_dir, "validate", str(correct))
    assert "Success! Your notebook passes all the tests." in out, out[-2000:]
    blank = Path(course_dir) / "submitted" / "blank" / assignment / f"{assignment}.ipynb"
    out = demo.nbgrader(course_dir, "validate", str(blank), check=False)
    assert "Success!" not in out and checks.MESSAGES["not_written"] in out, out[-2000:]
