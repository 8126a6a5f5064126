"""What a cell's tags and marker comments say about checking it, as nbval and nbclient read them.

Notebooks already carry these instructions for nbval (``# NBVAL_IGNORE_OUTPUT``,
``# NBVAL_SKIP``, ``nbval-raises-exception``…) and nbclient (``raises-exception``);
repro-nb honours them the same way, so a notebook prepared for nbval needs no change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..format.cells import cell_source
from .matching import cell_tags

#: nbclient's tag for a cell that is expected to raise.
RAISES_EXCEPTION_TAG = "raises-exception"
#: A cell that must not even run (nbval): as a tag, or as a ``# NBVAL_SKIP`` comment.
NBVAL_SKIP_TAG = "nbval-skip"
NBVAL_SKIP = "NBVAL_SKIP"
#: Comments whose cell's outputs are not compared (``PYTEST_VALIDATE_…`` is nbval's old name).
IGNORE_MARKERS = frozenset({"NBVAL_IGNORE_OUTPUT", NBVAL_SKIP, "PYTEST_VALIDATE_IGNORE_OUTPUT"})
CHECK_OUTPUT = "NBVAL_CHECK_OUTPUT"
_RAISES_TAGS = frozenset({RAISES_EXCEPTION_TAG, "nbval-raises-exception"})
_RAISES_MARKERS = frozenset({"NBVAL_RAISES_EXCEPTION", "PYTEST_VALIDATE_RAISES_EXCEPTION"})


def marker_comments(cell: Mapping[str, Any]) -> list[str]:
    """The nbval markers on the cell's comment lines, in order (``# NBVAL_SKIP`` → that name)."""
    text = cell_source(cell)
    if "NBVAL_" not in text and "PYTEST_VALIDATE_" not in text:
        return []
    found = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            marker = stripped.lstrip("#").strip()
            if marker.startswith(("NBVAL_", "PYTEST_VALIDATE_")):
                found.append(marker)
    return found


def output_marker(cell: Mapping[str, Any]) -> str | None:
    """The comment that decides whether outputs are compared: the last of them wins (nbval)."""
    decisive = [m for m in marker_comments(cell) if m in IGNORE_MARKERS or m == CHECK_OUTPUT]
    return decisive[-1] if decisive else None


def expects_an_error(cell: Mapping[str, Any] | None) -> bool:
    """The cell is meant to raise: tagged or marked so (nbclient, nbval)."""
    if cell is None:
        return False
    return not _RAISES_TAGS.isdisjoint(cell_tags(cell)) or not _RAISES_MARKERS.isdisjoint(marker_comments(cell))


def must_not_run(cell: Mapping[str, Any]) -> bool:
    """nbval's skip: the cell is not executed at all (and its outputs are not compared)."""
    return NBVAL_SKIP_TAG in cell_tags(cell) or NBVAL_SKIP in marker_comments(cell)
