"""Delta debugging (Zeller & Hildebrandt's *ddmin*) over a set of changed distributions.

Which of the packages that moved on since the record make a notebook drift? Testing one
subset means restoring an environment with that subset moved back to the recorded
versions and re-running the notebook: seconds to minutes. So the search must ask few
questions: it splits the set, asks whether a half suffices, and recurses into what is
still needed, ending with a *minimal* set — every member needed. With one culprit among
two changed packages it asks two questions at most; each answer is cached, and a budget
bounds the whole search (the smallest set shown to reproduce so far is returned, said
not to be minimal).

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

    The search is divide and conquer (Junker's QuickXplain, the delta-debugging variant
    for a property that only grows with the set — moving more packages back never makes
    fewer cells reproduce): with ``k`` culprits among ``n`` it asks about
    ``2k·log2(n/k)`` questions, where plain ddmin asks up to ``n²``. The answer is
    checked by asking about it when it has not been asked already, so a property that is
    not monotone after all ends with the last set shown to reproduce, said not minimal.
    """
    order = {item: position for position, item in enumerate(items)}
    answers: dict[frozenset[T], bool] = {frozenset(items): True, frozenset(): False}
    result: SearchResult[T] = SearchResult(tuple(items), minimal=False)
    sufficient: list[tuple[T, ...]] = [tuple(items)]

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
        if answer:
            sufficient.append(ordered)
        return bool(answer)

    def explain(background: list[T], added: bool, candidates: list[T]) -> list[T]:
        """The members of ``candidates`` that, with ``background``, are needed to reproduce."""
        if added and ask(background):
            return []
        if len(candidates) == 1:
            return list(candidates)
        half = (len(candidates) + 1) // 2
        first, second = candidates[:half], candidates[half:]
        needed_second = explain(background + first, bool(first), second)
        needed_first = explain(background + needed_second, bool(needed_second), first)
        return needed_first + needed_second

    try:
        found = explain([], False, list(items)) if items else []
        if ask(found):
            result.subset = tuple(sorted(found, key=order.__getitem__))
            result.minimal = True
            return result
    except _Budget:
        result.exhausted = True
    result.subset = min(sufficient, key=len)
    return result
