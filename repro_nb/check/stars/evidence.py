"""Everything known about a notebook, gathered once: its record, the last check, the seeds study, its tables.

The last check is the check report ``repro-nb report --check`` (or ``repro-nb check NB
--json <stem>.repro-check.json``) left beside the notebook; the seeds study is the
``<stem>.repro-seeds.json`` ``repro-nb seeds`` leaves. Both are optional: what is not
there is *unknown* evidence, which costs the star and says how to get it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

from ...errors import ReproError
from ...format.check_types import NotebookResultJson
from ...format.files import read_notebook
from ...format.record import Record, read_record
from ...format.report import read_report
from ...format.versioned import check_valid, validator
from ..describe import DataDescription
from ..seeds import study_path


def check_path(notebook: str) -> str:
    """Where the last check of ``notebook`` is kept: ``<stem>.repro-check.json``."""
    base, ext = os.path.splitext(notebook)
    return (base if ext == ".ipynb" else notebook) + ".repro-check.json"


@dataclass
class Evidence:
    path: str
    nb: Any
    record: Record | None
    record_problem: str | None = None
    check: NotebookResultJson | None = None
    check_source: str | None = None
    check_problem: str | None = None
    seeds: dict[str, Any] | None = None
    seeds_source: str | None = None
    seeds_problem: str | None = None
    descriptions: list[DataDescription] = field(default_factory=list)

    @property
    def base_dir(self) -> str:
        return os.path.dirname(os.path.abspath(self.path))


def gather(path: str, labels: dict[str, str] | None = None) -> Evidence:
    """Read ``path`` (a missing or broken notebook is an error) and what lies beside it."""
    nb = read_notebook(path)
    try:
        record, problem = read_record(nb, path), None
    except ReproError as exc:
        record, problem = None, f"its record cannot be read: {exc}"
    evidence = Evidence(path=path, nb=nb, record=record, record_problem=problem)
    _read_check(evidence)
    _read_seeds(evidence)
    if record is not None:
        from ..pipeline import describe_data

        evidence.descriptions = describe_data(path, record, None, labels)
    return evidence


def _read_check(evidence: Evidence) -> None:
    where = check_path(evidence.path)
    if not os.path.exists(where):
        return
    try:
        document = read_report(where)
    except ReproError as exc:
        evidence.check_problem = str(exc)
        return
    notebooks = document["notebooks"]
    mine = [n for n in notebooks if os.path.basename(n["path"]) == os.path.basename(evidence.path)]
    chosen = mine[0] if mine else (notebooks[0] if len(notebooks) == 1 else None)
    if chosen is None:
        evidence.check_problem = f"{where} holds no check of {os.path.basename(evidence.path)}"
        return
    evidence.check, evidence.check_source = chosen, f"{where} ({document['created_at']})"


def _read_seeds(evidence: Evidence) -> None:
    where = study_path(evidence.path)
    if not os.path.exists(where):
        return
    try:
        with open(where, encoding="utf-8") as handle:
            document = json.load(handle)
        version = document.get("schema_version") if isinstance(document, dict) else None
        if version != 1:
            raise ReproError(f"schema version {version!r}; this repro-nb reads version 1")
        check_valid(validator("seeds-v1"), document, lambda where: ReproError(f"invalid: {where}"))
    except (OSError, ValueError, ReproError) as exc:
        evidence.seeds_problem = f"{where}: {exc}"
        return
    evidence.seeds, evidence.seeds_source = document, f"{where} ({document['created_at']})"
