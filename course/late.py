"""Due dates, extensions and the late penalty, through nbgrader's late-submission plugin.

nbgrader keeps an assignment's due date in the gradebook, reads when a submission was handed in
from its ``timestamp.txt``, and, while autograding, asks the plugin set as
``c.AssignLatePenalties.plugin_class`` for the points a late notebook loses. ``nbgrader_config.py``
sets that plugin to ``LatePenalty`` below, so ``nbgrader autograde`` and ``course autograde`` (which
runs nbgrader's own autograding steps in its workers) dock the same points.

The course's settings (``nbgrader_config.py``)::

    c.LatePenalty.due_dates = {"a1_neuron": "2026-10-05 23:59 Europe/Berlin"}
    c.LatePenalty.percent_per_day = 10      # of the score, per day or part of a day late
    c.LatePenalty.max_percent = 50          # never more than this
    c.LatePenalty.grace_minutes = 0         # late by less than this: no penalty
    c.LatePenalty.extensions_file = "extensions.csv"

The default: **10% of the score for each day or part of a day late, at most 50%**; one second
late costs 10%, 24 h and one second 20%, five days or more 50%. A date without a time zone is
UTC (as nbgrader reads it). ``course autograde`` writes each configured due date into the
gradebook (where nbgrader and its formgrader look for it); with plain ``nbgrader autograde``, put
it there with ``nbgrader db assignment add a1_neuron --duedate "2026-10-05 23:59 Europe/Berlin"``.

Extensions, per learner and assignment, are a CSV file with the columns ``student_id``,
``assignment`` and ``due`` (the learner's own due date)::

    student_id,assignment,due
    s017,a1_neuron,2026-10-08 23:59 Europe/Berlin

A learner's lateness is counted from their own due date. (An extension granted in the
gradebook itself, ``Gradebook.grant_extension``, moves nbgrader's due date first; use one or
the other.) Penalties are per notebook on its score when graded, as nbgrader does: a score
changed later by hand in the formgrader keeps the penalty computed at autograding.
"""

import csv
import math
import os
from dataclasses import dataclass, field
from datetime import datetime

from nbgrader import utils
from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Dict, Float, Unicode

DAY = 86400.0
COLUMNS = ("student_id", "assignment", "due")


class LateError(ValueError):
    """A due date or an extension that cannot be read; the message says where and what to do."""


def parse_date(text: str, where: str) -> datetime:
    """A date as nbgrader reads it (naive UTC), or ``LateError`` naming ``where``."""
    try:
        when = utils.parse_utc(str(text).strip())
    except (ValueError, OverflowError, TypeError):
        when = None
    if when is None:
        raise LateError(
            f"{where}: {text!r} is not a date: write it as 2026-10-05 23:59 Europe/Berlin "
            "(a date, a time and a time zone; no zone means UTC)"
        )
    return when


@dataclass
class Policy:
    """The late-work rules of a course: the rate, the cap, the grace, due dates, extensions."""

    percent_per_day: float = 10.0
    max_percent: float = 50.0
    grace_minutes: float = 0.0
    due_dates: dict = field(default_factory=dict)  # {assignment: datetime (naive UTC)}
    extensions: dict = field(default_factory=dict)  # {(student, assignment): datetime}

    def percent(self, seconds_late: float) -> float:
        """The share of the score lost (0-100) for work ``seconds_late`` after its due date."""
        seconds = seconds_late - 60 * self.grace_minutes
        if seconds <= 0:
            return 0.0
        return min(self.max_percent, self.percent_per_day * math.ceil(seconds / DAY))

    def penalty(self, score: float, seconds_late: float) -> float:
        """The points lost by a score of ``score`` handed in ``seconds_late`` after its due date."""
        return round(max(score or 0.0, 0.0) * self.percent(seconds_late) / 100, 6)

    def shift(self, student: str, assignment: str, due: datetime | None) -> float:
        """Seconds a learner's extension adds to the due date ``due`` (0 without one)."""
        new = self.extensions.get((student, assignment))
        if new is None or due is None:
            return 0.0
        return max(0.0, (new - due).total_seconds())

    def seconds_late(self, student, assignment, due, timestamp) -> float:
        """Seconds between a learner's own due date and ``timestamp`` (0 if on time or unknown)."""
        if due is None or timestamp is None:
            return 0.0
        late = (timestamp - due).total_seconds() - self.shift(student, assignment, due)
        return max(0.0, late)

    def key(self, student: str, assignment: str) -> str:
        """What a learner's penalty depends on besides the work (a changed rule re-grades)."""
        return repr(
            (
                self.percent_per_day,
                self.max_percent,
                self.grace_minutes,
                self.due_dates.get(assignment),
                self.extensions.get((student, assignment)),
            )
        )


def describe(seconds_late: float, percent: float, penalty: float) -> str:
    """'2 days late: -20% (-1.4 points)', or '' for work on time."""
    if seconds_late <= 0:
        return ""
    days = math.ceil(seconds_late / DAY)
    late = f"{days} day{'s' if days > 1 else ''} late" if seconds_late >= 60 else "under a minute late"
    if not percent:
        return f"{late}: no penalty (grace)"
    return f"{late}: -{percent:g}% ({-penalty:g} points)" if penalty else f"{late}: -{percent:g}% (0 points)"


def read_extensions(path: str) -> dict:
    """{(student, assignment): datetime} from an extensions CSV; ``LateError`` listing every
    problem (with its line) if any. No file: no extensions."""
    if not path or not os.path.exists(path):
        return {}
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
    except (OSError, UnicodeDecodeError) as exc:
        raise LateError(f"cannot read the extensions file {path} ({exc}): save it as UTF-8 CSV.") from None
    header = [h.strip().lower() for h in rows[0]] if rows else []
    if any(c not in header for c in COLUMNS):
        raise LateError(
            f"{path}: its first line must name the columns {','.join(COLUMNS)} (found: {','.join(header)})."
        )
    at = {c: header.index(c) for c in COLUMNS}
    out, errors, lines = {}, [], {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = {c: (row[i].strip() if i < len(row) else "") for c, i in at.items()}
        key = (cells["student_id"], cells["assignment"])
        if not all(key):
            errors.append(f"line {number}: a student_id and an assignment are needed")
            continue
        try:
            out[key] = parse_date(cells["due"], f"line {number}")
        except LateError as exc:
            errors.append(str(exc))
        if key in lines:
            errors.append(f"lines {lines[key]} and {number}: {key[0]} has two extensions for {key[1]}")
        lines.setdefault(key, number)
    if errors:
        raise LateError(
            f"the extensions file {path} cannot be used (nothing was graded with it):\n  "
            + "\n  ".join(errors)
        )
    return out


def inline(extensions: dict) -> dict:
    """Extensions as plain config data, {student: {assignment: "YYYY-MM-DD HH:MM:SS UTC"}}."""
    out = {}
    for (student, assignment), when in extensions.items():
        out.setdefault(student, {})[assignment] = when.strftime("%Y-%m-%d %H:%M:%S UTC")
    return out


class LatePenalty(LateSubmissionPlugin):
    """nbgrader's late-submission plugin for the course: a share of the score per day late,
    capped, counted from each learner's own due date (see the module's docstring)."""

    percent_per_day = Float(10.0, help="share of the score lost per day or part of a day late").tag(
        config=True
    )
    max_percent = Float(50.0, help="the most a late submission loses, in % of its score").tag(config=True)
    grace_minutes = Float(0.0, help="work later than this only is late").tag(config=True)
    due_dates = Dict(help="{assignment: due date}; `course autograde` writes them into the gradebook").tag(
        config=True
    )
    extensions_file = Unicode(
        "extensions.csv", help="CSV student_id,assignment,due (relative to the course folder)"
    ).tag(config=True)
    extensions = Dict(help="{student: {assignment: due date}}, besides those of extensions_file").tag(
        config=True
    )

    def policy(self, root: str = "") -> Policy:
        """The rules these settings give (``root``: where a relative extensions file is)."""
        return policy_of(self, root)

    def late_submission_penalty(self, student_id, score, total_seconds_late):
        # nbgrader's AssignLatePenalties makes this plugin with itself as parent, after setting
        # its assignment_id and while its gradebook (with the assignment's due date) is open
        parent = self.parent
        assignment = getattr(parent, "assignment_id", "")
        policy = self.policy()
        due = parent.gradebook.find_assignment(assignment).duedate
        seconds = max(0.0, total_seconds_late - policy.shift(student_id, assignment, due))
        penalty = policy.penalty(score, seconds)
        self.log.info("%s: %.0f s late, penalty %g of %g", student_id, seconds, penalty, score)
        return penalty


def policy_of(settings, root: str = "") -> Policy:
    """A ``Policy`` from a ``LatePenalty`` or a config section of it (``c.LatePenalty``)."""

    def get(name):
        value = getattr(settings, name, None) if isinstance(settings, LatePenalty) else settings.get(name)
        return LatePenalty.class_traits()[name].default() if value is None else value

    due = {a: parse_date(d, f"c.LatePenalty.due_dates[{a!r}]") for a, d in get("due_dates").items()}
    path = get("extensions_file")
    extensions = read_extensions(os.path.join(root, path) if path else "")
    for student, dates in get("extensions").items():
        for assignment, when in dates.items():
            extensions[student, assignment] = parse_date(when, f"the extension of {student} for {assignment}")
    return Policy(
        percent_per_day=float(get("percent_per_day")),
        max_percent=float(get("max_percent")),
        grace_minutes=float(get("grace_minutes")),
        due_dates=due,
        extensions=extensions,
    )


def course_policy(course) -> Policy:
    """The late-work rules of a ``course.autograde.Course`` (its ``nbgrader_config.py``)."""
    from .autograde import CourseError

    try:
        return policy_of(course.config.LatePenalty, course.root)
    except LateError as exc:
        raise CourseError(str(exc)) from None


def prepare(course, assignment: str):
    """Before grading ``assignment``: write its configured due date into the gradebook, check
    the extensions, and return (policy, config for the workers). The workers' config carries the
    extensions themselves (a worker may not see the course folder)."""
    from traitlets.config import Config

    from .autograde import CourseError

    policy = course_policy(course)
    with course.gradebook() as gb:
        if assignment in policy.due_dates:
            gb.update_or_create_assignment(assignment, duedate=policy.due_dates[assignment])
        due = gb.find_assignment(assignment).duedate
    early = [
        f"{s}: {when:%Y-%m-%d %H:%M} UTC is before the due date {due:%Y-%m-%d %H:%M} UTC"
        for (s, a), when in sorted(policy.extensions.items())
        if a == assignment and due is not None and when < due
    ]
    if early:
        raise CourseError(
            f"extensions of {assignment} that end before its due date (fix them in the extensions file):\n  "
            + "\n  ".join(early)
        )
    config = Config(course.config)
    config.LatePenalty.extensions_file = ""
    config.LatePenalty.extensions = inline(policy.extensions)
    return policy, config


@dataclass
class Lateness:
    """How late one learner's work was, and what it cost."""

    due: datetime | None  # the learner's own due date (extension included)
    seconds: float
    percent: float
    penalty: float  # points, as the gradebook holds them

    @property
    def text(self) -> str:
        return describe(self.seconds, self.percent, self.penalty)


def lateness(policy: Policy, assignment: str, submission) -> Lateness:
    """The lateness of a gradebook ``SubmittedAssignment`` (its penalty as nbgrader stored it)."""
    due = submission.duedate
    student = submission.student_id
    own = due
    if due is not None and (student, assignment) in policy.extensions:
        own = policy.extensions[student, assignment]
    seconds = policy.seconds_late(student, assignment, due, submission.timestamp)
    return Lateness(
        due=own,
        seconds=seconds,
        percent=policy.percent(seconds),
        penalty=float(submission.late_submission_penalty or 0.0),
    )
