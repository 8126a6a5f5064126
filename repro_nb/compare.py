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

import base64
import binascii
import bisect
import difflib
import io
import json
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from .normalize import NormalizerSet, default_normalizer_set

__all__ = [
    "CellComparison",
    "CellStatus",
    "CompareOptions",
    "DiffKind",
    "NotebookComparison",
    "OutputDiff",
    "Tolerance",
    "compare_notebooks",
    "compare_outputs",
]

CellStatus = Literal["same", "drifted", "new-error", "skipped", "not-in-expected", "not-in-actual"]
DiffKind = Literal[
    "text", "numeric", "image", "mime-missing", "mime-added", "output-missing", "output-added",
    "error",
]

INJECTED_PARAMETERS_TAG = "injected-parameters"
NBVAL_MARKERS = ("NBVAL_IGNORE_OUTPUT", "NBVAL_SKIP")
PIXEL_MIMES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp"})
WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"

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

_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")
# A number is not glued to a word, a dot or another digit group: "1.2.3", "0x1f", "v2"
# and "abc123" stay text; a sentence-final "0.5." is still a number.
_NUMBER = re.compile(
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
class CompareOptions:
    """What counts as drift. Immutable, so one instance can serve many comparisons."""

    tolerance: Tolerance = Tolerance()
    normalizers: NormalizerSet = field(default_factory=default_normalizer_set)
    image_pixel_tolerance: int = 0
    """Per-channel absolute difference (0-255) below which two pixels are equal."""
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

    def to_json(self) -> dict[str, Any]:
        """A JSON-serialisable dict; non-finite floats become strings (strict JSON)."""
        data = asdict(self)
        for key in ("max_abs_diff", "max_rel_diff", "pixel_fraction"):
            data[key] = _json_float(data[key])
        data["unified_diff"] = list(self.unified_diff)
        data["numbers_changed"] = [list(pair) for pair in self.numbers_changed]
        data["traceback"] = list(self.traceback)
        return data


@dataclass(frozen=True)
class CellComparison:
    """The verdict for one pair of matched code cells.

    Indices are positions in each notebook's full ``cells`` list (all cell types), so
    a surface can point at the cell directly.
    """

    expected_index: int | None
    actual_index: int | None
    cell_id: str | None
    status: CellStatus
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
        return [cell for cell in self.cells if cell.status not in ("same", "skipped")]

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


CellPair = tuple[int | None, int | None]


def match_code_cells(
    expected_cells: Sequence[Mapping[str, Any]], actual_cells: Sequence[Mapping[str, Any]]
) -> list[CellPair]:
    """Pair code cells: injected parameters by tag, then by id, then by position.

    papermill gives the injected-parameters cell a new id on every run, so it is
    paired by its tag. Cells whose ids match are anchors; the remaining cells are
    paired by position *between the same anchors*, so one deleted cell does not shift
    the pairing of the whole notebook. Returns ``(expected_index, actual_index)``
    pairs in reading order, ``None`` where a cell has no partner.
    """
    expected_code = _code_cell_indices(expected_cells)
    actual_code = _code_cell_indices(actual_cells)
    pairs: list[CellPair] = []
    injected_e = _first_with_tag(expected_cells, expected_code, INJECTED_PARAMETERS_TAG)
    injected_a = _first_with_tag(actual_cells, actual_code, INJECTED_PARAMETERS_TAG)
    if injected_e is not None and injected_a is not None:
        pairs.append((injected_e, injected_a))
        expected_code.remove(injected_e)
        actual_code.remove(injected_a)
    anchors = _pair_by_id(expected_cells, expected_code, actual_cells, actual_code)
    pairs.extend(anchors)
    pairs.extend(_pair_between_anchors(expected_code, actual_code, anchors))
    return _reading_order(pairs)


def _code_cell_indices(cells: Sequence[Mapping[str, Any]]) -> list[int]:
    return [index for index, cell in enumerate(cells) if cell.get("cell_type") == "code"]


def _tags(cell: Mapping[str, Any]) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", ()) or ())


def _first_with_tag(
    cells: Sequence[Mapping[str, Any]], indices: Iterable[int], tag: str
) -> int | None:
    return next((index for index in indices if tag in _tags(cells[index])), None)


def _pair_by_id(
    expected_cells: Sequence[Mapping[str, Any]],
    expected_code: list[int],
    actual_cells: Sequence[Mapping[str, Any]],
    actual_code: list[int],
) -> list[CellPair]:
    actual_by_id = {actual_cells[i]["id"]: i for i in actual_code if actual_cells[i].get("id")}
    anchors: list[CellPair] = []
    for index in expected_code:
        partner = actual_by_id.pop(expected_cells[index].get("id") or "", None)
        if partner is not None:
            anchors.append((index, partner))
    return anchors


def _pair_between_anchors(
    expected_code: list[int], actual_code: list[int], anchors: list[CellPair]
) -> list[CellPair]:
    """Pair leftover cells by position within each gap between id-matched anchors."""
    anchored_e = {e for e, _ in anchors}
    anchored_a = {a for _, a in anchors}
    anchor_e_positions = sorted(e for e, _ in anchors if e is not None)
    anchor_a_positions = sorted(a for _, a in anchors if a is not None)
    gaps_e: dict[int, list[int]] = defaultdict(list)
    gaps_a: dict[int, list[int]] = defaultdict(list)
    for index in expected_code:
        if index not in anchored_e:
            gaps_e[_count_before(anchor_e_positions, index)].append(index)
    for index in actual_code:
        if index not in anchored_a:
            gaps_a[_count_before(anchor_a_positions, index)].append(index)
    pairs: list[CellPair] = []
    for gap in sorted(set(gaps_e) | set(gaps_a)):
        left, right = gaps_e.get(gap, []), gaps_a.get(gap, [])
        width = max(len(left), len(right))
        pairs.extend(
            (left[i] if i < len(left) else None, right[i] if i < len(right) else None)
            for i in range(width)
        )
    return pairs


def _count_before(sorted_positions: list[int], index: int) -> int:
    return bisect.bisect_left(sorted_positions, index)


def _reading_order(pairs: list[CellPair]) -> list[CellPair]:
    """Sort by expected position; a cell new in actual follows its actual predecessor."""
    by_actual = sorted((a, e) for e, a in pairs if a is not None)
    expected_rank: dict[int, float] = {}
    last_expected = -1.0
    for actual_index, expected_index in by_actual:
        if expected_index is not None:
            last_expected = float(expected_index)
        else:
            last_expected += 1e-6
        expected_rank[actual_index] = last_expected

    def key(pair: CellPair) -> tuple[float, int]:
        e, a = pair
        rank = float(e) if e is not None else expected_rank[a if a is not None else -1]
        return rank, a if a is not None else -1

    return sorted(pairs, key=key)


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


# ----------------------------------------------------------------------------- outputs


def compare_outputs(
    expected_outputs: Sequence[Mapping[str, Any]],
    actual_outputs: Sequence[Mapping[str, Any]],
    options: CompareOptions | None = None,
) -> tuple[OutputDiff, ...]:
    """Differences between two cells' output lists; empty when they reproduce.

    Streams are compared per name over the whole cell, because how a run chunks and
    interleaves stdout and stderr depends on buffering and timing. Rich outputs
    (``execute_result`` / ``display_data``, whose distinction is ignored) are aligned
    by their sets of mime types, and errors by position.
    """
    opts = options if options is not None else CompareOptions()
    if _outputs_identical(expected_outputs, actual_outputs):
        return ()
    diffs: list[OutputDiff] = []
    diffs.extend(_stream_diffs(expected_outputs, actual_outputs, opts))
    diffs.extend(_rich_diffs(expected_outputs, actual_outputs, opts))
    diffs.extend(_error_diffs(expected_outputs, actual_outputs, opts))
    return tuple(diffs)


_IGNORED_OUTPUT_KEYS = frozenset({"metadata", "execution_count", "transient"})


def _outputs_identical(
    expected_outputs: Sequence[Mapping[str, Any]], actual_outputs: Sequence[Mapping[str, Any]]
) -> bool:
    """Fast path: raw equality of everything but metadata and execution counts.

    String equality is a memcmp that stops at the first difference, cheaper than
    hashing both sides; most cells of a reproduced notebook take this path.
    """
    if len(expected_outputs) != len(actual_outputs):
        return False
    for left, right in zip(expected_outputs, actual_outputs):
        keys = set(left).union(right) - _IGNORED_OUTPUT_KEYS
        if any(left.get(key) != right.get(key) for key in keys):
            return False
    return True


def _joined(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _stream_diffs(
    expected_outputs: Sequence[Mapping[str, Any]],
    actual_outputs: Sequence[Mapping[str, Any]],
    options: CompareOptions,
) -> list[OutputDiff]:
    expected_streams = _streams_by_name(expected_outputs)
    actual_streams = _streams_by_name(actual_outputs)
    diffs: list[OutputDiff] = []
    for name in sorted(set(expected_streams) | set(actual_streams)):
        mime = f"stream/{name}"
        if name not in actual_streams:
            first, text = expected_streams[name]
            diffs.append(_whole_output_diff("output-missing", first, mime, text, None))
        elif name not in expected_streams:
            first, text = actual_streams[name]
            diffs.append(_whole_output_diff("output-added", first, mime, None, text))
        else:
            diff = compare_text(
                mime, expected_streams[name][1], actual_streams[name][1], options,
                output_index=actual_streams[name][0],
            )
            diffs.extend([diff] if diff is not None else [])
    return diffs


def _streams_by_name(outputs: Sequence[Mapping[str, Any]]) -> dict[str, tuple[int, str]]:
    """Stream name -> (index of its first output, all its text concatenated)."""
    first: dict[str, int] = {}
    parts: dict[str, list[str]] = defaultdict(list)
    for index, output in enumerate(outputs):
        if output.get("output_type") == "stream":
            name = str(output.get("name", "stdout"))
            first.setdefault(name, index)
            parts[name].append(_joined(output.get("text", "")))
    return {name: (first[name], "".join(parts[name])) for name in first}


def _rich_diffs(
    expected_outputs: Sequence[Mapping[str, Any]],
    actual_outputs: Sequence[Mapping[str, Any]],
    options: CompareOptions,
) -> list[OutputDiff]:
    expected_rich = _indexed(expected_outputs, ("execute_result", "display_data"))
    actual_rich = _indexed(actual_outputs, ("execute_result", "display_data"))
    diffs: list[OutputDiff] = []
    for e_item, a_item in _align_rich(expected_rich, actual_rich):
        if a_item is None and e_item is not None:
            diffs.append(_whole_output_diff(
                "output-missing", e_item[0], _main_mime(e_item[1]), _summary(e_item[1]), None
            ))
        elif e_item is None and a_item is not None:
            diffs.append(_whole_output_diff(
                "output-added", a_item[0], _main_mime(a_item[1]), None, _summary(a_item[1])
            ))
        elif e_item is not None and a_item is not None:
            diffs.extend(_bundle_diffs(e_item[1], a_item[1], e_item[0], a_item[0], options))
    return diffs


IndexedOutput = tuple[int, Mapping[str, Any]]


def _indexed(
    outputs: Sequence[Mapping[str, Any]], types: tuple[str, ...]
) -> list[IndexedOutput]:
    return [(i, output) for i, output in enumerate(outputs) if output.get("output_type") in types]


def _align_rich(
    expected: list[IndexedOutput], actual: list[IndexedOutput]
) -> list[tuple[IndexedOutput | None, IndexedOutput | None]]:
    """Align rich outputs by their mime-type sets, so one added display does not make
    every later display of the cell look changed."""
    keys_e = [tuple(sorted(_data(output))) for _, output in expected]
    keys_a = [tuple(sorted(_data(output))) for _, output in actual]
    aligned: list[tuple[IndexedOutput | None, IndexedOutput | None]] = []
    matcher = difflib.SequenceMatcher(None, keys_e, keys_a, autojunk=False)
    for _, e_start, e_end, a_start, a_end in matcher.get_opcodes():
        left, right = expected[e_start:e_end], actual[a_start:a_end]
        for i in range(max(len(left), len(right))):
            aligned.append((left[i] if i < len(left) else None, right[i] if i < len(right) else None))
    return aligned


def _data(output: Mapping[str, Any]) -> Mapping[str, Any]:
    data = output.get("data", {})
    return data if isinstance(data, Mapping) else {}


def _main_mime(output: Mapping[str, Any]) -> str | None:
    return min(_data(output), key=_mime_rank, default=None)


def _mime_rank(mime: str) -> tuple[int, str]:
    """Richest first, for naming an output by one mime type."""
    order = ("image/", "text/html", "text/markdown", "text/latex", "application/")
    return next((i for i, prefix in enumerate(order) if mime.startswith(prefix)), 9), mime


def _summary(output: Mapping[str, Any]) -> str:
    data = _data(output)
    if "text/plain" in data:
        return _excerpt(_joined(data["text/plain"]), 0)
    return ", ".join(sorted(data))


def _bundle_diffs(
    expected: Mapping[str, Any],
    actual: Mapping[str, Any],
    expected_index: int,
    actual_index: int,
    options: CompareOptions,
) -> list[OutputDiff]:
    """Compare every mime type both bundles share; report the ones only one has."""
    expected_data, actual_data = _data(expected), _data(actual)
    diffs: list[OutputDiff] = []
    for mime in sorted(set(expected_data) | set(actual_data), key=_mime_rank):
        if mime not in actual_data:
            diffs.append(OutputDiff("mime-missing", expected_index, mime))
        elif mime not in expected_data:
            diffs.append(OutputDiff("mime-added", actual_index, mime))
        else:
            diff = compare_mime(
                mime, expected_data[mime], actual_data[mime], options, actual_index
            )
            diffs.extend([diff] if diff is not None else [])
    return diffs


def compare_mime(
    mime: str, expected: Any, actual: Any, options: CompareOptions, output_index: int | None
) -> OutputDiff | None:
    """One representation: pixels for raster images, normalized text for the rest."""
    if expected == actual:
        return None
    if mime in PIXEL_MIMES:
        return compare_images(mime, _joined(expected), _joined(actual), options, output_index)
    return compare_text(
        mime, _mime_text(mime, expected), _mime_text(mime, actual), options, output_index
    )


def _mime_text(mime: str, value: Any) -> str:
    """Text form of a mime value; JSON is dumped canonically, widget model ids dropped.

    A widget's ``model_id`` is a fresh uuid in every kernel session and says nothing
    about the widget's content.
    """
    if isinstance(value, (str, list)):
        return _joined(value)
    if mime == WIDGET_VIEW_MIME and isinstance(value, Mapping):
        value = {key: item for key, item in value.items() if key != "model_id"}
    return json.dumps(value, sort_keys=True, indent=1, default=str)


# -------------------------------------------------------------------------------- errors


def _error_diffs(
    expected_outputs: Sequence[Mapping[str, Any]],
    actual_outputs: Sequence[Mapping[str, Any]],
    options: CompareOptions,
) -> list[OutputDiff]:
    """New or changed errors are kind ``error``; an error that vanished is missing output.

    Only ``ename`` and the normalized ``evalue`` decide: tracebacks carry paths and line
    numbers that change with unrelated edits, but are kept (ANSI stripped) as evidence.
    """
    expected_errors = _indexed(expected_outputs, ("error",))
    actual_errors = _indexed(actual_outputs, ("error",))
    diffs: list[OutputDiff] = []
    for i in range(max(len(expected_errors), len(actual_errors))):
        e_item = expected_errors[i] if i < len(expected_errors) else None
        a_item = actual_errors[i] if i < len(actual_errors) else None
        if a_item is None and e_item is not None:
            diffs.append(_whole_output_diff(
                "output-missing", e_item[0], "error", _error_line(e_item[1]), None
            ))
        elif a_item is not None:
            diff = _error_diff(e_item[1] if e_item else None, a_item, options)
            diffs.extend([diff] if diff is not None else [])
    return diffs


def _error_diff(
    expected: Mapping[str, Any] | None, actual: IndexedOutput, options: CompareOptions
) -> OutputDiff | None:
    index, output = actual
    actual_line = _error_line(output)
    expected_line = _error_line(expected) if expected is not None else None
    if (
        expected_line is not None
        and compare_text("error", expected_line, actual_line, options, index) is None
    ):
        return None
    return OutputDiff(
        "error", index, "error",
        expected=expected_line, actual=actual_line,
        traceback=_traceback_summary(output),
        note="new error" if expected is None else "changed error",
    )


def _error_line(output: Mapping[str, Any]) -> str:
    return f"{output.get('ename', '')}: {_ANSI.sub('', str(output.get('evalue', '')))}"


def _traceback_summary(output: Mapping[str, Any]) -> tuple[str, ...]:
    """The last lines of the ANSI-stripped traceback, each bounded in length."""
    lines = _ANSI.sub("", "\n".join(output.get("traceback", ()) or ())).splitlines()
    return tuple(_clip(line) for line in lines[-MAX_TRACEBACK_LINES:])


# ---------------------------------------------------------------------------------- text


def compare_text(
    mime: str,
    expected: str,
    actual: str,
    options: CompareOptions,
    output_index: int | None = None,
) -> OutputDiff | None:
    """Normalize both texts, then compare the non-number skeleton exactly and the
    numbers with the tolerance. ``None`` means "reproduced"."""
    if expected == actual:
        return None
    expected = options.normalizers(mime, expected)
    actual = options.normalizers(mime, actual)
    if expected == actual:
        return None
    drift = _numeric_drift(expected, actual, options.tolerance)
    if drift is None:
        return None
    if drift.skeleton_differs:
        return _text_diff("text", output_index, mime, expected, actual)
    return replace(
        _text_diff("numeric", output_index, mime, expected, actual),
        max_abs_diff=drift.max_abs,
        max_rel_diff=drift.max_rel,
        numbers_changed=drift.pairs,
    )


@dataclass(frozen=True)
class _NumericDrift:
    """Either "the text around the numbers differs", or the largest number changes."""

    skeleton_differs: bool
    max_abs: float = 0.0
    max_rel: float = 0.0
    pairs: tuple[tuple[str, str], ...] = ()


_SKELETON_DIFFERS = _NumericDrift(skeleton_differs=True)


def _numeric_drift(expected: str, actual: str, tolerance: Tolerance) -> _NumericDrift | None:
    """``None`` if equal within tolerance, else what differs.

    Numbers never span lines, so equal skeletons imply equal line counts; comparing
    line by line lets the (many) identical lines of a large output skip tokenizing.
    """
    expected_lines = expected.split("\n")
    actual_lines = actual.split("\n")
    if len(expected_lines) != len(actual_lines):
        return _SKELETON_DIFFERS
    max_abs = max_rel = 0.0
    pairs: list[tuple[str, str]] = []
    for left, right in zip(expected_lines, actual_lines):
        if left == right:
            continue
        left_parts, right_parts = _NUMBER.split(left), _NUMBER.split(right)
        if len(left_parts) != len(right_parts) or left_parts[::2] != right_parts[::2]:
            return _SKELETON_DIFFERS
        for old, new in zip(left_parts[1::2], right_parts[1::2]):
            if old == new:
                continue
            a, b = float(new), float(old)
            if tolerance.accepts(b, a):
                continue
            abs_diff, rel_diff = _differences(b, a)
            max_abs, max_rel = max(max_abs, abs_diff), max(max_rel, rel_diff)
            if len(pairs) < MAX_NUMBER_PAIRS:
                pairs.append((old, new))
    if not pairs:
        return None
    return _NumericDrift(False, max_abs, max_rel, tuple(pairs))


def _differences(expected: float, actual: float) -> tuple[float, float]:
    """Absolute and relative difference; a NaN on one side is infinitely far."""
    if math.isnan(expected) or math.isnan(actual) or math.isinf(expected) or math.isinf(actual):
        return math.inf, math.inf
    abs_diff = abs(actual - expected)
    rel_diff = abs_diff / abs(expected) if expected != 0 else math.inf
    return abs_diff, rel_diff


def _text_diff(
    kind: DiffKind, output_index: int | None, mime: str, expected: str, actual: str
) -> OutputDiff:
    first = _first_difference(expected, actual)
    return OutputDiff(
        kind, output_index, mime,
        expected=_excerpt(expected, first), actual=_excerpt(actual, first),
        expected_length=len(expected), actual_length=len(actual),
        unified_diff=bounded_unified_diff(expected, actual),
    )


def _whole_output_diff(
    kind: DiffKind, index: int, mime: str | None, expected: str | None, actual: str | None
) -> OutputDiff:
    return OutputDiff(
        kind, index, mime,
        expected=_excerpt(expected, 0) if expected is not None else None,
        actual=_excerpt(actual, 0) if actual is not None else None,
        expected_length=len(expected) if expected is not None else None,
        actual_length=len(actual) if actual is not None else None,
    )


def _first_difference(left: str, right: str, chunk: int = 1 << 16) -> int:
    """Index of the first differing character: chunks compare at memcmp speed, only
    the first differing chunk is walked character by character."""
    limit = min(len(left), len(right))
    start = 0
    while start < limit and left[start:start + chunk] == right[start:start + chunk]:
        start += chunk
    end = min(start + chunk, limit)
    return next((i for i in range(start, end) if left[i] != right[i]), end)


def _excerpt(text: str, around: int) -> str:
    """At most :data:`MAX_EXCERPT_CHARS`, starting a little before ``around``."""
    if len(text) <= MAX_EXCERPT_CHARS:
        return text
    start = max(0, min(around - MAX_EXCERPT_CHARS // 4, len(text) - MAX_EXCERPT_CHARS))
    head = f"…[{start} chars]…" if start else ""
    rest = len(text) - start - MAX_EXCERPT_CHARS
    tail = f"…[{rest} chars]…" if rest > 0 else ""
    return head + text[start:start + MAX_EXCERPT_CHARS] + tail


def _clip(line: str) -> str:
    if len(line) <= MAX_LINE_CHARS:
        return line
    return f"{line[:MAX_LINE_CHARS]}…[{len(line) - MAX_LINE_CHARS} chars]"


def bounded_unified_diff(expected: str, actual: str) -> tuple[str, ...]:
    """A unified diff whose cost does not grow with the size of the outputs.

    The common leading and trailing lines are cut (a linear scan), then difflib —
    quadratic in the worst case — sees at most :data:`MAX_DIFF_INPUT_LINES` lines of
    each side, and at most :data:`MAX_DIFF_LINES` diff lines are kept. Hunk headers
    carry the real line numbers.
    """
    left, right = expected.splitlines(), actual.splitlines()
    prefix = _common_prefix_length(left, right)
    suffix = _common_prefix_length(left[prefix:][::-1], right[prefix:][::-1])
    start = max(0, prefix - DIFF_CONTEXT)
    left_end, right_end = len(left) - max(0, suffix - DIFF_CONTEXT), len(right) - max(
        0, suffix - DIFF_CONTEXT
    )
    left_part = [_clip(line) for line in left[start:min(left_end, start + MAX_DIFF_INPUT_LINES)]]
    right_part = [
        _clip(line) for line in right[start:min(right_end, start + MAX_DIFF_INPUT_LINES)]
    ]
    lines = ["--- expected", "+++ actual"]
    matcher = difflib.SequenceMatcher(None, left_part, right_part, autojunk=False)
    for group in matcher.get_grouped_opcodes(DIFF_CONTEXT):
        lines.extend(_hunk(group, left_part, right_part, start))
    if left_end - start > MAX_DIFF_INPUT_LINES or right_end - start > MAX_DIFF_INPUT_LINES:
        lines.append(f"… diff limited to the first {MAX_DIFF_INPUT_LINES} differing lines")
    if len(lines) > MAX_DIFF_LINES:
        dropped = len(lines) - MAX_DIFF_LINES
        lines = lines[:MAX_DIFF_LINES] + [f"… {dropped} more diff lines"]
    return tuple(lines)


def _common_prefix_length(left: list[str], right: list[str]) -> int:
    count = 0
    for a, b in zip(left, right):
        if a != b:
            break
        count += 1
    return count


def _hunk(
    group: list[tuple[str, int, int, int, int]], left: list[str], right: list[str], offset: int
) -> list[str]:
    first, last = group[0], group[-1]
    left_start, left_len = first[1], last[2] - first[1]
    right_start, right_len = first[3], last[4] - first[3]
    lines = [
        f"@@ -{offset + left_start + 1},{left_len} +{offset + right_start + 1},{right_len} @@"
    ]
    for tag, i1, i2, j1, j2 in group:
        if tag == "equal":
            lines.extend(" " + line for line in left[i1:i2])
            continue
        lines.extend("-" + line for line in left[i1:i2])
        lines.extend("+" + line for line in right[j1:j2])
    return lines


# -------------------------------------------------------------------------------- images


def compare_images(
    mime: str,
    expected_b64: str,
    actual_b64: str,
    options: CompareOptions,
    output_index: int | None = None,
) -> OutputDiff | None:
    """Compare decoded pixels: re-encoded PNGs with the same pixels are equal."""
    expected_b64, actual_b64 = "".join(expected_b64.split()), "".join(actual_b64.split())
    if expected_b64 == actual_b64:
        return None
    expected_pixels, actual_pixels = _decode(expected_b64), _decode(actual_b64)
    if expected_pixels is None or actual_pixels is None:
        return OutputDiff(
            "image", output_index, mime, pixel_fraction=1.0,
            note="image could not be decoded; base64 data differs",
        )
    described = OutputDiff(
        "image", output_index, mime,
        expected=_describe(mime, expected_pixels, expected_b64),
        actual=_describe(mime, actual_pixels, actual_b64),
    )
    if expected_pixels.shape != actual_pixels.shape:
        return replace(
            described, pixel_fraction=1.0,
            note=f"size changed: {_size(expected_pixels)} → {_size(actual_pixels)}",
        )
    delta = np.abs(expected_pixels.astype(np.int16) - actual_pixels.astype(np.int16))
    differing = (delta > options.image_pixel_tolerance).any(axis=2)
    if not differing.any():
        return None
    return replace(
        described, pixel_fraction=float(differing.mean()), max_abs_diff=float(delta.max())
    )


def _decode(data: str) -> NDArray[np.uint8] | None:
    """RGBA pixels, or ``None`` for data Pillow cannot read."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(base64.b64decode(data))) as image:
            return np.asarray(image.convert("RGBA"), dtype=np.uint8)
    except (binascii.Error, UnidentifiedImageError, OSError, ValueError):
        return None


def _size(pixels: NDArray[np.uint8]) -> str:
    return f"{pixels.shape[1]}x{pixels.shape[0]}"


def _describe(mime: str, pixels: NDArray[np.uint8], data: str) -> str:
    return f"{mime} {_size(pixels)} ({len(data) * 3 // 4} bytes)"
