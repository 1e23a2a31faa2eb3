"""The learners' kits (tools/book_assignments.py): no answers in them, and they work on their own.

A kit is checked against every answer the course has: the solution lines of its assignment and of
every later one (from the source notebooks), the hidden parts of grading (the authoring files),
and the reference's functions that its assignment or a later one asks learners to write (from
nanoprop's source, function by function). Then each kit is unpacked outside the repository and
run in a virtual environment that holds only numpy, ipykernel and nbclient: the solution passes
its visible tests, a seeded bug fails its test with its message, the blank notebook fails its
tests without a crash in the set-up cells.
"""

import ast
import json
import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

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
    """{file name: its text} of a kit, a notebook's code cells joined."""
    texts = {}
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            data = zf.read(name)
            if name.endswith(".ipynb"):
                nb = json.loads(data)
                texts[name] = "\n".join("".join(c["source"]) for c in nb["cells"])
            elif name.endswith((".py", ".txt", ".json")):
                texts[name] = data.decode()
    return texts


def specified(kits):
    """Lines every released notebook shows (templates, docstrings: what the specification says),
    which are no answer wherever they appear."""
    lines = set()
    for path in kits.values():
        for name, text in kit_texts(path).items():
            if name.endswith(".ipynb"):
                lines |= {line.split("#")[0].strip() for line in text.splitlines()}
    return lines


def distinctive(lines):
    """Lines that say something (not blank, not a comment, not a short one such as ``return x``)."""
    out = set()
    for line in lines:
        text = line.split("#")[0].strip()
        if len(text) >= 14 and not text.startswith(('"""', "def ", "class ")):
            out.add(text)
    return out


def leaks(lines, kit_lines):
    """The answer's lines a kit holds, if they give it away: one shared line of a longer answer is
    an idiom (``rng = np.random.default_rng(seed)``), two are not, nor the only line of a short one."""
    shared = lines & kit_lines
    return sorted(shared) if shared and (len(shared) >= 2 or len(lines) == 1) else []


def solution_regions(assignment):
    """The distinctive lines of each solution region (### BEGIN/END SOLUTION) of an assignment."""
    regions, current = [], None
    for cell in catalogue.solution_cells(assignment.read_notebook()):
        for line in cell.splitlines():
            if "### BEGIN SOLUTION" in line:
                current = []
            elif "### END SOLUTION" in line:
                regions.append(distinctive(current))
                current = None
            elif current is not None:
                current.append(line)
    return [r for r in regions if r]


def reference_lines(assignment):
    """{qualified name: distinctive lines} of the reference functions the assignment asks for."""
    _, _, _, functions = book_assignments.describe(assignment.name)
    found = {}
    for path in sorted((given.REFERENCE).rglob("*.py")):
        text = path.read_text()
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef) and f"{node.name}.{item.name}" in functions:
                        found[f"{node.name}.{item.name}"] = ast.get_source_segment(text, item)
            elif isinstance(node, ast.FunctionDef) and node.name in functions and node.col_offset == 0:
                found[node.name] = ast.get_source_segment(text, node)
    return {name: distinctive(src.splitlines()[1:]) for name, src in found.items()}


@pytest.mark.parametrize("index", range(len(ASSIGNMENTS)), ids=NAMES)
def test_a_kit_holds_no_answer_of_its_assignment_or_a_later_one(kits, index):
    kit = ASSIGNMENTS[index]
    texts = kit_texts(kits[kit.name])
    names = {Path(n).name for n in texts}
    assert not names & {"source.py", "bugs.toml", "probes.toml", "assignment.toml"}, names
    everything = "\n".join(texts.values())
    kit_lines = {line.split("#")[0].strip() for line in everything.splitlines()} - specified(kits)
    assert "HIDDEN TESTS" not in everything and "BEGIN SOLUTION" not in everything
    assert not any(line.startswith(("import nanoprop", "from nanoprop")) for line in kit_lines)
    for later in ASSIGNMENTS[index:]:
        for region in solution_regions(later):
            leaked = leaks(region, kit_lines)
            assert not leaked, f"{kit.name}'s kit holds lines of {later.name}'s solution: {leaked}"
        for function, lines in reference_lines(later).items():
            leaked = leaks(lines, kit_lines)
            assert not leaked, f"{kit.name}'s kit holds nanoprop's {function} ({later.name}): {leaked}"


def test_every_function_a_learner_writes_is_found_in_the_reference():
    """The check above is only as good as its list: each function to write is a reference function."""
    for a in ASSIGNMENTS:
        functions = set(book_assignments.describe(a.name)[3])
        assert functions <= set(reference_lines(a)) | {"Value.__init__"}, (
            a.name,
            functions - set(reference_lines(a)),
        )


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
            cell["source"] = (
                solutions[grade_id].replace("### BEGIN SOLUTION\n", "").replace("### END SOLUTION\n", "")
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
