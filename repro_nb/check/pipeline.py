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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import nbformat

from ..compare.model import CellComparison, CompareOptions, NotebookComparison
from ..compare.notebooks import compare_notebooks
from ..errors import ReproError
from ..format.cells import has_code
from ..format.check_types import CellOutcome, EvaluationJson, FailureJson, Verdict
from ..format.files import parse_notebook, read_notebook
from ..format.record import Record, attach_sidecar, parse_sidecar, read_record, sidecar_path
from .causes.consequences import find_consequences
from .describe import DataDescription, describe_files
from .evidence import (
    DataDrift,
    Evidence,
    data_drift,
    edited_cells,
    env_var_drift,
    environment_drift,
    missing_data,
    module_drift,
    package_drift,
)
from .explain import explain_cell
from .options import CheckOptions
from .results import CellResult, NotebookResult
from .run import CellFailure, RunResult, run_notebook, short_traceback


@dataclass(frozen=True)
class NotebookContent:
    """A notebook (and its sidecar record) already read by someone who judged the file.

    The Jupyter server opens the notebook once, checks that the file it opened lies
    inside its root, and hands the checker the open descriptors (``--notebook-fd``):
    re-opening the path could read another file by then (a symlink swapped in). So the
    content is what is checked, and the path only names it and says where it runs.
    """

    notebook: bytes
    sidecar: bytes | None = None
    """``None``: no sidecar — one appearing beside the path later is not read."""


def check_notebook(
    path: str,
    options: CheckOptions | None = None,
    on_cell_start: Callable[[int, int], None] | None = None,
    content: NotebookContent | None = None,
) -> NotebookResult:
    """Re-execute ``path`` in a fresh kernel and report whether its outputs came back.

    ``on_cell_start(index, total)`` reports progress (the server's check shows it).
    ``content``: the notebook as already read; ``path`` is then never opened.
    """
    opts = options or CheckOptions()
    start = time.perf_counter()
    try:
        stored, old = _read_stored(path, content)
    except ReproError as exc:
        return NotebookResult(path, "error", message=str(exc), duration_s=time.perf_counter() - start)
    if not has_code(stored.cells):
        # Markdown only (a course's reading, a README notebook): nothing can drift, and a
        # directory check must not fail because one notebook has no code.
        return NotebookResult(
            path,
            "reproduced",
            message="no code cells: nothing to reproduce",
            has_record=old is not None,
            stored=stored,
            duration_s=time.perf_counter() - start,
        )
    try:
        run = run_notebook(
            stored,
            notebook_path=path,
            kernel_name=opts.kernel_name,
            timeout=opts.timeout,
            startup_timeout=opts.startup_timeout,
            on_cell_start=on_cell_start,
            stop_on_error=opts.stop_on_error,
            strict_kernel=opts.strict_kernel,
        )
    except ReproError as exc:
        return NotebookResult(
            path,
            "error",
            message=str(exc),
            has_record=old is not None,
            stored=stored,
            duration_s=time.perf_counter() - start,
        )
    except Exception as exc:  # noqa: BLE001 - one notebook's broken run must not end a check of many
        # A kernel that cannot start (bad kernelspec command, missing ipykernel) and the
        # like: an error of this notebook, reported as a one-line message, the same in a
        # serial check and in a --jobs worker.
        return NotebookResult(
            path,
            "error",
            message=f"could not execute {path}: {type(exc).__name__}: {exc}",
            has_record=old is not None,
            stored=stored,
            duration_s=time.perf_counter() - start,
        )
    result = evaluate(path, stored, old, run, opts.compare)
    if opts.describe_data:
        result.data_descriptions = describe_data(path, old, read_record_quietly(run.nb), dict(opts.labels))
    result.duration_s = time.perf_counter() - start
    return result


def _read_stored(path: str, content: NotebookContent | None) -> tuple[nbformat.NotebookNode, Record | None]:
    """The stored notebook and its record: from ``path`` and its sidecar, or from ``content``."""
    if content is None:
        stored = read_notebook(path)
        return stored, read_record(stored, path)
    stored = parse_notebook(content.notebook, path)
    old = read_record(stored)  # the notebook's own metadata; the sidecar only as handed over
    if old is None and content.sidecar is not None:
        old = attach_sidecar(stored, parse_sidecar(content.sidecar, sidecar_path(path)))
    return stored, old


def read_record_quietly(nb: nbformat.NotebookNode) -> Record | None:
    try:
        return read_record(nb)
    except ReproError:
        return None


def describe_data(
    path: str, old: Record | None, new: Record | None, labels: dict[str, str] | None = None
) -> list[DataDescription]:
    """The tables among the files the notebook read or pinned (the re-run's record first, then the stored one)."""
    entries: list[Any] = []
    for record in (new, old):
        if record is None:
            continue
        for cell in record.cells.values():
            entries += cell.get("reads", [])
        entries += [d for d in record.notebook.get("data", []) if d.get("pinned")]
    # a label named by %repro_data in either record wins over [tool.repro-nb] labels
    named = {str(e["path"]): str(e["label"]) for e in entries if e.get("label")}
    entries = [{**e, "label": named[e["path"]]} if e.get("path") in named else e for e in entries]
    return describe_files(os.path.dirname(os.path.abspath(path)), entries, labels)


def evaluation_of(record: Record | None) -> EvaluationJson | None:
    """The named results, metrics and evaluation warnings of a record, if it has any."""
    if record is None:
        return None
    notebook = record.notebook
    warnings = [w for w in notebook.get("warnings", []) if w.get("kind") in ("skewed-evaluation", "label-shift")]
    results, metrics = notebook.get("results", []), notebook.get("metrics", [])
    if not (results or metrics or warnings):
        return None
    return {
        "results": [dict(r) for r in results],
        "metrics": [dict(m) for m in metrics],
        "warnings": [dict(w) for w in warnings],
    }


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
    code = [(i, c) for i, c in enumerate(nb.cells) if c.get("cell_type") == "code"]
    for position, (index, cell) in enumerate(code):
        error = next((o for o in cell.get("outputs", []) if o.get("output_type") == "error"), None)
        if error is None:
            continue
        if any(later.get("execution_count") is not None or later.get("outputs") for _, later in code[position + 1 :]):
            return None
        return CellFailure(
            "error",
            index,
            str(error.get("ename", "")),
            str(error.get("evalue", "")),
            short_traceback(list(error.get("traceback", []))),
        )
    return None


def evaluate(
    path: str,
    stored: nbformat.NotebookNode,
    old: Record | None,
    run: RunResult,
    compare_options: CompareOptions,
    new_path: str | None = None,
) -> NotebookResult:
    """Compare a stored notebook with a re-run (or another executed notebook) and explain."""
    executed = run.nb
    if old is not None:
        # Sidecar records that matched no cell (the code changed since) cannot be tied
        # to a position: keep them out of per-cell evidence.
        old = old.matched()
    comparison = compare_notebooks(stored, executed, compare_options)
    try:
        new = read_record(executed, new_path)
    except ReproError as exc:
        new = None
        run.record_errors.append(str(exc))
    index_map = {
        c.actual_index: c.expected_index
        for c in comparison.cells
        if c.actual_index is not None and c.expected_index is not None
    }
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
        modules=module_drift(old, base_dir),
        env_vars=env_var_drift(old, new, index_map),
        edited=edited_cells(old, stored.cells),
        kernel=run.kernel,
        executed_cells=executed.cells,
    )
    failure = run.failure.to_json() if run.failure else None
    failed_stored_index = (
        index_map.get(run.failure.cell_index) if run.failure and run.failure.cell_index is not None else None
    )
    if run.failure and failed_stored_index is None:
        # no cell index: the kernel never ran a cell (it did not start), so none ran
        failed_stored_index = run.failure.cell_index if run.failure.cell_index is not None else -1
    cells = _cell_results(stored, comparison, run, failure, failed_stored_index, evidence)
    verdict: Verdict
    if run.failure or any(c.status == "failed" for c in cells):
        verdict = "failed"
    elif any(c.status == "drifted" for c in cells) or any(d.status != "unrecorded" for d in data):
        verdict = "drifted"
    else:
        verdict = "reproduced"
    message = _message(verdict, cells, data, run)
    warnings = list(comparison.warnings) + run.record_errors
    if old is None:
        warnings.append("the notebook has no repro-nb record: causes are inferred from the code and the outputs only")
    return NotebookResult(
        path=path,
        verdict=verdict,
        message=message,
        cells=cells,
        data=data,
        packages=evidence.packages,
        environment=evidence.environment,
        has_record=old is not None,
        run_status=run.status,
        duration_s=run.duration_s,
        warnings=warnings,
        kernel=run.kernel,
        stored=stored,
        executed=executed,
        evaluation=evaluation_of(new),
    )


def _cell_results(
    stored: nbformat.NotebookNode,
    comparison: NotebookComparison,
    run: RunResult,
    failure: FailureJson | None,
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
        if failed_index is not None and index is not None and index >= failed_index:
            if index == failed_index:
                result.status = "failed"
                result.failure = failure
            elif result.status not in ("skipped",):
                result.status = "not-run"
                result.diffs = ()
        elif result.status == "failed" and cmp.actual_index is not None:
            # The run went on past it: the failure is the cell's new or changed error output.
            result.failure = _error_failure(run.nb.cells[cmp.actual_index], cmp.actual_index)
        results.append(result)
    failed = [(r.index, r.failure) for r in results if r.status == "failed" and r.index is not None]
    consequences = find_consequences(failed, stored.cells)
    for result, cmp in zip(results, comparison.cells):
        if result.index is None or result.status not in ("drifted", "failed"):
            continue
        consequence = consequences.get(result.index)
        # One cause for a cell that failed only because an earlier one did.
        result.causes = (
            [consequence.cause()] if consequence else explain_cell(result.index, cmp, result.failure, evidence)
        )
    return results


def _error_failure(cell: Any, actual_index: int) -> FailureJson | None:
    """A failed cell's error, from the error output the re-run stored in it."""
    error = next((o for o in cell.get("outputs", []) if o.get("output_type") == "error"), None)
    if error is None:
        return None
    return CellFailure(
        "error",
        actual_index,
        str(error.get("ename", "")),
        str(error.get("evalue", "")),
        short_traceback(list(error.get("traceback", []))),
    ).to_json()


def _status(cmp: CellComparison, stored_cell: Any) -> CellOutcome:
    """The comparison's outcome, unless the stored cell never ran: nothing to reproduce then.

    A new error still fails such a cell: the notebook does not run top to bottom.
    """
    if (
        cmp.status == "drifted"
        and stored_cell is not None
        and stored_cell.get("execution_count") is None
        and not stored_cell.get("outputs")
    ):
        return "not-stored"
    return cmp.status


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
        consequences = sum(c.status == "failed" and any(k.kind == "consequence" for k in c.causes) for c in cells)
        also = f" ({consequences} only because an earlier cell failed)" if consequences else ""
        parts.append(f"{failed} cell(s) failed{also}")
    if run.failure:
        not_run = sum(c.status == "not-run" for c in cells)
        reason = "" if failed else f": {run.failure.ename}: {run.failure.evalue}".rstrip(": ")
        parts.append(f"execution stopped ({run.failure.kind}{reason}){f', {not_run} cells not run' if not_run else ''}")
    changed = [d for d in data if d.status != "unrecorded"]
    if changed:
        parts.append(f"{len(changed)} data file(s) differ from the record")
    return "; ".join(parts)
