"""Small text helpers shared by several layers."""
from __future__ import annotations

import re

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")


def strip_ansi(text: str) -> str:
    """Tracebacks from IPython carry colour codes; reports and diffs do not want them."""
    return _ANSI.sub("", text)


def shorten(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def short_hash(digest: str | None, missing: str = "none") -> str:
    """``blake3:6d32b1070132…`` → ``blake3:6d32b1070132``: enough to tell versions apart."""
    if not digest:
        return missing
    algo, _, hexd = digest.partition(":")
    return f"{algo}:{hexd[:12]}" if hexd else digest[:20]
