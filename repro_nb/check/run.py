"""Execute a notebook headless in a fresh kernel, with the recorder: one straight pipeline.

load → choose the kernel (its own, or one of its language) → execute through papermill's
``repro`` engine → classify how it ended (ran through, stopped at an error, timeout,
dead kernel) → return. Writing the result is the caller's business
(:func:`repro_nb.format.files.write_notebook`, atomic).
"""

from __future__ import annotations

import copy
import logging
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import nbformat

from ..compare.markers import RAISES_EXCEPTION_TAG, expects_an_error
from ..format.check_types import FailureJson, FailureKind, RunStatus
from ..format.files import read_notebook
from ..format.text import strip_ansi
from .engine import ExecutionObserver
from .kernels import KernelChoice, choose_kernel
from .papermill_meta import record_paths


@dataclass
class CellFailure:
    """Why execution stopped, and where."""

    kind: FailureKind
    cell_index: int | None
    ename: str = ""
    evalue: str = ""
    traceback: str = ""
    stderr: str = ""
    """The kernel's last lines on stderr, when they explain the failure (a dead kernel)."""

    def to_json(self) -> FailureJson:
        failure: FailureJson = {
            "kind": self.kind,
            "cell_index": self.cell_index,
            "ename": self.ename,
            "evalue": self.evalue,
            "traceback": self.traceback,
        }
        if self.stderr:
            failure["stderr"] = self.stderr
        return failure


@dataclass
class RunResult:
    nb: nbformat.NotebookNode
    status: RunStatus
    duration_s: float
    failure: CellFailure | None = None
    """Set when the run stopped before the end (a timeout, a dead kernel, --stop-on-error)."""
    executed: list[int] = field(default_factory=list)
    record_errors: list[str] = field(default_factory=list)
    kernel: KernelChoice | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def run_notebook(
    nb_or_path: nbformat.NotebookNode | str,
    *,
    notebook_path: str | None = None,
    parameters: dict[str, Any] | None = None,
    kernel_name: str | None = None,
    timeout: float | None = None,
    startup_timeout: float = 60,
    cwd: str | None = None,
    on_cell_start: Callable[[int, int], None] | None = None,
    stop_on_error: bool = False,
    strict_kernel: bool = False,
    kernel_env: dict[str, str] | None = None,
) -> RunResult:
    """Execute a notebook top to bottom in a fresh kernel with the recorder loaded.

    ``notebook_path`` is where the notebook lives for the user (the recorder makes data
    paths relative to its directory, and it is the default working directory), even
    when what runs is a copy.

    The run goes on after a cell raises, as the author's session did, so that every cell
    is judged: the comparison tells an error the author kept from a new one. With
    ``stop_on_error`` it stops at the first error the stored notebook does not have (a
    cell tagged ``raises-exception`` or holding a stored error may raise). A timeout or a
    dead kernel always stops it. ``kernel_env`` is added to the kernel's environment
    (``REPRO_NB_SEED`` for ``repro-nb seeds``).
    """
    import papermill as pm
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    if isinstance(nb_or_path, str):
        notebook_path = notebook_path or nb_or_path
        nb = read_notebook(nb_or_path)
    else:
        nb = copy.deepcopy(nb_or_path)
    kernel = choose_kernel(nb.metadata, kernel_name, strict=strict_kernel)
    tagged = _tag_stored_errors(nb) if stop_on_error else []
    abs_path = os.path.abspath(notebook_path) if notebook_path else None
    workdir = cwd or (os.path.dirname(abs_path) if abs_path else os.getcwd())
    observer = ExecutionObserver(notebook_path=abs_path, on_cell_start=on_cell_start)
    logging.getLogger("papermill").setLevel(logging.WARNING)
    start = time.perf_counter()
    failure: CellFailure | None = None
    try:
        result_nb = pm.execute_notebook(
            nb,
            None,
            parameters=parameters or None,
            engine_name="repro",
            kernel_name=kernel.used,
            progress_bar=False,
            start_timeout=_whole_seconds(startup_timeout),
            execution_timeout=_whole_seconds(timeout) if timeout else None,
            cwd=workdir,
            repro_observer=observer,
            repro_kernel_env=kernel_env,
            allow_errors=not stop_on_error,
        )
    except PapermillExecutionError as exc:
        # papermill raises for any error output once execution is over; only a run that
        # did not get to the end stopped at it.
        result_nb = observer.nb
        if not observer.completed:
            failure = CellFailure(
                "error",
                _failed_index(observer, exc.cell_index - 1 if exc.cell_index else None),
                exc.ename,
                exc.evalue,
                short_traceback(exc.traceback),
            )
    except CellTimeoutError as exc:
        result_nb = observer.nb
        failure = CellFailure(
            "timeout",
            observer.current_index,
            "CellTimeoutError",
            f"cell did not finish within {timeout:g} s" if timeout else str(exc),
        )
    except DeadKernelError as exc:
        result_nb = observer.nb
        failure = CellFailure(
            "dead-kernel",
            observer.current_index,
            "DeadKernelError",
            _dead_kernel_message(exc),
            stderr=observer.kernel_stderr,
        )
    except RuntimeError as exc:  # kernel failed to start, or died during start-up
        if observer.nb is None:
            raise
        result_nb = observer.nb
        failure = CellFailure(
            "kernel-failed", observer.current_index, type(exc).__name__, str(exc), stderr=observer.kernel_stderr
        )
    duration = time.perf_counter() - start
    if result_nb is None:
        result_nb = nb
    _strip_papermill_noise(result_nb)
    _untag(result_nb, tagged)
    record_paths(result_nb, notebook_path)  # a path, never a copy of the input notebook
    return RunResult(
        nb=result_nb,
        status=failure.kind if failure else "ok",
        duration_s=duration,
        failure=failure,
        executed=list(observer.executed),
        record_errors=list(observer.record_errors),
        kernel=kernel,
    )


def _tag_stored_errors(nb: nbformat.NotebookNode) -> list[str]:
    """Tag cells whose stored outputs hold an error ``raises-exception``, for nbclient.

    papermill clears every output before it runs a cell, so the stored error is seen here
    or not at all. Returns the ids of the cells tagged, to take the tags off afterwards.
    """
    tagged: list[str] = []
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        tags = cell.setdefault("metadata", {}).setdefault("tags", [])
        stored_error = any(o.get("output_type") == "error" for o in cell.get("outputs", []))
        if RAISES_EXCEPTION_TAG in tags or not (stored_error or expects_an_error(cell)):
            continue
        if not cell.get("id"):
            cell["id"] = f"repro-nb-{len(tagged)}"
        tags.append(RAISES_EXCEPTION_TAG)
        tagged.append(cell["id"])
    return tagged


def _untag(nb: nbformat.NotebookNode, tagged: list[str]) -> None:
    wanted = set(tagged)
    for cell in nb.cells:
        if cell.get("id") in wanted:
            tags = cell.get("metadata", {}).get("tags", [])
            if RAISES_EXCEPTION_TAG in tags:
                tags.remove(RAISES_EXCEPTION_TAG)
            if not tags:
                cell["metadata"].pop("tags", None)
            if str(cell.get("id", "")).startswith("repro-nb-"):
                cell.pop("id", None)


def _whole_seconds(seconds: float) -> int:
    """papermill and nbclient take whole seconds; round up, so 0.5 s is 1 s, not "no limit"."""
    return max(1, math.ceil(seconds))


def _dead_kernel_message(exc: BaseException) -> str:
    detail = str(exc).strip()
    generic = not detail or detail.lower().rstrip(".") == "kernel died"
    return "the kernel died while running this cell" + ("" if generic else f" ({detail})")


def _failed_index(observer: ExecutionObserver, fallback: int | None) -> int | None:
    return observer.current_index if observer.current_index is not None else fallback


def short_traceback(lines: list[str] | None, limit: int = 12) -> str:
    text = strip_ansi("\n".join(lines or []))
    kept = text.splitlines()
    return "\n".join(kept[-limit:])


def _strip_papermill_noise(nb: nbformat.NotebookNode) -> None:
    """papermill's error-marker cell is not part of the user's notebook."""
    nb.cells = [c for c in nb.cells if "papermill-error-cell-tag" not in c.get("metadata", {}).get("tags", [])]
