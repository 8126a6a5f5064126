"""Every process a run starts ends with the run.

A notebook's cells may start processes of their own, and not all of them stay where a
kernel shutdown reaches: ``subprocess.Popen(..., start_new_session=True)`` puts the child
in a session and process group of its own (killing the kernel's group misses it), and a
daemon whose parent exits at once is reparented away from the kernel altogether. Left
alone they outlive ``repro-nb run`` and ``check`` — holding the CLI's stdout open, so a
pipe to it never ends — and a check started from the server leaves them running for
nobody.

So the checker follows the kernel's process *tree*, not only its process group:

- :class:`ProcessTree` is told the kernel's pid, notes its descendants after every cell
  (while their parent is alive they are still in the tree) and, when the kernel is shut
  down, ends every one of them still running (SIGTERM, then SIGKILL after a grace
  period), each identified by pid *and* start time so that a reused pid is never hit;
- on Linux the CLI makes itself a *child subreaper* (``prctl(PR_SET_CHILD_SUBREAPER)``),
  so orphaned descendants are reparented to it instead of to init, and are found and
  ended too (:func:`adopt_orphans`; done by the CLI only, never inside a host process
  such as pytest);
- :func:`terminate_descendants` ends the whole tree below this process: what the CLI
  does when it is told to stop (SIGTERM, SIGHUP, Ctrl-C; see :func:`handle_termination`),
  before it exits.

psutil (a dependency of ipykernel) does the process-table work.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

import psutil

__all__ = [
    "ProcessTree",
    "Terminated",
    "adopt_orphans",
    "handle_termination",
    "kernel_pid",
    "process_lifetime",
    "terminate_descendants",
    "watch_parent_pipe",
]

#: Seconds a process gets to exit after SIGTERM before SIGKILL.
GRACE_S = 2.0
_PR_SET_CHILD_SUBREAPER = 36


class Terminated(BaseException):
    """The CLI was told to stop (SIGTERM, SIGHUP): unwind, clean up, exit ``128 + signum``.

    A ``BaseException``, like ``KeyboardInterrupt``, so that no ``except Exception`` on
    the way (one notebook's error must not stop a batch) swallows it.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


@dataclass
class _State:
    """What this process decided about its children (set once by the CLI)."""

    subreaper: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


_STATE = _State()


def adopt_orphans() -> bool:
    """Make this process the reaper of its orphaned descendants (Linux ≥ 3.4); say whether it is.

    Called by the CLI before it starts anything; ``--jobs`` workers, forked from it,
    call it again (the setting is not inherited) through :class:`ProcessTree`.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
            return False
    except (OSError, AttributeError):
        return False
    _STATE.subreaper = True
    return True


def _identity(process: psutil.Process) -> tuple[int, float] | None:
    try:
        return process.pid, process.create_time()
    except psutil.Error:
        return None


class ProcessTree:
    """The processes of one kernel and everything it started, ended together."""

    def __init__(self) -> None:
        if _STATE.subreaper:
            adopt_orphans()  # again in a forked --jobs worker, where it is not inherited
        self._me = psutil.Process()
        self._roots: list[psutil.Process] = []
        self._seen: dict[int, float] = {}  # pid -> create time
        # children this process had before the run: not the run's (a --jobs pool, a fixture's kernel)
        self._before = {i for i in (_identity(p) for p in self._children()) if i is not None}

    def _children(self) -> list[psutil.Process]:
        try:
            return list(self._me.children(recursive=True))
        except psutil.Error:
            return []

    def watch(self, pid: int | None) -> None:
        """Follow the process ``pid`` (the kernel) and its descendants from now on."""
        if pid is None:
            return
        with contextlib.suppress(psutil.Error):
            root = psutil.Process(pid)
            self._roots.append(root)
            self._note(root)
        self.sample()

    def _note(self, process: psutil.Process) -> None:
        identity = _identity(process)
        if identity is not None and identity[0] != self._me.pid:
            self._seen.setdefault(*identity)

    def sample(self) -> None:
        """Note the tree's processes now (after a cell: before a dying kernel orphans them)."""
        for root in self._roots:
            with contextlib.suppress(psutil.Error):
                for child in root.children(recursive=True):
                    self._note(child)
        if _STATE.subreaper:
            # orphans reparented to us since the run began
            for child in self._children():
                identity = _identity(child)
                if identity is not None and identity not in self._before:
                    self._note(child)

    def end(self, grace: float = GRACE_S) -> list[int]:
        """End every process of the tree still running; return their pids."""
        self.sample()
        alive = []
        for pid, started in self._seen.items():
            with contextlib.suppress(psutil.Error):
                process = psutil.Process(pid)
                if process.create_time() == started and process.status() != psutil.STATUS_ZOMBIE:
                    alive.append(process)
                elif process.status() == psutil.STATUS_ZOMBIE:
                    _reap(process)
        _end(alive, grace)
        self._seen.clear()
        return [p.pid for p in alive]


def _end(processes: list[psutil.Process], grace: float) -> None:
    """SIGTERM, wait up to ``grace``, SIGKILL what is left; reap those that are our children."""
    for process in processes:
        with contextlib.suppress(psutil.Error):
            process.terminate()
    _, alive = psutil.wait_procs(processes, timeout=grace)
    for process in alive:
        with contextlib.suppress(psutil.Error):
            process.kill()
    psutil.wait_procs(alive, timeout=grace)
    for process in processes:
        _reap(process)


def _reap(process: psutil.Process) -> None:
    """Collect the exit status of a dead child (an adopted orphan), so no zombie stays."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(process.pid, os.WNOHANG)


def terminate_descendants(grace: float = GRACE_S) -> None:
    """End every process below this one: kernels, ``--jobs`` workers, whatever cells started."""
    try:
        descendants = psutil.Process().children(recursive=True)
    except psutil.Error:
        return
    _end(descendants, grace)


def handle_termination(cleanup: Callable[[], None]) -> Callable[[], None]:
    """Turn SIGTERM and SIGHUP into :class:`Terminated` after ``cleanup()``; return an undo.

    ``cleanup`` runs in the signal handler, before the exception unwinds the run: the
    kernel and its tree are ended while the run still knows them, so no ``finally`` on
    the way has to wait for a kernel that is not coming back.
    """
    previous: dict[int, Any] = {}

    def on_signal(signum: int, frame: FrameType | None) -> None:
        for sig, handler in previous.items():  # a second signal while cleaning up: default action
            signal.signal(sig, handler)
        cleanup()
        raise Terminated(signum)

    for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if sig is not None:
            previous[sig] = signal.signal(sig, on_signal)

    def undo() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return undo


#: Set by the Jupyter server for the checkers it starts (popped, so kernels do not inherit them):
#: stdin is a pipe whose end means the server is gone; a directory to remove on termination.
PARENT_PIPE_ENV = "REPRO_NB_PARENT_PIPE"
SCRATCH_DIR_ENV = "REPRO_NB_SCRATCH_DIR"


@contextlib.contextmanager
def process_lifetime() -> Iterator[None]:
    """What the ``repro-nb`` process does around its command so that nothing outlives it.

    It adopts orphaned descendants (Linux), turns SIGTERM/SIGHUP into :class:`Terminated`
    after ending every descendant and removing the kernels' files, watches the server's
    pipe when started by the server, and on the way out — normal or not — ends whatever
    is still running below it.
    """
    from . import kernel_files

    scratch = os.environ.pop(SCRATCH_DIR_ENV, None)
    watch_pipe = os.environ.pop(PARENT_PIPE_ENV, None) == "1"

    def cleanup() -> None:
        terminate_descendants()
        kernel_files.remove_all()
        if scratch:
            import shutil

            shutil.rmtree(scratch, ignore_errors=True)

    adopt_orphans()
    undo = handle_termination(cleanup)
    if watch_pipe:
        watch_parent_pipe(0)
    try:
        yield
    finally:
        undo()
        terminate_descendants()
        kernel_files.remove_all()


def watch_parent_pipe(fd: int = 0) -> None:
    """End this process (as SIGTERM would) when the pipe on ``fd`` reaches end of file.

    The Jupyter server starts each checker with a pipe it never writes to as stdin. The
    server's end closes when the server exits — however it exits, SIGKILL included — and
    the checker then cleans up after itself instead of running on for nobody.
    """

    def watch() -> None:
        with contextlib.suppress(OSError):
            while os.read(fd, 4096):
                pass
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="repro-nb-parent-pipe", daemon=True).start()


def kernel_pid(manager: Any) -> int | None:
    """The pid of the kernel a jupyter_client manager started (its provisioner knows it)."""
    provisioner = getattr(manager, "provisioner", None)
    pid = getattr(provisioner, "pid", None) or getattr(getattr(provisioner, "process", None), "pid", None)
    return pid if isinstance(pid, int) else None
