"""``notebooks/skewed_evaluation.ipynb``: a skewed test set flagged with the baseline and the balanced accuracy.

The example as committed (recorded by ``notebooks/record_examples.py``), re-run by
``repro-nb report --check`` in a real kernel with scikit-learn: it reproduces, its
table is described with the label's class balance, and the Evaluation star is missing
because the 94 % accuracy is what predicting "not fraud" for everything scores.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from repro_nb.cli import main
from repro_nb.format.report import read_report

pytest.importorskip("sklearn")

HEADLINE = (
    "accuracy 0.9444 on a test set that is 94 % class 0 (n = 180); "
    "predicting the majority class scores 0.9444; balanced accuracy 0.5"
)


def test_the_skewed_test_set_costs_the_evaluation_star(
    example_notebook: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    notebook = example_notebook("skewed_evaluation.ipynb")
    out = notebook.parent / "r.json"
    assert main(["report", str(notebook), "--check", "--format", "json", "-o", str(out)]) == 0
    rating = json.loads(out.read_text())["notebooks"][0]
    assert rating["stars"] == 4
    evaluation = rating["star_details"][4]
    assert not evaluation["met"] and HEADLINE in evaluation["reason"]
    assert "balanced accuracy, per-class F1" in evaluation["steps"][0]
    fooled = next(c for c in evaluation["criteria"] if c["id"] == "evaluation-not-fooled")
    assert fooled["status"] == "unmet" and fooled["basis"] == "readiness"
    labels = next(i for i in rating["checklist"] if i["id"] == "label-distributions")
    assert labels["covered"] and "label is_fraud: 94 % class 0" in labels["evidence"]

    check = read_report(notebook.parent / "skewed_evaluation.repro-check.json")["notebooks"][0]
    assert check["verdict"] == "reproduced"
    (table,) = check["data_descriptions"]
    assert (table["path"], table["label"], table["label_source"]) == ("data/transactions.csv", "is_fraud", "record")
    assert table["class_balance"] == {"0": 562, "1": 38} and table["skewed"] is True
    assert [w["message"] for w in check["evaluation"]["warnings"]] == [HEADLINE]
    (metric,) = check["evaluation"]["metrics"]
    assert metric["majority_baseline"] == pytest.approx(0.9444, abs=1e-4) and metric["balanced_accuracy"] == 0.5
