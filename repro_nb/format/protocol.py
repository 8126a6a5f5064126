"""The ``repro_nb`` comm between the recorder and a frontend: target, versions, messages.

The wire format is ``schema/comm-v2.schema.json`` (the lab extension's TypeScript types
are generated from it); this module is its Python side, used by the kernel's comm
channel and by the papermill engine, which plays the frontend in a headless run.

A frontend opens a comm to :data:`TARGET` with an :class:`OpenData`; the kernel answers
with a :class:`HelloMessage`, then sends a :class:`CellMessage` after every recorded
cell: with the whole notebook record to a frontend that opened with a protocol below
:data:`CHANGES_PROTOCOL`, with only the changed top-level fields to the others (the
record holds every data file, seed and warning of the session, so re-sending it made
each cell's message grow with the session).

The message shapes are TypedDicts in :mod:`.protocol_messages`, a module of their own:
making TypedDict classes costs a kernel ~4 M instructions at ``%load_ext`` (the record's
types another ~15 M), which only type checkers and tests need. The kernel imports them
for type checking only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .protocol_messages import (
        OpenData,
    )

TARGET = "repro_nb"
"""The comm target name the kernel registers."""
PROTOCOL = 2
"""The protocol this repro-nb speaks."""
CHANGES_PROTOCOL = 2
"""The first protocol whose frontends merge ``notebook_changes`` instead of getting ``notebook``."""
WHOLE_RECORD_PROTOCOL = 1
"""A protocol whose frontends get the whole notebook record with every cell (the engine
asks for it: it embeds the whole record into the notebook it executes)."""


def merges_changes(open_data: OpenData | dict[str, Any]) -> bool:
    """Whether a frontend that opened with ``open_data`` merges ``notebook_changes``."""
    protocol = open_data.get("protocol")
    return isinstance(protocol, int) and not isinstance(protocol, bool) and protocol >= CHANGES_PROTOCOL


def open_data(cell_ids: list[str] | None = None, protocol: int = PROTOCOL) -> OpenData:
    """What a frontend (the papermill engine) sends when it opens the comm."""
    data: OpenData = {"protocol": protocol}
    if cell_ids is not None:
        data["cell_ids"] = cell_ids
    return data
