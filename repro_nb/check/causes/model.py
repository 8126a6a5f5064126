"""A cause of drift: what changed, its class, the evidence for it, and how sure we are.

The taxonomy (``CauseCategory``, documented in ``docs/causes.md``) and the fine-grained
kinds live in :mod:`repro_nb.format.check_types`; this is the checker's value object,
made by the rules in :mod:`.explain`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ...format.check_types import CATEGORY_OF, CauseCategory, CauseJson, CauseKind, Confidence, root_of

#: Most confident first.
CONFIDENCE_RANK: dict[Confidence, int] = {"high": 0, "medium": 1, "low": 2}


@dataclass(frozen=True)
class Cause:
    kind: CauseKind
    message: str
    confidence: Confidence
    origin_index: int | None = None
    """The stored notebook's cell the cause comes from (that read the file, imported the package…)."""
    details: Mapping[str, Any] = field(default_factory=dict)
    evidence: tuple[str, ...] = ()
    """The facts it rests on, one short sentence each."""

    @property
    def category(self) -> CauseCategory:
        return CATEGORY_OF[self.kind]

    @property
    def root(self) -> str:
        return root_of(self.kind, self.details, self.origin_index)

    def to_json(self) -> CauseJson:
        return {
            "kind": self.kind,
            "category": self.category,
            "message": self.message,
            "confidence": self.confidence,
            "origin_index": self.origin_index,
            "evidence": list(self.evidence),
            "root": self.root,
            "details": dict(self.details),
        }
