"""Small text helpers shared by both processes."""

from __future__ import annotations

import re

#: An ANSI escape sequence (colours in IPython tracebacks, cursor moves of progress bars).
ANSI_ESCAPE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")


def strip_ansi(text: str) -> str:
    """Tracebacks from IPython carry colour codes; reports and diffs do not want them."""
    return ANSI_ESCAPE.sub("", text)


def short_hash(digest: str | None, missing: str = "none") -> str:
    """``blake3:6d32b1070132…`` → ``blake3:6d32b1070132``: enough to tell versions apart."""
    if not digest:
        return missing
    algo, _, hexd = digest.partition(":")
    return f"{algo}:{hexd[:12]}" if hexd else digest[:20]
