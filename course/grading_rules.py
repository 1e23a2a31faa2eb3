"""The course's grading rules for nbgrader, in one place.

``nbgrader_config.py`` applies them, so ``nbgrader autograde`` and ``course autograde`` grade
alike (and ``nbgrader generate_feedback`` and ``course feedback`` hide the same), and so does
every test course that must grade like the real one:

    from course.grading_rules import apply_grading_rules
    apply_grading_rules(c)
"""

import os

import nbgrader
from nbgrader.preprocessors import (
    CheckCellMetadata,
    ClearOutput,
    DeduplicateIds,
    OverwriteCells,
    OverwriteKernelspec,
)
from traitlets.config import Config

from course import feedback
from course.sanitize import RepairMetadata

# What an assignment folder holds besides its notebook (see tools/assignments.py): the source
# with the solutions and hidden tests, the seeded bugs, the outside checks. nbgrader copies every
# other file of the folder into what it releases and into each autograded submission.
AUTHORING_FILES = ["source.py", "assignment.toml", "bugs.toml", "probes.toml"]


TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")
NBGRADER_TEMPLATES = os.path.join(
    os.path.dirname(os.path.abspath(nbgrader.__file__)), "server_extensions", "formgrader", "templates"
)


def apply_grading_rules(c: Config) -> None:
    """Set the grading rules on an nbgrader config object ``c``."""
    # nbgrader makes a relative root (``"."``) absolute against the folder it runs in, warning
    # "root '.' is not absolute" for every app and course directory it makes: do it here, once.
    root = c.CourseDirectory.get("root")
    if isinstance(root, str) and not os.path.isabs(root):
        c.CourseDirectory.root = os.path.abspath(root)
    # Only the notebook (and any data files) of an assignment folder reaches learners.
    c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", *AUTHORING_FILES]
    # A deleted or stripped test cell is put back from the gradebook and graded.
    c.OverwriteCells.add_missing_cells = True
    # A harmless warning on stderr does not zero a correct test.
    c.IgnorePattern.enabled = True
    c.IgnorePattern.pattern = r"Warning"
    # nbgrader's own sanitising steps, plus RepairMetadata (the only place it is added): without
    # it a duplicated or renamed test cell stops add_missing_cells with "KeyError: 'grade_id'"
    # (nothing is graded).
    c.Autograde.sanitize_preprocessors = [
        ClearOutput,
        DeduplicateIds,
        RepairMetadata,
        OverwriteKernelspec,
        OverwriteCells,
        CheckCellMetadata,
    ]
    # Feedback shows each test's outcome and message, never the hidden tests' code nor their
    # lines quoted in tracebacks (course.feedback.HideHiddenTests).
    c.GenerateFeedback.preprocessors = list(feedback.PREPROCESSORS)
    # nbgrader's feedback page through course/templates/course_feedback, whose mathjax macro puts
    # MathJax in the page itself: feedback, like everything learners receive, makes no request
    # off the machine, and typesets its maths. Set for the exporter of nbgrader's feedback step
    # only (an HTMLExporter whose parent is GenerateFeedback): formgrader's own HTMLExporter keeps
    # nbgrader's formgrade template, which the manual-grading page needs.
    c.GenerateFeedback.HTMLExporter.template_name = "course_feedback"
    c.GenerateFeedback.HTMLExporter.extra_template_basedirs = [TEMPLATES, NBGRADER_TEMPLATES]
    c.GenerateFeedback.HTMLExporter.filters = dict(feedback.TEMPLATE_FILTERS)
