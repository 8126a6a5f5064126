"""How a cell is named for people: its execution prompt and a snippet of its source.

"cell 10" (a position that counts markdown cells), "[3]" (an execution count) and
"cell [5]" side by side made a report hard to follow. Every surface — the terminal and
HTML reports, JUnit, the lab panel (``labextension/src/logic/cellName.ts``, the same
rules) and ``%repro`` — names a cell the way the notebook shows it: the prompt ``[3]``
(``[ ]`` for a cell that was never run) followed by the start of its first line of code,
``[3] df = pd.read_csv('data/sa…``. Without the source at hand the prompt stands alone,
and without an execution count either, its position: ``cell 7``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .cells import cell_source

__all__ = ["SNIPPET_CHARS", "cell_label", "cell_label_of", "prompt", "snippet"]

#: Characters of source shown after the prompt; longer lines end with "…".
SNIPPET_CHARS = 28


def prompt(execution_count: int | None) -> str:
    """``[3]``, or ``[ ]`` for a cell that never ran: what the notebook shows."""
    return f"[{execution_count}]" if isinstance(execution_count, int) else "[ ]"


def snippet(source: str, width: int = SNIPPET_CHARS, code: bool = True) -> str:
    """The first line that says what the cell does, cut to ``width`` characters.

    Comments, ``%load_ext``-style magics and imports are passed over when the cell has
    something else: ``import pandas as pd`` names half the cells of a notebook, the
    line after it says what this one does.
    """
    lines = [line.strip() for line in source.splitlines() if line.strip()]
    if not lines:
        return ""
    statements = [line for line in lines if not line.startswith(("#", "%", "!"))] if code else lines
    chosen = next((line for line in statements if not line.startswith(("import ", "from "))), None) if code else None
    chosen = chosen or (statements[0] if statements else lines[0])
    chosen = " ".join(chosen.split())
    return chosen if len(chosen) <= width else chosen[: width - 1].rstrip() + "…"


def cell_label(execution_count: int | None, source: str | None = None, index: int | None = None) -> str:
    """``[3] df = pd.read_csv(…``; ``[3]`` without source; ``cell 7`` (1-based) with neither."""
    text = snippet(source) if source else ""
    if execution_count is None and not text and index is not None:
        return f"cell {index + 1}"
    head = prompt(execution_count)
    return f"{head} {text}" if text else head


def cell_label_of(cell: Mapping[str, Any] | None, index: int | None = None) -> str:
    """The label of an nbformat cell (its execution count and source)."""
    if cell is None:
        return cell_label(None, None, index)
    if cell.get("cell_type") not in (None, "code"):  # markdown and raw cells have no prompt
        return snippet(cell_source(cell), code=False) or f"cell {index + 1 if index is not None else '?'}"
    count = cell.get("execution_count")
    return cell_label(count if isinstance(count, int) else None, cell_source(cell), index)
