"""`course export` and `course report` tell a score of 0 from no score.

A class graded once: ana (correct), ben (blank: a real 0), cara (correct, then flagged), dan and a
learner whose id is markup (on the roster, nothing submitted), eve (submitted after the grading).

- the export's status column says graded / flagged / not graded yet / not submitted, and the score
  cell is empty for every row that has no score;
- the report starts with a table per learner, lists who did not submit, and groups the flags by
  severity with the learners concerned first; every learner-supplied text is escaped.
"""

import csv
import json
import shutil

import pytest
from bad_submissions import fixture as fx
from bs4 import BeautifulSoup

from course import cli, report
from course.autograde import Options, autograde
from course.jail.sandbox import Limits

MARKUP = "<img src=x onerror=alert(1)>"
BLANK = {
    "sigmoid": "def sigmoid(z):\n    raise NotImplementedError()",
    "neuron": "def neuron(x, w, b):\n    raise NotImplementedError()",
}


def _grade_class(base):
    root = fx.make_course(base / "course", extra_config="c.Autograde.create_student = False\n")
    ids = ["ana", "ben", "cara", "dan", "eve", MARKUP]
    (root / "roster.csv").write_text(
        "id,first_name,last_name,email\n" + "".join(f'"{s}",A,{s},\n' for s in ids)
    )
    assert cli.main(["--root", str(root), "roster", str(root / "roster.csv")]) == 0
    for student, answers in {"ana": fx.CORRECT, "ben": BLANK, "cara": fx.CORRECT}.items():
        fx.write_submission(root, student, fx.answered(root, answers))
    limits = Limits(notebook_timeout=30, cpu_seconds=40)
    summary = autograde(root, fx.ASSIGNMENT, Options(jobs=2, limits=limits, progress=False))
    fx.write_submission(root, "eve", fx.answered(root))  # handed in after the grading
    record = root / ".course" / fx.ASSIGNMENT / "cara.json"
    data = json.loads(record.read_text())
    data["flags"].append(_flag("cell-timeout", "1 cell(s) ran past the cell time limit"))
    data["flags"].append(_flag("renamed", "the notebook was submitted as 'x.ipynb'"))
    record.write_text(json.dumps(data))
    return sorted(summary.graded)


def _flag(kind, message):
    from course.intake import flag

    return flag(kind, message, fx.NOTEBOOK)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root, graded = fx.graded_once(tmp_path_factory, "grader-export", _grade_class)
    assert graded == ["ana", "ben", "cara"]
    return root


@pytest.mark.grading
def test_export_tells_no_score_from_zero(graded, tmp_path, capsys):
    out = tmp_path / "grades.csv"
    assert cli.main(["--root", str(graded), "export", fx.ASSIGNMENT, "--output", str(out)]) == 0
    assert "1 flagged, 2 graded, 1 not graded yet, 2 not submitted" in capsys.readouterr().out
    with out.open(newline="") as fh:
        rows = {r["student_id"]: r for r in csv.DictReader(fh)}
    got = {s: (r["status"], r["score"]) for s, r in rows.items()}
    assert got == {
        "ana": ("graded", "5"),
        "ben": ("graded", "0"),
        "cara": ("flagged", "5"),
        "dan": ("not submitted", ""),
        "eve": ("not graded yet", ""),
        MARKUP: ("not submitted", ""),
    }
    assert rows["cara"]["flags"] == "grading trouble: cell-timeout; information: renamed"
    assert rows["eve"]["note"] == "submitted, not graded: run `course autograde f1_neuron --student eve`"
    assert rows["ana"]["last_name"] == "ana" and rows["ana"]["max_score"] == "5"


@pytest.mark.grading
def test_export_all_or_one(graded, tmp_path, capsys):
    out = tmp_path / "all.csv"
    assert cli.main(["--root", str(graded), "export", "--all", "--output", str(out)]) == 0
    assert len(out.read_text().splitlines()) == 1 + 6
    assert cli.main(["--root", str(graded), "export"]) == 2
    assert "or pass --all" in capsys.readouterr().err
    assert cli.main(["--root", str(graded), "export", "f9_nothing"]) == 2
    assert "'f9_nothing' is not in the gradebook" in capsys.readouterr().err


@pytest.mark.grading
def test_report_starts_with_the_learners(graded, tmp_path):
    out = tmp_path / "report.html"
    assert cli.main(["--root", str(graded), "report", fx.ASSIGNMENT, "--output", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    soup = BeautifulSoup(page, "html.parser")
    headings = [h.get_text() for h in soup.find_all("h2")]
    assert headings[:3] == ["Learners", "Not submitted", "Flagged submissions"]
    table = soup.find("table")
    rows = {
        tr.find_all("td")[0].get_text(): [td.get_text() for td in tr.find_all("td")] for tr in table("tr")[1:]
    }
    assert rows["ben"][1:5] == ["graded", "0 / 5", "", "0"]
    assert rows["dan"] == ["dan", "not submitted", "", "", "", "", "no submission"]
    assert rows["cara"][1:3] == ["flagged", "5 / 5"] and rows["cara"][5] == "1 grading trouble, 1 information"
    assert rows["eve"][1:3] == ["not graded yet", ""] and rows[MARKUP][1] == "not submitted"
    assert "dan" in soup.find("h2", string="Not submitted").find_next("p").get_text()
    assert soup.find("img", src="x") is None and "&lt;img src=x onerror=alert(1)&gt;" in page


def _record(student, *kinds, status="graded"):
    return {
        "student": student,
        "status": status,
        "score": 1.0,
        "max_score": 5.0,
        "seconds": 1.0,
        "tests": {},
        "flags": [{"kind": k, "notebook": "f1_neuron", "message": f"{k} of {student}"} for k in kinds],
    }


def test_flags_are_grouped_by_severity_learners_first():
    records = [
        _record("amy", "renamed"),
        _record("bo", "copied-reference", "cell-timeout"),
        _record("cy", "uses-reference"),
        _record("di", "worker-crashed", status="failed"),
        _record("ed", "missing-notebook"),
    ]
    s = report.summarise(records, roster=["amy", "bo", "cy", "di", "ed", "fy"], waiting=[])
    assert list(s["by_severity"]) == ["cheating suspected", "grading trouble", "information"]
    assert s["by_severity"]["cheating suspected"]["students"] == ["bo", "cy"]
    assert s["by_severity"]["grading trouble"]["students"] == ["bo", "di", "ed"]
    assert s["by_severity"]["information"]["students"] == ["amy"]
    assert s["not_submitted"] == ["fy"]
    learners = {r["student"]: r for r in s["learners"]}
    assert learners["amy"]["status"] == "graded" and learners["bo"]["status"] == "flagged"
    assert learners["di"]["status"] == "not graded yet" and learners["di"]["score"] is None
    assert learners["ed"]["missing"] == ["f1_neuron.ipynb"] and learners["fy"]["missing"] == ["no submission"]
    page = "\n".join(report._tables(s))
    cheating, trouble = (
        page.index("Cheating suspected: 2 learner(s)"),
        page.index("Grading trouble: 3 learner(s)"),
    )
    assert cheating < page.index("copied-reference of bo") < trouble < page.index("Information: 1 learner(s)")
    assert page.index("<p>bo, cy</p>") < page.index("copied-reference of bo")  # who first, then why


# --- a generated class (tools/demo_class.py), graded with `course autograde` ----------------------
# a1_neuron is due 2026-11-20 09:00 UTC; hours late of each learner's hand-in, and extensions
DEMO_DUE = "2026-11-20 09:00:00 UTC"
DEMO_HOURS_LATE = {"s001": 26, "s002": 1, "s003": 30, "s004": 240, "s006": -1, "s007": 0.5, "s008": 3}
DEMO_EXTENSIONS = {"s001": 24, "s003": 48}  # hours added to the due date (s001: 2 h late for it)
DEMO_ASSIGNMENT = "a1_neuron"


def _demo_students():
    from tools import demo_class as demo

    students = demo.invent_students(8, seed=3)
    students[1] = demo.Student("s002", "Björn", "Ångström", "bjorn.angstrom@example.edu")
    students[6] = students[6]._replace(last_name="=1+1")  # a name a spreadsheet would run
    students[7] = students[7]._replace(email="")  # no email: Moodle cannot find this learner by it
    return students


def _grade_demo_class(folder):
    """The class, graded; returns {student: [kind, raw score expected]} (JSON, for ``once``)."""
    from datetime import datetime, timedelta

    from tools import demo_class as demo

    root = demo.make_course(folder / "course", [DEMO_ASSIGNMENT])
    with (root / "nbgrader_config.py").open("a") as fh:
        fh.write(f'\nc.LatePenalty.due_dates = {{"{DEMO_ASSIGNMENT}": "{DEMO_DUE}"}}\n')
    students = _demo_students()
    with (root / "roster.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "first_name", "last_name", "email", "canvas_id", "section"])
        for s in students:
            writer.writerow([*s, "104233" if s.id == "s001" else "", "Gruppe Ü1"])
    assert cli.main(["--root", str(root), "roster", str(root / "roster.csv")]) == 0
    demo.nbgrader(root, "generate_assignment", DEMO_ASSIGNMENT, "--create", "--force")
    due = datetime(2026, 11, 20, 9, 0)
    (root / "extensions.csv").write_text(
        "student_id,assignment,due\n"
        + "".join(
            f"{s},{DEMO_ASSIGNMENT},{due + timedelta(hours=h):%Y-%m-%d %H:%M:%S} UTC\n"
            for s, h in DEMO_EXTENSIONS.items()
        )
    )
    work = demo.invent_work(students, [DEMO_ASSIGNMENT], seed=3)
    source = demo.read_notebook(root / "assignments" / DEMO_ASSIGNMENT / f"{DEMO_ASSIGNMENT}.ipynb")
    release = demo.read_notebook(root / "release" / DEMO_ASSIGNMENT / f"{DEMO_ASSIGNMENT}.ipynb")
    for s in students:
        w = work[s.id, DEMO_ASSIGNMENT]
        if w.kind == "missing":
            continue
        folder = root / "submitted" / s.id / DEMO_ASSIGNMENT
        demo.write_notebook(demo.submission(source, release, w), folder / f"{DEMO_ASSIGNMENT}.ipynb")
        stamp = due + timedelta(hours=DEMO_HOURS_LATE[s.id])
        (folder / "timestamp.txt").write_text(f"{stamp:%Y-%m-%d %H:%M:%S} UTC")
    limits = Limits(notebook_timeout=120, cpu_seconds=130)
    autograde(root, DEMO_ASSIGNMENT, Options(jobs=2, limits=limits, progress=False))
    expected = demo.expected_scores(work)
    return {s.id: [work[s.id, DEMO_ASSIGNMENT].kind, expected[s.id, DEMO_ASSIGNMENT]] for s in students}


@pytest.fixture(scope="module")
def demo_class(tmp_path_factory):
    """(course folder, {student: (kind, raw score, penalty, score after it)}): a generated class
    of 8 on a1_neuron, with late work, extensions, a missing submission and odd names."""
    from course.late import DAY, Policy

    root, built = fx.graded_once(tmp_path_factory, "grader-demo-class", _grade_demo_class)
    policy, out = Policy(), {}
    for sid, (kind, raw) in built.items():
        hours = DEMO_HOURS_LATE.get(sid, 0) - DEMO_EXTENSIONS.get(sid, 0)
        penalty = policy.penalty(raw, max(0, hours) * 3600) if kind != "missing" else None
        out[sid] = (kind, raw, penalty, None if penalty is None else raw - penalty)
    assert policy.percent(DAY) == 10  # the default the class is checked against
    assert {k for k, *_ in out.values()} >= {"complete", "partial", "buggy", "blank", "missing"}
    assert out["s001"][2] > 0 and out["s003"][2] == 0  # late for their own date; saved by one
    assert out["s002"][2] > 0 and out["s007"][2] > 0  # an hour and half an hour late
    return root, out


def _export(root, fmt, tmp_path, *more):
    out = tmp_path / f"{fmt}.csv"
    assert (
        cli.main(
            ["--root", str(root), "export", DEMO_ASSIGNMENT, "--format", fmt, "--output", str(out), *more]
        )
        == 0
    )
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark, for spreadsheets
    with out.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh)), out


def _score(value):
    return "" if value is None else f"{value:g}"


@pytest.mark.grading
def test_canvas_gradebook_import_file(demo_class, tmp_path, capsys):
    root, want = demo_class
    table, _ = _export(root, "canvas", tmp_path, "--roster", str(root / "roster.csv"))
    assert table[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", DEMO_ASSIGNMENT]
    assert table[1] == ["Points Possible", "", "", "", "", table[1][5]] and float(table[1][5]) > 0
    rows = {r[2]: r for r in table[2:]}
    assert sorted(rows) == sorted(want)  # one row per learner, keyed by SIS User ID
    assert {sid: r[5] for sid, r in rows.items()} == {sid: _score(w[3]) for sid, w in want.items()}
    missing = [sid for sid, w in want.items() if w[0] == "missing"]
    assert missing and all(rows[sid][5] == "" for sid in missing)  # no submission: no grade, not 0
    assert rows["s002"][0] == "Ångström, Björn" and rows["s001"][1] == "104233"
    assert rows["s007"][0].startswith("'=1+1")  # not a formula
    assert {r[4] for r in rows.values()} == {"Gruppe Ü1"}
    table, _ = _export(root, "canvas", tmp_path, "--key", "canvas")
    by_canvas_id = {r[1]: r for r in table[2:]}
    assert sorted(by_canvas_id) == sorted(want) and by_canvas_id["s003"][2] == ""


@pytest.mark.grading
def test_moodle_grade_import_file(demo_class, tmp_path, capsys):
    root, want = demo_class
    table, _ = _export(root, "moodle", tmp_path)
    out = capsys.readouterr().out
    assert "left out, no email address in the gradebook" in out and "s008" in out
    assert table[0] == [
        "Email address",
        "First name",
        "Last name",
        DEMO_ASSIGNMENT,
        f"{DEMO_ASSIGNMENT} late",
    ]
    rows = {r[1] + " " + r[2]: r for r in table[1:]}
    assert rows["Björn Ångström"][0] == "bjorn.angstrom@example.edu"
    assert rows["Björn Ångström"][3] == _score(want["s002"][3])
    assert rows["Björn Ångström"][4].startswith("1 day late: -10%")
    assert len(table) - 1 == len(want) - 1  # everyone but the learner without an email
    table, _ = _export(root, "moodle", tmp_path, "--key", "idnumber")
    rows = {r[0]: r for r in table[1:]}
    assert {sid: r[3] for sid, r in rows.items()} == {sid: _score(w[3]) for sid, w in want.items()}
    assert (
        cli.main(["--root", str(root), "export", DEMO_ASSIGNMENT, "--format", "moodle", "--key", "sis"]) == 2
    )
    assert "--key sis does not apply to --format moodle: choose email or idnumber" in capsys.readouterr().err


@pytest.mark.grading
def test_plain_csv_has_nbgrader_columns_and_never_0_for_absent(demo_class, tmp_path):
    root, want = demo_class
    table, _ = _export(root, "csv", tmp_path)
    header, rows = table[0], [dict(zip(table[0], r)) for r in table[1:]]
    assert header[:11] == [
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
    ]
    got = {r["student_id"]: (r["raw_score"], r["late_submission_penalty"], r["score"]) for r in rows}
    assert got == {
        sid: (_score(w[1] if w[2] is not None else None), _score(w[2]), _score(w[3]))
        for sid, w in want.items()
    }
    statuses = {r["student_id"]: r["status"] for r in rows}
    assert all((statuses[s] == "not submitted") == (w[0] == "missing") for s, w in want.items())


@pytest.mark.grading
def test_per_test_file_adds_up_to_the_score(demo_class, tmp_path):
    root, want = demo_class
    table, _ = _export(root, "tests", tmp_path)
    assert table[0] == [
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
    ]
    rows = [dict(zip(table[0], r)) for r in table[1:]]
    cells = {r["test"] for r in rows if r["test"] != "late penalty"}
    assert len([r for r in rows if r["test"] != "late penalty"]) == len(want) * len(cells)
    for sid, (kind, _raw, penalty, score) in want.items():
        mine = [r for r in rows if r["student_id"] == sid]
        if kind == "missing":
            assert {r["points"] for r in mine} == {""} and {r["status"] for r in mine} == {"not submitted"}
            continue
        assert sum(float(r["points"]) for r in mine) == pytest.approx(score)
        late = [r for r in mine if r["test"] == "late penalty"]
        assert [float(r["points"]) for r in late] == ([-penalty] if penalty else [])
        for r in mine:
            if r["test"] != "late penalty":
                passed = float(r["points"]) == float(r["max_points"])
                assert (r["message"] == "passed") == passed, r


@pytest.mark.grading
def test_non_ascii_names_survive_python_csv(demo_class, tmp_path):
    root, _ = demo_class
    for fmt in ("csv", "canvas", "moodle", "tests"):
        table, path = _export(root, fmt, tmp_path)
        text = path.read_text(encoding="utf-8-sig")
        assert "Björn" in text and "Ångström" in text, fmt
        assert table == list(csv.reader(text.splitlines())), fmt


LO_NO = (
    "LibreOffice (soffice) is not installed: apt-get install --no-install-recommends libreoffice-calc-nogui"
)
LO_CSV = "Text - txt - csv (StarCalc):44,34,76"  # comma, double quote, UTF-8 (LibreOffice's code 76)


@pytest.mark.grading
@pytest.mark.skipif(shutil.which("soffice") is None, reason=LO_NO)
def test_libreoffice_reads_the_exports_as_written(demo_class, tmp_path):
    """LibreOffice opens each export as UTF-8 text (the Text Import dialog's "Unicode (UTF-8)")
    and saves it again as CSV with every cell the same: names intact, the guarded name a text."""
    import subprocess

    root, _ = demo_class
    profile = tmp_path / "lo-profile"
    for fmt in ("csv", "canvas", "moodle", "tests"):
        table, path = _export(root, fmt, tmp_path)
        outdir = tmp_path / f"lo-{fmt}"
        command = ["soffice", f"-env:UserInstallation=file://{profile}", "--headless"]
        command += [
            "--infilter=" + LO_CSV,
            "--convert-to",
            "csv:" + LO_CSV,
            "--outdir",
            str(outdir),
            str(path),
        ]
        subprocess.run(command, check=True, capture_output=True, timeout=180)
        with (outdir / path.name).open(encoding="utf-8-sig", newline="") as fh:
            back = list(csv.reader(fh))
        assert back == table, fmt
        assert any("Ångström" in c for row in back for c in row), fmt
        if fmt != "tests":
            assert any(c.startswith("'=1+1") for row in back for c in row), fmt
