"""``course export ASSIGNMENT|--all``: the grades as CSV, where a missing score never reads as 0.

``nbgrader export`` writes 0.0 for a learner who submitted nothing, the same as one whose work
scored 0 or was not graded yet. Here each row (one learner, one assignment) has a ``status``:

- ``graded``: the score is the learner's;
- ``flagged``: graded, with flags to look at (cheating suspected or grading trouble, see
  ``course.flags``); the score is there, the ``flags`` column says why;
- ``not graded yet``: work is in ``submitted/`` but has no grade (not graded, grading failed,
  manual grading to do, or a student folder not on the roster); the ``note`` says what to do;
- ``not submitted``: nothing was handed in.

The ``score`` cell is empty unless there is a score. Cells that a spreadsheet would run as a
formula (starting with ``=``, ``+``, ``-``, ``@``) get a leading ``'``.
"""

import csv
import os

from . import flags as severity
from .autograde import Course, load_records
from .intake import student_problem

COLUMNS = (
    "assignment",
    "student_id",
    "last_name",
    "first_name",
    "email",
    "status",
    "score",
    "max_score",
    "flags",
    "note",
)


def rows(root: str, assignments: list[str] | None = None) -> list[dict]:
    """One row per learner and assignment (every assignment of the gradebook if None)."""
    course = Course(root)
    with course.gradebook() as gb:
        names = assignments or sorted(a.name for a in gb.assignments)
        for name in names:
            course.notebooks(name)  # a clear error for an unknown assignment
        students = {s.id: s for s in gb.students}
        out = []
        for name in names:
            assignment = gb.find_assignment(name)
            subs = {s.student_id: s for s in gb.assignment_submissions(name)}
            records = {r["student"]: r for r in load_records(course, name)}
            ids = set(students) | set(submitted_students(course, name))
            for sid in sorted(ids):
                row = _row(course, name, sid, subs.get(sid), records.get(sid), sid in students)
                student = students.get(sid)
                row.update(
                    assignment=name,
                    student_id=sid,
                    last_name=getattr(student, "last_name", None) or "",
                    first_name=getattr(student, "first_name", None) or "",
                    email=getattr(student, "email", None) or "",
                    max_score=f"{assignment.max_score:g}",
                )
                out.append(row)
    return out


def submitted_students(course: Course, assignment: str) -> list[str]:
    """Student ids with a folder ``submitted/<id>/<assignment>/`` (names fit to be ids)."""
    base = course.path("submitted")
    if not os.path.isdir(base):
        return []
    return [
        s
        for s in os.listdir(base)
        if os.path.isdir(os.path.join(base, s, assignment)) and not student_problem(s)
    ]


def _row(course, assignment, sid, sub, record, on_roster):
    """status, score, flags and note of one learner's assignment."""
    folder = os.path.isdir(course.path("submitted", sid, assignment))
    again = f"run `course autograde {assignment} --student {sid}`"
    if not on_roster:
        return _waiting(
            "not on the roster: add the learner with `course roster FILE`, or grade with --add-students"
        )
    if record and record.get("status") != "graded":
        why = "; ".join(f["message"] for f in record.get("flags", []))[:300] or "see `course report`"
        return _waiting(f"grading failed ({why}); {again}")
    if sub is None:
        return _waiting(f"submitted, not graded: {again}") if folder else _status(severity.ABSENT)
    if sub.needs_manual_grade:
        return _waiting("parts need manual grading (nbgrader formgrader)")
    found = record.get("flags", []) if record else []
    listed = "; ".join(f"{severity.severity(f)}: {f.get('kind')}" for f in found)
    return _status(severity.graded_status(found), score=f"{sub.score:g}", flags=listed)


def _status(status, score="", flags="", note=""):
    return {"status": status, "score": score, "flags": flags, "note": note}


def _waiting(note):
    return _status(severity.WAITING, note=note)


def _cell(value):
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def write_csv(table: list[dict], output: str) -> str:
    """Write ``table`` (from ``rows``) to ``output`` as CSV; return its path."""
    os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
    with open(output, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        for row in table:
            writer.writerow({k: _cell(row[k]) for k in COLUMNS})
    return output
