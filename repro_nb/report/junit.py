"""The JUnit XML check report: ``repro-nb check --junit FILE``, for CI systems.

One ``<testsuite name="repro-nb">`` (inside ``<testsuites>``, as pytest writes it, which
Jenkins, GitLab, GitHub and Azure all read) with one ``<testcase>`` per notebook:

- ``reproduced`` passes;
- ``drifted`` is a ``<failure>``: the results did not come back;
- ``failed`` (the re-run stopped: exception, timeout, dead kernel) and ``error`` (the
  notebook could not be checked) are ``<error>``: the test could not run to the end.

The element body lists the drifted cells with their causes, the data files and
packages that changed, in plain text, so that a CI log shows *why* without opening
anything else. ElementTree does the escaping; :func:`clean_text` removes what XML 1.0
cannot hold at all (control characters, terminal colour codes).
"""

from __future__ import annotations

import math
import os
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ..format.cellname import cell_label, cell_label_of
from ..format.check_types import CellResultJson, CheckReportJson, NotebookResultJson
from ..format.files import atomic_write_text
from .html import clean_text

if TYPE_CHECKING:
    from ..check.results import NotebookResult

__all__ = ["render_junit", "render_junit_document", "write_junit"]


SUITE_NAME = "repro-nb"
CLASS_NAME = "repro-nb"
MAX_BODY_CELLS = 50
"""Drifted cells listed in one test case's body; the rest are counted."""
MAX_DIFF_LINES = 12
"""Changed lines of a unified diff quoted per output difference."""


def render_junit(results: Sequence[NotebookResult], *, created_at: datetime | None = None) -> str:
    """JUnit XML for ``results``: one test case per notebook."""
    return _render(
        [result.to_json() for result in results], created_at or datetime.now(UTC), [r.stored for r in results]
    )


def render_junit_document(document: CheckReportJson) -> str:
    """JUnit XML for a check report read back from JSON."""
    created = document.get("created_at")
    when = None
    if isinstance(created, str):
        try:
            when = datetime.fromisoformat(created)
        except ValueError:
            when = None
    return _render(document.get("notebooks", []), when)


def write_junit(path: str | os.PathLike[str], results: Sequence[NotebookResult]) -> None:
    """Write :func:`render_junit` atomically."""

    atomic_write_text(path, render_junit(results))


def _render(
    notebooks: Sequence[NotebookResultJson], created: datetime | None, stored: Sequence[Any] | None = None
) -> str:
    failures = sum(1 for nb in notebooks if nb.get("verdict") == "drifted")
    errors = sum(1 for nb in notebooks if nb.get("verdict") in ("failed", "error"))
    total_time = sum(_duration(nb) for nb in notebooks)
    counts = {
        "tests": str(len(notebooks)),
        "failures": str(failures),
        "errors": str(errors),
        "skipped": "0",
        "time": f"{total_time:.3f}",
    }
    root = ET.Element("testsuites", {"name": SUITE_NAME, **counts})
    suite_attributes = {"name": SUITE_NAME, **counts}
    if created is not None:
        suite_attributes["timestamp"] = created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    suite = ET.SubElement(root, "testsuite", suite_attributes)
    for number, nb in enumerate(notebooks):
        _testcase(suite, nb, stored[number] if stored and number < len(stored) else None)
    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _duration(nb: Mapping[str, Any]) -> float:
    value = nb.get("duration_s")
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else 0.0


def _testcase(suite: ET.Element, nb: NotebookResultJson, stored: Any = None) -> None:
    case = ET.SubElement(
        suite,
        "testcase",
        {
            "classname": CLASS_NAME,
            "name": clean_text(nb.get("path", "?")),
            "time": f"{_duration(nb):.3f}",
        },
    )
    verdict = nb.get("verdict")
    message = clean_text(nb.get("message") or str(verdict))
    if verdict == "reproduced":
        body = _body(nb, stored)
        if body:  # data notes or warnings worth seeing even on success
            ET.SubElement(case, "system-out").text = body
        return
    tag = "failure" if verdict == "drifted" else "error"
    element = ET.SubElement(case, tag, {"message": message, "type": str(verdict)})
    element.text = _body(nb, stored) or message


def _body(nb: NotebookResultJson, stored: Any = None) -> str:
    """Plain-text explanation: failure, drifted cells and causes, data, packages, warnings."""
    lines: list[str] = []
    if nb.get("verdict") == "error":
        lines.append(f"could not check the notebook: {nb.get('message', '')}")
    for cell in nb.get("cells", []):
        failure = cell.get("failure")
        if failure:
            lines.append(
                f"execution stopped at {_cell_name(cell, stored)} ({failure.get('kind')}): "
                f"{failure.get('ename', '')}: {failure.get('evalue', '')}".rstrip(": ")
            )
            if failure.get("traceback"):
                lines.extend("    " + line for line in str(failure["traceback"]).splitlines())
    bad = [c for c in nb.get("cells", []) if c.get("status") in ("drifted", "failed")]
    for cell in bad[:MAX_BODY_CELLS]:
        lines.extend(_cell_lines(cell, stored))
    if len(bad) > MAX_BODY_CELLS:
        lines.append(f"… and {len(bad) - MAX_BODY_CELLS} more cells")
    not_run = [c for c in nb.get("cells", []) if c.get("status") == "not-run"]
    if not_run:
        names = ", ".join(_cell_name(c, stored) for c in not_run[:MAX_BODY_CELLS])
        lines.append(f"{len(not_run)} cell(s) not run after the failure: {names}")
    for data in nb.get("data", []):
        lines.append(
            f"data file {data.get('path')}: {data.get('status')} "
            f"({data.get('old_hash') or '-'} → {data.get('new_hash') or '-'})"
        )
    for package in nb.get("packages", []):
        now = package.get("new") if package.get("new") is not None else "not installed"
        lines.append(f"package {package.get('distribution')}: {package.get('old')} → {now}")
    for difference in nb.get("environment", []):
        lines.append(
            f"environment {difference.get('field')}: {difference.get('old')} → {difference.get('new')} "
            f"({difference.get('severity')})"
        )
    for warning in nb.get("warnings", []):
        lines.append(f"warning: {warning}")
    return clean_text("\n".join(lines))


def _cell_name(cell: Mapping[str, Any], stored: Any = None) -> str:
    """``[3] df = pd.read_csv(…`` (:mod:`repro_nb.format.cellname`); the prompt alone without the notebook."""
    index = cell.get("index")
    if not isinstance(index, int):
        return "a new cell"
    cells = stored.get("cells", []) if stored is not None else []
    if 0 <= index < len(cells):
        return cell_label_of(cells[index], index)
    count = cell.get("execution_count")
    return cell_label(count if isinstance(count, int) else None, None, index)


def _cell_lines(cell: CellResultJson, stored: Any = None) -> list[str]:
    lines = [f"{cell.get('status')}: {_cell_name(cell, stored)}"]
    for cause in cell.get("causes", []):
        lines.append(f"  cause ({cause.get('category')}, {cause.get('confidence')}): {cause.get('message')}")
    for diff in cell.get("diffs", []):
        lines.append(f"  {_diff_line(diff)}")
        if diff.get("kind") in ("text", "numeric"):
            # changed lines only: context lines are noise in a CI log
            quoted = [
                str(line)
                for line in diff.get("unified_diff", [])
                if str(line)[:1] in "+-" and not str(line).startswith(("+++", "---"))
            ]
            lines.extend(f"    {line}" for line in quoted[:MAX_DIFF_LINES])
            if len(quoted) > MAX_DIFF_LINES:
                lines.append(f"    … {len(quoted) - MAX_DIFF_LINES} more diff lines")
    return lines


def _diff_line(diff: Mapping[str, Any]) -> str:
    kind, mime = diff.get("kind"), diff.get("mime") or ""
    if kind == "numeric":
        pairs = ", ".join(f"{old} → {new}" for old, new in diff.get("numbers_changed", [])[:5])
        return f"{mime}: numbers changed: {pairs}"
    if kind == "image":
        fraction = diff.get("pixel_fraction")
        share = f"{fraction * 100:.2f} % of the picture changed" if isinstance(fraction, (int, float)) else "differs"
        note = f" ({diff['note']})" if diff.get("note") else ""
        return f"{mime}: image {share}{note}"
    if kind == "error":
        return f"error: {diff.get('actual')}"
    if kind in ("text",):
        return f"{mime}: text differs"
    return f"{mime}: {kind}"
