"""``check_notebook`` end to end: planted drift for every cause, planted noise that is not drift.

Every check here re-executes a notebook in a real, fresh kernel, as ``repro-nb check``
does. The notebooks are data files in ``tests/files/`` named by what they plant
(``make_notebooks.py`` writes them); those that need a real record are recorded once
per module by ``repro-nb``'s own engine and then edited — a changed data file, an edited
package version, another Python in the stored environment — which is how a record
drifts in life.

Kernels are the cost of this suite, so each kernel run is one test (or one module
fixture shared by tests that would otherwise each start their own), and the cause
assertions of a run live together.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
import pytest

from repro_nb.check.discovery import collect_notebooks
from repro_nb.check.options import CheckOptions
from repro_nb.check.parallel import check_many
from repro_nb.check.pipeline import (
    check_notebook,
    diff_notebooks,
    evaluate,
)
from repro_nb.check.results import CellResult, NotebookResult
from repro_nb.check.run import RunResult, run_notebook
from repro_nb.compare import CompareOptions, Tolerance
from repro_nb.compare.normalize import NormalizerSet
from repro_nb.format.files import write_notebook

from support import FILES, NOTEBOOKS, case, cells_by_id, kinds, recorded_case, statuses

CASES = FILES

WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]


# --------------------------------------------------------------------------- helpers


def messages(cell: CellResult) -> str:
    return "\n".join(c.message for c in cell.causes)


def set_order(seed: int) -> str:
    """How ``print(set_of_WORDS)`` comes out under ``PYTHONHASHSEED=seed``."""
    code = f"print(set({WORDS!r}))"
    env = dict(os.environ, PYTHONHASHSEED=str(seed))
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout


def seed_not_printing(text: str, start: int = 0) -> int:
    """A PYTHONHASHSEED under which the set of WORDS does not print as ``text``."""
    return next(seed for seed in range(start, start + 50) if set_order(seed) != text)


def stored_text(nb_path: Path, cell_id: str) -> str:
    nb = json.loads(nb_path.read_text())
    cell = next(c for c in nb["cells"] if c.get("id") == cell_id)
    return "".join(o.get("text", "") for o in cell["outputs"])


# --------------------------------------------------------------------------- noise is not drift


@pytest.fixture(scope="module")
def noise(tmp_path_factory: pytest.TempPathFactory) -> NotebookResult:
    path = case("noise_and_skips_reproduce.ipynb", tmp_path_factory.mktemp("noise"))
    return check_notebook(str(path))


def test_volatile_output_and_skip_marks_reproduce(noise: NotebookResult) -> None:
    assert statuses(noise) == {
        "timestamp": "reproduced",
        "address": "reproduced",
        "time-magic": "reproduced",
        "timeit": "reproduced",
        "tqdm": "reproduced",
        "cr-progress": "reproduced",
        "temp-path": "reproduced",
        "ulp": "reproduced",
        "ulp-html": "reproduced",
        "png": "reproduced",
        "skip-tag": "skipped",
        "nbval-comment": "skipped",
        "nbval-tag": "skipped",
        "nbval-skip": "skipped",
        "nbval-raises": "reproduced",
        "plain": "reproduced",
    }
    assert noise.verdict == "reproduced" and noise.exit_code == 0
    assert noise.message == "all 12 compared cells reproduced"
    skipped = cells_by_id(noise)
    assert "repro-skip" in (skipped["skip-tag"].skip_reason or "")
    assert "NBVAL_IGNORE_OUTPUT" in (skipped["nbval-comment"].skip_reason or "")
    assert "nbval-ignore-output" in (skipped["nbval-tag"].skip_reason or "")
    # NBVAL_SKIP: not even executed (it would have killed the kernel), as nbval does
    assert skipped["nbval-skip"].skip_reason == "not run (nbval skip)"
    assert skipped["nbval-skip"].actual_index is not None
    assert noise.executed.cells[skipped["nbval-skip"].actual_index].get("execution_count") is None


def test_the_planted_noise_is_real(noise: NotebookResult) -> None:
    """The same re-run, compared without masks and tolerance: the noise cells differ.

    Proves the stored outputs really differ from what the kernel printed, so the test
    above passes because of the masks, not because nothing changed.
    """
    bare = CompareOptions(tolerance=Tolerance(rtol=0, atol=0), normalizers=NormalizerSet(()), skip_tags=frozenset())
    run = RunResult(nb=noise.executed, status="ok", duration_s=0.0)
    strict = evaluate(noise.path, noise.stored, None, run, bare)
    drifted = {cid for cid, status in statuses(strict).items() if status == "drifted"}
    # the skip marks: nbval comments are always honoured, tags only when configured
    assert drifted == {
        "timestamp",
        "address",
        "time-magic",
        "timeit",
        "tqdm",
        "cr-progress",
        "temp-path",
        "ulp",
        "ulp-html",
        "skip-tag",
        "nbval-tag",
    }
    stored_png = cells_by_id(noise)["png"]
    assert stored_png.status == "reproduced"
    png_index = stored_png.index
    assert png_index is not None and stored_png.actual_index is not None
    old = noise.stored.cells[png_index].outputs[0].data["image/png"]
    new = noise.executed.cells[stored_png.actual_index].outputs[0].data["image/png"]
    assert old != new  # other PNG bytes, the same pixels


def test_timeit_slowest_run_warning_is_noise() -> None:
    from repro_nb.compare import compare_outputs

    warning = (
        "The slowest run took 5.12 times longer than the fastest. "
        "This could mean that an intermediate result is being cached.\n"
    )
    timing = "1.93 µs ± 12.1 ns per loop (mean ± std. dev. of 7 runs, 1,000,000 loops each)\n"
    stored = [{"output_type": "stream", "name": "stdout", "text": warning + timing}]
    rerun = [{"output_type": "stream", "name": "stdout", "text": timing}]
    assert compare_outputs(stored, rerun) == ()


# --------------------------------------------------------------------------- nbformat 4.0 - 4.5


@pytest.mark.parametrize("minor", range(6))
def test_every_nbformat_4_minor_reproduces(minor: int, tmp_path: Path) -> None:
    path = case(f"nbformat_4_{minor}.ipynb", tmp_path)
    before = path.read_bytes()
    result = check_notebook(str(path))
    assert result.verdict == "reproduced", result.message
    assert [c.status for c in result.cells] == ["reproduced", "reproduced", "not-stored"]
    # cell ids are the file's own: none before 4.5 (papermill's random ids stay out)
    expected_ids = ["compute", "result", "unexecuted"] if minor == 5 else [None, None, None]
    assert [c.cell_id for c in result.cells] == expected_ids
    assert [c.index for c in result.cells] == [1, 2, 3]
    assert path.read_bytes() == before, "check must not touch the user's notebook"


# --------------------------------------------------------------------------- a recorded notebook, planted


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``recorded_dependencies`` executed and recorded by repro-nb's engine, with its files."""
    return recorded_case("recorded_dependencies.ipynb", tmp_path_factory.mktemp("recorded"))


Edit = Callable[[dict[str, Any]], None]


def planted(
    recorded: Path, dest: Path, edit_record: Edit | None = None, edit_files: Callable[[Path], None] | None = None
) -> Path:
    """A copy of the recorded notebook and its files, with the record or the files edited."""
    shutil.copytree(recorded.parent, dest)
    path = dest / recorded.name
    if edit_record:
        nb = json.loads(path.read_text())
        edit_record(nb)
        path.write_text(json.dumps(nb, indent=1))
    if edit_files:
        edit_files(dest)
    return path


def cell_of(nb: dict[str, Any], cell_id: str) -> dict[str, Any]:
    return next(c for c in nb["cells"] if c.get("id") == cell_id)


def index_of(result: NotebookResult, cell_id: str) -> int:
    index = cells_by_id(result)[cell_id].index
    assert index is not None
    return index


def change_values(directory: Path) -> None:
    (directory / "data" / "values.txt").write_text("1.5\n2.5\n4.0\n")


def test_recorded_notebook_reproduces_with_its_record(recorded: Path, tmp_path: Path) -> None:
    result = check_notebook(str(planted(recorded, tmp_path / "nb")))
    assert result.verdict == "reproduced", result.message
    assert result.has_record
    assert not result.data and not result.packages
    assert not any("no repro-nb record" in w for w in result.warnings)
    assert set(statuses(result).values()) == {"reproduced"}


def test_changed_data_file_is_the_cause_in_the_reading_cell_and_after(recorded: Path, tmp_path: Path) -> None:
    result = check_notebook(str(planted(recorded, tmp_path / "nb", edit_files=change_values)))
    assert result.verdict == "drifted" and result.exit_code == 1
    assert statuses(result) == {
        "load": "drifted",
        "mean": "drifted",
        "arith": "reproduced",
        "numpy": "drifted",
        "local": "reproduced",
    }
    load = index_of(result, "load")
    [data] = result.data
    assert (data.path, data.status, data.read_by) == ("data/values.txt", "changed", (load,))
    assert data.old_hash and data.new_hash and data.old_hash != data.new_hash
    cells = cells_by_id(result)
    for cell_id in ("load", "mean", "numpy"):
        first = cells[cell_id].causes[0]
        assert (first.kind, first.confidence, first.origin_index) == ("data-changed", "high", load)
        assert "data/values.txt" in first.message and "changed since it was recorded" in first.message
    assert "read by this cell" in cells["load"].causes[0].message
    assert f"read by cell {load + 1}" in cells["mean"].causes[0].message
    assert cells["load"].diffs[0].kind == "numeric"


def test_data_drift_is_reported_even_when_the_outputs_are_equal(recorded: Path, tmp_path: Path) -> None:
    def add_blank_lines(directory: Path) -> None:  # read with split(): same numbers, other bytes
        with open(directory / "data" / "values.txt", "a") as handle:
            handle.write("\n\n")

    result = check_notebook(str(planted(recorded, tmp_path / "nb", edit_files=add_blank_lines)))
    assert set(statuses(result).values()) == {"reproduced"}
    assert result.verdict == "drifted" and result.exit_code == 1
    assert [(d.path, d.status) for d in result.data] == [("data/values.txt", "changed")]
    assert "1 data file(s) differ from the record" in result.message


def test_missing_data_file_explains_the_failure(recorded: Path, tmp_path: Path) -> None:
    def remove(directory: Path) -> None:
        (directory / "data" / "values.txt").unlink()

    result = check_notebook(str(planted(recorded, tmp_path / "nb", edit_files=remove)))
    assert result.verdict == "failed" and result.exit_code == 1
    assert result.run_status == "ok", "the run goes on after the error"
    assert statuses(result) == {
        "load": "failed",
        "mean": "failed",
        "arith": "reproduced",
        "numpy": "failed",
        "local": "reproduced",
    }
    cells = cells_by_id(result)
    for consequence in ("mean", "numpy"):  # they fail only because `load` did: one cause each, pointing there
        [cause] = cells[consequence].causes
        assert (cause.kind, cause.category, cause.origin_index) == ("consequence", "consequence", cells["load"].index)
        assert "failed because cell 2 failed: it uses 'rows'" in cause.message
    assert "3 cell(s) failed (2 only because an earlier cell failed)" in result.message
    load = cells["load"]
    assert kinds(load) == ["data-missing"]
    assert "data/values.txt read by this cell is missing" in load.causes[0].message
    assert load.failure is not None and load.failure["ename"] == "FileNotFoundError"
    assert [(d.path, d.status) for d in result.data] == [("data/values.txt", "missing")]


def test_data_file_never_recorded(recorded: Path, tmp_path: Path) -> None:
    """The record has no read of the file (read without the recorder), and it changed."""

    def forget_read(nb: dict[str, Any]) -> None:
        cell_of(nb, "load")["metadata"]["repro_nb"]["reads"] = []
        notebook = nb["metadata"]["repro_nb"]
        notebook["data"] = [d for d in notebook["data"] if d["path"] != "data/values.txt"]

    result = check_notebook(str(planted(recorded, tmp_path / "nb", forget_read, change_values)))
    assert result.verdict == "drifted"
    cells = cells_by_id(result)
    assert kinds(cells["load"]) == ["data-unrecorded"]
    assert "data/values.txt read by this cell was never recorded" in cells["load"].causes[0].message
    assert kinds(cells["mean"]) == ["data-unrecorded"]
    assert [(d.path, d.status) for d in result.data] == [("data/values.txt", "unrecorded")]


def test_package_version_and_environment_differences(recorded: Path, tmp_path: Path) -> None:
    """The record says numpy 1.21.0 on Python 3.10 with OMP_NUM_THREADS=64; outputs differ."""

    def older_setup(nb: dict[str, Any]) -> None:
        record = nb["metadata"]["repro_nb"]
        record["packages"]["numpy"] = "1.21.0"
        for item in cell_of(nb, "numpy")["metadata"]["repro_nb"]["imports"]:
            if item["distribution"] == "numpy":
                item["version"] = "1.21.0"
        record["environment"]["python"]["version"] = "3.10.4"
        record["environment"]["env"]["OMP_NUM_THREADS"] = "64"
        cell_of(nb, "arith")["outputs"][0]["text"] = "4.49\n"  # what another platform printed
        numpy_out = cell_of(nb, "numpy")["outputs"][0]
        numpy_out["text"] = "0.6237\n"  # instead of 0.6236: a change in the 4th digit

    with pytest.MonkeyPatch.context() as env:
        env.delenv("OMP_NUM_THREADS", raising=False)
        result = check_notebook(str(planted(recorded, tmp_path / "nb", older_setup)))
    assert result.verdict == "drifted"
    assert statuses(result)["arith"] == statuses(result)["numpy"] == "drifted"
    [numpy] = [p for p in result.packages if p.distribution == "numpy"]
    assert numpy.old == "1.21.0" and numpy.new not in (None, "1.21.0")
    assert numpy.imported_by == (index_of(result, "numpy"),)
    fields = {e.field: (e.old, e.new) for e in result.environment}
    assert fields["python.version"][0] == "3.10.4"
    assert fields["env.OMP_NUM_THREADS"] == ("64", None)
    cells = cells_by_id(result)
    first = cells["numpy"].causes[0]
    assert (first.kind, first.confidence) == ("package-changed", "medium")
    assert first.message.startswith("numpy 1.21.0 → ") and "(imported by this cell)" in first.message
    # the arithmetic cell imports nothing: only the environment can explain it
    assert kinds(cells["arith"]) == ["environment", "environment"]
    assert "python.version: 3.10.4 → " in messages(cells["arith"])
    assert "env.OMP_NUM_THREADS: 64 → unset" in messages(cells["arith"])


def test_module_recorded_as_installed_is_missing(recorded: Path, tmp_path: Path) -> None:
    def installed_helper(nb: dict[str, Any]) -> None:
        nb["metadata"]["repro_nb"]["packages"]["localhelper"] = "1.0"
        for item in cell_of(nb, "local")["metadata"]["repro_nb"]["imports"]:
            if item["module"] == "localhelper":
                item.update(distribution="localhelper", version="1.0")

    def uninstall(directory: Path) -> None:
        (directory / "localhelper.py").unlink()

    result = check_notebook(str(planted(recorded, tmp_path / "nb", installed_helper, uninstall)))
    assert result.verdict == "failed"
    local = cells_by_id(result)["local"]
    assert local.status == "failed"
    assert local.causes[0].kind == "package-missing"
    assert local.causes[0].message == "module 'localhelper' is not installed (recorded: localhelper 1.0)"
    assert kinds(local).count("package-missing") == 1, "one cause, not the same news twice"
    assert [(p.distribution, p.old, p.new) for p in result.packages] == [("localhelper", "1.0", None)]


# --------------------------------------------------------------------------- randomness and hash order


@pytest.fixture(scope="module")
def random_rerun(tmp_path_factory: pytest.TempPathFactory) -> tuple[NotebookResult, str, str]:
    """``recorded_randomness`` recorded under one PYTHONHASHSEED, checked under another."""
    directory = tmp_path_factory.mktemp("randomness")
    source = case("recorded_randomness.ipynb", directory)
    first = "3"
    second = str(seed_not_printing(set_order(int(first)), start=int(first) + 1))
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PYTHONHASHSEED", first)
        run = run_notebook(str(source))
        assert run.ok, run.failure
        write_notebook(run.nb, directory / "recorded.ipynb")
        env.setenv("PYTHONHASHSEED", second)
        result = check_notebook(str(directory / "recorded.ipynb"))
    return result, first, second


def test_unseeded_generator_from_the_record(random_rerun: tuple[NotebookResult, str, str]) -> None:
    result, _, _ = random_rerun
    assert result.has_record
    cells = cells_by_id(result)
    assert cells["seeded"].status == "reproduced"
    unseeded = cells["unseeded"]
    assert unseeded.status == "drifted"
    assert kinds(unseeded) == ["unseeded-rng"]
    assert unseeded.causes[0].confidence == "high"
    assert "default_rng() without a seed in this cell" in unseeded.causes[0].message


def test_hash_randomization_reorders_a_set(random_rerun: tuple[NotebookResult, str, str]) -> None:
    result, first, second = random_rerun
    words = cells_by_id(result)["words"]
    assert words.status == "drifted"
    assert words.causes[0].kind == "hash-order"
    assert f"PYTHONHASHSEED {first} → {second}" in words.causes[0].message
    assert ("env.PYTHONHASHSEED", first, second) in [(e.field, e.old, e.new) for e in result.environment]


def test_hash_order_without_a_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = case("set_order_no_record.ipynb", tmp_path)
    monkeypatch.setenv("PYTHONHASHSEED", str(seed_not_printing(stored_text(path, "words"))))
    result = check_notebook(str(path))
    assert not result.has_record
    words = cells_by_id(result)["words"]
    assert words.status == "drifted"
    assert kinds(words) == ["hash-order"]
    assert "set PYTHONHASHSEED, or sort before printing" in words.causes[0].message


def test_unseeded_randomness_without_a_stored_record(tmp_path: Path) -> None:
    """No stored record: the re-run's recorder still sees the unseeded draws."""
    result = check_notebook(str(case("unseeded_random_no_record.ipynb", tmp_path)))
    assert not result.has_record
    assert any("no repro-nb record" in w for w in result.warnings)
    cells = cells_by_id(result)
    assert statuses(result) == {"imports": "reproduced", "draw": "drifted", "derived": "drifted"}
    assert (cells["draw"].causes[0].kind, cells["draw"].causes[0].confidence) == ("unseeded-rng", "high")
    draw_index = index_of(result, "draw")
    derived = cells["derived"].causes[0]
    assert (derived.kind, derived.origin_index) == ("unseeded-rng", draw_index)
    assert derived.message.endswith(f"in cell {draw_index + 1}")


def test_unseeded_randomness_from_the_code_when_nothing_was_recorded(tmp_path: Path) -> None:
    """``diff`` of two notebooks without any record: only the code can tell."""
    stored = case("unseeded_random_no_record.ipynb", tmp_path)
    nb = json.loads(stored.read_text())
    cell_of(nb, "draw")["outputs"][0]["text"] = "[98, 76, 54]\n"
    other = tmp_path / "other.ipynb"
    other.write_text(json.dumps(nb))
    result = diff_notebooks(str(stored), str(other))
    draw = cells_by_id(result)["draw"]
    assert draw.status == "drifted"
    assert kinds(draw) == ["unseeded-rng"]
    assert "random.randint(…) in this cell draws random numbers and no cell sets a seed" in draw.causes[0].message

    cell_of(nb, "imports")["source"] = "import random\nrandom.seed(0)"
    seeded = tmp_path / "seeded.ipynb"
    seeded.write_text(json.dumps(nb))
    quiet = diff_notebooks(str(seeded), str(other))
    assert "unseeded-rng" not in kinds(cells_by_id(quiet)["draw"])


# --------------------------------------------------------------------------- hidden state, failures


def test_name_no_cell_defines_is_hidden_state(tmp_path: Path) -> None:
    result = check_notebook(str(case("hidden_state_deleted_cell.ipynb", tmp_path)))
    assert result.verdict == "failed"
    assert statuses(result) == {"imports": "reproduced", "uses-scale": "failed", "after": "reproduced"}
    cell = cells_by_id(result)["uses-scale"]
    assert kinds(cell) == ["hidden-state"]
    assert cell.causes[0].category == "execution-order"
    assert "no cell defines 'scale'" in cell.causes[0].message


def test_name_defined_only_later_means_out_of_order(tmp_path: Path) -> None:
    result = check_notebook(str(case("hidden_state_defined_later.ipynb", tmp_path)))
    cell = cells_by_id(result)["apply-threshold"]
    assert cell.status == "failed"
    assert kinds(cell) == ["hidden-state"]  # one story, with the execution counts as its evidence
    assert "'threshold' is defined only in a later cell (3)" in cell.causes[0].message
    assert cell.causes[0].origin_index == 2
    assert any("executed out of order" in fact for fact in cell.causes[0].evidence)
    assert statuses(result)["set-threshold"] == "reproduced"


def test_timeout_fails_the_cell_and_later_cells_do_not_run(tmp_path: Path) -> None:
    result = check_notebook(str(case("times_out.ipynb", tmp_path)), CheckOptions(timeout=3))
    assert result.verdict == "failed" and result.run_status == "timeout"
    assert statuses(result) == {"quick": "reproduced", "slow": "failed", "after": "not-run"}
    slow = cells_by_id(result)["slow"]
    assert kinds(slow) == ["timeout"]
    assert slow.failure is not None and slow.failure["kind"] == "timeout"
    assert result.duration_s < 60


def test_a_fraction_of_a_second_is_still_a_time_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """papermill takes whole seconds: 0.5 must become 1, not 0 ("no limit")."""
    seen: dict[str, Any] = {}

    def fake_papermill(nb: Any, output: Any, **kwargs: Any) -> Any:
        seen.update(kwargs)
        return nb

    monkeypatch.setattr("papermill.execute_notebook", fake_papermill)
    nb = nbformat.reads((CASES / "reproduces.ipynb").read_text(), as_version=4)
    run_notebook(nb, timeout=0.5, startup_timeout=2.5)
    assert (seen["execution_timeout"], seen["start_timeout"]) == (1, 3)
    run_notebook(nb, timeout=None)
    assert seen["execution_timeout"] is None


def test_dead_kernel_fails_the_cell(tmp_path: Path) -> None:
    result = check_notebook(str(case("kills_kernel.ipynb", tmp_path)))
    assert result.verdict == "failed" and result.run_status == "dead-kernel"
    assert statuses(result) == {"before": "reproduced", "kill": "failed", "after": "not-run"}
    kill = cells_by_id(result)["kill"]
    assert kinds(kill) == ["dead-kernel"]
    assert kill.causes[0].message.startswith("the kernel died while running this cell")
    assert "the kernel died: the kernel died" not in kill.causes[0].message


def test_exception_fails_the_cell(tmp_path: Path) -> None:
    result = check_notebook(str(case("raises.ipynb", tmp_path)))
    assert result.verdict == "failed" and result.run_status == "ok"
    assert statuses(result) == {"before": "reproduced", "boom": "failed", "after": "reproduced"}
    boom = cells_by_id(result)["boom"]
    assert kinds(boom) == ["unknown"]  # the error is the failure; nothing explains it
    assert boom.failure is not None and "ValueError" in boom.failure["traceback"]
    assert boom.failure["cell_index"] == boom.actual_index


def test_stop_on_error_keeps_stopping_at_the_first_new_error(tmp_path: Path) -> None:
    result = check_notebook(str(case("raises.ipynb", tmp_path)), CheckOptions(stop_on_error=True))
    assert result.verdict == "failed" and result.run_status == "error"
    assert statuses(result) == {"before": "reproduced", "boom": "failed", "after": "not-run"}


def test_kernel_that_cannot_start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No cell ran: every cell "not run", the reason in the message — not "output missing"."""
    spec = tmp_path / "jupyter" / "kernels" / "broken"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-c", "raise SystemExit(3)", "{connection_file}"],
                "display_name": "Broken",
                "language": "python",
            }
        )
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    path = case("reproduces.ipynb", tmp_path)
    result = check_notebook(str(path), CheckOptions(kernel_name="broken", startup_timeout=30))
    assert result.verdict == "failed" and result.run_status == "kernel-failed"
    assert set(statuses(result).values()) == {"not-run"}
    assert result.message.startswith("execution stopped (kernel-failed: RuntimeError: ")
    assert "2 cells not run" in result.message


def test_classic_mistakes_example(tmp_path: Path) -> None:
    """The repository's example of the classic mistakes, as its README describes it."""
    directory = tmp_path / "example"
    directory.mkdir()
    shutil.copy2(NOTEBOOKS / "classic_mistakes.ipynb", directory)
    shutil.copytree(NOTEBOOKS / "data", directory / "data")
    (directory / "scratch").mkdir()
    result = check_notebook(str(directory / "classic_mistakes.ipynb"))
    assert result.verdict == "failed" and result.has_record
    cells = cells_by_id(result)
    for cell_id in ("unseeded-normal", "unseeded-rng"):
        assert cells[cell_id].status == "drifted"
        assert cells[cell_id].causes[0].kind == "unseeded-rng"
        assert cells[cell_id].causes[0].confidence == "high"
    # read, append, read again: two hashes of one file, both expected — not drift
    for cell_id in ("read-measurements", "append-row", "reread-measurements"):
        assert cells[cell_id].status == "reproduced"
    assert not [d for d in result.data if d.status != "unrecorded"]
    threshold = cells["apply-threshold"]
    assert threshold.status == "failed"
    [cause] = threshold.causes  # one finding: the name, the order it was recorded in, the counts
    assert cause.kind == "hidden-state" and cause.category == "execution-order"
    assert any(fact.startswith("when recorded, this cell:") for fact in cause.evidence)
    # the run goes on past the failure, as the author's session did: the cells below reproduce
    assert cells["describe-readings"].status == cells["set-threshold"].status == "reproduced"


# --------------------------------------------------------------------------- no kernel needed


def test_unreadable_notebooks_are_errors(tmp_path: Path) -> None:
    expected = {
        "not_json.ipynb": "not valid JSON",
        "empty_file.ipynb": "the file is empty",
        "nbformat_3.ipynb": "nbformat 3 is not supported",
        "unknown_language_kernel.ipynb": "no such kernel: 'ijulia-1.9'; no installed kernel runs julia",
    }
    for name, phrase in expected.items():
        result = check_notebook(str(case(name, tmp_path)))
        assert (result.verdict, result.exit_code) == ("error", 2), name
        assert phrase in result.message, (name, result.message)
        assert "\n" not in result.message
    missing = check_notebook(str(tmp_path / "nowhere.ipynb"))
    assert missing.verdict == "error" and "no such file" in missing.message


def test_empty_notebook_starts_no_kernel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_kernel(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a kernel was started")

    monkeypatch.setattr("repro_nb.check.pipeline.run_notebook", no_kernel)
    for name in ("empty_notebook.ipynb", "markdown_only.ipynb"):
        result = check_notebook(str(case(name, tmp_path)))
        assert (result.verdict, result.exit_code, result.message) == (
            "reproduced",
            0,
            "no code cells: nothing to reproduce",
        )


def test_unexpected_execution_error_is_this_notebooks_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same one-line error in a serial check as in a ``--jobs`` worker, no traceback."""

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("Kernel didn't respond in 60 seconds")

    monkeypatch.setattr("repro_nb.check.pipeline.run_notebook", broken)
    results = check_many([str(case("reproduces.ipynb", tmp_path))], CheckOptions())
    assert [(r.verdict, r.exit_code) for r in results] == [("error", 2)]
    assert "RuntimeError: Kernel didn't respond in 60 seconds" in results[0].message


def test_diff_explains_an_error_and_what_did_not_run_after_it(tmp_path: Path) -> None:
    """B is what papermill leaves when a cell raises: the error, then unexecuted cells."""
    stored = case("hidden_state_deleted_cell.ipynb", tmp_path)
    nb = json.loads(stored.read_text())
    failed, after = cell_of(nb, "uses-scale"), cell_of(nb, "after")
    failed["outputs"] = [
        {
            "output_type": "error",
            "ename": "NameError",
            "evalue": "name 'scale' is not defined",
            "traceback": ["NameError: name 'scale' is not defined"],
        }
    ]
    after["outputs"], after["execution_count"] = [], None
    other = tmp_path / "other.ipynb"
    other.write_text(json.dumps(nb))
    result = diff_notebooks(str(stored), str(other))
    assert result.verdict == "failed" and result.exit_code == 1
    assert statuses(result) == {"imports": "reproduced", "uses-scale": "failed", "after": "not-run"}
    assert kinds(cells_by_id(result)["uses-scale"]) == ["hidden-state"]


def test_record_from_a_newer_repro_nb_is_refused_clearly(tmp_path: Path) -> None:
    path = case("reproduces.ipynb", tmp_path)
    nb = json.loads(path.read_text())
    nb["metadata"]["repro_nb"] = {"schema_version": 99, "recorder": {"version": "9.0"}}
    path.write_text(json.dumps(nb))
    result = check_notebook(str(path))
    assert (result.verdict, result.exit_code) == ("error", 2)
    assert "schema version 99" in result.message and "upgrade repro-nb" in result.message


def test_record_in_a_sidecar_is_evidence_too(tmp_path: Path) -> None:
    """Where no frontend wrote notebook metadata, the record lives in ``NAME.repro.json``."""
    from repro_nb.format.cells import source_hash
    from repro_nb.format.record import write_sidecar

    path = case("reproduces.ipynb", tmp_path)
    answer = cell_of(json.loads(path.read_text()), "answer")
    write_sidecar(
        tmp_path / "reproduces.repro.json",
        {
            "schema_version": 2,
            "notebook": {"schema_version": 2, "recorder": {"version": "0.1.0", "channel": "sidecar"}},
            "cells": [
                {
                    "schema_version": 2,
                    "cell_id": "answer",
                    "source_hash": source_hash(answer["source"]),
                    "reads": [{"path": "data/input.csv", "status": "ok", "hash": "blake3:" + "0" * 64}],
                }
            ],
        },
    )
    result = diff_notebooks(str(path), str(path))  # nothing re-run: the file is simply gone
    assert result.has_record
    assert [(d.path, d.status, d.read_by) for d in result.data] == [("data/input.csv", "missing", (0,))]
    assert result.verdict == "drifted" and "1 data file(s) differ from the record" in result.message


def test_diff_of_a_notebook_with_itself_reproduces() -> None:
    path = str(NOTEBOOKS / "sales_analysis.ipynb")
    result = diff_notebooks(path, path)
    assert result.verdict == "reproduced", result.message
    assert result.has_record


def test_collect_notebooks(tmp_path: Path) -> None:
    for rel in (
        "b.ipynb",
        "a.ipynb",
        "sub/c.ipynb",
        "sub/.ipynb_checkpoints/c-checkpoint.ipynb",
        ".hidden/d.ipynb",
        "scratch/e.ipynb",
        "notes.txt",
    ):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("{}")
    found = collect_notebooks([str(tmp_path), str(tmp_path / "a.ipynb")], skip=["scratch/*"], base_dir=str(tmp_path))
    assert [os.path.relpath(p, tmp_path) for p in found] == ["a.ipynb", "b.ipynb", os.path.join("sub", "c.ipynb")]
    assert collect_notebooks([str(tmp_path / "b.ipynb")], skip=["b.*"]) == []
    assert len(collect_notebooks([str(tmp_path / "scratch")], skip=["scratch/*"])) == 1  # no base: not relative


def test_results_are_json_and_keep_their_order(tmp_path: Path) -> None:
    paths = [str(case(n, tmp_path)) for n in ("not_json.ipynb", "empty_file.ipynb", "nbformat_3.ipynb")]
    seen: list[str] = []
    results = check_many(paths, jobs=1, on_result=lambda r: seen.append(r.path))
    assert [r.path for r in results] == paths == seen
    document = json.loads(json.dumps([r.to_json() for r in results]))
    assert [d["verdict"] for d in document] == ["error"] * 3


def test_the_test_notebooks_are_valid_nbformat() -> None:
    """Planted outputs are hand-written: make sure they are what a frontend could save."""
    broken_on_purpose = {"not_json.ipynb", "empty_file.ipynb", "nbformat_3.ipynb"}
    checked = 0
    for path in sorted(CASES.glob("*.ipynb")):
        if path.name not in broken_on_purpose and not path.name.startswith("malformed_"):
            nbformat.validate(nbformat.reads(path.read_text(encoding="utf-8"), as_version=nbformat.NO_CONVERT))
            checked += 1
    assert checked >= 20


# --------------------------------------------------------------------------- what authors do on purpose


def test_errors_kept_on_purpose_reproduce_and_the_run_goes_on(tmp_path: Path) -> None:
    result = check_notebook(str(case("stored_errors.ipynb", tmp_path)))
    assert result.run_status == "ok"
    assert statuses(result) == {
        "divide": "reproduced",  # the same ZeroDivisionError as stored
        "index": "reproduced",
        "tagged": "reproduced",  # raises-exception, and the same error
        "fixed": "drifted",  # stored another evalue: a changed error in a tagged-or-stored cell is drift
        "after": "reproduced",
    }
    assert result.verdict == "drifted"


def test_an_error_that_is_gone_is_drift_of_intentional_errors(tmp_path: Path) -> None:
    path = case("stored_errors.ipynb", tmp_path)
    nb = json.loads(path.read_text())
    divide = cell_of(nb, "divide")
    divide["source"] = "1 / 1"  # the error the author showed no longer happens
    path.write_text(json.dumps(nb))
    result = check_notebook(str(path))
    cell = cells_by_id(result)["divide"]
    assert cell.status == "drifted"
    assert (cell.causes[0].kind, cell.causes[0].category) == ("error-gone", "intentional-error")
    assert "ZeroDivisionError: division by zero" in cell.causes[0].message


def test_later_cells_that_fail_only_because_of_an_error_are_consequences(tmp_path: Path) -> None:
    result = check_notebook(str(case("failure_and_consequences.ipynb", tmp_path)))
    assert result.verdict == "failed" and result.run_status == "ok"
    assert statuses(result) == {
        "load": "failed",
        "use": "failed",
        "derived": "failed",
        "uses-derived": "failed",
        "independent": "failed",
        "fine": "reproduced",
    }
    cells = cells_by_id(result)
    load = cells["load"].index
    for name in ("use", "derived", "uses-derived"):  # uses-derived through `scaled`, which derived never made
        [cause] = cells[name].causes
        assert (cause.kind, cause.origin_index, cause.root) == ("consequence", load, f"consequence:{load}")
    assert cells["uses-derived"].causes[0].details == {"name": "scaled"}
    assert "consequence" not in kinds(cells["independent"]), "an error of its own is its own cause"
    assert "5 cell(s) failed (3 only because an earlier cell failed)" in result.message


def test_a_notebook_whose_kernel_is_not_installed_is_checked_with_one_of_its_language(tmp_path: Path) -> None:
    result = check_notebook(str(case("kernel_from_another_machine.ipynb", tmp_path)))
    assert result.kernel is not None and (result.kernel.requested, result.kernel.used) == ("conda-root-py", "python3")
    assert statuses(result) == {"a": "reproduced", "b": "drifted"}
    causes = cells_by_id(result)["b"].causes
    assert ("kernel-substituted", "environment") in [(c.kind, c.category) for c in causes]
    substituted = next(c for c in causes if c.kind == "kernel-substituted")
    assert substituted.message == "kernel 'conda-root-py' is not installed here; checked with python3"
    strict = check_notebook(str(case("kernel_from_another_machine.ipynb", tmp_path)), CheckOptions(strict_kernel=True))
    assert strict.verdict == "error" and "--strict-kernel" in strict.message


def test_code_for_the_browser_is_not_compared(tmp_path: Path) -> None:
    result = check_notebook(str(case("frontend_assets.ipynb", tmp_path)))
    assert result.verdict == "reproduced", [c.diffs for c in result.cells]
