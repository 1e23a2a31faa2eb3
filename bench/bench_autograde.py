"""Sequential `nbgrader autograde` against `course autograde`, side by side in one run.

A demo class (``tools/demo_class.py``: complete, partial, buggy and blank work) of 60 submissions spread
over the assignments is graded twice, in two copies of the same course folder: once with plain
`nbgrader autograde ASSIGNMENT` per assignment (sequential: nbgrader has no parallel mode) and
once with `course autograde ASSIGNMENT` (worker processes, sandboxed pre-started kernels). The
two commands alternate assignment by assignment (bench/rounds.py: one round per assignment,
each command once per round, the one that goes first changing from round to round), so both see
the same load. It prints, per assignment, both times and their ratio; then the median of the
per-assignment ratios with its spread, both totals with the ratio of the totals; and checks that
both gradebooks hold the same grades.

    python bench/bench_autograde.py [--submissions 60] [--jobs N] [--order-seed 0]
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from nbgrader.api import Gradebook
from rounds import interleave, ratio_cells, table, time_rows  # bench/, this script's folder

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository, for its tools
from tools import demo_class as demo

ASSIGNMENTS = ["a1_neuron", "a2_forward", "a3_loss", "a4_autograd", "a5_backprop", "a6_training"]


def build_class(root, n_submissions):
    per = max(1, n_submissions // len(ASSIGNMENTS))
    course = demo.make_course(root / "course", ASSIGNMENTS)
    students = demo.invent_students(per, seed=3)
    demo.nbgrader(course, "db", "student", "import", str(demo.write_roster(course, students)))
    work = demo.invent_work(students, ASSIGNMENTS, seed=3)
    total = 0
    for a in ASSIGNMENTS:
        demo.nbgrader(course, "generate_assignment", a, "--create", "--force")
        source = demo.read_notebook(course / "assignments" / a / f"{a}.ipynb")
        release = demo.read_notebook(course / "release" / a / f"{a}.ipynb")
        for s in students:
            w = work[s.id, a]
            if w.kind == "missing":  # a submission folder is always there: grade its blank notebook
                w = demo.Work("blank", (), None)
            folder = course / "submitted" / s.id / a
            folder.mkdir(parents=True)
            demo.write_notebook(demo.submission(source, release, w), folder / f"{a}.ipynb")
            (folder / "timestamp.txt").write_text("2026-01-01 12:00:00 UTC")
            total += 1
    return course, total


def grades(course):
    out = {}
    with Gradebook("sqlite:///" + str(course / "gradebook.db")) as gb:
        for a in ASSIGNMENTS:
            for sub in gb.assignment_submissions(a):
                for nb in sub.notebooks:
                    for g in nb.grades:
                        out[a, sub.student_id, g.name] = g.auto_score
    return out


def run(cmd, cwd):
    """Run one command (bench/rounds.py times it: wall-clock seconds. Its CPU time cannot be
    compared: the kernels `course` kills are never waited for, so they would be missing from its
    count.)"""
    env = dict(os.environ, PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"])
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")


PLAIN, COURSE = "nbgrader autograde (sequential)", "course autograde (parallel)"


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--submissions", type=int, default=60)
    p.add_argument("--jobs", type=int, default=0)
    p.add_argument("--order-seed", type=int, default=0, help="seed of which command goes first")
    args = p.parse_args(argv)
    bindir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        course, n = build_class(tmp, args.submissions)
        plain = tmp / "plain"
        shutil.copytree(course, plain)
        jobs = ["--jobs", str(args.jobs)] if args.jobs else []
        contenders = {  # round r grades assignment r, once with each command
            PLAIN: lambda r: run([str(bindir / "nbgrader"), "autograde", ASSIGNMENTS[r]], plain),
            COURSE: lambda r: run(
                [str(bindir / "course"), "autograde", ASSIGNMENTS[r], "--quiet", *jobs], course
            ),
        }

        def progress(r, rounds):
            t_plain, t_course = rounds.times[PLAIN][r], rounds.times[COURSE][r]
            first = rounds.orders[r][0].split()[0]
            print(
                f"  {ASSIGNMENTS[r] + ':':13s} nbgrader {t_plain:6.1f} s, "
                f"course {t_course:6.1f} s, ratio {t_plain / t_course:5.2f}x ({first} first)",
                flush=True,
            )

        rounds = interleave(contenders, len(ASSIGNMENTS), seed=args.order_seed, on_round=progress)
        g_plain, g_course = grades(plain), grades(course)
        same = g_plain == g_course
        per = n // len(ASSIGNMENTS)
        print(
            f"{n} submissions over {len(ASSIGNMENTS)} assignments ({per} per assignment), "
            f"{os.cpu_count()} cores; {rounds.describe()}"
        )
        rows = [
            row + [f"{rounds.total(name):.1f}", f"{n / rounds.total(name):.2f}"]
            for name, row in zip(rounds.names, time_rows(rounds, fmt=".1f"))
        ]
        print(table(["seconds per assignment", "median", "IQR", "min-max", "total", "submissions/s"], rows))
        print(
            table(
                ["throughput ratio nbgrader / course", "median", "IQR", "min-max"],
                [
                    ["per assignment (median of the per-round ratios)"]
                    + ratio_cells(rounds.ratio(PLAIN, COURSE))
                ],
            )
        )
        print(f"  ratio of the totals: {rounds.total(PLAIN) / rounds.total(COURSE):.2f}x")
        print(f"  load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print(f"  identical grades: {same} ({len(g_plain)} test cells compared)")
        if not same:
            diff = sorted(k for k in set(g_plain) | set(g_course) if g_plain.get(k) != g_course.get(k))
            print("  differences:", diff[:10])
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
