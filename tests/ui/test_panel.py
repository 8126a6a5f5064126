"""The side panel in a real JupyterLab and Chromium: recording, markers, persistence."""

from __future__ import annotations

import json
import shutil
from typing import Any

import pytest

from repro_nb.format.record import SCHEMA_VERSION

from .conftest import ROOT, Lab
from .helpers import (
    PANEL,
    RECORDED_CELLS,
    cell_node,
    open_notebook,
    run_cell,
    save,
    screenshot,
    show_panel,
    write_notebook,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]


def test_plugin_loads_without_errors(page: Any, lab: Lab) -> None:
    write_notebook(lab.root / "empty.ipynb", ["1 + 1"])
    open_notebook(page, lab, "empty.ipynb")
    page.wait_for_function(
        f"() => document.querySelector('{PANEL} .jp-repro-nb-body').dataset.state === 'not-recording'"
    )
    assert "Not recording" in page.inner_text(PANEL)
    assert "%load_ext repro_nb" in page.inner_text(PANEL)
    logs = "\n".join(page.console_messages)
    assert "repro-nb: JupyterLab extension activated" in logs
    bad = [m for m in page.console_messages if "repro-nb" in m and m.startswith(("error", "pageerror", "warning"))]
    # a shared package of ours that the lab cannot satisfy (other extensions' are not ours)
    ours = json.loads((ROOT / "labextension" / "package.json").read_text())["dependencies"]
    bad += [
        m for m in page.console_messages if "Unsatisfied version" in m and any(f"module {name} " in m for name in ours)
    ]
    assert not bad, "\n".join(bad)
    screenshot(page, "not-recording")


def test_recording_fills_panel_marks_cells_and_persists(page: Any, lab: Lab) -> None:
    (lab.root / "measurements.csv").write_text("a,b\n1,2\n3,4\n")
    write_notebook(lab.root / "recorded.ipynb", RECORDED_CELLS)
    open_notebook(page, lab, "recorded.ipynb")
    page.wait_for_function(
        f"() => document.querySelector('{PANEL} .jp-repro-nb-body').dataset.state === 'not-recording'"
    )

    # %load_ext mid-session: the panel notices after the cell ran, without a reload.
    run_cell(page, 0)
    page.wait_for_function(f"() => document.querySelector('{PANEL} .jp-repro-nb-body').dataset.state === 'recording'")
    run_cell(page, 1)
    run_cell(page, 2)
    page.wait_for_selector(f"{PANEL} .jp-repro-nb-body[data-cells-recorded='2']")

    # the panel: the unseeded-randomness warning first, linked to its cell; the CSV
    warning = page.locator(f"{PANEL} .jp-repro-nb-warning-item[data-kind='unseeded-rng']")
    assert warning.count() >= 1
    assert "seed" in warning.first.inner_text()
    data = page.locator(f"{PANEL} .jp-repro-nb-data-item[data-path='measurements.csv']")
    assert data.get_attribute("data-state") == "unchanged"
    assert "blake3:" in data.inner_text()
    assert "numpy" in page.inner_text(f"{PANEL} .jp-repro-nb-section-packages")

    # the marker on the cell that drew random numbers, none on the CSV cell
    random_cell = cell_node(page, 1)
    assert "jp-repro-nb-warning" in (random_cell.get_attribute("class") or "")
    icon = random_cell.locator(".jp-repro-nb-marker")
    assert "seed" in (icon.get_attribute("title") or "")
    assert "jp-repro-nb-warning" not in (cell_node(page, 2).get_attribute("class") or "")
    screenshot(page, "recording")

    # clicking the warning's cell link selects that cell
    page.evaluate("() => { window.jupyterapp.shell.currentWidget.content.activeCellIndex = 0; }")
    warning.first.locator(".jp-repro-nb-cell-link").click()
    page.wait_for_function("() => window.jupyterapp.shell.currentWidget.content.activeCellIndex === 1")

    # the record is in the metadata: Save writes it to the file
    assert page.evaluate("() => window.jupyterapp.shell.currentWidget.context.model.dirty")
    save(page)
    saved = lab.notebook("recorded.ipynb")
    notebook_record = saved["metadata"]["repro_nb"]
    assert notebook_record["schema_version"] == SCHEMA_VERSION
    # the kernel sent only what changed after each cell; merged, it is the whole record
    assert notebook_record["cells_executed"] == 2
    assert "numpy" in notebook_record["packages"] and notebook_record["environment"]["python"]
    assert [d["path"] for d in notebook_record["data"]] == ["measurements.csv"]
    cells = {c["id"]: c for c in saved["cells"]}
    assert cells["random"]["metadata"]["repro_nb"]["unseeded_rng"]
    assert cells["csv"]["metadata"]["repro_nb"]["reads"][0]["path"] == "measurements.csv"

    # reload: markers and panel come back
    page.reload()
    page.wait_for_selector(".jp-Notebook .jp-Cell.jp-repro-nb-warning", timeout=60_000)
    show_panel(page)
    page.wait_for_selector(f"{PANEL} .jp-repro-nb-body[data-cells-recorded='2']")
    assert not page.evaluate("() => window.jupyterapp.shell.currentWidget.context.model.dirty")

    # another copy, another kernel (no recorder): everything comes from the metadata
    shutil.copy(lab.root / "recorded.ipynb", lab.root / "reopened.ipynb")
    open_notebook(page, lab, "reopened.ipynb")
    page.wait_for_function(
        f"() => document.querySelector('{PANEL} .jp-repro-nb-body').dataset.state === 'not-recording'"
    )
    page.wait_for_selector(f"{PANEL} .jp-repro-nb-body[data-cells-recorded='2']")
    assert "jp-repro-nb-warning" in (cell_node(page, 1).get_attribute("class") or "")
    assert page.locator(f"{PANEL} .jp-repro-nb-data-item[data-path='measurements.csv']").count() == 1
    screenshot(page, "reopened")


def _cell_record(cell_id: str, warning: str | None = None) -> dict[str, Any]:
    record: dict[str, Any] = {"schema_version": 1, "cell_id": cell_id, "source_hash": "blake3:00", "warnings": []}
    if warning:
        record["unseeded_rng"] = [{"library": "numpy", "kind": "global-state-advanced"}]
        record["warnings"] = [{"kind": "unseeded-rng", "library": "numpy", "message": warning}]
    return record


def test_markers_survive_windowed_rendering(page: Any, lab: Lab) -> None:
    """A long notebook: cells far down are not in the page until scrolled to."""
    n, marked = 200, 150
    cells = [
        {
            "id": f"c{i}",
            "source": f"x{i} = {i}",
            "execution_count": i + 1,
            "metadata": {
                "repro_nb": _cell_record(f"c{i}", "numpy drew random numbers without a seed" if i == marked else None)
            },
        }
        for i in range(n)
    ]
    write_notebook(
        lab.root / "long.ipynb", cells, metadata={"repro_nb": {"schema_version": 1, "recorder": {"version": "0.1.0"}}}
    )
    open_notebook(page, lab, "long.ipynb", kernel=False)
    page.wait_for_selector(f"{PANEL} .jp-repro-nb-body[data-cells-recorded='{n}']")
    assert page.locator(f".jp-Cell[data-windowed-list-index='{marked}']").count() == 0, "expected windowing"

    # the panel's link scrolls to the cell, which carries its marker
    page.locator(f"{PANEL} .jp-repro-nb-warning-item .jp-repro-nb-cell-link").click()
    target = cell_node(page, marked)
    target.wait_for(state="visible")
    page.wait_for_function(f"() => window.jupyterapp.shell.currentWidget.content.activeCellIndex === {marked}")
    assert "jp-repro-nb-warning" in (target.get_attribute("class") or "")
    assert "without a seed" in (target.locator(".jp-repro-nb-marker").get_attribute("title") or "")
    screenshot(page, "windowed")

    # away and back (out of the window and into it again): still marked, neighbours not
    page.evaluate("""async () => {
        const nb = window.jupyterapp.shell.currentWidget.content;
        nb.activeCellIndex = 0;
        await nb.scrollToItem(0);
    }""")
    page.wait_for_timeout(300)
    page.evaluate(f"() => window.jupyterapp.shell.currentWidget.content.scrollToItem({marked})")
    cell_node(page, marked).wait_for(state="visible")
    assert "jp-repro-nb-warning" in (cell_node(page, marked).get_attribute("class") or "")
    assert "jp-repro-nb-warning" not in (cell_node(page, marked - 1).get_attribute("class") or "")
