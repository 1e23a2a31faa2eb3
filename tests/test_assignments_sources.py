"""The assignment notebooks are what their readable sources generate, and the sources run."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tools import assignments as catalogue
from tools import build_assignments
from tools import demo_class as demo

ROOT = Path(__file__).resolve().parents[1]
SOURCES = build_assignments.sources()


def test_committed_notebooks_are_generated_from_the_sources():
    for src in SOURCES:
        target = build_assignments.target_path(src)
        assert target.exists(), f"{target} is missing: run python -m tools.build_assignments"
        assert target.read_text() == build_assignments.notebook_text(src), (
            f"{target.name} differs from {src.name}: run python -m tools.build_assignments"
        )


def test_every_assignment_folder_is_complete():
    """Every folder of assignments/ is an assignment: its metadata, source and notebook."""
    folders = {p.name for p in (ROOT / "assignments").iterdir() if p.is_dir()}
    assert folders == set(demo.ASSIGNMENTS) == {p.parent.name for p in SOURCES}
    for a in catalogue.discover():
        assert a.source.is_file() and a.notebook.is_file(), a.name


@pytest.mark.parametrize("source", SOURCES, ids=[p.parent.name for p in SOURCES])
def test_source_runs_as_a_script_with_every_test(source):
    """The source is the instructor's solution: running it in its folder runs all its tests."""
    env = dict(os.environ, MPLBACKEND="Agg")
    proc = subprocess.run(
        [sys.executable, str(source)], capture_output=True, text=True, env=env, cwd=source.parent
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stderr == "", proc.stderr[-3000:]


@pytest.mark.parametrize("source", SOURCES, ids=[p.parent.name for p in SOURCES])
def test_cells_are_well_formed(source):
    nb = json.loads(build_assignments.notebook_text(source))
    ids = [c["metadata"]["nbgrader"]["grade_id"] for c in nb["cells"] if "nbgrader" in c["metadata"]]
    assert len(ids) == len(set(ids))
    tests = demo.test_cells(nb)
    assert tests and all(points > 0 and needs for points, needs in tests.values())
    for cell in nb["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if meta.get("solution"):
            assert "### BEGIN SOLUTION" in cell["source"] and "### END SOLUTION" in cell["source"]
        if meta.get("grade"):  # the hidden tests are the grader's, outside the kernel (probes.toml)
            assert "HIDDEN TESTS" not in cell["source"], meta["grade_id"]
        assert not re.search(r"\bnanoprop\b", cell["source"]) or cell["cell_type"] == "markdown", meta


def test_mutants_edit_their_solution_cell_exactly_once():
    for m in catalogue.all_bugs():
        nb = demo.read_notebook(ROOT / "assignments" / m.assignment / f"{m.assignment}.ipynb")
        changed = catalogue.apply_bug(m, nb)
        assert changed != nb
        tests = demo.test_cells(nb)
        assert m.lost and m.lost <= set(tests), m.name


def test_a_builder_error_names_the_place(tmp_path):
    bad = tmp_path / "a9_bad" / "source.py"
    bad.parent.mkdir()
    bad.write_text("# %% tests id=t points=1 needs=nothing\nx = 1\n")
    with pytest.raises(ValueError, match=r"a9_bad/source.py, cell 1: needs \['nothing'\]"):
        build_assignments.build_notebook(bad)


@pytest.mark.parametrize("assignment", catalogue.discover(), ids=lambda a: a.name)
def test_metadata_agrees_with_the_notebook_and_the_chapters(assignment):
    """assignment.toml's title is the notebook's heading, and its chapters to read first are
    exactly the chapters that send the reader to the assignment."""
    from tools import book_assignments

    heading = assignment.read_notebook()["cells"][0]["source"].splitlines()[0]
    assert heading == f"# {assignment.title}"
    assert book_assignments.chapters_pointing_to(assignment.name) == list(assignment.chapters)
    assert assignment.summary


def test_the_readme_lists_every_assignment_as_its_folder_says():
    readme = (ROOT / "README.md").read_text()
    assert catalogue.readme_table() in readme, (
        "README.md's table of assignments differs from the assignment folders; paste in "
        "`python -c 'from tools import assignments; print(assignments.readme_table())'`"
    )
