"""``repro_nb.result(name, value, claim=None)`` in a real kernel: stored, shown, claims decided.

Also ``REPRO_NB_SEED`` (how ``repro-nb seeds`` reaches every RNG) and what ``%repro`` shows.
"""

from __future__ import annotations

from typing import Any

import pytest

from support import KernelFactory, KernelSession


def notebook_results(kernel: KernelSession) -> dict[str, Any]:
    return {r["name"]: r for r in kernel.record()["notebook"].get("results", [])}


def test_a_scalar_is_stored_shown_and_its_claim_decided(kernel: KernelSession) -> None:
    execution = kernel.run("import repro_nb\nrepro_nb.result('accuracy', 0.9312, claim='>= 0.9')", cell_id="score")
    [shown] = execution.data("text/plain")
    assert shown == "accuracy = 0.9312   claim >= 0.9: holds"
    assert "claim &gt;= 0.9: holds" in execution.data("text/html")[0]
    assert len(execution.data("text/plain")) == 1, "shown once, though it is the cell's last line"
    cell = kernel.last_cell()
    [stored] = cell["results"]
    assert stored == {
        "name": "accuracy",
        "kind": "scalar",
        "value": 0.9312,
        "claim": ">= 0.9",
        "claim_outcome": {"status": "holds", "message": "0.9312 is ≥ 0.9: the claim holds"},
        "cell_id": "score",
        "execution_count": cell["execution_count"],
    }
    assert notebook_results(kernel)["accuracy"] == stored


def test_a_failing_claim_and_a_claim_decided_when_its_reference_arrives(kernel: KernelSession) -> None:
    kernel.run("import repro_nb\nrepro_nb.result('low', 0.5, claim='>= 0.9')")
    assert kernel.last_cell()["results"][0]["claim_outcome"]["status"] == "fails"
    kernel.run("repro_nb.result('model_acc', 0.93, claim='> chance + 0.1')")
    assert kernel.last_cell()["results"][0]["claim_outcome"]["status"] == "undecided"
    kernel.run("repro_nb.result('chance', 0.5)")
    decided = notebook_results(kernel)["model_acc"]["claim_outcome"]
    assert decided == {"status": "holds", "message": "0.93 is > chance + 0.1 (0.6): the claim holds"}


def test_arrays_and_tables(kernel: KernelSession) -> None:
    kernel.run(
        "import numpy as np, pandas as pd, repro_nb\n"
        "repro_nb.result('recalls', np.array([0.9, 0.8, float('nan')]))\n"
        "repro_nb.result('big', np.arange(5000).reshape(50, 100))\n"
        "repro_nb.result('series', pd.Series([1, 2, 3]))\n"
        "repro_nb.result('table', pd.DataFrame({'a': [1, 2], 'b': ['x', 'y']}, index=['r1', 'r2']))\n"
        "repro_nb.result('np_scalar', np.float64(0.25))\n"
        "repro_nb.result('label', 'spoof')"
    )
    results = notebook_results(kernel)
    assert results["recalls"]["kind"] == "array" and results["recalls"]["value"] == [0.9, 0.8, "nan"]
    assert results["big"]["shape"] == [50, 100] and results["big"]["truncated"] is True
    assert len(results["big"]["value"]) == 1000
    assert results["series"]["value"] == [1, 2, 3]
    assert results["table"]["kind"] == "table"
    assert results["table"]["value"] == {"columns": ["a", "b"], "index": ["r1", "r2"], "rows": [[1, "x"], [2, "y"]]}
    assert results["table"]["shape"] == [2, 2]
    assert results["np_scalar"] == {**results["np_scalar"], "kind": "scalar", "value": 0.25}
    assert results["label"]["value"] == "spoof"


@pytest.mark.parametrize(
    ("code", "ename", "message"),
    [
        (
            "repro_nb.result('acc', 0.9, claim='>= 0.9 and < 1')",
            "ClaimError",
            "expected the end of the claim at position 8",
        ),
        ("repro_nb.result('acc', 0.9, claim='about 0.9')", "ClaimError", "expected a comparison operator"),
        ("repro_nb.result('not a name', 0.9)", "ValueError", "'not a name' is not a result name"),
        ("repro_nb.result('d', {'a': 1})", "TypeError", "cannot store a dict; store a number"),
        ("repro_nb.result('arr', [1, 2], claim='>= 1')", "ClaimError", "a scalar result: 'arr' is array"),
    ],
)
def test_bad_input_gets_a_clear_message(kernel: KernelSession, code: str, ename: str, message: str) -> None:
    execution = kernel.execute("import repro_nb\n" + code)
    assert execution.error is not None
    assert execution.error["ename"] == ename
    assert message in execution.error["evalue"]
    assert kernel.run_recorded("x = 1")["order"] > 0, "still recording"


def test_repro_shows_results(kernel: KernelSession) -> None:
    kernel.run("import repro_nb\nrepro_nb.result('shown_here', 0.75, claim='0.7 ± 0.1')")
    text = kernel.run("%repro").data("text/plain")[0]
    assert "Results (" in text
    assert "shown_here" in text and "0.7 ± 0.1: holds" in text


def test_without_the_recorder_a_result_is_shown_and_says_so(kernel_factory: KernelFactory) -> None:
    session = kernel_factory(load_ext=False)
    shown = session.run("import repro_nb\nrepro_nb.result('a', 1)").data("text/plain")
    assert shown == ["a = 1   (not recorded: %load_ext repro_nb)"]


def test_the_seed_from_the_environment_reaches_every_rng(kernel_factory: KernelFactory) -> None:
    """``REPRO_NB_SEED`` (set by ``repro-nb seeds``) seeds at load and replaces the notebook's %repro_seed."""
    draws = []
    for _ in range(2):
        session = kernel_factory(env={"REPRO_NB_SEED": "7"}, load_ext=False)
        session.run("%load_ext repro_nb\nimport random\nimport numpy as np\n%repro_seed 42")
        draws.append(session.evaluate("(random.random(), float(np.random.random()), REPRO_SEED)"))
        seeds = session.record()["notebook"]["seeds"]
        assert {s["value"] for s in seeds} == {7}, seeds
    plain = kernel_factory(load_ext=False)
    plain.run("import random\nimport numpy as np\nrandom.seed(7)\nnp.random.seed(7)")
    assert draws[0] == draws[1] == (*plain.evaluate("(random.random(), float(np.random.random()))"), 7)


def test_a_seed_that_is_not_an_integer_is_a_warning(kernel_factory: KernelFactory) -> None:
    session = kernel_factory(env={"REPRO_NB_SEED": "seven"})
    [warning] = session.record()["notebook"]["warnings"]
    assert warning["kind"] == "recorder-error" and "REPRO_NB_SEED='seven' is not an integer seed" in warning["message"]
