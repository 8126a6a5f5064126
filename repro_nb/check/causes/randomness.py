"""Randomness: numbers drawn without a seed, and the iteration order of hashed strings.

With a record, the recorder saw every unseeded draw and generator; without one, the code
is read for draws and seeding calls, with less confidence. A set or dict of strings
printed in another order is told apart from other drift by its tokens: the same ones,
in another order.
"""

from __future__ import annotations

import re
from collections import Counter

from ...compare.model import CellComparison
from ...format.cells import cell_source, is_code_cell
from ...format.record import Record
from ..evidence import Evidence
from .failures import where
from .model import Cause

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


def randomness_causes(index: int, evidence: Evidence) -> list[Cause]:
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
                at = where(origin, index)
                api = entry.get("api") or entry["library"]
                what = (
                    f"{api}() without a seed in {at}"
                    if entry["kind"] == "generator-without-seed"
                    else f"random numbers drawn from {entry['library']}'s global generator without a seed in {at}"
                )
                causes.append(
                    Cause(
                        "unseeded-rng",
                        what,
                        "high" if origin == index else "medium",
                        origin,
                        {"library": entry["library"], "kind": entry["kind"]},
                        (f"the {'stored' if record is evidence.old else 're-run'} record: {what}",),
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
            call = match.group(0).rstrip("(").strip()
            causes.append(
                Cause(
                    "unseeded-rng",
                    f"{call}(…) in {where(i, index)} draws random numbers and no cell sets a seed",
                    "medium" if i == index else "low",
                    i,
                    {"call": call},
                    (f"cell {i + 1} calls {call}(…)", "no cell above calls a seeding function or %repro_seed"),
                )
            )
    return causes


_TOKEN = re.compile(r"\w+(?:\.\w+)*|[^\w\s]")


def hash_order_causes(comparison: CellComparison, evidence: Evidence) -> list[Cause]:
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
                    ("the stored and re-run outputs hold the same tokens in another order",),
                )
            ]
    return []


def _env_var(record: Record | None, name: str) -> str | None:
    if record is None:
        return None
    value = record.notebook.get("environment", {}).get("env", {}).get(name)
    return str(value) if value is not None else None
