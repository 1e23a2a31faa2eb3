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
    """Run nbgrader's generate_assignment on each assignment in a scratch course folder and
    copy the released notebooks to ``dest``. Returns {name: released path}.

    A notebook already released from an unchanged source is kept as it is."""
    released = {name: dest / f"{name}.ipynb" for name in names}
    stale = [
        name
        for name in names
        if not released[name].is_file()
        or released[name].stat().st_mtime < (source / name / f"{name}.ipynb").stat().st_mtime
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
    return released


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
    return f"""# {title}

{goal}

**Read first:** {read_first}.

**You write:** {", ".join(f"`{f}`" for f in dict.fromkeys(functions))}.

**Download:** {{download}}`the assignment notebook ({name}.ipynb) <{download}>`.
Save it inside your copy of the course and open it with `make lab`: its test cells use the
course's test helpers (`import checks`).

## What is graded ({total:g} points)

Each test earns its points when the functions it needs are right, so a correct forward pass keeps
its points even if the backward pass is wrong. The tests you see in the notebook are a sample: the
grader also runs hidden tests on random shapes and values, and checks that your inputs are not
modified in place.

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
with the same function names and signatures as the book's reference package `nanoprop`. Fill in
the cells marked `# YOUR CODE HERE`, run the test cells after each function, and read what they
say: a failing test tells you what it expected and where to look, without giving the answer away.

| assignment | points |
| --- | ---: |
{table}

Your instructor grades the notebooks with nbgrader. The grader runs the tests you can see and
more: hidden tests compare your functions with the reference on random shapes and values.
Calling `nanoprop` from your own functions is not allowed and scores zero for that function.
"""


def write_if_changed(path, text):
    """Leave an unchanged page untouched, so Sphinx does not rebuild it."""
    if not path.is_file() or path.read_text() != text:
        path.write_text(text)


def main():
    names = assignments.names()
    released = release(names)
    pages = {OUT / "index.md": index(names)}
    pages.update({OUT / f"{name}.md": page(name, released[name]) for name in names})
    for stale in set(OUT.glob("*.md")) | set(RELEASED.glob("*.ipynb")):
        if stale not in pages and stale not in released.values():
            stale.unlink()
    for path, text in pages.items():
        write_if_changed(path, text)
    print(f"Wrote the Assignments part: {len(names)} assignments in {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
