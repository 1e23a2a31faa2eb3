"""nbgrader's configuration for the course (the course directory is this folder).

The plain nbgrader commands work from here: generate_assignment, release_assignment,
collect, autograde, generate_feedback, export. The gradebook is SQLite in this folder.
"""

c = get_config()  # noqa: F821  (nbgrader provides get_config)

c.CourseDirectory.course_id = "backprop-step-by-step"
c.CourseDirectory.root = "."
c.CourseDirectory.source_directory = "assignments"
c.CourseDirectory.db_url = "sqlite:///gradebook.db"

# Submissions downloaded from an LMS go in downloaded/<assignment>/archive/, named
# <assignment>_<student id>_attempt_<YYYYMMDDThhmmss>_<notebook>.ipynb;
# `nbgrader zip_collect <assignment>` files them under submitted/<student id>/.
c.FileNameCollectorPlugin.named_regexp = (
    r".*_(?P<student_id>[^_]+)_attempt_(?P<timestamp>[0-9T]+)_(?P<file_id>\w+)"
)

# Grading rules shared by `nbgrader autograde` and `course autograde` (same grades either way):
# deleted or stripped test cells are restored and graded, harmless warnings do not zero a test,
# duplicated or renamed test cells are repaired; and feedback (`nbgrader generate_feedback` and
# `course feedback` alike) shows each test's message but never the hidden tests' code, nor their
# lines quoted in tracebacks (see course/grading_rules.py).
from course.grading_rules import apply_grading_rules

apply_grading_rules(c)
