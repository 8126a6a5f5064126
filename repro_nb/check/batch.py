"""Many notebooks checked as cheaply as is safe: results from the cache, the rest on an executor.

The one entry point of the surfaces that check a list of notebooks (the CLI, the pytest
plugin): look every notebook up in the cache (:mod:`.cache`), hand the misses to the
executor (:mod:`.executors`: serial, processes, Dask), store what they give, and return
all results in the order of the paths — the same list, and so the same reports, as a
plain serial run of every notebook.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .cache import CheckCache, Lookup
from .executors import Executor
from .options import CheckOptions
from .results import NotebookResult

__all__ = ["check_all"]


def check_all(
    paths: Sequence[str],
    options: CheckOptions,
    executor: Executor,
    *,
    cache: CheckCache | None = None,
    on_result: Callable[[NotebookResult], None] | None = None,
    on_miss: Callable[[Lookup], None] | None = None,
    roots: Sequence[str] = (),
) -> list[NotebookResult]:
    """Check ``paths``; ``on_result`` for each result as it is known (hits first).

    ``on_miss`` is told of each notebook that will be re-run and why; ``roots`` are the
    directories the check was given (what a Dask executor ships with ``--ship``).
    """
    if cache is None:
        return executor.check_many(paths, options, on_result=on_result, roots=roots)
    ordered: list[NotebookResult | None] = [None] * len(paths)
    misses: list[tuple[int, Lookup]] = []
    for i, path in enumerate(paths):
        lookup = cache.lookup(path)
        if lookup.result is not None:
            ordered[i] = lookup.result
            if on_result:
                on_result(lookup.result)
        else:
            misses.append((i, lookup))
            if on_miss:
                on_miss(lookup)
    if misses:
        by_path = {lookup.path: lookup for _, lookup in misses}

        def done(result: NotebookResult) -> None:
            # stored as each result arrives: an interrupted run keeps what it verified
            lookup = by_path.get(result.path)
            if lookup is not None:
                cache.store(lookup, result)
            if on_result:
                on_result(result)

        results = executor.check_many([lookup.path for _, lookup in misses], options, on_result=done, roots=roots)
        for (i, _), result in zip(misses, results):
            ordered[i] = result
    return [result for result in ordered if result is not None]
