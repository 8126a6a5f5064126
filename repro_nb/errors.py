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
    """The notebook asks for a kernel that is not installed, and none can stand in for it."""

    def __init__(
        self, kernel_name: str, available: list[str], *, language: str | None = None, strict: bool = False
    ) -> None:
        avail = ", ".join(sorted(available)) or "none"
        if strict:
            why = "; --strict-kernel forbids checking it with another"
        elif language:
            why = f"; no installed kernel runs {language}"
        else:
            why = ""
        super().__init__(
            f"no such kernel: {kernel_name!r}{why} (installed kernels: {avail}); pass --kernel NAME to use another"
        )
        self.kernel_name = kernel_name
        self.available = available


class ConfigError(ReproError):
    """Invalid configuration in ``[tool.repro-nb]`` or on the command line."""


class CacheError(ReproError):
    """A ``check --cache`` entry is unreadable, invalid or from a newer repro-nb; or the
    cache directory cannot be used. An entry's error is never fatal: the notebook is
    re-run and the entry rewritten (:mod:`repro_nb.check.cache`)."""


class ExecutorError(ReproError):
    """A check executor cannot be used: an unknown ``--executor``/``--dask`` value, Dask not
    installed (``pip install 'repro-nb[dask]'``), a scheduler that cannot be reached."""


class EnvironmentRestoreError(ReproError):
    """A notebook's environment cannot be exported or restored here: uv failed, the index
    cannot be reached, a directory is in the way. The message says what to do."""

    exit_code = 1


class UnavailablePinsError(EnvironmentRestoreError):
    """Pinned versions that cannot be installed here, each with the reason and the nearest
    installable version (``unavailable``: :class:`repro_nb.check.env.registry.Availability`)."""

    def __init__(self, unavailable: list[object], python_note: str | None = None) -> None:
        lines = [item.message() if hasattr(item, "message") else str(item) for item in unavailable]
        hint = (
            "; pass --nearest to restore the nearest versions instead"
            if any(getattr(item, "nearest", None) for item in unavailable)
            else ""
        )
        text = "cannot restore these versions here: " + "; ".join(lines) + hint
        if python_note:
            text += f" ({python_note})"
        super().__init__(text)
        self.unavailable = unavailable


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
