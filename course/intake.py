"""What arrives in a submission folder, checked before any code runs.

``prepare(folder, expected)`` works on the grader's private copy of a submission (never on the
original) and returns flags in words an instructor can act on. It repairs what can be repaired
fairly and removes what must not reach the kernel:

- a notebook that is not valid JSON, empty or unreadable: removed, so nbgrader scores it 0;
- a notebook in an old format (nbformat 3): upgraded to version 4;
- a notebook under another name when exactly one expected notebook is missing: graded as it;
- ``.py`` files or packages named like an importable module (``numpy.py``, ``nanoprop/``):
  removed, so they cannot shadow the real module in the learner's or the tests' imports.
"""

import importlib.util
import json
import os
import shutil
import sys

import nbformat

# Modules a submitted file must never shadow, on top of anything importable by the grader.
PROTECTED = {"numpy", "nanoprop", "checks", "course", "math", "unittest", "random", "os", "sys"}


def flag(kind: str, message: str, notebook: str | None = None) -> dict:
    """A flag for the instructor: its kind, the notebook it concerns (or None), what to know."""
    return {"kind": kind, "notebook": notebook, "message": message}


def _shadows(name):
    if name in PROTECTED or name in sys.stdlib_module_names:
        return True
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _read_notebook(path):
    """(notebook or None, problem in words or None)."""
    raw = open(path, "rb").read()
    if not raw.strip():
        return None, "is empty (0 bytes of notebook)"
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return None, "is not UTF-8 text, so it is not a notebook"
    except json.JSONDecodeError as exc:
        return None, f"is not valid notebook JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
    if not isinstance(data, dict) or "nbformat" not in data:
        return None, "is JSON but not a notebook (no 'nbformat' field)"
    try:
        nb = nbformat.reads(raw.decode("utf-8"), as_version=nbformat.NO_CONVERT)
    except Exception as exc:  # nbformat raises several types for malformed notebooks
        return None, f"cannot be read as a notebook ({exc.__class__.__name__}: {exc})"
    return nb, None


def prepare(folder: str, expected: list[str]) -> list[dict]:
    """Check and repair the private copy of one submission; return a list of flags."""
    flags = []
    present = {f[:-6] for f in os.listdir(folder) if f.endswith(".ipynb")}
    unknown = sorted(present - set(expected))
    missing = sorted(set(expected) - present)
    if len(unknown) == 1 and len(missing) == 1:
        os.rename(os.path.join(folder, unknown[0] + ".ipynb"), os.path.join(folder, missing[0] + ".ipynb"))
        flags.append(
            flag(
                "renamed",
                f"the notebook was submitted as '{unknown[0]}.ipynb'; it was graded "
                f"as '{missing[0]}.ipynb'. Ask the learner to keep the file name.",
                missing[0],
            )
        )
        missing, unknown = [], []
    for name in unknown:
        flags.append(
            flag(
                "unknown-notebook",
                f"'{name}.ipynb' is not part of the assignment and was "
                f"not graded (expected: {', '.join(expected)}).",
            )
        )
    for name in missing:
        flags.append(flag("missing-notebook", f"'{name}.ipynb' was not submitted; it scores 0.", name))
    for name in sorted(set(expected) & {f[:-6] for f in os.listdir(folder) if f.endswith(".ipynb")}):
        path = os.path.join(folder, name + ".ipynb")
        nb, problem = _read_notebook(path)
        if problem:
            os.remove(path)
            flags.append(
                flag(
                    "unreadable",
                    f"'{name}.ipynb' {problem}. It scores 0; ask the learner "
                    "to re-download their notebook from Jupyter and submit it again.",
                    name,
                )
            )
            continue
        if nb.nbformat < 4:
            version = nb.nbformat
            nbformat.write(nbformat.convert(nb, 4), path)
            flags.append(
                flag(
                    "old-format",
                    f"'{name}.ipynb' used notebook format {version}; it was upgraded to format 4 and graded.",
                    name,
                )
            )
    for entry in sorted(os.listdir(folder)):
        stem, ext = os.path.splitext(entry)
        is_pkg = os.path.isdir(os.path.join(folder, entry)) and os.path.exists(
            os.path.join(folder, entry, "__init__.py")
        )
        if (ext == ".py" or is_pkg) and _shadows(stem if ext == ".py" else entry):
            target = os.path.join(folder, entry)
            if is_pkg:
                shutil.rmtree(target)
            else:
                os.remove(target)
            flags.append(
                flag(
                    "shadowing-module",
                    f"the submission contains '{entry}', which would hide "
                    f"the real '{stem}' module; it was not given to the kernel.",
                )
            )
    return flags
