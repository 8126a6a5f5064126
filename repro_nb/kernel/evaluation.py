"""scikit-learn's evaluation metrics, seen as they are computed: the value and its test set.

A score means little without the test set it was computed on: 0.93 accuracy on a test
set that is 82 % one class beats predicting that class by 0.11 only. When scikit-learn
is imported in the session, the recorder wraps ``accuracy_score``, ``f1_score``,
``precision_score``, ``recall_score``, ``roc_auc_score``, ``balanced_accuracy_score``
and ``ClassifierMixin.score``, and records each call's value with the class balance of
``y_true``, the score of predicting the majority class and the balanced accuracy; it
also notes the class balance of each classifier fitted (where scikit-learn checks a
classifier's targets), to compare the test labels with the training labels. The
judgement (skewed? shifted?) and its words are :mod:`repro_nb.format.evaluation`'s.

This module is imported only when scikit-learn's modules finish importing (a post-import
hook, :mod:`.postimport`): a session without scikit-learn pays nothing. Each wrapper
calls the original with the same arguments and returns its result unchanged; what it
records is computed afterwards, with warnings silenced, and never raises.
"""

from __future__ import annotations

import functools
import sys
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..format.evaluation import (
    MAX_CLASSES,
    MAX_LABEL_VALUES,
    SKEW_SENSITIVE,
    is_shifted,
    is_skewed,
    majority,
    ordered,
    shift_message,
    skew_message,
)
from .patches import Patches

if TYPE_CHECKING:
    from ..format.record_types import MetricRecord, RecordWarning

#: ``sklearn.metrics`` function → the metric's name in the record.
METRICS = {
    "accuracy_score": "accuracy",
    "balanced_accuracy_score": "balanced_accuracy",
    "f1_score": "f1",
    "precision_score": "precision",
    "recall_score": "recall",
    "roc_auc_score": "roc_auc",
}
#: The metrics whose second argument is a score, not a predicted label.
_SCORES = frozenset({"roc_auc"})

Sink = Callable[["MetricRecord", "list[RecordWarning]"], None]


class EvaluationHooks:
    """The wrappers of one recorder; :meth:`close` puts every original back."""

    def __init__(self, sink: Sink) -> None:
        self._sink = sink
        self._patches = Patches()
        self._originals: dict[str, Any] = {}
        #: set while a wrapped call runs: what it calls in turn is not recorded again
        self._busy = False
        #: while a classifier's ``.score`` runs: its name, for the accuracy it computes
        self._scoring: str | None = None
        #: the class balance of the last classifier fitted
        self.last_fit: dict[str, int] | None = None
        self._targets_wrapper: Any = None
        self._targets_original: Any = None

    # -- wrapping -----------------------------------------------------------------

    def on_import(self, name: str, module: Any = None) -> None:
        """Post-import callback (and, for modules imported before recording began, called directly)."""
        try:
            if name == "sklearn.metrics":
                self._wrap_metrics(sys.modules["sklearn.metrics"])
            elif name == "sklearn.base":
                self._wrap_score(sys.modules["sklearn.base"])
            elif name == "sklearn.utils.multiclass":
                self._wrap_targets(sys.modules["sklearn.utils.multiclass"])
        except Exception:  # noqa: BLE001, S110 - never break an import because of the recorder
            pass

    def _wrap_metrics(self, metrics: Any) -> None:
        for function, metric in METRICS.items():
            original = getattr(metrics, function, None)
            if original is None or getattr(original, "__repro_nb_wrapped__", None) is not None:
                continue
            self._originals[function] = original
            wrapper = self._metric_wrapper(original, metric, f"sklearn.metrics.{function}")
            self._patches.replace(metrics, function, wrapper)
            # ClassifierMixin.score imports accuracy_score from its defining module in some
            # versions: wrap it there too (the name in the package is what users import)
            home = sys.modules.get(getattr(original, "__module__", "") or "")
            if home is not None and getattr(home, function, None) is original:
                self._patches.replace(home, function, wrapper)

    def _metric_wrapper(self, original: Any, metric: str, api: str) -> Any:
        hooks = self

        @functools.wraps(original)
        def metric_call(*args: Any, **kwargs: Any) -> Any:
            if hooks._busy:
                return original(*args, **kwargs)
            hooks._busy = True
            try:
                result = original(*args, **kwargs)
                scoring = hooks._scoring
                try:
                    hooks._observe(metric, scoring or api, original, args, kwargs, result)
                except Exception:  # noqa: BLE001, S110 - recording must not change the user's result
                    pass
                return result
            finally:
                hooks._busy = False

        metric_call.__repro_nb_wrapped__ = original  # type: ignore[attr-defined]
        return metric_call

    def _wrap_score(self, base: Any) -> None:
        mixin = getattr(base, "ClassifierMixin", None)
        original = getattr(mixin, "score", None) if mixin is not None else None
        if original is None or getattr(original, "__repro_nb_wrapped__", None) is not None:
            return
        hooks = self

        @functools.wraps(original)
        def score(estimator: Any, *args: Any, **kwargs: Any) -> Any:
            if hooks._busy or hooks._scoring is not None:
                return original(estimator, *args, **kwargs)
            hooks._scoring = f"{type(estimator).__name__}.score"
            try:
                # ClassifierMixin.score computes accuracy_score(y, self.predict(X)): the
                # wrapped accuracy_score records it, under this estimator's name
                return original(estimator, *args, **kwargs)
            finally:
                hooks._scoring = None

        score.__repro_nb_wrapped__ = original  # type: ignore[attr-defined]
        self._patches.replace(mixin, "score", score)

    def _wrap_targets(self, multiclass: Any) -> None:
        """``check_classification_targets(y)``: called by classifiers' ``fit`` with the training labels.

        Wrapped the moment its module finishes importing, so the estimators' modules
        that import it afterwards bind the wrapper; when scikit-learn was imported before
        recording began, the bindings already made are replaced too.
        """
        original = getattr(multiclass, "check_classification_targets", None)
        if original is None or getattr(original, "__repro_nb_wrapped__", None) is not None:
            return
        hooks = self

        @functools.wraps(original)
        def check_classification_targets(y: Any, *args: Any, **kwargs: Any) -> Any:
            result = original(y, *args, **kwargs)
            if not hooks._busy:
                try:
                    counts = class_counts(y)
                    if counts:
                        hooks.last_fit = counts
                except Exception:  # noqa: BLE001, S110 - recording must not change the user's result
                    pass
            return result

        check_classification_targets.__repro_nb_wrapped__ = original  # type: ignore[attr-defined]
        self._targets_wrapper, self._targets_original = check_classification_targets, original
        self._patches.replace(multiclass, "check_classification_targets", check_classification_targets)
        for name, module in list(sys.modules.items()):
            if name.startswith("sklearn.") and getattr(module, "check_classification_targets", None) is original:
                self._patches.replace(module, "check_classification_targets", check_classification_targets)

    def close(self) -> None:
        """Put every original back, also where scikit-learn's modules bound a wrapper since."""
        self._patches.restore()
        wrapper, original = self._targets_wrapper, self._targets_original
        if wrapper is not None:
            for name, module in list(sys.modules.items()):
                if name.startswith("sklearn.") and getattr(module, "check_classification_targets", None) is wrapper:
                    vars(module)["check_classification_targets"] = original
        self._targets_wrapper = self._targets_original = None

    # -- what a metric call tells -------------------------------------------------

    def _observe(
        self, metric: str, api: str, original: Any, args: tuple[Any, ...], kwargs: dict[str, Any], result: Any
    ) -> None:
        y_true = args[0] if args else kwargs.get("y_true")
        y_pred = args[1] if len(args) > 1 else kwargs.get("y_score" if metric in _SCORES else "y_pred")
        value = _scalar(result)
        counts = class_counts(y_true)
        record: MetricRecord = {"metric": metric, "api": api, "value": value, "n": _length(y_true)}
        found: list[RecordWarning] = []
        if counts:
            record["class_balance"] = dict(ordered(counts)[:MAX_CLASSES])
            top = majority(counts)
            record["majority_class"] = top[0] if top else None
            record["majority_baseline"] = self._baseline(original, metric, args, kwargs, y_true, top)
            record["balanced_accuracy"] = (
                self._balanced_accuracy(y_true, y_pred) if metric not in _SCORES and y_pred is not None else None
            )
            record["skewed"] = is_skewed(counts)
            if self.last_fit:
                record["train_class_balance"] = dict(ordered(self.last_fit)[:MAX_CLASSES])
            if record["skewed"] and metric in SKEW_SENSITIVE and value is not None:
                found.append(
                    {
                        "kind": "skewed-evaluation",
                        "metric": metric,
                        "message": skew_message(
                            metric, value, counts, record["majority_baseline"], record["balanced_accuracy"]
                        ),
                    }
                )
            if self.last_fit and is_shifted(self.last_fit, counts):
                found.append({"kind": "label-shift", "metric": metric, "message": shift_message(self.last_fit, counts)})
        self._sink(record, found)

    def _baseline(
        self,
        original: Any,
        metric: str,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        y_true: Any,
        top: tuple[str, float] | None,
    ) -> float | None:
        """The same metric, same arguments, predicting the majority class for every sample."""
        if top is None:
            return None
        import numpy as np

        truth = np.asarray(y_true)
        values, counts = np.unique(truth, return_counts=True)
        constant = values[int(np.argmax(counts))]
        if metric in _SCORES:
            predicted: Any = np.zeros(truth.shape[0], dtype=float)  # one score for all: no ranking
        else:
            predicted = np.full(truth.shape[0], constant, dtype=truth.dtype)
        rest = {k: v for k, v in kwargs.items() if k not in ("y_true", "y_pred", "y_score")}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                return _scalar(original(truth, predicted, *args[2:], **rest))
            except Exception:  # noqa: BLE001 - e.g. roc_auc_score of a one-class y_true
                return None

    def _balanced_accuracy(self, y_true: Any, y_pred: Any) -> float | None:
        metrics = sys.modules.get("sklearn.metrics")
        function = self._originals.get("balanced_accuracy_score") or getattr(metrics, "balanced_accuracy_score", None)
        if function is None:
            return None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                return _scalar(function(y_true, y_pred))
            except Exception:  # noqa: BLE001 - scores, multilabel targets: not labels
                return None


def class_counts(y: Any) -> dict[str, int] | None:
    """The classes of a 1-d label array and their counts; ``None`` when it is not one."""
    if y is None:
        return None
    import numpy as np

    values = np.asarray(y)
    if values.ndim != 1 or values.shape[0] == 0:
        return None
    floats = values.dtype.kind == "f"
    if floats:
        finite = values[np.isfinite(values)]
        if finite.size and not np.all(finite == np.round(finite)):
            return None  # continuous values: a regression target
    try:
        labels, counts = np.unique(values, return_counts=True)
    except TypeError:  # mixed types numpy cannot order
        return None
    if len(labels) > MAX_LABEL_VALUES or (floats and len(labels) > max(2, values.shape[0] // 2)):
        return None
    return {_label(label): int(count) for label, count in zip(labels.tolist(), counts.tolist())}


def _label(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _length(y: Any) -> int:
    try:
        return len(y)
    except TypeError:
        return 0


def _scalar(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number and abs(number) != float("inf") else None
