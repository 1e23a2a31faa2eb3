"""Warm kernels: one process inside a worker's jail that forks a fresh kernel for each notebook.

Starting a Python kernel costs far more than running most learners' notebooks: the interpreter
imports IPython, ipykernel, numpy and the test helpers every time. The zygote does those imports
once, then forks. Each fork is a brand-new kernel: it builds its own IPython shell, sockets and
threads from scratch (none of them exist in the zygote), so nothing of one learner's kernel is
seen by the next one. What the fork shares is only what an import leaves behind, which is what a
fresh kernel would load too; numpy's global random generator is reseeded in every fork. Each
fork also enters user and IPC namespaces of its own (``fresh_world``, where the machine allows it):
its keyrings, POSIX message queues and System V objects go when its last process ends.

Run inside the jail as ``python .../course/jail/inside/zygote.py [FOLDER ...]`` (by
``course.jail.kernels.WarmJail``; the folders are the grader's, such as the kernels' socket folder:
emptied like the learner's folders, but never removed). It talks to the grader over its standard
input and output, one JSON object per line:

    -> {"start": [kernel arguments]}        <- {"pid": 12}
    -> {"stop": 12}                         <- {"stopped": 12, "status": -9, "clean": true, "left": ""}
                                            <- {"exit": 12, "status": 0}   (whenever a kernel ends)

``stop`` kills the kernel, then every other process left in the jail (a learner's code may have
started some), empties the learner's folders and the socket folder, deletes the jail's System V
objects and message queues and empties the user's keyrings of the jail's namespace (a kernel of
the same user id can write into them by their serial number, from its own namespace too), so the next kernel
starts in a clean jail (and nothing a learner left there, a symbolic link say, is still there
when the grader writes the next kernel's connection file).
Kernels cannot reach the zygote's pipes or memory: their own standard streams are /dev/null and
the zygote is not dumpable (no ptrace, no /proc/PID/fd or /mem for processes of the same user).
"""

import codecs
import ctypes
import errno
import importlib
import importlib.util
import json
import os
import resource
import select
import signal
import stat
import sys
import time

# what every kernel imports (ipykernel's debugger and history bring debugpy and sqlite3)
PRELOAD = (
    "numpy",
    "numpy.random",
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.debugger",
    "sqlite3",
    "checks",
)
PR_GET_DUMPABLE, PR_SET_DUMPABLE = 3, 4
PR_SET_NO_NEW_PRIVS = 38
IPC_RMID = 0
CLONE_NEWIPC, CLONE_NEWUSER = 0x08000000, 0x10000000
# keyctl(2) operations and special keyrings (linux/keyctl.h)
KEYCTL_JOIN_SESSION_KEYRING, KEYCTL_CLEAR, KEYCTL_GET_PERSISTENT = 1, 7, 22
KEY_SPEC_SESSION_KEYRING, KEY_SPEC_USER_KEYRING, KEY_SPEC_USER_SESSION_KEYRING = -3, -4, -5
SYS_KEYCTL = {"x86_64": 250, "aarch64": 219}
SYS_CAPSET = {"x86_64": 126, "aarch64": 91}
LINUX_CAPABILITY_VERSION_3 = 0x20080522
POLL_SECONDS = 0.05
MAX_OPEN_FILES = 1024  # per process of the jail (each open file costs the host's kernel memory)


def _not_dumpable():
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE, 0) failed")


def _syscall(table, *args):
    """A raw system call by name-table (keyctl, capset have no libc wrapper everywhere)."""
    libc = ctypes.CDLL(None, use_errno=True)
    number = table[os.uname().machine]
    libc.syscall.restype = ctypes.c_long
    result = libc.syscall(ctypes.c_long(number), *args)
    if result < 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    return result


def _write(path, text):
    with open(path, "w") as fh:
        fh.write(text)


def _drop_capabilities():
    """Empty this process's capability sets (a new user namespace gives it all of them, inside
    that namespace) and forbid gaining any back (no_new_privs)."""

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [
            ("effective", ctypes.c_uint32),
            ("permitted", ctypes.c_uint32),
            ("inheritable", ctypes.c_uint32),
        ]

    header, data = Header(LINUX_CAPABILITY_VERSION_3, 0), (Data * 2)()
    _syscall(SYS_CAPSET, ctypes.byref(header), ctypes.byref(data))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")


def fresh_world():
    """Give this process (a kernel about to start) namespaces of its own, so that nothing it makes
    outlives it: a new user namespace (the same user id mapped to itself: files keep their owner)
    holds its own user and persistent keyrings, a new IPC namespace its own System V objects and
    POSIX message queues, and a new anonymous session keyring replaces the one inherited. All of
    them go when its last process ends; the capabilities the new user namespace gave are dropped.
    Raise OSError if the machine does not allow it."""
    uid, gid = os.getuid(), os.getgid()
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWIPC) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"unshare(CLONE_NEWUSER | CLONE_NEWIPC): {os.strerror(err)}")
    dumpable = libc.prctl(PR_GET_DUMPABLE, 0, 0, 0, 0)
    libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)  # (a process that is not owns no /proc/self files)
    try:
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"{uid} {uid} 1")
        _write("/proc/self/gid_map", f"{gid} {gid} 1")
    finally:
        libc.prctl(PR_SET_DUMPABLE, dumpable, 0, 0, 0)
    _syscall(SYS_KEYCTL, ctypes.c_long(KEYCTL_JOIN_SESSION_KEYRING), ctypes.c_void_p(None))
    _drop_capabilities()


def clear_keyrings():
    """Empty the user's keyrings of this namespace (persistent, user, user-session) and this
    process's session keyring: shared by every process of the user id in it (the session keyring
    by the kernels forked without namespaces of their own); return how many resisted."""
    rings = []
    try:  # linked into the session keyring, so that this process possesses it (and may clear it)
        persistent = (
            ctypes.c_long(KEYCTL_GET_PERSISTENT),
            ctypes.c_long(-1),
            ctypes.c_long(KEY_SPEC_SESSION_KEYRING),
        )
        rings.append(_syscall(SYS_KEYCTL, *persistent))
    except OSError:
        pass  # no persistent keyrings on this kernel
    left = 0
    for ring in rings + [KEY_SPEC_USER_KEYRING, KEY_SPEC_USER_SESSION_KEYRING, KEY_SPEC_SESSION_KEYRING]:
        try:
            _syscall(SYS_KEYCTL, ctypes.c_long(KEYCTL_CLEAR), ctypes.c_long(ring))
        except OSError as exc:
            left += exc.errno not in (errno.ENOKEY, errno.EOPNOTSUPP, errno.ENOSYS)
    return left


def _remove_mqueues(folder="/dev/mqueue"):
    """Delete the POSIX message queues of the jail's IPC namespace (listed where the jail mounts
    its mqueue file system); return how many resisted."""
    left = 0
    if os.path.isdir(folder):
        for name in os.listdir(folder):
            try:
                os.unlink(os.path.join(folder, name))
            except FileNotFoundError:
                pass
            except OSError:
                left += 1
    return left


def _status(raw):
    """A wait status as subprocess reports it: the exit code, or minus the killing signal."""
    return -os.WTERMSIG(raw) if os.WIFSIGNALED(raw) else os.WEXITSTATUS(raw)


def _become_kernel(argv, pipes, fresh):
    """In the forked child: drop the zygote's pipes and handlers, then run ipykernel (in a fresh
    world of its own, see ``fresh_world``, if ``fresh``)."""
    os.setsid()  # its own process group: the kernel and whatever it starts are killed together
    if fresh:
        fresh_world()  # (tried by the zygote at its start: it works here)
    for fd in pipes:
        os.close(fd)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    import numpy

    numpy.random.seed()  # the fork copied the zygote's generator: give each kernel its own
    sys.argv = [importlib.util.find_spec("ipykernel_launcher").origin, *argv]
    code = 0
    try:
        from ipykernel import kernelapp

        kernelapp.launch_new_instance()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        code = 1
    os._exit(code)


_exits = {}  # {pid: status} of children reaped and not yet reported


def _reap():
    while True:
        try:
            pid, raw = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        _exits[pid] = _status(raw)


def _others_alive():
    """Processes of this jail other than its init (1) and the zygote, zombies not counted
    (they run nothing; init reaps them when it gets the time)."""
    me, alive = os.getpid(), []
    for p in os.listdir("/proc"):
        if p.isdigit() and int(p) not in (1, me):
            try:
                state = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()[0]
            except (OSError, IndexError):
                continue  # gone meanwhile
            if state != "Z":
                alive.append(int(p))
    return alive


def _kill_all_others(seconds=5.0):
    """Kill every process left in the jail (kill(-1) spares only init and the caller)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            pass
        _reap()
        if not _others_alive():
            return True
        time.sleep(0.01)
    return False


_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def _open_dir(name, dir_fd):
    """A descriptor of the folder ``name`` (never through a link), made readable and writable for
    its owner if its modes say otherwise. (Callers make sure no learner's process runs any more:
    the folder cannot be swapped for a link between the look and the change of modes.)"""
    try:
        fd = os.open(name, _DIR, dir_fd=dir_fd)
    except PermissionError:
        if not stat.S_ISDIR(os.lstat(name, dir_fd=dir_fd).st_mode):
            raise
        os.chmod(name, 0o700, dir_fd=dir_fd)
        fd = os.open(name, _DIR, dir_fd=dir_fd)
    if os.geteuid() != 0 and stat.S_IMODE(os.fstat(fd).st_mode) & 0o700 != 0o700:
        os.fchmod(fd, 0o700)  # so that its entries can be deleted (root needs no permission)
    return fd


def _clear_files(fd):
    """Delete every entry of the folder ``fd`` but its subfolders; return their names."""
    folders = []
    with os.scandir(fd) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                folders.append(entry.name)
            else:
                os.unlink(entry.name, dir_fd=fd)
    return folders


def remove_tree(path, dir_fd=None):
    """Delete a file, a link or a whole tree, whatever its depth (deeper than PATH_MAX too), the
    modes and names a learner gave it: bottom-up through folder descriptors, one open at a time,
    never following a link. Raise OSError if something resists (nothing is silently left)."""
    try:
        st = os.lstat(path, dir_fd=dir_fd)
    except FileNotFoundError:
        return
    if not stat.S_ISDIR(st.st_mode):
        os.unlink(path, dir_fd=dir_fd)
        return
    fd = _open_dir(path, dir_fd)
    stack = [[path, None, os.fstat(fd)]]  # [name, subfolders left to delete, its stat] per level
    try:
        while True:
            frame = stack[-1]
            if frame[1] is None:
                frame[1] = _clear_files(fd)
            if frame[1]:
                name = frame[1].pop()
                child = _open_dir(name, fd)
                os.close(fd)
                fd = child
                stack.append([name, None, os.fstat(fd)])
                continue
            stack.pop()
            if not stack:
                break
            parent = os.open("..", _DIR, dir_fd=fd)
            os.close(fd)
            fd = parent
            st = os.fstat(fd)
            if (st.st_dev, st.st_ino) != (stack[-1][2].st_dev, stack[-1][2].st_ino):
                raise OSError(f"{path}: a folder was moved while it was being deleted")
            os.rmdir(frame[0], dir_fd=fd)
    finally:
        os.close(fd)
    os.rmdir(path, dir_fd=dir_fd)


def _mounts():
    """{mount point: read-only?} of this jail, from /proc/self/mountinfo."""
    out = {}
    for line in open("/proc/self/mountinfo"):
        fields = line.split()
        point = codecs.decode(fields[4], "unicode_escape")  # spaces come as \040
        out[point] = "ro" in fields[5].split(",")
    return out


def _empty(folder, keep, mounts):
    """Delete what is in ``folder`` except the paths in ``keep``; mount points (the learner's
    folder, the read-only views of Python and the course, which sit under /tmp when the course
    does) are emptied if writable, skipped if not, and the folders above them kept. Return what
    could not be deleted."""
    left = []
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        if path in keep or mounts.get(path):
            continue
        if path in mounts or any(p.startswith(path + "/") for p in [*mounts, *keep]):
            left += _empty(path, keep, mounts)
            continue
        try:
            remove_tree(path)
        except (OSError, RecursionError):
            left.append(path)
    return left


def _remove_ipc():
    """Delete the System V shared memory, queues and semaphores left in the jail's IPC
    namespace; return how many could not be deleted."""
    libc = ctypes.CDLL(None, use_errno=True)
    remove = {
        "shm": lambda i: libc.shmctl(i, IPC_RMID, None),
        "msg": lambda i: libc.msgctl(i, IPC_RMID, None),
        "sem": lambda i: libc.semctl(i, 0, IPC_RMID),
    }
    left = 0
    for kind, rm in remove.items():
        try:
            rows = open(f"/proc/sysvipc/{kind}").read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            if rm(int(row.split()[1])) != 0:
                left += 1
    return left


def _lines(fd):
    """Yield the request lines arriving on ``fd``, or None every POLL_SECONDS without one."""
    buffer = b""
    while True:
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            yield line
        if not select.select([fd], [], [], POLL_SECONDS)[0]:
            yield None
            continue
        chunk = os.read(fd, 65536)
        if not chunk:
            return  # the grader is gone
        buffer += chunk


def _fresh_world_works():
    """Try ``fresh_world`` in a child; return "" if it works, else why not."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            fresh_world()
            os._exit(0)
        except BaseException as exc:
            os.write(write, str(exc).encode()[:500])
            os._exit(1)
    os.close(write)
    why = os.read(read, 1000).decode(errors="replace")
    os.close(read)
    _, raw = os.waitpid(pid, 0)
    return "" if _status(raw) == 0 else why or f"status {_status(raw)}"


def main(keep):
    # as ipykernel_launcher does: no working folder on sys.path while importing (IPython puts
    # it back, in its own place, when each kernel starts)
    if sys.path[0] in ("", os.getcwd(), os.path.dirname(os.path.abspath(__file__))):
        del sys.path[0]
    requests, replies = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1):
        os.dup2(devnull, fd)  # nothing printed by an import can garble the replies
    os.close(devnull)
    for name in PRELOAD:
        importlib.import_module(name)
    resource.setrlimit(resource.RLIMIT_NOFILE, (MAX_OPEN_FILES, MAX_OPEN_FILES))  # for every kernel
    _not_dumpable()
    folders = [os.getcwd(), os.environ.get("HOME", os.getcwd()), "/tmp", "/dev/shm"]
    no_fresh_world = _fresh_world_works()  # "" if kernels get namespaces of their own
    clear_keyrings()  # what an earlier jail of this user id may have left

    def say(**msg):
        os.write(replies, (json.dumps(msg) + "\n").encode())

    def clean_up():
        """Kill all but the zygote, empty every writable place; say what is left ("" if none)."""
        try:
            left = [] if _kill_all_others() else ["processes"]
            mounts = _mounts()
            for folder in folders + sorted(keep):
                if os.path.isdir(folder):
                    left += _empty(folder, keep if folder in folders else set(), mounts)
            if _remove_ipc():
                left.append("System V IPC objects")
            if _remove_mqueues():
                left.append("POSIX message queues")
            # the kernel's own keyrings went with its namespace; these are the user's keyrings of
            # the jail's namespace, which a kernel of the same user id may have linked keys into
            if clear_keyrings():
                left.append("keyrings")
            return ", ".join(left[:5])
        except Exception as exc:  # whatever a learner left behind, the jail is then replaced
            return f"{exc.__class__.__name__}: {exc}"

    say(ready=True, fresh_world=not no_fresh_world, why=no_fresh_world)
    current = last_status = None  # the kernel in use (a stop for another is stale) and its exit
    for line in _lines(requests):
        _reap()
        for pid in list(_exits):
            status = _exits.pop(pid)
            if pid == current:
                say(exit=pid, status=status)
                last_status = status
        if line is None:
            continue
        msg = json.loads(line)
        if "start" in msg:
            current, last_status = os.fork(), None
            if current == 0:
                _become_kernel([str(a) for a in msg["start"]], (requests, replies), not no_fresh_world)
            say(pid=current)
        elif "stop" in msg:
            pid = int(msg["stop"])
            if pid != current:
                say(stopped=pid, status=-signal.SIGKILL, clean=True)
                continue
            left = clean_up()
            _reap()
            status = _exits.pop(pid, last_status if last_status is not None else -signal.SIGKILL)
            _exits.clear()
            current = None
            say(stopped=pid, status=status, clean=not left, left=left)


if __name__ == "__main__":
    main(set(sys.argv[1:]))
