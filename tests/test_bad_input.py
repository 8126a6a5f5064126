"""Bad input never reaches a traceback, and never stops a batch (issue 15).

A notebook that is valid JSON and says nbformat 4 can still break its schema: ``cells``
not a list, a cell without ``source``, a ``source`` that is not text, a ``kernelspec``
that is a string. Each command names the file and the fault and exits 2; a check of
many notebooks judges each on its own — serial or ``--jobs 2`` — and writes its reports.
Numeric options are numbers a run can use: not nan, not infinite, not negative.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from repro_nb.cli import main

from support import FILES

REPRO_NB = str(Path(sys.executable).with_name("repro-nb"))

#: fixture (tests/files/malformed_*.ipynb) -> the fault the message must name
MALFORMED = {
    "malformed_cells_not_a_list.ipynb": "'cells' must be a list, not an object",
    "malformed_cell_without_source.ipynb": "cell 2 has no 'source'",
    "malformed_source_not_text.ipynb": "cell 2: 'source' must be a string or a list of strings, not a number",
    "malformed_kernelspec_not_an_object.ipynb": "metadata.kernelspec must be an object, not a string",
}


def exit_code(argv: list[str]) -> int | str | None:
    try:
        return main(argv)
    except SystemExit as exc:
        return exc.code


def copy(name: str, dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(FILES / name, dest / name)
    return dest / name


@pytest.mark.parametrize("name", sorted(MALFORMED))
@pytest.mark.parametrize("command", ["check", "run", "show", "diff"])
def test_malformed_notebook_is_a_clear_error(
    name: str, command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = copy(name, tmp_path)
    argv = {
        "check": ["check", str(path)],
        "run": ["run", str(path)],
        "show": ["show", str(path)],
        "diff": ["diff", str(FILES / "reproduces.ipynb"), str(path)],
    }[command]
    assert exit_code(argv) == 2
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    said = out + err
    assert f"cannot read notebook {path}: malformed notebook: {MALFORMED[name]}" in said, said
    assert not (tmp_path / f"{path.stem}.executed.ipynb").exists()


def test_malformed_notebook_through_the_installed_script(tmp_path: Path) -> None:
    path = copy("malformed_cells_not_a_list.ipynb", tmp_path)
    for command in ("check", "run", "show"):
        done = subprocess.run([REPRO_NB, command, str(path)], capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 2, (command, done.stdout, done.stderr)
        assert "Traceback" not in done.stdout + done.stderr, done.stderr
        assert "'cells' must be a list" in done.stdout + done.stderr


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_corrupt_notebook_in_a_batch_is_reported_while_the_others_are_checked(jobs: str, tmp_path: Path) -> None:
    """``check DIR``: every notebook judged on its own, the reports written, exit 2."""
    folder = tmp_path / "batch"
    copy("drifts_in_second_cell.ipynb", folder)
    for name in sorted(MALFORMED):
        copy(name, folder)
    copy("reproduces.ipynb", folder)
    report, junit = tmp_path / "report.json", tmp_path / "junit.xml"
    done = subprocess.run(
        [REPRO_NB, "check", str(folder), "--jobs", jobs, "--json", str(report), "--junit", str(junit)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    document = json.loads(report.read_text())
    verdicts = {Path(n["path"]).name: n["verdict"] for n in document["notebooks"]}
    assert verdicts == {
        "drifts_in_second_cell.ipynb": "drifted",
        "reproduces.ipynb": "reproduced",
        **dict.fromkeys(MALFORMED, "error"),
    }
    messages = {Path(n["path"]).name: n["message"] for n in document["notebooks"]}
    for name, fault in MALFORMED.items():
        assert fault in messages[name] and name in messages[name]
    assert junit.read_text().count("<testcase ") == 6


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "--timeout", "nan", "x.ipynb"],
        ["check", "--timeout", "inf", "x.ipynb"],
        ["check", "--timeout=-inf", "x.ipynb"],
        ["run", "--timeout", "nan", "x.ipynb"],
        ["check", "--rtol", "nan", "x.ipynb"],
        ["check", "--rtol", "-0.001", "x.ipynb"],
        ["check", "--atol", "inf", "x.ipynb"],
        ["diff", "--rtol", "nan", "a.ipynb", "b.ipynb"],
        ["check", "--jobs", "-2", "x.ipynb"],
    ],
)
def test_numeric_options_reject_nan_inf_and_negative(
    argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("x.ipynb", "a.ipynb", "b.ipynb"):
        copy("reproduces.ipynb", tmp_path).rename(tmp_path / name)
    assert exit_code(argv) == 2
    out, err = capsys.readouterr()
    [line] = err.splitlines()
    assert line.startswith("repro-nb: error: ") and "Traceback" not in out + err
    assert "finite" in line or "must be" in line, line


@pytest.mark.parametrize("value", ["nan", "inf", "-1.0"])
def test_numbers_in_the_configuration_must_be_finite(
    value: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    copy("reproduces.ipynb", tmp_path)
    (tmp_path / "pyproject.toml").write_text(f"[tool.repro-nb]\nrtol = {value}\n")
    monkeypatch.chdir(tmp_path)
    assert main(["check", "reproduces.ipynb"]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("repro-nb: error: ") and "rtol" in line
