"""nbdime shows what the comparator judged: masked pairs, drifted cells, the static drawing,
``check --executed`` and ``diff --web``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from repro_nb.check.pipeline import check_notebook
from repro_nb.check.results import NotebookResult
from repro_nb.compare.model import CompareOptions
from repro_nb.report.html import render_html
from repro_nb.report.nbdime_diff import DIFF_FORMAT, diff_view, render_cells_html, write_executed

from support import free_port

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> NotebookResult:
    """tests/files/planted_drift.ipynb checked once: cells 3 (a number) and 4 (a picture) drift."""
    from support import FILES

    directory = tmp_path_factory.mktemp("planted")
    target = directory / "planted_drift.ipynb"
    target.write_bytes((FILES / "planted_drift.ipynb").read_bytes())
    result = check_notebook(str(target))
    assert [c.status for c in result.cells] == ["reproduced", "reproduced", "drifted", "drifted"]
    return result


def _changed_cells(diff: list[dict[str, Any]]) -> list[int]:
    cells = next((e for e in diff if e.get("key") == "cells"), {"diff": []})
    return sorted(e["key"] for e in cells["diff"])


def _keys(diff: list[dict[str, Any]]) -> list[Any]:
    """Every key a diff entry changes, at any depth."""
    found = []
    for entry in diff:
        found.append(entry.get("key"))
        if entry.get("op") == "patch":
            found += _keys(entry.get("diff", []))
    return found


def test_the_drifted_view_holds_only_drifted_cells(planted: NotebookResult) -> None:
    view = diff_view(planted, CompareOptions())
    assert view is not None
    assert [c.index for c in view.cells] == [3, 4]
    assert view.cells[0].label.startswith("[3] print(f'accuracy")
    sources = [c["source"] for c in view.base["cells"]]
    assert not any("hello" in s for s in sources), "an undrifted cell is not shown"
    assert _changed_cells(view.diff) == [0, 1]
    # what a check does not judge is equal on both sides: no metadata, no counts in the diff
    assert not {"metadata", "execution_count", "id"} & set(_keys(view.diff))


def test_masks_and_the_comparator_decide_what_nbdime_highlights(planted: NotebookResult) -> None:
    view = diff_view(planted, CompareOptions(), mode="all")
    assert view is not None
    assert [c.status for c in view.cells] == ["not-code", "reproduced", "reproduced", "drifted", "drifted"]
    # the timestamp cell printed another time, but it is masked: nbdime sees no change there
    assert _changed_cells(view.diff) == [3, 4]
    text = view.remote["cells"][2]["outputs"][0]["text"]
    assert "2024-03-01" not in text or "<TIMESTAMP>" in text


def test_drawn_diff_highlights_the_changed_characters_and_shows_the_mask(planted: NotebookResult) -> None:
    view = diff_view(planted, CompareOptions())
    assert view is not None
    drawn = render_cells_html(view, CompareOptions())
    assert set(drawn) == {3, 4}
    number = drawn[3]
    assert '<span class="cm-merge-r-deleted">4</span>' in number  # 0.9444 → 0.9222
    assert '<span class="cm-merge-r-inserted">222</span>' in number
    picture = drawn[4]
    assert picture.count("<img ") == 3  # stored, re-run, difference mask
    assert 'alt="difference mask image"' in picture


def test_the_report_embeds_nbdime_diffs_without_script(planted: NotebookResult) -> None:
    page = render_html([planted])
    assert page.count('class="jp-Notebook-diff"') == 2
    assert "<script" not in page.lower()
    assert "hello" not in page.split("Cells that did not reproduce")[1]


def test_check_executed_writes_the_rerun_and_its_diff(planted: NotebookResult, tmp_path: Path) -> None:
    written = write_executed(str(tmp_path), planted, CompareOptions())
    assert [os.path.basename(p) for p in written] == ["planted_drift.ipynb", "planted_drift.nbdime.json"]
    rerun = json.loads(Path(written[0]).read_text())
    assert "0.9222" in rerun["cells"][3]["outputs"][0]["text"]
    document = json.loads(Path(written[1]).read_text())
    assert document["format"] == DIFF_FORMAT and set(document["views"]) == {"drifted", "all"}
    assert [c["index"] for c in document["views"]["drifted"]["cells"]] == [3, 4]


def test_cli_check_executed(notebook_copy: Callable[..., Path], tmp_path: Path) -> None:
    notebook = notebook_copy("planted_drift.ipynb")
    out = tmp_path / "executed"
    run = subprocess.run(
        [sys.executable, "-m", "repro_nb.cli", "check", str(notebook), "--executed", str(out), "-q"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1, run.stderr
    assert sorted(p.name for p in out.iterdir()) == ["planted_drift.ipynb", "planted_drift.nbdime.json"]


def test_diff_web_serves_nbdime_on_the_prepared_pair(planted: NotebookResult, tmp_path: Path) -> None:
    executed = write_executed(str(tmp_path), planted, CompareOptions())[0]
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "repro_nb.cli",
            "diff",
            planted.path,
            executed,
            "--web",
            "--port",
            str(port),
            "--browser",
            "none",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        page = _get(f"http://127.0.0.1:{port}/diff?base=stored.ipynb&remote=re-run.ipynb", process)
        assert "nbdime" in page and "re-run.ipynb" in page
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert "web diff of 2 cell(s)" in (process.stderr.read() if process.stderr else "")


def _get(url: str, process: subprocess.Popen[str]) -> str:
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise AssertionError(f"repro-nb diff --web exited: {process.stderr.read() if process.stderr else ''}")
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                return str(answer.read().decode())
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)
