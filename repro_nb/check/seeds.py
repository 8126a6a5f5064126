"""``repro-nb seeds NB --seeds 0..9``: do the notebook's claims survive other seeds?

Technical reproducibility asks whether the same seed gives the same numbers; scientific
reproducibility whether *other* seeds give the same conclusions. This re-runs the
notebook once per seed in a fresh kernel with the recorder, the seed reaching every RNG
through the recorder's ``%repro_seed`` mechanism (``REPRO_NB_SEED``: seeded at load,
replacing the seed ``%repro_seed`` is given, and in ``REPRO_SEED`` for code that passes
seeds on), and, when the notebook has a papermill ``parameters`` cell assigning a seed
variable, as that parameter too. It collects the named results (``repro_nb.result``)
of each run and reports, per result: the values, mean, standard deviation, interquartile
mean with its stratified-bootstrap 95 % interval (:mod:`.statistics`), min and max,
whether the stored value lies inside that spread, and whether each claim holds for
every seed and for the interval. A claim that holds for the stored value only is the
headline finding.

Pipeline: read the notebook and its stored results → one run per seed (``jobs`` at a
time, each in its own process and kernel; collected in seed order, so a parallel run
reports exactly what a serial one does) → per-result statistics and claims → findings.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import ReproError
from ..format.claims import Claim, ClaimError, as_number, evaluate, evaluate_interval, parse
from ..format.files import read_notebook
from ..format.record import read_record
from .statistics import Spread, spread

SEED_ENV = "REPRO_NB_SEED"
#: Variables of a ``parameters`` cell that are taken to be the notebook's seed.
SEED_PARAMETERS = ("seed", "SEED", "random_seed", "RANDOM_SEED", "random_state", "RANDOM_STATE")
_MAX_SEEDS = 1000


class SeedsError(ReproError):
    """Bad ``--seeds``, or a notebook that cannot be studied (no results to compare)."""


def parse_seeds(text: str) -> tuple[int, ...]:
    """``0..9`` (inclusive), ``0-9``, ``1,2,5``, or a mix: ``0..4,10``."""
    seeds: list[int] = []
    for part in (p.strip() for p in str(text).split(",")):
        if not part:
            continue
        match = re.fullmatch(r"(\d+)\s*(?:\.\.|-)\s*(\d+)", part)
        if match:
            first, last = int(match.group(1)), int(match.group(2))
            if last < first:
                raise SeedsError(f"--seeds {text!r}: the range {part} goes down; write {last}..{first}")
            seeds.extend(range(first, last + 1))
        elif part.isdigit():
            seeds.append(int(part))
        else:
            raise SeedsError(f"--seeds {text!r}: {part!r} is not a seed; write a range (0..9) or a list (1,2,5)")
        if len(seeds) > _MAX_SEEDS:
            raise SeedsError(f"--seeds {text!r}: more than {_MAX_SEEDS} seeds")
    unique = tuple(dict.fromkeys(seeds))
    if len(unique) < 2:
        raise SeedsError(f"--seeds {text!r}: give at least two seeds (e.g. 0..9)")
    if any(seed >= 2**32 for seed in unique):
        raise SeedsError(f"--seeds {text!r}: seeds must be below 2**32")
    return unique


@dataclass(frozen=True)
class SeedsOptions:
    """Picklable: the same options reach every ``--jobs`` worker."""

    seeds: tuple[int, ...] = tuple(range(10))
    timeout: float | None = 600.0
    startup_timeout: float = 60.0
    kernel_name: str | None = None


@dataclass
class SeedRun:
    """One re-run: its seed, how it ended, and the named results it recorded."""

    seed: int
    status: str
    results: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    duration_s: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "status": self.status,
            "results": dict(self.results),
            "error": self.error,
            "duration_s": round(self.duration_s, 3),
        }


@dataclass
class ClaimAcrossSeeds:
    claim: str
    stored: str | None
    """The claim's outcome for the stored value (``holds``, ``fails``, ``undecided``)."""
    per_seed: dict[int, str]
    """Each seed's outcome."""
    interval: str | None
    interval_message: str | None
    holds_every_seed: bool

    @property
    def failing_seeds(self) -> list[int]:
        return [seed for seed, status in self.per_seed.items() if status != "holds"]

    def to_json(self) -> dict[str, Any]:
        return {
            "claim": self.claim,
            "stored": self.stored,
            "per_seed": {str(k): v for k, v in self.per_seed.items()},
            "holds_every_seed": self.holds_every_seed,
            "interval": self.interval,
            "interval_message": self.interval_message,
        }


@dataclass
class ResultAcrossSeeds:
    name: str
    values: dict[int, float]
    stored: float | None
    spread: Spread | None
    stored_inside: bool | None
    claim: ClaimAcrossSeeds | None = None

    @property
    def constant(self) -> bool:
        return len(self.values) > 1 and len(set(self.values.values())) == 1

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "values": {str(k): v for k, v in self.values.items()},
            "stored": self.stored,
            "spread": self.spread.to_json() if self.spread else None,
            "stored_inside": self.stored_inside,
            "constant": self.constant,
            "claim": self.claim.to_json() if self.claim else None,
        }


@dataclass
class SeedStudy:
    path: str
    seeds: tuple[int, ...]
    seed_parameter: str | None
    runs: list[SeedRun]
    results: list[ResultAcrossSeeds]
    findings: list[str]
    duration_s: float = 0.0
    jobs: int = 1

    @property
    def exit_code(self) -> int:
        """0: every run went through and every claim holds for every seed; 1 otherwise."""
        if any(run.status != "ok" for run in self.runs):
            return 1
        return 1 if any(r.claim is not None and not r.claim.holds_every_seed for r in self.results) else 0

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "seeds": list(self.seeds),
            "seed_parameter": self.seed_parameter,
            "jobs": self.jobs,
            "duration_s": round(self.duration_s, 3),
            "runs": [run.to_json() for run in self.runs],
            "results": [r.to_json() for r in self.results],
            "findings": list(self.findings),
        }


def seed_parameter(nb: Any) -> str | None:
    """The seed variable a papermill ``parameters`` cell assigns, if it assigns one."""
    for cell in nb.get("cells", []):
        if "parameters" not in (cell.get("metadata", {}).get("tags") or []):
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        for name in SEED_PARAMETERS:
            if re.search(rf"^\s*{re.escape(name)}\s*(?::[^=]*)?=", source, flags=re.MULTILINE):
                return name
    return None


def run_seed(path: str, seed: int, options: SeedsOptions, parameter: str | None) -> SeedRun:
    """Execute ``path`` once with ``seed``; the named results its record holds (top level, picklable)."""
    from .run import run_notebook

    start = time.perf_counter()
    try:
        run = run_notebook(
            path,
            parameters={parameter: seed} if parameter else None,
            kernel_name=options.kernel_name,
            timeout=options.timeout,
            startup_timeout=options.startup_timeout,
            stop_on_error=True,
            kernel_env={SEED_ENV: str(seed)},
        )
    except Exception as exc:  # noqa: BLE001 - one broken run is this seed's outcome, not the study's end
        return SeedRun(seed, "error", error=f"{type(exc).__name__}: {exc}", duration_s=time.perf_counter() - start)
    try:
        record = read_record(run.nb)
    except ReproError as exc:
        return SeedRun(seed, "error", error=str(exc), duration_s=time.perf_counter() - start)
    results = {r["name"]: r["value"] for r in record.notebook.get("results", [])} if record else {}
    error = None
    if run.failure:
        where = f"cell {run.failure.cell_index + 1}" if run.failure.cell_index is not None else "start-up"
        error = f"{run.status} in {where}: {run.failure.ename}: {run.failure.evalue}"
    return SeedRun(seed, run.status, results, error, time.perf_counter() - start)


def run_seeds(
    path: str,
    options: SeedsOptions,
    parameter: str | None,
    jobs: int = 1,
    on_run: Callable[[SeedRun], None] | None = None,
) -> list[SeedRun]:
    """One run per seed, ``jobs`` at a time; returned in the order of ``options.seeds``."""
    if jobs <= 1:
        runs = []
        for seed in options.seeds:
            run = run_seed(path, seed, options, parameter)
            if on_run:
                on_run(run)
            runs.append(run)
        return runs
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from .parallel import _pool_context

    ordered: dict[int, SeedRun] = {}
    with ProcessPoolExecutor(max_workers=jobs, mp_context=_pool_context()) as pool:
        futures = {pool.submit(run_seed, path, seed, options, parameter): seed for seed in options.seeds}
        for future in as_completed(futures):
            seed = futures[future]
            try:
                run = future.result()
            except Exception as exc:  # noqa: BLE001 - a crashed worker is this seed's failure
                run = SeedRun(seed, "error", error=f"worker crashed: {exc!r}")
            ordered[seed] = run
            if on_run:
                on_run(run)
    return [ordered[seed] for seed in options.seeds]


def study(
    path: str, options: SeedsOptions | None = None, jobs: int = 1, on_run: Callable[[SeedRun], None] | None = None
) -> SeedStudy:
    """Re-run ``path`` once per seed and judge its named results and claims across them."""
    opts = options or SeedsOptions()
    start = time.perf_counter()
    nb = read_notebook(path)
    record = read_record(nb, path)
    stored = {r["name"]: r for r in record.notebook.get("results", [])} if record else {}
    if not stored and not _calls_result(nb):
        raise SeedsError(
            f"{path} records no named results and its code never calls repro_nb.result: store what the "
            "notebook claims with repro_nb.result(name, value, claim=...) (docs/results.md)"
        )
    parameter = seed_parameter(nb)
    runs = run_seeds(path, opts, parameter, jobs=jobs, on_run=on_run)
    ok = [run for run in runs if run.status == "ok"]
    if not stored and not any(run.results for run in ok):
        problems = "; ".join(f"seed {r.seed}: {r.error}" for r in runs if r.error)[:500]
        raise SeedsError(
            f"{path} records no named results"
            + (f" (and its runs failed: {problems})" if problems else "")
            + ": store what the notebook claims with repro_nb.result(name, value, claim=...) (docs/results.md)"
        )
    results = judge(stored, ok)
    study_ = SeedStudy(
        path=path,
        seeds=opts.seeds,
        seed_parameter=parameter,
        runs=runs,
        results=results,
        findings=[],
        duration_s=time.perf_counter() - start,
        jobs=jobs,
    )
    study_.findings = findings(study_)
    return study_


def _calls_result(nb: Any) -> bool:
    """Whether any code cell mentions ``result(`` (so re-runs may record results the stored record lacks)."""
    for cell in nb.get("cells", []):
        source = cell.get("source", "")
        if cell.get("cell_type") == "code" and "result(" in ("".join(source) if isinstance(source, list) else source):
            return True
    return False


def judge(stored: dict[str, Any], runs: Sequence[SeedRun]) -> list[ResultAcrossSeeds]:
    """Per named result (scalars only): its spread across the runs and its claim."""
    names = list(stored) + [n for run in runs for n in run.results if n not in stored]
    names = list(dict.fromkeys(names))
    judged = []
    for name in names:
        values = {run.seed: number for run in runs if (number := as_number(run.results.get(name))) is not None}
        stored_value = as_number(stored.get(name, {}).get("value")) if name in stored else None
        if not values and stored_value is None:
            continue  # arrays, tables, text: not summarised across seeds
        summary = spread(list(values.values())) if values else None
        inside = None
        if summary is not None and stored_value is not None:
            inside = summary.minimum - 1e-12 <= stored_value <= summary.maximum + 1e-12
        result = ResultAcrossSeeds(name, values, stored_value, summary, inside)
        text = stored.get(name, {}).get("claim") if name in stored else None
        if text:
            result.claim = _claim_across(text, stored, name, runs, summary)
        judged.append(result)
    return judged


def _claim_across(
    text: str, stored: dict[str, Any], name: str, runs: Sequence[SeedRun], summary: Spread | None
) -> ClaimAcrossSeeds | None:
    try:
        claim = parse(text)
    except ClaimError:
        return None  # the recorder refused it when it was stored; an edited record is not judged
    stored_values = {n: r.get("value") for n, r in stored.items()}
    stored_outcome = evaluate(claim, stored_values.get(name), stored_values).status if name in stored else None
    per_seed: dict[int, str] = {run.seed: evaluate(claim, run.results.get(name), run.results).status for run in runs}
    interval = interval_message = None
    bounds = _interval_of(claim, name, runs, summary)
    if bounds is not None:
        outcome = evaluate_interval(claim, *bounds)
        interval, interval_message = outcome.status, outcome.message
    return ClaimAcrossSeeds(
        claim=text,
        stored=stored_outcome,
        per_seed=per_seed,
        interval=interval,
        interval_message=interval_message,
        holds_every_seed=bool(per_seed) and all(status == "holds" for status in per_seed.values()),
    )


def _interval_of(
    claim: Claim, name: str, runs: Sequence[SeedRun], summary: Spread | None
) -> tuple[float, float] | None:
    """The IQM interval of the value, or of ``value − reference`` paired by seed for a claim naming another result."""
    if claim.reference is None:
        return (summary.ci_low, summary.ci_high) if summary is not None else None
    differences = []
    for run in runs:
        value, reference = as_number(run.results.get(name)), as_number(run.results.get(claim.reference))
        if value is not None and reference is not None:
            differences.append(value - reference)
    if len(differences) < 2:
        return None
    paired = spread(differences)
    return (paired.ci_low, paired.ci_high)


def findings(result: SeedStudy) -> list[str]:
    """What a reader must know first: claims that hold for the stored seed only, then the rest."""
    found: list[str] = []
    for r in result.results:
        claim = r.claim
        if claim is None:
            continue
        if claim.stored == "holds" and not claim.holds_every_seed:
            failing = claim.failing_seeds
            shown = ", ".join(f"{seed} ({_fmt(r.values.get(seed))})" for seed in failing[:6])
            found.append(
                f"{r.name} {claim.claim} holds for the stored value only: it fails for "
                f"{len(failing)} of {len(claim.per_seed)} seeds ({shown}{', …' if len(failing) > 6 else ''})"
            )
        elif claim.holds_every_seed and claim.interval == "fails":
            found.append(
                f"{r.name} {claim.claim} holds for every seed run, but not for the 95 % interval: {claim.interval_message}"
            )
        elif not claim.holds_every_seed:
            found.append(f"{r.name} {claim.claim} fails for seeds {', '.join(map(str, claim.failing_seeds[:10]))}")
    for r in result.results:
        if r.constant:
            found.append(
                f"{r.name} is {_fmt(next(iter(r.values.values())))} for every seed: the seed does not reach it "
                "(a seed written into the code? use REPRO_SEED or %repro_seed)"
            )
        elif r.stored_inside is False and r.spread is not None:
            found.append(
                f"the stored {r.name} {_fmt(r.stored)} lies outside the values of the seeds run "
                f"[{_fmt(r.spread.minimum)}, {_fmt(r.spread.maximum)}]"
            )
    failed = [run for run in result.runs if run.status != "ok"]
    if failed:
        found.append(
            f"{len(failed)} of {len(result.runs)} runs did not finish: "
            + "; ".join(f"seed {r.seed}: {r.error}" for r in failed[:3])
        )
    return found


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.4g}"


def study_path(notebook: str) -> str:
    """Where ``repro-nb seeds`` leaves its study for ``repro-nb report``: ``<stem>.repro-seeds.json``."""
    base, ext = os.path.splitext(notebook)
    return (base if ext == ".ipynb" else notebook) + ".repro-seeds.json"
