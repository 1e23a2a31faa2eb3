"""The course's assignments, discovered from their folders.

Everything about one assignment lives in one folder, ``assignments/<name>/`` (nbgrader's source
directory, so the folder name is the assignment's name)::

    assignment.toml   what it is: title, what learners write, the chapters to read first
    source.py         the readable source: markdown, solutions and tests (tools/build_assignments.py)
    <name>.ipynb      the nbgrader source notebook, generated from source.py (committed)
    bugs.toml         seeded bugs: the mistakes learners make, and what grading must do with each
    probes.toml       the grader's outside checks (read by ``course.probes``)
    given.py          the code the assignment gives, cut out of the reference (generated)
    expected.json     the reference's results on the visible tests' inputs (generated)

The build, the book's Assignments part, the demo class and the tests all read the folders through
this module, so adding an assignment means adding one folder. Only the notebook is released to
learners with what it needs to run: ``given.py``, ``expected.json`` and the data files it reads
(``course.grading_rules`` tells nbgrader to leave the authoring files out).
"""

import copy
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "assignments"


@dataclass(frozen=True)
class Bug:
    """One seeded bug: ``old`` replaced by ``new`` in the solution cell ``cell``; grading must fail
    exactly the tests in ``lost``, the broken part's test with the diagnosis ``message``."""

    assignment: str
    name: str
    cell: str
    old: str
    new: str
    lost: frozenset
    message: str


@dataclass(frozen=True)
class Assignment:
    name: str
    folder: Path
    title: str
    summary: str
    chapters: tuple
    bonus: bool
    gives: tuple = ()
    data: tuple = ()

    @property
    def notebook(self) -> Path:
        return self.folder / f"{self.name}.ipynb"

    @property
    def source(self) -> Path:
        return self.folder / "source.py"

    @property
    def bugs(self) -> list[Bug]:
        path = self.folder / "bugs.toml"
        if not path.is_file():
            return []
        tables = tomllib.loads(path.read_text()).get("bug", [])
        return [Bug(assignment=self.name, lost=frozenset(t.pop("lost")), **t) for t in tables]

    def read_notebook(self) -> dict:
        return json.loads(self.notebook.read_text())

    @property
    def points(self) -> float:
        """The points of its test cells together."""
        return sum(points for points, _ in test_cells(self.read_notebook()).values())


def nbgrader_meta(cell: dict) -> dict:
    """A notebook cell's nbgrader metadata ({} for a cell nbgrader does not know)."""
    return cell.get("metadata", {}).get("nbgrader", {})


def solution_cells(nb: dict) -> list[str]:
    """The grade ids of a notebook's solution cells, in order."""
    return [nbgrader_meta(c)["grade_id"] for c in nb["cells"] if nbgrader_meta(c).get("solution")]


def test_cells(nb: dict) -> dict[str, tuple]:
    """{grade_id: (points, needs)} for every graded test cell of a notebook."""
    return {
        nbgrader_meta(c)["grade_id"]: (
            nbgrader_meta(c)["points"],
            set(c["metadata"].get("course", {}).get("needs", [])),
        )
        for c in nb["cells"]
        if nbgrader_meta(c).get("grade")
    }


def read(folder: Path) -> Assignment:
    """The assignment in ``folder`` (which must hold an ``assignment.toml``)."""
    folder = Path(folder)
    meta = tomllib.loads((folder / "assignment.toml").read_text())
    return Assignment(
        name=folder.name,
        folder=folder,
        title=meta["title"],
        summary=meta["summary"],
        chapters=tuple(meta.get("chapters", ())),
        bonus=bool(meta.get("bonus", False)),
        gives=tuple(meta.get("gives", ())),
        data=tuple(meta.get("data", ())),
    )


def discover(source: Path = SOURCE) -> list[Assignment]:
    """Every assignment folder under ``source``, in name order."""
    return [read(p.parent) for p in sorted(Path(source).glob("*/assignment.toml"))]


def names(source: Path = SOURCE) -> list[str]:
    return [a.name for a in discover(source)]


def get(name: str, source: Path = SOURCE) -> Assignment:
    return read(Path(source) / name)


def all_bugs(source: Path = SOURCE) -> list[Bug]:
    return [bug for a in discover(source) for bug in a.bugs]


def readme_table(source: Path = SOURCE) -> str:
    """The README's table of assignments (a test checks that the README shows exactly this)."""
    rows = ["| assignment | learners write | points |", "| --- | --- | ---: |"]
    rows += [
        f"| `{a.name}`{' (bonus)' if a.bonus else ''} | {a.summary} | {a.points:g} |"
        for a in discover(source)
    ]
    return "\n".join(rows)


def apply_bug(bug: Bug, notebook: dict) -> dict:
    """A copy of the notebook (a dict) with the bug's edit made in its solution cell."""
    nb = copy.deepcopy(notebook)
    matches = [
        c for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == bug.cell
    ]
    if len(matches) != 1:
        raise ValueError(f"bug {bug.name}: no single solution cell {bug.cell!r}")
    cell = matches[0]
    source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
    if source.count(bug.old) != 1:
        raise ValueError(
            f"bug {bug.name}: {bug.old!r} must occur exactly once in "
            f"cell {bug.cell!r} (found {source.count(bug.old)})"
        )
    cell["source"] = source.replace(bug.old, bug.new)
    return nb
