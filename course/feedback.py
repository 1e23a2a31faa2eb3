"""Feedback for learners that never shows the hidden tests.

nbgrader's ``generate_feedback`` renders the autograded notebook as it is, hidden tests and their
tracebacks included. ``HideHiddenTests`` is an nbgrader preprocessor that, in every test cell,
replaces the hidden region by a one-line note and reduces each error to its name and message
(a traceback would quote the hidden lines). The outcome (points, pass or fail) is kept.

It is added to ``GenerateFeedback.preprocessors`` by ``course feedback``; list it in
``nbgrader_config.py`` to make plain ``nbgrader generate_feedback`` safe as well.
"""
import os

from nbgrader.apps import NbGraderAPI
from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.preprocessors import GetGrades
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

BEGIN, END = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
NOTE = "# (hidden tests ran here; their result is shown below)"


def strip_hidden(source):
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


def is_test_cell(cell):
    return cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade", False)


class HideHiddenTests(NbGraderPreprocessor):
    """Remove hidden tests (and tracebacks that quote them) from test cells, keep outcomes."""

    def preprocess_cell(self, cell, resources, index):
        if is_test_cell(cell) and BEGIN in cell.source:
            cell.source = strip_hidden(cell.source)
        if is_test_cell(cell):
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    out["traceback"] = [f"{out.get('ename', 'Error')}: {out.get('evalue', '')}"]
        return cell, resources


def generate(root, assignment, students=()):
    """Run nbgrader's feedback step with ``HideHiddenTests``; return the HTML files written."""
    from .autograde import Course, CourseError
    course = Course(root)
    course.notebooks(assignment)  # a clear error if the assignment is unknown
    if not os.path.isdir(course.path("autograded")):
        raise CourseError(f"nothing is graded yet: run `course autograde {assignment}` first.")
    cfg = PyFileConfigLoader("nbgrader_config.py", path=course.root).load_config()
    extra = Config()
    extra.CourseDirectory.root = course.root
    extra.GenerateFeedback.preprocessors = [GetGrades, CSSHTMLHeaderPreprocessor, HideHiddenTests]
    cfg.merge(extra)
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
