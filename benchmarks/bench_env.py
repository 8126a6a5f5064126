"""Restoring notebook environments: cold and warm, uv against venv + pip; attribution's cost.

For each example notebook (``notebooks/``: their records pin numpy, pandas, scikit-learn,
matplotlib, scipy, pyarrow…) the recorded environment is restored four ways, each into
an empty environment cache of its own:

- *uv, empty uv cache*: ``UV_CACHE_DIR`` a fresh directory, so every wheel is downloaded;
- *uv, uv cache warm*: the same again with uv's cache from the first (a machine that has
  restored these packages before: what ``repro-nb env restore`` usually costs);
- *warm*: the same pins restored a second time: repro-nb's cache (the lock's hash) answers;
- *venv + pip*: the fallback when uv cannot run (pip's own cache as it is on this machine).

Then the attribution of a notebook whose record differs from this environment in two
packages (six and iniconfig), one of them responsible: probes and seconds, cold (no
environment restored yet, uv cache warm) and warm (every probe's environment cached).

Needs the package index. Prints a table; the results with this command are in
``benchmarks/RESULTS.md``::

    .venv/bin/python benchmarks/bench_env.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from repro_nb.check.env.attribute import EnvOptions, attribute  # noqa: E402
from repro_nb.check.env.export import environment_of  # noqa: E402
from repro_nb.check.env.restore import restore  # noqa: E402
from repro_nb.check.options import CheckOptions  # noqa: E402
from repro_nb.check.pipeline import check_notebook  # noqa: E402

NOTEBOOKS = ["iris_classifier", "sales_analysis", "classic_mistakes"]


def timed_restore(spec: object, envs: str, **kw: object) -> tuple[float, bool]:
    os.environ["REPRO_NB_ENVS"] = envs
    start = time.perf_counter()
    env = restore(spec, **kw)  # type: ignore[arg-type]
    return time.perf_counter() - start, env.cached


def main() -> None:
    scratch = Path(tempfile.mkdtemp(prefix="bench-env-"))
    rows = []
    for name in NOTEBOOKS:
        spec = environment_of(str(ROOT / "notebooks" / f"{name}.ipynb"))
        os.environ["UV_CACHE_DIR"] = str(scratch / f"uv-cache-{name}")
        empty, _ = timed_restore(spec, str(scratch / f"envs-empty-{name}"))
        warm_cache, _ = timed_restore(spec, str(scratch / f"envs-warmcache-{name}"))
        again, cached = timed_restore(spec, str(scratch / f"envs-warmcache-{name}"))
        assert cached
        os.environ.pop("UV_CACHE_DIR")
        pip, _ = timed_restore(spec, str(scratch / f"envs-pip-{name}"), installer="pip")
        rows.append((name, len(spec.pins), empty, warm_cache, again, pip))
        print(f"  {name}: done", file=sys.stderr, flush=True)

    print("| notebook | pins | uv, empty uv cache | uv, uv cache warm | warm (restored before) | venv + pip |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, pins, empty, warm_cache, again, pip in rows:
        print(f"| {name} | {pins} | {empty:.1f} s | {warm_cache:.1f} s | {again:.3f} s | {pip:.1f} s |")

    from support import record_with_older_pins

    os.environ["REPRO_NB_ENVS"] = str(scratch / "envs-attribution")
    notebook = record_with_older_pins(scratch / "env_pins_older_six.ipynb")
    print()
    print("| attribution (six and iniconfig differ, six responsible) | probes | seconds | responsible |")
    print("|---|---:|---:|---|")
    for label in ("cold (no environment restored yet)", "warm (every probe cached)"):
        start = time.perf_counter()
        here = check_notebook(str(notebook))
        result = attribute(str(notebook), here, CheckOptions(), EnvOptions())
        seconds = time.perf_counter() - start
        found = result.attribution or {}
        responsible = ", ".join(c["distribution"] for c in found.get("responsible", []))
        print(f"| {label} | {found.get('probes')} | {seconds:.1f} s | {responsible} |")


if __name__ == "__main__":
    main()
