"""REST handlers under ``/repro-nb/…``: the contract is ``docs/rest-api.md``.

Thin by design: parse the request, confine the path (:mod:`.paths`), open the saved
notebook and judge what was opened (:mod:`.opened`), ask the check manager
(:mod:`.checks`) or read the notebook through that descriptor, answer JSON. Security
comes from jupyter_server and is not re-implemented here:

- every method is ``@tornado.web.authenticated`` (token or login cookie; an API handler
  answers 403 instead of redirecting to the login page — with a message saying that
  authentication is required, for POST and DELETE too, where tornado would first
  complain of a missing XSRF argument);
- ``@authorized`` asks the server's authorizer: reading records and check results is
  ``read`` on ``contents``; starting or cancelling a check runs code, so it is
  ``execute`` on ``kernels``, as for a kernel's websocket;
- POST and DELETE need the XSRF token when the request is cookie-authenticated
  (:class:`~jupyter_server.base.handlers.APIHandler`'s ``check_xsrf_cookie``, untouched).

Every error, ours or tornado's (403 from authentication or XSRF), is answered as
``{"message": …, "reason": …}``.
"""

from __future__ import annotations

import asyncio
import json
import math
from typing import Any

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from tornado import web

from .._version import __version__
from ..errors import ReproError
from .checks import AlreadyRunning, CheckManager, NotRunning, QueueFull, UnknownCheck
from .opened import OpenedNotebook, open_notebook, read_opened
from .paths import NotebookLocation, PathRefused, normalize_api_path, resolve_notebook

#: Version of the REST contract (docs/rest-api.md), bumped on incompatible changes
#: (2: a check can be ``queued``, with its ``position``; 429 when the line is full).
PROTOCOL_VERSION = 2
#: Settings key under which the extension stores its :class:`CheckManager`.
CHECKS_SETTING = "repro_nb_checks"

_DEFAULT_REASONS = {
    400: "bad-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    429: "queue-full",
}


_DEFAULT_MESSAGES = {
    403: "forbidden: not logged in to this Jupyter server, or not allowed to do this",
}

#: What a request without a valid token or login cookie is told, whatever its method.
UNAUTHENTICATED = (
    "authentication required: send this Jupyter server's token (header 'Authorization: token …') "
    "or log in to the server first"
)


class ApiError(web.HTTPError):
    """An error the panel shows: an HTTP status, a reason code and a sentence.

    The reason code travels in the JSON body, not in the HTTP status line; ``extra``
    members are added to the body (the running check of a 409).
    """

    def __init__(
        self, status: int, reason: str, message: str, *, headers: dict[str, str] | None = None, **extra: Any
    ) -> None:
        super().__init__(status, "%s", message)
        self.error_reason = reason
        self.message = message
        self.headers = headers or {}
        self.extra = extra


def _unauthenticated() -> ApiError:
    return ApiError(403, "unauthenticated", UNAUTHENTICATED)


class ReproHandler(APIHandler):
    """Common ground: the JSON error shape, path confinement, the check manager."""

    auth_resource = "contents"

    @property
    def checks(self) -> CheckManager:
        manager: CheckManager = self.settings[CHECKS_SETTING]
        return manager

    @property
    def root_dir(self) -> str:
        return str(self.settings.get("server_root_dir") or self.contents_manager.root_dir)

    def notebook(self, path: object) -> NotebookLocation:
        """The saved notebook ``path`` names, inside the root — or the 4xx saying why not."""
        allow_hidden = bool(getattr(self.contents_manager, "allow_hidden", False))
        try:
            return resolve_notebook(self.root_dir, path, allow_hidden=allow_hidden)
        except PathRefused as exc:
            raise _refused(exc) from None

    # -- authentication and the request body -----------------------------------------

    def check_xsrf_cookie(self) -> None:
        """A request nobody authenticated is told so, before tornado asks for ``_xsrf``."""
        if hasattr(self, "_jupyter_current_user") and self.current_user is None:
            raise _unauthenticated()
        super().check_xsrf_cookie()

    def get_login_url(self) -> str:
        """``@web.authenticated`` asks this when nobody is logged in: say what is missing."""
        if not self.current_user:
            raise _unauthenticated()
        return super().get_login_url()

    def get_json_body(self) -> Any:
        """The request body as JSON; not UTF-8 or not JSON is the client's error (400)."""
        if not self.request.body:
            return None
        try:
            text = self.request.body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ApiError(
                400, "bad-request", f"the request body is not UTF-8 text (byte {exc.start}); send JSON in UTF-8"
            ) from None
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ApiError(
                400, "bad-request", f"the request body is not valid JSON ({exc.msg}, line {exc.lineno})"
            ) from None

    def reply(self, payload: dict[str, Any], status: int = 200) -> None:
        self.set_status(status)
        self.finish(json.dumps(payload))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        body: dict[str, Any]
        if isinstance(exc, ApiError):
            body = {"message": exc.message, "reason": exc.error_reason, **exc.extra}
            for name, value in exc.headers.items():
                self.set_header(name, value)
        elif exc is None or isinstance(exc, web.HTTPError):  # tornado's and jupyter_server's own
            message = None
            if isinstance(exc, web.HTTPError) and exc.log_message:
                message = exc.log_message % exc.args if exc.args else exc.log_message
            body = {
                "message": message or _DEFAULT_MESSAGES.get(status_code, self._reason),
                "reason": _DEFAULT_REASONS.get(status_code, "server-error" if status_code >= 500 else "error"),
            }
        else:  # a bug: tornado has logged the traceback; the panel gets one sentence
            body = {"message": f"internal error in the repro-nb server extension: {exc}", "reason": "server-error"}
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body))


class VersionHandler(ReproHandler):
    @web.authenticated
    def get(self) -> None:
        self.reply({"version": __version__, "protocol": PROTOCOL_VERSION})


class ChecksHandler(ReproHandler):
    """Start a check (POST), list checks (GET)."""

    @web.authenticated
    @authorized
    def get(self) -> None:
        path = self.get_query_argument("path", None)
        if path is not None:
            try:
                path = normalize_api_path(path)
            except PathRefused as exc:
                raise ApiError(exc.status, exc.reason, exc.message) from None
        self.reply({"checks": [check.to_json() for check in self.checks.list_checks(path)]})

    @web.authenticated
    @authorized(action="execute", resource="kernels")
    def post(self) -> None:
        body = self.get_json_body()
        if not isinstance(body, dict):
            raise ApiError(400, "bad-request", 'the request body must be a JSON object: {"path": …}')
        timeout = _timeout(body.get("timeout"))
        tolerance = _tolerance(body)
        location = self.notebook(body.get("path"))
        try:
            check = self.checks.start(
                location, timeout=timeout, attribute=body.get("attribute") is True, tolerance=tolerance
            )
        except PathRefused as exc:  # what was opened is not a notebook inside the root
            raise _refused(exc) from None
        except AlreadyRunning as exc:
            raise ApiError(409, "already-running", str(exc), check=exc.check.to_json()) from None
        except QueueFull as exc:
            raise ApiError(
                429, "queue-full", str(exc), headers={"Retry-After": "10"}, running=exc.running, queued=exc.waiting
            ) from None
        self.set_header("Location", self.request.path.rstrip("/") + "/" + check.id)
        self.reply(check.to_json(), status=202)


def _refused(exc: PathRefused) -> ApiError:
    return ApiError(exc.status, exc.reason, exc.message)


def _timeout(value: object) -> float | None:
    """The per-cell timeout in seconds, if the request gives one."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ApiError(400, "bad-request", "timeout must be a positive number of seconds")
    return float(value)


def _tolerance(body: dict[str, Any]) -> dict[str, float]:
    """``rtol`` / ``atol`` of the request (the panel's settings): non-negative numbers."""
    found: dict[str, float] = {}
    for name in ("rtol", "atol"):
        value = body.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
            raise ApiError(400, "bad-request", f"{name} must be a non-negative number")
        found[name] = float(value)
    return found


class CheckHandler(ReproHandler):
    """One check: its state (GET), cancel it (DELETE)."""

    @web.authenticated
    @authorized
    def get(self, check_id: str) -> None:
        try:
            check = self.checks.get(check_id)
        except UnknownCheck:
            raise ApiError(404, "not-found", f"no check {check_id} (unknown, or dropped from the history)") from None
        self.reply(check.to_json())

    @web.authenticated
    @authorized(action="execute", resource="kernels")
    async def delete(self, check_id: str) -> None:
        try:
            check = await self.checks.cancel(check_id)
        except UnknownCheck:
            raise ApiError(404, "not-found", f"no check {check_id} (unknown, or dropped from the history)") from None
        except NotRunning as exc:
            raise ApiError(409, "not-running", str(exc), check=exc.check.to_json()) from None
        self.reply(check.to_json())


class EnvironmentHandler(ReproHandler):
    """A notebook's environment as a file to download (GET); docs/rest-api.md."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        from ..format.env_files import FILENAMES
        from .environment import ExportFailed, export_environment, filename_for

        fmt = self.get_query_argument("format", "requirements")
        if fmt not in FILENAMES:
            raise ApiError(400, "bad-request", f"format must be one of {', '.join(FILENAMES)}")
        location = self.notebook(self.get_query_argument("path", None))
        try:
            content = await export_environment(self.root_dir, location.api_path, fmt)
        except ExportFailed as exc:
            raise ApiError(422, "cannot-export", exc.message) from None
        self.reply(
            {
                "path": location.api_path,
                "format": fmt,
                "filename": filename_for(location.api_path, fmt),
                "content": content,
            }
        )


class RecordHandler(ReproHandler):
    """The record of a saved notebook: its metadata, else its sidecar (GET)."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        location = self.notebook(self.get_query_argument("path", None))
        try:
            opened = open_notebook(self.root_dir, location)
        except PathRefused as exc:  # the notebook or its sidecar is not a file inside the root
            raise _refused(exc) from None
        try:
            payload = await asyncio.to_thread(_record_of, opened)
        finally:
            opened.close()
        self.reply(payload)


def _record_of(opened: OpenedNotebook) -> dict[str, Any]:
    """The record as ``GET /repro-nb/record`` answers it, read from the opened files only."""
    from ..format.files import parse_notebook
    from ..format.record import attach_sidecar, parse_sidecar, read_record, sidecar_path

    api_path = opened.location.api_path
    notebook, sidecar = read_opened(opened)
    try:
        nb = parse_notebook(notebook, api_path)
        record = read_record(nb)
        if record is None and sidecar is not None:
            record = attach_sidecar(nb, parse_sidecar(sidecar, sidecar_path(api_path)))
    except ReproError as exc:
        raise ApiError(400, "unreadable", str(exc)) from None
    if record is None:
        return {"path": api_path, "source": None, "notebook": None, "cells": []}
    cells = [{"index": index, "record": cell} for index, cell in sorted(record.matched().cells.items())]
    return {"path": api_path, "source": record.source, "notebook": record.notebook, "cells": cells}


default_handlers: list[tuple[str, type[ReproHandler]]] = [
    (r"/repro-nb/version", VersionHandler),
    (r"/repro-nb/checks", ChecksHandler),
    (r"/repro-nb/checks/([^/]+)", CheckHandler),
    (r"/repro-nb/environment", EnvironmentHandler),
    (r"/repro-nb/record", RecordHandler),
]
