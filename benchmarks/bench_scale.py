"""Benchmark: checking many notebooks — serial, ``--jobs 2``, ``--dask local:2``, ``--cache``.

The same 40 small notebooks (a few cells each: a data file read, a local module
imported, some arithmetic and NumPy; each with its own data), recorded once by
``repro-nb run``, are checked as whole commands (interpreter start, imports, cluster
start included):

1. ``repro-nb check -q DIR`` (serial), ``--jobs 2`` (two local processes) and
   ``--dask local:2`` (a LocalCluster of two worker processes): notebooks per minute;
2. ``--cache``: a first run that fills the cache (``--jobs 2``), then the same directory
   unchanged (every result from the cache), then with one notebook's data file touched
   (that notebook re-run, 39 from the cache).

Wall time and CPU time (the command and every process it waited for — kernels,
workers — included) are reported: this machine is shared, wall time moves with the
load of other sessions.

    .venv/bin/python benchmarks/bench_scale.py [--notebooks 40] [--repeat 1]

Everything runs in a temporary directory.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

BIN = Path(sys.executable).parent
REPRO_NB = str(BIN / "repro-nb")


def small_notebook(i: int) -> dict[str, object]:
    sources = [
        f"with open('data_{i}/values.txt') as f:\n    values = [float(x) for x in f.read().split()]\nprint(len(values))",
        "import helper\nprint(helper.scale(sum(values)))",
        "import numpy as np\nprint(np.round(np.array(values).std(), 6))",
        f"print(sum(k * k for k in range({1000 + i})))",
    ]
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "cells": [
            {"cell_type": "code", "id": f"c{n}", "metadata": {}, "source": src, "outputs": [], "execution_count": None}
            for n, src in enumerate(sources)
        ],
    }


def record(path: str) -> None:
    subprocess.run([REPRO_NB, "run", path, "--in-place"], check=True, capture_output=True)


def prepare(directory: Path, count: int) -> list[Path]:
    directory.mkdir(parents=True)
    (directory / "helper.py").write_text("def scale(x):\n    return round(x * 1.5, 6)\n")
    paths = []
    for i in range(count):
        data = directory / f"data_{i}"
        data.mkdir()
        (data / "values.txt").write_text("\n".join(str(0.5 * k + i) for k in range(20)) + "\n")
        path = directory / f"nb_{i:03}.ipynb"
        path.write_text(json.dumps(small_notebook(i)))
        paths.append(path)
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(record, map(str, paths)))
    return paths


def timed(argv: list[str], cwd: Path) -> tuple[float, float, str]:  # exit 1: something drifted
    """(wall seconds, CPU seconds of the command and its children, stderr)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} exited {done.returncode}:\n{done.stderr[-3000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), done.stderr


def median_run(argv: list[str], cwd: Path, repeat: int, before: object = None) -> tuple[float, float, str]:
    runs = []
    for _ in range(repeat):
        if callable(before):
            before()
        runs.append(timed(argv, cwd))
        print(f"  {' '.join(argv[1:])}: {runs[-1][0]:.2f} s wall, {runs[-1][1]:.2f} s CPU", file=sys.stderr)
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs), runs[-1][2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    n = args.notebooks
    rows: list[tuple[str, str, float, float, str]] = []
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        base = Path(tmp)
        print(f"recording {n} notebooks…", file=sys.stderr)
        prepare(base / "nbs", n)
        for name, extra in (("serial", []), ("--jobs 2", ["--jobs", "2"]), ("--dask local:2", ["--dask", "local:2"])):
            wall, cpu, _ = median_run([REPRO_NB, "check", "-q", "nbs", *extra], base, args.repeat)
            rows.append((name, f"repro-nb check -q nbs {' '.join(extra)}".strip(), wall, cpu, f"{n / wall * 60:.0f}"))

        cache = [REPRO_NB, "check", "-q", "nbs", "--cache"]
        wall, cpu, _ = median_run(
            [*cache, "--jobs", "2"], base, 1, lambda: shutil.rmtree(base / ".repro-nb-cache", True)
        )
        rows.append(("--cache, first run", "repro-nb check -q nbs --cache --jobs 2", wall, cpu, f"{n / wall * 60:.0f}"))
        wall, cpu, err = median_run(cache, base, max(args.repeat, 3))
        assert f"cache: {n} of {n} result(s) from the cache" in err, err
        rows.append(("--cache, unchanged", "repro-nb check -q nbs --cache", wall, cpu, f"{n / wall * 60:.0f}"))

        touched = base / "nbs" / "data_7" / "values.txt"

        def touch() -> None:
            with touched.open("a") as handle:
                handle.write("\n")  # same numbers, other bytes: the record's hash no longer matches

        wall, cpu, err = median_run(cache, base, args.repeat, touch)
        assert f"cache: {n - 1} of {n} result(s) from the cache, 1 re-run" in err, err
        rows.append(("--cache, one data file touched", "repro-nb check -q nbs --cache", wall, cpu, "—"))

    load = os.getloadavg()
    print(
        f"{os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}; "
        f"load average after the run {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}; "
        f"{n} notebooks, median of {args.repeat} run(s) each (the unchanged cache: of {max(args.repeat, 3)})\n"
    )
    print("| run | command | wall s | CPU s | notebooks / min |")
    print("|---|---|---:|---:|---:|")
    for name, command, wall, cpu, rate in rows:
        print(f"| {name} | `{command}` | {wall:.2f} | {cpu:.2f} | {rate} |")


if __name__ == "__main__":
    main()
