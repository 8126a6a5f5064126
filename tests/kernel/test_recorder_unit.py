"""The recorder's parts, in process: path rules, access merging, seeds, the post-import
hook, rendering, the comm channel and the :class:`Recorder` driven without IPython.

These are the fast tests; ``test_recorder_kernel.py`` checks the same behaviour end to
end in real kernels.
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import blake3
import numpy
import pytest
from traitlets import TraitError

from repro_nb.format import record as record_mod
from repro_nb.format.protocol import PROTOCOL
from repro_nb.kernel import view
from repro_nb.kernel.channel import CommChannel
from repro_nb.kernel.config import ReproNB
from repro_nb.kernel.fileaccess import AccessMonitor, FileAccess, PathFilter, display_path
from repro_nb.kernel.notebook_path import detect_notebook_path
from repro_nb.kernel.postimport import PostImportHook
from repro_nb.kernel.recorder import Recorder, is_nbformat_id
from repro_nb.kernel.seeds import SeedEvent, SeedTracker, UnseededGenerator, seed_value


def b3(data: bytes) -> str:
    return "blake3:" + blake3.blake3(data).hexdigest()


@pytest.fixture
def recorder(tmp_path: Path) -> Iterator[Recorder]:
    """A recorder for this process, working in ``tmp_path``; closed (unwrapped) afterwards."""
    rec = Recorder(ReproNB(), cwd=lambda: str(tmp_path))
    yield rec
    rec.close()


def run_cell(
    rec: Recorder,
    body: Any = None,
    *,
    source: str = "pass",
    cell_id: str | None = None,
    count: int | None = None,
    error: BaseException | None = None,
) -> dict[str, Any]:
    """begin_cell → body() → end_cell, as the extension's IPython hooks would."""
    rec.begin_cell(source, cell_id)
    try:
        if body is not None:
            body()
    finally:
        cell = rec.end_cell(count if count is not None else rec._order + 1, error)
    assert cell is not None
    return cell


# -- identity and paths ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell_id", "expected"),
    [
        ("a1b2-c3_d4", True),
        ("x" * 64, True),
        ("x" * 65, False),
        ("", False),
        (None, False),
        ("vscode-notebook-cell:/x.ipynb#W1", False),
        ("has space", False),
    ],
)
def test_is_nbformat_id(cell_id: str | None, expected: bool) -> None:
    assert is_nbformat_id(cell_id) is expected


def test_display_path_relative_inside_the_notebook_dir(tmp_path: Path) -> None:
    assert display_path(str(tmp_path / "data" / "x.csv"), str(tmp_path)) == "data/x.csv"


def test_display_path_inside_home_but_outside_the_project_is_tilde(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home" / "bob"
    monkeypatch.setenv("HOME", str(home))
    notebook_dir = home / "projects" / "a"
    assert display_path(str(home / "data" / "x.csv"), str(notebook_dir)) == "~/data/x.csv"


def test_display_path_outside_home_is_a_salted_hash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never absolute (issue 15): another machine's mount is not this one's, and paths say where one works."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    shown = display_path("/data/shared/x.csv", str(tmp_path / "home" / "nb"))
    assert shown.startswith("<outside:") and shown.endswith(">/x.csv") and "shared" not in shown


def test_display_path_escapes_non_utf8_bytes(tmp_path: Path) -> None:
    raw = os.fsdecode(os.fsencode(str(tmp_path)) + b"/caf\xe9.csv")
    shown = display_path(raw, str(tmp_path))
    assert shown == "caf\\xe9.csv"
    shown.encode("utf-8")


def test_path_filter_leaves_out_interpreter_and_cache_files(tmp_path: Path) -> None:
    flt = PathFilter(["*.log"])
    assert flt.ignored(os.path.join(sys.prefix, "lib", "x.py"))
    assert flt.ignored(str(Path(numpy.__file__)))
    assert flt.ignored("/proc/self/status") and flt.ignored("/dev/null")
    assert flt.ignored(str(tmp_path / "__pycache__" / "m.cpython-311.pyc"))
    assert flt.ignored(str(tmp_path / ".ipynb_checkpoints" / "a-checkpoint.ipynb"))
    assert flt.ignored(str(tmp_path / "a.repro.json"))
    assert flt.ignored(str(tmp_path / "debug.log"))
    assert not flt.ignored(str(tmp_path / "data.csv"))
    flt.exclude(str(tmp_path / "analysis.ipynb"))
    assert flt.ignored(str(tmp_path / "analysis.ipynb"))


def test_path_filter_in_a_pinned_tree_ignores_caches_but_not_locations() -> None:
    flt = PathFilter(["*.tmp"])
    assert not flt.ignored_in_tree("/dev/shm/frames/0001.png")
    assert flt.ignored_in_tree("/data/x/__pycache__")
    assert flt.ignored_in_tree("/data/x/.ipynb_checkpoints")
    assert flt.ignored_in_tree("/data/x/part.tmp")


# -- the audit hook -------------------------------------------------------------------------


def _c_compiler() -> str | None:
    import shutil
    import sysconfig

    command = (sysconfig.get_config_var("CC") or "cc").split()
    return shutil.which(command[0]) if command else None


@pytest.mark.skipif(_c_compiler() is None, reason="no C compiler here: the pure-Python audit hook is in use")
def test_the_c_audit_hook_is_built_and_in_use(tmp_path: Path) -> None:
    """The package build compiles repro_nb/_audit.c; the recorder then never falls back."""
    from repro_nb.kernel import fileaccess

    assert importlib.util.find_spec("repro_nb.kernel._audit") is not None, "hatch_build.py did not compile the hook"
    monitor = AccessMonitor()
    assert fileaccess.hook_kind() == "c"
    (tmp_path / "seen.csv").write_text("a\n")
    monitor.start()
    with open(tmp_path / "seen.csv") as handle:
        handle.read()
    with monitor.paused():
        (tmp_path / "unseen.csv").write_text("b\n")
    os.remove(tmp_path / "seen.csv")
    events = monitor.stop()
    (tmp_path / "after.csv").write_text("c\n")
    assert [(e, a[0]) for e, a, _ in events if str(tmp_path) in str(a[0])] == [
        ("open", str(tmp_path / "seen.csv")),
        ("os.remove", str(tmp_path / "seen.csv")),
    ]
    assert all(e in ("open", "os.remove", "os.rename", "sqlite3.connect") for e, _, _ in events)
    monitor.close()


@pytest.mark.skipif(importlib.util.find_spec("repro_nb.kernel._audit") is None, reason="the C hook was not built")
def test_the_c_hook_module_takes_a_list_or_none() -> None:
    from repro_nb.kernel import _audit  # type: ignore[attr-defined]

    with pytest.raises(TypeError, match="list or None"):
        _audit.record_into(("not", "a", "list"))
    _audit.record_into(None)


def test_the_python_fallback_hook_keeps_the_same_events(monkeypatch: pytest.MonkeyPatch) -> None:
    from repro_nb.kernel import fileaccess

    sink = fileaccess._Sink()
    hook = fileaccess._audit_hook
    hook("open", ("ignored.csv", "r", 0), fileaccess._EVENTS, sink)  # not recording
    sink.switch(True)
    for event, args in [("open", ("a.csv", "r", 0)), ("builtins.id", (1,)), ("os.rename", ("a", "b", -1, -1))]:
        hook(event, args, fileaccess._EVENTS, sink)
    assert sink.events == [("open", ("a.csv", "r", 0), None), ("os.rename", ("a", "b", -1, -1), None)]
    monkeypatch.setenv("REPRO_NB_PYTHON_AUDIT_HOOK", "1")
    assert fileaccess._native_hook() is None


# -- access events -------------------------------------------------------------------------


def resolve(events: list[tuple[str, tuple[Any, ...]]], cwd: str = "/work") -> list[FileAccess]:
    return AccessMonitor.resolve([(e, a, None) for e, a in events], cwd, PathFilter())


@pytest.mark.parametrize(
    ("mode", "flags", "read", "write"),
    [
        ("r", 0, True, False),
        ("rb", 0, True, False),
        ("w", 0, False, True),
        ("ab", 0, False, True),
        ("r+", 0, True, True),
        ("x", 0, False, True),
        (None, os.O_RDONLY, True, False),
        (None, os.O_WRONLY | os.O_CREAT, False, True),
        (None, os.O_RDWR, True, True),
    ],
)
def test_access_kind_from_mode_and_flags(mode: Any, flags: int, read: bool, write: bool) -> None:
    assert resolve([("open", ("data.csv", mode, flags))]) == [FileAccess("/work/data.csv", read, write)]


def test_accesses_are_merged_per_file_in_first_seen_order() -> None:
    accesses = resolve(
        [
            ("open", ("b.csv", "r", 0)),
            ("open", ("sub/../a.csv", "w", 0)),
            ("open", ("b.csv", "a", 0)),
            ("open", (3, "r", 0)),  # a file descriptor
            ("sqlite3.connect", (":memory:",)),
            ("sqlite3.connect", ("db.sqlite",)),
            ("open", (b"bytes.csv", "rb", 0)),
        ]
    )
    assert accesses == [
        FileAccess("/work/b.csv", True, True),
        FileAccess("/work/a.csv", False, True),
        FileAccess("/work/db.sqlite", True, True),
        FileAccess("/work/bytes.csv", True, False),
    ]


def test_rename_moves_a_write_to_its_final_name_and_remove_marks_gone() -> None:
    accesses = resolve(
        [
            ("open", (".out.tmp", "w", 0)),
            ("os.rename", (".out.tmp", "out.json", -1, -1)),
            ("open", ("in.csv", "r", 0)),
            ("os.remove", ("in.csv", -1)),
            ("os.remove", ("never-opened.csv", -1)),
        ]
    )
    assert accesses == [
        FileAccess("/work/.out.tmp", False, True, gone=True),
        FileAccess("/work/out.json", False, True),
        FileAccess("/work/in.csv", True, False, gone=True),
    ]


# -- seeds ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        (None, None),
        (True, 1),
        (42, 42),
        (2**53, str(2**53)),
        (-(2**60), str(-(2**60))),
        (numpy.int64(7), 7),
        (numpy.random.SeedSequence(99), 99),
        ([1, 2], "[1, 2]"),
        ("x" * 300, repr("x" * 300)[:197] + "..."),
    ],
)
def test_seed_value(value: Any, stored: Any) -> None:
    assert seed_value(value) == stored


def test_seed_tracker_wraps_and_restores_random_seed() -> None:
    events: list[Any] = []
    original = random.seed
    tracker = SeedTracker(events.append)
    try:
        tracker.install()
        assert random.seed != original
        assert random.seed.__name__ == "seed"
        random.seed(5)
        assert random.random() == random.Random(5).random()
        assert events == [SeedEvent("random", "random.seed", 5)]
        assert "random" in tracker.seeded
    finally:
        tracker.uninstall()
    assert random.seed == original
    assert tracker._hook not in sys.meta_path


def test_seed_tracker_records_default_rng_with_and_without_seed() -> None:
    import numpy.random

    events: list[Any] = []
    original = numpy.random.default_rng
    tracker = SeedTracker(events.append)
    try:
        tracker.install()
        numpy.random.default_rng(3)
        generator = numpy.random.default_rng()
        numpy.random.default_rng(generator)
    finally:
        tracker.uninstall()
    assert numpy.random.default_rng is original
    assert events[0] == SeedEvent("numpy.Generator", "numpy.random.default_rng", 3)
    assert isinstance(events[1], UnseededGenerator)
    assert events[1].entropy == str(generator.bit_generator.seed_seq.entropy)  # type: ignore[attr-defined]
    assert len(events) == 2


def test_fingerprints_see_a_draw_but_do_not_draw() -> None:
    tracker = SeedTracker(lambda event: None)
    try:
        state = random.getstate()
        before = tracker.fingerprints()
        assert random.getstate() == state
        random.random()
        after = tracker.fingerprints()
        assert tracker.unseeded_advanced(before, after) == ["random"]
        tracker.seeded.add("random")
        assert tracker.unseeded_advanced(before, after) == []
    finally:
        tracker.uninstall()


# -- the post-import hook -------------------------------------------------------------------


def test_post_import_hook_calls_back_once_after_the_module_ran(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "repro_probe_mod.py").write_text("VALUE = 41\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    seen: list[tuple[str, int]] = []
    hook = PostImportHook(["repro_probe_mod"], lambda name, module: seen.append((name, module.VALUE)))
    hook.install()
    try:
        import repro_probe_mod  # type: ignore[import-not-found]

        assert seen == [("repro_probe_mod", 41)]
        # the module looks as if the hook had never been there
        assert type(repro_probe_mod.__loader__).__name__ != "_CallbackLoader"
        assert type(repro_probe_mod.__spec__.loader).__name__ != "_CallbackLoader"
        sys.modules.pop("repro_probe_mod")
        import repro_probe_mod

        assert len(seen) == 1
    finally:
        hook.uninstall()
        sys.modules.pop("repro_probe_mod", None)
    assert hook not in sys.meta_path


def test_post_import_hook_survives_a_failing_callback_and_a_failing_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "repro_probe_ok.py").write_text("X = 1\n")
    (tmp_path / "repro_probe_bad.py").write_text("raise ValueError('module fails')\n")
    monkeypatch.syspath_prepend(str(tmp_path))

    def explode(name: str, module: Any) -> None:
        raise RuntimeError("callback fails")

    hook = PostImportHook(["repro_probe_ok", "repro_probe_bad"], explode)
    hook.install()
    try:
        import repro_probe_ok  # type: ignore[import-not-found]  # noqa: F401

        with pytest.raises(ValueError, match="module fails"):
            import repro_probe_bad  # type: ignore[import-not-found]  # noqa: F401
    finally:
        hook.uninstall()
        sys.modules.pop("repro_probe_ok", None)
        sys.modules.pop("repro_probe_bad", None)


# -- the Recorder without IPython ------------------------------------------------------------


def test_recorder_records_reads_writes_and_hashes(recorder: Recorder, tmp_path: Path) -> None:
    (tmp_path / "in.csv").write_bytes(b"a\n1\n")

    def body() -> None:
        text = (tmp_path / "in.csv").read_bytes()
        (tmp_path / "out.csv").write_bytes(text * 2)

    cell = run_cell(recorder, body, cell_id="io")
    assert cell["reads"] == [{"path": "in.csv", "kind": "file", "status": "ok", "size": 4, "hash": b3(b"a\n1\n")}]
    assert cell["writes"] == [
        {"path": "out.csv", "kind": "file", "status": "ok", "size": 8, "hash": b3(b"a\n1\na\n1\n")}
    ]
    record_mod.validate(cell, "cell")
    record_mod.validate(recorder.sidecar(), "sidecar")


def test_recorder_reports_an_unreadable_file_clearly(
    recorder: Recorder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "locked.csv").write_bytes(b"a\n")
    from repro_nb.format import hashing

    real_open = os.open

    def refuse(path: Any, *args: Any, **kwargs: Any) -> int:
        if os.fsdecode(path).endswith("locked.csv"):
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, *args, **kwargs)

    # the cell reads it (root reads whatever the mode); the recorder's own read fails
    monkeypatch.setattr(hashing.os, "open", refuse)
    cell = run_cell(recorder, lambda: (tmp_path / "locked.csv").read_bytes())
    monkeypatch.undo()
    [read] = cell["reads"]
    assert read["status"] == "unreadable" and read["hash"] is None
    [warning] = [w for w in cell["warnings"] if w["kind"] == "recorder-error"]
    assert warning["message"] == "locked.csv was not hashed: permission denied"


def test_recorder_size_limit(tmp_path: Path) -> None:
    rec = Recorder(ReproNB(max_hash_bytes=10), cwd=lambda: str(tmp_path))
    try:
        (tmp_path / "big.bin").write_bytes(b"x" * 11)
        cell = run_cell(rec, lambda: (tmp_path / "big.bin").read_bytes())
    finally:
        rec.close()
    [read] = cell["reads"]
    assert read["status"] == "too-large" and read["size"] == 11 and read["hash"] is None
    assert "exceeds the limit of 10 bytes" in cell["warnings"][0]["message"]


def test_recorder_switches_parts_off(tmp_path: Path) -> None:
    config = ReproNB(record_data=False, record_seeds=False, record_packages=False, record_order=False)
    rec = Recorder(config, cwd=lambda: str(tmp_path))
    try:
        (tmp_path / "x").write_text("x")
        cell = run_cell(rec, lambda: (tmp_path / "x").read_text(), cell_id="a")
    finally:
        rec.close()
    for key in ("reads", "writes", "seeds", "unseeded_rng", "imports", "position"):
        assert key not in cell


def test_order_warnings_with_told_positions(recorder: Recorder) -> None:
    recorder.set_positions(["a", "b", "c"])
    assert run_cell(recorder, cell_id="a")["warnings"] == []
    assert run_cell(recorder, cell_id="c")["warnings"] == []  # skipping ahead is fine
    [late] = run_cell(recorder, cell_id="b")["warnings"]
    assert late["kind"] == "out-of-order" and "cell 2 ran after later cell(s) 3" in late["message"]
    [rerun] = run_cell(recorder, cell_id="a")["warnings"]
    assert "cell 1 was re-run after later cell(s) 2, 3" in rerun["message"]


def test_rerun_of_an_unknown_cell_after_others(recorder: Recorder) -> None:
    run_cell(recorder, cell_id="x")
    assert run_cell(recorder, cell_id="x")["warnings"] == []  # re-running the same cell at once is fine
    run_cell(recorder, cell_id="y")
    [warning] = run_cell(recorder, cell_id="x")["warnings"]
    assert warning["kind"] == "rerun" and "after 1 other cell execution(s)" in warning["message"]


def test_positions_are_read_from_the_saved_notebook(recorder: Recorder, tmp_path: Path) -> None:
    from support import write_notebook

    path = write_notebook(tmp_path / "nb.ipynb", [("one", "1"), ("two", "2")])
    recorder.set_notebook_path(str(path))
    assert run_cell(recorder, cell_id="two")["position"] == 1
    # the user inserts a cell and saves: the new id makes the recorder read it again
    write_notebook(path, [("zero", "0"), ("one", "1"), ("two", "2")])
    os.utime(path, ns=(1, 1))
    assert run_cell(recorder, cell_id="zero")["position"] == 0


def test_error_and_editor_uri_in_the_cell_record(recorder: Recorder) -> None:
    cell = run_cell(recorder, cell_id="vscode-notebook-cell:/a.ipynb#X", error=KeyError("k" * 600))
    assert cell["cell_id"] is None and cell["editor_uri"].startswith("vscode-notebook-cell:")
    assert cell["error"]["ename"] == "KeyError"
    assert len(cell["error"]["evalue"]) == 500 and cell["error"]["evalue"].endswith("...")


def test_end_without_begin_and_a_failing_listener(recorder: Recorder) -> None:
    assert recorder.end_cell(1) is None

    def broken(cell: dict[str, Any]) -> None:
        raise RuntimeError("frontend gone")

    recorder.listeners.append(broken)
    assert run_cell(recorder)["error"] is None


def test_thread_variables_are_those_at_load_and_the_machine_is_described_on_first_read(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    rec = Recorder(ReproNB(), cwd=lambda: str(tmp_path))
    try:
        monkeypatch.setenv("OMP_NUM_THREADS", "5")  # too late: libraries read it when they load
        assert rec._described is None, "nothing collected at load"
        environment = rec.notebook_record()["environment"]
        assert environment["env"]["OMP_NUM_THREADS"] == "3"
        assert environment["python"]["version"] and environment["cpu"]["count"]
    finally:
        rec.close()


def test_sidecar_keeps_the_last_run_of_each_cell(recorder: Recorder, tmp_path: Path) -> None:
    run_cell(recorder, source="a = 1", cell_id="a")
    run_cell(recorder, source="a = 2", cell_id="a")
    run_cell(recorder, source="anonymous")
    document = recorder.sidecar()
    assert [(c["cell_id"], c["order"]) for c in document["cells"]] == [("a", 2), (None, 3)]
    target = recorder.save_sidecar(str(tmp_path / "s.repro.json"))
    saved = record_mod.read_sidecar(target)
    expected = json.loads(json.dumps(document))
    for doc in (saved, expected):
        doc["notebook"].pop("updated_at")  # the time of each call
    assert saved == expected


def test_config_validation() -> None:
    with pytest.raises(TraitError, match="unknown hash algorithm"):
        ReproNB(hash_algorithm="crc32")
    with pytest.raises(TraitError, match=">= 0"):
        ReproNB(max_hash_bytes=-1)


# -- notebook path -------------------------------------------------------------------------


def test_detect_notebook_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nb = tmp_path / "a.ipynb"
    nb.write_text("{}")
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    assert detect_notebook_path({}, str(tmp_path)) is None
    assert detect_notebook_path({"__vsc_ipynb_file__": str(nb)}, "/elsewhere") == str(nb)
    assert detect_notebook_path({"__session__": "deep/dir/a.ipynb"}, str(tmp_path)) == str(nb)
    monkeypatch.setenv("JPY_SESSION_NAME", "a.ipynb")
    assert detect_notebook_path({}, str(tmp_path)) == str(nb)
    monkeypatch.setenv("JPY_SESSION_NAME", "console-1")  # a console, not a notebook
    assert detect_notebook_path({}, str(tmp_path)) is None


# -- rendering ----------------------------------------------------------------------------------

RECORD = {
    "cells_executed": 3,
    "warnings": [{"kind": "data-changed", "message": "x.csv <changed>", "execution_count": 3}],
    "seeds": [{"library": "numpy", "api": "numpy.random.seed", "value": 1, "execution_count": 1}],
    "data": [
        {"path": "x.csv", "status": "ok", "size": 2048, "hash": "blake3:" + "ab" * 32, "execution_count": 2},
        {"path": "frames", "kind": "directory", "pinned": True, "status": "ok", "size": None, "hash": None},
    ],
    "packages": {"numpy": "2.0.0", "local": None},
    "environment": {"python": {"implementation": "CPython", "version": "3.11.7"}, "env": {"OMP_NUM_THREADS": "4"}},
}


def test_render_text_orders_sections_for_the_reader() -> None:
    text = view.to_text(RECORD)
    titles = ["Warnings (1)", "Seeds (1)", "Data files (2)", "Packages (2)", "Environment"]
    assert sorted(titles, key=text.index) == titles
    assert "2.0 KiB" in text and "blake3:abababababab" in text and "frames/ (pinned)" in text
    assert re.search(r"local +\?", text) and re.search(r"OMP_NUM_THREADS +4", text)
    assert view.to_text({}).count("(none)") == 5


def test_render_html_escapes() -> None:
    html = view.to_html(RECORD)
    assert "x.csv &lt;changed&gt;" in html and "<changed>" not in html
    assert html.startswith('<div class="repro-nb-record">') and html.endswith("</div>")


# -- the comm channel ------------------------------------------------------------------------------


class FakeComm:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.closed = False
        self.on_msg_cb: Any = None

    def send(self, data: dict[str, Any]) -> None:
        self.sent.append(json.loads(json.dumps(data)))

    def on_msg(self, callback: Any) -> None:
        self.on_msg_cb = callback

    def on_close(self, callback: Any) -> None:
        pass

    def close(self) -> None:
        self.closed = True


def test_channel_hello_cells_positions_and_close(recorder: Recorder, tmp_path: Path) -> None:
    channel = CommChannel(recorder)
    comm = FakeComm()
    run_cell(recorder, cell_id="early")
    channel._on_open(comm, {"content": {"data": {"cell_ids": ["early", "late"]}}})
    [hello] = comm.sent
    assert hello["type"] == "hello" and hello["protocol"] == PROTOCOL
    assert [c["cell_id"] for c in hello["cells"]] == ["early"]

    cell = run_cell(recorder, cell_id="late")
    assert cell["position"] == 1
    assert comm.sent[-1]["type"] == "cell" and comm.sent[-1]["cell"]["cell_id"] == "late"

    nb = tmp_path / "told.ipynb"
    comm.on_msg_cb({"content": {"data": {"type": "notebook_path", "path": str(nb)}}})
    assert recorder.notebook_path == str(nb)
    comm.on_msg_cb({"content": {"data": {"type": "get"}}})
    assert comm.sent[-1]["type"] == "hello"

    recorder.config.send_comm = False
    run_cell(recorder)
    assert comm.sent[-1]["type"] == "hello"

    channel.close()
    assert comm.closed and channel.send_cell not in recorder.listeners


def test_channel_sends_changes_to_merging_frontends_and_whole_records_to_others(
    recorder: Recorder, tmp_path: Path
) -> None:
    data = tmp_path / "d.csv"
    data.write_text("a\n1\n")
    channel = CommChannel(recorder)
    merging, whole = FakeComm(), FakeComm()
    channel._on_open(merging, {"content": {"data": {"protocol": PROTOCOL}}})
    channel._on_open(whole, {"content": {"data": {}}})  # a frontend from before protocol 2
    [hello] = merging.sent
    session = dict(hello["notebook"])

    run_cell(recorder, lambda: data.read_text(), source="open('d.csv').read()")
    run_cell(recorder, source="x = 1")
    first, second = merging.sent[1:]
    assert "notebook" not in first and "data" in first["notebook_changes"]
    # updated_at has millisecond resolution: the same for two quick cells
    assert "cells_executed" in second["notebook_changes"]
    assert set(second["notebook_changes"]) <= {"updated_at", "cells_executed"}, "an unchanged field is not re-sent"
    for message in (first, second):
        session.update(message["notebook_changes"])
    assert {k: v for k, v in session.items() if k != "updated_at"} == {
        k: v for k, v in whole.sent[-1]["notebook"].items() if k != "updated_at"
    }, "merging the changes into the hello gives the whole record"
    record_mod.validate(session, "notebook")

    data.write_text("a\n2\n")
    run_cell(recorder, lambda: data.read_text(), source="open('d.csv').read()")
    changes = merging.sent[-1]["notebook_changes"]
    assert {"data", "warnings"} <= set(changes), "a changed file and its warning are sent whole"
    channel.close()


def test_channel_register_outside_a_kernel_is_harmless(recorder: Recorder) -> None:
    channel = CommChannel(recorder)
    assert channel.register() in (True, False)
    channel.close()


# -- privacy -------------------------------------------------------------------------------------


def test_redact_home(monkeypatch: pytest.MonkeyPatch) -> None:
    from repro_nb.kernel.recorder import redact_home

    monkeypatch.setenv("HOME", "/home/alice")
    assert redact_home("No such file: '/home/alice/data/x.csv'") == "No such file: '~/data/x.csv'"
    assert redact_home("/home/alice") == "~"
    assert redact_home("/home/alicebob/x") == "/home/alicebob/x"
    assert redact_home("nothing to hide") == "nothing to hide"


@pytest.mark.parametrize(
    ("uri", "ref"),
    [
        (
            "vscode-notebook-cell:/home/alice/a%20b/study.ipynb#W1sZmlsZQ%3D%3D",
            "vscode-notebook-cell:study.ipynb#W1sZmlsZQ%3D%3D",
        ),
        ("vscode-notebook-cell:/c%3A/Users/alice/x.ipynb#W3", "vscode-notebook-cell:x.ipynb#W3"),
        ("vscode-notebook-cell://wsl%2Bubuntu/home/alice/x.ipynb#W3", "vscode-notebook-cell:x.ipynb#W3"),
    ],
)
def test_editor_cell_ref_drops_directories(uri: str, ref: str) -> None:
    from repro_nb.kernel.recorder import editor_cell_ref

    assert editor_cell_ref(uri) == ref


def test_numpy_fingerprint_sees_draws_and_seeds_for_any_bit_generator() -> None:
    import numpy.random

    tracker = SeedTracker(lambda event: None)
    original = numpy.random.get_bit_generator()
    try:
        numpy.random.rand()
        for bit_generator in (None, numpy.random.PCG64(1)):
            if bit_generator is not None:
                numpy.random.set_bit_generator(bit_generator)
            numpy.random.seed(5)
            before = tracker.fingerprints()["numpy"]
            assert tracker.fingerprints()["numpy"] == before, "reading the state does not move it"
            numpy.random.rand()
            after = tracker.fingerprints()["numpy"]
            assert after != before
            numpy.random.seed(5)
            assert tracker.fingerprints()["numpy"] == before
    finally:
        numpy.random.set_bit_generator(original)
        tracker.uninstall()
