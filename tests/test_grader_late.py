"""Late work: due dates and extensions in the course config, penalties by nbgrader's plugin.

The fixture assignment (5 points) is due 2026-01-10 23:59 UTC. Learners hand in on time, an
hour late, three days and a minute late, two weeks late, in another time zone, partly wrong and
two days late, and with extensions (on time for their own date, or late for it). ``course
autograde`` and plain ``nbgrader autograde`` (same gradebook rules) must dock exactly the
default: 10% of the score per day or part of a day late, at most 50%, counted from the learner's
own due date. Changing an extension grades that learner again; a broken extensions file stops
the grading with the line to fix, before anything is graded.
"""

import csv
import shutil

import pytest
from bad_submissions import fixture as fx
from test_grader_export import DEMO_ASSIGNMENT, demo_class  # noqa: F401  (a fixture: the generated class)
from traitlets.config import Config

from course import cli
from course.autograde import Course, Options, autograde
from course.jail.sandbox import Limits
from course.late import DAY, LatePenalty, Policy, describe, read_extensions

DUE = "2026-01-10 23:59:00 UTC"
LATE_CONFIG = f"""
c.AssignLatePenalties.plugin_class = "course.late.LatePenalty"
c.LatePenalty.due_dates = {{"{fx.ASSIGNMENT}": "{DUE}"}}
"""
EXTENSIONS = (
    "student_id,assignment,due\neve,f1_neuron,2026-01-13 23:59 UTC\nfay,f1_neuron,2026-01-12 23:59 UTC\n"
)
# learner: (handed in, answers, raw score, penalty)
CLASS = {
    "ana": ("2026-01-10 12:00:00 UTC", fx.CORRECT, 5.0, 0.0),  # on time
    "ben": ("2026-01-11 00:59:00 UTC", fx.CORRECT, 5.0, 0.5),  # an hour late: 1 day, 10%
    "cara": ("2026-01-14 00:00:00 UTC", fx.CORRECT, 5.0, 2.0),  # 3 days and a minute: 4 days, 40%
    "dan": ("2026-01-25 09:00:00 UTC", fx.CORRECT, 5.0, 2.5),  # two weeks: capped at 50%
    "hal": ("2026-01-11 00:30:00 Europe/Berlin", fx.CORRECT, 5.0, 0.0),  # 23:30 UTC: on time
    "gil": ("2026-01-12 12:00:00 UTC", {"neuron": fx.WRONG_NEURON}, 2.0, 0.4),  # 2 days: 20% of 2
    "eve": ("2026-01-12 08:00:00 UTC", fx.CORRECT, 5.0, 0.0),  # extension to the 13th: on time
    "fay": ("2026-01-13 10:00:00 UTC", fx.CORRECT, 5.0, 0.5),  # extension to the 12th: 10 h late
}


def _answers(root, answers):
    return fx.answered(root, {**fx.CORRECT, **answers})


def _make(base):
    root = fx.make_course(base, extra_config=LATE_CONFIG)
    (root / "extensions.csv").write_text(EXTENSIONS)
    for student, (stamp, answers, _, _) in CLASS.items():
        fx.write_submission(root, student, _answers(root, answers), timestamp=stamp)
    return root


def _grade_both(base):
    """The class graded by `course autograde`, and a copy by plain `nbgrader autograde`."""
    root = _make(base / "course")
    plain = fx.copy_course(root, base / "plain")
    limits = Limits(notebook_timeout=30, cpu_seconds=40)
    summary = autograde(root, fx.ASSIGNMENT, Options(jobs=2, limits=limits, progress=False))
    # plain nbgrader finds the due date in the gradebook, where `course autograde` put it
    shutil.copy(root / "gradebook.db", plain / "gradebook.db")
    fx.nbgrader_cmd(plain, "autograde", fx.ASSIGNMENT, "--force")
    return sorted(summary.graded)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root, graded = fx.graded_once(tmp_path_factory, "grader-late", _grade_both)
    assert graded == sorted(CLASS)
    return root.parent


def penalties(root):
    with Course(root).gradebook() as gb:
        return {
            s.student_id: (s.score, s.late_submission_penalty)
            for s in gb.assignment_submissions(fx.ASSIGNMENT)
        }


@pytest.mark.grading
def test_course_autograde_docks_the_default_penalties_exactly(graded):
    want = {s: (raw, penalty) for s, (_, _, raw, penalty) in CLASS.items()}
    assert penalties(graded / "course") == want


@pytest.mark.grading
def test_plain_nbgrader_docks_the_same(graded):
    assert penalties(graded / "plain") == penalties(graded / "course")


@pytest.mark.grading
def test_the_export_shows_the_penalty(graded, tmp_path):
    out = tmp_path / "grades.csv"
    root = graded / "course"
    assert cli.main(["--root", str(root), "export", fx.ASSIGNMENT, "--output", str(out)]) == 0
    with out.open(encoding="utf-8-sig", newline="") as fh:
        got = {r["student_id"]: r for r in csv.DictReader(fh)}
    assert {s: (r["raw_score"], r["late_submission_penalty"], r["score"]) for s, r in got.items()} == {
        s: (f"{raw:g}", f"{penalty:g}", f"{raw - penalty:g}") for s, (_, _, raw, penalty) in CLASS.items()
    }
    assert got["ben"]["late"] == "1 day late: -10% (-0.5 points)"
    assert got["cara"]["late"] == "4 days late: -40% (-2 points)"
    assert got["fay"]["late"] == "1 day late: -10% (-0.5 points)"  # from her own due date
    assert got["eve"]["late"] == "" and got["hal"]["late"] == ""
    assert got["ana"]["duedate"] == "2026-01-10 23:59:00"


@pytest.mark.grading
def test_a_changed_extension_grades_that_learner_again(graded, tmp_path):
    root = fx.copy_course(graded / "course", tmp_path / "course")
    (root / "extensions.csv").write_text(EXTENSIONS + "ben,f1_neuron,2026-01-11 01:00 UTC\n")
    limits = Limits(notebook_timeout=30, cpu_seconds=40)
    summary = autograde(root, fx.ASSIGNMENT, Options(jobs=1, limits=limits, progress=False))
    assert summary.graded == ["ben"] and sorted(summary.skipped) == sorted(set(CLASS) - {"ben"})
    assert penalties(root)["ben"] == (5.0, 0.0)


def test_a_broken_extensions_file_stops_before_grading(tmp_path, capsys):
    root = fx.make_course(tmp_path / "course", extra_config=LATE_CONFIG)
    fx.write_submission(root, "ana", fx.answered(root))
    bad = "student_id,assignment,due\nana,f1_neuron,next friday\nana,f1_neuron,2026-01-12\n"
    (root / "extensions.csv").write_text(bad)
    assert cli.main(["--root", str(root), "autograde", fx.ASSIGNMENT, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "line 2: 'next friday' is not a date" in err
    assert "lines 2 and 3: ana has two extensions for f1_neuron" in err
    assert not (root / "autograded").exists()
    (root / "extensions.csv").write_text("student_id,assignment,due\nana,f1_neuron,2026-01-01 00:00 UTC\n")
    assert cli.main(["--root", str(root), "autograde", fx.ASSIGNMENT, "--quiet"]) == 2
    assert "ana: 2026-01-01 00:00 UTC is before the due date 2026-01-10 23:59 UTC" in capsys.readouterr().err


def test_the_default_policy_day_by_day():
    p = Policy()
    hour = 3600
    got = [p.percent(s) for s in (0, 1, DAY, DAY + 1, 2 * DAY + hour, 4 * DAY + 1, 5 * DAY, 30 * DAY)]
    assert got == [0, 10, 10, 20, 30, 50, 50, 50]
    assert p.penalty(7.0, 2 * DAY) == 1.4 and p.penalty(0.0, 9 * DAY) == 0.0
    graced = Policy(grace_minutes=15)
    assert graced.percent(14 * 60) == 0 and graced.percent(16 * 60) == 10
    assert describe(30, 10, 0.5) == "under a minute late: -10% (-0.5 points)"


def test_the_shipped_config_uses_the_plugin_with_the_documented_default(tmp_path):
    from pathlib import Path

    config = Config()
    exec((Path(__file__).parents[1] / "nbgrader_config.py").read_text(), {"get_config": lambda: config})
    assert config.AssignLatePenalties.plugin_class == "course.late.LatePenalty"
    plugin = LatePenalty(config=config)
    assert (plugin.percent_per_day, plugin.max_percent, plugin.grace_minutes) == (10, 50, 0)
    assert plugin.extensions_file == "extensions.csv"


def test_extensions_file_rules(tmp_path):
    path = tmp_path / "extensions.csv"
    assert read_extensions(str(path)) == {}  # no file, no extensions
    path.write_text("\ufeffStudent_ID,Assignment,Due\ns1,a1,2026-10-08 23:59 Europe/Berlin\n\n")
    (key, when), *_ = read_extensions(str(path)).items()
    assert key == ("s1", "a1") and str(when) == "2026-10-08 21:59:00"


@pytest.mark.grading
def test_a_generated_class_is_docked_exactly(demo_class):  # noqa: F811  (the fixture imported above)
    """The generated class (tests/test_grader_export.py): each learner's penalty in the gradebook
    is the default's for their hours late from their own due date."""
    root, want = demo_class
    with Course(root).gradebook() as gb:
        subs = {s.student_id: s for s in gb.assignment_submissions(DEMO_ASSIGNMENT)}
        got = {sid: (s.score, s.late_submission_penalty) for sid, s in subs.items()}
    assert got == {sid: (raw, penalty) for sid, (_, raw, penalty, _) in want.items() if penalty is not None}
