"""Write the book's "Assignments" part from ``assignments/`` (run by ``make book``).

For every assignment folder it writes ``chapters/assignments/<name>.md``: the goal (the notebook's
opening paragraph), which chapters to read first (its ``assignment.toml``), what is graded and for
how many points (the test cells' nbgrader metadata), and a download of the notebook exactly as
``nbgrader generate_assignment`` releases it: solutions replaced by ``# YOUR CODE HERE``, hidden
tests removed. Nothing else of the source notebook is copied, so no solution and no hidden test can
reach the book.

    python -m tools.book_assignments        # writes chapters/assignments/ (git-ignored)
"""

import json
import re
import shutil
import sys
import tempfile
from pathlib import Path

from tools import assignments

ROOT = assignments.ROOT
SOURCE = assignments.SOURCE
CHAPTERS = ROOT / "chapters"
OUT = CHAPTERS / "assignments"
RELEASED = OUT / "released"


def release(names, source=SOURCE, dest=RELEASED):
    """Run nbgrader's generate_assignment on each assignment in a scratch course folder, copy the
    released notebooks to ``dest`` and pack each assignment's kit (:func:`write_kit`) next to it.
    Returns {name: released path}.

    A notebook already released from an unchanged source is kept as it is."""
    released = {name: dest / f"{name}.ipynb" for name in names}
    stale = [
        name
        for name in names
        if not released[name].is_file()
        or not kit_path(released[name]).is_file()
        or released[name].stat().st_mtime < (source / name / f"{name}.ipynb").stat().st_mtime
        or kit_path(released[name]).stat().st_mtime < newest_kit_source(source / name)
    ]
    if not stale:
        return released
    from nbgrader.apps import NbGraderAPI
    from traitlets.config import Config

    from course.grading_rules import apply_grading_rules

    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as course:
        config = Config()
        apply_grading_rules(config)
        config.CourseDirectory.root = course
        config.CourseDirectory.source_directory = "source"
        config.CourseDirectory.db_url = f"sqlite:///{course}/gradebook.db"
        shutil.copytree(source, Path(course) / "source")
        api = NbGraderAPI(config=config)
        for name in stale:
            result = api.generate_assignment(name, force=True, create=True)
            if not result["success"]:
                sys.exit(
                    f"nbgrader could not release assignment {name}:\n{result['log']}\n"
                    f"{result.get('error', '')}"
                )
            shutil.copyfile(Path(course) / "release" / name / f"{name}.ipynb", released[name])
            write_kit(Path(course) / "release" / name, kit_path(released[name]))
    return released


# A kit: the released folder of one assignment (its notebook, given.py, expected.json and data),
# the test helpers the notebook imports, and how to start. Nothing else: no solution, no hidden
# test, no reference (tests/test_assignments_kits.py checks each against all of them).
CHECKS = ROOT / "checks"
KIT_README = """{title}

What you need: Python 3.10 or later with numpy and Jupyter, for example
    python -m pip install -r requirements.txt
(or open the notebook in VS Code, JupyterLab or Jupyter Notebook with a kernel that has numpy).

Open {name}.ipynb from this folder, run the set-up cell, then write each function in the
cells marked "# YOUR CODE HERE" and run the test cell after it. Keep the other files here:
  given.py        the code this assignment gives you (read it; do not change it)
  expected.json   the expected results of the visible tests
  checks/         the test helpers the test cells use
Hand in {name}.ipynb alone, as your instructor says (the grader brings its own copy of the rest).
"""


def kit_path(released_notebook):
    return released_notebook.with_suffix(".zip")


def newest_kit_source(folder):
    """The latest change to what goes into a kit besides the notebook."""
    paths = [*folder.iterdir(), *CHECKS.glob("*.py")]
    return max(p.stat().st_mtime for p in paths if p.is_file())


def write_kit(released_folder, zip_path):
    """Pack ``released_folder`` (what nbgrader released) with the test helpers into ``zip_path``,
    every file under ``<name>/``, with fixed dates so the same kit has the same bytes."""
    import zipfile

    name = released_folder.name
    files = {p.name: p.read_bytes() for p in sorted(released_folder.iterdir()) if p.is_file()}
    files.update({f"checks/{p.name}": p.read_bytes() for p in sorted(CHECKS.glob("*.py"))})
    files["requirements.txt"] = b"numpy\njupyterlab\n"
    title = assignments.get(name).title
    files["README.txt"] = KIT_README.format(title=title, name=name).encode()
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as zf:
        for rel in sorted(files):
            info = zipfile.ZipInfo(f"{name}/{rel}", date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, files[rel])


def cell_text(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def goal_paragraphs(intro_lines):
    """The opening paragraph of the notebook's introduction, with what it announces: a paragraph
    that ends with a colon goes on into the next one (a formula, a list)."""
    paragraphs = "\n".join(intro_lines).strip().split("\n\n")
    goal = [paragraphs[0]]
    while goal[-1].rstrip().endswith(":") and len(goal) < len(paragraphs):
        goal.append(paragraphs[len(goal)])
    return "\n\n".join(goal)


def functions_to_write(source):
    """The functions and methods of a solution cell that hold a solution region (the learner's
    ``# YOUR CODE HERE``): for a region inside a nested helper such as a ``_backward`` closure,
    the method around it; ``Class.method`` for a method."""
    found, stack = [], []  # stack: (indent, kind, name) of the enclosing defs and classes
    for line in source.splitlines():
        text = line.strip()
        if not text:
            continue
        indent = len(line) - len(line.lstrip())
        while stack and stack[-1][0] >= indent:
            stack.pop()
        match = re.match(r"(def|class) (\w+)", text)
        if match:
            stack.append((indent, *match.groups()))
        elif text == "### BEGIN SOLUTION":
            defs = [i for i, (_, kind, _) in enumerate(stack) if kind == "def"]
            if defs:
                outer = defs[0]
                owner = stack[outer - 1] if outer and stack[outer - 1][1] == "class" else None
                found.append(f"{owner[2]}.{stack[outer][2]}" if owner else stack[outer][2])
    return list(dict.fromkeys(found))


def describe(name, source=SOURCE):
    """Title, goal paragraph, graded tests [(grade_id, points, needs)] and functions to write."""
    nb = json.loads((source / name / f"{name}.ipynb").read_text())
    intro = next(cell_text(c) for c in nb["cells"] if c["cell_type"] == "markdown")
    lines = intro.strip().splitlines()
    title = lines[0].lstrip("# ").strip()
    goal = goal_paragraphs(lines[1:])
    tests, functions = [], []
    for cell in nb["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if meta.get("grade"):
            needs = cell["metadata"].get("course", {}).get("needs", [])
            tests.append((meta["grade_id"], meta.get("points", 0), needs))
        if meta.get("solution"):
            functions += functions_to_write(cell_text(cell))
    return title, goal, tests, functions


def chapters_pointing_to(name, chapters=CHAPTERS):
    """Docnames of the chapters that send the reader to this assignment (a test checks that they
    are the chapters its ``assignment.toml`` lists)."""
    return sorted(p.stem for p in chapters.glob("[0-9]*.md") if f"assignments/{name}" in p.read_text())


def page(name, released_path):
    title, goal, tests, functions = describe(name)
    total = sum(points for _, points, _ in tests)
    read_first = ", ".join(f"{{doc}}`../{doc}`" for doc in assignments.get(name).chapters) or "the book"
    rows = "\n".join(
        f"| `{gid}` | {', '.join(f'`{n}`' for n in needs) or '-'} | {points:g} |"
        for gid, points, needs in tests
    )
    download = released_path.relative_to(OUT).as_posix()
    kit = kit_path(released_path).relative_to(OUT).as_posix()
    return f"""# {title}

{goal}

**Read first:** {read_first}.

**You write:** {", ".join(f"`{f}`" for f in dict.fromkeys(functions))}.

**Download:** {{download}}`the assignment kit ({name}.zip) <{kit}>`: unpack it anywhere and
open `{name}/{name}.ipynb` in Jupyter (see {{doc}}`start`). It holds the notebook, the code the
assignment gives you (`given.py`), the expected results of the visible tests and the test helpers;
you need only numpy. ({{download}}`The notebook alone <{download}>`.)

## What is graded ({total:g} points)

Each test earns its points when the functions it needs are right, so a correct forward pass keeps
its points even if the backward pass is wrong. The tests you see in the notebook are a sample: the
grader also checks each function outside the notebook, on random shapes and values it draws
afresh, against the course's reference, and checks that your inputs are not modified in place.
A test's points count when both agree.

| test | needs your answer cells | points |
| --- | --- | ---: |
{rows}
"""


def index(names):
    rows = []
    for name in names:
        title, _, tests, _ = describe(name)
        total = sum(points for _, points, _ in tests)
        rows.append(f"| {{doc}}`{name}` | {total:g} |")
    table = "\n".join(rows)
    return f"""# Doing the assignments

Each assignment is a Jupyter notebook in which you implement one step of backpropagation yourself,
with the same function names and signatures as the book's reference package `nanoprop`. Download
its kit, fill in the cells marked `# YOUR CODE HERE`, run the test cells after each function, and
read what they say: a failing test tells you what it expected and where to look, without giving
the answer away. New here? {{doc}}`start` says what to install and how to hand in.

| assignment | points |
| --- | ---: |
{table}

Your instructor grades the notebooks with nbgrader. The grader runs the tests you can see and
more: it compares your functions with the reference on random shapes and values, outside your
notebook. The reference is not in the kit and not in the grader's kernel: write every function
yourself, with numpy.
"""


START = """# Start here

You do the assignments on your own machine, in any Jupyter: JupyterLab, Jupyter Notebook or
VS Code. Nothing else of the course is needed.

1. **Install** Python 3.10 or later, then numpy and Jupyter:
   `python -m pip install numpy jupyterlab` (each kit also holds this as `requirements.txt`).
2. **Download a kit** from its assignment's page, unpack the zip anywhere, and open the notebook
   in its folder (`jupyter lab a1_neuron/a1_neuron.ipynb`). Keep the other files next to it:
   `given.py` (the code the assignment gives you), `expected.json` (the expected results of the
   visible tests) and `checks/` (the test helpers).
3. **Run the set-up cell**, then, for each function, write your code where it says
   `# YOUR CODE HERE` (remove the `raise NotImplementedError()`) and run the test cell below it.
   A failing test says what it expected and where to look. Run the cells in order; after
   changing a function, run its cell again, then its test.
4. **Validate** before you hand in: in JupyterLab with nbgrader installed, the *Validate* button
   runs the whole notebook from the top, as the grader will, and reports any test that fails or
   any cell that errors. Without it, restart the kernel and run all cells: the result is the same.
5. **Hand in** the notebook file alone (`a1_neuron.ipynb`), as your instructor says (an upload to
   your course's site, usually). Do not rename it. The grader runs it with its own copy of the
   other files, checks each of your functions on fresh inputs outside your notebook, and sends
   you feedback: each test's points and what went wrong.

The tests you see are a sample of what is graded; passing them all is a good sign, not a
guarantee. The reference package `nanoprop` is not in the kit, and the grader's kernel does not
have it either: write every function yourself, with numpy.
"""


def write_if_changed(path, text):
    """Leave an unchanged page untouched, so Sphinx does not rebuild it."""
    if not path.is_file() or path.read_text() != text:
        path.write_text(text)


def main():
    names = assignments.names()
    released = release(names)
    pages = {OUT / "index.md": index(names), OUT / "start.md": START}
    pages.update({OUT / f"{name}.md": page(name, released[name]) for name in names})
    kits = {kit_path(p) for p in released.values()}
    for stale in set(OUT.glob("*.md")) | set(RELEASED.glob("*.ipynb")) | set(RELEASED.glob("*.zip")):
        if stale not in pages and stale not in released.values() and stale not in kits:
            stale.unlink()
    for path, text in pages.items():
        write_if_changed(path, text)
    print(f"Wrote the Assignments part: {len(names)} assignments in {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
