"""Execution order: a stored notebook run out of order, or cells run by hand.

The record's own warnings say it when there is one; the execution counts say it for
every notebook: counts that run backwards mean out of order, counts that skip mean cells
ran more often than the notebook shows (re-run by hand, or run and deleted).
"""

from __future__ import annotations

from ..evidence import Evidence
from .model import Cause


def order_causes(index: int, evidence: Evidence) -> list[Cause]:
    causes: list[Cause] = []
    if evidence.old is not None:
        for cell_index, cell in evidence.old.cells.items():
            if cell_index > index:
                continue
            for warning in cell.get("warnings", []):
                if warning.get("kind") in ("out-of-order", "rerun"):
                    at = "this cell" if cell_index == index else f"cell {cell_index + 1}"
                    causes.append(
                        Cause(
                            "out-of-order" if warning.get("kind") == "out-of-order" else "rerun",
                            f"when recorded, {at}: {warning['message']}",
                            "high" if cell_index == index else "medium",
                            cell_index,
                            {},
                            (f"the recorder warned: {warning['message']}",),
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
                    {},
                    (f"this cell has execution count [{mine}]", *detail),
                )
            )
    return causes


def rerun_causes(index: int, evidence: Evidence) -> list[Cause]:
    """Execution counts that skip before this cell (executions the notebook does not show), or
    that start again (the kernel was restarted between cells)."""
    counts: list[tuple[int, int]] = [
        (i, int(c["execution_count"]))
        for i, c in enumerate(evidence.stored_cells)
        if c.get("cell_type") == "code" and isinstance(c.get("execution_count"), int)
    ]
    if not any(i == index for i, _ in counts):
        return []
    position = next(p for p, (i, _) in enumerate(counts) if i == index)
    restarts = [
        (counts[p - 1][1], counts[p][1], counts[p][0])
        for p in range(1, position + 1)
        if counts[p][1] == counts[p - 1][1] or (counts[p][1] == 1 and counts[p - 1][1] > 1)
    ]
    if restarts and restarts[-1][2] == index:
        before, after, at = restarts[-1]
        return [
            Cause(
                "rerun",
                f"execution counts start again at this cell ([{before}] then [{after}]): the kernel was restarted "
                "between the cells above and this one, so their stored outputs come from different sessions",
                "medium",
                at,
                {"counts": [before, after]},
                (f"execution counts [{before}] then [{after}]",),
            )
        ]
    gaps = [
        (counts[p - 1][1], counts[p][1], counts[p][0])
        for p in range(1, position + 1)
        if counts[p][1] > counts[p - 1][1] + 1
    ]
    if not gaps:
        return []
    before, after, at = gaps[-1]
    hidden = sum(b - a - 1 for a, b, _ in gaps)
    return [
        Cause(
            "rerun",
            f"execution counts skip from [{before}] to [{after}] "
            f"{'before this cell' if at == index else f'at cell {at + 1}'}: {hidden} execution(s) the notebook does "
            "not show (a cell re-run by hand, or run and deleted)",
            "medium" if at == index else "low",
            at,
            {"counts": [before, after]},
            (f"execution counts [{before}] then [{after}]",),
        )
    ]
