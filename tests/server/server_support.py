"""What the server tests share: the extension's config, a request helper, notebook writers.

pytest-jupyter's fixtures are imported into each test module rather than registered as a
plugin (or imported here into a conftest), so that its autouse fixtures (an event loop
per test, a ServerApp cleanup) and its hooks apply to the modules that ask for them;
:func:`async_test` runs each test's coroutine on the loop it provides. Test modules
import :func:`jp_server_config` from here, which replaces pytest-jupyter's.
"""

from __future__ import annotations

import asyncio
import functools
import json
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import pytest
from jupyter_core.utils import ensure_event_loop
from traitlets.config import Config

from repro_nb.server.checks import CheckManager
from repro_nb.server.handlers import CHECKS_SETTING

from support import ROOT, free_port, process_gone, write_code_notebook  # noqa: F401 - the server tests import them from here

TEST_TIMEOUT_S = 120

Fetch = Callable[..., Awaitable[Any]]


def async_test(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an ``async def`` test on pytest-jupyter's event loop (the server's loop)."""

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        loop = ensure_event_loop(prefer_selector_loop=True)
        loop.run_until_complete(asyncio.wait_for(test(*args, **kwargs), TEST_TIMEOUT_S))

    return run


@pytest.fixture  # type: ignore[no-redef]  # replaces pytest-jupyter's
def jp_server_config() -> Config:
    """Enable the extension as jupyter-config/server-config/repro_nb.json does."""
    config = json.loads((ROOT / "jupyter-config" / "server-config" / "repro_nb.json").read_text())
    return Config(config)


# -- helpers ------------------------------------------------------------------------


async def call(
    fetch: Fetch,
    method: str,
    *parts: str,
    body: Any = None,
    raw_body: bytes | None = None,
    params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    """One request; return (status, decoded JSON body) whatever the status."""
    response = await fetch(
        *parts,
        method=method,
        body=raw_body if raw_body is not None else (None if body is None else json.dumps(body)),
        params=params,
        headers=headers,
        raise_error=False,
        allow_nonstandard_methods=True,
    )
    payload = json.loads(response.body) if response.body else None
    return response.code, payload


def assert_error(status: int, payload: Any, expected_status: int, reason: str | None = None) -> None:
    assert status == expected_status, payload
    assert isinstance(payload, dict) and isinstance(payload.get("message"), str) and payload["message"], payload
    assert isinstance(payload.get("reason"), str), payload
    if reason is not None:
        assert payload["reason"] == reason, payload


async def wait_check(
    fetch: Fetch, check_id: str, until: Callable[[dict[str, Any]], bool], timeout: float = 90
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        status, check = await call(fetch, "GET", "repro-nb", "checks", check_id)
        assert status == 200, check
        if until(check):
            return dict(check)
        assert time.monotonic() < deadline, f"check did not get there in {timeout} s: {check}"
        await asyncio.sleep(0.2)


def manager(serverapp: Any) -> CheckManager:
    checks: CheckManager = serverapp.web_app.settings[CHECKS_SETTING]
    return checks
