"""`course autograde`, `course report` and `course feedback` on the fixture course.

- the same grades, in the same gradebook rows, as plain `nbgrader autograde` (graded both ways);
- resume: graded, unchanged submissions are skipped unless --force; --student picks some;
- a Dask cluster of worker processes (`--scheduler`) gives the same grades;
- feedback never shows the hidden tests; the report has its plots and the flagged list;
- errors (unknown assignment, misplaced submission, roster mismatch) say what to do.
"""

import os
import shutil

import pytest
from bad_submissions import catalogue
from bad_submissions import fixture as fx
from once import built_once

from course import cli
from course.autograde import Course, Options, autograde, load_records
from course.jail.sandbox import Limits

pytestmark = [pytest.mark.grading, pytest.mark.slow, pytest.mark.xdist_group("grader_cli")]

LIMITS = Limits(notebook_timeout=30, cpu_seconds=40)
CLASS = {
    "ana": fx.CORRECT,
    "ben": dict(fx.CORRECT, neuron=fx.WRONG_NEURON),
    "chloe": dict(fx.CORRECT, sigmoid="def sigmoid(z):\n    return z"),
    "dan": {"sigmoid": "def sigmoid(z):\n    raise NotImplementedError()", "neuron": fx.WRONG_NEURON},
}


def gradebook_rows(root, students):
    """Everything nbgrader stores for a graded submission, comparable across gradebooks."""
    rows = {}
    with Course(root).gradebook() as gb:
        for s in students:
            sub = gb.find_submission(fx.ASSIGNMENT, s)
            for nb in sub.notebooks:
                rows[s, nb.name, "late"] = nb.late_submission_penalty
                for g in nb.grades:
                    rows[s, nb.name, g.name] = (
                        g.auto_score,
                        g.manual_score,
                        g.needs_manual_grade,
                        g.max_score,
                    )
                for c in nb.comments:
                    rows[s, nb.name, "comment", c.name] = c.auto_comment
            rows[s, "timestamp"] = sub.timestamp
    return rows


# Tampered submissions graded both ways too: nbgrader's repairs must give the same grades.
TAMPERED = {
    "eve_dup": catalogue.duplicated_cells,
    "fay_deleted": catalogue.deleted_test_cell,
    "gus_stripped": catalogue.stripped_test_metadata,
    "hal_warning": catalogue.stderr_warning,
}
EVERYONE = sorted(CLASS) + sorted(TAMPERED)


@pytest.fixture(scope="session")
def graded_both_ways(tmp_path_factory):
    """(course folder graded by `course`, copy graded by plain nbgrader, who `course` graded),
    built once per test run (see ``once``). Tests treat both folders as read-only: those that
    change things work on a copy."""

    def build(base):
        root, plain = base / "course", base / "plain"
        fx.make_course(root)
        for student, answers in CLASS.items():
            fx.write_submission(root, student, fx.answered(root, answers))
        for student, build_bad in TAMPERED.items():
            build_bad(root, student, None)
        fx.copy_course(root, plain)
        fx.nbgrader_cmd(plain, "autograde", fx.ASSIGNMENT)
        return sorted(autograde(root, fx.ASSIGNMENT, Options(jobs=2, limits=LIMITS, progress=False)).graded)

    base, graded = built_once(tmp_path_factory, "grader-cli", build)
    return base / "course", base / "plain", graded


@pytest.fixture
def course_dir(graded_both_ways):
    return graded_both_ways[0]


@pytest.fixture
def both_ways(graded_both_ways):
    return graded_both_ways[1], graded_both_ways[2]


def test_same_grades_as_plain_nbgrader(course_dir, both_ways):
    plain, graded = both_ways
    assert graded == EVERYONE
    ours, theirs = gradebook_rows(course_dir, EVERYONE), gradebook_rows(plain, EVERYONE)
    assert ours == theirs
    for student in TAMPERED:
        assert ours[student, fx.NOTEBOOK, "test_neuron"][0] == (0.0 if student == "gus_stripped" else 3.0)
    assert ours["ana", fx.NOTEBOOK, "test_neuron"][0] == 3.0
    assert ours["ben", fx.NOTEBOOK, "test_neuron"][0] == 0.0


def test_autograded_notebooks_like_nbgrader(course_dir, both_ways):
    plain, _ = both_ways
    for s in CLASS:
        ours = course_dir / "autograded" / s / fx.ASSIGNMENT / f"{fx.NOTEBOOK}.ipynb"
        theirs = plain / "autograded" / s / fx.ASSIGNMENT / f"{fx.NOTEBOOK}.ipynb"
        assert ours.exists() and theirs.exists()
        assert oct(ours.stat().st_mode & 0o777) == oct(theirs.stat().st_mode & 0o777)


def test_resume_skips_graded_unless_forced(course_dir, tmp_path):
    root = fx.copy_course(course_dir, tmp_path / "resume")
    again = autograde(root, fx.ASSIGNMENT, Options(jobs=1, limits=LIMITS, progress=False))
    assert sorted(again.skipped) == EVERYONE and again.graded == []
    # a changed submission is graded again; --student limits the run
    fx.write_submission(root, "dan", fx.answered(root, fx.CORRECT))
    changed = autograde(root, fx.ASSIGNMENT, Options(jobs=1, limits=LIMITS, progress=False))
    assert changed.graded == ["dan"]
    forced = autograde(
        root, fx.ASSIGNMENT, Options(jobs=1, students=("ana",), force=True, limits=LIMITS, progress=False)
    )
    assert forced.graded == ["ana"] and forced.skipped == []
    assert gradebook_rows(root, ["dan"])["dan", fx.NOTEBOOK, "test_neuron"][0] == 3.0


def test_dask_cluster_gives_the_same_grades(course_dir, both_ways, tmp_path):
    distributed = pytest.importorskip("distributed")
    other = fx.copy_course(both_ways[0], tmp_path / "dask_course")  # graded by plain nbgrader
    shutil.rmtree(other / "autograded")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        summary = autograde(
            other,
            fx.ASSIGNMENT,
            Options(scheduler=cluster.scheduler_address, force=True, limits=LIMITS, progress=False),
        )
    assert sorted(summary.graded) == EVERYONE
    assert gradebook_rows(other, EVERYONE) == gradebook_rows(both_ways[0], EVERYONE)


def test_feedback_hides_hidden_tests(course_dir, tmp_path):
    root = fx.copy_course(course_dir, tmp_path / "feedback")
    assert cli.main(["--root", str(root), "feedback", fx.ASSIGNMENT, "--student", "ben"]) == 0
    html = (root / "feedback" / "ben" / fx.ASSIGNMENT / f"{fx.NOTEBOOK}.html").read_text()
    assert "reference_neuron" not in html and "BEGIN HIDDEN TESTS" not in html
    assert "hidden tests ran here" in html
    assert "AssertionError" in html  # the outcome is still shown


def test_report_has_plots_and_flags(course_dir, tmp_path):
    out = tmp_path / "report.html"
    assert cli.main(["--root", str(course_dir), "report", fx.ASSIGNMENT, "--output", str(out)]) == 0
    page = out.read_text()
    assert page.count("data:image/png;base64,") >= 3
    for heading in (
        "Grade distribution",
        "Pass rate of each test",
        "Grading time per submission",
        "Most common feedback messages",
        "Flagged submissions",
    ):
        assert heading in page
    records = load_records(Course(course_dir), fx.ASSIGNMENT)
    assert {r["student"] for r in records} == set(EVERYONE)


def test_unknown_assignment_says_what_to_do(course_dir, capsys):
    assert cli.main(["--root", str(course_dir), "autograde", "f9_nothing", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert (
        "'f9_nothing' is not in the gradebook" in err
        and "generate_assignment" in err
        and fx.ASSIGNMENT in err
    )


def test_missing_student_and_misplaced_work(course_dir, capsys):
    assert (
        cli.main(["--root", str(course_dir), "autograde", fx.ASSIGNMENT, "--student", "zoe", "--quiet"]) == 2
    )
    assert "no submission of 'f1_neuron' for: zoe" in capsys.readouterr().err


def test_roster_mismatch_is_an_error_when_the_roster_is_closed(tmp_path, capsys):
    root = fx.make_course(tmp_path / "closed", extra_config="c.Autograde.create_student = False\n")
    fx.nbgrader_cmd(root, "db", "student", "add", "ana")
    fx.write_submission(root, "ana", fx.answered(root))
    fx.write_submission(root, "anna", fx.answered(root))  # a typo in the folder name
    (root / "submitted" / "bob").mkdir()
    (root / "submitted" / "bob" / f"{fx.NOTEBOOK}.ipynb").write_text("{}")  # misplaced
    assert cli.main(["--root", str(root), "autograde", fx.ASSIGNMENT, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "not on the roster" in err and "anna" in err and "nbgrader db student add" in err
    assert "submitted/bob/f1_neuron.ipynb should be in submitted/bob/f1_neuron/" in err
    assert not (root / "autograded").exists()  # nothing graded, nothing lost


def test_fixture_follows_the_course_grading_rules(tmp_path):
    """The fixture course grades with the same nbgrader rules as the course's own config."""
    from pathlib import Path

    from traitlets.config.loader import PyFileConfigLoader

    def rules(config_file):
        config = PyFileConfigLoader(config_file.name, path=str(config_file.parent)).load_config()
        return (
            dict(config.OverwriteCells),
            dict(config.IgnorePattern),
            list(config.Autograde.sanitize_preprocessors),
        )

    (tmp_path / "nbgrader_config.py").write_text(fx.CONFIG)
    course_rules = rules(Path(__file__).parents[1] / "nbgrader_config.py")
    assert course_rules[0] == {"add_missing_cells": True} and course_rules[1]["enabled"]
    assert rules(tmp_path / "nbgrader_config.py") == course_rules


def test_not_a_course_folder(tmp_path, capsys):
    assert cli.main(["--root", str(tmp_path), "autograde", "a1_neuron"]) == 2
    assert "no nbgrader_config.py" in capsys.readouterr().err


def test_interrupted_run_resumes(course_dir, tmp_path):
    """Ctrl-C mid-batch keeps what was merged; the same command then grades only the rest."""
    import signal
    import subprocess
    import sys
    import time

    root = fx.copy_course(course_dir, tmp_path / "interrupted")
    shutil.rmtree(root / ".course")
    shutil.rmtree(root / "autograded")
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "course.cli",
            "--root",
            str(root),
            "autograde",
            fx.ASSIGNMENT,
            "--jobs",
            "1",
            "--quiet",
            "--timeout",
            "30",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    records = root / ".course" / fx.ASSIGNMENT
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (records.exists() and any(records.glob("*.json"))):
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    done = sorted(p.stem for p in records.glob("*.json"))
    assert 1 <= len(done) < len(EVERYONE), (out, err)
    assert proc.returncode == 130 and "run the same command again to resume" in out, (out, err)
    rest = autograde(root, fx.ASSIGNMENT, Options(jobs=1, limits=LIMITS, progress=False))
    assert sorted(rest.skipped) == done
    assert sorted(rest.graded) == sorted(set(EVERYONE) - set(done))
    assert gradebook_rows(root, EVERYONE) == gradebook_rows(course_dir, EVERYONE)


def _grade_or_die(job):
    """Stands in for the worker's grade(): the process dies on dan's submission."""
    if job.student == "dan":
        os._exit(9)
    from course.worker import grade

    return grade(job)


def test_a_dying_worker_does_not_stop_the_batch(course_dir, tmp_path, monkeypatch):
    import course.autograde

    root = fx.copy_course(course_dir, tmp_path / "crash")
    monkeypatch.setattr(course.autograde, "grade", _grade_or_die)
    summary = autograde(
        root,
        fx.ASSIGNMENT,
        Options(jobs=2, force=True, limits=LIMITS, progress=False, students=("ana", "ben", "dan")),
    )
    assert summary.failed == ["dan"] and sorted(summary.graded) == ["ana", "ben"]
    rec = next(r for r in load_records(Course(root), fx.ASSIGNMENT) if r["student"] == "dan")
    assert rec["flags"][0]["kind"] == "worker-crashed" and "--student" in rec["flags"][0]["message"]
    from course.worker import _scratch_base  # killed workers' scratch folders are removed too

    assert [n for n in os.listdir(_scratch_base()) if n.startswith(f"course-grade-{os.getpid()}-")] == []


def test_sandbox_says_what_isolation_and_which_kernels(capsys):
    from course.jail.sandbox import detect

    assert cli.main(["sandbox"]) == 0
    out = capsys.readouterr().out
    assert detect().describe() in out
    assert ("warm interpreter" in out) == detect().bwrap
