"""The data files of a notebook as they are on disk now, against the hashes its record holds.

The record says what a file's content was when the notebook read it; the panel's data
badges must say what it is *now* — "unchanged" for a file edited on disk since is a lie
— and not only after a check. The panel asks (``POST /repro-nb/data``) when the notebook
gains focus or is saved, with the paths and hashes of its record; this module answers
for each file: ``unchanged``, ``changed``, ``missing``, or ``unknown`` (outside the server
root, hidden, not a regular file, too large to hash, or a hash algorithm not available
here), with its size and modification time, so the panel can also tell a check result
made before the file changed ("outdated").

Hashing uses the recorder's own :class:`~repro_nb.format.hashing.FileHasher` with the
algorithm of the recorded hash; one hasher per algorithm lives as long as the server,
so a file is read again only when its (device, inode, size, mtime) changed.
"""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from ..format.hashing import FileHasher, available_algorithms

__all__ = ["MAX_FILES", "MAX_HASH_BYTES", "DataStates"]

#: Files one request may ask about.
MAX_FILES = 500
#: Larger files are not hashed on focus: their state is ``unknown`` unless size or presence says more.
MAX_HASH_BYTES = 2 << 30


class DataStates:
    """Answers ``POST /repro-nb/data``; one per server (it keeps the hashers' caches)."""

    def __init__(self, root_dir: str, *, allow_hidden: bool = False) -> None:
        self.root = os.path.realpath(root_dir)
        self.allow_hidden = allow_hidden
        self._hashers: dict[str, FileHasher] = {}
        self._lock = threading.Lock()

    def states(self, notebook_real_path: str, files: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """The state of each ``{"path", "hash"}`` (paths as the record has them: relative to the notebook)."""
        base = os.path.dirname(notebook_real_path)
        return [self._state(base, item) for item in files[:MAX_FILES]]

    def _state(self, base: str, item: Mapping[str, Any]) -> dict[str, Any]:
        path = str(item.get("path", ""))
        recorded = item.get("hash") if isinstance(item.get("hash"), str) else None
        answer: dict[str, Any] = {"path": path, "state": "unknown", "hash": None, "size": None, "modified_at": None}
        target = self._inside_root(base, path)
        if target is None:
            answer["reason"] = "outside the server root"
            return answer
        try:
            info = os.stat(target)
        except FileNotFoundError:
            answer["state"] = "missing"
            return answer
        except OSError as exc:
            answer["reason"] = exc.strerror or str(exc)
            return answer
        answer["size"] = info.st_size
        answer["modified_at"] = _iso(info.st_mtime)
        if not stat.S_ISREG(info.st_mode):
            answer["reason"] = "not a regular file"
            return answer
        size = item.get("size")
        if isinstance(size, int) and size != info.st_size:
            answer["state"] = "changed"
            return answer
        if recorded is None or info.st_size > MAX_HASH_BYTES:
            answer["reason"] = "no recorded hash" if recorded is None else "too large to hash on focus"
            return answer
        hasher = self._hasher(recorded.partition(":")[0])
        if hasher is None:
            answer["reason"] = f"hash algorithm {recorded.partition(':')[0]!r} is not available here"
            return answer
        digest = hasher.hash_file(target, info)
        if digest.hash is None:
            answer["reason"] = digest.error or digest.status
            return answer
        answer["hash"] = digest.hash
        answer["state"] = "unchanged" if digest.hash == recorded else "changed"
        return answer

    def _inside_root(self, base: str, path: str) -> str | None:
        """The file ``path`` names, resolved, if it is inside the root (and not hidden); else ``None``."""
        if not path or "\x00" in path:
            return None
        if path.startswith("~"):
            return None  # the user's home: not the server's to read
        candidate = path if os.path.isabs(path) else os.path.join(base, *path.split("/"))
        resolved = os.path.realpath(candidate)
        if resolved != self.root and not resolved.startswith(self.root + os.sep):
            return None
        relative = os.path.relpath(resolved, self.root)
        if not self.allow_hidden and any(part.startswith(".") for part in relative.split(os.sep)):
            return None
        return resolved

    def _hasher(self, algorithm: str) -> FileHasher | None:
        if algorithm not in available_algorithms():
            return None
        with self._lock:
            hasher = self._hashers.get(algorithm)
            if hasher is None:
                hasher = self._hashers[algorithm] = FileHasher(algorithm, max_bytes=MAX_HASH_BYTES, use_mmap=False)
            return hasher


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
