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


# --- a fresh world for every learner, memory per jail, one message at most so big ------------
def _run(kernel, code, timeout=60):
    """Run ``code`` in ``kernel``; return (reply status, the text it printed)."""
    from jupyter_core.utils import run_sync

    kc = kernel.km.client()
    kc.start_channels()
    outs = []
    try:
        run_sync(kc.wait_for_ready)(timeout=60)
        reply = run_sync(kc.execute_interactive)(code, timeout=timeout, output_hook=outs.append)
        status = reply["content"]["status"]
    except TimeoutError:
        status = "timeout"
    finally:
        kc.stop_channels()
    text = "".join(m["content"].get("text", "") + m["content"].get("evalue", "") for m in outs)
    return status, text


# every kind of state the planter must see itself (so that finding nothing means something)
PLANTED_KINDS = [
    "key in the session keyring",
    "key in the user keyring",
    "key in the user-session keyring",
    "key listed in /proc/keys",
    "POSIX message queue",
    "System V shared memory",
    "System V message queue",
    "System V semaphores",
    "file in /dev/shm",
    "file in /tmp",
    "file in /home/learner",
    "file in .",
    "a daemon",
]


@pytest.mark.skipif(not JAILED, reason="needs the jail and its own user: " + detect().describe())
@pytest.mark.parametrize("warm", [True, False], ids=["warm-jail", "cold-kernels"])
def test_nothing_a_learner_made_is_seen_by_the_next(warm):
    from bad_submissions.unseen_state import LOOK, PLANT, SEARCH, _code

    from course.jail.kernels import KernelPool

    pool = KernelPool(Limits(), detect(), prestart=warm)
    try:
        kernel = pool.take()
        jail = kernel.jail
        status, planted = _run(kernel, _code(LOOK, PLANT))
        assert status == "ok", planted
        self_check = planted.split("SELF-CHECK:")[1]
        missing = [kind for kind in PLANTED_KINDS if kind not in self_check]
        assert not missing, f"the planter could not plant or see {missing}:\n{planted}"
        uid = kernel.sandbox.uid
        pool.release(kernel)
        if warm:  # the same jail: its zygote cleaned up after the planter, it was not replaced
            assert jail.fresh_world == detect().fresh_world, jail.fresh_world_why
            assert jail.alive and jail.ended == "", jail.ended
        nxt = pool.take()
        if warm:
            assert nxt.jail is jail
        else:
            assert nxt.sandbox.uid == uid  # the same user id, given again
        status, found = _run(nxt, _code(LOOK, SEARCH))
        assert status == "ok" and found.strip() == "FOUND NOTHING", found
        pool.release(nxt)
    finally:
        pool.close()


@pytest.mark.skipif(not detect().fresh_world, reason="kernels get no namespaces here: " + detect().describe())
def test_each_kernel_has_user_and_ipc_namespaces_of_its_own_and_no_capabilities():
    from course.jail.kernels import KernelPool

    code = (
        "import os\n"
        "print('NS', os.readlink('/proc/self/ns/user'), os.readlink('/proc/self/ns/ipc'))\n"
        "print('UID', os.getuid(), os.stat('.').st_uid)\n"
        "print([l.split()[1] for l in open('/proc/self/status') if l.startswith('CapEff')])\n"
    )
    pool = KernelPool(Limits(), detect())
    seen = []
    try:
        for _ in range(2):
            kernel = pool.take()
            status, text = _run(kernel, code)
            assert status == "ok", text
            uid = kernel.sandbox.uid
            assert f"UID {uid} {uid}" in text, text  # its own id, mapped to itself: files keep their owner
            assert "['0000000000000000']" in text, text  # the new namespace's capabilities dropped
            seen.append(text.split("NS ")[1].split("\n")[0])
            pool.release(kernel)
    finally:
        pool.close()
    assert seen[0] != seen[1], seen
    ours = f"{os.readlink('/proc/self/ns/user')} {os.readlink('/proc/self/ns/ipc')}"
    assert ours not in seen


@pytest.mark.skipif(not detect().memory_cgroup, reason="no memory cgroup here: " + detect().describe())
def test_memory_is_capped_for_the_whole_jail():
    """Three processes of 300 MiB each stay under a 1 GiB per-process cap, but not under a
    512 MiB cap for the jail: the host's kernel kills one, and the cgroup goes with the jail."""
    from course.jail.kernels import KernelPool

    code = (
        "import subprocess, sys, time\n"
        "hog = 'b = bytearray(300 * 2**20)\\nfor i in range(0, len(b), 4096): b[i] = 1\\n"
        'print("ALLOCATED", flush=True)\\nimport time; time.sleep(30)\'\n'
        "procs = [subprocess.Popen([sys.executable, '-c', hog], stdout=subprocess.PIPE) for _ in range(3)]\n"
        "time.sleep(8)\n"
        "print('ALIVE', sum(p.poll() is None for p in procs), 'KILLED', sum(p.poll() == -9 for p in procs))\n"
    )
    limits = Limits(memory_bytes=1024 * 2**20, jail_memory_bytes=512 * 2**20)
    pool = KernelPool(limits, detect())
    try:
        kernel = pool.take()
        cgroup = kernel.sandbox.cgroup
        assert cgroup is not None and os.path.isdir(cgroup.path)
        status, text = _run(kernel, code)
        assert status == "ok", text
        alive = int(text.split("ALIVE ")[1].split()[0])
        assert alive < 3 and cgroup.killed() >= 1, text
        pool.release(kernel)
    finally:
        pool.close()
    assert not os.path.exists(cgroup.path)


@pytest.mark.skipif(not detect().memory_cgroup, reason="no memory cgroup here: " + detect().describe())
def test_a_tmpfs_of_a_nested_namespace_is_held_by_the_jails_memory_cap():
    """A learner may make a user and mount namespace of its own and mount a tmpfs there with no
    size cap (the jail's disk cap does not hold for it); its pages are the jail's memory: 20 files
    of 60 MiB (each under the file size limit) stop at a 768 MiB jail."""
    from course.jail.kernels import KernelPool

    script = (
        "mkdir -p /tmp/m && mount -t tmpfs -o size=4g tmpfs /tmp/m || exit 3; "
        "for i in $(seq 20); do head -c 60M /dev/zero > /tmp/m/f$i || break; done; du -sm /tmp/m"
    )
    code = (
        "import subprocess\n"
        f"p = subprocess.run(['unshare', '-rm', 'sh', '-c', {script!r}], capture_output=True, text=True)\n"
        "print('RC', p.returncode, 'DU', p.stdout.split()[:1])\n"
    )
    pool = KernelPool(Limits(jail_memory_bytes=768 * 2**20), detect())
    try:
        kernel = pool.take()
        cgroup = kernel.sandbox.cgroup
        status, text = _run(kernel, code, timeout=25)  # (a kernel killed at the cap never replies)
        if "RC 3" in text:
            pytest.skip("no nested namespaces or mounts here: " + text)
        assert cgroup.killed() >= 1 or int(text.split("DU ['")[1].split("'")[0]) < 768, (status, text)
        pool.release(kernel)
    finally:
        pool.close()


GIANT = """
import json, resource, sys, time
from jupyter_core.utils import run_sync
from course.jail.kernels import KernelPool
from course.jail.sandbox import Limits, detect
pool = KernelPool(Limits(max_output_bytes=256 * 1024), detect())
kernel = pool.take()
kc = kernel.km.client()
kc.start_channels()
run_sync(kc.wait_for_ready)(timeout=60)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
try:
    run_sync(kc.execute_interactive)(sys.argv[1], timeout=float(sys.argv[2]))
except TimeoutError:
    pass
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"grown": peak - before, "reason": kernel.stop_reason, "status": kernel.exit_status()}))
kc.stop_channels()
pool.release(kernel)
pool.close()
"""


@pytest.mark.parametrize("size_mib", [40])
def test_a_giant_message_is_refused_before_the_grader_reads_it(size_mib):
    """One stream message of 40 MiB (a single write), with a 256 KiB output cap: the grader's
    sockets drop it unread (its memory does not grow by the message), the kernel is stopped with
    the reason; without the refusal the same message grows the grader by more than twice its size."""
    code = f"import sys\nsys.stdout.write('x' * {size_mib} * 2**20)\nsys.stdout.flush()\n"
    out = subprocess.run(
        [sys.executable, "-c", GIANT, code, "15"], capture_output=True, text=True, timeout=300, check=True
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["grown"] < 16 * 2**20, result
    assert "over 2.5 MiB on its iopub channel, refused unread" in result["reason"], result
    assert result["status"] is not None, result  # stopped


def test_the_largest_message_fits_the_output_cap():
    from course.jail.kernels import max_message_bytes

    limits = Limits()
    assert max_message_bytes(limits) >= 6 * limits.max_output_bytes  # the cap's text, JSON-escaped
    assert max_message_bytes(limits) < 16 * 2**20


def test_course_sandbox_says_what_is_not_enforced():
    from course.jail.sandbox import Support

    bare = Support(bwrap=True, network_isolated=True, own_user=False)
    text = bare.describe()
    assert "memory capped per process only" in text and "not" in text.split("memory capped")[1]
    assert "keyrings and IPC shared between kernels (emptied after each)" in text
    watched = Support(bwrap=True, network_isolated=True, own_user=True, disk_capped=True).describe()
    assert "memory watched per jail" in watched and "files on a tmpfs not counted" in watched
    full = Support(
        bwrap=True,
        network_isolated=True,
        own_user=True,
        disk_capped=True,
        fresh_world=True,
        memory_cgroup="/x",
    )
    assert "memory capped per jail" in full.describe() and "of each kernel's own" in full.describe()
    here = detect()
    assert bool(here.memory_cgroup) == ("memory capped per jail" in here.describe())
    assert here.memory_cgroup or any("no memory cgroup per jail" in n for n in here.notes), here.notes
    assert here.fresh_world or any("namespaces of their own" in n for n in here.notes), here.notes


HOGS = (
    "import subprocess, sys, time\n"
    "hog = 'b = bytearray(300 * 2**20)\\nfor i in range(0, len(b), 4096): b[i] = 1\\n"
    "import time; time.sleep(30)'\n"
    "procs = [subprocess.Popen([sys.executable, '-c', hog]) for _ in range(3)]\n"
    "time.sleep(10)\n"
    "print('ALIVE', sum(p.poll() is None for p in procs))\n"
)


@pytest.mark.skipif(not JAILED, reason="needs the jail and its own user: " + detect().describe())
def test_without_a_cgroup_the_jails_memory_is_watched():
    """No memory cgroup (forced here): the grader adds up the resident memory of the kernel's
    user id and stops the kernel past the jail's cap, with the reason."""
    import dataclasses

    from course.jail.kernels import KernelPool

    support = dataclasses.replace(detect(), memory_cgroup="")
    pool = KernelPool(Limits(memory_bytes=1024 * 2**20, jail_memory_bytes=512 * 2**20), support)
    try:
        kernel = pool.take()
        assert kernel.sandbox.cgroup is None and kernel.watch is not None
        status, text = _run(kernel, HOGS, timeout=20)
        assert "ALIVE 3" not in text, text
        assert kernel.exit_status() is not None, (status, text)
        assert "over the 512 MiB a jail may use (memory limit)" in kernel.stop_reason, kernel.stop_reason
        pool.release(kernel)
    finally:
        pool.close()
