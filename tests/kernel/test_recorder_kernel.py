"""The recorder in a real kernel: what it writes down about each executed cell.

Every test here drives an ``ipykernel`` process through ``jupyter_client`` with
``%load_ext repro_nb`` loaded and asserts facts of the record: file hashes, changed
files, package versions, seeds and unseeded randomness, execution order, errors,
environment values, the comm protocol, and that odd input never breaks the kernel.
Tests that only read the record of their own cells share one kernel per module; those
that need a pristine session start their own.
"""

from __future__ import annotations

import json
import os
import socket
import sys
from pathlib import Path
from typing import Any

import blake3
import numpy
import pytest

from repro_nb.format import record as record_mod
from repro_nb.format.protocol import PROTOCOL

from support import KernelFactory, KernelSession, write_notebook


def b3(data: bytes) -> str:
    return "blake3:" + blake3.blake3(data).hexdigest()


def warnings_of(cell: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [w for w in cell["warnings"] if w["kind"] == kind]


def by_path(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["path"]: item for item in items}


def rel(kernel: KernelSession, path: Path) -> str:
    """How the recorder shows a path inside the kernel's working directory."""
    return path.relative_to(kernel.cwd).as_posix()


# -- data files ---------------------------------------------------------------------


def test_the_python_fallback_hook_records_the_same(kernel_factory: KernelFactory) -> None:
    """Where the C hook was not built, the Python one records reads and writes alike."""
    session = kernel_factory(env={"REPRO_NB_PYTHON_AUDIT_HOOK": "1"})
    (session.cwd / "in.csv").write_bytes(b"x,y\n1,2\n")
    cell = session.run_recorded("data = open('in.csv').read()\nopen('out.txt', 'w').write(data)")
    assert session.evaluate("__import__('repro_nb.kernel.fileaccess').kernel.fileaccess.hook_kind()") == "python"
    assert [(r["path"], r["hash"]) for r in cell["reads"]] == [("in.csv", b3(b"x,y\n1,2\n"))]
    assert [w["path"] for w in cell["writes"]] == ["out.txt"]


def test_read_file_recorded_with_its_blake3_hash(kernel: KernelSession, workdir: Path) -> None:
    data = b"species,petal\nsetosa,1.4\nvirginica,5.1\n"
    (workdir / "flowers.csv").write_bytes(data)
    shown = rel(kernel, workdir / "flowers.csv")

    cell = kernel.run_recorded(f"with open({shown!r}) as fh:\n    text = fh.read()")

    assert cell["reads"] == [{"path": shown, "kind": "file", "status": "ok", "size": len(data), "hash": b3(data)}]
    assert cell["writes"] == []
    notebook = kernel.record()["notebook"]
    assert by_path(notebook["data"])[shown]["hash"] == b3(data)


def test_numpy_read_and_write_recorded(kernel: KernelSession, workdir: Path) -> None:
    (workdir / "matrix.txt").write_text("1 2\n3 4\n")
    source, target = rel(kernel, workdir / "matrix.txt"), rel(kernel, workdir / "doubled.npy")

    cell = kernel.run_recorded(f"import numpy as np\nm = np.loadtxt({source!r})\nnp.save({target!r}, m * 2)")

    assert [r["path"] for r in cell["reads"]] == [source]
    [written] = cell["writes"]
    assert written["path"] == target
    assert written["hash"] == b3((workdir / "doubled.npy").read_bytes())


def test_file_changed_outside_between_two_reads_is_flagged(kernel: KernelSession, workdir: Path) -> None:
    path = workdir / "measurements.csv"
    path.write_bytes(b"x\n1\n2\n")
    shown = rel(kernel, path)
    read = f"with open({shown!r}, 'rb') as fh:\n    raw = fh.read()"

    first = kernel.run_recorded(read)
    assert warnings_of(first, "data-changed") == []
    path.write_bytes(b"x\n1\n3\n")  # same size, same second: only the content tells
    second = kernel.run_recorded(read)

    [warning] = warnings_of(second, "data-changed")
    assert warning["path"] == shown
    assert warning["old"] == b3(b"x\n1\n2\n")
    assert warning["new"] == b3(b"x\n1\n3\n")
    assert "changed outside the notebook" in warning["message"]
    assert f"cell [{first['execution_count']}]" in warning["message"]
    assert second["reads"][0]["hash"] == b3(b"x\n1\n3\n")
    # the notebook-level warnings carry it too, naming the cell
    notebook_warnings = [w for w in kernel.record()["notebook"]["warnings"] if w["kind"] == "data-changed"]
    assert any(w["execution_count"] == second["execution_count"] for w in notebook_warnings)


def test_file_rewritten_by_a_cell_between_reads_names_that_cell(kernel: KernelSession, workdir: Path) -> None:
    shown = rel(kernel, workdir / "log.csv")
    (workdir / "log.csv").write_text("a\n1\n")
    read = f"rows = open({shown!r}).read().splitlines()"

    kernel.run_recorded(read)
    writer = kernel.run_recorded(f"with open({shown!r}, 'a') as fh:\n    fh.write('2\\n')")
    again = kernel.run_recorded(read)

    assert writer["writes"][0]["path"] == shown
    [warning] = warnings_of(again, "data-changed")
    assert f"written by cell [{writer['execution_count']}]" in warning["message"]


def test_unchanged_file_read_twice_is_not_flagged(kernel: KernelSession, workdir: Path) -> None:
    shown = rel(kernel, workdir / "stable.txt")
    (workdir / "stable.txt").write_text("same\n")
    kernel.run_recorded(f"open({shown!r}).read()")
    cell = kernel.run_recorded(f"open({shown!r}).read()")
    assert warnings_of(cell, "data-changed") == []


# -- errors, absent libraries ---------------------------------------------------------


def test_cell_that_raised_records_the_error_and_the_next_cell_still_records(kernel: KernelSession) -> None:
    result = kernel.execute("ratio = 1 / 0")
    assert result.status == "error"
    failed = kernel.last_cell()
    assert failed["error"]["ename"] == "ZeroDivisionError"
    assert "division by zero" in failed["error"]["evalue"]
    assert failed["execution_count"] == result.reply["execution_count"]

    after = kernel.run_recorded("ratio = 1 / 2")
    assert after["error"] is None
    assert after["order"] == failed["order"] + 1


def test_syntax_error_is_recorded(kernel: KernelSession) -> None:
    result = kernel.execute("def broken(:\n    pass")
    assert result.status == "error"
    assert kernel.last_cell()["error"]["ename"] == "SyntaxError"


@pytest.mark.parametrize("module", ["torch", "tensorflow", "jax"])
def test_absent_ml_frameworks_do_not_break_recording(kernel: KernelSession, module: str) -> None:
    assert kernel.evaluate(f"__import__('importlib.util').util.find_spec({module!r}) is None"), (
        f"{module} is installed here; this test is about its absence"
    )
    seeded = kernel.run_recorded("%repro_seed 11")
    assert {s["library"] for s in seeded["seeds"]} >= {"random"}
    assert not {s["library"] for s in seeded["seeds"]} & {"torch", "torch.cuda", "tensorflow", "jax"}

    result = kernel.execute(f"import {module}")
    assert result.error is not None and result.error["ename"] == "ModuleNotFoundError"
    assert kernel.last_cell()["error"]["ename"] == "ModuleNotFoundError"
    assert kernel.run_recorded("y = 2")["error"] is None


# -- packages ---------------------------------------------------------------------------


def test_cell_that_imports_numpy_records_its_version(kernel_factory: KernelFactory) -> None:
    session = kernel_factory()
    assert not session.evaluate("'numpy' in __import__('sys').modules")

    cell = session.run_recorded("import numpy as np")

    imports = {i["module"]: i for i in cell["imports"]}
    assert imports["numpy"] == {
        "module": "numpy",
        "distribution": "numpy",
        "version": numpy.__version__,
        "direct": True,
    }
    assert not any(i["module"] in ("sys", "os", "json") for i in cell["imports"])
    assert session.record()["notebook"]["packages"]["numpy"] == numpy.__version__
    # the recorder's own imports (threadpoolctl for the BLAS report) are not the cell's
    assert "threadpoolctl" not in imports
    assert session.record()["notebook"]["environment"]["blas"], "BLAS is known once NumPy is imported"
    # a later cell that uses numpy without importing anything records no imports
    assert session.run_recorded("np.zeros(3).sum()")["imports"] == []


def test_load_ext_as_the_first_line_records_the_rest_of_that_cell(kernel_factory: KernelFactory) -> None:
    """The usual first cell: ``%load_ext repro_nb`` above the imports and a first read."""
    session = kernel_factory(load_ext=False)
    (session.cwd / "table.csv").write_text("a,b\n1,2\n")
    source = "%load_ext repro_nb\nimport numpy as np\ntable = np.loadtxt('table.csv', delimiter=',', skiprows=1)"

    session.run(source, cell_id="first-cell")

    record = session.record()
    [cell] = record["cells"]
    assert cell["cell_id"] == "first-cell" and cell["execution_count"] == 1
    assert {i["module"] for i in cell["imports"]} >= {"numpy"}
    assert [r["path"] for r in cell["reads"]] == ["table.csv"]
    assert record["notebook"]["packages"]["numpy"] == numpy.__version__
    # the next cell is recorded as usual, and owns none of the first cell's imports
    assert session.run_recorded("x = table.sum()")["imports"] == []


def test_load_ext_in_a_silent_execution_records_no_cell(kernel_factory: KernelFactory) -> None:
    """A silent execution gets no post_run_cell, so no cell may be begun for it."""
    session = kernel_factory(load_ext=False)
    assert session.execute("%load_ext repro_nb", silent=True).status == "ok"
    assert session.record()["cells"] == []
    assert session.run_recorded("y = 1")["execution_count"] == 1


# -- seeds and randomness without a seed -----------------------------------------------------


def test_unseeded_numpy_global_rng_is_flagged(kernel_factory: KernelFactory) -> None:
    session = kernel_factory()
    # imported and used in the same cell: the fingerprint taken at import time counts
    cell = session.run_recorded("import numpy as np\nnoise = np.random.normal(size=5)", cell_id="draw")
    [unseeded] = [u for u in cell["unseeded_rng"] if u["library"] == "numpy"]
    assert unseeded["kind"] == "global-state-advanced"
    assert unseeded["cell_id"] == "draw"
    [warning] = [w for w in warnings_of(cell, "unseeded-rng") if w["library"] == "numpy"]
    assert "never seeded" in warning["message"]

    # a cell that does not touch the RNG is not flagged
    assert session.run_recorded("total = noise.sum()")["unseeded_rng"] == []

    # once seeded, use is fine
    seeded = session.run_recorded("np.random.seed(3)\nsample = np.random.rand(2)")
    assert seeded["seeds"] == [
        {
            "library": "numpy",
            "api": "numpy.random.seed",
            "value": 3,
            "cell_id": None,
            "execution_count": seeded["execution_count"],
        }
    ]
    assert seeded["unseeded_rng"] == []
    assert session.run_recorded("more = np.random.rand(2)")["unseeded_rng"] == []


def test_default_rng_without_seed_is_flagged_with_replayable_entropy(kernel_factory: KernelFactory) -> None:
    session = kernel_factory()
    cell = session.run_recorded("import numpy as np\nrng = np.random.default_rng()\ndrawn = rng.random()")
    [unseeded] = cell["unseeded_rng"]
    assert unseeded["kind"] == "generator-without-seed"
    assert unseeded["api"] == "numpy.random.default_rng"
    assert warnings_of(cell, "unseeded-rng")
    drawn = session.evaluate("drawn")
    assert numpy.random.default_rng(int(unseeded["entropy"])).random() == drawn

    seeded = session.run_recorded("rng2 = np.random.default_rng(5)\nx = rng2.random()")
    assert seeded["unseeded_rng"] == []
    assert [(s["library"], s["api"], s["value"]) for s in seeded["seeds"]] == [
        ("numpy.Generator", "numpy.random.default_rng", 5)
    ]
    # passing a generator along is neither a seed nor unseeded use
    passed = session.run_recorded("rng3 = np.random.default_rng(rng2)")
    assert passed["seeds"] == [] and passed["unseeded_rng"] == []


def test_python_random_unseeded_then_seeded(kernel_factory: KernelFactory) -> None:
    session = kernel_factory()
    cell = session.run_recorded("import random\nroll = random.randint(1, 6)")
    assert [u["library"] for u in cell["unseeded_rng"]] == ["random"]
    seeded = session.run_recorded("random.seed(2024)\nroll = random.randint(1, 6)")
    assert [(s["library"], s["api"], s["value"]) for s in seeded["seeds"]] == [("random", "random.seed", 2024)]
    assert seeded["unseeded_rng"] == []
    # the wrapper changes nothing about what random produces
    import random

    assert session.evaluate("random.seed(7) or random.random()") == random.Random(7).random()


def test_repro_seed_before_numpy_is_imported_seeds_numpy_on_import(kernel_factory: KernelFactory) -> None:
    session = kernel_factory()
    seed_cell = session.run_recorded("%repro_seed 1234", cell_id="seed")
    assert [(s["library"], s["value"]) for s in seed_cell["seeds"]] == [("random", 1234)]

    cell = session.run_recorded("import numpy as np\nvalues = np.random.rand(3).tolist()", cell_id="use")

    assert session.evaluate("values") == numpy.random.RandomState(1234).rand(3).tolist()
    assert cell["unseeded_rng"] == []
    assert [(s["library"], s["api"], s["value"]) for s in cell["seeds"]] == [("numpy", "%repro_seed", 1234)]
    notebook = session.record()["notebook"]
    assert {(s["library"], s["value"]) for s in notebook["seeds"]} == {("random", 1234), ("numpy", 1234)}
    assert notebook["unseeded_rng"] == []


# -- execution order ---------------------------------------------------------------------------

ORDER_CELLS = [("load", "a = 1"), ("double", "b = a * 2"), ("report", "c = b + 1")]


def order_warnings(cell: dict[str, Any]) -> list[dict[str, Any]]:
    return [w for w in cell["warnings"] if w["kind"] in ("out-of-order", "rerun")]


@pytest.fixture
def saved_notebook_kernel(kernel_factory: KernelFactory, tmp_path: Path) -> KernelSession:
    """A kernel that knows its notebook (saved on disk) through ``JPY_SESSION_NAME``."""
    project = tmp_path / "project"
    project.mkdir()
    write_notebook(project / "analysis.ipynb", ORDER_CELLS)
    # jupyter_server sets the path relative to its root; the kernel runs in the notebook's dir
    return kernel_factory(cwd=project, env={"JPY_SESSION_NAME": "some/where/analysis.ipynb"})


def test_top_to_bottom_run_is_not_flagged(saved_notebook_kernel: KernelSession) -> None:
    for position, (cell_id, source) in enumerate(ORDER_CELLS):
        cell = saved_notebook_kernel.run_recorded(source, cell_id=cell_id)
        assert cell["cell_id"] == cell_id
        assert cell["position"] == position
        assert order_warnings(cell) == []


def test_cell_run_after_a_later_cell_is_flagged(saved_notebook_kernel: KernelSession) -> None:
    session = saved_notebook_kernel
    session.run_recorded("b = 41", cell_id="double")  # cell 2 first
    cell = session.run_recorded("a = 1", cell_id="load")  # then cell 1

    [warning] = order_warnings(cell)
    assert warning["kind"] == "out-of-order"
    assert warning["cell_id"] == "load"
    assert "cell 1 ran after later cell(s) 2" in warning["message"]
    assert cell["position"] == 0


def test_rerun_after_later_cells_is_flagged(saved_notebook_kernel: KernelSession) -> None:
    session = saved_notebook_kernel
    for cell_id, source in ORDER_CELLS:
        session.run_recorded(source, cell_id=cell_id)
    cell = session.run_recorded("b = a * 3", cell_id="double")

    [warning] = order_warnings(cell)
    assert "cell 2 was re-run after later cell(s) 3" in warning["message"]


def test_cell_order_told_over_the_comm(kernel_factory: KernelFactory) -> None:
    session = kernel_factory()  # no notebook on disk: the frontend says the order
    comm_id, _ = session.open_comm("repro_nb")
    session.comm_send(comm_id, {"type": "positions", "cell_ids": ["c1", "c2", "c3"]})

    session.run_recorded("z = 3", cell_id="c3")
    cell = session.run_recorded("x = 1", cell_id="c1")
    assert cell["position"] == 0
    assert [w["kind"] for w in order_warnings(cell)] == ["out-of-order"]


def test_vscode_cell_uri_is_kept_apart_from_the_cell_id(kernel: KernelSession) -> None:
    uri = "vscode-notebook-cell:/home/u/analysis.ipynb#W1sZmlsZQ%3D%3D"
    cell = kernel.run_recorded("v = 1", cell_id=uri)
    assert cell["cell_id"] is None
    # the cell's address, without the directories (they name the user)
    assert cell["editor_uri"] == "vscode-notebook-cell:analysis.ipynb#W1sZmlsZQ%3D%3D"


# -- environment values -------------------------------------------------------------------------


def test_only_allowed_environment_values_are_recorded(kernel_factory: KernelFactory, tmp_path: Path) -> None:
    secret = "tok-7f3a9c1e55d24b0e-do-not-record"
    session = kernel_factory(
        env={
            "REPRO_TEST_API_TOKEN": secret,
            "AWS_SECRET_ACCESS_KEY": secret + "-aws",
            "OMP_NUM_THREADS": "3",
            "PYTHONHASHSEED": "0",
        }
    )
    (session.cwd / "input.csv").write_text("a\n1\n")
    _, hello = session.open_comm("repro_nb")
    session.run_recorded("import numpy as np\nnp.random.seed(1)\ndata = open('input.csv').read()")
    cells = session.execute("import os\nx = 1")
    session.run("%repro_save record.repro.json")

    notebook = session.record()["notebook"]
    assert notebook["environment"]["env"] == {"OMP_NUM_THREADS": "3", "PYTHONHASHSEED": "0"}
    everything = (
        json.dumps(session.record()) + json.dumps(hello.messages, default=str) + json.dumps(cells.messages, default=str)
    )
    everything += (session.cwd / "record.repro.json").read_text()
    assert secret not in everything
    assert "REPRO_TEST_API_TOKEN" not in everything and "AWS_SECRET_ACCESS_KEY" not in everything


def test_home_directory_never_appears_in_the_record(kernel_factory: KernelFactory, tmp_path: Path) -> None:
    home = tmp_path / "home" / "alice"
    project = home / "work" / "project"
    shared = home / "datasets"
    project.mkdir(parents=True)
    shared.mkdir(parents=True)
    (shared / "survey.csv").write_text("q,a\n1,yes\n")
    write_notebook(project / "survey.ipynb", [("read", "open('../../datasets/survey.csv').read()")])
    session = kernel_factory(cwd=project, env={"HOME": str(home), "JPY_SESSION_NAME": "survey.ipynb"})

    cell = session.run_recorded(f"open({str(shared / 'survey.csv')!r}).read()", cell_id="read")
    failed = session.execute(f"open({str(home / 'missing.csv')!r})")  # the error message names the file
    assert failed.error is not None
    session.run("x = 1", cell_id=f"vscode-notebook-cell:{home}/work/project/survey.ipynb#W0sZmlsZQ%3D%3D")
    session.run("%repro_save")

    assert [r["path"] for r in cell["reads"]] == ["~/datasets/survey.csv"]  # outside the project: ~, no name
    everything = json.dumps(session.record()) + (project / "survey.repro.json").read_text()
    assert str(home) not in everything
    assert "alice" not in everything
    assert "'~/missing.csv'" in everything


# -- the comm protocol ------------------------------------------------------------------------------


def test_comm_sends_hello_then_one_message_per_cell(kernel: KernelSession) -> None:
    kernel.run("before_comm = 1")
    comm_id, opened = kernel.open_comm("repro_nb", {"protocol": 1})
    [hello] = opened.comm_data(comm_id)
    assert hello["type"] == "hello"
    assert hello["protocol"] == PROTOCOL
    record_mod.validate(hello["notebook"], "notebook")
    assert hello["cells"], "a late frontend gets the cells recorded so far"
    for cell in hello["cells"]:
        record_mod.validate(cell, "cell")
    merging_id, opened = kernel.open_comm("repro_nb", {"protocol": PROTOCOL})
    [merged] = opened.comm_data(merging_id)
    merged = dict(merged["notebook"])

    executed = [kernel.execute("import json", cell_id="comm-a"), kernel.execute("q = 1", cell_id="comm-b")]
    sent = [e.comm_data(comm_id) for e in executed]
    assert [[m["type"] for m in messages] for messages in sent] == [["cell"], ["cell"]]
    assert [messages[0]["cell"]["cell_id"] for messages in sent] == ["comm-a", "comm-b"]
    last = sent[1][0]
    record_mod.validate(last["cell"], "cell")
    record_mod.validate(last["notebook"], "notebook")
    assert last["cell"] == kernel.last_cell()
    assert last["notebook"]["recorder"]["channel"] == "comm"

    # a protocol-2 frontend gets the changed fields, which merge into the same record
    for execution in executed:
        [message] = execution.comm_data(merging_id)
        assert "notebook" not in message
        merged.update(message["notebook_changes"])
    assert merged == last["notebook"]
    [second] = executed[1].comm_data(merging_id)
    assert "cells_executed" in second["notebook_changes"]
    assert set(second["notebook_changes"]) <= {"updated_at", "cells_executed"}

    # silent executions (a frontend's own queries) are not cells
    assert kernel.execute("r = 1", silent=True).comm_data(comm_id) == []

    [again] = kernel.comm_send(comm_id, {"type": "get"}).comm_data(comm_id)
    assert again["type"] == "hello"

    kernel.close_comm(comm_id)
    assert kernel.execute("s = 1").comm_data(comm_id) == []
    assert kernel.last_cell()["execution_count"] is not None


# -- bad input: the kernel never breaks because of the recorder ---------------------------------------


def assert_still_recording(kernel: KernelSession) -> None:
    before = kernel.record()["notebook"]["cells_executed"]
    cell = kernel.run_recorded("still_alive = True")
    assert cell["error"] is None and cell["warnings"] == []
    assert kernel.record()["notebook"]["cells_executed"] == before + 1


def test_file_deleted_during_the_cell(kernel: KernelSession, workdir: Path) -> None:
    shown = rel(kernel, workdir / "temp.csv")
    (workdir / "temp.csv").write_text("a\n1\n")
    cell = kernel.run_recorded(f"import os\ntext = open({shown!r}).read()\nos.remove({shown!r})")
    [read] = cell["reads"]
    assert read["status"] == "missing" and read["hash"] is None
    [warning] = warnings_of(cell, "data-missing")
    assert warning["path"] == shown and "deleted by the cell after it was read" in warning["message"]
    assert_still_recording(kernel)


def test_file_deleted_by_someone_else_during_the_cell(kernel: KernelSession, workdir: Path) -> None:
    shown = rel(kernel, workdir / "vanishing.csv")
    (workdir / "vanishing.csv").write_text("a\n1\n")
    kernel.run_recorded(f"text = open({shown!r}).read()")
    # another process removes it while the next reading cell runs
    cell = kernel.run_recorded(
        f"text = open({shown!r}).read()\nimport subprocess\nsubprocess.run(['rm', {shown!r}], check=True)"
    )
    [warning] = warnings_of(cell, "data-missing")
    assert "does not exist after the cell" in warning["message"]
    assert_still_recording(kernel)


def test_failed_open_is_an_error_not_data(kernel: KernelSession, workdir: Path) -> None:
    shown = rel(kernel, workdir / "typo.csv")
    result = kernel.execute(f"open({shown!r}).read()")
    assert result.error is not None and result.error["ename"] == "FileNotFoundError"
    cell = kernel.last_cell()
    assert cell["reads"] == [] and cell["warnings"] == []
    assert cell["error"]["ename"] == "FileNotFoundError"
    assert_still_recording(kernel)


def test_scratch_files_are_left_out_and_renamed_writes_recorded_by_final_name(
    kernel: KernelSession, workdir: Path
) -> None:
    final, scratch = rel(kernel, workdir / "out.json"), rel(kernel, workdir / ".out.json.tmp")
    temporary = rel(kernel, workdir / "temporary.txt")
    cell = kernel.run_recorded(
        "import os\n"
        f"with open({temporary!r}, 'w') as fh:\n    fh.write('scratch')\n"
        f"os.remove({temporary!r})\n"
        f"with open({scratch!r}, 'w') as fh:\n    fh.write('{{}}')\n"
        f"os.replace({scratch!r}, {final!r})\n"
    )
    assert [(w["path"], w["hash"]) for w in cell["writes"]] == [(final, b3(b"{}"))]
    assert cell["reads"] == [] and cell["warnings"] == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file(kernel: KernelSession, workdir: Path) -> None:
    path = workdir / "secret.csv"
    path.write_text("a\n1\n")
    path.chmod(0)
    result = kernel.execute(f"open({rel(kernel, path)!r}).read()")
    assert result.error is not None and result.error["ename"] == "PermissionError"
    [read] = kernel.last_cell()["reads"]
    assert read["status"] == "unreadable" and read["hash"] is None
    assert_still_recording(kernel)


def test_file_the_recorder_cannot_read(kernel_factory: KernelFactory) -> None:
    """The cell read the file, but by the time the recorder hashes it, it cannot.

    (Root reads files whatever their mode, so the failure is injected in the kernel.)
    """
    session = kernel_factory()
    (session.cwd / "flaky.csv").write_text("a\n1\n")
    session.run(
        "import errno, repro_nb.format.hashing as _h\n"
        "_real_open = _h.os.open\n"
        "def _refuse(path, *args, **kwargs):\n"
        "    if str(path).endswith('flaky.csv'):\n"
        "        raise PermissionError(errno.EACCES, 'Permission denied', path)\n"
        "    return _real_open(path, *args, **kwargs)\n"
        "class _OS:\n"
        "    def __getattr__(self, name):\n"
        "        return _refuse if name == 'open' else getattr(__import__('os'), name)\n"
        "_h.os = _OS()\n"
    )
    cell = session.run_recorded("text = open('flaky.csv').read()")
    [read] = cell["reads"]
    assert read["status"] == "unreadable" and read["hash"] is None
    assert_still_recording(session)


def test_devices_fifos_and_sockets_are_not_data(kernel: KernelSession, workdir: Path) -> None:
    fifo = workdir / "pipe"
    os.mkfifo(fifo)
    sock_path = workdir / "sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(sock_path))
    server.listen(1)
    try:
        code = (
            "import os, socket\n"
            "with open('/dev/null', 'w') as fh:\n    fh.write('discarded')\n"
            "with open('/dev/null', 'rb') as fh:\n    fh.read()\n"
            f"fd = os.open({rel(kernel, fifo)!r}, os.O_RDONLY | os.O_NONBLOCK)\nos.close(fd)\n"
            f"try:\n    open({rel(kernel, sock_path)!r})\nexcept OSError as exc:\n    socket_error = exc.errno\n"
            f"client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n"
            f"client.connect({str(sock_path)!r})\nclient.close()\n"
        )
        cell = kernel.run_recorded(code, timeout=30)
    finally:
        server.close()
    assert cell["reads"] == [] and cell["writes"] == []
    assert warnings_of(cell, "recorder-error") == []
    assert_still_recording(kernel)


def test_non_utf8_file_name(kernel: KernelSession, workdir: Path) -> None:
    raw_name = os.fsencode(workdir) + b"/caf\xe9.csv"  # Latin-1 é: not UTF-8
    with open(raw_name, "wb") as fh:
        fh.write(b"a\n1\n")
    rel_dir = rel(kernel, workdir)
    cell = kernel.run_recorded(
        f"with open({rel_dir.encode() + b'/caf' + bytes([0xE9]) + b'.csv'!r}, 'rb') as fh:\n    raw = fh.read()"
    )
    [read] = cell["reads"]
    assert read["path"] == f"{rel_dir}/caf\\xe9.csv"
    assert read["hash"] == b3(b"a\n1\n")
    # the whole record is still valid UTF-8 JSON and valid against the schema
    record = kernel.record()
    record_mod.validate(record, "sidecar")
    json.dumps(record).encode("utf-8")
    assert_still_recording(kernel)


def test_recorder_failure_inside_a_cell_is_a_warning_not_an_error(kernel_factory: KernelFactory) -> None:
    session = kernel_factory()
    session.run(
        "from repro_nb.kernel.registry import current_recorder\n"
        "def _boom(*args, **kwargs):\n    raise RuntimeError('injected')\n"
        "current_recorder().seeds.fingerprints = _boom\n"
    )
    result = session.execute("value = 40 + 2")
    assert result.status == "ok"
    assert session.evaluate("value") == 42
    [warning] = warnings_of(session.last_cell(), "recorder-error")
    assert "injected" in warning["message"]


def test_large_output_and_many_files_in_one_cell(kernel: KernelSession, workdir: Path) -> None:
    for i in range(200):
        (workdir / f"part-{i:03d}.csv").write_text(f"i\n{i}\n")
    shown = rel(kernel, workdir)
    cell = kernel.run_recorded(
        f"import glob\nparts = [open(p).read() for p in sorted(glob.glob({shown!r} + '/part-*.csv'))]\nlen(parts)"
    )
    assert len(cell["reads"]) == 200
    assert all(r["status"] == "ok" for r in cell["reads"])


def test_nothing_recorded_for_interpreter_files(kernel: KernelSession) -> None:
    cell = kernel.run_recorded("import email.mime.text\nimport json\njson.dumps({})")
    assert cell["reads"] == [] and cell["writes"] == []
    assert cell["imports"] == []  # standard library only
    assert sys.prefix not in json.dumps(kernel.record())


# -- readers the audit hook cannot see ---------------------------------------------------------------


def test_parquet_read_and_write_recorded_in_the_importing_cell(kernel_factory: KernelFactory) -> None:
    pytest.importorskip("pyarrow.parquet")
    session = kernel_factory()
    cell = session.run_recorded(
        "import pandas as pd\n"
        "pd.DataFrame({'a': [1, 2]}).to_parquet('table.parquet')\n"
        "back = pd.read_parquet('table.parquet')"
    )
    digest = b3((session.cwd / "table.parquet").read_bytes())
    assert [(w["path"], w["hash"]) for w in cell["writes"]] == [("table.parquet", digest)]
    assert [(r["path"], r["hash"]) for r in cell["reads"]] == [("table.parquet", digest)]


def test_h5py_file_recorded(kernel_factory: KernelFactory) -> None:
    pytest.importorskip("h5py")
    session = kernel_factory()
    cell = session.run_recorded(
        "import h5py\n"
        "with h5py.File('arrays.h5', 'w') as fh:\n    fh['x'] = [1, 2, 3]\n"
        "with h5py.File('arrays.h5', 'r') as fh:\n    x = fh['x'][()]"
    )
    digest = b3((session.cwd / "arrays.h5").read_bytes())
    assert [(w["path"], w["hash"]) for w in cell["writes"]] == [("arrays.h5", digest)]
    assert [(r["path"], r["hash"]) for r in cell["reads"]] == [("arrays.h5", digest)]
