"""Adding an assignment means adding one folder: a throwaway eighth assignment, written as a folder
alone in a temporary place, is discovered, built, released without its authoring files and graded
(its solution full marks, its blank zero, its seeded bug exactly the points of what it breaks), and
its outside checks hold in the hardened grader."""

import csv
import json

import pytest

from course import cli
from tools import assignments as catalogue
from tools import build_assignments
from tools import demo_class as demo

pytestmark = [pytest.mark.grading, pytest.mark.slow]

NAME = "a8_rectifier"
SOURCE = '''# %% markdown
# # Assignment 8: the rectifier again
#
# Write `relu(z)`: max(z, 0) element-wise, a new array of the same shape.

# %% code id=setup
import numpy as np

import checks

# %% solution id=relu
def relu(z):
    """max(z, 0), element-wise. z: any shape -> same shape."""
    ### BEGIN SOLUTION
    return np.maximum(z, 0.0)
    ### END SOLUTION

# %% tests id=test_relu points=2 needs=relu
checks.assert_close(checks.call(relu, np.array([-2.0, 0.0, 3.0])), np.array([0.0, 0.0, 3.0]), "relu")
### BEGIN HIDDEN TESTS
checks.assert_close(checks.call(relu, np.array([[-1.0, 5.0]])), np.array([[0.0, 5.0]]), "relu of a 2-D array")
### END HIDDEN TESTS
checks.ok()

# %% solution id=relu_twice
def relu_twice(z):
    """relu(relu(z)), which is relu(z). z: any shape -> same shape."""
    ### BEGIN SOLUTION
    return relu(relu(z))
    ### END SOLUTION

# %% tests id=test_relu_twice points=1 needs=relu,relu_twice
checks.assert_close(checks.call(relu_twice, np.array([-1.0, 4.0])), np.array([0.0, 4.0]), "relu_twice")
### BEGIN HIDDEN TESTS
### END HIDDEN TESTS
checks.ok()
'''
FILES = {
    "source.py": SOURCE,
    "assignment.toml": 'title = "Assignment 8: the rectifier again"\nsummary = "`relu`, `relu_twice`"\n'
    'chapters = ["02_neuron"]\nbonus = true\n',
    "bugs.toml": '[[bug]]\nname = "relu_twice_negates"\ncell = "relu_twice"\nold = \'return relu(relu(z))\'\n'
    'new = \'return relu(-relu(z))\'\nlost = ["test_relu_twice"]\nmessage = "mismatch"\n',
    "probes.toml": '[[probe]]\nfunction = "relu"\nreference = "nanoprop.relu"\nargs = [{ normal = [6, 5] }]\n'
    'grade_ids = ["test_relu"]\n',
}


@pytest.fixture
def new_assignment(tmp_path):
    source = tmp_path / "assignments"
    (source / NAME).mkdir(parents=True)
    for name, text in FILES.items():
        (source / NAME / name).write_text(text)
    return source


def test_a_new_assignment_folder_is_all_it_takes(new_assignment, tmp_path):
    assert build_assignments.main(["--source", str(new_assignment)]) == 0
    (found,) = catalogue.discover(new_assignment)
    assert (found.name, found.bonus, [b.name for b in found.bugs]) == (NAME, True, ["relu_twice_negates"])
    assert found.notebook.is_file()
    (bug,) = found.bugs

    students = [
        demo.Student("solution", "Sol", "Ution", "sol@example.edu"),
        demo.Student("blank", "Bl", "Ank", "blank@example.edu"),
        demo.Student("buggy", "Bu", "Ggy", "bug@example.edu"),
        demo.Student("fitted", "Fi", "Tted", "fit@example.edu"),
    ]
    # right only on inputs as small as the notebook's tests: plain nbgrader cannot tell
    fitted = catalogue.Bug(
        NAME,
        "fitted_to_the_tests",
        "relu",
        "return np.maximum(z, 0.0)",
        "return np.maximum(z, 0.0) if np.size(z) <= 3 else z",
        frozenset(),
        "mismatch",
    )
    cells = tuple(demo.solution_cells(found.read_notebook()))
    work = {
        ("solution", NAME): demo.Work("complete", cells, None),
        ("blank", NAME): demo.Work("blank", (), None),
        ("buggy", NAME): demo.Work("buggy", cells, bug),
        ("fitted", NAME): demo.Work("buggy", cells, fitted),
    }
    course = demo.make_course(tmp_path / "course", [NAME], source=new_assignment)
    exported = demo.grade_class(course, students, work, [NAME], via_lms=False)
    want = demo.expected_scores(work, source_dir=new_assignment)
    assert (
        exported
        == want
        == {("solution", NAME): 3.0, ("blank", NAME): 0.0, ("buggy", NAME): 2.0, ("fitted", NAME): 3.0}
    )

    # The notebook and its recorded results are released (this assignment gives no code), and no
    # authoring file reaches a graded submission's folder.
    assert sorted(p.name for p in (course / "release" / NAME).iterdir()) == [f"{NAME}.ipynb", "expected.json"]
    for student in ("solution", "blank", "buggy", "fitted"):
        assert not set(FILES) & {p.name for p in (course / "autograded" / student / NAME).iterdir()}

    # The hardened grader reads the folder's outside checks (probes.toml): the same grades, except
    # that the function fitted to the tests loses the test its outside check guards.
    assert cli.main(["--root", str(course), "autograde", NAME, "--force", "--quiet"]) == 0
    demo.nbgrader(course, "export", "--to", "graded.csv")
    with (course / "graded.csv").open() as f:
        regraded = {(r["student_id"], r["assignment"]): float(r["score"]) for r in csv.DictReader(f)}
    assert regraded == {**want, ("fitted", NAME): 1.0}
    record = json.loads((course / ".course" / NAME / "fitted.json").read_text())
    assert any("relu" in str(flag) for flag in record["flags"]), record["flags"]
