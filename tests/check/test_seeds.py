"""``repro-nb seeds``: real re-runs, one kernel per seed, of a notebook recorded under one seed.

``seeds_claims`` (``tests/files/make_notebooks.py``) is recorded once per module with
``REPRO_NB_SEED=2``, a lucky seed: its ``lucky >= 0.9`` claim holds for the stored value
and for seed 2 only, while ``accuracy >= 0.85`` holds for every seed. Seeds 0..3 are run
serially through the CLI and in parallel through the API, and the two studies must agree.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from repro_nb.check.run import run_notebook
from repro_nb.check.seeds import SeedsError, SeedsOptions, parse_seeds, seed_parameter, study, study_path
from repro_nb.cli import main
from repro_nb.format.files import read_notebook, write_notebook
from repro_nb.report import seeds as seeds_report

from support import FILES

SEEDS = (0, 1, 2, 3)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("seeds")
    run = run_notebook(str(FILES / "seeds_claims.ipynb"), kernel_env={"REPRO_NB_SEED": "2"})
    assert run.status == "ok", run.failure
    write_notebook(run.nb, directory / "claims.ipynb")
    return directory / "claims.ipynb"


@pytest.fixture(scope="module")
def serial(recorded: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict[str, Any], Path]:
    """``repro-nb seeds NB --seeds 0..3 --jobs 1 --json --html`` in a child process."""
    out = tmp_path_factory.mktemp("serial")
    done = subprocess.run(
        [
            *(sys.executable, "-m", "repro_nb.cli", "seeds", str(recorded), "--seeds", "0..3", "--jobs", "1"),
            *("--json", str(out / "s.json"), "--html", str(out / "s.html")),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode in (0, 1), done.stdout + done.stderr
    (out / "stdout.txt").write_text(done.stdout)
    return done.returncode, json.loads((out / "s.json").read_text()), out


def by_name(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in document["results"]}


def test_a_claim_that_holds_for_every_seed(serial: tuple[int, dict[str, Any], Path]) -> None:
    _, document, _ = serial
    accuracy = by_name(document)["accuracy"]
    assert set(accuracy["values"]) == {"0", "1", "2", "3"}
    claim = accuracy["claim"]
    assert claim["claim"] == ">= 0.85" and claim["stored"] == "holds"
    assert claim["holds_every_seed"] is True and claim["interval"] == "holds"
    assert set(claim["per_seed"].values()) == {"holds"}
    spread = accuracy["spread"]
    assert spread["n"] == 4 and spread["min"] <= spread["iqm"] <= spread["max"]
    assert spread["ci_low"] <= spread["iqm"] <= spread["ci_high"]
    assert accuracy["stored_inside"] is True


def test_a_claim_that_holds_for_the_stored_seed_only_is_the_headline(serial: tuple[int, dict[str, Any], Path]) -> None:
    code, document, out = serial
    lucky = by_name(document)["lucky"]["claim"]
    assert lucky["stored"] == "holds" and lucky["holds_every_seed"] is False
    assert lucky["per_seed"] == {"0": "fails", "1": "fails", "2": "holds", "3": "fails"}
    assert document["findings"][0].startswith("lucky >= 0.9 holds for the stored value only: it fails for 3 of 4 seeds")
    assert any("fixed is 0.5 for every seed" in f for f in document["findings"])
    assert code == 1  # a claim fails for some seed
    stdout = (out / "stdout.txt").read_text()
    assert "findings:" in stdout and "lucky >= 0.9 holds for the stored value only" in stdout
    html = (out / "s.html").read_text()
    assert html.count("data:image/png;base64,") == 3  # one plot per scalar result
    assert "holds for the stored value only" in html


def test_the_study_is_left_beside_the_notebook_and_validates(
    recorded: Path, serial: tuple[int, dict[str, Any], Path]
) -> None:
    saved = seeds_report.read_json(study_path(str(recorded)))
    assert saved["schema_version"] == 1 and saved["seeds"] == list(SEEDS)
    assert study_path("a/b.ipynb") == "a/b.repro-seeds.json"


def test_parallel_runs_give_what_serial_runs_give(recorded: Path, serial: tuple[int, dict[str, Any], Path]) -> None:
    _, document, _ = serial
    parallel = study(str(recorded), SeedsOptions(seeds=SEEDS), jobs=2).to_json()

    def comparable(doc: dict[str, Any]) -> Any:
        return {
            "results": doc["results"],
            "findings": doc["findings"],
            "runs": [{k: v for k, v in run.items() if k != "duration_s"} for run in doc["runs"]],
        }

    assert comparable(parallel) == comparable(document)


def test_a_notebook_without_results_is_refused_before_any_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(FILES / "reproduces.ipynb", tmp_path)
    with pytest.raises(SeedsError, match=r"records no named results and its code never calls repro_nb\.result"):
        study(str(tmp_path / "reproduces.ipynb"), SeedsOptions(seeds=SEEDS))
    assert main(["seeds", str(tmp_path / "reproduces.ipynb"), "--no-save"]) == 2
    err = capsys.readouterr().err
    assert "has no repro-nb record" in err and "records no named results" in err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("garbage", "'garbage' is not a seed; write a range (0..9) or a list (1,2,5)"),
        ("9..0", "the range 9..0 goes down; write 0..9"),
        ("3", "give at least two seeds"),
        ("0..5000", "more than 1000 seeds"),
        ("1,-2", "'-2' is not a seed"),
    ],
)
def test_bad_seeds_are_clear_errors(text: str, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SeedsError, match="--seeds"):
        parse_seeds(text)
    assert main(["seeds", str(FILES / "seeds_claims.ipynb"), "--seeds", text]) == 2
    assert message in capsys.readouterr().err


def test_seed_lists_and_ranges() -> None:
    assert parse_seeds("0..9") == tuple(range(10))
    assert parse_seeds("0-2, 7,7 ,1") == (0, 1, 2, 7)


def test_a_seed_parameter_is_found_in_the_parameters_cell() -> None:
    nb = read_notebook(str(FILES / "parameters.ipynb"))
    assert seed_parameter(nb) is None
    nb.cells[0].source = "alpha = 1\nseed: int = 0"
    assert seed_parameter(nb) == "seed"
