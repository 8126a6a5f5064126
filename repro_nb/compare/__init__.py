"""Output drift between two executed notebooks, with numeric and pixel tolerance.

nbdime answers "what changed in this file"; this module answers "did the results
reproduce". The differences are deliberate:

- only code-cell *outputs* are compared; sources, metadata and execution counts are
  the concern of the record, not of drift;
- volatile output is masked first (:mod:`.normalize`);
- numbers inside text are compared with a tolerance, so BLAS/ulp noise passes while a
  change in the third significant digit is drift;
- images are compared by decoded pixels, not by PNG bytes;
- every step is linear in the output size and bounded in what it keeps, so that a
  50 MB output costs a scan, never a quadratic diff.

The result is data (frozen dataclasses with ``to_json()``); rendering belongs to the
surfaces.

Cell outcomes (:data:`repro_nb.format.check_types.CompareOutcome`, the words the
check, the reports and the panel use too):

``reproduced``
    every compared output matches within tolerance after masking.
``drifted``
    at least one output differs (see the diffs), and no new error appeared.
``failed``
    the actual cell has an error output that the expected cell lacks, or a different
    one (ename or normalized evalue changed). Reported even for cells whose output is
    skipped: an exception is a failure, not output noise (as in nbval).
``skipped``
    output comparison was skipped by a tag or an nbval comment; see ``skip_reason``.
``added`` / ``removed``
    the code cell exists only in the actual / only in the expected notebook.

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

Modules: :mod:`.notebooks` (two notebooks, cell by cell), :mod:`.matching` (which cell
is which), :mod:`.outputs` (two cells' outputs), :mod:`.text` (text with numeric
tolerance), :mod:`.images` (pixels), :mod:`.normalize` (masks), :mod:`.model` (the
result types and options). Pure: imports only :mod:`repro_nb.format`.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .model import CellComparison, CompareOptions, NotebookComparison, OutputDiff, Tolerance

__all__ = [
    "CellComparison",
    "CompareOptions",
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

if TYPE_CHECKING:
    from .images import compare_images
    from .matching import match_code_cells
    from .notebooks import compare_notebooks
    from .outputs import compare_mime, compare_outputs
    from .text import bounded_unified_diff, compare_text

#: The comparison functions, imported on first use: the images' module imports NumPy
#: (0.2 s), which a check answered from ``--cache`` (or reading options) never needs.
_LAZY = {
    "compare_images": ".images",
    "match_code_cells": ".matching",
    "compare_notebooks": ".notebooks",
    "compare_mime": ".outputs",
    "compare_outputs": ".outputs",
    "bounded_unified_diff": ".text",
    "compare_text": ".text",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(module, __name__), name)
