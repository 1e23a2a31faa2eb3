"""Kernels for learners' notebooks: each in its own sandbox, started before they are needed.

``SandboxedKernelManager`` is jupyter_client's kernel manager with three changes: the kernel
command runs through ``Sandbox.wrap`` (jail and rlimits), its environment is scrubbed, and it
talks over Unix sockets in the sandbox's socket folder (so it works without any network).

``KernelPool`` keeps one kernel booting while the current notebook runs: ``take()`` hands out a
ready-to-use kernel and immediately starts the next, so a worker never waits for a start-up.
"""
import os
import signal
import subprocess
import time

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from traitlets import Any

from .sandbox import Sandbox, kill_user

KERNEL_ARGS = ["--HistoryManager.hist_file=:memory:"]


class SandboxedKernelManager(AsyncKernelManager):
    sandbox = Any(None, help="the course.sandbox.Sandbox this kernel runs in")

    @property
    def kernel_spec(self):
        spec = super().kernel_spec
        # interrupt over the control socket: a SIGINT to the process group would reach the
        # jail's own processes (bwrap) and end the kernel instead of interrupting it
        if spec is not None:
            spec.interrupt_mode = "message"
        return spec

    async def _async_pre_start_kernel(self, **kw):
        kernel_cmd, kw = await super()._async_pre_start_kernel(**kw)
        # the kernel (maybe another user) must read its connection file
        self.sandbox.chown_for_kernel(self.connection_file)
        return kernel_cmd, kw

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        kw["env"] = self.sandbox.env()
        kw["cwd"] = self.sandbox.cwd
        kw["stdin"] = subprocess.DEVNULL
        kw["stdout"] = subprocess.DEVNULL  # its output goes over the sockets, where it is capped
        kw["stderr"] = subprocess.DEVNULL
        await super()._async_launch_kernel(self.sandbox.wrap(kernel_cmd), **kw)


class Kernel:
    """A started kernel, its manager and its sandbox; ``kill()`` ends everything it started."""

    def __init__(self, limits, support):
        self.sandbox = Sandbox(limits, support)
        self.km = SandboxedKernelManager(
            kernel_name="python3", sandbox=self.sandbox, transport="ipc",
            ip=os.path.join(self.sandbox.sockets, "kernel"))
        self.km.connection_file = os.path.join(self.sandbox.sockets, "connection.json")
        self.started = time.monotonic()
        run_sync(self.km.start_kernel)(extra_arguments=list(KERNEL_ARGS))

    @property
    def process(self):
        prov = self.km.provisioner
        return getattr(prov, "process", None) if prov is not None else None

    def exit_status(self):
        """The kernel's exit status (negative: killed by that signal), or None while it runs."""
        proc = self.process
        return None if proc is None else proc.poll()

    def kill(self):
        """Kill the kernel and everything it started (its process group, its user)."""
        proc = self.process
        if proc is not None and proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass
        if self.sandbox.uid is not None:
            kill_user(self.sandbox.uid)

    def close(self):
        self.kill()
        proc = self.process
        if proc is not None:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        try:
            run_sync(self.km.cleanup_resources)()
        except Exception:  # the sockets may be gone already
            pass
        self.sandbox.cleanup()


class KernelPool:
    """One worker's kernels: one in use, the next already booting."""

    def __init__(self, limits, support, prestart=True):
        self.limits, self.support, self.prestart = limits, support, prestart
        self._next = Kernel(limits, support) if prestart else None

    def take(self):
        kernel = self._next if self._next is not None else Kernel(self.limits, self.support)
        self._next = None
        if kernel.exit_status() is not None:  # died while waiting (should not happen)
            kernel.close()
            kernel = Kernel(self.limits, self.support)
        if self.prestart:
            self._next = Kernel(self.limits, self.support)
        return kernel

    def close(self):
        if self._next is not None:
            self._next.close()
            self._next = None
