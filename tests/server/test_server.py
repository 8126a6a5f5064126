"""The server extension over HTTP, as the panel uses it (contract: docs/rest-api.md).

A real jupyter_server per test (pytest-jupyter's ``jp_serverapp``), the extension
enabled through ``jp_server_config`` as the installed config file enables it, requests
through ``jp_fetch`` (token-authenticated) or with the token removed or replaced by a
login cookie. Checks are real: ``repro-nb check`` subprocesses with real kernels.

pytest-jupyter's fixtures are imported into each server test module (see
``server_support.py`` for why and for the helpers).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from pytest_jupyter.jupyter_server import *  # noqa: F403 - fixtures: jp_fetch, jp_serverapp, jp_root_dir, …

from repro_nb.server.checks import Check, CheckManager
from repro_nb.server.opened import OpenedNotebook
from repro_nb.server.paths import NotebookLocation, PathRefused, normalize_api_path, resolve_notebook

from server_support import (
    Fetch,
    assert_error,
    async_test,
    call,
    jp_server_config,  # noqa: F401 - the fixture, replacing pytest-jupyter's
    manager,
    process_gone,
    wait_check,
    write_code_notebook,
)


@pytest.fixture(scope="module")
def drift_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An executed, recorded notebook whose data file changed afterwards.

    Recorded with ``value.txt`` = 42, so the stored output is ``42``; then the file is
    changed to 41: a re-run prints 41, and the record knows why.
    """
    folder = tmp_path_factory.mktemp("drift")
    (folder / "value.txt").write_text("42\n")
    write_code_notebook(
        folder / "drift.ipynb",
        ["print('checking')", "with open('value.txt') as f:\n    value = int(f.read())\nprint(value)"],
    )
    subprocess.run(
        [sys.executable, "-m", "repro_nb.cli", "run", "drift.ipynb", "--in-place"],
        cwd=folder,
        check=True,
        capture_output=True,
        timeout=120,
    )
    stored = json.loads((folder / "drift.ipynb").read_text())
    assert stored["cells"][1]["outputs"][0]["text"] == ["42\n"]
    (folder / "value.txt").write_text("41\n")
    return folder


# -- the API -------------------------------------------------------------------------


@async_test
async def test_version(jp_fetch: Fetch) -> None:
    status, payload = await call(jp_fetch, "GET", "repro-nb", "version")
    assert status == 200
    assert payload == {"version": "0.1.0", "protocol": 2}


def test_extension_points_name_the_server_module() -> None:
    import repro_nb
    from repro_nb.server import ReproNBServer

    assert repro_nb._jupyter_server_extension_points() == [{"module": "repro_nb.server", "app": ReproNBServer}]


@async_test
async def test_check_of_planted_drift_reports_the_cell_and_its_cause(
    jp_fetch: Fetch, jp_root_dir: Path, jp_serverapp: Any, drift_dir: Path
) -> None:
    shutil.copytree(drift_dir, jp_root_dir / "analysis")
    status, check = await call(jp_fetch, "POST", "repro-nb", "checks", body={"path": "analysis/drift.ipynb"})
    assert status == 202, check
    assert check["state"] == "running" and check["path"] == "analysis/drift.ipynb"
    assert check["result"] is None and check["error"] is None and check["finished_at"] is None
    workdir = manager(jp_serverapp).get(check["id"]).workdir

    done = await wait_check(jp_fetch, check["id"], lambda c: c["state"] != "running")
    assert done["state"] == "done", done
    assert done["finished_at"] and done["error"] is None
    assert done["progress"] == {"cell": 1, "total": 2}
    result = done["result"]
    assert result["verdict"] == "drifted"
    assert result["path"] == "analysis/drift.ipynb"  # never the server's file system path
    drifted = [cell for cell in result["cells"] if cell["status"] == "drifted"]
    assert [cell["index"] for cell in drifted] == [1]
    assert drifted[0]["diffs"][0]["expected"] == "42\n" and drifted[0]["diffs"][0]["actual"] == "41\n"
    causes = drifted[0]["causes"]
    assert causes and causes[0]["kind"] == "data-changed", causes
    assert "value.txt" in causes[0]["message"]
    assert workdir is not None and not os.path.exists(workdir)  # temporary files removed

    status, listing = await call(jp_fetch, "GET", "repro-nb", "checks", params={"path": "./analysis//drift.ipynb"})
    assert status == 200 and [c["id"] for c in listing["checks"]] == [check["id"]]
    status, listing = await call(jp_fetch, "GET", "repro-nb", "checks", params={"path": "other.ipynb"})
    assert status == 200 and listing["checks"] == []


@async_test
async def test_cancel_kills_the_checker_and_its_kernel_and_one_check_per_notebook(
    jp_fetch: Fetch, jp_root_dir: Path, jp_serverapp: Any
) -> None:
    write_code_notebook(jp_root_dir / "slow" / "sleep.ipynb", ["x = 1", "import time\ntime.sleep(60)", "x"])
    status, check = await call(jp_fetch, "POST", "repro-nb", "checks", body={"path": "slow/sleep.ipynb"})
    assert status == 202, check

    # a second check of the same file, however it is named, while the first runs: 409
    for spelling in ("slow/sleep.ipynb", "./slow//sleep.ipynb"):
        status, payload = await call(jp_fetch, "POST", "repro-nb", "checks", body={"path": spelling})
        assert_error(status, payload, 409, "already-running")
        assert payload["check"]["id"] == check["id"] and payload["check"]["state"] == "running"

    running = await wait_check(jp_fetch, check["id"], lambda c: (c["progress"] or {}).get("cell") == 1)
    assert running["state"] == "running" and running["progress"] == {"cell": 1, "total": 3}
    import psutil

    supervised = manager(jp_serverapp).get(check["id"])
    assert supervised.process is not None and supervised.workdir is not None
    children = psutil.Process(supervised.process.pid).children(recursive=True)
    pids = [supervised.process.pid] + [p.pid for p in children]
    kernels = [p.cmdline() for p in children if "ipykernel_launcher" in " ".join(p.cmdline())]
    assert kernels, "the checker should have started a kernel"
    connection_file = kernels[0][kernels[0].index("-f") + 1]
    assert connection_file.startswith(supervised.workdir)  # removed with the check's directory

    started = time.monotonic()
    status, cancelled = await call(jp_fetch, "DELETE", "repro-nb", "checks", check["id"])
    assert status == 200, cancelled
    assert cancelled["state"] == "cancelled" and cancelled["finished_at"] and cancelled["result"] is None
    assert time.monotonic() - started < 10
    deadline = time.monotonic() + 5
    while not all(process_gone(pid) for pid in pids):
        assert time.monotonic() < deadline, [pid for pid in pids if not process_gone(pid)]
        await asyncio.sleep(0.1)

    assert not os.path.exists(supervised.workdir) and not os.path.exists(connection_file)

    status, payload = await call(jp_fetch, "DELETE", "repro-nb", "checks", check["id"])
    assert_error(status, payload, 409, "not-running")
    status, again = await call(jp_fetch, "GET", "repro-nb", "checks", check["id"])
    assert status == 200 and again["state"] == "cancelled"


@async_test
async def test_check_that_cannot_read_the_notebook_is_done_with_an_error_verdict(
    jp_fetch: Fetch, jp_root_dir: Path
) -> None:
    (jp_root_dir / "broken.ipynb").write_text("{ not json")
    status, check = await call(jp_fetch, "POST", "repro-nb", "checks", body={"path": "broken.ipynb", "timeout": 30})
    assert status == 202, check
    done = await wait_check(jp_fetch, check["id"], lambda c: c["state"] != "running")
    assert done["state"] == "done" and done["error"] is None
    assert done["result"]["verdict"] == "error"
    assert "not valid JSON" in done["result"]["message"]
    assert str(jp_root_dir) not in json.dumps(done)


@async_test
async def test_checker_that_cannot_start_is_failed(jp_fetch: Fetch, jp_root_dir: Path, jp_serverapp: Any) -> None:
    write_code_notebook(jp_root_dir / "fine.ipynb", ["1"])
    manager(jp_serverapp).python = str(jp_root_dir / "no-such-python")
    status, check = await call(jp_fetch, "POST", "repro-nb", "checks", body={"path": "fine.ipynb"})
    assert status == 202, check
    failed = await wait_check(jp_fetch, check["id"], lambda c: c["state"] != "running", timeout=10)
    assert failed["state"] == "failed" and failed["result"] is None
    assert "cannot start the checker" in failed["error"]


# -- refusals ------------------------------------------------------------------------


@async_test
async def test_missing_notebook_and_unknown_check_are_404(jp_fetch: Fetch, jp_root_dir: Path) -> None:
    (jp_root_dir / ".hidden").mkdir()
    write_code_notebook(jp_root_dir / ".hidden" / "secret.ipynb", ["1"])
    for path in ("nowhere.ipynb", "sub/nowhere.ipynb", ".hidden/secret.ipynb"):
        status, payload = await call(jp_fetch, "POST", "repro-nb", "checks", body={"path": path})
        assert_error(status, payload, 404, "not-found")
    for method in ("GET", "DELETE"):
        status, payload = await call(jp_fetch, method, "repro-nb", "checks", "0123abcd")
        assert_error(status, payload, 404, "not-found")


@async_test
async def test_bad_requests_are_400(jp_fetch: Fetch, jp_root_dir: Path) -> None:
    (jp_root_dir / "notes.txt").write_text("not a notebook")
    write_code_notebook(jp_root_dir / "fine.ipynb", ["1"])
    status, payload = await call(jp_fetch, "GET", "repro-nb", "checks", params={"path": ""})
    assert_error(status, payload, 400, "bad-request")
    bodies: list[Any] = [
        {},
        [],
        {"path": 3},
        {"path": "fine.ipynb", "timeout": -1},
        {"path": "fine.ipynb", "timeout": "1"},
    ]
    for body in bodies:
        status, payload = await call(jp_fetch, "POST", "repro-nb", "checks", body=body)
        assert_error(status, payload, 400, "bad-request")
    status, payload = await call(jp_fetch, "POST", "repro-nb", "checks", body={"path": "notes.txt"})
    assert_error(status, payload, 400, "not-a-notebook")


@async_test
async def test_a_body_that_is_not_utf8_or_not_json_is_400(jp_fetch: Fetch, jp_root_dir: Path) -> None:
    write_code_notebook(jp_root_dir / "fine.ipynb", ["1"])
    for raw, expected in (
        (b'{"path": "fine\xff.ipynb"}', "not UTF-8"),
        ("{'path': 'fin\u00e9.ipynb'}".encode("latin-1"), "not UTF-8"),
        (b'{"path": ', "not valid JSON"),
    ):
        status, payload = await call(jp_fetch, "POST", "repro-nb", "checks", raw_body=raw)
        assert_error(status, payload, 400, "bad-request")
        assert expected in payload["message"], payload
    status, listing = await call(jp_fetch, "GET", "repro-nb", "checks")
    assert status == 200 and listing == {"checks": []}


@pytest.mark.parametrize(
    "path",
    [
        "../outside.ipynb",
        "/etc/passwd",
        "sub/../../outside.ipynb",
        "link.ipynb",
        "linked_dir/outside.ipynb",
        "nul\0.ipynb",
        "C:\\outside.ipynb",
    ],
)
@async_test
async def test_paths_outside_the_root_are_refused(jp_fetch: Fetch, jp_root_dir: Path, path: str) -> None:
    outside = write_code_notebook(jp_root_dir.parent / "outside.ipynb", ["print('must not run')"])
    (jp_root_dir / "link.ipynb").symlink_to(outside)
    (jp_root_dir / "linked_dir").symlink_to(jp_root_dir.parent)
    status, payload = await call(jp_fetch, "POST", "repro-nb", "checks", body={"path": path})
    assert_error(status, payload, 403, "outside-root")
    status, listing = await call(jp_fetch, "GET", "repro-nb", "checks")
    assert status == 200 and listing == {"checks": []}


def test_symlink_inside_the_root_is_accepted(tmp_path: Path) -> None:

    write_code_notebook(tmp_path / "real" / "a.ipynb", ["1"])
    (tmp_path / "alias.ipynb").symlink_to(tmp_path / "real" / "a.ipynb")
    location = resolve_notebook(str(tmp_path), "alias.ipynb")
    assert location.api_path == "alias.ipynb"
    assert location.real_path == os.path.realpath(tmp_path / "real" / "a.ipynb")


@pytest.mark.parametrize(
    ("path", "expected"),
    [("a.ipynb", "a.ipynb"), ("./a//b/./c.ipynb", "a/b/c.ipynb"), ("a/b/", "a/b")],
)
def test_api_paths_are_normalized(path: str, expected: str) -> None:
    assert normalize_api_path(path) == expected


@pytest.mark.parametrize("path", ["", ".", ".//.", None, 7])
def test_empty_paths_are_bad_requests(path: object) -> None:
    with pytest.raises(PathRefused) as refused:
        normalize_api_path(path)
    assert refused.value.status == 400


# -- authentication ------------------------------------------------------------------


@async_test
async def test_requests_without_the_token_are_told_authentication_is_required(
    jp_fetch: Fetch, jp_root_dir: Path
) -> None:
    """Every method, POST and DELETE too: not "'_xsrf' argument missing" (issue 15)."""
    write_code_notebook(jp_root_dir / "fine.ipynb", ["1"])
    anonymous = {"Authorization": ""}
    requests: list[tuple[str, tuple[str, ...], Any, dict[str, str] | None]] = [
        ("GET", ("repro-nb", "version"), None, None),
        ("GET", ("repro-nb", "checks"), None, None),
        ("POST", ("repro-nb", "checks"), {"path": "fine.ipynb"}, None),
        ("GET", ("repro-nb", "checks", "0123abcd"), None, None),
        ("DELETE", ("repro-nb", "checks", "0123abcd"), None, None),
    ]
    for method, parts, body, params in requests:
        for headers in (anonymous, {"Authorization": "token not-the-token"}):
            status, payload = await call(jp_fetch, method, *parts, body=body, params=params, headers=headers)
            assert_error(status, payload, 403, "unauthenticated")
            assert payload["message"].startswith("authentication required"), payload
            assert "xsrf" not in payload["message"].lower(), payload
    status, listing = await call(jp_fetch, "GET", "repro-nb", "checks")
    assert status == 200 and listing == {"checks": []}  # no check was started


@async_test
async def test_cookie_authenticated_post_needs_the_xsrf_token(jp_fetch: Fetch, jp_serverapp: Any) -> None:
    token = jp_serverapp.identity_provider.token
    anonymous = {"Authorization": ""}
    response = await jp_fetch("repro-nb", "version", params={"token": token}, headers=anonymous)
    login = [c.split(";", 1)[0] for c in response.headers.get_list("Set-Cookie") if c.startswith("username-")]
    assert login, "the server set no login cookie"
    cookie = {"Authorization": "", "Cookie": login[0]}

    status, payload = await call(jp_fetch, "GET", "repro-nb", "checks", headers=cookie)
    assert status == 200, payload  # the cookie alone authenticates reads
    for method, parts, body in (
        ("POST", ("repro-nb", "checks"), {"path": "nowhere.ipynb"}),
        ("DELETE", ("repro-nb", "checks", "0123abcd"), None),
    ):
        status, payload = await call(jp_fetch, method, *parts, body=body, headers=cookie)
        assert_error(status, payload, 403, "forbidden")
        assert "xsrf" in payload["message"].lower()
        # with the XSRF token (cookie and header, as JupyterLab sends them) the request
        # gets through to the handler, which answers 404 for these
        with_xsrf = {"Authorization": "", "Cookie": f"{login[0]}; _xsrf=c0ffee", "X-XSRFToken": "c0ffee"}
        status, payload = await call(jp_fetch, method, *parts, body=body, headers=with_xsrf)
        assert_error(status, payload, 404, "not-found")


# -- the manager ---------------------------------------------------------------------


@async_test
async def test_only_the_last_finished_checks_are_kept(tmp_path: Path) -> None:
    true = shutil.which("true")
    assert true
    checks = CheckManager(str(tmp_path), keep_finished=2, python=true)  # exits at once, no report
    started: list[Check] = []
    for index in range(4):
        write_code_notebook(tmp_path / f"n{index}.ipynb", ["1"])
        check = checks.start(resolve_notebook(str(tmp_path), f"n{index}.ipynb"))
        assert check.task is not None
        await check.task
        started.append(check)
    assert [c.state for c in started] == ["failed"] * 4
    assert [c.path for c in checks.list_checks()] == ["n3.ipynb", "n2.ipynb"]


# -- the environment export -----------------------------------------------------------


@async_test
async def test_environment_export_downloads_the_recorded_pins(
    jp_fetch: Fetch, jp_root_dir: Path, drift_dir: Path
) -> None:
    """``GET /repro-nb/environment``: what ``repro-nb env export`` writes, for the panel to save."""
    shutil.copytree(drift_dir, jp_root_dir / "analysis")
    stored = json.loads((jp_root_dir / "analysis" / "drift.ipynb").read_text())
    stored["metadata"]["repro_nb"]["packages"] = {"six": "1.16.0", "iniconfig": "2.0.0"}
    (jp_root_dir / "analysis" / "drift.ipynb").write_text(json.dumps(stored))
    status, payload = await call(
        jp_fetch, "GET", "repro-nb", "environment", params={"path": "analysis/drift.ipynb", "format": "requirements"}
    )
    assert status == 200, payload
    assert (payload["path"], payload["format"], payload["filename"]) == (
        "analysis/drift.ipynb",
        "requirements",
        "drift-requirements.txt",
    )
    assert payload["content"].splitlines()[-2:] == ["iniconfig==2.0.0", "six==1.16.0"]
    assert str(jp_root_dir) not in payload["content"]
    status, payload = await call(
        jp_fetch, "GET", "repro-nb", "environment", params={"path": "analysis/drift.ipynb", "format": "wheelhouse"}
    )
    assert_error(status, payload, 400, "bad-request")
    (jp_root_dir / "broken.ipynb").write_text("{ not json")
    status, payload = await call(jp_fetch, "GET", "repro-nb", "environment", params={"path": "broken.ipynb"})
    assert_error(status, payload, 422, "cannot-export")
    assert payload["message"].startswith("cannot read notebook broken.ipynb")
    status, payload = await call(jp_fetch, "GET", "repro-nb", "environment", params={"path": "../outside.ipynb"})
    assert_error(status, payload, 403, "outside-root")


def test_the_executor_setting_reaches_every_check(tmp_path: Path) -> None:
    """``c.ReproNBServer.executor``: the panel's checks run where the CLI's do."""
    location = NotebookLocation("a b/n.ipynb", "/x/a b/n.ipynb", "/x/n.ipynb")
    check = Check(id="x", path="a b/n.ipynb", real_path="/x/n.ipynb", opened=OpenedNotebook(location, fd=7))
    plain = CheckManager(str(tmp_path))._command(check, "r.json", None)
    assert "--executor" not in plain
    argv = CheckManager(str(tmp_path), executor="dask:tcp://scheduler:8786")._command(check, "r.json", None)
    assert argv[argv.index("--executor") + 1] == "dask:tcp://scheduler:8786"
    assert argv[-2:] == ["--", os.path.join("a b", "n.ipynb")]
