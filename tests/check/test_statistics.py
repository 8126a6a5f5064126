"""The interquartile mean and its stratified-bootstrap interval, against rliable's when installed."""

from __future__ import annotations

import math

import numpy as np
import pytest

from repro_nb.check.statistics import iqm, iqm_interval, spread

VALUES = [0.81, 0.84, 0.79, 0.90, 0.86, 0.83, 0.55, 0.85, 0.82, 0.88]


def test_iqm_cuts_a_quarter_from_each_end_like_scipy_trim_mean() -> None:
    assert iqm([1, 2, 3, 4]) == pytest.approx(2.5)
    assert iqm([0, 1, 2, 3, 4, 5, 6, 100]) == pytest.approx(3.5)  # the outlier run is cut
    ordered = sorted(VALUES)
    assert iqm(VALUES) == pytest.approx(float(np.mean(ordered[2:8])))


def test_spread_summarises_the_runs() -> None:
    s = spread(VALUES)
    assert (s.n, s.minimum, s.maximum) == (10, 0.55, 0.90)
    assert s.mean == pytest.approx(np.mean(VALUES))
    assert s.std == pytest.approx(np.std(VALUES, ddof=1))
    assert s.ci_low <= s.iqm <= s.ci_high
    assert set(s.to_json()) == {"n", "mean", "std", "iqm", "ci_low", "ci_high", "min", "max"}


def test_the_interval_is_deterministic_and_degenerate_cases_are_exact() -> None:
    assert iqm_interval(VALUES) == iqm_interval(list(VALUES))
    assert iqm_interval([0.7]) == (0.7, 0.7)
    assert iqm_interval([0.7, 0.7, 0.7]) == (0.7, 0.7)
    assert all(math.isnan(v) for v in iqm_interval([]))
    assert spread([0.3]).std == 0.0


def test_iqm_agrees_with_rliable() -> None:
    metrics = pytest.importorskip("rliable.metrics")
    scores = np.asarray(VALUES).reshape(-1, 1)  # runs × tasks: one task
    assert iqm(VALUES) == pytest.approx(float(metrics.aggregate_iqm(scores)))


def test_interval_agrees_with_scipys_percentile_bootstrap_of_the_trimmed_mean() -> None:
    """rliable's ``get_interval_estimates`` is a percentile bootstrap of ``aggregate_iqm``
    (``trim_mean(x, 0.25)``); its module imports ``arch``, which breaks with recent pandas,
    so SciPy's bootstrap of the same statistic stands in for it."""
    stats = pytest.importorskip("scipy.stats")
    theirs = stats.bootstrap(
        (np.asarray(VALUES),),
        lambda x, axis: stats.trim_mean(x, 0.25, axis=axis),
        n_resamples=20000,
        method="percentile",
        random_state=np.random.default_rng(1),
    ).confidence_interval
    ours = iqm_interval(VALUES)
    # two bootstraps of the same data: the same interval up to resampling noise
    assert ours[0] == pytest.approx(theirs.low, abs=0.01)
    assert ours[1] == pytest.approx(theirs.high, abs=0.01)
