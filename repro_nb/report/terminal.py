"""The terminal report of ``repro-nb check`` and ``repro-nb diff``.

A summary table of notebooks, then, for every notebook that did not reproduce, each
drifted or failed cell with what changed and *why* (causes, most specific first), then
data, package and environment differences.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TextIO

from ..check.results import CellResult, NotebookResult
from ..compare.model import OutputDiff
from ..format.cellname import cell_label, cell_label_of
from ..format.report import cause_summary
from ..format.text import short_hash
from . import attribution

_COLORS = {"reproduced": "32", "drifted": "33", "failed": "31", "error": "31", "high": "1", "dim": "2"}
MAX_DIFF_LINES = 12


class _Style:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, key: str) -> str:
        if not self.enabled or key not in _COLORS:
            return text
        return f"\x1b[{_COLORS[key]}m{text}\x1b[0m"


def use_color(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)()) or bool(os.environ.get("FORCE_COLOR"))


def summary_table(results: Sequence[NotebookResult], color: bool = False) -> str:
    style = _Style(color)
    headers = ["notebook", "verdict", "cells", "drifted", "failed", "data", "time"]
    rows = []
    for r in results:
        compared = sum(c.status in ("reproduced", "drifted", "failed") for c in r.cells)
        rows.append(
            [
                _rel(r.path),
                r.verdict,
                str(compared),
                str(sum(c.status == "drifted" for c in r.cells)),
                str(sum(c.status == "failed" for c in r.cells)),
                str(sum(d.status != "unrecorded" for d in r.data)),
                cached_label(r) or f"{r.duration_s:.1f}s",
            ]
        )
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip()]
    for row in rows:
        cells = [c.ljust(w) for c, w in zip(row, widths)]
        cells[1] = style(cells[1], row[1])
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def notebook_details(result: NotebookResult, color: bool = False) -> str:
    style = _Style(color)
    lines = [
        style(f"{_rel(result.path)}: {result.verdict}", result.verdict)
        + (f" — {result.message}" if result.message else "")
        + (f" [{cached_label(result)}]" if result.cached else "")
    ]
    for cell in result.cells:
        if cell.status in ("drifted", "failed"):
            lines.extend(_cell_lines(cell, style, _label(result, cell)))
    changed = [d for d in result.data if d.status != "unrecorded"]
    if changed:
        lines.append("  data files differing from the record:")
        for d in changed:
            lines.append(
                f"    {d.path}: {d.status}"
                + (f" ({short_hash(d.old_hash)} → {short_hash(d.new_hash)})" if d.status == "changed" else "")
            )
    if result.packages:
        lines.append("  packages differing from the record:")
        for p in result.packages:
            lines.append(f"    {p.distribution}: {p.old} → {p.new or 'not installed'}")
    relevant = [e for e in result.environment if e.severity != "low"]
    if relevant:
        lines.append("  environment differences:")
        for e in relevant:
            lines.append(f"    {e.field}: {e.old or 'unset'} → {e.new or 'unset'} ({e.severity})")
    lines += attribution.terminal_lines(result)
    lines += data_and_evaluation_lines(result, style)
    for warning in result.warnings:
        lines.append(style(f"  note: {warning}", "dim"))
    return "\n".join(lines)


def cached_label(result: NotebookResult) -> str | None:
    """``cached (verified 2026-12-01 14:03 UTC)`` for a result reused by ``--cache``, else ``None``."""
    if not result.cached:
        return None
    when = result.cached["verified_at"].replace("T", " ")[:16]
    return f"cached (verified {when} UTC)"


def _label(result: NotebookResult, cell: CellResult) -> str:
    """``[3] df = pd.read_csv(…``: the stored cell as the notebook shows it (the re-run's when new)."""
    for nb, position in ((result.stored, cell.index), (result.executed, cell.actual_index)):
        cells = nb.get("cells", []) if nb is not None else []
        if position is not None and 0 <= position < len(cells):
            label = cell_label_of(cells[position], position)
            return label if cell.index is not None else f"{label} (new in the re-run)"
    return cell_label(cell.execution_count, None, cell.index)


def data_and_evaluation_lines(result: NotebookResult, style: _Style | None = None) -> list[str]:
    """The tables the notebook read, described, and what its re-run recorded about its evaluation."""
    style = style or _Style(False)
    lines: list[str] = []
    if result.data_descriptions:
        lines.append("  data read:")
        for d in result.data_descriptions:
            text = f"    {d.path}: {d.summary()}"
            lines.append(style(text, "failed" if d.error else "drifted") if d.error or d.skewed else text)
    warnings = result.evaluation["warnings"] if result.evaluation else []
    claims = [r for r in result.evaluation["results"] if r.get("claim")] if result.evaluation else []
    if warnings or claims:
        lines.append("  evaluation:")
        for w in warnings:
            lines.append(style(f"    {w.get('kind')}: {w.get('message')}", "drifted"))
        for r in claims:
            outcome = r.get("claim_outcome") or {}
            status = str(outcome.get("status", "undecided"))
            text = f"    claim {r['name']} {r['claim']}: {outcome.get('message') or status}"
            lines.append(style(text, "failed") if status == "fails" else text)
    return lines


def _cell_lines(cell: CellResult, style: _Style, label: str) -> list[str]:
    lines = [f"  {style(cell.status, cell.status)} {label}"]
    if cell.failure:
        lines.append(f"    {cell.failure.get('ename', '')}: {cell.failure.get('evalue', '')}".rstrip(": "))
    for diff in cell.diffs[:5]:
        lines.extend("    " + line for line in describe_diff(diff))
    if len(cell.diffs) > 5:
        lines.append(f"    … {len(cell.diffs) - 5} more differences")
    if cell.causes:
        lines.append("    why:")
        for cause in cell.causes:
            lines.append(f"      - {cause.category}: {cause.message} " + style(f"({cause.confidence})", "dim"))
    return lines


def describe_diff(diff: OutputDiff) -> list[str]:
    """A few lines saying what changed in one output."""
    where = diff.mime or "output"
    if diff.kind == "numeric":
        pairs = ", ".join(f"{a} → {b}" for a, b in diff.numbers_changed[:4])
        rel = f" (max relative difference {diff.max_rel_diff:.3g})" if diff.max_rel_diff is not None else ""
        return [f"{where}: numbers changed: {pairs}{rel}"]
    if diff.kind == "image":
        frac = f"{diff.pixel_fraction:.2%}" if diff.pixel_fraction is not None else "?"
        area = ""
        if diff.region and diff.pixel_fraction != 1.0:
            x, y, width, height = diff.region
            area = f", around x {x}–{x + width - 1}, y {y}–{y + height - 1}"
        return [f"{where}: picture changed, {frac} of it{area}" + (f" ({diff.note})" if diff.note else "")]
    if diff.kind == "error":
        return [f"error: {diff.actual or ''}".rstrip()]
    if diff.kind in ("output-missing", "output-added", "mime-missing", "mime-added"):
        return [f"{where}: {diff.kind.replace('-', ' ')}" + (f" ({diff.note})" if diff.note else "")]
    body = [ln for ln in diff.unified_diff if not ln.startswith(("---", "+++"))][:MAX_DIFF_LINES]
    return [f"{where}: text changed"] + ["  " + ln.rstrip("\n") for ln in body]


def cause_table(results: Sequence[NotebookResult]) -> str:
    """Per cause category, how many notebooks drifted and failed with it; empty when none did."""
    counts = cause_summary(r.to_json() for r in results)
    if not counts:
        return ""
    width = max(len("cause"), *(len(c) for c in counts))
    lines = [f"{'cause'.ljust(width)}  drifted  failed"]
    lines.extend(f"{c.ljust(width)}  {n['drifted']:>7}  {n['failed']:>6}" for c, n in counts.items())
    return "\n".join(lines)


def render(results: Sequence[NotebookResult], stream: TextIO) -> None:
    color = use_color(stream)
    stream.write(summary_table(results, color) + "\n")
    for result in results:
        if result.verdict != "reproduced":
            stream.write("\n" + notebook_details(result, color) + "\n")
        else:
            extra = data_and_evaluation_lines(result, _Style(color))
            if extra:
                stream.write("\n" + "\n".join([f"{_rel(result.path)}: reproduced", *extra]) + "\n")
    causes = cause_table(results)
    if causes:
        stream.write("\n" + causes + "\n")
    counts = {v: sum(r.verdict == v for r in results) for v in ("reproduced", "drifted", "failed", "error")}
    stream.write("\n" + ", ".join(f"{n} {v}" for v, n in counts.items() if n) + "\n")


def _rel(path: str) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith("../..") else rel
