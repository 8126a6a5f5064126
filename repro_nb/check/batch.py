"""Many notebooks checked as cheaply as is safe: results from the cache, the rest on an executor.

The one entry point of the surfaces that check a list of notebooks (the CLI, the pytest
plugin): look every notebook up in the cache (:mod:`.cache`), hand the misses to the
executor (:mod:`.executors`: serial, processes, Dask), store what they give, and return
all results in the order of the paths — the same list, and so the same reports, as a
plain serial run of every notebook.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from .cache import CheckCache, Lookup
from .executors import Executor, ExecutorSpec, open_executor
from .options import CheckOptions
from .results import NotebookResult

__all__ = ["BackgroundChecks", "check_all"]


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


class BackgroundChecks:
    """``paths`` checked on the executor ``spec`` names in a background thread; each result
    on demand (:meth:`result` waits for it).

    For a surface that reports notebook by notebook in its own order while the checks
    run in parallel: the pytest plugin's items, each waiting for its notebook.
    """

    def __init__(self, spec: ExecutorSpec, options: CheckOptions, paths: Sequence[str]) -> None:
        self._results: dict[str, NotebookResult] = {}
        self._error: BaseException | None = None
        self._finished = False
        self._condition = threading.Condition()
        self._thread = threading.Thread(
            target=self._run, args=(spec, options, list(paths)), name="repro-nb-checks", daemon=True
        )
        self._thread.start()

    def _run(self, spec: ExecutorSpec, options: CheckOptions, paths: list[str]) -> None:
        try:
            with open_executor(spec) as executor:
                executor.check_many(paths, options, on_result=self._put)
        except BaseException as exc:  # noqa: BLE001 - handed to every item still waiting
            self._error = exc
        finally:
            with self._condition:
                self._finished = True
                self._condition.notify_all()

    def _put(self, result: NotebookResult) -> None:
        with self._condition:
            self._results[result.path] = result
            self._condition.notify_all()

    def result(self, path: str) -> NotebookResult:
        """This notebook's result, once it is there; the executor's error if it failed."""
        with self._condition:
            self._condition.wait_for(lambda: path in self._results or self._finished)
            if path in self._results:
                return self._results[path]
        if self._error is not None:
            raise self._error
        raise RuntimeError(f"repro-nb: the executor returned no result for {path}")

    def close(self) -> None:
        """Wait for the checks to end (pytest stops only when every item has its result)."""
        self._thread.join(timeout=5)
