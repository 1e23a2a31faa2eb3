"""Warm kernels: forked from a zygote in a worker's jail, one learner after another.

Each learner must get a kernel exactly like a freshly started one, and nothing of the learner
before: no variables, no files, no process left running, no shared random state. A learner who
attacks the zygote itself can only break their own kernel: the jail is replaced.
"""

import json
import os
import time

import pytest
from jupyter_core.utils import run_sync

from course.jail import kernels
from course.jail.kernels import KernelPool
from course.jail.sandbox import Limits, detect

pytestmark = [
    pytest.mark.grading,
    pytest.mark.skipif(
        not detect().bwrap, reason="warm kernels need the bubblewrap jail: " + detect().describe()
    ),
]

LIMITS = Limits(notebook_timeout=60, cpu_seconds=60, memory_bytes=1024 * 2**20)

LOOK_AROUND = r"""
import json, os, sys
def _others():
    found = []
    for p in filter(str.isdigit, os.listdir("/proc")):
        if int(p) in (1, os.getpid(), os.getppid()):
            continue
        try:
            found.append(open(f"/proc/{p}/cmdline", "rb").read().replace(b"\0", b" ").decode())
        except OSError:
            pass
    return found
home = os.environ["HOME"]
print(json.dumps({
    "secret": "secret" in globals(),
    "cwd": os.getcwd(), "work": sorted(os.listdir(".")),
    "tmp": sorted(n for n in os.listdir("/tmp") if not n.startswith("course-sandbox-")),
    "home": sorted(n for n in os.listdir(home) if os.path.join(home, n) != os.getcwd()),
    "others": _others(), "path0": sys.path[0], "argv0": os.path.basename(sys.argv[0]),
    "env": sorted(os.environ), "learner_module": "learner_helper" in sys.modules,
    "planted": hasattr(__builtins__, "PLANTED") or "PLANTED" in dir(__builtins__),
    "shm": sorted(os.listdir("/dev/shm")),
    "ipc": sum(len(open(f"/proc/sysvipc/{k}").read().splitlines()) - 1 for k in ("shm", "msg", "sem")),
    "on_path": sorted(d for d in sys.path if os.path.exists(os.path.join(d or ".", "pdb_planted.py"))),
}))
"""

LEAVE_TRACES = r"""
import os, subprocess, sys
secret = 42
open("left_in_work.txt", "w").write("x")
open("/tmp/left_in_tmp.txt", "w").write("x")
open(os.path.join(os.environ["HOME"], "left_in_home.txt"), "w").write("x")
open("learner_helper.py", "w").write("VALUE = 1\n")
sys.path.insert(0, os.getcwd()); import learner_helper
subprocess.Popen(["sleep", "300"], start_new_session=True)
# an IPython start-up file for the next kernel, in folders made undeletable (mode 0555)
startup = os.path.join(os.environ["IPYTHONDIR"], "profile_default", "startup")
os.makedirs(startup, exist_ok=True)
open(os.path.join(startup, "00-planted.py"), "w").write("import builtins; builtins.PLANTED = 1\n")
for d in (startup, os.path.dirname(startup)):
    os.chmod(d, 0o555)
os.makedirs("locked/inner"); os.symlink("/etc/passwd", "locked/inner/link"); os.chmod("locked", 0o555)
for d in ["/dev/shm", *sys.path]:  # wherever allowed (/dev/shm: only in a user namespace)
    try:
        open(os.path.join(d or ".", "pdb_planted.py"), "w").write("PLANTED = 1\n")
    except OSError:
        pass
import ctypes
libc = ctypes.CDLL(None)
assert libc.shmget(0, 4096, 0o1000 | 0o600) >= 0   # IPC_PRIVATE, IPC_CREAT: outlives the kernel
if os.fork() == 0:          # a daemon: double fork, new session, keeps running
    os.setsid()
    if os.fork() == 0:
        import time; time.sleep(300)
    os._exit(0)
print("traces left")
"""


def run(kernel, code, timeout=60):
    """Run ``code`` in ``kernel``; return what it printed (errors as 'ERROR name')."""
    kc = kernel.km.client()
    kc.start_channels()
    out = []

    def hook(msg):
        if msg["msg_type"] == "stream":
            out.append(msg["content"]["text"])
        elif msg["msg_type"] == "error":
            out.append(f"ERROR {msg['content']['ename']}")

    try:
        run_sync(kc.wait_for_ready)(timeout=60)
        run_sync(kc.execute_interactive)(code, output_hook=hook, timeout=timeout)
    finally:
        kc.stop_channels()
    return "".join(out)


@pytest.fixture
def pool():
    p = KernelPool(LIMITS, detect())
    assert p.warm
    yield p
    p.close()


def look(pool):
    kernel = pool.take()
    try:
        return json.loads(run(kernel, LOOK_AROUND))
    finally:
        pool.release(kernel)


def test_the_next_learner_finds_nothing_of_the_last(pool):
    kernel = pool.take()
    assert "traces left" in run(kernel, LEAVE_TRACES)
    jail = kernel.jail
    pool.release(kernel)
    seen = look(pool)
    assert pool._jail is jail, f"a clean jail is reused, not replaced ({jail.ended})"
    assert seen["secret"] is False and seen["learner_module"] is False
    assert seen["planted"] is False, "an IPython start-up file of the last learner ran"
    assert seen["work"] == [] and seen["home"] == [] and seen["shm"] == []
    assert "left_in_tmp.txt" not in seen["tmp"]
    assert seen["ipc"] == 0 and seen["on_path"] == []
    assert seen["others"] == [], "a process of the last learner is still running in the jail"


def test_a_warm_kernel_looks_like_a_freshly_started_one(pool):
    warm = look(pool)
    cold_pool = KernelPool(LIMITS, detect(), prestart=False)
    assert not cold_pool.warm
    try:
        cold = look(cold_pool)
    finally:
        cold_pool.close()
    for key in ("cwd", "path0", "argv0", "env", "work", "tmp", "home", "secret"):
        assert warm[key] == cold[key], key


def test_kernels_do_not_share_random_state(pool):
    code = "import numpy, random; print(numpy.random.rand(), random.random())"
    draws = []
    for _ in range(2):
        kernel = pool.take()
        draws.append(run(kernel, code).split())
        pool.release(kernel)
    assert draws[0][0] != draws[1][0], "numpy's global generator"
    assert draws[0][1] != draws[1][1], "Python's random module"


def test_a_kernel_cannot_read_the_zygote(pool):
    kernel = pool.take()
    out = run(
        kernel,
        "import os\n"
        "for what in ('fd', 'mem', 'environ'):\n"
        "    try:\n"
        "        p = f'/proc/{os.getppid()}/{what}'\n"
        "        os.listdir(p) if what == 'fd' else open(p, 'rb').read(1)\n"
        "        print(what, 'readable')\n"
        "    except OSError as e:\n"
        "        print(what, 'refused', type(e).__name__)\n",
    )
    pool.release(kernel)
    assert "readable" not in out and out.count("refused") == 3, out


def test_killing_the_zygote_only_ends_that_learners_kernel(pool):
    kernel = pool.take()
    jail = kernel.jail
    try:  # the whole jail ends, this kernel with it (maybe before it can reply)
        run(kernel, "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)", timeout=5)
    except TimeoutError:
        pass
    deadline = time.monotonic() + 10
    while kernel.exit_status() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert kernel.exit_status() is not None
    pool.release(kernel)
    seen = look(pool)
    assert pool._jail is not jail and seen["work"] == [] and seen["others"] == []


def test_a_frozen_zygote_is_replaced(pool, monkeypatch):
    monkeypatch.setattr(kernels.WarmJail, "REPLY_SECONDS", 2)
    kernel = pool.take()
    jail = kernel.jail
    run(kernel, "import os, signal\nos.kill(os.getppid(), signal.SIGSTOP)")
    pool.release(kernel)  # the zygote cannot answer: its jail is destroyed
    assert not jail.alive
    assert look(pool)["others"] == []


def test_links_left_in_the_socket_folder_cannot_redirect_the_grader(pool, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("untouched")
    os.chmod(tmp_path, 0o755)
    kernel = pool.take()
    out = run(
        kernel,
        "import os, sys\n"
        "sockets = os.path.dirname(sys.argv[sys.argv.index('-f') + 1])\n"
        "for n in range(1, 40):\n"
        "    for name in (f'kernel{n}.json', f'kernel{n}-1', f'kernel{n}-2'):\n"
        "        p = os.path.join(sockets, name)\n"
        "        if not os.path.exists(p):\n"
        f"            os.symlink({str(victim)!r}, p)\n"
        "print(len(os.listdir(sockets)))\n",
    )
    assert int(out) > 30, "the kernel could not write its socket folder: nothing was tested"
    pool.release(kernel)
    sockets = pool._jail.sandbox.sockets
    assert [n for n in os.listdir(sockets) if os.path.islink(os.path.join(sockets, n))] == []
    assert look(pool)["work"] == []
    assert victim.read_text() == "untouched"


def test_emptying_keeps_mounts_and_what_leads_to_them(tmp_path):
    from course.jail.inside import zygote

    (tmp_path / "course" / "venv").mkdir(parents=True)  # a read-only view, as under /tmp
    (tmp_path / "course" / "venv" / "python").write_text("keep")
    (tmp_path / "course" / "learner.txt").write_text("x")
    (tmp_path / "work" / "deep").mkdir(parents=True)  # a writable mount: emptied
    (tmp_path / "work" / "deep" / "f").write_text("x")
    (tmp_path / "sockets").mkdir()
    (tmp_path / "locked" / "inner").mkdir(parents=True)
    (tmp_path / "locked" / "inner" / "f").write_text("x")
    os.chmod(tmp_path / "locked" / "inner", 0o555)
    os.chmod(tmp_path / "locked", 0o555)
    mounts = {str(tmp_path / "course" / "venv"): True, str(tmp_path / "work"): False}
    left = zygote._empty(str(tmp_path), {str(tmp_path / "sockets")}, mounts)
    assert left == []
    assert sorted(os.listdir(tmp_path)) == ["course", "sockets", "work"]
    assert os.listdir(tmp_path / "course") == ["venv"] and os.listdir(tmp_path / "work") == []
    assert (tmp_path / "course" / "venv" / "python").read_text() == "keep"
