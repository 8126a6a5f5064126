"""Rate one notebook: gather the evidence, judge the stars, map the checklist."""

from __future__ import annotations

from .checklist import checklist
from .criteria import judge
from .evidence import check_path, gather
from .model import Rating

__all__ = ["check_path", "rate"]


def rate(path: str, labels: dict[str, str] | None = None) -> Rating:
    """The rating of the notebook at ``path`` from what lies beside it (no kernel is started)."""
    evidence = gather(path, labels)
    stars = judge(evidence)
    if evidence.record is not None:
        record_source: str | None = f"{evidence.record.source} ({evidence.record.notebook.get('updated_at', '?')})"
    else:
        record_source = None
    return Rating(
        path=path,
        stars=stars,
        checklist=checklist(evidence, stars),
        sources={"record": record_source, "check": evidence.check_source, "seeds": evidence.seeds_source},
    )
