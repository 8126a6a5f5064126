"""Output that a shell command printed: ``!ls``, ``%%bash``, ``%sx``.

What ``!ls *.ipynb`` prints depends on the machine's programs and the files beside the
notebook (GNU and BSD ``ls`` space their columns differently; a new file is listed), not
on the notebook's code. A drifted or failed cell that runs one is told so, with the
command, rather than "no cause found".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ...format.cells import cell_source
from .model import Cause

_LINE_COMMAND = re.compile(r"^\s*(?:[\w.]+\s*=\s*)?(?:!!?|%sx\s+|%system\s+)(?P<command>\S.*)$")
_CELL_MAGIC = re.compile(r"^\s*%%(?P<magic>bash|sh|script|system|sx)\b(?P<rest>.*)$")


def shell_command(source: str) -> str | None:
    """The first shell command a cell runs, as the cell writes it; ``None`` when it runs none."""
    lines = source.splitlines()
    if lines:
        magic = _CELL_MAGIC.match(lines[0])
        if magic is not None:
            body = next((line.strip() for line in lines[1:] if line.strip()), "")
            return body or f"%%{magic.group('magic')}{magic.group('rest')}".strip()
    for line in lines:
        found = _LINE_COMMAND.match(line)
        if found is not None:
            return found.group("command").strip()
    return None


def shell_causes(index: int, stored_cell: Mapping[str, Any]) -> list[Cause]:
    command = shell_command(cell_source(stored_cell))
    if command is None:
        return []
    shown = command if len(command) <= 60 else command[:57] + "..."
    return [
        Cause(
            "environment",
            f"the cell runs the shell command `{shown}`: what it prints depends on this machine's programs and "
            "files, not only on the notebook",
            "medium",
            index,
            {"field": "shell command", "command": command},
            (f"the cell runs `{shown}` in a shell",),
        )
    ]
