"""The evidence a cell's drift is explained from, gathered once per notebook.

What the stored record says the notebook depended on (data files read with their
hashes, packages imported with their versions, the environment) against what the
re-run's record says now — or, for a stored record's data files the re-run never
reached, what is on disk now. Pure functions over records: nothing here runs a kernel.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ..format.cells import cell_source, source_hash
from ..format.check_types import DataDriftJson, DataDriftStatus, PackageDriftJson
from ..format.record import Record
from ..format.record_types import CellRecord
from ..format.recorded_paths import locate
from .environment_diff import EnvironmentDifference, compare_environments
from .kernels import KernelChoice


@dataclass(frozen=True)
class DataDrift:
    """A data file whose content differs from the record (or vanished)."""

    path: str
    status: DataDriftStatus
    old_hash: str | None
    new_hash: str | None
    read_by: tuple[int, ...]  # cell indices (stored notebook) that read it

    def to_json(self) -> DataDriftJson:
        return {
            "path": self.path,
            "status": self.status,
            "old_hash": self.old_hash,
            "new_hash": self.new_hash,
            "read_by": list(self.read_by),
        }


@dataclass(frozen=True)
class PackageDrift:
    distribution: str
    old: str | None
    new: str | None  # None: not installed now
    imported_by: tuple[int, ...]

    def to_json(self) -> PackageDriftJson:
        return {
            "distribution": self.distribution,
            "old": self.old,
            "new": self.new,
            "imported_by": list(self.imported_by),
        }


@dataclass
class Evidence:
    """Everything the explainer may use; built once per notebook by :func:`.pipeline.evaluate`."""

    stored_cells: Sequence[Mapping[str, Any]]
    old: Record | None
    new: Record | None
    data: list[DataDrift]
    packages: list[PackageDrift]
    environment: list[EnvironmentDifference]
    #: index in the re-run notebook → index in the stored notebook
    index_map: Mapping[int, int] = field(default_factory=dict)
    modules: list[ModuleDrift] = field(default_factory=list)
    env_vars: list[EnvVarDrift] = field(default_factory=list)
    edited: list[EditedCell] = field(default_factory=list)
    kernel: KernelChoice | None = None
    #: the re-run notebook's cells (its outputs and errors), when there was a run
    executed_cells: Sequence[Mapping[str, Any]] = ()


@dataclass(frozen=True)
class ModuleDrift:
    """A local module the record names whose source changed or vanished since."""

    module: str
    path: str
    status: Literal["changed", "missing"]
    old_hash: str | None
    new_hash: str | None
    imported_by: tuple[int, ...]


@dataclass(frozen=True)
class EnvVarDrift:
    """An environment variable a cell reads that is set now and was not then, or the reverse."""

    name: str
    was_set: bool
    is_set: bool
    read_by: tuple[int, ...]


@dataclass(frozen=True)
class EditedCell:
    """A cell whose source differs from the source its stored outputs were made from."""

    index: int
    old_hash: str
    new_hash: str


def module_drift(old: Record | None, base_dir: str) -> list[ModuleDrift]:
    """Recorded local modules whose source file has another hash now, or is gone.

    Hashed here, in the checker, with the algorithm the record used: a module changes
    the cells that import it even when the re-run imports it from elsewhere.
    """
    if old is None:
        return []
    recorded: dict[str, tuple[str, str | None, set[int]]] = {}
    for index, cell in sorted(old.cells.items()):
        for item in cell.get("local_modules", []):
            entry = recorded.setdefault(item["path"], (item["module"], item.get("hash"), set()))
            entry[2].add(index)
    drift = []
    for path, (module, old_hash, readers) in recorded.items():
        absolute = path if os.path.isabs(path) else os.path.join(base_dir, path)
        if not os.path.exists(absolute):
            drift.append(ModuleDrift(module, path, "missing", old_hash, None, tuple(sorted(readers))))
            continue
        new_hash = _hash_like(absolute, old_hash)
        if old_hash and new_hash and new_hash != old_hash:
            drift.append(ModuleDrift(module, path, "changed", old_hash, new_hash, tuple(sorted(readers))))
    return drift


def _hash_like(path: str, recorded: str | None) -> str | None:
    from ..format.hashing import FileHasher, available_algorithms

    algorithm = (recorded or "").partition(":")[0]
    if algorithm not in available_algorithms():
        return None
    return FileHasher(algorithm).hash_file(path).hash


def env_var_drift(old: Record | None, new: Record | None, index_map: Mapping[int, int]) -> list[EnvVarDrift]:
    """Variables the cells read, set when recorded and unset in the re-run, or the reverse."""
    if old is None or new is None:
        return []
    then = _env_reads(old.cells.items())
    now = _env_reads((index_map.get(i, i), c) for i, c in new.cells.items())
    drift = []
    for name, (was_set, readers) in sorted(then.items()):
        if name in now and now[name][0] != was_set:
            drift.append(EnvVarDrift(name, was_set, now[name][0], tuple(sorted(readers))))
    return drift


def _env_reads(cells: Iterable[tuple[int, CellRecord]]) -> dict[str, tuple[bool, set[int]]]:
    found: dict[str, tuple[bool, set[int]]] = {}
    for index, cell in cells:
        for item in cell.get("env_vars", []):
            entry = found.setdefault(item["name"], (bool(item["set"]), set()))
            entry[1].add(index)
    return found


def edited_cells(old: Record | None, cells: Sequence[Mapping[str, Any]]) -> list[EditedCell]:
    """Cells whose source hash differs from the recorded one: their stored outputs are stale."""
    if old is None:
        return []
    edited = []
    for index, record in sorted(old.cells.items()):
        if 0 <= index < len(cells):
            now = source_hash(cell_source(cells[index]))
            if record.get("source_hash") and record["source_hash"] != now:
                edited.append(EditedCell(index, record["source_hash"], now))
    return edited


def _reads(record: Record | None) -> dict[str, list[tuple[int, str | None, str]]]:
    """path → [(cell index, hash, status)] in cell order."""
    found: dict[str, list[tuple[int, str | None, str]]] = {}
    if record is None:
        return found
    for index in sorted(record.cells):
        for item in record.cells[index].get("reads", []):
            found.setdefault(item["path"], []).append((index, item.get("hash"), item.get("status", "ok")))
    return found


def data_drift(old: Record | None, new: Record | None, index_map: Mapping[int, int]) -> list[DataDrift]:
    """Files read when the record was made vs read in the re-run.

    Compared read by read in order, so a notebook that reads a file, appends to it and
    reads it again (two hashes, both expected) is not drift when the re-run does the same.
    """
    if old is None:
        return []
    old_reads = _reads(old)
    new_reads_raw = _reads(new)
    new_reads = {p: [(index_map.get(i, i), h, s) for i, h, s in v] for p, v in new_reads_raw.items()}
    drift: list[DataDrift] = []
    for path, reads in old_reads.items():
        now = new_reads.get(path, [])
        readers = tuple(sorted({i for i, _, _ in reads}))
        for position, (_, old_hash, _) in enumerate(reads):
            if position >= len(now):
                break
            _, new_hash, new_status = now[position]
            if new_status == "missing":
                drift.append(DataDrift(path, "missing", old_hash, None, readers))
                break
            if old_hash and new_hash and old_hash != new_hash:
                drift.append(DataDrift(path, "changed", old_hash, new_hash, readers))
                break
    for path, reads in new_reads.items():
        if path not in old_reads:
            recorded_cells = set(old.cells)
            readers = tuple(sorted({i for i, _, _ in reads if i in recorded_cells}))
            if readers:
                drift.append(DataDrift(path, "unrecorded", None, reads[0][1], readers))
    return drift


def missing_data(old: Record | None, base_dir: str) -> list[DataDrift]:
    """Recorded input files that do not exist any more (the re-run may never reach them)."""
    if old is None:
        return []
    gone = []
    for path, reads in _reads(old).items():
        absolute = locate(path, base_dir)
        if absolute is not None and not os.path.exists(absolute):  # None: a hashed location, not checkable
            gone.append(DataDrift(path, "missing", reads[0][1], None, tuple(sorted({i for i, _, _ in reads}))))
    return gone


def package_drift(old: Record | None, new: Record | None) -> list[PackageDrift]:
    if old is None:
        return []
    old_packages: Mapping[str, str | None] = old.notebook.get("packages", {})
    new_packages: Mapping[str, str | None] = new.notebook.get("packages", {}) if new else {}
    importers: dict[str, set[int]] = {}
    for index, cell in old.cells.items():
        for item in cell.get("imports", []):
            distribution = item.get("distribution")
            if distribution:
                importers.setdefault(distribution, set()).add(index)
    drift = []
    for dist, version in sorted(old_packages.items()):
        now = new_packages.get(dist) if dist in new_packages else _installed_version(dist)
        if now != version:
            drift.append(PackageDrift(dist, version, now, tuple(sorted(importers.get(dist, ())))))
    return drift


def _installed_version(distribution: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def environment_drift(old: Record | None, new: Record | None) -> list[EnvironmentDifference]:
    if old is None or new is None:
        return []
    return list(compare_environments(old.notebook.get("environment", {}), new.notebook.get("environment", {})))
