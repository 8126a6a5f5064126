"""Text outputs: numbers within a tolerance, everything else exactly, diffs bounded."""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, replace

from ..format.check_types import DiffKind
from .model import (
    DIFF_CONTEXT,
    MAX_DIFF_INPUT_LINES,
    MAX_DIFF_LINES,
    MAX_EXCERPT_CHARS,
    MAX_LINE_CHARS,
    MAX_NUMBER_PAIRS,
    NUMBER,
    CompareOptions,
    OutputDiff,
    Tolerance,
)

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
        left_parts, right_parts = NUMBER.split(left), NUMBER.split(right)
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


def _text_diff(kind: DiffKind, output_index: int | None, mime: str, expected: str, actual: str) -> OutputDiff:
    first = _first_difference(expected, actual)
    return OutputDiff(
        kind,
        output_index,
        mime,
        expected=excerpt(expected, first),
        actual=excerpt(actual, first),
        expected_length=len(expected),
        actual_length=len(actual),
        unified_diff=bounded_unified_diff(expected, actual),
    )


def whole_output_diff(
    kind: DiffKind, index: int, mime: str | None, expected: str | None, actual: str | None
) -> OutputDiff:
    return OutputDiff(
        kind,
        index,
        mime,
        expected=excerpt(expected, 0) if expected is not None else None,
        actual=excerpt(actual, 0) if actual is not None else None,
        expected_length=len(expected) if expected is not None else None,
        actual_length=len(actual) if actual is not None else None,
    )


def _first_difference(left: str, right: str, chunk: int = 1 << 16) -> int:
    """Index of the first differing character: chunks compare at memcmp speed, only
    the first differing chunk is walked character by character."""
    limit = min(len(left), len(right))
    start = 0
    while start < limit and left[start : start + chunk] == right[start : start + chunk]:
        start += chunk
    end = min(start + chunk, limit)
    return next((i for i in range(start, end) if left[i] != right[i]), end)


def excerpt(text: str, around: int) -> str:
    """At most :data:`MAX_EXCERPT_CHARS`, starting a little before ``around``."""
    if len(text) <= MAX_EXCERPT_CHARS:
        return text
    start = max(0, min(around - MAX_EXCERPT_CHARS // 4, len(text) - MAX_EXCERPT_CHARS))
    head = f"…[{start} chars]…" if start else ""
    rest = len(text) - start - MAX_EXCERPT_CHARS
    tail = f"…[{rest} chars]…" if rest > 0 else ""
    return head + text[start : start + MAX_EXCERPT_CHARS] + tail


def clip_line(line: str) -> str:
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
    left_end, right_end = len(left) - max(0, suffix - DIFF_CONTEXT), len(right) - max(0, suffix - DIFF_CONTEXT)
    left_part = [clip_line(line) for line in left[start : min(left_end, start + MAX_DIFF_INPUT_LINES)]]
    right_part = [clip_line(line) for line in right[start : min(right_end, start + MAX_DIFF_INPUT_LINES)]]
    lines = ["--- expected", "+++ actual"]
    matcher = difflib.SequenceMatcher(None, left_part, right_part, autojunk=False)
    for group in matcher.get_grouped_opcodes(DIFF_CONTEXT):
        lines.extend(_hunk(group, left_part, right_part, start))
    if left_end - start > MAX_DIFF_INPUT_LINES or right_end - start > MAX_DIFF_INPUT_LINES:
        lines.append(f"… diff limited to the first {MAX_DIFF_INPUT_LINES} differing lines")
    if len(lines) > MAX_DIFF_LINES:
        dropped = len(lines) - MAX_DIFF_LINES
        lines = [*lines[:MAX_DIFF_LINES], f"… {dropped} more diff lines"]
    return tuple(lines)


def _common_prefix_length(left: list[str], right: list[str]) -> int:
    count = 0
    for a, b in zip(left, right):
        if a != b:
            break
        count += 1
    return count


def _hunk(group: list[tuple[str, int, int, int, int]], left: list[str], right: list[str], offset: int) -> list[str]:
    first, last = group[0], group[-1]
    left_start, left_len = first[1], last[2] - first[1]
    right_start, right_len = first[3], last[4] - first[3]
    lines = [f"@@ -{offset + left_start + 1},{left_len} +{offset + right_start + 1},{right_len} @@"]
    for tag, i1, i2, j1, j2 in group:
        if tag == "equal":
            lines.extend(" " + line for line in left[i1:i2])
            continue
        lines.extend("-" + line for line in left[i1:i2])
        lines.extend("+" + line for line in right[j1:j2])
    return lines
