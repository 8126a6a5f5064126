"""What a check is told: timeouts, the kernel, and what counts as drift."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..compare.model import CompareOptions


@dataclass(frozen=True)
class CheckOptions:
    """Immutable and picklable: the same options reach every ``--jobs`` worker."""

    timeout: float | None = 600.0
    """Seconds one cell may run (papermill's execution timeout); ``None``: no limit."""
    startup_timeout: float = 60.0
    kernel_name: str | None = None
    """A kernel to run instead of the notebook's own kernelspec."""
    compare: CompareOptions = field(default_factory=CompareOptions)
    stop_on_error: bool = False
    """Stop at the first error the stored notebook does not have, instead of going on."""
    strict_kernel: bool = False
    """Refuse to check with another kernel of the same language when the notebook's is missing."""
    describe_data: bool = True
    """Describe the tables the notebook read (rows, columns, types, missing values, class balance)."""
    labels: tuple[tuple[str, str], ...] = ()
    """``[tool.repro-nb] labels``: (data file path or ``*``, its label column)."""
