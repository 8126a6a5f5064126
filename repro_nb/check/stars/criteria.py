"""The five stars, each a few criteria judged on the evidence, with the steps to meet each.

The steps name commands and code to write, not principles: "tag the cell that sets the
inputs ``parameters``", "give ``DATA_DIR`` a default". A criterion with no evidence
(no record, no check, no seeds study) is *unknown* and its step is how to get it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

from ...errors import ReproError
from ...format.claims import ClaimError, parse
from .evidence import Evidence, check_path
from .model import STAR_NAMES, Criterion, Star
from .scan import absolute_paths, env_reads_without_default, parameters_cell

_RECORD_STEP = (
    "record a session: run the notebook top to bottom with `%load_ext repro_nb` in its first cell, "
    "or `repro-nb run {nb} --in-place`"
)


def _nb(evidence: Evidence) -> str:
    return os.path.basename(evidence.path)


def _no_record(evidence: Evidence, id_: str, what: str) -> Criterion:
    why = evidence.record_problem or "the notebook has no repro-nb record"
    return Criterion(id_, "readiness", "unknown", f"{what}: unknown, {why}", [_RECORD_STEP.format(nb=_nb(evidence))])


def _cells(indices: Sequence[int]) -> str:
    shown = sorted({i + 1 for i in indices})
    return ("cell " if len(shown) == 1 else "cells ") + ", ".join(map(str, shown))


# ------------------------------------------------------------------ 1 Code


def code(evidence: Evidence) -> list[Criterion]:
    check = evidence.check
    if check is None:
        why = (
            evidence.check_problem
            or f"no check result beside the notebook ({os.path.basename(check_path(evidence.path))})"
        )
        step = f"run `repro-nb report {_nb(evidence)} --check` (it re-runs the notebook in a fresh kernel and keeps the result)"
        return [
            Criterion("runs-headless", "outcome", "unknown", f"not known whether it runs headless: {why}", [step]),
            Criterion("outputs-reproduce", "outcome", "unknown", "not known whether its outputs reproduce", []),
        ]
    verdict = check["verdict"]
    where = evidence.check_source or "the last check"
    if verdict in ("failed", "error"):
        failure = next((c["failure"] for c in check["cells"] if c.get("failure")), None)
        if failure is not None:
            cell = failure["cell_index"]
            what = (
                f"cell {cell + 1} raised {failure['ename']}: {failure['evalue']}"
                if cell is not None
                else failure["evalue"]
            )
        else:
            what = check["message"]
        return [
            Criterion(
                "runs-headless",
                "outcome",
                "unmet",
                f"does not run top to bottom in a fresh kernel ({where}): {what}",
                [f"fix it so that `repro-nb run {_nb(evidence)}` goes through, then `repro-nb report --check` again"],
            ),
            Criterion("outputs-reproduce", "outcome", "unmet", "its outputs cannot reproduce until it runs", []),
        ]
    ran = Criterion(
        "runs-headless",
        "outcome",
        "met",
        f"ran top to bottom in a fresh kernel in {check['duration_s']:.1f} s ({where})",
    )
    if verdict == "reproduced":
        return [ran, Criterion("outputs-reproduce", "outcome", "met", "every output reproduced")]
    drifted = [c for c in check["cells"] if c["status"] == "drifted"]
    if not drifted:  # drift in the data or the environment only: the Data and Environment stars judge it
        return [ran, Criterion("outputs-reproduce", "outcome", "met", f"every output reproduced ({check['message']})")]
    causes = [cause["message"] for c in drifted for cause in c["causes"][:1]]
    text = f"{len(drifted)} cell(s) drifted" + (f": {causes[0]}" if causes else "")
    return [
        ran,
        Criterion(
            "outputs-reproduce",
            "outcome",
            "unmet",
            text,
            [
                f"see `repro-nb check {_nb(evidence)}` for each drifted cell's cause and fix it; tag cells whose "
                "output is meant to change (a time, a progress bar) `repro-skip`"
            ],
        ),
    ]


# ------------------------------------------------------------------ 2 Configuration


def configuration(evidence: Evidence) -> list[Criterion]:
    cells = evidence.nb.cells
    found: list[Criterion] = []
    at = parameters_cell(cells)
    if at is not None:
        found.append(Criterion("parameters-cell", "readiness", "met", f"cell {at + 1} is tagged parameters"))
    else:
        found.append(
            Criterion(
                "parameters-cell",
                "readiness",
                "unmet",
                "no cell is tagged parameters",
                [
                    "move the notebook's inputs (paths, sizes, seeds) into one cell and tag it `parameters` "
                    "(papermill's convention), so a re-run can change them without editing code"
                ],
            )
        )
    found.append(_seeded(evidence))
    paths = absolute_paths(cells)
    if paths:
        found.append(
            Criterion(
                "no-absolute-paths",
                "readiness",
                "unmet",
                f"absolute paths to the author's machine in {_cells([p.cell for p in paths])}: "
                + ", ".join(sorted({p.text for p in paths})[:5]),
                [
                    "make them relative to the notebook (or a parameter): "
                    + ", ".join(sorted({p.text for p in paths})[:3])
                ],
            )
        )
    else:
        found.append(Criterion("no-absolute-paths", "readiness", "met", "no absolute paths to the author's machine"))
    reads = env_reads_without_default(cells)
    if reads:
        names = sorted({r.text for r in reads})
        found.append(
            Criterion(
                "env-vars-defaulted",
                "readiness",
                "unmet",
                f"environment variables read without a default in {_cells([r.cell for r in reads])}: {', '.join(names)}",
                [f"give {name} a default: os.environ.get({name!r}, ...) or make it a parameter" for name in names],
            )
        )
    else:
        found.append(
            Criterion("env-vars-defaulted", "readiness", "met", "no environment variable read without a default")
        )
    return found


def _seeded(evidence: Evidence) -> Criterion:
    record = evidence.record
    if record is None:
        return _no_record(evidence, "rngs-seeded", "whether every RNG used is seeded")
    unseeded = list(record.notebook.get("unseeded_rng", []))
    for cell in record.cells.values():
        unseeded += cell.get("unseeded_rng", [])
    if unseeded:
        libraries = sorted({u["library"] for u in unseeded})
        return Criterion(
            "rngs-seeded",
            "readiness",
            "unmet",
            f"random numbers drawn without a seed from {', '.join(libraries)}",
            [
                "seed every RNG once, at the top: `%repro_seed 0` (or seed each library: random.seed, np.random.default_rng(0), …)"
            ],
        )
    seeds = record.notebook.get("seeds", [])
    libraries = sorted({s["library"] for s in seeds})
    what = f"seeded: {', '.join(libraries)}" if libraries else "no random numbers drawn"
    return Criterion("rngs-seeded", "readiness", "met", what)


# ------------------------------------------------------------------ 3 Data


def _reads(evidence: Evidence) -> dict[str, dict[str, Any]]:
    assert evidence.record is not None
    found: dict[str, dict[str, Any]] = {}
    for cell in evidence.record.cells.values():
        for read in cell.get("reads", []):
            found.setdefault(read["path"], dict(read))
    for entry in evidence.record.notebook.get("data", []):
        found.setdefault(entry["path"], dict(entry))
    return found


def data(evidence: Evidence) -> list[Criterion]:
    if evidence.record is None:
        return [
            _no_record(evidence, "reads-recorded", "which files it reads"),
            Criterion("data-unchanged", "outcome", "unknown", "whether its data is unchanged: unknown", []),
            Criterion("tables-described", "readiness", "unknown", "its tables: unknown", []),
        ]
    reads = _reads(evidence)
    if not reads:
        return [
            Criterion("reads-recorded", "readiness", "met", "reads no data files"),
            Criterion("data-unchanged", "outcome", "met", "no data to change"),
            Criterion("tables-described", "readiness", "met", "no tables read"),
        ]
    unhashed = sorted(p for p, r in reads.items() if not r.get("hash") and r.get("kind") != "directory")
    recorded = (
        Criterion("reads-recorded", "readiness", "met", f"{len(reads)} file(s) read, each recorded with its hash")
        if not unhashed
        else Criterion(
            "reads-recorded",
            "readiness",
            "unmet",
            f"read without a hash: {', '.join(unhashed[:5])}",
            [f"record them: `%repro_data {unhashed[0]}` (a file too large to hash: raise the recorder's size limit)"],
        )
    )
    missing, changed = _drift(evidence, reads)
    if missing or changed:
        parts = ([f"missing now: {', '.join(missing[:5])}"] if missing else []) + (
            [f"changed since recorded: {', '.join(changed[:5])}"] if changed else []
        )
        steps = []
        if missing:
            steps.append(f"ship the data with the notebook or say where to get it: {', '.join(missing[:3])}")
        if changed:
            steps.append("restore the recorded version (or record a new session if the change is meant)")
        unchanged = Criterion("data-unchanged", "outcome", "unmet", "; ".join(parts), steps)
    else:
        unchanged = Criterion("data-unchanged", "outcome", "met", "every file read is present and unchanged")
    broken = [d for d in evidence.descriptions if d.error]
    if broken:
        described = Criterion(
            "tables-described",
            "readiness",
            "unmet",
            "; ".join(d.error or "" for d in broken[:3]),
            [
                "make the tables readable (CSV, Parquet, Feather, Excel) and name the label column: `%repro_data FILE --label COL`"
            ],
        )
    else:
        shown = "; ".join(f"{d.path}: {d.summary()}" for d in evidence.descriptions[:3])
        described = Criterion(
            "tables-described", "readiness", "met", shown or "no tables among the files read (nothing to describe)"
        )
    return [recorded, unchanged, described]


def _drift(evidence: Evidence, reads: dict[str, dict[str, Any]]) -> tuple[list[str], list[str]]:
    from ..evidence import _hash_like

    missing, changed = [], []
    for path, read in sorted(reads.items()):
        absolute = path if os.path.isabs(path) else os.path.join(evidence.base_dir, path)
        if not os.path.exists(absolute):
            missing.append(path)
        elif read.get("hash") and os.path.isfile(absolute):
            now = _hash_like(absolute, read["hash"])
            if now is not None and now != read["hash"]:
                changed.append(path)
    return missing, changed


# ------------------------------------------------------------------ 4 Environment


def environment(evidence: Evidence) -> list[Criterion]:
    record = evidence.record
    if record is None:
        return [
            _no_record(evidence, "versions-recorded", "the versions it imports"),
            Criterion("platform-recorded", "readiness", "unknown", "Python, OS and hardware: unknown", []),
            Criterion("exportable", "readiness", "unknown", "whether its environment exports: unknown", []),
        ]
    packages = record.notebook.get("packages", {})
    unversioned = sorted(name for name, version in packages.items() if not version)
    versions = (
        Criterion(
            "versions-recorded",
            "readiness",
            "met",
            f"{len(packages)} distribution(s) with exact versions"
            if packages
            else "imports no third-party distribution",
        )
        if not unversioned
        else Criterion(
            "versions-recorded",
            "readiness",
            "unmet",
            f"no version recorded for {', '.join(unversioned[:5])}",
            [
                f"install {unversioned[0]} as a distribution (pip install -e . for local code) and record a session again"
            ],
        )
    )
    env: dict[str, Any] = dict(record.notebook.get("environment", {}))
    wanted = {"python": "Python", "platform": "OS", "cpu": "hardware (CPU)"}
    absent = [label for key, label in wanted.items() if not env.get(key)]
    if absent:
        platform = Criterion(
            "platform-recorded",
            "readiness",
            "unmet",
            f"not recorded: {', '.join(absent)}",
            ["record a session with a current repro-nb (the recorder notes Python, OS, CPU and GPUs at load)"],
        )
    else:
        python = env.get("python", {}).get("version", "?")
        system = env.get("platform", {}).get("system", "?")
        cpu = env.get("cpu", {})
        gpus = env.get("gpus", [])
        hardware = f"{cpu.get('model') or cpu.get('machine') or 'CPU'}, {cpu.get('count', '?')} cores" + (
            f", {len(gpus)} GPU(s)" if gpus else ""
        )
        platform = Criterion("platform-recorded", "readiness", "met", f"Python {python} on {system}; {hardware}")
    return [versions, platform, _exportable(evidence)]


def _exportable(evidence: Evidence) -> Criterion:
    from ..env.export import environment_of

    try:
        spec = environment_of(evidence.path, "recorded")
    except ReproError as exc:
        return Criterion(
            "exportable", "readiness", "unmet", f"cannot export: {exc}", ["see `repro-nb env export --help`"]
        )
    restored = evidence.check.get("restored_environment") if evidence.check else None
    how = " and was restored for the last check" if restored else ""
    return Criterion(
        "exportable",
        "readiness",
        "met",
        f"exports as requirements.txt / pylock.toml ({len(spec.pins)} pins){how}: "
        f"`repro-nb env export {_nb(evidence)}`, `repro-nb env restore`",
    )


# ------------------------------------------------------------------ 5 Evaluation


def evaluation(evidence: Evidence) -> list[Criterion]:
    record = evidence.record
    if record is None:
        return [
            _no_record(evidence, "claims-recorded", "its results"),
            Criterion("evaluation-not-fooled", "readiness", "unknown", "its evaluation: unknown", []),
            Criterion(
                "claims-hold-across-seeds", "outcome", "unknown", "whether its claims hold across seeds: unknown", []
            ),
        ]
    # a fooled evaluation first: more seeds of a misleading number do not help
    return [_claims(evidence), _not_fooled(evidence), _across_seeds(evidence)]


def _claims(evidence: Evidence) -> Criterion:
    assert evidence.record is not None
    results = evidence.record.notebook.get("results", [])
    claimed = [r for r in results if r.get("claim")]
    if not claimed:
        what = f"{len(results)} named result(s), none with a claim" if results else "no named results"
        return Criterion(
            "claims-recorded",
            "readiness",
            "unmet",
            what,
            ["store what the notebook concludes: repro_nb.result('accuracy', acc, claim='>= 0.9') (docs/results.md)"],
        )
    problems = []
    for r in claimed:
        try:
            parse(str(r["claim"]))
        except ClaimError as exc:
            problems.append(f"{r['name']}: {exc}")
            continue
        outcome: dict[str, Any] = dict(r.get("claim_outcome") or {})
        if outcome.get("status") == "fails":
            problems.append(f"{r['name']} {r['claim']} fails for the stored value: {outcome.get('message', '')}")
    if problems:
        return Criterion(
            "claims-recorded",
            "readiness",
            "unmet",
            "; ".join(problems[:3]),
            ["fix the claim or the result it is about"],
        )
    names = ", ".join(f"{r['name']} {r['claim']}" for r in claimed[:4])
    return Criterion(
        "claims-recorded", "readiness", "met", f"{len(claimed)} claim(s) hold for the stored values: {names}"
    )


def _across_seeds(evidence: Evidence) -> Criterion:
    study = evidence.seeds
    step = f"run `repro-nb seeds {_nb(evidence)} --seeds 0..9` (one re-run per seed; the study is kept beside the notebook)"
    if study is None:
        why = evidence.seeds_problem or "no seeds study beside the notebook"
        return Criterion(
            "claims-hold-across-seeds", "outcome", "unknown", f"claims across seeds: unknown, {why}", [step]
        )
    claims = [r for r in study["results"] if r.get("claim")]
    failing = [r for r in claims if not r["claim"]["holds_every_seed"]]
    runs = len(study["runs"])
    if not claims:
        return Criterion(
            "claims-hold-across-seeds", "outcome", "unknown", f"the seeds study ({runs} runs) judged no claims", [step]
        )
    if failing:
        return Criterion(
            "claims-hold-across-seeds",
            "outcome",
            "unmet",
            (study["findings"] or [f"{failing[0]['name']} fails for some seeds"])[0],
            [
                "report the claim over seeds (the IQM and its interval from `repro-nb seeds`) instead of one lucky seed, "
                "or weaken it to what holds for every seed"
            ],
        )
    return Criterion(
        "claims-hold-across-seeds",
        "outcome",
        "met",
        f"{len(claims)} claim(s) hold for every one of {runs} seeds ({evidence.seeds_source})",
    )


def _not_fooled(evidence: Evidence) -> Criterion:
    assert evidence.record is not None
    warnings = [
        w for w in evidence.record.notebook.get("warnings", []) if w["kind"] in ("skewed-evaluation", "label-shift")
    ]
    if warnings:
        return Criterion(
            "evaluation-not-fooled",
            "readiness",
            "unmet",
            "; ".join(w["message"] for w in warnings[:2]),
            [
                "report a metric the class balance cannot fool (balanced accuracy, per-class F1) beside the "
                "majority-class baseline, and split the data stratified by the label"
            ],
        )
    metrics = evidence.record.notebook.get("metrics", [])
    skewed_tables = [d.path for d in evidence.descriptions if d.skewed]
    what = (
        f"{len(metrics)} metric(s) recorded, none fooled by the class balance"
        if metrics
        else "no evaluation metric flagged"
    )
    if skewed_tables:
        what += f" (skewed labels in {', '.join(skewed_tables[:3])}: read the metrics with their baselines)"
    return Criterion("evaluation-not-fooled", "readiness", "met", what)


STARS: Sequence[Callable[[Evidence], list[Criterion]]] = (code, configuration, data, environment, evaluation)


def judge(evidence: Evidence) -> list[Star]:
    return [Star(i + 1, STAR_NAMES[i], judge_star(evidence)) for i, judge_star in enumerate(STARS)]
