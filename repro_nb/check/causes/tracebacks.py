"""Code edited after it ran, read from the stored traceback — for notebooks without a record.

IPython prints the lines of the cell around the one that raised, with their numbers::

    Cell In[1], line 4                  (IPython ≥ 8; <ipython-input-1-bf9d…> before)
          2 def foo():
          3     raise RuntimeError("Foo")
    ----> 4 foo(a)

When those lines are not the cell's lines now, the cell was edited after the error was
stored: its outputs belong to other code. That is evidence, not a guess — the stored
notebook carries both texts — so it is a ``code-edited`` cause of high confidence.

Only frames of the cell itself are read (the header names its ``In [n]``, or it is the
first frame of an ipykernel temporary file); lines IPython rewrote (``%magic``, ``!cmd``)
are never compared.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ...format.cells import cell_source
from ...format.text import strip_ansi
from .model import Cause

_CELL_FRAME = re.compile(
    r"^(?:Cell In ?\[(?P<n8>\d*)\], line \d+"  # IPython ≥ 8
    r"|(?:File )?<ipython-input-(?P<n7>\d+)-[0-9a-f]+>"  # IPython < 8
    r"|(?:File )?\S*ipykernel_\d+[/\\]\d+\.py)"  # ipykernel 6 with IPython 7
)
_OTHER_FRAME = re.compile(r"^(?:File |\S+\.py\b|Cell In\b|<ipython-input-)")
_CODE_LINE = re.compile(r"^(?:---->|\s{2,})\s*(\d+)(?: (.*))?$")
_REWRITTEN = ("%", "!", "get_ipython()")


def traceback_edit_causes(index: int, stored_cell: Mapping[str, Any]) -> list[Cause]:
    """A ``code-edited`` cause when a stored traceback shows other lines than the cell has now."""
    if stored_cell.get("cell_type") != "code":
        return []
    source_lines = cell_source(stored_cell).splitlines()
    count = stored_cell.get("execution_count")
    for output in stored_cell.get("outputs", []):
        if not isinstance(output, Mapping) or output.get("output_type") != "error":
            continue
        traceback = output.get("traceback")
        if not isinstance(traceback, list):
            continue
        for number, shown in _cell_lines(traceback, count):
            now = source_lines[number - 1] if 0 < number <= len(source_lines) else None
            if _rewritten(shown) or (now is not None and _rewritten(now)):
                continue
            if now is None or now.rstrip() != shown.rstrip():
                now_text = "no such line" if now is None else repr(now.strip())
                return [
                    Cause(
                        "code-edited",
                        f"the cell was edited after its error was stored: the stored traceback shows line {number} "
                        f"as {shown.strip()!r}, the cell now has {now_text}",
                        "high",
                        index,
                        {"line": number, "stored": shown.rstrip(), "now": None if now is None else now.rstrip()},
                        (
                            f"stored traceback, line {number}: {shown.strip()!r}",
                            f"cell source, line {number}: {now_text}",
                        ),
                    )
                ]
    return []


def _cell_lines(traceback: Sequence[Any], count: Any) -> Iterator[tuple[int, str]]:
    """(line number, code) of the traceback's frames of this cell."""
    lines = strip_ansi("\n".join(str(part) for part in traceback)).splitlines()
    in_cell = False
    first_frame = True
    for line in lines:
        header = _CELL_FRAME.match(line.strip())
        if header is not None:
            number = header.group("n8") or header.group("n7")
            # a frame of another cell (In [3] called a function defined in In [2]) is not ours
            in_cell = number == str(count) if number else first_frame
            first_frame = False
            continue
        if _OTHER_FRAME.match(line.strip()):
            in_cell = False
            first_frame = False
            continue
        if in_cell:
            code = _CODE_LINE.match(line)
            if code is not None:
                yield int(code.group(1)), code.group(2) or ""


def _rewritten(line: str) -> bool:
    stripped = line.strip()
    return stripped.startswith(_REWRITTEN[:2]) or _REWRITTEN[2] in stripped
