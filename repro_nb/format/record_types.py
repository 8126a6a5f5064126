"""The record's typed model: one TypedDict per definition of ``schema/record-v1.schema.json``.

The record travels as JSON (notebook metadata, a sidecar, a comm message), so its
in-memory form is plain dicts; these types let mypy check every field read and written
by the recorder and the checker. ``tests/format/test_types.py`` keeps them in step with
the schema (same members, same required ones, same enums): a schema change without a
type change fails there.

Optional members are ``NotRequired`` (and this module has no ``from __future__ import
annotations``: with it, Python 3.11 cannot tell required members from the others at
run time, which the consistency test reads): records come from files that older or newer
versions may have written, and readers use ``.get``.
"""

from typing import Any, Literal, NotRequired, TypedDict

SeedValue = int | str | None
UnseededKind = Literal["global-state-advanced", "generator-without-seed"]
DataStatus = Literal["ok", "missing", "unreadable", "too-large", "not-a-file"]
DataKind = Literal["file", "directory"]
WarningKind = Literal[
    "unseeded-rng",
    "data-changed",
    "data-missing",
    "pinned-data-changed",
    "out-of-order",
    "rerun",
    "package-changed",
    "recorder-error",
]
RecorderChannel = Literal["comm", "engine", "sidecar", "api"]


class SeedEventRecord(TypedDict):
    """A seeding call: ``np.random.seed(42)``, ``%repro_seed 42``, ``default_rng(7)``."""

    library: str
    api: str
    value: SeedValue
    cell_id: NotRequired[str | None]
    execution_count: NotRequired[int | None]


class UnseededRngRecord(TypedDict):
    """Randomness used without a seed: a global state advanced, or a generator made without one."""

    library: str
    kind: UnseededKind
    api: NotRequired[str]
    entropy: NotRequired[str]
    cell_id: NotRequired[str | None]
    execution_count: NotRequired[int | None]


class ImportRecord(TypedDict):
    """A top-level module a cell imported, with the distribution and version it came from."""

    module: str
    distribution: str | None
    version: str | None
    direct: NotRequired[bool]


class DataFileRecord(TypedDict):
    """A file (or pinned directory) read or written, with its content hash."""

    path: str
    status: DataStatus
    kind: NotRequired[DataKind]
    size: NotRequired[int | None]
    hash: NotRequired[str | None]
    files: NotRequired[int]
    skipped: NotRequired[list[str]]
    pinned: NotRequired[bool]
    cell_id: NotRequired[str | None]
    execution_count: NotRequired[int | None]


class RecordWarning(TypedDict):
    """Something the recorder saw that a top-to-bottom re-run will not reproduce."""

    kind: WarningKind
    message: str
    cell_id: NotRequired[str | None]
    execution_count: NotRequired[int | None]
    path: NotRequired[str]
    library: NotRequired[str]
    old: NotRequired[str | None]
    new: NotRequired[str | None]


class EnvironmentRecord(TypedDict, total=False):
    """The machine and interpreter; an absent part means *unknown*."""

    python: dict[str, Any]
    platform: dict[str, Any]
    cpu: dict[str, Any]
    gpus: list[dict[str, Any]]
    blas: list[dict[str, Any]]
    env: dict[str, str]


class RecorderInfo(TypedDict):
    version: str
    channel: NotRequired[RecorderChannel]
    hash_algorithm: NotRequired[str]


class CellError(TypedDict, total=False):
    ename: str
    evalue: str


class CellRecord(TypedDict):
    """``cells[i].metadata.repro_nb``: what one execution of a cell depended on."""

    schema_version: int
    source_hash: str
    cell_id: NotRequired[str | None]
    editor_uri: NotRequired[str | None]
    execution_count: NotRequired[int | None]
    order: NotRequired[int]
    position: NotRequired[int | None]
    started_at: NotRequired[str]
    duration_s: NotRequired[float]
    error: NotRequired[CellError | None]
    seeds: NotRequired[list[SeedEventRecord]]
    unseeded_rng: NotRequired[list[UnseededRngRecord]]
    imports: NotRequired[list[ImportRecord]]
    reads: NotRequired[list[DataFileRecord]]
    writes: NotRequired[list[DataFileRecord]]
    warnings: NotRequired[list[RecordWarning]]


class NotebookRecord(TypedDict):
    """``metadata.repro_nb``: the session as a whole."""

    schema_version: int
    recorder: RecorderInfo
    started_at: NotRequired[str]
    updated_at: NotRequired[str]
    environment: NotRequired[EnvironmentRecord]
    packages: NotRequired[dict[str, str | None]]
    seeds: NotRequired[list[SeedEventRecord]]
    unseeded_rng: NotRequired[list[UnseededRngRecord]]
    data: NotRequired[list[DataFileRecord]]
    warnings: NotRequired[list[RecordWarning]]
    cells_executed: NotRequired[int]


class Sidecar(TypedDict):
    """``<notebook>.repro.json``: both parts, for frontends that cannot write metadata."""

    schema_version: int
    notebook: NotebookRecord
    cells: list[CellRecord]
    notebook_path: NotRequired[str | None]


#: The schema definition each type describes (for the consistency test and readers).
DEFINITIONS: dict[str, type] = {
    "seed_event": SeedEventRecord,
    "unseeded_rng": UnseededRngRecord,
    "import": ImportRecord,
    "data_file": DataFileRecord,
    "warning": RecordWarning,
    "environment": EnvironmentRecord,
    "cell": CellRecord,
    "notebook": NotebookRecord,
    "sidecar": Sidecar,
}
