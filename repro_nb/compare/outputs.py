"""Differences between two cells' output lists: streams, rich outputs, errors."""

from __future__ import annotations

import difflib
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from ..format.text import strip_ansi
from .images import compare_images
from .model import (
    FRONTEND_MIMES,
    MAX_TRACEBACK_LINES,
    PIXEL_MIMES,
    WIDGET_VIEW_MIME,
    CompareOptions,
    OutputDiff,
)
from .text import clip_line, compare_text, excerpt, whole_output_diff

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
    diffs.extend(error_diffs(expected_outputs, actual_outputs, opts))
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
            diffs.append(whole_output_diff("output-missing", first, mime, text, None))
        elif name not in expected_streams:
            first, text = actual_streams[name]
            diffs.append(whole_output_diff("output-added", first, mime, None, text))
        else:
            diff = compare_text(
                mime,
                expected_streams[name][1],
                actual_streams[name][1],
                options,
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
    expected_rich = [item for item in _indexed(expected_outputs, _RICH) if _data(item[1])]
    actual_rich = [item for item in _indexed(actual_outputs, _RICH) if _data(item[1])]
    diffs: list[OutputDiff] = []
    for e_item, a_item in _align_rich(expected_rich, actual_rich):
        if a_item is None and e_item is not None:
            diffs.append(
                whole_output_diff("output-missing", e_item[0], _main_mime(e_item[1]), _summary(e_item[1]), None)
            )
        elif e_item is None and a_item is not None:
            diffs.append(whole_output_diff("output-added", a_item[0], _main_mime(a_item[1]), None, _summary(a_item[1])))
        elif e_item is not None and a_item is not None:
            diffs.extend(_bundle_diffs(e_item[1], a_item[1], e_item[0], a_item[0], options))
    return diffs


IndexedOutput = tuple[int, Mapping[str, Any]]
_RICH = ("execute_result", "display_data")


def _indexed(outputs: Sequence[Mapping[str, Any]], types: tuple[str, ...]) -> list[IndexedOutput]:
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
    """An output's representations, without the code for the browser (:data:`FRONTEND_MIMES`).

    ``%matplotlib notebook``, Bokeh and HoloViews display JavaScript that loads or wires
    up their widgets: code whose bytes change with every session, not a result. An
    output that holds nothing else is not compared at all.
    """
    data = output.get("data", {})
    if not isinstance(data, Mapping):
        return {}
    if FRONTEND_MIMES.isdisjoint(data):
        return data
    return {mime: value for mime, value in data.items() if mime not in FRONTEND_MIMES}


def _main_mime(output: Mapping[str, Any]) -> str | None:
    return min(_data(output), key=_mime_rank, default=None)


def _mime_rank(mime: str) -> tuple[int, str]:
    """Richest first, for naming an output by one mime type."""
    order = ("image/", "text/html", "text/markdown", "text/latex", "application/")
    return next((i for i, prefix in enumerate(order) if mime.startswith(prefix)), 9), mime


def _summary(output: Mapping[str, Any]) -> str:
    data = _data(output)
    if "text/plain" in data:
        return excerpt(_joined(data["text/plain"]), 0)
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
    rendered = _renders_same_source(expected_data, actual_data, options)
    diffs: list[OutputDiff] = []
    for mime in sorted(set(expected_data) | set(actual_data), key=_mime_rank):
        if rendered and mime in PIXEL_MIMES and mime in expected_data and mime in actual_data:
            continue
        if mime not in actual_data:
            diffs.append(OutputDiff("mime-missing", expected_index, mime))
        elif mime not in expected_data:
            diffs.append(OutputDiff("mime-added", actual_index, mime))
        else:
            diff = compare_mime(mime, expected_data[mime], actual_data[mime], options, actual_index)
            diffs.extend([diff] if diff is not None else [])
    return diffs


def _renders_same_source(expected: Mapping[str, Any], actual: Mapping[str, Any], options: CompareOptions) -> bool:
    """Both pictures render one unchanged LaTeX source, so their pixels are not compared.

    SymPy and IPython's ``Latex`` display a formula with its picture beside it; the picture
    is drawn by whatever renders LaTeX on the machine (matplotlib's mathtext, dvipng), and
    another version draws the same ``x^{2}`` a pixel smaller or a stroke thinner. The
    formula is the result; how it was drawn is not. (A matplotlib figure has no such
    source — its ``text/plain`` is ``<Figure size …>`` — so its pixels are always compared.)
    """
    latex = "text/latex"
    if latex not in expected or latex not in actual or PIXEL_MIMES.isdisjoint(expected):
        return False
    return compare_mime(latex, expected[latex], actual[latex], options, None) is None


def compare_mime(
    mime: str, expected: Any, actual: Any, options: CompareOptions, output_index: int | None
) -> OutputDiff | None:
    """One representation: pixels for raster images, normalized text for the rest."""
    if expected == actual:
        return None
    if mime in PIXEL_MIMES:
        return compare_images(mime, _joined(expected), _joined(actual), options, output_index)
    return compare_text(mime, _mime_text(mime, expected), _mime_text(mime, actual), options, output_index)


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


def error_diffs(
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
            diffs.append(whole_output_diff("output-missing", e_item[0], "error", _error_line(e_item[1]), None))
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
    if expected_line is not None and compare_text("error", expected_line, actual_line, options, index) is None:
        return None
    return OutputDiff(
        "error",
        index,
        "error",
        expected=expected_line,
        actual=actual_line,
        traceback=_traceback_summary(output),
        note="new error" if expected is None else "changed error",
    )


def _error_line(output: Mapping[str, Any]) -> str:
    return f"{output.get('ename', '')}: {strip_ansi(str(output.get('evalue', '')))}"


def _traceback_summary(output: Mapping[str, Any]) -> tuple[str, ...]:
    """The last lines of the ANSI-stripped traceback, each bounded in length."""
    lines = strip_ansi("\n".join(output.get("traceback", ()) or ())).splitlines()
    return tuple(clip_line(line) for line in lines[-MAX_TRACEBACK_LINES:])
