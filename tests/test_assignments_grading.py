"""Validity of the graded assignments, checked by grading real notebooks with plain nbgrader.

One course folder (in a temporary directory) holds a "class" of special students: the
instructor's solution, the released blank, and one student per seeded mutant. It is graded
once per session; every test below reads the results.
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
MUTANTS = [m for m in mutants.MUTANTS if m.assignment in ASSIGNMENTS]

pytestmark = [pytest.mark.grading, pytest.mark.xdist_group("assignment-grading")]


def _student_id(i):
    return f"m{i:02d}"


@pytest.fixture(scope="session")
def graded(tmp_path_factory):
    """Grade solution, blank and every mutant of every assignment; return the course folder."""
    course_dir = demo.make_course(tmp_path_factory.mktemp("validity") / "course", ASSIGNMENTS)
    students = [demo.Student("solution", "Sol", "Ution", "sol@example.edu"),
                demo.Student("blank", "Bl", "Ank", "blank@example.edu")]
    work = {}
    for a in ASSIGNMENTS:
        cells = tuple(demo.solution_cells(demo.read_notebook(ROOT / "assignments" / a / f"{a}.ipynb")))
        work["solution", a] = demo.Work("complete", cells, None)
        work["blank", a] = demo.Work("blank", (), None)
        for i, m in enumerate(MUTANTS):
            work[_student_id(i), a] = (demo.Work("buggy", cells, m) if m.assignment == a
                                       else demo.Work("missing", (), None))
    students += [demo.Student(_student_id(i), "Mu", m.name, f"m{i}@example.edu") for i, m in enumerate(MUTANTS)]
    exported = demo.grade_class(course_dir, students, work, ASSIGNMENTS)
    return course_dir, work, exported


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


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_scores_full_marks(graded, assignment):
    _, _, exported = graded
    assert exported["solution", assignment] == max_score(assignment) > 0


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_released_blank_runs_and_scores_zero(graded, assignment):
    course_dir, _, exported = graded
    assert exported["blank", assignment] == 0
    nb = autograded(course_dir, "blank", assignment)
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and not cell["metadata"].get("nbgrader", {}).get("grade"):
            errors = [o for o in cell["outputs"] if o["output_type"] == "error"]
            assert not errors, f"a non-test cell of the blank {assignment} fails: {errors}"
    for grade_id, text in failing_tests(nb).items():
        assert checks.MESSAGES["not_written"] in text, f"{grade_id}: {text[-500:]}"


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.name for m in MUTANTS])
def test_mutant_loses_exactly_the_broken_part(graded, mutant):
    course_dir, work, exported = graded
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


def test_every_assignment_has_three_mutants_or_more():
    for a in ASSIGNMENTS:
        assert len(mutants.for_assignment(a)) >= 3, a


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_hides_solutions_and_hidden_tests(graded, assignment):
    course_dir, _, _ = graded
    released = (Path(course_dir) / "release" / assignment / f"{assignment}.ipynb").read_text()
    assert "HIDDEN TESTS" not in released and "BEGIN SOLUTION" not in released
    source = demo.read_notebook(ROOT / "assignments" / assignment / f"{assignment}.ipynb")
    for cell in source["cells"]:
        hidden = re.findall(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", cell["source"], re.S)
        for block in hidden:
            for line in block.strip().splitlines():
                if len(line.strip()) > 25:
                    assert line not in released, f"hidden test line in the release: {line}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_feedback_shows_no_hidden_test_code(graded, assignment):
    course_dir, _, _ = graded
    html = (Path(course_dir) / "feedback" / "blank" / assignment / f"{assignment}.html").read_text()
    assert "HIDDEN TESTS" not in html and "compare_with_reference" not in html
    assert checks.MESSAGES["not_written"] in html       # the learner still reads the message


def test_nbgrader_validate_passes_on_a_correct_notebook(graded):
    course_dir, _, _ = graded
    correct = [str(Path(course_dir) / "submitted" / "solution" / a / f"{a}.ipynb") for a in ASSIGNMENTS]
    out = demo.nbgrader(course_dir, "validate", *correct)
    assert out.count("Success! Your notebook passes all the tests.") == len(ASSIGNMENTS), out[-2000:]
    blank = str(Path(course_dir) / "submitted" / "blank" / ASSIGNMENTS[0] / f"{ASSIGNMENTS[0]}.ipynb")
    out = demo.nbgrader(course_dir, "validate", blank, check=False)
    assert "Success!" not in out and checks.MESSAGES["not_written"] in out, out[-2000:]
