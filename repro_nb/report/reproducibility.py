"""``repro-nb report``: REPRODUCIBILITY.md, its HTML and its JSON (``reproducibility-v1``).

Renders ratings (:mod:`repro_nb.check.stars`); judges nothing. For a directory the
document opens with one summary table, a row per notebook, then each notebook's stars.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape
from typing import Any

from .._version import __version__
from ..check.stars import Rating
from ..format.report import ReportError, dumps, plain
from ..format.versioned import check_valid, validator
from .badge import stars_text
from .theme import PALETTE

SCHEMA_VERSION = 1
_SCHEMA = f"reproducibility-v{SCHEMA_VERSION}"


def to_document(ratings: Sequence[Rating], created_at: datetime | None = None) -> dict[str, Any]:
    when = (created_at or datetime.now(UTC)).astimezone(UTC)
    counts = {str(n): sum(r.score == n for r in ratings) for n in range(6)}
    document = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "repro-nb", "version": __version__},
        "created_at": when.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "summary": {
            "notebooks": len(ratings),
            "stars": counts,
            "lowest": min((r.score for r in ratings), default=0),
        },
        "notebooks": [r.to_json() for r in ratings],
    }
    result: dict[str, Any] = plain(document)
    return result


def validate(document: Any) -> None:
    check_valid(validator(_SCHEMA), document, lambda where: ReportError(f"invalid reproducibility report: {where}"))


def json_text(ratings: Sequence[Rating]) -> str:
    document = to_document(ratings)
    validate(document)
    return dumps(document)


# ------------------------------------------------------------------ Markdown


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _percent(score: dict[str, Any]) -> str:
    judged = score["met"] + score["unmet"] + score["unknown"]
    unknown = f", {score['unknown']} without evidence" if score["unknown"] else ""
    return f"{score['met']}/{judged} ({score['percent']} %{unknown})" if judged else "-"


def _name(rating: Rating, base: str | None) -> str:
    return os.path.relpath(rating.path, base) if base else os.path.basename(rating.path)


def markdown(ratings: Sequence[Rating], base: str | None = None) -> str:
    lines = ["# Reproducibility", ""]
    lines.append(
        f"Rated by repro-nb {__version__}. Each star is earned by evidence, in order: 1 Code, 2 Configuration, "
        "3 Data, 4 Environment, 5 Evaluation. *Readiness* is what the files show; *outcome* what a re-run "
        "showed (the last check, the seeds study)."
    )
    lines.append("")
    if len(ratings) > 1:
        lines += ["| notebook | stars | readiness | outcome | next step |", "|---|---|---|---|---|"]
        for r in ratings:
            doc = r.to_json()
            step = r.next_steps[0] if r.next_steps else "-"
            lines.append(
                f"| {_cell(_name(r, base))} | {stars_text(r.score)} {r.score}/5 | {_percent(doc['readiness'])} "
                f"| {_percent(doc['outcome'])} | {_cell(step)} |"
            )
        lines.append("")
    for r in ratings:
        lines += _notebook_markdown(r, base)
    return "\n".join(lines).rstrip() + "\n"


def _notebook_markdown(rating: Rating, base: str | None) -> list[str]:
    doc = rating.to_json()
    h = "##"
    lines = [f"## {_name(rating, base)}: {stars_text(rating.score)} {rating.score}/5", ""]
    lines.append(f"- Readiness: {_percent(doc['readiness'])} of the criteria")
    lines.append(f"- Outcome: {_percent(doc['outcome'])} of the criteria")
    sources = rating.sources
    lines.append(
        "- Evidence: record "
        + (sources.get("record") or "none")
        + "; last check "
        + (sources.get("check") or "none")
        + "; seeds study "
        + (sources.get("seeds") or "none")
    )
    lines += ["", f"{h}# Stars", "", "| star | | basis | criterion | evidence |", "|---|---|---|---|---|"]
    for star in rating.stars:
        mark = "★ earned" if star.number <= rating.score else ("met, after a missing star" if star.met else "☆ missing")
        for i, c in enumerate(star.criteria):
            tick = {"met": "✓", "unmet": "✗", "unknown": "?"}[c.status]
            head = f"{star.number} {star.name}" if i == 0 else ""
            lines.append(f"| {head} | {mark if i == 0 else ''} | {c.basis} | {tick} {c.id} | {_cell(c.evidence)} |")
    missing = [s for s in rating.stars if not s.met]
    if missing:
        lines += ["", f"{h}# To earn the missing stars (most valuable first)", ""]
        for star in missing:
            lines.append(f"- **{star.number} {star.name}**: {star.reason}")
            lines += [f"  - {step}" for step in star.steps]
    lines += ["", f"{h}# ML reproducibility checklist (NeurIPS)", "", "| item | covered | evidence |", "|---|---|---|"]
    for item in rating.checklist:
        lines.append(f"| {_cell(item.item)} | {'yes' if item.covered else 'no'} | {_cell(item.evidence)} |")
    lines.append("")
    return lines


# ------------------------------------------------------------------ HTML

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; max-width: 70rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; } td, th { border: 1px solid var(--line); padding: .3rem .6rem;
text-align: left; vertical-align: top; } .met { color: var(--ok-text); } .unmet { color: var(--fail-text); }
.unknown { color: var(--drift-text); } .stars { color: var(--star); font-size: 1.3em; letter-spacing: .1em; }
"""


def html(ratings: Sequence[Rating], base: str | None = None) -> str:
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Reproducibility</title>",
        f"<style>{PALETTE}{_STYLE}</style></head><body><h1>Reproducibility</h1>",
        "<p>Each star is earned by evidence, in order: 1 Code, 2 Configuration, 3 Data, 4 Environment, "
        "5 Evaluation. <em>Readiness</em>: what the files show; <em>outcome</em>: what a re-run showed.</p>",
    ]
    if len(ratings) > 1:
        parts.append(
            "<table><tr><th>notebook</th><th>stars</th><th>readiness</th><th>outcome</th><th>next step</th></tr>"
        )
        for r in ratings:
            doc = r.to_json()
            parts.append(
                f"<tr><td><a href='#nb-{escape(_name(r, base))}'>{escape(_name(r, base))}</a></td>"
                f"<td><span class='stars'>{stars_text(r.score)}</span> {r.score}/5</td>"
                f"<td>{escape(_percent(doc['readiness']))}</td><td>{escape(_percent(doc['outcome']))}</td>"
                f"<td>{escape(r.next_steps[0] if r.next_steps else '-')}</td></tr>"
            )
        parts.append("</table>")
    for r in ratings:
        parts.append(_notebook_html(r, base))
    parts.append("</body></html>")
    return "\n".join(parts)


def _notebook_html(rating: Rating, base: str | None) -> str:
    doc = rating.to_json()
    name = _name(rating, base)
    parts = [
        f"<section id='nb-{escape(name)}'><h2>{escape(name)} <span class='stars'>{stars_text(rating.score)}</span> "
        f"{rating.score}/5</h2>",
        f"<p>Readiness {escape(_percent(doc['readiness']))}; outcome {escape(_percent(doc['outcome']))}.</p>",
        "<table><tr><th>star</th><th>basis</th><th>criterion</th><th>evidence</th><th>to do</th></tr>",
    ]
    for star in rating.stars:
        for i, c in enumerate(star.criteria):
            head = f"<td rowspan='{len(star.criteria)}'>{star.number} {escape(star.name)}</td>" if i == 0 else ""
            parts.append(
                f"<tr>{head}<td>{c.basis}</td><td class='{c.status}'>{c.status}: {escape(c.id)}</td>"
                f"<td>{escape(c.evidence)}</td><td>{'<br>'.join(escape(s) for s in c.steps)}</td></tr>"
            )
    parts.append("</table><h3>ML reproducibility checklist (NeurIPS)</h3><table>")
    for item in rating.checklist:
        status = "met" if item.covered else "unmet"
        parts.append(
            f"<tr><td>{escape(item.item)}</td><td class='{status}'>{'covered' if item.covered else 'not covered'}</td>"
            f"<td>{escape(item.evidence)}</td></tr>"
        )
    parts.append("</table></section>")
    return "\n".join(parts)
