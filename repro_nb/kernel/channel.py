"""The kernel side of the ``repro_nb`` comm: how records reach a frontend that can write
notebook metadata. The messages are :mod:`repro_nb.format.protocol`'s.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..format.protocol import PROTOCOL, TARGET, merges_changes
from .recorder import Recorder

if TYPE_CHECKING:
    from ..format.protocol_messages import CellMessage, HelloMessage
    from ..format.record_types import CellRecord, RecorderChannel


class CommChannel:
    """Kernel side of the comm; holds every comm a frontend opened (several tabs may)."""

    def __init__(self, recorder: Recorder, channel_name: RecorderChannel = "comm") -> None:
        self.recorder = recorder
        self.channel_name = channel_name
        self.comms: list[Any] = []
        self._merges: set[Any] = set()  # the comms whose frontend merges changes
        self._last_sent: Mapping[str, Any] = {}  # the notebook record of the previous cell message
        self._manager: Any = None
        recorder.listeners.append(self.send_cell)

    def register(self) -> bool:
        """Register the comm target; ``False`` outside a kernel (plain IPython)."""
        try:
            from comm import get_comm_manager

            manager = get_comm_manager()
            manager.register_target(TARGET, self._on_open)
        except Exception:  # noqa: BLE001 - no kernel, no comms: the sidecar channel remains
            return False
        self._manager = manager
        return True

    def close(self) -> None:
        if self.send_cell in self.recorder.listeners:
            self.recorder.listeners.remove(self.send_cell)
        if self._manager is not None:
            with contextlib.suppress(Exception):  # the kernel may be shutting down
                self._manager.unregister_target(TARGET, self._on_open)
        for comm in list(self.comms):
            with contextlib.suppress(Exception):
                comm.close()
        self.comms.clear()
        self._merges.clear()

    def hello(self) -> HelloMessage:
        return {
            "type": "hello",
            "protocol": PROTOCOL,
            "notebook": self.recorder.notebook_record(self.channel_name),
            "cells": self.recorder.sidecar()["cells"],
        }

    def _on_open(self, comm: Any, open_msg: dict[str, Any]) -> None:
        self.comms.append(comm)
        comm.on_msg(self._on_msg)
        comm.on_close(lambda _msg, c=comm: self._forget(c))
        data = (open_msg.get("content") or {}).get("data") or {}
        if merges_changes(data):
            self._merges.add(comm)
        self._apply(data)
        comm.send(self.hello())

    def _forget(self, comm: Any) -> None:
        if comm in self.comms:
            self.comms.remove(comm)
        self._merges.discard(comm)

    def _on_msg(self, msg: dict[str, Any]) -> None:
        data = (msg.get("content") or {}).get("data") or {}
        self._apply(data)
        if data.get("type") == "get":
            for comm in self.comms:
                comm.send(self.hello())

    def _apply(self, data: dict[str, Any]) -> None:
        if isinstance(data.get("cell_ids"), list):
            self.recorder.set_positions([str(c) for c in data["cell_ids"]])
        path = data.get("notebook_path") or (data.get("path") if data.get("type") == "notebook_path" else None)
        if isinstance(path, str) and path:
            self.recorder.set_notebook_path(path)

    def send_cell(self, cell: CellRecord) -> None:
        if not self.comms or not self.recorder.config.send_comm:
            return
        record = self.recorder.notebook_record(self.channel_name)
        # Against the previous cell message, not each comm's hello: a comm opened since
        # then got a newer record in its hello, and merging a field again is harmless.
        last = self._last_sent
        changes = {key: value for key, value in record.items() if key not in last or last[key] != value}
        self._last_sent = record
        whole: CellMessage = {"type": "cell", "cell": cell, "notebook": record}
        merged: CellMessage = {"type": "cell", "cell": cell, "notebook_changes": changes}
        for comm in list(self.comms):
            comm.send(merged if comm in self._merges else whole)
