"""The panel's environment actions: export the pins, and a drift proved by re-run shown as such."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .conftest import Lab
from .helpers import PANEL, open_notebook, screenshot
from support import record_with_older_pins

pytestmark = [pytest.mark.browser, pytest.mark.network, pytest.mark.timeout(300)]


def test_export_environment_and_a_cause_confirmed_by_re_run(page: Any, lab: Lab) -> None:
    if not lab.has_server_extension:
        pytest.fail("the repro-nb server extension is not importable: the panel cannot export")
    record_with_older_pins(Path(lab.root) / "pins.ipynb")
    open_notebook(page, lab, "pins.ipynb")

    with page.expect_download(timeout=60_000) as download:
        page.click(f"{PANEL} .jp-repro-nb-export-requirements")
    saved = download.value
    assert saved.suggested_filename == "pins-requirements.txt"
    text = Path(saved.path()).read_text()
    assert "six==1.16.0" in text and "iniconfig==2.0.0" in text

    page.click(f"{PANEL} .jp-repro-nb-check-button")
    page.wait_for_selector(f"{PANEL} .jp-repro-nb-check[data-check-state='done']", timeout=120_000)
    page.click(f"{PANEL} .jp-repro-nb-attribute-button")
    page.wait_for_selector(f"{PANEL} .jp-repro-nb-attribution[data-outcome='confirmed']", timeout=240_000)
    assert "because of six 1.16.0" in page.inner_text(f"{PANEL} .jp-repro-nb-attribution")
    confirmed = page.locator(f"{PANEL} .jp-repro-nb-drift-item[data-cell-id='versions'] .jp-repro-nb-cause-confirmed")
    assert confirmed.count() == 1
    assert "confirmed by re-run" in confirmed.inner_text()
    screenshot(page, "environment-confirmed")
