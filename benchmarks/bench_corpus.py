"""Check public notebooks nobody here wrote: verdicts, causes and time, beside nbval and nbmake.

Run:  .venv/bin/pip install -e ".[bench]"     # nbval and nbmake, the tools compared with
      .venv/bin/python benchmarks/bench_corpus.py /work/.mirror [--corpus nbval,whirlwind,pdsh,imlp]
                                                 [--limit N] [--timeout S] [--jobs 2]

MIRROR_DIR holds repository snapshots as the ``fetch`` tool leaves them
(``owner+name/repo``, a git directory without a work tree); each corpus is exported from
its snapshot with ``git archive`` into ``benchmarks/out/corpus/`` (not committed) and
checked there, in the notebooks' own directories, so the data files they read are found.

For every notebook, in one run: ``repro-nb check`` (verdict and the categories of its
causes), ``pytest --nbval`` (does it reproduce its stored outputs, in nbval's sense) and
``pytest --nbmake`` (does it run without error). Where a corpus says what the right
verdict is — nbval's own samples are named ``test-NAME-pass|fail-…``, its other test
notebooks pass in nbval's CI — each tool's verdict is scored. Prints Markdown tables: per
notebook, the right verdicts per tool, the cause categories over the corpus, and the
goals of issue 10.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out" / "corpus"
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Corpus:
    name: str
    mirror: str  # owner+name
    globs: tuple[str, ...]
    #: notebook path (relative to the corpus root) → "pass" / "fail", when known
    expected: Callable[[str], str | None] = lambda _path: None
    #: nbval options this corpus's notebooks are meant to be checked with
    nbval_options: Callable[[str], list[str]] = lambda _path: []


#: Where a corpus's label is not what a reader of the re-run would say, and why. Scored
#: both ways: by the corpus's own labels, and with these.
DISPUTED = {
    "tests/sample_notebook.ipynb": (
        "fail",
        "its figure is 396x278 stored and 576x453 re-run (matplotlib >= 2 draws larger): nbval passes it because "
        "nbval does not compare images unless --nbdime, and its sanitize file masks the size in the text",
    ),
}


def _nbval_expected(path: str) -> str | None:
    name = Path(path).name
    if name.startswith("test-") and name.count("-") >= 3:
        return name.split("-")[2]  # test-NAME-pass|fail-COMMENT.ipynb
    # nbval's CI runs these with --nbval (sample_notebook with its sanitize file): they pass
    return "pass" if path.startswith("tests/") else None


def _nbval_options(path: str) -> list[str]:
    if Path(path).name == "sample_notebook.ipynb":
        return ["--nbval-sanitize-with", "tests/sanitize_defaults.cfg"]
    return []


CORPORA = {
    "nbval": Corpus(
        "nbval",
        "computationalmodelling+nbval",
        ("tests/*.ipynb", "tests/ipynb-test-samples/*.ipynb"),
        _nbval_expected,
        _nbval_options,
    ),
    "whirlwind": Corpus("whirlwind", "jakevdp+WhirlwindTourOfPython", ("*.ipynb",)),
    "pdsh": Corpus("pdsh", "jakevdp+PythonDataScienceHandbook", ("notebooks/*.ipynb",)),
    "imlp": Corpus("imlp", "amueller+introduction_to_ml_with_python", ("*.ipynb",)),
}


@dataclass
class Row:
    corpus: str
    path: str
    expected: str | None
    repro: str = "?"
    categories: list[str] = field(default_factory=list)
    repro_s: float = 0.0
    cells_bad: int = 0
    cells_unknown: int = 0
    stored_errors_reproduced: int = 0
    has_code: bool = True
    nbval: str = "?"
    nbval_s: float = 0.0
    nbmake: str = "?"
    nbmake_s: float = 0.0


def export(corpus: Corpus, mirrors: Path) -> Path:
    """The corpus's files, exported once from its snapshot."""
    target = OUT / corpus.name
    if target.exists():
        return target
    git_dir = mirrors / corpus.mirror / "repo"
    if not git_dir.exists():
        raise SystemExit(
            f"no snapshot of {corpus.mirror} in {mirrors} (fetch github:{corpus.mirror.replace('+', '/')})"
        )
    target.mkdir(parents=True)
    with tempfile.TemporaryFile() as archive:
        made = subprocess.run(
            ["git", "--git-dir", str(git_dir), "archive", "HEAD"],
            stdout=archive,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        if made.returncode == 0:
            archive.seek(0)
            with tarfile.open(fileobj=archive) as tar:
                tar.extractall(target, filter="data")
            return target
    # A snapshot may lack its largest files (listed, not stored): export what it holds
    missing = _export_blobs(git_dir, target)
    print(f"{corpus.name}: {len(missing)} file(s) absent from the snapshot: {', '.join(missing[:5])}", file=sys.stderr)
    return target


def _export_blobs(git_dir: Path, target: Path) -> list[str]:
    """Every file of HEAD that the snapshot stores, written under ``target``; the absent ones' paths."""
    listing = subprocess.run(
        ["git", "--git-dir", str(git_dir), "ls-tree", "-r", "-z", "HEAD"], capture_output=True, check=True
    ).stdout.decode()
    missing = []
    for entry in filter(None, listing.split("\0")):
        meta, path = entry.split("\t", 1)
        _mode, kind, sha = meta.split()
        if kind != "blob" or ".." in Path(path).parts:
            continue
        blob = subprocess.run(["git", "--git-dir", str(git_dir), "cat-file", "blob", sha], capture_output=True)
        if blob.returncode != 0:
            missing.append(path)
            continue
        out = target / path
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(blob.stdout)
    return missing


def check_with_repro_nb(
    root: Path, paths: list[str], rows: dict[str, Row], timeout: float, jobs: int, options: list[str]
) -> None:
    report = root / ".repro-nb-report.json"
    subprocess.run(
        [
            str(BIN / "repro-nb"),
            "check",
            *paths,
            "--json",
            str(report),
            "--timeout",
            str(timeout),
            "--jobs",
            str(jobs),
            "-q",
            *options,
        ],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    document = json.loads(report.read_text())
    for notebook in document["notebooks"]:
        row = rows[notebook["path"]]
        row.repro = notebook["verdict"]
        row.repro_s = notebook["duration_s"]
        bad = [c for c in notebook["cells"] if c["status"] in ("drifted", "failed")]
        row.cells_bad = len(bad)
        row.cells_unknown = sum(1 for c in bad if all(k["category"] == "unknown" for k in c["causes"]))
        row.categories = sorted({k["category"] for c in bad for k in c["causes"]})
        stored = json.loads((root / notebook["path"]).read_text())
        row.has_code = any(
            c.get("cell_type") == "code" and "".join(c.get("source", "")).strip() for c in stored.get("cells", [])
        )
        erred = {
            i
            for i, cell in enumerate(stored.get("cells", []))
            if any(o.get("output_type") == "error" for o in cell.get("outputs", []))
        }
        row.stored_errors_reproduced = sum(
            1 for c in notebook["cells"] if c["index"] in erred and c["status"] == "reproduced"
        )


def check_with_pytest(plugin: str, root: Path, row: Row, options: list[str], timeout: float) -> tuple[str, float]:
    args = [str(BIN / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", row.path]
    if plugin == "nbval":
        args += ["--nbval", "--nbval-current-env", f"--nbval-cell-timeout={int(timeout)}", *options]
    else:
        args += ["--nbmake", f"--nbmake-timeout={int(timeout)}"]
    started = time.perf_counter()
    try:
        done = subprocess.run(
            args,
            cwd=root,
            capture_output=True,
            text=True,
            timeout=timeout * 20,
            check=False,
            env={**os.environ, "PYTEST_ADDOPTS": ""},
        )
        verdict = "pass" if done.returncode == 0 else ("error" if done.returncode in (2, 3, 4) else "fail")
    except subprocess.TimeoutExpired:
        verdict = "timeout"
    return verdict, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("mirrors", type=Path, help="directory of repository snapshots (owner+name/repo)")
    parser.add_argument("--corpus", default="nbval,whirlwind,pdsh,imlp")
    parser.add_argument("--limit", type=int, default=0, help="at most this many notebooks per corpus (0: all)")
    parser.add_argument("--timeout", type=float, default=120, help="seconds per cell (default 120)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--tools", default="repro-nb,nbval,nbmake")
    args = parser.parse_args()
    tools = set(args.tools.split(","))
    rows: list[Row] = []
    started = time.perf_counter()
    for name in args.corpus.split(","):
        corpus = CORPORA[name]
        root = export(corpus, args.mirrors)
        paths = sorted({str(p.relative_to(root)) for g in corpus.globs for p in root.glob(g)})
        if args.limit:
            paths = paths[: args.limit]
        by_path = {p: Row(name, p, corpus.expected(p)) for p in paths}
        if "repro-nb" in tools:
            # the options the corpus is meant to be checked with (nbval's sanitize file):
            # repro-nb reads the same flag, so both tools are configured alike
            groups: dict[tuple[str, ...], list[str]] = {}
            for path in paths:
                groups.setdefault(tuple(corpus.nbval_options(path)), []).append(path)
            for options, group in groups.items():
                check_with_repro_nb(root, group, by_path, args.timeout, args.jobs, list(options))
        for path, row in by_path.items():
            if "nbval" in tools:
                row.nbval, row.nbval_s = check_with_pytest("nbval", root, row, corpus.nbval_options(path), args.timeout)
            if "nbmake" in tools:
                row.nbmake, row.nbmake_s = check_with_pytest("nbmake", root, row, [], args.timeout)
        rows.extend(by_path.values())
        shutil.rmtree(root / ".pytest_cache", ignore_errors=True)
    report(rows, time.perf_counter() - started, args)
    return 0


def _as_pass(verdict: str) -> str:
    return "pass" if verdict in ("reproduced", "pass") else "fail"


def report(rows: list[Row], seconds: float, args: argparse.Namespace) -> None:
    print(f"{len(rows)} notebooks, {seconds / 60:.1f} min in all; --timeout {args.timeout:g} --jobs {args.jobs}")
    print()
    print("| corpus | notebook | right | repro-nb | causes | s | nbval | s | nbmake | s |")
    print("|---|---|---|---|---|---:|---|---:|---|---:|")
    for r in rows:
        print(
            f"| {r.corpus} | {r.path} | {r.expected or ''} | {r.repro} | {', '.join(r.categories)} | "
            f"{r.repro_s:.1f} | {r.nbval} | {r.nbval_s:.1f} | {r.nbmake} | {r.nbmake_s:.1f} |"
        )
    known = [r for r in rows if r.expected]
    if known:
        print()
        print("right verdicts where the corpus says what is right (pass = reproduces its stored outputs):")
        print()
        print("| tool | right (corpus labels) | right (corrected labels) | of |")
        print("|---|---:|---:|---:|")
        for tool, attr in (("repro-nb", "repro"), ("nbval", "nbval"), ("nbmake", "nbmake")):
            right = sum(_as_pass(getattr(r, attr)) == r.expected for r in known)
            corrected = sum(_as_pass(getattr(r, attr)) == DISPUTED.get(r.path, (r.expected,))[0] for r in known)
            print(f"| {tool} | {right} | {corrected} | {len(known)} |")
        for path, (label, why) in DISPUTED.items():
            if any(r.path == path for r in known):
                print(f"\n{path}: labelled pass by the corpus; corrected to {label}: {why}.")
    print()
    print("notebooks per repro-nb verdict, and per cause category (a notebook counts once per category):")
    print()
    verdicts = Counter(r.repro for r in rows)
    print("| corpus | notebooks | " + " | ".join(("reproduced", "drifted", "failed", "error")) + " |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in dict.fromkeys(r.corpus for r in rows):
        mine = Counter(r.repro for r in rows if r.corpus == name)
        print(
            f"| {name} | {sum(mine.values())} | "
            + " | ".join(str(mine[v]) for v in ("reproduced", "drifted", "failed", "error"))
            + " |"
        )
    print(
        f"| all | {len(rows)} | "
        + " | ".join(str(verdicts[v]) for v in ("reproduced", "drifted", "failed", "error"))
        + " |"
    )
    categories = Counter(c for r in rows for c in r.categories)
    print()
    print("| cause category | notebooks |")
    print("|---|---:|")
    for category, count in categories.most_common():
        print(f"| {category} | {count} |")
    bad = sum(r.cells_bad for r in rows)
    unknown = sum(r.cells_unknown for r in rows)
    no_code_errors = [r.path for r in rows if r.repro == "error" and not r.has_code]
    print()
    print(
        f'drifted or failed cells: {bad}; with only an "unknown" cause: {unknown} '
        f"({100 * unknown / bad if bad else 0:.0f} %)"
    )
    print(f"stored error outputs reproduced: {sum(r.stored_errors_reproduced for r in rows)}")
    print(f"notebooks without code: {sum(not r.has_code for r in rows)}; reported as an error: {len(no_code_errors)}")


if __name__ == "__main__":
    sys.exit(main())
