"""``repro-nb run | check | diff | show``: exit codes, messages, files written.

Most tests call :func:`repro_nb.cli.main` in-process (``capsys`` sees what it prints);
a few run the installed ``repro-nb`` script, where what matters is the real process:
its exit status, its stderr, or being killed mid-run.

Exit codes: 0 reproduced (or ran), 1 drifted or failed to run, 2 usage errors and
unreadable input — always with a one-line message, never a traceback.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import nbformat
import pytest

from repro_nb.cli import main

from support import FILES, NOTEBOOKS

CASES = FILES
REPRO_NB = str(Path(sys.executable).with_name("repro-nb"))

BAD_INPUT = {
    "not_json.ipynb": "not valid JSON (line 2",
    "empty_file.ipynb": "the file is empty",
    "nbformat_3.ipynb": "nbformat 3 is not supported; convert it with `jupyter nbconvert",
    "unknown_language_kernel.ipynb": "no such kernel: 'ijulia-1.9'; no installed kernel runs julia (installed kernels: ",
}


def exit_code(argv: list[str]) -> int | str | None:
    """``main``'s exit status, whether it returns it or argparse exits with it."""
    try:
        return main(argv)
    except SystemExit as exc:
        return exc.code


def case(name: str, dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(CASES / name, dest / name)
    return dest / name


def leftovers(directory: Path) -> list[str]:
    """Temporary files an interrupted atomic write would leave behind."""
    return [p.name for p in directory.iterdir() if p.name.endswith(".tmp")]


def outputs_text(nb: Any, cell_id: str | None = None, index: int | None = None) -> str:
    cell = nb.cells[index] if index is not None else next(c for c in nb.cells if c.get("id") == cell_id)
    return "".join(o.get("text", "") for o in cell.outputs)


def without_volatile(document: Any) -> Any:
    """A JSON report minus what differs between two runs of the same check."""
    if isinstance(document, dict):
        return {k: without_volatile(v) for k, v in document.items() if k not in ("duration_s", "created_at", "command")}
    if isinstance(document, list):
        return [without_volatile(v) for v in document]
    return document


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("name", sorted(BAD_INPUT))
def test_bad_input_to_check(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = case(name, tmp_path)
    assert main(["check", str(path)]) == 2
    out, err = capsys.readouterr()
    assert f"{name}: error — " in out and BAD_INPUT[name] in out
    assert "Traceback" not in out + err


@pytest.mark.parametrize("name", sorted(BAD_INPUT))
def test_bad_input_to_run(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = case(name, tmp_path)
    assert main(["run", str(path)]) == 2
    err = capsys.readouterr().err
    [line] = err.splitlines()
    assert line.startswith("repro-nb: error: ") and BAD_INPUT[name] in line
    assert not (tmp_path / f"{path.stem}.executed.ipynb").exists()


def test_bad_input_to_diff(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = case("reproduces.ipynb", tmp_path)
    bad = case("not_json.ipynb", tmp_path)
    assert main(["diff", str(bad), str(good)]) == 2
    assert main(["diff", str(good), str(tmp_path / "missing.ipynb")]) == 2
    out, err = capsys.readouterr()
    assert "not valid JSON" in out and "no such file" in out and "Traceback" not in out + err


def test_bad_input_through_the_installed_script(tmp_path: Path) -> None:
    paths = [str(case(name, tmp_path)) for name in sorted(BAD_INPUT)]
    check = subprocess.run([REPRO_NB, "check", *paths], capture_output=True, text=True, timeout=120, check=False)
    assert check.returncode == 2
    assert "Traceback" not in check.stderr + check.stdout
    for name, phrase in BAD_INPUT.items():
        assert phrase in check.stdout, name
    assert f"{len(BAD_INPUT)} error" in check.stdout
    run = subprocess.run([REPRO_NB, "run", paths[0]], capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 2 and run.stderr.count("\n") == 1 and "Traceback" not in run.stderr


def test_check_output_is_free_of_kernel_noise_and_leaves_no_sockets(tmp_path: Path) -> None:
    """Kernels run over IPC sockets in a private directory, removed afterwards."""
    import tempfile

    notebook = tmp_path / "iris_classifier.ipynb"
    shutil.copy(NOTEBOOKS / "iris_classifier.ipynb", notebook)
    shutil.copytree(NOTEBOOKS / "data", tmp_path / "data")
    sockets = tmp_path / "tmp"
    sockets.mkdir()
    env = {**os.environ, "TMPDIR": str(sockets)}
    done = subprocess.run(
        [REPRO_NB, "check", str(notebook)], capture_output=True, text=True, timeout=300, check=False, env=env
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "TCP" not in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert not list(sockets.glob("rnb-*")), "the kernel's socket directory is removed"
    assert tempfile.gettempdir() != str(sockets)  # this process was not redirected


def test_kernel_chatter_stays_out_of_the_check_output(tmp_path: Path) -> None:
    """An interrupted cell makes ipykernel log "KeyboardInterrupt caught in kernel": not ours to print."""
    notebook = case("times_out.ipynb", tmp_path)
    done = subprocess.run(
        [REPRO_NB, "check", str(notebook), "--timeout", "2"], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "times_out.ipynb: failed" in done.stdout
    for chatter in ("[IPKernelApp]", "KeyboardInterrupt caught in kernel", "No handler found for comm target"):
        assert chatter not in done.stdout + done.stderr


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["check"],
        ["frobnicate"],
        ["check", "--jobs", "0", "x.ipynb"],
        ["check", "--timeout", "-1", "x.ipynb"],
        ["run"],
        ["run", "a.ipynb", "-o", "b.ipynb", "--in-place"],
    ],
)
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert exit_code(argv) == 2
    err = capsys.readouterr().err
    assert "repro-nb: error: " in err and "Traceback" not in err


def test_nothing_to_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(tmp_path / "nowhere")]) == 2
    assert main(["check", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "no such file or directory: " in err and "no notebooks found in " in err


def test_run_into_a_directory_that_cannot_exist(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Tests run as root, where a read-only mode does not stop writes: a file as parent does."""
    path = case("reproduces.ipynb", tmp_path)
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a directory")
    assert main(["run", str(path), "-o", str(blocker / "out.ipynb")]) == 2
    assert main(["check", str(path), "--json", str(blocker / "r.json")]) == 2  # refused before running
    err = capsys.readouterr().err
    assert err.count(f"{blocker} is not a directory") == 2
    assert main(["run", str(path), "-o", str(tmp_path)]) == 2
    assert "it is a directory" in capsys.readouterr().err


@pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0,
    reason="root writes into read-only directories; covered by the file-as-parent test",
)
def test_run_into_a_read_only_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = case("reproduces.ipynb", tmp_path)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        assert main(["run", str(path), "-o", str(locked / "out.ipynb")]) == 2
        assert "is not writable" in capsys.readouterr().err
    finally:
        locked.chmod(0o755)


def test_run_refuses_to_overwrite_its_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = case("reproduces.ipynb", tmp_path)
    before = path.read_bytes()
    assert main(["run", str(path), "-o", str(path)]) == 2
    assert "pass --in-place" in capsys.readouterr().err
    assert path.read_bytes() == before


def test_huge_outputs_are_reported_briefly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """20 MB of stored output: a bounded report, no traceback, no quadratic diff."""
    rows = "".join(f"row {i:07d} of a very large stored output\n" for i in range(500_000))
    nb = json.loads((CASES / "reproduces.ipynb").read_text())
    nb["cells"][0]["outputs"][0]["text"] = rows
    huge = tmp_path / "huge.ipynb"
    huge.write_text(json.dumps(nb))
    assert huge.stat().st_size > 20_000_000
    started = time.perf_counter()
    assert main(["check", str(huge)]) == 1
    out, err = capsys.readouterr()
    assert "huge.ipynb  drifted" in out and "text changed" in out
    assert len(out) < 20_000 and "Traceback" not in out + err
    nb["cells"][0]["outputs"][0]["text"] = rows.replace("row 0250000 of", "row 0250000 in")
    other = tmp_path / "other.ipynb"
    other.write_text(json.dumps(nb))
    assert main(["diff", str(huge), str(other)]) == 1
    out = capsys.readouterr().out
    assert "-row 0250000 of" in out and "+row 0250000 in" in out and len(out) < 20_000
    assert time.perf_counter() - started < 60


# --------------------------------------------------------------------------- run


def test_run_writes_beside_the_input_and_never_touches_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = case("drifts_in_second_cell.ipynb", tmp_path)
    before = path.read_bytes()
    assert main(["run", str(path)]) == 0
    assert path.read_bytes() == before
    output = tmp_path / "drifts_in_second_cell.executed.ipynb"
    assert "executed 3 cells in " in capsys.readouterr().out
    nb = nbformat.read(output, as_version=4)
    nbformat.validate(nb)
    assert outputs_text(nb, "answer") == "42\n"
    assert nb.metadata.repro_nb["recorder"]["channel"] == "engine"
    assert nb.cells[1].metadata.repro_nb["cell_id"] == "answer"
    assert leftovers(tmp_path) == []


def test_run_in_place(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = case("drifts_in_second_cell.ipynb", tmp_path)
    assert main(["run", str(path), "--in-place"]) == 0
    nb = nbformat.read(path, as_version=4)
    assert outputs_text(nb, "answer") == "42\n" and "repro_nb" in nb.metadata
    assert sorted(p.name for p in tmp_path.iterdir()) == ["drifts_in_second_cell.ipynb"]
    capsys.readouterr()
    assert main(["show", str(path)]) == 0
    assert capsys.readouterr().out.strip()
    assert main(["show", str(path), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["cells"]["1"]["cell_id"] == "answer"


def test_run_with_parameters_and_diff_of_two_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """papermill gives the injected-parameters cell a new id every run: still reproduced."""
    path = case("parameters.ipynb", tmp_path)
    runs = [tmp_path / "a.ipynb", tmp_path / "b.ipynb"]
    for out in runs:
        assert main(["run", str(path), "-o", str(out), "-p", "label", "run", "-p", "alpha", "3"]) == 0
    a, b = (nbformat.read(p, as_version=4) for p in runs)
    injected = [next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])) for nb in (a, b)]
    assert "alpha = 3" in injected[0].source and 'label = "run"' in injected[0].source
    assert injected[0].id != injected[1].id
    assert outputs_text(a, "use") == outputs_text(b, "use") == "run 30\n"
    capsys.readouterr()

    def no_execution(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("diff must not execute anything")

    monkeypatch.setattr("repro_nb.check.run.run_notebook", no_execution)
    monkeypatch.setattr("papermill.execute_notebook", no_execution)
    assert main(["diff", str(runs[0]), str(runs[1])]) == 0
    assert "1 reproduced" in capsys.readouterr().out


def test_run_timeout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = case("times_out.ipynb", tmp_path)
    output = tmp_path / "out.ipynb"
    started = time.perf_counter()
    assert main(["run", str(path), "-o", str(output), "--timeout", "3"]) == 1
    assert time.perf_counter() - started < 60
    err = capsys.readouterr().err
    assert "repro-nb: timeout in cell 2: CellTimeoutError: cell did not finish within 3 s" in err
    assert f"partial result written to {output}" in err
    assert outputs_text(nbformat.read(output, as_version=4), "quick") == "quick\n"


def test_dead_kernel_leaves_a_valid_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = case("kills_kernel.ipynb", tmp_path)
    output = tmp_path / "out.ipynb"
    shutil.copy2(CASES / "reproduces.ipynb", output)  # a previous result
    assert main(["run", str(path), "-o", str(output)]) == 1
    assert "dead-kernel in cell 2" in capsys.readouterr().err
    nb = nbformat.read(output, as_version=4)
    nbformat.validate(nb)
    assert outputs_text(nb, "before") == "before\n"
    assert leftovers(tmp_path) == []


def test_a_failed_write_keeps_the_previous_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from repro_nb.check.run import RunResult

    path = case("reproduces.ipynb", tmp_path)
    output = tmp_path / "out.ipynb"
    output.write_text("previous result\n")
    executed = nbformat.read(path, as_version=4)
    monkeypatch.setattr(
        "repro_nb.check.run.run_notebook",
        lambda *a, **k: RunResult(nb=executed, status="ok", duration_s=0.1, executed=[0, 1]),
    )

    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("repro_nb.format.files.os.fsync", disk_full)
    assert main(["run", str(path), "-o", str(output)]) == 2
    assert capsys.readouterr().err == f"repro-nb: error: cannot write {output}: No space left on device\n"
    assert output.read_text() == "previous result\n"
    assert leftovers(tmp_path) == []


def test_killed_mid_run_the_previous_output_is_intact(tmp_path: Path) -> None:
    """A crash of repro-nb itself (SIGKILL) while a cell runs: nothing half-written."""
    nb = json.loads((CASES / "reproduces.ipynb").read_text())
    nb["cells"][0]["source"] = "import os, time\nopen('started', 'w').write(str(os.getpid()))\ntime.sleep(120)"
    path = tmp_path / "slow.ipynb"
    path.write_text(json.dumps(nb))
    output = tmp_path / "out.ipynb"
    shutil.copy2(CASES / "reproduces.ipynb", output)
    previous = output.read_bytes()
    marker = tmp_path / "started"
    process = subprocess.Popen(
        [REPRO_NB, "run", str(path), "-o", str(output)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    kernel_pid = None
    try:
        deadline = time.monotonic() + 90
        while not (marker.exists() and marker.read_text()) and time.monotonic() < deadline:
            assert process.poll() is None, "repro-nb ended before the slow cell ran"
            time.sleep(0.1)
        kernel_pid = int(marker.read_text())
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if kernel_pid is not None:
            _reap_orphan_kernel(kernel_pid)
    assert output.read_bytes() == previous
    assert leftovers(tmp_path) == []


def _reap_orphan_kernel(pid: int, grace: float = 10.0) -> None:
    """The kernel notices its parent died and exits; end it ourselves if it does not."""
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


# --------------------------------------------------------------------------- check


def test_check_jobs_2_reports_exactly_what_serial_does(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    names = ["reproduces.ipynb", "drifts_in_second_cell.ipynb", "raises.ipynb", "nbformat_4_3.ipynb"]
    paths = [str(case(name, tmp_path)) for name in names]
    serial, parallel = tmp_path / "serial.json", tmp_path / "parallel.json"
    html, junit = tmp_path / "report.html", tmp_path / "report.xml"
    assert main(["check", *paths, "--json", str(serial), "--html", str(html), "--junit", str(junit)]) == 1
    serial_out = capsys.readouterr().out
    assert main(["check", *paths, "--jobs", "2", "--json", str(parallel)]) == 1
    parallel_out = capsys.readouterr().out
    first, second = json.loads(serial.read_text()), json.loads(parallel.read_text())
    assert without_volatile(first) == without_volatile(second)
    assert [n["verdict"] for n in first["notebooks"]] == ["reproduced", "drifted", "failed", "reproduced"]
    assert html.read_text().lstrip().lower().startswith("<!doctype html")
    assert junit.read_text().count("<testcase ") == 4
    # the terminal reports agree too, timings aside
    for out in (serial_out, parallel_out):
        assert "raises.ipynb: failed — 1 cell(s) failed" in out
        assert "    ValueError: planted failure\n" in out
        assert "- unknown: no cause found in the record or the code (low)" in out
        assert "2 reproduced, 1 drifted, 1 failed" in out
    assert leftovers(tmp_path) == []


def test_configuration_is_honoured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``[tool.repro-nb]`` of the working directory: rtol and skip; the command line wins."""
    case("third_digit_drift.ipynb", tmp_path)
    case("drifts_in_second_cell.ipynb", tmp_path / "scratch")
    (tmp_path / "pyproject.toml").write_text('[tool.repro-nb]\nrtol = 0.01\nskip = ["scratch/*"]\n')
    monkeypatch.chdir(tmp_path)
    assert main(["check", "."]) == 0
    out = capsys.readouterr().out
    assert "third_digit_drift.ipynb  reproduced" in out and "drifts_in_second_cell" not in out
    assert main(["check", ".", "--rtol", "0"]) == 1
    assert "numbers changed: 0.9331 → 0.9312" in capsys.readouterr().out


def test_mask_from_configuration_and_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stored = case("run_id_in_output.ipynb", tmp_path)
    nb = json.loads(stored.read_text())
    nb["cells"][0]["outputs"][0]["text"] = "run id: 9f8e7d6c done\n"
    other = tmp_path / "other.ipynb"
    other.write_text(json.dumps(nb))
    config = tmp_path / "settings.toml"
    config.write_text("[tool.repro-nb]\nmasks = ['run id: \\w+']\n")
    assert main(["diff", str(stored), str(other)]) == 1
    assert main(["diff", str(stored), str(other), "--config", str(config)]) == 0
    assert main(["diff", str(stored), str(other), "--mask", r"run id: \w+"]) == 0
    assert main(["diff", str(stored), str(other), "--mask", r"run id: \w+", "--no-default-masks"]) == 0
    capsys.readouterr()


@pytest.mark.parametrize(
    ("body", "phrase"),
    [
        ("rtol = 'big'", "rtol must be int or float, not str"),
        ("masks = ['(unclosed']", "invalid mask regex '(unclosed'"),
        ("colour = true", "unknown option [tool.repro-nb] 'colour'"),
        ("rtol = [", "cannot read"),
    ],
)
def test_invalid_configuration_exits_2(
    body: str, phrase: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    case("reproduces.ipynb", tmp_path)
    (tmp_path / "pyproject.toml").write_text(f"[tool.repro-nb]\n{body}\n")
    monkeypatch.chdir(tmp_path)
    assert main(["check", "reproduces.ipynb"]) == 2
    out, err = capsys.readouterr()
    [line] = err.splitlines()
    assert line.startswith("repro-nb: error: ") and phrase in line and out == ""


def test_show_without_a_record(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", str(case("reproduces.ipynb", tmp_path))]) == 2
    assert "has no repro-nb record" in capsys.readouterr().err


def test_show_into_a_closed_pipe(tmp_path: Path) -> None:
    """``repro-nb show --json NB | head``: the reader leaves early; no BrokenPipeError traceback."""
    nb = json.loads((NOTEBOOKS / "sales_analysis.ipynb").read_text())
    # a record larger than a pipe's buffer, so that the write really hits the closed pipe
    nb["metadata"]["repro_nb"]["data"] += [{"path": f"data/part-{i:05d}.csv", "status": "ok"} for i in range(3000)]
    path = tmp_path / "big_record.ipynb"
    path.write_text(json.dumps(nb))
    shell = f"'{REPRO_NB}' show --json '{path}' | head -c 10 > /dev/null"
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", shell], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 141
    assert "Traceback" not in done.stderr and "BrokenPipeError" not in done.stderr
