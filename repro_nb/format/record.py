"""The record: schema version, validation, upgrade, and where it lives.

The record is plain JSON-able dicts, typed by :mod:`.record_types` and documented field
by field in ``schema/record-v2.schema.json``. The notebook part lives in
``metadata.repro_nb``, each cell's part in ``cells[i].metadata.repro_nb``; where no
frontend can write notebook metadata the kernel writes a *sidecar*
``<notebook stem>.repro.json`` beside the notebook holding both. Readers accept either
and prefer the notebook's own metadata.

Every record is validated before it is written and upgraded on read. An old schema
version is upgraded by one function per version (``_UPGRADES``); a newer one is refused
with a message saying to upgrade repro-nb, never silently dropped.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, cast

from ..errors import RecordError
from .versioned import JSON, Upgrade, check_valid, load_schema, upgrade_chain, validator

if TYPE_CHECKING:
    from .record_types import CellRecord, NotebookRecord, Sidecar

SCHEMA_VERSION = 2
METADATA_KEY = "repro_nb"
SIDECAR_SUFFIX = ".repro.json"
_SCHEMA = f"record-v{SCHEMA_VERSION}"

RecordKind = Literal["sidecar", "notebook", "cell"]


def _v1_to_v2(document: JSON) -> JSON:
    """Version 2 added named results, evaluation metrics, a data file's label column and
    the warnings ``skewed-evaluation`` and ``label-shift`` (docs/results.md).

    Every version-1 record is a valid version-2 record but for its version number: the
    new warning kinds are why the version changed (a version-1 reader would refuse them
    as unknown, instead of saying that a newer repro-nb wrote the record). A sidecar's
    notebook and cell parts carry their own version and are upgraded with it.
    """
    upgraded = {**document, "schema_version": 2}
    if isinstance(document.get("notebook"), dict):
        upgraded["notebook"] = {**document["notebook"], "schema_version": 2}
    if isinstance(document.get("cells"), list):
        upgraded["cells"] = [
            {**cell, "schema_version": 2} if isinstance(cell, dict) else cell for cell in document["cells"]
        ]
    return upgraded


#: ``_UPGRADES[n]`` turns a version-``n`` document into version ``n + 1``.
_UPGRADES: dict[int, Upgrade] = {1: _v1_to_v2}

#: Thread-count variables read by the numerical runtimes a notebook typically loads.
#: They change how reductions are split across threads and therefore the last bits of
#: floating-point results, and they are never secrets.
THREAD_ENV_VARS: frozenset[str] = frozenset(
    {
        "OMP_NUM_THREADS",
        "MKL_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "GOTO_NUM_THREADS",
        "BLIS_NUM_THREADS",
        "VECLIB_MAXIMUM_THREADS",
        "NUMEXPR_NUM_THREADS",
        "NUMEXPR_MAX_THREADS",
        "TF_NUM_INTRAOP_THREADS",
        "TF_NUM_INTEROP_THREADS",
    }
)

#: The ONLY environment variables whose values may ever be recorded (``environment.env``).
#:
#: Environment variables routinely hold secrets (API tokens, passwords in database URLs)
#: and personal data (``HOME``, ``USER``, ``PATH``), and the record is published with the
#: notebook. So this is an allow-list, not a deny-list: ``PYTHONHASHSEED`` (it fixes the
#: iteration order of sets of strings) and the thread-count variables above.
#:
#: ``CUDA_VISIBLE_DEVICES`` is deliberately *not* included although it affects which GPU
#: a computation runs on: its value may be a list of GPU UUIDs, i.e. hardware
#: identifiers, the schema's ``env`` section promises "PYTHONHASHSEED and thread-count
#: variables only", and the GPUs that matter are already described in ``gpus``.
ALLOWED_ENV_VARS: frozenset[str] = frozenset({"PYTHONHASHSEED"}) | THREAD_ENV_VARS


def schema() -> JSON:
    """The JSON Schema of the current record version, as shipped in the package."""
    return load_schema(_SCHEMA)


def validate(document: Mapping[str, Any], kind: RecordKind = "sidecar") -> None:
    """Validate a ``sidecar``, ``notebook`` or ``cell`` record; raise :class:`RecordError`."""
    check_valid(
        validator(_SCHEMA, kind),
        document,
        lambda where: RecordError(f"invalid repro-nb {kind} record: {where}"),
        noun="the record",
    )


def upgrade(document: Any, kind: RecordKind = "sidecar") -> JSON:
    """Bring a record of any known version to :data:`SCHEMA_VERSION` and validate it."""
    if not isinstance(document, dict):
        raise RecordError(f"a repro-nb {kind} record must be a JSON object, not {type(document).__name__}")
    upgraded = upgrade_chain(document, SCHEMA_VERSION, _UPGRADES, RecordError, f"repro-nb {kind} record")
    validate(upgraded, kind)
    return upgraded


@dataclass
class Record:
    """A notebook's record as read back: the notebook part and the cell parts.

    ``cells`` maps a cell's index in the notebook to its record (from metadata), or holds
    records in execution order under negative keys when they came from a sidecar and
    could not be matched to a cell.
    """

    notebook: NotebookRecord
    cells: dict[int, CellRecord] = field(default_factory=dict)
    source: Literal["metadata", "sidecar"] = "metadata"

    def cell(self, index: int) -> CellRecord | None:
        return self.cells.get(index)

    def matched(self) -> Record:
        """Without sidecar records that matched no cell (the code changed since)."""
        if all(index >= 0 for index in self.cells):
            return self
        return Record(self.notebook, {i: c for i, c in self.cells.items() if i >= 0}, self.source)


def sidecar_path(notebook_path: str | os.PathLike[str]) -> str:
    """``dir/analysis.ipynb`` → ``dir/analysis.repro.json``."""
    base, ext = os.path.splitext(os.fspath(notebook_path))
    return (base if ext == ".ipynb" else os.fspath(notebook_path)) + SIDECAR_SUFFIX


def write_sidecar(path: str | os.PathLike[str], document: Sidecar) -> None:
    """Validate and write a sidecar atomically."""
    from .files import atomic_write_json

    validate(document, "sidecar")
    atomic_write_json(path, document)


def read_sidecar(path: str | os.PathLike[str]) -> Sidecar:
    try:
        with open(path, "rb") as handle:
            content = handle.read()
    except OSError as exc:
        raise RecordError(f"cannot read record {os.fspath(path)}: {exc.strerror or exc}") from exc
    return parse_sidecar(content, os.fspath(path))


def parse_sidecar(content: bytes, path: str) -> Sidecar:
    """A sidecar from its content, read elsewhere (a descriptor the server opened and
    judged): the same checks and messages as :func:`read_sidecar`, naming ``path``."""
    try:
        document = json.loads(content.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise RecordError(f"record {path} is not UTF-8 text") from exc
    except json.JSONDecodeError as exc:
        raise RecordError(f"record {path} is not valid JSON: {exc.msg} (line {exc.lineno})") from exc
    return cast("Sidecar", upgrade(document, "sidecar"))


def read_record(nb: Mapping[str, Any], notebook_path: str | os.PathLike[str] | None = None) -> Record | None:
    """The record of a notebook: from its metadata, else from its sidecar, else ``None``.

    Records from a sidecar are matched to cells by cell id, then by source hash.
    """
    meta = nb.get("metadata", {}).get(METADATA_KEY)
    if meta:
        record = Record(notebook=cast("NotebookRecord", upgrade(dict(meta), "notebook")), source="metadata")
        for index, cell in enumerate(nb.get("cells", [])):
            cell_meta = cell.get("metadata", {}).get(METADATA_KEY)
            if cell_meta:
                record.cells[index] = cast("CellRecord", upgrade(dict(cell_meta), "cell"))
        return record
    if notebook_path is None:
        return None
    path = sidecar_path(notebook_path)
    if not os.path.exists(path):
        return None
    return attach_sidecar(nb, read_sidecar(path))


def attach_sidecar(nb: Mapping[str, Any], document: Sidecar) -> Record:
    """Match a sidecar's cell records (in execution order) to the notebook's cells.

    The last execution of a cell wins, as it is the one whose outputs are saved.
    """
    from .cells import cell_source, is_code_cell, source_hash

    record = Record(notebook=document["notebook"], source="sidecar")
    by_id: dict[str, int] = {}
    by_hash: dict[str, int] = {}
    for index, cell in enumerate(nb.get("cells", [])):
        if not is_code_cell(cell):
            continue
        if cell.get("id"):
            by_id[cell["id"]] = index
        by_hash.setdefault(source_hash(cell_source(cell)), index)
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


def embed(nb: Any, notebook_record: NotebookRecord, cell_records: Mapping[int, CellRecord]) -> None:
    """Write a record into a notebook's metadata (validated first), in place."""
    validate(notebook_record, "notebook")
    for cell_record in cell_records.values():
        validate(cell_record, "cell")
    nb.metadata[METADATA_KEY] = notebook_record
    for index, cell_record in cell_records.items():
        if 0 <= index < len(nb.cells):
            nb.cells[index].metadata[METADATA_KEY] = cell_record
