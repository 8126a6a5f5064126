"""Which part of the recorder costs what: instructions, one part switched on at a time.

Run:  .venv/bin/python benchmarks/bench_recorder_parts.py   (needs valgrind; ~5 minutes)

The realistic notebook of ``bench_recorder.py`` runs in one Python process (its cells
``exec``-ed in turn, after the kernel's own imports) under Valgrind's callgrind, once
per variant: nothing of repro-nb, only the audit hook, only ``import
repro_nb.kernel.extension``, only the seed tracker, only the file-access monitor, the whole
recorder loaded but recording no cell, and the recorder recording every cell. Counts
move by about ±5 M between runs (the kernel's imports start threads); BLAS runs on one
thread and hash randomisation is fixed, for every variant alike.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_recorder import PYCACHE, make_realistic, recorded, warm_up

#: The process callgrind runs: ``python -c RUNNER <variant> <cells.json> <workdir>``.
RUNNER = """
import json, os, sys
import IPython, ipykernel.ipkernel, ipykernel.kernelapp, traitlets, comm  # what a kernel has loaded
variant, cells, workdir = sys.argv[1], json.load(open(sys.argv[2])), sys.argv[3]
os.chdir(workdir)
recorder = None
if variant == "audit hook":
    from repro_nb.kernel import fileaccess
    fileaccess._ensure_hook()
elif variant == "import repro_nb.kernel.extension":
    import repro_nb.kernel.extension
elif variant == "seed tracker":
    from repro_nb.kernel.seeds import SeedTracker
    SeedTracker(lambda event: None).install()
elif variant == "file-access monitor":
    from repro_nb.kernel.fileaccess import AccessMonitor
    AccessMonitor().install_wrappers()
elif variant != "plain":
    from repro_nb.kernel.recorder import Recorder
    recorder = Recorder()
namespace = {}
for number, code in enumerate(cells, 1):
    if variant == "recording every cell":
        recorder.begin_cell(code)
    exec(compile(code, f"<cell {number}>", "exec"), namespace)
    if variant == "recording every cell":
        recorder.end_cell(number)
"""

VARIANTS = (
    "plain",
    "audit hook",
    "import repro_nb.kernel.extension",
    "seed tracker",
    "file-access monitor",
    "loaded, recording no cell",
    "recording every cell",
)


def instructions(variant: str, cells_file: Path, workdir: Path, out: Path) -> int:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(
        PYTHONHASHSEED="0",
        OPENBLAS_NUM_THREADS="1",
        OMP_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
        PYTHONPYCACHEPREFIX=str(PYCACHE),
    )
    shutil.rmtree(workdir / "out", ignore_errors=True)
    subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={out}",
            sys.executable,
            "-c",
            RUNNER,
            variant,
            str(cells_file),
            str(workdir),
        ],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for line in out.read_text().splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    raise RuntimeError(f"no instruction total in {out}")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="variants run at once (default 2)")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        parser.error("needs valgrind (apt-get install valgrind)")
    base = Path(tempfile.mkdtemp(prefix="bench-recorder-parts-"))
    try:
        workdirs = {variant: base / f"work-{i}" for i, variant in enumerate(VARIANTS)}
        cells = []
        for workdir in workdirs.values():  # one folder each: variants write files
            cells = make_realistic(workdir)
        # byte code of the notebook's libraries and of repro-nb cached for every variant alike:
        # a variant that compiled a module from source would count the compiler
        warm_up(base / "work-0", recorded(cells))
        cells_file = base / "cells.json"
        cells_file.write_text(json.dumps(cells))
        with ThreadPoolExecutor(args.jobs) as pool:
            futures = {
                v: pool.submit(instructions, v, cells_file, workdirs[v], base / f"{i}.out")
                for i, v in enumerate(VARIANTS)
            }
            counts = {v: f.result() for v, f in futures.items()}
    finally:
        shutil.rmtree(base, ignore_errors=True)
    plain = counts["plain"]
    print(f"the realistic notebook's {len(cells)} cells in one process under callgrind; instructions")
    print()
    print("| variant | millions | vs plain |")
    print("|---|---:|---:|")
    for variant in VARIANTS:
        extra = "" if variant == "plain" else f"{(counts[variant] - plain) / 1e6:+.1f}"
        print(f"| {variant} | {counts[variant] / 1e6:,.0f} | {extra} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
