"""The assignment notebooks are what their readable sources generate, and the sources run."""
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from course import demo, mutants

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "tools" / "assignments").glob("a*_*.py"))


def _builder():
    spec = importlib.util.spec_from_file_location("build_assignments", ROOT / "tools" / "build_assignments.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_notebooks_are_generated_from_the_sources():
    builder = _builder()
    for src in SOURCES:
        target = builder.target_path(src)
        assert target.exists(), f"{target} is missing: run python tools/build_assignments.py"
        assert target.read_text() == builder.notebook_text(src), (
            f"{target.name} differs from {src.name}: run python tools/build_assignments.py")


def test_every_assignment_folder_has_a_source():
    names = {p.stem for p in SOURCES}
    assert names == {a for a in demo.ASSIGNMENTS if (ROOT / "assignments" / a).exists()}


@pytest.mark.parametrize("source", SOURCES, ids=[p.stem for p in SOURCES])
def test_source_runs_as_a_script_with_every_test(source):
    """The source is the instructor's solution: running it runs all tests, hidden ones too."""
    env = dict(os.environ, MPLBACKEND="Agg")
    proc = subprocess.run([sys.executable, str(source)], capture_output=True, text=True, env=env,
                          cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stderr == "", proc.stderr[-3000:]


@pytest.mark.parametrize("source", SOURCES, ids=[p.stem for p in SOURCES])
def test_cells_are_well_formed(source):
    nb = json.loads(_builder().notebook_text(source))
    ids = [c["metadata"]["nbgrader"]["grade_id"] for c in nb["cells"] if "nbgrader" in c["metadata"]]
    assert len(ids) == len(set(ids))
    tests = demo.test_cells(nb)
    assert tests and all(points > 0 and needs for points, needs in tests.values())
    for cell in nb["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if meta.get("solution"):
            assert "### BEGIN SOLUTION" in cell["source"] and "### END SOLUTION" in cell["source"]
        if meta.get("grade"):
            assert cell["source"].count("### BEGIN HIDDEN TESTS") == 1, meta["grade_id"]


def test_mutants_edit_their_solution_cell_exactly_once():
    for m in mutants.MUTANTS:
        nb = demo.read_notebook(ROOT / "assignments" / m.assignment / f"{m.assignment}.ipynb")
        changed = mutants.apply(m, nb)
        assert changed != nb
        tests = demo.test_cells(nb)
        assert m.lost and m.lost <= set(tests), m.name


def test_a_builder_error_names_the_place(tmp_path):
    builder = _builder()
    bad = tmp_path / "a9_bad.py"
    bad.write_text("# %% tests id=t points=1 needs=nothing\nx = 1\n")
    with pytest.raises(ValueError, match=r"a9_bad.py, cell 1: needs \['nothing'\]"):
        builder.build_notebook(bad)
