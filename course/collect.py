"""``course collect``: file an LMS download under ``submitted/`` with ``nbgrader zip_collect``,
and stop when a file would be left out.

The instructor puts what the LMS gives (loose notebooks, or its zip as it is) in
``downloaded/<assignment>/archive/``. ``nbgrader zip_collect`` unpacks it into ``extracted/``, reads
each learner's id and notebook from every file's path with ``FileNameCollectorPlugin.named_regexp``
(``re.match`` on the full path) and copies the notebook to ``submitted/<id>/<assignment>/``. A file
the pattern does not match is skipped with one warning among many log lines, and that learner then
looks as if they had not submitted. So ``collect`` first reads the download exactly as zip_collect
will (nbgrader's own extractor, the same pattern and rules) and collects nothing while a notebook:

- matches no learner (the pattern cannot read an id from its name);
- names a learner who is not on the roster (unless ``--add-students``);
- is one of two files for the same learner's notebook that carry no timestamp to choose between;
- would replace a submission collected before (unless ``--force``).

Files that are not notebooks are listed but not collected (nbgrader grades notebooks only).
``LMS_FORMATS`` holds tested patterns for Canvas's and Moodle's download names (``--lms``); the
pattern a collect used is kept in ``downloaded/<assignment>/collect.json``, so that
``course autograde`` can check the same way that nothing downloaded was left uncollected
(``check_collected``).
"""

import filecmp
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field

from nbgrader.plugins import ExtractorPlugin, FileNameCollectorPlugin

from .autograde import Course, CourseError
from .intake import shown, student_problem

MANIFEST = "collect.json"  # in downloaded/<assignment>/, next to archive/ and extracted/
IGNORED = ("__MACOSX", ".DS_Store", "Thumbs.db")  # what archivers add: never a learner's work


@dataclass(frozen=True)
class LMSFormat:
    """How an LMS names the files of its "download all submissions" archive."""

    pattern: str  # a FileNameCollectorPlugin.named_regexp for those names
    example: str  # one such name, as it appears in the archive
    ids: str  # what the id in the name is: the roster's ids must be the same


# Canvas: "<sortable name>_[late_]<user id>_<file id>_<uploaded name>": the name is lowercased with
# every non-word character removed, and Canvas strips "_<digits>_" from it, so the first
# "_<digits>_<digits>_" holds the ids. A file uploaded again under the same name becomes
# "<name>-1.ipynb"; a browser saving a copy makes "<name> (1).ipynb".
# Moodle: "<full name>_<participant id>_assignsubmission_file" followed by "/<file>" (a folder per
# learner, the default since Moodle 3.1) or "_<file>"; the name has its "_" replaced by spaces.
_COPY = r"(?:-\d+| \(\d+\))?"
LMS_FORMATS = {
    "canvas": LMSFormat(
        pattern=r".*/(?:[^/]*?_)?(?:late_)?(?P<student_id>\d+)_\d+_(?P<file_id>[^/]+?)" + _COPY + r"\.ipynb$",
        example="lovelaceada_late_104233_5566102_a1_neuron-1.ipynb",
        ids="Canvas user ids (the ID column of Canvas's Grades export, not the SIS id)",
    ),
    "moodle": LMSFormat(
        pattern=r".*/[^/_]*_(?P<student_id>\d+)_assignsubmission_file(?:_|/(?:[^/]+/)*)"
        r"(?P<file_id>[^/]+?)" + _COPY + r"\.ipynb$",
        example="Ada Lovelace_2034871_assignsubmission_file/a1_neuron.ipynb",
        ids="Moodle participant numbers (the Identifier column, 'Participant 2034871', of the "
        "assignment's grading worksheet)",
    ),
}


@dataclass
class Download:
    """What a download folder holds, read as ``nbgrader zip_collect`` will read it. Paths are
    shown relative to ``extracted/`` (the archive's name first for what came out of one)."""

    collected: dict = field(default_factory=dict)  # {(student, notebook file): [(shown, temp path)]}
    timestamps: set = field(default_factory=set)  # (student, notebook file) whose names carry one
    unmatched: list = field(default_factory=list)  # notebooks whose name gives no learner
    strangers: dict = field(default_factory=dict)  # {student id not on the roster: [shown]}
    bad_times: list = field(default_factory=list)  # names whose timestamp nbgrader cannot read
    others: list = field(default_factory=list)  # not notebooks: not collected

    def students(self) -> set:
        return {student for student, _ in self.collected}

    def duplicates(self) -> dict:
        """{(student, notebook): [shown]}: several files, no timestamp to keep the newest."""
        return {
            key: [name for name, _ in files]
            for key, files in self.collected.items()
            if len(files) > 1 and key not in self.timestamps
        }


def _id(student):
    """A student id as typed (escaped only where it holds what a terminal would not show)."""
    return shown(student)[1:-1]


def folder(course: Course, assignment: str, step: str = "") -> str:
    """``downloaded/<assignment>/<step>`` in the course (nbgrader's default layout)."""
    return course.path("downloaded", assignment, step)


def choose_pattern(course: Course, assignment: str, lms: str | None = None) -> tuple[str, str]:
    """(pattern, where it comes from): ``--lms``, else the one the last collect used, else
    ``c.FileNameCollectorPlugin.named_regexp`` of ``nbgrader_config.py``."""
    if lms:
        return LMS_FORMATS[lms].pattern, f"--lms {lms}"
    manifest = _read_manifest(course, assignment)
    if manifest.get("pattern"):
        return manifest["pattern"], manifest.get("source", "the last `course collect`")
    pattern = course.config.FileNameCollectorPlugin.get("named_regexp", "")
    if not pattern:
        raise CourseError(
            "no file name pattern: pass --lms (" + ", ".join(LMS_FORMATS) + ") or set "
            "c.FileNameCollectorPlugin.named_regexp in nbgrader_config.py."
        )
    return pattern, "nbgrader_config.py"


def _read_manifest(course, assignment):
    try:
        with open(os.path.join(folder(course, assignment), MANIFEST), encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _ignored(rel):
    return any(part in IGNORED or part.startswith(".") for part in rel.split(os.sep))


class CourseCollector(FileNameCollectorPlugin):
    """nbgrader's collector, leaving out what archivers add (``__MACOSX/._<name>`` copies of every
    file, hidden files), which the pattern may match like the learner's own notebook."""

    def collect(self, submitted_file):
        extracted = self.parent._format_collect_path(self.parent.extracted_directory)
        if _ignored(os.path.relpath(submitted_file, extracted)):
            return None
        return super().collect(submitted_file)


def read_download(
    course: Course, assignment: str, pattern: str, scratch: str, add_students=False
) -> Download:
    """Unpack ``archive/`` into ``scratch`` with nbgrader's extractor and sort every file as
    zip_collect would: the pattern is matched against the path the file will have in
    ``extracted/``."""
    from nbgrader.utils import parse_utc

    archive = folder(course, assignment, "archive")
    try:
        ExtractorPlugin().extract(archive, scratch)
    except Exception as exc:  # a damaged or unknown archive: setuptools raises several types
        raise CourseError(
            f"cannot unpack what is in {archive} ({exc.__class__.__name__}: {exc}). Download it "
            "from the LMS again, or unpack it there by hand."
        ) from None
    extracted = folder(course, assignment, "extracted")
    regexp = re.compile(pattern)
    roster = set(course.roster())
    out = Download()
    for dirpath, dirnames, filenames in os.walk(scratch):
        dirnames.sort()
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, scratch)
            label = shown(rel)
            if _ignored(rel):
                continue
            if not name.endswith(".ipynb"):
                out.others.append(label)
                continue
            match = regexp.match(os.path.join(extracted, rel))
            info = match.groupdict() if match and match.groups() else {}
            student, file_id = info.get("student_id"), info.get("file_id")
            if not student or not file_id or "/" in student or student_problem(student):
                out.unmatched.append(label)
                continue
            if info.get("timestamp"):
                try:
                    parse_utc(info["timestamp"])
                except ValueError:
                    out.bad_times.append(label)
                    continue
            if student not in roster and not add_students:
                out.strangers.setdefault(student, []).append(label)
                continue
            key = (student, os.path.splitext(file_id)[0] + ".ipynb")
            out.collected.setdefault(key, []).append((label, path))
            if info.get("timestamp"):
                out.timestamps.add(key)
    return out


def problems(download: Download, pattern: str, source: str, assignment: str) -> list[str]:
    """What stops a collect, each with what to do; empty if nothing does."""
    out = []
    example = _example(pattern, assignment)
    if download.unmatched:
        lms = ", ".join(f"`--lms {name}`" for name in LMS_FORMATS)
        out.append(
            f"{len(download.unmatched)} notebook(s) match no learner: the file name pattern "
            f"(from {source}) reads no student id from their names:\n    "
            + "\n    ".join(download.unmatched)
            + f"\n  Expected names like {example} (pattern {pattern}).\n  To fix: rename these files "
            f"like that; or, if the download comes from an LMS, pick its pattern ({lms}); or set "
            "c.FileNameCollectorPlugin.named_regexp in nbgrader_config.py to one that fits."
        )
    if download.strangers:
        lines = [f"{_id(s)}: {', '.join(names)}" for s, names in sorted(download.strangers.items())]
        hint = "; ".join(f"for {name.capitalize()} they are {f.ids}" for name, f in LMS_FORMATS.items())
        out.append(
            f"{len(download.strangers)} student id(s) read from file names are not on the roster:\n    "
            + "\n    ".join(lines)
            + "\n  To fix: import the roster with these ids (`course roster roster.csv`; "
            + hint
            + "), or check that the pattern picks the right part of the name; or, for new "
            "learners, pass --add-students (to `course autograde` too)."
        )
    if download.bad_times:
        out.append(
            "the timestamp in these names cannot be read (nbgrader would stop on them):\n    "
            + "\n    ".join(download.bad_times)
            + "\n  To fix: rename them, or use a pattern whose timestamp group reads a date and time."
        )
    for (student, notebook), names in sorted(download.duplicates().items()):
        out.append(
            f"{len(names)} files for {_id(student)}'s {notebook}, and no timestamp in their names to "
            "keep the newest:\n    " + "\n    ".join(names) + "\n  To fix: remove all but one from archive/."
        )
    return out


def _example(pattern, assignment):
    for fmt in LMS_FORMATS.values():
        if fmt.pattern == pattern:
            return fmt.example.replace("a1_neuron", assignment)
    return f"{assignment}_<student id>_attempt_<YYYYMMDDThhmmss>_{assignment}.ipynb"


def collect(
    root: str, assignment: str, lms: str | None = None, force: bool = False, add_students: bool = False
) -> list[str]:
    """Collect the download of ``assignment``; return lines to print. Raise ``CourseError``, having
    collected nothing, if any file would be left out or a submission replaced without ``force``."""
    course = Course(root)
    notebooks = course.notebooks(assignment)
    archive = folder(course, assignment, "archive")
    if not os.path.isdir(archive) or not os.listdir(archive):
        raise CourseError(
            f"nothing to collect in {archive}: put the files (or the zip) downloaded from the LMS "
            "there, then run again."
        )
    pattern, source = choose_pattern(course, assignment, lms)
    with tempfile.TemporaryDirectory(prefix="course-collect-") as scratch:
        download = read_download(course, assignment, pattern, scratch, add_students)
    found = problems(download, pattern, source, assignment)
    if not download.collected and not found:
        found.append(
            f"no notebooks in {archive} (only: {', '.join(download.others) or 'nothing'}): put the "
            "notebooks (.ipynb) or the zip downloaded from the LMS there."
        )
    replaced = sorted(
        s for s in download.students() if os.path.isdir(course.path("submitted", s, assignment))
    )
    if replaced and not force:
        found.append(
            f"{len(replaced)} learner(s) already have a collected submission: "
            + ", ".join(_id(s) for s in replaced)
            + "\n  To replace them with these downloaded files, run again with --force (the other "
            "learners' folders are left alone)."
        )
    if found:
        raise CourseError("nothing was collected.\n" + "\n".join("- " + p for p in found))
    _zip_collect(course, assignment, pattern, force)
    missing = [
        f"{_id(s)}/{nb}"
        for s, nb in download.collected
        if not os.path.isfile(course.path("submitted", s, assignment, nb))
    ]
    if missing:
        raise CourseError(
            "nbgrader zip_collect ran but did not file: " + ", ".join(missing) + ". Run "
            f"`nbgrader zip_collect {assignment} --force --debug` to see why."
        )
    with open(os.path.join(folder(course, assignment), MANIFEST), "w", encoding="utf-8") as fh:
        json.dump({"pattern": pattern, "source": source}, fh, indent=1)
    lines = [
        f"collected {len(download.collected)} notebook(s) of {len(download.students())} learner(s) "
        f"into submitted/<student>/{assignment}/"
    ]
    strays = sorted({nb for _, nb in download.collected} - {n + ".ipynb" for n in notebooks})
    if strays:
        lines.append(
            "notebooks under another name (graded as the expected one if it is the only one "
            "missing, and flagged): " + ", ".join(shown(n) for n in strays)
        )
    if download.others:
        lines.append("not notebooks, not collected: " + ", ".join(download.others))
    absent = sorted(set(course.roster()) - download.students())
    if absent:
        lines.append(
            f"no file in this download from {len(absent)} learner(s) on the roster: "
            + ", ".join(map(_id, absent))
        )
    return lines


def _zip_collect(course, assignment, pattern, force):
    """Run ``nbgrader zip_collect`` with the pattern; ``extracted/`` (only ever a copy of
    ``archive/``) is emptied first, which zip_collect would otherwise refuse without --force."""
    shutil.rmtree(folder(course, assignment, "extracted"), ignore_errors=True)
    cmd = [sys.executable, "-m", "nbgrader", "zip_collect", assignment]
    cmd += [f"--collector={__name__}.CourseCollector", f"--CourseCollector.named_regexp={pattern}"]
    cmd += ["--force"] if force else []
    proc = subprocess.run(cmd, cwd=course.root, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
        raise CourseError(f"nbgrader zip_collect failed:\n{tail}")


def check_collected(course: Course, assignment: str, add_students: bool = False) -> None:
    """For ``course autograde``: raise ``CourseError`` if ``downloaded/<assignment>/archive/``
    holds a notebook that matches no learner, or one not collected (or changed since), so that no
    learner is graded as absent because of a file left behind."""
    archive = folder(course, assignment, "archive")
    if not os.path.isdir(archive) or not os.listdir(archive):
        return
    pattern, source = choose_pattern(course, assignment)
    with tempfile.TemporaryDirectory(prefix="course-collect-") as scratch:
        download = read_download(course, assignment, pattern, scratch, add_students)
        found = problems(download, pattern, source, assignment)
        waiting = sorted(
            name
            for (student, nb), files in download.collected.items()
            if not _collected(course.path("submitted", student, assignment, nb), files)
            for name, _ in files[:1]
        )
    if waiting:
        found.append(
            f"{len(waiting)} downloaded notebook(s) are not in submitted/ yet, or differ from what "
            "was collected:\n    " + "\n    ".join(waiting)
        )
    if found:
        raise CourseError(
            f"{archive} holds work that would not be graded, so nothing was graded.\n"
            + "\n".join("- " + p for p in found)
            + f"\nFix what is listed, then run `course collect {assignment}` (with --force to replace "
            "what was collected before) and grade again."
        )


def _collected(target, files):
    """True if ``target`` (the collected notebook) holds one of the downloaded ``files``."""
    return os.path.isfile(target) and any(filecmp.cmp(target, path, shallow=False) for _, path in files)
