"""The notebook a check runs, opened once and judged by what was opened, not by its name.

Checking a path and opening it later is a race: replace the notebook with a symlink to
a notebook outside the root in between, and the checker executes the outside one. So the
server opens the file *once*, when the request arrives, and decides on the open
descriptor: it must be a regular file, and the path the kernel says the descriptor
refers to (``/proc/self/fd/N`` on Linux, ``F_GETPATH`` on macOS; elsewhere the device
and inode must be those of the resolved path) must lie inside the root. The checker is
then handed the descriptor itself (inherited, ``--notebook-fd``) and never opens the
notebook by name. The notebook's sidecar record (``NAME.repro.json``), if there is one,
is opened and judged the same way.

Only the content is pinned so: the kernel still runs in the notebook's folder, by path,
so that the notebook's relative data paths mean what they mean for the user.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from dataclasses import dataclass, field

from ..format.record import sidecar_path
from .paths import NotebookLocation, PathRefused

__all__ = ["OpenedNotebook", "open_notebook", "read_opened"]

#: Read in pieces of this size (``os.pread``: the descriptor's offset is left alone).
_CHUNK = 1 << 20

_F_GETPATH = 50  # macOS fcntl


@dataclass
class OpenedNotebook:
    """A notebook (and its sidecar) open for reading, verified inside the root."""

    location: NotebookLocation
    fd: int
    sidecar_fd: int | None = None
    real_path: str = ""
    """Where the opened file really is: the notebook's identity (one check per file)."""
    _closed: bool = field(default=False, repr=False)

    def fds(self) -> tuple[int, ...]:
        return (self.fd,) if self.sidecar_fd is None else (self.fd, self.sidecar_fd)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            for fd in self.fds():
                with contextlib.suppress(OSError):
                    os.close(fd)


def _path_of(fd: int, expected: str) -> str | None:
    """The real path of the file behind ``fd`` (``None``: the descriptor is not that file)."""
    if sys.platform.startswith("linux") and os.path.isdir("/proc/self/fd"):
        return os.path.realpath(f"/proc/self/fd/{fd}")
    if sys.platform == "darwin":
        import fcntl

        with contextlib.suppress(OSError):
            raw = fcntl.fcntl(fd, _F_GETPATH, b"\0" * 1024)
            return os.path.realpath(os.fsdecode(raw.split(b"\0", 1)[0]))
    # elsewhere: the descriptor must be the very file the resolved path names
    try:
        opened, named = os.fstat(fd), os.stat(expected)
    except OSError:
        return None
    return expected if (opened.st_dev, opened.st_ino) == (named.st_dev, named.st_ino) else None


def _inside(path: str, root_real: str) -> bool:
    return os.path.commonpath([root_real, path]) == root_real


def _open_verified(path: str, root_real: str, what: str, api_path: str) -> tuple[int, str]:
    """Open ``path`` read-only; refuse (and close) unless it is a regular file inside the root."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)  # a FIFO must not hang us
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise PathRefused(404, "not-found", f"no notebook at {api_path}") from None
    except OSError as exc:
        raise PathRefused(403, "forbidden", f"cannot open {what} of {api_path}: {exc.strerror}") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise PathRefused(400, "not-a-notebook", f"{api_path}: the {what} is not a regular file")
        real = _path_of(fd, os.path.realpath(path))
        if real is None or not _inside(real, root_real):
            raise PathRefused(
                403,
                "outside-root",
                f"{api_path!r} is outside the server's root directory (the {what} opened is a file outside the root)",
            )
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        os.set_inheritable(fd, False)  # inherited by the checker only, through pass_fds
    except BaseException:
        os.close(fd)
        raise
    return fd, real


def open_notebook(root_dir: str, location: NotebookLocation) -> OpenedNotebook:
    """Open a resolved notebook and its sidecar, verified by descriptor; raise :class:`PathRefused`."""
    root_real = os.path.realpath(root_dir)
    fd, real = _open_verified(location.os_path, root_real, "notebook", location.api_path)
    opened = OpenedNotebook(location, fd, real_path=real)
    sidecar = sidecar_path(location.os_path)
    if os.path.lexists(sidecar):
        try:
            opened.sidecar_fd, _ = _open_verified(sidecar, root_real, "record (sidecar)", location.api_path)
        except PathRefused as refused:
            if refused.status != 404:  # 404: removed meanwhile, so there is no sidecar
                opened.close()
                raise
    return opened


def read_opened(opened: OpenedNotebook) -> tuple[bytes, bytes | None]:
    """The content of the opened notebook and of its sidecar (``None``: there is none)."""
    return _read_all(opened.fd), (_read_all(opened.sidecar_fd) if opened.sidecar_fd is not None else None)


def _read_all(fd: int) -> bytes:
    parts, offset = [], 0
    while chunk := os.pread(fd, _CHUNK, offset):
        parts.append(chunk)
        offset += len(chunk)
    return b"".join(parts)
