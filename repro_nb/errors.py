"""One error hierarchy for repro-nb.

Surfaces (CLI, pytest plugin, magics, server) catch :class:`ReproError` once and map it
to an exit code, a test failure, a ``UsageError`` or an HTTP status. Each subclass says
what went wrong in terms the user can act on.
"""

from __future__ import annotations


class ReproError(Exception):
    """Base class for every error repro-nb raises on purpose."""

    exit_code = 2


class RecordError(ReproError):
    """A record is invalid, from a newer schema, or cannot be read/written."""


class NotebookReadError(ReproError):
    """A notebook cannot be read: missing, not JSON, not nbformat 4, unreadable."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"cannot read notebook {path}: {reason}")
        self.path = path
        self.reason = reason


class NotebookWriteError(ReproError):
    """A notebook or record cannot be written (read-only directory, disk full)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"cannot write {path}: {reason}")
        self.path = path
        self.reason = reason


class KernelNotFoundError(ReproError):
    """The notebook asks for a kernel that is not installed."""

    def __init__(self, kernel_name: str, available: list[str]) -> None:
        avail = ", ".join(sorted(available)) or "none"
        super().__init__(
            f"no such kernel: {kernel_name!r} (installed kernels: {avail}); pass --kernel NAME to use another"
        )
        self.kernel_name = kernel_name
        self.available = available


class ConfigError(ReproError):
    """Invalid configuration in ``[tool.repro-nb]`` or on the command line."""


class NotebookBusyError(ReproError):
    """Another repro-nb run is writing this notebook in place right now."""

    def __init__(self, path: str) -> None:
        super().__init__(
            f"another repro-nb run is writing {path} in place; wait for it to finish (two at once would lose one's work)"
        )
        self.path = path


class NotebookChangedError(ReproError):
    """The notebook changed on disk while a run that would overwrite it went on."""

    exit_code = 1

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path} changed on disk while it ran ({reason})")
        self.path = path
        self.reason = reason
