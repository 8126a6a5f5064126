"""Where the checks of many notebooks run: here one by one, in local processes, or on Dask.

One setting names the executor, the same for the CLI (``--jobs``, ``--dask``,
``--executor``), the pytest plugin (``--repro-nb-executor``), the server extension
(``c.ReproNBServer.executor``) and ``[tool.repro-nb] executor``:

- ``serial`` — one notebook after the other in this process (each in a fresh kernel);
- ``processes[:N]`` — ``--jobs N``: N local worker processes (:mod:`.parallel`);
- ``dask:local[:N]`` — a :class:`distributed.LocalCluster` of N worker processes here;
- ``dask:tcp://host:8786`` (any scheduler address) — an existing Dask cluster.

Whatever the executor, each notebook is checked by the same function,
:func:`check_with_retries` — :func:`~.pipeline.check_notebook` in a fresh kernel in the
notebook's directory, started again when the kernel did not start (papermill #511: two
kernels launched at once can race for the same ports) — and the results come back in
the order of the paths, so the reports of every executor are the same.

On Dask each notebook is one task. Its files reach the worker through a shared
filesystem at the same path (the default: the task runs in the client's working
directory when the worker has it, so every path reads as it does here), or are shipped
with the tasks (``ship``): the directory given to the check is packed once, scattered
to the cluster, and unpacked once per worker for the run. A worker that dies is
replaced and its task re-run elsewhere (the scheduler's ``allowed-failures``); a cell
that hangs is bounded by the check's timeout, a kernel that will not start by its
start-up timeout. papermill changes the process's working directory while a notebook
runs, so a worker process runs one check at a time (start workers with
``--nthreads 1``; a lock keeps a multi-threaded worker correct, not parallel).
"""

from __future__ import annotations

import io
import logging
import os
import shutil
import tarfile
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from ..errors import ExecutorError
from .options import CheckOptions
from .results import NotebookResult

__all__ = [
    "Executor",
    "ExecutorSpec",
    "check_with_retries",
    "open_executor",
    "parse_executor",
]

ExecutorKind = Literal["serial", "processes", "dask"]

#: Attempts at starting a kernel before a check gives up (the first one included).
KERNEL_START_ATTEMPTS = 3
#: Seconds before the second attempt; doubled for each further one.
KERNEL_RETRY_DELAY_S = 0.5
#: Most bytes of files ``ship`` packs: beyond it, a shared filesystem is the way.
MAX_SHIP_BYTES = 256 << 20
#: Directories never shipped: version control, environments, caches, checkpoints.
_NOT_SHIPPED = frozenset({"__pycache__", "node_modules"})

Note = Callable[[str], None]


@dataclass(frozen=True)
class ExecutorSpec:
    """Which executor, parsed from its one-string setting (:func:`parse_executor`)."""

    kind: ExecutorKind = "serial"
    workers: int | None = None
    """``processes``: how many; ``dask:local``: how many worker processes (default: cores)."""
    scheduler: str | None = None
    """``dask``: ``"local"`` or the scheduler's address."""
    ship: bool = False
    """``dask``: send the notebooks' files with the tasks instead of relying on a shared filesystem."""

    def __str__(self) -> str:
        if self.kind == "serial":
            return "serial"
        if self.kind == "processes":
            return f"processes:{self.workers or 1}"
        local = self.scheduler == "local"
        return f"dask:{self.scheduler}" + (f":{self.workers}" if local and self.workers else "")

    @property
    def is_local_dask(self) -> bool:
        return self.kind == "dask" and self.scheduler == "local"


def parse_executor(text: str, *, ship: bool = False) -> ExecutorSpec:
    """``serial``, ``processes[:N]``, ``dask:local[:N]``, ``dask:ADDRESS`` → :class:`ExecutorSpec`."""
    value = text.strip()
    if value == "serial":
        return ExecutorSpec("serial")
    if value == "processes" or value.startswith("processes:"):
        workers = _count(value.partition(":")[2] or "1", text)
        return ExecutorSpec("serial") if workers == 1 else ExecutorSpec("processes", workers)
    if value.startswith("dask:"):
        return dask_executor(value[len("dask:") :], ship=ship)
    raise ExecutorError(f"unknown executor {text!r}: expected serial, processes[:N], dask:local[:N] or dask:ADDRESS")


def dask_executor(scheduler: str, *, ship: bool = False) -> ExecutorSpec:
    """``--dask SCHEDULER``: ``local[:N]`` or an address such as ``tcp://host:8786``."""
    value = scheduler.strip()
    if value == "local" or value.startswith("local:"):
        workers = _count(value.partition(":")[2], scheduler) if ":" in value else None
        return ExecutorSpec("dask", workers, "local", ship)
    if not value:
        raise ExecutorError("--dask needs a scheduler: local[:N] or an address such as tcp://host:8786")
    return ExecutorSpec("dask", None, value, ship)


def _count(text: str, whole: str) -> int:
    try:
        count = int(text)
    except ValueError:
        raise ExecutorError(f"{whole!r}: {text!r} is not a number of workers") from None
    if count < 1:
        raise ExecutorError(f"{whole!r}: at least one worker is needed")
    return count


# ------------------------------------------------------------------ one notebook


def check_with_retries(path: str, options: CheckOptions) -> NotebookResult:
    """:func:`~.pipeline.check_notebook`, started again when its kernel did not start.

    A kernel that dies before it answers, or whose ports another kernel took in the same
    instant, says nothing about the notebook; a retry a moment later almost always
    starts. Anything else — a cell that failed, timed out or killed a running kernel —
    is the notebook's result and is never retried.
    """
    from .pipeline import check_notebook

    failures: list[str] = []
    while True:
        result = check_notebook(path, options)
        reason = kernel_start_failure(result)
        if reason is None:
            break
        failures.append(reason)
        if len(failures) == KERNEL_START_ATTEMPTS:
            result.warnings.append(f"the kernel did not start in {len(failures)} attempts")
            return result
        time.sleep(KERNEL_RETRY_DELAY_S * 2 ** (len(failures) - 1))
    if failures:
        result.warnings.append(
            f"the kernel did not start at the first {len(failures)} attempt(s) ({failures[-1]}); "
            f"it started at attempt {len(failures) + 1}"
        )
    return result


def kernel_start_failure(result: NotebookResult) -> str | None:
    """Why the kernel of this check did not start, or ``None`` when it did (or never had to)."""
    if result.run_status == "kernel-failed" and not any(c.status not in ("not-run", "skipped") for c in result.cells):
        failed = next((c.failure for c in result.cells if c.failure), None)
        return f"{failed['ename']}: {failed['evalue']}" if failed else result.message
    if result.verdict == "error" and result.message.startswith("could not execute"):
        return result.message
    return None


# ------------------------------------------------------------------ executors


class Executor(Protocol):
    """What the CLI, the pytest plugin and the cache need of an executor."""

    spec: ExecutorSpec

    def check_many(
        self,
        paths: Sequence[str],
        options: CheckOptions,
        on_result: Callable[[NotebookResult], None] | None = None,
        roots: Sequence[str] = (),
    ) -> list[NotebookResult]:
        """Check ``paths``; results in their order; ``on_result`` as each one is done.

        ``roots``: the directories the check was given (what ``ship`` sends).
        """
        ...

    def facts(self) -> dict[str, Any]:
        """:func:`~.fingerprint.environment_facts` of where the checks run (for ``--cache``)."""
        ...

    def close(self) -> None: ...


class LocalExecutor:
    """``serial`` and ``processes:N``: this machine, through :func:`.parallel.check_many`."""

    def __init__(self, spec: ExecutorSpec) -> None:
        self.spec = spec

    def check_many(
        self,
        paths: Sequence[str],
        options: CheckOptions,
        on_result: Callable[[NotebookResult], None] | None = None,
        roots: Sequence[str] = (),
    ) -> list[NotebookResult]:
        from .parallel import check_many

        jobs = (self.spec.workers or 1) if self.spec.kind == "processes" else 1
        return check_many(paths, options, jobs=jobs, on_result=on_result, check=check_with_retries)

    def facts(self) -> dict[str, Any]:
        from .fingerprint import environment_facts

        return environment_facts()

    def close(self) -> None:
        pass


@contextmanager
def open_executor(spec: ExecutorSpec, on_note: Note | None = None) -> Iterator[Executor]:
    """The executor ``spec`` names, closed (its cluster stopped) on the way out."""
    executor: Executor = DaskExecutor(spec, on_note) if spec.kind == "dask" else LocalExecutor(spec)
    try:
        yield executor
    finally:
        executor.close()


class DaskExecutor:
    """Each notebook a task on a Dask cluster (see the module's documentation).

    The cluster is started, or the scheduler reached, on first use: a ``--cache`` run
    whose results all come from the cache starts nothing.
    """

    def __init__(self, spec: ExecutorSpec, on_note: Note | None = None) -> None:
        self.spec = spec
        self._note = on_note or (lambda text: None)
        self._cluster: Any = None
        self._client: Any = None
        self._run_id = uuid.uuid4().hex[:12]
        # before any cluster starts: a LocalCluster's nannies set Dask's values here too
        self._kernel_env = client_environment()

    # -- the cluster ----------------------------------------------------------

    @property
    def client(self) -> Any:
        """The ``distributed.Client``, connected on first use."""
        if self._client is None:
            self._client = self._connect()
        return self._client

    def _connect(self) -> Any:
        try:
            import distributed
        except ImportError:
            raise ExecutorError("--dask needs the distributed package: pip install 'repro-nb[dask]'") from None
        if self.spec.is_local_dask:
            workers = self.spec.workers or os.cpu_count() or 1
            self._note(f"starting a Dask LocalCluster of {workers} worker process(es)")
            import dask

            # the nannies' PYTHONHASHSEED stays theirs; no statistical profiler sampling the
            # workers every 10 ms (measured: a fifth of the cluster's own CPU time here)
            with _kernel_environment(self._kernel_env), dask.config.set({"distributed.worker.profile.enabled": False}):
                self._cluster = distributed.LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,  # papermill changes the working directory: one check per process
                    processes=True,
                    dashboard_address=":0",  # any free port: other clusters may run on this machine
                    silence_logs=logging.ERROR,
                )
            client = distributed.Client(self._cluster)
        else:
            try:
                client = distributed.Client(self.spec.scheduler, timeout="30s")
            except (OSError, TimeoutError, ValueError) as exc:
                raise ExecutorError(f"cannot reach the Dask scheduler {self.spec.scheduler}: {exc}") from exc
        self._note(f"Dask dashboard: {client.dashboard_link}")
        return client

    def facts(self) -> dict[str, Any]:
        from .fingerprint import environment_facts

        if self.spec.is_local_dask:
            return environment_facts()  # the workers are this machine's processes, this Python
        found = self.client.run(environment_facts)
        return merge_facts(list(found.values()))

    def close(self) -> None:
        if self._client is not None:
            if self.spec.ship and not self.spec.is_local_dask:
                try:
                    self._client.run(_remove_shipped, self._run_id)
                except Exception as exc:  # noqa: BLE001 - a worker gone at the end leaves a temp dir, no more
                    logging.getLogger(__name__).debug("repro-nb: shipped files not removed: %s", exc)
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None
        if self.spec.ship and self.spec.is_local_dask:
            _remove_shipped(self._run_id)

    # -- checking ---------------------------------------------------------------

    def check_many(
        self,
        paths: Sequence[str],
        options: CheckOptions,
        on_result: Callable[[NotebookResult], None] | None = None,
        roots: Sequence[str] = (),
    ) -> list[NotebookResult]:
        if not paths:
            return []
        client = self.client
        from distributed import as_completed

        cwd = os.getcwd()
        kernel_env = self._kernel_env
        bundles: dict[str, tuple[Any, str, str]] = {}
        futures = {}
        for i, path in enumerate(paths):
            shipped: tuple[Any, str | None, str | None] = (None, None, None)
            if self.spec.ship:
                root = _root_of(path, roots)
                if root not in bundles:
                    data, base = _pack(root, cwd)
                    self._note(f"shipping {root} ({len(data) / 1e6:.1f} MB) to the cluster")
                    bundles[root] = (client.scatter(data, hash=False), base, f"{self._run_id}-{len(bundles)}")
                data_future, base, bundle_id = bundles[root]
                shipped = (data_future, os.path.relpath(os.path.abspath(path), base), bundle_id)
            future = client.submit(
                run_on_worker,
                path,
                options,
                cwd,
                kernel_env,
                *shipped,
                key=f"repro-nb-check-{self._run_id}-{i}",
                pure=False,
                retries=1,  # an exception in the task itself (the worker's Python, not the notebook)
            )
            futures[future] = i
        ordered: list[NotebookResult | None] = [None] * len(paths)
        for future in as_completed(list(futures)):
            i = futures[future]
            try:
                result: NotebookResult = future.result()
            except Exception as exc:  # noqa: BLE001 - a task lost with its workers is this notebook's error
                result = NotebookResult(paths[i], "error", message=f"the check failed on the cluster: {_reason(exc)}")
            ordered[i] = result
            if on_result:
                on_result(result)
            future.release()
        return [r for r in ordered if r is not None]


def _reason(exc: BaseException) -> str:
    name = type(exc).__name__
    if name == "KilledWorker":
        return "every worker that ran it died (distributed.KilledWorker); see the workers' logs"
    return f"{name}: {exc}"


def merge_facts(found: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One set of facts for workers that may differ: any difference on any worker shows.

    The same facts on every worker (one image, the usual case) are those facts. Otherwise
    a version is every version seen (``1.26.4|2.0.0``), the machine every machine: a
    notebook's fingerprint then changes whenever any worker's environment does, since no
    one knows which worker will run it.
    """
    if not found:
        raise ExecutorError("the Dask cluster has no workers")
    first = found[0]
    if all(facts == first for facts in found[1:]):
        return first
    versions: dict[str, set[str]] = {}
    for facts in found:
        for name, version in facts["versions"].items():
            versions.setdefault(name, set()).add(version)
    kernels: dict[str, Any] = {}
    for name, spec in first["kernels"].items():
        variants = [facts["kernels"].get(name) for facts in found]
        if all(v == spec for v in variants):
            kernels[name] = spec
        elif all(v is not None for v in variants):
            kernels[name] = {**spec, "variants": sorted(map(repr, variants)), "packages": repr(variants)}
    return {
        "machine": sorted((facts["machine"] for facts in found), key=repr),
        "versions": {name: "|".join(sorted(values)) for name, values in versions.items()},
        "kernels": kernels,
    }


# ------------------------------------------------------------------ on the worker

#: papermill changes the process's working directory for the length of a run: one check
#: at a time per worker process, whatever its thread count.
_WORKER_LOCK = threading.Lock()


def client_environment() -> dict[str, str]:
    """The variables that change results (``PYTHONHASHSEED``, thread counts), as set here.

    A Dask nanny starts its worker with ``PYTHONHASHSEED=6640`` and one thread for
    OpenMP, MKL and OpenBLAS; a kernel started there would inherit them and print sets
    in another order, or sum in another order, than the same check run here. The task
    carries the client's values, and the kernel gets those.
    """
    from ..format.record import ALLOWED_ENV_VARS

    return {name: os.environ[name] for name in sorted(ALLOWED_ENV_VARS) if name in os.environ}


@contextmanager
def _kernel_environment(values: dict[str, str]) -> Iterator[None]:
    from ..format.record import ALLOWED_ENV_VARS

    saved = {name: os.environ.get(name) for name in ALLOWED_ENV_VARS}
    for name in ALLOWED_ENV_VARS:
        if name in values:
            os.environ[name] = values[name]
        else:
            os.environ.pop(name, None)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_on_worker(
    path: str,
    options: CheckOptions,
    client_cwd: str,
    kernel_env: dict[str, str],
    shipped: bytes | None = None,
    shipped_path: str | None = None,
    bundle_id: str | None = None,
) -> NotebookResult:
    """The task: check one notebook on a Dask worker, as the client would here.

    With a shared filesystem the check runs in the client's working directory, so the
    path and every message read as they do for the client. Shipped, it runs in the
    unpacked copy, laid out as the client's directory is.
    """
    with _WORKER_LOCK:
        previous = os.getcwd()
        try:
            if shipped is not None and shipped_path is not None and bundle_id is not None:
                os.chdir(_unpack(shipped, bundle_id))
                run_path = shipped_path
            elif os.path.isdir(client_cwd):
                os.chdir(client_cwd)
                run_path = path
            else:
                run_path = path if os.path.isabs(path) else os.path.join(client_cwd, path)
            if not os.path.exists(run_path):
                return NotebookResult(
                    path,
                    "error",
                    message=f"{path} is not on the Dask worker {_hostname()}: share the directory at the same "
                    "path on every worker, or pass --ship",
                )
            with _kernel_environment(kernel_env):
                result = check_with_retries(run_path, options)
        finally:
            os.chdir(previous)
    if run_path != path:
        result.message = result.message.replace(run_path, path)
        result.path = path
    return result


def _hostname() -> str:
    import socket

    return socket.gethostname()


def _root_of(path: str, roots: Sequence[str]) -> str:
    """The directory of the check that holds ``path`` (the deepest), else the notebook's own."""
    absolute = os.path.abspath(path)
    holding = [
        os.path.abspath(root)
        for root in roots
        if os.path.isdir(root) and absolute.startswith(os.path.abspath(root).rstrip(os.sep) + os.sep)
    ]
    return max(holding, key=len) if holding else os.path.dirname(absolute)


def _pack(root: str, cwd: str) -> tuple[bytes, str]:
    """``root`` as a gzipped tar, and the directory its member names are relative to.

    Relative to the working directory when ``root`` is inside it (the usual ``repro-nb
    check notebooks/ --ship``), so that the worker finds ``notebooks/x.ipynb`` where the
    client does; relative to the root's parent otherwise. Hidden directories (``.git``,
    ``.venv``, ``.repro-nb-cache``, checkpoints), ``__pycache__`` and ``node_modules``
    stay behind.
    """
    inside = os.path.abspath(root).startswith(os.path.abspath(cwd).rstrip(os.sep) + os.sep)
    base = os.path.abspath(cwd) if inside else os.path.dirname(os.path.abspath(root))
    buffer = io.BytesIO()
    total = 0
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=1) as archive:
        for directory, subdirs, files in os.walk(root):
            subdirs[:] = sorted(d for d in subdirs if not d.startswith(".") and d not in _NOT_SHIPPED)
            for name in sorted(files):
                full = os.path.join(directory, name)
                if not os.path.isfile(full):
                    continue
                total += os.path.getsize(full)
                if total > MAX_SHIP_BYTES:
                    raise ExecutorError(
                        f"{root} holds more than {MAX_SHIP_BYTES >> 20} MiB: too large to ship with the tasks; "
                        "put it on a filesystem the workers share, at the same path, and leave out --ship"
                    )
                archive.add(full, arcname=os.path.relpath(full, base), recursive=False)
    return buffer.getvalue(), base


def _ship_root(bundle_id: str) -> str:
    return os.path.join(tempfile.gettempdir(), f"repro-nb-ship-{bundle_id}")


def _unpack(data: bytes, bundle_id: str) -> str:
    """Unpack a shipped directory once per worker machine and run; return where it is."""
    target = _ship_root(bundle_id)
    if os.path.isdir(target):
        return target
    staging = tempfile.mkdtemp(prefix=f".repro-nb-ship-{bundle_id}-", dir=tempfile.gettempdir())
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        # "data": no absolute names, no links out of the directory, no devices
        archive.extractall(staging, filter="data")
    try:
        os.rename(staging, target)
    except OSError:  # another worker process on this machine was first
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _remove_shipped(run_id: str) -> None:
    """Remove what this run unpacked on a worker machine (run on every worker at the end)."""
    prefix = f"repro-nb-ship-{run_id}-"
    try:
        names = os.listdir(tempfile.gettempdir())
    except OSError:
        return
    for name in names:
        if name.startswith(prefix):
            shutil.rmtree(os.path.join(tempfile.gettempdir(), name), ignore_errors=True)
