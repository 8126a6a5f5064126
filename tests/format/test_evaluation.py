"""Class balance, the skew threshold and label shift, as docs/results.md states them."""

from __future__ import annotations

import pytest

from repro_nb.format import evaluation


@pytest.mark.parametrize(
    ("counts", "skewed"),
    [
        ({"1": 70, "0": 30}, True),
        ({"1": 69, "0": 31}, False),
        ({"1": 164, "0": 36}, True),
        ({"a": 60, "b": 20, "c": 20}, True),
        ({"a": 59, "b": 21, "c": 20}, False),
        ({"a": 50, "b": 50}, False),
        ({"a": 10}, True),
        ({}, False),
    ],
)
def test_the_skew_threshold(counts: dict[str, int], skewed: bool) -> None:
    assert evaluation.is_skewed(counts) is skewed


def test_majority_and_balance_in_words() -> None:
    counts = {"0": 36, "1": 164}
    assert evaluation.majority(counts) == ("1", 0.82)
    assert evaluation.ordered(counts) == [("1", 164), ("0", 36)]
    assert evaluation.describe_balance(counts) == "82 % class 1, 18 % class 0"


def test_the_skew_message_has_the_baseline_and_the_balanced_accuracy() -> None:
    message = evaluation.skew_message("accuracy", 0.93, {"1": 164, "0": 36}, 0.82, 0.64)
    assert message == (
        "accuracy 0.93 on a test set that is 82 % class 1 (n = 200); "
        "predicting the majority class scores 0.82; balanced accuracy 0.64"
    )


def test_label_shift() -> None:
    train, test = {"0": 100, "1": 100}, {"0": 36, "1": 164}
    assert evaluation.label_shift(train, test) == pytest.approx(0.32)
    assert evaluation.is_shifted(train, test)
    assert not evaluation.is_shifted(train, {"0": 45, "1": 55})
    assert not evaluation.is_shifted({}, test)
    message = evaluation.shift_message(train, test)
    assert message.startswith(
        "train and test labels differ: class 1 is 82 % of the test set but 50 % of the training set"
    )
    assert evaluation.label_shift({"a": 1}, {"b": 1}) == 1.0
