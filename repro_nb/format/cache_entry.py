"""A ``repro-nb check --cache`` entry: one versioned JSON file per notebook.

The cache is shared between CI runs (restored from a CI cache, written by concurrent
jobs), so an entry is treated like any other document that crosses a process boundary:
described by ``schema/cache-v1.schema.json``, validated before it is written and when it
is read — the embedded result against the check-report schema too —, written atomically
(:func:`.files.atomic_write_text`), and upgraded on read by one function per old version.
A reader turns every problem into :class:`~repro_nb.errors.CacheError`; the checker
reports it and re-runs the notebook: a corrupt entry is never trusted.
"""

from __future__ import annotations

import json
import os
from typing import Any, TypedDict, cast

from ..errors import CacheError
from .check_types import NotebookResultJson, ToolJson
from .versioned import JSON, Upgrade, check_valid, upgrade_chain, validator

CACHE_SCHEMA_VERSION = 1
_SCHEMA = f"cache-v{CACHE_SCHEMA_VERSION}"

#: ``_UPGRADES[n]`` turns a version-``n`` entry into version ``n + 1``.
_UPGRADES: dict[int, Upgrade] = {}


class _CacheEntryRequired(TypedDict):
    schema_version: int
    tool: ToolJson
    notebook: str
    fingerprint: str
    parts: dict[str, str]
    verified_at: str
    duration_s: float
    report_schema_version: int
    result: NotebookResultJson


class CacheEntry(_CacheEntryRequired, total=False):
    """What ``schema/cache-v1.schema.json`` describes (``tests/format/test_types.py``)."""

    executed: dict[str, Any] | None


def validate_entry(document: Any) -> None:
    """Raise :class:`CacheError` unless ``document`` is a valid entry, result included."""
    from .report import REPORT_SCHEMA_VERSION

    check_valid(validator(_SCHEMA), document, lambda where: CacheError(f"invalid cache entry: {where}"))
    if document["report_schema_version"] != REPORT_SCHEMA_VERSION:
        raise CacheError(
            f"the result follows check-report schema {document['report_schema_version']}, not {REPORT_SCHEMA_VERSION}"
        )
    check_valid(
        validator(f"check-v{REPORT_SCHEMA_VERSION}", "notebook"),
        document["result"],
        lambda where: CacheError(f"invalid result in cache entry: {where}"),
        noun="the result",
    )


def upgrade_entry(document: Any, name: str = "cache entry") -> CacheEntry:
    """An entry of any known version as the current one, validated."""
    if not isinstance(document, dict):
        raise CacheError(f"{name} is not a JSON object")
    upgraded = upgrade_chain(document, CACHE_SCHEMA_VERSION, _UPGRADES, CacheError, name)
    try:
        validate_entry(upgraded)
    except CacheError as exc:
        raise CacheError(f"{name}: {exc}") from exc
    return cast("CacheEntry", upgraded)


def read_entry(path: str | os.PathLike[str]) -> CacheEntry | None:
    """The entry at ``path``; ``None`` when there is none; :class:`CacheError` when it is unusable."""
    name = os.fspath(path)
    try:
        with open(name, "rb") as handle:
            raw = handle.read()
    except (FileNotFoundError, NotADirectoryError):  # no entry, or no cache directory yet
        return None
    except OSError as exc:
        raise CacheError(f"cannot read cache entry {name}: {exc.strerror or exc}") from exc
    try:
        document: JSON = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CacheError(f"cache entry {name} is not valid JSON: {exc}") from exc
    return upgrade_entry(document, f"cache entry {name}")


def write_entry(path: str | os.PathLike[str], entry: CacheEntry) -> None:
    """Validate ``entry`` and write it atomically: a reader sees the old entry or the new one."""
    from .files import atomic_write_text

    validate_entry(entry)
    atomic_write_text(path, json.dumps(entry, ensure_ascii=True, allow_nan=False, separators=(",", ":")) + "\n")


#: The schema definition each type describes (for the consistency test).
DEFINITIONS: dict[str | None, type] = {None: CacheEntry}
