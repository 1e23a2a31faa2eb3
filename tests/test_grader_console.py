"""What `course` prints, on a generated class (tools/demo_class.py), and how it refuses bad arguments.

- `course autograde` prints one progress bar (stderr) and one summary (stdout): no "root '.' is
  not absolute" line, no SQLAlchemy warning on a first grading; `--verbose` adds the sandbox and
  nbgrader's log of every submission; feedback, report and export print one line each;
- the SQLAlchemy warning is real without the fix (nbgrader's add_submission raises it), and the
  filter the workers use hides that warning only;
- `--jobs -3`, 0 or a word are refused with a message; a student or an assignment that does not
  exist is named, with the ones that do, and the exit status is not 0;
- every argument and subcommand of `course` has help text.
"""

import argparse
import os
import shutil
import subprocess
import sys
import warnings

import pytest
from once import built_once

from course import cli
from tools import demo_class as demo

ASSIGNMENT = "a1_neuron"
NOISE = ("is not absolute", "SAWarning", "Warning:", "Traceback")


def course_cmd(root, *args):
    """Run `course` as an instructor does, in its own process: (exit status, stdout, stderr)."""
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    proc = subprocess.run(
        [sys.executable, "-m", "course.cli", "--root", str(root), *args],
        env=env,
        capture_output=True,  # as bytes: text mode would turn the bar's carriage returns into newlines
        timeout=600,
    )
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


def make_class(root, n=6):
    """A course folder with the roster imported, a1_neuron released and the class's work submitted
    (nothing graded yet); returns the ids of the students who submitted."""
    demo.make_course(root, [ASSIGNMENT])
    students = demo.invent_students(n, seed=0)
    work = demo.invent_work(students, [ASSIGNMENT], seed=0)
    assert cli.main(["--root", str(root), "roster", str(demo.write_roster(root, students))]) == 0
    released = demo.nbgrader(root, "generate_assignment", ASSIGNMENT, "--create", "--force")
    source = demo.read_notebook(root / "assignments" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    release = demo.read_notebook(root / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    submitted = []
    for s in students:
        if work[s.id, ASSIGNMENT].kind != "missing":
            nb = demo.submission(source, release, work[s.id, ASSIGNMENT])
            demo.write_notebook(nb, root / "submitted" / s.id / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
            submitted.append(s.id)
    return submitted, released


@pytest.fixture(scope="module")
def first_grading(tmp_path_factory):
    """(course folder, submitting students, (status, stdout, stderr) of the first `course autograde`,
    the output of `nbgrader generate_assignment`)."""

    def build(base):
        submitted, released = make_class(base / "course")
        run = course_cmd(base / "course", "autograde", ASSIGNMENT, "--jobs", "2")
        return [submitted, list(run), released]

    base, (submitted, run, released) = built_once(tmp_path_factory, "grader-console", build)
    return base / "course", submitted, tuple(run), released


def bar_and_other_lines(stderr):
    """(the progress bar's lines, every other non-empty line) of stderr; tqdm redraws its bar with
    carriage returns, so one bar is one line ending with a newline."""
    lines = [line for line in stderr.split("\n") if line.strip()]
    bars = [line for line in lines if line.lstrip("\r").startswith(f"grading {ASSIGNMENT}")]
    return bars, [line for line in lines if line not in bars]


@pytest.mark.grading
@pytest.mark.slow
def test_autograde_prints_one_bar_and_one_summary(first_grading):
    root, submitted, (status, out, err), _ = first_grading
    assert status == 0, (out, err)
    for noise in NOISE:
        assert noise not in err and noise not in out, (noise, err)
    bars, others = bar_and_other_lines(err)
    assert len(bars) == 1 and others == [], err
    assert f"{len(submitted)}/{len(submitted)}" in bars[0]
    assert out.splitlines() == [out.splitlines()[0]], out  # the summary, one line
    assert out.startswith(f"{ASSIGNMENT}: {len(submitted)} graded, 0 failed, 0 skipped")


@pytest.mark.grading
@pytest.mark.slow
def test_verbose_shows_the_sandbox_and_nbgraders_log(first_grading, tmp_path):
    root = shutil.copytree(first_grading[0], tmp_path / "course", symlinks=True)
    submitted = first_grading[1]
    status, out, err = course_cmd(root, "autograde", ASSIGNMENT, "--force", "--verbose", "--jobs", "2")
    assert status == 0, (out, err)
    assert "sandbox: " in err
    for student in submitted:
        assert f"--- {student}: graded" in err
        assert f"[INFO] Creating/updating student with ID '{student}'" in err
    assert err.count("[INFO] Autograding ") == len(submitted)
    assert "is not absolute" not in err and "SAWarning" not in err
    # the same run without --verbose: what was unchanged is skipped, said in the summary
    status, out, err = course_cmd(root, "autograde", ASSIGNMENT)
    assert status == 0 and bar_and_other_lines(err) == ([], []), err
    assert out.splitlines()[1:] == [
        f"skipped {len(submitted)}: already graded and unchanged (--force grades them again)"
    ]


@pytest.mark.grading
@pytest.mark.slow
def test_plain_nbgrader_is_given_an_absolute_root(first_grading):
    released = first_grading[3]
    assert "Converting notebook" in released  # nbgrader's log, where the warning would be
    assert "is not absolute" not in released, released


@pytest.mark.grading
@pytest.mark.slow
def test_feedback_report_export_print_one_line(first_grading, tmp_path):
    root = shutil.copytree(first_grading[0], tmp_path / "course", symlinks=True)
    for args in (["feedback", ASSIGNMENT], ["report", ASSIGNMENT], ["export", ASSIGNMENT]):
        status, out, err = course_cmd(root, *args)
        assert status == 0 and err == "" and len(out.splitlines()) == 1, (args, out, err)


def _gradebook_with_one_assignment(path):
    from nbgrader.api import Gradebook

    gb = Gradebook(f"sqlite:///{path}")
    gb.add_assignment("hw")
    gb.add_notebook("nb", "hw")
    gb.add_grade_cell("test_a", "nb", "hw", max_score=1, cell_type="code")
    gb.add_student("ana")
    return gb


def test_the_new_submission_warning_is_real_and_only_it_is_hidden(tmp_path):
    from sqlalchemy.exc import SAWarning

    from course.upstream import quiet_new_submissions

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with _gradebook_with_one_assignment(tmp_path / "plain.db") as gb:
            gb.add_submission("hw", "ana")
    assert any(issubclass(w.category, SAWarning) and "not in session" in str(w.message) for w in seen)

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with _gradebook_with_one_assignment(tmp_path / "merge.db") as gb, gb.db.no_autoflush:
            gb.add_submission("hw", "ana")  # as course.autograde.merge does
    assert [str(w.message) for w in seen] == []

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        quiet_new_submissions()
        with _gradebook_with_one_assignment(tmp_path / "worker.db") as gb:
            gb.add_submission("hw", "ana")
        warnings.warn("another SQLAlchemy warning", SAWarning, stacklevel=1)
    assert [str(w.message) for w in seen] == ["another SQLAlchemy warning"]


@pytest.mark.parametrize("jobs", ["-3", "0", "two", "1.5"])
def test_jobs_must_be_a_whole_number_of_one_or_more(jobs, capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["autograde", ASSIGNMENT, "--jobs", jobs])
    err = capsys.readouterr().err
    assert stop.value.code == 2
    assert f"argument --jobs/-j: {jobs!r} is not a whole number of 1 or more" in err


@pytest.mark.parametrize(
    "option, value", [("--timeout", "-1"), ("--memory-mb", "0"), ("--max-notebook-mb", "nan")]
)
def test_limits_must_be_positive(option, value, capsys):
    with pytest.raises(SystemExit):
        cli.main(["autograde", ASSIGNMENT, option, value])
    assert f"argument {option}: {value!r} is not " in capsys.readouterr().err


@pytest.mark.grading
@pytest.mark.slow
def test_feedback_for_a_student_with_no_submission_says_so(first_grading, capsys):
    root, submitted = first_grading[0], first_grading[1]
    assert cli.main(["--root", str(root), "feedback", ASSIGNMENT, "--student", "s2000"]) == 2
    err = capsys.readouterr().err
    assert f"no graded submission of '{ASSIGNMENT}' for: s2000" in err
    assert "Graded: " + ", ".join(sorted(submitted)) in err
    assert not (root / "feedback" / "s2000").exists()


@pytest.mark.grading
@pytest.mark.slow
@pytest.mark.parametrize("command", ["autograde", "feedback", "report", "export", "collect"])
def test_an_unknown_assignment_names_the_known_ones(first_grading, command, capsys):
    root = first_grading[0]
    assert cli.main(["--root", str(root), command, "a1_nueron"]) == 2
    err = capsys.readouterr().err
    assert "'a1_nueron' is not in the gradebook" in err and f"Known assignments: {ASSIGNMENT}." in err


@pytest.mark.grading
@pytest.mark.slow
def test_autograde_of_an_unknown_student_says_so(first_grading, capsys):
    root = first_grading[0]
    assert cli.main(["--root", str(root), "autograde", ASSIGNMENT, "--student", "s2000", "--quiet"]) == 2
    assert f"no submission of '{ASSIGNMENT}' for: s2000" in capsys.readouterr().err


def walk(parser, path=("course",)):
    """(command path, action) for every action of ``parser`` and its subcommands."""
    for action in parser._actions:
        yield path, action
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from walk(sub, (*path, name))
            for choice in action._choices_actions:
                yield path, choice


def test_every_argument_and_subcommand_has_help():
    actions = list(walk(cli._parser()))
    assert len({p for p, _ in actions}) >= 9  # course and its subcommands
    missing = [
        f"{' '.join(p)} {a.option_strings or a.dest}" for p, a in actions if not (a.help or "").strip()
    ]
    assert missing == []


def test_help_is_printed_for_every_subcommand(capsys):
    parser = cli._parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name in sub.choices:
        with pytest.raises(SystemExit) as stop:
            cli.main([name, "--help"])
        assert stop.value.code == 0
        assert capsys.readouterr().out.startswith(f"usage: course {name}")


def test_the_walk_sees_a_missing_help():
    parser = cli._parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    sub.choices["report"].add_argument("--new-option")
    assert [a.dest for _, a in walk(parser) if not a.help] == ["new_option"]
