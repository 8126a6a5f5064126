"""Writing what ``repro-nb run`` produced without losing anything that was there.

``run --in-place`` overwrites the notebook it ran, and a run takes minutes. Three ways
that lost work, each closed here:

- the user saved the notebook from Jupyter while the run went on: the run's write
  discarded the save. The notebook's content is taken when the run starts (from the
  locked file) and compared again just before the atomic replace; if it changed, the
  notebook is left as the user saved it and the run's result goes beside it
  (``NAME.executed.ipynb``), with a message saying so;
- the run stopped early (a dead kernel, a timeout, an error): papermill had cleared the
  outputs of every cell, so those of the cells that never ran were wiped. They are put
  back as stored, and the record says which cells were not re-run (warnings of kind
  ``not-rerun``) — for ``-o`` as well, so a partial result never has fewer outputs than
  its input;
- two runs of one notebook at once: the last writer won without a word. An in-place run
  holds an exclusive ``flock`` on the notebook from start to write; a second one is
  refused at once (:class:`~repro_nb.errors.NotebookBusyError`). The lock is advisory —
  Jupyter does not take it, which is what the content check is for — and the kernel
  drops it when the process dies, so no stale lock outlives a crash.
"""

from __future__ import annotations

import copy
import hashlib
import os
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any

from ..errors import NotebookBusyError, NotebookChangedError
from ..format.files import atomic_write_text, parse_notebook, read_errors

if TYPE_CHECKING:
    import nbformat

    from .run import RunResult

try:  # POSIX; elsewhere the content check alone guards the write
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["RunTarget", "Written", "keep_unrun_outputs"]

#: papermill's tag for the cell it injects with ``-p``: new in every run, stored by none.
INJECTED_TAG = "injected-parameters"


@dataclass(frozen=True)
class _Snapshot:
    """The notebook file as the run read it: enough to tell whether it changed since."""

    device: int
    inode: int
    size: int
    mtime_ns: int
    sha256: str


@dataclass(frozen=True)
class Written:
    """Where the result went, and why not where it was asked to go (``reason``)."""

    path: str
    reason: str | None = None


@dataclass
class RunTarget:
    """The notebook ``repro-nb run`` reads, and where its result is written.

    Use as a context manager: in place, the notebook stays locked until the result is
    written (or the run failed), so that no other in-place run interleaves.
    """

    notebook_path: str
    output_path: str
    in_place: bool
    notebook: nbformat.NotebookNode | None = None
    _fd: int | None = field(default=None, repr=False)
    _snapshot: _Snapshot | None = field(default=None, repr=False)

    @classmethod
    def open(cls, notebook_path: str, output_path: str, *, in_place: bool) -> RunTarget:
        """Read the notebook (locked and remembered, in place); raise a ReproError if it cannot be."""
        target = cls(notebook_path, output_path, in_place)
        if not in_place:
            from ..format.files import read_notebook

            target.notebook = read_notebook(notebook_path)
            return target
        with read_errors(notebook_path):
            target._fd = os.open(notebook_path, os.O_RDONLY)
        try:
            target._lock()
            data, target._snapshot = _read_fd(target._fd)
            target.notebook = parse_notebook(data, notebook_path)
        except BaseException:
            target.close()
            raise
        return target

    def __enter__(self) -> RunTarget:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # releases the lock
            self._fd = None

    def _lock(self) -> None:
        if fcntl is None or self._fd is None:
            return
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise NotebookBusyError(self.notebook_path) from None
        except OSError:  # a file system without locks (some network mounts): the content check remains
            pass

    # -- writing ------------------------------------------------------------------

    def write(self, result: RunResult) -> Written:
        """Write the run's notebook: stored outputs of cells that did not run kept, nothing overwritten that changed."""
        import nbformat

        assert self.notebook is not None, "open() reads the notebook first"
        keep_unrun_outputs(self.notebook, result)
        text = nbformat.writes(result.nb, version=4) + "\n"
        if not self.in_place:
            atomic_write_text(self.output_path, text)
            return Written(self.output_path)
        try:
            atomic_write_text(self.output_path, text, before_replace=self._unchanged)
        except NotebookChangedError as changed:
            beside = _beside(self.notebook_path)
            atomic_write_text(beside, text)
            return Written(beside, reason=changed.reason)
        return Written(self.output_path)

    def _unchanged(self) -> None:
        """Raise :class:`NotebookChangedError` if the notebook is not what the run read."""
        snapshot = self._snapshot
        if snapshot is None:
            return
        try:
            now = os.stat(self.notebook_path)
        except FileNotFoundError:
            raise NotebookChangedError(self.notebook_path, "it was deleted or renamed") from None
        same_file = (now.st_dev, now.st_ino, now.st_size, now.st_mtime_ns) == (
            snapshot.device,
            snapshot.inode,
            snapshot.size,
            snapshot.mtime_ns,
        )
        if same_file:
            return
        # Touched, or replaced by a copy of itself: only a different content is a change.
        try:
            fd = os.open(self.notebook_path, os.O_RDONLY)
        except OSError as exc:
            raise NotebookChangedError(self.notebook_path, f"it cannot be read any more: {exc.strerror}") from None
        try:
            _, current = _read_fd(fd)
        finally:
            os.close(fd)
        if current.sha256 != snapshot.sha256:
            raise NotebookChangedError(self.notebook_path, "it was saved by someone else meanwhile")


def _read_fd(fd: int) -> tuple[bytes, _Snapshot]:
    """The whole file behind ``fd`` and its identity, read through the descriptor."""
    before = os.fstat(fd)
    chunks = []
    while True:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
    data = b"".join(chunks)
    snapshot = _Snapshot(
        before.st_dev, before.st_ino, before.st_size, before.st_mtime_ns, hashlib.sha256(data).hexdigest()
    )
    return data, snapshot


def _beside(notebook_path: str) -> str:
    """``NAME.executed.ipynb`` beside the notebook, or ``NAME.executed-2.ipynb``, … if taken."""
    stem = os.path.splitext(notebook_path)[0]
    candidate = f"{stem}.executed.ipynb"
    number = 2
    while os.path.exists(candidate):
        candidate = f"{stem}.executed-{number}.ipynb"
        number += 1
    return candidate


# ----------------------------------------------------------------- cells that did not run


def keep_unrun_outputs(stored: Any, result: RunResult) -> list[int]:
    """Put back the stored outputs of the cells a stopped run never reached; return their indexes.

    papermill clears every output when it starts, so after a failure in cell *k* the
    cells after *k* are empty. Each gets its stored outputs and execution count back and
    a ``not-rerun`` warning in the notebook record, so nobody takes them for this run's.
    The cells are matched by id, or by position for notebooks without ids (papermill's
    injected-parameters cell left out on both sides).
    """
    failure = result.failure
    if failure is None:
        return []
    executed = result.nb
    stopped_at = failure.cell_index if failure.cell_index is not None else -1
    originals = _stored_cells_by_executed_index(stored, executed)
    kept = []
    for index, cell in enumerate(executed.cells):
        if index <= stopped_at or cell.get("cell_type") != "code" or not "".join(cell.get("source", "")).strip():
            continue
        original = originals.get(index)
        if original is None:
            continue
        cell["outputs"] = copy.deepcopy(original.get("outputs", []))  # NotebookNodes, as nbformat writes them
        cell["execution_count"] = original.get("execution_count")
        papermill = cell.get("metadata", {}).get("papermill")
        if isinstance(papermill, dict):  # papermill calls every cell "completed" at the end, run or not
            papermill["status"] = "pending"
        kept.append(index)
    _mark_not_rerun(executed, kept, result)
    return kept


def _stored_cells_by_executed_index(stored: Any, executed: Any) -> dict[int, Any]:
    def injected(cell: Any) -> bool:
        return INJECTED_TAG in cell.get("metadata", {}).get("tags", [])

    stored_cells = [c for c in stored.cells if not injected(c)]
    by_id = {c.get("id"): c for c in stored_cells if c.get("id")}
    ids_usable = len(by_id) == len(stored_cells)
    found: dict[int, Any] = {}
    position = 0
    for index, cell in enumerate(executed.cells):
        if injected(cell):
            continue
        if ids_usable and cell.get("id") in by_id:
            found[index] = by_id[cell.get("id")]
        elif not ids_usable and position < len(stored_cells):
            found[index] = stored_cells[position]
        position += 1
    return found


def _mark_not_rerun(executed: Any, kept: list[int], result: RunResult) -> None:
    record = executed.metadata.get("repro_nb")
    failure = result.failure
    if not kept or not isinstance(record, dict) or failure is None:
        return
    where = f"cell {failure.cell_index + 1}" if failure.cell_index is not None else "kernel start-up"
    warnings = record.setdefault("warnings", [])
    for index in kept:
        cell = executed.cells[index]
        warnings.append(
            {
                "kind": "not-rerun",
                "cell_id": cell.get("id") or None,
                "execution_count": cell.get("execution_count"),
                "message": (
                    f"cell {index + 1} was not re-run: execution stopped at {where} ({failure.kind}); "
                    "its outputs are those stored before this run"
                ),
            }
        )
