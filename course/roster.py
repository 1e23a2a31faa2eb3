"""``course roster FILE``: import the class roster (a CSV file) into the gradebook, all or nothing.

The file needs a header with the columns ``id``, ``first_name``, ``last_name`` and ``email``
(``lms_user_id`` is read too; other columns are ignored); Excel's byte-order mark and ``;`` or tab
separators are accepted. ``nbgrader db student import`` keeps the last of two rows with the same
id without a word; here every row is checked first, and any problem (a duplicated id, an empty or
unusable id, a learner without a name) stops the import with the line numbers and what to do,
before anything is written. Then every learner is added, or updated if already in the gradebook,
in one transaction.
"""

import csv
import io
import os
import sys
from dataclasses import dataclass

from .autograde import Course, CourseError
from .intake import shown, student_problem

COLUMNS = ("id", "first_name", "last_name", "email")
OPTIONAL = ("lms_user_id",)


@dataclass
class Learner:
    """One row of the roster, with the line it starts on (the header is line 1)."""

    line: int
    id: str
    first_name: str
    last_name: str
    email: str
    lms_user_id: str = ""


def read_roster(path: str) -> list[Learner]:
    """The learners of the roster at ``path``; ``CourseError`` listing every problem found."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            text = fh.read()
    except OSError as exc:
        raise CourseError(f"cannot read the roster {path} ({exc.strerror}): check the path.") from None
    except UnicodeDecodeError:
        raise CourseError(f"{path} is not UTF-8 text: save it from the spreadsheet as 'CSV UTF-8'.") from None
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = max(",;\t", key=first.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader, [])]
    absent = [c for c in COLUMNS if c not in header]
    if absent:
        raise CourseError(
            f"{path} has no column {', '.join(absent)}: its first line must name the columns "
            f"{','.join(COLUMNS)} (found: {','.join(header) or 'nothing'})."
        )
    where = {c: header.index(c) for c in COLUMNS + OPTIONAL if c in header}
    learners, errors, start = [], [], 2
    for row in reader:
        line, start = start, reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        cells = {c: (row[i].strip() if i < len(row) else "") for c, i in where.items()}
        learner = Learner(line=line, **cells)
        problem = _id_problem(learner.id)
        if problem:
            errors.append(f"line {line}: the id {shown(learner.id)} {problem}")
        elif not (learner.first_name or learner.last_name):
            errors.append(f"line {line}: {shown(learner.id)} has no first_name or last_name")
        learners.append(learner)
    errors += _duplicates(learners)
    if errors:
        raise CourseError(
            f"the roster {path} was not imported (nothing was changed):\n  "
            + "\n  ".join(errors)
            + "\nFix these lines (each learner once, with an id and a name), then run again."
        )
    return learners


def _id_problem(student_id):
    if not student_id:
        return "is empty"
    if "/" in student_id or "\0" in student_id:
        return "contains '/' (it names a folder under submitted/)"
    return student_problem(student_id)


def _duplicates(learners):
    """A line per id given more than once (ids that differ only by case count as the same: their
    folders would be one on a case-insensitive disk)."""
    lines = {}
    for learner in learners:
        lines.setdefault(learner.id.casefold(), []).append(learner)
    return [
        "the same id on lines "
        + ", ".join(str(x.line) for x in same)
        + ": "
        + ", ".join(sorted({shown(x.id) for x in same}))
        for same in lines.values()
        if len(same) > 1
    ]


def import_roster(root: str, path: str) -> list[str]:
    """Import the roster at ``path`` into the gradebook of the course at ``root``; return lines
    to print. Nothing is written unless every row is fine."""
    from nbgrader.api import Gradebook, Student

    course = Course(root)
    learners = read_roster(path)
    if not learners:
        raise CourseError(f"the roster {path} lists no learners (only a header).")
    # nbgrader runs `alembic` by name when it creates a gradebook
    bindir = os.path.dirname(sys.executable)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
    added, updated = [], []
    with Gradebook(course.db_url, course.course_id) as gb:
        known = {s.id: s for s in gb.db.query(Student)}
        by_case = {k.casefold(): k for k in known}
        clashes = [
            f"line {x.line}: {shown(x.id)} differs only by case from {shown(by_case[x.id.casefold()])}, "
            "already in the gradebook"
            for x in learners
            if x.id not in known and x.id.casefold() in by_case
        ]
        if clashes:
            raise CourseError(
                f"the roster {path} was not imported (nothing was changed):\n  "
                + "\n  ".join(clashes)
                + "\nUse the gradebook's spelling of these ids."
            )
        try:
            for learner in learners:
                fields = {
                    "first_name": learner.first_name,
                    "last_name": learner.last_name,
                    "email": learner.email or None,
                }
                if learner.lms_user_id:
                    fields["lms_user_id"] = learner.lms_user_id
                student = known.get(learner.id)
                if student is None:
                    gb.db.add(Student(id=learner.id, **fields))
                    added.append(learner.id)
                elif any(getattr(student, k) != v for k, v in fields.items()):
                    for k, v in fields.items():
                        setattr(student, k, v)
                    updated.append(learner.id)
            gb.db.commit()
        except Exception as exc:  # the database refused a row: leave the gradebook as it was
            gb.db.rollback()
            raise CourseError(f"the roster was not imported ({exc.__class__.__name__}: {exc})") from None
        others = sorted(set(known) - {x.id for x in learners})
    lines = [
        f"roster {path}: {len(added)} learner(s) added, {len(updated)} updated, "
        f"{len(learners) - len(added) - len(updated)} unchanged"
    ]
    if others:
        lines.append(f"in the gradebook but not in {path} (kept): " + ", ".join(shown(s) for s in others))
    return lines
