"""The kernel-side recorder: what each cell depended on.

:class:`Recorder` knows nothing of IPython: the extension (:mod:`.extension`) calls
:meth:`Recorder.begin_cell` and :meth:`Recorder.end_cell` from IPython's
``pre_run_cell``/``post_run_cell`` events, and the same object serves the headless engine
and the Python API. It returns records as JSON-able dicts following
``repro_nb/format/schema/record-v2.schema.json`` (typed by :mod:`repro_nb.format.record_types`).

Speed matters: this runs around every cell of a working session. ``begin_cell`` only
takes fingerprints and flips a flag; ``end_cell`` does real work only when the cell did
something worth recording (imported a module, opened a file, moved an RNG).
"""

from __future__ import annotations

import functools
import itertools
import json
import os
import re
import stat
import sys
import time
import urllib.parse
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from .._version import __version__
from ..format import record as record_mod
from ..format.cellcode import direct_imports, env_var_reads
from ..format.cells import source_hash
from ..format.hashing import DirectoryDigest, FileDigest, FileHasher
from ..format.text import short_hash
from .config import ReproNB
from .environment import collect_blas, collect_env_vars, collect_environment
from .fileaccess import AccessMonitor, FileAccess, PathFilter, display_path
from .locations import as_prefixes, library_dirs
from .packages import PackageResolver, is_stdlib
from .seeds import SeedEvent, SeedTracker, UnseededGenerator

#: The options the recorder follows while it runs (see ``_config_changed``).
_OBSERVED = (
    "hash_algorithm",
    "max_hash_bytes",
    "ignore",
    "never_record",
    "record_seeds",
    "record_data",
    "record_packages",
    "record_order",
)

#: scikit-learn's modules whose first import installs the metric hooks (:mod:`.evaluation`).
_EVALUATION_MODULES = ("sklearn.utils.multiclass", "sklearn.base", "sklearn.metrics")
#: Evaluation metrics kept in the notebook record (the latest).
_MAX_METRICS = 200

if TYPE_CHECKING:
    from ..format.record_types import (
        CellError,
        CellRecord,
        DataFileRecord,
        EnvironmentRecord,
        ImportRecord,
        LocalModuleRecord,
        MetricRecord,
        NotebookRecord,
        RecorderChannel,
        RecordWarning,
        ResultRecord,
        SeedEventRecord,
        Sidecar,
        UnseededRngRecord,
    )


def utcnow() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def is_nbformat_id(cell_id: str | None) -> bool:
    """nbformat ids are 1-64 chars of ``[a-zA-Z0-9-_]``; VS Code sends an editor URI instead."""
    if not cell_id or len(cell_id) > 64:
        return False
    return all(c.isalnum() or c in "-_" for c in cell_id)


class _CellInProgress:
    """What ``begin_cell`` noted, for ``end_cell`` (a plain class: made for every cell)."""

    __slots__ = (
        "cell_id",
        "editor_uri",
        "evaluation_warnings",
        "fingerprints",
        "metrics",
        "modules_before",
        "results",
        "seeds",
        "source",
        "started_at",
        "t0",
        "unseeded",
    )

    def __init__(
        self,
        cell_id: str | None,
        editor_uri: str | None,
        source: str,
        started_at: str,
        t0: float,
        modules_before: int,
        fingerprints: dict[str, int],
    ) -> None:
        self.cell_id = cell_id
        self.editor_uri = editor_uri
        self.source = source
        self.started_at = started_at
        self.t0 = t0
        self.modules_before = modules_before
        self.fingerprints = fingerprints
        self.seeds: list[SeedEventRecord] = []
        self.unseeded: list[UnseededRngRecord] = []
        # made when a cell stores a result or computes a metric: most cells do neither
        self.results: list[ResultRecord] | None = None
        self.metrics: list[MetricRecord] | None = None
        self.evaluation_warnings: list[RecordWarning] | None = None


class Recorder:
    """Records cells of one kernel session. One instance per loaded extension."""

    def __init__(
        self,
        config: ReproNB | None = None,
        notebook_path: str | None = None,
        cwd: Callable[[], str] = os.getcwd,
    ) -> None:
        self.config = config or ReproNB()
        self._cwd = cwd
        self.notebook_path = os.path.abspath(notebook_path) if notebook_path else None
        self.hasher = FileHasher(self.config.hash_algorithm, max_bytes=self.config.max_hash_bytes)
        self.resolver = PackageResolver()
        self.seeds = SeedTracker(self._on_seed)
        self.monitor = AccessMonitor()
        self.filter = PathFilter(self.config.ignore, never_record=self.config.never_record)
        if self.notebook_path:
            self.filter.exclude(self.notebook_path)
        self.started_at = utcnow()
        # The machine is described when the record is first read (≈ 1 ms: /proc/cpuinfo,
        # the C library, GPUs), not at %load_ext; the variables that may change during
        # the session are taken now.
        self._env_vars = collect_env_vars()
        self._described: EnvironmentRecord | None = None
        self._numpy_seen = "numpy" in sys.modules
        self._blas_pending = False
        self.packages: dict[str, str | None] = {}
        self.session_seeds: list[SeedEventRecord] = []
        self.session_unseeded: list[UnseededRngRecord] = []
        self.data: dict[str, DataFileRecord] = {}  # display path -> last known data record
        self.warnings: list[RecordWarning] = []
        self.cells: list[CellRecord] = []
        self.listeners: list[Callable[[CellRecord], None]] = []
        self._current: _CellInProgress | None = None
        self._order = 0
        self._last_read: dict[str, tuple[str | None, int | None]] = {}  # path -> (hash, exec count)
        self._writers: dict[str, int | None] = {}  # path -> exec count of the last cell that wrote it
        self._pins: dict[str, DataFileRecord] = {}  # absolute path -> as pinned
        self._pin_reported: dict[str, str | None] = {}  # absolute path -> the hash last warned about
        self._attributed_imports: set[str] = set()
        # top-level packages the kernel had before recording began are not the notebook's
        self._known_tops = {name.partition(".")[0] for name in list(sys.modules)}
        self._positions: dict[str, int] = {}
        self._positions_source: tuple[str, int] | None = None  # (notebook path, mtime_ns) read from
        # Execution order, kept so that each cell's check is O(1) however long the session:
        self._runs = 0  # executions of cells with an id so far
        self._last_run: dict[str, int] = {}  # cell id -> index of its latest execution
        self._positions_run: set[int] = set()  # notebook positions executed so far
        self._sidecar_written: str | None = None
        #: named results (``repro_nb.result``), the last under each name, in the order first stored
        self.results: dict[str, ResultRecord] = {}
        self.metrics: list[MetricRecord] = []
        #: ``REPRO_NB_SEED`` (``repro-nb seeds``): the seed %repro_seed uses, whatever it is given
        self.seed_override: int | None = None
        self.evaluation: Any = None  # EvaluationHooks, made when scikit-learn is first imported
        for name in self.seeds.watch_imports(_EVALUATION_MODULES, self._on_evaluation_import):
            self._on_evaluation_import(name, sys.modules[name])
        self.seeds.install()
        self.monitor.install_wrappers()
        self._read_parts()
        self.config.observe(self._config_changed, names=list(_OBSERVED))

    # -- lifecycle ----------------------------------------------------------------

    def close(self) -> None:
        """Stop recording and put every wrapped function back."""
        self.config.unobserve(self._config_changed, names=list(_OBSERVED))
        self.monitor.close()
        self.seeds.uninstall()
        if self.evaluation is not None:
            self.evaluation.close()
            self.evaluation = None
        self._current = None

    def _config_changed(self, change: Any) -> None:
        """``%config ReproNB.…`` during the session applies from the next cell on."""
        if change["name"].startswith("record_"):
            self._read_parts()
        elif change["name"] in ("hash_algorithm", "max_hash_bytes"):
            # a new hasher, so no digest of the old algorithm is served from its cache
            self.hasher = FileHasher(self.config.hash_algorithm, max_bytes=self.config.max_hash_bytes)
        else:
            self.filter = PathFilter(self.config.ignore, never_record=self.config.never_record)
            for path in (self.notebook_path, self._sidecar_written):
                if path:
                    self.filter.exclude(path)
            if self.notebook_path:
                self.filter.exclude(record_mod.sidecar_path(self.notebook_path))

    def _read_parts(self) -> None:
        # Plain attributes: a trait is read through a descriptor, six times per cell.
        config = self.config
        self._record_seeds = config.record_seeds
        self._record_data = config.record_data
        self._record_packages = config.record_packages
        self._record_order = config.record_order

    def set_notebook_path(self, path: str | None) -> None:
        if path:
            self.notebook_path = os.path.abspath(path)
            self.filter.exclude(self.notebook_path)
            self.filter.exclude(record_mod.sidecar_path(self.notebook_path))

    def set_positions(self, cell_ids: list[str]) -> None:
        """Tell the recorder the notebook's cell order (from the frontend or the engine)."""
        self._positions = {cid: i for i, cid in enumerate(cell_ids)}
        self._positions_source = ("told", 0)

    @property
    def base_dir(self) -> str:
        return self._base_dir(self._cwd())

    def _base_dir(self, cwd: str) -> str:
        """Recorded paths are relative to the notebook's folder, else the working directory."""
        return os.path.dirname(self.notebook_path) if self.notebook_path else cwd

    # -- per cell -----------------------------------------------------------------

    def begin_cell(self, source: str, cell_id: str | None = None) -> None:
        nb_id = editor_uri = None
        if cell_id:
            if is_nbformat_id(cell_id):
                nb_id = cell_id
            else:
                editor_uri = editor_cell_ref(cell_id)
        self._current = _CellInProgress(
            nb_id,
            editor_uri,
            source,
            utcnow(),
            time.perf_counter(),
            len(sys.modules),
            self.seeds.fingerprints() if self._record_seeds else {},
        )
        if self._record_data:
            self.monitor.start()

    def end_cell(self, execution_count: int | None = None, error: BaseException | None = None) -> CellRecord | None:
        """Finish the current cell and return its record (``None`` if no cell was begun)."""
        events = self.monitor.stop()
        current = self._current
        self._current = None
        if current is None:
            return None
        duration = time.perf_counter() - current.t0
        self._order += 1
        cell: CellRecord = {
            "schema_version": record_mod.SCHEMA_VERSION,
            "cell_id": current.cell_id,
            "execution_count": execution_count,
            "order": self._order,
            "source_hash": source_hash(current.source),
            "started_at": current.started_at,
            "duration_s": round(duration, 6),
            "error": _error_json(error),
        }
        if current.editor_uri:
            cell["editor_uri"] = current.editor_uri
        warnings: list[RecordWarning] = []
        try:
            self._record_cell(cell, current, events, warnings, error)
        except Exception as exc:  # noqa: BLE001 - the recorder must never break a cell
            warnings.append(
                {"kind": "recorder-error", "message": redact_home(f"repro-nb could not record this cell: {exc!r}")}
            )
        if current.results is not None or current.metrics is not None:
            self._evaluation_of_cell(cell, current, warnings)
        for w in warnings:
            w.setdefault("cell_id", current.cell_id)
            w.setdefault("execution_count", execution_count)
        cell["warnings"] = warnings
        self.warnings.extend(warnings)
        self.cells.append(cell)
        for listener in list(self.listeners):
            try:
                listener(cell)
            except Exception:  # noqa: BLE001, S110 - a broken frontend must not break the kernel
                pass
        return cell

    def _record_cell(
        self,
        cell: CellRecord,
        current: _CellInProgress,
        events: list[Any],
        warnings: list[RecordWarning],
        error: BaseException | None = None,
    ) -> None:
        if self._record_seeds:
            cell_id, count = current.cell_id, cell.get("execution_count")
            seeds: list[SeedEventRecord] = [{**s, "cell_id": cell_id, "execution_count": count} for s in current.seeds]
            cell["seeds"] = seeds
            unseeded: list[UnseededRngRecord] = [
                {**u, "cell_id": cell_id, "execution_count": count} for u in current.unseeded
            ]
            for library in self.seeds.unseeded_advanced(current.fingerprints, self.seeds.fingerprints()):
                unseeded.append(
                    {"library": library, "kind": "global-state-advanced", "cell_id": cell_id, "execution_count": count}
                )
            cell["unseeded_rng"] = unseeded
            if seeds:
                self.session_seeds.extend(seeds)
            if unseeded:
                self.session_unseeded.extend(unseeded)
                for u in unseeded:
                    warnings.append({"kind": "unseeded-rng", "library": u["library"], "message": _unseeded_message(u)})
        if self._record_packages:
            cell["imports"] = self._imports(current)
            if len(sys.modules) > current.modules_before:
                local = self._local_modules(current.modules_before)
                if local:
                    cell["local_modules"] = local
        env_names = env_var_reads(current.source)
        if env_names:
            environ = os.environ
            cell["env_vars"] = [{"name": name, "set": name in environ} for name in env_names]
        if len(sys.modules) != current.modules_before:
            self.seeds.install()
            self.monitor.install_wrappers()
            if not self._numpy_seen and "numpy" in sys.modules:
                self._numpy_seen = True
                # The BLAS report costs ~12 ms (it imports threadpoolctl and scans the
                # loaded libraries): taken when the record is first read, not here.
                self._blas_pending = True
        if self._record_data:
            cell["reads"], cell["writes"] = [], []
            if events or isinstance(error, OSError):
                # getcwd is a system call (≈ 20 µs in a sandbox): only when a file was opened
                cwd = self._cwd()
                accesses = AccessMonitor.resolve(events, cwd, self.filter)
                if len(sys.modules) > current.modules_before and any(a.path.endswith(_CODE_SUFFIXES) for a in accesses):
                    code = _code_files(current.modules_before)
                    accesses = [access for access in accesses if access.path not in code]
                cell["reads"], cell["writes"] = self._data(
                    accesses, cell["execution_count"], warnings, self._base_dir(cwd), _failed_open(error, cwd)
                )
            if self._pins:
                warnings.extend(self._check_pins(files_only=True))
        if self._record_order and current.cell_id:
            order_warning = self._order_warning(current.cell_id)
            cell["position"] = self._positions.get(current.cell_id)
            if order_warning:
                warnings.append(order_warning)

    # -- named results and evaluation metrics --------------------------------------

    def add_result(self, result: ResultRecord) -> None:
        """A named result (``repro_nb.result``): into the running cell's record, and the session's.

        The session keeps a copy per name (the last stored; in the order first stored),
        so deciding a pending claim later changes the notebook record, not a cell record
        already sent.
        """
        current = self._current
        if current is not None:
            if current.results is None:
                current.results = []
            current.results.append(result)
        self.results[result["name"]] = {**result}
        self._decide_pending(result["name"])

    def scalar_results(self) -> dict[str, Any]:
        """The value of each scalar result by name, for claims that name another result."""
        return {name: r["value"] for name, r in self.results.items() if r.get("kind") == "scalar"}

    def _decide_pending(self, name: str) -> None:
        """Claims stored before the result they name (``< baseline`` before ``baseline``) are decided now."""
        pending = [
            r for r in self.results.values() if r.get("claim") and _status(r) == "undecided" and r["name"] != name
        ]
        if not pending:
            return
        from ..format.claims import evaluate, parse

        values = self.scalar_results()
        for entry in pending:
            claim = parse(str(entry["claim"]))
            if claim.reference == name:
                entry["claim_outcome"] = evaluate(claim, entry["value"], values).to_json()  # type: ignore[typeddict-item]

    def _on_evaluation_import(self, name: str, module: Any) -> None:
        if self.evaluation is None:
            from .evaluation import EvaluationHooks

            self.evaluation = EvaluationHooks(self._on_metric)
        self.evaluation.on_import(name, module)

    def _on_metric(self, metric: MetricRecord, found: list[RecordWarning]) -> None:
        current = self._current
        if current is None:  # outside a recorded cell: the session's only
            self.metrics.append(metric)
            self.warnings.extend(found)
            return
        if current.metrics is None:
            current.metrics = []
        current.metrics.append(metric)
        if found:
            if current.evaluation_warnings is None:
                current.evaluation_warnings = []
            known = {w["message"] for w in current.evaluation_warnings if w["kind"] == "label-shift"}
            current.evaluation_warnings.extend(w for w in found if w["message"] not in known)

    def _evaluation_of_cell(self, cell: CellRecord, current: _CellInProgress, warnings: list[RecordWarning]) -> None:
        cell_id, count = current.cell_id, cell.get("execution_count")
        if current.results is not None:
            for result in current.results:
                result["cell_id"], result["execution_count"] = cell_id, count
                entry = self.results.get(result["name"])
                if entry is not None:
                    entry["cell_id"], entry["execution_count"] = cell_id, count
            cell["results"] = current.results
        if current.metrics is not None:
            for metric in current.metrics:
                metric["cell_id"], metric["execution_count"] = cell_id, count
            cell["metrics"] = current.metrics
            self.metrics.extend(current.metrics)
            del self.metrics[:-_MAX_METRICS]
        if current.evaluation_warnings:
            warnings.extend(current.evaluation_warnings)

    # -- seeds --------------------------------------------------------------------

    def _on_seed(self, event: SeedEvent | UnseededGenerator) -> None:
        current = self._current
        # Outside a recorded cell (a silent execution) it is still part of the session.
        if isinstance(event, SeedEvent):
            (current.seeds if current is not None else self.session_seeds).append(event.to_json())
        else:
            (current.unseeded if current is not None else self.session_unseeded).append(event.to_json())

    # -- packages -----------------------------------------------------------------

    def _imports(self, current: _CellInProgress) -> list[ImportRecord]:
        names: list[str] = []
        if len(sys.modules) > current.modules_before:
            # sys.modules is insertion ordered: what this cell imported is at the end.
            for name in itertools.islice(sys.modules.keys(), current.modules_before, None):
                top = name.partition(".")[0]
                if top in self._known_tops:
                    continue
                self._known_tops.add(top)
                if top not in names and not top.startswith("_") and top != "__main__" and not is_stdlib(top):
                    names.append(top)
        direct = direct_imports(current.source) if "import" in current.source else set()
        for top in sorted(direct):
            if top not in names and top not in self._attributed_imports and top in sys.modules and not is_stdlib(top):
                names.append(top)
        imports: list[ImportRecord] = []
        for top in names:
            if top in self._attributed_imports and top not in direct:
                continue
            self._attributed_imports.add(top)
            if _without_file(top):
                continue  # e.g. Cython's "cython_runtime": no file, so no distribution
            entry = self.resolver.resolve(top)
            imports.append({**entry.to_json(), "direct": top in direct})
            if entry.distribution:
                self.packages[entry.distribution] = entry.version
        return imports

    def _local_modules(self, modules_before: int) -> list[LocalModuleRecord]:
        """Modules from the notebook's own folder first imported by this cell, hashed.

        A ``helpers.py`` beside the notebook is code the outputs depend on as much as a
        data file: when it changes, the cells using it drift for a reason the checker
        can name. Installed packages (site-packages, an editable install's
        distribution) are recorded as packages instead.
        """
        base = self._base_dir(self._cwd())
        inside = base.rstrip(os.sep) + os.sep
        installed = _installed_prefixes()
        found: list[LocalModuleRecord] = []
        for name, module in itertools.islice(list(sys.modules.items()), modules_before, None):
            path = getattr(module, "__file__", None)
            if not isinstance(path, str) or not path.endswith((".py", ".pyw")):
                continue
            path = os.path.normpath(path)
            if not path.startswith(inside) or path.startswith(installed):
                continue
            found.append({"module": name, "path": display_path(path, base), "hash": self.hasher.hash_file(path).hash})
            if len(found) >= _MAX_LOCAL_MODULES:
                break
        return found

    # -- data ---------------------------------------------------------------------

    def _digest(self, path: str) -> FileDigest | None:
        """Hash a regular file; ``None`` for sockets, devices, FIFOs (not data)."""
        try:
            st = os.stat(path)
        except FileNotFoundError:
            return FileDigest(path=path, status="missing", size=None, hash=None)
        except OSError:
            return self.hasher.hash_file(path)
        if stat.S_ISDIR(st.st_mode) or not stat.S_ISREG(st.st_mode):
            return None
        return self.hasher.hash_file(path, st)

    def _data(
        self,
        accesses: list[FileAccess],
        execution_count: int | None,
        warnings: list[RecordWarning],
        base: str,
        failed_open: str | None = None,
    ) -> tuple[list[DataFileRecord], list[DataFileRecord]]:
        reads: list[DataFileRecord] = []
        writes: list[DataFileRecord] = []
        for access in accesses:
            digest = self._digest(access.path)
            if digest is None:
                continue
            if digest.status == "missing" and (not access.read or access.path == failed_open):
                # A write that left no file (a scratch file removed or renamed into place,
                # or a failed open), or the open that made the cell raise: no data here.
                continue
            shown = display_path(access.path, base)
            item: DataFileRecord = {
                "path": shown,
                "kind": "file",
                "status": digest.status,
                "size": digest.size,
                "hash": digest.hash,
            }
            if digest.status in ("unreadable", "too-large"):
                warnings.append(
                    {
                        "kind": "recorder-error",
                        "path": shown,
                        "message": f"{shown} was not hashed: {digest.error or digest.status}",
                    }
                )
            if access.read:
                previous = self._last_read.get(shown)
                if previous is not None and digest.status == "ok" and previous[0] != digest.hash:
                    warnings.append(self._changed_warning(shown, previous, digest.hash))
                if digest.status == "missing":
                    how = "deleted by the cell after it was read" if access.gone else "does not exist after the cell"
                    warnings.append(
                        {
                            "kind": "data-missing",
                            "path": shown,
                            "message": f"{shown} was opened for reading but {how}: its content is not recorded",
                        }
                    )
                reads.append(item)
                self._last_read[shown] = (digest.hash, execution_count)
            if access.write:
                writes.append({**item})
                self._writers[shown] = execution_count
            entry: DataFileRecord = {**item, "execution_count": execution_count}
            pin = self._pins.get(os.path.abspath(access.path))
            if pin is not None:  # a pinned file read later stays pinned, with its label (%repro_data --label)
                entry["pinned"] = True
                if "label" in pin:
                    entry["label"] = pin["label"]
            self.data[shown] = entry
        return reads, writes

    def _changed_warning(
        self, shown: str, previous: tuple[str | None, int | None], new_hash: str | None
    ) -> RecordWarning:
        old_hash, read_in = previous
        writer = self._writers.get(shown)
        by = (
            f"written by cell [{writer}] of this session"
            if writer is not None and (read_in is None or writer >= read_in)
            else "changed outside the notebook"
        )
        return {
            "kind": "data-changed",
            "path": shown,
            "old": old_hash,
            "new": new_hash,
            "message": (
                f"{shown} changed since it was read in cell [{read_in}] ({by}): "
                f"{short_hash(old_hash)} → {short_hash(new_hash)}; a top-to-bottom re-run reads different data"
            ),
        }

    # -- pinned data --------------------------------------------------------------

    def pin(self, path: str, label: str | None = None) -> DataFileRecord:
        """Pin a file or directory: record its hash now; later changes are reported.

        ``label`` names the table's label column (``%repro_data FILE --label COL``).
        """
        absolute = os.path.abspath(os.path.join(self._cwd(), os.fsdecode(path)))
        shown = display_path(absolute, self.base_dir)
        with self.monitor.paused():
            item = self._pin_digest(absolute, shown)
        if item["status"] not in ("ok",):
            return item
        if label is not None:
            item["label"] = label
        self._pins[absolute] = item
        self._pin_reported.pop(absolute, None)
        self.data[shown] = {**item}
        return item

    def _pin_digest(self, absolute: str, shown: str) -> DataFileRecord:
        if os.path.isdir(absolute):
            d: DirectoryDigest = self.hasher.hash_directory(
                absolute, ignore=lambda rel: self.filter.ignored_in_tree(os.path.join(absolute, rel))
            )
            item: DataFileRecord = {
                "path": shown,
                "kind": "directory",
                "status": d.status,
                "size": d.size,
                "hash": d.hash,
                "files": d.files,
                "pinned": True,
            }
            if d.skipped:
                item["skipped"] = list(d.skipped)[:20]
            return item
        f = self.hasher.hash_file(absolute)
        return {"path": shown, "kind": "file", "status": f.status, "size": f.size, "hash": f.hash, "pinned": True}

    def check_pins(self) -> list[RecordWarning]:
        """Re-check every pinned file and directory (directories can be slow: on demand)."""
        with self.monitor.paused():
            return self._check_pins(files_only=False)

    def _check_pins(self, files_only: bool) -> list[RecordWarning]:
        found: list[RecordWarning] = []
        for absolute, pinned in self._pins.items():
            if files_only and pinned.get("kind") == "directory":
                continue
            now = self._pin_digest(absolute, pinned["path"])
            if now.get("hash") != pinned.get("hash") and self._pin_reported.get(absolute) != now.get("hash"):
                self._pin_reported[absolute] = now.get("hash")
                state = (
                    "is missing"
                    if now["status"] == "missing"
                    else f"changed: {short_hash(pinned.get('hash'))} → {short_hash(now.get('hash'))}"
                )
                found.append(
                    {
                        "kind": "pinned-data-changed",
                        "path": pinned["path"],
                        "old": pinned.get("hash"),
                        "new": now.get("hash"),
                        "message": f"pinned {pinned.get('kind', 'file')} {pinned['path']} {state}",
                    }
                )
        return found

    def pins(self) -> list[DataFileRecord]:
        return list(self._pins.values())

    # -- order --------------------------------------------------------------------

    def _refresh_positions(self) -> None:
        """Learn the cell order from the saved notebook when nobody told us.

        Read only when the file changed since last time (mtime), and only when a cell id
        we do not know turns up.
        """
        if self._positions_source and self._positions_source[0] == "told":
            return
        path = self.notebook_path
        if not path:
            return
        try:
            mtime = os.stat(path).st_mtime_ns
            if self._positions_source == (path, mtime):
                return
            with open(path, encoding="utf-8") as handle:
                nb = json.load(handle)
            ids = [c.get("id") for c in nb.get("cells", [])]
        except (OSError, ValueError, AttributeError):
            return
        self._positions = {cid: i for i, cid in enumerate(ids) if cid}
        self._positions_source = (path, mtime)

    def _order_warning(self, cell_id: str) -> RecordWarning | None:
        if cell_id not in self._positions:
            self._refresh_positions()
        position = self._positions.get(cell_id)
        index = self._runs
        self._runs += 1
        last = self._last_run.get(cell_id)
        self._last_run[cell_id] = index
        if position is not None:
            ran = self._positions_run
            later = sorted(p for p in ran if p > position) if ran and max(ran) > position else []
            ran.add(position)
            if later:
                what = "was re-run after" if last is not None else "ran after"
                return {
                    "kind": "out-of-order",
                    "message": (
                        f"cell {position + 1} {what} later cell(s) {', '.join(str(p + 1) for p in later[:5])}"
                        f"{'…' if len(later) > 5 else ''}: its output may depend on state a top-to-bottom run does not create"
                    ),
                }
            return None
        if last is not None and last != index - 1:
            return {"kind": "rerun", "message": f"cell re-run after {index - 1 - last} other cell execution(s)"}
        return None

    # -- whole record -------------------------------------------------------------

    def _environment(self) -> EnvironmentRecord:
        described = self._described
        if described is None:
            described = self._described = cast("EnvironmentRecord", collect_environment())  # BLAS if NumPy is loaded
            described["env"] = self._env_vars
            self._blas_pending = False
        elif self._blas_pending:
            self._blas_pending = False
            described["blas"] = collect_blas()
        else:
            return described
        # threadpoolctl (the BLAS report) is the recorder's import, not the notebook's
        self._known_tops.update(name.partition(".")[0] for name in list(sys.modules))
        return described

    def notebook_record(self, channel: RecorderChannel = "api") -> NotebookRecord:
        record: NotebookRecord = {
            "schema_version": record_mod.SCHEMA_VERSION,
            "recorder": {"version": __version__, "channel": channel, "hash_algorithm": self.hasher.algorithm},
            "started_at": self.started_at,
            "updated_at": utcnow(),
            # a copy: the description gains its BLAS part in place, and the comm compares
            # each record with the one it sent before
            "environment": {**self._environment()},
            "packages": dict(sorted(self.packages.items())),
            "seeds": list(self.session_seeds),
            "unseeded_rng": list(self.session_unseeded),
            "data": [{**v} for _, v in sorted(self.data.items())],
            "warnings": list(self.warnings),
            "cells_executed": self._order,
        }
        if self.results:
            record["results"] = [{**r} for r in self.results.values()]
        if self.metrics:
            record["metrics"] = list(self.metrics)
        return record

    def sidecar(self) -> Sidecar:
        """The whole session as a sidecar document: the last record of each cell."""
        last: dict[str, CellRecord] = {}
        anonymous: list[CellRecord] = []
        for cell in self.cells:
            cell_id = cell.get("cell_id")
            if cell_id:
                last.pop(cell_id, None)
                last[cell_id] = cell
            else:
                anonymous.append(cell)
        cells = sorted(list(last.values()) + anonymous, key=lambda c: c["order"])
        return {
            "schema_version": record_mod.SCHEMA_VERSION,
            "notebook_path": os.path.basename(self.notebook_path) if self.notebook_path else None,
            "notebook": self.notebook_record("sidecar"),
            "cells": cells,
        }

    def save_sidecar(self, path: str | None = None) -> str:
        target = path or (
            record_mod.sidecar_path(self.notebook_path)
            if self.notebook_path
            else os.path.join(self._cwd(), "notebook" + record_mod.SIDECAR_SUFFIX)
        )
        self._sidecar_written = os.path.abspath(target)
        self.filter.exclude(self._sidecar_written)
        with self.monitor.paused():
            record_mod.write_sidecar(target, self.sidecar())
        return target


def _status(result: ResultRecord) -> str | None:
    outcome = result.get("claim_outcome")
    return outcome["status"] if outcome else None


def _code_files(modules_before: int) -> set[str]:
    """Source and byte-code files of the modules imported since ``sys.modules`` held ``modules_before``.

    The import system opens them while the cell runs; they are code, not data. Installed
    packages are left out by location anyway, but a package installed in editable mode,
    or a ``helpers.py`` beside the notebook, lives among the notebook's files.
    """
    files: set[str] = set()
    for module in itertools.islice(list(sys.modules.values()), modules_before, None):
        spec = getattr(module, "__spec__", None)
        for path in (getattr(module, "__file__", None), getattr(spec, "cached", None)):
            if isinstance(path, str):
                files.add(os.path.normpath(path))  # absolute already: from sys.path entries
    return files


#: Local modules recorded per cell at most (a cell importing a whole local package).
_MAX_LOCAL_MODULES = 50


@functools.cache
def _installed_prefixes() -> tuple[str, ...]:
    return as_prefixes(library_dirs())


#: What the import system opens for a module: sources, byte code, extension modules.
_CODE_SUFFIXES = (".py", ".pyc", ".pyw", ".so", ".pyd")


def _without_file(top: str) -> bool:
    """A module made at run time (no file, not a package) comes from no distribution."""
    module = sys.modules.get(top)
    return module is not None and getattr(module, "__file__", None) is None and not hasattr(module, "__path__")


def _failed_open(error: BaseException | None, cwd: str) -> str | None:
    """The absolute path whose opening made the cell raise (``FileNotFoundError: x.csv``)."""
    filename = getattr(error, "filename", None) if isinstance(error, OSError) else None
    if filename is None or isinstance(filename, int):
        return None
    try:
        return os.path.normpath(os.path.join(cwd, os.fsdecode(filename)))
    except (TypeError, ValueError):
        return None


def _error_json(error: BaseException | None) -> CellError | None:
    if error is None:
        return None
    text = redact_home(str(error))
    return {"ename": type(error).__name__, "evalue": text if len(text) <= 500 else text[:497] + "..."}


def redact_home(text: str) -> str:
    """``/home/alice/x.csv`` → ``~/x.csv``: error messages name files, the record must not name the user."""
    home = os.path.expanduser("~").rstrip(os.sep)
    if not home or home == os.sep.rstrip(os.sep) or home not in text:
        return text
    return re.sub(re.escape(home) + r"(?=[/\\'\"\s]|$)", "~", text)


def editor_cell_ref(uri: str) -> str:
    """An editor's cell URI without the directories of the notebook.

    VS Code sends ``vscode-notebook-cell:/home/alice/study/analysis.ipynb#W1sZmlsZQ==``:
    the fragment identifies the cell, the file name the notebook; the directories in
    between would put the user's home into the record.
    """
    parts = urllib.parse.urlsplit(uri)
    if not parts.scheme or not parts.path:
        return redact_home(uri)
    name = urllib.parse.unquote(parts.path).replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    ref = f"{parts.scheme}:{urllib.parse.quote(name)}"
    if parts.query:
        ref += f"?{parts.query}"
    if parts.fragment:
        ref += f"#{parts.fragment}"
    return ref


def _unseeded_message(entry: UnseededRngRecord) -> str:
    library = entry["library"]
    if entry["kind"] == "generator-without-seed":
        return (
            f"{entry.get('api', library)}() without a seed: results change on every run "
            f"(pass a seed, or %repro_seed; the entropy drawn is recorded)"
        )
    return (
        f"the global random state of {library} advanced in this cell, but {library} was never "
        f"seeded in this session: results change on every run (use %repro_seed N)"
    )
