"""The data a comparison returns, and the options that shape it."""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from ..format.check_types import CompareOutcome, DiffKind, OutputDiffJson
from .normalize import NormalizerSet, default_normalizer_set

INJECTED_PARAMETERS_TAG = "injected-parameters"
PIXEL_MIMES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp"})
WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"
#: Representations that are code for the browser, not results: never compared.
FRONTEND_MIMES = frozenset(
    {
        "application/javascript",
        "text/javascript",
        "application/vnd.jupyter.widget-state+json",
        "application/vnd.bokehjs_load.v0+json",
        "application/vnd.bokehjs_exec.v0+json",
        "application/vnd.holoviews_load.v0+json",
        "application/vnd.holoviews_exec.v0+json",
    }
)


MAX_EXCERPT_CHARS = 4_000
"""Excerpt kept of each side of a differing text; the full length is recorded."""
MAX_DIFF_INPUT_LINES = 400
"""Lines of each side fed to difflib, starting just before the first difference."""
MAX_DIFF_LINES = 200
"""Lines of unified diff kept; the rest is summarized in one final line."""
MAX_LINE_CHARS = 300
"""Characters kept of one diff line: a minified JSON output is a single huge line."""
MAX_NUMBER_PAIRS = 10
MAX_TRACEBACK_LINES = 20
DIFF_CONTEXT = 3

# A number is not glued to a word, a dot or another digit group: "1.2.3", "0x1f", "v2"
# and "abc123" stay text; a sentence-final "0.5." is still a number.
NUMBER = re.compile(
    r"(?<![\w.])([-+]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|nan|inf(?:inity)?))(?![\w]|\.\d)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Tolerance:
    """``|actual - expected| <= atol + rtol * |expected|``, as ``numpy.isclose``.

    The defaults let ulp and BLAS noise pass (relative 1e-16 … 1e-7) and flag a
    change in the third significant digit (relative 1e-3).
    """

    rtol: float = 1e-5
    atol: float = 1e-8

    def accepts(self, expected: float, actual: float) -> bool:
        if expected == actual or (math.isnan(expected) and math.isnan(actual)):
            return True
        return abs(actual - expected) <= self.atol + self.rtol * abs(expected)


@dataclass(frozen=True)
class ImageTolerance:
    """What a re-rendered picture may do without counting as drift (see :mod:`.images`)."""

    pixel: int = 64
    """Per-channel difference (0-255) within which two pixels look the same: anti-aliasing
    of an edge that moved by half a pixel changes its pixels by up to ~60."""
    shift: int = 1
    """Pixels a detail may move before it counts as moved."""
    size: int = 2
    """Pixels a picture may grow or shrink in each direction; beyond this, its size changed."""
    min_changed: int = 2
    """Changed pixels below this many are noise. After the shift and pixel tolerances a lone
    pixel is all re-rendering leaves; a changed digit in a title changes a handful."""


@dataclass(frozen=True)
class CompareOptions:
    """What counts as drift. Immutable, so one instance can serve many comparisons."""

    tolerance: Tolerance = Tolerance()
    normalizers: NormalizerSet = field(default_factory=default_normalizer_set)
    image: ImageTolerance = ImageTolerance()
    """How different two renderings of a picture may look before they count as drift."""
    skip_tags: frozenset[str] = frozenset({"repro-skip", "nbval-ignore-output"})


@dataclass(frozen=True)
class OutputDiff:
    """One difference between the outputs of a pair of cells (see the module doc).

    ``output_index`` points into the actual cell's outputs, or into the expected
    cell's for ``output-missing`` / ``mime-missing``. ``expected`` / ``actual`` are
    bounded excerpts of the normalized text; ``*_length`` are the full lengths.
    """

    kind: DiffKind
    output_index: int | None
    mime: str | None
    expected: str | None = None
    actual: str | None = None
    expected_length: int | None = None
    actual_length: int | None = None
    unified_diff: tuple[str, ...] = ()
    max_abs_diff: float | None = None
    max_rel_diff: float | None = None
    pixel_fraction: float | None = None
    numbers_changed: tuple[tuple[str, str], ...] = ()
    traceback: tuple[str, ...] = ()
    note: str | None = None
    region: tuple[int, int, int, int] | None = None
    """For ``image``: the changed pixels' bounding box (x, y, width, height) in the actual picture."""

    def to_json(self) -> OutputDiffJson:
        """A JSON-serialisable dict; non-finite floats become strings (strict JSON)."""
        data: Any = asdict(self)
        for key in ("max_abs_diff", "max_rel_diff", "pixel_fraction"):
            data[key] = _json_float(data[key])
        data["unified_diff"] = list(self.unified_diff)
        data["numbers_changed"] = [list(pair) for pair in self.numbers_changed]
        data["traceback"] = list(self.traceback)
        data["region"] = dict(zip(("x", "y", "width", "height"), self.region)) if self.region else None
        result: OutputDiffJson = data
        return result


@dataclass(frozen=True)
class CellComparison:
    """The verdict for one pair of matched code cells.

    Indices are positions in each notebook's full ``cells`` list (all cell types), so
    a surface can point at the cell directly.
    """

    expected_index: int | None
    actual_index: int | None
    cell_id: str | None
    status: CompareOutcome
    diffs: tuple[OutputDiff, ...] = ()
    skip_reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "expected_index": self.expected_index,
            "actual_index": self.actual_index,
            "cell_id": self.cell_id,
            "status": self.status,
            "diffs": [diff.to_json() for diff in self.diffs],
            "skip_reason": self.skip_reason,
        }


@dataclass(frozen=True)
class NotebookComparison:
    """All cell verdicts, in notebook order; ``warnings`` come from the normalizers."""

    cells: tuple[CellComparison, ...]
    warnings: tuple[str, ...] = ()

    @property
    def drifted(self) -> list[CellComparison]:
        """Cells that did not reproduce: anything but ``same`` and ``skipped``."""
        return [cell for cell in self.cells if cell.status not in ("reproduced", "skipped")]

    @property
    def reproduced(self) -> bool:
        return not self.drifted

    def to_json(self) -> dict[str, Any]:
        return {
            "reproduced": self.reproduced,
            "cells": [cell.to_json() for cell in self.cells],
            "warnings": list(self.warnings),
        }


def _json_float(value: float | None) -> float | str | None:
    if value is None or math.isfinite(value):
        return value
    return str(value)
