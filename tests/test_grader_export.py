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
    assert rows["ben"][1:3] == ["graded", "0 / 5"] and rows["dan"] == [
        "dan",
        "not submitted",
        "",
        "",
        "no submission",
    ]
    assert rows["cara"][1:4] == ["flagged", "5 / 5", "1 grading trouble, 1 information"]
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
