"""Atomic file writes and safe notebook reading.

A crash or a full disk half-way through a write must leave the previous file intact, so
every write goes to a temporary file in the same directory, is flushed and fsync'ed, and
then replaces the target with :func:`os.replace` (atomic on POSIX and Windows). The
temporary file is named after the writing process, so that one a killed writer left is
removed by the next write of the same file (:mod:`.stale`).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import NotebookReadError, NotebookWriteError
from .notebook_shape import shape_fault
from .stale import sweep_stale_temp_files, temp_prefix

if TYPE_CHECKING:
    import nbformat

# nbformat is imported inside the notebook functions: this module also serves the
# in-kernel recorder (sidecars, caches), where importing nbformat and jsonschema would
# cost seconds on the first use.


def atomic_write_text(
    path: str | os.PathLike[str], text: str, *, before_replace: Callable[[], None] | None = None
) -> None:
    """Write ``text`` to ``path`` atomically (UTF-8), keeping the file's permissions.

    ``before_replace`` runs when the new content is safely on disk, just before it
    replaces the target: the last moment to refuse (it raises), e.g. because someone
    else changed the target meanwhile. The previous file is then left untouched.
    """
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    sweep_stale_temp_files(target)
    try:
        mode = target.stat().st_mode & 0o777 if target.exists() else None
        fd, tmp = tempfile.mkstemp(prefix=temp_prefix(target.name), suffix=".tmp", dir=directory)
    except OSError as exc:
        raise NotebookWriteError(str(target), exc.strerror or str(exc)) from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        if before_replace is not None:
            before_replace()
        os.replace(tmp, target)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise NotebookWriteError(str(target), exc.strerror or str(exc)) from exc
        raise


def atomic_write_json(path: str | os.PathLike[str], data: Any) -> None:
    atomic_write_text(path, json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n")


def read_notebook(path: str | os.PathLike[str]) -> nbformat.NotebookNode:
    """Read a notebook as nbformat 4, with a specific error for every way it can fail."""
    p = str(path)
    with read_errors(p), open(p, encoding="utf-8") as handle:
        text = handle.read()
    return parse_notebook(text, p)


@contextlib.contextmanager
def read_errors(path: str) -> Iterator[None]:
    """Opening or reading ``path`` as a notebook: each way it fails as a :class:`NotebookReadError`."""
    try:
        yield
    except FileNotFoundError as exc:
        raise NotebookReadError(path, "no such file") from exc
    except IsADirectoryError as exc:
        raise NotebookReadError(path, "is a directory") from exc
    except UnicodeDecodeError as exc:
        raise NotebookReadError(path, "not UTF-8 text") from exc
    except OSError as exc:
        raise NotebookReadError(path, exc.strerror or str(exc)) from exc


def parse_notebook(content: str | bytes, path: str) -> nbformat.NotebookNode:
    """A notebook from its content, read elsewhere (a locked file, a descriptor the
    server opened): the same checks and messages as :func:`read_notebook`, naming ``path``."""
    import nbformat
    from nbformat.reader import NotJSONError

    p = path
    if isinstance(content, bytes):
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise NotebookReadError(p, "not UTF-8 text") from exc
    else:
        text = content
    if not text.strip():
        raise NotebookReadError(p, "the file is empty")
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotebookReadError(p, f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from exc
    if not isinstance(raw, dict) or ("cells" not in raw and "worksheets" not in raw):
        raise NotebookReadError(p, "not a Jupyter notebook (no 'cells')")
    major = raw.get("nbformat")
    if major != 4:
        raise NotebookReadError(
            p,
            f"nbformat {major} is not supported; convert it with `jupyter nbconvert --to notebook --nbformat 4`",
        )
    fault = shape_fault(raw)
    if fault is not None:
        raise NotebookReadError(p, f"malformed notebook: {fault}")
    try:
        nb: nbformat.NotebookNode = nbformat.reads(text, as_version=4)
    except (NotJSONError, ValueError, KeyError, TypeError) as exc:
        raise NotebookReadError(p, f"malformed notebook: {exc}") from exc
    except Exception as exc:  # nbformat's ValidationError (jsonschema) and the like
        raise NotebookReadError(p, f"malformed notebook: {type(exc).__name__}: {exc}") from exc
    return nb


def write_notebook(nb: nbformat.NotebookNode, path: str | os.PathLike[str]) -> None:
    """Write a notebook atomically."""
    import nbformat

    atomic_write_text(path, nbformat.writes(nb, version=4) + "\n")
