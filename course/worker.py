"""Grading one submission, in a worker process (local pool or a Dask worker).

``grade(job)`` depends only on its input: it lays out a private nbgrader course in a temporary
folder (a copy of the gradebook, the assignment's source files, a copy of the submission), runs
nbgrader's own ``Autograde`` converter there with the ``Execute`` step replaced by a
``SandboxedExecute`` made for the job (it gets the job, the worker's kernel pool and the list of
flags as traits), and returns what nbgrader wrote (grades, comments, late penalty, the
autograded files) plus flags. The only state a worker keeps between jobs is its kernel pool.
Nothing it does touches the real course folder: the parent process merges the result into the
real gradebook, so there is a single writer.
"""

import copy
import glob
import hashlib
import io
import logging
import multiprocessing.util
import os
import shutil
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field

import nbformat
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbgrader import utils
from nbgrader.api import Gradebook
from nbgrader.converters import Autograde
from nbgrader.converters.base import NbGraderException
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import Execute
from traitlets import Instance
from traitlets.config import Config

from . import intake, probes
from .jail.kernels import KernelPool
from .jail.sandbox import JAIL_WORK, Limits, detect, hold, remove_sandboxes, remove_tree, sweep
from .upstream import quiet_new_submissions, shared_engines

_LOCK = threading.Lock()  # one grading at a time per process (chdir, shared kernel pool)
# nbgrader's log of each grading: kept in its Result (shown by `course autograde --verbose`),
# never printed by the worker itself
NBGRADER_LOG = logging.getLogger("course.nbgrader")
NBGRADER_LOG.propagate = False
NBGRADER_LOG.setLevel(logging.INFO)


@dataclass(kw_only=True)
class Job:
    """Everything needed to grade one submission, as plain data (it may travel to a cluster)."""

    assignment: str
    student: str
    notebooks: list  # the assignment's notebook names
    gradebook: bytes  # a consistent copy of the course's gradebook
    source_files: dict  # {relative path: bytes}: non-notebook files of the source
    submission_files: dict  # {relative path: bytes}: the learner's folder
    config: dict  # the course's nbgrader config (a traitlets Config)
    source_directory: str = "source"
    limits: Limits = field(default_factory=Limits)
    allow_bwrap: bool = True
    prestart: bool = True
    probes: list = field(default_factory=list)
    probe_seed: int = 0
    baseline: str = ""  # the source notebooks' code: what no copy check holds against a learner


@dataclass(kw_only=True)
class Result:
    """What grading one submission gave, for the parent process to merge and record."""

    assignment: str
    student: str
    status: str  # "graded" or "failed"
    seconds: float = 0.0
    timestamp: object = None
    notebooks: dict = field(default_factory=dict)  # {nb: {"grades", "comments", "late_penalty"}}
    tests: dict = field(default_factory=dict)  # {nb: {grade_id: {"score","max","message"}}}
    files: dict = field(default_factory=dict)  # {relative path: (bytes, mode)} autograded
    flags: list = field(default_factory=list)
    log: str = ""
    isolation: str = ""


def digest(files: dict[str, bytes]) -> str:
    """A fingerprint of a submission's files (to skip unchanged, already graded work)."""
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return h.hexdigest()


def pool_key(limits: Limits, allow_bwrap: bool = True, prestart: bool = True) -> tuple:
    """What a worker's kernel pool depends on: jobs with the same key share its kernels."""
    return (limits, allow_bwrap, prestart)


class _ProcessPool:
    """This process's kernel pool, kept from one submission to the next (its next kernel starts
    ahead), and replaced when a job needs another (``pool_key``)."""

    def __init__(self) -> None:
        self.key, self.pool, self.pid = None, None, None

    def get(self, key: tuple) -> KernelPool:
        if self.pid != os.getpid():  # a forked worker: the parent's pool (if any) is not its own
            self.key, self.pool, self.pid = None, None, os.getpid()
            # its jail and kernels end with the process (also a pool worker, which skips atexit)
            multiprocessing.util.Finalize(None, self.close, exitpriority=20)
        if self.pool is None or self.key != key:
            self.close()
            limits, allow_bwrap, prestart = key
            self.pool = KernelPool(limits, detect(allow_bwrap), prestart=prestart)
            self.key = key
        return self.pool

    def close(self) -> None:
        """End this process's kernels and jail, and remove their sandbox folders."""
        if self.pool is not None and self.pid == os.getpid():
            self.pool.close()
        self.key, self.pool = None, None


_PROCESS_POOL = _ProcessPool()


def warm_up(limits: Limits, allow_bwrap: bool = True, prestart: bool = True) -> None:
    """Worker initialiser: import everything and boot the first kernel before any job arrives."""
    with _LOCK:
        _PROCESS_POOL.get(pool_key(limits, allow_bwrap, prestart))


def _error(ename, evalue):
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def _is_learner_cell(cell):
    """An answer cell (where learners write; other unlocked cells may be the instructor's)."""
    return cell.metadata.get("nbgrader", {}).get("solution", False)


_SIGNALS = {
    24: "it used more CPU time than allowed (CPU limit)",
    11: "it crashed (segmentation fault)",
    6: "it aborted (often: out of memory)",
    9: "it was killed (memory limit or a limit of the sandbox)",
    25: "it wrote a file larger than allowed (file size limit)",
}


class SandboxedExecute(Execute):
    """nbgrader's Execute step, run in a pre-started sandboxed kernel, with a notebook-wide time
    limit, an output cap, cells after a dead kernel graded as not run, and outside probes.

    ``grade`` makes one for each submission and puts it in place of ``Execute`` in the
    ``Autograde`` converter's ``autograde_preprocessors``."""

    kernels = Instance(KernelPool, help="where the kernel for each notebook comes from")
    job = Instance(Job, help="the submission being graded")
    flags = Instance(list, args=(), help="where to add flags for the instructor")

    def preprocess(self, nb, resources=None, km=None):
        kernel = self.kernels.take()
        try:
            self._kernel, self._stop_reason, self._out_bytes = kernel, None, 0
            notebook, limits = resources["nbgrader"]["notebook"], self.job.limits
            self._copy_files_in(resources["metadata"]["path"], kernel.sandbox.work, kernel.sandbox)
            timer = threading.Timer(
                limits.notebook_timeout,
                self._stop_kernel,
                args=(
                    f"the notebook ran longer than {limits.notebook_timeout:g} s (time limit); "
                    "it was stopped",
                ),
            )
            timer.daemon = True
            timer.start()
            try:
                # nbconvert's own loop, with ``preprocess_cell`` below; the kernel is the pool's,
                # so nbclient leaves it (and its client) running afterwards, for the probes
                nb, resources = super().preprocess(nb, resources, km=kernel.km)
                self._flag_stops(nb, notebook, kernel)
                self._probe(nb, notebook, kernel, resources["metadata"]["path"])
            finally:
                timer.cancel()
                timer.join()  # a time limit firing right now finishes before the kernel is handed back
            return nb, resources
        finally:
            if self.kc is not None:
                try:
                    self.kc.stop_channels()
                except Exception:
                    pass
            self.kernels.release(kernel)
            self.kc = None
            self.km = None

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        if self._stop_reason or self._kernel.exit_status() is not None:
            cell.outputs = [_error("NotRun", f"not run: {self._death()}")]
            return cell, resources
        try:
            return super().preprocess_cell(cell, resources, index)
        except CellTimeoutError:
            self._stop_kernel(
                f"a cell ran longer than the cell time limit ({self.timeout} s) "
                "and did not stop when interrupted"
            )
            cell.outputs.append(_error("KernelStopped", self._death()))
        except DeadKernelError:
            reason = self._death()
            cell.outputs.append(_error("KernelStopped", reason))
            self._stop_reason = self._stop_reason or reason
        except Exception as exc:  # e.g. garbled messages from a flooding kernel
            self._stop_kernel(
                "the kernel stopped answering properly (flooding its output can do "
                f"this) and was stopped ({exc.__class__.__name__}: {str(exc)[:60]})"
            )
            cell.outputs.append(_error("KernelStopped", self._death()))
        return cell, resources

    def set_widgets_metadata(self):
        """Widget state is not written into the graded notebook: a learner's kernel could put
        anything there, and nbconvert's HTML (the feedback) embeds it."""

    # -- stopping -------------------------------------------------------------------------
    def _stop_kernel(self, reason):
        if self._stop_reason is None:
            self._stop_reason = reason
        self._kernel.kill()

    def _death(self):
        if self._stop_reason:
            return self._stop_reason
        if getattr(self._kernel, "stop_reason", ""):  # stopped by the jail (a refused message)
            return self._kernel.stop_reason
        code = self._kernel.exit_status()
        if code is None:
            return "the kernel stopped responding"
        sig = -code if code < 0 else (code - 128 if code > 128 else None)
        if sig in _SIGNALS:
            return "the kernel stopped: " + _SIGNALS[sig]
        if sig:
            return f"the kernel was stopped by signal {sig}"
        return (
            f"the kernel exited (exit code {code}): the notebook called exit(), quit() "
            "or os._exit(), which ends the kernel"
        )

    def output(self, outs, msg, display_id, cell_index):
        content = msg.get("content", {})
        size = len(str(content.get("text", ""))) + sum(len(str(v)) for v in content.get("data", {}).values())
        self._out_bytes += size + len(str(content.get("traceback", "")))
        limit = self.job.limits.max_output_bytes
        if self._out_bytes > limit:
            self._stop_kernel(
                f"the notebook printed more than {limit // 1024} KiB of output (output limit); it was stopped"
            )
            return None
        return super().output(outs, msg, display_id, cell_index)

    # -- running --------------------------------------------------------------------------
    def _copy_files_in(self, src, dst, sandbox):
        for name in os.listdir(src):
            if name.endswith(".ipynb"):
                continue  # the notebook being graded holds the hidden tests: never in the jail
            s, d = os.path.join(src, name), os.path.join(dst, name)
            if os.path.isdir(s):
                shutil.copytree(s, d)
            else:
                shutil.copy(s, d)
        for dirpath, dirnames, filenames in os.walk(dst):
            for n in dirnames + filenames:
                sandbox.chown_for_kernel(os.path.join(dirpath, n))

    def _flag_stops(self, nb, notebook, kernel):
        if self._stop_reason or kernel.exit_status() is not None:
            self.flags.append(intake.flag("kernel-stopped", self._death(), notebook))
        interrupted = sum(
            1
            for c in nb.cells
            if c.cell_type == "code"
            and any(o.get("ename") in ("KeyboardInterrupt", "CellTimeoutError") for o in c.get("outputs", []))
        )
        if interrupted:
            self.flags.append(
                intake.flag(
                    "cell-timeout",
                    f"{interrupted} cell(s) ran past the cell time "
                    f"limit ({self.timeout} s) and were interrupted: an endless loop "
                    "or a long wait?",
                    notebook,
                )
            )

    def _probe(self, nb, notebook, kernel, path):
        specs = [s for s in self.job.probes if s.get("notebook", notebook) == notebook]
        learner_src = [c.source for c in nb.cells if c.cell_type == "code" and _is_learner_cell(c)]
        for src in learner_src:
            copied = probes.copied_from_reference(src, self.job.baseline)
            if copied:
                self.flags.append(
                    intake.flag(
                        "copied-reference",
                        "the learner's code repeats lines of the "
                        f"reference ({', '.join(copied)}); check it by hand",
                        notebook,
                    )
                )
        if not specs:
            return
        verdicts = {}
        for i, verdict in self._run_probes(specs, kernel, nb, path).items():
            verdicts.setdefault(i, verdict)
        for i, verdict in verdicts.items():
            if verdict:
                self._overturn(nb, notebook, specs[i], verdict)

    def _run_probes(self, specs, kernel, nb, path):
        """{index: verdict} of the outside checks, run in the kernel after the notebook; in a
        fresh kernel where the notebook's cells are run again if the notebook's kernel stopped."""
        if self._stop_reason is not None or kernel.exit_status() is not None:
            verdicts = self._replay_and_probe(
                specs, nb, path, f"the notebook's kernel stopped: {self._death()}"
            )
        else:
            verdicts = self._probe_kernel(specs, kernel)
        for _ in range(2):  # checks an earlier one kept from running get a fresh kernel (twice at most)
            rest = [i for i, v in verdicts.items() if isinstance(v, probes.NotReached)]
            if not rest:
                break
            again = self._replay_and_probe(
                [specs[i] for i in rest], nb, path, "an earlier check stopped the kernel"
            )
            verdicts.update({rest[k]: v for k, v in again.items()})
        return verdicts

    def _replay_and_probe(self, specs, nb, path, why):
        """The notebook's kernel is gone: run its code cells (not the tests, not those that failed)
        again, up to the one that stopped it, in a fresh kernel, and probe there. If that cannot be
        done, every probe is ``Unchecked`` (its tests score 0), never left to the notebook's own
        verdict."""

        def unchecked(more):
            return {
                i: probes.Unchecked(f"{s['function']}: not checked ({why}; {more})")
                for i, s in enumerate(specs)
            }

        saved = self._kernel, self._stop_reason, self.km, self.kc
        kernel = self.kernels.take()
        try:
            self._kernel, self._stop_reason, self.km, self.kc = kernel, None, kernel.km, None
            self._copy_files_in(path, kernel.sandbox.work, kernel.sandbox)
            self.start_new_kernel_client()
            for cell in nb.cells:
                if cell.cell_type != "code" or cell.metadata.get("nbgrader", {}).get("grade"):
                    continue
                enames = {o.get("ename") for o in cell.get("outputs", [])}
                if enames & {"KernelStopped", "NotRun"}:
                    break  # the cell that stopped the kernel, and those after it
                if enames - {None}:
                    continue  # a cell that failed (timed out, ran out of memory...) is not run again
                msg_id = self.kc.execute(cell.source, silent=True, store_history=False)
                if self.wait_for_reply(msg_id) is None or kernel.exit_status() is not None:
                    return unchecked("running the notebook again to check it stopped too")
            return self._probe_kernel(specs, kernel)
        except Exception as exc:
            self.log.warning("probe replay failed: %s", exc)
            return unchecked(f"running the notebook again to check it failed: {exc.__class__.__name__}")
        finally:
            try:
                if self.kc is not None:
                    self.kc.stop_channels()
            except Exception:
                pass
            self.kernels.release(kernel)
            self._kernel, self._stop_reason, self.km, self.kc = saved

    def _probe_kernel(self, specs, kernel):
        """Run the probes in a live kernel and judge what it saved."""
        folder = os.path.join(kernel.sandbox.work, ".probe-" + os.urandom(6).hex())
        inside = folder.replace(kernel.sandbox.work, JAIL_WORK) if kernel.sandbox.support.bwrap else folder
        try:
            kernel.sandbox.make_room()  # the room kept on the jail's disk, should the learner have filled it
            inputs = probes.prepare(folder, specs, self.job.probe_seed, owner=kernel.sandbox.uid)
        except OSError as exc:  # the learner's code swapped the folder for a link, say
            self.log.warning("probe inputs could not be written: %s", exc)
            why = (
                f"the grader could not write its inputs into the learner's folder ({exc.__class__.__name__})"
            )
            return {
                i: probes.Unchecked(f"{spec['function']}: not checked ({why})")
                for i, spec in enumerate(specs)
            }
        why = ""
        try:
            msg_id = self.kc.execute(probes.kernel_code(inside), silent=True, store_history=False)
            if self.wait_for_reply(msg_id) is None:
                why = f"no answer within the cell time limit of {self.timeout} s; it was stopped"
        except CellTimeoutError:
            why = f"no answer within the cell time limit of {self.timeout} s; it was stopped"
        except DeadKernelError:
            pass
        except Exception as exc:  # a stuck or dying kernel: what it saved is still judged
            self.log.warning("probe did not finish: %s", exc)
            why = f"the check stopped ({exc.__class__.__name__})"
        if self._stop_reason:
            why = self._stop_reason
        elif kernel.exit_status() is not None:
            why = "it ended the kernel: " + self._death().replace("the notebook called", "it called")
        verdicts = probes.judge(folder, specs, inputs, why=why)
        if why:
            kernel.kill()  # a call that never returned runs no further (killing empties the folder)
        return verdicts

    def _overturn(self, nb, notebook, spec, verdict):
        """Zero the passing tests a failed (or unrun) outside check guards, and say why."""
        guarded = [
            c
            for c in nb.cells
            if c.cell_type == "code"
            and c.metadata.get("nbgrader", {}).get("grade")
            and c.metadata["nbgrader"].get("grade_id") in spec.get("grade_ids", [])
        ]
        passing = [c for c in guarded if not any(o.get("output_type") == "error" for o in c.outputs)]
        if not passing:
            return  # the notebook's own tests already fail: nothing to overturn
        if isinstance(verdict, probes.Unchecked):
            kind, ename = probes.UNCHECKED, "OutsideCheckNotRun"
            message = f"the outside check could not run: {verdict}; its tests score 0"
            detail = (
                verdict + " (the grader's check outside the notebook could not run, so the test scores 0)"
            )
        else:
            kind, ename = "outside-check", "OutsideCheckFailed"
            message = "outside the kernel, " + verdict
            detail = verdict + " (checked by the grader outside the notebook, on inputs it chose)"
        self.flags.append(intake.flag(kind, message, notebook))
        for cell in passing:
            cell.outputs.append(_error(ename, detail))


def _write_tree(base, files):
    for rel, data in files.items():
        path = os.path.join(base, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(data)


def _test_outcomes(nb_path):
    """{grade_id: {"score", "max", "message"}} read from an autograded notebook."""
    out = {}
    nb = nbformat.read(nb_path, as_version=4)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if not meta.get("grade") or cell.cell_type != "code":
            continue
        score, max_score = utils.determine_grade(cell, logging.getLogger("course.quiet"))
        message = "passed"
        for o in cell.get("outputs", []):
            if o.get("output_type") == "error":
                message = f"{o.get('ename')}: {o.get('evalue')}".strip().rstrip(":")
                break
            if o.get("output_type") == "stream" and o.get("name") == "stderr" and score == 0:
                message = "wrote to stderr: " + o.get("text", "").strip().splitlines()[0][:120]
        out[meta["grade_id"]] = {"score": score, "max": max_score, "message": message[:300]}
    return out


_SCRATCH = {}
# Scratch folders are named after the process that started the grading (a pool's workers are its
# forks), so it can remove those of workers that were killed before they could.
_OWNER = os.getpid()


def _scratch_base():
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else tempfile.gettempdir()


def _scratch():
    """Where the private course copy goes: memory if possible (its gradebook is thrown away, so
    SQLite's hundreds of fsyncs per submission need not reach a disk). The folder is the same for
    every submission this process grades, so the gradebook's address is too (see
    ``course.upstream.shared_engines``); ``grade`` empties it after each."""
    pid = os.getpid()
    if pid not in _SCRATCH:  # per process: a forked worker must not share its parent's
        _SCRATCH[pid] = tempfile.mkdtemp(prefix=f"course-grade-{_OWNER}-", dir=_scratch_base())
        _HELD[pid] = hold(_SCRATCH[pid])  # in use while this process lives (see ``sweep_scratch``)
        # removed when this process ends (also a pool worker, which skips atexit)
        multiprocessing.util.Finalize(None, _remove_quietly, args=(_SCRATCH[pid],), exitpriority=10)
    return _SCRATCH[pid]


def _remove_quietly(path):
    try:
        remove_tree(path)
    except OSError:
        pass  # what resists is found (and reported) by remove_scratch after the batch


_HELD = {}


def sweep_scratch() -> list[str]:
    """Remove the scratch folders of graders that died (no living process holds them)."""
    return sweep(_scratch_base(), "course-grade-", remove_tree)


def remove_scratch() -> list[str]:
    """Remove the scratch and sandbox folders of this process and its workers (call once the
    workers are gone); return those that could not be removed, with the reason."""
    _PROCESS_POOL.close()
    left = []
    for path in glob.glob(os.path.join(_scratch_base(), f"course-grade-{os.getpid()}-*")):
        try:
            remove_tree(path)
        except OSError as exc:
            left.append(f"{path}: {exc}")
    _SCRATCH.pop(os.getpid(), None)
    if os.getpid() in _HELD:
        os.close(_HELD.pop(os.getpid()))
    return left + remove_sandboxes(os.getpid())


def _config_for(job, root):
    cfg = Config(copy.deepcopy(job.config))
    cfg.CourseDirectory.root = root
    cfg.CourseDirectory.db_url = "sqlite:///" + os.path.join(root, "gradebook.db")
    cfg.CourseDirectory.source_directory = job.source_directory
    cfg.CourseDirectory.assignment_id = job.assignment
    cfg.CourseDirectory.student_id = job.student
    cfg.CourseDirectory.notebook_id = "*"
    return cfg


def _sandboxed(preprocessors, execute):
    """The autograding steps with ``execute`` in place of nbgrader's ``Execute``."""
    return [execute if pp in (Execute, "nbgrader.preprocessors.Execute") else pp for pp in preprocessors]


def grade(job: Job) -> Result:
    """Grade one submission in a private course copy; return a ``Result`` (never raises)."""
    quiet_new_submissions()  # here, not in warm_up: Dask workers run only this
    with _LOCK:
        start = time.monotonic()
        flags = []
        result = Result(assignment=job.assignment, student=job.student, status="failed", flags=flags)
        logbuf = io.StringIO()
        handler = logging.StreamHandler(logbuf)
        handler.setFormatter(logging.Formatter("[%(levelname)s] %(message)s"))
        tmp = _scratch()
        cwd = os.getcwd()
        with shared_engines():  # released before returning, whatever happens
            try:
                kernels = _PROCESS_POOL.get(pool_key(job.limits, job.allow_bwrap, job.prestart))
                result.isolation = kernels.support.describe()
                root = os.path.join(tmp, "course")
                os.makedirs(root)
                with open(os.path.join(root, "gradebook.db"), "wb") as fh:
                    fh.write(job.gradebook)
                _write_tree(os.path.join(root, job.source_directory, job.assignment), job.source_files)
                subdir = os.path.join(root, "submitted", job.student, job.assignment)
                os.makedirs(subdir)
                _write_tree(subdir, job.submission_files)
                flags.extend(intake.prepare(subdir, job.notebooks))
                cfg = _config_for(job, root)
                if not any(os.path.exists(os.path.join(subdir, n + ".ipynb")) for n in job.notebooks):
                    _record_nothing(job, cfg, subdir)  # nothing gradable: zeros, as for a missing notebook
                    result.status = "graded"
                    _collect(result, job, cfg, root)
                    return result
                app = Autograde(coursedir=CourseDirectory(config=cfg), config=cfg, log=NBGRADER_LOG)
                app.force, app.create_student = True, True
                execute = SandboxedExecute(parent=app, kernels=kernels, job=job, flags=flags)
                app.autograde_preprocessors = _sandboxed(app.autograde_preprocessors, execute)
                app.log.addHandler(handler)
                try:
                    app.start()
                    result.status = "graded"
                except NbGraderException as exc:
                    flags.append(intake.flag("nbgrader-error", f"nbgrader could not grade it: {exc}"))
                finally:
                    app.log.removeHandler(handler)
                if result.status == "graded":
                    _collect(result, job, cfg, root)
            except Exception as exc:  # grading goes on whatever one submission does
                flags.append(intake.flag("grader-error", f"{exc.__class__.__name__}: {exc}"))
                logbuf.write(traceback.format_exc())
                result.status = "failed"
            finally:
                os.chdir(cwd)
                try:
                    remove_tree(os.path.join(tmp, "course"))
                except OSError as exc:  # the next grading gets a fresh scratch folder
                    flags.append(intake.flag("grader-error", f"its scratch folder resisted deletion: {exc}"))
                    _SCRATCH.pop(os.getpid(), None)
        result.log = logbuf.getvalue()[-20000:]
        result.seconds = time.monotonic() - start
        return result


def _record_nothing(job, cfg, subdir):
    """No notebook could be graded: record the submission with every test at 0 (as nbgrader
    does for a notebook that was not submitted)."""
    stamp = os.path.join(subdir, "timestamp.txt")
    kwargs = {}
    if os.path.exists(stamp):
        kwargs["timestamp"] = utils.parse_utc(open(stamp).read().strip())
    with Gradebook(cfg.CourseDirectory.db_url, cfg.CourseDirectory.get("course_id", "")) as gb:
        gb.update_or_create_student(job.student)
        gb.update_or_create_submission(job.assignment, job.student, **kwargs)
        for name in job.notebooks:
            for g in gb.find_submission_notebook(name, job.assignment, job.student).grades:
                g.auto_score, g.needs_manual_grade = 0, False
        gb.db.commit()


def _collect(result, job, cfg, root):
    with Gradebook(cfg.CourseDirectory.db_url, cfg.CourseDirectory.get("course_id", "")) as gb:
        sub = gb.find_submission(job.assignment, job.student)
        result.timestamp = sub.timestamp
        for snb in sub.notebooks:
            result.notebooks[snb.name] = {
                "grades": {
                    g.name: {"auto_score": g.auto_score, "needs_manual_grade": g.needs_manual_grade}
                    for g in snb.grades
                },
                "comments": {c.name: c.auto_comment for c in snb.comments},
                "late_penalty": snb.late_submission_penalty,
            }
            result.tests[snb.name] = {
                g.name: {
                    "score": g.auto_score,
                    "max": g.max_score,
                    "message": "the notebook was missing or unreadable",
                }
                for g in snb.grades
            }
    outdir = os.path.join(root, "autograded", job.student, job.assignment)
    for dirpath, _, filenames in os.walk(outdir):
        for name in filenames:
            path = os.path.join(dirpath, name)
            with open(path, "rb") as fh:
                result.files[os.path.relpath(path, outdir)] = (fh.read(), os.stat(path).st_mode & 0o777)
            if name.endswith(".ipynb"):
                result.tests[name[:-6]] = _test_outcomes(path)
