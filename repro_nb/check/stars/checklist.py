"""Which items of the ML reproducibility checklist (NeurIPS 2019–; Pineau et al., JMLR 2021) the evidence covers.

Only the items evidence can speak to: what the record, the last check and the seeds
study show. An item is *covered* when the evidence documents it, whatever the result
(a seeds study whose claim fails still documents the number of runs and the spread).
"""

from __future__ import annotations

from .evidence import Evidence
from .model import ChecklistItem, Star


def checklist(evidence: Evidence, stars: list[Star]) -> list[ChecklistItem]:
    criteria = {c.id: c for star in stars for c in star.criteria}
    record = evidence.record
    study = evidence.seeds
    items = [
        ChecklistItem(
            "dependencies",
            "Specification of dependencies",
            criteria["versions-recorded"].status == "met",
            criteria["versions-recorded"].evidence,
        ),
        ChecklistItem(
            "code",
            "Training and evaluation code",
            criteria["runs-headless"].status == "met",
            criteria["runs-headless"].evidence,
        ),
    ]
    runs = len(study["runs"]) if study else 0
    items.append(
        ChecklistItem(
            "number-of-runs",
            "The exact number of training and evaluation runs",
            runs > 1,
            f"{runs} runs, seeds {study['seeds']}" if study else "no seeds study (`repro-nb seeds`)",
        )
    )
    spreads = [r for r in (study or {}).get("results", []) if r.get("spread")]
    items.append(
        ChecklistItem(
            "mean-and-spread",
            "A clear definition of the statistics used to report results: central tendency and variation",
            bool(spreads),
            "; ".join(
                f"{r['name']}: mean {r['spread']['mean']:.4g} ± {r['spread']['std']:.4g} (std), "
                f"IQM {r['spread']['iqm']:.4g} [{r['spread']['ci_low']:.4g}, {r['spread']['ci_high']:.4g}]"
                for r in spreads[:3]
            )
            or "no result summarised across seeds",
        )
    )
    reads = criteria["reads-recorded"]
    items.append(
        ChecklistItem(
            "data-splits",
            "The details of train / validation / test splits",
            reads.status == "met" and "reads no data" not in reads.evidence,
            reads.evidence + " (the files that hold the splits, pinned by hash)"
            if reads.status == "met"
            else reads.evidence,
        )
    )
    balances = [f"{d.path}: {d.summary()}" for d in evidence.descriptions if d.class_balance is not None]
    metrics = [m for m in (record.notebook.get("metrics", []) if record else []) if m.get("class_balance")]
    balances += [f"{m['metric']} on n = {m['n']} with its class balance and majority baseline" for m in metrics[:2]]
    items.append(
        ChecklistItem(
            "label-distributions",
            "Relevant statistics of the data: the distribution of labels",
            bool(balances),
            "; ".join(balances[:3]) or "no label column described and no metric with its class balance",
        )
    )
    platform = criteria["platform-recorded"]
    seconds = sum(float(c.get("duration_s") or 0.0) for c in record.cells.values()) if record else 0.0
    items.append(
        ChecklistItem(
            "compute",
            "A description of the computing infrastructure used",
            platform.status == "met",
            platform.evidence
            + (f"; the recorded session computed for {seconds:.1f} s" if platform.status == "met" else ""),
        )
    )
    return items
