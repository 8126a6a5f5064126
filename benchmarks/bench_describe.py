"""Describing a large CSV in the checker: repro-nb's streaming description against pandas.

Generates a CSV of about ``--size`` MB (default 1024: 1 GB) with an integer id, four
float features (1 % missing), a text category and a skewed binary label (10 % class 1),
then times, each in a fresh process so that its peak memory is its own:

- *repro-nb*: ``repro_nb.check.describe.describe_table`` (pyarrow's streaming CSV reader,
  16 MB blocks: rows, types, missing values, the label's class balance);
- *pandas*: ``pandas.read_csv`` and then the same facts from the frame
  (``dtypes``, ``isna().sum()``, ``value_counts()``) — what a user would write;
- *pandas-pyarrow*: the same with ``engine="pyarrow"``.

Prints seconds and peak resident memory per method; the file is generated once into
``--dir`` (default: a temporary directory, removed afterwards unless ``--keep``)::

    .venv/bin/python benchmarks/bench_describe.py --size 1024
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROWS_PER_CHUNK = 500_000

MEASURE = {
    "repro-nb": """
from repro_nb.check.describe import describe_table
d = describe_table(PATH)
assert d.error is None, d.error
facts = (d.rows, d.columns, sum(d.missing.values()), d.class_balance)
""",
    "pandas": """
import pandas as pd
frame = pd.read_csv(PATH)
facts = (len(frame), len(frame.columns), int(frame.isna().sum().sum()),
         {str(k): int(v) for k, v in frame["label"].value_counts().items()}, dict(frame.dtypes.astype(str)))
""",
    "pandas-pyarrow": """
import pandas as pd
frame = pd.read_csv(PATH, engine="pyarrow")
facts = (len(frame), len(frame.columns), int(frame.isna().sum().sum()),
         {str(k): int(v) for k, v in frame["label"].value_counts().items()}, dict(frame.dtypes.astype(str)))
""",
}

CHILD = """
import json, resource, sys, time
PATH = sys.argv[1]
start = time.perf_counter()
exec(compile(sys.argv[2], "<measure>", "exec"))
seconds = time.perf_counter() - start
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "facts": repr(facts[:4])}))
"""


def generate(path: Path, size_mb: int) -> tuple[int, float]:
    """Write about ``size_mb`` MB of CSV; return (rows, seconds)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    rng = np.random.default_rng(0)
    target = size_mb * 1024 * 1024
    start = time.perf_counter()
    rows = 0
    categories = np.array(["alpha", "beta", "gamma", "delta", "epsilon"])
    schema = pa.schema(
        [("id", pa.int64())]
        + [(f"f{i}", pa.float64()) for i in range(4)]
        + [("category", pa.string()), ("label", pa.int64())]
    )
    with pa.OSFile(str(path), "wb") as sink, pacsv.CSVWriter(sink, schema) as writer:
        while sink.tell() < target:
            n = ROWS_PER_CHUNK
            columns = [pa.array(np.arange(rows, rows + n))]
            for _ in range(4):
                values = np.round(rng.normal(0, 10, n), 4)
                columns.append(pa.array(values, mask=rng.random(n) < 0.01))
            columns.append(pa.array(categories[rng.integers(0, 5, n)]))
            columns.append(pa.array((rng.random(n) < 0.1).astype(np.int64)))
            writer.write_table(pa.Table.from_arrays(columns, schema=schema))
            rows += n
    return rows, time.perf_counter() - start


def measure(method: str, path: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), MEASURE[method]],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        return {"seconds": None, "peak_mb": None, "facts": done.stderr.strip().splitlines()[-1:]}
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1024, help="CSV size in MB (default 1024)")
    parser.add_argument("--dir", help="where to generate the CSV (default: a temporary directory)")
    parser.add_argument("--keep", action="store_true", help="keep the generated CSV")
    parser.add_argument(
        "--methods", default=",".join(MEASURE), help=f"comma-separated, of: {', '.join(MEASURE)} (default all)"
    )
    args = parser.parse_args()
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    unknown = [m for m in methods if m not in MEASURE]
    if unknown:
        parser.error(f"unknown methods: {', '.join(unknown)}")
    directory = Path(args.dir or tempfile.mkdtemp(prefix="bench-describe-"))
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"table-{args.size}mb.csv"
    try:
        if path.exists():
            print(f"reusing {path}")
        else:
            rows, seconds = generate(path, args.size)
            print(f"generated {path}: {rows:,} rows in {seconds:.1f} s")
        size = path.stat().st_size
        print(f"{size / 2**20:,.0f} MB; Python {sys.version.split()[0]}; {os.cpu_count()} CPUs")
        print(f"{'method':26s} {'seconds':>8s} {'MB/s':>7s} {'peak RSS MB':>12s}  facts")
        for method in methods:
            result = measure(method, path)
            seconds = result["seconds"]
            if not isinstance(seconds, float):
                print(f"{method:26s} {'failed':>8s}  {result['facts']}")
                continue
            rate = size / 2**20 / seconds
            print(f"{method:26s} {seconds:8.2f} {rate:7.0f} {result['peak_mb']:12,.0f}  {result['facts']}")
    finally:
        if not args.keep and not args.dir:
            path.unlink(missing_ok=True)
            directory.rmdir()


if __name__ == "__main__":
    main()
