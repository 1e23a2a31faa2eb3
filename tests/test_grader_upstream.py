"""The grader's patches of library internals (``course.upstream``) still hold.

Each test checks what one patch relies on, so that a new version of nbgrader, jupyter_client or
Python that breaks it fails here, by name, instead of slowing or breaking grading somewhere else.
"""

import os
import re
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import nbgrader.api
import pytest
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner
from jupyter_core.utils import run_sync

from course import upstream

ROOT = Path(__file__).resolve().parents[1]


def test_the_checked_versions_are_the_locked_ones():
    """The versions ``course.upstream`` names are those of requirements.lock (re-check the
    patches, then update ``CHECKED_WITH``, when the lock changes)."""
    locked = dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", (ROOT / "requirements.lock").read_text(), re.M))
    locked = {name.lower().replace("_", "-"): version for name, version in locked.items()}
    for name, version in upstream.CHECKED_WITH.items():
        if name != "python":
            assert locked[name.lower().replace("_", "-")] == version, name


def test_gradebooks_share_one_engine_per_address(tmp_path):
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    original = nbgrader.api.create_engine
    with (
        upstream.shared_engines(),
        nbgrader.api.Gradebook(url) as first,
        nbgrader.api.Gradebook(url) as second,
    ):
        assert first.engine is second.engine, "nbgrader no longer makes its engine with create_engine"
    assert nbgrader.api.create_engine is original
    with nbgrader.api.Gradebook(url) as first, nbgrader.api.Gradebook(url) as second:
        assert first.engine is not second.engine


def _gone(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state == "Z"


def test_stop_workers_kills_busy_workers():
    pool = ProcessPoolExecutor(max_workers=1, mp_context=get_context("fork"))
    pid = pool.submit(os.getpid).result(timeout=60)
    if not hasattr(pool, "terminate_workers"):  # before Python 3.14
        assert set(pool._processes) == {pid}, "ProcessPoolExecutor._processes changed"
    busy = pool.submit(time.sleep, 120)
    time.sleep(0.5)
    upstream.stop_workers(pool)
    deadline = time.monotonic() + 20
    while not _gone(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _gone(pid), "the busy worker is still running"
    assert busy.cancelled() or not busy.done() or busy.exception() is not None, "the task ran to its end"


class _Recording(LocalProvisioner):
    launched_with = None

    async def pre_launch(self, **kw):
        kw = await super().pre_launch(**kw)
        self.launched_with = kw
        return kw


def test_a_preset_provisioner_is_kept(tmp_path):
    km = AsyncKernelManager(kernel_name="python3", transport="ipc", ip=str(tmp_path / "kernel"))
    km.connection_file = str(tmp_path / "kernel.json")
    provisioner = _Recording(kernel_id="k", kernel_spec=km.kernel_spec, parent=km)
    upstream.use_provisioner(km, provisioner)
    try:
        cmd, _ = run_sync(km.pre_start_kernel)()
        assert km.provisioner is provisioner, "jupyter_client replaced the provisioner set beforehand"
        assert provisioner.launched_with is not None and "ipykernel_launcher" in cmd
    finally:
        run_sync(km.cleanup_resources)()


@pytest.mark.parametrize("version, adapted", [("4.1", 4), ("5.3", None)])
def test_a_kernel_info_reply_adapts_the_protocol(version, adapted):
    client = AsyncKernelClient()
    before = client.session.adapt_version
    upstream.adopt_kernel_info(client, {"content": {"protocol_version": version}})
    assert client.session.adapt_version == (adapted if adapted is not None else before)


def test_only_course_upstream_touches_library_internals():
    """The patches stay in one module: no other grader module reaches into these internals."""
    internals = re.compile(
        r"\._processes\b|create_engine\s*=|_handle_kernel_info_reply|km\.provisioner\s*="
        r"|_async_\w+|NotebookClient\.__init__|_check_assign_resources|_reconcile_connection_info"
    )
    for path in sorted((ROOT / "course").rglob("*.py")):
        if path.name == "upstream.py":
            continue
        found = internals.findall(path.read_text())
        assert not found, f"{path.relative_to(ROOT)} uses {found}: move the patch to course/upstream.py"
