"""The fast module → distribution index agrees with importlib.metadata and is cached safely."""
from __future__ import annotations

import importlib.metadata
import os
import sys
from pathlib import Path

import pytest

from repro_nb import toplevel


def test_index_agrees_with_importlib_metadata() -> None:
    index = toplevel.build_index()
    expected = importlib.metadata.packages_distributions()
    for module, dists in expected.items():
        if module.endswith(".libs"):
            continue
        assert sorted(set(index["top_level"].get(module, []))) == sorted(set(dists)), module
    for name, version in index["versions"].items():
        assert version == importlib.metadata.version(name), name


def test_index_lists_editable_installs() -> None:
    """repro-nb itself is installed with ``pip install -e`` in the test environment."""
    import repro_nb

    source_root = str(Path(repro_nb.__file__).resolve().parent.parent)
    editable = toplevel.build_index()["editable"]
    assert [source_root, "repro-nb"] in editable
    depths = [len(Path(root).parts) for root, _ in editable]
    assert depths == sorted(depths, reverse=True), "deeper source trees first"


def test_cache_is_used_and_keyed_by_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    first = toplevel.environment_index()
    [cache_file] = list((tmp_path / "cache" / "repro-nb").iterdir())
    assert toplevel.environment_index() == first
    # a planted answer proves the second call read the file, not the environment
    cache_file.write_text('{"top_level": {"planted": ["x"]}, "versions": {}, "editable": []}')
    assert toplevel.environment_index()["top_level"] == {"planted": ["x"]}
    # installing something changes the site-packages directory's mtime: a new key
    site = tmp_path / "lib" / "site-packages"
    site.mkdir(parents=True)
    monkeypatch.setattr(sys, "path", [str(site), *sys.path])
    key = toplevel.environment_key()
    (site / "new_dist-1.0.dist-info").mkdir()
    os.utime(site, ns=(10**18, 10**18))
    assert toplevel.environment_key() != key
    # ...while a notebook writing files into its own folder (on sys.path) does not
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.setattr(sys, "path", [str(work), *sys.path])
    key = toplevel.environment_key()
    (work / "results.csv").write_text("1\n")
    os.utime(work, ns=(10**18, 10**18))
    assert toplevel.environment_key() == key


def test_corrupt_cache_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    key = toplevel.environment_key()
    cache = tmp_path / "repro-nb" / f"index-{key}.json"
    cache.parent.mkdir(parents=True)
    cache.write_text("{not json")
    assert "numpy" in toplevel.environment_index()["top_level"]
