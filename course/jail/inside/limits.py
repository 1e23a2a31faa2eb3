"""Start a command under resource limits: ``python .../course/jail/inside/limits.py [limits] -- cmd ...``.

Used by ``course.jail.sandbox`` to launch a learner's kernel. It sets the rlimits, optionally becomes
an unprivileged user, leaves the grader's session keyring for an empty one (and with
``--fresh-world`` enters user and IPC namespaces of its own), then replaces itself with the command
(so limits apply to it and to every process it starts).
"""

import argparse
import ctypes
import os
import resource
import sys

SYS_KEYCTL = {"x86_64": 250, "aarch64": 219}
KEYCTL_JOIN_SESSION_KEYRING = 1


def parse(argv):
    p = argparse.ArgumentParser(prog="limits.py")
    p.add_argument("--cpu", type=int, required=True, help="CPU seconds (RLIMIT_CPU)")
    p.add_argument("--memory", type=int, required=True, help="address space in bytes (RLIMIT_AS)")
    p.add_argument("--file-size", type=int, required=True, help="largest file in bytes (RLIMIT_FSIZE)")
    p.add_argument("--processes", type=int, help="processes of the user (RLIMIT_NPROC)")
    p.add_argument("--uid", type=int, help="run as this user and group id")
    p.add_argument(
        "--fresh-world", action="store_true", help="user and IPC namespaces of its own (zygote.fresh_world)"
    )
    p.add_argument("cmd", nargs=argparse.REMAINDER)
    args = p.parse_args(argv)
    if args.cmd[:1] == ["--"]:
        args.cmd = args.cmd[1:]
    if not args.cmd:
        p.error("no command given after --")
    return args


def apply(args):
    """Set the limits on this process; they are inherited by the command it becomes."""
    resource.setrlimit(resource.RLIMIT_CPU, (args.cpu, args.cpu + 5))
    resource.setrlimit(resource.RLIMIT_AS, (args.memory, args.memory))
    resource.setrlimit(resource.RLIMIT_FSIZE, (args.file_size, args.file_size))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if args.processes is not None:
        resource.setrlimit(resource.RLIMIT_NPROC, (args.processes, args.processes))
    if args.uid is not None:
        os.setgroups([])
        os.setgid(args.uid)
        os.setuid(args.uid)
    new_session_keyring()
    if args.fresh_world:  # where the machine allows it (``course sandbox`` says whether it does)
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import zygote

        try:
            zygote.fresh_world()
        except OSError:
            pass
    os.umask(0o022)


def new_session_keyring():
    """Leave the grader's session keyring (inherited, and possessed: readable and writable by
    whoever holds it) for a new, empty one of this process's own."""
    number = SYS_KEYCTL.get(os.uname().machine)
    if number is not None:  # (fails harmlessly where keyrings are not built in)
        libc = ctypes.CDLL(None, use_errno=True)
        libc.syscall(ctypes.c_long(number), ctypes.c_long(KEYCTL_JOIN_SESSION_KEYRING), ctypes.c_void_p(None))


def main(argv=None):
    args = parse(sys.argv[1:] if argv is None else argv)
    apply(args)
    os.execvp(args.cmd[0], args.cmd)


if __name__ == "__main__":
    main()
