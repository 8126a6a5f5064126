"""Scratch files of writers that died: named after their writer, swept by the next one.

An atomic write (:func:`repro_nb.format.files.atomic_write_text`) goes through a
temporary file beside its target. SIGKILL, a power cut or the OOM killer between its
creation and the final ``os.replace`` leaves it there — hidden (``.analysis.ipynb.….tmp``),
so nobody notices, forever. Each such file therefore carries the id of the process that
writes it (``.NAME.PID.RANDOM.tmp``), and the next write of the same target removes the
ones whose writer is gone. A writer that is alive — this process, or another one writing
the same file right now — is never touched. Files in the older form without a process id
(``.NAME.RANDOM.tmp``) are removed once they are an hour old: no write takes that long.

:func:`sweep_dead_owned` does the same for directories named ``PREFIX-PID-…`` (the
kernel's socket directories, the server's per-check directories).
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Iterable

__all__ = ["pid_alive", "sweep_dead_owned", "sweep_stale_temp_files", "temp_prefix"]

#: A temporary file without a process id this old (seconds) is a dead writer's.
LEGACY_AGE_S = 3600.0


def temp_prefix(name: str) -> str:
    """The prefix of this process's temporary files for target ``name``."""
    return f".{name}.{os.getpid()}."


def pid_alive(pid: int) -> bool:
    """Whether a process ``pid`` exists (signal 0 only probes; another user's counts as alive)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:  # Windows: no such process is an OSError too
        return False
    return True


def _stale(directory: str, entries: Iterable[os.DirEntry[str]], pattern: re.Pattern[str]) -> list[str]:
    found = []
    now = time.time()
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if match is None:
            continue
        pid = match.group("pid")
        if pid is not None:
            if pid_alive(int(pid)):
                continue
        else:
            try:
                if now - entry.stat(follow_symlinks=False).st_mtime < LEGACY_AGE_S:
                    continue
            except OSError:
                continue
        found.append(os.path.join(directory, entry.name))
    return found


def sweep_stale_temp_files(target: str | os.PathLike[str]) -> list[str]:
    """Remove the temporary files dead writers left for ``target``; return what was removed.

    Never raises: a directory that cannot be listed, or a file another sweeper removed
    first, leaves nothing to do.
    """
    path = os.fspath(target)
    directory = os.path.dirname(path) or "."
    name = re.escape(os.path.basename(path))
    pattern = re.compile(rf"\.{name}\.(?:(?P<pid>\d+)\.)?[A-Za-z0-9_]+\.tmp")
    removed = []
    try:
        with os.scandir(directory) as entries:
            stale = _stale(directory, (e for e in entries if e.name.startswith(".")), pattern)
    except OSError:
        return []
    for file in stale:
        with contextlib.suppress(OSError):
            os.unlink(file)
            removed.append(file)
    return removed


def sweep_dead_owned(directory: str, prefix: str) -> list[str]:
    """Remove directories ``PREFIX-PID-…`` in ``directory`` whose process ``PID`` is gone."""
    import shutil

    pattern = re.compile(rf"{re.escape(prefix)}-(?P<pid>\d+)-[A-Za-z0-9_]+")
    try:
        with os.scandir(directory) as entries:
            stale = _stale(directory, (e for e in entries if e.name.startswith(prefix)), pattern)
    except OSError:
        return []
    removed = []
    for path in stale:
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed
