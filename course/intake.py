"""What arrives in a submission folder, checked before any code runs.

``read_submission(folder, ...)`` reads a learner's folder for the grader (never changing it) with
every cap applied before anything is read: a notebook over ``MAX_NOTEBOOK_BYTES`` (an option) is
refused without being opened; links, pipes and devices are not followed or opened; a tree deeper
than ``MAX_DEPTH`` folders, more than ``MAX_FILES`` files or ``MAX_SUBMISSION_BYTES`` in all is cut
there; a name that is not valid UTF-8 or holds control characters is given to the kernel under
its escaped form (``shown``). Each of these is flagged, naming the file. ``student_problem`` says
what is wrong with a student folder's name, if anything.

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
import re
import stat
import sys
import unicodedata

import nbformat

from .jail.sandbox import remove_tree

# Modules a submitted file must never shadow, on top of anything importable by the grader.
PROTECTED = {"numpy", "nanoprop", "checks", "course", "math", "unittest", "random", "os", "sys"}


MAX_NOTEBOOK_BYTES = 8 * 2**20  # a notebook larger than this is refused unread (--max-notebook-mb)
MAX_SUBMISSION_BYTES = 64 * 2**20  # all the files of one submission together
MAX_FILES = 1000  # files and folders of one submission
MAX_DEPTH = 16  # folder levels below the submission folder
MAX_STUDENT_ID = 128  # characters (the gradebook's column)
# invisible characters that reorder the text around them (a name could show as another's)
BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def flag(kind: str, message: str, notebook: str | None = None) -> dict:
    """A flag for the instructor: its kind, the notebook it concerns (or None), what to know."""
    return {"kind": kind, "notebook": notebook, "message": message}


def shown(name: str) -> str:
    """A file name as an instructor can read it and type it: quoted, with control characters and
    the bytes that are not UTF-8 escaped (``'f1\\xff.ipynb'``), other letters as they are."""
    return re.sub(r"\\udc([89a-f][0-9a-f])", r"\\x\1", repr(name))


def name_problem(name: str) -> str | None:
    """What makes a file or folder name unfit to show or store as it is, or None."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid UTF-8"
    if any(unicodedata.category(c) == "Cc" or c in BIDI for c in name):
        return "contains control characters"
    return None


def student_problem(name: str) -> str | None:
    """What makes a student folder's name unfit as a student id, or None."""
    problem = name_problem(name)
    if problem:
        return problem
    if len(name) > MAX_STUDENT_ID:
        return f"is longer than {MAX_STUDENT_ID} characters (the gradebook's limit for a student id)"
    if name.startswith("-"):
        return "starts with '-', so nbgrader's and course's commands would read it as an option"
    if name.startswith("."):
        return "starts with '.' (a hidden folder, not a student id)"
    if name != name.strip():
        return "starts or ends with a space (it would look like another student's id)"
    if "\\" in name or name in ("~",) or name.startswith("~"):
        return "looks like a path"
    return None


def _mib(n):
    return f"{n / 2**20:.1f} MiB"


def read_submission(
    folder: str,
    *,
    max_notebook_bytes: int = MAX_NOTEBOOK_BYTES,
    max_total_bytes: int = MAX_SUBMISSION_BYTES,
    max_files: int = MAX_FILES,
) -> tuple[dict, list, list, set]:
    """Read a learner's folder without changing it: ({relative path: bytes} to grade, flags,
    [what was left out, for the fingerprint], {stems of expected-looking notebooks left out}).
    Nothing is read before its size is known; nothing is followed or opened that is not a plain
    file; no folder deeper than ``MAX_DEPTH`` is entered."""
    out = _Reading(max_notebook_bytes, max_total_bytes, max_files)
    pending = [(folder, "", "", 0)]  # (path on disk, path as graded, path as named, depth)
    while pending:
        here, graded_dir, named_dir, depth = pending.pop()
        try:
            with os.scandir(here) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            out.skip(None, f"the folder {shown(named_dir)} could not be read ({exc.strerror})")
            continue
        taken = {e.name for e in entries}
        for entry in entries:
            if entry.name in (".ipynb_checkpoints", "__pycache__"):
                continue
            named = os.path.join(named_dir, entry.name) if named_dir else entry.name
            sub = out.take(entry, named, graded_dir, depth, taken)
            if sub is not None:
                pending.append((entry.path, sub, named, depth + 1))
    return out.files, out.flags, out.skipped, out.refused


class _Reading:
    """What ``read_submission`` has read so far, and the caps it applies."""

    def __init__(self, max_notebook_bytes, max_total_bytes, max_files):
        self.max_notebook, self.max_total, self.max_files = max_notebook_bytes, max_total_bytes, max_files
        self.files, self.flags, self.skipped, self.refused = {}, [], [], set()
        self.total = self.count = 0

    def skip(self, mark, message, stem=None, kind="skipped-file"):
        if mark:
            self.skipped.append(mark)
        if stem:
            self.refused.add(stem)
        if message:
            self.flags.append(flag(kind, message, stem))

    def take(self, entry, named, graded_dir, depth, taken):
        """Read one entry; return its path as graded if it is a folder to enter, else None."""
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            return None  # gone meanwhile
        mark = f"{os.fsencode(named).hex()}:{st.st_mode:o}:{st.st_size}:{st.st_mtime_ns}"
        self.count += 1
        if self.count > self.max_files:
            first = self.count == self.max_files + 1
            self.skip(
                mark,
                first
                and f"the submission has more than {self.max_files} files and folders: {shown(named)} "
                "and those after it were not given to the kernel",
            )
            return None
        is_dir, is_file = stat.S_ISDIR(st.st_mode), stat.S_ISREG(st.st_mode)
        stem = entry.name[:-6] if entry.name.endswith(".ipynb") and not graded_dir else None
        if not (is_dir or is_file):
            what = "a symbolic link (not followed)" if stat.S_ISLNK(st.st_mode) else "not a plain file"
            self.skip(mark, f"{shown(named)} is {what}: it was not given to the kernel", stem)
            return None
        name, problem = entry.name, name_problem(entry.name)
        if problem:  # given to the kernel under its escaped form, which the flag names
            name = base = shown(entry.name)[1:-1]
            n = 1
            while name in taken:
                name, n = f"{base}~{n}", n + 1
            taken.add(name)
            if stem is not None:
                stem = name[:-6] if name.endswith(".ipynb") else None
        graded = os.path.join(graded_dir, name) if graded_dir else name
        if problem:
            self.flags.append(
                flag(
                    "odd-name",
                    f"the name {shown(named)} {problem}: it was given to the kernel as '{graded}'. "
                    "Ask the learner to rename it.",
                )
            )
        if is_dir:
            if depth + 1 >= MAX_DEPTH:
                self.skip(
                    mark,
                    f"{shown(named)} is more than {MAX_DEPTH} folders deep: what is in it was not "
                    "given to the kernel",
                )
                return None
            return graded
        if entry.name.endswith(".ipynb") and st.st_size > self.max_notebook:
            self.skip(
                mark,
                f"{shown(named)} is {_mib(st.st_size)}, more than the {_mib(self.max_notebook)} a "
                "notebook may have (--max-notebook-mb): it was not read and scores 0. Ask the "
                "learner to clear the outputs (Kernel > Restart & Clear Output), save and submit again.",
                stem,
                "too-big",
            )
            return None
        if self.total + st.st_size > self.max_total:
            self.skip(
                mark,
                f"{shown(named)} ({_mib(st.st_size)}) would take the submission over "
                f"{_mib(self.max_total)} in all (--max-submission-mb): it was not given to the kernel",
                stem,
                "too-big",
            )
            return None
        data = _read_plain(entry.path, st.st_size)
        if data is None:
            self.skip(mark, f"{shown(named)} could not be read as a plain file", stem)
            return None
        self.total += len(data)
        self.files[graded] = data
        return None


def _read_plain(path, size):
    """The bytes of a plain file of ``size`` bytes (never through a link, never blocking on a
    pipe swapped in meanwhile), or None."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        chunks, left = [], size
        while left > 0:
            chunk = os.read(fd, min(left, 2**20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)  # (a file that grew meanwhile is cut at the size that was checked)
    finally:
        os.close(fd)


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
    except RecursionError:
        return None, "is JSON nested too deeply to be a notebook"
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
                remove_tree(target)
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
