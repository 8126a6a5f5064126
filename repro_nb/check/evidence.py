"""The evidence a cell's drift is explained from, gathered once per notebook.

What the stored record says the notebook depended on (data files read with their
hashes, packages imported with their versions, the environment) against what the
re-run's record says now — or, for a stored record's data files the re-run never
reached, what is on disk now. Pure functions over records: nothing here runs a kernel.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..format.check_types import DataDriftJson, DataDriftStatus, PackageDriftJson
from ..format.record import Record
from ..format.recorded_paths import locate
from .environment_diff import EnvironmentDifference, compare_environments


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
