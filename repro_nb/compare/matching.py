"""Which cell of one notebook is which cell of the other."""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .model import INJECTED_PARAMETERS_TAG

CellPair = tuple[int | None, int | None]


def match_code_cells(
    expected_cells: Sequence[Mapping[str, Any]], actual_cells: Sequence[Mapping[str, Any]]
) -> list[CellPair]:
    """Pair code cells: injected parameters by tag, then by id, then by position.

    papermill gives the injected-parameters cell a new id on every run, so it is
    paired by its tag. Cells whose ids match are anchors; the remaining cells are
    paired by position *between the same anchors*, so one deleted cell does not shift
    the pairing of the whole notebook. Returns ``(expected_index, actual_index)``
    pairs in reading order, ``None`` where a cell has no partner.
    """
    expected_code = _code_cell_indices(expected_cells)
    actual_code = _code_cell_indices(actual_cells)
    pairs: list[CellPair] = []
    injected_e = _first_with_tag(expected_cells, expected_code, INJECTED_PARAMETERS_TAG)
    injected_a = _first_with_tag(actual_cells, actual_code, INJECTED_PARAMETERS_TAG)
    if injected_e is not None and injected_a is not None:
        pairs.append((injected_e, injected_a))
        expected_code.remove(injected_e)
        actual_code.remove(injected_a)
    anchors = _pair_by_id(expected_cells, expected_code, actual_cells, actual_code)
    pairs.extend(anchors)
    pairs.extend(_pair_between_anchors(expected_code, actual_code, anchors))
    return _reading_order(pairs)


def _code_cell_indices(cells: Sequence[Mapping[str, Any]]) -> list[int]:
    return [index for index, cell in enumerate(cells) if cell.get("cell_type") == "code"]


def cell_tags(cell: Mapping[str, Any]) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", ()) or ())


def _first_with_tag(cells: Sequence[Mapping[str, Any]], indices: Iterable[int], tag: str) -> int | None:
    return next((index for index in indices if tag in cell_tags(cells[index])), None)


def _pair_by_id(
    expected_cells: Sequence[Mapping[str, Any]],
    expected_code: list[int],
    actual_cells: Sequence[Mapping[str, Any]],
    actual_code: list[int],
) -> list[CellPair]:
    actual_by_id = {actual_cells[i]["id"]: i for i in actual_code if actual_cells[i].get("id")}
    anchors: list[CellPair] = []
    for index in expected_code:
        partner = actual_by_id.pop(expected_cells[index].get("id") or "", None)
        if partner is not None:
            anchors.append((index, partner))
    return anchors


def _pair_between_anchors(expected_code: list[int], actual_code: list[int], anchors: list[CellPair]) -> list[CellPair]:
    """Pair leftover cells by position within each gap between id-matched anchors."""
    anchored_e = {e for e, _ in anchors}
    anchored_a = {a for _, a in anchors}
    anchor_e_positions = sorted(e for e, _ in anchors if e is not None)
    anchor_a_positions = sorted(a for _, a in anchors if a is not None)
    gaps_e: dict[int, list[int]] = defaultdict(list)
    gaps_a: dict[int, list[int]] = defaultdict(list)
    for index in expected_code:
        if index not in anchored_e:
            gaps_e[_count_before(anchor_e_positions, index)].append(index)
    for index in actual_code:
        if index not in anchored_a:
            gaps_a[_count_before(anchor_a_positions, index)].append(index)
    pairs: list[CellPair] = []
    for gap in sorted(set(gaps_e) | set(gaps_a)):
        left, right = gaps_e.get(gap, []), gaps_a.get(gap, [])
        width = max(len(left), len(right))
        pairs.extend((left[i] if i < len(left) else None, right[i] if i < len(right) else None) for i in range(width))
    return pairs


def _count_before(sorted_positions: list[int], index: int) -> int:
    return bisect.bisect_left(sorted_positions, index)


def _reading_order(pairs: list[CellPair]) -> list[CellPair]:
    """Sort by expected position; a cell new in actual follows its actual predecessor."""
    by_actual = sorted((a, e) for e, a in pairs if a is not None)
    expected_rank: dict[int, float] = {}
    last_expected = -1.0
    for actual_index, expected_index in by_actual:
        if expected_index is not None:
            last_expected = float(expected_index)
        else:
            last_expected += 1e-6
        expected_rank[actual_index] = last_expected

    def key(pair: CellPair) -> tuple[float, int]:
        e, a = pair
        rank = float(e) if e is not None else expected_rank[a if a is not None else -1]
        return rank, a if a is not None else -1

    return sorted(pairs, key=key)
