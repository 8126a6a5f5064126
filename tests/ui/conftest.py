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

import contextlib
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
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]

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


def server_extension_name() -> str | None:
    """The module to enable as repro-nb's server extension (REST API for checks), if any."""
    try:
        import repro_nb
    except Exception:  # noqa: BLE001
        return None
    if hasattr(repro_nb, "_jupyter_server_extension_points"):
        return "repro_nb"
    try:
        import repro_nb.server
    except Exception:  # noqa: BLE001
        return None
    return "repro_nb.server"


@dataclass
class Lab:
    url: str  # ends with "/"
    token: str
    root: Path
    log: Path
    has_server_extension: bool
    app: str = "lab"  # or "notebook": Jupyter Notebook 7, built from the same components

    def page_url(self, path: str) -> str:
        if self.app == "notebook":
            return f"{self.url}notebooks/{path}?token={self.token}"
        return f"{self.url}lab/tree/{path}?token={self.token}&reset"

    def api(self, endpoint: str, method: str = "GET", body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.url}{endpoint}",
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            text = answer.read().decode()
        return json.loads(text) if text else None

    def notebook(self, path: str) -> dict[str, Any]:
        """The notebook as saved on disk."""
        return json.loads((self.root / path).read_text())


@contextlib.contextmanager
def running_lab(base: Path, app: str = "lab") -> Iterator[Lab]:
    """Start ``jupyter lab`` (or, with ``app="notebook"``, Notebook 7) rooted in ``base/root``; stop it on exit."""
    root = base / "root"
    root.mkdir(parents=True, exist_ok=True)
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
    extension = server_extension_name()
    command = [
        sys.executable,
        "-m",
        "jupyterlab" if app == "lab" else "notebook",
        "--no-browser",
        f"--port={port}",
        "--ip=127.0.0.1",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--allow-root",
    ]
    if app == "lab":
        command += [
            "--LabApp.expose_app_in_browser=True",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ]
    else:
        command.append("--JupyterNotebookApp.expose_app_in_browser=True")
    if extension:
        command.append(f"--ServerApp.jpserver_extensions={{'{extension}': True}}")
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
                with urllib.request.urlopen(f"{url}api/status?token={token}", timeout=2):
                    break
            except (urllib.error.URLError, ConnectionError, OSError):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"jupyter lab did not start:\n{log.read_text()[-3000:]}") from None
                time.sleep(0.3)
        yield Lab(url=url, token=token, root=root, log=log, has_server_extension=extension is not None, app=app)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium under Playwright (raises if either is missing)."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if executable is None:
        raise FileNotFoundError("Chromium is not installed (apt-get install chromium)")
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with running_lab(tmp_path_factory.mktemp("lab")) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if chromium_path() is None:
        _missing("Chromium is not installed (apt-get install chromium)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        _missing("the playwright package is not installed")
    with chromium() as running:
        yield running


@pytest.fixture
def page(browser: Any, lab: Lab, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    tab.console_messages = []  # type: ignore[attr-defined]
    tab.on("console", lambda m: tab.console_messages.append(f"{m.type}: {m.text}"))  # type: ignore[attr-defined]
    tab.on("pageerror", lambda e: tab.console_messages.append(f"pageerror: {e}"))  # type: ignore[attr-defined]
    yield tab
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        # what a failing test saw, for the person reading the failure
        name = request.node.name.replace("/", "_")
        try:
            tab.screenshot(path=f"/tmp/repro-nb-ui-failed-{name}.png")
        except Exception:  # noqa: BLE001 - the failure report matters more than its picture
            pass
        print(f"--- browser console ({name}) ---")
        print("\n".join(tab.console_messages[-80:]))  # type: ignore[attr-defined]
        print(f"--- jupyter lab log (tail) ---\n{lab.log.read_text(errors='replace')[-4000:]}")
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    setattr(item, f"rep_{report.when}", report)
