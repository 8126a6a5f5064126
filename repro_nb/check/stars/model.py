"""The rating of one notebook: stars of criteria, the checklist, the two scores."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["met", "unmet", "unknown"]
"""``unknown``: no evidence either way (no record, no check result, no seeds study)."""
Basis = Literal["readiness", "outcome"]

STAR_NAMES = ("Code", "Configuration", "Data", "Environment", "Evaluation")


@dataclass
class Criterion:
    id: str
    basis: Basis
    status: Status
    evidence: str
    steps: list[str] = field(default_factory=list)
    """What to do to meet it, most useful first (empty when met)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "basis": self.basis,
            "status": self.status,
            "evidence": self.evidence,
            "steps": list(self.steps),
        }


@dataclass
class Star:
    number: int
    name: str
    criteria: list[Criterion]

    @property
    def met(self) -> bool:
        return all(c.status == "met" for c in self.criteria)

    @property
    def steps(self) -> list[str]:
        return [step for c in self.criteria if c.status != "met" for step in c.steps]

    @property
    def reason(self) -> str:
        """Why the star is missing: the evidence of each criterion not met."""
        return "; ".join(c.evidence for c in self.criteria if c.status != "met")

    def to_json(self, earned: bool) -> dict[str, Any]:
        return {
            "number": self.number,
            "name": self.name,
            "met": self.met,
            "earned": earned,
            "reason": None if self.met else self.reason,
            "steps": self.steps,
            "criteria": [c.to_json() for c in self.criteria],
        }


@dataclass
class ChecklistItem:
    id: str
    item: str
    covered: bool
    evidence: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "item": self.item, "covered": self.covered, "evidence": self.evidence}


@dataclass
class Score:
    met: int
    unmet: int
    unknown: int

    @property
    def percent(self) -> int | None:
        judged = self.met + self.unmet + self.unknown
        return round(100 * self.met / judged) if judged else None

    def to_json(self) -> dict[str, Any]:
        return {"met": self.met, "unmet": self.unmet, "unknown": self.unknown, "percent": self.percent}


@dataclass
class Rating:
    path: str
    stars: list[Star]
    checklist: list[ChecklistItem]
    sources: dict[str, str | None]
    """Where the evidence came from: record, check, seeds (a file, a description or ``None``)."""

    @property
    def score(self) -> int:
        """Stars earned in order: the first missing star ends the count."""
        earned = 0
        for star in self.stars:
            if not star.met:
                break
            earned += 1
        return earned

    def score_of(self, basis: Basis) -> Score:
        criteria = [c for s in self.stars for c in s.criteria if c.basis == basis]
        return Score(
            sum(c.status == "met" for c in criteria),
            sum(c.status == "unmet" for c in criteria),
            sum(c.status == "unknown" for c in criteria),
        )

    @property
    def next_steps(self) -> list[str]:
        """The steps of every missing star, the next star's first."""
        return [step for star in self.stars if not star.met for step in star.steps]

    def to_json(self) -> dict[str, Any]:
        score = self.score
        return {
            "path": self.path,
            "stars": score,
            "readiness": self.score_of("readiness").to_json(),
            "outcome": self.score_of("outcome").to_json(),
            "sources": dict(self.sources),
            "star_details": [star.to_json(star.number <= score) for star in self.stars],
            "next_steps": self.next_steps,
            "checklist": [item.to_json() for item in self.checklist],
        }
