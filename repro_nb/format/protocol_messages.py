"""The messages of the ``repro_nb`` comm (:mod:`.protocol`), as TypedDicts.

One per definition of ``schema/comm-v2.schema.json``; ``tests/format/test_types.py``
keeps them in step with it. Kept apart from :mod:`.protocol` so that a kernel loading
the recorder does not make these classes (see there).
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

from .record_types import CellRecord, NotebookRecord


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


class _CellMessageRequired(TypedDict):
    type: Literal["cell"]
    cell: CellRecord


class CellMessage(_CellMessageRequired, total=False):
    """Kernel → frontend after each recorded cell; ``notebook`` xor ``notebook_changes``."""

    notebook: NotebookRecord
    notebook_changes: dict[str, Any]


#: The schema definition each type describes (for ``tests/format/test_types.py``).
DEFINITIONS: dict[str, type] = {
    "open": OpenData,
    "positions": PositionsMessage,
    "notebook_path": NotebookPathMessage,
    "get": GetMessage,
    "hello": HelloMessage,
    "cell": CellMessage,
}
