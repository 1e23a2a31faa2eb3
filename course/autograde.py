"""``course autograde``: grade a whole class in parallel into nbgrader's gradebook.

The parent process plans the work (which submissions, skipping those already graded), sends one
``worker.Job`` per submission to worker processes (a local pool, or a Dask cluster with
``scheduler=``), and merges every ``worker.Result`` into the real gradebook itself through
nbgrader's ``Gradebook`` API, one submission at a time: one writer, so SQLite never sees two,
and an interrupted run keeps everything merged so far. A record of each grading (flags, per-test
outcomes, time) goes to ``.course/<assignment>/<student>.json`` for ``course report``.
"""

import gc
import hashlib
import json
import os
import sqlite3
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from multiprocessing import get_all_start_methods, get_context

from nbgrader.api import Gradebook, MissingEntry
from traitlets.config.loader import PyFileConfigLoader

from . import intake, late, probes
from .intake import flag, shown
from .jail.sandbox import Limits, remove_tree, sweep_sandboxes
from .upstream import shared_engines, stop_workers
from .worker import Job, Result, digest, grade, remove_scratch, sweep_scratch, warm_up

RECORDS = ".course"


class CourseError(Exception):
    """A problem the instructor must fix; the message says what is wrong and what to do."""


@dataclass
class Options:
    """How ``autograde`` runs (the command line's options)."""

    jobs: int = 0  # 0: one worker per core
    students: tuple = ()
    force: bool = False
    limits: Limits = field(default_factory=Limits)
    allow_bwrap: bool = True
    prestart: bool = True
    scheduler: str = ""  # a Dask scheduler address: spread the work over that cluster
    progress: bool = True
    verbose: bool = False  # also nbgrader's log of every submission, and what was skipped
    add_students: bool = False
    max_notebook_bytes: int = intake.MAX_NOTEBOOK_BYTES  # larger notebooks are refused unread
    max_submission_bytes: int = intake.MAX_SUBMISSION_BYTES  # all files of one submission


@dataclass
class Summary:
    """What ``autograde`` did: student ids graded, skipped (unchanged), failed and flagged;
    ``refused``: a line per student folder that could not be graded under its name (what to do);
    ``left``: what the grader could not remove after the batch (should stay empty)."""

    graded: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    failed: list = field(default_factory=list)
    flagged: list = field(default_factory=list)
    seconds: float = 0.0
    interrupted: bool = False
    refused: list = field(default_factory=list)
    left: list = field(default_factory=list)


# --- the course folder ------------------------------------------------------------------------
class Course:
    """An nbgrader course folder, read with the course's own ``nbgrader_config.py``."""

    def __init__(self, root: str) -> None:
        self.root = os.path.abspath(root)
        cfg_path = os.path.join(self.root, "nbgrader_config.py")
        if not os.path.exists(cfg_path):
            raise CourseError(
                f"{self.root} has no nbgrader_config.py: run `course` from the course "
                "folder (the one with nbgrader_config.py) or pass --root."
            )
        self.config = PyFileConfigLoader("nbgrader_config.py", path=self.root).load_config()
        cd = self.config.CourseDirectory
        self.course_id = cd.get("course_id", "")
        self.source_directory = cd.get("source_directory", "source")
        db_url = cd.get("db_url", "sqlite:///gradebook.db")
        if not db_url.startswith("sqlite:///"):
            raise CourseError(f"the gradebook is {db_url}; `course autograde` supports SQLite gradebooks")
        db_path = db_url[len("sqlite:///") :]
        self.db_path = db_path if os.path.isabs(db_path) else os.path.join(self.root, db_path)
        self.db_url = "sqlite:///" + self.db_path

    def path(self, *parts: str) -> str:
        """A path inside the course folder."""
        return os.path.join(self.root, *parts)

    def gradebook(self) -> Gradebook:
        """The course's gradebook (use it in a ``with`` block), or a clear error if there is none."""
        if not os.path.exists(self.db_path):
            raise CourseError(
                f"there is no gradebook at {self.db_path}: run "
                "`nbgrader generate_assignment ASSIGNMENT --create` first."
            )
        return Gradebook(self.db_url, self.course_id)

    def notebooks(self, assignment: str) -> list[str]:
        """The assignment's notebook names, or a clear error if it is unknown."""
        with self.gradebook() as gb:
            try:
                return sorted(nb.name for nb in gb.find_assignment(assignment).notebooks)
            except MissingEntry:
                known = sorted(a.name for a in gb.assignments)
                hint = f" Known assignments: {', '.join(known)}." if known else ""
                raise CourseError(
                    f"assignment '{assignment}' is not in the gradebook.{hint} If it is new, run "
                    f"`nbgrader generate_assignment {assignment}` first; check the spelling otherwise."
                ) from None

    def roster(self) -> list[str]:
        """The student ids in the gradebook."""
        with self.gradebook() as gb:
            return sorted(s.id for s in gb.students)

    def snapshot_gradebook(self) -> bytes:
        """A consistent copy of the gradebook as bytes (SQLite's backup API, safe while in use)."""
        fd, tmp = tempfile.mkstemp(suffix=".db")
        os.close(fd)
        try:
            src, dst = sqlite3.connect(self.db_path), sqlite3.connect(tmp)
            with dst:
                src.backup(dst)
            src.close()
            dst.close()
            with open(tmp, "rb") as fh:
                return fh.read()
        finally:
            os.remove(tmp)


def _read_tree(base, skip=()):
    files = {}
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = [d for d in dirnames if d not in (".ipynb_checkpoints", "__pycache__")]
        for name in filenames:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, base)
            if rel in skip or os.path.islink(path):
                continue
            with open(path, "rb") as fh:
                files[rel] = fh.read()
    return files


def find_submissions(
    course: Course, assignment: str, students: tuple = (), refused: list | None = None
) -> dict[str, str]:
    """{student: folder} of the submissions to consider, with clear errors for misplaced work.
    A folder whose name cannot be a student id, or that is a link, is not graded: a line saying
    why and what to do goes to ``refused`` (and to stderr); the others are graded as usual."""
    submitted = course.path("submitted")
    if not os.path.isdir(submitted):
        raise CourseError(
            f"there is no '{submitted}' folder: put each learner's work in "
            f"submitted/<student>/{assignment}/ (or run `nbgrader collect {assignment}`)."
        )
    refused = [] if refused is None else refused
    found, misplaced, problems = {}, [], []
    for student in sorted(os.listdir(submitted)):
        sdir = os.path.join(submitted, student)
        if not os.path.isdir(sdir):
            continue
        folder = os.path.join(sdir, assignment)
        try:
            loose = [] if os.path.isdir(folder) else [f for f in os.listdir(sdir) if f.endswith(".ipynb")]
        except OSError as exc:
            problems.append(
                f"submitted/{shown(student)} cannot be read ({exc.strerror}): fix its permissions"
            )
            continue
        if not os.path.isdir(folder) and not loose:
            continue  # not a submission of this assignment
        problem = intake.student_problem(student)
        if os.path.islink(sdir) or os.path.islink(folder):
            problem = "is a symbolic link (not followed: it could lead to another's work or anywhere)"
        if problem:
            problems.append(
                f"submitted/{shown(student)}: the folder name {problem}. Rename the folder to the "
                "learner's student id (and add that id to the roster if needed), then run again."
                if "link" not in problem
                else f"submitted/{shown(student)} (or its {shown(assignment)} folder) {problem}. "
                "Replace the link by the learner's own folder, then run again."
            )
        elif os.path.isdir(folder):
            found[student] = folder
        else:
            misplaced.append(
                f"submitted/{shown(student)[1:-1]}/{shown(loose[0])[1:-1]} should be in "
                f"submitted/{shown(student)[1:-1]}/{assignment}/ (move it there)"
            )
    if misplaced:
        print(
            "warning: submissions in the wrong place were not graded:\n  " + "\n  ".join(misplaced),
            file=sys.stderr,
        )
    if problems:
        print("warning: these folders were not graded:\n  " + "\n  ".join(problems), file=sys.stderr)
        refused.extend(problems)
    if students:
        missing = [s for s in students if s not in found]
        if missing:
            raise CourseError(
                f"no submission of '{assignment}' for: {', '.join(missing)}. Each must be in "
                f"submitted/<student>/{assignment}/; check the student ids."
            )
        found = {s: found[s] for s in students}
    if not found:
        raise CourseError(
            f"no submissions of '{assignment}' in {submitted}/<student>/{assignment}/"
            + (" that could be graded (see the warnings above)." if refused else ".")
        )
    return found


def check_roster(course: Course, students: list[str], add_students: bool) -> list[str]:
    """Submitting students missing from the roster: an error if the course says the roster is
    complete (``c.Autograde.create_student = False``), else they are added as nbgrader does."""
    roster = course.roster()
    strangers = sorted(set(students) - set(roster))
    if not strangers:
        return []
    if course.config.Autograde.get("create_student", True) is False and not add_students:
        raise CourseError(
            f"{len(strangers)} submitting student(s) are not on the roster of the gradebook: "
            f"{', '.join(strangers[:10])}{' ...' if len(strangers) > 10 else ''}. Check the folder "
            "names under submitted/ against the roster; add missing students with "
            "`nbgrader db student add ID` (or `nbgrader db student import roster.csv`), "
            "or pass --add-students to add them while grading."
        )
    return strangers


# --- records of past gradings -------------------------------------------------------------------
def record_path(course: Course, assignment: str, student: str) -> str:
    """Where the record of a student's grading is kept."""
    return course.path(RECORDS, assignment, f"{student}.json")


def load_records(course: Course, assignment: str) -> list[dict]:
    """The records of every grading of ``assignment`` (as ``write_record`` wrote them)."""
    folder = course.path(RECORDS, assignment)
    if not os.path.isdir(folder):
        return []
    out = []
    for name in sorted(os.listdir(folder)):
        if name.endswith(".json"):
            with open(os.path.join(folder, name)) as fh:
                out.append(json.load(fh))
    return out


def already_graded(course: Course, assignment: str, student: str, fingerprint: str) -> bool:
    """True if this very submission was graded, and its grades are still in the gradebook."""
    path = record_path(course, assignment, student)
    if not os.path.exists(path):
        return False
    with open(path) as fh:
        rec = json.load(fh)
    if rec.get("digest") != fingerprint or rec.get("status") != "graded":
        return False
    with course.gradebook() as gb:
        try:
            gb.find_submission(assignment, student)
        except MissingEntry:
            return False
    return os.path.isdir(course.path("autograded", student, assignment))


# --- merging (the single writer) ----------------------------------------------------------------
def merge(course: Course, result: Result) -> None:
    """Write one graded submission into the real gradebook and autograded folder."""
    with course.gradebook() as gb:
        gb.update_or_create_student(result.student)
        kwargs = {"timestamp": result.timestamp} if result.timestamp is not None else {}
        with gb.db.no_autoflush:  # see upstream.quiet_new_submissions
            gb.update_or_create_submission(result.assignment, result.student, **kwargs)
        for nb_name, data in result.notebooks.items():
            snb = gb.find_submission_notebook(nb_name, result.assignment, result.student)
            for g in snb.grades:
                new = data["grades"].get(g.name)
                if new is not None:
                    g.auto_score = new["auto_score"]
                    g.needs_manual_grade = bool(new["needs_manual_grade"] or g.manual_score is not None)
            for c in snb.comments:
                if c.name in data["comments"]:
                    c.auto_comment = data["comments"][c.name]
            snb.late_submission_penalty = data["late_penalty"]
        gb.db.commit()
    dest = course.path("autograded", result.student, result.assignment)
    staging = dest + ".incoming"
    remove_tree(staging)  # (any depth and modes; raises if something resists)
    os.makedirs(staging)  # also when nothing could be graded: then it is known as graded
    for rel, (data, mode) in result.files.items():
        path = os.path.join(staging, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(data)
        os.chmod(path, mode)
    remove_tree(dest)
    os.rename(staging, dest)


def write_record(course: Course, result: Result, fingerprint: str) -> None:
    """Keep the record of one grading (flags, per-test outcomes, time) for ``course report``."""
    path = record_path(course, result.assignment, result.student)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    rec = asdict(result)
    rec.pop("files")
    rec["timestamp"] = str(result.timestamp) if result.timestamp else None
    rec["digest"] = fingerprint
    rec["score"] = sum(
        g["auto_score"] or 0 for nb in result.notebooks.values() for g in nb["grades"].values()
    )
    rec["max_score"] = sum(t["max"] for nb in result.tests.values() for t in nb.values())
    with open(path + ".tmp", "w") as fh:
        json.dump(rec, fh, indent=1, default=str)
    os.replace(path + ".tmp", path)


# --- running ------------------------------------------------------------------------------------
def plan(
    course: Course, assignment: str, options: Options, notes: dict | None = None
) -> tuple[list[tuple[Job, str]], list[str]]:
    """([(job, fingerprint)] to grade, [student ids skipped as already graded]). ``notes`` gets
    what reading the folders found: ``refused`` (lines, see ``find_submissions``) and, by student,
    ``intake`` (flags, stems of notebooks left out)."""
    notes = {} if notes is None else notes
    notes.setdefault("refused", [])
    notes.setdefault("intake", {})
    notebooks = course.notebooks(assignment)
    submissions = find_submissions(course, assignment, options.students, notes["refused"])
    check_roster(course, list(submissions), options.add_students)
    source = course.path(course.source_directory, assignment)
    source_files = {k: v for k, v in _read_tree(source).items() if not k.endswith(".ipynb")}
    policy, config = late.prepare(course, assignment)  # due date into the gradebook, extensions
    snapshot = course.snapshot_gradebook()
    specs = probes.load(course.path(course.source_directory), assignment)
    baseline = _code_of(_read_tree(source))
    seed = int.from_bytes(os.urandom(4), "little")
    jobs, skipped = [], []
    for student, folder in submissions.items():
        files, flags, left_out, refused = intake.read_submission(
            folder,
            max_notebook_bytes=options.max_notebook_bytes,
            max_total_bytes=options.max_submission_bytes,
        )
        fingerprint = digest(files)
        # what was not read, and the late-work rules, change the fingerprint too
        extra = [*left_out, policy.key(student, assignment)]
        fingerprint = hashlib.sha256("\0".join([fingerprint, *extra]).encode()).hexdigest()
        if flags:
            notes["intake"][student] = (flags, refused)
        if not options.force and already_graded(course, assignment, student, fingerprint):
            skipped.append(student)
            continue
        job = Job(
            assignment=assignment,
            student=student,
            notebooks=notebooks,
            gradebook=snapshot,
            source_files=source_files,
            submission_files=files,
            config=dict(config),
            source_directory=course.source_directory,
            limits=options.limits,
            allow_bwrap=options.allow_bwrap,
            prestart=options.prestart,
            probes=specs,
            probe_seed=seed,
            baseline=baseline,
        )
        jobs.append((job, fingerprint))
    return jobs, skipped


def _code_of(files):
    """The code cells of the source notebooks among ``files`` ({path: bytes}), one text."""
    cells = []
    for name, data in sorted(files.items()):
        if name.endswith(".ipynb"):
            try:
                nb = json.loads(data)
                cells += [
                    "".join(c.get("source", "")) for c in nb.get("cells", []) if c.get("cell_type") == "code"
                ]
            except (ValueError, AttributeError, TypeError):
                continue
    return "\n".join(cells)


def _progress(total, assignment, enabled):
    from tqdm import tqdm

    return tqdm(
        total=total,
        desc=f"grading {assignment}",
        unit="sub",
        disable=not enabled,
        file=sys.stderr,
        dynamic_ncols=True,
    )


def _crashed(job, exc):
    """The result of a submission whose worker process died twice while grading it."""
    return Result(
        assignment=job.assignment,
        student=job.student,
        status="failed",
        flags=[
            flag(
                "worker-crashed",
                f"the grading process died while grading this submission, twice "
                f"({exc.__class__.__name__}); grade it alone with --student to see why",
            )
        ],
    )


def _local_results(jobs, options):
    """Yield (result, fingerprint) as workers finish. If a worker process dies (the machine ran
    out of memory, say), every submission the broken pool still held is graded again alone, in a
    fresh process, so one deadly submission cannot take others down with it."""
    n = options.jobs or os.cpu_count() or 1
    suspects = yield from _pool_results(jobs, min(n, len(jobs)), options)
    for job, fp in suspects:
        again = yield from _pool_results([(job, fp)], 1, options)
        if again:
            yield _crashed(job, BrokenProcessPool()), fp


def _pool_results(jobs, workers, options):
    """Grade jobs in one pool; yield results; return the jobs lost to a broken pool."""
    # fork: workers start with nbgrader, nbconvert and nbclient already imported (this module
    # imports them through course.worker), instead of spending seconds importing them again
    method = "fork" if "fork" in get_all_start_methods() else "spawn"
    # What is imported by now lasts until the end: frozen, the workers' garbage collections never
    # walk it (nor copy its pages, which they share with this process), and neither does the
    # collection at exit (Python's documented advice for fork without exec).
    gc.freeze()
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=get_context(method),
        initializer=warm_up,
        initargs=(options.limits, options.allow_bwrap, options.prestart),
    )
    futures = {pool.submit(grade, job): (job, fp) for job, fp in jobs}
    lost = []
    try:
        for fut in as_completed(futures):
            try:
                result = fut.result()
            except BrokenProcessPool:
                lost.append(futures[fut])
                continue
            yield result, futures[fut][1]
    except BaseException:
        stop_workers(pool)  # their kernels die with them (bwrap --die-with-parent)
        remove_scratch()
        raise
    pool.shutdown(wait=not lost)
    remove_scratch()  # also those of workers killed while grading
    return lost


def _dask_results(jobs, options):
    from distributed import Client
    from distributed import as_completed as dask_completed

    client = Client(options.scheduler, timeout="30s")
    try:
        futures = {}
        for job, fp in jobs:
            futures[
                client.submit(grade, job, pure=False, key=f"grade-{job.assignment}-{job.student}-{fp[:8]}")
            ] = fp
        for fut in dask_completed(list(futures)):
            yield fut.result(), futures[fut]
    finally:
        client.close()


def autograde(root: str, assignment: str, options: Options | None = None) -> Summary:
    """Grade the submissions of ``assignment`` in the course at ``root``; return a ``Summary``."""
    with shared_engines():
        return _autograde(root, assignment, options or Options())


def _with_intake(result, notes):
    """The result with the flags of reading the learner's folder (a notebook refused there is
    not also called missing)."""
    flags, refused = notes["intake"].get(result.student, ([], set()))
    if flags:
        kept = [f for f in result.flags if not (f["kind"] == "missing-notebook" and f["notebook"] in refused)]
        result.flags[:] = list(flags) + kept
    return result


def _autograde(root, assignment, options):
    course = Course(root)
    start = time.monotonic()
    notes = {}
    stale = sweep_sandboxes() + sweep_scratch()  # what graders killed earlier left
    if stale:
        print(
            "warning: could not remove what earlier gradings left:\n  " + "\n  ".join(stale), file=sys.stderr
        )
    jobs, skipped = plan(course, assignment, options, notes)
    summary = Summary(skipped=skipped, refused=notes["refused"])
    if skipped and options.verbose:
        print(
            f"{len(skipped)} submission(s) already graded and unchanged: skipped (use --force to "
            "grade them again)",
            file=sys.stderr,
        )
    if not jobs:
        summary.seconds = time.monotonic() - start
        return summary
    bar = _progress(len(jobs), assignment, options.progress)
    results = _dask_results(jobs, options) if options.scheduler else _local_results(jobs, options)
    try:
        for result, fingerprint in results:
            _with_intake(result, notes)
            if result.status == "graded":
                try:
                    merge(course, result)
                except Exception as exc:  # one submission's files must not stop the batch
                    result.status = "failed"
                    result.flags.append(
                        flag(
                            "grader-error",
                            f"its grades could not be merged ({exc.__class__.__name__}: {exc})",
                        )
                    )
            if result.status == "graded":
                summary.graded.append(result.student)
            else:
                summary.failed.append(result.student)
            if result.flags:
                summary.flagged.append(result.student)
            write_record(course, result, fingerprint)
            if options.verbose:
                bar.write(f"--- {result.student}: {result.status}\n{result.log.rstrip()}", file=sys.stderr)
            bar.set_postfix(failed=len(summary.failed), flagged=len(summary.flagged), refresh=False)
            bar.update(1)
    except KeyboardInterrupt:
        summary.interrupted = True
    finally:
        results.close()  # stops the workers (and their kernels) if the loop ended early
        bar.close()
        summary.left = remove_scratch()  # the workers are gone: nothing of theirs may stay
        if summary.left:
            print("warning: could not remove:\n  " + "\n  ".join(summary.left), file=sys.stderr)
    summary.seconds = time.monotonic() - start
    return summary
