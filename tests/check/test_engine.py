"""The ``repro`` papermill engine and ``run_notebook``: records embedded in the executed
notebook, and what happens when a cell fails, times out or kills its kernel."""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import blake3
import nbformat
import numpy as np
import pytest

from repro_nb.check.run import run_notebook
from repro_nb.errors import KernelNotFoundError
from repro_nb.format import record as record_mod


def b3(data: bytes) -> str:
    return "blake3:" + blake3.blake3(data).hexdigest()


def cell_records(nb: Any) -> dict[int, dict[str, Any]]:
    return {i: c.metadata["repro_nb"] for i, c in enumerate(nb.cells) if "repro_nb" in c.metadata}


def test_iris_example_records_every_executed_code_cell(example_notebook: Callable[[str], Path]) -> None:
    path = example_notebook("iris_classifier.ipynb")

    result = run_notebook(str(path), timeout=120)

    assert result.status == "ok", result.failure
    assert result.record_errors == []
    nb = result.nb
    nbformat.validate(nb)
    code_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.strip()]
    records = cell_records(nb)
    assert sorted(records) == code_cells == result.executed
    for index, cell_record in records.items():
        record_mod.validate(cell_record, "cell")
        assert cell_record["cell_id"] == nb.cells[index].id
        assert cell_record["position"] == index
        assert cell_record["error"] is None
    assert [records[i]["order"] for i in code_cells] == list(range(1, len(code_cells) + 1))

    notebook = nb.metadata["repro_nb"]
    record_mod.validate(notebook, "notebook")
    assert notebook["recorder"]["channel"] == "engine"
    assert notebook["cells_executed"] == len(code_cells)
    read_back = record_mod.read_record(nb)
    assert read_back is not None and set(read_back.cells) == set(code_cells)

    by_id = {nb.cells[i].id: r for i, r in records.items()}
    data_dir = path.parent / "data"
    assert by_id["load-data"]["reads"] == [
        {
            "path": "data/flowers.csv",
            "kind": "file",
            "status": "ok",
            "size": (data_dir / "flowers.csv").stat().st_size,
            "hash": b3((data_dir / "flowers.csv").read_bytes()),
        }
    ]
    [written] = by_id["save-metrics"]["writes"]
    assert written["path"] == "results/iris_metrics.json"
    assert written["hash"] == b3((path.parent / "results" / "iris_metrics.json").read_bytes())
    assert {(s["library"], s["value"]) for s in notebook["seeds"]} == {("random", 42), ("numpy", 42)}
    assert notebook["unseeded_rng"] == [] and notebook["warnings"] == []
    for distribution in ("numpy", "pandas", "scikit-learn", "matplotlib"):
        assert notebook["packages"][distribution] == importlib.metadata.version(distribution)
    imports = {i["module"]: i for i in by_id["imports"]["imports"]}
    assert imports["sklearn"]["distribution"] == "scikit-learn" and imports["sklearn"]["direct"]
    accuracy = "".join(o.get("text", "") for o in nb.cells[code_cells[6]].outputs)
    assert "accuracy: 0.9444" in accuracy


def test_papermill_cli_with_the_repro_engine(notebook_copy: Callable[..., Path], tmp_path: Path) -> None:
    source = notebook_copy("seeded_numpy_reads_csv.ipynb")
    out = tmp_path / "out.ipynb"

    completed = subprocess.run(
        [sys.executable, "-m", "papermill", "--engine", "repro", "-p", "rows", "4", source.name, out.name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr
    nb = nbformat.read(out, as_version=4)
    records = cell_records(nb)
    by_id = {nb.cells[i].id: r for i, r in records.items()}
    assert set(by_id) >= {"parameters", "seed", "read", "draw", "write"}
    # papermill's injected-parameters cell is recorded too, under its own (new) id
    injected = [i for i, c in enumerate(nb.cells) if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and injected[0] in records
    csv = tmp_path / "seeded_numpy_reads_csv_data" / "values.csv"
    assert by_id["read"]["reads"][0]["path"] == "seeded_numpy_reads_csv_data/values.csv"
    assert by_id["read"]["reads"][0]["hash"] == b3(csv.read_bytes())
    # %repro_seed ran before numpy was imported: numpy's global RNG is seeded the moment
    # numpy.random is loaded (NumPy ≥ 2 loads it on first use, here in the `draw` cell)
    assert by_id["draw"]["unseeded_rng"] == []
    numpy_seeds = [
        (s["library"], s["api"], s["value"]) for s in nb.metadata["repro_nb"]["seeds"] if s["library"] == "numpy"
    ]
    assert numpy_seeds == [("numpy", "%repro_seed", 7)]
    printed = "".join(o.get("text", "") for o in nb.cells[[c.id for c in nb.cells].index("draw")].outputs)
    assert printed.strip() == str(np.random.RandomState(7).rand(4).round(4).tolist())
    assert by_id["write"]["writes"][0]["hash"] == b3((tmp_path / "sample.txt").read_bytes())
    record_mod.validate(nb.metadata["repro_nb"], "notebook")


def test_a_run_goes_on_after_an_error(notebook_copy: Callable[..., Path]) -> None:
    result = run_notebook(str(notebook_copy("raises.ipynb")), timeout=60)
    assert (result.status, result.failure) == ("ok", None)
    assert set(cell_records(result.nb)) == {0, 1, 2}
    errors = [o for o in result.nb.cells[1].outputs if o.output_type == "error"]
    assert [(e.ename, e.evalue) for e in errors] == [("ValueError", "planted failure")]
    assert "papermill-error-cell-tag" not in json.dumps([c.metadata for c in result.nb.cells])


def test_failing_cell_gives_status_error_with_its_index(notebook_copy: Callable[..., Path]) -> None:
    path = notebook_copy("raises.ipynb")

    result = run_notebook(str(path), timeout=60, stop_on_error=True)

    assert result.status == "error"
    assert result.failure is not None
    assert result.failure.cell_index == 1
    assert result.failure.ename == "ValueError"
    assert result.failure.evalue == "planted failure"
    records = cell_records(result.nb)
    assert set(records) == {0, 1}
    assert records[1]["error"] == {"ename": "ValueError", "evalue": "planted failure"}
    assert "papermill-error-cell-tag" not in json.dumps([c.metadata for c in result.nb.cells])


def test_timeout_gives_status_timeout_with_the_right_cell(notebook_copy: Callable[..., Path]) -> None:
    path = notebook_copy("times_out.ipynb")

    started = time.perf_counter()
    result = run_notebook(str(path), timeout=2)

    assert time.perf_counter() - started < 25
    assert result.status == "timeout"
    assert result.failure is not None and result.failure.cell_index == 1
    assert "2 s" in result.failure.evalue
    records = cell_records(result.nb)
    assert 0 in records, "the record of the cell that finished is kept"
    assert 2 not in records
    if 1 in records:  # the interrupted cell's record, if it arrived before the kernel went
        assert records[1]["error"]["ename"] == "KeyboardInterrupt"


def test_dead_kernel_gives_status_dead_kernel(notebook_copy: Callable[..., Path]) -> None:
    path = notebook_copy("kills_kernel.ipynb")

    result = run_notebook(str(path), timeout=60)

    assert result.status == "dead-kernel"
    assert result.failure is not None and result.failure.cell_index == 1
    assert set(cell_records(result.nb)) == {0}


def test_a_kernel_from_another_machine_is_replaced_by_one_of_its_language(notebook_copy: Callable[..., Path]) -> None:
    result = run_notebook(str(notebook_copy("kernel_from_another_machine.ipynb")), timeout=60)
    assert result.ok
    assert result.kernel is not None and result.kernel.to_json() == {
        "requested": "conda-root-py",
        "used": "python3",
        "substituted": True,
    }
    with pytest.raises(KernelNotFoundError, match="--strict-kernel forbids"):
        run_notebook(str(notebook_copy("kernel_from_another_machine.ipynb")), strict_kernel=True)


def test_unknown_kernel_is_refused_before_anything_runs(notebook_copy: Callable[..., Path]) -> None:
    path = notebook_copy("unknown_language_kernel.ipynb")
    with pytest.raises(KernelNotFoundError) as raised:
        run_notebook(str(path))
    assert raised.value.kernel_name == "ijulia-1.9"
    assert "no installed kernel runs julia" in str(raised.value) and "python3" in str(raised.value)
    with pytest.raises(KernelNotFoundError):
        run_notebook(str(notebook_copy("raises.ipynb")), kernel_name="nope")
