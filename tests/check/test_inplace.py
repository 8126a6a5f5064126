"""``repro-nb run --in-place`` never loses data (issue 15).

- a cell the user saved while the run was going is kept: the run's result goes beside;
- a run that stops (a dead kernel) keeps the stored outputs of the cells it never ran,
  marked as not re-run in the record;
- two runs of one notebook at once: the second is refused, not the last writer winning;
- papermill's metadata holds the input's path, never a copy of the input notebook
  (which nested again on every in-place run and kept outputs the user had cleared);
- a temporary file a killed write left beside the notebook is swept on the next run.

Real runs: the installed ``repro-nb`` script, real kernels, real signals.
"""

from __future__ import annotations

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

from repro_nb.cli import main

from support import FILES

REPRO_NB = str(Path(sys.executable).with_name("repro-nb"))


def code_notebook(path: Path, sources: list[str], outputs: list[str] | None = None) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for index, source in enumerate(sources):
        cell = nbformat.v4.new_code_cell(source)
        cell.id = f"c{index}"
        if outputs and outputs[index]:
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=outputs[index])]
            cell.execution_count = index + 1
        nb.cells.append(cell)
    path.write_text(nbformat.writes(nb))
    return path


def wait_for(path: Path, process: subprocess.Popen[Any], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.1)


def text_of(cell: Any) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", []))


#: A cell that signals it is running, then waits for the test to let it finish.
WAIT_FOR_GO = (
    "import os, time\n"
    "open('running', 'w').close()\n"
    "deadline = time.time() + 90\n"
    "while not os.path.exists('go') and time.time() < deadline:\n"
    "    time.sleep(0.05)\n"
    "print('ran')"
)


def test_a_cell_saved_while_the_run_went_on_is_kept(tmp_path: Path) -> None:
    path = code_notebook(tmp_path / "edited.ipynb", [WAIT_FOR_GO])
    process = subprocess.Popen(
        [REPRO_NB, "run", str(path), "--in-place"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for(tmp_path / "running", process)
    # the user adds a cell and saves, as JupyterLab does, while the run is going
    saved = nbformat.read(path, as_version=4)
    saved.cells.append(nbformat.v4.new_markdown_cell("my precious edit"))
    path.write_text(nbformat.writes(saved))
    (tmp_path / "go").touch()
    out, err = process.communicate(timeout=120)

    on_disk = nbformat.read(path, as_version=4)
    assert [c.source for c in on_disk.cells][-1] == "my precious edit", "the user's save was overwritten"
    beside = tmp_path / "edited.executed.ipynb"
    assert process.returncode == 1, out + err
    assert "changed on disk while it ran" in err and str(beside) in err, err
    result = nbformat.read(beside, as_version=4)
    assert text_of(result.cells[0]) == "ran\n"
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_a_failed_run_keeps_the_outputs_of_the_cells_it_did_not_run(tmp_path: Path) -> None:
    """kills_kernel.ipynb: cell 2 kills the kernel; cell 3's stored output must survive."""
    path = tmp_path / "kills_kernel.ipynb"
    shutil.copy2(FILES / "kills_kernel.ipynb", path)
    assert main(["run", str(path), "--in-place"]) == 1
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    before, _kill, after = nb.cells
    assert text_of(before) == "before\n" and before.execution_count == 1  # re-run
    assert text_of(after) == "after\n", "the stored output of a cell that never ran was wiped"
    assert after.execution_count == 3  # as stored
    warnings = nb.metadata["repro_nb"]["warnings"]
    not_rerun = [w for w in warnings if w["kind"] == "not-rerun"]
    assert [w.get("cell_id") for w in not_rerun] == ["after"], warnings
    assert "not re-run" in not_rerun[0]["message"] and "dead-kernel" in not_rerun[0]["message"]
    assert after.metadata.get("papermill", {}).get("status") != "completed"


def test_a_second_in_place_run_of_the_same_notebook_is_refused(tmp_path: Path) -> None:
    path = code_notebook(tmp_path / "twice.ipynb", [WAIT_FOR_GO])
    first = subprocess.Popen(
        [REPRO_NB, "run", str(path), "--in-place"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        wait_for(tmp_path / "running", first)
        second = subprocess.run(
            [REPRO_NB, "run", str(path), "--in-place"], cwd=tmp_path, capture_output=True, text=True, timeout=120
        )
        assert second.returncode == 2, second.stdout + second.stderr
        assert "another repro-nb run" in second.stderr and "twice.ipynb" in second.stderr, second.stderr
    finally:
        (tmp_path / "go").touch()
        first.communicate(timeout=120)
    assert first.returncode == 0
    assert text_of(nbformat.read(path, as_version=4).cells[0]) == "ran\n"


def _nested(nb: dict[str, Any], depth: int, secret: str) -> dict[str, Any]:
    """What old in-place runs left: metadata.papermill.input_path holding the input notebook, nested."""
    inner = json.loads(json.dumps(nb))
    inner["cells"][0]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": secret}]
    for _ in range(depth):
        inner = {**json.loads(json.dumps(nb)), "metadata": {**nb["metadata"], "papermill": {"input_path": inner}}}
    return inner


def test_papermill_metadata_holds_a_path_and_old_nested_copies_go(tmp_path: Path) -> None:
    path = code_notebook(tmp_path / "grow.ipynb", ["print(1)"])
    stored = json.loads(path.read_text())
    stored["metadata"]["papermill"] = {"input_path": _nested(stored, 3, "SECRET printed once, then cleared\n")}
    path.write_text(json.dumps(stored))
    sizes = []
    for _ in range(3):
        assert main(["run", str(path), "--in-place"]) == 0
        sizes.append(path.stat().st_size)
    written = json.loads(path.read_text())
    papermill = written["metadata"]["papermill"]
    assert papermill["input_path"] == str(path), papermill["input_path"]
    assert papermill.get("output_path") in (None, str(path))
    assert "SECRET" not in path.read_text()
    assert max(sizes) - min(sizes) < 100, sizes  # no growth from run to run

    other = tmp_path / "copy.ipynb"
    assert main(["run", str(path), "-o", str(other)]) == 0
    assert json.loads(other.read_text())["metadata"]["papermill"]["input_path"] == str(path)


def test_a_temporary_file_left_by_a_killed_write_is_swept_on_the_next_run(tmp_path: Path) -> None:
    """SIGKILL during the final write leaves ``.NAME.….tmp``; the next run of that notebook removes it."""
    path = code_notebook(tmp_path / "swept.ipynb", ["print(1)"])
    writer = (
        "import os, sys, time\n"
        "import repro_nb.format.files as files\n"
        "real_fsync = os.fsync\n"
        "def slow_fsync(fd):\n"
        "    open(sys.argv[2], 'w').close()\n"
        "    time.sleep(60)\n"
        "files.os.fsync = slow_fsync\n"
        "files.atomic_write_text(sys.argv[1], 'half of a notebook')\n"
    )
    marker = tmp_path / "writing"
    killed = subprocess.Popen([sys.executable, "-c", writer, str(path), str(marker)])
    wait_for(marker, killed)
    killed.send_signal(signal.SIGKILL)
    killed.wait(timeout=30)
    stale = [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert stale and all(name.startswith(".swept.ipynb.") for name in stale), stale

    done = subprocess.run([REPRO_NB, "run", str(path), "--in-place"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    # a temporary file of a writer still alive is not touched
    alive = tmp_path / f".swept.ipynb.{os.getpid()}.abcd1234.tmp"
    alive.write_text("being written")
    assert main(["run", str(path), "--in-place"]) == 0
    assert alive.exists()
