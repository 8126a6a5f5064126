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
"""

from typing import Any, Literal, NotRequired, TypedDict

from .record_types import CellRecord, NotebookRecord

TARGET = "repro_nb"
"""The comm target name the kernel registers."""
PROTOCOL = 2
"""The protocol this repro-nb speaks."""
CHANGES_PROTOCOL = 2
"""The first protocol whose frontends merge ``notebook_changes`` instead of getting ``notebook``."""
WHOLE_RECORD_PROTOCOL = 1
"""A protocol whose frontends get the whole notebook record with every cell (the engine
asks for it: it embeds the whole record into the notebook it executes)."""


class OpenData(TypedDict, total=False):
    """Frontend → kernel: the ``data`` of the ``comm_open``."""

    protocol: int
    cell_ids: list[str]
    notebook_path: str


class PositionsMessage(TypedDict):
    type: Literal["positions"]
    cell_ids: list[str]


class NotebookPathMessage(TypedDict):
    type: Literal["notebook_path"]
    path: str


class GetMessage(TypedDict):
    type: Literal["get"]


class HelloMessage(TypedDict):
    """Kernel → frontend, on open and on ``get``: the whole record so far."""

    type: Literal["hello"]
    protocol: int
    notebook: NotebookRecord
    cells: list[CellRecord]


class CellMessage(TypedDict):
    """Kernel → frontend after each recorded cell; ``notebook`` xor ``notebook_changes``."""

    type: Literal["cell"]
    cell: CellRecord
    notebook: NotRequired[NotebookRecord]
    notebook_changes: NotRequired[dict[str, Any]]


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


#: The schema definition each type describes (for ``tests/format/test_types.py``).
DEFINITIONS: dict[str, type] = {
    "open": OpenData,
    "positions": PositionsMessage,
    "notebook_path": NotebookPathMessage,
    "get": GetMessage,
    "hello": HelloMessage,
    "cell": CellMessage,
}
