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
# `course collect <assignment>` (or `nbgrader zip_collect <assignment>`) files them under
# submitted/<student id>/. For Canvas's or Moodle's own download names, use
# `course collect <assignment> --lms canvas` (or moodle), or set the pattern here:
#   from course.collect import LMS_FORMATS
#   c.FileNameCollectorPlugin.named_regexp = LMS_FORMATS["canvas"].pattern
c.FileNameCollectorPlugin.named_regexp = (
    r".*_(?P<student_id>[^_]+)_attempt_(?P<timestamp>[0-9T]+)_(?P<file_id>\w+)"
)

# The roster is complete: a submission from an id that is not on it stops `nbgrader autograde`
# and `course autograde` (instead of adding a student with no name). Import the roster first
# (`course roster roster.csv`); `course autograde --add-students` accepts new ids on purpose.
c.Autograde.create_student = False

# Grading rules shared by `nbgrader autograde` and `course autograde` (same grades either way):
# deleted or stripped test cells are restored and graded, harmless warnings do not zero a test,
# duplicated or renamed test cells are repaired; and feedback (`nbgrader generate_feedback` and
# `course feedback` alike) shows each test's message but never the hidden tests' code, nor their
# lines quoted in tracebacks (see course/grading_rules.py).
from course.grading_rules import apply_grading_rules

apply_grading_rules(c)

# Due dates and late work (course/late.py), the same for `nbgrader autograde` and `course
# autograde`: a late notebook loses 10% of its score per day or part of a day late, at most 50%,
# counted from the learner's own due date (extensions.csv: student_id,assignment,due).
# `course autograde` writes these due dates into the gradebook; dates without a zone are UTC.
c.AssignLatePenalties.plugin_class = "course.late.LatePenalty"
c.LatePenalty.percent_per_day = 10
c.LatePenalty.max_percent = 50
c.LatePenalty.grace_minutes = 0
c.LatePenalty.extensions_file = "extensions.csv"
c.LatePenalty.due_dates = {
    # "a1_neuron": "2026-10-05 23:59 Europe/Berlin",
}
