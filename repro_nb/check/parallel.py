"""Many notebooks at once: ``--jobs N`` worker processes, each checking in its own kernel.

Serial or parallel, each notebook is judged on its own: whatever goes wrong with one
(a malformed file, a bug reached by strange input) is that notebook's ``error`` result,
and the batch goes on to the next, so the reports are always written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .options import CheckOptions
from .pipeline import NotebookContent, check_notebook
from .results import NotebookResult


def check_many(
    paths: Sequence[str],
    options: CheckOptions | None = None,
    jobs: int = 1,
    on_result: Callable[[NotebookResult], None] | None = None,
    check: Callable[[str, CheckOptions], NotebookResult] = check_notebook,
) -> list[NotebookResult]:
    """Check several notebooks, ``jobs`` at a time in separate processes (each its own kernel).

    Results come back in the order of ``paths`` whatever the order of completion, so a
    parallel run reports exactly what a serial run does. ``check`` is what runs per
    notebook (:func:`repro_nb.check.executors.check_with_retries` retries a kernel that
    did not start); a module-level function, so that it pickles.
    """
    opts = options or CheckOptions()
    if jobs <= 1 or len(paths) <= 1:
        results = []
        for path in paths:
            try:
                result = check(path, opts)
            except Exception as exc:  # noqa: BLE001 - one notebook must not end a check of many
                result = _crashed(path, exc)
            if on_result:
                on_result(result)
            results.append(result)
        return results
    from concurrent.futures import ProcessPoolExecutor, as_completed

    ordered: list[NotebookResult | None] = [None] * len(paths)
    # papermill chdir()s the whole process into the notebook's directory, so parallel
    # checks need processes, not threads.
    with ProcessPoolExecutor(max_workers=jobs, mp_context=_pool_context()) as pool:
        futures = {pool.submit(check, path, opts): i for i, path in enumerate(paths)}
        for future in as_completed(futures):
            i = futures[future]
            try:
                result = future.result()
            except Exception as exc:  # noqa: BLE001 - a crashed worker is this notebook's failure
                result = _crashed(paths[i], exc)
            ordered[i] = result
            if on_result:
                on_result(result)
    return [r for r in ordered if r is not None]


def check_one(
    path: str,
    options: CheckOptions,
    on_cell_start: Callable[[int, int], None] | None = None,
    content: NotebookContent | None = None,
) -> NotebookResult:
    """:func:`check_notebook`, with any exception it lets through made this notebook's error."""
    try:
        return check_notebook(path, options, on_cell_start=on_cell_start, content=content)
    except Exception as exc:  # noqa: BLE001 - one notebook must not end a check of many
        return _crashed(path, exc)


def _crashed(path: str, exc: BaseException) -> NotebookResult:
    return NotebookResult(path, "error", message=f"checker crashed on {path}: {type(exc).__name__}: {exc}")


def _pool_context() -> Any:
    """How to start ``--jobs`` workers: as cheaply as is safe.

    A spawned worker imports repro-nb, papermill and nbformat afresh: about 3 s of CPU
    here, as much as checking a small notebook, paid by every worker on a machine whose
    cores the kernels need. Forking the parent costs nothing and is safe on Linux while
    the parent runs no other thread (the CLI: nothing started yet). Otherwise (threads,
    macOS, Windows) a fork server that imports repro-nb once, or spawn.
    """
    import multiprocessing
    import sys
    import threading

    methods = multiprocessing.get_all_start_methods()
    if sys.platform.startswith("linux") and "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["repro_nb.check.pipeline"])
        return context
    return multiprocessing.get_context("spawn")
