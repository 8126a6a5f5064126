"""What a check found: per notebook a verdict, per cell an outcome, with diffs and causes.

Plain dataclasses, picklable (they come back from ``--jobs`` workers) and serialized by
``to_json`` to the check report's typed JSON (:mod:`repro_nb.format.check_types`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..compare.model import OutputDiff
from ..format.check_types import (
    AttributionJson,
    CachedJson,
    CellOutcome,
    CellResultJson,
    EvaluationJson,
    FailureJson,
    NotebookResultJson,
    RestoredEnvironmentJson,
    RunStatus,
    Verdict,
)
from .causes import Cause
from .describe import DataDescription
from .environment_diff import EnvironmentDifference
from .evidence import DataDrift, PackageDrift
from .kernels import KernelChoice

#: The exit code of each verdict (the CLI's; the worst notebook decides).
EXIT_CODES: dict[Verdict, int] = {"reproduced": 0, "drifted": 1, "failed": 1, "error": 2}


@dataclass
class CellResult:
    index: int | None
    """Position in the stored notebook's ``cells`` (``None`` for a cell only the re-run has)."""
    cell_id: str | None
    status: CellOutcome
    execution_count: int | None = None
    diffs: tuple[OutputDiff, ...] = ()
    causes: list[Cause] = field(default_factory=list)
    failure: FailureJson | None = None
    skip_reason: str | None = None
    actual_index: int | None = None
    """Position in the re-run notebook's ``cells``."""

    def to_json(self) -> CellResultJson:
        return {
            "index": self.index,
            "actual_index": self.actual_index,
            "cell_id": self.cell_id,
            "status": self.status,
            "execution_count": self.execution_count,
            "diffs": [d.to_json() for d in self.diffs],
            "causes": [c.to_json() for c in self.causes],
            "failure": self.failure,
            "skip_reason": self.skip_reason,
        }


@dataclass
class NotebookResult:
    path: str
    verdict: Verdict
    message: str = ""
    cells: list[CellResult] = field(default_factory=list)
    data: list[DataDrift] = field(default_factory=list)
    packages: list[PackageDrift] = field(default_factory=list)
    environment: list[EnvironmentDifference] = field(default_factory=list)
    has_record: bool = False
    run_status: RunStatus | None = None
    duration_s: float = 0.0
    warnings: list[str] = field(default_factory=list)
    kernel: KernelChoice | None = None
    #: ``--env`` / ``--attribute`` (:mod:`repro_nb.check.env`): the restored environment the
    #: check ran in, and the attribution of the drift to changed distributions
    restored_environment: RestoredEnvironmentJson | None = None
    attribution: AttributionJson | None = None
    #: ``--cache`` (:mod:`repro_nb.check.cache`): set when this is a stored result, not a re-run
    cached: CachedJson | None = None
    #: the tables the notebook read, described (:mod:`repro_nb.check.describe`)
    data_descriptions: list[DataDescription] = field(default_factory=list)
    #: named results, metrics and evaluation warnings the re-run recorded
    evaluation: EvaluationJson | None = None
    #: not serialized: the notebooks themselves, for the HTML report's images
    stored: Any = None
    executed: Any = None

    @property
    def drifted_cells(self) -> list[CellResult]:
        return [c for c in self.cells if c.status in ("drifted", "failed")]

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.verdict]

    def to_json(self) -> NotebookResultJson:
        document = self._to_json()
        if self.restored_environment is not None:
            document["restored_environment"] = self.restored_environment
        if self.attribution is not None:
            document["attribution"] = self.attribution
        if self.cached is not None:
            document["cached"] = self.cached
        if self.data_descriptions:
            document["data_descriptions"] = [d.to_json() for d in self.data_descriptions]  # type: ignore[misc]
        if self.evaluation is not None:
            document["evaluation"] = self.evaluation
        return document

    def _to_json(self) -> NotebookResultJson:
        return {
            "path": self.path,
            "verdict": self.verdict,
            "message": self.message,
            "has_record": self.has_record,
            "run_status": self.run_status,
            "duration_s": round(self.duration_s, 3),
            "cells": [c.to_json() for c in self.cells],
            "data": [d.to_json() for d in self.data],
            "packages": [p.to_json() for p in self.packages],
            "environment": [e.to_json() for e in self.environment],
            "warnings": list(self.warnings),
            "kernel": self.kernel.to_json() if self.kernel else None,
        }
