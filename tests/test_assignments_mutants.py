"""Every seeded mutant, run in-process: the notebook's cells are executed in order in one
namespace (as a kernel would), and exactly the mutant's tests must fail, each with a
diagnosis. Seconds for all of them; the nbgrader grading of a selection is in
test_assignments_grading.py.
"""

import contextlib
import io
from pathlib import Path

import pytest

import checks
from tools import assignments as catalogue
from tools import build_assignments as build
from tools import demo_class as demo

ROOT = Path(__file__).resolve().parents[1]


def run_cells(nb, namespace=None, folder=None):
    """Execute the code cells (in ``namespace``, a fresh one by default) in the assignment's folder
    (``folder``, or the one of the notebook's cells' ids), as in a kit: the reference cannot be
    imported; return {grade_id: message} of the test cells that fail."""
    namespace = {"__name__": "__main__"} if namespace is None else namespace
    folder = folder or ROOT / "assignments" / nb["cells"][0]["id"].rsplit("-", 1)[0]
    with build.inside(folder):
        return _run(nb, namespace)


def _run(nb, namespace):
    failures = {}
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        meta = cell["metadata"].get("nbgrader", {})
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile(cell["source"], f"<cell {meta.get('grade_id')}>", "exec"), namespace)
        except Exception as error:  # a failing test cell, as nbgrader would score it
            assert meta.get("grade"), f"non-test cell {meta.get('grade_id')} fails: {error!r}"
            failures[meta["grade_id"]] = f"{type(error).__name__}: {error}"
    return failures


def source(assignment):
    return demo.read_notebook(ROOT / "assignments" / assignment / f"{assignment}.ipynb")


@pytest.mark.parametrize("assignment", demo.ASSIGNMENTS)
def test_the_solution_passes_every_test_in_process(assignment):
    assert run_cells(source(assignment)) == {}


@pytest.mark.parametrize("mutant", catalogue.all_bugs(), ids=[m.name for m in catalogue.all_bugs()])
def test_every_mutant_fails_exactly_its_tests_with_a_diagnosis(mutant):
    failures = run_cells(catalogue.apply_bug(mutant, source(mutant.assignment)))
    assert set(failures) == mutant.lost, failures
    assert all(text.startswith("Mistake: ") for text in failures.values()), failures
    assert any(checks.MESSAGES[mutant.message] in text for text in failures.values()), failures
