"""``check --cache``: a result is reused exactly when nothing its verdict depends on changed.

One notebook is recorded for real (``recorded_dependencies``: a data file, numpy, a local
module), once per module; every test plants one change in a copy of it — an edited cell,
an edited stored output, a changed data file or local module, another installed
version, other options — and asks the cache. Most tests store a made-up result: whether
an entry is reused depends on the fingerprint only, so no kernel is needed to find out.
The CLI tests at the end run real checks.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from repro_nb.check.cache import CheckCache, storable
from repro_nb.check.causes import Cause
from repro_nb.check.fingerprint import Fingerprinter, environment_facts
from repro_nb.check.options import CheckOptions
from repro_nb.check.results import CellResult, NotebookResult
from repro_nb.check.revive import result_from_json
from repro_nb.cli import main
from repro_nb.compare import CompareOptions, Tolerance
from repro_nb.format.cache_entry import read_entry
from repro_nb.format.report import plain

from support import FILES, recorded_case

OPTIONS = CheckOptions()


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``recorded_dependencies`` run and recorded by repro-nb's engine, beside its files."""
    return recorded_case("recorded_dependencies.ipynb", tmp_path_factory.mktemp("recorded"))


@pytest.fixture
def project(recorded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the recorded notebook's directory, the working directory of the test."""
    shutil.copytree(recorded.parent, tmp_path / "project")
    monkeypatch.chdir(tmp_path / "project")
    return tmp_path / "project"


def verified(path: str, verdict: Any = "reproduced") -> NotebookResult:
    """A result as a re-run would give it (no kernel needed to test the cache)."""
    cell = CellResult(index=1, cell_id="load", status="reproduced", execution_count=1, actual_index=1)
    return NotebookResult(
        path,
        verdict,
        message="all 1 compared cells reproduced",
        cells=[cell],
        has_record=True,
        run_status="ok",
        duration_s=1.5,
    )


def cache_of(notes: list[str] | None = None, options: CheckOptions = OPTIONS, **kwargs: Any) -> CheckCache:
    return CheckCache(
        ".repro-nb-cache",
        Fingerprinter(options, **kwargs),
        project_dir=".",
        on_note=(notes.append if notes is not None else None),
    )


def stored(path: str = "recorded.ipynb", **kwargs: Any) -> CheckCache:
    """A cache holding a verified result of ``path``."""
    cache = cache_of(**kwargs)
    lookup = cache.lookup(path)
    assert not lookup.hit and lookup.reason == "not in the cache"
    assert cache.store(lookup, verified(path))
    return cache


def edit_notebook(path: Path, edit: Any) -> None:
    nb = json.loads(path.read_text())
    edit(nb)
    path.write_text(json.dumps(nb, indent=1))


def cell(nb: dict[str, Any], cell_id: str) -> dict[str, Any]:
    return next(c for c in nb["cells"] if c.get("id") == cell_id)


# --------------------------------------------------------------------------- hits


def test_an_unchanged_notebook_gets_its_stored_result_marked_cached(project: Path) -> None:
    stored()
    lookup = cache_of().lookup("recorded.ipynb")
    assert lookup.hit and lookup.result is not None
    result = lookup.result
    assert result.verdict == "reproduced" and result.path == "recorded.ipynb"
    assert result.cached is not None
    assert result.cached["fingerprint"] == lookup.fingerprint.digest  # type: ignore[union-attr]
    assert result.cached["duration_s"] == 1.5 and result.cached["verified_at"].endswith("Z")
    expected = plain(verified("recorded.ipynb").to_json())
    document = result.to_json()
    assert document.pop("cached") == result.cached
    assert {**document, "duration_s": 0} == {**expected, "duration_s": 0}
    # one file per notebook, named by the notebook's place in the project, marked as a cache
    names = sorted(os.listdir(".repro-nb-cache"))
    assert {".gitignore", "CACHEDIR.TAG"} < set(names) and len(names) == 3
    entry = read_entry(cache_of().entry_path("recorded.ipynb"))
    assert entry is not None and entry["notebook"] == "recorded.ipynb"


def test_a_markdown_edit_or_a_copy_elsewhere_keeps_the_result(project: Path, tmp_path: Path) -> None:
    stored()
    edit_notebook(project / "recorded.ipynb", lambda nb: nb["cells"][0].update(source="Other prose."))
    assert cache_of().lookup("recorded.ipynb").hit
    # the same project checked out at another path (another CI runner) shares the entries
    shutil.copytree(project, tmp_path / "elsewhere")
    os.chdir(tmp_path / "elsewhere")
    assert cache_of().lookup("recorded.ipynb").hit


# --------------------------------------------------------------------------- misses


def miss_reason(change: Any, **kwargs: Any) -> str:
    stored()
    change()
    lookup = cache_of(**kwargs).lookup("recorded.ipynb")
    assert not lookup.hit
    return lookup.reason


def test_an_edited_code_cell_is_re_run(project: Path) -> None:
    def edit() -> None:
        edit_notebook(project / "recorded.ipynb", lambda nb: cell(nb, "mean").update(source="print('other')"))

    assert miss_reason(edit) == "code or stored outputs changed"


def test_an_edited_stored_output_is_re_run(project: Path) -> None:
    def edit() -> None:
        edit_notebook(project / "recorded.ipynb", lambda nb: cell(nb, "mean")["outputs"][0].update(text="mean 9\n"))

    assert miss_reason(edit) == "code or stored outputs changed"


def test_a_changed_data_file_is_re_run(project: Path) -> None:
    assert miss_reason(lambda: (project / "data" / "values.txt").write_text("1.5\n2.5\n4.0\n")) == (
        "data file data/values.txt changed"
    )


def test_a_deleted_data_file_is_re_run(project: Path) -> None:
    assert miss_reason(lambda: (project / "data" / "values.txt").unlink()) == "data file data/values.txt changed"


def test_a_changed_local_module_is_re_run(project: Path) -> None:
    assert miss_reason(lambda: (project / "localhelper.py").write_text("VALUE = 8\n")) == (
        "local module localhelper.py changed"
    )


def test_another_installed_version_is_re_run(project: Path) -> None:
    facts = environment_facts()
    now = facts["versions"]["numpy"]
    other = {**facts, "versions": {**facts["versions"], "numpy": "0.0.1"}}
    assert miss_reason(lambda: None, facts=other) == f"numpy {now} → 0.0.1"


def test_other_check_options_are_re_run(project: Path) -> None:
    looser = replace(OPTIONS, compare=CompareOptions(tolerance=Tolerance(rtol=1e-2)))
    assert miss_reason(lambda: None, options=looser) == "the check options changed"
    for other in (replace(OPTIONS, timeout=5.0), replace(OPTIONS, stop_on_error=True)):
        assert cache_of(options=other).lookup("recorded.ipynb").reason == "the check options changed"
    assert cache_of().lookup("recorded.ipynb").hit


def test_another_machine_is_re_run(project: Path) -> None:
    facts = environment_facts()
    other = {**facts, "machine": {**facts["machine"], "env": {"PYTHONHASHSEED": "0"}}}
    assert miss_reason(lambda: None, facts=other) == "the machine changed"


# --------------------------------------------------------------------------- never trusted


def test_a_corrupt_entry_is_ignored_with_a_message_and_replaced(project: Path) -> None:
    cache = stored()
    entry = Path(cache.entry_path("recorded.ipynb"))
    entry.write_text('{"schema_version": 1, "tool": ')
    notes: list[str] = []
    lookup = cache_of(notes).lookup("recorded.ipynb")
    assert not lookup.hit and lookup.reason == "its cache entry was unusable"
    assert len(notes) == 1 and "ignoring an unusable entry for recorded.ipynb" in notes[0]
    assert "not valid JSON" in notes[0]
    assert cache.store(lookup, verified("recorded.ipynb"))
    assert cache_of().lookup("recorded.ipynb").hit


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (lambda e: e["result"].update(verdict="splendid"), "invalid result in cache entry"),
        (lambda e: e.pop("parts"), "invalid cache entry"),
        (lambda e: e.update(schema_version=99), "newer than this repro-nb understands"),
        (lambda e: e.update(report_schema_version=1), "follows check-report schema 1"),
    ],
    ids=["bad-verdict", "no-parts", "newer", "old-report"],
)
def test_an_invalid_entry_is_never_trusted(project: Path, tamper: Any, message: str) -> None:
    """Even with the right fingerprint: an entry that does not validate is not a result."""
    cache = stored()
    path = Path(cache.entry_path("recorded.ipynb"))
    entry = json.loads(path.read_text())
    tamper(entry)
    path.write_text(json.dumps(entry))
    notes: list[str] = []
    assert not cache_of(notes).lookup("recorded.ipynb").hit
    assert message in notes[0]


def test_unrecorded_or_unseeded_notebooks_are_re_run_unless_trusted(project: Path) -> None:
    shutil.copy2(FILES / "reproduces.ipynb", project / "reproduces.ipynb")
    lookup = cache_of().lookup("reproduces.ipynb")
    assert lookup.reason == "always re-run: no repro-nb record: what it depends on is unknown"
    assert not cache_of().store(lookup, verified("reproduces.ipynb"))

    def unseeded(nb: dict[str, Any]) -> None:
        cell(nb, "numpy")["metadata"]["repro_nb"]["unseeded_rng"] = [
            {"library": "numpy", "kind": "generator-without-seed"}
        ]

    edit_notebook(project / "recorded.ipynb", unseeded)
    assert cache_of().lookup("recorded.ipynb").reason == "always re-run: randomness without a seed (cell 5)"

    for path in ("reproduces.ipynb", "recorded.ipynb"):
        trusting = cache_of(trust_unrecorded=True)
        lookup = trusting.lookup(path)
        assert trusting.store(lookup, verified(path))
        assert cache_of(trust_unrecorded=True).lookup(path).hit
        assert not cache_of().lookup(path).hit


def test_only_results_a_re_run_would_give_again_are_stored() -> None:
    def with_cause(kind: Any) -> NotebookResult:
        result = verified("x.ipynb", "drifted")
        result.cells[0].status = "drifted"
        result.cells[0].causes = [Cause(kind, "why", "high")]
        return result

    assert storable(verified("x.ipynb"))
    assert storable(with_cause("data-changed")) and storable(with_cause("package-changed"))
    for volatile in ("unseeded-rng", "hash-order", "network", "timeout", "unknown"):
        assert not storable(with_cause(volatile)), volatile
    failed = verified("x.ipynb", "failed")
    assert not storable(failed)
    assert not storable(replace(verified("x.ipynb"), run_status="timeout"))


def test_a_cache_that_cannot_be_written_is_reported_once_and_the_check_goes_on(project: Path) -> None:
    Path(".repro-nb-cache").write_text("a file, not a directory")
    notes: list[str] = []
    cache = cache_of(notes)
    for path in ("recorded.ipynb", "recorded.ipynb"):
        assert not cache.store(cache.lookup(path), verified(path))
    assert len(notes) == 1 and "is not writable" in notes[0] and "results are not kept" in notes[0]


# --------------------------------------------------------------------------- speed


def test_a_hundred_unchanged_notebooks_are_looked_up_in_well_under_a_second(project: Path) -> None:
    """The issue's goal: re-checking an unchanged directory of 100 notebooks in under 1 s."""
    paths = []
    for i in range(100):
        path = f"nb{i:03}.ipynb"
        shutil.copy2("recorded.ipynb", path)
        paths.append(path)
    cache = cache_of()
    for path in paths:
        assert cache.store(cache.lookup(path), verified(path))
    environment_facts()  # the distribution index and kernelspecs, cached on disk once per machine
    # CPU time, not wall time: the machines that run this suite are shared
    start = time.process_time()
    fresh = cache_of()  # a new run: new hashers, facts read again
    assert all(fresh.lookup(path).hit for path in paths)
    assert time.process_time() - start < 1.0


# --------------------------------------------------------------------------- results back from JSON


def test_a_result_rebuilt_from_its_json_is_the_same_result(project: Path) -> None:
    """What reports see of a cached result is what they saw of the run: drift, causes, data."""
    from repro_nb.check.pipeline import check_notebook

    (project / "data" / "values.txt").write_text("1.5\n2.5\n4.0\n")
    result = check_notebook("recorded.ipynb")
    assert result.verdict == "drifted" and result.data and any(c.causes for c in result.cells)
    document = plain(result.to_json())
    assert plain(result_from_json(document).to_json()) == document
    cache = cache_of()
    lookup = cache.lookup("recorded.ipynb")
    assert cache.store(lookup, result)
    hit = cache_of().lookup("recorded.ipynb").result
    assert hit is not None and hit.stored is not None and hit.executed is not None
    assert {**plain(hit.to_json()), "cached": None, "duration_s": 0} == {**document, "cached": None, "duration_s": 0}
    # the HTML report shows the drifted cells' sources from the stored notebook
    from repro_nb.report.html import render_html

    html = render_html([hit])
    assert "cached (verified " in html and "sum(rows) / len(rows)" in html


# --------------------------------------------------------------------------- the command line


def test_check_cache_from_the_command_line(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy2(FILES / "markdown_only.ipynb", project / "markdown_only.ipynb")
    argv = ["check", ".", "--cache", "--json", "report.json"]
    assert main(argv) == 0
    first = json.loads(Path("report.json").read_text())
    assert [n.get("cached") for n in first["notebooks"]] == [None, None]
    assert "cache: 0 of 2 result(s) from the cache, 2 re-run" in capsys.readouterr().err

    assert main(argv) == 0
    out, err = capsys.readouterr()
    second = json.loads(Path("report.json").read_text())
    assert all(n["cached"]["verified_at"].endswith("Z") for n in second["notebooks"])
    assert [n["verdict"] for n in second["notebooks"]] == [n["verdict"] for n in first["notebooks"]]
    assert "cached (verified " in out and "cache: 2 of 2 result(s) from the cache, 0 re-run" in err

    (project / "data" / "values.txt").write_text("1.5\n2.5\n4.0\n")
    assert main([*argv, "--html", "report.html"]) == 1
    err = capsys.readouterr().err
    assert "cache: 1 of 2 result(s) from the cache, 1 re-run" in err
    assert "re-ran ./recorded.ipynb: data file data/values.txt changed" in err
    third = json.loads(Path("report.json").read_text())
    assert [n["verdict"] for n in third["notebooks"]] == ["reproduced", "drifted"]
    assert third["notebooks"][1].get("cached") is None


def test_cache_directory_from_the_settings(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pyproject.toml").write_text('[tool.repro-nb]\ncache = "ci-cache"\n')
    shutil.copy2(FILES / "markdown_only.ipynb", project / "markdown_only.ipynb")
    os.chdir(project / "data")  # the project's settings are found from below, and so is its cache
    assert main(["check", "../markdown_only.ipynb", "--cache"]) == 0
    assert len([n for n in os.listdir(project / "ci-cache") if n.endswith(".json")]) == 1
    assert main(["check", "../markdown_only.ipynb", "--cache=elsewhere"]) == 0
    assert (project / "data" / "elsewhere" / "CACHEDIR.TAG").exists()
    assert main(["check", "../markdown_only.ipynb", "--cache", "--env", "recorded"]) == 2
    assert "--cache does not apply to --env" in capsys.readouterr().err
