"""Every process a run starts ends with it; no temporary file outlives it (issue 15).

A notebook cell can start processes of its own — one that calls ``setsid`` (its own
session and process group, so killing the kernel's group misses it), or a daemon whose
parent exits at once (reparented away from the kernel). ``repro-nb run`` and ``check``
track the kernel's whole process tree and end it with the run: on success, on failure,
and when the CLI is told to stop (SIGTERM). The kernel's sockets and connection file live
in one private directory, removed on every one of these paths; one left by a CLI that was
SIGKILLed (nothing runs then) is swept by the next run.

Real processes and real signals; each test runs the CLI with a private ``TMPDIR`` and
``JUPYTER_RUNTIME_DIR`` so that "nothing left" can be checked exactly.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from support import process_gone, write_code_notebook

REPRO_NB = str(Path(sys.executable).with_name("repro-nb"))

#: A cell that starts a process in its own session and a daemon (its parent exits at
#: once), writes their pids and the kernel's, and then works for a while.
SPAWNS = (
    "import os, subprocess, time\n"
    "own_session = subprocess.Popen(['sleep', '300'], start_new_session=True)\n"
    "daemon = subprocess.run(['sh', '-c', 'setsid sleep 301 > /dev/null 2>&1 & echo $!'],\n"
    "                        capture_output=True, text=True).stdout.strip()\n"
    "open('pids.tmp', 'w').write(f'{os.getpid()} {own_session.pid} {daemon}')\n"
    "os.replace('pids.tmp', 'pids')\n"
)


@pytest.fixture
def private(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A private TMPDIR and runtime directory for the CLI; any process a test leaves is killed."""
    tmp, runtime = tmp_path / "tmp", tmp_path / "runtime"
    tmp.mkdir()
    runtime.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp), "JUPYTER_RUNTIME_DIR": str(runtime)}
    found: dict[str, Any] = {"env": env, "tmp": tmp, "runtime": runtime, "pids": []}
    yield found
    for pid in found["pids"]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def read_pids(folder: Path, private: dict[str, Any], process: subprocess.Popen[Any], timeout: float = 90) -> list[int]:
    marker = folder / "pids"
    deadline = time.monotonic() + timeout
    while not marker.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the cell never ran"
        time.sleep(0.1)
    pids = [int(p) for p in marker.read_text().split()]
    private["pids"].extend(pids)
    return pids


def assert_all_gone(pids: list[int], timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not all(process_gone(pid) for pid in pids):
        if time.monotonic() > deadline:
            alive = {pid: psutil.Process(pid).cmdline() for pid in pids if not process_gone(pid)}
            pytest.fail(f"left running: {alive}")
        time.sleep(0.1)


def leftovers(private: dict[str, Any]) -> list[str]:
    return sorted(str(p) for folder in (private["tmp"], private["runtime"]) for p in folder.rglob("*"))


@pytest.mark.parametrize("command", ["run", "check"])
def test_processes_a_cell_started_end_with_the_run(command: str, tmp_path: Path, private: dict[str, Any]) -> None:
    folder = tmp_path / "nb"
    path = write_code_notebook(folder / "spawns.ipynb", [SPAWNS + "print('done')"])
    process = subprocess.Popen(
        [REPRO_NB, command, str(path)], env=private["env"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    out, err = process.communicate(timeout=180)
    assert process.returncode in (0, 1), out + err
    pids = read_pids(folder, private, process)
    assert_all_gone(pids)
    assert leftovers(private) == []


@pytest.mark.parametrize("command", ["run", "check"])
def test_sigterm_leaves_no_process_and_no_temporary_file(command: str, tmp_path: Path, private: dict[str, Any]) -> None:
    folder = tmp_path / "nb"
    path = write_code_notebook(folder / "slow.ipynb", [SPAWNS + "time.sleep(120)", "print('never')"])
    before = path.read_bytes()
    argv = [REPRO_NB, command, str(path)] + (["--in-place"] if command == "run" else [])
    process = subprocess.Popen(argv, env=private["env"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    pids = read_pids(folder, private, process)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM, out + err
    assert "terminated" in err and "Traceback" not in err, err
    assert_all_gone(pids)
    assert leftovers(private) == []
    assert path.read_bytes() == before  # nothing half-run written over the notebook
    assert sorted(p.name for p in folder.iterdir()) == ["pids", "slow.ipynb"]


def test_what_a_sigkilled_cli_left_is_swept_by_the_next_run(tmp_path: Path, private: dict[str, Any]) -> None:
    folder = tmp_path / "nb"
    path = write_code_notebook(
        folder / "slow.ipynb", ["import os, time\nopen('pids', 'w').write(str(os.getpid()))\ntime.sleep(120)"]
    )
    process = subprocess.Popen(
        [REPRO_NB, "check", str(path)], env=private["env"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    pids = read_pids(folder, private, process)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert_all_gone(pids, timeout=20)  # the kernel notices its parent is gone
    assert leftovers(private), "a SIGKILLed CLI cannot clean up: something should be left to sweep"

    quick = write_code_notebook(folder / "quick.ipynb", ["print(1)"])
    done = subprocess.run(
        [REPRO_NB, "check", str(quick)], env=private["env"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode in (0, 1), done.stdout + done.stderr
    assert leftovers(private) == []


def test_the_kernel_files_live_in_one_private_directory(tmp_path: Path, private: dict[str, Any]) -> None:
    """Sockets and connection file together, in a directory named after the CLI's pid."""
    folder = tmp_path / "nb"
    path = write_code_notebook(
        folder / "where.ipynb",
        [
            "import json, os, sys\n"
            "from ipykernel.connect import get_connection_file\n"
            "info = {'file': get_connection_file(), 'ppid': os.getppid()}\n"
            "open('where.json', 'w').write(json.dumps(info))\n"
            "print('ok')"
        ],
    )
    done = subprocess.run([REPRO_NB, "run", str(path)], env=private["env"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    info = json.loads((folder / "where.json").read_text())
    directory = Path(info["file"]).parent
    assert directory.parent == private["tmp"], info
    assert directory.name.startswith(f"rnb-{info['ppid']}-"), info
    assert leftovers(private) == []
