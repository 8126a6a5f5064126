"""The machine-readable check report: ``repro-nb check --json FILE``.

Builds the versioned document of :mod:`repro_nb.format.report` from check results and
writes it atomically, validated: a report that fails validation is a bug in repro-nb,
not in the user's input, and is refused rather than written so that readers can trust
every file they find.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, cast

from .._version import __version__
from ..format.check_types import CheckReportJson, NotebookResultJson, SummaryJson
from ..format.files import atomic_write_text
from ..format.report import REPORT_SCHEMA_VERSION, TOOL_NAME, cause_summary, dumps, plain, validate_document

if TYPE_CHECKING:
    from ..check.results import NotebookResult

__all__ = ["to_document", "write_json"]


def to_document(
    results: Sequence[NotebookResult],
    *,
    command: str | None = None,
    created_at: datetime | None = None,
) -> CheckReportJson:
    """The report for ``results`` as plain JSON data (not yet validated).

    ``command`` is the command line, for the reader's information; ``created_at``
    defaults to now (tests pass a fixed time).
    """
    when = (created_at or datetime.now(UTC)).astimezone(UTC)
    notebooks = [cast("NotebookResultJson", plain(result.to_json())) for result in results]
    summary: SummaryJson = {
        "notebooks": len(results),
        "reproduced": sum(result.verdict == "reproduced" for result in results),
        "drifted": sum(result.verdict == "drifted" for result in results),
        "failed": sum(result.verdict == "failed" for result in results),
        "error": sum(result.verdict == "error" for result in results),
        "causes": cause_summary(notebooks),
    }
    return {
        "schema_version": REPORT_SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": __version__},
        "created_at": when.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "command": command,
        "summary": summary,
        "notebooks": notebooks,
    }


def write_json(
    path: str | os.PathLike[str],
    results: Sequence[NotebookResult],
    *,
    command: str | None = None,
) -> CheckReportJson:
    """Validate the report for ``results`` and write it atomically; return the document."""
    document = to_document(results, command=command)
    validate_document(document)
    atomic_write_text(path, dumps(document))
    return document
