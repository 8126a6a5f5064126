"""Where the recorder's time goes, cell by cell, inside a real kernel.

Run:  .venv/bin/python benchmarks/bench_recorder_cells.py [--runs 5]

``bench_recorder.py`` measures what a user waits for; this one says which part of it is
the recorder's own work. Each run starts a fresh kernel, loads the extension in a cell
of its own, wraps the recorder's ``begin_cell`` and ``end_cell`` with timers, and runs
the realistic notebook ``bench_recorder.py`` builds. Reported per cell: the median wall
time of each call and the thread CPU time it used (equal when the call never waited),
over ``--runs`` kernels.

The same calls take 4–8× less in a loop in one process: between two cells the kernel's
own work pushes the recorder's code and data out of the CPU caches, so only a
measurement in a working kernel gives the time a session pays.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_recorder import LOAD_LINE, Kernel, make_realistic, warm_up

#: Run after ``%load_ext`` in the first cell: times every later begin_cell/end_cell.
TIMERS = """\
import time as _time
from repro_nb.kernel.registry import current_recorder as _current
_recorder = _current(get_ipython())
_timings = {"begin": [], "end": []}
def _timed(name, call):
    def timed(*args, **kwargs):
        wall, cpu = _time.perf_counter(), _time.thread_time()
        try:
            return call(*args, **kwargs)
        finally:
            _timings[name].append((_time.perf_counter() - wall, _time.thread_time() - cpu))
    return timed
_recorder.begin_cell = _timed("begin", _recorder.begin_cell)
_recorder.end_cell = _timed("end", _recorder.end_cell)
"""


def run_once(workdir: Path, cells: list[str]) -> dict[str, list[tuple[float, float]]]:
    kernel = Kernel.start(workdir)
    try:
        kernel.run("pass")
        kernel.run(LOAD_LINE + TIMERS)
        for code in cells:
            kernel.run(code)
        timings: dict[str, list[tuple[float, float]]] = kernel.evaluate("_timings")
    finally:
        kernel.close()
    # the loading cell's own end_cell (timed: the timers were in place by then) is not the notebook's
    timings["end"] = timings["end"][1:]
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="fresh kernels (default 5)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-recorder-cells-"))
    try:
        cells = make_realistic(workdir)
        warm_up(workdir, [LOAD_LINE + cells[0], *cells[1:]])
        runs = []
        for _ in range(args.runs):
            shutil.rmtree(workdir / "out", ignore_errors=True)
            runs.append(run_once(workdir, cells))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    def median_us(name: str, index: int, part: int) -> float:
        return statistics.median(run[name][index][part] for run in runs) * 1e6

    print(f"recorder's own work per cell, inside a kernel; median of {args.runs} runs; µs (thread CPU µs)")
    print()
    print("| cell | begin_cell | end_cell | code (first line) |")
    print("|---:|---:|---:|---|")
    totals = {"begin": 0.0, "end": 0.0}
    for index, code in enumerate(cells):
        begin, end = median_us("begin", index, 0), median_us("end", index, 0)
        totals["begin"] += begin
        totals["end"] += end
        print(
            f"| {index + 1} | {begin:.0f} ({median_us('begin', index, 1):.0f}) | {end:.0f} "
            f"({median_us('end', index, 1):.0f}) | `{code.splitlines()[0][:48]}` |"
        )
    print()
    print(
        f"sum over the notebook: begin_cell {totals['begin'] / 1000:.1f} ms, end_cell {totals['end'] / 1000:.1f} ms "
        "(`%load_ext` itself, in a cell of its own, is not counted)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
