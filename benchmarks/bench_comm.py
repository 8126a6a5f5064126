"""What sending each cell's record over the ``repro_nb`` comm costs, as the session grows.

Run:  .venv/bin/python benchmarks/bench_comm.py [--files 0,200,2000] [--cells 200]

One process: a :class:`~repro_nb.kernel.recorder.Recorder` and its comm channel, with a comm
that serialises each message to JSON the way the kernel's session does before sending
it. For each session size the recorder first records a cell that reads ``N`` small
files. A frontend then attaches, and cells that touch nothing are recorded. The
frontend speaks either protocol 1 (the whole notebook record after each cell) or
protocol 2 (only the fields that changed). Reported per cell: the message size, and
the time from ``begin_cell`` to the message being serialised, median of ``--cells``
cells. The frontend's own work, parsing the message and writing it into the
notebook's metadata, grows with the message size too. It is not measured here.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from repro_nb.kernel.channel import CommChannel
from repro_nb.kernel.recorder import Recorder


class SerialisingComm:
    """Stands in for an ipykernel comm: ``send`` serialises the message, as the session does."""

    def __init__(self) -> None:
        self.last_bytes = 0

    def send(self, data: dict[str, Any]) -> None:
        self.last_bytes = len(json.dumps(data).encode())

    def on_msg(self, callback: Any) -> None:
        pass

    def on_close(self, callback: Any) -> None:
        pass


def measure(files: int, protocol: int, cells: int, workdir: Path) -> tuple[int, float]:
    """(bytes per message, median ms per recorded cell) for a session that read ``files`` files."""
    recorder = Recorder(notebook_path=str(workdir / "session.ipynb"), cwd=lambda: str(workdir))
    channel = CommChannel(recorder)
    try:
        recorder.begin_cell("read them all")
        for i in range(files):
            (workdir / f"f{i:05d}.txt").read_bytes()
        recorder.end_cell(1)
        comm = SerialisingComm()
        channel._on_open(comm, {"content": {"data": {"protocol": protocol}}})
        times = []
        for count in range(2, cells + 2):
            started = time.perf_counter()
            recorder.begin_cell("x = 1")
            recorder.end_cell(count)
            times.append(time.perf_counter() - started)
        return comm.last_bytes, statistics.median(times) * 1000
    finally:
        channel.close()
        recorder.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--files", default="0,200,2000", help="session sizes: data files read (default 0,200,2000)")
    parser.add_argument("--cells", type=int, default=200, help="cells timed per size and protocol (default 200)")
    args = parser.parse_args()
    sizes = [int(n) for n in args.files.split(",")]
    workdir = Path(tempfile.mkdtemp(prefix="bench-comm-"))
    cwd = os.getcwd()
    try:
        for i in range(max(sizes)):
            (workdir / f"f{i:05d}.txt").write_text(str(i))
        os.chdir(workdir)
        rows = [(n, protocol, *measure(n, protocol, args.cells, workdir)) for n in sizes for protocol in (1, 2)]
    finally:
        os.chdir(cwd)
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"one recorded cell with the comm open, median of {args.cells} cells; message serialised as JSON")
    print()
    print("| data files in the session | protocol | message bytes | ms per cell |")
    print("|---:|---:|---:|---:|")
    for n, protocol, size, ms in rows:
        print(f"| {n:,} | {protocol} | {size:,} | {ms:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
