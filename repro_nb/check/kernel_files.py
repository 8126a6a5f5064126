"""The files of a kernel the checker starts: one private directory, removed on every exit path.

A kernel needs its sockets (IPC, see :func:`repro_nb.check.engine.use_ipc`) and a
connection file. jupyter_client puts the connection file in the runtime directory or
``$TMPDIR`` under a random name, apart from the sockets, and removes it only when the
kernel is shut down in order — a CLI that is terminated or killed left both behind. So
both go into one directory, ``$TMPDIR/rnb-PID-XXXXXXXX`` (mode 0700, ``PID`` the
checker's process id):

- a normal end, an error, a timeout: the engine removes it when it cleans up the kernel;
- SIGTERM / SIGHUP / Ctrl-C of the CLI: :func:`remove_all` from the termination handler;
- SIGKILL (nothing runs): the next checker that makes such a directory removes those
  whose process is gone (:func:`repro_nb.format.stale.sweep_dead_owned`).
"""

from __future__ import annotations

import os
import shutil
import tempfile

from ..format.stale import sweep_dead_owned

__all__ = ["PREFIX", "make_dir", "remove", "remove_all"]

PREFIX = "rnb"
_LIVE: set[str] = set()  # this process's directories not yet removed


def make_dir() -> str:
    """A new private directory for one kernel's files (and the dead checkers' ones swept)."""
    sweep_dead_owned(tempfile.gettempdir(), PREFIX)
    # Short on purpose: socket paths are limited to ~100 bytes.
    directory = tempfile.mkdtemp(prefix=f"{PREFIX}-{os.getpid()}-")
    _LIVE.add(directory)
    return directory


def remove(directory: str | None) -> None:
    if directory:
        shutil.rmtree(directory, ignore_errors=True)
        _LIVE.discard(directory)


def remove_all() -> None:
    """Remove every directory this process made and has not removed yet (termination)."""
    for directory in list(_LIVE):
        remove(directory)
