"""The ``repro`` papermill engine: papermill's nbclient engine plus the recorder.

Registered under the ``papermill.engine`` entry point, so ``papermill --engine repro``
works as well as ``repro-nb run``. Without editing the notebook it

* loads the recorder in the fresh kernel (a silent execution: no history, no output),
  telling it the notebook's path and cell order;
* sends each cell's nbformat id in the execute request's metadata (``cellId``, as
  JupyterLab does; papermill sends none), so records are keyed by cell;
* opens the ``repro_nb`` comm and writes each cell's record into that cell's metadata as
  it arrives, and the notebook record into the notebook metadata — so a crash or a
  timeout keeps the records of every cell that finished.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine

from ..compare.markers import must_not_run
from ..format import record as record_mod
from ..format.protocol import TARGET, WHOLE_RECORD_PROTOCOL, open_data
from ..format.protocol_messages import CellMessage
from ..format.record_types import CellRecord, NotebookRecord
from . import kernel_files
from .processes import ProcessTree, kernel_pid
from .shadows import SHADOW_MESSAGES, shadow_messages


@dataclass
class ExecutionObserver:
    """Shared with the caller of papermill: what happened, even when papermill raised.

    papermill's own ``metadata.papermill.status`` is not trustworthy after a timeout or
    a dead kernel, so the client notes which cell it started last.
    """

    notebook_path: str | None = None
    nb: Any = None
    current_index: int | None = None
    executed: list[int] = field(default_factory=list)
    records: int = 0
    record_errors: list[str] = field(default_factory=list)
    #: called with (cell index, number of cells) as each cell starts; must not raise
    on_cell_start: Callable[[int, int], None] | None = None
    #: the client ran every cell (papermill raises afterwards for any error output)
    completed: bool = False
    #: a cell raised and errors were not allowed: execution stopped there
    stopped: bool = False
    #: the last lines the kernel wrote to its stderr, kept out of the check's own output
    kernel_stderr: str = ""


def _setup_code(notebook_path: str | None, cell_ids: list[str]) -> str:
    # Runs silently in the new kernel: load the recorder and tell it what only the engine
    # knows. Loaded directly, not through IPython's extension manager, so that the
    # notebook's own `%load_ext repro_nb` stays a silent no-op instead of printing
    # "already loaded" — an output the stored notebook does not have.
    # The recorder is imported with the notebook's folder off sys.path: a repro_nb.py or
    # blake3.py there must not replace it (repro_nb.kernel.shadowing; the kernel warns).
    return (
        "def __repro_nb_setup(path, cell_ids):\n"
        "    import os, sys\n"
        "    from IPython import get_ipython\n"
        "    here = {os.getcwd(), os.path.dirname(path) if path else os.getcwd()}\n"
        "    saved = sys.path[:]\n"
        "    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) not in here]\n"
        "    try:\n"
        "        import repro_nb\n"
        "        from repro_nb.kernel.shadowing import preload_recorder_modules\n"
        "        preload_recorder_modules(here)\n"
        "        ip = get_ipython()\n"
        "        repro_nb.load_ipython_extension(ip)\n"
        "    finally:\n"
        "        sys.path[:] = saved\n"
        "    from repro_nb.kernel.registry import current_recorder\n"
        "    recorder = current_recorder(ip)\n"
        "    recorder.set_notebook_path(path)\n"
        "    recorder.set_positions(cell_ids)\n"
        f"__repro_nb_setup({json.dumps(notebook_path)}, {json.dumps(cell_ids)})\n"
        "del __repro_nb_setup\n"
    )


class RecordingClient(NotebookClient):
    """nbclient's client, playing the frontend for the recorder.

    In the new kernel it loads the recorder silently, sends each cell's id with its
    execute request and stores each cell's record, as it arrives over the ``repro_nb``
    comm, into the notebook it executes. :class:`ReproNotebookClient` is this on top of
    papermill's client; on its own it runs cells in any order (``setup_kernel`` and
    ``execute_cell``), e.g. to replay an author's out-of-order session.
    """

    def __init__(
        self,
        *args: Any,
        observer: ExecutionObserver | None = None,
        kernel_env: dict[str, str] | None = None,
        **kw: Any,
    ) -> None:
        super().__init__(*args, **kw)
        self.observer = observer or ExecutionObserver()
        #: variables added to the kernel's environment (``REPRO_NB_SEED`` for ``repro-nb seeds``)
        self.kernel_env = dict(kernel_env or {})
        self.observer.nb = self.nb
        self._comm_id = uuid.uuid4().hex
        self._executing_cell_id: str | None = None
        self._ipc_dir: str | None = None
        self._kernel_stderr: Any = None
        self._processes = ProcessTree()  # the kernel and all it starts end with the run

    def create_kernel_manager(self) -> Any:
        km = super().create_kernel_manager()
        self._ipc_dir = use_ipc(km)
        return km

    async def async_start_new_kernel(self, **kwargs: Any) -> None:
        # The kernel's stderr ("KeyboardInterrupt caught in kernel", "No handler found for
        # comm target", debugger warnings) is not the check's output: it goes to an
        # anonymous file, and is shown only where it explains a failure.
        if "stderr" not in kwargs:
            self._kernel_stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed in cleanup
            kwargs["stderr"] = self._kernel_stderr
        if self.kernel_env:
            kwargs["env"] = {**os.environ, **kwargs.get("env", {}), **self.kernel_env}
        await super().async_start_new_kernel(**kwargs)

    start_new_kernel = run_sync(async_start_new_kernel)

    async def _async_cleanup_kernel(self) -> None:
        self._processes.sample()
        try:
            await super()._async_cleanup_kernel()
        finally:
            self._processes.end()
            remove_ipc_dir(self._ipc_dir)
            self._ipc_dir = None
            self.observer.kernel_stderr = _tail(self._kernel_stderr)
            self._kernel_stderr = None

    # nbclient binds the synchronous twin to its own coroutine at class creation
    _cleanup_kernel = run_sync(_async_cleanup_kernel)

    async def async_start_new_kernel_client(self) -> Any:
        kc = await super().async_start_new_kernel_client()
        self._processes.watch(kernel_pid(self.km))
        self._install_cell_id_sender(kc)
        cell_ids = [c.get("id") or "" for c in self.nb.cells]
        reply = await self.async_wait_for_reply(
            kc.execute(
                _setup_code(self.observer.notebook_path, cell_ids),
                silent=True,
                user_expressions={"shadows": SHADOW_MESSAGES},
            )
        )
        content = (reply or {}).get("content", {})
        if content.get("status") != "ok":
            self.observer.record_errors.append(
                f"the recorder could not be loaded in the kernel: {content.get('ename')}: {content.get('evalue')}"
            )
            return kc
        self.observer.record_errors.extend(shadow_messages(content))
        open_msg = kc.session.msg(
            "comm_open",
            {"comm_id": self._comm_id, "target_name": TARGET, "data": open_data(protocol=WHOLE_RECORD_PROTOCOL)},
        )
        kc.shell_channel.send(open_msg)
        return kc

    start_new_kernel_client = run_sync(async_start_new_kernel_client)

    def _install_cell_id_sender(self, kc: Any) -> None:
        """Make this client's execute requests carry ``metadata.cellId``, as JupyterLab's do."""
        client = self

        def execute(
            code: str,
            silent: bool = False,
            store_history: bool = True,
            user_expressions: dict[str, Any] | None = None,
            allow_stdin: bool | None = None,
            stop_on_error: bool = True,
        ) -> str:
            content = {
                "code": code,
                "silent": silent,
                "store_history": store_history,
                "user_expressions": user_expressions or {},
                "allow_stdin": kc.allow_stdin if allow_stdin is None else allow_stdin,
                "stop_on_error": stop_on_error,
            }
            metadata = {"cellId": client._executing_cell_id} if client._executing_cell_id and not silent else {}
            msg = kc.session.msg("execute_request", content, metadata=metadata)
            kc.shell_channel.send(msg)
            return str(msg["header"]["msg_id"])

        kc.execute = execute

    async def async_execute_cell(
        self, cell: Any, cell_index: int, execution_count: int | None = None, store_history: bool = True
    ) -> Any:
        if cell.get("cell_type") == "code" and must_not_run(cell):
            return cell  # nbval's NBVAL_SKIP / nbval-skip: not even executed
        self.observer.current_index = cell_index
        if self.observer.on_cell_start is not None:
            with contextlib.suppress(Exception):  # progress reporting must not stop a run
                self.observer.on_cell_start(cell_index, len(self.nb.cells))
        self._executing_cell_id = cell.get("id")
        try:
            result = await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        except CellExecutionError:
            # papermill's client catches this and stops quietly: remember that it did
            self.observer.stopped = True
            raise
        finally:
            self._executing_cell_id = None
            self._processes.sample()
        if cell.cell_type == "code" and cell.source.strip():
            self.observer.executed.append(cell_index)
        return result

    # nbclient binds the sync wrapper to its own coroutine at class creation; rebind.
    execute_cell = run_sync(async_execute_cell)

    def handle_comm_msg(self, outs: list[Any], msg: dict[str, Any], cell_index: int) -> None:
        content = msg.get("content", {})
        if content.get("comm_id") == self._comm_id:
            self._on_record(content.get("data") or {}, cell_index)
            return
        super().handle_comm_msg(outs, msg, cell_index)

    def _on_record(self, data: dict[str, Any], cell_index: int) -> None:
        if data.get("type") != "cell":
            return
        try:
            message: CellMessage = data  # type: ignore[assignment]  # validated by embed
            cell_record: CellRecord = {**message["cell"], "position": cell_index}
            notebook_record: NotebookRecord = {**message["notebook"]}
            notebook_record["recorder"] = {**notebook_record["recorder"], "channel": "engine"}
            record_mod.embed(self.nb, notebook_record, {cell_index: cell_record})
            self.observer.records += 1
        except Exception as exc:  # noqa: BLE001 - a bad record must not stop the run
            self.observer.record_errors.append(f"cell {cell_index + 1}: record not stored: {exc}")


class ReproNotebookClient(RecordingClient, PapermillNotebookClient):  # type: ignore[misc]  # papermill is untyped
    """papermill's client (``nb_man``, progress, output logging), recording each cell."""


class ReproEngine(NBClientEngine):  # type: ignore[misc]  # papermill is untyped
    """papermill engine ``repro``: :class:`ReproNotebookClient` instead of papermill's client."""

    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man: Any,
        kernel_name: str,
        log_output: bool = False,
        stdout_file: Any = None,
        stderr_file: Any = None,
        start_timeout: int = 60,
        execution_timeout: int | None = None,
        **kwargs: Any,
    ) -> Any:
        observer: ExecutionObserver = kwargs.pop("repro_observer", None) or ExecutionObserver()
        kernel_env: dict[str, str] | None = kwargs.pop("repro_kernel_env", None)
        input_path = kwargs.pop("input_path", None)
        if observer.notebook_path is None and isinstance(input_path, str):
            observer.notebook_path = input_path
        kwargs.pop("timeout", None)
        kwargs.pop("startup_timeout", None)
        client = ReproNotebookClient(
            nb_man,
            observer=observer,
            kernel_env=kernel_env,
            timeout=execution_timeout if execution_timeout else None,
            startup_timeout=start_timeout,
            kernel_name=kernel_name,
            log=_logger(),
            log_output=log_output,
            stdout_file=stdout_file,
            stderr_file=stderr_file,
            **kwargs,
        )
        nb = client.execute()
        observer.completed = not observer.stopped
        return nb


#: Kernel stderr lines kept to explain a failure.
_STDERR_LINES = 20


def _tail(handle: Any) -> str:
    """The last lines written to a kernel's stderr file, which is closed (and so deleted)."""
    if handle is None:
        return ""
    try:
        handle.seek(0)
        text = handle.read().decode("utf-8", "replace")
    except (OSError, ValueError):
        text = ""
    finally:
        with contextlib.suppress(OSError):
            handle.close()
    return "\n".join(text.strip().splitlines()[-_STDERR_LINES:])


# ------------------------------------------------------------------ kernel sockets
#
# Kernels started by repro-nb talk over Unix sockets, not TCP. A TCP kernel picks free
# ports and binds them later, which races with every other kernel started at the same
# time (``--jobs N``, a CI machine) and makes ipykernel ≥ 7 print "Kernel is running
# over TCP without encryption" into every check's output. A kernel on the same machine
# needs neither: IPC sockets in a private directory are reachable by this user only.
# Windows has no IPC transport and keeps TCP.
def use_ipc(manager: Any) -> str | None:
    """Switch a not-yet-started kernel manager to IPC; return the directory to remove after.

    ``None`` when the manager stays as it is (Windows, already started, or not on TCP).
    The directory name is short on purpose: socket paths are limited to ~100 bytes.
    """
    if os.name != "posix" or getattr(manager, "transport", None) != "tcp" or manager.has_kernel:
        return None
    directory = kernel_files.make_dir()
    manager.transport = "ipc"
    manager.ip = os.path.join(directory, "k")
    manager.connection_file = os.path.join(directory, "kernel.json")  # with the sockets, removed with them
    return directory


def remove_ipc_dir(directory: str | None) -> None:
    kernel_files.remove(directory)


def _logger() -> Any:
    from papermill.log import logger

    return logger
