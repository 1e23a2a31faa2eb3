"""Bounded everything, nothing left behind: the machine-attack entries of the catalogue
(``bad_submissions/unseen_machine.py``) graded by `course autograde` as an instructor runs it,
with a TMPDIR of its own, beside honest learners and a 1 GiB notebook (sparse: the test writes a
few bytes).

- every entry gets its points and flags, and its caps held (nothing it printed says otherwise);
- the 1 GiB notebook is refused unread: no process of the batch ever held it (peak memory);
- after the batch no sandbox folder, no scratch folder and no mount of the grader is left;
- ``remove_tree`` deletes what rmtree cannot (deeper than PATH_MAX, no permissions, odd names)
  without following links; a warm jail cleans such trees itself and is not even replaced.
"""

import json
import os
import subprocess
import sys

import nbformat
import pytest
from bad_submissions import catalogue  # noqa: F401  (first: it names the entries' students)
from bad_submissions import fixture as fx
from bad_submissions.unseen_machine import ENTRIES

from course.jail.sandbox import Limits, detect, remove_tree

pytestmark = [pytest.mark.grading, pytest.mark.slow, pytest.mark.xdist_group("grader_bounds")]

JAILED = detect().bwrap and detect().own_user
RUNNABLE = [b for b in ENTRIES if JAILED or not b.needs_jail]
HONEST = {"honest_a": fx.CORRECT, "honest_b": dict(fx.CORRECT, neuron=fx.WRONG_NEURON)}
SPARSE = "sparse_gib_notebook"
GIB = 2**30
# Peak memory of any process of the batch: the grader with nbgrader loaded, a kernel with numpy,
# far below the 1 GiB a process reading the sparse notebook would need.
PEAK_LIMIT = 700 * 2**20

RUN = """
import json, resource, sys
from course.cli import main
try:
    status = main(sys.argv[1:])
finally:
    peak = max(resource.getrusage(w).ru_maxrss for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    print("PEAK-KIB", peak, file=sys.stderr)
sys.exit(status)
"""


def _sparse_notebook(root, student):
    """A 1 GiB notebook file holding a few bytes (a hole in the middle)."""
    folder = fx.write_submission(root, student)
    head = nbformat.writes(fx.answered(root))[:-2] + ', "padding": "'
    with open(folder / f"{fx.NOTEBOOK}.ipynb", "w") as fh:
        fh.write(head)
        fh.seek(GIB)
        fh.write('"}\n')


def run_batch(base):
    root = base / "course"
    fx.make_course(root)
    for student, answers in HONEST.items():
        fx.write_submission(root, student, fx.answered(root, answers))
    for bad in RUNNABLE:
        bad.build(root, bad.student, None)
    _sparse_notebook(root, SPARSE)
    tmp = base / "tmp"
    tmp.mkdir()
    env = dict(os.environ, TMPDIR=str(tmp), PATH=os.path.dirname(sys.executable) + ":" + os.environ["PATH"])
    args = ["--root", str(root), "autograde", fx.ASSIGNMENT, "--jobs", "2", "--quiet", "--timeout", "60"]
    proc = subprocess.Popen(
        [sys.executable, "-c", RUN, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    out, err = proc.communicate(timeout=900)
    peak = [int(line.split()[1]) for line in err.splitlines() if line.startswith("PEAK-KIB")]
    return {
        "status": proc.returncode,
        "stdout": out,
        "stderr": err[-5000:],
        "peak_bytes": peak[0] * 1024 if peak else None,
        "tmp_left": sorted(os.listdir(tmp)),
        "scratch_left": [n for n in os.listdir("/dev/shm") if n.startswith(f"course-grade-{proc.pid}-")],
        "mounts_left": [line for line in open("/proc/self/mountinfo") if str(tmp) in line],
    }


@pytest.fixture(scope="session")
def graded(tmp_path_factory):
    return fx.graded_once(tmp_path_factory, "grader-bounds", run_batch)


def test_the_batch_completes(graded):
    root, result = graded
    assert result["status"] == 0, result
    assert f"{len(HONEST) + len(RUNNABLE) + 1} graded, 0 failed" in result["stdout"], result
    assert fx.scores(root, "honest_a") == fx.POINTS
    assert fx.scores(root, "honest_b") == {"test_sigmoid": 2.0, "test_neuron": 0.0}


@pytest.mark.parametrize("bad", ENTRIES, ids=[b.name for b in ENTRIES])
def test_machine_entry_is_graded_right_and_its_cap_held(graded, bad):
    if bad not in RUNNABLE:
        pytest.skip("needs the bubblewrap jail and its own user: " + detect().describe())
    root, _ = graded
    rec = fx.record(root, bad.student)
    assert fx.scores(root, bad.student) == bad.scores, f"{bad.name}: {bad.what}\n{rec['flags']}"
    assert bad.flags <= {f["kind"] for f in rec["flags"]}, rec["flags"]
    path = root / "autograded" / bad.student / fx.ASSIGNMENT / f"{fx.NOTEBOOK}.ipynb"
    if "too-big" in bad.flags:
        assert not path.exists()  # refused: never read, so never parsed nor copied
        return
    nb = nbformat.read(path, 4)
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    if bad.output_must_not_contain:
        assert bad.output_must_not_contain not in text, text[:3000]
        assert text, "the learner's code printed nothing"
    if "fill" in bad.name:
        assert "stopped: OSError 28" in text, text[:3000]  # ENOSPC: the cap, not the loop's end


def test_a_huge_notebook_is_refused_unread(graded):
    root, result = graded
    assert fx.scores(root, SPARSE) == {k: 0.0 for k in fx.POINTS}
    flags = fx.record(root, SPARSE)["flags"]
    assert [f["kind"] for f in flags] == ["too-big"], flags
    assert "1024.0 MiB" in flags[0]["message"] and "8.0 MiB" in flags[0]["message"]
    assert result["peak_bytes"] and result["peak_bytes"] < PEAK_LIMIT, result["peak_bytes"]
    assert not (root / "autograded" / SPARSE / fx.ASSIGNMENT / f"{fx.NOTEBOOK}.ipynb").exists()


def test_the_graded_copy_is_bounded_by_the_cap(graded):
    root, _ = graded
    for bad in RUNNABLE:
        path = root / "autograded" / bad.student / fx.ASSIGNMENT / f"{fx.NOTEBOOK}.ipynb"
        if path.exists():
            assert path.stat().st_size < 8 * 2**20 + Limits().max_output_bytes, bad.name


def test_nothing_is_left_behind(graded):
    _, result = graded
    assert result["tmp_left"] == [], result["tmp_left"]
    assert result["scratch_left"] == []
    assert result["mounts_left"] == []


def _nasty_tree(base, depth=2200):
    """A tree deeper than PATH_MAX with odd names, no permissions and a link out."""
    fd = os.open(base, os.O_RDONLY | os.O_DIRECTORY)
    for i in range(depth):
        name = b"d\xff" if i % 2 else b"-\n"
        os.mkdir(name, dir_fd=fd)
        if i % 300 == 0:
            os.symlink(b"/etc", b"link", dir_fd=fd)
            os.close(os.open(b"f\x01", os.O_CREAT | os.O_WRONLY, 0, dir_fd=fd))
        child = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        if i % 500 == 0:
            os.chmod(f"/proc/self/fd/{fd}", 0)
        os.close(fd)
        fd = child
    os.close(fd)


def test_remove_tree_deletes_what_rmtree_leaves(tmp_path):
    import shutil

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("keep")
    try:
        for target in ("rmtree", "ours"):
            (tmp_path / target).mkdir()
            _nasty_tree(str(tmp_path / target))
            os.symlink(outside, tmp_path / target / "out")
        try:
            shutil.rmtree(tmp_path / "rmtree", ignore_errors=True)
        except RecursionError:
            pass  # (what the grader did before: left it, silently or not)
        assert (tmp_path / "rmtree").exists()
        remove_tree(str(tmp_path / "ours"))
    finally:
        remove_tree(str(tmp_path / "rmtree"))
        remove_tree(str(tmp_path / "ours"))
    assert sorted(os.listdir(tmp_path)) == ["outside"]
    assert (outside / "keep.txt").read_text() == "keep" and os.path.isdir("/etc")


@pytest.mark.skipif(not JAILED, reason="needs the jail and its own user: " + detect().describe())
def test_a_warm_jail_cleans_deep_trees_itself_and_holds_the_cap():
    from jupyter_core.utils import run_sync

    from course.jail.kernels import KernelPool
    from course.jail.sandbox import PREFIX

    pool = KernelPool(Limits(tmp_bytes=64 * 2**20), detect())
    try:
        kernel = pool.take()
        jail, root = kernel.jail, kernel.sandbox.root
        assert root.startswith(os.path.join(os.path.dirname(root), PREFIX))
        kc = kernel.km.client()
        kc.start_channels()
        run_sync(kc.wait_for_ready)(timeout=60)
        code = (
            "import os\n"
            "fd = os.open('.', os.O_RDONLY)\n"
            "for _ in range(2100):\n"
            "    os.mkdir('d', dir_fd=fd); c = os.open('d', os.O_RDONLY, dir_fd=fd); os.close(fd); fd = c\n"
            "os.chmod(f'/proc/self/fd/{fd}', 0)\n"
            "try:\n"
            "    open('/tmp/big', 'wb').write(b'x' * 100 * 2**20)\n"
            "except OSError as exc:\n"
            "    print('ERRNO', exc.errno)\n"
        )
        outs = []
        reply = run_sync(kc.execute_interactive)(code, timeout=60, output_hook=lambda m: outs.append(m))
        assert reply["content"]["status"] == "ok", reply
        text = json.dumps([m["content"] for m in outs])
        assert "ERRNO 28" in text, text  # 100 MiB do not fit in a 64 MiB jail
        kc.stop_channels()
        pool.release(kernel)
        assert jail.ended == "" and jail.alive, jail.ended  # cleaned by the zygote, not replaced
        assert os.listdir(kernel.sandbox.work) == []
    finally:
        pool.close()
    assert not os.path.exists(root)


def test_what_a_killed_grader_left_is_swept_and_nothing_in_use(tmp_path):
    from course.jail.sandbox import PREFIX, hold, mount_tmpfs, sweep

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True)
    dead_pid = int(dead.stdout)
    stale, in_use = tmp_path / f"{PREFIX}{dead_pid}-stale", tmp_path / f"{PREFIX}{dead_pid}-held"
    living = tmp_path / f"{PREFIX}{os.getpid()}-living"  # its owner runs: left alone
    for folder in (stale, in_use, living):
        folder.mkdir()
    if JAILED:
        mount_tmpfs(str(stale), 2**20, 64)
    _nasty_tree(str(stale), 50)
    fd = hold(str(in_use))
    try:
        assert sweep(str(tmp_path), PREFIX) == []
        assert not stale.exists() and in_use.exists() and living.exists()
        assert str(stale) not in open("/proc/self/mountinfo").read()
    finally:
        os.close(fd)
    assert sweep(str(tmp_path), PREFIX) == [] and not in_use.exists() and living.exists()


@pytest.mark.skipif(not JAILED, reason="needs the jail and its own user: " + detect().describe())
def test_a_jail_left_full_still_has_room_for_the_grader():
    from course.jail.sandbox import Sandbox

    sandbox = Sandbox(Limits(tmp_bytes=64 * 2**20, max_inodes=512), detect())
    try:
        fill = (
            "import os\nn = 0\ntry:\n    while True:\n"
            "        open(f'/tmp/f{n}', 'wb').write(b'x' * 2**20); n += 1\n"
            "except OSError as exc:\n    print(exc.errno, n)\n"
        )
        cmd = sandbox.wrap([sys.executable, "-c", fill])
        proc = subprocess.run(cmd, capture_output=True, text=True, env=sandbox.env(), timeout=60)
        errno_, megabytes = map(int, proc.stdout.split())
        assert errno_ == 28 and 30 < megabytes < 64, proc  # the cap, less the grader's room
        with pytest.raises(OSError):
            (open(os.path.join(sandbox.work, "inputs"), "wb")).write(b"y" * 2**20)
        sandbox.make_room()
        with open(os.path.join(sandbox.work, "inputs"), "wb") as fh:
            fh.write(b"y" * 4 * 2**20)  # the outside checks' inputs, say
    finally:
        sandbox.cleanup()
    assert not os.path.exists(sandbox.root)
