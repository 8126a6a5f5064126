"""Summaries of a result across seeds: mean, spread, interquartile mean and its interval.

Following Agarwal et al., "Deep Reinforcement Learning at the Edge of the Statistical
Precipice" (NeurIPS 2021; the ``rliable`` library): with few runs, report the
*interquartile mean* (the mean of the middle 50 % of the values: robust to an outlier
run, less noisy than the median) with a 95 % confidence interval from a *stratified
bootstrap* (runs resampled with replacement within each task; here one notebook result
is one task, so within its runs), by the percentile method.

Deterministic: the bootstrap draws from a generator seeded with a constant, so the same
values give the same interval — in a serial run, a parallel one, or a re-run of either.
``tests/check/test_statistics.py`` compares the IQM with rliable's and the interval with
SciPy's percentile bootstrap of the same statistic.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: Bootstrap resamples (rliable's examples use 2 000 to 50 000; the interval of 10 runs is stable at this).
BOOTSTRAP_REPS = 20_000
BOOTSTRAP_SEED = 0
CONFIDENCE = 0.95


def iqm(values: Sequence[float] | np.ndarray) -> float:
    """The interquartile mean: the mean of the values between the 25th and 75th percentiles.

    As ``scipy.stats.trim_mean(values, 0.25)`` (what rliable uses): a quarter of the
    values (rounded down) cut from each end.
    """
    return float(_iqm_rows(np.asarray(values, dtype=float).reshape(1, -1))[0])


def _iqm_rows(samples: np.ndarray) -> np.ndarray:
    ordered = np.sort(samples, axis=1)
    n = ordered.shape[1]
    cut = int(0.25 * n)
    result: np.ndarray = ordered[:, cut : n - cut].mean(axis=1)
    return result


def iqm_interval(
    values: Sequence[float] | np.ndarray,
    reps: int = BOOTSTRAP_REPS,
    confidence: float = CONFIDENCE,
    seed: int = BOOTSTRAP_SEED,
) -> tuple[float, float]:
    """The stratified-bootstrap percentile interval of the IQM (one stratum: the runs of one result)."""
    data = np.asarray(values, dtype=float)
    if data.size == 0:
        return (math.nan, math.nan)
    if data.size == 1 or np.all(data == data[0]):
        return (float(data[0]), float(data[0]))
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, data.size, size=(reps, data.size))
    estimates = _iqm_rows(data[picks])
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(estimates, [tail, 100 - tail])
    return (float(low), float(high))


@dataclass(frozen=True)
class Spread:
    """One result across seeds."""

    n: int
    mean: float
    std: float
    iqm: float
    ci_low: float
    ci_high: float
    minimum: float
    maximum: float

    def to_json(self) -> dict[str, float | int]:
        return {
            "n": self.n,
            "mean": self.mean,
            "std": self.std,
            "iqm": self.iqm,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "min": self.minimum,
            "max": self.maximum,
        }


def spread(values: Sequence[float]) -> Spread:
    data = np.asarray(values, dtype=float)
    low, high = iqm_interval(data)
    return Spread(
        n=int(data.size),
        mean=float(data.mean()),
        std=float(data.std(ddof=1)) if data.size > 1 else 0.0,
        iqm=float(iqm(data)),
        ci_low=low,
        ci_high=high,
        minimum=float(data.min()),
        maximum=float(data.max()),
    )
