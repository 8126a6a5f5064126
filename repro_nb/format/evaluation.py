"""Evaluations that data can fool: class balance, the skew threshold, label shift.

A model evaluated on a skewed test set can look good and be useless: with 82 % of the
test set in one class, predicting that class for everything scores 0.82 accuracy. The
recorder (in the kernel, when scikit-learn computes a metric) and the checker (when it
describes a data file) both judge balance with these pure functions and say what they
found in the same words. Thresholds are documented in docs/results.md.
"""

from __future__ import annotations

from collections.abc import Mapping

#: A label distribution is *skewed* when its majority class holds at least this share of
#: the way from an even split to a single class: (p_max − 1/k) / (1 − 1/k) ≥ 0.4. For two
#: classes that is a majority of 70 % or more; for three, 60 %; for ten, 46 %.
SKEW_THRESHOLD = 0.4
#: Train and test labels *differ markedly* when the total variation distance between
#: their class shares (half the sum of absolute differences) is at least this.
LABEL_SHIFT_THRESHOLD = 0.2
#: Classes kept in a recorded class balance (the most frequent ones).
MAX_CLASSES = 50
#: A target with more distinct values than this (and than half its samples) is not a
#: classification label: regression targets are not judged for balance.
MAX_LABEL_VALUES = 200

#: Metrics whose value a skewed test set inflates: a skew warning is given for these.
#: ROC AUC and balanced accuracy do not reward predicting the majority class.
SKEW_SENSITIVE = frozenset({"accuracy", "f1", "precision", "recall"})


def ordered(counts: Mapping[str, int]) -> list[tuple[str, int]]:
    """Classes by count, most frequent first (ties by name, for a stable record)."""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def shares(counts: Mapping[str, int]) -> dict[str, float]:
    total = sum(counts.values())
    return {label: count / total for label, count in counts.items()} if total else {}


def majority(counts: Mapping[str, int]) -> tuple[str, float] | None:
    """The most frequent class and its share, or ``None`` for no samples."""
    if not counts or not sum(counts.values()):
        return None
    label, count = ordered(counts)[0]
    return label, count / sum(counts.values())


def skewness(counts: Mapping[str, int]) -> float:
    """0 for an even split, 1 when every sample is of one class (and for a single class)."""
    top = majority(counts)
    if top is None:
        return 0.0
    k = len([c for c in counts.values() if c > 0])
    if k < 2:
        return 1.0
    return (top[1] - 1 / k) / (1 - 1 / k)


def is_skewed(counts: Mapping[str, int]) -> bool:
    return majority(counts) is not None and skewness(counts) >= SKEW_THRESHOLD - 1e-9  # 70 % of two classes is 0.4


def label_shift(train: Mapping[str, int], test: Mapping[str, int]) -> float:
    """Total variation distance between two label distributions (0: the same shares, 1: disjoint)."""
    a, b = shares(train), shares(test)
    return 0.5 * sum(abs(a.get(label, 0.0) - b.get(label, 0.0)) for label in set(a) | set(b))


def is_shifted(train: Mapping[str, int], test: Mapping[str, int]) -> bool:
    return bool(train) and bool(test) and label_shift(train, test) >= LABEL_SHIFT_THRESHOLD - 1e-9


def percent(share: float) -> str:
    return f"{share * 100:.0f} %"


def describe_balance(counts: Mapping[str, int], limit: int = 3) -> str:
    """``"82 % class 1, 18 % class 0"`` (the most frequent classes first)."""
    total = sum(counts.values())
    if not total:
        return "no samples"
    parts = [f"{percent(count / total)} class {label}" for label, count in ordered(counts)[:limit]]
    if len(counts) > limit:
        parts.append(f"{len(counts) - limit} more classes")
    return ", ".join(parts)


def skew_message(
    metric: str,
    value: float | None,
    counts: Mapping[str, int],
    baseline: float | None,
    balanced_accuracy: float | None,
) -> str:
    """ "accuracy 0.93 on a test set that is 82 % class 1; predicting the majority class scores 0.82; balanced accuracy 0.64"."""
    top = majority(counts)
    share = f"{percent(top[1])} class {top[0]}" if top else "empty"
    shown = f"{metric} {value:.4g}" if value is not None else metric
    parts = [f"{shown} on a test set that is {share} (n = {sum(counts.values())})"]
    if baseline is not None:
        parts.append(f"predicting the majority class scores {baseline:.4g}")
    if balanced_accuracy is not None:
        parts.append(f"balanced accuracy {balanced_accuracy:.4g}")
    return "; ".join(parts)


def shift_message(train: Mapping[str, int], test: Mapping[str, int]) -> str:
    """ "train and test labels differ: class 1 is 82 % of the test set but 50 % of the training set (…)"."""
    a, b = shares(train), shares(test)
    label = max(
        set(a) | set(b), key=lambda name: (round(abs(a.get(name, 0.0) - b.get(name, 0.0)), 9), b.get(name, 0.0), name)
    )
    return (
        f"train and test labels differ: class {label} is {percent(b.get(label, 0.0))} of the test set "
        f"but {percent(a.get(label, 0.0))} of the training set (total variation distance "
        f"{label_shift(train, test):.2f} ≥ {LABEL_SHIFT_THRESHOLD}); a score on this test set does not "
        "estimate the score on data like the training data"
    )
