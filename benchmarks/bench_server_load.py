"""Benchmark: many check requests against the server stay within its bound (issue 15).

A real ``jupyter server`` (loopback only, its own token, a temporary root) gets
``--requests`` (default 50) check requests for as many small notebooks, sent as fast as
the server answers. While they run, the server's process tree is sampled every 0.2 s:
how many checkers and kernels run, and the resident memory of the whole tree (server
included). The run passes when

- no more checkers ran at once than ``ReproNBServer.max_concurrent_checks`` (and no more
  kernels than checkers);
- every accepted request ended with a result (state ``done``, verdict ``reproduced``)
  and every refused one was a 429 with a message;
- nothing is left running below the server afterwards, and no check directory is left
  in the temporary directory.

The notebooks sleep ``--sleep`` seconds in one cell, so that checks overlap.

    .venv/bin/python benchmarks/bench_server_load.py [--requests 50] [--max-concurrent N]
        [--max-queued 100] [--sleep 0.5] [--max-seconds 900]

Bounded on purpose: at most 200 requests, and the run is abandoned (and everything it
started stopped) after ``--max-seconds``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

MAX_REQUESTS = 200


@dataclass
class Peak:
    checkers: int = 0
    kernels: int = 0
    rss: int = 0
    samples: int = 0
    over_bound: list[str] = field(default_factory=list)


def _request(url: str, token: str, method: str = "GET", body: Any = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Authorization": f"token {token}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def _notebook(path: Path, sleep: float) -> None:
    cell = {
        "cell_type": "code",
        "id": "only",
        "metadata": {},
        "execution_count": 1,
        "source": f"import time\ntime.sleep({sleep})\nprint('ok')",
        "outputs": [{"output_type": "stream", "name": "stdout", "text": "ok\n"}],
    }
    kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {"kernelspec": kernelspec}, "cells": [cell]}
    path.write_text(json.dumps(nb))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _tree(server: psutil.Process) -> tuple[list[psutil.Process], list[psutil.Process], int]:
    """The server's checkers, their kernels, and the RSS of the whole tree.

    Checkers are the server's own children, kernels the checkers' children: a process
    forked to start something else (a checker starting its kernel, a kernel running a
    tool) has its parent's command line until it executes, and is neither.
    """
    try:
        children = {p.pid for p in server.children()}
        descendants = server.children(recursive=True)
        rss = server.memory_info().rss
    except psutil.Error:
        return [], [], 0
    checkers, candidates = [], []
    for process in descendants:
        try:
            command = " ".join(process.cmdline())
            rss += process.memory_info().rss
            parent = process.ppid()
        except psutil.Error:
            continue
        if "repro_nb.cli" in command and process.pid in children:
            checkers.append(process)
        elif "ipykernel_launcher" in command:
            candidates.append((process, parent))
    checker_pids = {p.pid for p in checkers}
    kernels = [process for process, parent in candidates if parent in checker_pids]
    return checkers, kernels, rss


def _sample(server: psutil.Process, bound: int, peak: Peak, stop: threading.Event) -> None:
    while not stop.is_set():
        checkers, kernels, rss = _tree(server)
        peak.samples += 1
        peak.checkers = max(peak.checkers, len(checkers))
        peak.kernels = max(peak.kernels, len(kernels))
        peak.rss = max(peak.rss, rss)
        if len(checkers) > bound or len(kernels) > bound:
            peak.over_bound.append(f"{len(checkers)} checkers, {len(kernels)} kernels")
        stop.wait(0.2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--max-concurrent", type=int, default=None, help="default: the server's (CPU count)")
    parser.add_argument("--max-queued", type=int, default=100)
    parser.add_argument("--sleep", type=float, default=0.5)
    parser.add_argument("--max-seconds", type=float, default=900)
    args = parser.parse_args()
    if not 1 <= args.requests <= MAX_REQUESTS:
        parser.error(f"--requests must be between 1 and {MAX_REQUESTS}")

    with tempfile.TemporaryDirectory(prefix="repro-nb-bench-load-") as scratch:
        base = Path(scratch)
        root, config, tmp = base / "root", base / "config", base / "tmp"
        for folder in (root, config, tmp):
            folder.mkdir()
        (config / "jupyter_server_config.json").write_text(
            json.dumps({"ServerApp": {"jpserver_extensions": {"repro_nb": True}}})
        )
        for index in range(args.requests):
            _notebook(root / f"nb{index:03d}.ipynb", args.sleep)
        token, port = uuid.uuid4().hex, _free_port()
        url = f"http://127.0.0.1:{port}"
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
            f"--ReproNBServer.max_queued_checks={args.max_queued}",
            *([f"--ReproNBServer.max_concurrent_checks={args.max_concurrent}"] if args.max_concurrent else []),
            *(["--allow-root"] if os.geteuid() == 0 else []),
        ]
        env = dict(
            os.environ, JUPYTER_CONFIG_DIR=str(config), JUPYTER_RUNTIME_DIR=str(base / "runtime"), TMPDIR=str(tmp)
        )
        log = open(base / "server.log", "wb")  # noqa: SIM115 - closed in finally
        server = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=log)
        stop = threading.Event()
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if _request(f"{url}/repro-nb/version", token)[0] == 200:
                        break
                except OSError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    print((base / "server.log").read_text(), file=sys.stderr)
                    return 2
                time.sleep(0.2)
            bound = args.max_concurrent or len(os.sched_getaffinity(0))
            peak = Peak()
            sampler = threading.Thread(target=_sample, args=(psutil.Process(server.pid), bound, peak, stop))
            sampler.start()

            start = time.monotonic()
            accepted: list[str] = []
            refused: list[str] = []
            states_at_post: dict[str, int] = {}
            for index in range(args.requests):
                status, answer = _request(f"{url}/repro-nb/checks", token, "POST", {"path": f"nb{index:03d}.ipynb"})
                if status == 202:
                    accepted.append(answer["id"])
                    states_at_post[answer["state"]] = states_at_post.get(answer["state"], 0) + 1
                elif status == 429 and answer.get("message"):
                    refused.append(answer["message"])
                else:
                    print(f"unexpected answer {status}: {answer}", file=sys.stderr)
                    return 1
            posted = time.monotonic() - start

            finished: dict[str, dict[str, Any]] = {}
            while len(finished) < len(accepted):
                if time.monotonic() - start > args.max_seconds:
                    print(f"abandoned after {args.max_seconds:g} s", file=sys.stderr)
                    return 1
                status, listing = _request(f"{url}/repro-nb/checks", token)
                for check in listing["checks"]:
                    if check["state"] not in ("queued", "running"):
                        finished[check["id"]] = check
                time.sleep(0.5)
            wall = time.monotonic() - start
            stop.set()
            sampler.join()

            time.sleep(1.0)
            left = [p.pid for p in psutil.Process(server.pid).children(recursive=True)]
            left_dirs = sorted(p.name for p in tmp.iterdir() if p.name.startswith("repro-nb-check-"))
            results = [finished[check_id] for check_id in accepted]
            good = sum(c["state"] == "done" and c["result"]["verdict"] == "reproduced" for c in results)
        finally:
            stop.set()
            if server.poll() is None:
                server.send_signal(signal.SIGTERM)
                try:
                    server.wait(30)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()
            log.close()

    cpus = len(os.sched_getaffinity(0))
    print(
        f"{args.requests} requests, {args.sleep:g} s per notebook; {cpus} CPUs, {platform.machine()}, "
        f"Python {platform.python_version()}; load average after run: "
        + " / ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    print()
    print("| measure | value |")
    print("|---|---:|")
    print(f"| max_concurrent_checks (the bound) | {bound} |")
    print(f"| accepted (202) / refused (429) | {len(accepted)} / {len(refused)} |")
    print(f"| answered queued at once | {states_at_post.get('queued', 0)} |")
    print(f"| time to send every request, s | {posted:.2f} |")
    print(f"| peak checkers / kernels at once | {peak.checkers} / {peak.kernels} |")
    print(f"| peak RSS of the server's tree, MB | {peak.rss / 2**20:.0f} |")
    print(f"| ended with a result (done, reproduced) | {good} of {len(accepted)} |")
    print(f"| wall time until the last ended, s | {wall:.1f} |")
    print(f"| processes / check directories left | {len(left)} / {len(left_dirs)} |")
    ok = not peak.over_bound and good == len(accepted) and not left and not left_dirs
    print()
    print("within the bound, every request ended, nothing left: " + ("yes" if ok else f"NO {peak.over_bound[:3]}"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
