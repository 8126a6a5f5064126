"""Checks started from the panel: ``repro-nb check`` in a subprocess, supervised.

A check is exactly what ``repro-nb check NB --json F`` does on the command line, run as
a child process rather than in the server: a notebook's code must never run inside the
Jupyter server, a crash or a hung kernel must not take the server with it, and the whole
tree (the checker and the kernel it started) must be killable on cancel.

Life of a check (:class:`CheckManager`):

1. :meth:`~CheckManager.start` opens the notebook (and its sidecar) *once* and judges
   the opened file, not its name (:mod:`.opened`); refuses a second check of a notebook
   that is being checked (by the opened file, so two paths to one file are one
   notebook); takes a slot or a place in the line of the bounded queue (:mod:`.queue`;
   429 when the line is full); registers the check as ``running`` or ``queued`` and
   starts the supervisor task; the server answers at once.
2. The supervisor waits for its slot, then starts ``python -P -m repro_nb.cli check
   --json TMP/report.json --progress-jsonl -q --notebook-fd N [--sidecar-fd M]
   --config-root ROOT -- PATH`` in its own session (process group), in the server's
   root directory — PATH relative to it, so that the result and every message name the
   notebook as the user does, never by the server's file system path. ``-P``: the root
   is not on the checker's ``sys.path`` (a stray ``argparse.py`` there must not run in
   it); the descriptors are inherited, so the checker never opens the notebook by name;
   ``--config-root``: ``[tool.repro-nb]`` from the root and below, never above. Its
   stdin is a pipe the server never writes: when the server dies, however it dies, the
   checker sees end of file and ends itself and its kernel
   (``repro_nb.check.processes.watch_parent_pipe``). The supervisor reads its stderr
   line by line — ``{"event": "cell", "index", "total"}`` lines become ``progress``, the
   rest is kept as the tail of the log — and waits.
3. When the checker exits, its report decides the state: a report with the notebook's
   result means the check *ran*, whatever the exit code (0 reproduced, 1 drifted or
   failed, 2 when the result's verdict is ``"error"``, e.g. the kernel is not installed
   — the result carries that verdict and its message): state ``done``. No report means
   the checker itself could not run: state ``failed`` with the checker's error line.
4. :meth:`~CheckManager.cancel` of a queued check gives its place back; of a running
   one, it sends SIGTERM to the checker's process group and to the
   group of every process it started (jupyter_client starts kernels in a session of
   their own, so killing the checker's group alone would leave the kernel to notice its
   parent is gone), then SIGKILL to whatever is left after a grace period.

The per-check temporary directory holds the report and is the checker's ``TMPDIR`` and
``JUPYTER_RUNTIME_DIR``, so a killed kernel's connection file goes with it. Finished
checks are kept in memory, the most recent ``keep_finished`` of them.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import signal
import sys
import tempfile
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from ..errors import ReproError
from .executed import CheckArtifacts
from .opened import OpenedNotebook, open_notebook
from .paths import NotebookLocation
from .queue import CheckQueue, QueueFull, default_concurrency

__all__ = ["AlreadyRunning", "Check", "CheckManager", "NotRunning", "QueueFull", "UnknownCheck"]

CheckState = Literal["queued", "running", "done", "failed", "cancelled"]

#: Told to the checker in its environment (``repro_nb.check.processes`` reads them; the
#: server does not import the checker): stdin is the server's pipe, watch it; this
#: directory is yours, remove it if you are stopped.
PARENT_PIPE_ENV = "REPRO_NB_PARENT_PIPE"
SCRATCH_DIR_ENV = "REPRO_NB_SCRATCH_DIR"
#: How many checks may wait for a slot, by default; beyond them a request gets 429.
DEFAULT_MAX_QUEUED = 100

#: Longest stderr line read (a traceback line can be long; progress lines are short).
_LINE_LIMIT = 1 << 20
#: How many non-progress stderr lines are kept to explain a failure.
_TAIL_LINES = 40
#: After the checker exits, how long its stderr may stay open (a kernel that inherited
#: it may take a moment to die) before we stop reading.
_STDERR_DRAIN_S = 5.0


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z") if moment else None


@dataclass
class Check:
    """One check: what the API reports (:meth:`to_json`) plus what supervising it needs."""

    id: str
    path: str
    """Contents-API path, as the API reports it."""
    real_path: str
    """The notebook file, symlinks resolved: at most one running check per file."""
    state: CheckState = "running"
    position: int | None = None
    """While ``queued``: 1 for the next to start."""
    started_at: datetime = field(default_factory=_now)
    finished_at: datetime | None = None
    progress: dict[str, int] | None = None
    result: dict[str, Any] | None = None
    error: str | None = None
    process: asyncio.subprocess.Process | None = field(default=None, repr=False)
    cancel_requested: bool = False
    stderr_tail: deque[str] = field(default_factory=lambda: deque(maxlen=_TAIL_LINES), repr=False)
    task: asyncio.Task[None] | None = field(default=None, repr=False)
    workdir: str | None = field(default=None, repr=False)
    """Temporary directory of the running checker (report, runtime files); removed at the end."""
    attribute: bool = False
    """``check --attribute``: prove environment causes by re-running in the restored environment."""
    opened: OpenedNotebook | None = field(default=None, repr=False)
    """The notebook as opened when the check was requested: what the checker reads."""
    tolerance: dict[str, float] = field(default_factory=dict)
    """``rtol`` / ``atol`` the panel's settings ask for (``--rtol``, ``--atol``); the checker's own otherwise."""

    @property
    def active(self) -> bool:
        """Queued or running: not finished yet."""
        return self.state in ("queued", "running")

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "path": self.path,
            "state": self.state,
            "position": self.position if self.state == "queued" else None,
            "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at),
            "progress": dict(self.progress) if self.progress else None,
            "result": self.result,
            "error": self.error,
        }


class AlreadyRunning(Exception):
    """A check of this notebook is running (or queued); ``check`` is that check."""

    def __init__(self, check: Check) -> None:
        super().__init__(f"a check of {check.path} is already {check.state}")
        self.check = check


class UnknownCheck(KeyError):
    """No check with this id (never started, or dropped from the history)."""


class NotRunning(Exception):
    """The check already finished, so it cannot be cancelled."""

    def __init__(self, check: Check) -> None:
        super().__init__(f"the check of {check.path} has already finished ({check.state})")
        self.check = check


class CheckManager:
    """Starts, tracks, cancels and forgets checks; one instance per server."""

    def __init__(
        self,
        root_dir: str,
        *,
        keep_finished: int = 50,
        cancel_grace: float = 3.0,
        max_running: int | None = None,
        max_queued: int = DEFAULT_MAX_QUEUED,
        python: str = sys.executable,
        log: logging.Logger | None = None,
        executor: str | None = None,
        artifacts: CheckArtifacts | None = None,
    ) -> None:
        self.root_dir = root_dir
        self.keep_finished = keep_finished
        self.cancel_grace = cancel_grace
        self.queue = CheckQueue(max_running or default_concurrency(), max_queued)
        self.python = python
        self.log = log or logging.getLogger(__name__)
        self.executor = executor
        """``repro-nb check --executor`` of every check (``c.ReproNBServer.executor``)."""
        #: the re-run notebooks and reports of finished checks (:mod:`.executed`)
        self.artifacts = artifacts
        self._checks: dict[str, Check] = {}  # in start order
        self._finished: deque[str] = deque()  # ids, in finish order

    # -- queries ------------------------------------------------------------------

    def get(self, check_id: str) -> Check:
        try:
            return self._checks[check_id]
        except KeyError:
            raise UnknownCheck(check_id) from None

    def list_checks(self, path: str | None = None) -> list[Check]:
        """Checks newest first, optionally only those of one API path."""
        return [c for c in reversed(self._checks.values()) if path is None or c.path == path]

    def running_for(self, real_path: str) -> Check | None:
        """The active (queued or running) check of this file, if any."""
        return next((c for c in self._checks.values() if c.active and c.real_path == real_path), None)

    # -- life cycle ---------------------------------------------------------------

    def start(
        self,
        location: NotebookLocation,
        *,
        timeout: float | None = None,
        attribute: bool = False,
        tolerance: dict[str, float] | None = None,
    ) -> Check:
        """Open a saved notebook, register a check of it and start it in the background.

        Raises :class:`~.paths.PathRefused` (the opened file is not a notebook inside the
        root), :class:`AlreadyRunning` or :class:`QueueFull`. Synchronous up to the
        registration, so two requests for one notebook cannot both pass the "already
        running" test, and the answer says whether the check runs or waits.
        """
        opened = open_notebook(self.root_dir, location)
        try:
            active = self.running_for(opened.real_path)
            if active is not None:
                raise AlreadyRunning(active)
            check = Check(
                id=uuid.uuid4().hex,
                path=location.api_path,
                real_path=opened.real_path,
                attribute=attribute,
                tolerance=dict(tolerance or {}),
                opened=opened,
            )
            if not self.queue.reserve(check.id):
                check.state = "queued"
                check.position = self.queue.position(check.id)
        except BaseException:
            opened.close()
            raise
        self._checks[check.id] = check
        check.task = asyncio.create_task(self._supervise(check, timeout))
        return check

    async def cancel(self, check_id: str) -> Check:
        """Cancel a queued or running check; return once its processes are gone."""
        check = self.get(check_id)
        if not check.active:
            raise NotRunning(check)
        check.cancel_requested = True
        if check.state == "queued":
            self._leave_queue(check)
        elif check.process is not None:
            await self._terminate(check.process)
        self._finish(check, "cancelled")
        if check.task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(check.task), self.cancel_grace + _STDERR_DRAIN_S + 5)
            except TimeoutError:
                self.log.warning("repro-nb: the supervisor of check %s did not finish after cancel", check.id)
        return check

    async def shutdown(self) -> None:
        """Cancel every queued and running check (the server is stopping)."""
        running = [c.id for c in reversed(self._checks.values()) if c.active]  # the queued first
        await asyncio.gather(*(self.cancel(check_id) for check_id in running), return_exceptions=True)

    # -- supervision --------------------------------------------------------------

    def _command(self, check: Check, report: str, timeout: float | None) -> list[str]:
        # -P: no directory of the server's (its root, the checker's working directory)
        # is put first on the checker's sys.path, so no module there shadows one it imports
        argv = [self.python, "-P", "-m", "repro_nb.cli", "check", "--json", report, "--progress-jsonl", "-q"]
        if timeout is not None:
            argv += ["--timeout", repr(float(timeout))]
        if check.attribute:
            argv.append("--attribute")
        assert check.opened is not None
        argv += ["--notebook-fd", str(check.opened.fd)]
        if check.opened.sidecar_fd is not None:
            argv += ["--sidecar-fd", str(check.opened.sidecar_fd)]
        argv += ["--config-root", os.path.realpath(self.root_dir)]
        if self.executor:
            argv += ["--executor", self.executor]
        for name in ("rtol", "atol"):
            if name in check.tolerance:
                argv += [f"--{name}", repr(float(check.tolerance[name]))]
        if self.artifacts is not None:
            argv += self.artifacts.arguments(os.path.dirname(report))
        # "--": a notebook named "-x.ipynb" is not an option
        return [*argv, "--", os.path.join(*check.path.split("/"))]

    def _environment(self, workdir: str) -> dict[str, str]:
        """The checker's environment: the server's, its files kept in ``workdir``.

        Temporary and runtime files of the checker and its kernel (the kernel's
        connection file among them) land in the check's own directory, removed at the
        end even when a cancel left nobody to clean up after themselves. Relative
        ``PYTHONPATH`` entries would mean the root (the working directory): dropped, as
        ``-P`` drops the root itself.
        """
        env = dict(os.environ, JUPYTER_RUNTIME_DIR=workdir, TMPDIR=workdir)
        env[PARENT_PIPE_ENV] = "1"
        env[SCRATCH_DIR_ENV] = workdir
        if "PYTHONPATH" in env:
            kept = [entry for entry in env["PYTHONPATH"].split(os.pathsep) if os.path.isabs(entry)]
            if kept:
                env["PYTHONPATH"] = os.pathsep.join(kept)
            else:
                del env["PYTHONPATH"]
        return env

    async def _supervise(self, check: Check, timeout: float | None) -> None:
        try:
            if check.state == "queued":
                try:
                    await self.queue.acquire(check.id)
                except asyncio.CancelledError:
                    if check.cancel_requested:  # cancel() gave its place back
                        return
                    raise
                if check.cancel_requested:
                    return
                check.state, check.position = "running", None
                self._update_positions()
            workdir = check.workdir = tempfile.mkdtemp(prefix="repro-nb-check-")
            try:
                await self._run(check, workdir, timeout)
            except Exception as exc:  # a bug here must not leave the check "running" forever
                self.log.exception("repro-nb: check %s of %s crashed", check.id, check.path)
                self._finish(check, "failed", error=f"internal error while supervising the check: {exc}")
            finally:
                shutil.rmtree(workdir, ignore_errors=True)
        finally:
            if check.opened is not None:
                check.opened.close()
            self._leave_queue(check)

    def _leave_queue(self, check: Check) -> None:
        """Give back the check's slot or place in line; the next in line starts."""
        self.queue.release(check.id)
        self._update_positions()

    def _update_positions(self) -> None:
        for waiting in self._checks.values():
            if waiting.state == "queued":
                waiting.position = self.queue.position(waiting.id)

    async def _run(self, check: Check, workdir: str, timeout: float | None) -> None:
        report = os.path.join(workdir, "report.json")
        self.log.info("repro-nb: checking %s (check %s)", check.path, check.id)
        assert check.opened is not None
        # The checker's stdin: a pipe whose write end only this server holds (not
        # inheritable, so no other child keeps it open). It closes when the server
        # exits, SIGKILL included, and the checker then stops itself and its kernel.
        lifeline_read, lifeline_write = os.pipe()
        try:
            process = await asyncio.create_subprocess_exec(
                *self._command(check, report, timeout),
                stdin=lifeline_read,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
                cwd=self.root_dir,
                env=self._environment(workdir),
                start_new_session=True,
                pass_fds=check.opened.fds(),
                limit=_LINE_LIMIT,
            )
        except OSError as exc:
            os.close(lifeline_write)
            self._finish(check, "failed", error=f"cannot start the checker ({self.python}): {exc.strerror or exc}")
            return
        finally:
            os.close(lifeline_read)
        check.opened.close()  # the checker has its own copies of the descriptors
        try:
            await self._follow(check, process, report)
        finally:
            os.close(lifeline_write)

    async def _follow(self, check: Check, process: asyncio.subprocess.Process, report: str) -> None:
        """Follow a started checker to its end, and judge by its report."""
        check.process = process
        if check.cancel_requested:  # cancelled while the process was being created
            await self._terminate(process)
        assert process.stderr is not None
        reader = asyncio.create_task(self._read_stderr(check, process.stderr))
        returncode = await process.wait()
        try:
            await asyncio.wait_for(reader, _STDERR_DRAIN_S)
        except TimeoutError:
            pass  # wait_for cancelled the reader
        if check.cancel_requested:  # killed by cancel(): there is no result to read
            self._finish(check, "cancelled")
            return
        result = await asyncio.to_thread(self._read_result, report, check.path)
        if result is not None:
            if self.artifacts is not None:
                await asyncio.to_thread(self.artifacts.keep, check.id, os.path.dirname(report))
            self._finish(check, "done", result=result)
        else:
            self._finish(check, "failed", error=self._failure_message(check, returncode))

    async def _read_stderr(self, check: Check, stream: asyncio.StreamReader) -> None:
        while True:
            try:
                raw = await stream.readline()
            except ValueError:  # a line longer than the limit: skip what was buffered
                continue
            if not raw:
                return
            line = raw.decode("utf-8", errors="replace").rstrip()
            event = _progress_event(line)
            if event is not None:
                check.progress = event
            elif line.strip():
                check.stderr_tail.append(line)

    def _read_result(self, report: str, api_path: str) -> dict[str, Any] | None:
        """The notebook's entry of the checker's report, or ``None`` when there is none."""
        if not os.path.exists(report):
            return None
        from ..format.report import read_report

        try:
            document = read_report(report)
        except ReproError as exc:  # an unreadable report is a failed check, not a server error
            self.log.warning("repro-nb: cannot read check report %s: %s", report, exc)
            return None
        notebooks = document.get("notebooks") or []
        if not notebooks or not isinstance(notebooks[0], dict):
            return None
        result: dict[str, Any] = dict(notebooks[0])
        result["path"] = api_path  # not the server's absolute file system path
        return result

    def _failure_message(self, check: Check, returncode: int) -> str:
        """The line that says why the checker did not produce a report."""
        tail = list(check.stderr_tail)
        for line in reversed(tail):
            if line.startswith("repro-nb: error: "):
                return line[len("repro-nb: error: ") :]
        for line in reversed(tail):
            if line.startswith("repro-nb:"):
                return line[len("repro-nb:") :].strip()
        if returncode < 0:
            try:
                name = signal.Signals(-returncode).name
            except ValueError:
                name = f"signal {-returncode}"
            return f"the checker was killed by {name}"
        last = next((line for line in reversed(tail) if not line.startswith(("[", " "))), None)
        detail = f": {last}" if last else ""
        return f"the checker exited with code {returncode} without a report{detail}"

    def _finish(
        self,
        check: Check,
        state: CheckState,
        *,
        result: dict[str, Any] | None = None,
        error: str | None = None,
    ) -> None:
        if not check.active:
            return
        check.state = state
        check.position = None
        check.finished_at = _now()
        check.result = result
        check.error = error
        self.log.info("repro-nb: check %s of %s %s%s", check.id, check.path, state, f": {error}" if error else "")
        self._finished.append(check.id)
        while len(self._finished) > self.keep_finished:
            dropped = self._finished.popleft()
            self._checks.pop(dropped, None)
            if self.artifacts is not None:
                self.artifacts.drop(dropped)

    # -- killing ------------------------------------------------------------------

    async def _terminate(self, process: asyncio.subprocess.Process) -> None:
        """SIGTERM the checker's process group and its children's groups; SIGKILL after the grace period."""
        groups = _process_groups(process.pid)
        _signal_groups(groups, signal.SIGTERM)
        deadline = time.monotonic() + self.cancel_grace
        try:
            await asyncio.wait_for(process.wait(), self.cancel_grace)
        except TimeoutError:
            pass
        await asyncio.to_thread(_wait_groups_empty, groups, deadline)
        # Kernels die of SIGTERM at once; a notebook that traps it does not get to linger.
        # Linux does not reuse a group id while the group has members, so this reaches
        # only what is left of our own process tree.
        _signal_groups(groups, signal.SIGKILL)
        await process.wait()


def _progress_event(line: str) -> dict[str, int] | None:
    if not line.startswith("{"):
        return None
    try:
        event = json.loads(line)
    except json.JSONDecodeError:
        return None
    if not isinstance(event, dict) or event.get("event") != "cell":
        return None
    index, total = event.get("index"), event.get("total")
    if not isinstance(index, int) or not isinstance(total, int):
        return None
    return {"cell": index, "total": total}


def _process_groups(pid: int) -> set[int]:
    """The process groups of ``pid`` (a session leader) and of all its descendants.

    psutil comes with ipykernel; without it only the checker's own group is known, and
    its kernel exits on its own a second after the checker dies (ipykernel polls its
    parent).
    """
    own = os.getpgrp()
    groups = {pid}
    try:
        import psutil
    except ImportError:
        return groups - {own}
    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.Error:  # already gone
        children = []
    for child in children:
        try:
            groups.add(os.getpgid(child.pid))
        except OSError:
            pass
    groups.discard(own)  # never signal the server's own group
    return groups


def _signal_groups(groups: set[int], signum: int) -> None:
    for group in groups:
        try:
            os.killpg(group, signum)
        except (ProcessLookupError, PermissionError):
            pass


def _wait_groups_empty(groups: set[int], deadline: float) -> None:
    """Wait until no process is left in ``groups`` or ``deadline`` (signal 0 only probes)."""
    while time.monotonic() < deadline:
        alive = False
        for group in groups:
            try:
                os.killpg(group, 0)
                alive = True
            except (ProcessLookupError, PermissionError):
                pass
        if not alive:
            return
        time.sleep(0.05)
