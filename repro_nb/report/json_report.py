"""The machine-readable check report: ``repro-nb check --json FILE``.

Other tools and the JupyterLab panel read this file, so it is a versioned format like
the record: the shape is documented field by field in ``schema/check-v1.schema.json``
(and in ``docs/check-json.md``), every document is validated before it is written, and
a reader refuses a newer version with a message instead of misreading it.

Compatibility rule (also stated in the schema): :data:`REPORT_SCHEMA_VERSION` changes
when a document valid for the new schema could be rejected or misread by an old reader —
a removed or renamed member, a changed type, a new enum value. New optional members may
be added without a version change, so readers ignore members they do not know.
"""
from __future__ import annotations

import json
import math
import numbers
import os
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import fastjsonschema

from .._version import __version__
from ..errors import ReproError

if TYPE_CHECKING:
    from ..check import NotebookResult

__all__ = [
    "REPORT_SCHEMA_VERSION",
    "ReportError",
    "read_json",
    "report_schema",
    "to_document",
    "validate_document",
    "write_json",
]

REPORT_SCHEMA_VERSION = 1
TOOL_NAME = "repro-nb"
VERDICTS = ("reproduced", "drifted", "failed", "error")

JSON = dict[str, Any]

#: ``_UPGRADES[n]`` turns a version-``n`` report into version ``n + 1`` (none yet).
_UPGRADES: dict[int, Callable[[JSON], JSON]] = {}


class ReportError(ReproError):
    """A check report cannot be read, is invalid, or is from a newer repro-nb."""


@cache
def report_schema() -> JSON:
    """The JSON Schema (draft-07) of the current report version, as shipped in the package."""
    text = (
        resources.files("repro_nb")
        .joinpath(f"format/schema/check-v{REPORT_SCHEMA_VERSION}.schema.json")
        .read_text(encoding="utf-8")
    )
    loaded: JSON = json.loads(text)
    return loaded


@cache
def _validator() -> Callable[[Any], Any]:
    """Compiled once per process: compiling costs far more than validating."""
    return fastjsonschema.compile(report_schema())


def validate_document(document: Any) -> None:
    """Raise :class:`ReportError` unless ``document`` matches the current schema."""
    try:
        _validator()(document)
    except fastjsonschema.JsonSchemaValueException as exc:
        raise ReportError(f"invalid repro-nb check report: {exc.message}") from exc
    except fastjsonschema.JsonSchemaException as exc:
        raise ReportError(f"invalid repro-nb check report: {exc}") from exc


def to_document(
    results: Sequence[NotebookResult],
    *,
    command: str | None = None,
    created_at: datetime | None = None,
) -> JSON:
    """The report for ``results`` as plain JSON data (not yet validated).

    ``command`` is the command line, for the reader's information; ``created_at``
    defaults to now (tests pass a fixed time).
    """
    when = (created_at or datetime.now(UTC)).astimezone(UTC)
    notebooks = [_plain(result.to_json()) for result in results]
    summary: JSON = {"notebooks": len(results)}
    for verdict in VERDICTS:
        summary[verdict] = sum(1 for result in results if result.verdict == verdict)
    return {
        "schema_version": REPORT_SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": __version__},
        "created_at": when.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "command": command,
        "summary": summary,
        "notebooks": notebooks,
    }


def dumps(document: Mapping[str, Any]) -> str:
    """Strict JSON (no NaN/Infinity literals), non-ASCII text kept readable.

    Text from notebook outputs can hold lone surrogates, which UTF-8 cannot encode; such
    a document is written with ``\\uXXXX`` escapes instead, which JSON allows.
    """
    text = json.dumps(document, indent=1, ensure_ascii=False, allow_nan=False) + "\n"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(document, indent=1, ensure_ascii=True, allow_nan=False) + "\n"
    return text


def write_json(
    path: str | os.PathLike[str],
    results: Sequence[NotebookResult],
    *,
    command: str | None = None,
) -> JSON:
    """Validate the report for ``results`` and write it atomically; return the document.

    A report that fails validation is a bug in repro-nb, not in the user's input; it
    is refused rather than written so that readers can trust every file they find.
    """
    from ..fileio import atomic_write_text

    document = to_document(results, command=command)
    validate_document(document)
    atomic_write_text(path, dumps(document))
    return document


def read_json(path: str | os.PathLike[str]) -> JSON:
    """Read, upgrade and validate a check report; refuse one from a newer repro-nb."""
    name = os.fspath(path)
    try:
        with open(name, encoding="utf-8") as handle:
            document = json.load(handle)
    except OSError as exc:
        raise ReportError(f"cannot read check report {name}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ReportError(f"check report {name} is not UTF-8 text") from exc
    except json.JSONDecodeError as exc:
        raise ReportError(
            f"check report {name} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from exc
    return upgrade(document, name)


def upgrade(document: Any, name: str = "check report") -> JSON:
    """Bring a report of any known version to :data:`REPORT_SCHEMA_VERSION`, validated."""
    if not isinstance(document, dict):
        raise ReportError(f"{name} is not a repro-nb check report (a JSON object is expected)")
    version = document.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise ReportError(f"{name} is not a repro-nb check report (no integer schema_version)")
    if version > REPORT_SCHEMA_VERSION:
        tool = document.get("tool")
        made_by = tool.get("version") if isinstance(tool, dict) else None
        by = f" (written by repro-nb {made_by})" if isinstance(made_by, str) else ""
        raise ReportError(
            f"{name} has check report schema version {version}{by}, newer than this repro-nb "
            f"{__version__} understands (version {REPORT_SCHEMA_VERSION}); upgrade repro-nb to read it"
        )
    while version < REPORT_SCHEMA_VERSION:
        step = _UPGRADES.get(version)
        if step is None:
            raise ReportError(f"{name}: check report schema version {version} is not supported")
        document = step(document)
        version = document["schema_version"]
    try:
        validate_document(document)
    except ReportError as exc:
        raise ReportError(f"{name}: {exc}") from exc
    return document


def _plain(value: Any) -> Any:
    """Plain JSON data: tuples become lists, non-finite floats the strings "inf"/"nan".

    The results are JSON-able by construction; this makes sure, so that a stray NaN in a
    cause's details cannot make the report invalid JSON.
    """
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, numbers.Integral):  # numpy integers
        return int(value)
    if isinstance(value, numbers.Real):
        return _plain(float(value))
    return str(value)
