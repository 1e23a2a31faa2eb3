"""The instructor's ``course`` command.

    course autograde ASSIGNMENT [--jobs N] [--student ID ...] [--force] [--scheduler ADDRESS] [--verbose]
    course feedback ASSIGNMENT [--student ID ...]    feedback HTML without the hidden tests
    course report ASSIGNMENT [--output FILE]         an HTML report for the instructor
    course collect ASSIGNMENT [--lms canvas|moodle]  file an LMS download under submitted/
    course roster FILE                               import the roster (CSV) into the gradebook
    course export ASSIGNMENT...|--all [--format csv|canvas|moodle|tests] [--output FILE]
                                                     grades for the LMS; no submission is never 0
    course sandbox                                   what isolation this machine gives
    course formgrader [--port N]                     nbgrader's formgrader, to grade by hand
    course publish OUTPUT [--through ASSIGNMENT]     the built book and kits, checked for answers
    course similarity ASSIGNMENT [--threshold T]     pairs of learners whose answers are alike

Run it from the course folder (the one with ``nbgrader_config.py``) or pass ``--root``.
The plain ``nbgrader`` commands keep working on the same folder and gradebook.
"""

import argparse
import os
import sys

# jsonschema (imported by nbformat) compiles an RFC 3987 grammar at import when the optional
# rfc3987-syntax package is installed: 0.9 s at every start of `course`, for a format check
# that reading and grading notebooks never uses (nbformat validates without format checkers).
sys.modules.setdefault("rfc3987_syntax", None)

from .intake import MAX_NOTEBOOK_BYTES, MAX_SUBMISSION_BYTES, shown  # noqa: E402  (after the line above)
from .jail.sandbox import Limits, detect  # noqa: E402  (after the line above, on purpose)


def _at_least(kind, smallest, what):
    """An argparse type: a number of ``kind`` no smaller than ``smallest``, or a clear refusal."""

    def check(text):
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or not value >= smallest:  # (also refuses nan)
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}")
        return value

    return check


WHOLE = _at_least(int, 1, "a whole number of 1 or more")
POSITIVE = _at_least(float, 1e-3, "a number above 0")
ASSIGNMENT_HELP = "the assignment's name, as in the gradebook (for example a1_neuron)"


def _parser():
    p = argparse.ArgumentParser(prog="course", description="Grade a class with nbgrader, fast and safely.")
    p.add_argument("--root", default=".", help="the course folder (default: the current folder)")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND", help="what to do")

    a = sub.add_parser("autograde", help="grade submissions in parallel, each in a sandbox")
    a.add_argument("assignment", help=ASSIGNMENT_HELP)
    a.add_argument("--jobs", "-j", type=WHOLE, default=None, help="worker processes (default: one per core)")
    a.add_argument(
        "--student", action="extend", nargs="+", default=[], metavar="ID", help="only these students"
    )
    a.add_argument("--force", action="store_true", help="grade again submissions already graded")
    a.add_argument(
        "--scheduler",
        default="",
        metavar="ADDRESS",
        help="a Dask scheduler (tcp://host:8786): spread the grading over that cluster",
    )
    a.add_argument(
        "--timeout",
        type=POSITIVE,
        default=Limits.notebook_timeout,
        help="wall-clock seconds allowed for one notebook (default %(default)s)",
    )
    a.add_argument(
        "--memory-mb",
        type=WHOLE,
        default=Limits.memory_bytes // 2**20,
        help="memory (address space) of one kernel in MiB (default %(default)s)",
    )
    a.add_argument(
        "--max-output-kb",
        type=WHOLE,
        default=Limits.max_output_bytes // 1024,
        help="output one notebook may print, in KiB (default %(default)s)",
    )
    a.add_argument(
        "--max-notebook-mb",
        type=POSITIVE,
        default=MAX_NOTEBOOK_BYTES / 2**20,
        help="a larger notebook is refused unread and scores 0, flagged (default %(default)g)",
    )
    a.add_argument(
        "--max-submission-mb",
        type=POSITIVE,
        default=MAX_SUBMISSION_BYTES / 2**20,
        help="all the files of one submission together; more is left out, flagged (default %(default)g)",
    )
    a.add_argument(
        "--disk-mb",
        type=WHOLE,
        default=Limits.tmp_bytes // 2**20,
        help="disk of one kernel's jail: working folder, home, /tmp and /dev/shm together, in MiB "
        "(default %(default)s; a hard cap when the grader runs as root)",
    )
    a.add_argument("--no-jail", action="store_true", help="do not use bubblewrap even if available")
    a.add_argument(
        "--no-prestart",
        action="store_true",
        help="start every kernel from scratch when it is needed, "
        "instead of forking it ahead from a warm interpreter (slower)",
    )
    a.add_argument(
        "--add-students",
        action="store_true",
        help="add submitting students missing from the roster instead of stopping",
    )
    a.add_argument("--quiet", action="store_true", help="no progress bar")
    a.add_argument(
        "--verbose",
        "-v",
        action="store_true",
        help="also show the sandbox and nbgrader's log of every submission",
    )

    f = sub.add_parser("feedback", help="write feedback HTML for learners (hidden tests removed)")
    f.add_argument("assignment", help=ASSIGNMENT_HELP)
    f.add_argument(
        "--student", action="extend", nargs="+", default=[], metavar="ID", help="only these students"
    )

    r = sub.add_parser("report", help="write an HTML report of a graded assignment")
    r.add_argument("assignment", help=ASSIGNMENT_HELP)
    r.add_argument("--output", default="", help="where to write it (default: reports/ASSIGNMENT.html)")

    sub.add_parser("sandbox", help="say what isolation learners' code gets on this machine")

    g = sub.add_parser(
        "formgrader", help="serve nbgrader's formgrader on 127.0.0.1 to grade by hand (prints its address)"
    )
    g.add_argument("--port", type=WHOLE, default=0, help="the port (default: a free one)")
    g.add_argument("--verbose", "-v", action="store_true", help="show the server's log (else in .course/)")

    pub = sub.add_parser(
        "publish", help="copy the built book and its kits for a graded class, checked for answers"
    )
    pub.add_argument("output", help="a new folder to publish")
    pub.add_argument(
        "--book", default="_build/html", help="the built book (default: %(default)s, from `make book`)"
    )
    pub.add_argument(
        "--through", default=None, metavar="ASSIGNMENT", help="leave out the kits of later assignments"
    )

    from .similarity import MIN_SHARED, THRESHOLD

    m = sub.add_parser("similarity", help="compare every pair of learners' answers (copydetect)")
    m.add_argument("assignment", help="the assignment (released with nbgrader generate_assignment)")
    m.add_argument(
        "--threshold",
        type=float,
        default=THRESHOLD,
        help="report pairs sharing at least this share of one learner's own code (default %(default)s)",
    )
    m.add_argument(
        "--min-shared",
        type=int,
        default=MIN_SHARED,
        help="and at least this many tokens of code in common (default %(default)s: short answers "
        "are alike by chance)",
    )
    m.add_argument(
        "--output",
        default="",
        help="the HTML page (default: reports/ASSIGNMENT-similarity.html; the CSV of all pairs beside it)",
    )

    from .collect import LMS_FORMATS

    c = sub.add_parser("collect", help="file downloaded/ASSIGNMENT/archive/ under submitted/ (zip_collect)")
    c.add_argument("assignment", help=ASSIGNMENT_HELP)
    c.add_argument("--lms", choices=sorted(LMS_FORMATS), help="read the file names as this LMS writes them")
    c.add_argument("--force", action="store_true", help="replace submissions collected before")
    c.add_argument("--add-students", action="store_true", help="accept ids that are not on the roster")

    o = sub.add_parser("roster", help="import the class roster (CSV: id,first_name,last_name,email)")
    o.add_argument("file", help="the roster, a CSV file with a header row id,first_name,last_name,email")

    x = sub.add_parser("export", help="write the grades for an LMS or as CSV (no submission is never 0)")
    x.add_argument("assignment", nargs="*", default=[], help="the assignments (or --all)")
    x.add_argument("--all", action="store_true", help="every assignment of the gradebook")
    x.add_argument(
        "--format",
        default="csv",
        choices=("csv", "canvas", "moodle", "tests"),
        help="csv: nbgrader's columns and a status (default); canvas, moodle: their grade import "
        "files; tests: a row per learner and test cell",
    )
    x.add_argument(
        "--key",
        default="",
        help="how the LMS finds a learner: canvas: sis (the id is the SIS User ID, default) or canvas "
        "(the Canvas user ID); moodle: email (default) or idnumber",
    )
    x.add_argument(
        "--roster",
        default="",
        metavar="FILE",
        help="a roster CSV with canvas_id, sis_user_id, sis_login_id, section or idnumber columns",
    )
    x.add_argument("--output", default="", help="where to write it (default: grades/NAME[-FORMAT].csv)")
    return p


def _autograde(args):
    from .autograde import Course, Options, autograde
    from .collect import check_collected

    course = Course(args.root)
    check_collected(course, args.assignment, args.add_students)  # nothing left in downloaded/
    before = set(course.roster())

    limits = Limits(
        notebook_timeout=args.timeout,
        cpu_seconds=int(args.timeout) + 5,
        memory_bytes=args.memory_mb * 2**20,
        max_output_bytes=args.max_output_kb * 1024,
        tmp_bytes=args.disk_mb * 2**20,
    )
    support = detect(not args.no_jail)
    if args.verbose or not (support.bwrap and support.network_isolated):
        print("sandbox: " + support.describe(), file=sys.stderr)
    opts = Options(
        jobs=args.jobs or 0,
        students=tuple(args.student),
        force=args.force,
        limits=limits,
        allow_bwrap=not args.no_jail,
        prestart=not args.no_prestart,
        scheduler=args.scheduler,
        progress=not args.quiet,
        verbose=args.verbose,
        add_students=args.add_students,
        max_notebook_bytes=int(args.max_notebook_mb * 2**20),
        max_submission_bytes=int(args.max_submission_mb * 2**20),
    )
    s = autograde(args.root, args.assignment, opts)
    rate = len(s.graded + s.failed) / s.seconds if s.seconds else 0.0
    print(
        f"{args.assignment}: {len(s.graded)} graded, {len(s.failed)} failed, {len(s.skipped)} skipped, "
        f"{len(s.flagged)} flagged, in {s.seconds:.1f} s ({rate:.2f} submissions/s)"
    )
    if s.skipped:
        print(f"skipped {len(s.skipped)}: already graded and unchanged (--force grades them again)")
    if s.failed:
        print("could not grade (see `course report`): " + ", ".join(s.failed))
    if s.refused:
        print(f"not graded, {len(s.refused)} folder(s) to fix first:\n  " + "\n  ".join(s.refused))
    added = [shown(a)[1:-1] for a in sorted(set(course.roster()) - before)]
    if added:
        more = f" and {len(added) - 20} more" if len(added) > 20 else ""
        print(
            f"{len(added)} student(s) not on the roster added to the gradebook, without names: "
            f"{', '.join(added[:20])}{more}; give them names with `course roster FILE`"
        )
    if s.interrupted:
        print("interrupted: run the same command again to resume (graded submissions are skipped)")
        return 130
    return 1 if s.failed or s.refused or s.left else 0


def _graded_students(root, assignment, students):
    """Stop with a clear error unless each of ``students`` has a graded submission of ``assignment``."""
    from .autograde import Course, CourseError

    course = Course(root)
    course.notebooks(assignment)  # a clear error if the assignment is unknown
    folder = course.path("autograded")
    names = os.listdir(folder) if os.path.isdir(folder) else []
    graded = sorted(s for s in names if os.path.isdir(os.path.join(folder, s, assignment)))
    missing = [s for s in students if s not in graded]
    if missing:
        some = ", ".join(graded[:10]) + (f" and {len(graded) - 10} more" if len(graded) > 10 else "")
        raise CourseError(
            f"no graded submission of '{assignment}' for: {', '.join(missing)}. "
            + (f"Graded: {some}. " if graded else "Nothing is graded yet. ")
            + f"Check the student ids, or grade them first with `course autograde {assignment} --student ID`."
        )


def _feedback(args):
    from .feedback import generate

    _graded_students(args.root, args.assignment, args.student)
    written = generate(args.root, args.assignment, args.student)
    print(f"wrote {len(written)} feedback file(s) without hidden tests under feedback/")
    return 0


def _publish(args):
    from .publish import publish

    sys.path.insert(0, os.path.abspath(args.root))  # the course's repository: its tools and sources
    book = os.path.join(args.root, args.book)
    problems = publish(book, args.output, args.through)
    if problems:
        print(f"{args.output} is NOT fit to publish for a graded class: it holds answers", file=sys.stderr)
        print("  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    print(f"{args.output}: the built book and its kits, with no solution, hidden check or reference answer")
    return 0


def _report(args):
    from .report import write_report

    out = args.output or os.path.join(args.root, "reports", f"{args.assignment}.html")
    path = write_report(args.root, args.assignment, out)
    print(f"report written to {path}")
    return 0


def _similarity(args):
    from .similarity import compare_class, write

    result = compare_class(args.root, args.assignment, args.threshold, args.min_shared)
    out = args.output or os.path.join(args.root, "reports", f"{args.assignment}-similarity.html")
    page, table = write(args.assignment, result, out)
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    reported = sum(p.reported for p in result.pairs)
    print(f"{len(result.answers)} answers, {len(result.pairs)} pairs, {reported} reported: {page}")
    print(f"the scores of all pairs: {table}")
    return 0


def _collect(args):
    from .collect import collect

    print("\n".join(collect(args.root, args.assignment, args.lms, args.force, args.add_students)))
    return 0


def _roster(args):
    from .roster import import_roster

    print("\n".join(import_roster(args.root, args.file)))
    return 0


def _export(args):
    from collections import Counter

    from .autograde import CourseError
    from .export import read_roster_extras, rows, write

    if bool(args.all) == bool(args.assignment):
        raise CourseError("name the assignments (`course export a1_neuron`) or pass --all.")
    name = "grades" if args.all else "+".join(args.assignment)
    suffix = "" if args.format == "csv" else f"-{args.format}"
    out = args.output or os.path.join(args.root, "grades", f"{name}{suffix}.csv")
    table = rows(args.root, None if args.all else args.assignment, tests=args.format == "tests")
    written = write(table, args.format, out, args.key, read_roster_extras(args.roster))
    counts = Counter(r["status"] for r in table)
    print(f"wrote {written.path}: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
    for note in written.notes:
        print(note)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the ``course`` command with ``argv`` (default: the command line); return its exit status."""
    args = _parser().parse_args(argv)
    from .autograde import CourseError

    try:
        if args.command == "autograde":
            return _autograde(args)
        if args.command == "feedback":
            return _feedback(args)
        if args.command == "report":
            return _report(args)
        if args.command == "formgrader":
            from .formgrader import serve

            return serve(args.root, args.port, args.verbose)
        if args.command == "publish":
            try:
                return _publish(args)
            except (FileNotFoundError, FileExistsError, ValueError) as exc:
                raise CourseError(str(exc)) from None
        if args.command in ("collect", "roster", "export", "similarity"):
            run = {"collect": _collect, "roster": _roster, "export": _export, "similarity": _similarity}
            return run[args.command](args)
        if args.command == "sandbox":
            support = detect()
            print(support.describe())
            print(
                "kernels: "
                + (
                    "forked from a warm interpreter in each worker's jail, which is emptied between notebooks"
                    if support.bwrap
                    else "a new process for each notebook"
                )
            )
            return 0
    except CourseError as exc:
        print(f"course: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
