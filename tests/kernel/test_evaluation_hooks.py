"""scikit-learn's metrics seen in a real kernel: the value, its test set, and the warnings.

A classifier that predicts mostly class 1, scored on a test set that is 82 % class 1:
the accuracy looks good, the majority baseline and the balanced accuracy say otherwise.
"""

from __future__ import annotations

from typing import Any

from support import KernelFactory, KernelSession

#: A balanced training set, a skewed test set (164 of 200 in class 1), and predictions
#: that are right for 150 of the 164 and 8 of the 36: accuracy 0.79, balanced 0.5684.
SKEWED = """
import numpy as np
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score
y_test = np.array([1] * 164 + [0] * 36)
y_pred = np.array([1] * 150 + [0] * 14 + [0] * 8 + [1] * 28)
"""


def metrics(cell: dict[str, Any]) -> list[dict[str, Any]]:
    return list(cell.get("metrics", []))


def test_a_skewed_test_set_is_flagged_with_the_baseline_and_the_balanced_accuracy(
    kernel_factory: KernelFactory,
) -> None:
    session = kernel_factory()
    session.run(SKEWED)
    cell = session.run_recorded("acc = accuracy_score(y_test, y_pred)", cell_id="score")
    [metric] = metrics(cell)
    assert metric["metric"] == "accuracy" and metric["api"] == "sklearn.metrics.accuracy_score"
    assert metric["value"] == session.evaluate("float(acc)") == 0.79
    assert metric["n"] == 200
    assert metric["class_balance"] == {"1": 164, "0": 36}
    assert metric["majority_class"] == "1" and metric["majority_baseline"] == 0.82
    assert round(metric["balanced_accuracy"], 4) == round((150 / 164 + 8 / 36) / 2, 4)
    assert metric["skewed"] is True
    assert metric["cell_id"] == "score"
    [warning] = [w for w in cell["warnings"] if w["kind"] == "skewed-evaluation"]
    assert warning["metric"] == "accuracy"
    assert warning["message"] == (
        "accuracy 0.79 on a test set that is 82 % class 1 (n = 200); "
        "predicting the majority class scores 0.82; balanced accuracy 0.5684"
    )
    assert warning["cell_id"] == "score"
    notebook = session.record()["notebook"]
    assert notebook["metrics"][-1]["value"] == 0.79
    assert any(w["kind"] == "skewed-evaluation" for w in notebook["warnings"])
    text = session.run("%repro").data("text/plain")[0]
    assert "skewed-evaluation" in text and "Evaluation (1)" in text


def test_other_metrics_and_their_baselines(kernel_factory: KernelFactory) -> None:
    session = kernel_factory()
    session.run(SKEWED)
    cell = session.run_recorded(
        "f1 = f1_score(y_test, y_pred)\nauc = roc_auc_score(y_test, y_pred * 0.8 + 0.1)\n"
        "from sklearn.metrics import precision_score\np0 = precision_score(y_test, y_pred, pos_label=0)"
    )
    by_metric = {m["metric"]: m for m in metrics(cell)}
    assert set(by_metric) == {"f1", "roc_auc", "precision"}
    assert (
        by_metric["f1"]["majority_baseline"] == round(2 * 0.82 / 1.82, 12)
        or abs(by_metric["f1"]["majority_baseline"] - 2 * 0.82 / 1.82) < 1e-9
    )
    assert by_metric["roc_auc"]["majority_baseline"] == 0.5
    assert by_metric["roc_auc"]["balanced_accuracy"] is None, "scores are not labels"
    assert by_metric["precision"]["majority_baseline"] == 0.0, "predicting class 1 never finds class 0"
    kinds = [(w["kind"], w.get("metric")) for w in cell["warnings"]]
    assert ("skewed-evaluation", "f1") in kinds and ("skewed-evaluation", "precision") in kinds
    assert ("skewed-evaluation", "roc_auc") not in kinds, "ROC AUC is not inflated by the majority class"
    assert not [o for o in session.run("x = 1").messages if o["msg_type"] == "stream"], "no warnings printed"


def test_a_balanced_test_set_is_not_flagged(kernel: KernelSession) -> None:
    cell = kernel.run_recorded(
        "from sklearn.metrics import accuracy_score\nb = accuracy_score([0, 1, 0, 1, 1, 0], [0, 1, 1, 1, 1, 0])"
    )
    [metric] = metrics(cell)
    assert metric["skewed"] is False and metric["value"] == 5 / 6
    assert not [w for w in cell["warnings"] if w["kind"] == "skewed-evaluation"]


def test_train_and_test_labels_that_differ_are_a_label_shift(kernel_factory: KernelFactory) -> None:
    session = kernel_factory()
    session.run(
        "import numpy as np\nfrom sklearn.linear_model import LogisticRegression\n"
        "rng = np.random.default_rng(0)\n"
        "X_train = rng.normal(size=(200, 2)); y_train = np.array([0, 1] * 100)\n"
        "X_test = rng.normal(size=(200, 2)); y_test = np.array([1] * 164 + [0] * 36)\n"
        "model = LogisticRegression().fit(X_train, y_train)"
    )
    cell = session.run_recorded("s = model.score(X_test, y_test)", cell_id="score")
    [metric] = metrics(cell)
    assert metric["metric"] == "accuracy" and metric["api"] == "LogisticRegression.score"
    assert metric["value"] == session.evaluate("float(s)")
    assert metric["train_class_balance"] == {"0": 100, "1": 100}
    [shift] = [w for w in cell["warnings"] if w["kind"] == "label-shift"]
    assert shift["message"].startswith(
        "train and test labels differ: class 1 is 82 % of the test set but 50 % of the training set"
    )
    assert [w["kind"] for w in cell["warnings"]].count("skewed-evaluation") == 1


def test_hooks_wrap_scikit_learn_imported_before_recording_and_unload_restores(kernel_factory: KernelFactory) -> None:
    session = kernel_factory(load_ext=False)
    session.run("import sklearn.metrics, sklearn.base, sklearn.ensemble\noriginal = sklearn.metrics.accuracy_score")
    session.run("%load_ext repro_nb")
    assert session.evaluate("sklearn.metrics.accuracy_score is not original")
    cell = session.run_recorded("sklearn.metrics.accuracy_score([1, 1, 1, 0], [1, 1, 1, 1])")
    assert metrics(cell)[0]["skewed"] is True
    session.run("%unload_ext repro_nb")
    assert session.evaluate("sklearn.metrics.accuracy_score is original")
    assert session.evaluate(
        "all(getattr(m, 'check_classification_targets', None) is None"
        " or not hasattr(m.check_classification_targets, '__repro_nb_wrapped__')"
        " for n, m in list(__import__('sys').modules.items()) if n.startswith('sklearn.'))"
    )
    assert session.evaluate("not hasattr(sklearn.base.ClassifierMixin.score, '__repro_nb_wrapped__')")


def test_a_session_without_scikit_learn_does_not_import_the_hooks(kernel_factory: KernelFactory) -> None:
    session = kernel_factory()
    session.run("import numpy\nx = numpy.arange(3).sum()")
    assert not session.evaluate("'repro_nb.kernel.evaluation' in __import__('sys').modules")
    assert not session.evaluate("'sklearn' in __import__('sys').modules")


def test_repro_data_label_is_recorded_and_a_missing_column_is_a_clear_error(kernel: KernelSession) -> None:
    (kernel.cwd / "labels").mkdir()
    (kernel.cwd / "labels" / "test.csv").write_text("x,is_spoof\n1,1\n2,0\n")
    kernel.run("%repro_data labels/test.csv --label is_spoof")
    [pinned] = [d for d in kernel.record()["notebook"]["data"] if d["path"] == "labels/test.csv"]
    assert pinned["label"] == "is_spoof" and pinned["pinned"] is True
    # reading the pinned table afterwards keeps it pinned and keeps its label
    kernel.run("rows = open('labels/test.csv').read().splitlines()")
    [read] = [d for d in kernel.record()["notebook"]["data"] if d["path"] == "labels/test.csv"]
    assert read["label"] == "is_spoof" and read["pinned"] is True
    result = kernel.execute("%repro_data labels/test.csv --label lable")
    assert result.error is not None and result.error["ename"] == "UsageError"
    assert result.error["evalue"] == (
        "%repro_data --label: labels/test.csv has no column 'lable'; its columns: x, is_spoof"
    )
    (kernel.cwd / "labels" / "notes.txt").write_text("hello")
    result = kernel.execute("%repro_data labels/notes.txt --label y")
    assert result.error is not None and "is not a table repro-nb reads" in result.error["evalue"]
