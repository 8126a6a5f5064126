"""The check report as a versioned document: ``repro-nb check --json FILE``.

Other tools, the server extension and the JupyterLab panel read this file, so it is a
versioned format like the record: the shape is typed by :mod:`.check_types` and
documented field by field in ``schema/check-v1.schema.json`` (and ``docs/check-json.md``),
every document is validated before it is written, and a reader refuses a newer version
with a message instead of misreading it. Building a document from check results is the
report layer's business (:mod:`repro_nb.report.json_report`).

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
from collections.abc import Iterable, Mapping
from typing import Any, cast

from ..errors import ReproError
from .check_types import CATEGORY_OF, CategoryCountJson, CheckReportJson, Verdict, root_of
from .versioned import JSON, Upgrade, check_valid, load_schema, upgrade_chain, validator

REPORT_SCHEMA_VERSION = 2
TOOL_NAME = "repro-nb"
VERDICTS: tuple[Verdict, ...] = ("reproduced", "drifted", "failed", "error")
_SCHEMA = f"check-v{REPORT_SCHEMA_VERSION}"


def _v1_to_v2(document: JSON) -> JSON:
    """Version 2 gave every cause a category, its evidence and a root; every image diff a
    region; every notebook its kernel; the summary counts per cause category.

    v1's "exception" (the error restated) and "numeric-noise" (a guess) are not causes:
    they become "unknown", keeping their message.
    """
    notebooks = []
    for notebook in document.get("notebooks", []):
        cells = []
        for cell in notebook.get("cells", []):
            causes = []
            for cause in cell.get("causes", []):
                kind = cause.get("kind")
                if kind not in CATEGORY_OF:
                    kind = "unknown"
                details = cause.get("details") or {}
                causes.append(
                    {
                        **cause,
                        "kind": kind,
                        "category": CATEGORY_OF[kind],
                        "evidence": [],
                        "root": root_of(kind, details, cause.get("origin_index")),
                        "details": details,
                    }
                )
            diffs = [{**diff, "region": None} for diff in cell.get("diffs", [])]
            cells.append({**cell, "causes": causes, "diffs": diffs})
        notebooks.append({**notebook, "cells": cells, "kernel": None})
    summary = {**document.get("summary", {}), "causes": cause_summary(notebooks)}
    return {**document, "schema_version": 2, "summary": summary, "notebooks": notebooks}


#: ``_UPGRADES[n]`` turns a version-``n`` report into version ``n + 1``.
_UPGRADES: dict[int, Upgrade] = {1: _v1_to_v2}


def cause_summary(notebooks: Iterable[Mapping[str, Any]]) -> dict[str, CategoryCountJson]:
    """For each cause category, how many notebooks drifted and how many failed with it.

    The whole-corpus view of ``repro-nb check DIR``: a notebook counts once per category
    (under "failed" when a failed cell has a cause of it, under "drifted" when a drifted
    cell has one), however many of its cells do.
    """
    counts: dict[str, CategoryCountJson] = {}
    for notebook in notebooks:
        seen: dict[str, set[str]] = {"drifted": set(), "failed": set()}
        for cell in notebook.get("cells", []):
            status = cell.get("status")
            if status in seen:
                seen[status].update(str(cause.get("category")) for cause in cell.get("causes", []))
        for status, categories in seen.items():
            for category in categories:
                counts.setdefault(category, {"drifted": 0, "failed": 0})[status] += 1  # type: ignore[literal-required]
    return dict(sorted(counts.items(), key=lambda item: (-(item[1]["drifted"] + item[1]["failed"]), item[0])))


class ReportError(ReproError):
    """A check report cannot be read, is invalid, or is from a newer repro-nb."""


def report_schema() -> JSON:
    """The JSON Schema (draft-07) of the current report version, as shipped in the package."""
    return load_schema(_SCHEMA)


def validate_document(document: Any) -> None:
    """Raise :class:`ReportError` unless ``document`` matches the current schema."""
    check_valid(validator(_SCHEMA), document, lambda where: ReportError(f"invalid repro-nb check report: {where}"))


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


def read_report(path: str | os.PathLike[str]) -> CheckReportJson:
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


def upgrade(document: Any, name: str = "check report") -> CheckReportJson:
    """Bring a report of any known version to :data:`REPORT_SCHEMA_VERSION`, validated."""
    if not isinstance(document, dict):
        raise ReportError(f"{name} is not a repro-nb check report (a JSON object is expected)")
    if not isinstance(document.get("schema_version"), int) or isinstance(document.get("schema_version"), bool):
        raise ReportError(f"{name} is not a repro-nb check report (no integer schema_version)")
    tool = document.get("tool")
    made_by = tool.get("version") if isinstance(tool, dict) else None
    document = upgrade_chain(
        document,
        REPORT_SCHEMA_VERSION,
        _UPGRADES,
        ReportError,
        name,
        newer_hint="upgrade repro-nb to read it",
        written_by=f"repro-nb {made_by}" if isinstance(made_by, str) else None,
    )
    try:
        validate_document(document)
    except ReportError as exc:
        raise ReportError(f"{name}: {exc}") from exc
    return cast("CheckReportJson", document)


def plain(value: Any) -> Any:
    """Plain JSON data: tuples become lists, non-finite floats the strings "inf"/"nan".

    Results are JSON-able by construction; this makes sure, so that a stray NaN in a
    cause's details cannot make the report invalid JSON.
    """
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, numbers.Integral):  # numpy integers
        return int(value)
    if isinstance(value, numbers.Real):
        return plain(float(value))
    return str(value)
