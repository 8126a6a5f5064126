"""Claims about named results: a small language, its parser and its evaluator.

A notebook states what it claims about a result where it stores it —
``repro_nb.result("accuracy", acc, claim=">= 0.9")`` — and repro-nb checks the claim on
the value stored, on every seeded re-run (``repro-nb seeds``) and on the interval of
those runs. The language is small on purpose (docs/results.md)::

    claim      := comparison | approx
    comparison := OP operand            OP: >= > <= < == != (also ≥ ≤ ≠)
    approx     := NUMBER ("±" | "+/-" | "+-") NUMBER
    operand    := NUMBER | NAME [("+" | "-") NUMBER]

    ">= 0.9"               at least 0.9
    "0.93 ± 0.01"          between 0.92 and 0.94 (inclusive)
    "< baseline"           below the result named ``baseline``
    "> baseline + 0.05"    at least 0.05 above it

A claim that does not parse raises :class:`ClaimError` saying where and what was
expected. Pure functions only: the kernel evaluates a claim when a result is stored, the
checker when it re-runs.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from ..errors import ReproError

Op = Literal[">=", ">", "<=", "<", "==", "!="]
Status = Literal["holds", "fails", "undecided"]

_OPS: dict[str, Op] = {
    ">=": ">=",
    "≥": ">=",
    ">": ">",
    "<=": "<=",
    "≤": "<=",
    "<": "<",
    "==": "==",
    "!=": "!=",
    "≠": "!=",
}
_PLUS_MINUS = ("±", "+/-", "+-")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
#: Relative tolerance for ``==`` and ``!=``: results are floats.
_EQ_RTOL = 1e-9


class ClaimError(ReproError, ValueError):
    """A claim that does not parse; the message says where and what was expected."""

    def __init__(self, claim: str, position: int, expected: str) -> None:
        pointer = f"{claim[:position]}⟨here⟩{claim[position:]}" if claim else "(empty)"
        super().__init__(
            f"claim {claim!r} does not parse: expected {expected} at position {position + 1} ({pointer}); "
            "claims look like '>= 0.9', '0.93 ± 0.01' or '< baseline' (docs/results.md)"
        )
        self.claim = claim
        self.position = position
        self.expected = expected


@dataclass(frozen=True)
class Reference:
    """Another named result, plus an offset: ``baseline + 0.05``."""

    name: str
    offset: float = 0.0

    def __str__(self) -> str:
        if not self.offset:
            return self.name
        return f"{self.name} {'+' if self.offset > 0 else '-'} {_num(abs(self.offset))}"


@dataclass(frozen=True)
class Claim:
    """A parsed claim: ``value OP operand``, or ``center ± tolerance``."""

    text: str
    op: Op | None = None
    operand: float | Reference | None = None
    center: float | None = None
    tolerance: float | None = None

    @property
    def reference(self) -> str | None:
        """The name of the other result this claim compares with, if any."""
        return self.operand.name if isinstance(self.operand, Reference) else None

    def span(self) -> tuple[float, float] | None:
        """``center ± tolerance`` as ``(low, high)``; ``None`` for a comparison."""
        if self.center is None or self.tolerance is None:
            return None
        return (self.center - self.tolerance, self.center + self.tolerance)

    def threshold(self, results: Mapping[str, object] | None = None) -> float | None:
        """The number a comparison compares with (a reference resolved); ``None`` when it is unknown."""
        if self.operand is None:
            return None
        return _resolve(self.operand, results or {})

    def describe(self) -> str:
        """The claim in words: "≥ 0.9", "within 0.93 ± 0.01", "< baseline"."""
        if self.center is not None:
            return f"{_num(self.center)} ± {_num(self.tolerance or 0.0)}"
        return f"{_SHOWN[self.op or '==']} {self.operand}"


_SHOWN: dict[str, str] = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "=", "!=": "≠"}


@dataclass(frozen=True)
class Outcome:
    """Whether a claim holds for a value; ``undecided`` when that cannot be told, with why."""

    status: Status
    message: str

    def to_json(self) -> dict[str, str]:
        return {"status": self.status, "message": self.message}


def parse(text: str) -> Claim:
    """Parse a claim; raise :class:`ClaimError` when it does not parse."""
    if not isinstance(text, str):
        raise ClaimError(str(text), 0, f"a claim as a string, not {type(text).__name__}")
    scanner = _Scanner(text)
    scanner.skip()
    if scanner.at_end():
        raise ClaimError(text, 0, "a comparison such as '>= 0.9' or a value with a tolerance such as '0.93 ± 0.01'")
    op = scanner.op()
    if op is not None:
        operand = scanner.operand()
        scanner.end()
        return Claim(text=text, op=op, operand=operand)
    start = scanner.pos
    center = scanner.number()
    if center is None:
        raise ClaimError(
            text, start, "a comparison operator (>=, >, <=, <, ==, !=) or a number followed by ± and a tolerance"
        )
    scanner.skip()
    if not scanner.take(*_PLUS_MINUS):
        raise ClaimError(text, scanner.pos, "'±' (or '+/-') and a tolerance after the number")
    scanner.skip()
    at = scanner.pos
    tolerance = scanner.number()
    if tolerance is None:
        raise ClaimError(text, at, "a tolerance (a number) after '±'")
    if tolerance < 0:
        raise ClaimError(text, at, "a tolerance that is not negative")
    scanner.end()
    return Claim(text=text, center=center, tolerance=tolerance)


def evaluate(claim: Claim, value: object, results: Mapping[str, object] | None = None) -> Outcome:
    """Does ``claim`` hold for ``value``? ``results`` are the other named results, by name."""
    number = as_number(value)
    if number is None:
        return Outcome(
            "undecided", f"{_shown_value(value)} is not a number: the claim {claim.describe()} cannot be checked"
        )
    span = claim.span()
    if span is not None:
        low, high = span
        slack = _EQ_RTOL * max(1.0, abs(low), abs(high))
        holds = low - slack <= number <= high + slack
        relation = f"within {claim.describe()} ([{_num(low)}, {_num(high)}])"
    else:
        threshold = claim.threshold(results)
        if threshold is None or claim.op is None:
            return Outcome(
                "undecided", f"no result named {claim.reference!r} to compare with (store it before this one)"
            )
        holds = _compare(claim.op, number, threshold)
        shown = _num(threshold) if claim.reference is None else f"{claim.operand} ({_num(threshold)})"
        relation = f"{_SHOWN[claim.op]} {shown}"
    if holds:
        return Outcome("holds", f"{_num(number)} is {relation}: the claim holds")
    return Outcome("fails", f"{_num(number)} is not {relation}: the claim fails")


def evaluate_interval(claim: Claim, low: float, high: float) -> Outcome:
    """Does ``claim`` hold for a whole interval ``[low, high]`` (e.g. a 95 % interval)?

    For a claim against another result, pass the interval of the *difference*
    ``value − reference`` (paired by seed): the claim then holds when the whole
    difference interval lies on its side of the claim's offset (``baseline + 0.05`` →
    0.05).
    """
    span = claim.span()
    if span is not None:
        holds = span[0] <= low and high <= span[1]
        what = f"interval [{_num(low)}, {_num(high)}]"
    else:
        assert claim.op is not None and claim.operand is not None
        if isinstance(claim.operand, Reference):
            threshold = claim.operand.offset
            what = f"value − {claim.reference} lies in [{_num(low)}, {_num(high)}]"
        else:
            threshold = claim.operand
            what = f"interval [{_num(low)}, {_num(high)}]"
        holds = _compare(claim.op, low, threshold) and _compare(claim.op, high, threshold)
        if claim.op == "==":
            holds = _close(low, threshold) and _close(high, threshold)
        elif claim.op == "!=":
            holds = not (low <= threshold <= high)
    return Outcome("holds" if holds else "fails", f"{what}: the claim {claim.describe()} {_verb(holds)} for all of it")


def _verb(holds: bool) -> str:
    return "holds" if holds else "fails"


def _compare(op: Op, value: float, threshold: float) -> bool:
    if op == ">=":
        return value >= threshold
    if op == ">":
        return value > threshold
    if op == "<=":
        return value <= threshold
    if op == "<":
        return value < threshold
    if op == "==":
        return _close(value, threshold)
    return not _close(value, threshold)


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=_EQ_RTOL, abs_tol=1e-12)


def _resolve(operand: float | Reference, results: Mapping[str, object]) -> float | None:
    if isinstance(operand, Reference):
        base = as_number(results.get(operand.name))
        return None if base is None else base + operand.offset
    return operand


def as_number(value: object) -> float | None:
    """A finite real number as a float, else ``None`` (booleans are not numbers here)."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _num(value: float) -> str:
    """A number as people write it: 0.9, 0.9312, 1e-06."""
    return f"{value:.6g}"


def _shown_value(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


class _Scanner:
    """A cursor over the claim's text (the grammar is too small for a tokenizer)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def take(self, *words: str) -> str | None:
        for word in words:
            if self.text.startswith(word, self.pos):
                self.pos += len(word)
                return word
        return None

    def op(self) -> Op | None:
        found = self.take(*sorted(_OPS, key=len, reverse=True))
        return _OPS[found] if found else None

    def number(self) -> float | None:
        match = _NUMBER.match(self.text, self.pos)
        if not match:
            return None
        self.pos = match.end()
        return float(match.group())

    def operand(self) -> float | Reference:
        self.skip()
        start = self.pos
        number = self.number()
        if number is not None:
            return number
        match = _NAME.match(self.text, self.pos)
        if not match:
            raise ClaimError(self.text, start, "a number or the name of another result after the operator")
        self.pos = match.end()
        name = match.group()
        self.skip()
        sign = self.take("+", "-")
        if sign is None:
            return Reference(name)
        self.skip()
        at = self.pos
        offset = self.number()
        if offset is None or self.text[at : at + 1] in "+-":
            raise ClaimError(self.text, at, f"a number after '{name} {sign}'")
        return Reference(name, offset if sign == "+" else -offset)

    def end(self) -> None:
        self.skip()
        if not self.at_end():
            raise ClaimError(self.text, self.pos, "the end of the claim")
