"""Check reports for machines and people: JSON (versioned schema), standalone HTML, JUnit XML.

Each renderer takes the :class:`repro_nb.check.NotebookResult` list of a check and
returns text; each ``write_*`` writes it atomically. The terminal report lives with
the CLI.
"""
from __future__ import annotations

from .html import render_html, render_html_document, write_html
from .json_report import (
    REPORT_SCHEMA_VERSION,
    ReportError,
    read_json,
    to_document,
    validate_document,
    write_json,
)
from .junit import render_junit, render_junit_document, write_junit

__all__ = [
    "REPORT_SCHEMA_VERSION",
    "ReportError",
    "read_json",
    "render_html",
    "render_html_document",
    "render_junit",
    "render_junit_document",
    "to_document",
    "validate_document",
    "write_html",
    "write_json",
    "write_junit",
]
