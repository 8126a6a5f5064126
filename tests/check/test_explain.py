"""``repro_nb.check.explain``: causes from evidence, as pure functions (no kernel).

The end-to-end tests in ``test_check.py`` plant each cause in a real re-run; these pin
the rules that decide between causes — order, confidence, origin — on evidence built
by hand, including the cases a re-run cannot easily produce (no record at all, a
record from a sidecar, a file read twice).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from repro_nb.check.causes import Cause
from repro_nb.check.environment_diff import EnvironmentDifference
from repro_nb.check.evidence import (
    DataDrift,
    Evidence,
    PackageDrift,
    data_drift,
    environment_drift,
    missing_data,
    package_drift,
)
from repro_nb.check.explain import explain_cell
from repro_nb.compare.model import CellComparison, OutputDiff
from repro_nb.format.cellcode import defined_names
from repro_nb.format.record import Record


def code(source: str, count: int | None = None) -> dict[str, Any]:
    return {"cell_type": "code", "source": source, "execution_count": count, "outputs": [], "metadata": {}}


def record(cells: dict[int, dict[str, Any]] | None = None, **notebook: Any) -> Record:
    return Record(
        notebook={"schema_version": 1, "recorder": {"version": "0"}, **notebook},  # type: ignore[typeddict-item]
        cells=cells or {},
    )  # type: ignore[arg-type]


def read(path: str, digest: str | None, status: str = "ok") -> dict[str, Any]:
    return {"path": path, "hash": digest, "status": status}


def evidence(cells: list[dict[str, Any]], old: Record | None = None, new: Record | None = None, **kw: Any) -> Evidence:
    return Evidence(
        stored_cells=cells,
        old=old,
        new=new,
        data=kw.get("data", []),
        packages=kw.get("packages", []),
        environment=kw.get("environment", []),
    )


def text_diff(index: int, expected: str, actual: str, kind: str = "text") -> CellComparison:
    diff = OutputDiff(kind, 0, "stream/stdout", expected=expected, actual=actual)  # type: ignore[arg-type]
    return CellComparison(index, index, None, "drifted", (diff,))


def kinds(causes: list[Cause]) -> list[str]:
    return [c.kind for c in causes]


def failure(ename: str, evalue: str, kind: str = "error") -> dict[str, Any]:
    return {"kind": kind, "cell_index": None, "ename": ename, "evalue": evalue, "traceback": ""}


# --------------------------------------------------------------------------- data


def test_data_read_twice_with_two_expected_hashes_is_not_drift() -> None:
    """Read, append, read again: the re-run doing the same is reproduction."""
    old = record({1: {"reads": [read("a.csv", "h:1")]}, 3: {"reads": [read("a.csv", "h:2")]}})
    assert data_drift(old, old, {}) == []


def test_data_changed_in_the_second_read_names_every_reader() -> None:
    old = record({1: {"reads": [read("a.csv", "h:1")]}, 3: {"reads": [read("a.csv", "h:2")]}})
    new = record({1: {"reads": [read("a.csv", "h:1")]}, 3: {"reads": [read("a.csv", "h:9")]}})
    assert data_drift(old, new, {}) == [DataDrift("a.csv", "changed", "h:2", "h:9", (1, 3))]


def test_data_missing_in_the_rerun() -> None:
    old = record({2: {"reads": [read("a.csv", "h:1")]}})
    new = record({2: {"reads": [read("a.csv", None, "missing")]}})
    assert data_drift(old, new, {}) == [DataDrift("a.csv", "missing", "h:1", None, (2,))]


def test_unrecorded_reads_count_only_for_cells_the_record_covers() -> None:
    old = record({1: {"reads": []}})
    new = record({1: {"reads": [read("new.csv", "h:1")]}, 5: {"reads": [read("later.csv", "h:2")]}})
    assert data_drift(old, new, {}) == [DataDrift("new.csv", "unrecorded", None, "h:1", (1,))]


def test_rerun_indices_are_mapped_to_stored_cells() -> None:
    old = record({2: {"reads": [read("a.csv", "h:1")]}})
    new = record({3: {"reads": [read("a.csv", "h:2")]}})  # an injected cell shifted it by one
    assert data_drift(old, new, {3: 2}) == [DataDrift("a.csv", "changed", "h:1", "h:2", (2,))]


def test_no_record_no_data_drift(tmp_path: Path) -> None:
    assert data_drift(None, record(), {}) == []
    assert missing_data(None, str(tmp_path)) == []


def test_missing_data_is_found_without_running(tmp_path: Path) -> None:
    (tmp_path / "here.csv").write_text("x")
    old = record({0: {"reads": [read("here.csv", "h:1"), read("gone.csv", "h:2")]}})
    assert missing_data(old, str(tmp_path)) == [DataDrift("gone.csv", "missing", "h:2", None, (0,))]


def test_data_causes_name_the_reading_cell_and_skip_cells_before_it() -> None:
    cells = [code("x = 1"), code("df = read()"), code("print(df)")]
    drift = DataDrift("a.csv", "changed", "blake3:" + "a" * 64, "blake3:" + "b" * 64, (1,))
    ev = evidence(cells, old=record(), data=[drift])
    assert kinds(explain_cell(0, text_diff(0, "1", "2"), None, ev)) == ["unknown"]
    [own] = explain_cell(1, text_diff(1, "a b", "a c"), None, ev)
    assert own.message == (
        "data file a.csv read by this cell changed since it was recorded (blake3:aaaaaaaaaaaa → blake3:bbbbbbbbbbbb)"
    )
    [later] = explain_cell(2, text_diff(2, "a b", "a c"), None, ev)
    assert (later.kind, later.origin_index, later.confidence) == ("data-changed", 1, "high")
    assert "read by cell 2 " in later.message


def test_unrecorded_data_is_a_low_confidence_cause() -> None:
    ev = evidence([code("df = read()")], old=record(), data=[DataDrift("n.csv", "unrecorded", None, "h:1", (0,))])
    [cause] = explain_cell(0, text_diff(0, "a", "b"), None, ev)
    assert (cause.kind, cause.confidence) == ("data-unrecorded", "low")


# --------------------------------------------------------------------------- packages


def test_package_drift_against_the_rerun_and_the_installation() -> None:
    old = record(
        {1: {"imports": [{"module": "numpy", "distribution": "numpy", "version": "1.0"}]}},
        packages={"numpy": "1.0", "pytest": "0.0.1", "no-such-dist-xyz": "2.0"},
    )
    new = record(packages={"numpy": "2.0"})
    drift = {p.distribution: p for p in package_drift(old, new)}
    assert drift["numpy"] == PackageDrift("numpy", "1.0", "2.0", (1,))
    assert drift["pytest"].new == pytest.__version__  # not imported in the re-run: ask the installation
    assert drift["no-such-dist-xyz"].new is None
    assert package_drift(None, new) == []


def test_package_causes_only_from_cells_at_or_before() -> None:
    cells = [code("x = 1"), code("import numpy"), code("print(numpy.pi)")]
    ev = evidence(cells, old=record(), packages=[PackageDrift("numpy", "1.0", "2.0", (1,))])
    assert "package-changed" not in kinds(explain_cell(0, text_diff(0, "a", "b"), None, ev))
    [own] = [c for c in explain_cell(1, text_diff(1, "a", "b"), None, ev) if c.kind == "package-changed"]
    assert own.message == "numpy 1.0 → 2.0 (imported by this cell)"
    [later] = [c for c in explain_cell(2, text_diff(2, "a", "b"), None, ev) if c.kind == "package-changed"]
    assert later.message == "numpy 1.0 → 2.0 (imported by cell 2)"


def test_missing_module_is_the_one_cause_of_the_error() -> None:
    old = record(
        {0: {"imports": [{"module": "gone", "distribution": "gone-dist", "version": "1.0"}]}},
        packages={"gone-dist": "1.0"},
    )
    ev = evidence([code("import gone")], old=old, packages=[PackageDrift("gone-dist", "1.0", None, (0,))])
    causes = explain_cell(0, None, failure("ModuleNotFoundError", "No module named 'gone'"), ev)
    assert kinds(causes) == ["package-missing"]
    assert causes[0].message == "module 'gone' is not installed (recorded: gone-dist 1.0)"


def test_missing_module_without_a_record() -> None:
    causes = explain_cell(
        0, None, failure("ModuleNotFoundError", "No module named 'pkg.sub'"), evidence([code("import pkg.sub")])
    )
    assert causes[0].message == "module 'pkg' is not installed"


# --------------------------------------------------------------------------- randomness


def test_unseeded_rng_from_the_record_this_cell_and_earlier() -> None:
    old = record(
        {
            0: {"unseeded_rng": [{"library": "numpy", "kind": "global-state-advanced"}]},
            2: {
                "unseeded_rng": [
                    {"library": "numpy", "kind": "generator-without-seed", "api": "numpy.random.default_rng"}
                ]
            },
        }
    )
    cells = [code("a = np.random.rand()"), code("b = 1"), code("rng = np.random.default_rng()")]
    ev = evidence(cells, old=old)
    [first] = explain_cell(0, text_diff(0, "0.1", "0.2", "numeric"), None, ev)
    assert (first.kind, first.confidence) == ("unseeded-rng", "high")
    assert first.message == "random numbers drawn from numpy's global generator without a seed in this cell"
    causes = explain_cell(2, text_diff(2, "0.1", "0.2", "numeric"), None, ev)
    assert [(c.confidence, c.origin_index) for c in causes] == [("high", 2), ("medium", 0)]
    assert causes[0].message == "numpy.random.default_rng() without a seed in this cell"


def test_recorded_without_rng_use_means_no_rng_cause_even_if_the_code_looks_random() -> None:
    """The record is evidence: the code below never ran its random branch."""
    ev = evidence([code("if False:\n    np.random.rand()")], old=record({0: {"unseeded_rng": []}}))
    assert "unseeded-rng" not in kinds(explain_cell(0, text_diff(0, "a", "b"), None, ev))


@pytest.mark.parametrize(
    "source",
    [
        "x = np.random.rand(3)",
        "random.shuffle(items)",
        "rng = np.random.default_rng()",
        "t = torch.randn(2, 2)",
        "numpy.random.choice([1, 2])",
    ],
)
def test_unseeded_rng_from_the_code_without_a_record(source: str) -> None:
    [cause] = explain_cell(0, text_diff(0, "1", "2", "numeric"), None, evidence([code(source)]))
    assert (cause.kind, cause.confidence) == ("unseeded-rng", "medium")
    assert "no cell sets a seed" in cause.message


@pytest.mark.parametrize("seeding", ["np.random.seed(0)", "random.seed(1)", "%repro_seed 42", "torch.manual_seed(3)"])
def test_a_seed_anywhere_above_silences_code_inspection(seeding: str) -> None:
    cells = [code(seeding), code("x = np.random.rand(3)\nrandom.shuffle(x)")]
    causes = explain_cell(1, text_diff(1, "1", "2", "numeric"), None, evidence(cells))
    assert "unseeded-rng" not in kinds(causes)


def test_code_inspection_blames_earlier_cells_with_low_confidence() -> None:
    cells = [code("x = np.random.rand(3)"), code("print(x.sum())")]
    [cause] = explain_cell(1, text_diff(1, "1", "2", "numeric"), None, evidence(cells))
    assert (cause.confidence, cause.origin_index) == ("low", 0)
    assert "in cell 1 draws random numbers" in cause.message


def test_no_guess_when_nothing_explains_a_change() -> None:
    """A changed number in deterministic code is not "typical of unseeded randomness": say nothing is known."""
    [cause] = explain_cell(0, text_diff(0, "loss 0.25", "loss 0.26", "numeric"), None, evidence([code("print(loss)")]))
    assert (cause.kind, cause.category, cause.confidence) == ("unknown", "unknown", "low")
    assert cause.message == "no cause found in the record or the code"
    assert kinds(explain_cell(0, text_diff(0, "a", "b"), None, evidence([code("print(s)")]))) == ["unknown"]


# --------------------------------------------------------------------------- hash order


def test_same_elements_in_another_order_is_hash_order() -> None:
    ev = evidence([code("print(s)")])
    [cause] = explain_cell(0, text_diff(0, "{'a', 'b', 'c'}", "{'c', 'a', 'b'}"), None, ev)
    assert (cause.kind, cause.confidence) == ("hash-order", "high")
    assert "set PYTHONHASHSEED, or sort before printing" in cause.message


def test_hash_order_names_the_recorded_seeds() -> None:
    old = record(environment={"env": {"PYTHONHASHSEED": "1"}})
    new = record(environment={"env": {}})
    [cause] = [
        c
        for c in explain_cell(0, text_diff(0, "b a", "a b"), None, evidence([code("print(s)")], old, new))
        if c.kind == "hash-order"
    ]
    assert "PYTHONHASHSEED 1 → unset" in cause.message


def test_other_elements_are_not_hash_order() -> None:
    ev = evidence([code("print(s)")])
    assert "hash-order" not in kinds(explain_cell(0, text_diff(0, "{'a', 'b'}", "{'a', 'c'}"), None, ev))


# --------------------------------------------------------------------------- hidden state and order


def test_name_error_for_a_name_no_cell_defines() -> None:
    cells = [code("import math", 1), code("print(math.sqrt(scale))", 3)]
    causes = explain_cell(1, None, failure("NameError", "name 'scale' is not defined"), evidence(cells))
    assert kinds(causes) == ["hidden-state"]
    assert causes[0].message.startswith("no cell defines 'scale'")
    assert causes[0].origin_index == 1


def test_name_error_for_a_name_defined_below() -> None:
    cells = [code("print(threshold)", 2), code("threshold = 0.5", 1)]
    causes = explain_cell(0, None, failure("NameError", "name 'threshold' is not defined"), evidence(cells))
    assert kinds(causes) == ["hidden-state"]
    assert causes[0].origin_index == 1
    assert "defined only in a later cell (2)" in causes[0].message
    assert any("cell(s) 2 below it ran first" in fact for fact in causes[0].evidence)


def test_name_error_for_a_name_defined_above_is_less_sure() -> None:
    cells = [code("if flag:\n    x = 1", 1), code("print(x)", 2)]
    [hidden] = [
        c
        for c in explain_cell(1, None, failure("NameError", "name 'x' is not defined"), evidence(cells))
        if c.kind == "hidden-state"
    ]
    assert hidden.confidence == "medium"


def test_recorded_order_warnings_are_causes() -> None:
    old = record({1: {"warnings": [{"kind": "out-of-order", "message": "ran after cell 3"}]}})
    causes = explain_cell(1, text_diff(1, "a", "b"), None, evidence([code("a"), code("b")], old=old))
    assert [(c.kind, c.confidence, c.message) for c in causes] == [
        ("out-of-order", "high", "when recorded, this cell: ran after cell 3")
    ]


@pytest.mark.parametrize(
    ("source", "names"),
    [
        ("a = 1\nb, c = 2, 3", {"a", "b", "c"}),
        ("def f():\n    local = 1\nclass K: pass", {"f", "K", "local"}),
        ("import numpy as np\nimport os.path\nfrom x import y as z", {"np", "os", "z"}),
        ("for i in range(3):\n    total += i", {"i", "total"}),
        ("%matplotlib inline\n!ls\nx = 1", {"x"}),
        ("%%time\ny = 2", {"y"}),
        ("this is not python", set()),
    ],
)
def test_defined_names(source: str, names: set[str]) -> None:
    assert defined_names(source) == names


# --------------------------------------------------------------------------- failures and ranking


def test_failures_are_high_confidence_and_skip_randomness() -> None:
    cells = [code("x = np.random.rand()\ntime.sleep(100)")]
    timeout = explain_cell(
        0, None, failure("CellTimeoutError", "cell did not finish within 5 s", "timeout"), evidence(cells)
    )
    assert [(c.kind, c.confidence) for c in timeout] == [("timeout", "high")]
    dead = explain_cell(
        0, None, failure("DeadKernelError", "the kernel died while running this cell", "dead-kernel"), evidence(cells)
    )
    assert kinds(dead) == ["dead-kernel"]
    assert dead[0].message.startswith("the kernel died while running this cell (")
    error = explain_cell(0, None, failure("ValueError", "bad"), evidence(cells))
    assert [c.message for c in error] == ["no cause found in the record or the code"]


def test_environment_only_when_nothing_certain_explains() -> None:
    env = [
        EnvironmentDifference("python.version", "3.10.4", "3.11.7", "high"),
        EnvironmentDifference("env.OMP_NUM_THREADS", "64", None, "medium"),
        EnvironmentDifference("platform.release", "5", "6", "low"),
    ]
    ev = evidence([code("print(x)")], old=record(), new=record(), environment=env)
    causes = explain_cell(0, text_diff(0, "a", "b"), None, ev)
    assert [(c.kind, c.confidence, c.message) for c in causes] == [
        ("environment", "medium", "python.version: 3.10.4 → 3.11.7"),
        ("environment", "low", "env.OMP_NUM_THREADS: 64 → unset"),
    ]
    certain = evidence(
        [code("df = read()")],
        old=record(),
        new=record(),
        environment=env,
        data=[DataDrift("a.csv", "changed", "h:1", "h:2", (0,))],
    )
    assert kinds(explain_cell(0, text_diff(0, "a", "b"), None, certain)) == ["data-changed"]


def test_environment_drift_needs_both_records() -> None:
    old = record(environment={"python": {"version": "3.10.1"}})
    new = record(environment={"python": {"version": "3.11.2"}})
    assert [(d.field, d.severity) for d in environment_drift(old, new)] == [("python.version", "high")]
    assert environment_drift(old, None) == environment_drift(None, new) == []


def test_causes_are_json() -> None:
    cause = Cause("data-changed", "m", "high", 3, {"path": "a.csv"}, ("a.csv changed",))
    assert cause.to_json() == {
        "kind": "data-changed",
        "category": "data",
        "message": "m",
        "confidence": "high",
        "origin_index": 3,
        "evidence": ["a.csv changed"],
        "root": "data:a.csv",
        "details": {"path": "a.csv"},
    }
    assert DataDrift("a", "missing", "h:1", None, (1, 2)).to_json()["read_by"] == [1, 2]
    assert PackageDrift("numpy", "1", None, (0,)).to_json() == {
        "distribution": "numpy",
        "old": "1",
        "new": None,
        "imported_by": [0],
    }
