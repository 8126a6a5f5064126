"""How the reports show environments: the one a check ran in, and the proof by re-run.

A check in a restored environment (``--env``) and an attribution (``--attribute``) add
two members to a notebook's result (``restored_environment``, ``attribution``); the
terminal and HTML reports call these functions to show them, and to set causes the
re-run *confirmed* apart from those the evidence only suggests.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from ..format.check_types import AttributionJson, RestoredEnvironmentJson, VersionChangeJson

#: Appended to the HTML report's stylesheet.
CSS = """
.attribution { border-left: 3px solid var(--ok); background: var(--attribution-bg); padding: .4rem .8rem; margin: .6rem 0; }
.attribution.not-confirmed, .attribution.not-restored { border-left-color: var(--line); background: var(--soft); }
ul.causes li.confirmed { font-weight: 600; }
.confirmed-badge { display: inline-block; border-radius: 4px; font-size: .75rem; padding: 0 .3rem;
  background: var(--confirmed-bg); border: 1px solid var(--confirmed-line); color: var(--confirmed-fg); }
"""

CONFIRMED = "environment-confirmed"


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _changes(changes: Sequence[VersionChangeJson]) -> str:
    return ", ".join(f"{c['distribution']} {c['old']} → {c['new'] or 'not installed'}" for c in changes)


def restored_line(env: RestoredEnvironmentJson) -> str:
    how = "reused" if env.get("cached") else f"restored in {env.get('duration_s', 0):.1f} s"
    return f"checked in the restored {env['origin']} environment {env['directory']} (kernel {env['kernel']}, Python {env['python']}; {how})"


def attribution_lines(attribution: AttributionJson) -> list[str]:
    """The attribution for the terminal: the verdict, then the probes, one line each."""
    lines = [f"  environment: {attribution['message']}"]
    if attribution.get("changed"):
        lines.append(
            f"    changed since the {attribution['environment']} environment: {_changes(attribution['changed'])}"
        )
    probes = attribution.get("probe_log", [])
    if probes:
        lines.append(
            f"    {attribution['probes']} probe(s) of at most {attribution['budget']}, {attribution['duration_s']:.1f} s"
            + ("" if attribution.get("minimal") or attribution["outcome"] != "confirmed" else "; budget ran out")
        )
    return lines


def terminal_lines(result: Any) -> list[str]:
    """Lines for :func:`repro_nb.report.terminal.notebook_details` (a ``NotebookResult``)."""
    lines = []
    env: RestoredEnvironmentJson | None = getattr(result, "restored_environment", None)
    if env:
        lines.append(f"  {restored_line(env)}")
    attribution: AttributionJson | None = getattr(result, "attribution", None)
    if attribution:
        lines += attribution_lines(attribution)
    return lines


def html_section(nb: Mapping[str, Any]) -> str:
    """The notebook's environment section of the HTML report ('' when there is nothing to say)."""
    parts = []
    env = nb.get("restored_environment")
    if env:
        parts.append(f'<p class="meta small">{_e(restored_line(env))}</p>')
    attribution = nb.get("attribution")
    if attribution:
        outcome = str(attribution.get("outcome", ""))
        rows = "".join(
            f"<tr><td>{_e(c.get('distribution'))}</td><td>{_e(c.get('old'))}</td><td>{_e(c.get('new') or 'not installed')}</td>"
            f"<td>{'responsible' if c in attribution.get('responsible', []) else ''}</td></tr>"
            for c in attribution.get("changed", [])
        )
        table = (
            "<table><thead><tr><th>distribution</th><th>restored</th><th>here</th><th></th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
            if rows
            else ""
        )
        probes = attribution.get("probe_log", [])
        probe_items = "".join(
            f"<li>{_e(', '.join(p.get('moved_back', [])) or 'nothing')} moved back: "
            f"{_e({True: 'reproduced', False: 'still drifts', None: 'could not run'}[p.get('reproduced')])}"
            f" ({float(p.get('duration_s', 0)):.1f} s{', cached' if p.get('cached') else ''})</li>"
            for p in probes
        )
        parts.append(
            f'<div class="attribution {_e(outcome)}"><h3>Environment, proved by re-run</h3>'
            f"<p>{_e(attribution.get('message', ''))}</p>{table}"
            + (
                f'<p class="small">Probes ({len(probes)} of at most {_e(attribution.get("budget"))}):</p><ol class="small">{probe_items}</ol>'
                if probes
                else ""
            )
            + "</div>"
        )
    return "\n".join(parts)


def cause_badge(cause: Mapping[str, Any]) -> tuple[str, str]:
    """(CSS class of the cause's list item, a badge before its message) for confirmed causes."""
    if cause.get("category") == CONFIRMED:
        return ' class="confirmed"', '<span class="confirmed-badge">confirmed by re-run</span> '
    return "", ""
