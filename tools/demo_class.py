"""A demo class, graded end to end with the plain nbgrader commands (``make grade``).

    python -m tools.demo_class [--students 32] [--seed 0] [--assignments a1_neuron ...] [--dir DIR]

It builds a course folder (default ``_build/demo_class``), invents a class of students
(a roster CSV) whose submissions are a seeded mix of complete, partial, buggy (the
seeded bugs of each assignment's ``bugs.toml``), blank and missing work, puts them in a folder the way
an LMS export names them, then runs the instructor's workflow:

    nbgrader db student import roster.csv
    nbgrader generate_assignment <a> --create
    nbgrader zip_collect <a>          (from downloaded/<a>/archive/)
    nbgrader autograde <a>
    nbgrader generate_feedback <a>
    nbgrader export                   (grades.csv)

and checks every exported score against the score each student was built to earn.
"""

import argparse
import copy
import csv
import json
import os
import random
import shutil
import subprocess
import sys
import time
from collections import namedtuple
from pathlib import Path

from tools import assignments as catalogue
from tools.assignments import nbgrader_meta as _meta
from tools.assignments import solution_cells, test_cells

ROOT = catalogue.ROOT
ASSIGNMENTS = catalogue.names()
KINDS = ["complete", "partial", "buggy", "blank", "missing"]
WEIGHTS = [0.40, 0.20, 0.22, 0.12, 0.06]
FIRST = [
    "Ada",
    "Alan",
    "Grace",
    "Claude",
    "Katherine",
    "John",
    "Barbara",
    "Edsger",
    "Frances",
    "Donald",
    "Margaret",
    "Tim",
    "Radia",
    "Ken",
    "Hedy",
    "Dennis",
    "Sophie",
    "Linus",
]
LAST = [
    "Lovelace",
    "Turing",
    "Hopper",
    "Shannon",
    "Johnson",
    "Backus",
    "Liskov",
    "Dijkstra",
    "Allen",
    "Knuth",
    "Hamilton",
    "Berners-Lee",
    "Perlman",
    "Thompson",
    "Lamarr",
    "Ritchie",
]
# How an LMS export names a downloaded notebook; FileNameCollectorPlugin.named_regexp in
# nbgrader_config.py reads the student id and the notebook name back from it.
LMS_NAME = "{assignment}_{student}_attempt_{timestamp}_{assignment}.ipynb"
LMS_REGEXP = r".*_(?P<student_id>[^_]+)_attempt_(?P<timestamp>[0-9T]+)_(?P<file_id>\w+)"

Student = namedtuple("Student", "id first_name last_name email")
Work = namedtuple("Work", "kind done mutant")  # done: solution cells written; mutant or None


# --------------------------------------------------------------------------------------
# Notebooks: solution cells, test cells and what they need
# --------------------------------------------------------------------------------------


def read_notebook(path):
    return json.loads(Path(path).read_text())


def write_notebook(nb, path):
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(nb, indent=1) + "\n")


def expected_score(nb, work):
    """The points a submission earns: a test counts when all it needs is written and unbroken."""
    if work.kind == "missing":
        return 0.0
    lost = work.mutant.lost if work.mutant else set()
    return float(
        sum(
            points
            for grade_id, (points, needs) in test_cells(nb).items()
            if needs <= set(work.done) and grade_id not in lost
        )
    )


def submission(source_nb, release_nb, work):
    """A learner's notebook: the released one with the chosen solution cells filled in."""
    solutions = {_meta(c)["grade_id"]: c["source"] for c in source_nb["cells"] if _meta(c).get("solution")}
    nb = copy.deepcopy(release_nb)
    for cell in nb["cells"]:
        grade_id = _meta(cell).get("grade_id")
        if _meta(cell).get("solution") and grade_id in work.done:
            cell["source"] = solutions[grade_id]
    if work.mutant:
        nb = catalogue.apply_bug(work.mutant, nb)
    return nb


# --------------------------------------------------------------------------------------
# Running nbgrader
# --------------------------------------------------------------------------------------


def nbgrader(course_dir, *args, check=True):
    """Run one plain nbgrader command in the course folder; return its combined output."""
    env = dict(os.environ)
    bin_dir = str(Path(sys.executable).parent)  # nbgrader starts `alembic` by name
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    cmd = [str(Path(bin_dir) / "nbgrader"), *args]
    proc = subprocess.run(cmd, cwd=course_dir, env=env, capture_output=True, text=True)
    output = proc.stdout + proc.stderr
    if check and proc.returncode != 0:
        errors = [
            line for line in output.splitlines() if "Error" in line or "error" in line or "Traceback" in line
        ][-40:]
        raise RuntimeError(
            f"`nbgrader {' '.join(args)}` failed in {course_dir}:\n"
            + "\n".join(errors)
            + f"\n... the last of its output:\n{output[-3000:]}"
        )
    return output


def autograde(course_dir, assignment, attempts=2):
    """`nbgrader autograde`, tried again if it fails (a kernel that cannot start on a busy
    machine stops the whole command; the second run regrades everything)."""
    for attempt in range(1, attempts + 1):
        try:
            return nbgrader(course_dir, "autograde", assignment, "--force", "--Execute.startup_timeout=300")
        except RuntimeError as error:
            if attempt == attempts:
                raise
            print(
                f"autograde {assignment} failed, trying again:\n{str(error)[:2000]}",
                file=sys.stderr,
                flush=True,
            )


def make_course(course_dir, assignments, source=catalogue.SOURCE):
    """A fresh course folder with the repo's nbgrader_config.py and the chosen assignments
    (copied from their folders under ``source``)."""
    course_dir = Path(course_dir)
    if course_dir.exists():
        shutil.rmtree(course_dir)
    (course_dir / "assignments").mkdir(parents=True)
    shutil.copy(ROOT / "nbgrader_config.py", course_dir / "nbgrader_config.py")
    for a in assignments:
        shutil.copytree(
            Path(source) / a,
            course_dir / "assignments" / a,
            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
        )
    return course_dir


def write_roster(course_dir, students):
    path = Path(course_dir) / "roster.csv"
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "first_name", "last_name", "email"])
        writer.writerows(students)
    return path


def lms_download(course_dir, assignment, notebooks):
    """Place {student_id: notebook} in downloaded/<assignment>/archive/ with LMS-style names."""
    folder = Path(course_dir) / "downloaded" / assignment / "archive"
    folder.mkdir(parents=True, exist_ok=True)
    for k, (student_id, nb) in enumerate(sorted(notebooks.items())):
        write_notebook(nb, folder / lms_name(assignment, student_id, k))
    return folder


def lms_name(assignment, student_id, k):
    """The file name of the k-th downloaded submission (submitted k seconds after 9:00)."""
    hours, rest = divmod(k, 3600)
    stamp = f"20261120T{9 + hours:02d}{rest // 60:02d}{rest % 60:02d}"
    return LMS_NAME.format(assignment=assignment, student=student_id, timestamp=stamp)


def grade_class(
    course_dir, students, work, assignments, feedback_for=None, via_lms=True, log=lambda message: None
):
    """Run the whole workflow on prepared work {(student_id, assignment): Work}.

    feedback_for: a student id to write feedback for only that student (default: everyone);
    via_lms: collect the notebooks from an LMS-style download folder with zip_collect
    (else they are written straight into submitted/); log: called with a line of progress
    after each assignment.
    Returns the exported grades as {(student_id, assignment): score}.
    """
    course_dir = Path(course_dir)
    nbgrader(course_dir, "db", "student", "import", str(write_roster(course_dir, students)))
    for a in assignments:
        nbgrader(course_dir, "generate_assignment", a, "--create", "--force")
        source = read_notebook(course_dir / "assignments" / a / f"{a}.ipynb")
        release = read_notebook(course_dir / "release" / a / f"{a}.ipynb")
        notebooks = {
            s.id: submission(source, release, work[s.id, a])
            for s in students
            if work[s.id, a].kind != "missing"
        }
        if via_lms:
            lms_download(course_dir, a, notebooks)
            nbgrader(course_dir, "zip_collect", a, "--force")
        else:
            for student_id, nb in notebooks.items():
                write_notebook(nb, course_dir / "submitted" / student_id / a / f"{a}.ipynb")
        started = time.perf_counter()
        autograde(course_dir, a)
        log(f"  {a}: {len(notebooks)} notebooks autograded in {time.perf_counter() - started:.0f} s")
        only = ["--student", feedback_for] if feedback_for else []
        nbgrader(course_dir, "generate_feedback", a, "--force", *only)
    nbgrader(course_dir, "export")
    with (course_dir / "grades.csv").open() as f:
        return {(row["student_id"], row["assignment"]): float(row["score"]) for row in csv.DictReader(f)}


# --------------------------------------------------------------------------------------
# The demo class
# --------------------------------------------------------------------------------------


def invent_students(n, seed):
    rng = random.Random(seed)
    students = []
    for i in range(1, n + 1):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        students.append(Student(f"s{i:03d}", first, last, f"{first}.{last}.{i}@example.edu".lower()))
    return students


def invent_work(students, assignments, seed, source_dir=catalogue.SOURCE):
    """{(student_id, assignment): Work}, seeded; every kind of work appears in every assignment."""
    rng = random.Random(seed)
    work = {}
    for a in assignments:
        nb = read_notebook(Path(source_dir) / a / f"{a}.ipynb")
        cells = solution_cells(nb)
        bugs = catalogue.get(a, source_dir).bugs
        for k, s in enumerate(students):
            kind = KINDS[k] if k < len(KINDS) else rng.choices(KINDS, WEIGHTS)[0]
            if kind == "buggy" and not bugs:
                kind = "complete"
            if kind == "partial" and len(cells) < 2:
                kind = "blank"
            if kind == "partial":
                done = rng.sample(cells, rng.randint(1, len(cells) - 1))
            elif kind in ("complete", "buggy"):
                done = list(cells)
            else:
                done = []
            mutant = rng.choice(bugs) if kind == "buggy" else None
            work[s.id, a] = Work(kind, tuple(sorted(done)), mutant)
    return work


def expected_scores(work, source_dir=catalogue.SOURCE):
    notebooks = {}
    out = {}
    for (student_id, a), w in work.items():
        if a not in notebooks:
            notebooks[a] = read_notebook(Path(source_dir) / a / f"{a}.ipynb")
        out[student_id, a] = expected_score(notebooks[a], w)
    return out


def compare(expected, exported):
    """Lines describing every score that differs from what the student was built to earn."""
    problems = []
    for key, want in sorted(expected.items()):
        got = exported.get(key)
        if got is None or abs(got - want) > 1e-9:
            problems.append(f"{key[0]} {key[1]}: expected {want:g}, exported {got}")
    return problems


def summary(students, work, exported, assignments):
    """A gradebook table: one row per student, one column per assignment, and a total."""
    width = max(len(a) for a in assignments)
    lines = ["student  " + " ".join(a.rjust(width) for a in assignments) + "   total  work"]
    for s in students:
        scores = [exported.get((s.id, a), 0.0) for a in assignments]
        kinds = ",".join(sorted({work[s.id, a].kind for a in assignments}))
        lines.append(
            f"{s.id:8} " + " ".join(f"{x:{width}g}" for x in scores) + f"  {sum(scores):6g}  {kinds}"
        )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Grade a generated demo class end to end.")
    parser.add_argument("--students", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--assignments", nargs="+", default=ASSIGNMENTS, choices=ASSIGNMENTS)
    parser.add_argument("--dir", default=str(ROOT / "_build" / "demo_class"))
    args = parser.parse_args(argv)
    if args.students < len(KINDS):
        parser.error(f"--students must be at least {len(KINDS)}, one per kind of work")
    course_dir = make_course(args.dir, args.assignments)
    students = invent_students(args.students, args.seed)
    work = invent_work(students, args.assignments, args.seed)
    print(
        f"Grading {len(students)} students x {len(args.assignments)} assignments in {course_dir} ...",
        flush=True,
    )
    exported = grade_class(
        course_dir, students, work, args.assignments, log=lambda line: print(line, flush=True)
    )
    print(summary(students, work, exported, args.assignments))
    problems = compare(expected_scores(work), exported)
    print(f"\nGrades exported to {course_dir / 'grades.csv'}; feedback in {course_dir / 'feedback'}.")
    if problems:
        print("Scores that differ from what the generated work should earn:", *problems, sep="\n  ")
        return 1
    print("Every exported score matches the score its generated work should earn.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
