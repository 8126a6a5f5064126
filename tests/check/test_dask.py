"""Checks on a real Dask cluster: the same verdicts and JSON as a serial check, and the
failures a cluster has — a worker that dies, a kernel that does not start, a cell that hangs.

One ``LocalCluster`` of two worker processes (with their nannies, as on a real cluster)
serves the whole module; the executor reaches it by its address, as it would reach a
remote scheduler. Kernels are the cost, so the notebooks are small and each behaviour is
one run.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from repro_nb.check.executors import (
    DaskExecutor,
    ExecutorSpec,
    LocalExecutor,
    dask_executor,
    kernel_start_failure,
    merge_facts,
    parse_executor,
)
from repro_nb.check.options import CheckOptions
from repro_nb.check.results import NotebookResult
from repro_nb.check.run import run_notebook
from repro_nb.check.settings import Settings
from repro_nb.cli import main
from repro_nb.errors import ConfigError, ExecutorError
from repro_nb.format.files import write_notebook
from repro_nb.report.json_report import to_document

from support import FILES, case

distributed = pytest.importorskip("distributed", reason="the dask extra (repro-nb[dask]) is not installed")

OPTIONS = CheckOptions(timeout=5)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Path]]:
    """Two worker processes, and a Jupyter data directory their kernels are looked up in."""
    jupyter = tmp_path_factory.mktemp("jupyter")
    _flaky_kernel(jupyter)  # before the workers start: they may list the kernels once
    saved = dict(os.environ)
    os.environ["JUPYTER_PATH"] = str(jupyter)
    local = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=logging.ERROR
    )
    restore_environment(saved)  # the nannies set PYTHONHASHSEED and thread counts here too
    # A worker restarted later (the killed-worker test) is spawned with this process's
    # environment of that moment: it must find the kernels too.
    os.environ["JUPYTER_PATH"] = str(jupyter)
    try:
        yield local, jupyter
    finally:
        local.close()
        restore_environment(saved)


def _flaky_kernel(jupyter: Path) -> None:
    """A kernel ``flaky-python`` whose first start dies before it answers (marker: ``failed-once``)."""
    marker = jupyter / "failed-once"
    launcher = jupyter / "flaky_kernel.py"
    launcher.write_text(
        "import os, sys\n"
        f"marker = {str(marker)!r}\n"
        "if not os.path.exists(marker):\n"
        "    open(marker, 'w').close()\n"
        "    sys.exit(1)  # dies before it answers, as a kernel whose ports were taken does\n"
        "os.execv(sys.executable, [sys.executable, '-m', 'ipykernel_launcher', '-f', sys.argv[1]])\n"
    )
    spec = jupyter / "kernels" / "flaky-python"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, str(launcher), "{connection_file}"],
                "display_name": "flaky",
                "language": "python",
            }
        )
    )


def restore_environment(saved: dict[str, str]) -> None:
    for name in set(os.environ) - set(saved):
        del os.environ[name]
    os.environ.update(saved)


def on(cluster: tuple[Any, Path], ship: bool = False) -> DaskExecutor:
    return DaskExecutor(ExecutorSpec("dask", scheduler=cluster[0].scheduler_address, ship=ship))


def comparable(results: list[NotebookResult]) -> dict[str, Any]:
    """The JSON report, less what differs between any two runs: times."""
    document: dict[str, Any] = dict(to_document(results))
    document["created_at"] = None
    for notebook in document["notebooks"]:
        notebook["duration_s"] = None
    return document


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory of small notebooks with every verdict, one of them recorded for real."""
    directory = tmp_path_factory.mktemp("corpus")
    nbs = directory / "nbs"
    for name in ("reproduces", "drifts_in_second_cell", "raises", "markdown_only", "not_json", "times_out"):
        case(f"{name}.ipynb", nbs)
    source = case("recorded_dependencies.ipynb", nbs)
    run = run_notebook(str(source))
    assert run.ok, run.failure
    write_notebook(run.nb, nbs / "recorded.ipynb")
    source.unlink()
    return directory


def notebooks(directory: Path) -> list[str]:
    return sorted(f"nbs/{p.name}" for p in (directory / "nbs").glob("*.ipynb"))


# --------------------------------------------------------------------------- the same as serial


def test_a_dask_check_gives_the_verdicts_and_json_of_a_serial_check(
    cluster: tuple[Any, Path], corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(corpus)
    paths = notebooks(corpus)
    serial = LocalExecutor(ExecutorSpec("serial")).check_many(paths, OPTIONS)
    done: list[str] = []
    executor = on(cluster)
    try:
        assert executor.facts() == merge_facts([executor.facts()])
        parallel = executor.check_many(paths, OPTIONS, on_result=lambda r: done.append(r.path))
    finally:
        executor.close()
    assert sorted(done) == paths
    assert [r.path for r in parallel] == paths
    verdicts = {r.path: r.verdict for r in parallel}
    assert verdicts == {
        "nbs/drifts_in_second_cell.ipynb": "drifted",
        "nbs/markdown_only.ipynb": "reproduced",
        "nbs/not_json.ipynb": "error",
        "nbs/raises.ipynb": "failed",
        "nbs/recorded.ipynb": "reproduced",
        "nbs/reproduces.ipynb": "reproduced",
        "nbs/times_out.ipynb": "failed",
    }
    # the notebook that hangs is bounded by the timeout, on the cluster as here
    hung = next(r for r in parallel if r.path == "nbs/times_out.ipynb")
    assert hung.run_status == "timeout" and hung.duration_s < 60
    assert comparable(parallel) == comparable(serial)


def test_a_worker_killed_mid_run_re_runs_its_notebook_elsewhere(
    cluster: tuple[Any, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The kernel kills the worker process that started it, once: Dask runs the task again."""
    marker = tmp_path / "killed-once"
    nb = json.loads((FILES / "reproduces.ipynb").read_text())
    nb["cells"].insert(
        0,
        {
            "cell_type": "code",
            "id": "kill-worker",
            "execution_count": 1,
            "metadata": {},
            "outputs": [{"output_type": "stream", "name": "stdout", "text": "survived\n"}],
            "source": "import os, pathlib, signal\n"
            f"marker = pathlib.Path({str(marker)!r})\n"
            "if not marker.exists():\n"
            "    marker.write_text('the first run killed its worker')\n"
            "    os.kill(os.getppid(), signal.SIGKILL)\n"
            "print('survived')",
        },
    )
    (tmp_path / "kills_worker.ipynb").write_text(json.dumps(nb))
    monkeypatch.chdir(tmp_path)
    saved = dict(os.environ)
    executor = on(cluster)
    try:
        [result] = executor.check_many(["kills_worker.ipynb"], OPTIONS)
        executor.client.wait_for_workers(2, timeout=60)
    finally:
        executor.close()
        restore_environment(saved)
    assert marker.exists(), (result.verdict, result.kernel, result.message, result.warnings)
    assert result.verdict == "reproduced", result.message


def test_a_kernel_that_does_not_start_is_retried(
    cluster: tuple[Any, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """papermill #511: under parallel launch a kernel can fail to start; a retry starts it."""
    _, jupyter = cluster
    marker = jupyter / "failed-once"
    nb = json.loads((FILES / "reproduces.ipynb").read_text())
    nb["metadata"]["kernelspec"] = {"name": "flaky-python", "display_name": "flaky", "language": "python"}
    (tmp_path / "flaky.ipynb").write_text(json.dumps(nb))
    monkeypatch.chdir(tmp_path)
    executor = on(cluster)
    try:
        [result] = executor.check_many(["flaky.ipynb"], OPTIONS)
    finally:
        executor.close()
    assert marker.exists(), (result.verdict, result.kernel, result.message, result.warnings)
    assert result.verdict == "reproduced", result.message
    assert result.kernel is not None and result.kernel.used == "flaky-python"
    assert any("did not start at the first 1 attempt(s)" in w for w in result.warnings), result.warnings


def test_shipped_files_run_in_a_copy_on_the_worker(
    cluster: tuple[Any, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--ship: the checked directory travels with the tasks; the user's copy is not touched."""
    nbs = tmp_path / "nbs"
    case("recorded_dependencies.ipynb", nbs)
    nb = json.loads((FILES / "reproduces.ipynb").read_text())
    nb["cells"][0]["source"] = "open('written.txt', 'w').write('x')\nprint(6 * 7)"
    (nbs / "writes.ipynb").write_text(json.dumps(nb))
    (nbs / ".git").mkdir()
    (nbs / ".git" / "big").write_bytes(b"x" * 1000)
    monkeypatch.chdir(tmp_path)
    executor = on(cluster, ship=True)
    try:
        [result] = executor.check_many(["nbs/writes.ipynb"], OPTIONS, roots=["nbs"])
        shipped = executor.client.run(shipped_here)
    finally:
        executor.close()
    assert result.verdict == "reproduced" and result.path == "nbs/writes.ipynb", result.message
    assert not (nbs / "written.txt").exists()
    assert any(shipped.values())
    assert not [n for n in os.listdir(_tmp()) if n.startswith(f"repro-nb-ship-{executor._run_id}")]


def _tmp() -> str:
    import tempfile

    return tempfile.gettempdir()


shipped_here = eval(  # by value: the workers cannot import this test module
    "lambda: [n for n in __import__('os').listdir(__import__('tempfile').gettempdir()) if n.startswith('repro-nb-ship-')]"
)


def test_check_dask_from_the_command_line(
    cluster: tuple[Any, Path], corpus: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(corpus)
    address = cluster[0].scheduler_address
    assert main(["check", "nbs/reproduces.ipynb", "nbs/recorded.ipynb", "--dask", address, "--json", "r.json"]) == 0
    err = capsys.readouterr().err
    assert "Dask dashboard: http://" in err
    assert "[2/2]" in err  # the same progress lines as --jobs
    assert [n["verdict"] for n in json.loads(Path("r.json").read_text())["notebooks"]] == ["reproduced"] * 2
    assert main(["check", "nbs", "--dask", address, "--jobs", "2"]) == 2
    assert "--jobs is for local processes" in capsys.readouterr().err


# --------------------------------------------------------------------------- the setting


def test_executor_settings_are_parsed_or_refused_with_a_message() -> None:
    assert parse_executor("serial") == ExecutorSpec("serial")
    assert parse_executor("processes:3") == ExecutorSpec("processes", 3)
    assert parse_executor("processes:1") == ExecutorSpec("serial")
    assert parse_executor("dask:local") == ExecutorSpec("dask", None, "local")
    assert parse_executor("dask:local:4", ship=True) == ExecutorSpec("dask", 4, "local", True)
    assert parse_executor("dask:tcp://10.0.0.5:8786") == ExecutorSpec("dask", None, "tcp://10.0.0.5:8786")
    assert str(dask_executor("local:2")) == "dask:local:2"
    for bad, message in [
        ("threads", "unknown executor 'threads'"),
        ("processes:x", "is not a number of workers"),
        ("dask:local:0", "at least one worker"),
        ("dask:", "--dask needs a scheduler"),
    ]:
        with pytest.raises(ExecutorError, match=message):
            parse_executor(bad)
    assert Settings(jobs=3).executor_spec() == ExecutorSpec("processes", 3)
    assert Settings(jobs=3, executor="dask:local:2").executor_spec() == ExecutorSpec("dask", 2, "local")
    with pytest.raises(ConfigError, match="unknown executor"):
        Settings().override(executor="gpu")


def test_only_a_kernel_that_did_not_start_is_retried() -> None:
    from repro_nb.check.results import CellResult

    never = NotebookResult(
        "a.ipynb",
        "failed",
        run_status="kernel-failed",
        cells=[
            CellResult(
                0,
                "c",
                "not-run",
                failure={
                    "kind": "kernel-failed",
                    "cell_index": None,
                    "ename": "RuntimeError",
                    "evalue": "Kernel died before replying to kernel_info",
                    "traceback": "",
                },
            )
        ],
    )
    assert kernel_start_failure(never) == "RuntimeError: Kernel died before replying to kernel_info"
    crashed = NotebookResult("a.ipynb", "error", message="could not execute a.ipynb: OSError: no such file")
    assert kernel_start_failure(crashed) == crashed.message
    ran = NotebookResult("a.ipynb", "failed", run_status="dead-kernel", cells=[CellResult(0, "c", "failed")])
    assert kernel_start_failure(ran) is None
    assert kernel_start_failure(NotebookResult("a.ipynb", "error", message="cannot read notebook a.ipynb")) is None


def test_workers_that_differ_make_every_difference_count() -> None:
    one = {"machine": {"cpu": "a"}, "versions": {"numpy": "1.26.4"}, "kernels": {"python3": {"own_python": True}}}
    other = {"machine": {"cpu": "b"}, "versions": {"numpy": "2.0.0"}, "kernels": {"python3": {"own_python": True}}}
    assert merge_facts([one, dict(one)]) == one
    merged = merge_facts([one, other])
    assert merged["versions"] == {"numpy": "1.26.4|2.0.0"}
    assert merged["machine"] == [{"cpu": "a"}, {"cpu": "b"}]
    with pytest.raises(ExecutorError, match="no workers"):
        merge_facts([])


def test_shipping_refuses_a_directory_too_large(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from repro_nb.check import executors

    monkeypatch.setattr(executors, "MAX_SHIP_BYTES", 10)
    (tmp_path / "data.bin").write_bytes(os.urandom(5000))
    with pytest.raises(ExecutorError, match="too large to ship"):
        executors._pack(str(tmp_path), str(tmp_path.parent))


def test_the_dask_extra_is_named_when_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    executor = DaskExecutor(ExecutorSpec("dask", None, "local"))
    with pytest.raises(ExecutorError, match=r"pip install 'repro-nb\[dask\]'"):
        executor.check_many(["x.ipynb"], OPTIONS)
