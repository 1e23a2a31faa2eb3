"""A tiny nbgrader assignment and class used to test the grader, built in a temporary folder.

``make_course(root)`` writes an nbgrader course (config, one source notebook, a gradebook with
the assignment generated) and ``write_submission`` puts a learner's notebook where nbgrader
collects it: ``submitted/<student>/<assignment>/<notebook>.ipynb``.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

ASSIGNMENT = "f1_neuron"
NOTEBOOK = "f1_neuron"

# The same grading rules as the course's nbgrader_config.py (kept in step by a test).
# Points of each autograded test cell, by grade id.
POINTS = {"test_sigmoid": 2.0, "test_neuron": 3.0}
MAX_SCORE = sum(POINTS.values())

SIGMOID_SOLUTION = (
    "def sigmoid(z):\n    ### BEGIN SOLUTION\n    return 1.0 / (1.0 + np.exp(-z))\n    ### END SOLUTION"
)
NEURON_SOLUTION = (
    "def neuron(x, w, b):\n    ### BEGIN SOLUTION\n    return sigmoid(np.dot(x, w) + b)\n    ### END SOLUTION"
)

# What a learner writes in place of the solutions (the honest, correct answer).
CORRECT = {
    "sigmoid": "def sigmoid(z):\n    return 1.0 / (1.0 + np.exp(-z))",
    "neuron": "def neuron(x, w, b):\n    return sigmoid(np.dot(x, w) + b)",
}
# A plausible wrong answer for the neuron (forgets the bias).
WRONG_NEURON = "def neuron(x, w, b):\n    return sigmoid(np.dot(x, w))"

# Code of the hidden tests below, none of which may ever reach a learner (rendering entries check it;
# a failed hidden test's message is shown on purpose, so messages are not in this list).
HIDDEN = ("np.linspace(-6, 6, 13)", "np.allclose(sigmoid(z)", "x @ w + 0.5", "BEGIN HIDDEN TESTS")

TEST_SIGMOID = """# visible test
assert np.isclose(sigmoid(0.0), 0.5)
### BEGIN HIDDEN TESTS
z = np.linspace(-6, 6, 13)
assert np.allclose(sigmoid(z) + sigmoid(-z), 1.0), "sigmoid(z) + sigmoid(-z) should be 1"
### END HIDDEN TESTS"""

TEST_NEURON = """x = np.array([1.0, -2.0, 0.5]); w = np.array([0.3, 0.1, -0.4])
assert np.isclose(neuron(x, w, 0.0), 1 / (1 + np.exp(0.1)))
### BEGIN HIDDEN TESTS
assert np.isclose(neuron(x, w, 0.5), 1 / (1 + np.exp(-(x @ w + 0.5)))), "the bias is not added"
### END HIDDEN TESTS"""


def _cell(kind, source, **nbgrader):
    cell = nbformat.v4.new_code_cell(source) if kind == "code" else nbformat.v4.new_markdown_cell(source)
    if nbgrader:
        meta = {"schema_version": 3, "grade": False, "solution": False, "locked": False}
        meta.update(nbgrader)
        cell.metadata["nbgrader"] = meta
    return cell


def source_notebook():
    """The instructor's source notebook (solutions and hidden tests marked for nbgrader)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        _cell("markdown", "# A neuron\nImplement the sigmoid, then a neuron."),
        _cell("code", "import numpy as np"),
        _cell("code", SIGMOID_SOLUTION, solution=True, grade_id="sigmoid"),
        _cell(
            "code",
            TEST_SIGMOID,
            grade=True,
            locked=True,
            grade_id="test_sigmoid",
            points=POINTS["test_sigmoid"],
        ),
        _cell("code", NEURON_SOLUTION, solution=True, grade_id="neuron"),
        _cell(
            "code", TEST_NEURON, grade=True, locked=True, grade_id="test_neuron", points=POINTS["test_neuron"]
        ),
    ]
    return nb


CONFIG = """c = get_config()
c.CourseDirectory.course_id = "fixture-course"
c.CourseDirectory.root = "."
c.CourseDirectory.source_directory = "assignments"
c.CourseDirectory.db_url = "sqlite:///gradebook.db"
c.Execute.timeout = 10
# the course's own grading rules (the same as nbgrader_config.py at the top of the project)
from course.grading_rules import apply_grading_rules
apply_grading_rules(c)
"""

# Checks outside the kernel (the grader calls the learner's functions on inputs it draws):
# the outside checks of the fixture assignment, as an assignment folder holds them (probes.toml).
PROBES = """
[[probe]]
function = "sigmoid"
reference = "nanoprop.sigmoid"
args = [{ normal = [9] }]
grade_ids = ["test_sigmoid"]

[[probe]]
function = "neuron"
reference = "nanoprop.neuron"
args = [{ normal = [6] }, { normal = [6] }, { value = 0.3 }]
grade_ids = ["test_neuron"]
"""


def nbgrader_cmd(root, *args):
    """Run a plain nbgrader command in the course folder; raise with its output on failure."""
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    proc = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args], cwd=root, env=env, capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def make_course(root, extra_config=""):
    """Create the fixture course in ``root`` and generate/release the assignment."""
    root = Path(root)
    (root / "assignments" / ASSIGNMENT).mkdir(parents=True, exist_ok=True)
    (root / "nbgrader_config.py").write_text(CONFIG + extra_config)
    nbformat.write(source_notebook(), root / "assignments" / ASSIGNMENT / f"{NOTEBOOK}.ipynb")
    (root / "assignments" / ASSIGNMENT / "probes.toml").write_text(PROBES)
    nbgrader_cmd(root, "generate_assignment", ASSIGNMENT, "--create", "--force")
    return root


def release_notebook(root):
    """The learner's copy as released (solutions blanked, hidden tests removed)."""
    return nbformat.read(Path(root) / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)


def answered(root, answers=None):
    """The released notebook with each solution cell replaced by ``answers[grade_id]``."""
    answers = dict(CORRECT if answers is None else answers)
    nb = release_notebook(root)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    return nb


def submission_dir(root, student, assignment=ASSIGNMENT):
    return Path(root) / "submitted" / student / assignment


def write_submission(
    root, student, nb=None, *, filename=f"{NOTEBOOK}.ipynb", raw=None, timestamp="2026-01-01 12:00:00 UTC"
):
    """Write a learner's submission: a notebook node, or raw bytes/text for broken files."""
    folder = submission_dir(root, student)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / filename
    if raw is not None:
        path.write_bytes(raw if isinstance(raw, bytes) else raw.encode())
    else:
        nbformat.write(nb if nb is not None else answered(root), path)
    (folder / "timestamp.txt").write_text(timestamp)
    return folder


def copy_course(src, dst):
    shutil.copytree(src, dst, symlinks=True)
    return Path(dst)


def scores(root, student):
    """{grade id: points} of a learner's graded notebook, from the fixture course's gradebook."""
    from course.autograde import Course

    with Course(root).gradebook() as gb:
        nb = gb.find_submission_notebook(NOTEBOOK, ASSIGNMENT, student)
        return {g.name: g.auto_score for g in nb.grades}


def record(root, student):
    """What `course autograde` recorded of a learner's submission (.course/<assignment>/<id>.json)."""
    from course.autograde import Course, load_records

    return next(r for r in load_records(Course(root), ASSIGNMENT) if r["student"] == student)


def graded_once(tmp_path_factory, name, run):
    """(course folder, result) of ``run(folder)``, which makes a course in ``folder/course`` and
    grades it: run once per test run, whatever the number of test workers (tests/once.py)."""
    from once import built_once

    folder, result = built_once(tmp_path_factory, name, run)
    return folder / "course", result
