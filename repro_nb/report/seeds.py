"""``repro-nb seeds``: the study in the terminal, as JSON, and as HTML with a plot per result.

The JSON document is versioned like the other reports (``format/schema/seeds-v1.schema.json``,
validated before it is written); ``repro-nb report`` reads it back for the Evaluation
star. The HTML report draws each result across seeds with matplotlib (embedded PNG):
one dot per seed, the IQM and its 95 % interval, the stored value, the claim's threshold.
"""

from __future__ import annotations

import base64
import io
import os
from datetime import UTC, datetime
from html import escape
from typing import Any

from .._version import __version__
from ..check.seeds import ResultAcrossSeeds, SeedStudy
from ..format.files import atomic_write_text
from ..format.report import dumps, plain
from ..format.versioned import check_valid, validator
from .theme import PALETTE

SEEDS_SCHEMA_VERSION = 1
_SCHEMA = f"seeds-v{SEEDS_SCHEMA_VERSION}"


def to_document(study: SeedStudy) -> dict[str, Any]:
    document: dict[str, Any] = {
        "schema_version": SEEDS_SCHEMA_VERSION,
        "tool": {"name": "repro-nb", "version": __version__},
        "created_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        **study.to_json(),
    }
    result: dict[str, Any] = plain(document)
    return result


def validate(document: Any) -> None:
    from ..format.report import ReportError

    check_valid(validator(_SCHEMA), document, lambda where: ReportError(f"invalid repro-nb seeds report: {where}"))


def write_json(path: str | os.PathLike[str], study: SeedStudy) -> dict[str, Any]:
    document = to_document(study)
    validate(document)
    atomic_write_text(path, dumps(document))
    return document


def read_json(path: str | os.PathLike[str]) -> dict[str, Any]:
    """A study written by ``repro-nb seeds`` (validated; a newer version is refused)."""
    import json

    from ..format.report import ReportError

    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except (OSError, ValueError) as exc:
        raise ReportError(f"cannot read seeds study {os.fspath(path)}: {exc}") from exc
    version = document.get("schema_version") if isinstance(document, dict) else None
    if not isinstance(version, int) or version > SEEDS_SCHEMA_VERSION:
        raise ReportError(f"seeds study {os.fspath(path)} has schema version {version!r}; upgrade repro-nb to read it")
    validate(document)
    result: dict[str, Any] = document
    return result


# ------------------------------------------------------------------ terminal


def _fmt(value: Any) -> str:
    return "-" if value is None else f"{value:.4g}" if isinstance(value, float) else str(value)


def terminal(study: SeedStudy) -> str:
    ok = sum(run.status == "ok" for run in study.runs)
    how = f"parameter {study.seed_parameter!r} and REPRO_NB_SEED" if study.seed_parameter else "REPRO_NB_SEED"
    lines = [
        f"{study.path}: {len(study.runs)} runs (seeds {_seed_list(study.seeds)}; {ok} ran through), "
        f"seed given by {how}; {study.duration_s:.1f} s with {study.jobs} job(s)",
        "",
    ]
    if study.findings:
        lines.append("findings:")
        lines.extend(f"  ! {finding}" for finding in study.findings)
        lines.append("")
    header = [
        "result",
        "stored",
        "mean",
        "std",
        "IQM [95 % CI]",
        "min",
        "max",
        "stored inside",
        "claim",
        "every seed",
        "interval",
    ]
    rows = [header]
    for r in study.results:
        s = r.spread
        claim = r.claim
        rows.append(
            [
                r.name,
                _fmt(r.stored),
                _fmt(s.mean) if s else "-",
                _fmt(s.std) if s else "-",
                f"{_fmt(s.iqm)} [{_fmt(s.ci_low)}, {_fmt(s.ci_high)}]" if s else "-",
                _fmt(s.minimum) if s else "-",
                _fmt(s.maximum) if s else "-",
                {True: "yes", False: "NO", None: "-"}[r.stored_inside],
                claim.claim if claim else "",
                ("holds" if claim.holds_every_seed else f"fails ({len(claim.failing_seeds)})") if claim else "",
                (claim.interval or "-") if claim else "",
            ]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines.extend("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows)
    lines.append("")
    lines.append("values per seed:")
    for r in study.results:
        lines.append(f"  {r.name}: " + ", ".join(f"{seed}: {_fmt(v)}" for seed, v in r.values.items()))
    return "\n".join(lines)


def _seed_list(seeds: tuple[int, ...]) -> str:
    if seeds == tuple(range(seeds[0], seeds[0] + len(seeds))):
        return f"{seeds[0]}..{seeds[-1]}"
    return ",".join(map(str, seeds))


# ------------------------------------------------------------------ HTML

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; }
table { border-collapse: collapse; margin: 1rem 0; } td, th { border: 1px solid var(--line); padding: .3rem .6rem; text-align: left; }
.finding { color: var(--drift-text); } .fails { color: var(--fail-text); font-weight: bold; } .holds { color: var(--ok-text); }
figure img { background: #fff; }
figure { display: inline-block; margin: .5rem 1rem .5rem 0; }
"""


def html(study: SeedStudy) -> str:
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>repro-nb seeds: {escape(study.path)}</title><style>{PALETTE}{_STYLE}</style></head><body>",
        f"<h1>Claims across seeds: {escape(study.path)}</h1>",
        f"<p>{len(study.runs)} runs, seeds {escape(_seed_list(study.seeds))}; {study.jobs} job(s), {study.duration_s:.1f} s. "
        "IQM: interquartile mean, with a stratified-bootstrap 95 % interval (Agarwal et al., NeurIPS 2021).</p>",
    ]
    if study.findings:
        parts.append(
            "<h2>Findings</h2><ul>" + "".join(f"<li class='finding'>{escape(f)}</li>" for f in study.findings) + "</ul>"
        )
    parts.append(
        "<table><tr><th>result</th><th>stored</th><th>mean ± std</th><th>IQM [95 % CI]</th><th>min – max</th>"
        "<th>stored inside</th><th>claim</th><th>every seed</th><th>interval</th></tr>"
    )
    for r in study.results:
        s, claim = r.spread, r.claim
        every = ""
        if claim:
            every = (
                "<span class='holds'>holds</span>"
                if claim.holds_every_seed
                else (f"<span class='fails'>fails for seeds {escape(', '.join(map(str, claim.failing_seeds)))}</span>")
            )
        parts.append(
            "<tr>"
            f"<td><code>{escape(r.name)}</code></td><td>{_fmt(r.stored)}</td>"
            f"<td>{_fmt(s.mean) + ' ± ' + _fmt(s.std) if s else '-'}</td>"
            f"<td>{_fmt(s.iqm) + f' [{_fmt(s.ci_low)}, {_fmt(s.ci_high)}]' if s else '-'}</td>"
            f"<td>{_fmt(s.minimum) + ' – ' + _fmt(s.maximum) if s else '-'}</td>"
            f"<td>{ {True: 'yes', False: '<b>no</b>', None: '-'}[r.stored_inside] }</td>"
            f"<td>{escape(claim.claim) if claim else ''}</td><td>{every}</td>"
            f"<td>{escape(claim.interval_message or '-') if claim else ''}</td></tr>"
        )
    parts.append("</table><h2>Each result across seeds</h2>")
    for r in study.results:
        picture = plot(r)
        if picture:
            parts.append(
                f"<figure><img alt='{escape(r.name)} across seeds' src='data:image/png;base64,{picture}'>"
                f"<figcaption>{escape(r.name)}</figcaption></figure>"
            )
    parts.append("</body></html>")
    return "\n".join(parts)


def plot(result: ResultAcrossSeeds) -> str | None:
    """A PNG (base64) of one result across seeds; ``None`` without matplotlib or values."""
    if not result.values:
        return None
    try:
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    seeds = list(result.values)
    values = [result.values[s] for s in seeds]
    fig, ax = plt.subplots(figsize=(5, 2.6), dpi=96)
    try:
        ax.scatter(range(len(seeds)), values, color="#2563eb", zorder=3, label="seeds")
        s = result.spread
        if s is not None:
            ax.axhspan(s.ci_low, s.ci_high, color="#93c5fd", alpha=0.4, label="IQM 95 % CI")
            ax.axhline(s.iqm, color="#1d4ed8", linewidth=1, label="IQM")
        if result.stored is not None:
            ax.axhline(result.stored, color="#b45309", linestyle="--", linewidth=1, label="stored")
        threshold = _claim_threshold(result)
        if threshold is not None:
            ax.axhline(threshold, color="#b91c1c", linestyle=":", linewidth=1.2, label="claim")
        ax.set_xticks(range(len(seeds)), [str(seed) for seed in seeds])
        ax.set_xlabel("seed")
        ax.set_title(result.name + (f"   claim {result.claim.claim}" if result.claim else ""), fontsize=10)
        ax.legend(fontsize=7, loc="best")
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
    finally:
        plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _claim_threshold(result: ResultAcrossSeeds) -> float | None:
    if result.claim is None:
        return None
    from ..format.claims import ClaimError, parse

    try:
        claim = parse(result.claim.claim)
    except ClaimError:
        return None
    if claim.reference is not None:
        return None
    span = claim.span()
    return claim.center if span is not None else claim.threshold()


def write_html(path: str | os.PathLike[str], study: SeedStudy) -> None:
    atomic_write_text(path, html(study))
