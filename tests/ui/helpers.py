"""Page actions for the panel's browser tests (and the panel benchmark)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

PANEL = "#jp-repro-nb-panel"

#: A notebook that loads the recorder, draws unseeded random numbers and reads a CSV file.
RECORDED_CELLS = [
    {"id": "load", "source": "%load_ext repro_nb"},
    {"id": "random", "source": "import numpy as np\nx = np.random.rand(3)\nprint(x.shape)"},
    {"id": "csv", "source": "import pandas as pd\ndf = pd.read_csv('measurements.csv')\nprint(len(df))"},
]


def write_notebook(path: Path, cells: list[dict[str, Any]] | list[str], metadata: dict[str, Any] | None = None) -> Path:
    """An nbformat 4.5 notebook; ``cells`` are sources or full code-cell dicts."""
    full = []
    for i, cell in enumerate(cells):
        if isinstance(cell, str):
            cell = {"source": cell}
        full.append(
            {
                "cell_type": "code",
                "id": cell.get("id", f"cell-{i}"),
                "metadata": cell.get("metadata", {}),
                "source": cell["source"],
                "outputs": cell.get("outputs", []),
                "execution_count": cell.get("execution_count"),
            }
        )
    nb = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
            **(metadata or {}),
        },
        "cells": full,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb, indent=1))
    return path


def open_notebook(page: Any, lab: Any, path: str, kernel: bool = True) -> None:
    """Open ``path`` in JupyterLab and wait for the notebook (and its kernel) to be ready."""
    page.goto(lab.page_url(path))
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=60_000)
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget")
    if kernel:
        wait_kernel_idle(page)
    show_panel(page)


def wait_kernel_idle(page: Any, timeout: float = 60_000) -> None:
    page.wait_for_function(
        """() => {
            const w = window.jupyterapp.shell.currentWidget;
            const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
            return k && k.status === 'idle';
        }""",
        timeout=timeout,
    )


def show_panel(page: Any) -> None:
    page.evaluate("() => window.jupyterapp.commands.execute('repro-nb:open-panel')")
    page.wait_for_selector(f"{PANEL} .jp-repro-nb-body", state="visible")


def run_cell(page: Any, index: int, timeout: float = 60_000) -> None:
    """Select cell ``index`` by clicking its prompt, press Ctrl+Enter, wait until it ran."""
    page.evaluate(
        """async (i) => {
            const nb = window.jupyterapp.shell.currentWidget.content;
            nb.activeCellIndex = i;
            await nb.scrollToItem(i);
        }""",
        index,
    )
    prompt = page.locator(f".jp-Notebook .jp-Cell[data-windowed-list-index='{index}'] .jp-InputArea-prompt")
    prompt.click()
    page.keyboard.press("Control+Enter")
    page.wait_for_function(
        """(i) => {
            const nb = window.jupyterapp.shell.currentWidget.content;
            const m = nb.model.cells.get(i);
            return m.executionCount !== null && m.executionState !== 'running' &&
                   window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle';
        }""",
        arg=index,
        timeout=timeout,
    )


def cell_node(page: Any, index: int) -> Any:
    return page.locator(f".jp-Notebook .jp-Cell[data-windowed-list-index='{index}']")


def panel_state(page: Any) -> str:
    return str(page.get_attribute(f"{PANEL} .jp-repro-nb-body", "data-state"))


def save(page: Any) -> None:
    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty")


def screenshot(page: Any, name: str) -> str:
    path = f"/tmp/repro-nb-ui-{name}.png"
    page.screenshot(path=path)
    return path


#: Screenshots the browser tests keep for people to look at (git-ignored).
ARTIFACTS = Path(__file__).resolve().parents[2] / "build" / "ui"


def artifact(page: Any, name: str, selector: str | None = None) -> Path:
    """A screenshot under build/ui/ (of ``selector`` only, when given)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    if selector:
        page.locator(selector).first.screenshot(path=str(path))
    else:
        page.screenshot(path=str(path))
    return path


THEMES = {"light": "JupyterLab Light", "dark": "JupyterLab Dark", "high-contrast": "JupyterLab Dark High Contrast"}


def set_theme(page: Any, theme: str) -> None:
    """Switch the lab's theme and wait until it applies."""
    name = THEMES[theme]
    page.evaluate("(name) => window.jupyterapp.commands.execute('apputils:change-theme', {theme: name})", name)
    light = "true" if theme == "light" else "false"
    page.wait_for_function(f"() => document.body.dataset.jpThemeLight === '{light}'")
    page.wait_for_timeout(400)
