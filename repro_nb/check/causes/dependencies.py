"""What changed that a cell depends on: its data, its packages, its local modules, its own
code, the environment variables it reads, the environment and the kernel.

Every rule reads the evidence gathered once per notebook (:mod:`repro_nb.check.evidence`)
and blames the cell nearest the change: the one that read the file, imported the
package or module, read the variable. A change above a cell explains it with less
confidence than a change in it.
"""

from __future__ import annotations

from ...format.cellcode import defined_names, used_names
from ...format.cells import cell_source
from ...format.check_types import CauseKind, Confidence
from ...format.text import short_hash
from ..evidence import Evidence
from .failures import where
from .model import Cause


def data_causes(index: int, evidence: Evidence) -> list[Cause]:
    causes = []
    for drift in evidence.data:
        earlier = [i for i in drift.read_by if i <= index]
        if not earlier:
            continue
        origin = max(earlier)
        at = where(origin, index)
        read = f"{at} read it" if origin != index else "this cell read it"
        if drift.status == "changed":
            causes.append(
                Cause(
                    "data-changed",
                    f"data file {drift.path} read by {at} changed since it was recorded "
                    f"({short_hash(drift.old_hash)} → {short_hash(drift.new_hash)})",
                    "high",
                    origin,
                    drift.to_json(),
                    (f"{drift.path} recorded as {short_hash(drift.old_hash)}, now {short_hash(drift.new_hash)}", read),
                )
            )
        elif drift.status == "missing":
            causes.append(
                Cause(
                    "data-missing",
                    f"data file {drift.path} read by {at} is missing",
                    "high",
                    origin,
                    drift.to_json(),
                    (f"{drift.path} was recorded ({short_hash(drift.old_hash)}) and does not exist now", read),
                )
            )
        else:
            causes.append(
                Cause(
                    "data-unrecorded",
                    f"data file {drift.path} read by {at} was never recorded "
                    "(a new dependency, or it was read without the recorder)",
                    "low",
                    origin,
                    drift.to_json(),
                    (f"the re-run read {drift.path}; the record lists no read of it",),
                )
            )
    return causes


def package_causes(index: int, evidence: Evidence) -> list[Cause]:
    causes = []
    for drift in evidence.packages:
        earlier = [i for i in drift.imported_by if i <= index]
        if drift.imported_by and not earlier:
            continue
        origin = max(earlier) if earlier else None
        now = drift.new if drift.new is not None else "not installed"
        kind: CauseKind = "package-missing" if drift.new is None else "package-changed"
        confidence: Confidence = "high" if origin is not None and drift.new is None else "medium"
        if origin is None:
            confidence = "low"  # recorded for the session, imported by no cell we know of
        imported = "" if origin is None else f" (imported by {where(origin, index)})"
        facts = [f"recorded: {drift.distribution} {drift.old}", f"now: {drift.distribution} {now}"]
        causes.append(
            Cause(
                kind,
                f"{drift.distribution} {drift.old} → {now}{imported}",
                confidence,
                origin,
                drift.to_json(),
                tuple(facts),
            )
        )
    return causes


def module_causes(index: int, evidence: Evidence) -> list[Cause]:
    causes = []
    for drift in evidence.modules:
        earlier = [i for i in drift.imported_by if i <= index]
        if not earlier:
            continue
        origin = max(earlier)
        details = {"module": drift.module, "path": drift.path, "old": drift.old_hash, "new": drift.new_hash}
        if drift.status == "missing":
            causes.append(
                Cause(
                    "local-module-missing",
                    f"local module {drift.module} ({drift.path}), imported by {where(origin, index)}, no longer exists",
                    "high",
                    origin,
                    details,
                    (f"{drift.path} was recorded ({short_hash(drift.old_hash)}) and does not exist now",),
                )
            )
        else:
            causes.append(
                Cause(
                    "local-module-changed",
                    f"local module {drift.module} ({drift.path}), imported by {where(origin, index)}, changed since "
                    f"it was recorded ({short_hash(drift.old_hash)} → {short_hash(drift.new_hash)})",
                    "high" if origin == index else "medium",
                    origin,
                    details,
                    (f"{drift.path} recorded as {short_hash(drift.old_hash)}, now {short_hash(drift.new_hash)}",),
                )
            )
    return causes


def edited_causes(index: int, evidence: Evidence) -> list[Cause]:
    """The cell's own code, or code it uses from a cell above, changed after the outputs."""
    causes = []
    cells = evidence.stored_cells
    uses = used_names(cell_source(cells[index])) if 0 <= index < len(cells) else set()
    for edited in evidence.edited:
        if edited.index > index:
            continue
        if edited.index == index:
            message = "the cell's code changed after its outputs were stored: the outputs are stale"
            confidence: Confidence = "high"
        else:
            shared = sorted(uses & defined_names(cell_source(cells[edited.index])))
            if not shared:
                continue
            message = (
                f"cell {edited.index + 1}, whose {shared[0]!r} this cell uses, was edited after its outputs were stored"
            )
            confidence = "medium"
        causes.append(
            Cause(
                "code-edited",
                message,
                confidence,
                edited.index,
                {"old": edited.old_hash, "new": edited.new_hash},
                (f"recorded source {short_hash(edited.old_hash)}, stored source now {short_hash(edited.new_hash)}",),
            )
        )
    return causes


def env_var_causes(index: int, evidence: Evidence) -> list[Cause]:
    causes = []
    for drift in evidence.env_vars:
        earlier = [i for i in drift.read_by if i <= index]
        if not earlier:
            continue
        origin = max(earlier)
        then, now = ("set" if drift.was_set else "not set"), ("set" if drift.is_set else "not set")
        causes.append(
            Cause(
                "env-var-changed",
                f"environment variable {drift.name}, read by {where(origin, index)}, was {then} when recorded "
                f"and is {now} now",
                "high" if origin == index else "medium",
                origin,
                {"name": drift.name, "was_set": drift.was_set, "is_set": drift.is_set},
                (f"recorded: {drift.name} {then}", f"re-run: {drift.name} {now}"),
            )
        )
    return causes


def environment_causes(evidence: Evidence) -> list[Cause]:
    causes = []
    for diff in evidence.environment:
        if diff.severity == "low":
            continue
        causes.append(
            Cause(
                "environment",
                f"{diff.field}: {diff.old or 'unset'} → {diff.new or 'unset'}",
                "medium" if diff.severity == "high" else "low",
                None,
                {"field": diff.field, "old": diff.old, "new": diff.new, "severity": diff.severity},
                (f"recorded {diff.field} = {diff.old or 'unset'}, now {diff.new or 'unset'}",),
            )
        )
    kernel = evidence.kernel
    if kernel is not None and kernel.substituted:
        causes.append(
            Cause(
                "kernel-substituted",
                f"kernel {kernel.requested!r} is not installed here; checked with {kernel.used}",
                "low",
                None,
                {"requested": kernel.requested, "used": kernel.used},
                (f"the notebook's kernelspec is {kernel.requested!r}", f"installed: {kernel.used!r} (same language)"),
            )
        )
    return causes
