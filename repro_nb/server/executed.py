"""What a finished check leaves for the panel: the re-run notebook, nbdime's diff, the reports.

The checker writes the JSON report only; the panel also needs the notebook as it was
re-run (for nbdime's diff tab) and the reports to download. So a check started by the
server runs ``repro-nb check --executed DIR --html FILE`` (:meth:`CheckArtifacts.arguments`)
in its temporary directory, and when it finishes those files move here, one directory
per check id (:meth:`~CheckArtifacts.keep`). They live as long as the check is kept
(``ReproNBServer.keep_finished``) and are removed with it (:meth:`~CheckArtifacts.drop`)
or when the server stops.

The server judges nothing and imports nothing of the checker: the diff views were
prepared by the checker (``repro_nb.report.nbdime_diff``, masks applied, drifted cells
only or all), and are only read and handed on.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from typing import Any, Literal

__all__ = ["CheckArtifacts", "DiffMode", "ReportFormat"]

DiffMode = Literal["drifted", "all"]
ReportFormat = Literal["html", "json"]

#: Inside a check's temporary directory: what ``repro-nb check`` is told to write.
_EXECUTED_DIR = "executed"
_HTML = "report.html"
_JSON = "report.json"


class CheckArtifacts:
    """A directory of directories: ``<root>/<check id>/{executed/…, report.html, report.json}``."""

    def __init__(self, root: str | None = None) -> None:
        self.root = root or tempfile.mkdtemp(prefix="repro-nb-checks-")
        os.makedirs(self.root, exist_ok=True)

    def arguments(self, workdir: str) -> list[str]:
        """The checker's options that write the artifacts into ``workdir`` (the JSON report is already there)."""
        return ["--executed", os.path.join(workdir, _EXECUTED_DIR), "--html", os.path.join(workdir, _HTML)]

    def keep(self, check_id: str, workdir: str) -> None:
        """Move a finished check's artifacts out of its temporary directory (removed next)."""
        target = self._dir(check_id)
        if target is None:
            return
        os.makedirs(target, exist_ok=True)
        for name in (_EXECUTED_DIR, _HTML, _JSON):
            source = os.path.join(workdir, name)
            if os.path.exists(source):
                shutil.move(source, os.path.join(target, name))

    def drop(self, check_id: str) -> None:
        target = self._dir(check_id)
        if target is not None:
            shutil.rmtree(target, ignore_errors=True)

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    # -- reading ------------------------------------------------------------------

    def executed(self, check_id: str, api_path: str) -> dict[str, Any] | None:
        """The re-run notebook (nbformat JSON), or ``None`` when the check left none."""
        return self._json(check_id, api_path, ".ipynb")

    def diff(self, check_id: str, api_path: str, mode: DiffMode) -> dict[str, Any] | None:
        """nbdime's ``{base, diff}`` of the stored notebook against the re-run, plus ``cells``."""
        document = self._json(check_id, api_path, ".nbdime.json")
        if document is None:
            return None
        view = (document.get("views") or {}).get(mode)
        if not isinstance(view, dict):
            return None
        return {**view, "masks": document.get("masks", []), "path": api_path}

    def report(self, check_id: str, fmt: ReportFormat) -> bytes | None:
        """The check's report as the checker wrote it."""
        target = self._dir(check_id)
        if target is None:
            return None
        path = os.path.join(target, _HTML if fmt == "html" else _JSON)
        try:
            with open(path, "rb") as handle:
                return handle.read()
        except OSError:
            return None

    def _json(self, check_id: str, api_path: str, suffix: str) -> dict[str, Any] | None:
        target = self._dir(check_id)
        if target is None:
            return None
        stem, _ = os.path.splitext(os.path.join(*api_path.split("/")))
        try:
            with open(os.path.join(target, _EXECUTED_DIR, stem + suffix), encoding="utf-8") as handle:
                document = json.load(handle)
        except (OSError, ValueError):
            return None
        return document if isinstance(document, dict) else None

    def _dir(self, check_id: str) -> str | None:
        """The directory of a check id (an opaque hex string; anything else has none)."""
        if not check_id or not all(c in "0123456789abcdef" for c in check_id):
            return None
        return os.path.join(self.root, check_id)
