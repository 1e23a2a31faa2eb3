"""The learners' kits (tools/book_assignments.py): no answers in them, and they work on their own.

A kit is checked against every answer the course has: the solution lines of its assignment and of
every later one (from the source notebooks), the hidden parts of grading (the authoring files),
and the reference's functions that its assignment or a later one asks learners to write (from
nanoprop's source, function by function). Then each kit is unpacked outside the repository and
run in a virtual environment that holds only numpy, ipykernel and nbclient: the solution passes
its visible tests, a seeded bug fails its test with its message, the blank notebook fails its
tests without a crash in the set-up cells.
"""

import json
import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from course import publish
from tools import assignments as catalogue
from tools import book_assignments, given

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENTS = catalogue.discover()
NAMES = [a.name for a in ASSIGNMENTS]


@pytest.fixture(scope="module")
def kits():
    released = book_assignments.release(NAMES)
    return {name: book_assignments.kit_path(path) for name, path in released.items()}


def kit_texts(path):
    return publish.texts_of(path.name, path.read_bytes())


@pytest.mark.parametrize("index", range(len(ASSIGNMENTS)), ids=NAMES)
def test_a_kit_holds_no_answer_of_its_assignment_or_a_later_one(kits, index):
    kit = ASSIGNMENTS[index]
    texts = kit_texts(kits[kit.name])
    assert {n.rsplit("/", 1)[-1] for n in texts} >= {f"{kit.name}.ipynb", "expected.json", "__init__.py"}
    everything = "\n".join(texts.values())
    assert not any(
        line.startswith(("import nanoprop", "from nanoprop")) for line in publish.lines_of(everything)
    )
    answers = publish.course_answers(ASSIGNMENTS, given.REFERENCE, later_than=kit.name)
    specified = publish.specification(book_assignments.RELEASED / f"{n}.ipynb" for n in NAMES)
    assert publish.answers_in(texts, answers, specified) == []


def test_the_answer_check_finds_an_answer_in_a_kit(kits):
    """The check can fail: a5's kit with a5's solution cell in it, or with nanoprop's MLP.backward."""
    a5 = catalogue.get("a5_backprop")
    texts = kit_texts(kits[a5.name])
    answers = publish.course_answers(ASSIGNMENTS, given.REFERENCE, later_than=a5.name)
    solution = "\n".join(c["source"] for c in a5.read_notebook()["cells"] if "BEGIN SOLUTION" in c["source"])
    solution = solution.replace("### BEGIN SOLUTION", "").replace("### END SOLUTION", "")
    assert publish.answers_in({**texts, "extra.py": solution}, answers)
    backward = (given.REFERENCE / "network.py").read_text()
    assert any("MLP.backward" in p for p in publish.answers_in({"extra.py": backward}, answers))
    assert publish.answers_in({"a5/source.py": ""}, answers) == [
        "a5/source.py: an authoring file of the course"
    ]


def test_every_function_a_learner_writes_is_found_in_the_reference():
    """The check above is only as good as its list: each function to write is a reference function."""
    for a in ASSIGNMENTS:
        functions = set(book_assignments.describe(a.name)[3])
        found = set(publish.reference_functions(given.REFERENCE, functions))
        assert functions - found <= {"Value.__init__"}, (a.name, functions - found)


# --- a kit on its own ---------------------------------------------------------------------------

RUN = textwrap.dedent(
    """
    import json, sys
    import nbformat
    from nbclient import NotebookClient
    nb = nbformat.read(sys.argv[1], as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": sys.argv[2]}}).execute()
    out = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if errors:
            error = errors[0]["ename"] + ": " + errors[0]["evalue"]
            out[meta.get("grade_id", "?")] = [meta.get("grade", False), error]
    print(json.dumps(out))
    """
)


@pytest.fixture(scope="module")
def bare_python(tmp_path_factory):
    """A virtual environment with numpy, ipykernel and nbclient only (not this project)."""
    venv = tmp_path_factory.mktemp("bare") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "numpy", "ipykernel", "nbclient", "nbformat"],
        check=True,
    )
    subprocess.run([python, "-m", "ipykernel", "install", "--sys-prefix", "--name", "python3"], check=True)
    return python


def run_kit(python, kit, folder, name, nb_dict):
    """Unpack the kit into folder, replace its notebook with nb_dict, run it; {cell id: [graded, error]}."""
    with zipfile.ZipFile(kit) as zf:
        zf.extractall(folder)
    where = folder / name
    (where / f"{name}.ipynb").write_text(json.dumps(nb_dict))
    env = {"PATH": str(python.parent) + ":/usr/bin:/bin", "HOME": str(folder), "MPLBACKEND": "Agg"}
    proc = subprocess.run(
        [python, "-c", RUN, str(where / f"{name}.ipynb"), str(where)],
        capture_output=True,
        text=True,
        env=env,
        cwd=folder,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def filled_in(released, source):
    """The released notebook with the solution cells of the source notebook put back."""
    solutions = {
        c["metadata"]["nbgrader"]["grade_id"]: c["source"]
        for c in source["cells"]
        if c["metadata"].get("nbgrader", {}).get("solution")
    }
    out = json.loads(json.dumps(released))
    for cell in out["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id in solutions:
            lines = solutions[grade_id].splitlines()
            cell["source"] = "\n".join(
                ln for ln in lines if "### BEGIN SOLUTION" not in ln and "END SOLUTION" not in ln
            )
    return out


@pytest.mark.grading
@pytest.mark.xdist_group("kits")
@pytest.mark.parametrize("name", NAMES)
def test_a_kit_runs_on_its_own_with_numpy_only(kits, bare_python, tmp_path, name):
    a = catalogue.get(name)
    released = json.loads((book_assignments.RELEASED / f"{name}.ipynb").read_text())
    tests = set(catalogue.test_cells(a.read_notebook()))
    solved = run_kit(
        bare_python, kits[name], tmp_path / "solved", name, filled_in(released, a.read_notebook())
    )
    assert solved == {}, solved
    blank = run_kit(bare_python, kits[name], tmp_path / "blank", name, released)
    assert all(graded for graded, _ in blank.values()), f"a set-up cell failed: {blank}"
    assert set(blank) == tests
    for bug in a.bugs[:2]:
        broken = catalogue.apply_bug(bug, a.read_notebook())
        failed = run_kit(bare_python, kits[name], tmp_path / bug.name, name, filled_in(released, broken))
        assert set(failed) <= bug.lost and failed, (bug.name, failed)
        from checks import MESSAGES

        assert any(MESSAGES[bug.message] in error for _, error in failed.values()), (bug.name, failed)
    assert not any(os.path.exists(tmp_path / n / "nanoprop") for n in ("solved", "blank"))
