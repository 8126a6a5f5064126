"""``%repro``'s display: the record as text and HTML for the notebook.

The sections and their text form are :mod:`repro_nb.format.summary`'s (``repro-nb show``
prints the same text); the HTML table is the notebook's own.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

from ..format.summary import sections, to_text

__all__ = ["to_html", "to_text"]


def to_html(record: Mapping[str, Any]) -> str:
    parts = [
        '<div class="repro-nb-record">',
        f"<p><b>repro-nb record</b> — {record.get('cells_executed', 0)} cell(s) recorded</p>",
    ]
    for title, headers, rows in sections(record):
        style = ' style="color:#b45309"' if title.startswith("Warnings") and rows else ""
        parts.append(f"<h4{style}>{escape(title)}</h4>")
        if not rows:
            parts.append("<p><i>none</i></p>")
            continue
        parts.append("<table><thead><tr>" + "".join(f"<th>{escape(h)}</th>" for h in headers) + "</tr></thead><tbody>")
        for row in rows:
            parts.append("<tr>" + "".join(f'<td style="text-align:left">{escape(c)}</td>' for c in row) + "</tr>")
        parts.append("</tbody></table>")
    parts.append("</div>")
    return "".join(parts)
