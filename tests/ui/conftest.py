"""A real JupyterLab and a real Chromium for the side panel's tests.

``lab`` starts ``jupyter lab`` from this environment (so the repro-nb lab extension is
the one built by ``./dev``) on a free port with a random token, rooted in a temporary
directory, with its own settings and workspaces so nothing of the user's leaks in.
``page`` is a fresh Chromium tab (Debian's ``chromium``, driven by Playwright; no
browser is downloaded).

Skipping: without Chromium or Playwright the tests are skipped — except in CI
(``CI`` set), where that is a failure: CI must run them.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

#: Lab settings for the tests: no news pop-up, and "full" windowing, where cells out
#: of view are detached from the page — the hard case for the cell markers.
USER_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false"},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "full"},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
}


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"browser tests must run in CI: {reason}")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_extension_available() -> bool:
    """The repro-nb server extension (REST API for checks), once it exists."""
    try:
        import repro_nb.server as server  # noqa: F401
    except Exception:  # noqa: BLE001
        return False
    return True


@dataclass
class Lab:
    url: str  # ends with "/"
    token: str
    root: Path
    log: Path
    has_server_extension: bool

    def page_url(self, path: str) -> str:
        return f"{self.url}lab/tree/{path}?token={self.token}&reset"

    def api(self, endpoint: str, method: str = "GET", body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.url}{endpoint}", data=data, method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - localhost
            text = answer.read().decode()
        return json.loads(text) if text else None

    def notebook(self, path: str) -> dict[str, Any]:
        """The notebook as saved on disk."""
        return json.loads((self.root / path).read_text())


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    base = tmp_path_factory.mktemp("lab")
    root = base / "root"
    root.mkdir()
    settings = base / "settings"
    for name, value in USER_SETTINGS.items():
        target = settings / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(value))
    env = {k: v for k, v in os.environ.items() if k not in ("JPY_SESSION_NAME", "JPY_PARENT_PID")}
    env.update(
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(base / "workspaces"),
        JUPYTER_RUNTIME_DIR=str(base / "runtime"),
        JUPYTER_CONFIG_DIR=str(base / "config"),
        PYDEVD_DISABLE_FILE_VALIDATION="1",
    )
    port = free_port()
    token = secrets.token_hex(16)
    has_server = server_extension_available()
    command = [
        sys.executable, "-m", "jupyterlab",
        "--no-browser", f"--port={port}", "--ip=127.0.0.1",
        f"--ServerApp.token={token}", f"--ServerApp.root_dir={root}",
        "--ServerApp.open_browser=False",
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if has_server:
        command.append("--ServerApp.jpserver_extensions={'repro_nb.server': True}")
    log = base / "jupyter-lab.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 90
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {process.returncode}:\n{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{url}api/status?token={token}", timeout=2):  # noqa: S310
                    break
            except (urllib.error.URLError, ConnectionError, OSError):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"jupyter lab did not start:\n{log.read_text()[-3000:]}") from None
                time.sleep(0.3)
        yield Lab(url=url, token=token, root=root, log=log, has_server_extension=has_server)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = chromium_path()
    if executable is None:
        _missing("Chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package is not installed")
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, lab: Lab) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    tab.console_messages = []  # type: ignore[attr-defined]
    tab.on("console", lambda m: tab.console_messages.append(f"{m.type}: {m.text}"))  # type: ignore[attr-defined]
    tab.on("pageerror", lambda e: tab.console_messages.append(f"pageerror: {e}"))  # type: ignore[attr-defined]
    yield tab
    context.close()
