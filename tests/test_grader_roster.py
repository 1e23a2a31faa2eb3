"""`course roster FILE` and unknown students while grading.

- a roster with an id given twice (or twice but for case) is refused with the ids and line
  numbers, and nothing is imported; so are empty or unusable ids, rows without a name and a
  header without the expected columns; a good roster (Excel's BOM, ';' separators) is imported,
  and importing it again updates the names;
- the shipped nbgrader_config.py keeps the roster closed, and an unknown id met while grading is
  an error with the fix; --add-students accepts it, and says it was added without a name.
"""

import pytest
from bad_submissions import fixture as fx
from test_grader_collect import empty_course  # noqa: F401  (a fixture: the course with its roster)
from traitlets.config import Config

from course import cli
from course.autograde import Course

HEADER = "id,first_name,last_name,email\n"


@pytest.fixture
def course(empty_course, tmp_path):  # noqa: F811  (the fixture imported above)
    return fx.copy_course(empty_course, tmp_path / "course")


def roster(root, text, name="roster.csv"):
    path = root / name
    path.write_bytes(text.encode("utf-8"))
    return cli.main(["--root", str(root), "roster", str(path)])


def learners(root):
    with Course(root).gradebook() as gb:
        return {s.id: (s.first_name, s.last_name, s.email) for s in gb.students}


def test_a_duplicated_id_is_refused_with_its_lines(course, capsys):
    before = learners(course)
    rows = "s101,Ada,Lovelace,ada@example.edu\ns102,Alan,Turing,\n" + "s101,Ada,Byron,\ns103,Edsger,D,\n"
    assert roster(course, HEADER + rows + "S102,Alan,T,\n") == 2
    err = capsys.readouterr().err
    assert "the same id on lines 2, 4: 's101'" in err and "the same id on lines 3, 6: 'S102', 's102'" in err
    assert "nothing was changed" in err
    assert learners(course) == before  # not even s103


@pytest.mark.parametrize(
    "text, message",
    [
        (HEADER + "s101,Ada,Lovelace,\n,Nobody,Here,\n", "line 3: the id '' is empty"),
        (HEADER + "s101,,,\n", "line 2: 's101' has no first_name or last_name"),
        (HEADER + "-rf,Ada,Lovelace,\n", "line 2: the id '-rf' starts with '-'"),
        (HEADER + "a/b,Ada,Lovelace,\n", "line 2: the id 'a/b' contains '/'"),
        ("student,name\ns101,Ada\n", "has no column id, first_name, last_name, email"),
        ("", "has no column id"),
    ],
)
def test_bad_rows_are_refused(course, capsys, text, message):
    before = learners(course)
    assert roster(course, text) == 2
    assert message in capsys.readouterr().err
    assert learners(course) == before


def test_a_good_roster_is_imported_then_updated(course, capsys):
    excel = "\ufeffID;First_Name;Last_Name;Email;Section\r\ns101;Ada;Lovelace;ada@example.edu;A\r\n\r\n"
    assert roster(course, excel + 's102;"Alan ";"Turing; Jr";;B\r\n') == 0
    assert "2 learner(s) added, 0 updated" in capsys.readouterr().out
    got = learners(course)
    assert got["s101"] == ("Ada", "Lovelace", "ada@example.edu") and got["s102"] == (
        "Alan",
        "Turing; Jr",
        None,
    )
    assert roster(course, HEADER + "s101,Ada,King,ada@example.edu\n") == 0
    out = capsys.readouterr().out
    assert "0 learner(s) added, 1 updated" in out and "not in" in out and "s102" in out  # kept, and said so
    assert learners(course)["s101"][1] == "King"


def test_the_shipped_config_keeps_the_roster_closed():
    from pathlib import Path

    config = Config()
    exec((Path(__file__).parents[1] / "nbgrader_config.py").read_text(), {"get_config": lambda: config})
    assert config.Autograde.create_student is False


@pytest.mark.grading
def test_an_unknown_id_is_an_error_unless_accepted(course, capsys):
    fx.write_submission(course, "s001", fx.answered(course))
    fx.write_submission(course, "zed", fx.answered(course))  # not on the roster
    args = ["--root", str(course), "autograde", fx.ASSIGNMENT, "--quiet", "--jobs", "1"]
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert "not on the roster" in err and "zed" in err and "--add-students" in err
    assert not (course / "autograded").exists() and "zed" not in learners(course)
    assert cli.main(args + ["--add-students"]) == 0
    out = capsys.readouterr().out
    assert "1 student(s) not on the roster added to the gradebook, without names: zed" in out
    assert "course roster" in out
    assert fx.scores(course, "zed") == fx.POINTS


def test_an_id_that_differs_from_the_gradebook_only_by_case_is_refused(course, capsys):
    assert roster(course, HEADER + "s002,Ada,Lovelace,\nS001,Grace,Hopper,\n") == 2
    assert (
        "line 3: 'S001' differs only by case from 's001', already in the gradebook" in capsys.readouterr().err
    )
    assert "s002" not in learners(course)


def test_the_roster_can_come_first(tmp_path):
    """Before any assignment is generated there is no gradebook yet: the import creates it."""
    (tmp_path / "nbgrader_config.py").write_text(fx.CONFIG)
    assert roster(tmp_path, HEADER + "s101,Ada,Lovelace,\n") == 0
    assert Course(tmp_path).roster() == ["s101"]
