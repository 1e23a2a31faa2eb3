"""``course report``: one HTML page on a graded assignment, for the instructor.

Read from the records ``course autograde`` keeps (``.course/<assignment>/<student>.json``), the
roster and the gradebook's late penalties: first a table with a row per learner (status, score,
late penalty, score after it, flags by severity, what is missing), who did not submit, and the
flags grouped by severity (cheating suspected, grading trouble, information; see
``course.flags``), each group naming the learners concerned before the details; then a table per
test (pass rate, the most common message of its failures, the points lost), the grade
distribution in bins of one point (drawn, and as a table), the pass rate of each test, the most
common feedback messages (in full, wrapped), and in an appendix the grading time per submission.
Plots are matplotlib PNGs embedded in the page, so it is one self-contained file.

Everything in the records may come from a learner (student ids, file names, messages of failed
tests, flags quoting them): the page escapes all of it, and the plots show it literally (no
mathtext, no TeX: a message such as ``$\\nosuchcommand$`` is a label like any other).
"""

import base64
import html
import io
import math
import os
import textwrap
from collections import Counter, defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from bookkit.style import PALETTE, use_course_style

from . import flags as severity


def _png(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


# Flags that say a notebook of the submission was not graded (it scores 0).
MISSING_KINDS = ("missing-notebook", "unreadable", "too-big")


def _learner(record, late=None):
    """A row of the learners' table from one grading record (``late``: (points, words))."""
    found = record.get("flags", [])
    graded = record["status"] == "graded"
    status = severity.graded_status(found) if graded else severity.WAITING
    counts = {s: sum(severity.severity(f) == s for f in found) for s in severity.SEVERITIES}
    missing = sorted(
        {f"{f['notebook']}.ipynb" for f in found if f.get("kind") in MISSING_KINDS and f.get("notebook")}
    )
    return {
        "student": record["student"],
        "status": status,
        "score": record.get("score") if graded else None,
        "max_score": record.get("max_score"),
        "penalty": (late or _late_of(record))[0] if graded else 0.0,
        "late": (late or _late_of(record))[1] if graded else "",
        "flags": {s: n for s, n in counts.items() if n},
        "missing": missing,
    }


def _late_of(record):
    """(points, words) of a record's late penalty, as nbgrader stored it per notebook."""
    points = sum(nb.get("late_penalty") or 0.0 for nb in record.get("notebooks", {}).values())
    return points, (f"-{points:g} points" if points else "")


def _by_severity(records):
    """{severity: {"students": [ids], "flags": [(student, notebook, kind, message)]}}, most
    serious first, only the severities that occur."""
    out = {}
    for s in severity.SEVERITIES:
        rows = [
            (r["student"], f.get("notebook") or "", f.get("kind", ""), f["message"])
            for r in records
            for f in r["flags"]
            if severity.severity(f) == s
        ]
        if rows:
            out[s] = {"students": sorted({row[0] for row in rows}), "flags": rows}
    return out


def summarise(records: list[dict], roster=(), waiting=(), late=None) -> dict:
    """Numbers behind the report, from the grading records (plain data, easy to test).
    ``roster``: the ids of the class (those with no record and no work waiting did not submit);
    ``waiting``: ids with work in ``submitted/`` that has no record yet (not graded yet);
    ``late``: {student: (penalty points, in words)} (default: the penalties in the records)."""
    late = late or {}
    graded = [r for r in records if r["status"] == "graded"]
    learners = _learners(records, roster, waiting, late)
    scores = [max(0.0, r["score"] - r["penalty"]) for r in learners if r["score"] is not None]
    per_test = defaultdict(lambda: {"passed": 0, "total": 0, "lost": 0.0, "messages": Counter()})
    messages = Counter()
    for r in graded:
        for nb, tests in r["tests"].items():
            for gid, t in tests.items():
                ok = t["max"] > 0 and (t["score"] or 0) >= t["max"]
                test = per_test[f"{nb}/{gid}"]
                test["passed"] += ok
                test["total"] += 1
                test["lost"] += t["max"] - (t["score"] or 0)
                if not ok:
                    messages[t["message"]] += 1
                    test["messages"][t["message"]] += 1
    flagged = [(r["student"], f["message"]) for r in records for f in r["flags"]]
    max_score = max((r["max_score"] for r in graded), default=0)
    return {
        "graded": len(graded),
        "failed": len(records) - len(graded),
        "scores": scores,
        "max_score": max_score,
        "histogram": histogram(scores, max_score),
        "pass_rate": {k: t["passed"] / t["total"] for k, t in sorted(per_test.items())},
        "tests": [_test_row(k, t) for k, t in sorted(per_test.items())],
        "messages": messages.most_common(10),
        "seconds": {r["student"]: r["seconds"] for r in records},
        "flagged": flagged,
        "learners": learners,
        "not_submitted": sorted(set(roster) - {r["student"] for r in records} - set(waiting)),
        "by_severity": _by_severity(records),
    }


def _test_row(name, t):
    """A row of the per-test table: pass rate, the most common message of its failures, points lost."""
    common = t["messages"].most_common(1)
    return {
        "test": name,
        "passed": t["passed"],
        "total": t["total"],
        "rate": t["passed"] / t["total"],
        "message": common[0][0] if common else "",
        "message_count": common[0][1] if common else 0,
        "lost": round(t["lost"], 6),
    }


def histogram(scores, max_score):
    """[(low, high, count)]: bins one point wide, [0, 1), [1, 2), ... up to the one holding
    ``max_score`` (a score of exactly ``max_score`` is in the last bin, [max, max + 1))."""
    top = math.floor(max(max_score, *scores) if scores else max_score)
    counts = Counter(min(math.floor(x), top) for x in scores)
    return [(k, k + 1, counts.get(k, 0)) for k in range(0, top + 1)]


def _learners(records, roster, waiting, late=None):
    """The learners' table: a row per record, per learner waiting and per learner absent."""
    late = late or {}
    rows = {r["student"]: _learner(r, late.get(r["student"])) for r in records}
    for sid, status, missing in [(w, severity.WAITING, []) for w in waiting] + [
        (a, severity.ABSENT, ["no submission"]) for a in roster
    ]:
        rows.setdefault(
            sid,
            {
                "student": sid,
                "status": status,
                "score": None,
                "max_score": None,
                "penalty": 0.0,
                "late": "",
                "flags": {},
                "missing": missing,
            },
        )
    return [rows[k] for k in sorted(rows)]


# Plot labels are shown as written: learners' text is never parsed as mathtext or TeX.
LITERAL_TEXT = {"text.parse_math": False, "text.usetex": False}


def _label(text, width=48):
    """A plot label for a learner's text, in full, wrapped in lines of at most ``width``
    characters (a word longer than that is cut across lines, never left out)."""
    return "\n".join(textwrap.wrap(" ".join(str(text).split()), width, break_long_words=True)) or " "


def _height(labels):
    """Inches for a horizontal bar chart of these (wrapped) labels."""
    return 1.2 + sum(0.22 * (label.count("\n") + 1) + 0.18 for label in labels)


def _plots(s):
    use_course_style()
    with plt.rc_context(LITERAL_TEXT):
        return _draw(s)


def _draw(s):
    figs = {}
    fig, ax = plt.subplots(figsize=(6, 3.2))
    bins = s["histogram"]
    lows, counts = [lo for lo, _, _ in bins], [n for _, _, n in bins]
    ax.bar(lows, counts, width=1.0, align="edge", color=PALETTE["blue"], edgecolor="white")
    ax.set_xticks(range(0, len(bins) + 1))
    ax.set(xlabel=f"score (out of {s['max_score']:g}), bins of one point", ylabel="learners")
    ax.set_title("Grade distribution")
    figs["grades"] = _png(fig)
    names = list(s["pass_rate"])
    labels = [_label(n) for n in names]
    fig, ax = plt.subplots(figsize=(6, _height(labels)))
    ax.barh(range(len(names)), [100 * s["pass_rate"][n] for n in names], color=PALETTE["green"])
    ax.set_yticks(range(len(names)), labels)
    ax.set(xlabel="% of submissions passing", xlim=(0, 100), title="Pass rate of each test")
    ax.invert_yaxis()
    figs["tests"] = _png(fig)
    students = sorted(s["seconds"], key=s["seconds"].get)
    fig, ax = plt.subplots(figsize=(6, 3.2))
    ax.bar(range(len(students)), [s["seconds"][k] for k in students], color=PALETTE["orange"])
    ax.set(xlabel="submissions (sorted)", ylabel="seconds", title="Grading time per submission")
    figs["time"] = _png(fig)
    if s["messages"]:
        labels = [_label(m) for m, _ in s["messages"]]
        fig, ax = plt.subplots(figsize=(6, _height(labels)))
        # positions, not the labels themselves: two messages that shorten alike stay two bars
        ax.barh(range(len(labels)), [n for _, n in s["messages"]], color=PALETTE["vermillion"])
        ax.set_yticks(range(len(labels)), labels)
        ax.set(xlabel="failed tests with this message", title="Most common feedback messages")
        ax.invert_yaxis()
        figs["messages"] = _png(fig)
    return figs


def render(assignment: str, s: dict) -> str:
    """The report's HTML page, from ``summarise``'s numbers."""
    e = html.escape
    figs = _plots(s)
    mean = sum(s["scores"]) / len(s["scores"]) if s["scores"] else 0.0
    parts = [
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Grading report: {e(assignment)}</title>"
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em}"
        "table{border-collapse:collapse}td,th{border:1px solid #999;padding:.3em .6em;text-align:left}"
        "img{max-width:100%}</style></head><body>",
        f"<h1>Grading report: {e(assignment)}</h1>",
        f"<p>{s['graded']} submissions graded, {s['failed']} could not be graded, "
        f"mean score {mean:.2f} of {s['max_score']:g} (after late penalties), "
        f"{len(s['flagged'])} flags.</p>",
    ]
    alts = {
        "grades": "Histogram of the scores",
        "tests": "Bar chart: pass rate of each test",
        "time": "Bar chart: grading time of each submission",
        "messages": "Bar chart: the most common messages of failed tests",
    }
    titles = {
        "grades": "Grade distribution",
        "tests": "Pass rate of each test",
        "messages": "Most common feedback messages",
        "time": "Grading time per submission",
    }
    parts += _tables(s)
    parts += _tests_table(s)

    def figure(key, heading="h2"):
        return f"<{heading}>{titles[key]}</{heading}><img src='{figs[key]}' alt='{alts[key]}'>"

    parts.append(figure("grades"))
    parts.append(
        "<p>Each bin holds the scores (after late penalties) from its number up to the next.</p>"
        + _table(("score", "learners"), [(f"{lo:g} to {hi:g}", n) for lo, hi, n in s["histogram"]])
    )
    parts.append(figure("tests"))
    if s["messages"]:
        parts.append(figure("messages"))
        parts.append(_table(("message", "count"), s["messages"]))
    parts.append("<h2>Appendix: grading time</h2>" + figure("time", "h3"))
    parts.append("</body></html>")
    return "\n".join(parts)


def _table(header, rows):
    """An HTML table; every cell is escaped (learners' ids and messages included)."""
    e = html.escape
    head = "".join(f"<th scope='col'>{e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{e(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _score(row):
    return "" if row["score"] is None else f"{row['score']:g} / {row['max_score']:g}"


def _final(row):
    return "" if row["score"] is None else f"{max(0.0, row['score'] - row['penalty']):g}"


def _tests_table(s):
    """Per test: how many passed, the most common message of its failures, the points lost."""
    rows = [
        (
            t["test"],
            f"{t['passed']} of {t['total']} ({100 * t['rate']:.0f}%)",
            f"{t['message']} ({t['message_count']}x)" if t["message"] else "",
            f"{t['lost']:g}",
        )
        for t in s["tests"]
    ]
    head = ("test", "passed", "most common message of its failures", "points lost")
    return ["<h2>Tests</h2>", _table(head, rows) if rows else "<p>None.</p>"]


def _tables(s):
    """The learners' table, who did not submit, and the flags by severity (learners first)."""
    e = html.escape
    parts = ["<h2>Learners</h2>"]
    rows = [
        (
            r["student"],
            r["status"],
            _score(r),
            r["late"],
            _final(r),
            ", ".join(f"{n} {sev}" for sev, n in r["flags"].items()),
            ", ".join(r["missing"]),
        )
        for r in s["learners"]
    ]
    head = ("learner", "status", "score", "late penalty", "after the penalty", "flags", "missing")
    parts.append(_table(head, rows) if rows else "<p>None.</p>")
    parts.append("<h2>Not submitted</h2>")
    absent = s["not_submitted"]
    parts.append(f"<p>{len(absent)} on the roster: {e(', '.join(absent))}.</p>" if absent else "<p>None.</p>")
    parts.append("<h2>Flagged submissions</h2>")
    if not s["by_severity"]:
        parts.append("<p>None.</p>")
    for sev, group in s["by_severity"].items():
        who = ", ".join(group["students"])
        parts.append(f"<h3>{e(sev.capitalize())}: {len(group['students'])} learner(s)</h3><p>{e(who)}</p>")
        parts.append(_table(("learner", "notebook", "kind", "reason"), group["flags"]))
    return parts


def write_report(root: str, assignment: str, output: str) -> str:
    """Write the report on ``assignment`` of the course at ``root`` to ``output``; return its path."""
    from .autograde import Course, CourseError, load_records
    from .export import submitted_students

    course = Course(root)
    course.notebooks(assignment)
    records = load_records(course, assignment)
    if not records:
        raise CourseError(
            f"no grading records for '{assignment}': run `course autograde {assignment}` first."
        )
    graded = {r["student"] for r in records}
    waiting = [sid for sid in submitted_students(course, assignment) if sid not in graded]
    os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
    with open(output, "w", encoding="utf-8") as fh:
        fh.write(
            render(assignment, summarise(records, course.roster(), waiting, penalties(course, assignment)))
        )
    return output


def penalties(course, assignment: str) -> dict:
    """{student: (points, in words)} of the late penalties in the gradebook."""
    from . import late

    policy = late.course_policy(course)
    with course.gradebook() as gb:
        out = {}
        for sub in gb.assignment_submissions(assignment):
            info = late.lateness(policy, assignment, sub)
            out[sub.student_id] = (info.penalty, info.text)
        return out
