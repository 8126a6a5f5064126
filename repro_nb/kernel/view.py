"""``%repro``'s static display: the record as text and HTML for the notebook.

The sections and their text form are :mod:`repro_nb.format.summary`'s (``repro-nb show``
prints the same text); the HTML table is the notebook's own, and :func:`section_html`
is the one place it is written: the static view and the live dashboard
(:mod:`.widget`) both render sections through it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from html import escape
from typing import Any

from ..format.summary import Section, sections, to_text

__all__ = ["WARNING_COLOUR", "row_html", "section_html", "to_html", "to_text"]

#: The colour of a warnings heading that has warnings under it.
WARNING_COLOUR = "#b45309"


def row_html(row: Sequence[str]) -> str:
    """One table row."""
    return "<tr>" + "".join(f'<td style="text-align:left">{escape(c)}</td>' for c in row) + "</tr>"


def section_html(
    section: Section, *, heading: bool = True, render_row: Callable[[Sequence[str]], str] = row_html
) -> str:
    """One section as HTML: its title as a heading (unless ``heading`` is false) and its table.

    ``render_row`` renders each row (the live dashboard passes a cached :func:`row_html`).
    """
    title, headers, rows = section
    parts: list[str] = []
    if heading:
        style = f' style="color:{WARNING_COLOUR}"' if title.startswith("Warnings") and rows else ""
        parts.append(f"<h4{style}>{escape(title)}</h4>")
    if not rows:
        parts.append("<p><i>none</i></p>")
        return "".join(parts)
    parts.append("<table><thead><tr>" + "".join(f"<th>{escape(h)}</th>" for h in headers) + "</tr></thead><tbody>")
    parts.extend(render_row(row) for row in rows)
    parts.append("</tbody></table>")
    return "".join(parts)


def to_html(record: Mapping[str, Any]) -> str:
    parts = [
        '<div class="repro-nb-record">',
        f"<p><b>repro-nb record</b> — {record.get('cells_executed', 0)} cell(s) recorded</p>",
    ]
    parts.extend(section_html(section) for section in sections(record))
    parts.append("</div>")
    return "".join(parts)
