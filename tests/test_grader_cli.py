"""`course autograde`, `course report` and `course feedback` on the fixture course.

- the same grades, in the same gradebook rows, as plain `nbgrader autograde` (graded both ways);
- resume: graded, unchanged submissions are skipped unless --force; --student picks some;
- a Dask cluster of worker processes (`--scheduler`) gives the same grades;
- feedback never shows the hidden tests; the report has its plots and the flagged list;
- errors (unknown assignment, misplaced submission, roster mismatch) say what to do.
"""
import json
import shutil

import pytest

from bad_submissions import fixture as fx
from course import cli
from course.autograde import Course, Options, autograde, load_records
from course.sandbox import Limits

pytestmark = [pytest.mark.grading, pytest.mark.slow, pytest.mark.xdist_group("grader_cli")]

LIMITS = Limits(notebook_timeout=30, cpu_seconds=40)
CLASS = {"ana": fx.CORRECT, "ben": dict(fx.CORRECT, neuron=fx.WRONG_NEURON),
         "chloe": dict(fx.CORRECT, sigmoid="def sigmoid(z):\n    return z"),
         "dan": {"sigmoid": "def sigmoid(z):\n    raise NotImplementedError()", "neuron": fx.WRONG_NEURON}}


def gradebook_rows(root, students):
    """Everything nbgrader stores for a graded submission, comparable across gradebooks."""
    rows = {}
    with Course(root).gradebook() as gb:
        for s in students:
            sub = gb.find_submission(fx.ASSIGNMENT, s)
            for nb in sub.notebooks:
                rows[s, nb.name, "late"] = nb.late_submission_penalty
                for g in nb.grades:
                    rows[s, nb.name, g.name] = (g.auto_score, g.manual_score, g.needs_manual_grade, g.max_score)
                for c in nb.comments:
                    rows[s, nb.name, "comment", c.name] = c.auto_comment
            rows[s, "timestamp"] = sub.timestamp
    return rows


@pytest.fixture(scope="session")
def course_dir(tmp_path_factory):
    root = fx.make_course(tmp_path_factory.mktemp("cli_course"))
    for student, answers in CLASS.items():
        fx.write_submission(root, student, fx.answered(root, answers))
    return root


@pytest.fixture(scope="session")
def both_ways(course_dir, tmp_path_factory):
    """The class graded by plain nbgrader (in a copy) and by course autograde."""
    plain = fx.copy_course(course_dir, tmp_path_factory.mktemp("plain") / "course")
    fx.nbgrader_cmd(plain, "autograde", fx.ASSIGNMENT)
    summary = autograde(course_dir, fx.ASSIGNMENT, Options(jobs=2, limits=LIMITS, progress=False))
    return plain, summary


def test_same_grades_as_plain_nbgrader(course_dir, both_ways):
    plain, summary = both_ways
    assert sorted(summary.graded) == sorted(CLASS)
    ours, theirs = gradebook_rows(course_dir, CLASS), gradebook_rows(plain, CLASS)
    assert ours == theirs
    assert ours["ana", fx.NOTEBOOK, "test_neuron"][0] == 3.0
    assert ours["ben", fx.NOTEBOOK, "test_neuron"][0] == 0.0


def test_autograded_notebooks_like_nbgrader(course_dir, both_ways):
    plain, _ = both_ways
    for s in CLASS:
        ours = (course_dir / "autograded" / s / fx.ASSIGNMENT / f"{fx.NOTEBOOK}.ipynb")
        theirs = (plain / "autograded" / s / fx.ASSIGNMENT / f"{fx.NOTEBOOK}.ipynb")
        assert ours.exists() and theirs.exists()
        assert oct(ours.stat().st_mode & 0o777) == oct(theirs.stat().st_mode & 0o777)


def test_resume_skips_graded_unless_forced(course_dir, both_ways):
    again = autograde(course_dir, fx.ASSIGNMENT, Options(jobs=1, limits=LIMITS, progress=False))
    assert sorted(again.skipped) == sorted(CLASS) and again.graded == []
    # a changed submission is graded again; --student limits the run
    fx.write_submission(course_dir, "dan", fx.answered(course_dir, fx.CORRECT))
    changed = autograde(course_dir, fx.ASSIGNMENT, Options(jobs=1, limits=LIMITS, progress=False))
    assert changed.graded == ["dan"]
    forced = autograde(course_dir, fx.ASSIGNMENT,
                       Options(jobs=1, students=("ana",), force=True, limits=LIMITS, progress=False))
    assert forced.graded == ["ana"] and forced.skipped == []
    assert gradebook_rows(course_dir, ["dan"])["dan", fx.NOTEBOOK, "test_neuron"][0] == 3.0


def test_dask_cluster_gives_the_same_grades(course_dir, both_ways, tmp_path):
    distributed = pytest.importorskip("distributed")
    other = fx.copy_course(both_ways[0], tmp_path / "dask_course")  # graded by plain nbgrader
    shutil.rmtree(other / "autograded")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        summary = autograde(other, fx.ASSIGNMENT, Options(scheduler=cluster.scheduler_address,
                                                          force=True, limits=LIMITS, progress=False))
    assert sorted(summary.graded) == sorted(CLASS)
    assert gradebook_rows(other, CLASS) == gradebook_rows(both_ways[0], CLASS)


def test_feedback_hides_hidden_tests(course_dir, both_ways, capsys):
    assert cli.main(["--root", str(course_dir), "feedback", fx.ASSIGNMENT, "--student", "ben"]) == 0
    html = (course_dir / "feedback" / "ben" / fx.ASSIGNMENT / f"{fx.NOTEBOOK}.html").read_text()
    assert "reference_neuron" not in html and "BEGIN HIDDEN TESTS" not in html
    assert "hidden tests ran here" in html
    assert "AssertionError" in html  # the outcome is still shown


def test_report_has_plots_and_flags(course_dir, both_ways, tmp_path):
    out = tmp_path / "report.html"
    assert cli.main(["--root", str(course_dir), "report", fx.ASSIGNMENT, "--output", str(out)]) == 0
    page = out.read_text()
    assert page.count("data:image/png;base64,") >= 3
    for heading in ("Grade distribution", "Pass rate of each test", "Grading time per submission",
                    "Most common feedback messages", "Flagged submissions"):
        assert heading in page
    records = load_records(Course(course_dir), fx.ASSIGNMENT)
    assert {r["student"] for r in records} == set(CLASS)


def test_unknown_assignment_says_what_to_do(course_dir, capsys):
    assert cli.main(["--root", str(course_dir), "autograde", "f9_nothing", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "'f9_nothing' is not in the gradebook" in err and "generate_assignment" in err and fx.ASSIGNMENT in err


def test_missing_student_and_misplaced_work(course_dir, capsys):
    assert cli.main(["--root", str(course_dir), "autograde", fx.ASSIGNMENT, "--student", "zoe", "--quiet"]) == 2
    assert "no submission of 'f1_neuron' for: zoe" in capsys.readouterr().err


def test_roster_mismatch_is_an_error_when_the_roster_is_closed(tmp_path, capsys):
    root = fx.make_course(tmp_path / "closed", extra_config="c.Autograde.create_student = False\n")
    fx.nbgrader_cmd(root, "db", "student", "add", "ana")
    fx.write_submission(root, "ana", fx.answered(root))
    fx.write_submission(root, "anna", fx.answered(root))   # a typo in the folder name
    (root / "submitted" / "bob").mkdir()
    (root / "submitted" / "bob" / f"{fx.NOTEBOOK}.ipynb").write_text("{}")  # misplaced
    assert cli.main(["--root", str(root), "autograde", fx.ASSIGNMENT, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "not on the roster" in err and "anna" in err and "nbgrader db student add" in err
    assert "submitted/bob/f1_neuron.ipynb should be in submitted/bob/f1_neuron/" in err
    assert not (root / "autograded").exists()  # nothing graded, nothing lost


def test_not_a_course_folder(tmp_path, capsys):
    assert cli.main(["--root", str(tmp_path), "autograde", "a1_neuron"]) == 2
    assert "no nbgrader_config.py" in capsys.readouterr().err


def test_interrupted_run_resumes(course_dir, both_ways, tmp_path):
    """Ctrl-C mid-batch keeps what was merged; the same command then grades only the rest."""
    import os
    import signal
    import subprocess
    import sys
    import time
    root = fx.copy_course(course_dir, tmp_path / "interrupted")
    shutil.rmtree(root / ".course")
    shutil.rmtree(root / "autograded")
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    proc = subprocess.Popen([sys.executable, "-m", "course.cli", "--root", str(root), "autograde",
                             fx.ASSIGNMENT, "--jobs", "1", "--quiet", "--timeout", "30"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    records = root / ".course" / fx.ASSIGNMENT
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (records.exists() and any(records.glob("*.json"))):
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    done = sorted(p.stem for p in records.glob("*.json"))
    assert 1 <= len(done) < len(CLASS), (out, err)
    assert proc.returncode == 130 and "run the same command again to resume" in out, (out, err)
    rest = autograde(root, fx.ASSIGNMENT, Options(jobs=1, limits=LIMITS, progress=False))
    assert sorted(rest.skipped) == done
    assert sorted(rest.graded) == sorted(set(CLASS) - set(done))
    # the copy holds the same files as course_dir, whose gradebook is up to date with them
    assert gradebook_rows(root, CLASS) == gradebook_rows(course_dir, CLASS)
