"""``%repro`` as a live dashboard, for frontends that render ipywidgets.

VS Code, Colab, classic Notebook and JupyterLab without the repro-nb panel show the
record here: a header line (cells recorded, warnings) over one tab per section —
warnings, cells, then :func:`repro_nb.format.summary.sections` (seeds, data files,
packages, environment, and results when the record holds named results). Each tab is an
``ipywidgets.HTML`` rendered by :func:`repro_nb.kernel.view.section_html`, the static
view's own table.

The dashboard follows the session: the recorder calls its listeners at the end of every
cell (IPython's ``post_run_cell``), and :class:`_Live`, the one listener per recorder,
brings each open dashboard up to date. That costs one record per cell for all
dashboards together, and only the tabs whose rows changed are rendered again and sent
to the frontend. Dashboards are held weakly (a dashboard lives as long as its widget);
the :data:`MAX_LIVE` most recent stay live, older ones freeze, and ``%unload_ext``
freezes them all.

This module imports ipywidgets, so nothing imports it before ``%repro`` shows a
dashboard: ``%load_ext repro_nb`` does not pay for ipywidgets.
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

import ipywidgets

from ..format.summary import Section, cells_section, sections
from . import registry, view
from .recorder import Recorder

__all__ = ["MAX_LIVE", "WIDGET_VIEW_MIME", "Dashboard", "close", "dashboard_sections", "live_dashboards", "show"]

#: The mimetype of a widget view in a display bundle (what ipywidgets' ``_repr_mimebundle_`` gives).
WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"
#: How many dashboards of one recorder follow the session; showing another freezes the oldest.
MAX_LIVE = 4
#: Cell executions the Cells tab lists, the latest first (every cell re-renders and sends that tab).
CELLS_SHOWN = 20

#: Rendered table rows a dashboard keeps (then it starts again).
_ROWS_CACHED = 4096

_serial = itertools.count()


def section_key(title: str) -> str:
    """A section's name without its count: ``"Warnings (2)"`` → ``"Warnings"``."""
    return title.split(" (", 1)[0]


def dashboard_sections(record: Mapping[str, Any], cells: Sequence[Mapping[str, Any]] = ()) -> list[Section]:
    """The tabs, in order: warnings, cells, then the summary's other sections.

    A record that holds named results (``results``) gets a Results tab: the summary's
    own section where it has one, else a plain table of name and value.
    """
    found = sections(record)
    if record.get("results") and not any(section_key(title) == "Results" for title, _, _ in found):
        found.insert(1, _results_section(record["results"]))
    _, headers, rows = cells_section(cells, CELLS_SHOWN)
    # no count in this title: the header line has it, and a title that changed every
    # cell would cost every cell a message to the frontend
    found.insert(1, ("Cells", headers, rows))
    return found


def _results_section(results: Any) -> Section:
    """Named results as rows of cell, name and value (a list of result records, or a mapping)."""
    items: list[Mapping[str, Any]]
    if isinstance(results, Mapping):
        items = [{"name": name, "value": value} for name, value in results.items()]
    else:
        items = [r for r in results if isinstance(r, Mapping)]
    rows = []
    for item in items:
        count = item.get("execution_count")
        value = item.get("value")
        if item.get("kind") not in (None, "scalar"):
            value = f"{item['kind']} {'×'.join(str(n) for n in item.get('shape', []))}".strip()
        shown = str(value)
        rows.append(
            [
                f"[{count}]" if count is not None else "",
                str(item.get("name", "")),
                shown if len(shown) <= 80 else shown[:79] + "…",
            ]
        )
    return f"Results ({len(rows)})", ["cell", "name", "value"], rows


def header_html(record: Mapping[str, Any], note: str = "") -> str:
    """The line above the tabs: cells recorded and warnings (in the warning colour when any)."""
    warnings = len(record.get("warnings", []))
    count = f"{warnings} warning(s)"
    if warnings:
        count = f'<span style="color:{view.WARNING_COLOUR}"><b>{count}</b></span>'
    line = f"<b>repro-nb record</b> — {record.get('cells_executed', 0)} cell(s) recorded, {count}"
    return line + (f" — <i>{escape(note)}</i>" if note else "")


class Dashboard:
    """One live view of a recorder's record: a header line over a tab per section.

    :attr:`view` is the widget to display (a ``VBox`` of the header and an
    ``ipywidgets.Tab``); it keeps the dashboard alive, so the dashboard goes when the
    widget is closed and collected.
    """

    def __init__(self, recorder: Recorder, record: Mapping[str, Any] | None = None) -> None:
        self._recorder: Recorder | None = recorder
        self.serial = next(_serial)
        self._panes: dict[str, Any] = {}  # section key -> its ipywidgets.HTML
        self._shown: dict[str, Section] = {}  # section key -> the section its pane shows
        self._rows: dict[tuple[str, ...], str] = {}  # rendered rows: most rows stay as they were from cell to cell
        if record is None:
            record = recorder.notebook_record()
        # Each model is made with its state, so that the frontend gets it whole in the
        # widget's comm_open rather than as a trail of updates.
        found = dashboard_sections(record, recorder.cells)
        self._update_panes(found)
        self.header = ipywidgets.HTML(value=header_html(record))
        self.tabs = ipywidgets.Tab(children=self._children(found), titles=tuple(title for title, _, _ in found))
        self.view = ipywidgets.VBox([self.header, self.tabs], _dom_classes=("repro-nb-dashboard",))
        self.view._repro_nb_dashboard = self  # the widget keeps its dashboard alive (held weakly elsewhere)

    @property
    def live(self) -> bool:
        """Still following the session: not frozen, and its widget not closed (here or by the frontend)."""
        comm = self.view.comm
        return self._recorder is not None and comm is not None and not getattr(comm, "_closed", False)

    def refresh(self, record: Mapping[str, Any] | None = None) -> bool:
        """Bring the dashboard up to date with ``record`` (default: the recorder's now).

        Only the panes whose section changed are rendered again (and so sent to the
        frontend); returns whether any did. A frozen dashboard stays as it is.
        """
        recorder = self._recorder
        if recorder is None:
            return False
        if record is None:
            record = recorder.notebook_record()
        found = dashboard_sections(record, recorder.cells)
        changed = self._update_panes(found)
        children = self._children(found)
        titles = tuple(title for title, _, _ in found)
        if tuple(self.tabs.children) != children:
            # a tab that appears (Results) must not move the reader to another tab
            before = self.tabs.selected_index
            selected = self.tabs.children[before] if before is not None and before < len(self.tabs.children) else None
            with self.tabs.hold_sync():
                self.tabs.children = children
                self.tabs.titles = titles
                if selected in children:
                    self.tabs.selected_index = children.index(selected)
            changed = True
        elif tuple(self.tabs.titles) != titles:
            self.tabs.titles = titles
        header = header_html(record)
        if self.header.value != header:
            self.header.value = header
            changed = True
        return changed

    def _update_panes(self, found: list[Section]) -> bool:
        """Render the sections that changed into their panes (made on first sight); whether any did."""
        changed = False
        for section in found:
            key = section_key(section[0])
            if self._shown.get(key) == section:
                continue
            html = view.section_html(section, heading=False, render_row=self._row)
            pane = self._panes.get(key)
            if pane is None:
                css = "repro-nb-" + key.lower().replace(" ", "-")
                self._panes[key] = ipywidgets.HTML(value=html, _dom_classes=(css,))
            else:
                pane.value = html
            self._shown[key] = section
            changed = True
        return changed

    def _children(self, found: list[Section]) -> tuple[Any, ...]:
        return tuple(self._panes[section_key(title)] for title, _, _ in found)

    def _row(self, row: Sequence[str]) -> str:
        key = tuple(row)
        html = self._rows.get(key)
        if html is None:
            if len(self._rows) >= _ROWS_CACHED:
                self._rows.clear()
            html = self._rows[key] = view.row_html(row)
        return html

    def freeze(self, note: str) -> None:
        """Stop following the session; the header says why."""
        if self._recorder is None:
            return
        record = self._recorder.notebook_record()
        self._recorder = None
        self.header.value = header_html(record, note)

    def pane(self, key: str) -> Any:
        """The HTML widget of section ``key`` (``"Warnings"``, ``"Cells"``, …), or ``None``."""
        return self._panes.get(key)

    def mimebundle(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """What ``%repro`` displays: the widget view, with the static view for frontends without widgets.

        ipywidgets' own bundle carries only ``text/plain`` (the widget's repr) beside the
        widget view; a frontend without a widget manager (nbviewer, GitHub, a notebook
        saved and opened elsewhere) shows ``text/html``, a terminal ``text/plain``.
        """
        bundle = dict(self.view._repr_mimebundle_() or {})
        bundle["text/plain"] = view.to_text(record)
        bundle["text/html"] = view.to_html(record)
        return bundle


class _Live:
    """The recorder's listener that keeps its dashboards up to date (one per recorder)."""

    def __init__(self, recorder: Recorder) -> None:
        # weakly: the recorder holds this listener, and this is the value of its key in _LIVE
        self._recorder = weakref.ref(recorder)
        self.dashboards: weakref.WeakSet[Dashboard] = weakref.WeakSet()
        recorder.listeners.append(self.cell_ended)

    def add(self, dashboard: Dashboard) -> None:
        self.dashboards.add(dashboard)
        live = sorted((d for d in self.dashboards if d.live), key=lambda d: d.serial)
        for old in live[:-MAX_LIVE]:
            old.freeze("superseded by a newer %repro; no longer updated")
            self.dashboards.discard(old)

    def cell_ended(self, cell: Any) -> None:
        live = [d for d in self.dashboards if d.live]
        if len(live) != len(self.dashboards):
            for gone in [d for d in self.dashboards if not d.live]:
                self.dashboards.discard(gone)
        recorder = self._recorder()
        if not live or recorder is None:
            return
        record = recorder.notebook_record()  # once, for every dashboard
        for dashboard in live:
            try:
                dashboard.refresh(record)
            except Exception:  # noqa: BLE001 - one broken view must not stop the others
                dashboard.freeze("could not be updated")
                self.dashboards.discard(dashboard)

    def close(self) -> None:
        """``%unload_ext``: stop listening, freeze every dashboard."""
        recorder = self._recorder()
        if recorder is not None:
            if self.cell_ended in recorder.listeners:
                recorder.listeners.remove(self.cell_ended)
            _LIVE.pop(recorder, None)
        for dashboard in list(self.dashboards):
            dashboard.freeze("recording stopped (%unload_ext)")
        self.dashboards.clear()


_LIVE: weakref.WeakKeyDictionary[Recorder, _Live] = weakref.WeakKeyDictionary()


def show(recorder: Recorder, shell: Any = None, record: Mapping[str, Any] | None = None) -> Dashboard:
    """A new live dashboard of ``recorder``, updated after every cell.

    ``shell`` is the IPython shell ``recorder`` records: its ``%unload_ext`` freezes the
    dashboards (without one, :func:`close` does).
    """
    live = _LIVE.get(recorder)
    if live is None:
        live = _LIVE[recorder] = _Live(recorder)
        if shell is not None:
            registry.at_unload(shell, live.close)
    dashboard = Dashboard(recorder, record)
    live.add(dashboard)
    return dashboard


def close(recorder: Recorder) -> None:
    """Stop updating the dashboards of ``recorder`` and freeze them (what ``%unload_ext`` does)."""
    live = _LIVE.get(recorder)
    if live is not None:
        live.close()


def live_dashboards(recorder: Recorder) -> list[Dashboard]:
    """The dashboards of ``recorder`` that follow the session, oldest first."""
    live = _LIVE.get(recorder)
    return sorted((d for d in live.dashboards if d.live), key=lambda d: d.serial) if live else []
