"""A minimal headless frontend: run cells of a notebook in a kernel in any order.

It does what JupyterLab does for the recorder — sends each cell's id with the execute
request, opens the ``repro_nb`` comm, and stores outputs and records into the notebook —
but in a script. It exists to replay an author's session (cells run out of order, a
cell run twice) so that the record shows what happened, e.g. for the example notebooks,
and for tests of the comm channel.
"""
from __future__ import annotations

import os
import queue
import time
import uuid
from typing import Any, Self

import nbformat
from jupyter_client.manager import KernelManager

from . import record as record_mod
from .channel import TARGET
from .kernels import remove_ipc_dir, use_ipc


class KernelSession:
    def __init__(self, nb: nbformat.NotebookNode, notebook_path: str, kernel_name: str = "python3",
                 timeout: float = 120) -> None:
        self.nb = nb
        self.notebook_path = os.path.abspath(notebook_path)
        self.timeout = timeout
        self.km = KernelManager(kernel_name=kernel_name)
        self._ipc_dir = use_ipc(self.km)
        self.km.start_kernel(cwd=os.path.dirname(self.notebook_path),
                             env={**os.environ, "JPY_SESSION_NAME": self.notebook_path})
        self.kc = self.km.client()
        self.kc.start_channels()
        try:
            self.kc.wait_for_ready(timeout=timeout)
        except BaseException:
            self.close()
            raise
        self.comm_id: str | None = None
        self.notebook_record: dict[str, Any] | None = None
        self.execution_count = 0

    def open_comm(self) -> None:
        """Open the ``repro_nb`` comm (the recorder must be loaded, e.g. by a `%load_ext` cell)."""
        self.comm_id = uuid.uuid4().hex
        cell_ids = [c.get("id", "") for c in self.nb.cells]
        msg = self.kc.session.msg("comm_open", {"comm_id": self.comm_id, "target_name": TARGET,
                                                "data": {"protocol": 1, "cell_ids": cell_ids}})
        self.kc.shell_channel.send(msg)

    def run(self, index: int) -> list[Any]:
        """Execute cell ``index`` and store its outputs, execution count and record."""
        cell = self.nb.cells[index]
        content = {"code": cell.source, "silent": False, "store_history": True, "user_expressions": {},
                   "allow_stdin": False, "stop_on_error": False}
        msg = self.kc.session.msg("execute_request", content, metadata={"cellId": cell.get("id")})
        self.kc.shell_channel.send(msg)
        msg_id = msg["header"]["msg_id"]
        outputs: list[Any] = []
        deadline = time.monotonic() + self.timeout
        idle = False
        while not idle:
            try:
                reply = self.kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty as exc:
                raise TimeoutError(f"cell {index + 1} did not finish within {self.timeout} s") from exc
            if reply["parent_header"].get("msg_id") != msg_id:
                continue
            kind = reply["msg_type"]
            body = reply["content"]
            if kind == "status" and body["execution_state"] == "idle":
                idle = True
            elif kind == "execute_input":
                self.execution_count = body["execution_count"]
            elif kind in ("stream", "display_data", "execute_result", "error"):
                outputs.append(nbformat.v4.output_from_msg(reply))
            elif kind == "clear_output":
                outputs.clear()
            elif kind == "comm_msg" and body.get("comm_id") == self.comm_id:
                data = body.get("data", {})
                if data.get("type") == "cell":
                    cell_record = dict(data["cell"], position=index)
                    self.notebook_record = dict(data["notebook"])
                    record_mod.embed(self.nb, self.notebook_record, {index: cell_record})
        self.kc.get_shell_msg(timeout=self.timeout)
        cell.outputs = outputs
        cell.execution_count = self.execution_count
        return outputs

    def close(self) -> None:
        try:
            self.kc.stop_channels()
            self.km.shutdown_kernel(now=True)
        finally:
            remove_ipc_dir(self._ipc_dir)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
