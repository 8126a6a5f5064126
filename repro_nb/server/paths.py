"""Contents-API paths to files on disk, never outside the server's root directory.

The panel names a notebook the way JupyterLab does: a path relative to the server's
root, with ``/`` separators (``notebooks/iris.ipynb``). Everything the REST API reads
or executes goes through :func:`resolve_notebook`, which is the one place that decides
whether a path is acceptable:

- syntax first, without touching the disk: a NUL byte, an absolute path (``/etc``,
  ``C:\\…``) or a ``..`` component is refused with 403 — even ``a/../b.ipynb``, which
  would stay inside, because a path the server never produces is not worth guessing at;
- then what the path *resolves to*: a symlink (anywhere along the path) whose target
  leaves the root is refused with 403, exactly like a ``..`` escape;
- hidden files are invisible unless the contents manager allows them, as in the
  Contents API (404, so their existence does not leak);
- the file must exist (404) and be a ``.ipynb`` file (400).

This module knows nothing of tornado; the handlers turn :class:`PathRefused` into an
HTTP error.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

__all__ = ["NotebookLocation", "PathRefused", "normalize_api_path", "resolve_notebook"]

_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:")


class PathRefused(Exception):
    """A path the API will not serve; carries the HTTP status and the error's reason code."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.message = message


def _outside(path: str, why: str) -> PathRefused:
    return PathRefused(403, "outside-root", f"{path!r} is outside the server's root directory ({why})")


def normalize_api_path(path: object) -> str:
    """Check a Contents-API path's syntax and return it in canonical form.

    ``./a//b.ipynb`` becomes ``a/b.ipynb``; anything that could name a file outside the
    root is refused before the disk is consulted.
    """
    if not isinstance(path, str) or not path:
        raise PathRefused(400, "bad-request", "a notebook path is required")
    if "\0" in path:
        raise _outside(path.replace("\0", "\\0"), "it contains a NUL byte")
    if path.startswith(("/", "\\")) or _WINDOWS_DRIVE.match(path):
        raise _outside(path, "absolute paths are not accepted; give a path relative to the root")
    separators = "/" if os.sep == "/" else "/" + os.sep + (os.altsep or "")
    parts = [part for part in re.split(f"[{re.escape(separators)}]", path) if part not in ("", ".")]
    if ".." in parts:
        raise _outside(path, "'..' is not accepted in a path")
    if not parts:
        raise PathRefused(400, "bad-request", "a notebook path is required")
    return "/".join(parts)


@dataclass(frozen=True)
class NotebookLocation:
    """Where a notebook named by the API lives on disk."""

    api_path: str
    """Canonical Contents-API path (what responses report)."""
    os_path: str
    """The root joined with the API path, symlinks not resolved: what the check runs, so
    relative data paths behave as they do for the user."""
    real_path: str
    """The file itself, symlinks resolved: the identity of the notebook (one running
    check per notebook, whatever path named it)."""


def resolve_notebook(root_dir: str, path: object, *, allow_hidden: bool = False) -> NotebookLocation:
    """Resolve an API path to an existing notebook inside ``root_dir``, or raise :class:`PathRefused`."""
    api_path = normalize_api_path(path)
    parts = api_path.split("/")
    if not parts[-1].lower().endswith(".ipynb"):
        raise PathRefused(400, "not-a-notebook", f"{api_path} is not a notebook (a .ipynb file is expected)")
    root_real = os.path.realpath(root_dir)
    os_path = os.path.join(root_dir, *parts)
    real_path = os.path.realpath(os_path)
    if os.path.commonpath([root_real, real_path]) != root_real:
        raise _outside(api_path, "it is a symbolic link to a file outside the root")
    if not allow_hidden and any(part.startswith(".") for part in parts):
        raise PathRefused(404, "not-found", f"no notebook at {api_path}")
    if not os.path.exists(real_path):
        raise PathRefused(404, "not-found", f"no notebook at {api_path}")
    if not os.path.isfile(real_path):
        raise PathRefused(400, "not-a-notebook", f"{api_path} is not a file")
    return NotebookLocation(api_path=api_path, os_path=os_path, real_path=real_path)
