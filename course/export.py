"""``course export [ASSIGNMENT...] [--all] --format csv|canvas|moodle|tests``: grades out, in the
format the LMS imports as it is, where a missing score never reads as 0.

``nbgrader export`` writes 0.0 for a learner who submitted nothing, the same as one whose work
scored 0 or was not graded yet. Here each learner's assignment has a status:

- ``graded``: the score is the learner's;
- ``flagged``: graded, with flags to look at (cheating suspected or grading trouble, see
  ``course.flags``); the score is there, the ``flags`` column says why;
- ``not graded yet``: work is in ``submitted/`` but has no grade (not graded, grading failed,
  manual grading to do, or a student folder not on the roster); the ``note`` says what to do;
- ``not submitted``: nothing was handed in.

The formats, and how each shows a missing score:

- ``csv``: nbgrader's columns (``assignment, duedate, timestamp, student_id, last_name,
  first_name, email, raw_score, late_submission_penalty, score, max_score``; ``score`` is after
  the late penalty, as nbgrader's) and ``status, flags, note, late``; one row per learner and
  assignment. No score: the three score cells are empty and ``status`` says why.
- ``canvas``: Canvas's gradebook import: the columns ``Student, ID, SIS User ID, SIS Login ID,
  Section``, then one per assignment (named as in the gradebook); a ``Points Possible`` row; one
  row per learner. ``Student`` is "Last, First". With ``key="sis"`` (the default) the course's
  student id is the ``SIS User ID``; with ``key="canvas"`` it is the Canvas user ``ID`` (what
  ``course collect --lms canvas`` reads). Roster columns ``canvas_id``, ``sis_user_id``,
  ``sis_login_id`` and ``section``, and the gradebook's ``lms_user_id`` (as Canvas ID), fill the
  other cells when present. A cell holds the score after the late penalty; no score: the cell is
  empty, which Canvas reads as no grade. The penalty itself is not a column (Canvas would make
  any column it does not know into a new assignment): it is in ``csv``, ``tests`` and the report.
- ``moodle``: Moodle's CSV grade import: the key column (``Email address`` with ``key="email"``,
  the default; ``ID number`` with ``key="idnumber"``: the roster's ``idnumber`` column, else the
  student id), ``First name, Last name``, then per assignment its score (after the late penalty)
  and ``<assignment> late``, the penalty in words (map it to the item's feedback, or leave it
  ignored). No score: an empty cell, which Moodle imports as no grade. A learner without a key
  (no email) is left out and named on the console: Moodle stops the whole import at a row whose
  user it cannot find.
- ``tests``: one row per learner and test cell (``assignment, student_id, last_name,
  first_name, notebook, test, status, points, max_points, message``: the message the learner's
  feedback shows), plus a ``late penalty`` row with the points lost (negative) for late work, so
  a learner's points add up to the score. No score: ``points`` is empty, ``status`` says why.

Every file is UTF-8 with a byte-order mark (Excel and LibreOffice then read "Björn Ångström"
right; Canvas and Moodle accept it; Python reads it with ``encoding="utf-8-sig"``). A text cell
that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return) gets a leading ``'``; numbers are written as they are.
"""

import csv
import os
from dataclasses import dataclass

from nbgrader.api import MissingEntry

from . import flags as severity
from . import late
from .autograde import Course, CourseError, load_records
from .intake import student_problem

FORMATS = ("csv", "canvas", "moodle", "tests")
KEYS = {"canvas": ("sis", "canvas"), "moodle": ("email", "idnumber")}
NBGRADER_COLUMNS = (
    "assignment",
    "duedate",
    "timestamp",
    "student_id",
    "last_name",
    "first_name",
    "email",
    "raw_score",
    "late_submission_penalty",
    "score",
    "max_score",
)
COLUMNS = NBGRADER_COLUMNS + ("status", "flags", "note", "late")
TEST_COLUMNS = (
    "assignment",
    "student_id",
    "last_name",
    "first_name",
    "notebook",
    "test",
    "status",
    "points",
    "max_points",
    "message",
)
CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
ROSTER_EXTRAS = ("canvas_id", "sis_user_id", "sis_login_id", "section", "idnumber")


def _num(x):
    return "" if x is None else f"{round(float(x), 6):g}"


def rows(root: str, assignments: list[str] | None = None, tests: bool = False) -> list[dict]:
    """One row per learner and assignment (every assignment of the gradebook if None); with
    ``tests``, each row also has ``tests``: [(notebook, test, points or None, max, message)]."""
    course = Course(root)
    policy = late.course_policy(course)
    with course.gradebook() as gb:
        names = list(dict.fromkeys(assignments or sorted(a.name for a in gb.assignments)))
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
                sub, record = subs.get(sid), records.get(sid)
                row = _row(course, name, sid, sub, record, sid in students)
                student = students.get(sid)
                row.update(
                    assignment=name,
                    duedate=str(assignment.duedate or ""),
                    student_id=sid,
                    last_name=getattr(student, "last_name", None) or "",
                    first_name=getattr(student, "first_name", None) or "",
                    email=getattr(student, "email", None) or "",
                    lms_user_id=getattr(student, "lms_user_id", None) or "",
                    max_score=_num(assignment.max_score),
                    on_roster=sid in students,
                )
                row.update(_late(policy, name, sub, row))
                if tests:
                    row["tests"] = _tests(gb, assignment, sub if row["score"] != "" else None, record)
                out.append(row)
    return out


def _late(policy, assignment, sub, row):
    """The timestamp, raw score, penalty and score after it (nbgrader's), and the penalty in words."""
    if row["score"] == "" or sub is None:
        return {"timestamp": str(getattr(sub, "timestamp", "") or ""), "raw_score": "", "late": ""}
    info = late.lateness(policy, assignment, sub)
    raw = float(sub.score)
    return {
        "timestamp": str(sub.timestamp or ""),
        "raw_score": _num(raw),
        "late_submission_penalty": _num(info.penalty),
        "score": _num(max(0.0, raw - info.penalty)),
        "late": info.text,
    }


def _tests(gb, assignment, sub, record):
    """[(notebook, test, points or None, max points, message)] of one learner's assignment."""
    messages = (record or {}).get("tests", {})
    out = []
    for nb in sorted(assignment.notebooks, key=lambda n: n.name):
        grades = {}
        if sub is not None:
            try:
                snb = gb.find_submission_notebook(nb.name, assignment.name, sub.student_id)
                grades = {g.name: g for g in snb.grades}
            except MissingEntry:
                grades = {}
        for cell in sorted(nb.grade_cells, key=lambda c: c.name):
            g = grades.get(cell.name)
            message = messages.get(nb.name, {}).get(cell.name, {}).get("message", "") if g is not None else ""
            out.append((nb.name, cell.name, None if g is None else g.score, cell.max_score, message))
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
    return _status(severity.graded_status(found), score=_num(sub.score), flags=listed)


def _status(status, score="", flags="", note=""):
    return {"status": status, "score": score, "flags": flags, "note": note, "late_submission_penalty": ""}


def _waiting(note):
    return _status(severity.WAITING, note=note)


def _cell(value):
    """A cell as written: numbers as they are, text that a spreadsheet would run as a formula
    with a leading ``'``."""
    if isinstance(value, (int, float)):
        return _num(value)
    text = str(value)
    try:
        float(text)
        return text
    except ValueError:
        return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def read_roster_extras(path: str) -> dict:
    """{student id: {column: value}} of the roster's optional LMS columns (``ROSTER_EXTRAS``)."""
    if not path:
        return {}
    from .roster import read_roster  # the same reading rules as `course roster`

    read_roster(path)  # a clear error for a roster that cannot be read
    with open(path, encoding="utf-8-sig", newline="") as fh:
        text = fh.read()
    first = text.splitlines()[0] if text.strip() else ""
    reader = csv.DictReader(text.splitlines(), delimiter=max(",;\t", key=first.count))
    reader.fieldnames = [h.strip().lower() for h in reader.fieldnames or []]
    return {
        (r.get("id") or "").strip(): {c: (r.get(c) or "").strip() for c in ROSTER_EXTRAS}
        for r in reader
        if r.get("id")
    }


@dataclass
class Written:
    """What ``write`` wrote: the file, its data rows, and lines to print (learners left out...)."""

    path: str
    rows: int
    notes: list


def write(table: list[dict], fmt: str, output: str, key: str = "", extras: dict | None = None) -> Written:
    """Write ``table`` (from ``rows``, with ``tests=True`` for the ``tests`` format) to
    ``output`` in the format ``fmt``; ``key``: which id an LMS matches learners by (``KEYS``)."""
    if fmt not in FORMATS:
        raise CourseError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}.")
    allowed = KEYS.get(fmt, ())
    if key and key not in allowed:
        hint = f"choose {' or '.join(allowed)}" if allowed else "leave --key out"
        raise CourseError(f"--key {key} does not apply to --format {fmt}: {hint}.")
    key = key or (allowed[0] if allowed else "")
    header, body, notes = {"csv": _csv, "canvas": _canvas, "moodle": _moodle, "tests": _tests_rows}[fmt](
        table, key, extras or {}
    )
    os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
    with open(output, "w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow([_cell(h) for h in header])
        writer.writerows([[_cell(c) for c in row] for row in body])
    return Written(output, len(body), notes)


def _csv(table, key, extras):
    return COLUMNS, [[r.get(c, "") for c in COLUMNS] for r in table], []


def _tests_rows(table, key, extras):
    body = []
    for r in table:
        if "tests" not in r:
            raise CourseError("the tests format needs rows(..., tests=True)")
        who = [r["assignment"], r["student_id"], r["last_name"], r["first_name"]]
        for nb, test, points, top, message in r["tests"]:
            body.append(who + [nb, test, r["status"], _num(points), _num(top), message])
        penalty = float(r.get("late_submission_penalty") or 0)
        if penalty:
            body.append(who + ["", "late penalty", r["status"], _num(-penalty), "", r["late"]])
    return TEST_COLUMNS, body, []


def _learners(table):
    """(assignments in order, {student: {assignment: row}}) of the learners on the roster."""
    assignments = list(dict.fromkeys(r["assignment"] for r in table))
    learners = {}
    for r in table:
        if r["on_roster"]:
            learners.setdefault(r["student_id"], {})[r["assignment"]] = r
    return assignments, learners


def _canvas(table, key, extras):
    assignments, learners = _learners(table)
    header = list(CANVAS_COLUMNS) + assignments
    tops = {r["assignment"]: r["max_score"] for r in table}
    body = [["Points Possible", "", "", "", ""] + [tops[a] for a in assignments]]
    for sid, by in sorted(learners.items()):
        first = next(iter(by.values()))
        more = extras.get(sid, {})
        canvas_id = more.get("canvas_id") or first["lms_user_id"]
        sis = more.get("sis_user_id", "")
        if key == "canvas":
            canvas_id = canvas_id or sid
        else:
            sis = sis or sid
        name = ", ".join(x for x in (first["last_name"], first["first_name"]) if x) or sid
        cells = [name, canvas_id, sis, more.get("sis_login_id", ""), more.get("section", "")]
        body.append(cells + [by[a]["score"] if a in by else "" for a in assignments])
    return header, body, _flagged_note(table)


def _moodle(table, key, extras):
    assignments, learners = _learners(table)
    column = {"email": "Email address", "idnumber": "ID number"}[key]
    header = [column, "First name", "Last name"]
    for a in assignments:
        header += [a, f"{a} late"]
    body, left_out = [], []
    for sid, by in sorted(learners.items()):
        first = next(iter(by.values()))
        ident = first["email"] if key == "email" else (extras.get(sid, {}).get("idnumber") or sid)
        if not ident:
            left_out.append(sid)
            continue
        cells = [ident, first["first_name"], first["last_name"]]
        for a in assignments:
            cells += [by[a]["score"], by[a]["late"]] if a in by else ["", ""]
        body.append(cells)
    notes = _flagged_note(table)
    if left_out:
        notes.append(
            f"left out, no {column.lower()} in the gradebook (Moodle would stop the whole import): "
            + ", ".join(left_out)
            + "; add it to the roster (`course roster FILE`) or use --key "
            + ("idnumber" if key == "email" else "email")
        )
    return header, body, notes


def _flagged_note(table):
    flagged = sorted(
        {f"{r['student_id']} ({r['assignment']})" for r in table if r["status"] == severity.FLAGGED}
    )
    if not flagged:
        return []
    return [f"flagged, with their scores: {', '.join(flagged)}: look at `course report` before importing"]
