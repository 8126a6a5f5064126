"""The fast module → distribution index agrees with importlib.metadata and is cached safely."""

from __future__ import annotations

import importlib.metadata
import os
import sys
from pathlib import Path

import pytest

from repro_nb.format import distributions


def test_index_agrees_with_importlib_metadata() -> None:
    index = distributions.build_index()
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
    editable = distributions.build_index()["editable"]
    assert [source_root, "repro-nb"] in editable
    depths = [len(Path(root).parts) for root, _ in editable]
    assert depths == sorted(depths, reverse=True), "deeper source trees first"


def test_cache_is_used_and_keyed_by_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    first = distributions.environment_index()
    [cache_file] = list((tmp_path / "cache" / "repro-nb").iterdir())
    assert distributions.environment_index() == first
    # a planted answer proves the second call read the file, not the environment
    cache_file.write_text('{"top_level": {"planted": ["x"]}, "versions": {}, "editable": []}')
    assert distributions.environment_index()["top_level"] == {"planted": ["x"]}
    # installing something changes the site-packages directory's mtime: a new key
    site = tmp_path / "lib" / "site-packages"
    site.mkdir(parents=True)
    monkeypatch.setattr(sys, "path", [str(site), *sys.path])
    key = distributions.environment_key()
    (site / "new_dist-1.0.dist-info").mkdir()
    os.utime(site, ns=(10**18, 10**18))
    assert distributions.environment_key() != key
    # ...while a notebook writing files into its own folder (on sys.path) does not
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.setattr(sys, "path", [str(work), *sys.path])
    key = distributions.environment_key()
    (work / "results.csv").write_text("1\n")
    os.utime(work, ns=(10**18, 10**18))
    assert distributions.environment_key() == key
    # ...and every notebook folder of the environment shares the same index
    other = tmp_path / "other-notebooks"
    other.mkdir()
    monkeypatch.setattr(sys, "path", [str(other), *sys.path[1:]])
    assert distributions.environment_key() == key
    # a folder that holds distributions itself (pip install --target) does count
    (other / "vendored-1.0.dist-info").mkdir()
    assert distributions.environment_key() != key


def test_old_index_files_are_pruned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    cache = tmp_path / "repro-nb"
    cache.mkdir()
    for i in range(40):
        stale = cache / f"index-stale{i:02d}.json"
        stale.write_text("{}")
        os.utime(stale, ns=(10**9 * i, 10**9 * i))
    (cache / "top-level-old.json").write_text("{}")
    (cache / "unrelated.txt").write_text("kept")
    distributions.environment_index()
    remaining = sorted(p.name for p in cache.iterdir())
    assert f"index-{distributions.environment_key()}.json" in remaining
    assert "unrelated.txt" in remaining and "top-level-old.json" not in remaining
    assert len([n for n in remaining if n.startswith("index-")]) == distributions._KEEP_INDEXES
    assert "index-stale39.json" in remaining and "index-stale00.json" not in remaining, "the newest are kept"


def test_corrupt_cache_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    key = distributions.environment_key()
    cache = tmp_path / "repro-nb" / f"index-{key}.json"
    cache.parent.mkdir(parents=True)
    cache.write_text("{not json")
    assert "numpy" in distributions.environment_index()["top_level"]
