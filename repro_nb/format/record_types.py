"""The record's typed model: one TypedDict per definition of ``schema/record-v2.schema.json``.

The record travels as JSON (notebook metadata, a sidecar, a comm message), so its
in-memory form is plain dicts; these types let mypy check every field read and written
by the recorder and the checker. ``tests/format/test_types.py`` keeps them in step with
the schema (same members, same required ones, same enums): a schema change without a
type change fails there.

Optional members are in a ``total=False`` class over a base of the required ones, not
marked ``NotRequired``: with the annotations left unevaluated (``from __future__ import
annotations``), making these classes costs the kernel next to nothing at ``%load_ext``,
and Python 3.11 still knows at run time which members are required (the consistency
test reads it). Records come from files that older or newer versions may have written: readers use
``.get`` for optional members.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

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
    "not-rerun",
    "shadowed-module",
    "skewed-evaluation",
    "label-shift",
]
ResultKind = Literal["scalar", "array", "table"]
ClaimStatus = Literal["holds", "fails", "undecided"]
RecorderChannel = Literal["comm", "engine", "sidecar", "api"]


class _SeedEventRecordRequired(TypedDict):
    library: str
    api: str
    value: SeedValue


class SeedEventRecord(_SeedEventRecordRequired, total=False):
    """A seeding call: ``np.random.seed(42)``, ``%repro_seed 42``, ``default_rng(7)``."""

    cell_id: str | None
    execution_count: int | None


class _UnseededRngRecordRequired(TypedDict):
    library: str
    kind: UnseededKind


class UnseededRngRecord(_UnseededRngRecordRequired, total=False):
    """Randomness used without a seed: a global state advanced, or a generator made without one."""

    api: str
    entropy: str
    cell_id: str | None
    execution_count: int | None


class _ImportRecordRequired(TypedDict):
    module: str
    distribution: str | None
    version: str | None


class ImportRecord(_ImportRecordRequired, total=False):
    """A top-level module a cell imported, with the distribution and version it came from."""

    direct: bool


class _DataFileRecordRequired(TypedDict):
    path: str
    status: DataStatus


class DataFileRecord(_DataFileRecordRequired, total=False):
    """A file (or pinned directory) read or written, with its content hash."""

    kind: DataKind
    size: int | None
    hash: str | None
    files: int
    skipped: list[str]
    pinned: bool
    label: str
    cell_id: str | None
    execution_count: int | None


class LocalModuleRecord(TypedDict):
    """A module from the notebook's own folder a cell imported: code, hashed like data."""

    module: str
    path: str
    hash: str | None


class EnvVarRecord(TypedDict):
    """An environment variable a cell reads by name, and whether it was set: never its value."""

    name: str
    set: bool


class _RecordWarningRequired(TypedDict):
    kind: WarningKind
    message: str


class RecordWarning(_RecordWarningRequired, total=False):
    """Something the recorder saw that a top-to-bottom re-run will not reproduce."""

    cell_id: str | None
    execution_count: int | None
    path: str
    library: str
    old: str | None
    new: str | None
    metric: str


class ClaimOutcomeRecord(TypedDict):
    """Whether a result's claim holds for the value stored (``undecided``: it cannot be told)."""

    status: ClaimStatus
    message: str


class _ResultRecordRequired(TypedDict):
    name: str
    kind: ResultKind
    value: Any


class ResultRecord(_ResultRecordRequired, total=False):
    """A named result (``repro_nb.result``): a scalar, an array or a small table, and its claim."""

    shape: list[int]
    truncated: bool
    claim: str | None
    claim_outcome: ClaimOutcomeRecord | None
    cell_id: str | None
    execution_count: int | None


class _MetricRecordRequired(TypedDict):
    metric: str
    api: str
    value: float | None
    n: int


class MetricRecord(_MetricRecordRequired, total=False):
    """An evaluation metric a cell computed, with the class balance of its ``y_true``."""

    class_balance: dict[str, int]
    majority_class: str | None
    majority_baseline: float | None
    balanced_accuracy: float | None
    train_class_balance: dict[str, int]
    skewed: bool
    cell_id: str | None
    execution_count: int | None


class EnvironmentRecord(TypedDict, total=False):
    """The machine and interpreter; an absent part means *unknown*."""

    python: dict[str, Any]
    platform: dict[str, Any]
    cpu: dict[str, Any]
    gpus: list[dict[str, Any]]
    blas: list[dict[str, Any]]
    env: dict[str, str]


class _RecorderInfoRequired(TypedDict):
    version: str


class RecorderInfo(_RecorderInfoRequired, total=False):
    channel: RecorderChannel
    hash_algorithm: str


class CellError(TypedDict, total=False):
    ename: str
    evalue: str


class _CellRecordRequired(TypedDict):
    schema_version: int
    source_hash: str


class CellRecord(_CellRecordRequired, total=False):
    """``cells[i].metadata.repro_nb``: what one execution of a cell depended on."""

    cell_id: str | None
    editor_uri: str | None
    execution_count: int | None
    order: int
    position: int | None
    started_at: str
    duration_s: float
    error: CellError | None
    seeds: list[SeedEventRecord]
    unseeded_rng: list[UnseededRngRecord]
    imports: list[ImportRecord]
    local_modules: list[LocalModuleRecord]
    env_vars: list[EnvVarRecord]
    reads: list[DataFileRecord]
    writes: list[DataFileRecord]
    warnings: list[RecordWarning]
    results: list[ResultRecord]
    metrics: list[MetricRecord]


class _NotebookRecordRequired(TypedDict):
    schema_version: int
    recorder: RecorderInfo


class NotebookRecord(_NotebookRecordRequired, total=False):
    """``metadata.repro_nb``: the session as a whole."""

    started_at: str
    updated_at: str
    environment: EnvironmentRecord
    packages: dict[str, str | None]
    seeds: list[SeedEventRecord]
    unseeded_rng: list[UnseededRngRecord]
    data: list[DataFileRecord]
    warnings: list[RecordWarning]
    cells_executed: int
    results: list[ResultRecord]
    metrics: list[MetricRecord]


class _SidecarRequired(TypedDict):
    schema_version: int
    notebook: NotebookRecord
    cells: list[CellRecord]


class Sidecar(_SidecarRequired, total=False):
    """``<notebook>.repro.json``: both parts, for frontends that cannot write metadata."""

    notebook_path: str | None


#: The schema definition each type describes (for the consistency test and readers).
DEFINITIONS: dict[str, type] = {
    "seed_event": SeedEventRecord,
    "unseeded_rng": UnseededRngRecord,
    "import": ImportRecord,
    "local_module": LocalModuleRecord,
    "env_var": EnvVarRecord,
    "data_file": DataFileRecord,
    "warning": RecordWarning,
    "result": ResultRecord,
    "claim_outcome": ClaimOutcomeRecord,
    "metric": MetricRecord,
    "environment": EnvironmentRecord,
    "cell": CellRecord,
    "notebook": NotebookRecord,
    "sidecar": Sidecar,
}
