"""Failures that are only the consequence of an earlier failure.

The run goes on after an error, so a cell that raised leaves its names undefined and the
cells that use them fail too: one cause, reported once. A failed cell is a consequence
of an earlier failed cell when it reads a name that cell (or one of its consequences)
would have defined; every other failed cell is a root failure of its own and is
explained on its own evidence.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ...format.cellcode import defined_names, used_names
from ...format.cells import cell_source
from .model import Cause

_NAME_ERROR = re.compile(r"name '([^']+)' is not defined")


@dataclass(frozen=True)
class Consequence:
    cell_index: int
    """The failed cell (stored notebook)."""
    root_index: int
    """The earlier failed cell it depends on."""
    name: str
    """The name it reads that the root would have defined."""
    name_error: bool
    """It failed with a NameError for exactly that name."""

    def cause(self) -> Cause:
        how = "a NameError for it" if self.name_error else "it then raised"
        return Cause(
            "consequence",
            f"failed because cell {self.root_index + 1} failed: it uses {self.name!r}, which that cell would "
            f"have defined",
            "high" if self.name_error else "medium",
            self.root_index,
            {"name": self.name},
            (
                f"cell {self.root_index + 1} failed before defining {self.name!r}",
                f"this cell reads {self.name!r}; {how}",
            ),
        )


def find_consequences(
    failed: Sequence[tuple[int, Mapping[str, Any] | None]], cells: Sequence[Mapping[str, Any]]
) -> dict[int, Consequence]:
    """For failed cells ``(stored index, failure)`` in notebook order, those that are consequences."""
    roots: list[tuple[int, set[str]]] = []  # (root index, names it and its consequences would define)
    found: dict[int, Consequence] = {}
    for index, failure in failed:
        source = cell_source(cells[index])
        named = _missing_name(failure)
        needs = used_names(source) | ({named} if named else set())
        for root_index, names in reversed(roots):
            shared = sorted(needs & names)
            if shared:
                name = named if named in names else shared[0]
                found[index] = Consequence(index, root_index, name, name == named)
                names |= defined_names(source)
                break
        else:
            roots.append((index, defined_names(source)))
    return found


def _missing_name(failure: Mapping[str, Any] | None) -> str | None:
    if not failure or failure.get("ename") not in ("NameError", "UnboundLocalError"):
        return None
    match = _NAME_ERROR.search(str(failure.get("evalue", "")))
    return match.group(1) if match else None
