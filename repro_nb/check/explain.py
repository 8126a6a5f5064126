"""Why did a cell drift? Name the likely causes, most specific first.

Evidence comes from the stored record (what the notebook depended on when its outputs
were saved), the re-run's record (what it depends on now), the two environments, the
diff itself and, when there is no record, the code. Each cause says where it comes from
(``origin_index``: the cell that read the file, imported the package, drew the random
numbers) and how sure we are.

Pure functions over data: nothing here executes or prints.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..compare.model import CellComparison, OutputDiff
from ..format.cellcode import defined_names
from ..format.cells import cell_source, is_code_cell
from ..format.check_types import CauseKind, Confidence
from ..format.record import Record
from ..format.text import short_hash
from .causes import CONFIDENCE_RANK, Cause
from .evidence import Evidence

# --------------------------------------------------------------------------- per cell


def explain_cell(
    index: int,
    comparison: CellComparison | None,
    failure: Mapping[str, Any] | None,
    evidence: Evidence,
) -> list[Cause]:
    """Causes for the stored notebook's cell ``index``, most specific first."""
    causes: list[Cause] = []
    if failure is not None:
        causes.extend(_failure_causes(index, failure, evidence))
    causes.extend(_data_causes(index, evidence))
    # A module the failure names as missing is already explained, with its recorded
    # distribution; its package drift would say the same thing twice.
    explained = {c.details.get("distribution") for c in causes if c.kind == "package-missing"}
    causes.extend(
        c
        for c in _package_causes(index, evidence)
        if not (c.kind == "package-missing" and c.details.get("distribution") in explained)
    )
    if failure is None:
        # an exception, a timeout or a dead kernel is not explained by random numbers
        causes.extend(_randomness_causes(index, comparison, evidence))
        if comparison is not None:
            causes.extend(_hash_order_causes(comparison, evidence))
    causes.extend(_order_causes(index, evidence))
    if not any(c.confidence == "high" for c in causes):
        causes.extend(_environment_causes(evidence))
    if not causes:
        # A guess presented as a cause is worse than none.
        causes.append(Cause("unknown", "no cause found in the record or the code", "low", index))
    return _ordered(causes, index)


def _ordered(causes: list[Cause], index: int) -> list[Cause]:
    seen: set[tuple[str, str]] = set()
    unique = []
    for cause in causes:
        key = (cause.kind, cause.message)
        if key not in seen:
            seen.add(key)
            unique.append(cause)

    # What explains a failure (a name no cell defines, a missing module or file) comes
    # before the failure itself, which comes before everything else; then by confidence;
    # then the nearer the origin, the more specific.
    def group(cause: Cause) -> int:
        if cause.kind in ("hidden-state", "package-missing", "data-missing") and cause.confidence == "high":
            return 0
        return 1 if cause.kind in ("timeout", "dead-kernel") else 2

    return sorted(
        unique,
        key=lambda c: (
            group(c),
            CONFIDENCE_RANK[c.confidence],
            0 if c.origin_index == index else 1,
            -(c.origin_index if c.origin_index is not None else -1),
        ),
    )


_NAME_ERROR = re.compile(r"name '([^']+)' is not defined")
_MODULE_ERROR = re.compile(r"No module named '([^']+)'")


def _failure_causes(index: int, failure: Mapping[str, Any], evidence: Evidence) -> list[Cause]:
    kind = failure.get("kind")
    ename, evalue = failure.get("ename", ""), failure.get("evalue", "")
    if kind == "timeout":
        return [Cause("timeout", f"timed out: {evalue}", "high", index)]
    if kind == "dead-kernel":
        what = evalue or "the kernel died while running this cell"
        return [Cause("dead-kernel", f"{what} (out of memory? killed? a crash in native code?)", "high", index)]
    # The error itself is the cell's failure (and its diff), not a cause: causes say why.
    causes: list[Cause] = []
    match = _NAME_ERROR.search(evalue) if ename in ("NameError", "UnboundLocalError") else None
    if match:
        causes.insert(0, _hidden_state_cause(index, match.group(1), evidence.stored_cells))
    module = _MODULE_ERROR.search(evalue) if ename in ("ModuleNotFoundError", "ImportError") else None
    if module:
        name = module.group(1).partition(".")[0]
        recorded = _recorded_module(name, evidence.old)
        note = f" (recorded: {recorded[0]} {recorded[1]})" if recorded else ""
        causes.insert(
            0,
            Cause(
                "package-missing",
                f"module {name!r} is not installed{note}",
                "high",
                index,
                {
                    "module": name,
                    "distribution": recorded[0] if recorded else None,
                    "old": recorded[1] if recorded else None,
                    "new": None,
                },
            ),
        )
    return causes


def _recorded_module(module: str, old: Record | None) -> tuple[str, str | None] | None:
    if old is None:
        return None
    for cell in old.cells.values():
        for item in cell.get("imports", []):
            distribution = item.get("distribution")
            if item.get("module") == module and distribution:
                return distribution, item.get("version")
    return None


def _hidden_state_cause(index: int, name: str, cells: Sequence[Mapping[str, Any]]) -> Cause:
    definers = [
        i
        for i, cell in enumerate(cells)
        if cell.get("cell_type") == "code" and name in defined_names(cell_source(cell))
    ]
    later = [i for i in definers if i > index]
    if definers and not [i for i in definers if i < index] and later:
        return Cause(
            "hidden-state",
            f"{name!r} is defined only in a later cell ({later[0] + 1}): the stored notebook was run out of order",
            "high",
            later[0],
            {"name": name},
        )
    if not definers:
        return Cause(
            "hidden-state",
            f"no cell defines {name!r}: the saved outputs depended on state from a "
            "deleted cell or an interactive session",
            "high",
            index,
            {"name": name},
        )
    return Cause("hidden-state", f"{name!r} is not defined when this cell runs", "medium", index, {"name": name})


def _data_causes(index: int, evidence: Evidence) -> list[Cause]:
    causes = []
    for drift in evidence.data:
        earlier = [i for i in drift.read_by if i <= index]
        if not earlier:
            continue
        origin = max(earlier)
        where = "this cell" if origin == index else f"cell {origin + 1}"
        if drift.status == "changed":
            causes.append(
                Cause(
                    "data-changed",
                    f"data file {drift.path} read by {where} changed since it was recorded "
                    f"({short_hash(drift.old_hash)} → {short_hash(drift.new_hash)})",
                    "high",
                    origin,
                    drift.to_json(),
                )
            )
        elif drift.status == "missing":
            causes.append(
                Cause(
                    "data-missing",
                    f"data file {drift.path} read by {where} is missing",
                    "high",
                    origin,
                    drift.to_json(),
                )
            )
        else:
            causes.append(
                Cause(
                    "data-unrecorded",
                    f"data file {drift.path} read by {where} was never recorded "
                    "(a new dependency, or it was read without the recorder)",
                    "low",
                    origin,
                    drift.to_json(),
                )
            )
    return causes


def _package_causes(index: int, evidence: Evidence) -> list[Cause]:
    causes = []
    for drift in evidence.packages:
        earlier = [i for i in drift.imported_by if i <= index]
        if drift.imported_by and not earlier:
            continue
        origin = max(earlier) if earlier else None
        now = drift.new if drift.new is not None else "not installed"
        kind: CauseKind = "package-missing" if drift.new is None else "package-changed"
        confidence: Confidence = "high" if origin is not None and drift.new is None else "medium"
        where = (
            ""
            if origin is None
            else (" (imported by this cell)" if origin == index else f" (imported by cell {origin + 1})")
        )
        causes.append(
            Cause(kind, f"{drift.distribution} {drift.old} → {now}{where}", confidence, origin, drift.to_json())
        )
    return causes


# Calls that draw from a global RNG or build a generator without a seed.
_UNSEEDED_CALL = re.compile(
    r"\b(?:np|numpy)\.random\.(?:rand|randn|randint|random|random_sample|choice|shuffle|permutation|normal|"
    r"uniform|binomial|poisson|exponential|beta|gamma|multivariate_normal|standard_normal)\s*\(|"
    r"\brandom\.(?:random|randint|choice|choices|shuffle|sample|uniform|gauss|normalvariate|randrange)\s*\(|"
    r"\bdefault_rng\(\s*\)|\btorch\.(?:rand|randn|randint|randperm|normal)\s*\("
)
_SEEDING_CALL = re.compile(
    r"\b(?:np\.random\.seed|numpy\.random\.seed|random\.seed|torch\.manual_seed|"
    r"tf\.random\.set_seed|set_random_seed)\s*\(|%repro_seed\b"
)


def _randomness_causes(index: int, comparison: CellComparison | None, evidence: Evidence) -> list[Cause]:
    causes: list[Cause] = []
    recorded = False
    for record in (evidence.old, evidence.new):
        if record is None:
            continue
        recorded = recorded or bool(record.cells)
        for cell_index, cell in record.cells.items():
            origin = evidence.index_map.get(cell_index, cell_index) if record is evidence.new else cell_index
            if origin > index:
                continue
            for entry in cell.get("unseeded_rng", []):
                where = "this cell" if origin == index else f"cell {origin + 1}"
                api = entry.get("api") or entry["library"]
                what = (
                    f"{api}() without a seed in {where}"
                    if entry["kind"] == "generator-without-seed"
                    else f"random numbers drawn from {entry['library']}'s global generator without a seed in {where}"
                )
                causes.append(
                    Cause(
                        "unseeded-rng",
                        what,
                        "high" if origin == index else "medium",
                        origin,
                        {"library": entry["library"], "kind": entry["kind"]},
                    )
                )
    if recorded:
        return causes
    # No record: read the code. A seeding call anywhere above makes it unlikely.
    code_cells = [(i, cell_source(c)) for i, c in enumerate(evidence.stored_cells) if is_code_cell(c) and i <= index]
    if any(_SEEDING_CALL.search(src) for _, src in code_cells):
        return causes
    for i, src in code_cells:
        match = _UNSEEDED_CALL.search(src)
        if match:
            where = "this cell" if i == index else f"cell {i + 1}"
            causes.append(
                Cause(
                    "unseeded-rng",
                    f"{match.group(0).rstrip('(').strip()}(…) in {where} draws random numbers and no cell sets a seed",
                    "medium" if i == index else "low",
                    i,
                )
            )
    return causes


_TOKEN = re.compile(r"\w+(?:\.\w+)*|[^\w\s]")


def _hash_order_causes(comparison: CellComparison, evidence: Evidence) -> list[Cause]:
    for diff in comparison.diffs:
        if diff.kind != "text" or diff.expected is None or diff.actual is None:
            continue
        old_tokens, new_tokens = _TOKEN.findall(diff.expected), _TOKEN.findall(diff.actual)
        if old_tokens != new_tokens and Counter(old_tokens) == Counter(new_tokens):
            seed_old = _env_var(evidence.old, "PYTHONHASHSEED")
            seed_new = _env_var(evidence.new, "PYTHONHASHSEED")
            note = (
                f"PYTHONHASHSEED {seed_old or 'unset'} → {seed_new or 'unset'}"
                if evidence.old is not None
                else "set PYTHONHASHSEED, or sort before printing"
            )
            return [
                Cause(
                    "hash-order",
                    "the same elements in another order: iteration order of a set or of "
                    f"str hashes changes between runs ({note})",
                    "high",
                    comparison.expected_index,
                    {"PYTHONHASHSEED": seed_new},
                )
            ]
    return []


def _env_var(record: Record | None, name: str) -> str | None:
    if record is None:
        return None
    value = record.notebook.get("environment", {}).get("env", {}).get(name)
    return str(value) if value is not None else None


def _order_causes(index: int, evidence: Evidence) -> list[Cause]:
    causes: list[Cause] = []
    if evidence.old is not None:
        for cell_index, cell in evidence.old.cells.items():
            if cell_index > index:
                continue
            for warning in cell.get("warnings", []):
                if warning.get("kind") in ("out-of-order", "rerun"):
                    where = "this cell" if cell_index == index else f"cell {cell_index + 1}"
                    causes.append(
                        Cause(
                            "out-of-order",
                            f"when recorded, {where}: {warning['message']}",
                            "high" if cell_index == index else "medium",
                            cell_index,
                        )
                    )
    counts = [
        (i, c.get("execution_count"))
        for i, c in enumerate(evidence.stored_cells)
        if c.get("cell_type") == "code" and c.get("execution_count") is not None
    ]
    mine = next((n for i, n in counts if i == index), None)
    if mine is not None:
        ran_before_above = [i for i, n in counts if i < index and n > mine]
        ran_earlier_below = [i for i, n in counts if i > index and n < mine]
        if ran_before_above or ran_earlier_below:
            detail = []
            if ran_earlier_below:
                detail.append(f"cell(s) {', '.join(str(i + 1) for i in ran_earlier_below[:5])} below it ran first")
            if ran_before_above:
                detail.append(f"cell(s) {', '.join(str(i + 1) for i in ran_before_above[:5])} above it ran after it")
            causes.append(
                Cause(
                    "out-of-order",
                    f"the stored notebook was executed out of order ({'; '.join(detail)}, execution count [{mine}])",
                    "medium",
                    index,
                )
            )
    return causes


def _environment_causes(evidence: Evidence) -> list[Cause]:
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
            )
        )
    return causes


def _numeric_only(diffs: Iterable[OutputDiff]) -> bool:
    kinds = {d.kind for d in diffs}
    return bool(kinds) and kinds <= {"numeric", "image"}
