"""A check result back from its JSON: what ``--cache`` stored, as the reports need it.

The reports render :class:`~.results.NotebookResult` objects (diffs, causes, drift), so a
result reused from the cache is rebuilt from the check report's JSON it was stored as —
``result_from_json(r.to_json()).to_json() == r.to_json()``, which the tests hold — and
every report shows it exactly as it showed the run that verified it.
"""

from __future__ import annotations

from ..compare.model import OutputDiff
from ..format.check_types import (
    CauseJson,
    CellResultJson,
    DataDriftJson,
    EnvironmentDifferenceJson,
    JsonFloat,
    KernelJson,
    NotebookResultJson,
    OutputDiffJson,
    PackageDriftJson,
)
from .causes import Cause
from .environment_diff import EnvironmentDifference
from .evidence import DataDrift, PackageDrift
from .kernels import KernelChoice
from .results import CellResult, NotebookResult

__all__ = ["result_from_json"]


def result_from_json(document: NotebookResultJson) -> NotebookResult:
    """The :class:`NotebookResult` a (validated) ``notebooks[]`` entry was made from."""
    return NotebookResult(
        path=document["path"],
        verdict=document["verdict"],
        message=document["message"],
        cells=[_cell(cell) for cell in document["cells"]],
        data=[_data(item) for item in document["data"]],
        packages=[_package(item) for item in document["packages"]],
        environment=[_environment(item) for item in document["environment"]],
        has_record=document["has_record"],
        run_status=document["run_status"],
        duration_s=float(document["duration_s"]),
        warnings=list(document["warnings"]),
        kernel=_kernel(document["kernel"]),
        restored_environment=document.get("restored_environment"),
        attribution=document.get("attribution"),
        cached=document.get("cached"),
    )


def _cell(cell: CellResultJson) -> CellResult:
    return CellResult(
        index=cell["index"],
        actual_index=cell["actual_index"],
        cell_id=cell["cell_id"],
        status=cell["status"],
        execution_count=cell["execution_count"],
        diffs=tuple(_diff(diff) for diff in cell["diffs"]),
        causes=[_cause(cause) for cause in cell["causes"]],
        failure=cell["failure"],
        skip_reason=cell["skip_reason"],
    )


def _diff(diff: OutputDiffJson) -> OutputDiff:
    region = diff["region"]
    return OutputDiff(
        kind=diff["kind"],
        output_index=diff["output_index"],
        mime=diff["mime"],
        expected=diff["expected"],
        actual=diff["actual"],
        expected_length=diff["expected_length"],
        actual_length=diff["actual_length"],
        unified_diff=tuple(diff["unified_diff"]),
        max_abs_diff=_float(diff["max_abs_diff"]),
        max_rel_diff=_float(diff["max_rel_diff"]),
        pixel_fraction=_float(diff["pixel_fraction"]),
        numbers_changed=tuple((str(a), str(b)) for a, b in diff["numbers_changed"]),
        traceback=tuple(diff["traceback"]),
        note=diff["note"],
        region=(region["x"], region["y"], region["width"], region["height"]) if region else None,
    )


def _float(value: JsonFloat) -> float | None:
    """``"inf"``/``"nan"`` (strict JSON's spelling) back to floats."""
    return None if value is None else float(value)


def _cause(cause: CauseJson) -> Cause:
    return Cause(
        kind=cause["kind"],
        message=cause["message"],
        confidence=cause["confidence"],
        origin_index=cause["origin_index"],
        details=cause["details"],
        evidence=tuple(cause["evidence"]),
    )


def _data(item: DataDriftJson) -> DataDrift:
    return DataDrift(item["path"], item["status"], item["old_hash"], item["new_hash"], tuple(item["read_by"]))


def _package(item: PackageDriftJson) -> PackageDrift:
    return PackageDrift(item["distribution"], item["old"], item["new"], tuple(item["imported_by"]))


def _environment(item: EnvironmentDifferenceJson) -> EnvironmentDifference:
    return EnvironmentDifference(item["field"], item["old"], item["new"], item["severity"])


def _kernel(kernel: KernelJson | None) -> KernelChoice | None:
    if kernel is None or kernel["used"] is None:
        return None
    return KernelChoice(kernel["requested"], kernel["used"])
