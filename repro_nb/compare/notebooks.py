"""Two notebooks compared code cell by code cell: which cells reproduced their outputs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..format.check_types import CompareOutcome
from .markers import CHECK_OUTPUT, expects_an_error, must_not_run, output_marker
from .matching import CellPair, cell_tags, match_code_cells
from .model import (
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
    expects_error = expects_an_error(expected_cell) or expects_an_error(actual_cell)
    return CellComparison(e_index, a_index, cell_id, _status_of(diffs, expects_error), diffs)


def _cell_id(cell: Mapping[str, Any] | None) -> str | None:
    return str(cell["id"]) if cell is not None and cell.get("id") else None


def _status_of(diffs: Sequence[OutputDiff], expects_error: bool = False) -> CompareOutcome:
    """A new or changed error fails the cell, unless it is tagged to raise (then it drifted)."""
    if not expects_error and any(diff.kind == "error" for diff in diffs):
        return "failed"
    return "drifted" if diffs else "reproduced"


def _skip_reason(cell: Mapping[str, Any], skip_tags: frozenset[str]) -> str | None:
    """Why a cell's outputs are not compared, as nbval reads its markers; ``None`` to compare.

    A marker comment wins over a tag, and the last of several comments wins (nbval's
    rules): ``# NBVAL_CHECK_OUTPUT`` compares a cell tagged ``nbval-ignore-output``,
    ``# NBVAL_IGNORE_OUTPUT`` skips one tagged ``nbval-check-output``.
    """
    if must_not_run(cell):
        return "not run (nbval skip)"
    marker = output_marker(cell)
    if marker == CHECK_OUTPUT:
        return None
    if marker is not None:
        return f"comment '# {marker}'"
    tags = cell_tags(cell)
    if "nbval-check-output" in tags:
        return None
    for tag in tags:
        if tag in skip_tags:
            return f"tag {tag!r}"
    return None
