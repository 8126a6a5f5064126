"""The ``repro_nb`` comm: how records reach a frontend that can write notebook metadata.

Protocol (version 1). The frontend opens a comm to target ``repro_nb``; messages are
JSON objects with a ``type``:

kernel → frontend
  ``{"type": "hello", "protocol": 1, "notebook": {...}, "cells": [...]}`` on open: the
  record so far, so a frontend attaching late (page reload) gets everything;
  ``{"type": "cell", "cell": {...}, "notebook": {...}}`` after every recorded cell.
frontend → kernel
  ``{"type": "positions", "cell_ids": [...]}`` the notebook's cell order;
  ``{"type": "notebook_path", "path": "..."}``;
  ``{"type": "get"}`` asks for a fresh ``hello``.
"""
from __future__ import annotations

import contextlib
from typing import Any

from .capture import Recorder

TARGET = "repro_nb"
PROTOCOL = 1


class CommChannel:
    """Kernel side of the comm; holds every comm a frontend opened (several tabs may)."""

    def __init__(self, recorder: Recorder, channel_name: str = "comm") -> None:
        self.recorder = recorder
        self.channel_name = channel_name
        self.comms: list[Any] = []
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

    def hello(self) -> dict[str, Any]:
        return {
            "type": "hello",
            "protocol": PROTOCOL,
            "notebook": self.recorder.notebook_record(self.channel_name),
            "cells": self.recorder.sidecar()["cells"],
        }

    def _on_open(self, comm: Any, open_msg: dict[str, Any]) -> None:
        self.comms.append(comm)
        comm.on_msg(self._on_msg)
        comm.on_close(lambda _msg, c=comm: self.comms.remove(c) if c in self.comms else None)
        data = (open_msg.get("content") or {}).get("data") or {}
        self._apply(data)
        comm.send(self.hello())

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

    def send_cell(self, cell: dict[str, Any]) -> None:
        if not self.comms or not self.recorder.config.send_comm:
            return
        message = {"type": "cell", "cell": cell, "notebook": self.recorder.notebook_record(self.channel_name)}
        for comm in list(self.comms):
            comm.send(message)
