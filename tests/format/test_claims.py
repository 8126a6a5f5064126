"""The claims language: what parses, what it means, and clear messages for what does not."""

from __future__ import annotations

import pytest

from repro_nb.errors import ReproError
from repro_nb.format.claims import ClaimError, Reference, evaluate, evaluate_interval, parse


@pytest.mark.parametrize(
    ("text", "value", "status"),
    [
        (">= 0.9", 0.93, "holds"),
        (">= 0.9", 0.9, "holds"),
        (">= 0.9", 0.89, "fails"),
        ("> 0.9", 0.9, "fails"),
        ("≥ 0.9", 0.95, "holds"),
        ("<= 1e-3", 0.0005, "holds"),
        ("< 0.5", 0.5, "fails"),
        ("== 1", 1.0, "holds"),
        ("!= 0", 0.0, "fails"),
        ("≠ 0", 1, "holds"),
        ("0.93 ± 0.01", 0.925, "holds"),
        ("0.93 ± 0.01", 0.94, "holds"),
        ("0.93 +/- 0.01", 0.945, "fails"),
        ("0.93+-0.01", 0.92, "holds"),
        ("  >=0.9  ", 0.91, "holds"),
    ],
)
def test_numeric_claims(text: str, value: float, status: str) -> None:
    assert evaluate(parse(text), value).status == status


def test_a_claim_against_another_result() -> None:
    claim = parse("< baseline")
    assert claim.reference == "baseline" and claim.operand == Reference("baseline")
    assert evaluate(claim, 0.7, {"baseline": 0.82}).status == "holds"
    outcome = evaluate(claim, 0.93, {"baseline": 0.82})
    assert outcome.status == "fails"
    assert outcome.message == "0.93 is not < baseline (0.82): the claim fails"
    assert evaluate(parse("> baseline + 0.05"), 0.88, {"baseline": 0.82}).status == "holds"
    assert evaluate(parse("> baseline + 0.05"), 0.86, {"baseline": 0.82}).status == "fails"
    assert evaluate(parse(">= majority.baseline - 0.01"), 0.815, {"majority.baseline": 0.82}).status == "holds"


def test_undecided_when_the_reference_or_the_number_is_missing() -> None:
    outcome = evaluate(parse("< baseline"), 0.5, {})
    assert outcome.status == "undecided"
    assert "no result named 'baseline'" in outcome.message
    assert evaluate(parse(">= 0.9"), "high").status == "undecided"
    assert evaluate(parse(">= 0.9"), float("nan")).status == "undecided"
    assert evaluate(parse(">= 0.9"), True).status == "undecided"


def test_the_messages_say_what_was_compared() -> None:
    assert evaluate(parse(">= 0.9"), 0.9312).message == "0.9312 is ≥ 0.9: the claim holds"
    assert evaluate(parse("0.93 ± 0.01"), 0.95).message == (
        "0.95 is not within 0.93 ± 0.01 ([0.92, 0.94]): the claim fails"
    )


@pytest.mark.parametrize(
    ("text", "expected", "position"),
    [
        ("", "a comparison such as '>= 0.9'", 1),
        ("   ", "a comparison such as '>= 0.9'", 1),
        (">=", "a number or the name of another result after the operator", 3),
        ("0.9", "'±' (or '+/-') and a tolerance after the number", 4),
        ("about 0.9", "a comparison operator", 1),
        ("=> 0.9", "a comparison operator", 1),
        (">= 0.9 and < 1", "the end of the claim", 8),
        ("0.93 ± -0.01", "a tolerance that is not negative", 8),
        ("0.93 ±", "a tolerance (a number) after '±'", 7),
        ("< baseline +", "a number after 'baseline +'", 13),
        ("< baseline * 2", "the end of the claim", 12),
    ],
)
def test_a_claim_that_does_not_parse_says_where_and_what_was_expected(text: str, expected: str, position: int) -> None:
    with pytest.raises(ClaimError) as raised:
        parse(text)
    message = str(raised.value)
    assert message.startswith(f"claim {text!r} does not parse: expected ")
    assert expected in message
    assert f"at position {position} " in message
    assert "'>= 0.9', '0.93 ± 0.01' or '< baseline'" in message
    assert isinstance(raised.value, ReproError)


def test_a_claim_must_be_a_string() -> None:
    with pytest.raises(ClaimError, match="a claim as a string, not float"):
        parse(0.9)  # type: ignore[arg-type]


def test_claims_on_an_interval() -> None:
    assert evaluate_interval(parse(">= 0.9"), 0.91, 0.95).status == "holds"
    assert evaluate_interval(parse(">= 0.9"), 0.88, 0.95).status == "fails"
    assert evaluate_interval(parse("0.93 ± 0.02"), 0.92, 0.94).status == "holds"
    assert evaluate_interval(parse("0.93 ± 0.02"), 0.90, 0.94).status == "fails"
    assert evaluate_interval(parse("!= 0.5"), 0.6, 0.7).status == "holds"
    assert evaluate_interval(parse("!= 0.5"), 0.4, 0.7).status == "fails"
    # against another result: the interval is of value − reference
    assert evaluate_interval(parse("< baseline"), -0.2, -0.05).status == "holds"
    assert evaluate_interval(parse("< baseline"), -0.2, 0.01).status == "fails"
    assert evaluate_interval(parse("> baseline + 0.05"), 0.06, 0.1).status == "holds"
    assert evaluate_interval(parse("> baseline + 0.05"), 0.04, 0.1).status == "fails"
