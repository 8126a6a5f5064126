"""The checker the server starts: isolated from the root it checks, and dead with the server.

Issue 15: the checker ran ``python -m repro_nb.cli`` with the server root as working
directory, so a stray ``argparse.py`` there ran inside it; a ``pyproject.toml`` above the
root decided what checks did (``skip = ["*"]`` made them all fail); and a server killed
with SIGKILL left the checker and its kernel running to the end.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
from pytest_jupyter.jupyter_server import *  # noqa: F403 - fixtures: jp_fetch, jp_serverapp, jp_root_dir, …

from repro_nb.server.checks import PARENT_PIPE_ENV, SCRATCH_DIR_ENV

from server_support import (
    Fetch,
    async_test,
    call,
    free_port,
    jp_server_config,  # noqa: F401 - the fixture, replacing pytest-jupyter's
    process_gone,
    wait_check,
    write_code_notebook,
)


def test_the_environment_names_are_those_the_checker_reads() -> None:
    from repro_nb.check import processes

    assert (PARENT_PIPE_ENV, SCRATCH_DIR_ENV) == (processes.PARENT_PIPE_ENV, processes.SCRATCH_DIR_ENV)


# -- isolation -----------------------------------------------------------------------


@async_test
async def test_a_stray_module_in_the_root_does_not_run_in_the_checker(jp_fetch: Fetch, jp_root_dir: Path) -> None:
    marker = jp_root_dir.parent / "argparse-ran"
    # the checker (working directory: the root) imports argparse first thing
    (jp_root_dir / "argparse.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\nraise SystemExit(7)\n")
    # the notebook in a folder of its own: its kernel runs there, where user code belongs
    write_code_notebook(jp_root_dir / "nbs" / "plain.ipynb", ["print(1 + 1)"])
    status, check = await call(jp_fetch, "POST", "repro-nb", "checks", body={"path": "nbs/plain.ipynb"})
    assert status == 202, check
    done = await wait_check(jp_fetch, check["id"], lambda c: c["state"] != "running")
    assert not marker.exists(), "the root's argparse.py ran in the checker"
    assert done["state"] == "done" and done["result"]["verdict"] == "reproduced", done


@async_test
async def test_configuration_comes_from_the_root_and_below_never_above(jp_fetch: Fetch, jp_root_dir: Path) -> None:
    (jp_root_dir.parent / "pyproject.toml").write_text('[tool.repro-nb]\nskip = ["*"]\n')  # above the root
    write_code_notebook(jp_root_dir / "nbs" / "plain.ipynb", ["print(1 + 1)"])
    status, check = await call(jp_fetch, "POST", "repro-nb", "checks", body={"path": "nbs/plain.ipynb"})
    assert status == 202, check
    done = await wait_check(jp_fetch, check["id"], lambda c: c["state"] != "running")
    assert done["state"] == "done" and done["result"]["verdict"] == "reproduced", done

    # inside the root it is the project's configuration, and it counts
    (jp_root_dir / "nbs" / "pyproject.toml").write_text('[tool.repro-nb]\nskip = ["scratch*"]\n')
    write_code_notebook(jp_root_dir / "nbs" / "scratch.ipynb", ["print(2)"])
    status, check = await call(jp_fetch, "POST", "repro-nb", "checks", body={"path": "nbs/scratch.ipynb"})
    assert status == 202, check
    skipped = await wait_check(jp_fetch, check["id"], lambda c: c["state"] != "running")
    assert skipped["state"] == "failed" and "skipped by" in skipped["error"], skipped
    assert str(jp_root_dir) not in skipped["error"].replace(str(jp_root_dir / "nbs" / "pyproject.toml"), "")


# -- the checker dies with the server ------------------------------------------------


def _request(url: str, token: str, method: str = "GET", body: Any = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Authorization": f"token {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


@pytest.fixture
def server_process(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str, str, Path]]:
    """A real ``jupyter server`` in its own process, to be SIGKILLed: (process, URL, token, root)."""
    root, config = tmp_path / "root", tmp_path / "config"
    root.mkdir()
    config.mkdir()
    (config / "jupyter_server_config.json").write_text(
        json.dumps({"ServerApp": {"jpserver_extensions": {"repro_nb": True}}})
    )
    token, port = uuid.uuid4().hex, free_port()
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(config), JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))
    argv = [
        sys.executable,
        "-m",
        "jupyter_server",
        "--no-browser",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        *(["--allow-root"] if os.geteuid() == 0 else []),
    ]
    server = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=open(tmp_path / "server.log", "wb"))  # noqa: SIM115
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if _request(f"{url}/repro-nb/version", token)[0] == 200:
                    break
            except OSError:
                pass
            assert server.poll() is None, (tmp_path / "server.log").read_text()
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        yield server, url, token, root
    finally:
        if server.poll() is None:
            server.kill()
        server.wait()


def test_the_checker_and_its_kernel_die_with_a_sigkilled_server(
    server_process: tuple[subprocess.Popen[bytes], str, str, Path],
) -> None:
    server, url, token, root = server_process
    write_code_notebook(root / "sleep.ipynb", ["import time\ntime.sleep(120)"])
    status, check = _request(f"{url}/repro-nb/checks", token, "POST", {"path": "sleep.ipynb"})
    assert status == 202, check

    deadline = time.monotonic() + 60
    while True:  # the kernel is running the cell
        status, check = _request(f"{url}/repro-nb/checks/{check['id']}", token)
        if check["progress"] == {"cell": 0, "total": 1}:
            break
        assert check["state"] == "running" and time.monotonic() < deadline, check
        time.sleep(0.2)
    [checker] = [p for p in psutil.Process(server.pid).children() if "repro_nb.cli" in p.cmdline()]
    kernels = [p for p in checker.children(recursive=True) if "ipykernel_launcher" in " ".join(p.cmdline())]
    assert kernels, "the checker should have started a kernel"
    arguments = checker.cmdline()
    workdir = os.path.dirname(arguments[arguments.index("--json") + 1])
    assert os.path.isdir(workdir)

    os.kill(server.pid, signal.SIGKILL)
    server.wait()
    pids = [checker.pid] + [kernel.pid for kernel in kernels]
    deadline = time.monotonic() + 10
    while not all(process_gone(pid) for pid in pids):
        assert time.monotonic() < deadline, [pid for pid in pids if not process_gone(pid)]
        time.sleep(0.1)
    assert not os.path.exists(workdir)  # the checker removed its scratch directory
