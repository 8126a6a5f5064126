"""What the tests share besides fixtures: where things are, a kernel harness, notebook writers.

Kernels are real ``ipykernel`` processes driven through ``jupyter_client`` — the
recorder lives in the kernel, so that is where it is tested. :class:`KernelSession`
is a small synchronous harness: it sends an execute request (optionally with the
``cellId`` JupyterLab sends), collects the reply and every IOPub message the request
caused, and can read the recorder's state back with a silent ``user_expressions``
evaluation (silent executions fire no IPython events, so reading the record does not
record a cell).

Imported by test modules as ``support`` (``tests/`` is on ``sys.path`` through the
root ``conftest.py``); the fixtures that use it are in ``conftest.py``.
"""

from __future__ import annotations

import ast
import json
import os
import queue
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

TESTS = Path(__file__).resolve().parent
#: The fixture notebooks, made by ``files/make_notebooks.py``.
FILES = TESTS / "files"
ROOT = TESTS.parent
NOTEBOOKS = ROOT / "notebooks"

#: Environment variables a test kernel must not inherit: they tell the recorder where
#: the notebook is, and each test decides that for itself.
_SCRUBBED_ENV = ("JPY_SESSION_NAME", "JPY_PARENT_PID")


@dataclass
class Execution:
    """What one request produced: the shell reply and the IOPub messages it caused."""

    reply: dict[str, Any]
    messages: list[dict[str, Any]] = field(default_factory=list)

    @property
    def status(self) -> str:
        return str(self.reply.get("status"))

    def _stream(self, name: str) -> str:
        return "".join(
            m["content"]["text"] for m in self.messages if m["msg_type"] == "stream" and m["content"]["name"] == name
        )

    @property
    def stdout(self) -> str:
        return self._stream("stdout")

    @property
    def stderr(self) -> str:
        return self._stream("stderr")

    @property
    def error(self) -> dict[str, Any] | None:
        """``{"ename", "evalue", "traceback"}`` when the request failed."""
        if self.reply.get("status") == "error":
            return self.reply
        return None

    def data(self, mime: str) -> list[Any]:
        """Every ``mime`` payload of display_data / execute_result messages."""
        return [
            m["content"]["data"][mime]
            for m in self.messages
            if m["msg_type"] in ("display_data", "execute_result") and mime in m["content"]["data"]
        ]

    def comm_data(self, comm_id: str | None = None) -> list[dict[str, Any]]:
        """The ``data`` of every comm message (optionally of one comm) this request caused."""
        return [
            m["content"]["data"]
            for m in self.messages
            if m["msg_type"] == "comm_msg" and (comm_id is None or m["content"]["comm_id"] == comm_id)
        ]


class KernelSession:
    """A running kernel and a client, with helpers to run cells and read the record."""

    def __init__(self, manager: Any, client: Any, cwd: Path) -> None:
        self.manager = manager
        self.client = client
        self.cwd = cwd
        #: IOPub messages that arrived for a request nobody was waiting for
        self.stray: list[dict[str, Any]] = []
        #: where the kernel's Unix sockets live (removed at shutdown)
        self.sockets: Path | None = None

    # -- requests -----------------------------------------------------------------

    def send(self, msg_type: str, content: dict[str, Any], metadata: dict[str, Any] | None = None) -> str:
        msg = self.client.session.msg(msg_type, content, metadata=metadata or {})
        self.client.shell_channel.send(msg)
        return str(msg["header"]["msg_id"])

    def execute(
        self,
        code: str,
        *,
        cell_id: str | None = None,
        silent: bool = False,
        user_expressions: dict[str, str] | None = None,
        timeout: float = 60,
    ) -> Execution:
        """Execute ``code`` as a frontend would; ``cell_id`` goes in ``metadata.cellId``."""
        content = {
            "code": code,
            "silent": silent,
            "store_history": not silent,
            "user_expressions": user_expressions or {},
            "allow_stdin": False,
            "stop_on_error": True,
        }
        msg_id = self.send("execute_request", content, {"cellId": cell_id} if cell_id else None)
        return self.wait(msg_id, timeout=timeout)

    def wait(self, msg_id: str, timeout: float = 60, shell_reply: bool = True) -> Execution:
        """Collect the shell reply and the IOPub messages of request ``msg_id`` until idle.

        The kernel publishes ``idle`` after it sends the reply, and ZeroMQ buffers IOPub
        meanwhile, so waiting for the reply first and then draining IOPub loses nothing.
        """
        deadline = time.monotonic() + timeout

        def remaining() -> float:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"kernel did not finish request {msg_id} within {timeout} s")
            return left

        reply: dict[str, Any] = {}
        while shell_reply:
            try:
                msg = self.client.get_shell_msg(timeout=remaining())
            except queue.Empty:
                continue
            if msg["parent_header"].get("msg_id") == msg_id:
                reply = msg["content"]
                break
        messages: list[dict[str, Any]] = []
        while True:
            try:
                msg = self.client.get_iopub_msg(timeout=remaining())
            except queue.Empty:
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                self.stray.append(msg)
            elif msg["msg_type"] == "status":
                if msg["content"]["execution_state"] == "idle":
                    return Execution(reply, messages)
            else:
                messages.append(msg)

    def run(self, code: str, *, cell_id: str | None = None, timeout: float = 60) -> Execution:
        """Execute a cell that must succeed; fail the test with the kernel's error otherwise."""
        result = self.execute(code, cell_id=cell_id, timeout=timeout)
        if result.status != "ok":
            error = result.error or {}
            trace = "\n".join(error.get("traceback", []))
            pytest.fail(f"cell failed: {error.get('ename')}: {error.get('evalue')}\n{code}\n{trace}")
        return result

    def evaluate(self, expression: str, timeout: float = 60) -> Any:
        """The value of a Python literal expression in the kernel, without recording a cell."""
        result = self.execute("", silent=True, user_expressions={"value": expression}, timeout=timeout)
        value = result.reply["user_expressions"]["value"]
        if value["status"] != "ok":
            raise AssertionError(f"{expression}: {value.get('ename')}: {value.get('evalue')}")
        return ast.literal_eval(value["data"]["text/plain"])

    def evaluate_json(self, expression: str, timeout: float = 60) -> Any:
        return json.loads(self.evaluate(f"__import__('json').dumps({expression})", timeout=timeout))

    # -- the record ---------------------------------------------------------------

    def record(self) -> Any:
        """``repro_nb.current_record()``: the session as a sidecar document (or ``None``)."""
        return self.evaluate_json("__import__('repro_nb').current_record()")

    def last_cell(self) -> dict[str, Any]:
        """The record of the most recently executed cell."""
        record = self.record()
        assert record is not None, "the recorder is not loaded"
        assert record["cells"], "no cell recorded yet"
        return dict(max(record["cells"], key=lambda c: c["order"]))

    def run_recorded(self, code: str, *, cell_id: str | None = None, timeout: float = 60) -> dict[str, Any]:
        """Run a cell that must succeed and return its record."""
        self.run(code, cell_id=cell_id, timeout=timeout)
        return self.last_cell()

    # -- comms --------------------------------------------------------------------

    def open_comm(self, target: str, data: dict[str, Any] | None = None, timeout: float = 30) -> tuple[str, Execution]:
        """Open a comm as a frontend would; return its id and what the kernel answered."""
        comm_id = uuid.uuid4().hex
        msg_id = self.send("comm_open", {"comm_id": comm_id, "target_name": target, "data": data or {}})
        return comm_id, self.wait(msg_id, timeout=timeout, shell_reply=False)

    def comm_send(self, comm_id: str, data: dict[str, Any], timeout: float = 30) -> Execution:
        msg_id = self.send("comm_msg", {"comm_id": comm_id, "data": data})
        return self.wait(msg_id, timeout=timeout, shell_reply=False)

    def close_comm(self, comm_id: str, timeout: float = 30) -> Execution:
        msg_id = self.send("comm_close", {"comm_id": comm_id, "data": {}})
        return self.wait(msg_id, timeout=timeout, shell_reply=False)

    # -- lifetime -----------------------------------------------------------------

    def is_alive(self) -> bool:
        return bool(self.manager.is_alive())

    def shutdown(self) -> None:
        try:
            self.client.stop_channels()
        finally:
            self.manager.shutdown_kernel(now=True)
            if self.sockets is not None:
                shutil.rmtree(self.sockets, ignore_errors=True)


def kernel_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The test process's environment, minus notebook hints, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED_ENV}
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"  # debugpy's frozen-modules warning
    env.update(extra or {})
    return env


def start_kernel(cwd: Path, env: dict[str, str] | None = None, load_ext: bool = True) -> KernelSession:
    """Start a ``python3`` kernel in ``cwd``; with ``load_ext``, run ``%load_ext repro_nb``.

    The kernel listens on Unix sockets, not TCP: picking free TCP ports and binding
    them later races with every other kernel started on the machine ("Address already
    in use" under ``pytest -n``).
    """
    from jupyter_client.manager import KernelManager

    sockets = Path(tempfile.mkdtemp(prefix="rk-"))  # short: socket paths are limited to ~100 bytes
    manager = KernelManager(kernel_name="python3", transport="ipc", ip=str(sockets / "k"))
    manager.start_kernel(cwd=str(cwd), env=kernel_env(env))
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
    except BaseException:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
        raise
    session = KernelSession(manager, client, cwd)
    session.sockets = sockets
    if load_ext:
        try:
            session.run("%load_ext repro_nb")
        except BaseException:
            session.shutdown()
            raise
    return session


KernelFactory = Callable[..., KernelSession]


def write_notebook(path: Path, cells: list[tuple[str, str]], kernel: str = "python3") -> Path:
    """Write a minimal nbformat 4.5 notebook of code cells ``(id, source)`` to ``path``."""
    nb = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": kernel, "display_name": kernel, "language": "python"},
            "language_info": {"name": "python"},
        },
        "cells": [
            {"cell_type": "code", "id": cid, "metadata": {}, "source": source, "outputs": [], "execution_count": None}
            for cid, source in cells
        ],
    }
    path.write_text(json.dumps(nb, indent=1))
    return path


# --------------------------------------------------------------------------- check results


def case(name: str, dest: Path) -> Path:
    """Copy fixture notebook ``name`` (and its ``<stem>_data/`` contents) into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / name
    shutil.copy2(FILES / name, target)
    data = FILES / f"{Path(name).stem}_data"
    if data.is_dir():
        shutil.copytree(data, dest, dirs_exist_ok=True)
    return target


def free_port() -> int:
    """A TCP port on the loopback that nothing listens on now."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_code_notebook(path: Path, sources: list[str]) -> Path:
    """A Python notebook of these code cells, unexecuted, at ``path``."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(nbformat.writes(nb))
    return path


def process_gone(pid: int) -> bool:
    """The process ended (a zombie waiting for its parent counts as ended)."""
    import psutil

    try:
        return bool(psutil.Process(pid).status() == psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return True


def recorded_case(name: str, dest: Path) -> Path:
    """Fixture notebook ``name`` run and recorded by repro-nb's engine in ``dest``, beside its
    files, as ``dest/recorded.ipynb`` (the copy that ran is removed)."""
    from repro_nb.check.run import run_notebook
    from repro_nb.format.files import write_notebook

    source = case(name, dest)
    run = run_notebook(str(source))
    assert run.ok, run.failure
    write_notebook(run.nb, dest / "recorded.ipynb")
    source.unlink()
    return dest / "recorded.ipynb"


def cells_by_id(result: Any) -> dict[str, Any]:
    """A check result's cells by their ids."""
    return {c.cell_id: c for c in result.cells if c.cell_id}


def statuses(result: Any) -> dict[str | None, str]:
    return {c.cell_id: c.status for c in result.cells}


def kinds(cell: Any) -> list[str]:
    return [c.kind for c in cell.causes]


#: The versions ``env_pins_older_six.ipynb`` is planted with (older than any installed here).
OLDER_PINS = {"six": "1.16.0", "iniconfig": "2.0.0"}


def record_with_older_pins(path: Path) -> Path:
    """``files/env_pins_older_six.ipynb`` recorded here into ``path``, then planted.

    Its record then says six 1.16.0 and iniconfig 2.0.0 and its stored output prints
    six 1.16.0: it drifts where six is newer, and reproduces where six is 1.16.0.
    """
    from importlib import metadata

    from repro_nb.check.run import run_notebook
    from repro_nb.format.files import write_notebook

    for name, version in OLDER_PINS.items():
        assert metadata.version(name) != version, f"the test needs {name} other than {version} installed here"
    run = run_notebook(str(FILES / "env_pins_older_six.ipynb"), notebook_path=str(path))
    assert run.ok, run.failure
    nb = run.nb
    nb.metadata["repro_nb"]["packages"] = {**nb.metadata["repro_nb"]["packages"], **OLDER_PINS}
    for cell in nb.cells:
        for item in cell.metadata.get("repro_nb", {}).get("imports", []):
            if item.get("distribution") in OLDER_PINS:
                item["version"] = OLDER_PINS[item["distribution"]]
    first = nb.cells[0]
    assert first.outputs[0]["text"] == f"six {metadata.version('six')}\n"
    first.outputs[0]["text"] = "six 1.16.0\n"
    write_notebook(nb, str(path))
    return path
