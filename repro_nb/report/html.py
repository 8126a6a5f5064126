"""The standalone HTML check report: ``repro-nb check --html FILE``.

One file that opens from disk or an e-mail attachment, years later: no server, no
external resources (inline CSS, no JavaScript, images as ``data:`` URIs), a Content
Security Policy that forbids scripts in case an escape is ever missed. ``<details>``
elements fold and unfold cells without script.

Everything a notebook contains is untrusted — a cell output may well hold
``<script>`` — so every piece of text goes through :func:`_e` (HTML-escaped after
control characters and terminal colour codes are removed), and image data is embedded
only when it is plain base64 of a raster image type.

The size stays bounded: diffs are excerpts already (:mod:`repro_nb.compare`), at most
:data:`MAX_DETAILED_CELLS` cells per notebook are shown in full, images are embedded
only for the cells that drifted, each at most :data:`MAX_IMAGE_CHARS` and all together
at most :data:`MAX_TOTAL_IMAGE_CHARS`.

The renderer works on the JSON form of the results (``NotebookResult.to_json()``), plus
the stored and re-run notebooks when they are at hand for sources and images, so a
report read back with :func:`repro_nb.report.json_report.read_json` renders too
(:func:`render_html_document`).
"""

from __future__ import annotations

import html
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .._version import __version__
from ..format.cellname import cell_label
from ..format.cells import cell_source
from ..format.check_types import (
    CauseJson,
    CellResultJson,
    CheckReportJson,
    DataDriftJson,
    EnvironmentDifferenceJson,
    FailureJson,
    NotebookResultJson,
    OutputDiffJson,
    PackageDriftJson,
    RegionJson,
)
from ..format.files import atomic_write_text
from ..format.report import cause_summary
from ..format.text import short_hash, strip_ansi
from . import attribution, nbdime_diff
from .theme import PALETTE

if TYPE_CHECKING:
    from ..check.results import NotebookResult
    from ..compare.model import CompareOptions

__all__ = ["MAX_DETAILED_CELLS", "clean_text", "render_html", "render_html_document", "write_html"]


MAX_DETAILED_CELLS = 100
"""Drifted or failed cells shown in full per notebook; the rest are listed by number."""
MAX_SOURCE_CHARS = 20_000
"""Characters of a cell's source shown."""
MAX_IMAGE_CHARS = 4_000_000
"""Largest base64 image embedded (about 3 MB decoded); larger ones are described."""
MAX_TOTAL_IMAGE_CHARS = 30_000_000
"""All embedded images together; later images are described instead."""
OPEN_CELLS_UP_TO = 10
"""With at most this many drifted cells in a notebook, their details start unfolded."""

#: Raster types a browser shows from a data: URI without running anything. SVG is
#: left out on purpose: it is a document that can carry script.
EMBEDDABLE_IMAGES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp"})

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")

_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

_CSS = """
* { box-sizing: border-box; }
body { font: 14px/1.45 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: var(--fg);
  background: var(--bg); margin: 0 auto; padding: 1.5rem; max-width: 1200px; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; } h2 { font-size: 1.2rem; margin: 2rem 0 .5rem;
  padding-top: 1rem; border-top: 2px solid var(--line); word-break: break-all; }
h3 { font-size: 1rem; margin: 1.2rem 0 .4rem; } h4 { font-size: .9rem; margin: .8rem 0 .3rem; }
.meta, .muted { color: var(--muted); } .small { font-size: .85rem; }
table { border-collapse: collapse; margin: .3rem 0 .8rem; }
th, td { border: 1px solid var(--line); padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code, pre { font: 12.5px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: .5rem .75rem;
  overflow-x: auto; white-space: pre; margin: .3rem 0 .8rem; max-height: 40rem; }
.badge { display: inline-block; padding: 0 .5rem; border-radius: 1rem; color: #fff; font-size: .8rem;
  font-weight: 600; line-height: 1.6; white-space: nowrap; }
.reproduced { background: var(--ok); } .drifted { background: var(--drift); }
.failed { background: var(--fail); } .error { background: var(--err); }
.conf { display: inline-block; min-width: 4.2rem; text-align: center; border-radius: 4px;
  font-size: .75rem; padding: 0 .3rem; border: 1px solid var(--line); }
.conf-high { background: var(--high-bg); border-color: var(--high-line); } .conf-medium { background: var(--medium-bg); border-color: var(--medium-line); }
.conf-low { background: var(--soft); }
details.cell { border: 1px solid var(--line); border-radius: 6px; margin: .6rem 0; padding: 0 .8rem; }
details.cell > summary { cursor: pointer; padding: .5rem 0; font-weight: 600; }
details.cell[open] > summary { border-bottom: 1px solid var(--line); margin-bottom: .5rem; }
ul.causes { padding-left: 1.2rem; margin: .3rem 0 .8rem; } ul.causes li { margin: .15rem 0; }
.diff { border-left: 3px solid var(--line); padding-left: .75rem; margin: .6rem 0 1rem; }
.udiff .add { background: var(--add); display: block; } .udiff .del { background: var(--del); display: block; }
.udiff .hunk { color: var(--hunk); display: block; } .udiff .head { color: var(--muted); display: block; }
.udiff .ctx { display: block; }
.images { display: flex; gap: 1rem; flex-wrap: wrap; align-items: flex-start; }
.images figure { margin: 0; flex: 1 1 45%; min-width: 240px; }
.images figcaption { font-weight: 600; font-size: .85rem; margin-bottom: .2rem; }
.frame { position: relative; display: inline-block; max-width: 100%; line-height: 0; }
.region { position: absolute; outline: 2px solid #d62728; box-shadow: 0 0 0 9999px rgba(0,0,0,.12);
  pointer-events: none; }
table.causes td.num, table.causes th.num { text-align: right; }
.images img { max-width: 100%; height: auto; border: 1px solid var(--line);
  background: repeating-conic-gradient(var(--check-a) 0% 25%, var(--check-b) 0% 50%) 50% / 16px 16px; }
.sides { display: flex; gap: 1rem; flex-wrap: wrap; } .sides > div { flex: 1 1 45%; min-width: 240px; }
ul.warnings li { color: var(--drift-text); }
"""


def clean_text(text: Any) -> str:
    """Text safe to put in HTML or XML: colour codes removed, control characters,
    lone surrogates and non-characters replaced by U+FFFD. Not escaped."""
    return _CONTROL.sub("\ufffd", strip_ansi(str(text)))


def _e(text: Any) -> str:
    """Escape for element content and quoted attribute values alike."""
    return html.escape(clean_text(text), quote=True)


# --------------------------------------------------------------------------- entry points


@dataclass(frozen=True)
class _Notebooks:
    """The stored and re-run nbformat notebooks of one result, when available."""

    stored: Any = None
    executed: Any = None
    drawn: Mapping[int, str] | None = None
    """nbdime's diff of each drifted cell, drawn (:mod:`.nbdime_diff`), by stored index."""


def render_html(
    results: Sequence[NotebookResult],
    *,
    command: str | None = None,
    created_at: datetime | None = None,
    compare: CompareOptions | None = None,
) -> str:
    """The whole report as one standalone HTML document.

    ``compare``: the options the check compared with (its masks are applied to nbdime's
    diffs); the defaults when not given.
    """
    budget = _ImageBudget()
    items = [
        (result.to_json(), _Notebooks(result.stored, result.executed, _drawn(result, compare, budget)))
        for result in results
    ]
    return _render(items, created_at or datetime.now(UTC), command=command, budget=budget)


def _drawn(result: NotebookResult, compare: CompareOptions | None, budget: _ImageBudget) -> Mapping[int, str] | None:
    from ..compare.model import CompareOptions

    options = compare or CompareOptions()
    view = nbdime_diff.diff_view(result, options)
    if view is None or not view.cells:
        return None
    return nbdime_diff.render_cells_html(view, options, embed=lambda mime, data: budget.take(len(data)))


def render_html_document(document: CheckReportJson) -> str:
    """Render a report read back from JSON (no sources or images: the notebooks are not in it)."""
    created = _parse_time(document.get("created_at"))
    items = [(nb, _Notebooks()) for nb in document.get("notebooks", [])]
    return _render(items, created, command=document.get("command"))


def write_html(
    path: str | os.PathLike[str],
    results: Sequence[NotebookResult],
    *,
    command: str | None = None,
    compare: CompareOptions | None = None,
) -> None:
    """Write :func:`render_html` atomically."""

    atomic_write_text(path, render_html(results, command=command, compare=compare))


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


# --------------------------------------------------------------------------- document


class _ImageBudget:
    """How many base64 characters of images the report may still embed."""

    def __init__(self, total: int | None = None) -> None:
        self.left = MAX_TOTAL_IMAGE_CHARS if total is None else total

    def take(self, size: int) -> bool:
        if size > MAX_IMAGE_CHARS or size > self.left:
            return False
        self.left -= size
        return True


def _render(
    items: Sequence[tuple[NotebookResultJson, _Notebooks]],
    created: datetime | None,
    command: Any,
    budget: _ImageBudget | None = None,
) -> str:
    budget = budget or _ImageBudget()
    counts = {
        v: sum(1 for nb, _ in items if nb.get("verdict") == v) for v in ("reproduced", "drifted", "failed", "error")
    }
    when = created.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if created else "unknown time"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>repro-nb check: {_e(_headline(counts, len(items)))}</title>",
        f"<style>{PALETTE}{_CSS}{attribution.CSS}{nbdime_diff.CSS}</style>",
        "</head>",
        "<body>",
        "<header>",
        "<h1>repro-nb check report</h1>",
        f'<p class="meta">{_e(_headline(counts, len(items)))} · generated {_e(when)} by repro-nb {_e(__version__)}'
        + (f" · <code>{_e(command)}</code>" if isinstance(command, str) and command else "")
        + "</p>",
        "</header>",
        _summary_table(items),
        _causes_table(items),
    ]
    for number, (nb, sources) in enumerate(items):
        parts.append(_notebook_section(number, nb, sources, budget))
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)


def _headline(counts: Mapping[str, int], total: int) -> str:
    shown = ", ".join(f"{n} {verdict}" for verdict, n in counts.items() if n)
    return f"{total} notebook{'s' if total != 1 else ''}" + (f": {shown}" if shown else "")


def _badge(verdict: Any) -> str:
    known = verdict if verdict in ("reproduced", "drifted", "failed", "error") else "error"
    return f'<span class="badge {known}">{_e(verdict)}</span>'


def _summary_table(items: Sequence[tuple[NotebookResultJson, _Notebooks]]) -> str:
    rows = []
    for number, (nb, _) in enumerate(items):
        cells = nb.get("cells", [])
        bad = sum(1 for c in cells if c.get("status") in ("drifted", "failed"))
        compared = sum(1 for c in cells if c.get("status") in ("reproduced", "drifted", "failed"))
        data = [d for d in nb.get("data", []) if d.get("status") != "unrecorded"]
        rows.append(
            "<tr>"
            f'<td><a href="#nb-{number}">{_e(nb.get("path", "?"))}</a></td>'
            f"<td>{_badge(nb.get('verdict'))}</td>"
            f'<td class="num">{bad} / {compared}</td>'
            f'<td class="num">{len(data)}</td>'
            f"<td>{_e(nb.get('message', ''))}</td>"
            f'<td class="num">{_cached(nb) or _seconds(nb.get("duration_s"))}</td>'
            "</tr>"
        )
    return (
        '<table class="summary"><thead><tr><th>Notebook</th><th>Verdict</th>'
        '<th title="drifted or failed cells / compared cells">Cells drifted</th>'
        '<th title="data files that differ from the record">Data drifted</th><th>Summary</th><th>Time</th>'
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _causes_table(items: Sequence[tuple[NotebookResultJson, _Notebooks]]) -> str:
    """How many notebooks drifted or failed for each class of cause: the corpus at a glance."""
    counts = cause_summary(nb for nb, _ in items)
    if not counts:
        return ""
    rows = "".join(
        f'<tr><td>{_e(category)}</td><td class="num">{count["drifted"]}</td><td class="num">{count["failed"]}</td></tr>'
        for category, count in counts.items()
    )
    return (
        '<h2>Causes across notebooks</h2><table class="causes"><thead><tr><th>cause category</th>'
        '<th class="num" title="notebooks with a drifted cell of this cause">drifted</th>'
        '<th class="num" title="notebooks with a failed cell of this cause">failed</th>'
        f"</tr></thead><tbody>{rows}</tbody></table>"
    )


def _seconds(value: Any) -> str:
    return f"{value:.1f} s" if isinstance(value, (int, float)) and math.isfinite(value) else ""


# --------------------------------------------------------------------------- one notebook


def _cached(nb: NotebookResultJson) -> str | None:
    """``cached (verified 2026-12-01 14:03 UTC)`` for a result ``check --cache`` reused."""
    cached = nb.get("cached")
    if not cached:
        return None
    return f"cached (verified {cached['verified_at'].replace('T', ' ')[:16]} UTC)"


def _notebook_section(number: int, nb: NotebookResultJson, sources: _Notebooks, budget: _ImageBudget) -> str:
    parts = [
        f'<section class="notebook" id="nb-{number}">',
        f"<h2>{_badge(nb.get('verdict'))} {_e(nb.get('path', '?'))}</h2>",
        f"<p>{_e(nb.get('message', ''))}</p>",
    ]
    facts = [
        f"run: {nb['run_status']}" if nb.get("run_status") else "not executed",
        "has a repro-nb record" if nb.get("has_record") else "no repro-nb record",
    ]
    if nb.get("cached"):
        facts.append(f"{_cached(nb)}: not re-run, nothing it depends on changed since")
    parts.append(f'<p class="meta small">{_e(" · ".join(facts))}</p>')
    warnings = nb.get("warnings", [])
    if warnings:
        parts.append(
            '<h3>Warnings</h3><ul class="warnings">' + "".join(f"<li>{_e(w)}</li>" for w in warnings) + "</ul>"
        )
    parts.append(attribution.html_section(nb))
    parts.append(_environment_table(nb.get("environment", [])))
    parts.append(_data_table(nb.get("data", [])))
    parts.append(_descriptions_table(nb.get("data_descriptions", [])))
    parts.append(_evaluation_part(nb.get("evaluation")))
    parts.append(_package_table(nb.get("packages", [])))
    parts.append(_cells_part(number, nb, sources, budget))
    parts.append("</section>")
    return "\n".join(p for p in parts if p)


def _cell_name(index: Any) -> str:
    return f"cell {index + 1}" if isinstance(index, int) else "new cell"


def _cells_list(indices: Sequence[Any]) -> str:
    return ", ".join(str(i + 1) for i in indices if isinstance(i, int)) or "-"


def _table(title: str, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A titled table; ``rows`` hold cell HTML that is already escaped. Empty: nothing."""
    if not rows:
        return ""
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<h3>{_e(title)}</h3><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _hash_cell(digest: Any) -> str:
    return f'<code title="{_e(digest or "")}">{_e(short_hash(digest if isinstance(digest, str) else None, "-"))}</code>'


def _environment_table(differences: Sequence[EnvironmentDifferenceJson]) -> str:
    return _table(
        "Environment differences",
        ["Field", "Recorded", "Now", "Severity"],
        [
            [
                f"<code>{_e(d.get('field'))}</code>",
                _e(_or_unset(d.get("old"))),
                _e(_or_unset(d.get("new"))),
                _e(d.get("severity")),
            ]
            for d in differences
        ],
    )


def _data_table(data: Sequence[DataDriftJson]) -> str:
    return _table(
        "Data files that differ from the record",
        ["File", "Status", "Recorded hash", "Hash now", "Read by cells"],
        [
            [
                f"<code>{_e(d.get('path'))}</code>",
                _e(d.get("status")),
                _hash_cell(d.get("old_hash")),
                _hash_cell(d.get("new_hash")),
                _e(_cells_list(d.get("read_by", []))),
            ]
            for d in data
        ],
    )


def _descriptions_table(descriptions: Sequence[Mapping[str, Any]]) -> str:
    from ..format.evaluation import describe_balance

    rows = []
    for d in descriptions:
        missing = sum((d.get("missing") or {}).values())
        balance = d.get("class_balance")
        label = (
            f"{_e(d.get('label'))}: {_e(describe_balance(balance))}" + (" <b>(skewed)</b>" if d.get("skewed") else "")
            if d.get("label") and balance is not None
            else _e(d.get("label") or "-")
        )
        rows.append(
            [
                f"<code>{_e(d.get('path'))}</code>",
                _e(d.get("error") or f"{d.get('rows')} × {d.get('columns')}"),
                _e(str(missing)),
                label,
                _e(", ".join(f"{k}: {v}" for k, v in list((d.get("dtypes") or {}).items())[:8])),
            ]
        )
    return _table("Data read", ["file", "rows × columns", "missing", "label: class balance", "types"], rows)


def _evaluation_part(evaluation: Mapping[str, Any] | None) -> str:
    if not evaluation:
        return ""
    rows = [[_e(w.get("kind")), _e(w.get("message"))] for w in evaluation.get("warnings", [])]
    for r in evaluation.get("results", []):
        if r.get("claim"):
            outcome = r.get("claim_outcome") or {}
            rows.append([_e(f"claim {r.get('name')} {r.get('claim')}"), _e(outcome.get("message") or "undecided")])
    return _table("Evaluation", ["what", "finding"], rows)


def _package_table(packages: Sequence[PackageDriftJson]) -> str:
    return _table(
        "Package differences",
        ["Distribution", "Recorded", "Now", "Imported by cells"],
        [
            [
                _e(p.get("distribution")),
                _e(p.get("old") or "?"),
                _e(p.get("new") if p.get("new") is not None else "not installed"),
                _e(_cells_list(p.get("imported_by", []))),
            ]
            for p in packages
        ],
    )


def _or_unset(value: Any) -> str:
    return "unset" if value is None else str(value)


# --------------------------------------------------------------------------- cells


_OTHER_STATUSES = (
    ("not-run", "not run (execution stopped earlier)"),
    ("skipped", "skipped"),
    ("not-stored", "no stored outputs (never run before saving)"),
    ("added", "only in the re-run"),
    ("removed", "only in the stored notebook"),
)


def _cells_part(number: int, nb: NotebookResultJson, sources: _Notebooks, budget: _ImageBudget) -> str:
    cells = nb.get("cells", [])
    bad = [c for c in cells if c.get("status") in ("drifted", "failed")]
    parts = []
    if bad:
        parts.append(f"<h3>Cells that did not reproduce ({len(bad)})</h3>")
        unfold = len(bad) <= OPEN_CELLS_UP_TO
        for cell in bad[:MAX_DETAILED_CELLS]:
            parts.append(_cell_details(number, cell, sources, budget, unfold))
        if len(bad) > MAX_DETAILED_CELLS:
            rest = bad[MAX_DETAILED_CELLS:]
            parts.append(
                f"<p>{len(rest)} more cells not shown in detail: {_e(_cells_list([c.get('index') for c in rest]))}</p>"
            )
    others = []
    for status, label in _OTHER_STATUSES:
        group = [c for c in cells if c.get("status") == status]
        if group:
            where = ", ".join(_label(c, sources) for c in group)
            others.append(f"<li>{_e(label)}: {_e(where)}</li>")
    if others:
        parts.append(f'<h4>Other cells</h4><ul class="small">{"".join(others)}</ul>')
    return "\n".join(parts)


def _cell_details(number: int, cell: CellResultJson, sources: _Notebooks, budget: _ImageBudget, unfold: bool) -> str:
    index = cell.get("index")
    label = _label(cell, sources)
    causes = cell.get("causes", [])
    headline = f" — {causes[0].get('message', '')}" if causes else ""
    anchor = f"nb-{number}-cell-{index if isinstance(index, int) else 'new-' + str(cell.get('actual_index'))}"
    parts = [
        f'<details class="cell" id="{_e(anchor)}"{" open" if unfold else ""}>',
        f'<summary>{_badge(cell.get("status"))} {_e(label)}<span class="muted">{_e(headline)}</span></summary>',
    ]
    source = _cell_source(cell, sources)
    if source is not None:
        parts.append(f'<h4>Source</h4><pre class="source">{_e(source)}</pre>')
    parts.append(_causes_list(index, causes))
    failure = cell.get("failure")
    if failure:
        parts.append(_failure_block(failure))
    drawn = sources.drawn.get(index) if sources.drawn and isinstance(index, int) else None
    if drawn:
        parts.append(f"<h4>Diff</h4>{drawn}")
    for diff in cell.get("diffs", []):
        parts.append(_diff_block(diff, cell, sources, budget, drawn=drawn is not None))
    parts.append("</details>")
    return "\n".join(p for p in parts if p)


def _label(cell: CellResultJson, sources: _Notebooks) -> str:
    """``[3] df = pd.read_csv(…``: how every report names a cell (:mod:`repro_nb.format.cellname`)."""
    index = cell.get("index")
    source = _cell_source(cell, sources)
    position = index if isinstance(index, int) else cell.get("actual_index")
    label = cell_label(cell.get("execution_count"), source, position if isinstance(position, int) else None)
    return label if index is not None else f"{label} (new in the re-run)"


def _cell_source(cell: CellResultJson, sources: _Notebooks) -> str | None:
    """The cell's source from the stored notebook (the re-run's for an added cell)."""
    for nb, key in ((sources.stored, "index"), (sources.executed, "actual_index")):
        position = cell.get(key)
        if nb is None or not isinstance(position, int):
            continue
        cells = nb.get("cells", [])
        if 0 <= position < len(cells):
            text = cell_source(cells[position])
            if len(text) > MAX_SOURCE_CHARS:
                text = text[:MAX_SOURCE_CHARS] + f"\n…[{len(text) - MAX_SOURCE_CHARS} more characters]"
            return text
    return None


def _causes_list(index: Any, causes: Sequence[CauseJson]) -> str:
    if not causes:
        return '<h4>Causes</h4><p class="muted">No likely cause found.</p>'
    items = []
    for cause in causes:
        confidence = cause.get("confidence", "low")
        css = confidence if confidence in ("high", "medium", "low") else "low"
        origin = cause.get("origin_index")
        where = (
            f' <span class="muted small">(from {_e(_cell_name(origin))})</span>'
            if (isinstance(origin, int) and origin != index)
            else ""
        )
        item_class, badge = attribution.cause_badge(cause)
        items.append(
            f'<li{item_class}><span class="conf conf-{css}">{_e(confidence)}</span> {badge}'
            f"<code>{_e(cause.get('kind'))}</code> {_e(cause.get('message', ''))}{where}</li>"
        )
    return f'<h4>Causes</h4><ul class="causes">{"".join(items)}</ul>'


def _failure_block(failure: FailureJson) -> str:
    what = f"{failure.get('ename', '')}: {failure.get('evalue', '')}".strip(": ")
    parts = [f"<h4>Execution stopped here ({_e(failure.get('kind'))})</h4>", f"<p><code>{_e(what)}</code></p>"]
    if failure.get("traceback"):
        parts.append(f'<pre class="traceback">{_e(failure["traceback"])}</pre>')
    return "".join(parts)


# --------------------------------------------------------------------------- diffs


def _diff_block(
    diff: OutputDiffJson, cell: CellResultJson, sources: _Notebooks, budget: _ImageBudget, drawn: bool = False
) -> str:
    """One difference as the comparator judged it; ``drawn``: nbdime's diff above shows the
    texts and pictures already, so only the facts are added."""
    kind = diff.get("kind")
    where = []
    if diff.get("mime"):
        where.append(str(diff["mime"]))
    output_index = diff.get("output_index")
    if isinstance(output_index, int):
        where.append(f"output {output_index + 1}")
    head = f'<h4>{_e(_DIFF_TITLES.get(str(kind), str(kind)))} <span class="muted small">{_e(" · ".join(where))}</span></h4>'
    body: list[str] = []
    if diff.get("note"):
        body.append(f'<p class="small">{_e(diff["note"])}</p>')
    if kind == "image":
        body.append(_image_block(diff, cell, sources, budget, pictures=not drawn))
    elif kind == "error":
        body.append(_error_block(diff))
    elif kind in ("text", "numeric"):
        if kind == "numeric":
            body.append(_numbers_table(diff))
        # nbdime's diff above shows the change; the comparator's unified diff stays at hand, folded
        body.append(_folded("unified diff", _unified(diff)) if drawn else _unified(diff))
    else:
        body.append(_one_side_block(diff, cell, sources, budget))
    return f'<div class="diff diff-{_e(kind)}">{head}{"".join(b for b in body if b)}</div>'


_DIFF_TITLES = {
    "text": "Text differs",
    "numeric": "Numbers differ",
    "image": "Image differs",
    "mime-missing": "Representation missing in the re-run",
    "mime-added": "Representation new in the re-run",
    "output-missing": "Output missing in the re-run",
    "output-added": "Output new in the re-run",
    "error": "Error",
}


def _unified(diff: OutputDiffJson) -> str:
    lines = diff.get("unified_diff") or []
    if not lines:
        return _sides(diff.get("expected"), diff.get("actual"))
    rendered = []
    for line in lines:
        text = str(line)
        if text.startswith(("--- ", "+++ ")) or text in ("---", "+++"):
            css = "head"
        elif text.startswith("@@"):
            css = "hunk"
        elif text.startswith("+"):
            css = "add"
        elif text.startswith("-"):
            css = "del"
        elif text.startswith("…"):
            css = "head"
        else:
            css = "ctx"
        rendered.append(f'<span class="{css}">{_e(text) or " "}</span>')
    return f'<pre class="udiff">{"".join(rendered)}</pre>'


def _folded(title: str, content: str) -> str:
    return (
        f'<details class="fold"><summary class="small muted">{_e(title)}</summary>{content}</details>'
        if content
        else ""
    )


def _sides(expected: Any, actual: Any) -> str:
    if expected is None and actual is None:
        return ""
    blocks = []
    for title, text in (("stored", expected), ("re-run", actual)):
        content = f"<pre>{_e(text)}</pre>" if text is not None else '<p class="muted">(none)</p>'
        blocks.append(f"<div><h4>{title}</h4>{content}</div>")
    return f'<div class="sides">{"".join(blocks)}</div>'


def _numbers_table(diff: OutputDiffJson) -> str:
    pairs = diff.get("numbers_changed") or []
    summary = []
    if diff.get("max_abs_diff") is not None:
        summary.append(f"largest change {_number(diff['max_abs_diff'])}")
    if diff.get("max_rel_diff") is not None:
        summary.append(f"relative {_percent(diff['max_rel_diff'])}")
    rows = "".join(
        f'<tr><td class="num">{_e(pair[0])}</td><td class="num">{_e(pair[1])}</td></tr>'
        for pair in pairs
        if isinstance(pair, (list, tuple)) and len(pair) == 2
    )
    table = (
        (f'<table class="numbers"><thead><tr><th>stored</th><th>re-run</th></tr></thead><tbody>{rows}</tbody></table>')
        if rows
        else ""
    )
    line = f'<p class="small">{_e("; ".join(summary))}</p>' if summary else ""
    return line + table


def _number(value: Any) -> str:
    if isinstance(value, (int, float)):
        return f"{value:.6g}"
    return str(value)


def _percent(value: Any) -> str:
    if isinstance(value, (int, float)) and math.isfinite(value):
        return f"{value * 100:.3g} %"
    return str(value)


def _error_block(diff: OutputDiffJson) -> str:
    parts = []
    if diff.get("expected"):
        parts.append(f"<p>stored: <code>{_e(diff['expected'])}</code></p>")
    parts.append(f"<p>re-run: <code>{_e(diff.get('actual') or '')}</code></p>")
    traceback = diff.get("traceback") or []
    if traceback:
        parts.append(f'<pre class="traceback">{_e(chr(10).join(str(t) for t in traceback))}</pre>')
    return "".join(parts)


def _one_side_block(diff: OutputDiffJson, cell: CellResultJson, sources: _Notebooks, budget: _ImageBudget) -> str:
    """mime/output missing or added: show what exists on the one side."""
    kind = str(diff.get("kind"))
    stored_side = kind.endswith("missing")
    mime = diff.get("mime")
    if mime in EMBEDDABLE_IMAGES:
        nb, position = (
            (sources.stored, cell.get("index")) if stored_side else (sources.executed, cell.get("actual_index"))
        )
        data = _output_image(nb, position, diff.get("output_index"), str(mime))
        if data is not None:
            return (
                f'<div class="images">{_figure("stored" if stored_side else "re-run", str(mime), data, budget)}</div>'
            )
    text = diff.get("expected") if stored_side else diff.get("actual")
    return f"<pre>{_e(text)}</pre>" if text else ""


def _image_block(
    diff: OutputDiffJson, cell: CellResultJson, sources: _Notebooks, budget: _ImageBudget, pictures: bool = True
) -> str:
    mime = str(diff.get("mime") or "")
    fraction = diff.get("pixel_fraction")
    facts = []
    if fraction is not None:
        facts.append(f"{_percent(fraction)} of the picture changed")
    region = diff.get("region")
    if region:
        facts.append(
            f"changed region: {region['width']}×{region['height']} px at ({region['x']}, {region['y']}), outlined"
        )
    if diff.get("max_abs_diff") is not None:
        facts.append(f"largest channel difference {_number(diff['max_abs_diff'])} of 255")
    line = f'<p class="small">{_e("; ".join(facts))}</p>' if facts else ""
    if mime not in EMBEDDABLE_IMAGES:
        return line + _sides(diff.get("expected"), diff.get("actual"))
    if not pictures:
        return line
    actual_position = diff.get("output_index")
    new = _output_image(sources.executed, cell.get("actual_index"), actual_position, mime)
    old = _output_image(
        sources.stored, cell.get("index"), _stored_output_index(sources, cell, actual_position, mime), mime
    )
    figures = [
        _figure("stored", mime, old, budget, diff.get("expected")),
        _figure("re-run", mime, new, budget, diff.get("actual"), region=region, size=_pixel_size(diff.get("actual"))),
    ]
    return line + f'<div class="images">{"".join(figures)}</div>'


def _pixel_size(description: Any) -> tuple[int, int] | None:
    """Width and height from a diff's image description (``image/png 400x300 (6315 bytes)``)."""
    match = re.search(r" (\d+)x(\d+) ", str(description or ""))
    return (int(match.group(1)), int(match.group(2))) if match else None


def _stored_output_index(sources: _Notebooks, cell: CellResultJson, actual_position: Any, mime: str) -> int | None:
    """The stored output an image diff compares with.

    ``OutputDiff.output_index`` points into the re-run cell's outputs only. Rich outputs
    are aligned by their mime types, so the n-th output carrying ``mime`` in the re-run
    corresponds to the n-th one carrying it in the stored cell.
    """
    stored_outputs = _outputs(sources.stored, cell.get("index"))
    actual_outputs = _outputs(sources.executed, cell.get("actual_index"))
    if not isinstance(actual_position, int) or not stored_outputs:
        return None
    ordinal = sum(1 for output in actual_outputs[:actual_position] if mime in _data(output))
    carrying = [i for i, output in enumerate(stored_outputs) if mime in _data(output)]
    if ordinal < len(carrying):
        return carrying[ordinal]
    return carrying[-1] if carrying else None


def _outputs(nb: Any, position: Any) -> list[Any]:
    if nb is None or not isinstance(position, int):
        return []
    cells = nb.get("cells", [])
    if not 0 <= position < len(cells):
        return []
    return list(cells[position].get("outputs", []) or [])


def _data(output: Any) -> Mapping[str, Any]:
    data = output.get("data", {}) if isinstance(output, Mapping) else {}
    return data if isinstance(data, Mapping) else {}


def _output_image(nb: Any, cell_position: Any, output_position: Any, mime: str) -> str | None:
    """Base64 data of ``mime`` in one output, or ``None`` when absent or not plain base64."""
    outputs = _outputs(nb, cell_position)
    if not isinstance(output_position, int) or not 0 <= output_position < len(outputs):
        return None
    value = _data(outputs[output_position]).get(mime)
    if isinstance(value, list):
        value = "".join(str(v) for v in value)
    if not isinstance(value, str):
        return None
    compact = "".join(value.split())
    return compact if compact and _BASE64.fullmatch(compact) else None


def _figure(
    caption: str,
    mime: str,
    data: str | None,
    budget: _ImageBudget,
    description: Any = None,
    region: RegionJson | None = None,
    size: tuple[int, int] | None = None,
) -> str:
    if data is None:
        body = '<p class="muted">(image not available)</p>'
    elif not budget.take(len(data)):
        body = f'<p class="muted">(image of {len(data) * 3 // 4} bytes not embedded: the report size is capped)</p>'
    else:
        body = f'<img alt="{_e(caption)} image" src="data:{_e(mime)};base64,{data}">'
        if region and size and size[0] > 0 and size[1] > 0:
            # percentages of the picture, so the outline stays on it however the image is scaled
            box = (
                f"left:{100 * region['x'] / size[0]:.2f}%;top:{100 * region['y'] / size[1]:.2f}%;"
                f"width:{100 * region['width'] / size[0]:.2f}%;height:{100 * region['height'] / size[1]:.2f}%"
            )
            body = f'<span class="frame">{body}<span class="region" title="changed region" style="{box}"></span></span>'
    note = f'<div class="muted small">{_e(description)}</div>' if description else ""
    return f"<figure><figcaption>{_e(caption)}</figcaption>{body}{note}</figure>"
