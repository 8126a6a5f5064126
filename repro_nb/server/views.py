"""REST handlers for what the panel shows beyond a check's state (``docs/rest-api.md``).

- ``GET /repro-nb/checks/ID/diff?cells=drifted|all``: nbdime's diff of the stored notebook
  against the re-run, as nbdime's own ``/nbdime/api/diff`` answers it (``base``, ``diff``),
  prepared by the checker (masks applied; drifted cells only, or all), plus ``cells``;
- ``GET /repro-nb/checks/ID/executed``: the re-run notebook;
- ``GET /repro-nb/checks/ID/report?format=html|json``: the check's report, to download;
- ``POST /repro-nb/data``: the notebook's data files as they are on disk now (:mod:`.datafiles`).

Authentication, authorization and the error shape are :class:`~.handlers.ReproHandler`'s.
"""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime

from jupyter_server.auth.decorator import authorized
from tornado import web

from .checks import Check, UnknownCheck
from .datafiles import MAX_FILES, DataStates
from .executed import CheckArtifacts
from .handlers import ApiError, ReproHandler

__all__ = ["view_handlers"]

DATA_SETTING = "repro_nb_data_states"


class _CheckView(ReproHandler):
    """A finished check's artifacts."""

    def finished(self, check_id: str) -> tuple[Check, CheckArtifacts]:
        try:
            check = self.checks.get(check_id)
        except UnknownCheck:
            raise ApiError(404, "not-found", f"no check {check_id} (unknown, or dropped from the history)") from None
        artifacts = self.checks.artifacts
        if check.state != "done" or artifacts is None:
            raise ApiError(409, "not-done", f"the check of {check.path} has no result ({check.state})")
        return check, artifacts


class CheckDiffHandler(_CheckView):
    @web.authenticated
    @authorized
    def get(self, check_id: str) -> None:
        mode = self.get_query_argument("cells", "drifted")
        if mode not in ("drifted", "all"):
            raise ApiError(400, "bad-request", "cells must be drifted or all")
        check, artifacts = self.finished(check_id)
        view = artifacts.diff(check.id, check.path, "all" if mode == "all" else "drifted")
        if view is None:
            raise ApiError(404, "no-diff", f"the check of {check.path} kept no re-run to compare (did it run?)")
        self.reply(view)


class CheckExecutedHandler(_CheckView):
    @web.authenticated
    @authorized
    def get(self, check_id: str) -> None:
        check, artifacts = self.finished(check_id)
        notebook = artifacts.executed(check.id, check.path)
        if notebook is None:
            raise ApiError(404, "no-executed", f"the check of {check.path} kept no re-run notebook")
        self.reply(notebook)


class CheckReportHandler(_CheckView):
    @web.authenticated
    @authorized
    def get(self, check_id: str) -> None:
        fmt = self.get_query_argument("format", "html")
        if fmt not in ("html", "json"):
            raise ApiError(400, "bad-request", "format must be html or json")
        check, artifacts = self.finished(check_id)
        content = artifacts.report(check.id, "html" if fmt == "html" else "json")
        if content is None:
            raise ApiError(404, "no-report", f"the check of {check.path} wrote no {fmt} report")
        stem = os.path.splitext(check.path.rsplit("/", 1)[-1])[0]
        self.set_header("Content-Type", "text/html; charset=utf-8" if fmt == "html" else "application/json")
        self.set_header("Content-Disposition", f'attachment; filename="{_safe(stem)}-repro-report.{fmt}"')
        # the HTML report forbids scripts itself (its CSP); say so to the browser as well
        self.set_header("Content-Security-Policy", "default-src 'none'; img-src data:; style-src 'unsafe-inline'")
        self.finish(content)


class DataStateHandler(ReproHandler):
    """``POST {"path": NB, "files": [{"path", "hash", "size"?}, …]}`` → ``{"files": […], "checked_at"}``."""

    @web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.get_json_body()
        if not isinstance(body, dict) or not isinstance(body.get("files", []), list):
            raise ApiError(400, "bad-request", 'the request body must be {"path": …, "files": [{"path", "hash"}, …]}')
        location = self.notebook(body.get("path"))
        files = [f for f in body.get("files", []) if isinstance(f, dict)]
        if len(files) > MAX_FILES:
            raise ApiError(400, "bad-request", f"at most {MAX_FILES} files per request")
        states = self._states()
        answer = await asyncio.to_thread(states.states, location.real_path, files)
        checked = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        self.reply({"path": location.api_path, "files": answer, "checked_at": checked})

    def _states(self) -> DataStates:
        states: DataStates | None = self.settings.get(DATA_SETTING)
        if states is None:
            allow_hidden = bool(getattr(self.contents_manager, "allow_hidden", False))
            states = self.settings[DATA_SETTING] = DataStates(self.root_dir, allow_hidden=allow_hidden)
        return states


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "notebook"


view_handlers: list[tuple[str, type[ReproHandler]]] = [
    (r"/repro-nb/checks/([^/]+)/diff", CheckDiffHandler),
    (r"/repro-nb/checks/([^/]+)/executed", CheckExecutedHandler),
    (r"/repro-nb/checks/([^/]+)/report", CheckReportHandler),
    (r"/repro-nb/data", DataStateHandler),
]
