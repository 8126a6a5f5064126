"""Why did a cell drift or fail? The causes the evidence supports, most specific first.

Evidence comes from the stored record (what the notebook depended on when its outputs
were saved), the re-run's record (what it depends on now), the two environments, the
outputs and errors themselves, and the code. Each cause has a category, its evidence, a
confidence and the cell it comes from (:mod:`.causes`).

One cause per cell unless several really apply: a cause the record shows for this cell
(high confidence) silences the merely possible ones (low), and at most
:data:`MAX_CAUSES` are kept. When nothing supports a cause, the cell says so — a guess
presented as a cause is worse than none.

Pure functions over data: nothing here executes or prints.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from ..compare.model import CellComparison
from .causes.dependencies import (
    data_causes,
    edited_causes,
    env_var_causes,
    environment_causes,
    module_causes,
    package_causes,
)
from .causes.failures import error_gone_cause, failure_causes
from .causes.model import CONFIDENCE_RANK, Cause
from .causes.order import order_causes, rerun_causes
from .causes.randomness import hash_order_causes, randomness_causes
from .causes.shell import shell_causes
from .causes.signatures import signature_causes
from .causes.tracebacks import traceback_edit_causes
from .evidence import Evidence

#: Causes kept per cell.
MAX_CAUSES = 4

#: Kinds that explain a failure by what is missing: listed before everything else.
_EXPLAINS_FAILURE = frozenset(
    {"hidden-state", "package-missing", "data-missing", "local-module-missing", "network", "version-signature"}
)


def explain_cell(
    index: int,
    comparison: CellComparison | None,
    failure: Mapping[str, Any] | None,
    evidence: Evidence,
) -> list[Cause]:
    """Causes for the stored notebook's cell ``index``, most specific first; never empty."""
    stored_cell = evidence.stored_cells[index] if 0 <= index < len(evidence.stored_cells) else {}
    actual_cell = _actual_cell(comparison, evidence)
    causes: list[Cause] = []
    if failure is not None:
        causes.extend(failure_causes(index, failure, evidence))
    gone = error_gone_cause(index, stored_cell, actual_cell)
    if gone is not None:
        causes.append(gone)
    causes.extend(edited_causes(index, evidence))
    if not any(c.kind == "code-edited" and c.origin_index == index for c in causes):
        causes.extend(traceback_edit_causes(index, stored_cell))
    causes.extend(data_causes(index, evidence))
    causes.extend(module_causes(index, evidence))
    causes.extend(env_var_causes(index, evidence))
    causes.extend(signature_causes(index, stored_cell, actual_cell, evidence))
    causes.extend(shell_causes(index, stored_cell))
    # A module the failure names as missing, or a package a signature names, is already
    # explained; its package drift would say the same thing twice.
    explained = {c.details.get("distribution") for c in causes if c.kind == "package-missing"} | {
        str(c.details.get("package")).lower() for c in causes if c.kind == "version-signature"
    }
    causes.extend(
        c
        for c in package_causes(index, evidence)
        if c.details.get("distribution") not in explained
        and str(c.details.get("distribution")).lower() not in explained
    )
    if failure is None:
        # an error, a timeout or a dead kernel is not explained by random numbers
        causes.extend(randomness_causes(index, evidence))
        if comparison is not None and not any(c.kind == "version-signature" for c in causes):
            causes.extend(hash_order_causes(comparison, evidence))
    # a restart at this cell is the plainer story of counts that run backwards: it leads
    causes.extend(rerun_causes(index, evidence))
    causes.extend(order_causes(index, evidence))
    if not any(c.confidence == "high" for c in causes):
        causes.extend(environment_causes(evidence))
    if not causes:
        causes.append(
            Cause(
                "unknown",
                "no cause found in the record or the code",
                "low",
                index,
                {},
                ("nothing in the record, the code or the outputs explains the change",),
            )
        )
    return _kept(_merged(_ordered(causes, index)))


def _actual_cell(comparison: CellComparison | None, evidence: Evidence) -> Mapping[str, Any] | None:
    if comparison is None or comparison.actual_index is None:
        return None
    cells = evidence.executed_cells
    return cells[comparison.actual_index] if 0 <= comparison.actual_index < len(cells) else None


def _ordered(causes: list[Cause], index: int) -> list[Cause]:
    seen: set[tuple[str, str]] = set()
    unique = []
    for cause in causes:
        key = (cause.kind, cause.message)
        if key not in seen:
            seen.add(key)
            unique.append(cause)

    # What explains a failure comes first; then by confidence; then the nearer the
    # origin, the more specific.
    def group(cause: Cause) -> int:
        if cause.kind in _EXPLAINS_FAILURE and cause.confidence != "low":
            return 0
        # an edit explains why a stored error is gone: the edit first
        return {"timeout": 1, "dead-kernel": 1, "code-edited": 1, "error-gone": 2}.get(cause.kind, 3)

    return sorted(
        unique,
        key=lambda c: (
            group(c),
            CONFIDENCE_RANK[c.confidence],
            0 if c.origin_index == index else 1,
            -(c.origin_index if c.origin_index is not None else -1),
        ),
    )


#: Categories whose causes tell one story, told once: the first (best) cause, the others
#: as its evidence. A NameError for a deleted cell's name, execution counts that skip
#: where it was, and cells run out of order are one finding, not three.
_ONE_STORY = frozenset({"execution-order"})


def _merged(causes: list[Cause]) -> list[Cause]:
    merged: list[Cause] = []
    lead: dict[str, int] = {}
    for cause in causes:
        if cause.category in _ONE_STORY and cause.category in lead:
            position = lead[cause.category]
            first = merged[position]
            merged[position] = replace(first, evidence=(*first.evidence, cause.message))
            continue
        lead.setdefault(cause.category, len(merged))
        merged.append(cause)
    return merged


def _kept(causes: list[Cause]) -> list[Cause]:
    """Drop the merely possible causes when the record shows one, and keep a few."""
    best = min(CONFIDENCE_RANK[c.confidence] for c in causes)
    return [c for c in causes if CONFIDENCE_RANK[c.confidence] <= best + 1][:MAX_CAUSES]
