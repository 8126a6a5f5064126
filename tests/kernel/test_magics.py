"""The magics, in a real kernel: ``%repro_seed``, ``%repro_data``, ``%repro``,
``%repro_save``, ``%config ReproNB.…`` and ``%unload_ext repro_nb``.

User mistakes must come back as a one-line ``UsageError``, and the kernel must keep
recording afterwards.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import blake3
import numpy
import pytest

from repro_nb.format import record as record_mod

from support import KernelFactory, KernelSession, write_notebook


def b3(data: bytes) -> str:
    return "blake3:" + blake3.blake3(data).hexdigest()


def rel(kernel: KernelSession, path: Path) -> str:
    return path.relative_to(kernel.cwd).as_posix()


def usage_error(kernel: KernelSession, line: str) -> str:
    """Run a magic that must fail with a UsageError; return its message."""
    result = kernel.execute(line)
    assert result.error is not None, f"{line} did not fail"
    assert result.error["ename"] == "UsageError", result.error
    return str(result.error["evalue"])


def pinned(kernel: KernelSession, shown: str) -> dict[str, Any]:
    [item] = [d for d in kernel.record()["notebook"]["data"] if d["path"] == shown]
    return dict(item)


# -- declared lazily ------------------------------------------------------------------------


def test_magics_are_declared_at_load_and_imported_on_first_use(kernel_factory: KernelFactory) -> None:
    session = kernel_factory(load_ext=False)
    session.run("%load_ext repro_nb")
    assert not session.evaluate("'repro_nb.kernel.magics' in __import__('sys').modules")
    listed = session.evaluate_json("sorted(get_ipython().magics_manager.lsmagic()['line'])")
    assert {"repro", "repro_data", "repro_save", "repro_seed"} <= set(listed)
    help_text = session.evaluate("get_ipython().find_line_magic('repro_seed').__doc__")
    assert "Seed every random number generator" in help_text and "positional arguments" in help_text
    assert session.evaluate("'repro_nb.kernel.magics' in __import__('sys').modules")
    assert session.run_recorded("%repro_seed 7")["seeds"][0]["value"] == 7


def test_declared_names_are_the_magics_defined() -> None:
    from repro_nb.kernel.extension import MAGICS
    from repro_nb.kernel.magics import ReproMagics

    assert sorted(MAGICS) == sorted(ReproMagics.magics["line"])


# -- %repro_seed ------------------------------------------------------------------------


def test_repro_seed_seeds_every_rng_present(kernel: KernelSession) -> None:
    kernel.run("import random\nimport numpy as np")
    cell = kernel.run_recorded("%repro_seed 42")

    assert [(s["library"], s["api"], s["value"]) for s in cell["seeds"]] == [
        ("random", "%repro_seed", 42),
        ("numpy", "%repro_seed", 42),
    ]
    assert kernel.evaluate("REPRO_SEED") == 42
    assert kernel.evaluate("random.random()") == random.Random(42).random()
    assert kernel.evaluate("float(np.random.rand())") == numpy.random.RandomState(42).rand()


def test_repro_seed_without_a_value_picks_prints_and_records_one(kernel: KernelSession) -> None:
    result = kernel.run("%repro_seed")
    seed = kernel.evaluate("REPRO_SEED")
    assert f"seeded every RNG with {seed}" in result.stdout
    assert f"%repro_seed {seed}" in result.stdout
    assert {s["value"] for s in kernel.last_cell()["seeds"]} == {seed}


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        ("forty-two", "must be an integer"),
        ("1.5", "must be an integer"),
        ("-1", "between 0 and 4294967295"),
        ("4294967296", "between 0 and 4294967295"),
        ("1 2", "unrecognized arguments"),
    ],
)
def test_repro_seed_rejects_bad_values(kernel: KernelSession, argument: str, message: str) -> None:
    assert message in usage_error(kernel, f"%repro_seed {argument}")
    assert kernel.run_recorded("after_bad_seed = 1")["error"] is None


def test_repro_seed_accepts_hex(kernel: KernelSession) -> None:
    cell = kernel.run_recorded("%repro_seed 0x10")
    assert {s["value"] for s in cell["seeds"]} == {16}


# -- %repro_data --------------------------------------------------------------------------


def test_repro_data_pins_a_file_and_reports_a_later_change_once(kernel: KernelSession, workdir: Path) -> None:
    path = workdir / "train.csv"
    path.write_bytes(b"x,y\n1,2\n")
    shown = rel(kernel, path)

    result = kernel.run(f"%repro_data {shown}")
    assert f"pinned {shown}: 8 bytes, blake3:" in result.stdout
    item = pinned(kernel, shown)
    assert item["pinned"] is True and item["kind"] == "file" and item["hash"] == b3(b"x,y\n1,2\n")

    assert kernel.run_recorded("unrelated = 1")["warnings"] == []
    path.write_bytes(b"x,y\n1,3\n")
    cell = kernel.run_recorded("unrelated = 2")
    [warning] = [w for w in cell["warnings"] if w["kind"] == "pinned-data-changed"]
    assert warning["path"] == shown
    assert warning["old"] == b3(b"x,y\n1,2\n") and warning["new"] == b3(b"x,y\n1,3\n")
    assert f"pinned file {shown} changed" in warning["message"]
    # reported once, not on every following cell
    assert kernel.run_recorded("unrelated = 3")["warnings"] == []


def test_repro_data_pins_a_directory_with_a_manifest_hash(kernel: KernelSession, workdir: Path) -> None:
    data = workdir / "images"
    (data / "train").mkdir(parents=True)
    for name in ("a.txt", "b.txt", "train/c.txt"):
        (data / name).write_text(name)
    shown = rel(kernel, data)

    result = kernel.run(f"%repro_data {shown}")
    assert f"pinned {shown}: 3 files" in result.stdout
    item = pinned(kernel, shown)
    assert item["kind"] == "directory" and item["files"] == 3 and item["hash"].startswith("blake3:")

    (data / "train" / "c.txt").write_text("changed")
    shown_record = kernel.run("%repro")
    [warning] = [
        w for w in kernel.record()["notebook"]["warnings"] if w["kind"] == "pinned-data-changed" and w["path"] == shown
    ]
    assert f"pinned directory {shown} changed" in warning["message"]
    assert "pinned-data-changed" in shown_record.data("text/plain")[0]


def test_repro_data_on_a_missing_path_is_a_usage_error(kernel: KernelSession) -> None:
    message = usage_error(kernel, "%repro_data no-such-file.csv")
    assert "could not pin" in message and "no-such-file.csv: missing" in message
    assert "arguments are required: paths" in usage_error(kernel, "%repro_data")
    assert kernel.run_recorded("after_bad_pin = 1")["error"] is None


def test_repro_data_on_a_device_is_a_usage_error(kernel: KernelSession) -> None:
    message = usage_error(kernel, "%repro_data /dev/null")
    assert "/dev/null: not-a-file" in message


def test_repro_data_with_non_utf8_names(kernel: KernelSession, workdir: Path) -> None:
    mixed = workdir / "mixed"
    mixed.mkdir()
    (mixed / "plain.csv").write_bytes(b"a\n1\n")
    with open(os.fsencode(mixed) + b"/r\xe9sum\xe9.csv", "wb") as fh:  # Latin-1 é: not UTF-8
        fh.write(b"b\n2\n")
    shown = rel(kernel, mixed)

    # a directory holding such a name
    assert f"pinned {shown}: 2 files" in kernel.run(f"%repro_data {shown}").stdout
    # and the file itself (such a name cannot be typed: code reaches the kernel as UTF-8)
    kernel.run(
        "import os\n"
        f"get_ipython().run_line_magic('repro_data', os.fsdecode({os.fsencode(shown) + b'/r' + bytes([0xE9]) + b'sum' + bytes([0xE9]) + b'.csv'!r}))"
    )
    item = pinned(kernel, f"{shown}/r\\xe9sum\\xe9.csv")
    assert item["hash"] == b3(b"b\n2\n")
    record = kernel.record()
    record_mod.validate(record, "sidecar")
    json.dumps(record).encode("utf-8")


@pytest.fixture
def fast_scratch(tmp_path: Path) -> Iterator[Path]:
    """A directory on tmpfs when there is one: creating 100 000 files on this machine's
    ext4 takes ~40 s, on tmpfs ~1 s. Linked into ``tmp_path`` so paths stay relative."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        real = Path(tempfile.mkdtemp(prefix="repro-nb-test-", dir=shm))
        link = tmp_path / "scratch"
        link.symlink_to(real, target_is_directory=True)
        yield link
        shutil.rmtree(real, ignore_errors=True)
    else:
        yield tmp_path


@pytest.mark.slow
def test_repro_data_on_a_directory_of_100000_files(kernel_factory: KernelFactory, fast_scratch: Path) -> None:
    many = fast_scratch / "many"
    many.mkdir()
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    for bucket in range(100):
        sub = many / f"b{bucket:02d}"
        sub.mkdir()
        for i in range(1000):
            fd = os.open(sub / f"{i}.txt", flags)
            os.write(fd, b"%d\n" % i)
            os.close(fd)
    session = kernel_factory(cwd=fast_scratch)

    started = time.perf_counter()
    result = session.run("%repro_data many", timeout=120)
    pin_seconds = time.perf_counter() - started
    assert "pinned many: 100000 files" in result.stdout
    assert pin_seconds < 20
    # pinning is the recorder's own reading, not the cell's: no 100 000 reads in the record
    assert session.last_cell()["reads"] == []
    # the cells after it do not re-walk the directory
    started = time.perf_counter()
    session.run("after_big_pin = 1")
    assert time.perf_counter() - started < 1.0
    # %repro re-checks it (from the hash cache) and finds no change; then one file changes
    session.run("%repro", timeout=120)
    assert not [w for w in session.record()["notebook"]["warnings"] if w.get("path") == "many"]
    (many / "b42" / "7.txt").write_bytes(b"changed\n")
    session.run("%repro", timeout=120)
    [warning] = [w for w in session.record()["notebook"]["warnings"] if w.get("path") == "many"]
    assert warning["kind"] == "pinned-data-changed"


# -- %repro -------------------------------------------------------------------------------------


def test_repro_shows_html_and_text_with_warnings_first(kernel: KernelSession) -> None:
    kernel.run("import random as _r\n_r.random()")
    result = kernel.run("%repro")
    [html] = result.data("text/html")
    [text] = result.data("text/plain")
    titles = ["Warnings", "Seeds", "Data files", "Packages", "Environment"]
    assert sorted(titles, key=text.index) == titles
    assert sorted(titles, key=html.index) == titles
    assert "<table>" in html and "repro-nb record" in text
    assert "Python" in text and "CPython" in text


def test_repro_json_prints_the_notebook_record(kernel: KernelSession) -> None:
    result = kernel.run("%repro --json")
    record = json.loads(result.stdout)
    record_mod.validate(record, "notebook")
    assert record["recorder"]["channel"] == "api"


# -- %repro_save --------------------------------------------------------------------------------


def test_repro_save_without_a_notebook_writes_into_the_working_directory(kernel: KernelSession) -> None:
    kernel.run_recorded("saved_value = 7", cell_id="save-me")
    result = kernel.run("%repro_save")
    target = kernel.cwd / "notebook.repro.json"
    assert f"record written to {target}" in result.stdout
    document = record_mod.read_sidecar(target)
    assert any(c["cell_id"] == "save-me" for c in document["cells"])
    assert document["notebook"]["recorder"]["channel"] == "sidecar"


def test_repro_save_to_an_explicit_path(kernel: KernelSession, workdir: Path) -> None:
    target = workdir / "explicit.repro.json"
    kernel.run(f"%repro_save {rel(kernel, target)}")
    record_mod.read_sidecar(target)


def test_repro_save_to_an_unwritable_place_is_a_usage_error(kernel: KernelSession) -> None:
    message = usage_error(kernel, "%repro_save no/such/dir/x.repro.json")
    assert "cannot write" in message
    assert kernel.run_recorded("after_bad_save = 1")["error"] is None


def test_repro_save_writes_beside_the_notebook(kernel_factory: KernelFactory, tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    nb_path = write_notebook(project / "study.ipynb", [("one", "a = 1"), ("two", "b = a + 1")])
    session = kernel_factory(cwd=project, env={"JPY_SESSION_NAME": "study.ipynb"})
    session.run("a = 1", cell_id="one")
    session.run("b = a + 1", cell_id="two")
    result = session.run("%repro_save")

    sidecar = project / "study.repro.json"
    assert f"record written to {sidecar}" in result.stdout
    document = record_mod.read_sidecar(sidecar)
    assert document["notebook_path"] == "study.ipynb"
    nb = json.loads(nb_path.read_text())
    record = record_mod.read_record(nb, nb_path)
    assert record is not None and record.source == "sidecar"
    assert record.cells[0]["cell_id"] == "one" and record.cells[1]["cell_id"] == "two"
    assert record.cells[1]["position"] == 1


# -- %config ReproNB ------------------------------------------------------------------------------


def test_config_changes_apply_to_the_next_cell(kernel_factory: KernelFactory) -> None:
    session = kernel_factory()
    (session.cwd / "data.csv").write_bytes(b"a\n1\n")
    (session.cwd / "debug.log").write_bytes(b"noise\n")

    session.run("%config ReproNB.hash_algorithm = 'sha256'")
    session.run("%config ReproNB.ignore = ['*.log']")
    assert session.evaluate("get_ipython().run_line_magic('config', 'ReproNB.hash_algorithm')") == "sha256"
    cell = session.run_recorded("open('data.csv').read(); open('debug.log').read()")
    assert cell["reads"] == [
        {
            "path": "data.csv",
            "kind": "file",
            "status": "ok",
            "size": 4,
            "hash": "sha256:" + hashlib.sha256(b"a\n1\n").hexdigest(),
        }
    ]
    assert session.record()["notebook"]["recorder"]["hash_algorithm"] == "sha256"

    session.run("%config ReproNB.record_data = False")
    assert session.run_recorded("open('data.csv').read()").get("reads") is None


def test_config_rejects_an_unknown_hash_algorithm(kernel_factory: KernelFactory) -> None:
    session = kernel_factory()
    result = session.execute("%config ReproNB.hash_algorithm = 'crc32'")
    assert "unknown hash algorithm 'crc32'" in result.stderr + str(result.error)
    assert session.evaluate("get_ipython().run_line_magic('config', 'ReproNB.hash_algorithm')") == "blake3"


# -- %unload_ext ---------------------------------------------------------------------------------


def test_unload_stops_recording_and_restores_wrapped_functions(kernel_factory: KernelFactory) -> None:
    session = kernel_factory(load_ext=False)
    session.run(
        "import random, sys\nimport numpy as np\n"
        "originals = (random.seed, np.random.seed, np.random.default_rng, list(sys.meta_path), sys.audit)"
    )
    session.run("%load_ext repro_nb")
    assert session.evaluate("random.seed != originals[0] and np.random.default_rng is not originals[2]")
    session.run_recorded("np.random.default_rng(1)")

    session.run("%unload_ext repro_nb")
    assert session.evaluate("random.seed == originals[0]")
    assert session.evaluate("random.seed.__func__ is random.Random.seed")
    assert session.evaluate("np.random.seed is originals[1] and np.random.default_rng is originals[2]")
    assert session.evaluate("list(sys.meta_path) == originals[3]")
    assert session.evaluate("__import__('repro_nb').current_record()") is None
    (session.cwd / "after.csv").write_text("a\n")
    session.run("open('after.csv').read()\nimport json")
    assert "not recording" in usage_error(session, "%repro")
    _, opened = session.open_comm("repro_nb")
    assert opened.comm_data() == []

    session.run("%load_ext repro_nb")
    cell = session.run_recorded("open('after.csv').read()")
    assert [r["path"] for r in cell["reads"]] == ["after.csv"]
    record = session.record()
    assert record["notebook"]["cells_executed"] == 1, "a reloaded recorder starts a new record"
