"""Causes found in real re-runs: each planted in a notebook, re-run in a real kernel, named.

The rules are unit-tested on hand-built evidence in ``test_explain.py``; here each cause
comes out of a real check — a local module edited, an environment variable unset, a cell
edited after it ran, a cell re-run by hand, a host that cannot be reached, and outputs
that only other versions of NumPy, pandas and matplotlib print, with and without a
record (a record planted with an older NumPy than the one installed).
"""

from __future__ import annotations

import importlib.metadata
import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from repro_nb.check.causes import shell, signatures
from repro_nb.check.causes.failures import failure_causes
from repro_nb.check.causes.tracebacks import traceback_edit_causes
from repro_nb.check.evidence import Evidence
from repro_nb.check.pipeline import check_notebook
from repro_nb.check.run import run_notebook
from repro_nb.format.files import write_notebook

from support import case, cells_by_id, kinds, statuses

NUMPY = importlib.metadata.version("numpy")


def record(name: str, directory: Path) -> Path:
    """Fixture ``name`` executed and recorded by repro-nb's engine, as ``recorded.ipynb``."""
    source = case(name, directory)
    run = run_notebook(str(source))
    assert run.ok, run.failure
    target = directory / "recorded.ipynb"
    write_notebook(run.nb, target)
    source.unlink()
    return target


def edited(path: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    nb = json.loads(path.read_text())
    edit(nb)
    path.write_text(json.dumps(nb, indent=1))
    return path


def cell_of(nb: dict[str, Any], cell_id: str) -> dict[str, Any]:
    return next(c for c in nb["cells"] if c.get("id") == cell_id)


@pytest.fixture(scope="module")
def dependencies(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return record("recorded_dependencies.ipynb", tmp_path_factory.mktemp("dependencies"))


def copy_of(recorded: Path, dest: Path) -> Path:
    shutil.copytree(recorded.parent, dest)
    return dest / recorded.name


def test_the_record_hashes_the_local_modules_a_cell_imports(dependencies: Path) -> None:
    local = cell_of(json.loads(dependencies.read_text()), "local")["metadata"]["repro_nb"]
    [module] = local["local_modules"]
    assert (module["module"], module["path"]) == ("localhelper", "localhelper.py")
    assert module["hash"].startswith("blake3:")
    assert "localhelper.py" not in [r["path"] for r in local["reads"]], "code is not data"


def test_an_edited_local_module_is_named(dependencies: Path, tmp_path: Path) -> None:
    path = copy_of(dependencies, tmp_path / "nb")
    (path.parent / "localhelper.py").write_text('"""A local module beside the notebook."""\nVALUE = 8\n')
    result = check_notebook(str(path))
    assert statuses(result)["local"] == "drifted"
    [cause] = cells_by_id(result)["local"].causes
    assert (cause.kind, cause.category, cause.confidence) == ("local-module-changed", "local-module", "high")
    assert cause.message.startswith("local module localhelper (localhelper.py), imported by this cell, changed")
    assert cause.root == "module:localhelper.py"


def test_a_cell_edited_after_its_outputs_were_stored_is_stale(dependencies: Path, tmp_path: Path) -> None:
    def edit(nb: dict[str, Any]) -> None:
        cell_of(nb, "arith")["source"] = "print(sum(i * 0.2 for i in range(10)))"

    result = check_notebook(str(edited(copy_of(dependencies, tmp_path / "nb"), edit)))
    arith = cells_by_id(result)["arith"]
    assert arith.status == "drifted"
    assert (arith.causes[0].kind, arith.causes[0].category) == ("code-edited", "code-edited")
    assert "the outputs are stale" in arith.causes[0].message


def test_an_environment_variable_unset_since_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPRO_NB_TEST_MODE", "fast")
    path = record("recorded_environment.ipynb", tmp_path)
    mode = cell_of(json.loads(path.read_text()), "mode")["metadata"]["repro_nb"]
    assert mode["env_vars"] == [{"name": "REPRO_NB_TEST_MODE", "set": True}]
    assert "fast" not in json.dumps(mode), "the value is never recorded"
    monkeypatch.delenv("REPRO_NB_TEST_MODE")
    result = check_notebook(str(path))
    cell = cells_by_id(result)["mode"]
    assert cell.status == "drifted"
    [cause] = cell.causes
    assert (cause.kind, cause.category) == ("env-var-changed", "environment")
    assert cause.message == (
        "environment variable REPRO_NB_TEST_MODE, read by this cell, was set when recorded and is not set now"
    )


@pytest.mark.skipif(not NUMPY.startswith("2."), reason="the planted record needs NumPy 2 installed")
def test_a_record_planted_with_an_older_numpy_names_the_version_boundary(tmp_path: Path) -> None:
    path = record("recorded_environment.ipynb", tmp_path)

    def older_numpy(nb: dict[str, Any]) -> None:
        nb["metadata"]["repro_nb"]["packages"]["numpy"] = "1.26.4"
        scalar = cell_of(nb, "scalar")
        for item in scalar["metadata"]["repro_nb"]["imports"]:
            if item["distribution"] == "numpy":
                item["version"] = "1.26.4"
        scalar["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "[0.5]\n"}]  # NumPy 1 printed

    result = check_notebook(str(edited(path, older_numpy)))
    cell = cells_by_id(result)["scalar"]
    assert cell.status == "drifted"
    cause = cell.causes[0]
    assert (cause.kind, cause.category, cause.confidence) == ("version-signature", "environment", "high")
    assert cause.details == {"signature": "numpy2-scalar-repr", "package": "numpy", "boundary": "2.0"}
    assert f"recorded numpy 1.26.4, now {NUMPY}" in cause.evidence
    assert "package-changed" not in kinds(cell), "the signature says it, with the boundary"
    assert [(p.distribution, p.old, p.new) for p in result.packages] == [("numpy", "1.26.4", NUMPY)]


def test_without_a_record_the_outputs_name_the_versions(tmp_path: Path) -> None:
    result = check_notebook(str(case("old_versions_no_record.ipynb", tmp_path)))
    cells = cells_by_id(result)
    signatures_found = {name: cell.causes[0].details.get("signature") for name, cell in cells.items() if cell.causes}
    assert signatures_found == {
        "figure": "matplotlib-default-figure-size",
        "append": "pandas2-append",
        "scalar": "numpy2-scalar-repr",
        "help": "python37-builtin-help",
        "array": "numpy114-array-print",
        "table": "pandas023-html-style",
        "shell": None,
    }
    assert statuses(result) == {name: "drifted" for name in cells if name != "append"} | {"append": "failed"}
    assert all(cells[name].causes[0].confidence == "medium" for name in cells), "no record: medium"
    [shell] = cells["shell"].causes
    assert (shell.kind, shell.category) == ("environment", "environment")
    assert shell.details == {"field": "shell command", "command": "echo made on another machine"}
    assert shell.message.startswith("the cell runs the shell command `echo made on another machine`")
    assert result.verdict == "failed"


@pytest.mark.parametrize(
    ("source", "command"),
    [
        ("!ls *Python*.ipynb", "ls *Python*.ipynb"),
        ("files = !ls\nprint(files)", "ls"),
        ("x = 1\n  !!date", "date"),
        ("%sx uname -a", "uname -a"),
        ("%%bash\n\necho hi\n", "echo hi"),
        ("print('!ls')", None),
        ("a != b", None),
    ],
)
def test_the_shell_command_a_cell_runs(source: str, command: str | None) -> None:
    assert shell.shell_command(source) == command


@pytest.mark.parametrize(
    ("source", "ename", "confidence"),
    [
        ("%debug", "StdinNotImplementedError", "high"),
        ("%pdb on\nfunc2(1)", "ZeroDivisionError", "medium"),
        ("name = input('who? ')", "StdinNotImplementedError", "high"),
    ],
)
def test_a_cell_that_asks_for_input_is_named(source: str, ename: str, confidence: str) -> None:
    stored = {"cell_type": "code", "source": source, "outputs": [], "metadata": {}}
    evidence = Evidence([stored], None, None, [], [], [], executed_cells=[stored])
    failure = {
        "kind": "error",
        "ename": ename,
        "evalue": "raw_input was called, but this frontend does not support input",
    }
    [cause] = [c for c in failure_causes(0, failure, evidence) if c.details.get("field") == "stdin"]
    assert (cause.kind, cause.category, cause.confidence) == ("environment", "environment", confidence)
    assert cause.message.startswith("the cell asks for interactive input")


def test_a_text_column_of_pandas_3_is_named_by_its_dtype() -> None:
    stored = {
        "outputs": [{"output_type": "execute_result", "data": {"text/plain": "0    A\nName: label, dtype: object"}}]
    }
    actual = {"outputs": [{"output_type": "execute_result", "data": {"text/plain": "0    A\nName: label, dtype: str"}}]}
    evidence = Evidence([stored], None, None, [], [], [], executed_cells=[actual])
    [cause] = signatures.signature_causes(0, stored, actual, evidence)
    assert cause.details == {"signature": "pandas3-str-dtype", "package": "pandas", "boundary": "3.0"}


def test_counts_that_skip_say_a_cell_was_re_run_by_hand(tmp_path: Path) -> None:
    result = check_notebook(str(case("counts_skip.ipynb", tmp_path)))
    count = cells_by_id(result)["count"]
    assert count.status == "drifted"
    [cause] = count.causes
    assert (cause.kind, cause.category, cause.confidence) == ("rerun", "execution-order", "medium")
    assert cause.message.startswith("execution counts skip from [2] to [5] before this cell: 2 execution(s)")


def test_without_a_record_the_stored_traceback_and_counts_say_what_was_edited(tmp_path: Path) -> None:
    cells = cells_by_id(check_notebook(str(case("edited_after_it_ran.ipynb", tmp_path))))
    typo = cells["typo"]
    assert typo.status == "drifted"  # the stored NameError is gone: the typo was fixed
    edited = next(c for c in typo.causes if c.kind == "code-edited")
    assert edited.confidence == "high"
    assert edited.details == {"line": 3, "stored": "print(totl)", "now": "print(total)"}
    assert "shows line 3 as 'print(totl)', the cell now has 'print(total)'" in edited.message
    restarted = cells["restarted"]
    assert restarted.status == "drifted"  # its output was saved from another session
    [cause] = restarted.causes
    assert (cause.kind, cause.category) == ("rerun", "execution-order")
    assert cause.message.startswith("execution counts start again at this cell ([2] then [1])")


def test_a_network_failure_names_the_host(tmp_path: Path) -> None:
    result = check_notebook(str(case("network_failure.ipynb", tmp_path)))
    download = cells_by_id(result)["download"]
    assert download.status == "failed"
    [cause] = download.causes
    assert (cause.kind, cause.category) == ("network", "network")
    assert cause.details["host"] == "127.0.0.1"
    assert cause.message == "a network request failed (127.0.0.1): URLError"


def test_signatures_from_a_package_are_loaded_through_its_entry_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A package adds signatures by declaring a ``repro_nb.signatures`` entry point."""
    (tmp_path / "house_signatures.py").write_text(
        "def signatures():\n"
        "    return [{'id': 'house-widget-v3', 'package': 'house-widgets', 'boundary': '3.0',\n"
        "             'message': 'house-widgets 3.0 renamed Widget.draw to Widget.render',\n"
        "             'error': \"AttributeError: 'Widget' object has no attribute 'draw'\"}]\n"
    )
    info = tmp_path / "house_signatures-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: house-signatures\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[repro_nb.signatures]\nhouse = house_signatures:signatures\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    signatures.known_signatures.cache_clear()
    try:
        known = {s.id: s for s in signatures.known_signatures()}
        assert "house-widget-v3" in known and "numpy2-scalar-repr" in known
        assert known["house-widget-v3"].matches("AttributeError: 'Widget' object has no attribute 'draw'", "", "")
    finally:
        signatures.known_signatures.cache_clear()
        sys.modules.pop("house_signatures", None)


def test_every_shipped_signature_is_valid_and_documented() -> None:
    shipped = signatures.known_signatures()
    assert len({s.id for s in shipped}) == len(shipped) >= 20
    for signature in shipped:
        assert signature.package and signature.boundary and signature.message
        assert any(p is not None for p in (signature.error, signature.actual, signature.stored))


# ----------------------------------------------------------------- stored tracebacks, read


def _error_cell(source: str, traceback: list[str], count: int = 1) -> dict[str, Any]:
    error = {"output_type": "error", "ename": "E", "evalue": "", "traceback": traceback}
    return {"cell_type": "code", "execution_count": count, "source": source, "metadata": {}, "outputs": [error]}


IPYTHON7 = [  # nbval's own test-exceptions-fail-storedmismatch sample, as IPython 5 saved it
    "\x1b[0;31mNameError\x1b[0m                                 Traceback (most recent call last)",
    "\x1b[0;32m<ipython-input-1-bf9d05c57e16>\x1b[0m in \x1b[0;36m<module>\x1b[0;34m()\x1b[0m\n"
    "\x1b[1;32m      2\x1b[0m \x1b[0;32mdef\x1b[0m \x1b[0mfoo\x1b[0m\x1b[0;34m(\x1b[0m\x1b[0;34m)\x1b[0m\x1b[0;34m:\x1b[0m\n"
    '\x1b[1;32m      3\x1b[0m     \x1b[0;32mraise\x1b[0m \x1b[0mRuntimeError\x1b[0m\x1b[0;34m(\x1b[0m\x1b[0;34m"Foo"\x1b[0m\x1b[0;34m)\x1b[0m\n'
    "\x1b[0;32m----> 4\x1b[0;31m \x1b[0mfoo\x1b[0m\x1b[0;34m(\x1b[0m\x1b[0ma\x1b[0m\x1b[0;34m)\x1b[0m\n",
    "\x1b[0;31mNameError\x1b[0m: name 'a' is not defined",
]


def test_an_ipython_7_traceback_of_other_code_is_an_edit() -> None:
    source = '# NBVAL_RAISES_EXCEPTION\ndef foo():\n    raise RuntimeError("Foo")\nfoo()'
    [cause] = traceback_edit_causes(0, _error_cell(source, IPYTHON7))
    assert cause.details == {"line": 4, "stored": "foo(a)", "now": "foo()"}
    assert traceback_edit_causes(0, _error_cell(source.replace("\nfoo()", "\nfoo(a)"), IPYTHON7)) == []


def test_frames_of_other_cells_and_rewritten_lines_are_not_read() -> None:
    other_cell = [  # In [3] called f, defined in In [2]: its lines are In [2]'s, not this cell's
        "Cell In[3], line 1\n----> 1 f()\n",
        "Cell In[2], line 2, in f()\n      1 def f():\n----> 2     return 1 / 0\n",
        "ZeroDivisionError: division by zero",
    ]
    assert traceback_edit_causes(0, _error_cell("f()", other_cell, count=3)) == []
    magic = ["Cell In[1], line 1\n----> 1 get_ipython().run_line_magic('run', 'x.py')\n", "OSError: x"]
    assert traceback_edit_causes(0, _error_cell("%run x.py", magic)) == []
    library = [  # a frame in a library file: its numbers are that file's lines
        "Cell In[1], line 1\n----> 1 json.loads('')\n",
        "File /usr/lib/python3.11/json/__init__.py:346, in loads(s)\n    345 if x:\n--> 346     return y\n",
        "JSONDecodeError: x",
    ]
    assert traceback_edit_causes(0, _error_cell("json.loads('')", library)) == []
