"""``repro-nb report``: notebooks earning each number of stars, 0 to 5, with the reason for each missing one.

One directory of real notebooks, recorded by repro-nb's engine and then planted the
way records and data go wrong in life; one ``repro-nb report DIR --check`` re-runs each
in a fresh kernel, keeps the check beside it and rates them all in one summary:

- ``five``: ``stars_five`` recorded, checked and studied across seeds (``repro-nb seeds``)
- ``four``: its result printed, not stored with a claim
- ``three``: the record lost a distribution's version
- ``two/two``: its data file changed after it was recorded
- ``one``: no cell tagged ``parameters``
- ``zero``: a cell that raises (``raises``); ``unchecked``: no check, no record
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import nbformat
import pytest

from repro_nb.check.run import run_notebook
from repro_nb.check.seeds import SeedsOptions, study, study_path
from repro_nb.check.stars import rate
from repro_nb.check.stars.scan import absolute_paths, env_reads_without_default, parameters_cell
from repro_nb.cli import main
from repro_nb.format.files import write_notebook
from repro_nb.report import badge
from repro_nb.report import seeds as seeds_report
from repro_nb.report.reproducibility import validate

from support import FILES


def record(source: Path, dest: Path) -> Any:
    """Record ``source`` where it will be rated, so its reads are recorded relative to it."""
    shutil.copy(source, dest)
    run = run_notebook(str(dest))
    assert run.status == "ok", run.failure
    write_notebook(run.nb, dest)
    return run.nb


@pytest.fixture(scope="module")
def rated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], str]:
    root = tmp_path_factory.mktemp("stars")
    shutil.copytree(FILES / "stars_data", root / "stars_data")
    five = record(FILES / "stars_five.ipynb", root / "five.ipynb")
    record(FILES / "stars_no_claims.ipynb", root / "four.ipynb")

    three = nbformat.from_dict(json.loads(json.dumps(five)))
    three.metadata["repro_nb"]["packages"]["numpy"] = None
    write_notebook(three, root / "three.ipynb")

    (root / "two").mkdir()
    shutil.copytree(FILES / "stars_data", root / "two" / "stars_data")
    write_notebook(five, root / "two" / "two.ipynb")
    with (root / "two" / "stars_data" / "table.csv").open("a") as handle:
        handle.write("20,1\n")

    one = nbformat.from_dict(json.loads(json.dumps(five)))
    one.cells[0].metadata["tags"] = []
    write_notebook(one, root / "one.ipynb")

    shutil.copy(FILES / "raises.ipynb", root / "zero.ipynb")

    seeds = study(str(root / "five.ipynb"), SeedsOptions(seeds=(0, 1)))
    seeds_report.write_json(study_path(str(root / "five.ipynb")), seeds)

    code = main(
        ["report", str(root), "--check", "--format", "json", "-o", str(root / "r.json"), "--badge", str(root / "b.svg")]
    )
    assert code == 0
    document = json.loads((root / "r.json").read_text())
    shutil.copy(FILES / "reproduces.ipynb", root / "unchecked.ipynb")  # after the check: never checked
    assert main(["report", str(root), "-o", str(root / "REPRODUCIBILITY.md")]) == 0
    return root, document, (root / "REPRODUCIBILITY.md").read_text()


def by_name(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {Path(n["path"]).stem: n for n in document["notebooks"]}


def missing(nb: dict[str, Any]) -> dict[int, str]:
    return {s["number"]: s["reason"] for s in nb["star_details"] if not s["met"]}


def first_missing(nb: dict[str, Any]) -> tuple[int, str]:
    star = next(s for s in nb["star_details"] if not s["met"])
    assert star["number"] == nb["stars"] + 1
    return star["number"], star["reason"]


def test_each_number_of_stars_with_the_reason_for_each_missing_one(rated: tuple[Path, dict[str, Any], str]) -> None:
    _, document, _ = rated
    validate(document)
    notebooks = by_name(document)
    assert {name: nb["stars"] for name, nb in notebooks.items()} == {
        "five": 5,
        "four": 4,
        "three": 3,
        "two": 2,
        "one": 1,
        "zero": 0,
    }
    assert missing(notebooks["five"]) == {}
    assert first_missing(notebooks["four"]) == (
        5,
        "no named results; claims across seeds: unknown, no seeds study beside the notebook",
    )
    assert first_missing(notebooks["three"]) == (4, "no version recorded for numpy")
    assert first_missing(notebooks["two"]) == (3, "changed since recorded: stars_data/table.csv")
    assert first_missing(notebooks["one"]) == (2, "no cell is tagged parameters")
    number, reason = first_missing(notebooks["zero"])
    assert number == 1 and "cell 2 raised ValueError: planted failure" in reason
    # the stars after the first missing one are judged too: three lacks only star 4 and the seeds study
    assert missing(notebooks["three"]) == {4: "no version recorded for numpy", 5: missing(notebooks["two"])[5]}


def test_every_missing_star_lists_concrete_steps_the_next_star_first(rated: tuple[Path, dict[str, Any], str]) -> None:
    notebooks = by_name(rated[1])
    assert notebooks["four"]["next_steps"][0].startswith("store what the notebook concludes: repro_nb.result(")
    assert "tag it `parameters`" in notebooks["one"]["next_steps"][0]
    assert notebooks["three"]["next_steps"][0].startswith("install numpy as a distribution")
    assert notebooks["zero"]["next_steps"][0].startswith("fix it so that `repro-nb run zero.ipynb` goes through")
    # zero is missing every star but is not told about the later ones first
    assert len(notebooks["zero"]["next_steps"]) > 1


def test_readiness_is_scored_apart_from_outcome(rated: tuple[Path, dict[str, Any], str]) -> None:
    notebooks = by_name(rated[1])
    five, two, zero = notebooks["five"], notebooks["two"], notebooks["zero"]
    assert five["readiness"]["percent"] == 100 and five["outcome"]["percent"] == 100
    # the data changed: the files are as ready as before, the outcome is not
    assert two["readiness"]["percent"] == 100 and two["outcome"]["unmet"] == 1
    # no record: readiness unknown, not failed
    assert zero["readiness"]["unknown"] > 0 and zero["outcome"]["unmet"] == 2
    bases = {c["id"]: c["basis"] for s in five["star_details"] for c in s["criteria"]}
    assert bases["outputs-reproduce"] == bases["claims-hold-across-seeds"] == bases["data-unchanged"] == "outcome"
    assert bases["parameters-cell"] == bases["versions-recorded"] == "readiness"


def test_the_checklist_items_the_evidence_covers(rated: tuple[Path, dict[str, Any], str]) -> None:
    notebooks = by_name(rated[1])
    covered = {i["id"]: i["covered"] for i in notebooks["five"]["checklist"]}
    assert covered == dict.fromkeys(
        ["dependencies", "code", "number-of-runs", "mean-and-spread", "data-splits", "label-distributions", "compute"],
        True,
    )
    four = {i["id"]: i["covered"] for i in notebooks["four"]["checklist"]}
    assert four["number-of-runs"] is False and four["mean-and-spread"] is False and four["dependencies"] is True
    zero = {i["id"]: i["covered"] for i in notebooks["zero"]["checklist"]}
    assert not any(zero.values())


def test_the_directory_summary_table_and_markdown(rated: tuple[Path, dict[str, Any], str]) -> None:
    root, _, markdown = rated
    assert markdown.startswith("# Reproducibility\n")
    assert "| notebook | stars | readiness | outcome | next step |" in markdown
    assert "| five.ipynb | ★★★★★ 5/5 |" in markdown
    assert "| two/two.ipynb | ★★☆☆☆ 2/5 |" in markdown
    # the notebook with neither a check nor a record: 0 stars, saying what to run
    assert "| unchecked.ipynb | ☆☆☆☆☆ 0/5 |" in markdown
    assert "run `repro-nb report unchecked.ipynb --check`" in markdown
    assert "## one.ipynb: ★☆☆☆☆ 1/5" in markdown and "- **2 Configuration**: no cell is tagged parameters" in markdown
    assert "ML reproducibility checklist (NeurIPS)" in markdown
    assert (root / "five.repro-check.json").is_file() and (root / "two" / "two.repro-check.json").is_file()


def test_html_and_the_badge(rated: tuple[Path, dict[str, Any], str], tmp_path: Path) -> None:
    root, _, _ = rated
    assert main(["report", str(root / "five.ipynb"), "--format", "html", "-o", str(tmp_path / "r.html")]) == 0
    text = (tmp_path / "r.html").read_text()
    assert "★★★★★" in text and "claims-hold-across-seeds" in text
    svg = (root / "b.svg").read_text()
    assert svg.startswith("<svg") and "☆☆☆☆☆ 0/5" in svg and badge.COLOURS[0] in svg  # the directory's lowest
    assert "★★★☆☆ 3/5" in badge.svg(3) and badge.COLOURS[5] in badge.svg(5)


def test_bad_input_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(tmp_path / "nope.ipynb")]) == 2
    assert "no such notebook or directory" in capsys.readouterr().err
    assert main(["report", str(tmp_path)]) == 2
    assert "no notebooks in" in capsys.readouterr().err
    (tmp_path / "bad.ipynb").write_text("{not json")
    assert main(["report", str(tmp_path / "bad.ipynb"), "-o", "-"]) == 2
    assert "bad.ipynb" in capsys.readouterr().err


def test_a_notebook_without_a_record_says_how_to_record_one(tmp_path: Path) -> None:
    shutil.copy(FILES / "reproduces.ipynb", tmp_path)
    rating = rate(str(tmp_path / "reproduces.ipynb"))
    assert rating.score == 0
    configuration = rating.stars[1]
    seeded = next(c for c in configuration.criteria if c.id == "rngs-seeded")
    assert seeded.status == "unknown" and "has no repro-nb record" in seeded.evidence
    assert "repro-nb run reproduces.ipynb --in-place" in seeded.steps[0]


def test_an_unparsable_claim_in_a_record_costs_the_evaluation_star(tmp_path: Path) -> None:
    nb = nbformat.read(FILES / "stars_five.ipynb", as_version=4)
    nb.metadata["repro_nb"] = {
        "schema_version": 2,
        "recorder": {"version": "0"},
        "results": [{"name": "accuracy", "kind": "scalar", "value": 0.9, "claim": "at least 0.9"}],
    }
    write_notebook(nb, tmp_path / "edited.ipynb")
    claims = rate(str(tmp_path / "edited.ipynb")).stars[4].criteria[0]
    assert claims.status == "unmet"
    assert "accuracy: claim 'at least 0.9' does not parse: expected a comparison operator" in claims.evidence


def cells(*sources: str) -> list[dict[str, Any]]:
    return [{"cell_type": "code", "source": s, "metadata": {}} for s in sources]


def test_scan_finds_absolute_paths_and_env_vars_without_default() -> None:
    found = absolute_paths(
        cells("df = load('/home/ann/data.csv')", "x = 'relative/ok.csv'", r"p = r'C:\Users\ann\x.csv'")
    )
    assert [(f.cell, f.text) for f in found] == [(0, "/home/ann/data.csv"), (2, r"C:\Users\ann\x.csv")]
    reads = env_reads_without_default(
        cells(
            "import os\na = os.environ['DATA_DIR']\nb = os.getenv('TOKEN')\nc = os.environ.get('HOST')",
            "d = os.environ.get('OK', 'x')\ne = os.getenv('ALSO_OK', '1')\nos.environ['SET'] = '1'",
            "%env X=1\nfrom os import getenv\nf = getenv('BARE')",
        )
    )
    assert [(r.cell, r.text) for r in reads] == [(0, "DATA_DIR"), (0, "TOKEN"), (0, "HOST"), (2, "BARE")]
    assert parameters_cell([{"cell_type": "code", "metadata": {"tags": ["parameters"]}}]) == 0


@pytest.mark.parametrize("name", ["reproducibility-v1", "seeds-v1"])
def test_the_new_schemas_are_valid_draft7(name: str) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    from repro_nb.format.versioned import load_schema

    jsonschema.Draft7Validator.check_schema(load_schema(name))
