"""Expensive fixtures built once per test run, whatever the number of pytest-xdist workers.

pytest-xdist (as locked here) does not keep an ``xdist_group`` on one worker, so a session
fixture would be built once per worker. ``built_once`` builds it in the folder that all workers
of the run share, under a file lock: the first worker to get there builds, the others wait (or,
without ``wait``, go and do something else) and read what it built.
"""

import fcntl
import json
import os


def shared_folder(tmp_path_factory):
    """The temporary folder of this test run, the same for every xdist worker."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def built_once(tmp_path_factory, name, build, wait=True):
    """(folder, value): ``build(folder)`` run once per test run in ``<shared>/<name>``; its
    value must be JSON. Without ``wait``: None if another worker is building it right now."""
    base = shared_folder(tmp_path_factory)
    folder, done = base / name, base / name / "built.json"
    with open(base / f"{name}.lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            return None
        if not done.exists():
            folder.mkdir(parents=True, exist_ok=True)
            done.write_text(json.dumps(build(folder)))
    return folder, json.loads(done.read_text())
