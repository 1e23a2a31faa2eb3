"""Feedback for learners that never shows the hidden tests.

nbgrader's ``generate_feedback`` renders the autograded notebook as it is, hidden tests and their
tracebacks included. ``HideHiddenTests`` is an nbgrader preprocessor that replaces each hidden
region by a one-line note and, in every test cell, reduces each error to its name and message
(a traceback would quote the hidden lines). The outcome (points, pass or fail) is kept.

It is the only hidden-test stripper of the course: ``PREPROCESSORS`` (nbgrader's feedback steps
with it) is what ``course.grading_rules.apply_grading_rules`` gives ``GenerateFeedback`` (so plain
``nbgrader generate_feedback`` is safe with ``nbgrader_config.py``), and what ``course feedback``
uses whatever the course's configuration says.
"""

import copy
import os

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbformat import NotebookNode
from nbgrader.preprocessors import GetGrades, NbGraderPreprocessor

BEGIN, END = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
NOTE = "# (hidden tests ran here; their result is shown below)"


def strip_hidden(source: str) -> str:
    """The source with each hidden-test region replaced by a note."""
    out, hidden = [], False
    for line in source.splitlines():
        if BEGIN in line:
            hidden = True
            out.append(line[: len(line) - len(line.lstrip())] + NOTE)
        elif END in line:
            hidden = False
        elif not hidden:
            out.append(line)
    return "\n".join(out)


def is_test_cell(cell: NotebookNode) -> bool:
    """True for an autograded test cell."""
    return cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade", False)


class HideHiddenTests(NbGraderPreprocessor):
    """Remove hidden tests (and tracebacks that quote them) from the notebook, keep outcomes."""

    def preprocess_cell(self, cell, resources, index):
        if BEGIN in cell.source:  # in any cell, as nbgrader's ClearHiddenTests
            cell.source = strip_hidden(cell.source)
        if is_test_cell(cell):
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    out["traceback"] = [f"{out.get('ename', 'Error')}: {out.get('evalue', '')}"]
        return cell, resources


# nbgrader's feedback steps, with HideHiddenTests in place of its ClearHiddenTests.
PREPROCESSORS = [GetGrades, CSSHTMLHeaderPreprocessor, HideHiddenTests]


def generate(root: str, assignment: str, students: tuple | list = ()) -> list[str]:
    """Run nbgrader's feedback step with ``PREPROCESSORS`` for the autograded submissions of
    ``assignment`` (of ``students``, or everyone's); return the HTML files written."""
    from nbgrader.apps import NbGraderAPI

    from .autograde import Course, CourseError

    course = Course(root)
    course.notebooks(assignment)  # a clear error if the assignment is unknown
    if not os.path.isdir(course.path("autograded")):
        raise CourseError(f"nothing is graded yet: run `course autograde {assignment}` first.")
    cfg = copy.deepcopy(course.config)
    cfg.CourseDirectory.root = course.root
    cfg.GenerateFeedback.preprocessors = list(PREPROCESSORS)
    api = NbGraderAPI(config=cfg)
    written = []
    for student in students or sorted(os.listdir(course.path("autograded"))):
        if not os.path.isdir(course.path("autograded", student, assignment)):
            continue
        res = api.generate_feedback(assignment, student, force=True)
        if not res["success"]:
            raise CourseError(f"feedback for {student} failed: {res['error']}")
        folder = course.path("feedback", student, assignment)
        written += [os.path.join(folder, f) for f in sorted(os.listdir(folder)) if f.endswith(".html")]
    return written
