"""Checking from the panel: drift marked with its cause; progress; cancel; 409 attach; the queue."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Lab
from .helpers import PANEL, cell_node, open_notebook, screenshot, write_notebook

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]


def _stdout(text: str) -> list[dict[str, Any]]:
    return [{"output_type": "stream", "name": "stdout", "text": text}]


def _need_server(lab: Lab) -> None:
    if not lab.has_server_extension:
        pytest.fail("the repro-nb server extension is not importable: the panel cannot check")


def test_check_marks_drifted_cell_with_its_cause(page: Any, lab: Lab) -> None:
    _need_server(lab)
    write_notebook(
        lab.root / "planted.ipynb",
        [
            {"id": "stable", "source": "print('hello')", "outputs": _stdout("hello\n"), "execution_count": 1},
            {
                "id": "random",
                "source": "import random\nprint(random.random())",
                "outputs": _stdout("0.8444218515250481\n"),
                "execution_count": 2,
            },
            {"id": "sum", "source": "print(2 + 2)", "outputs": _stdout("5\n"), "execution_count": 3},
        ],
    )
    open_notebook(page, lab, "planted.ipynb")
    page.click(f"{PANEL} .jp-repro-nb-check-button")
    page.wait_for_selector(f"{PANEL} .jp-repro-nb-check[data-check-state='done']", timeout=120_000)

    assert "Drifted" in page.inner_text(f"{PANEL} .jp-repro-nb-verdict")
    drift = page.locator(f"{PANEL} .jp-repro-nb-drift-item[data-cell-id='random']")
    assert "without a seed" in drift.locator(".jp-repro-nb-cause").first.inner_text()
    assert "+" in drift.locator(".jp-repro-nb-unified").inner_text()  # the unified diff
    assert "-5" in page.inner_text(f"{PANEL} .jp-repro-nb-drift-item[data-cell-id='sum'] .jp-repro-nb-unified")
    assert page.locator(f"{PANEL} .jp-repro-nb-drift-item[data-cell-id='stable']").count() == 0

    random_cell = cell_node(page, 1)
    assert "jp-repro-nb-drift" in (random_cell.get_attribute("class") or "")
    assert "without a seed" in (random_cell.locator(".jp-repro-nb-marker").get_attribute("title") or "")
    assert "jp-repro-nb-drift" not in (cell_node(page, 0).get_attribute("class") or "")
    # checking never saves: the file is untouched
    assert lab.notebook("planted.ipynb")["cells"][2]["outputs"][0]["text"] == "5\n"
    screenshot(page, "check-drift")

    # the cell link of a drifted cell selects it
    page.evaluate("() => { window.jupyterapp.shell.currentWidget.content.activeCellIndex = 0; }")
    page.locator(f"{PANEL} .jp-repro-nb-drift-item[data-cell-id='sum'] .jp-repro-nb-cell-link").first.click()
    page.wait_for_function("() => window.jupyterapp.shell.currentWidget.content.activeCellIndex === 2")


def test_running_check_attaches_shows_progress_and_cancels(page: Any, lab: Lab) -> None:
    _need_server(lab)
    write_notebook(
        lab.root / "slow.ipynb",
        [
            {"id": "first", "source": "x = 1", "execution_count": 1},
            {"id": "sleep", "source": "import time\ntime.sleep(120)", "execution_count": 2},
        ],
    )
    open_notebook(page, lab, "slow.ipynb")
    # another client starts a check: the button answers 409 and the panel follows it
    started = lab.api("repro-nb/checks", "POST", {"path": "slow.ipynb"})
    assert started["state"] == "running"
    page.click(f"{PANEL} .jp-repro-nb-check-button")
    page.wait_for_selector(f"{PANEL} .jp-repro-nb-check[data-check-state='running']")
    page.wait_for_selector(f"{PANEL} .jp-repro-nb-progress progress", timeout=60_000)
    assert "Running cell" in page.inner_text(f"{PANEL} .jp-repro-nb-progress")
    assert page.is_disabled(f"{PANEL} .jp-repro-nb-check-button")
    screenshot(page, "check-running")

    page.click(f"{PANEL} .jp-repro-nb-cancel-button")
    page.wait_for_selector(f"{PANEL} .jp-repro-nb-check[data-check-state='cancelled']", timeout=60_000)
    assert "cancelled" in page.inner_text(f"{PANEL} .jp-repro-nb-check")
    assert lab.api(f"repro-nb/checks/{started['id']}")["state"] == "cancelled"


def test_a_check_beyond_the_servers_limit_shows_its_place_in_line(page: Any, lab: Lab) -> None:
    _need_server(lab)
    sleeping = [{"id": "sleep", "source": "import time\ntime.sleep(120)", "execution_count": 1}]
    blockers: list[dict[str, Any]] = []
    try:
        # fill every slot (one per core) and one place in the line
        for index in range(64):
            write_notebook(lab.root / f"busy{index}.ipynb", sleeping)
            blockers.append(lab.api("repro-nb/checks", "POST", {"path": f"busy{index}.ipynb"}))
            if blockers[-1]["state"] == "queued":
                break
        assert blockers[-1]["state"] == "queued" and blockers[-1]["position"] == 1
        write_notebook(
            lab.root / "waiting.ipynb",
            [{"id": "one", "source": "print(1)", "outputs": _stdout("1\n"), "execution_count": 1}],
        )
        open_notebook(page, lab, "waiting.ipynb")
        page.click(f"{PANEL} .jp-repro-nb-check-button")
        page.wait_for_selector(f"{PANEL} .jp-repro-nb-check[data-check-state='queued']")
        assert "Queued (position 2)" in page.inner_text(f"{PANEL} .jp-repro-nb-queued")
        assert page.is_disabled(f"{PANEL} .jp-repro-nb-check-button")
        assert page.locator(f"{PANEL} .jp-repro-nb-cancel-button").count() == 1
        screenshot(page, "check-queued")

        lab.api(f"repro-nb/checks/{blockers.pop()['id']}", "DELETE")  # the line moves up
        page.wait_for_selector(f"{PANEL} .jp-repro-nb-queued:has-text('position 1')", timeout=10_000)
        for blocker in blockers:  # the slots free up: the panel's check runs, and ends
            lab.api(f"repro-nb/checks/{blocker['id']}", "DELETE")
        blockers.clear()
        page.wait_for_selector(f"{PANEL} .jp-repro-nb-check[data-check-state='done']", timeout=120_000)
        assert "Reproduced" in page.inner_text(f"{PANEL} .jp-repro-nb-verdict")
    finally:
        for blocker in blockers:
            try:
                lab.api(f"repro-nb/checks/{blocker['id']}", "DELETE")
            except OSError:  # finished meanwhile (409)
                pass
