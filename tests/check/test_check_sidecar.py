"""A sidecar's cell records that match no cell must not become evidence for some cell."""

from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output

from repro_nb.check.pipeline import evaluate
from repro_nb.check.run import RunResult
from repro_nb.compare import CompareOptions
from repro_nb.compare.normalize import NormalizerSet
from repro_nb.format.record import attach_sidecar


def _notebook(printed: str) -> nbformat.NotebookNode:
    cell = new_code_cell("print(value)", id="only", execution_count=1)
    cell.outputs = [new_output("stream", name="stdout", text=printed)]
    return new_notebook(cells=[cell])


def test_unmatched_sidecar_records_are_not_attributed_to_cells(tmp_path) -> None:
    stored = _notebook("1\n")
    sidecar = {
        "schema_version": 1,
        "notebook": {"schema_version": 1, "recorder": {"version": "0.1.0"}},
        "cells": [
            {
                "schema_version": 1,
                "cell_id": "deleted-cell",
                "source_hash": "sha256:00",
                "unseeded_rng": [{"library": "numpy", "kind": "global-state-advanced"}],
                "warnings": [{"kind": "out-of-order", "message": "ran after later cells"}],
                "reads": [{"path": "gone.csv", "status": "ok", "hash": "blake3:00"}],
            }
        ],
    }
    old = attach_sidecar(stored, sidecar)
    assert min(old.cells) < 0  # the record matched no cell
    run = RunResult(nb=_notebook("2\n"), status="ok", duration_s=0.0)
    options = CompareOptions(normalizers=NormalizerSet.from_options(load_plugins=False))
    result = evaluate(str(tmp_path / "nb.ipynb"), stored, old, run, options)
    [cell] = [c for c in result.cells if c.status == "drifted"]
    assert all(cause.origin_index is None or cause.origin_index >= 0 for cause in cell.causes)
    assert not any("deleted-cell" in cause.message or "cell 0" in cause.message for cause in cell.causes)
