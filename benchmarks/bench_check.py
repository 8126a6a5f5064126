"""Benchmark: ``repro-nb check`` against a bare papermill run, and ``--jobs 2`` against serial.

Two tables, printed as Markdown:

1. **Overhead of checking.** The same notebooks — the three examples in ``notebooks/``
   and a generated one (many small cells, text, HTML tables) — executed in one process
   by bare papermill (``papermill.execute_notebook`` in a loop, the papermill engine, no
   recorder, nothing compared), and checked in one process by ``repro-nb check`` (the
   ``repro`` engine with the recorder in the kernel, then compare and explain). Both
   are timed as whole commands, interpreter start and imports included, alternating
   A/B so that load from elsewhere hits both alike. Goal (issue 3): ≤ 10 % overhead.
2. **Parallel checking.** ``repro-nb check --jobs 2`` against ``repro-nb check`` on
   8 notebooks (two copies of each of the four, each copy in its own directory).

Wall time is the median of the repetitions; CPU time (user + system of the command and
every process it waited for — the kernels included) is reported too, because this
machine is shared and wall time moves with the load of other sessions.

    .venv/bin/python benchmarks/bench_check.py [--repeat 5] [--jobs-repeat 3] [--cells 120]

Everything runs on copies in a temporary directory; ``notebooks/`` is not touched.
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
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
EXAMPLES = ("classic_mistakes.ipynb", "iris_classifier.ipynb", "sales_analysis.ipynb")
BIN = Path(sys.executable).parent
REPRO_NB = str(BIN / "repro-nb")

#: Bare papermill, one process for all notebooks, as ``repro-nb check`` is one process.
#: An error in a cell stops that notebook (as it does in a check) and the loop goes on.
PAPERMILL_LOOP = """\
import logging, os, sys
import papermill as pm
from papermill.exceptions import PapermillExecutionError
logging.getLogger("papermill").setLevel(logging.WARNING)
for path in sys.argv[1:]:
    try:
        pm.execute_notebook(path, None, kernel_name="python3", progress_bar=False,
                            cwd=os.path.dirname(os.path.abspath(path)))
    except PapermillExecutionError:
        pass
"""


def generated_notebook(cells: int) -> dict[str, object]:
    """Many small cells of the everyday kind: arithmetic, prints, numpy, HTML tables."""
    sources = ["import numpy as np\nimport pandas as pd\nrng = np.random.default_rng(7)"]
    for i in range(1, cells):
        kind = i % 4
        if kind == 0:
            sources.append(f"values_{i} = rng.normal(size=200)\nprint(f'mean {{values_{i}.mean():.6f}}')")
        elif kind == 1:
            sources.append(f"pd.DataFrame(rng.random((8, 4)), columns=list('abcd')).round(4)  # table {i}")
        elif kind == 2:
            sources.append(f"total_{i} = sum(k * k for k in range({i * 100}))\ntotal_{i}")
        else:
            sources.append(f"for step in range(3):\n    print('step', step, 'of cell {i}')")
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "cells": [
            {"cell_type": "code", "id": f"c{i}", "metadata": {}, "source": src, "outputs": [], "execution_count": None}
            for i, src in enumerate(sources)
        ],
    }


def prepare(workdir: Path, cells: int) -> list[Path]:
    """Copies of the examples (with their data) and a generated notebook, executed and
    recorded once with ``repro-nb run --in-place`` so they hold outputs to compare."""
    workdir.mkdir(parents=True)
    shutil.copytree(NOTEBOOKS / "data", workdir / "data")
    for name in ("scratch", "results"):
        (workdir / name).mkdir()
    paths = []
    for name in EXAMPLES:
        shutil.copy2(NOTEBOOKS / name, workdir / name)
        paths.append(workdir / name)
    generated = workdir / f"generated_{cells}_cells.ipynb"
    generated.write_text(json.dumps(generated_notebook(cells)))
    subprocess.run([REPRO_NB, "run", str(generated), "--in-place"], check=True, capture_output=True)
    paths.append(generated)
    return paths


def timed(argv: Sequence[str], cwd: Path, expect: Sequence[int] = (0, 1)) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the command and the processes it waited for)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(list(argv), cwd=cwd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in expect:
        raise SystemExit(f"{' '.join(argv)} exited {done.returncode}:\n{done.stderr[-2000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def alternate(commands: dict[str, list[str]], cwd: Path, repeat: int) -> dict[str, list[tuple[float, float]]]:
    """Run each command ``repeat`` times, interleaved, after one untimed warm-up each."""
    for argv in commands.values():
        timed(argv, cwd)
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for rep in range(repeat):
        order = list(commands) if rep % 2 == 0 else list(reversed(commands))
        for name in order:
            samples[name].append(timed(commands[name], cwd))
            print(
                f"  {name} #{rep + 1}: {samples[name][-1][0]:.2f} s wall, {samples[name][-1][1]:.2f} s CPU",
                file=sys.stderr,
            )
    return samples


def medians(samples: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)


def table(rows: list[tuple[str, str, tuple[float, float], str]]) -> str:
    lines = ["| run | command | wall s (median) | CPU s (median) | vs. baseline |", "|---|---|---:|---:|---|"]
    for name, command, (wall, cpu), relative in rows:
        lines.append(f"| {name} | `{command}` | {wall:.2f} | {cpu:.2f} | {relative} |")
    return "\n".join(lines)


def percent(value: float, base: float) -> str:
    return f"{(value / base - 1) * 100:+.1f} %"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each command in table 1")
    parser.add_argument("--jobs-repeat", type=int, default=3, help="timed runs of each command in table 2")
    parser.add_argument("--cells", type=int, default=120, help="code cells of the generated notebook")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-check-") as tmp:
        base = Path(tmp)
        print("preparing notebooks…", file=sys.stderr)
        paths = prepare(base / "one", args.cells)
        names = [p.name for p in paths]
        for copy in ("a", "b"):
            shutil.copytree(base / "one", base / "eight" / copy)

        print("table 1: papermill vs repro-nb check", file=sys.stderr)
        commands = {
            "papermill": [sys.executable, "-c", PAPERMILL_LOOP, *names],
            "repro-nb check": [REPRO_NB, "check", "-q", *names],
        }
        overhead = alternate(commands, base / "one", args.repeat)

        print("table 2: --jobs 2 vs serial on 8 notebooks", file=sys.stderr)
        parallel = alternate(
            {
                "serial": [REPRO_NB, "check", "-q", "eight"],
                "--jobs 2": [REPRO_NB, "check", "-q", "--jobs", "2", "eight"],
            },
            base,
            args.jobs_repeat,
        )

    pm_wall, pm_cpu = medians(overhead["papermill"])
    ck_wall, ck_cpu = medians(overhead["repro-nb check"])
    serial = medians(parallel["serial"])
    jobs = medians(parallel["--jobs 2"])
    load = os.getloadavg()
    print(
        f"{os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}; "
        f"load average after the run {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}\n"
    )
    print(
        f"Table 1 — {len(names)} notebooks ({', '.join(names)}), one process each, "
        f"median of {args.repeat} alternating runs after one warm-up each\n"
    )
    print(
        table(
            [
                ("bare papermill", "python -c <papermill.execute_notebook loop> NB…", (pm_wall, pm_cpu), "baseline"),
                (
                    "repro-nb check",
                    "repro-nb check -q NB…",
                    (ck_wall, ck_cpu),
                    f"wall {percent(ck_wall, pm_wall)}, CPU {percent(ck_cpu, pm_cpu)}",
                ),
            ]
        )
    )
    verdict = "meets" if ck_wall <= pm_wall * 1.10 else "misses"
    print(
        f"\nOverhead of checking: {percent(ck_wall, pm_wall)} wall time ({verdict} the ≤ 10 % goal), "
        f"{percent(ck_cpu, pm_cpu)} CPU time.\n"
    )
    print(
        f"Table 2 — 8 notebooks (2 copies of the 4 above, each in its own directory), "
        f"median of {args.jobs_repeat} alternating runs after one warm-up each\n"
    )
    print(
        table(
            [
                ("serial", "repro-nb check -q eight/", serial, "baseline"),
                (
                    "--jobs 2",
                    "repro-nb check -q --jobs 2 eight/",
                    jobs,
                    f"wall {percent(jobs[0], serial[0])} (speed-up {serial[0] / jobs[0]:.2f}×), CPU {percent(jobs[1], serial[1])}",
                ),
            ]
        )
    )


if __name__ == "__main__":
    main()
