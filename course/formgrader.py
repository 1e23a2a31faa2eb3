"""``course formgrader``: nbgrader's formgrader for grading by hand, on the course's own gradebook.

It starts a Jupyter server in the course folder with nbgrader's formgrader extension, on
127.0.0.1 only and behind a token, and prints the address to open. Manual scores and comments
go into ``gradebook.db``, the gradebook ``course autograde``, ``course report`` and
``course export`` use. Ctrl-C stops it.

The same server can be started by hand (``jupyter server`` from the course folder); this
command picks a free port and a token, leaves out the extensions meant for learners, and keeps
the server's log in ``.course/formgrader.log``.
"""

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

# the server extensions meant for learners (fetching and validating assignments) and the
# language server: not needed to grade, and seconds to import
LEFT_OUT = [
    "jupyter_lsp",
    "nbgrader.server_extensions.assignment_list",
    "nbgrader.server_extensions.course_list",
]
LOG = os.path.join(".course", "formgrader.log")


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def command(root: str, port: int, token: str) -> list[str]:
    """The command that serves the formgrader of the course at ``root`` (run it in ``root``)."""
    cmd = [sys.executable, "-m", "jupyter_server", f"--ServerApp.root_dir={os.path.abspath(root)}"]
    cmd += ["--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0"]
    cmd += [f"--IdentityProvider.token={token}", "--ServerApp.open_browser=False"]
    cmd += ["--ServerApp.default_url=/formgrader"]  # the server's front page (see ``url``)
    for name in LEFT_OUT:
        cmd += ["--ServerApp.jpserver_extensions", f"{name}=False"]
    if os.geteuid() == 0:  # Jupyter refuses root unless told
        cmd.append("--allow-root")
    return cmd


def url(port: int, token: str, path: str = "") -> str:
    """The address of the server's ``path`` with the token that logs in; by default its front page,
    which leads to the formgrader.

    Log in there, not on a formgrader page: formgrader's pages set the login cookie for their own
    folder only (nbgrader 0.9 strips the server's base URL "/" to "", so the cookie has no
    ``Path``), and the manual-grading page could then not save anything (its API calls are sent
    to the login page)."""
    return f"http://127.0.0.1:{port}/{path}?token={token}"


def start(root: str, port: int = 0, token: str = "", log=None) -> tuple[subprocess.Popen, str]:
    """Start the formgrader of the course at ``root``; return (the server process, its address)
    once it answers. ``log``: a file for the server's output (default: ``.course/formgrader.log``)."""
    from .autograde import Course

    course = Course(root)
    course.gradebook().close()  # a clear error if there is no gradebook yet
    port, token = port or free_port(), token or secrets.token_hex(16)
    if log is None:
        os.makedirs(course.path(".course"), exist_ok=True)
        log = open(course.path(LOG), "ab")  # noqa: SIM115  (the server writes to it until it stops)
    proc = subprocess.Popen(command(course.root, port, token), cwd=course.root, stdout=log, stderr=log)
    try:
        _wait_for(proc, url(port, token, "api/status"))
    except BaseException:
        stop(proc)
        raise
    return proc, url(port, token)


def _wait_for(proc, address, seconds=120):
    from .autograde import CourseError

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise CourseError(
                f"the formgrader stopped at its start (exit status {proc.returncode}); see {LOG}."
            )
        try:
            with urllib.request.urlopen(address, timeout=5):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    raise CourseError(f"the formgrader did not answer within {seconds} s; see {LOG}.")


def stop(proc: subprocess.Popen) -> None:
    """Stop a server started by ``start``."""
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def serve(root: str, port: int = 0, verbose: bool = False) -> int:
    """``course formgrader``: start it, print the address, wait for Ctrl-C."""
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # `kill` stops the server too
    proc, address = start(root, port, log=None if not verbose else sys.stderr)
    print(f"formgrader of {os.path.abspath(root)}: open\n  {address}\n(Ctrl-C stops it)", flush=True)
    try:
        proc.wait()
    except KeyboardInterrupt:
        pass
    finally:
        stop(proc)
    return 0
