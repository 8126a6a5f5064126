"""The extension in Jupyter Notebook 7: the same plugin, in Notebook's shell, in Chromium.

Notebook 7 is built from JupyterLab's components but has its own shell: one document per
page, and side panels that are closed until opened. The plugin needs only the notebook
tracker (the lab shell is optional), so it must activate there, record, and write the
record into the notebook's metadata like it does in JupyterLab.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .conftest import Lab, running_lab
from .helpers import (
    PANEL,
    RECORDED_CELLS,
    open_notebook,
    run_cell,
    save,
    screenshot,
    write_notebook,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """This module's server: Notebook 7 instead of JupyterLab (``page`` uses it)."""
    pytest.importorskip("notebook", minversion="7")
    with running_lab(tmp_path_factory.mktemp("notebook7"), app="notebook") as running:
        yield running


def test_notebook7_records_and_writes_the_metadata(page: Any, lab: Lab) -> None:
    (lab.root / "measurements.csv").write_text("a,b\n1,2\n3,4\n")
    write_notebook(lab.root / "recorded.ipynb", RECORDED_CELLS)
    open_notebook(page, lab, "recorded.ipynb")
    assert "repro-nb: JupyterLab extension activated" in "\n".join(page.console_messages)
    errors = [m for m in page.console_messages if "repro-nb" in m and m.startswith(("error", "pageerror"))]
    assert not errors, "\n".join(errors)

    for index in range(len(RECORDED_CELLS)):
        run_cell(page, index)
    page.wait_for_selector(f"{PANEL} .jp-repro-nb-body[data-state='recording'][data-cells-recorded='2']")
    assert "numpy" in page.inner_text(f"{PANEL} .jp-repro-nb-section-packages")
    screenshot(page, "notebook7")

    save(page)
    saved = lab.notebook("recorded.ipynb")
    record = saved["metadata"]["repro_nb"]
    assert record["cells_executed"] == 2 and "numpy" in record["packages"]
    cells = {c["id"]: c for c in saved["cells"]}
    assert cells["random"]["metadata"]["repro_nb"]["unseeded_rng"]
    assert cells["csv"]["metadata"]["repro_nb"]["reads"][0]["path"] == "measurements.csv"
