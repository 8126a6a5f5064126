"""The record on disk: schema validation, versions, sidecar round trip, atomic writes,
and reading a record back from a notebook's metadata or its sidecar."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import jsonschema
import nbformat
import pytest

from repro_nb.errors import RecordError, ReproError
from repro_nb.format import record as record_mod
from repro_nb.format.cells import source_hash

HASH = "blake3:" + "0f" * 32


def cell_record(cell_id: str | None, order: int, source: str = "x = 1") -> dict[str, Any]:
    return {
        "schema_version": 2,
        "cell_id": cell_id,
        "execution_count": order,
        "order": order,
        "source_hash": source_hash(source),
        "started_at": "2026-11-25T17:44:32.123Z",
        "duration_s": 0.01,
        "error": None,
        "seeds": [
            {"library": "numpy", "api": "numpy.random.seed", "value": 1, "cell_id": cell_id, "execution_count": order}
        ],
        "unseeded_rng": [],
        "imports": [{"module": "numpy", "distribution": "numpy", "version": "2.0.0", "direct": True}],
        "reads": [{"path": "data/x.csv", "kind": "file", "status": "ok", "size": 3, "hash": HASH}],
        "writes": [],
        "warnings": [],
    }


def notebook_record() -> dict[str, Any]:
    return {
        "schema_version": 2,
        "recorder": {"version": "0.1.0", "channel": "sidecar", "hash_algorithm": "blake3"},
        "started_at": "2026-11-25T17:44:30.000Z",
        "updated_at": "2026-11-25T17:45:00.000Z",
        "environment": {"python": {"version": "3.11.7"}, "env": {"OMP_NUM_THREADS": "2"}},
        "packages": {"numpy": "2.0.0"},
        "seeds": [],
        "unseeded_rng": [],
        "data": [{"path": "data/x.csv", "kind": "file", "status": "ok", "size": 3, "hash": HASH}],
        "warnings": [],
        "cells_executed": 2,
    }


@pytest.fixture
def sidecar() -> dict[str, Any]:
    return {
        "schema_version": 2,
        "notebook_path": "analysis.ipynb",
        "notebook": notebook_record(),
        "cells": [cell_record("load", 1, "x = 1"), cell_record(None, 2, "y = 2")],
    }


# -- the schema --------------------------------------------------------------------------------


def test_the_shipped_schema_is_a_valid_draft_7_schema() -> None:
    jsonschema.Draft7Validator.check_schema(record_mod.schema())
    assert record_mod.schema()["$schema"].rstrip("#") in (
        "http://json-schema.org/draft-07/schema",
        "https://json-schema.org/draft-07/schema",
    )


def test_a_good_sidecar_validates_with_both_validators(sidecar: dict[str, Any]) -> None:
    record_mod.validate(sidecar, "sidecar")
    jsonschema.Draft7Validator(record_mod.schema()).validate(sidecar)  # the reference implementation agrees


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.pop("cells"), "sidecar record: the record must contain ['cells'] properties"),
        (lambda d: d["notebook"].pop("recorder"), "notebook must contain ['recorder'] properties"),
        (lambda d: d["cells"][0].update(source_hash="not a hash"), "record: cells[0].source_hash must match pattern"),
        (lambda d: d["cells"][0]["reads"][0].update(status="weird"), "cells[0].reads[0].status must be one of"),
        (lambda d: d["notebook"]["environment"]["env"].update(OMP_NUM_THREADS=4), "must be string"),
        (
            lambda d: d["cells"][0]["seeds"][0].update(value=1.5),
            "cells[0].seeds[0].value must be integer or string or null",
        ),
        (lambda d: d["notebook"]["warnings"].append({"kind": "bogus", "message": "m"}), "kind must be one of"),
        (lambda d: d.update(schema_version="1"), "schema_version must be same as const definition"),
    ],
)
def test_validation_rejects_bad_documents_with_a_clear_message(
    sidecar: dict[str, Any], mutate: Any, message: str
) -> None:
    mutate(sidecar)
    with pytest.raises(RecordError) as raised:
        record_mod.validate(sidecar, "sidecar")
    assert str(raised.value).startswith("invalid repro-nb sidecar record: ")
    assert message in str(raised.value)
    assert isinstance(raised.value, ReproError)


# -- versions ---------------------------------------------------------------------------------


def test_a_newer_schema_version_is_refused_with_upgrade_advice(sidecar: dict[str, Any]) -> None:
    sidecar["schema_version"] = record_mod.SCHEMA_VERSION + 1
    with pytest.raises(RecordError, match=r"newer than this repro-nb understands .*; upgrade repro-nb"):
        record_mod.upgrade(sidecar)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "must be a JSON object, not list"),
        ({}, "has no integer schema_version"),
        ({"schema_version": "1"}, "has no integer schema_version"),
        ({"schema_version": 0}, "version 0 is not supported"),
    ],
)
def test_upgrade_rejects_what_it_cannot_read(document: Any, message: str) -> None:
    with pytest.raises(RecordError, match=message):
        record_mod.upgrade(document)


def test_upgrade_runs_one_step_per_old_version(sidecar: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """The upgrade machinery, exercised with a made-up version 0 → 1 step."""
    old = copy.deepcopy(sidecar)
    old["schema_version"] = 0
    old["cells"][0].pop("order")

    def v0_to_v1(document: dict[str, Any]) -> dict[str, Any]:
        document = dict(document, schema_version=1)
        document["cells"] = [dict(c, order=i + 1) for i, c in enumerate(document["cells"])]
        return document

    monkeypatch.setitem(record_mod._UPGRADES, 0, v0_to_v1)
    upgraded = record_mod.upgrade(old)
    assert upgraded["schema_version"] == record_mod.SCHEMA_VERSION and upgraded["cells"][0]["order"] == 1


def test_a_version_1_record_is_upgraded_to_version_2(sidecar: dict[str, Any]) -> None:
    """Version 2 only added members and warning kinds: a version-1 record is the same record."""
    old = copy.deepcopy(sidecar)
    for part in (old, old["notebook"], *old["cells"]):
        part["schema_version"] = 1
    upgraded = record_mod.upgrade(old, "sidecar")
    assert upgraded == sidecar
    cell = record_mod.upgrade(dict(old["cells"][0]), "cell")
    assert cell == sidecar["cells"][0]
    notebook = record_mod.upgrade(dict(old["notebook"]), "notebook")
    assert notebook == sidecar["notebook"]


def test_a_version_1_notebook_is_read_as_version_2(sidecar: dict[str, Any]) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1")]
    nb.metadata["repro_nb"] = dict(sidecar["notebook"], schema_version=1)
    nb.cells[0].metadata["repro_nb"] = dict(sidecar["cells"][0], schema_version=1)
    record = record_mod.read_record(nb)
    assert record is not None
    assert record.notebook["schema_version"] == 2 and record.cells[0]["schema_version"] == 2


def test_results_metrics_and_evaluation_warnings_validate(sidecar: dict[str, Any]) -> None:
    cell = sidecar["cells"][0]
    cell["results"] = [
        {
            "name": "accuracy",
            "kind": "scalar",
            "value": 0.93,
            "claim": ">= 0.9",
            "claim_outcome": {"status": "holds", "message": "0.93 is ≥ 0.9: the claim holds"},
        },
        {"name": "curve", "kind": "array", "value": [0.1, 0.2], "shape": [2], "claim": None, "claim_outcome": None},
        {"name": "table", "kind": "table", "value": {"columns": ["a"], "index": [0], "rows": [[1]]}, "shape": [1, 1]},
    ]
    cell["metrics"] = [
        {
            "metric": "accuracy",
            "api": "sklearn.metrics.accuracy_score",
            "value": 0.93,
            "n": 200,
            "class_balance": {"1": 164, "0": 36},
            "majority_class": "1",
            "majority_baseline": 0.82,
            "balanced_accuracy": 0.64,
            "train_class_balance": {"0": 100, "1": 100},
            "skewed": True,
        }
    ]
    cell["warnings"] = [
        {
            "kind": "skewed-evaluation",
            "metric": "accuracy",
            "message": "accuracy 0.93 on a test set that is 82 % class 1",
        },
        {"kind": "label-shift", "metric": "accuracy", "message": "train and test labels differ"},
    ]
    sidecar["notebook"]["results"] = cell["results"]
    sidecar["notebook"]["metrics"] = cell["metrics"]
    sidecar["notebook"]["data"][0]["label"] = "species"
    record_mod.validate(sidecar, "sidecar")
    jsonschema.Draft7Validator(record_mod.schema()).validate(sidecar)
    cell["results"][0]["name"] = "not a name"
    with pytest.raises(RecordError, match="results"):
        record_mod.validate(sidecar, "sidecar")


# -- the sidecar on disk ---------------------------------------------------------------------------


def test_sidecar_round_trip(tmp_path: Path, sidecar: dict[str, Any]) -> None:
    path = tmp_path / "analysis.repro.json"
    record_mod.write_sidecar(path, sidecar)
    assert record_mod.read_sidecar(path) == sidecar
    assert not [p for p in tmp_path.iterdir() if p.name != path.name], "no temporary files left"


def test_sidecar_path() -> None:
    assert record_mod.sidecar_path("dir/analysis.ipynb") == "dir/analysis.repro.json"
    assert record_mod.sidecar_path("dir/script.py") == "dir/script.py.repro.json"


def test_write_refuses_an_invalid_document_and_keeps_the_old_file(tmp_path: Path, sidecar: dict[str, Any]) -> None:
    path = tmp_path / "a.repro.json"
    record_mod.write_sidecar(path, sidecar)
    before = path.read_bytes()
    bad = copy.deepcopy(sidecar)
    bad["cells"][0]["source_hash"] = "nope"
    with pytest.raises(RecordError):
        record_mod.write_sidecar(path, bad)
    assert path.read_bytes() == before


def test_failed_replace_leaves_the_old_file_intact(
    tmp_path: Path, sidecar: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "a.repro.json"
    record_mod.write_sidecar(path, sidecar)
    before = path.read_bytes()
    newer = copy.deepcopy(sidecar)
    newer["notebook"]["cells_executed"] = 99

    def disk_full(src: Any, dst: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(ReproError, match="No space left on device"):
        record_mod.write_sidecar(path, newer)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["a.repro.json"], "the temporary file is removed"


def test_serialisation_failing_midway_leaves_the_old_file_intact(tmp_path: Path, sidecar: dict[str, Any]) -> None:
    path = tmp_path / "a.repro.json"
    record_mod.write_sidecar(path, sidecar)
    before = path.read_bytes()
    broken = copy.deepcopy(sidecar)
    broken["notebook"]["environment"]["python"]["build"] = object()  # schema-valid, not JSON
    with pytest.raises(TypeError):
        record_mod.write_sidecar(path, broken)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["a.repro.json"]


def test_write_failing_midway_leaves_the_old_file_intact(
    tmp_path: Path, sidecar: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "a.repro.json"
    record_mod.write_sidecar(path, sidecar)
    before = path.read_bytes()
    real_fsync = os.fsync

    def crash(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(ReproError, match="Input/output error"):
        record_mod.write_sidecar(path, sidecar)
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["a.repro.json"]


def test_write_into_a_missing_directory_is_a_clear_error(tmp_path: Path, sidecar: dict[str, Any]) -> None:
    with pytest.raises(ReproError, match=r"cannot write .*no-such-dir.*: No such file or directory"):
        record_mod.write_sidecar(tmp_path / "no-such-dir" / "a.repro.json", sidecar)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read record"),
        ("{not json", "is not valid JSON: Expecting property name"),
        ('{"schema_version": 9}', "upgrade repro-nb"),
    ],
)
def test_read_sidecar_errors(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "a.repro.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(RecordError, match=message):
        record_mod.read_sidecar(path)


# -- reading a record back from a notebook -----------------------------------------------------------


def notebook(cells: list[tuple[str, str]]) -> Any:
    return nbformat.from_dict(
        {
            "nbformat": 4,
            "nbformat_minor": 5,
            "metadata": {},
            "cells": [
                {"cell_type": "code", "id": cid, "source": src, "metadata": {}, "outputs": [], "execution_count": None}
                for cid, src in cells
            ]
            + [{"cell_type": "markdown", "id": "md", "source": "# x", "metadata": {}}],
        }
    )


def test_read_record_prefers_notebook_metadata(tmp_path: Path, sidecar: dict[str, Any]) -> None:
    nb = notebook([("load", "x = 1"), ("other", "y = 2")])
    record_mod.embed(nb, notebook_record(), {0: cell_record("load", 1)})
    record_mod.write_sidecar(tmp_path / "analysis.repro.json", sidecar)
    record = record_mod.read_record(nb, tmp_path / "analysis.ipynb")
    assert record is not None and record.source == "metadata"
    assert set(record.cells) == {0}


def test_read_record_matches_sidecar_cells_by_id_then_source(tmp_path: Path, sidecar: dict[str, Any]) -> None:
    nb = notebook([("load", "x = 1"), ("renamed", "y = 2")])
    record_mod.write_sidecar(tmp_path / "analysis.repro.json", sidecar)
    record = record_mod.read_record(nb, tmp_path / "analysis.ipynb")
    assert record is not None and record.source == "sidecar"
    assert record.cells[0]["cell_id"] == "load"  # by id
    assert record.cells[1]["order"] == 2  # by source hash
    unmatched = record_mod.attach_sidecar(notebook([("z", "z = 0")]), sidecar)
    assert set(unmatched.cells) == {-1, -2}


def test_read_record_without_any_record(tmp_path: Path) -> None:
    nb = notebook([("a", "1")])
    assert record_mod.read_record(nb) is None
    assert record_mod.read_record(nb, tmp_path / "analysis.ipynb") is None


def test_embed_validates_first_and_leaves_the_notebook_alone_on_error() -> None:
    nb = notebook([("a", "1")])
    bad = cell_record("a", 1)
    bad["reads"][0]["status"] = "weird"
    with pytest.raises(RecordError):
        record_mod.embed(nb, notebook_record(), {0: bad})
    assert "repro_nb" not in nb["metadata"]
    assert json.dumps(nb)
