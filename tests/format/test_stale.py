"""Scratch files of dead writers are swept; those of live writers never (format/stale.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from repro_nb.errors import NotebookChangedError
from repro_nb.format.files import atomic_write_text
from repro_nb.format.stale import sweep_dead_owned, sweep_stale_temp_files


def dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(done.stdout)


def test_only_the_files_of_dead_writers_of_this_target_go(tmp_path: Path) -> None:
    target = tmp_path / "a.ipynb"
    dead, alive = dead_pid(), os.getpid()
    files = {
        "dead": tmp_path / f".a.ipynb.{dead}.k3j_9xq2.tmp",
        "alive": tmp_path / f".a.ipynb.{alive}.k3j_9xq2.tmp",
        "other target": tmp_path / f".b.ipynb.{dead}.k3j_9xq2.tmp",
        "legacy, fresh": tmp_path / ".a.ipynb.k3j_9xq2.tmp",
        "legacy, old": tmp_path / ".a.ipynb.zz0_a1b2.tmp",
        "not ours": tmp_path / ".a.ipynb.notes.txt",
    }
    for path in files.values():
        path.write_text("x")
    an_hour_ago = time.time() - 3700
    os.utime(files["legacy, old"], (an_hour_ago, an_hour_ago))
    removed = sweep_stale_temp_files(target)
    assert sorted(removed) == sorted([str(files["dead"]), str(files["legacy, old"])])
    assert all(p.exists() for k, p in files.items() if k not in ("dead", "legacy, old"))


def test_an_atomic_write_sweeps_and_names_its_own_file_after_its_process(tmp_path: Path) -> None:
    target = tmp_path / "a.ipynb"
    stale = tmp_path / f".a.ipynb.{dead_pid()}.abcdefgh.tmp"
    stale.write_text("half")
    seen: list[str] = []

    def look() -> None:
        seen.extend(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp"))

    atomic_write_text(target, "whole", before_replace=look)
    assert target.read_text() == "whole" and not stale.exists()
    [own] = seen
    assert own.startswith(f".a.ipynb.{os.getpid()}.")


def test_a_refusal_before_the_replace_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "a.ipynb"
    target.write_text("theirs")

    def refuse() -> None:
        raise NotebookChangedError(str(target), "it was saved by someone else meanwhile")

    with pytest.raises(NotebookChangedError):
        atomic_write_text(target, "ours", before_replace=refuse)
    assert target.read_text() == "theirs"
    assert [p.name for p in tmp_path.iterdir()] == ["a.ipynb"]


def test_owned_directories_of_dead_processes_go(tmp_path: Path) -> None:
    dead = tmp_path / f"rnb-{dead_pid()}-abc123"
    alive = tmp_path / f"rnb-{os.getpid()}-abc123"
    unrelated = tmp_path / "rnb-notes"
    for path in (dead, alive, unrelated):
        path.mkdir()
        (path / "k-1").write_text("")
    assert sweep_dead_owned(str(tmp_path), "rnb") == [str(dead)]
    assert alive.exists() and unrelated.exists() and not dead.exists()
