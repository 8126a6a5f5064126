"""Seeing drift in the lab: nbdime's diff tab, a panel that reads at a glance, the shell.

Screenshots of the panel and the diff tab in the light, dark and high-contrast themes
are kept under ``build/ui/`` (git-ignored) for people to look at.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from .conftest import Lab
from .helpers import PANEL, artifact, open_notebook, save, set_theme, show_panel, wait_kernel_idle, write_notebook
from support import FILES, ROOT

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

DIFF_TAB = ".jp-repro-nb-diff-tab"


def _need_server(lab: Lab) -> None:
    if not lab.has_server_extension:
        pytest.fail("the repro-nb server extension is not importable: the panel cannot check")


def _check(page: Any) -> None:
    page.click(f"{PANEL} .jp-repro-nb-check-button")
    page.wait_for_selector(f"{PANEL} .jp-repro-nb-check[data-check-state='done']", timeout=120_000)


def _planted(lab: Lab, name: str = "planted.ipynb") -> str:
    (lab.root / name).write_bytes((FILES / "planted_drift.ipynb").read_bytes())
    return name


def test_nbdime_diff_tab_highlights_drift_and_hides_what_reproduced(page: Any, lab: Lab) -> None:
    _need_server(lab)
    open_notebook(page, lab, _planted(lab))
    _check(page)
    assert "2 of 4 cells drifted" in page.inner_text(f"{PANEL} .jp-repro-nb-counts")
    artifact(page, "panel-light", PANEL)

    # "Download report (HTML / JSON)": the checker's reports of this check
    with page.expect_download() as html:
        page.click(f"{PANEL} .jp-repro-nb-download-html")
    assert html.value.suggested_filename.endswith(".html")
    assert "0.9222" in Path(html.value.path()).read_text()
    with page.expect_download() as report:
        page.click(f"{PANEL} .jp-repro-nb-download-json")
    assert report.value.suggested_filename.endswith(".json")
    assert "drifted" in json.dumps(json.loads(Path(report.value.path()).read_text()))

    page.click(f"{PANEL} .jp-repro-nb-show-diff")
    tab = page.locator(f"{DIFF_TAB}[data-state='ready']")
    tab.wait_for(timeout=60_000)
    # nbdime's own widgets drew it: one cell diff per drifted cell, named as in the panel
    cells = tab.locator(".jp-Notebook-diff .jp-Cell-diff")
    assert cells.count() == 2
    labels = tab.locator(".jp-repro-nb-diff-cell-label").all_inner_texts()
    assert labels[0].startswith("[3] print(f'accuracy") and "drifted" in labels[0]
    text = tab.inner_text()
    assert "hello" not in text, "a cell that reproduced is not shown"
    assert "run at" not in text, "a cell whose only change is a masked timestamp is not shown"
    # the changed output is highlighted by nbdime: the stored and the re-run side
    number = tab.locator(".jp-Cell-diff[data-cell-index='3']")
    assert "0.9444" in number.inner_text() and "0.9222" in number.inner_text()
    assert number.locator(".jp-Diff-base, .jp-Diff-deleted, .cm-merge-r-chunk").count() > 0
    assert number.locator(".jp-Diff-remote, .jp-Diff-added, .cm-merge-r-inserted").count() > 0
    picture = tab.locator(".jp-Cell-diff[data-cell-index='4']")
    assert picture.locator("img").count() >= 2  # nbdime's image views: stored and re-run
    artifact(page, "diff-light", ".jp-repro-nb-diff-widget")

    # all cells on request: the reproduced ones are there, unchanged
    page.click(f"{DIFF_TAB} .jp-repro-nb-diff-only-drifted")
    page.wait_for_selector(f"{DIFF_TAB}[data-state='ready'][data-mode='all']", timeout=60_000)
    assert "hello" in page.inner_text(DIFF_TAB)
    page.click(f"{DIFF_TAB} .jp-repro-nb-diff-only-drifted")
    page.wait_for_selector(f"{DIFF_TAB}[data-state='ready'][data-mode='drifted']", timeout=60_000)

    for theme in ("dark", "high-contrast"):
        set_theme(page, theme)
        artifact(page, f"diff-{theme}", ".jp-repro-nb-diff-widget")
        artifact(page, f"panel-{theme}", PANEL)
    set_theme(page, "light")

    # "Show diff" on a cell: the same tab, at that cell
    page.locator(f"{PANEL} .jp-repro-nb-drift-item[data-cell-id='square'] .jp-repro-nb-cell-diff").click()
    page.wait_for_selector(f"{DIFF_TAB} .jp-Cell-diff.jp-repro-nb-diff-focus[data-cell-index='4']")
    assert page.locator(".jp-repro-nb-diff-widget").count() == 1


def test_causes_are_grouped_by_root(page: Any, lab: Lab) -> None:
    _need_server(lab)
    (lab.root / "grouped").mkdir(exist_ok=True)
    for name in ("failure_and_consequences.ipynb", "unseeded_random_no_record.ipynb"):
        (lab.root / "grouped" / name).write_bytes((FILES / name).read_bytes())
    open_notebook(page, lab, "grouped/failure_and_consequences.ipynb")
    _check(page)
    groups = page.locator(f"{PANEL} .jp-repro-nb-group")
    # five failed cells: one missing file and what followed from it, and one unexplained
    data = page.locator(f"{PANEL} .jp-repro-nb-group[data-root='data:settings.json']")
    assert data.count() == 1
    head = data.locator("summary").inner_text()
    assert "settings.json is missing" in head and "→" in head
    assert data.get_attribute("data-cells") == "4"
    assert data.locator(".jp-repro-nb-drift-item[data-consequence='true']").count() == 3
    assert groups.count() == 2
    assert page.inner_text(f"{PANEL} .jp-repro-nb-counts").startswith("5 of 6 cells failed")
    # the confidence is explained where it is shown
    badge = data.locator("summary .jp-repro-nb-confidence")
    assert "Medium confidence" in (badge.get_attribute("title") or "")
    artifact(page, "panel-groups-light", PANEL)
    set_theme(page, "dark")
    artifact(page, "panel-groups-dark", PANEL)
    set_theme(page, "light")

    open_notebook(page, lab, "grouped/unseeded_random_no_record.ipynb")
    _check(page)
    random = page.locator(f"{PANEL} .jp-repro-nb-group[data-kind='unseeded-rng']")
    assert random.count() == 1 and random.get_attribute("data-cells") == "2"
    assert "random numbers without a seed" in random.locator("summary").inner_text()
    assert "High confidence" in (random.locator("summary .jp-repro-nb-confidence").get_attribute("title") or "")


def test_quick_fix_inserts_the_seed_cell(page: Any, lab: Lab) -> None:
    _need_server(lab)
    (lab.root / "fix.ipynb").write_bytes((FILES / "unseeded_random_no_record.ipynb").read_bytes())
    open_notebook(page, lab, "fix.ipynb")
    _check(page)
    fix = page.locator(f"{PANEL} .jp-repro-nb-fix[data-fix='insert-seed']")
    assert " ".join(fix.inner_text().split()) == "Insert %repro_seed 42 at the top"
    # in a narrow panel the label wraps inside its button, not past the panel's edge
    assert fix.evaluate("b => b.scrollWidth <= b.clientWidth + 1")
    box, panel = fix.bounding_box(), page.locator(PANEL).bounding_box()
    assert box["x"] >= panel["x"] and box["x"] + box["width"] <= panel["x"] + panel["width"]
    artifact(page, "panel-fix-light", PANEL)
    set_theme(page, "dark")
    artifact(page, "panel-fix-dark", PANEL)
    set_theme(page, "light")
    before = page.evaluate("() => window.jupyterapp.shell.currentWidget.content.model.cells.length")
    fix.click()
    page.wait_for_function(f"() => window.jupyterapp.shell.currentWidget.content.model.cells.length === {before + 1}")
    first = page.evaluate(
        "() => window.jupyterapp.shell.currentWidget.content.model.cells.get(0).sharedModel.getSource()"
    )
    assert first == "%load_ext repro_nb\n%repro_seed 42"
    assert page.evaluate("() => window.jupyterapp.shell.currentWidget.content.activeCellIndex") == 0
    # once the notebook seeds itself, the fix is not offered again
    page.wait_for_selector(f"{PANEL} .jp-repro-nb-fix[data-fix='insert-seed']", state="detached")


def test_outdated_once_the_notebook_or_a_data_file_changed(page: Any, lab: Lab) -> None:
    _need_server(lab)
    folder = lab.root / "stale"
    folder.mkdir(exist_ok=True)
    (folder / "values.txt").write_text("42\n")
    write_notebook(
        folder / "stale.ipynb",
        [{"id": "read", "source": "%load_ext repro_nb\nwith open('values.txt') as f:\n    print(f.read().strip())"}],
    )
    open_notebook(page, lab, "stale/stale.ipynb")
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(
        "() => window.jupyterapp.shell.currentWidget.content.model.cells.get(0).executionCount !== null"
    )
    wait_kernel_idle(page)
    page.wait_for_selector(f"{PANEL} .jp-repro-nb-body[data-cells-recorded='1']")
    save(page)
    data = page.locator(f"{PANEL} .jp-repro-nb-data-item[data-path='values.txt']")
    data.wait_for()
    page.wait_for_selector(f"{PANEL} .jp-repro-nb-data-item[data-path='values.txt'][data-live='true']")
    assert data.get_attribute("data-state") == "unchanged"
    _check(page)
    summary = page.locator(f"{PANEL} .jp-repro-nb-verdict")
    assert summary.get_attribute("data-verdict") == "reproduced"
    assert summary.get_attribute("data-outdated") == "false"
    assert "checked just now" in summary.inner_text()

    time.sleep(1.2)  # the server's times are in whole seconds
    (folder / "values.txt").write_text("43\n")
    page.evaluate("() => window.dispatchEvent(new Event('focus'))")  # back from the editor
    page.wait_for_selector(f"{PANEL} .jp-repro-nb-data-item[data-path='values.txt'][data-state='changed']")
    page.wait_for_selector(f"{PANEL} .jp-repro-nb-verdict[data-outdated='true']")
    assert "values.txt changed since" in page.inner_text(f"{PANEL} .jp-repro-nb-outdated-note")
    artifact(page, "panel-outdated", PANEL)
    status = page.locator(".jp-repro-nb-status-item")
    assert "outdated" in status.inner_text()


def test_status_bar_item_settings_and_the_panel_after_reload(page: Any, lab: Lab) -> None:
    _need_server(lab)
    open_notebook(page, lab, _planted(lab, "shell.ipynb"))
    status = page.locator(".jp-repro-nb-status-item")
    status.wait_for()
    _check(page)
    page.wait_for_function("() => document.querySelector('.jp-repro-nb-status-item').innerText.includes('drifted 2')")
    artifact(page, "status-bar-light", "#jp-main-statusbar")
    # the status item opens the panel
    page.evaluate("() => window.jupyterapp.shell.collapseRight()")
    page.wait_for_selector(PANEL, state="hidden")
    status.click()
    page.wait_for_selector(PANEL, state="visible")

    # the menu entries and the cell context menu
    page.click(".lm-MenuBar-itemLabel:text('Run')")
    menu = page.locator(".lm-Menu").last
    assert menu.locator("text=Check Reproducibility of the Saved Notebook").count() == 1
    assert menu.locator("text=Show Reproducibility Diff (nbdime)").count() == 1
    page.keyboard.press("Escape")
    page.locator(".jp-Notebook .jp-CodeCell").nth(2).click(button="right")
    context = page.locator(".lm-Menu").last
    context.locator("text=Show Reproducibility Diff of This Cell").click()
    page.wait_for_selector(f"{DIFF_TAB}[data-state='ready']", timeout=60_000)
    assert page.locator(f"{DIFF_TAB} .jp-Cell-diff.jp-repro-nb-diff-focus[data-cell-index='3']").count() == 1
    page.evaluate("""() => {
        for (const w of window.jupyterapp.shell.widgets('main')) {
            if (w.hasClass('jp-repro-nb-diff-widget')) { w.close(); }
        }
    }""")

    # settings, in the Settings Editor: markers off takes the markers away; on brings them back
    drifted = ".jp-Notebook .jp-Cell.jp-repro-nb-drift"
    page.wait_for_selector(drifted, state="attached")
    _setting(page, "markers", False)
    page.wait_for_selector(drifted, state="detached")
    _setting(page, "markers", True)
    page.wait_for_selector(drifted, state="attached")
    # tolerances go with the check: within rtol 5 % the number cell reproduces
    _setting(page, "rtol", 0.05)
    _activate(page, "shell.ipynb")
    page.evaluate("() => window.jupyterapp.commands.execute('repro-nb:check')")
    page.wait_for_function(
        "() => document.querySelector('.jp-repro-nb-counts') && "
        "document.querySelector('.jp-repro-nb-counts').innerText.startsWith('1 of 4')",
        timeout=120_000,
    )
    # check on save
    _setting(page, "checkOnSave", True)
    checks_before = len(lab.api("repro-nb/checks?path=shell.ipynb")["checks"])
    _activate(page, "shell.ipynb")
    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    deadline = time.monotonic() + 30
    while len(lab.api("repro-nb/checks?path=shell.ipynb")["checks"]) == checks_before:
        assert time.monotonic() < deadline, "saving did not start a check"
        time.sleep(0.3)
    _setting(page, "checkOnSave", False)
    _activate(page, "shell.ipynb")

    # the panel comes back after a reload, where it was
    page.wait_for_selector(f"{PANEL} .jp-repro-nb-check[data-check-state='done']", timeout=120_000)
    page.goto(f"{lab.url}lab/tree/shell.ipynb?token={lab.token}")
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=60_000)
    page.wait_for_selector(f"{PANEL} .jp-repro-nb-body", state="visible", timeout=60_000)
    assert page.evaluate(f"() => window.jupyterapp.shell.currentWidget && document.querySelector('{PANEL}') !== null")


def _setting(page: Any, name: str, value: bool | float) -> None:
    """Change one of the extension's settings in the Settings Editor, as a user does."""
    page.evaluate("() => window.jupyterapp.commands.execute('settingeditor:open', {query: 'Reproducibility'})")
    field = page.locator(f'[id="jp-SettingsEditor-repro-nb:plugin_{name}"]')
    field.wait_for()
    if isinstance(value, bool):
        field.set_checked(value)
    else:
        field.fill(str(value))
        field.press("Tab")
    # the editor saves after a pause; the plugin applies what the registry says
    expected = json.dumps(value)
    page.wait_for_function(
        """async ([name, expected]) => {
            const answer = await fetch('/lab/api/settings/repro-nb:plugin');
            const settings = (await answer.json()).settings || {};
            return JSON.stringify(settings[name]) === expected;
        }""",
        arg=[name, expected],
        timeout=15_000,
    )
    # and the plugin applied it (the registry here says so after the server has it)
    page.wait_for_function(
        """([selector, name, expected]) => {
            const applied = document.querySelector(selector)?.dataset.settings;
            return !!applied && JSON.stringify(JSON.parse(applied)[name]) === expected;
        }""",
        arg=[PANEL, name, expected],
        timeout=15_000,
    )


def _activate(page: Any, path: str) -> None:
    """Make the notebook at ``path`` the current widget again (after the Settings Editor)."""
    page.evaluate(
        """(path) => {
            for (const w of window.jupyterapp.shell.widgets('main')) {
                if (w.context && w.context.path === path) { window.jupyterapp.shell.activateById(w.id); }
            }
        }""",
        path,
    )
    page.wait_for_function("(path) => window.jupyterapp.shell.currentWidget.context?.path === path", arg=path)


def test_disabled_check_button_looks_disabled(page: Any, lab: Lab) -> None:
    write_notebook(
        lab.root / "busy.ipynb",
        [{"id": "sleep", "source": "import time\ntime.sleep(60)", "execution_count": 1}],
    )
    open_notebook(page, lab, "busy.ipynb")
    enabled = page.eval_on_selector(f"{PANEL} .jp-repro-nb-check-button", "b => getComputedStyle(b).opacity")
    started = lab.api("repro-nb/checks", "POST", {"path": "busy.ipynb"})
    page.click(f"{PANEL} .jp-repro-nb-check-button")
    page.wait_for_selector(f"{PANEL} .jp-repro-nb-check[data-check-state='running']")
    button = f"{PANEL} .jp-repro-nb-check-button"
    assert page.is_disabled(button)
    disabled = page.eval_on_selector(button, "b => getComputedStyle(b).opacity")
    assert float(disabled) < float(enabled) * 0.7
    lab.api(f"repro-nb/checks/{started['id']}", "DELETE")
    show_panel(page)


@pytest.mark.parametrize("name", ["iris_classifier.ipynb", "sales_analysis.ipynb", "classic_mistakes.ipynb"])
def test_opening_an_example_notebook_changes_nothing(page: Any, lab: Lab, name: str) -> None:
    """Stored with the kernel's full language_info: the kernel connecting edits no metadata."""
    (lab.root / "examples").mkdir(exist_ok=True)
    source = ROOT / "notebooks" / name
    (lab.root / "examples" / name).write_bytes(source.read_bytes())
    open_notebook(page, lab, f"examples/{name}")
    page.wait_for_function(
        "() => window.jupyterapp.shell.currentWidget.context.model.getMetadata('language_info')?.version"
    )
    page.wait_for_timeout(1000)  # what the kernel's info reply and the panel might still write
    stored = json.loads(source.read_text())["metadata"]["language_info"]
    now = page.evaluate("() => window.jupyterapp.shell.currentWidget.context.model.getMetadata('language_info')")
    if stored.get("version") and now.get("version") != stored["version"]:
        pytest.skip(
            f"the examples were recorded with Python {stored.get('version')}; this kernel is {now.get('version')}"
        )
    assert now == stored
    assert not page.evaluate("() => window.jupyterapp.shell.currentWidget.context.model.dirty")
