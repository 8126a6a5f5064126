"""Output drift between two executed notebooks, with numeric and pixel tolerance.

nbdime answers "what changed in this file"; this module answers "did the results
reproduce". The differences are deliberate:

- only code-cell *outputs* are compared; sources, metadata and execution counts are
  the concern of the record, not of drift;
- volatile output is masked first (:mod:`repro_nb.normalize`);
- numbers inside text are compared with a tolerance, so BLAS/ulp noise passes while a
  change in the third significant digit is drift;
- images are compared by decoded pixels, not by PNG bytes;
- every step is linear in the output size and bounded in what it keeps, so that a
  50 MB output costs a scan, never a quadratic diff.

The result is data (frozen dataclasses with ``to_json()``); rendering belongs to the
surfaces.

Cell statuses (:data:`CellStatus`):

``same``
    every compared output matches within tolerance after masking.
``drifted``
    at least one output differs (see the diffs), and no new error appeared.
``new-error``
    the actual cell has an error output that the expected cell lacks, or a different
    one (ename or normalized evalue changed). Reported even for cells whose output is
    skipped: an exception is a failure, not output noise (as in nbval).
``skipped``
    output comparison was skipped by a tag or an nbval comment; see ``skip_reason``.
``not-in-expected`` / ``not-in-actual``
    the code cell exists on one side only.

Output diff kinds (:data:`DiffKind`):

``text``
    the text differs apart from numbers (``unified_diff`` shows the normalized lines).
``numeric``
    same text, numbers beyond tolerance (``max_abs_diff``, ``max_rel_diff``,
    ``numbers_changed``).
``image``
    decoded pixels differ (``pixel_fraction``; a size change is 1.0 with a ``note``).
``mime-missing`` / ``mime-added``
    a representation of a rich output exists on one side only.
``output-missing`` / ``output-added``
    a whole output (a display, a stream, an expected error) exists on one side only.
``error``
    the actual output has a new or changed error (``traceback`` holds its summary).

Streams are reported with the pseudo mime types ``stream/stdout`` and
``stream/stderr``.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .images import compare_images
from .matching import CellPair, _tags, match_code_cells
from .model import (
    NBVAL_MARKERS,
    CellComparison,
    CellStatus,
    CompareOptions,
    DiffKind,
    NotebookComparison,
    OutputDiff,
    Tolerance,
)
from .outputs import _error_diffs, compare_mime, compare_outputs
from .text import bounded_unified_diff, compare_text

__all__ = [
    "CellComparison",
    "CellStatus",
    "CompareOptions",
    "DiffKind",
    "NotebookComparison",
    "OutputDiff",
    "Tolerance",
    "bounded_unified_diff",
    "compare_images",
    "compare_mime",
    "compare_notebooks",
    "compare_outputs",
    "compare_text",
    "match_code_cells",
]

# --------------------------------------------------------------------------- notebooks


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
    verdicts = tuple(
        _compare_pair(expected["cells"], actual["cells"], pair, opts) for pair in pairs
    )
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
        return CellComparison(e_index, a_index, cell_id, "not-in-expected")
    if actual_cell is None:
        return CellComparison(e_index, a_index, cell_id, "not-in-actual")
    expected_outputs = list(expected_cell.get("outputs", ()))
    actual_outputs = list(actual_cell.get("outputs", ()))
    skip_reason = _skip_reason(expected_cell, options.skip_tags) or _skip_reason(
        actual_cell, options.skip_tags
    )
    if skip_reason is not None:
        errors = tuple(_error_diffs(expected_outputs, actual_outputs, options))
        status: CellStatus = "new-error" if errors else "skipped"
        return CellComparison(e_index, a_index, cell_id, status, errors, skip_reason)
    diffs = compare_outputs(expected_outputs, actual_outputs, options)
    return CellComparison(e_index, a_index, cell_id, _status_of(diffs), diffs)


def _cell_id(cell: Mapping[str, Any] | None) -> str | None:
    return str(cell["id"]) if cell is not None and cell.get("id") else None


def _status_of(diffs: Sequence[OutputDiff]) -> CellStatus:
    if any(diff.kind == "error" for diff in diffs):
        return "new-error"
    return "drifted" if diffs else "same"


def _skip_reason(cell: Mapping[str, Any], skip_tags: frozenset[str]) -> str | None:
    """A skip tag, or an nbval marker comment on any comment line, as nbval reads them."""
    for tag in _tags(cell):
        if tag in skip_tags:
            return f"tag {tag!r}"
    source = cell.get("source", "")
    text = "".join(source) if isinstance(source, list) else str(source)
    if "NBVAL_" not in text:
        return None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#") and stripped.lstrip("#").strip() in NBVAL_MARKERS:
            return f"comment {stripped!r}"
    return None


