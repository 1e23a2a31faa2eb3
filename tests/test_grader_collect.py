"""`course collect`: an LMS download filed under submitted/, and nothing left behind in silence.

- Canvas's and Moodle's download names (sample names in every form they take) are read by the
  shipped patterns, and a real Canvas zip and a Moodle folder download are collected;
- a notebook whose name matches no learner, an id not on the roster, two files for one notebook
  without timestamps, or a submission already collected stop the collect: non-zero exit, the file
  names, what was expected and the fix; nothing is collected;
- `course autograde` refuses to grade while the download holds a file not collected;
- archivers' litter (`__MACOSX/._<name>`) is never collected in place of a notebook;
- a Canvas class from its download to the export (graded, so marked `grading`).
"""

import csv
import re
import zipfile

import nbformat
import pytest
from bad_submissions import fixture as fx

from course import cli
from course.collect import LMS_FORMATS
from tools import demo_class as demo

BASE = "/course/downloaded/f1_neuron/extracted/"
# (download name, student id, notebook) as each LMS writes them
CANVAS = [
    ("lovelaceada_104233_5566102_f1_neuron.ipynb", "104233", "f1_neuron"),
    ("lovelaceada_late_104233_5566102_f1_neuron.ipynb", "104233", "f1_neuron"),
    ("lovelaceada_104233_5566102_f1_neuron-1.ipynb", "104233", "f1_neuron"),  # uploaded again
    ("lovelaceada_104233_5566102_f1_neuron (1).ipynb", "104233", "f1_neuron"),  # a browser's copy
    ("104233_5566102_f1_neuron.ipynb", "104233", "f1_neuron"),  # anonymous grading: no name
    ("o_brienpat_7_88_my_work_2.ipynb", "7", "my_work_2"),  # "_" in the name, digits in the file's
    ("fall26-f1 submissions/hopperg_31_9_f1_neuron.ipynb", "31", "f1_neuron"),  # out of the zip
]
MOODLE = [
    ("Ada Lovelace_2034871_assignsubmission_file/f1_neuron.ipynb", "2034871", "f1_neuron"),
    ("Ada Lovelace_2034871_assignsubmission_file_f1_neuron.ipynb", "2034871", "f1_neuron"),  # flat
    ("Participant_2034871_assignsubmission_file/f1_neuron.ipynb", "2034871", "f1_neuron"),  # blind
    ("BIO-f1-17.zip/José O'Neil_5_assignsubmission_file/work/f1_neuron-2.ipynb", "5", "f1_neuron"),
]


@pytest.mark.parametrize("lms, name, student, notebook", [("canvas", *c) for c in CANVAS] + [
    ("moodle", *m) for m in MOODLE
])  # fmt: skip
def test_lms_patterns_read_their_download_names(lms, name, student, notebook):
    match = re.match(LMS_FORMATS[lms].pattern, BASE + name)
    assert match and (match["student_id"], match["file_id"]) == (student, notebook)


@pytest.mark.parametrize("lms", sorted(LMS_FORMATS))
def test_lms_patterns_refuse_other_names(lms):
    others = [n for other, fmt in LMS_FORMATS.items() if other != lms for n in [fmt.example]]
    for name in others + ["f1_neuron.ipynb", "s001_f1_neuron.ipynb", "Ada Lovelace_f1_neuron.ipynb"]:
        assert re.match(LMS_FORMATS[lms].pattern, BASE + name) is None, name
    assert re.match(LMS_FORMATS[lms].pattern, BASE + LMS_FORMATS[lms].example)


ROSTER = "id,first_name,last_name,email\n104233,Ada,Lovelace,\n2034871,Alan,Turing,\ns001,Grace,Hopper,\n"


@pytest.fixture(scope="module")
def empty_course(tmp_path_factory):
    """The fixture course with the shipped config's pattern and closed roster, the roster imported
    and nothing submitted (copy it before changing it)."""
    shipped = (
        f"c.FileNameCollectorPlugin.named_regexp = {demo.LMS_REGEXP!r}\nc.Autograde.create_student = False\n"
    )
    root = fx.make_course(tmp_path_factory.mktemp("collect") / "course", extra_config=shipped)
    (root / "roster.csv").write_text(ROSTER)
    assert cli.main(["--root", str(root), "roster", str(root / "roster.csv")]) == 0
    return root


@pytest.fixture
def course(empty_course, tmp_path):
    root = fx.copy_course(empty_course, tmp_path / "course")
    (root / "downloaded" / fx.ASSIGNMENT / "archive").mkdir(parents=True)
    return root


def archive(root):
    return root / "downloaded" / fx.ASSIGNMENT / "archive"


def put(root, name):
    """Put an answered notebook in the download folder as ``name`` (a path below archive/)."""
    path = archive(root) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(fx.answered(root), path)
    return path


def collect(root, *args):
    return cli.main(["--root", str(root), "collect", fx.ASSIGNMENT, *args])


def submitted(root):
    folder = root / "submitted"
    return (
        sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.ipynb")) if folder.exists() else []
    )


def test_a_canvas_zip_is_collected(course, capsys):
    nb = nbformat.writes(fx.answered(course))
    with zipfile.ZipFile(archive(course) / "fall26-f1_neuron submissions.zip", "w") as z:
        z.writestr("lovelaceada_late_104233_5566102_f1_neuron-1.ipynb", nb)
        z.writestr("hoppergrace_s001_5566107_f1_neuron.ipynb", nb)  # not a Canvas id: refused below
    assert collect(course, "--lms", "canvas") == 2
    err = capsys.readouterr().err
    assert "hoppergrace_s001_5566107_f1_neuron.ipynb" in err and "nothing was collected" in err
    assert submitted(course) == []
    with zipfile.ZipFile(archive(course) / "fall26-f1_neuron submissions.zip", "w") as z:
        z.writestr("lovelaceada_late_104233_5566102_f1_neuron-1.ipynb", nb)
        z.writestr("turingalan_2034871_5566107_f1_neuron.ipynb", nb)
    assert collect(course, "--lms", "canvas") == 0
    out = capsys.readouterr().out
    assert "collected 2 notebook(s) of 2 learner(s)" in out and "s001" in out  # s001: no file
    assert submitted(course) == ["104233/f1_neuron/f1_neuron.ipynb", "2034871/f1_neuron/f1_neuron.ipynb"]
    from course.autograde import Course
    from course.collect import check_collected

    check_collected(Course(course), fx.ASSIGNMENT)  # the pattern was kept: nothing left behind


def test_a_moodle_folder_download_is_collected(course, capsys):
    put(course, "Alan Turing_2034871_assignsubmission_file/f1_neuron.ipynb")
    put(course, "Ada Lovelace_104233_assignsubmission_file_f1_neuron.ipynb")
    (archive(course) / "Ada Lovelace_104233_assignsubmission_onlinetext_onlinetext.html").write_text("<p>hi")
    assert collect(course, "--lms", "moodle") == 0
    out = capsys.readouterr().out
    assert "not notebooks, not collected: 'Ada Lovelace_104233_assignsubmission_onlinetext" in out
    assert submitted(course) == ["104233/f1_neuron/f1_neuron.ipynb", "2034871/f1_neuron/f1_neuron.ipynb"]


def test_misnamed_files_stop_the_collect_and_say_how_to_fix_them(course, capsys):
    put(course, "f1_neuron_s001_attempt_20261120T090000_f1_neuron.ipynb")  # the default scheme
    put(course, "f1_neuron.ipynb")
    put(course, "Grace's work/f1_neuron (2).ipynb")
    assert collect(course) == 2
    err = capsys.readouterr().err
    assert "2 notebook(s) match no learner" in err
    assert "'f1_neuron.ipynb'" in err and '"Grace\'s work/f1_neuron (2).ipynb"' in err
    assert "Expected names like f1_neuron_<student id>_attempt_" in err
    assert "rename these files" in err and "`--lms canvas`" in err and "named_regexp" in err
    assert submitted(course) == []  # not even the well-named one


def test_ids_not_on_the_roster_stop_the_collect_unless_accepted(course, capsys):
    put(course, "f1_neuron_s001_attempt_20261120T090000_f1_neuron.ipynb")
    put(course, "f1_neuron_s999_attempt_20261120T090500_f1_neuron.ipynb")
    assert collect(course) == 2
    err = capsys.readouterr().err
    assert "not on the roster:\n    s999: 'f1_neuron_s999_attempt_20261120T090500_f1_neuron.ipynb'" in err
    assert "course roster" in err and "--add-students" in err and "Canvas user ids" in err
    assert collect(course, "--add-students") == 0
    assert submitted(course) == ["s001/f1_neuron/f1_neuron.ipynb", "s999/f1_neuron/f1_neuron.ipynb"]


def test_two_files_for_one_notebook_without_timestamps(course, capsys):
    put(course, "hopperg_2034871_1_f1_neuron.ipynb")
    put(course, "hopperg_2034871_2_f1_neuron-1.ipynb")
    assert collect(course, "--lms", "canvas") == 2
    err = capsys.readouterr().err
    assert "2 files for 2034871's f1_neuron.ipynb" in err and "remove all but one" in err
    assert submitted(course) == []


def test_collecting_again_needs_force(course, capsys):
    put(course, "f1_neuron_s001_attempt_20261120T090000_f1_neuron.ipynb")
    assert collect(course) == 0
    newer = fx.answered(course, dict(fx.CORRECT, neuron=fx.WRONG_NEURON))
    nbformat.write(newer, archive(course) / "f1_neuron_s001_attempt_20261120T090000_f1_neuron.ipynb")
    assert collect(course) == 2
    assert "already have a collected submission: s001" in capsys.readouterr().err
    assert collect(course, "--force") == 0
    got = nbformat.read(course / "submitted" / "s001" / fx.ASSIGNMENT / f"{fx.NOTEBOOK}.ipynb", as_version=4)
    assert fx.WRONG_NEURON in [c.source for c in got.cells]


def test_autograde_refuses_files_left_in_the_download(course, capsys):
    put(course, "f1_neuron_s001_attempt_20261120T090000_f1_neuron.ipynb")
    assert collect(course) == 0
    put(course, "f1_neuron_104233_attempt_20261121T090000_f1_neuron.ipynb")  # not collected yet
    put(course, "ada.ipynb")  # matches no learner
    capsys.readouterr()
    assert cli.main(["--root", str(course), "autograde", fx.ASSIGNMENT, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "would not be graded, so nothing was graded" in err
    assert "1 notebook(s) match no learner" in err and "'ada.ipynb'" in err
    assert "not in submitted/ yet" in err and "f1_neuron_104233_attempt_20261121T090000" in err
    assert "run `course collect f1_neuron`" in err
    assert not (course / "autograded").exists()


def test_a_damaged_zip_is_a_clear_error(course, capsys):
    (archive(course) / "fall26-f1_neuron submissions.zip").write_bytes(b"PK\x03\x04 cut short")
    assert collect(course, "--lms", "canvas") == 2
    err = capsys.readouterr().err
    assert "cannot unpack what is in" in err and "Download it from the LMS again" in err
    assert submitted(course) == []


def test_archivers_litter_is_left_out(course):
    """A zip made on a Mac holds a '__MACOSX/._<name>' copy of each file, which the pattern
    matches like the learner's notebook: it must not be collected in its place."""
    name = "f1_neuron_s001_attempt_20261120T090000_f1_neuron.ipynb"
    with zipfile.ZipFile(archive(course) / "class.zip", "w") as z:
        z.writestr(f"Submissions/{name}", nbformat.writes(fx.answered(course)))
        # sorted after it, with the same timestamp: plain zip_collect would keep this one
        z.writestr(f"__MACOSX/Submissions/._{name}", b"\x00\x05\x16\x07 resource fork")
        z.writestr(".DS_Store", b"\x00")
    assert collect(course) == 0
    assert submitted(course) == ["s001/f1_neuron/f1_neuron.ipynb"]
    got = course / "submitted" / "s001" / fx.ASSIGNMENT / f"{fx.NOTEBOOK}.ipynb"
    assert nbformat.read(got, as_version=4).cells  # the notebook, not the resource fork


@pytest.mark.grading
def test_a_canvas_class_from_download_to_export(course, tmp_path, capsys):
    blank = {g: f"def {g}(*args):\n    raise NotImplementedError()" for g in fx.CORRECT}
    with zipfile.ZipFile(archive(course) / "fall26-f1_neuron submissions.zip", "w") as z:
        z.writestr("lovelaceada_104233_5566102_f1_neuron.ipynb", nbformat.writes(fx.answered(course)))
        z.writestr(
            "turingalan_late_2034871_5566107_f1_neuron-1.ipynb", nbformat.writes(fx.answered(course, blank))
        )
    assert collect(course, "--lms", "canvas") == 0
    assert cli.main(["--root", str(course), "autograde", fx.ASSIGNMENT, "--quiet", "--jobs", "1"]) == 0
    out = tmp_path / "grades.csv"
    assert cli.main(["--root", str(course), "export", fx.ASSIGNMENT, "--output", str(out)]) == 0
    rows = {r["student_id"]: (r["status"], r["score"]) for r in csv.DictReader(out.open(newline=""))}
    assert rows == {"104233": ("graded", "5"), "2034871": ("graded", "0"), "s001": ("not submitted", "")}
