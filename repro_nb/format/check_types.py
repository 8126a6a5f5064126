"""The check result's typed model and vocabulary (``schema/check-v2.schema.json``).

One vocabulary from the comparator to the report to the panel: a cell's outcome is one
of :data:`CellOutcome` everywhere — :mod:`repro_nb.compare` gives the outcomes a
comparison can tell (:data:`CompareOutcome`), the checker adds what only a run can tell
(``not-run``, ``not-stored``), the JSON report, the HTML/JUnit/terminal reports and the
lab panel (whose types are generated from the same schema) use the same words.

The TypedDicts are the JSON forms the dataclasses of the checker serialize to and the
server and the reports read; ``tests/format/test_types.py`` keeps them in step with the
schema.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypedDict

Verdict = Literal["reproduced", "drifted", "failed", "error"]
"""A notebook's verdict: exit code 0, 1, 1, 2."""

CellOutcome = Literal["reproduced", "drifted", "failed", "not-run", "skipped", "not-stored", "added", "removed"]
"""What happened to one code cell:

``reproduced``  every compared output came back (within tolerance, after masking);
``drifted``     an output differs, or a stored error is gone;
``failed``      the cell raised a new or a different error, timed out, or its kernel died;
``not-run``     execution stopped before the cell;
``skipped``     its outputs are not compared (a ``repro-skip`` tag, an nbval marker);
``not-stored``  the stored notebook has no outputs for it (never executed when saved);
``added`` / ``removed``  the cell exists only in the re-run / only in the stored notebook.
"""

CompareOutcome = Literal["reproduced", "drifted", "failed", "skipped", "added", "removed"]
"""The outcomes a comparison of two notebooks can tell by itself (a subset of :data:`CellOutcome`)."""

RunStatus = Literal["ok", "error", "timeout", "dead-kernel", "kernel-failed"]
FailureKind = Literal["error", "timeout", "dead-kernel", "kernel-failed"]
DiffKind = Literal[
    "text",
    "numeric",
    "image",
    "mime-missing",
    "mime-added",
    "output-missing",
    "output-added",
    "error",
]
CauseKind = Literal[
    "timeout",
    "dead-kernel",
    "kernel-substituted",
    "hidden-state",
    "consequence",
    "code-edited",
    "local-module-changed",
    "local-module-missing",
    "data-changed",
    "data-missing",
    "data-unrecorded",
    "package-changed",
    "package-missing",
    "version-signature",
    "environment",
    "env-var-changed",
    "unseeded-rng",
    "hash-order",
    "out-of-order",
    "rerun",
    "network",
    "error-gone",
    "environment-confirmed",
    "unknown",
]
"""What a cause says, precisely; each kind belongs to one :data:`CauseCategory`."""

CauseCategory = Literal[
    "environment",
    "environment-confirmed",
    "data",
    "code-edited",
    "local-module",
    "randomness",
    "execution-order",
    "network",
    "resources",
    "kernel-died",
    "intentional-error",
    "consequence",
    "unknown",
]
"""The taxonomy of causes (``docs/causes.md``): what kind of change made a cell drift or fail."""

#: The category of each kind of cause.
CATEGORY_OF: dict[CauseKind, CauseCategory] = {
    "timeout": "resources",
    "dead-kernel": "kernel-died",
    "kernel-substituted": "environment",
    "hidden-state": "execution-order",
    "consequence": "consequence",
    "code-edited": "code-edited",
    "local-module-changed": "local-module",
    "local-module-missing": "local-module",
    "data-changed": "data",
    "data-missing": "data",
    "data-unrecorded": "data",
    "package-changed": "environment",
    "package-missing": "environment",
    "version-signature": "environment",
    "environment": "environment",
    "env-var-changed": "environment",
    "unseeded-rng": "randomness",
    "hash-order": "randomness",
    "out-of-order": "execution-order",
    "rerun": "execution-order",
    "network": "network",
    "error-gone": "intentional-error",
    "environment-confirmed": "environment-confirmed",
    "unknown": "unknown",
}

Confidence = Literal["high", "medium", "low"]
Severity = Literal["high", "medium", "low"]
DataDriftStatus = Literal["changed", "missing", "unrecorded"]

#: A number, or "inf"/"-inf"/"nan" (strict JSON), or null.
JsonFloat = float | str | None


class RegionJson(TypedDict):
    """A rectangle of a picture, in pixels from its top-left corner."""

    x: int
    y: int
    width: int
    height: int


class OutputDiffJson(TypedDict):
    kind: DiffKind
    output_index: int | None
    mime: str | None
    expected: str | None
    actual: str | None
    expected_length: int | None
    actual_length: int | None
    unified_diff: list[str]
    max_abs_diff: JsonFloat
    max_rel_diff: JsonFloat
    pixel_fraction: JsonFloat
    numbers_changed: list[list[str]]
    traceback: list[str]
    note: str | None
    region: RegionJson | None


class CauseJson(TypedDict):
    kind: CauseKind
    category: CauseCategory
    message: str
    confidence: Confidence
    origin_index: int | None
    evidence: list[str]
    root: str
    details: dict[str, Any]


class _FailureJsonRequired(TypedDict):
    kind: FailureKind
    cell_index: int | None
    ename: str
    evalue: str
    traceback: str


class FailureJson(_FailureJsonRequired, total=False):
    stderr: str


class CellResultJson(TypedDict):
    index: int | None
    actual_index: int | None
    cell_id: str | None
    status: CellOutcome
    execution_count: int | None
    diffs: list[OutputDiffJson]
    causes: list[CauseJson]
    failure: FailureJson | None
    skip_reason: str | None


class DataDriftJson(TypedDict):
    path: str
    status: DataDriftStatus
    old_hash: str | None
    new_hash: str | None
    read_by: list[int]


class PackageDriftJson(TypedDict):
    distribution: str
    old: str | None
    new: str | None
    imported_by: list[int]


class EnvironmentDifferenceJson(TypedDict):
    field: str
    old: str | None
    new: str | None
    severity: Severity


class KernelJson(TypedDict):
    requested: str | None
    used: str | None
    substituted: bool


class VersionChangeJson(TypedDict):
    """A distribution at the version the restored environment has and the one here."""

    distribution: str
    old: str | None
    new: str | None


EnvironmentOrigin = Literal["recorded", "inferred"]
AttributionOutcome = Literal["confirmed", "not-confirmed", "not-restored"]


class _RestoredEnvironmentJsonRequired(TypedDict):
    origin: EnvironmentOrigin
    directory: str
    lock_hash: str
    kernel: str
    python: str
    cached: bool
    duration_s: float


class RestoredEnvironmentJson(_RestoredEnvironmentJsonRequired, total=False):
    """The environment a check ran in when it was not the current one (``--env``, ``--attribute``)."""

    python_note: str | None
    installer: Literal["uv", "pip"]
    pins: list[str]
    substituted: dict[str, dict[str, str]]


class ProbeJson(TypedDict):
    """One re-check of the attribution: some distributions moved back, and whether the cells came back."""

    moved_back: list[str]
    reproduced: bool | None
    duration_s: float
    cached: bool
    note: str | None


class _AttributionJsonRequired(TypedDict):
    environment: EnvironmentOrigin
    outcome: AttributionOutcome
    message: str
    cells_back: list[int]
    cells_still: list[int]
    changed: list[VersionChangeJson]
    responsible: list[VersionChangeJson]
    minimal: bool
    probes: int
    budget: int
    duration_s: float


class AttributionJson(_AttributionJsonRequired, total=False):
    """``--attribute``: the drift re-checked in the restored environment, and the packages to blame."""

    restored: RestoredEnvironmentJson | None
    probe_log: list[ProbeJson]


TableFormat = Literal["csv", "tsv", "parquet", "feather", "excel", "unknown"]
LabelSource = Literal["record", "settings", "recognised"]


class _DataDescriptionJsonRequired(TypedDict):
    path: str
    format: TableFormat
    rows: int | None
    columns: int | None
    dtypes: dict[str, str]
    missing: dict[str, int]
    label: str | None
    label_source: LabelSource | None
    class_balance: dict[str, int] | None
    skewed: bool | None
    error: str | None


class DataDescriptionJson(_DataDescriptionJsonRequired, total=False):
    """A table the notebook read: size, types, missing values, the label's class balance."""

    distinct_labels: int | None
    seconds: float | str | None


class EvaluationJson(TypedDict):
    """Named results, metrics and evaluation warnings of the re-run's record (record schema v2)."""

    results: list[dict[str, Any]]
    metrics: list[dict[str, Any]]
    warnings: list[dict[str, Any]]


class _NotebookResultJsonRequired(TypedDict):
    path: str
    verdict: Verdict
    message: str
    has_record: bool
    run_status: RunStatus | None
    duration_s: float
    cells: list[CellResultJson]
    data: list[DataDriftJson]
    packages: list[PackageDriftJson]
    environment: list[EnvironmentDifferenceJson]
    warnings: list[str]
    kernel: KernelJson | None


class CachedJson(TypedDict):
    """A result reused by ``repro-nb check --cache``: when it was verified, and by what inputs."""

    verified_at: str
    fingerprint: str
    duration_s: float


class NotebookResultJson(_NotebookResultJsonRequired, total=False):
    restored_environment: RestoredEnvironmentJson | None
    attribution: AttributionJson | None
    cached: CachedJson | None
    data_descriptions: list[DataDescriptionJson]
    evaluation: EvaluationJson


class ToolJson(TypedDict):
    name: str
    version: str


class CategoryCountJson(TypedDict):
    drifted: int
    failed: int


class SummaryJson(TypedDict):
    notebooks: int
    reproduced: int
    drifted: int
    failed: int
    error: int
    causes: dict[str, CategoryCountJson]


class _CheckReportJsonRequired(TypedDict):
    schema_version: int
    tool: ToolJson
    created_at: str
    summary: SummaryJson
    notebooks: list[NotebookResultJson]


class CheckReportJson(_CheckReportJsonRequired, total=False):
    """The whole document ``repro-nb check --json FILE`` writes."""

    command: str | None


def root_of(kind: CauseKind, details: Mapping[str, Any], origin_index: int | None) -> str:
    """The key every cause that one change explains shares (``cause.root``): for grouping.

    One changed data file, package, local module, variable or version signature is one
    root whichever cells it affects; a failure later cells depend on is its cell.
    """
    for prefix, member in _ROOT_MEMBERS.get(kind, ()):
        value = details.get(member)
        if value:
            return f"{prefix}:{value}"
    if kind == "kernel-substituted":
        return "kernel"
    return f"{kind}:{origin_index if origin_index is not None else '-'}"


_ROOT_MEMBERS: dict[str, tuple[tuple[str, str], ...]] = {
    "data-changed": (("data", "path"),),
    "data-missing": (("data", "path"),),
    "data-unrecorded": (("data", "path"),),
    "package-changed": (("package", "distribution"), ("package", "module")),
    "package-missing": (("package", "distribution"), ("package", "module")),
    "local-module-changed": (("module", "path"),),
    "local-module-missing": (("module", "path"),),
    "environment": (("environment", "field"),),
    "env-var-changed": (("env", "name"),),
    "version-signature": (("signature", "signature"),),
    "hidden-state": (("name", "name"),),
    "network": (("network", "host"),),
    "environment-confirmed": (("environment-confirmed", "distributions"),),
}


#: The schema definition each type describes (``None``: the document itself).
DEFINITIONS: dict[str | None, type] = {
    "diff": OutputDiffJson,
    "cause": CauseJson,
    "failure": FailureJson,
    "cell": CellResultJson,
    "data_drift": DataDriftJson,
    "package_drift": PackageDriftJson,
    "environment_difference": EnvironmentDifferenceJson,
    "notebook": NotebookResultJson,
    "restored_environment": RestoredEnvironmentJson,
    "attribution": AttributionJson,
    "probe": ProbeJson,
    "version_change": VersionChangeJson,
    "cached": CachedJson,
    "data_description": DataDescriptionJson,
    "evaluation": EvaluationJson,
    None: CheckReportJson,
}
