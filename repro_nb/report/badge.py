"""A shields.io-style SVG badge: ``reproducibility | ★★★☆☆ 3/5``.

Drawn here, not fetched: the badge is a file in the repository, and it must say what the
last ``repro-nb report`` found, offline. Widths follow shields' "flat" style, estimated
from a per-character width of Verdana 11 px (as shields does without a font file).
"""

from __future__ import annotations

from html import escape

#: Score → colour, shields' palette: red, orange, yellow, yellowgreen, green, brightgreen.
COLOURS = ("#e05d44", "#fe7d37", "#dfb317", "#a4a61d", "#97ca00", "#4c1")
_CHAR = 6.6  # average advance of Verdana 11 px; a star is a little wider
_STAR = 9.0


def stars_text(score: int, total: int = 5) -> str:
    return "★" * score + "☆" * (total - score)


def _width(text: str) -> int:
    return int(sum(_STAR if ch in "★☆" else _CHAR for ch in text) + 10)


def svg(score: int, label: str = "reproducibility", total: int = 5) -> str:
    """The badge for ``score`` stars out of ``total``."""
    value = f"{stars_text(score, total)} {score}/{total}"
    left, right = _width(label), _width(value)
    colour = COLOURS[max(0, min(score, len(COLOURS) - 1))]
    width = left + right
    title = escape(f"{label}: {score} of {total} stars")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" role="img" aria-label="{title}">'
        f"<title>{title}</title>"
        '<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/>'
        '<stop offset="1" stop-opacity=".1"/></linearGradient>'
        f'<clipPath id="r"><rect width="{width}" height="20" rx="3" fill="#fff"/></clipPath>'
        f'<g clip-path="url(#r)"><rect width="{left}" height="20" fill="#555"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="{colour}"/>'
        f'<rect width="{width}" height="20" fill="url(#s)"/></g>'
        '<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">'
        f'<text x="{left / 2:.1f}" y="15" fill="#010101" fill-opacity=".3">{escape(label)}</text>'
        f'<text x="{left / 2:.1f}" y="14">{escape(label)}</text>'
        f'<text x="{left + right / 2:.1f}" y="15" fill="#010101" fill-opacity=".3">{escape(value)}</text>'
        f'<text x="{left + right / 2:.1f}" y="14">{escape(value)}</text></g></svg>\n'
    )
