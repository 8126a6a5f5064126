"""The record: schema version, validation, upgrade, and where it lives.

The record is plain JSON-able dicts (the shapes are documented, field by field, in
``schema/record-v1.schema.json``). The notebook part lives in ``metadata.repro_nb``, each
cell's part in ``cells[i].metadata.repro_nb``; where no frontend can write notebook
metadata the kernel writes a *sidecar* ``<notebook stem>.repro.json`` beside the notebook
holding both. Readers accept either and prefer the notebook's own metadata.

Every record is validated before it is written and upgraded on read. An old schema
version is upgraded by one function per version (``_UPGRADES``); a newer one is refused
with a message saying to upgrade repro-nb, never silently dropped.
"""
from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from .errors import RecordError

SCHEMA_VERSION = 1
METADATA_KEY = "repro_nb"
SIDECAR_SUFFIX = ".repro.json"

JSON = dict[str, Any]

#: ``_UPGRADES[n]`` turns a version-``n`` document into version ``n + 1``.
_UPGRADES: dict[int, Callable[[JSON], JSON]] = {}


@cache
def schema() -> JSON:
    """The JSON Schema of the current record version, as shipped in the package."""
    from importlib import resources  # here: importing it costs ~1 ms at extension load

    text = resources.files("repro_nb").joinpath(f"format/schema/record-v{SCHEMA_VERSION}.schema.json").read_text()
    loaded: JSON = json.loads(text)
    return loaded


@cache
def _validator(definition: str) -> Callable[[Any], Any]:
    # Imported here: the kernel loads this module with the extension, and validates
    # only when a record is written (a few ms of imports the first cells need not pay).
    import fastjsonschema

    full = schema()
    sub = {"$schema": full["$schema"], "definitions": full["definitions"], "$ref": f"#/definitions/{definition}"}
    return fastjsonschema.compile(sub)


def validate(document: JSON, kind: str = "sidecar") -> None:
    """Validate a ``sidecar``, ``notebook`` or ``cell`` record; raise :class:`RecordError`."""
    validator = _validator(kind)
    import fastjsonschema

    try:
        validator(document)
    except fastjsonschema.JsonSchemaException as exc:
        message = str(getattr(exc, "message", exc))
        raise RecordError(f"invalid repro-nb {kind} record: {_where(message)}") from exc


def _where(message: str) -> str:
    """fastjsonschema calls the document ``data``: say where in the record instead."""
    if message.startswith("data."):
        return message[len("data."):]
    if message.startswith("data["):
        return message[len("data"):]
    if message.startswith("data "):
        return "the record " + message[len("data "):]
    return message


def upgrade(document: JSON, kind: str = "sidecar") -> JSON:
    """Bring a record of any known version to :data:`SCHEMA_VERSION` and validate it."""
    if not isinstance(document, dict):
        raise RecordError(f"a repro-nb {kind} record must be a JSON object, not {type(document).__name__}")
    version = document.get("schema_version")
    if not isinstance(version, int):
        raise RecordError(f"repro-nb {kind} record has no integer schema_version")
    if version > SCHEMA_VERSION:
        raise RecordError(
            f"repro-nb {kind} record has schema version {version}, newer than this repro-nb "
            f"understands ({SCHEMA_VERSION}); upgrade repro-nb"
        )
    while version < SCHEMA_VERSION:
        step = _UPGRADES.get(version)
        if step is None:
            raise RecordError(f"repro-nb {kind} record version {version} is not supported")
        document = step(document)
        version = document["schema_version"]
    validate(document, kind)
    return document


@dataclass
class NotebookRecord:
    """A notebook's record as read back: the notebook part and the cell parts.

    ``cells`` maps a cell's index in the notebook to its record (from metadata), or holds
    records in execution order under negative keys when they came from a sidecar and
    could not be matched to a cell.
    """

    notebook: JSON
    cells: dict[int, JSON] = field(default_factory=dict)
    source: str = "metadata"  # or "sidecar"

    def cell(self, index: int) -> JSON | None:
        return self.cells.get(index)


def sidecar_path(notebook_path: str | os.PathLike[str]) -> str:
    """``dir/analysis.ipynb`` → ``dir/analysis.repro.json``."""
    base, ext = os.path.splitext(os.fspath(notebook_path))
    return (base if ext == ".ipynb" else os.fspath(notebook_path)) + SIDECAR_SUFFIX


def write_sidecar(path: str | os.PathLike[str], document: JSON) -> None:
    """Validate and write a sidecar atomically."""
    # Imported here, not at the top: fileio imports nbformat, which imports jsonschema
    # and its format checkers (≈2 s here, rfc3987_syntax builds a grammar on import);
    # the kernel loads this module with %load_ext and must not pay that on every start.
    from .fileio import atomic_write_json

    validate(document, "sidecar")
    atomic_write_json(path, document)


def read_sidecar(path: str | os.PathLike[str]) -> JSON:
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except OSError as exc:
        raise RecordError(f"cannot read record {os.fspath(path)}: {exc.strerror or exc}") from exc
    except json.JSONDecodeError as exc:
        raise RecordError(f"record {os.fspath(path)} is not valid JSON: {exc.msg} (line {exc.lineno})") from exc
    return upgrade(document, "sidecar")


def read_record(nb: Any, notebook_path: str | os.PathLike[str] | None = None) -> NotebookRecord | None:
    """The record of a notebook: from its metadata, else from its sidecar, else ``None``.

    Records from a sidecar are matched to cells by cell id, then by source hash.
    """
    meta = nb.get("metadata", {}).get(METADATA_KEY)
    if meta:
        record = NotebookRecord(notebook=upgrade(dict(meta), "notebook"), source="metadata")
        for index, cell in enumerate(nb.get("cells", [])):
            cell_meta = cell.get("metadata", {}).get(METADATA_KEY)
            if cell_meta:
                record.cells[index] = upgrade(dict(cell_meta), "cell")
        return record
    if notebook_path is None:
        return None
    path = sidecar_path(notebook_path)
    if not os.path.exists(path):
        return None
    document = read_sidecar(path)
    return attach_sidecar(nb, document)


def attach_sidecar(nb: Any, document: JSON) -> NotebookRecord:
    """Match a sidecar's cell records (in execution order) to the notebook's cells.

    The last execution of a cell wins, as it is the one whose outputs are saved.
    """
    from .hashing_source import source_hash

    record = NotebookRecord(notebook=document["notebook"], source="sidecar")
    by_id: dict[str, int] = {}
    by_hash: dict[str, int] = {}
    for index, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        if cell.get("id"):
            by_id[cell["id"]] = index
        by_hash.setdefault(source_hash(cell.get("source", "")), index)
    unmatched = -1
    for cell_record in document["cells"]:
        found = by_id.get(cell_record.get("cell_id") or "")
        if found is None:
            found = by_hash.get(cell_record.get("source_hash", ""))
        if found is None:
            found = unmatched
            unmatched -= 1
        record.cells[found] = cell_record
    return record


def embed(nb: Any, notebook_record: JSON, cell_records: dict[int, JSON]) -> None:
    """Write a record into a notebook's metadata (validated first), in place."""
    validate(notebook_record, "notebook")
    for cell_record in cell_records.values():
        validate(cell_record, "cell")
    nb.metadata[METADATA_KEY] = notebook_record
    for index, cell_record in cell_records.items():
        if 0 <= index < len(nb.cells):
            nb.cells[index].metadata[METADATA_KEY] = cell_record
