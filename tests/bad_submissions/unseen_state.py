"""State left for the next learner on the same worker.

A learner's kernel plants every kind of state a process can leave on Linux: keys in the session,
user, user-session and persistent keyrings (and in any keyring of its user id it can write),
POSIX message queues, System V shared memory, queues and semaphores, files in /dev/shm, /tmp, home
and the working folder, and a daemon. The next learner's kernel looks for each of them by name
and for anything at all of each kind (``/proc/keys``, ``/proc/sysvipc``, ``/dev/mqueue``, the
processes it can see). Each kernel of a warm jail has user and IPC namespaces of its own
(``course.jail.inside.zygote.fresh_world``): keyrings, queues and IPC objects go with them; the
zygote kills what is left and empties the files. The planter checks its own state with the same
search first, so a search that finds nothing means something (``SELF-CHECK``).
"""

from . import fixture as fx
from .catalogue import Bad  # (imported by the catalogue once Bad is defined)

FULL = {"test_sigmoid": 2.0, "test_neuron": 3.0}
MARK = "course_leak_7f3a"
SYSV_KEY = 0x5EED7F3A

LOOK = """
import ctypes, os, sys
_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long
_SYS = {"x86_64": {"add_key": 248, "keyctl": 250}, "aarch64": {"add_key": 217, "keyctl": 219}}
_SYS = _SYS[os.uname().machine]
MARK, SYSV_KEY = "@MARK@", @SYSV_KEY@
RINGS = {"session": -3, "user": -4, "user-session": -5}

def _keyctl(*args):
    args = [ctypes.c_long(a) if isinstance(a, int) else a for a in args]
    r = _libc.syscall(ctypes.c_long(_SYS["keyctl"]), *args)
    return r if r >= 0 else -ctypes.get_errno()

def _persistent():
    return _keyctl(22, -1, -4)  # KEYCTL_GET_PERSISTENT(own uid), linked into the user keyring

def look():
    found = []
    try:
        keys = open("/proc/keys").read()
    except OSError:
        keys = ""
    found += ["key listed in /proc/keys"] * (MARK in keys)
    for name, ring in [*RINGS.items(), ("persistent", _persistent())]:
        if name == "persistent" and ring < 0:
            continue  # no persistent keyrings here
        if _keyctl(10, ring, b"user", MARK.encode(), 0) >= 0:  # KEYCTL_SEARCH
            found.append(f"key in the {name} keyring")
    try:
        _libc.mq_open.restype = ctypes.c_int
        fd = _libc.mq_open(("/" + MARK).encode(), os.O_RDONLY)
        if fd >= 0:
            found.append("POSIX message queue")
            _libc.mq_close(fd)
    except AttributeError:
        pass
    if os.path.isdir("/dev/mqueue") and os.listdir("/dev/mqueue"):
        found.append("POSIX message queues in /dev/mqueue: " + ",".join(os.listdir("/dev/mqueue")))
    if _libc.shmget(SYSV_KEY, 0, 0) >= 0:
        found.append("System V shared memory")
    if _libc.msgget(SYSV_KEY, 0) >= 0:
        found.append("System V message queue")
    if _libc.semget(SYSV_KEY, 0, 0) >= 0:
        found.append("System V semaphores")
    for kind in ("shm", "msg", "sem"):
        try:
            rows = open(f"/proc/sysvipc/{kind}").read().splitlines()[1:]
        except OSError:
            rows = []
        found += [f"System V {kind} objects listed"] * bool(rows)
    for folder in ("/dev/shm", "/tmp", os.environ["HOME"], "."):
        if os.path.exists(os.path.join(folder, MARK)):
            found.append("file in " + folder)
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if MARK.encode() in open(f"/proc/{pid}/cmdline", "rb").read():
                found.append("a daemon")
        except OSError:
            pass
    return sorted(set(found))
"""

PLANT = """
def _add_key(ring, data=b"a secret for the next learner"):
    size, ring = ctypes.c_size_t(len(data)), ctypes.c_long(ring)
    r = _libc.syscall(ctypes.c_long(_SYS["add_key"]), b"user", MARK.encode(), data, size, ring)
    if r >= 0:
        _keyctl(5, r, 0x3F3F3F3F)  # KEYCTL_SETPERM: everything for everyone
    return r

planted = []
for name, ring in [*RINGS.items(), ("persistent", _persistent())]:
    if _add_key(ring) >= 0:
        planted.append(name + " keyring")
ours = _add_key(-4)
for line in open("/proc/keys").read().splitlines():  # every other keyring of this user it can write
    serial, kind = int(line.split()[0], 16), line.split()[7]
    if kind != "keyring":
        continue
    if _keyctl(8, ours, serial) == 0:  # KEYCTL_LINK
        planted.append("linked into keyring " + line.split()[8])
    if _add_key(serial) >= 0:
        planted.append("added to keyring " + line.split()[8])
_libc.mq_open.restype = ctypes.c_int
if _libc.mq_open(("/" + MARK).encode(), os.O_CREAT | os.O_RDWR, 0o666, None) >= 0:
    planted.append("message queue")
if _libc.shmget(SYSV_KEY, 4096, 0o1000 | 0o666) >= 0:
    planted.append("shm")
if _libc.msgget(SYSV_KEY, 0o1000 | 0o666) >= 0:
    planted.append("msg")
if _libc.semget(SYSV_KEY, 1, 0o1000 | 0o666) >= 0:
    planted.append("sem")
for folder in ("/dev/shm", "/tmp", os.environ["HOME"], "."):
    try:
        with open(os.path.join(folder, MARK), "w") as fh:
            fh.write("left for the next learner")
        os.chmod(os.path.join(folder, MARK), 0o444)
        planted.append("file in " + folder)
    except OSError as exc:
        print("no file in", folder, exc)
import subprocess
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)", MARK], start_new_session=True,
                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
import time
time.sleep(0.5)
print("PLANTED:", "; ".join(planted))
print("SELF-CHECK:", "; ".join(look()))
"""

SEARCH = """
_found = look()
print("FOUND STATE: " + "; ".join(_found) if _found else "FOUND NOTHING")
"""


def _code(*parts):
    return "".join(parts).replace("@MARK@", MARK).replace("@SYSV_KEY@", str(SYSV_KEY))


def _answers(root, student, code):
    fx.write_submission(
        root, student, fx.answered(root, dict(fx.CORRECT, neuron=fx.CORRECT["neuron"] + code))
    )


def plants_state(root, s, ctx):
    _answers(root, s, _code(LOOK, PLANT))


def looks_for_state(root, s, ctx):
    _answers(root, s, _code(LOOK, SEARCH))


ENTRIES = [
    Bad(
        "state_a_plants",
        "Leaves keys in every keyring it can reach (session, user, user-session, persistent, and "
        "linked into any keyring of its user id), a POSIX message queue, System V shared memory, a "
        "queue and semaphores, files in /dev/shm, /tmp, home and the working folder, and a daemon: "
        "none of it survives the notebook (keyrings and IPC are in namespaces of the kernel's own, "
        "the rest is killed and emptied); full marks.",
        plants_state,
        FULL,
        needs_jail=True,
    ),
    Bad(
        "state_b_looks",
        "Graded after state_a_plants (on the same worker, when a worker takes them in order): looks "
        "for every kind of state it left, by name and by listing; finds nothing; full marks.",
        looks_for_state,
        FULL,
        output_must_not_contain="FOUND STATE",
        needs_jail=True,
    ),
    Bad(
        "state_c_looks",
        "A second learner looking, so that one of the two is graded by state_a_plants's worker "
        "in a batch of two workers: finds nothing; full marks.",
        looks_for_state,
        FULL,
        output_must_not_contain="FOUND STATE",
        needs_jail=True,
    ),
]
