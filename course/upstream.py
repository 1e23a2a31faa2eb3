"""Where the grader relies on library internals: every such patch, in one place.

Each function below does what a library offers no supported hook for; its docstring says why
and what exactly it relies on. ``tests/test_grader_upstream.py`` fails when a library changes
in a way a patch relies on. Everything else in the grader uses public interfaces only
(preprocessor instances and traits for nbgrader and nbclient, a kernel provisioner for
jupyter_client).

Checked against the versions in ``requirements.lock`` (``CHECKED_WITH``).
"""

import contextlib
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

CHECKED_WITH = {"nbgrader": "0.9.6", "SQLAlchemy": "2.1.9", "jupyter_client": "8.10.0", "python": "3.11"}

_ENGINES: dict = {}  # {gradebook address: sqlalchemy.engine.Engine}


def _shared_engine(url, **kw):
    """One SQLAlchemy engine per gradebook address, without pooled connections: every use opens
    the file again (so the file may be replaced between submissions), while the engine keeps the
    SQL it has compiled."""
    import sqlalchemy

    key = str(url)
    if key not in _ENGINES:
        _ENGINES[key] = sqlalchemy.create_engine(url, poolclass=sqlalchemy.pool.NullPool, **kw)
    return _ENGINES[key]


@contextlib.contextmanager
def shared_engines() -> Iterator[None]:
    """Within this block, nbgrader's ``Gradebook`` objects share one engine per address.

    Why: nbgrader opens the gradebook about a dozen times per submission, each time with a new
    engine that compiles the same SQL again (a tenth of a second per submission).
    Relies on: ``nbgrader.api.Gradebook.__init__`` making its engine by calling the module's
    global ``create_engine(db_url, ...)``; nbgrader has no setting or argument for the engine.
    """
    import nbgrader.api

    original = nbgrader.api.create_engine
    nbgrader.api.create_engine = _shared_engine
    try:
        yield
    finally:
        nbgrader.api.create_engine = original


# nbgrader's Gradebook.add_submission builds the new submission's rows, then reads
# ``submission.assignment.notebooks`` before ``db.add(submission)``; the session autoflushes on
# that read and SQLAlchemy 2 (which no longer cascades along backrefs) warns that the pending
# rows are not in the session yet. Nothing is lost: ``db.add`` follows, and the commit writes them.
NEW_SUBMISSION_WARNING = (
    r"Object of type <(SubmittedAssignment|SubmittedNotebook|Grade|Comment)> not in session, "
    r"add operation along .* will not proceed"
)


def quiet_new_submissions() -> None:
    """Hide SQLAlchemy's warning about the rows of a new submission (``NEW_SUBMISSION_WARNING``),
    that warning only, and only when raised by ``nbgrader.api``.

    Why: nbgrader's own ``Autograde`` adds each submission this way inside the worker, where the
    session cannot be told not to autoflush. (The grader's own merge of a new submission runs in
    ``db.no_autoflush`` and raises no warning.)
    Relies on: the wording of SQLAlchemy's warning (``tests/test_grader_console.py`` sees it without
    this filter, and not with it).
    """
    import warnings

    from sqlalchemy.exc import SAWarning

    warnings.filterwarnings("ignore", NEW_SUBMISSION_WARNING, SAWarning, r"nbgrader\.api")


def stop_workers(pool: ProcessPoolExecutor) -> None:
    """Kill a process pool's workers now, busy or not, and shut the pool down.

    Why: on Ctrl-C the grader must not wait for the submissions being graded (their kernels die
    with their worker: bwrap ``--die-with-parent``). ``shutdown(cancel_futures=True)`` only
    cancels work not started yet; Python 3.14 adds ``terminate_workers()``, used where it exists.
    Relies on (before 3.14): ``ProcessPoolExecutor._processes``, a dict {pid: Process} of the
    live workers (``None`` once shut down).
    """
    if hasattr(pool, "terminate_workers"):
        pool.terminate_workers()
    else:
        for proc in list((getattr(pool, "_processes", None) or {}).values()):
            proc.terminate()
    pool.shutdown(wait=False, cancel_futures=True)


def use_provisioner(km, provisioner) -> None:
    """Make ``km`` (a jupyter_client kernel manager) start its kernel with ``provisioner``.

    Why: jupyter_client creates a provisioner only from an entry point named in a kernel spec,
    so a provisioner made for one sandbox cannot be chosen through the kernel spec.
    Relies on: ``KernelManager.pre_start_kernel`` keeping a ``provisioner`` already set ("will
    not be None on restarts") instead of asking the provisioner factory.
    """
    km.provisioner = provisioner


def adopt_kernel_info(client, reply: dict) -> None:
    """Let a kernel client adapt to the protocol version of a ``kernel_info_reply``.

    Why: ``PromptKernelClient`` replaces the client's ``wait_for_ready``, whose stock version
    ends this way. Relies on: ``KernelClient._handle_kernel_info_reply(msg)``.
    """
    client._handle_kernel_info_reply(reply)
