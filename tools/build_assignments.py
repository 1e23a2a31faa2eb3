"""Write the assignment notebooks from their readable sources.

Each assignment is written as a plain Python file, ``assignments/<name>/source.py``, cut into
cells by marker lines::

    # %% markdown                     text for the learner (each line starts with "# ")
    # %% code id=setup                a read-only code cell (imports, given code)
    # %% solution id=sigmoid          the learner's cell; ### BEGIN/END SOLUTION inside
    # %% tests id=test_sigmoid points=1 needs=sigmoid,sigmoid_prime
                                      a graded, read-only test cell; ### BEGIN/END HIDDEN TESTS

``needs`` names the solution cells a test depends on: a test earns its points only when
every cell it needs is right. It is stored in the cell's ``course`` metadata, where the
demo class and the validity tests read it.

The source file is itself a runnable Python script (the instructor's solution with its
tests), run in the assignment's folder: ``cd assignments/a1_neuron && python source.py``.

Next to the notebook the build writes what a learner's kit needs to run it, so that neither the
kit nor the kernel that grades it holds the reference:

- ``given.py``: the code the assignment gives (``gives`` in ``assignment.toml``, cut out of
  nanoprop by :mod:`tools.given`), and the data files it reads (``data``);
- ``expected.json``: what the reference returns on the visible tests' inputs (see
  ``checks.recorded``), recorded by running the solution and its tests with the reference live.

    python -m tools.build_assignments          write the notebooks, given.py and expected.json
    python -m tools.build_assignments --check  fail if a committed file is out of date
"""

import argparse
import contextlib
import importlib
import io
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

from course import probes
from tools import assignments
from tools.given import REFERENCE, given_text

MARKER = re.compile(r"^# %% (markdown|code|solution|tests)\b(.*)$")
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def parse_attributes(text, where):
    """'id=x points=2 needs=a,b' -> {'id': 'x', 'points': '2', 'needs': 'a,b'}"""
    attrs = {}
    for part in text.split():
        key, eq, value = part.partition("=")
        if not eq:
            raise ValueError(f"{where}: expected key=value after the cell marker, got {part!r}")
        attrs[key] = value
    return attrs


def split_cells(text, where="source"):
    """The source text -> a list of (kind, attributes, body lines)."""
    cells = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = MARKER.match(line)
        if match:
            kind, rest = match.groups()
            cells.append((kind, parse_attributes(rest, f"{where}:{number}"), []))
        elif cells:
            cells[-1][2].append(line)
        elif line.strip() and not line.startswith("#"):
            raise ValueError(f"{where}:{number}: code before the first '# %%' cell marker")
    return cells


def markdown_text(lines, where):
    out = []
    for line in lines:
        if line == "#":
            out.append("")
        elif line.startswith("# "):
            out.append(line[2:])
        elif line.strip():
            raise ValueError(f"{where}: markdown lines must start with '# ': {line!r}")
        else:
            out.append("")
    return "\n".join(out).strip("\n")


def nbgrader_meta(kind, attrs, where):
    grade_id = attrs.get("id")
    if not grade_id:
        raise ValueError(f"{where}: a {kind} cell needs id=...")
    meta = {
        "grade": kind == "tests",
        "grade_id": grade_id,
        "locked": kind != "solution",
        "schema_version": 3,
        "solution": kind == "solution",
        "task": False,
    }
    if kind == "tests":
        meta["points"] = int(attrs["points"])
    return meta


def build_notebook(source_path):
    """One source file -> a notebook (a plain dict in nbformat 4.5)."""
    source_path = Path(source_path)
    name = source_path.parent.name
    where = f"{name}/{source_path.name}"
    cells, seen = [], set()
    for index, (kind, attrs, lines) in enumerate(split_cells(source_path.read_text(), where)):
        cell_where = f"{where}, cell {index + 1}"
        if kind == "markdown":
            cell = {"cell_type": "markdown", "metadata": {}, "source": markdown_text(lines, cell_where)}
        else:
            meta = {"nbgrader": nbgrader_meta(kind, attrs, cell_where)}
            grade_id = meta["nbgrader"]["grade_id"]
            if grade_id in seen:
                raise ValueError(f"{cell_where}: duplicate id {grade_id!r}")
            seen.add(grade_id)
            if kind == "tests":
                needs = [n for n in attrs.get("needs", "").split(",") if n]
                unknown = [n for n in needs if n not in seen]
                if unknown:
                    raise ValueError(f"{cell_where}: needs {unknown}, which are not solution cells above it")
                meta["course"] = {"needs": needs}
            cell = {
                "cell_type": "code",
                "execution_count": None,
                "metadata": meta,
                "outputs": [],
                "source": "\n".join(lines).strip("\n"),
            }
        cell["id"] = f"{name}-{index:02d}"
        cells.append(cell)
    return {
        "cells": cells,
        "metadata": {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def notebook_text(source_path):
    return json.dumps(build_notebook(source_path), indent=1, ensure_ascii=False) + "\n"


def target_path(source_path):
    """The notebook next to its source: assignments/<name>/<name>.ipynb."""
    folder = Path(source_path).parent
    return folder / f"{folder.name}.ipynb"


def sources(source=assignments.SOURCE):
    return [a.source for a in assignments.discover(source)]


@contextlib.contextmanager
def inside(folder, reference=False):
    """Run with ``folder`` as the current folder and first on the path, as a notebook there is,
    and forget its ``given`` module afterwards. Unless ``reference``, nanoprop cannot be imported
    meanwhile: as in a learner's kit and in the grading kernel."""
    old_cwd, old_path = os.getcwd(), list(sys.path)
    blocked = {m: sys.modules[m] for m in list(sys.modules) if m.split(".")[0] == "nanoprop"}
    os.chdir(folder)
    sys.path.insert(0, str(folder))
    sys.modules.pop("given", None)
    if not reference:
        sys.modules.update({m: None for m in blocked} | {"nanoprop": None})
    try:
        yield
    finally:
        os.chdir(old_cwd)
        sys.path[:] = old_path
        sys.modules.pop("given", None)
        if not reference:
            sys.modules.pop("nanoprop", None)
            sys.modules.update(blocked)


def record_expected(assignment, files):
    """Run the notebook's code cells (the solution with its tests) with the reference live, in a
    scratch folder holding ``files``; return the text of ``expected.json``."""
    recorded = importlib.import_module("checks.recorded")
    notebook = build_notebook(assignment.source)
    namespace = {"__name__": "__main__"}
    scratch = Path(tempfile.mkdtemp(prefix="record-"))
    for name, data in files.items():
        (scratch / name).write_bytes(data)
    with (
        inside(scratch, reference=True),
        recorded.recording(probes.resolve_reference) as answers,
        contextlib.redirect_stdout(io.StringIO()),
    ):
        for index, cell in enumerate(notebook["cells"]):
            if cell["cell_type"] == "code":
                exec(compile(cell["source"], f"{assignment.name} cell {index + 1}", "exec"), namespace)
    shutil.rmtree(scratch)
    return recorded.dump(answers)


def kit_files(assignment):
    """{file name: bytes} of what the build writes next to an assignment's notebook."""
    files = {}
    if assignment.gives:
        files["given.py"] = given_text(assignment.title, assignment.gives).encode()
    for name in assignment.data:
        files[Path(name).name] = (REFERENCE / name).read_bytes()
    files["expected.json"] = record_expected(assignment, files).encode()
    return files


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="only check that every committed notebook matches its source"
    )
    parser.add_argument(
        "--source",
        type=Path,
        default=assignments.SOURCE,
        help="the folder of assignment folders (default: the course's assignments/)",
    )
    args = parser.parse_args(argv)
    stale = []
    for assignment in assignments.discover(args.source):
        src = assignment.source
        outputs = {target_path(src): notebook_text(src).encode()}
        outputs.update({assignment.folder / n: data for n, data in kit_files(assignment).items()})
        for target, data in outputs.items():
            if args.check:
                if not target.exists() or target.read_bytes() != data:
                    stale.append(target)
            elif not target.exists() or target.read_bytes() != data:
                target.write_bytes(data)
                print(f"wrote {target}")
    if stale:
        print("Out of date (run python -m tools.build_assignments):", *stale, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
