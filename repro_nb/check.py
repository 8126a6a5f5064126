"""Did a notebook reproduce? Re-run it in a fresh kernel, compare, explain.

:func:`check_notebook` is one function from a notebook path to a :class:`NotebookResult`
— picklable, so it runs the same in a process pool (``--jobs``) and could run on a
distributed engine. It never writes the user's notebook: the run happens on an
in-memory copy, in the notebook's directory.

Pipeline: read the stored notebook and its record → execute a copy → match cells and
compare outputs → gather evidence (data, packages, environment) → explain each drifted
or failed cell → verdict.
"""
from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import nbformat

from .compare import (
    CellComparison,
    CompareOptions,
    NotebookComparison,
    OutputDiff,
    compare_notebooks,
)
from .environment_diff import EnvironmentDifference
from .errors import ReproError
from .execute import CellFailure, RunResult, run_notebook
from .explain import (
    Cause,
    DataDrift,
    Evidence,
    PackageDrift,
    data_drift,
    environment_drift,
    explain_cell,
    missing_data,
    package_drift,
)
from .fileio import read_notebook
from .record import NotebookRecord, read_record

CHECK_SCHEMA_VERSION = 1

Verdict = Literal["reproduced", "drifted", "failed", "error"]
CellVerdict = Literal["reproduced", "drifted", "failed", "not-run", "skipped", "not-stored", "added", "removed"]


@dataclass(frozen=True)
class CheckOptions:
    timeout: float | None = 600.0
    """Seconds one cell may run (papermill's execution timeout)."""
    startup_timeout: float = 60.0
    kernel_name: str | None = None
    compare: CompareOptions = field(default_factory=CompareOptions)


@dataclass
class CellResult:
    index: int | None  # in the stored notebook
    cell_id: str | None
    status: CellVerdict
    execution_count: int | None = None
    diffs: tuple[OutputDiff, ...] = ()
    causes: list[Cause] = field(default_factory=list)
    failure: dict[str, Any] | None = None
    skip_reason: str | None = None
    actual_index: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "actual_index": self.actual_index,
            "cell_id": self.cell_id,
            "status": self.status,
            "execution_count": self.execution_count,
            "diffs": [d.to_json() for d in self.diffs],
            "causes": [c.to_json() for c in self.causes],
            "failure": self.failure,
            "skip_reason": self.skip_reason,
        }


@dataclass
class NotebookResult:
    path: str
    verdict: Verdict
    message: str = ""
    cells: list[CellResult] = field(default_factory=list)
    data: list[DataDrift] = field(default_factory=list)
    packages: list[PackageDrift] = field(default_factory=list)
    environment: list[EnvironmentDifference] = field(default_factory=list)
    has_record: bool = False
    run_status: str | None = None
    duration_s: float = 0.0
    warnings: list[str] = field(default_factory=list)
    #: not serialized: the notebooks themselves, for the HTML report's images
    stored: Any = None
    executed: Any = None

    @property
    def drifted_cells(self) -> list[CellResult]:
        return [c for c in self.cells if c.status in ("drifted", "failed")]

    @property
    def exit_code(self) -> int:
        return {"reproduced": 0, "drifted": 1, "failed": 1, "error": 2}[self.verdict]

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "verdict": self.verdict,
            "message": self.message,
            "has_record": self.has_record,
            "run_status": self.run_status,
            "duration_s": round(self.duration_s, 3),
            "cells": [c.to_json() for c in self.cells],
            "data": [d.to_json() for d in self.data],
            "packages": [p.to_json() for p in self.packages],
            "environment": [
                {"field": e.field, "old": e.old, "new": e.new, "severity": e.severity} for e in self.environment
            ],
            "warnings": list(self.warnings),
        }


def check_notebook(
    path: str,
    options: CheckOptions | None = None,
    on_cell_start: Callable[[int, int], None] | None = None,
) -> NotebookResult:
    """Re-execute ``path`` in a fresh kernel and report whether its outputs came back.

    ``on_cell_start(index, total)`` reports progress (the server's check shows it).
    """
    opts = options or CheckOptions()
    start = time.perf_counter()
    try:
        stored = read_notebook(path)
        old = read_record(stored, path)
    except ReproError as exc:
        return NotebookResult(path, "error", message=str(exc), duration_s=time.perf_counter() - start)
    if not any(c.get("cell_type") == "code" and _source(c).strip() for c in stored.cells):
        # Nothing can drift, so "reproduced" would be a pass for a notebook nobody ran
        # (an empty file saved by mistake, a notebook whose cells were cleared).
        return NotebookResult(path, "error", message=f"{path} has no code to run: nothing to reproduce",
                              has_record=old is not None, stored=stored, duration_s=time.perf_counter() - start)
    try:
        run = run_notebook(
            stored, notebook_path=path, kernel_name=opts.kernel_name,
            timeout=opts.timeout, startup_timeout=opts.startup_timeout, on_cell_start=on_cell_start,
        )
    except ReproError as exc:
        return NotebookResult(path, "error", message=str(exc), has_record=old is not None, stored=stored,
                              duration_s=time.perf_counter() - start)
    except Exception as exc:  # noqa: BLE001 - one notebook's broken run must not end a check of many
        # A kernel that cannot start (bad kernelspec command, missing ipykernel) and the
        # like: an error of this notebook, reported as a one-line message, the same in a
        # serial check and in a --jobs worker.
        return NotebookResult(path, "error", message=f"could not execute {path}: {type(exc).__name__}: {exc}",
                              has_record=old is not None, stored=stored, duration_s=time.perf_counter() - start)
    result = evaluate(path, stored, old, run, opts.compare)
    result.duration_s = time.perf_counter() - start
    return result


def diff_notebooks(path_a: str, path_b: str, options: CompareOptions | None = None) -> NotebookResult:
    """``repro-nb diff``: the same comparison and explanation between two executed notebooks."""
    start = time.perf_counter()
    try:
        stored = read_notebook(path_a)
        actual = read_notebook(path_b)
        old = read_record(stored, path_a)
    except ReproError as exc:
        return NotebookResult(path_b, "error", message=str(exc))
    failure = _stopped_by_error(actual)
    run = RunResult(nb=actual, status=failure.kind if failure else "ok", duration_s=0.0, failure=failure)
    result = evaluate(path_b, stored, old, run, options or CompareOptions(), new_path=path_b)
    result.duration_s = time.perf_counter() - start
    return result


def _stopped_by_error(nb: nbformat.NotebookNode) -> CellFailure | None:
    """Where an executed notebook's run stopped: the error after which no cell ran.

    What papermill and nbconvert leave behind when a cell raises, so ``diff`` explains
    the error like ``check`` does and calls the cells after it "not run", not drifted.
    A notebook that ran on after an error (``--allow-errors``) did not stop.
    """
    from .execute import short_traceback

    code = [(i, c) for i, c in enumerate(nb.cells) if c.get("cell_type") == "code"]
    for position, (index, cell) in enumerate(code):
        error = next((o for o in cell.get("outputs", []) if o.get("output_type") == "error"), None)
        if error is None:
            continue
        if any(later.get("execution_count") is not None or later.get("outputs") for _, later in code[position + 1:]):
            return None
        return CellFailure("error", index, str(error.get("ename", "")), str(error.get("evalue", "")),
                           short_traceback(list(error.get("traceback", []))))
    return None


def evaluate(
    path: str,
    stored: nbformat.NotebookNode,
    old: NotebookRecord | None,
    run: RunResult,
    compare_options: CompareOptions,
    new_path: str | None = None,
) -> NotebookResult:
    """Compare a stored notebook with a re-run (or another executed notebook) and explain."""
    executed = run.nb
    if old is not None and any(index < 0 for index in old.cells):
        # Sidecar records that matched no cell (the code changed since) cannot be tied
        # to a position: keep them out of per-cell evidence.
        old = NotebookRecord(old.notebook, {i: c for i, c in old.cells.items() if i >= 0}, old.source)
    comparison = compare_notebooks(stored, executed, compare_options)
    try:
        new = read_record(executed, new_path)
    except ReproError as exc:
        new = None
        run.record_errors.append(str(exc))
    index_map = {c.actual_index: c.expected_index for c in comparison.cells
                 if c.actual_index is not None and c.expected_index is not None}
    base_dir = os.path.dirname(os.path.abspath(path))
    data = data_drift(old, new, index_map)
    seen = {d.path for d in data}
    data += [d for d in missing_data(old, base_dir) if d.path not in seen]
    evidence = Evidence(
        stored_cells=stored.cells,
        old=old,
        new=new,
        data=data,
        packages=package_drift(old, new),
        environment=environment_drift(old, new),
        index_map=index_map,
    )
    failure = run.failure.to_json() if run.failure else None
    failed_stored_index = index_map.get(run.failure.cell_index) if run.failure and run.failure.cell_index is not None else None
    if run.failure and failed_stored_index is None:
        # no cell index: the kernel never ran a cell (it did not start), so none ran
        failed_stored_index = run.failure.cell_index if run.failure.cell_index is not None else -1
    cells = _cell_results(stored, comparison, run, failure, failed_stored_index, evidence)
    verdict: Verdict
    if run.failure:
        verdict = "failed"
    elif any(c.status in ("drifted", "failed") for c in cells) or any(d.status != "unrecorded" for d in data):
        verdict = "drifted"
    else:
        verdict = "reproduced"
    message = _message(verdict, cells, data, run)
    warnings = list(comparison.warnings) + run.record_errors
    if old is None:
        warnings.append("the notebook has no repro-nb record: causes are inferred from the code and the outputs only")
    return NotebookResult(
        path=path, verdict=verdict, message=message, cells=cells, data=data, packages=evidence.packages,
        environment=evidence.environment, has_record=old is not None, run_status=run.status,
        duration_s=run.duration_s, warnings=warnings, stored=stored, executed=executed,
    )


def _cell_results(
    stored: nbformat.NotebookNode,
    comparison: NotebookComparison,
    run: RunResult,
    failure: dict[str, Any] | None,
    failed_index: int | None,
    evidence: Evidence,
) -> list[CellResult]:
    results = []
    for cmp in comparison.cells:
        index = cmp.expected_index
        stored_cell = stored.cells[index] if index is not None else None
        result = CellResult(
            index=index,
            actual_index=cmp.actual_index,
            # The stored cell's own id: papermill gives cells of nbformat < 4.5 random ids
            # in the copy it runs, which exist nowhere in the user's file.
            cell_id=(stored_cell.get("id") or None) if stored_cell is not None else cmp.cell_id,
            status=_status(cmp, stored_cell),
            execution_count=stored_cell.get("execution_count") if stored_cell is not None else None,
            diffs=cmp.diffs,
            skip_reason=cmp.skip_reason,
        )
        if failed_index is not None and index is not None:
            if index == failed_index:
                result.status = "failed"
                result.failure = failure
            elif index > failed_index and result.status not in ("skipped",):
                result.status = "not-run"
                result.diffs = ()
        if result.status in ("drifted", "failed") and index is not None:
            result.causes = explain_cell(index, cmp, result.failure, evidence)
        results.append(result)
    return results


def _source(cell: Any) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _status(cmp: CellComparison, stored_cell: Any) -> CellVerdict:
    if cmp.status == "same":
        return "reproduced"
    if cmp.status == "skipped":
        return "skipped"
    if cmp.status == "not-in-expected":
        return "added"
    if cmp.status == "not-in-actual":
        return "removed"
    if stored_cell is not None and stored_cell.get("execution_count") is None and not stored_cell.get("outputs"):
        return "not-stored"  # never executed when saved: nothing to reproduce
    if cmp.status == "new-error":
        return "failed"
    return "drifted"


def _message(verdict: Verdict, cells: Sequence[CellResult], data: Sequence[DataDrift], run: RunResult) -> str:
    drifted = sum(c.status == "drifted" for c in cells)
    failed = sum(c.status == "failed" for c in cells)
    compared = sum(c.status in ("reproduced", "drifted", "failed") for c in cells)
    parts = []
    if verdict == "reproduced":
        parts.append(f"all {compared} compared cells reproduced")
    if drifted:
        parts.append(f"{drifted} of {compared} cells drifted")
    if failed:
        parts.append(f"{failed} cell(s) failed")
    if run.failure:
        not_run = sum(c.status == "not-run" for c in cells)
        reason = "" if failed else f": {run.failure.ename}: {run.failure.evalue}".rstrip(": ")
        parts.append(f"execution stopped ({run.failure.kind}{reason}){f', {not_run} cells not run' if not_run else ''}")
    changed = [d for d in data if d.status != "unrecorded"]
    if changed:
        parts.append(f"{len(changed)} data file(s) differ from the record")
    return "; ".join(parts)


# --------------------------------------------------------------------------- many notebooks


def is_skipped(path: str, skip: Sequence[str], base_dir: str | None = None) -> bool:
    """Whether a ``skip`` glob matches ``path``: as given, relative to ``base_dir`` (the
    directory of the ``pyproject.toml`` the globs come from), absolute, or by file name.

    So ``skip = ["notebooks/scratch/*"]`` means the same from the CLI run anywhere in
    the project and from the pytest plugin, which sees absolute paths.
    """
    import fnmatch

    if not skip:
        return False
    absolute = os.path.abspath(path)
    candidates = {path, absolute, os.path.basename(path)}
    if base_dir:
        relative = os.path.relpath(absolute, os.path.abspath(base_dir))
        if not relative.startswith(os.pardir):
            candidates.add(relative)
    return any(fnmatch.fnmatch(candidate, glob) for candidate in candidates for glob in skip)


def collect_notebooks(targets: Iterable[str], skip: Sequence[str] = (), base_dir: str | None = None) -> list[str]:
    """Expand files and directories into notebook paths (sorted, checkpoints left out)."""
    found: list[str] = []
    for target in targets:
        if os.path.isdir(target):
            for root, dirs, files in os.walk(target):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in ("node_modules", "__pycache__"))
                found.extend(os.path.join(root, f) for f in sorted(files) if f.endswith(".ipynb"))
        else:
            found.append(target)
    # once each, in the order given: `check nbs/ nbs/a.ipynb` must not check a.ipynb twice
    seen: set[str] = set()
    unique = []
    for path in found:
        if os.path.realpath(path) not in seen:
            seen.add(os.path.realpath(path))
            unique.append(path)
    return [p for p in unique if not is_skipped(p, skip, base_dir)]


def check_many(
    paths: Sequence[str],
    options: CheckOptions | None = None,
    jobs: int = 1,
    on_result: Callable[[NotebookResult], None] | None = None,
) -> list[NotebookResult]:
    """Check several notebooks, ``jobs`` at a time in separate processes (each its own kernel).

    Results come back in the order of ``paths`` whatever the order of completion, so a
    parallel run reports exactly what a serial run does.
    """
    opts = options or CheckOptions()
    if jobs <= 1 or len(paths) <= 1:
        results = []
        for path in paths:
            result = check_notebook(path, opts)
            if on_result:
                on_result(result)
            results.append(result)
        return results
    from concurrent.futures import ProcessPoolExecutor, as_completed

    ordered: list[NotebookResult | None] = [None] * len(paths)
    # papermill chdir()s the whole process into the notebook's directory, so parallel
    # checks need processes, not threads.
    with ProcessPoolExecutor(max_workers=jobs, mp_context=_pool_context()) as pool:
        futures = {pool.submit(check_notebook, path, opts): i for i, path in enumerate(paths)}
        for future in as_completed(futures):
            i = futures[future]
            try:
                result = future.result()
            except Exception as exc:  # noqa: BLE001 - a crashed worker is this notebook's failure
                result = NotebookResult(paths[i], "error", message=f"checker crashed: {exc!r}")
            ordered[i] = result
            if on_result:
                on_result(result)
    return [r for r in ordered if r is not None]


def _pool_context() -> Any:
    """How to start ``--jobs`` workers: as cheaply as is safe.

    A spawned worker imports repro-nb, papermill and nbformat afresh: about 3 s of CPU
    here, as much as checking a small notebook, paid by every worker on a machine whose
    cores the kernels need. Forking the parent costs nothing and is safe on Linux while
    the parent runs no other thread (the CLI: nothing started yet). Otherwise (threads,
    macOS, Windows) a fork server that imports repro-nb once, or spawn.
    """
    import multiprocessing
    import sys
    import threading

    methods = multiprocessing.get_all_start_methods()
    if sys.platform.startswith("linux") and "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["repro_nb.check"])
        return context
    return multiprocessing.get_context("spawn")
