"""Two notebooks compared code cell by code cell: which cells reproduced their outputs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..format.cells import cell_source
from ..format.check_types import CompareOutcome
from .matching import CellPair, cell_tags, match_code_cells
from .model import (
    NBVAL_MARKERS,
    RAISES_EXCEPTION_TAG,
    CellComparison,
    CompareOptions,
    NotebookComparison,
    OutputDiff,
)
from .outputs import compare_outputs, error_diffs


def compare_notebooks(
    expected: Mapping[str, Any],
    actual: Mapping[str, Any],
    options: CompareOptions | None = None,
) -> NotebookComparison:
    """Match the code cells of two nbformat-4 notebooks and compare their outputs.

    ``options=None`` means :class:`CompareOptions` defaults; it is not a default
    instance so that importing this module does not scan entry points.
    """
    opts = options if options is not None else CompareOptions()
    pairs = match_code_cells(expected["cells"], actual["cells"])
    verdicts = tuple(_compare_pair(expected["cells"], actual["cells"], pair, opts) for pair in pairs)
    return NotebookComparison(verdicts, opts.normalizers.warnings)


def _compare_pair(
    expected_cells: Sequence[Mapping[str, Any]],
    actual_cells: Sequence[Mapping[str, Any]],
    pair: CellPair,
    options: CompareOptions,
) -> CellComparison:
    e_index, a_index = pair
    expected_cell = expected_cells[e_index] if e_index is not None else None
    actual_cell = actual_cells[a_index] if a_index is not None else None
    cell_id = _cell_id(actual_cell) or _cell_id(expected_cell)
    if expected_cell is None:
        return CellComparison(e_index, a_index, cell_id, "added")
    if actual_cell is None:
        return CellComparison(e_index, a_index, cell_id, "removed")
    expected_outputs = list(expected_cell.get("outputs", ()))
    actual_outputs = list(actual_cell.get("outputs", ()))
    skip_reason = _skip_reason(expected_cell, options.skip_tags) or _skip_reason(actual_cell, options.skip_tags)
    if skip_reason is not None:
        errors = tuple(error_diffs(expected_outputs, actual_outputs, options))
        status: CompareOutcome = "failed" if errors else "skipped"
        return CellComparison(e_index, a_index, cell_id, status, errors, skip_reason)
    diffs = compare_outputs(expected_outputs, actual_outputs, options)
    expects_error = RAISES_EXCEPTION_TAG in cell_tags(expected_cell) or RAISES_EXCEPTION_TAG in cell_tags(actual_cell)
    return CellComparison(e_index, a_index, cell_id, _status_of(diffs, expects_error), diffs)


def _cell_id(cell: Mapping[str, Any] | None) -> str | None:
    return str(cell["id"]) if cell is not None and cell.get("id") else None


def _status_of(diffs: Sequence[OutputDiff], expects_error: bool = False) -> CompareOutcome:
    """A new or changed error fails the cell, unless it is tagged to raise (then it drifted)."""
    if not expects_error and any(diff.kind == "error" for diff in diffs):
        return "failed"
    return "drifted" if diffs else "reproduced"


def _skip_reason(cell: Mapping[str, Any], skip_tags: frozenset[str]) -> str | None:
    """A skip tag, or an nbval marker comment on any comment line, as nbval reads them."""
    for tag in cell_tags(cell):
        if tag in skip_tags:
            return f"tag {tag!r}"
    text = cell_source(cell)
    if "NBVAL_" not in text:
        return None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#") and stripped.lstrip("#").strip() in NBVAL_MARKERS:
            return f"comment {stripped!r}"
    return None
