"""Kernels for learners' notebooks, each in a sandbox, started fast.

A ``Kernel`` is jupyter_client's kernel manager (``SandboxedKernelManager``) with a provisioner of
its own (``SandboxProvisioner``): the kernel runs in a ``Sandbox`` (jail and rlimits, a scrubbed
environment) and talks over Unix sockets in the sandbox's socket folder (so it works without any
network).

Two ways to start one, chosen by ``KernelPool``:

- warm (with bubblewrap): each worker keeps one jail with a zygote inside
  (``course/jail/inside/zygote.py``) that has imported IPython, numpy and the test helpers once;
  each kernel is a fresh fork of it, and after each notebook everything the kernel left in the
  jail is killed and emptied;
- cold (no jail, or ``--no-prestart``): each kernel is a new process in a new sandbox; the pool
  boots the next one while the current notebook runs.
"""

import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
import typing as t
import uuid
from queue import Empty

import zmq
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner
from jupyter_core.utils import run_sync
from traitlets import Any
from zmq.utils import monitor as zmq_monitor

from .. import upstream
from .sandbox import INSIDE, Limits, Sandbox, Support, kill_user

KERNEL_ARGS = ["--HistoryManager.hist_file=:memory:"]


class JailBroken(RuntimeError):
    """The zygote stopped answering or died (a learner's code may have killed it)."""


class WarmJail:
    """One worker's jail, with a zygote in it that forks a fresh kernel on request."""

    START_SECONDS = 120  # the first start imports everything, on a possibly busy machine
    REPLY_SECONDS = 10

    def __init__(self, limits: Limits, support: Support) -> None:
        self.sandbox = Sandbox(limits, support)
        self.exits = {}  # {pid in the jail: exit status}, from the zygote's reports
        self.kernels = 0  # how many kernels this jail has started (to name their sockets)
        self.ended = ""  # why the jail was destroyed
        self._lock = threading.RLock()
        self._buffer = b""
        cmd = self.sandbox.wrap([sys.executable, os.path.join(INSIDE, "zygote.py"), self.sandbox.sockets])
        self.proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=self.sandbox.env(),
            cwd=self.sandbox.work,
            start_new_session=True,
        )
        try:
            ready = self._reply(self.START_SECONDS)
            # whether each kernel gets user and IPC namespaces of its own (else the zygote
            # empties the shared keyrings, queues and IPC objects after it), and why not
            self.fresh_world, self.fresh_world_why = bool(ready.get("fresh_world")), ready.get("why", "")
        except JailBroken:
            self.destroy()
            raise

    @property
    def alive(self) -> bool:
        """True while the zygote runs."""
        return self.proc is not None and self.proc.poll() is None

    def _read(self, timeout):
        """Read what the zygote has said within ``timeout`` seconds; False once it is gone."""
        fd = self.proc.stdout.fileno()
        if not select.select([fd], [], [], timeout)[0]:
            return True
        chunk = os.read(fd, 65536)
        self._buffer += chunk
        return bool(chunk)

    def _messages(self):
        while b"\n" in self._buffer:
            line, self._buffer = self._buffer.split(b"\n", 1)
            msg = json.loads(line)
            if "exit" in msg:
                self.exits[msg["exit"]] = msg["status"]
            else:
                yield msg

    def _reply(self, timeout):
        deadline = time.monotonic() + timeout
        while True:
            for msg in self._messages():
                return msg
            left = deadline - time.monotonic()
            if left <= 0 or not self.alive or not self._read(min(left, 0.5)):
                raise JailBroken("the kernels' jail stopped answering")

    def _ask(self, **msg):
        with self._lock:
            if not self.alive:
                raise JailBroken("the kernels' jail has ended")
            try:
                self.proc.stdin.write((json.dumps(msg) + "\n").encode())
                self.proc.stdin.flush()
            except OSError as exc:
                raise JailBroken(f"the kernels' jail cannot be reached ({exc})") from exc
            return self._reply(self.REPLY_SECONDS)

    def pump(self) -> None:
        """Take in the zygote's reports without waiting (kernels that ended)."""
        with self._lock:
            if self.alive:
                self._read(0)
                for _ in self._messages():
                    pass

    def spawn(self, argv: list[str]) -> "ForkedKernelProcess":
        """Fork a kernel with ipykernel's arguments ``argv``."""
        return ForkedKernelProcess(self, self._ask(start=list(argv))["pid"])

    def stop(self, pid: int) -> int:
        """Kill kernel ``pid`` and all it left behind; a jail that fails to do so is destroyed."""
        try:
            reply = self._ask(stop=pid)
        except JailBroken as exc:
            self.destroy(str(exc))
            return -signal.SIGKILL
        if not reply.get("clean"):  # the next kernel gets a new jail
            self.destroy("the clean-up after a kernel left something behind: " + reply.get("left", "?"))
        return reply["status"]

    def destroy(self, reason: str = "closed") -> None:
        """End the jail and everything in it (``reason`` is kept, for the logs and tests)."""
        with self._lock:
            self.ended = self.ended or reason
            if self.proc is not None:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except OSError:
                    pass
                if self.sandbox.uid is not None:
                    kill_user(self.sandbox.uid)
                try:
                    self.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    pass
                for pipe in (self.proc.stdin, self.proc.stdout):
                    try:
                        pipe.close()
                    except OSError:
                        pass
                self.proc = None
                self.sandbox.cleanup()


class ForkedKernelProcess:
    """A kernel forked by a ``WarmJail``'s zygote, seen through the part of ``subprocess.Popen``
    that jupyter_client's provisioner uses. Its pid is the one inside the jail."""

    stdin = stdout = stderr = None

    def __init__(self, jail: WarmJail, pid: int) -> None:
        self.jail, self.pid, self.returncode, self.stopped = jail, pid, None, False
        self._stopping = threading.Lock()  # the time limit's timer may stop it at any moment

    def poll(self) -> int | None:
        """The exit status, or None while it runs (as ``Popen.poll``)."""
        if self.returncode is None:
            self.jail.pump()
            if self.pid in self.jail.exits:
                self.returncode = self.jail.exits.pop(self.pid)
            elif not self.jail.alive:
                self.returncode = -signal.SIGKILL  # the whole jail ended
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """Wait for it to end; return its exit status (as ``Popen.wait``)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired("kernel", timeout)
            time.sleep(0.02)
        return self.returncode

    def kill(self) -> None:
        """Kill it and clean the jail after it (also needed when it has ended by itself)."""
        with self._stopping:
            if self.stopped:
                return
            self.stopped = True
            status = self.jail.stop(self.pid)
            if self.poll() is None:
                self.returncode = status

    def send_signal(self, signum: int) -> None:
        self.kill()  # interrupts go over the control channel; any signal sent here ends it

    terminate = kill


class PromptKernelClient(AsyncKernelClient):
    """jupyter_client's client with a ``wait_for_ready`` that does not sleep.

    The stock one waits 0.2 s to see IOPub connected and 0.2 s more to drain it, for every
    kernel: longer than a warm kernel takes to start. Here ready means what those waits are for:
    a ``kernel_info`` reply on the shell channel, and proof that IOPub is connected: the kernel's
    ``iopub_welcome`` for this subscription, or its ``idle`` status for one of these requests.
    The request is asked again every ``RETRY_SECONDS`` (its IOPub messages may have gone out
    before the subscription took hold); an answer to any of them counts. Messages left on IOPub
    do not matter: nbclient reads only those of its own requests.
    """

    POLL = 0.01
    RETRY_SECONDS = 0.1

    def _create_connected_socket(self, channel: str, identity: bytes | None = None) -> zmq.Socket:
        """A socket to the kernel that refuses, unread, any message frame over its manager's
        ``max_message_bytes`` (ZMQ_MAXMSGSIZE: the connection is dropped and the frame never
        reaches the grader's memory); the kernel can then not make the grader hold more than
        that per frame, whatever the output cap (counted once a message has arrived) says."""
        limit = getattr(self.parent, "max_message_bytes", None)
        if limit:
            self.context.setsockopt(zmq.MAXMSGSIZE, int(limit))  # (for the sockets made from now)
        sock = super()._create_connected_socket(channel, identity)
        refused = getattr(self.parent, "refused", None)
        if limit and refused is not None and channel != "hb":
            _watch_disconnects(self.context, sock, lambda: refused(channel))
        return sock

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (60.0 if timeout is None else timeout)
        asked, reply, connected = set(), None, False
        while True:
            asked.add(self.kernel_info())
            retry = time.monotonic() + self.RETRY_SECONDS
            while time.monotonic() < retry and not (reply and connected):
                for channel in (self.shell_channel, self.iopub_channel):
                    try:
                        msg = await channel.get_msg(timeout=self.POLL)
                    except Empty:
                        continue
                    if msg["msg_type"] == "iopub_welcome":
                        connected = True  # the kernel saw this client's IOPub subscription
                    if msg["parent_header"].get("msg_id") not in asked:
                        continue
                    if msg["msg_type"] == "kernel_info_reply":
                        reply = msg
                    elif msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                        connected = True
            if reply and connected:
                upstream.adopt_kernel_info(self, reply)
                return
            if not await self.is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")


class SandboxProvisioner(LocalProvisioner):
    """jupyter_client's local provisioner, launching the kernel in a ``Sandbox``: forked by the
    sandbox's ``WarmJail`` if it has one, else started as a new process through ``Sandbox.wrap``
    with the sandbox's environment."""

    sandbox = Any(None, help="the course.jail.sandbox.Sandbox this kernel runs in")
    jail = Any(None, help="a WarmJail to fork the kernel from, or None to start a new process")

    async def pre_launch(self, **kw: t.Any) -> dict[str, t.Any]:
        kw = await super().pre_launch(**kw)
        # the kernel (maybe another user) must read its connection file
        self.sandbox.chown_for_kernel(self.parent.connection_file)
        return kw

    async def launch_kernel(self, cmd: list[str], **kw: t.Any) -> dict[str, t.Any]:
        if self.jail is not None:  # the zygote runs what `python -m ipykernel_launcher` would
            self.process = self.jail.spawn(cmd[cmd.index("ipykernel_launcher") + 1 :])
            self.pid, self.pgid, self.cwd = self.process.pid, None, self.sandbox.work
            return self.connection_info
        kw["env"] = self.sandbox.env()
        kw["cwd"] = self.sandbox.work
        kw["stdin"] = subprocess.DEVNULL
        kw["stdout"] = subprocess.DEVNULL  # its output goes over the sockets, where it is capped
        kw["stderr"] = subprocess.DEVNULL
        return await super().launch_kernel(self.sandbox.wrap(cmd, fresh_world=True), **kw)


class SandboxedKernelManager(AsyncKernelManager):
    """jupyter_client's kernel manager for a kernel in a sandbox (see ``SandboxProvisioner``),
    interrupted over its control channel; its clients refuse message frames over
    ``max_message_bytes`` (see ``PromptKernelClient``)."""

    max_message_bytes = Any(None, help="the largest message frame its clients accept (bytes)")
    refused = Any(None, help="called with the channel's name when a client's connection drops")

    @property
    def kernel_spec(self) -> KernelSpec | None:
        spec = super().kernel_spec
        # interrupt over the control socket: a SIGINT to the process group would reach the
        # jail's own processes (bwrap) and end the kernel instead of interrupting it
        if spec is not None:
            spec.interrupt_mode = "message"
        return spec


def _watch_disconnects(context, sock, callback):
    """Call ``callback`` (in a thread of its own) when the kernel's end of ``sock`` disconnects:
    with ZMQ_MAXMSGSIZE that is how a refused frame shows (the connection is dropped, and the
    messages sent before it reconnects are lost, so the kernel cannot be followed any more)."""
    address = f"inproc://course-monitor-{uuid.uuid4()}"
    sock.monitor(address, zmq.EVENT_DISCONNECTED)
    pair = zmq.Context.shadow(context.underlying).socket(zmq.PAIR)  # (a plain, threaded socket)
    pair.connect(address)

    def watch():
        try:
            while True:
                event = zmq_monitor.parse_monitor_message(pair.recv_multipart())
                if event["event"] == zmq.EVENT_DISCONNECTED:
                    callback()
                elif event["event"] == zmq.EVENT_MONITOR_STOPPED:
                    return
        except zmq.ZMQError:
            return  # the context or the socket was closed
        finally:
            pair.close(linger=0)

    threading.Thread(target=watch, daemon=True, name="course-kernel-monitor").start()


class MemoryWatch(threading.Thread):
    """Where no memory cgroup can be made: every ``PERIOD`` seconds, add up the resident memory
    of every process of the kernel's user id (the jail's processes: its zygote, the kernel and
    what it started) and call ``exceeded`` once the sum is over ``limit``. Coarser than a cgroup
    (memory a learner gets and frees between two looks, and files on a tmpfs, are not seen)."""

    PERIOD = 0.2

    def __init__(self, uid: int, limit: int, exceeded: t.Callable[[int], None]) -> None:
        super().__init__(daemon=True, name="course-memory-watch")
        self.uid, self.limit, self.exceeded = uid, limit, exceeded
        self.done = threading.Event()
        self.page = os.sysconf("SC_PAGE_SIZE")

    def resident(self) -> int:
        """Bytes resident in memory for all the processes of the user id together."""
        total = 0
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/status") as fh:
                    uid = next(line for line in fh if line.startswith("Uid:")).split()[1]
                if int(uid) == self.uid:
                    with open(f"/proc/{pid}/statm") as fh:
                        total += int(fh.read().split()[1]) * self.page
            except (OSError, StopIteration, ValueError, IndexError):
                continue  # gone meanwhile
        return total

    def run(self) -> None:
        while not self.done.wait(self.PERIOD):
            used = self.resident()
            if used > self.limit:
                self.exceeded(used)
                return


def max_message_bytes(limits: Limits) -> int:
    """The largest message frame the grader takes from a kernel: a message carrying the whole
    output cap (``limits.max_output_bytes`` characters, each up to 6 bytes once JSON-escaped), with
    room for its header. Anything larger could not be a notebook's output within the cap."""
    return 6 * int(limits.max_output_bytes) + 2**20


class Kernel:
    """A started kernel, its manager and its sandbox; ``kill()`` ends everything it started."""

    def __init__(self, limits: Limits, support: Support, jail: WarmJail | None = None) -> None:
        self.jail = jail
        self.sandbox = jail.sandbox if jail else Sandbox(limits, support)
        name = "kernel"
        if jail:
            if os.listdir(self.sandbox.sockets) or os.listdir(self.sandbox.work):
                # the zygote empties them after every kernel: something resisted
                raise JailBroken("the jail's folders were not empty after the last kernel")
            self.sandbox.reserve()  # the room the grader may have used for the last kernel
            jail.kernels += 1
            name = f"kernel{jail.kernels}"
        kernel_id = str(uuid.uuid4())
        self.km = SandboxedKernelManager(
            kernel_name="python3",
            kernel_id=kernel_id,
            transport="ipc",
            client_class="course.jail.kernels.PromptKernelClient",
            ip=os.path.join(self.sandbox.sockets, name),
        )
        self.km.connection_file = os.path.join(self.sandbox.sockets, name + ".json")
        self.km.max_message_bytes = max_message_bytes(limits)
        self.km.refused = self._refused
        self.stop_reason = ""  # why the grader's side stopped it, if it did (a refused message)
        self.provisioner = SandboxProvisioner(
            kernel_id=kernel_id,
            kernel_spec=self.km.kernel_spec,
            parent=self.km,
            sandbox=self.sandbox,
            jail=jail,
        )
        upstream.use_provisioner(self.km, self.provisioner)
        run_sync(self.km.start_kernel)(extra_arguments=list(KERNEL_ARGS))
        self.watch = None
        if self.sandbox.cgroup is None and self.sandbox.uid is not None:  # no cgroup: watch instead
            self.watch = MemoryWatch(self.sandbox.uid, limits.jail_memory_bytes, self._over_memory)
            self.watch.start()

    def _refused(self, channel: str) -> None:
        """A connection to the kernel dropped: a frame over ``max_message_bytes`` was refused
        unread (or the kernel is ending). A kernel still alive a moment later is stopped: what it
        sends can no longer be followed."""
        time.sleep(0.5)
        if self.exit_status() is None and not self.stop_reason:
            limit = self.km.max_message_bytes / 2**20
            self.stop_reason = (
                f"the kernel sent a message over {limit:.1f} MiB on its {channel} channel, "
                "refused unread (output limit); it was stopped"
            )
            self.kill()

    def _over_memory(self, used: int) -> None:
        if self.exit_status() is None and not self.stop_reason:
            limit = self.watch.limit / 2**20
            self.stop_reason = (
                f"the jail's processes together used {used / 2**20:.0f} MiB, over the {limit:.0f} MiB "
                "a jail may use (memory limit); the kernel was stopped"
            )
            self.kill()

    @property
    def process(self) -> "subprocess.Popen | ForkedKernelProcess | None":
        """The kernel's process (None before it started)."""
        return self.provisioner.process

    def exit_status(self) -> int | None:
        """The kernel's exit status (negative: killed by that signal), or None while it runs."""
        proc = self.process
        return None if proc is None else proc.poll()

    def kill(self) -> None:
        """Kill the kernel and everything it started (its process group, its user)."""
        proc = self.process
        if self.jail is not None:
            if proc is not None:
                proc.kill()
            return
        if proc is not None and proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass
        if self.sandbox.uid is not None:
            kill_user(self.sandbox.uid)

    def close(self) -> None:
        """Kill the kernel, close its manager and (cold) remove its sandbox."""
        if self.watch is not None:
            self.watch.done.set()
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
        if self.jail is None:
            self.sandbox.cleanup()


class KernelPool:
    """One worker's kernels, each started before it is needed: forked from a warm jail as soon
    as the last one has been cleaned away, or else (cold) booting while the current one runs."""

    def __init__(self, limits: Limits, support: Support, prestart: bool = True) -> None:
        self.limits, self.support, self.prestart = limits, support, prestart
        self.warm = prestart and support.bwrap  # a zygote needs the jail's own PID namespace
        self._jail = self._next = None
        self._refill()  # a warm pool starts its jail with its first kernel

    def _fork(self):
        for attempt in (1, 2):  # a jail broken by the last learner is replaced once
            if self._jail is None or not self._jail.alive:
                self._jail = WarmJail(self.limits, self.support)
            try:
                return Kernel(self.limits, self.support, jail=self._jail)
            except JailBroken:
                self._jail.destroy()
                if attempt == 2:
                    raise

    def _new(self):
        return self._fork() if self.warm else Kernel(self.limits, self.support)

    def _refill(self):
        if self.prestart and self._next is None:
            self._next = self._new()

    def take(self) -> Kernel:
        """A started kernel for the next notebook (hand it back with ``release``)."""
        kernel, self._next = self._next, None
        if kernel is None or kernel.exit_status() is not None:  # (a kernel of a broken jail has ended)
            if kernel is not None:  # died while waiting
                kernel.close()
            kernel = self._new()
        if not self.warm:
            self._refill()  # boots while this kernel runs: each has its own sandbox
        return kernel

    def release(self, kernel: Kernel) -> None:
        """End a used kernel; a warm pool then forks the next one in the cleaned jail."""
        kernel.close()
        if self.warm:
            try:
                self._refill()
            except Exception:  # nothing is lost: take() tries again, and reports it if it fails
                self._next = None

    def close(self) -> None:
        """End every kernel and the jail."""
        if self._next is not None:
            self._next.close()
            self._next = None
        if self._jail is not None:
            self._jail.destroy()
            self._jail = None
