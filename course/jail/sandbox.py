"""Where a learner's code runs: a private folder, resource limits and, where possible, a jail.

A kernel for one notebook runs inside a ``Sandbox`` (with the jail, one per worker: its kernels
are forked there one after another, see ``course.jail.kernels``, and it is emptied between them):

- an empty working folder (a copy of the submission's files is put there; the notebook
  itself, which holds the hidden tests, never is);
- rlimits on CPU seconds, address space (memory), processes, file size, core dumps;
- a scrubbed environment (nothing of the grader's environment leaks, no ``NBGRADER_*``);
- with bubblewrap (Debian package ``bubblewrap``): new mount, PID, IPC, UTS and network
  namespaces; the file system is read-only except the working folder, home, /tmp and /dev/shm,
  which (when the grader is root) all live on one tmpfs of the sandbox's own, mounted on the host
  with a hard size and file-count cap (``Limits.tmp_bytes``, ``Limits.max_inodes``): the disk a
  jail can fill is bounded, and unmounting it removes whatever a learner left there;
  the course folder, the gradebook, the source notebooks and other submissions are not even
  visible; when the grader runs as root the code also runs as an unprivileged user of its own;
- each kernel in user and IPC namespaces of its own (``inside/zygote.py``'s ``fresh_world``):
  its keyrings, POSIX message queues and System V objects end with it; the jail leaves the
  grader's session keyring for one of its own (``inside/limits.py``);
- where the machine allows it (root with cgroup v1's memory controller, or a cgroup v2 subtree
  with the memory controller delegated), a memory cgroup per jail: all its processes together get
  at most ``Limits.jail_memory_bytes`` (``MemoryCgroup``);
- a wall-clock limit for the whole notebook (enforced by the grader, outside the sandbox: see
  ``course.worker.SandboxedExecute``).

``detect()`` says what this machine allows, with a reason for anything missing, so the grader
degrades to what is possible and says so instead of failing.
"""

import ctypes
import errno
import fcntl
import functools
import glob
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

# Inside the jail the learner's folder is always here (outside it is a private temp folder).
JAIL_HOME = "/home/learner"
JAIL_WORK = JAIL_HOME + "/work"
# The only grader code a kernel's jail sees: the rlimit launcher and the zygote (standard library only).
INSIDE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "inside")
# Unprivileged user ids for kernels when the grader runs as root, one per running kernel. Their lock
# files are in one place for every grader on the machine, whatever TMPDIR each has.
FIRST_UID = 61000
UID_SLOTS = 512
UID_LOCKS = "/tmp/course-sandbox-uids"
# Sandbox folders are named after the process that made the first one (a pool's workers are its
# forks), so it can remove those of workers killed before they could (``remove_sandboxes``).
OWNER = os.getpid()
PREFIX = "course-sandbox-"
MS_NOSUID, MS_NODEV, MNT_DETACH = 2, 4, 2
# Room kept on a jail's tmpfs for the grader, out of the jail's view (``Sandbox.make_room``).
RESERVE_BYTES = 16 * 2**20
RESERVE_FILES = 64


@dataclass(frozen=True)
class Limits:
    """Resource limits for one notebook's kernel (all sizes in bytes, times in seconds)."""

    notebook_timeout: float = 300.0  # wall clock for the whole notebook
    cpu_seconds: int = 300  # RLIMIT_CPU
    memory_bytes: int = 2 * 1024**3  # RLIMIT_AS (each process)
    jail_memory_bytes: int = 3 * 1024**3  # all the jail's processes together (a memory cgroup)
    max_processes: int = 64  # RLIMIT_NPROC (only enforceable for a dedicated user)
    max_file_bytes: int = 64 * 1024**2  # RLIMIT_FSIZE
    max_output_bytes: int = 2 * 1024**2  # all outputs of the notebook together
    tmp_bytes: int = 256 * 1024**2  # disk of one jail: working folder, home, /tmp, /dev/shm together
    max_inodes: int = 32768  # files and folders in them together (a tmpfs's nr_inodes)
    network: bool = False


@dataclass(frozen=True)
class Support:
    """What isolation this machine gives; ``notes`` explains anything missing in words."""

    bwrap: bool
    network_isolated: bool
    own_user: bool
    notes: tuple = field(default_factory=tuple)
    disk_capped: bool = False  # the jail's writable places are one size-capped tmpfs of its own
    fresh_world: bool = False  # each kernel has user and IPC namespaces of its own
    memory_cgroup: str = ""  # the folder under which each jail gets a memory cgroup ("" if none)

    def describe(self) -> str:
        """What isolation this is, in words, with a line per note."""
        parts = [
            "bubblewrap jail" if self.bwrap else "no jail (bubblewrap unavailable)",
            "no network" if self.network_isolated else "network NOT isolated",
            "own unprivileged user" if self.own_user else "runs as the grader's user",
        ]
        if self.bwrap:
            parts.append("disk capped (a tmpfs per jail)" if self.disk_capped else "disk NOT capped")
        parts.append(
            "keyrings and IPC of each kernel's own (user and IPC namespaces)"
            if self.fresh_world
            else "keyrings and IPC shared between kernels (emptied after each)"
        )
        if self.memory_cgroup:
            parts.append("memory capped per jail (a memory cgroup) and per process (RLIMIT_AS)")
        elif self.own_user:
            parts.append(
                "memory watched per jail (its processes' resident memory added up every 0.2 s and "
                "the kernel stopped past the cap; files on a tmpfs not counted) and capped per "
                "process (RLIMIT_AS)"
            )
        else:
            parts.append("memory capped per process only (RLIMIT_AS; a jail's processes together are not)")
        return ", ".join(parts) + "".join(f"\n  - {n}" for n in self.notes)


def _bwrap_works():
    exe = shutil.which("bwrap")
    if exe is None:
        return False, (
            "bubblewrap is not installed (Debian: apt-get install bubblewrap; "
            "`make test` installs it): student code can see the file system and network"
        )
    probe = [
        exe,
        "--unshare-net",
        "--unshare-pid",
        "--die-with-parent",
        "--ro-bind",
        "/",
        "/",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "true",
    ]
    try:
        proc = subprocess.run(probe, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"bubblewrap could not start ({exc})"
    if proc.returncode != 0:
        return False, (
            "bubblewrap cannot create namespaces here ("
            + proc.stderr.strip()
            + "); in a container, allow user namespaces or run privileged"
        )
    return True, ""


@functools.cache
def detect(allow_bwrap: bool = True) -> Support:
    """What isolation this machine gives (probed once per process); ``allow_bwrap=False``: none."""
    notes = []
    bwrap = False
    if allow_bwrap:
        bwrap, why = _bwrap_works()
        if why:
            notes.append(why)
    else:
        notes.append("the jail was switched off (--no-jail): student code can see the file system")
    own_user = bwrap and os.geteuid() == 0
    if bwrap and not own_user:
        notes.append(
            "the grader is not root, so kernels run as the grader's user inside the jail "
            "and the process limit is not applied"
        )
    if not bwrap:
        notes.append("without the jail a learner's code could read files the grader can read")
    disk_capped = False
    if own_user:
        disk_capped, why = _mount_works()
        if why:
            notes.append(why)
    elif bwrap:
        notes.append(
            "the grader is not root, so the working folder is a plain host folder: its size is "
            "not capped (only each file's, by the file size limit)"
        )
    partial = Support(bwrap=bwrap, network_isolated=bwrap, own_user=own_user, disk_capped=disk_capped)
    fresh, why = _fresh_world_works(partial)
    if why:
        notes.append(why)
    cgroup, why = _memory_cgroup()
    if why:
        notes.append(why)
    return Support(
        bwrap=bwrap,
        network_isolated=bwrap,
        own_user=own_user,
        notes=tuple(notes),
        disk_capped=disk_capped,
        fresh_world=fresh,
        memory_cgroup=cgroup,
    )


FRESH_WORLD_PROBE = """
import sys
sys.path.insert(0, sys.argv[1])
import zygote
try:
    zygote.fresh_world()
except OSError as exc:
    sys.exit(str(exc))
"""


def _fresh_world_works(support):
    """Whether a kernel, in the sandbox ``support`` gives and as the user it runs as, can enter
    user and IPC namespaces of its own: tried in a sandbox of that kind."""
    try:
        sandbox = Sandbox(Limits(tmp_bytes=RESERVE_BYTES + 4 * 2**20, max_inodes=1024), support)
    except (OSError, RuntimeError) as exc:
        return False, f"kernels' own namespaces were not tried: no sandbox ({exc})"
    try:
        cmd = sandbox.wrap([sys.executable, "-c", FRESH_WORLD_PROBE, INSIDE])
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=60, env=sandbox.env(), cwd=sandbox.work
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        proc = subprocess.CompletedProcess([], 1, "", str(exc))
    finally:
        sandbox.cleanup()
    if proc.returncode == 0:
        return True, ""
    return False, (
        "kernels cannot have user and IPC namespaces of their own ("
        + (proc.stderr.strip().splitlines() or ["?"])[-1]
        + "): keyrings, message queues and System V IPC are shared by a jail's kernels one after "
        "another and emptied between them (allow unprivileged user namespaces to isolate them)"
    )


CGROUP_PREFIX = "course-jail-"


def _cgroup_base():
    """(the folder of this process's memory cgroup, "v1" or "v2"), or (None, why not)."""
    try:
        lines = open("/proc/self/cgroup").read().splitlines()
        mounts = [line.split() for line in open("/proc/self/mounts")]
    except OSError as exc:
        return None, f"no cgroups ({exc})"
    v1 = {m[1] for m in mounts if m[2] == "cgroup" and "memory" in m[3].split(",")}
    v2 = [m[1] for m in mounts if m[2] == "cgroup2"]
    for line in lines:
        number, controllers, path = line.split(":", 2)
        if "memory" in controllers.split(",") and v1:
            return os.path.join(sorted(v1)[0], path.lstrip("/")), "v1"
        if number == "0" and controllers == "" and v2:
            folder = os.path.join(v2[0], path.lstrip("/"))
            try:
                if "memory" in open(os.path.join(folder, "cgroup.subtree_control")).read().split():
                    return folder, "v2"
            except OSError:
                pass
    return None, (
        "no memory cgroup controller delegated to the grader (cgroup v2: memory in the "
        "cgroup.subtree_control of the grader's cgroup)"
    )


def _memory_cgroup():
    """Where jails' memory cgroups go, probed by making one ("" and why not, if impossible)."""
    base, version = _cgroup_base()
    if base is None:
        return "", "no memory cgroup per jail: " + version
    try:
        probe = MemoryCgroup(base, 64 * 2**20)
        probe.remove()
    except OSError as exc:
        return "", (
            f"no memory cgroup per jail: cannot make one under {base} ({exc.strerror or exc}; "
            "needs root or a delegated cgroup v2 subtree)"
        )
    return base, ""


class MemoryCgroup:
    """A memory cgroup of one jail under ``base``: every process of the jail together gets at
    most ``limit`` bytes (and no swap); past it the host's kernel kills one of them."""

    def __init__(self, base: str, limit: int) -> None:
        self.v2 = os.path.exists(os.path.join(base, "cgroup.controllers"))
        self.path = tempfile.mkdtemp(prefix=f"{CGROUP_PREFIX}{OWNER}-", dir=base)
        try:
            if self.v2:
                self._set("memory.max", limit)
                self._set("memory.swap.max", 0, optional=True)
            else:
                self._set("memory.limit_in_bytes", limit)
                self._set("memory.memsw.limit_in_bytes", limit, optional=True)
        except OSError:
            self.remove()
            raise

    def _set(self, name, value, optional=False):
        try:
            with open(os.path.join(self.path, name), "w") as fh:
                fh.write(str(int(value)))
        except FileNotFoundError:
            if not optional:
                raise

    @property
    def procs(self) -> str:
        """The file a process writes its pid into to join (its children are then members too)."""
        return os.path.join(self.path, "cgroup.procs")

    def killed(self) -> int:
        """How many times the host's kernel killed a process of the jail at the cap."""
        try:
            if self.v2:
                for line in open(os.path.join(self.path, "memory.events")):
                    if line.startswith("oom_kill "):
                        return int(line.split()[1])
                return 0
            for line in open(os.path.join(self.path, "memory.oom_control")):
                if line.startswith("oom_kill "):
                    return int(line.split()[1])
        except OSError:
            pass
        return 0

    def remove(self) -> None:
        """Kill what is left in it and delete it (raise OSError if it resists)."""
        self.remove_folder(self.path)

    @staticmethod
    def remove_folder(path: str) -> None:
        """Kill the processes of the cgroup ``path`` and delete it."""
        deadline = time.monotonic() + 5
        while True:
            try:
                pids = [int(p) for p in open(os.path.join(path, "cgroup.procs")).read().split()]
            except FileNotFoundError:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            try:
                os.rmdir(path)
                return
            except FileNotFoundError:
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def mount_tmpfs(path: str, size: int, inodes: int) -> None:
    """Mount a tmpfs of at most ``size`` bytes and ``inodes`` files on ``path`` (root only)."""
    options = f"size={int(size)},nr_inodes={int(inodes)},mode=0711,uid=0,gid=0".encode()
    if _libc().mount(b"tmpfs", os.fsencode(path), b"tmpfs", MS_NOSUID | MS_NODEV, options) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"cannot mount a tmpfs on {path}: {os.strerror(err)}")


def unmount(path: str) -> None:
    """Detach the mount on ``path`` (and so drop everything in it), even if still in use."""
    if _libc().umount2(os.fsencode(path), MNT_DETACH) != 0:
        err = ctypes.get_errno()
        if err not in (errno.EINVAL, errno.ENOENT):  # EINVAL: not a mount point (any more)
            raise OSError(err, f"cannot unmount {path}: {os.strerror(err)}")


def _mount_works():
    folder = tempfile.mkdtemp(prefix="course-mount-probe-")
    try:
        mount_tmpfs(folder, 2**20, 16)
        unmount(folder)
        return True, ""
    except OSError as exc:
        return False, (
            f"the jail's disk is not capped: {exc.strerror} (mounting a tmpfs needs root and "
            "CAP_SYS_ADMIN); a learner could fill the disk under the working folder"
        )
    finally:
        os.rmdir(folder)


def remove_tree(path: str) -> None:
    """Delete a file or a whole tree whatever its depth, modes or names, never through a link
    (raises OSError if something resists): the zygote's own ``remove_tree``."""
    from .inside.zygote import remove_tree as remove

    remove(path)


def remove_sandbox(root: str) -> None:
    """Delete a sandbox folder: unmount its tmpfs (all a learner left goes with it), then delete
    what is left. Raise OSError if something resists."""
    unmount(root)
    remove_tree(root)


def hold(path: str) -> int:
    """Mark the folder ``path`` as in use for as long as this process lives (a shared lock on it;
    the descriptor is returned: closing it ends the mark). ``sweep`` leaves such folders alone."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    fcntl.flock(fd, fcntl.LOCK_SH)
    return fd


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        pass
    return True


def sweep(folder: str, prefix: str, remove=None) -> list[str]:
    """Remove the folders ``<folder>/<prefix><pid>-*`` of graders killed before they could clean
    up: process ``pid`` is gone and no living process holds the folder (``hold``). Return what
    resisted, with the reason."""
    left = []
    for path in glob.glob(os.path.join(glob.escape(folder), glob.escape(prefix) + "*-*")):
        owner = os.path.basename(path)[len(prefix) :].split("-")[0]
        if not owner.isdigit() or _alive(int(owner)):
            continue
        try:
            fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            continue  # in use
        finally:
            os.close(fd)
        try:
            (remove or remove_sandbox)(path)
        except OSError as exc:
            left.append(f"{path}: {exc}")
    return left


def sweep_sandboxes() -> list[str]:
    """Remove the sandbox folders (and their mounts) and the jails' memory cgroups of graders
    that died; see ``sweep``."""
    left = sweep(tempfile.gettempdir(), PREFIX)
    base = detect().memory_cgroup
    if base:
        left += sweep(base, CGROUP_PREFIX, remove=lambda path: MemoryCgroup.remove_folder(path))
    return left


def remove_sandboxes(owner: int | None = None) -> list[str]:
    """Remove the sandbox folders of ``owner``'s workers (default: this process's), once they
    are gone; return those that could not be removed, with the reason."""
    left = []
    pattern = os.path.join(tempfile.gettempdir(), f"{PREFIX}{OWNER if owner is None else owner}-*")
    for path in glob.glob(pattern):
        try:
            remove_sandbox(path)
        except OSError as exc:
            left.append(f"{path}: {exc}")
    base = detect().memory_cgroup
    if base:  # the jails' memory cgroups
        for path in glob.glob(
            os.path.join(glob.escape(base), f"{CGROUP_PREFIX}{OWNER if owner is None else owner}-*")
        ):
            try:
                MemoryCgroup.remove_folder(path)
            except OSError as exc:
                left.append(f"{path}: {exc}")
    return left


class UidSlot:
    """An unprivileged user id reserved for one kernel (a lock file keeps two kernels apart)."""

    def __init__(self) -> None:
        folder = UID_LOCKS
        os.makedirs(folder, exist_ok=True)
        for uid in range(FIRST_UID, FIRST_UID + UID_SLOTS):
            fd = os.open(os.path.join(folder, str(uid)), os.O_CREAT | os.O_RDWR, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                continue
            self.uid, self._fd = uid, fd
            return
        raise RuntimeError(f"all {UID_SLOTS} sandbox user ids are busy; lower --jobs")

    def release(self) -> None:
        """Kill the user's processes and free the id."""
        kill_user(self.uid)
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)


def kill_user(uid: int) -> None:
    """Kill every process of ``uid`` (what a learner's code may have left running) and empty the
    user's keyrings of the host's namespace."""
    pid = os.fork()
    if pid == 0:  # the child becomes that user and signals everything it owns
        try:
            os.setgid(uid)
            os.setuid(uid)
            os.kill(-1, signal.SIGKILL)
        except OSError:
            os._exit(0)
        try:  # and empty the user's keyrings, which a kernel of this user id may have written
            from .inside.zygote import clear_keyrings

            clear_keyrings()
        except Exception:
            pass
        os._exit(0)
    os.waitpid(pid, 0)


def _read_only_paths():
    """Folders the kernel needs to read: Python, the virtual environment, the reference and the test
    helpers (`_kernel_packages`), and the two launcher scripts of `inside/`.

    Nothing else: not the grader, the course folder, the gradebook, the source notebooks or submissions.
    """
    paths = {
        sys.prefix,
        sys.base_prefix,
        os.path.dirname(os.path.realpath(sys.executable)),
        INSIDE,
        *(os.path.dirname(os.path.abspath(m.__file__)) for m in _kernel_packages()),
    }
    for p in sys.path:  # site-packages folders (inside the prefixes above, or the user's own)
        if p and "-packages" in p and os.path.isdir(p):
            paths.add(os.path.abspath(p))
    system = [
        "/usr",
        "/lib",
        "/lib64",
        "/bin",
        "/sbin",
        "/etc/ld.so.cache",
        "/etc/alternatives",
        "/etc/localtime",
        "/etc/passwd",
        "/etc/group",
        "/etc/nsswitch.conf",
        "/etc/fonts",
        "/etc/matplotlibrc",
    ]
    return system + sorted(paths)


def _kernel_packages():
    """The course's packages a learner's kernel imports: the test helpers, and nothing else (the
    reference holds the answers: it never enters the jail; what an assignment gives comes with its
    notebook, in ``given.py``)."""
    import checks

    return (checks,)


def _package_paths():
    """Parents of the kernel's packages, for its PYTHONPATH (harmless if installed)."""
    return [os.path.dirname(os.path.dirname(os.path.abspath(m.__file__))) for m in _kernel_packages()]


def kernel_env(support: Support) -> dict[str, str]:
    """The whole environment of a learner's kernel: nothing else of the grader's leaks in."""
    home = JAIL_HOME if support.bwrap else None
    env = {
        "PATH": os.path.dirname(sys.executable) + ":/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "MPLBACKEND": "Agg",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "PYTHONPATH": os.pathsep.join(_package_paths()),
    }
    if home:
        env.update(
            HOME=home,
            TMPDIR="/tmp",
            MPLCONFIGDIR="/tmp/matplotlib",
            IPYTHONDIR="/tmp/ipython",
            JUPYTER_RUNTIME_DIR="/tmp/jupyter",
        )
    return env


def _parents(path, made):
    """bwrap arguments creating the missing parents of ``path`` as plain 0755 folders.

    (bwrap would otherwise copy the host's modes, and a private /root would hide Python.)
    """
    parent, missing = os.path.dirname(path), []
    while parent not in made:
        missing.append(parent)
        made.add(parent)
        parent = os.path.dirname(parent)
    args = []
    for folder in reversed(missing):
        args += ["--perms", "0755", "--dir", folder]
    return args


class Sandbox:
    """One kernel's private place (with the jail, one worker's kernels' in turn): a working folder
    (``work``), a folder for its sockets (``sockets``), maybe a user id of its own (``uid``).

    With ``support.disk_capped`` the whole folder is a tmpfs of its own (``limits.tmp_bytes``,
    ``limits.max_inodes``) holding the jail's home, /tmp and /dev/shm too (``tmp``, ``shm``)."""

    def __init__(self, limits: Limits, support: Support) -> None:
        self.limits, self.support = limits, support
        self.root = tempfile.mkdtemp(prefix=f"{PREFIX}{OWNER}-")
        self.slot, self._held, self.cgroup = None, None, None
        try:
            if support.memory_cgroup:  # every process of the jail together (the zygote included)
                self.cgroup = MemoryCgroup(support.memory_cgroup, limits.jail_memory_bytes)
            if support.disk_capped:
                mount_tmpfs(self.root, limits.tmp_bytes, limits.max_inodes)
            self._held = hold(self.root)  # (after mounting: the lock is on the tmpfs itself)
            os.chmod(self.root, 0o711)
            self.work = os.path.join(self.root, "work")
            self.sockets = os.path.join(self.root, "sockets")
            self.home = os.path.join(self.root, "home")  # HOME (in the jail: only if disk_capped)
            self.tmp = os.path.join(self.root, "tmp")  # the jail's /tmp and /dev/shm (disk_capped)
            self.shm = os.path.join(self.root, "shm")
            for d in (self.work, self.sockets, self.home, self.tmp, self.shm):
                os.mkdir(d)
            for d in (self.tmp, self.shm):
                os.chmod(d, 0o1777)
            self.slot = UidSlot() if support.own_user else None
            if self.slot:
                for d in (self.work, self.sockets, self.home):
                    os.chown(d, self.slot.uid, self.slot.uid)
            self.reserve()
        except BaseException:
            self.cleanup()
            raise

    def reserve(self) -> None:
        """Keep room for the grader on the jail's tmpfs (``RESERVE_BYTES`` and ``RESERVE_FILES``),
        in a folder the jail does not see, so that a learner who fills the jail's disk and leaves
        it full cannot keep the grader from writing there (``make_room`` frees it)."""
        path = os.path.join(self.root, "reserve")
        if not self.support.disk_capped or os.path.isdir(path):
            return
        os.mkdir(path, 0o700)
        fd = os.open(os.path.join(path, "space"), os.O_CREAT | os.O_WRONLY | os.O_CLOEXEC, 0o600)
        try:
            os.posix_fallocate(fd, 0, RESERVE_BYTES)
        finally:
            os.close(fd)
        for i in range(RESERVE_FILES - 2):
            os.close(os.open(os.path.join(path, str(i)), os.O_CREAT | os.O_WRONLY | os.O_CLOEXEC, 0o600))

    def make_room(self) -> None:
        """Free the room kept by ``reserve``: call it right before the grader writes into the
        jail's folders after a learner's code ran (the next kernel's start keeps it again)."""
        remove_tree(os.path.join(self.root, "reserve"))

    @property
    def uid(self) -> int | None:
        """The kernel's own user id, or None if it runs as the grader's user."""
        return self.slot.uid if self.slot else None

    def env(self) -> dict[str, str]:
        """The kernel's whole environment."""
        env = kernel_env(self.support)
        if not self.support.bwrap:
            env.update(
                HOME=self.home,
                TMPDIR=self.home,
                MPLCONFIGDIR=self.home,
                IPYTHONDIR=os.path.join(self.home, ".ipython"),
            )
        return env

    def limits_cmd(self, fresh_world: bool = False) -> list[str]:
        """The small launcher that applies rlimits (and drops to the kernel's own user; with
        ``fresh_world``, enters user and IPC namespaces of the command's own)."""
        lim = self.limits
        cmd = [
            sys.executable,
            os.path.join(INSIDE, "limits.py"),
            "--cpu",
            str(int(lim.cpu_seconds)),
            "--memory",
            str(int(lim.memory_bytes)),
            "--file-size",
            str(int(lim.max_file_bytes)),
        ]
        if self.uid is not None:
            cmd += ["--uid", str(self.uid), "--processes", str(int(lim.max_processes))]
        if fresh_world and self.support.fresh_world:
            cmd.append("--fresh-world")
        return cmd + ["--"]

    def wrap(self, cmd: list[str], fresh_world: bool = False) -> list[str]:
        """The full command line that runs ``cmd`` (a kernel) inside this sandbox; with
        ``fresh_world``, in user and IPC namespaces of its own (a kernel; not a zygote, which
        gives each kernel it forks its own)."""
        inner = self.limits_cmd(fresh_world) + list(cmd)
        if not self.support.bwrap:
            return self._in_cgroup(inner)
        args = [
            "bwrap",
            "--die-with-parent",
            "--unshare-pid",
            "--unshare-ipc",
            "--unshare-uts",
            "--unshare-cgroup-try",
            "--hostname",
            "learner",
        ]
        if not self.limits.network:
            args.append("--unshare-net")
        # the private /tmp and home first, so the read-only binds below stay visible in them
        if self.support.disk_capped:  # folders of the sandbox's own capped tmpfs
            args += ["--bind", self.tmp, "/tmp", "--perms", "0755", "--dir", os.path.dirname(JAIL_HOME)]
            args += ["--bind", self.home, JAIL_HOME]
        else:  # bubblewrap's tmpfs (capped in size, not in files; the working folder is not)
            args += ["--perms", "1777", "--size", str(self.limits.tmp_bytes), "--tmpfs", "/tmp"]
            args += ["--perms", "0777", "--size", str(self.limits.tmp_bytes), "--tmpfs", JAIL_HOME]
        made = {"/", "/tmp", JAIL_HOME}
        for path in _read_only_paths():
            if os.path.exists(path):
                args += _parents(path, made) + ["--ro-bind", path, path]
        args += ["--proc", "/proc", "--dev", "/dev", "--bind", self.work, JAIL_WORK]
        if self.support.disk_capped:  # else /dev/shm stays read-only with /dev
            args += ["--bind", self.shm, "/dev/shm"]
        args += ["--mqueue", "/dev/mqueue"]  # the jail's POSIX message queues, listed for clean-up
        args += _parents(self.sockets, made) + ["--bind", self.sockets, self.sockets]
        # the rest of the file system read-only, including the folders bwrap made above and /dev
        # (in a user namespace they would belong to the learner, and some are on the kernel's
        # path; devices stay usable)
        args += ["--remount-ro", "/", "--remount-ro", "/dev", "--chdir", JAIL_WORK, "--clearenv"]
        for key, value in self.env().items():
            args += ["--setenv", key, value]
        return self._in_cgroup(args + ["--"] + inner)

    def _in_cgroup(self, cmd):
        """``cmd`` made to join the jail's memory cgroup before it starts (so all it starts is in)."""
        if self.cgroup is None:
            return cmd
        return ["/bin/sh", "-c", 'echo $$ > "$0" && exec "$@"', self.cgroup.procs] + cmd

    def chown_for_kernel(self, path: str) -> None:
        """Give ``path`` (not what a link there points to) to the kernel's user, if it has one."""
        if self.uid is not None:  # never through a link a learner may have put there
            os.chown(path, self.uid, self.uid, follow_symlinks=False)

    def cleanup(self) -> None:
        """Free the user id and delete the sandbox's folders (all of them, whatever a learner
        left: its tmpfs is unmounted). What resists is left to ``remove_sandboxes``, which says so."""
        if self.slot:
            self.slot.release()
            self.slot = None
        if self.cgroup is not None:
            try:
                self.cgroup.remove()  # (kills whatever of the jail is left, bubblewrap's own too)
                self.cgroup = None
            except OSError:
                pass  # left to sweep_sandboxes
        if self._held is not None:
            os.close(self._held)
            self._held = None
        try:
            remove_sandbox(self.root)
        except OSError:
            pass
