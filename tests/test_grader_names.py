"""No name stops a batch: `course autograde` on a class whose folders and files have every odd name.

One batch mixes honest learners with student folders whose names cannot be student ids (not
UTF-8, control characters, too long, a leading dash or dot, spaces around, a backslash, a link)
and submissions holding odd files (names that are not UTF-8 or hold control characters, leading
dashes, names like paths, very long names, a pipe, a link, a tree deeper than PATH_MAX). The
command is run as an instructor runs it, with a TMPDIR of its own, and:

- the honest learners get their grades, the odd files' owners are graded and flagged, naming the
  file in escaped form;
- each refused folder is named (escaped) with what to do, and the exit status says work is left;
- the learners' folders are unchanged; no sandbox and no scratch folder is left behind.
"""

import os
import subprocess
import sys

import pytest
from bad_submissions import fixture as fx
from bad_submissions import unseen_machine

from course.autograde import Course
from course.intake import shown, student_problem
from course.jail.sandbox import remove_tree

pytestmark = [pytest.mark.grading, pytest.mark.slow, pytest.mark.xdist_group("grader_names")]

HONEST = {"ana": fx.CORRECT, "ben": dict(fx.CORRECT, neuron=fx.WRONG_NEURON)}
# student folders that cannot be graded under their name (bytes: some are not UTF-8)
REFUSED = [
    b"bad\xff\xfename",
    b"tab\tand\nnewline",
    b"-rf",
    b"--help",
    b".hidden",
    b" ana",
    b"back\\slash",
    b"x" * 200,
    b"bidi\xe2\x80\xaeevil",
    b"link_to_ana",  # a symbolic link to ana's folder
]
FULL, ZERO = fx.POINTS, {k: 0.0 for k in fx.POINTS}
# submissions graded although they hold odd things: {student: (points, flag kinds)}
GRADED = {
    "odd_files": (FULL, {"odd-name", "skipped-file"}),
    "odd_notebook": (FULL, {"odd-name", "renamed"}),
    "deep_submission": (FULL, {"skipped-file"}),
    "pipe_notebook": (ZERO, {"skipped-file"}),
    "élève-ñø": (FULL, set()),
}
ODD_FILES = [b"data\xff.csv", b"new\nline.txt", b"--help", b"-rf", b"..\\..\\gradebook.db", b"a" * 250]


def _deep_tree(base, depth):
    """A tree of ``depth`` folders ``d`` below ``base`` (deeper than PATH_MAX), as the catalogue makes it."""
    namespace = {}
    exec(unseen_machine.DEEP_TREE, namespace)
    namespace["_deep"](base, depth)


def build_class(root):
    fx.make_course(root)
    for student, answers in HONEST.items():
        fx.write_submission(root, student, fx.answered(root, answers))
    submitted = os.fsencode(root / "submitted")
    for name in REFUSED:
        path = os.path.join(submitted, name)
        if name == b"link_to_ana":
            os.symlink(os.path.join(submitted, b"ana"), path)
        else:
            folder = os.path.join(path, fx.ASSIGNMENT.encode())
            os.makedirs(folder)
            with open(os.path.join(folder, fx.NOTEBOOK.encode() + b".ipynb"), "w") as fh:
                fh.write(open(fx.submission_dir(root, "ana") / f"{fx.NOTEBOOK}.ipynb").read())
    folder = os.fsencode(fx.write_submission(root, "odd_files"))
    for name in ODD_FILES:
        with open(os.path.join(folder, name), "wb") as fh:
            fh.write(b"learner data " + name)
    os.makedirs(os.path.join(folder, b"sub\xff dir", b"-x"))
    with open(os.path.join(folder, b"sub\xff dir", b"-x", b"inside.txt"), "w") as fh:
        fh.write("inside")
    os.mkfifo(os.path.join(folder, b"a_pipe"))
    os.symlink("/etc/passwd", os.path.join(folder, b"a_link"))
    folder = fx.write_submission(root, "odd_notebook")
    os.rename(
        os.path.join(os.fsencode(folder), fx.NOTEBOOK.encode() + b".ipynb"),
        os.path.join(os.fsencode(folder), fx.NOTEBOOK.encode() + b"\xff.ipynb"),
    )
    _deep_tree(str(fx.write_submission(root, "deep_submission")), 2100)
    folder = fx.write_submission(root, "pipe_notebook")
    os.remove(folder / f"{fx.NOTEBOOK}.ipynb")
    os.mkfifo(folder / f"{fx.NOTEBOOK}.ipynb")
    fx.write_submission(root, "élève-ñø")


def run_class(base):
    root = base / "course"
    build_class(root)
    tmp = base / "tmp"
    tmp.mkdir()
    env = dict(os.environ, TMPDIR=str(tmp), PATH=os.path.dirname(sys.executable) + ":" + os.environ["PATH"])
    code = "import sys; from course.cli import main; sys.exit(main(sys.argv[1:]))"
    args = ["--root", str(root), "autograde", fx.ASSIGNMENT, "--jobs", "2", "--quiet", "--timeout", "40"]
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="backslashreplace",
    )
    try:
        out, err = proc.communicate(timeout=600)
        scratch = [n for n in os.listdir("/dev/shm") if n.startswith(f"course-grade-{proc.pid}-")]
        tmp_left = sorted(os.listdir(tmp))
        again = subprocess.run(  # the same class again: the odd names' fingerprints are stable
            [sys.executable, "-c", code, *args],
            env=env,
            capture_output=True,
            text=True,
            errors="backslashreplace",
        )
    finally:  # (pytest's own clean-up of old test folders cannot delete it)
        remove_tree(str(fx.submission_dir(root, "deep_submission") / "d"))
    return {
        "status": proc.returncode,
        "stdout": out,
        "stderr": err,
        "tmp_left": tmp_left,
        "scratch_left": scratch,
        "again": again.stdout,
    }


@pytest.fixture(scope="session")
def graded(tmp_path_factory):
    return fx.graded_once(tmp_path_factory, "grader-names", run_class)


def test_the_batch_completes_and_says_what_is_left(graded):
    root, result = graded
    assert "Traceback" not in result["stderr"], result["stderr"]
    assert result["status"] == 1, result  # folders to fix: not a clean run
    assert f"{len(HONEST) + len(GRADED)} graded, 0 failed" in result["stdout"], result
    assert f"not graded, {len(REFUSED)} folder(s) to fix first" in result["stdout"], result


def test_honest_learners_get_their_grades(graded):
    root, _ = graded
    assert fx.scores(root, "ana") == FULL
    assert fx.scores(root, "ben") == {"test_sigmoid": 2.0, "test_neuron": 0.0}
    assert fx.record(root, "ana")["flags"] == []


@pytest.mark.parametrize("name", REFUSED, ids=[repr(n)[2:-1] for n in REFUSED])
def test_each_refused_folder_is_named_with_what_to_do(graded, name):
    root, result = graded
    student = os.fsdecode(name)
    assert name == b"link_to_ana" or student_problem(student)
    lines = [line for line in result["stdout"].splitlines() if shown(student) in line]
    assert lines, (shown(student), result["stdout"])
    assert "Rename the folder" in lines[0] or "Replace the link" in lines[0]
    roster = Course(root).roster()
    assert student not in roster


@pytest.mark.parametrize("student", sorted(GRADED))
def test_odd_files_are_graded_and_flagged_by_name(graded, student):
    root, _ = graded
    points, kinds = GRADED[student]
    assert fx.scores(root, student) == points
    flags = fx.record(root, student)["flags"]
    assert kinds <= {f["kind"] for f in flags}, flags
    for f in flags:
        f["message"].encode("utf-8")  # (a raw surrogate would break every report)
        assert "\n" not in f["message"]


def test_the_flags_name_the_files_escaped(graded):
    root, _ = graded
    text = " ".join(f["message"] for f in fx.record(root, "odd_files")["flags"])
    assert r"'data\xff.csv'" in text and r"'new\nline.txt'" in text and "'a_pipe'" in text
    assert "'a_link'" in text and "symbolic link" in text
    odd = " ".join(f["message"] for f in fx.record(root, "odd_notebook")["flags"])
    assert r"'f1_neuron\xff.ipynb'" in odd
    deep = " ".join(f["message"] for f in fx.record(root, "deep_submission")["flags"])
    assert "folders deep" in deep


def test_harmless_odd_names_reach_the_graded_copy(graded):
    root, _ = graded
    graded_copy = root / "autograded" / "odd_files" / fx.ASSIGNMENT
    names = set(os.listdir(graded_copy))
    assert {"--help", "-rf", "..\\..\\gradebook.db", "a" * 250, "data\\xff.csv", "new\\nline.txt"} <= names
    assert "a_pipe" not in names and "a_link" not in names
    assert (graded_copy / "sub\\xff dir" / "-x" / "inside.txt").read_text() == "inside"


def test_the_learners_folders_are_unchanged(graded):
    root, _ = graded
    folder = os.fsencode(fx.submission_dir(root, "odd_files"))
    for name in ODD_FILES:
        assert open(os.path.join(folder, name), "rb").read() == b"learner data " + name
    assert os.path.exists(
        os.path.join(os.fsencode(fx.submission_dir(root, "odd_notebook")), b"f1_neuron\xff.ipynb")
    )
    assert not os.path.exists(root / "autograded" / os.fsdecode(b"bad\xff\xfename"))


def test_nothing_is_left_behind(graded):
    _, result = graded
    assert result["scratch_left"] == []
    assert [n for n in result["tmp_left"] if n.startswith("course-")] == [], result["tmp_left"]


def test_graded_odd_names_are_skipped_when_run_again(graded):
    _, result = graded
    assert f"0 graded, 0 failed, {len(HONEST) + len(GRADED)} skipped" in result["again"], result["again"]
    assert f"not graded, {len(REFUSED)} folder(s) to fix first" in result["again"]
