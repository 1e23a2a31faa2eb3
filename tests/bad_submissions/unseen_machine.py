"""Attacks on the machine: disk, files, and what a learner leaves behind.

Every writable place of a jail (the working folder, home, /tmp, /dev/shm) is on one tmpfs of the
jail's own, capped in size (``Limits.tmp_bytes``, 256 MiB by default) and in files
(``Limits.max_inodes``): filling any of them stops at the cap for all of them together, never on
the host's disk. Whatever a learner leaves (trees deeper than PATH_MAX, folders without
permissions, names that are not UTF-8) is deleted after the notebook, and the jail's tmpfs is
unmounted with it. A notebook over the stated size (``intake.MAX_NOTEBOOK_BYTES``, 8 MiB) is
refused without being read. Each learner's code here cleans up the space it filled (else the
outside checks could not write their inputs), but not the trees and folders it made.
"""

import nbformat

from . import fixture as fx
from .catalogue import Bad  # (imported by the catalogue once Bad is defined)

FULL = {"test_sigmoid": 2.0, "test_neuron": 3.0}
ZERO = {"test_sigmoid": 0.0, "test_neuron": 0.0}
CAP_MIB = 256  # Limits.tmp_bytes of the catalogue's batch, in MiB

FILL = """
import os
def _fill(folders, limit_mib=1024):
    written, paths = 0, []
    try:
        for i in range(limit_mib // 16):
            folder = folders[i % len(folders)]
            path = os.path.join(folder, f"filler_{i}")
            paths.append(path)
            with open(path, "wb") as fh:
                fh.write(b"\\0" * 16 * 2**20)
            written += 16
    except OSError as exc:
        print("stopped:", type(exc).__name__, exc.errno)
    print("written MiB:", written, "in", folders)
    if written > CAP_MIB:
        print("OVER THE CAP")
    for path in paths:
        try:
            os.remove(path)
        except OSError:
            pass
_fill(FOLDERS)
"""

# A tree deeper than PATH_MAX, made through folder descriptors (tests/test_grader_names.py uses it too).
DEEP_TREE = """
import os
def _deep(base, depth=2100):
    fd = os.open(base, os.O_RDONLY | os.O_DIRECTORY)
    for _ in range(depth):
        os.mkdir("d", dir_fd=fd)
        child = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = child
    os.close(os.open("bottom", os.O_CREAT | os.O_WRONLY, 0o644, dir_fd=fd))
    os.chmod(f"/proc/self/fd/{fd}", 0o500)
    os.close(fd)
"""

DEEP = (
    DEEP_TREE
    + """
for _base in FOLDERS:
    try:
        _deep(_base)
        print("a tree deeper than PATH_MAX in", _base)
    except OSError as exc:
        print("no deep tree in", _base, exc)
"""
)

READ_ONLY = """
import os
for _base in [b".", os.environb[b"HOME"], b"/tmp", b"/dev/shm"]:
    for _name in [b"ro\\xff\\xfe", b"-rf", b"new\\nline", b"...", b" ", b"--help"]:
        _top = os.path.join(_base, _name)
        _inner = os.path.join(_top, b"inner\\xfe")
        os.makedirs(_inner, exist_ok=True)
        with open(os.path.join(_inner, b"file\\x01"), "wb") as fh:
            fh.write(b"x")
        os.chmod(os.path.join(_inner, b"file\\x01"), 0)
        os.symlink(b"/etc/passwd", os.path.join(_top, b"link"))
        os.chmod(_inner, 0o500)
        os.chmod(_top, 0 if _name != b"-rf" else 0o500)
print("read-only folders made")
"""

MANY_FILES = """
import os
os.mkdir("many")
made = 0
try:
    for i in range(200000):
        os.close(os.open(f"many/{i}", os.O_CREAT | os.O_WRONLY, 0o644))
        made += 1
except OSError as exc:
    print("stopped:", type(exc).__name__, exc.errno)
print("files made:", made)
if made > 40000:
    print("OVER THE FILE CAP")
for i in range(made):
    os.remove(f"many/{i}")
os.rmdir("many")
"""


def _answers(root, student, code):
    fx.write_submission(
        root, student, fx.answered(root, dict(fx.CORRECT, neuron=fx.CORRECT["neuron"] + code))
    )


def _fill(folders):
    def build(root, s, ctx):
        _answers(root, s, FILL.replace("CAP_MIB", str(CAP_MIB)).replace("FOLDERS", f"[{', '.join(folders)}]"))

    return build


def deep_tree(root, s, ctx):
    _answers(root, s, DEEP.replace("FOLDERS", "['.', os.environ['HOME'], '/tmp', '/dev/shm']"))


def read_only_odd_names(root, s, ctx):
    _answers(root, s, READ_ONLY)


def many_files(root, s, ctx):
    _answers(root, s, MANY_FILES)


def _padded(size_mib):
    """A correct notebook carrying ``size_mib`` MiB of notebook metadata, written by streaming
    (the test never holds it in memory)."""

    def build(root, s, ctx):
        nb = fx.answered(root)
        nb.metadata["padding"] = "@@PADDING@@"
        head, tail = nbformat.writes(nb).split('"@@PADDING@@"')
        folder = fx.write_submission(root, s)
        chunk = "x" * 2**20
        with open(folder / f"{fx.NOTEBOOK}.ipynb", "w") as fh:
            fh.write(head + '"')
            for _ in range(size_mib):
                fh.write(chunk)
            fh.write('"' + tail)

    return build


def huge_cell_metadata(root, s, ctx):
    """9 MiB in the metadata of one cell, by streaming."""
    nb = fx.answered(root)
    nb.cells[0].metadata["padding"] = "@@PADDING@@"
    head, tail = nbformat.writes(nb).split('"@@PADDING@@"')
    folder = fx.write_submission(root, s)
    with open(folder / f"{fx.NOTEBOOK}.ipynb", "w") as fh:
        fh.write(head + "[")
        for i in range(9 * 2**10):
            fh.write(("," if i else "") + '"' + "y" * 1020 + '"')
        fh.write("]" + tail)


ENTRIES = [
    Bad(
        "fill_work_folder",
        "Writes 1 GiB into its working folder (a host folder before): the jail's tmpfs stops it at "
        f"the cap ({CAP_MIB} MiB, ENOSPC); the host's disk is untouched; the learner deletes the "
        "files and keeps full marks.",
        _fill(["'.'"]),
        FULL,
        output_must_not_contain="OVER THE CAP",
        needs_jail=True,
    ),
    Bad(
        "fill_home",
        "Writes 1 GiB into $HOME: stopped at the cap, full marks.",
        _fill(["os.environ['HOME']"]),
        FULL,
        output_must_not_contain="OVER THE CAP",
        needs_jail=True,
    ),
    Bad(
        "fill_tmp",
        "Writes 1 GiB into /tmp: stopped at the cap, full marks.",
        _fill(["'/tmp'"]),
        FULL,
        output_must_not_contain="OVER THE CAP",
        needs_jail=True,
    ),
    Bad(
        "fill_dev_shm",
        "Writes 1 GiB into /dev/shm (writable, on the jail's tmpfs): stopped at the cap, full marks.",
        _fill(["'/dev/shm'"]),
        FULL,
        output_must_not_contain="OVER THE CAP",
        needs_jail=True,
    ),
    Bad(
        "fill_every_place",
        "Writes 1 GiB spread over the working folder, home, /tmp and /dev/shm: the cap holds for "
        "all of them together, not per place.",
        _fill(["'.'", "os.environ['HOME']", "'/tmp'", "'/dev/shm'"]),
        FULL,
        output_must_not_contain="OVER THE CAP",
        needs_jail=True,
    ),
    Bad(
        "many_empty_files",
        "Creates 200 000 empty files (no bytes, so no size cap applies): the tmpfs's file cap "
        "(Limits.max_inodes) stops it; full marks.",
        many_files,
        FULL,
        output_must_not_contain="OVER THE FILE CAP",
        needs_jail=True,
    ),
    Bad(
        "deep_tree",
        "Leaves trees deeper than PATH_MAX (2100 folders, the last read-only) in the working "
        "folder, home, /tmp and /dev/shm: all deleted after the notebook, nothing stays on the host.",
        deep_tree,
        FULL,
        needs_jail=True,
    ),
    Bad(
        "read_only_odd_names",
        "Leaves folders without permissions, named with bytes that are not UTF-8, a newline, "
        "leading dashes, dots and spaces, holding links and unreadable files, in every writable "
        "place: all deleted, nothing followed, nothing stays on the host.",
        read_only_odd_names,
        FULL,
        needs_jail=True,
    ),
    Bad(
        "huge_metadata",
        "A notebook with 9 MiB of notebook metadata, over the 8 MiB a notebook may have: refused "
        "without being read (never parsed), scores 0, flagged 'too-big' with what to do.",
        _padded(9),
        ZERO,
        {"too-big"},
    ),
    Bad(
        "huge_cell_metadata",
        "A notebook with 9 MiB of metadata in one cell: refused unread like any notebook over the cap.",
        huge_cell_metadata,
        ZERO,
        {"too-big"},
    ),
    Bad(
        "big_metadata_under_cap",
        "A notebook with 7 MiB of metadata, under the cap: graded as usual (full marks).",
        _padded(7),
        FULL,
    ),
]
