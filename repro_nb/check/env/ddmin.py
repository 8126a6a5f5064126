"""Delta debugging (Zeller & Hildebrandt's *ddmin*) over a set of changed distributions.

Which of the packages that moved on since the record make a notebook drift? Testing one
subset means restoring an environment with that subset moved back to the recorded
versions and re-running the notebook: seconds to minutes. So the search must ask few
questions: ddmin splits the set, keeps a half (or the complement of a part) that still
reproduces, and refines, ending with a *1-minimal* set — every member needed. With one
culprit among two changed packages it asks two questions at most; each answer is
cached, and a budget bounds the whole search (the best set found so far is returned,
said not to be minimal).

Pure: the test is a function given by the caller (:mod:`.attribute` restores and
re-checks); nothing here runs anything.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass
class SearchResult(Generic[T]):
    """The smallest set found, whether it is shown to be minimal, and what was asked."""

    subset: tuple[T, ...]
    minimal: bool
    tests: list[tuple[tuple[T, ...], bool | None]] = field(default_factory=list)
    """Each question asked, in order, with its answer (``None``: could not be tested)."""
    exhausted: bool = False


class _Budget(Exception):
    pass


def ddmin(
    items: Sequence[T],
    reproduces: Callable[[tuple[T, ...]], bool | None],
    budget: int,
) -> SearchResult[T]:
    """The smallest subset of ``items`` for which ``reproduces`` holds, asking at most ``budget`` times.

    Known without asking: the whole set reproduces and the empty set does not (the
    caller has seen both). ``reproduces`` may answer ``None`` for a subset that cannot be
    tested (an environment that does not resolve); that counts as "does not reproduce".
    """
    order = {item: position for position, item in enumerate(items)}
    answers: dict[frozenset[T], bool] = {frozenset(items): True, frozenset(): False}
    result: SearchResult[T] = SearchResult(tuple(items), minimal=False)

    def ask(subset: Sequence[T]) -> bool:
        key = frozenset(subset)
        if key in answers:
            return answers[key]
        if len(result.tests) >= budget:
            raise _Budget
        ordered = tuple(sorted(subset, key=order.__getitem__))
        answer = reproduces(ordered)
        result.tests.append((ordered, answer))
        answers[key] = bool(answer)
        return bool(answer)

    current: list[T] = list(items)
    granularity = 2
    try:
        while len(current) >= 2:
            parts = _split(current, granularity)
            reduced = False
            for part in parts:
                if ask(part):
                    current, granularity, reduced = part, 2, True
                    break
            if not reduced and granularity > 2:
                for part in parts:
                    complement = [item for item in current if item not in part]
                    if ask(complement):
                        current, granularity, reduced = complement, max(granularity - 1, 2), True
                        break
            if not reduced:
                if granularity >= len(current):
                    break
                granularity = min(len(current), granularity * 2)
        result.minimal = True
    except _Budget:
        result.exhausted = True
    result.subset = tuple(sorted(current, key=order.__getitem__))
    return result


def _split(items: list[T], parts: int) -> list[list[T]]:
    size, extra = divmod(len(items), parts)
    out, start = [], 0
    for index in range(parts):
        end = start + size + (1 if index < extra else 0)
        if end > start:
            out.append(items[start:end])
        start = end
    return out
