"""Tests for repro_nb.kernel.packages: module → distribution."""

from __future__ import annotations

import importlib
import json
import sys
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy
import pytest

from repro_nb.kernel.packages import (
    PackageResolver,
    ResolvedModule,
    is_stdlib,
)

from support import ROOT

SCHEMA_PATH = ROOT / "repro_nb" / "format" / "schema" / "record-v2.schema.json"


def unique_name(prefix: str) -> str:
    """A module name no other test (or earlier run in this process) has imported."""
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


@pytest.fixture
def forget_modules() -> Iterator[list[str]]:
    """Names appended here are removed from sys.modules after the test."""
    names: list[str] = []
    yield names
    for loaded in list(sys.modules):
        if loaded.partition(".")[0] in names:
            del sys.modules[loaded]


def write_dist_info(site: Path, name: str, version: str, *, record: Sequence[str] = (), **extra: str) -> None:
    """A minimal installed distribution, as an installer would leave it."""
    dist_info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8")
    if record:
        lines = [f"{path},," for path in record]
        (dist_info / "RECORD").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for filename, text in extra.items():
        (dist_info / filename.replace("__", ".")).write_text(text, encoding="utf-8")


# ------------------------------------------------------------------------ is_stdlib


@pytest.mark.parametrize("name", ["os", "os.path", "sys", "json", "__main__", "builtins"])
def test_stdlib_names(name: str) -> None:
    assert is_stdlib(name)


@pytest.mark.parametrize("name", ["numpy", "sklearn", "repro_nb", "pytest"])
def test_non_stdlib_names(name: str) -> None:
    assert not is_stdlib(name)


# ------------------------------------------------------------------------- resolver


def test_numpy_resolves_to_its_distribution_and_version() -> None:
    record = PackageResolver().resolve("numpy")
    assert record == ResolvedModule("numpy", "numpy", numpy.__version__)


def test_import_name_differs_from_distribution_name() -> None:
    import sklearn

    record = PackageResolver().resolve("sklearn")
    assert record.distribution == "scikit-learn"
    assert record.version == sklearn.__version__


def test_dotted_name_resolves_by_its_top_level_package() -> None:
    record = PackageResolver().resolve("numpy.linalg")
    assert (record.module, record.distribution) == ("numpy.linalg", "numpy")


def test_stdlib_module_has_no_distribution() -> None:
    assert PackageResolver().resolve("os") == ResolvedModule("os", None, None)


def test_local_module_has_no_distribution(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forget_modules: list[str]
) -> None:
    name = unique_name("local_helpers")
    forget_modules.append(name)
    (tmp_path / f"{name}.py").write_text("VALUE = 1\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.import_module(name)

    record = PackageResolver().resolve(name)
    assert record == ResolvedModule(name, None, None)


def test_local_module_named_like_an_installed_distribution_stays_local(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forget_modules: list[str]
) -> None:
    """A notebook's own ``scikit_learn.py`` must not be credited to PyPI's scikit-learn.

    "scikit_learn" is not an import name, so the top-level map misses it and the
    name-based fallback finds the scikit-learn distribution; the file's location must
    veto that.
    """
    forget_modules.append("scikit_learn")
    (tmp_path / "scikit_learn.py").write_text("", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.import_module("scikit_learn")

    assert PackageResolver().resolve("scikit_learn") == ResolvedModule("scikit_learn", None, None)


def test_this_project_resolves_however_it_is_installed() -> None:
    """repro-nb is installed editable here: its package is missing from the map."""
    resolver = PackageResolver()
    record = resolver.resolve("repro_nb")
    assert record.distribution == "repro-nb"
    assert record.version == resolver.version_of("repro-nb") is not None


def test_version_of_an_uninstalled_distribution_is_none() -> None:
    assert PackageResolver().version_of("surely-not-installed-" + uuid.uuid4().hex) is None


def test_editable_install_is_found_through_direct_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forget_modules: list[str]
) -> None:
    """PEP 660 editable installs hide the package from packages_distributions()."""
    name = unique_name("editable_pkg")
    forget_modules.append(name)
    source = tmp_path / "project" / "src"
    (source / name).mkdir(parents=True)
    (source / name / "__init__.py").write_text("", encoding="utf-8")
    site = tmp_path / "site"
    direct_url = json.dumps({"url": source.as_uri(), "dir_info": {"editable": True}})
    write_dist_info(site, "my-editable-project", "2.5.0", direct_url__json=direct_url)
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.syspath_prepend(str(source))
    importlib.import_module(name)

    record = PackageResolver().resolve(name)
    assert record == ResolvedModule(name, "my-editable-project", "2.5.0")


def test_package_installed_during_the_session_is_found_by_one_refresh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forget_modules: list[str]
) -> None:
    resolver = PackageResolver()
    assert resolver.resolve("numpy").distribution == "numpy"  # the map is now built
    refreshes: list[str] = []
    original_refresh = resolver._refresh

    def counting_refresh() -> None:
        refreshes.append("refresh")
        original_refresh()

    monkeypatch.setattr(resolver, "_refresh", counting_refresh)

    name = unique_name("fresh_pkg")
    forget_modules.append(name)
    site = tmp_path / "site"
    (site / name).mkdir(parents=True)
    (site / name / "__init__.py").write_text("", encoding="utf-8")
    write_dist_info(site, "fresh-pkg", "0.3", record=[f"{name}/__init__.py"])
    monkeypatch.syspath_prepend(str(site))

    assert resolver.resolve(name) == ResolvedModule(name, "fresh-pkg", "0.3")
    assert len(refreshes) == 1
    resolver.resolve(name)
    assert len(refreshes) == 1


def test_unknown_name_refreshes_at_most_once(monkeypatch: pytest.MonkeyPatch) -> None:
    resolver = PackageResolver()
    resolver.resolve("numpy")
    refreshes: list[str] = []
    original_refresh = resolver._refresh

    def counting_refresh() -> None:
        refreshes.append("refresh")
        original_refresh()

    monkeypatch.setattr(resolver, "_refresh", counting_refresh)
    missing = unique_name("not_installed_anywhere")
    for _ in range(3):
        assert resolver.resolve(missing) == ResolvedModule(missing, None, None)
    assert len(refreshes) == 1


def test_shared_namespace_package_is_resolved_deterministically(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forget_modules: list[str]
) -> None:
    """Two distributions provide parts of one namespace package (like ``google``)."""
    namespace = unique_name("nsfake")
    forget_modules.append(namespace)
    site = tmp_path / "site"
    for part in ("asub", "zsub"):
        (site / namespace / part).mkdir(parents=True)
        (site / namespace / part / "__init__.py").write_text("", encoding="utf-8")
    write_dist_info(
        site,
        "zeta-dist",
        "9.0",
        record=[f"{namespace}/zsub/__init__.py"],
        top_level__txt=namespace,
    )
    write_dist_info(
        site,
        "alpha-dist",
        "1.0",
        record=[f"{namespace}/asub/__init__.py"],
        top_level__txt=namespace,
    )
    monkeypatch.syspath_prepend(str(site))
    importlib.import_module(f"{namespace}.zsub")

    resolver = PackageResolver()
    # No file to go by for the namespace itself: first by name, on every run.
    assert resolver.resolve(namespace).distribution == "alpha-dist"
    # The imported submodule's file is in zeta-dist's RECORD.
    assert resolver.resolve(f"{namespace}.zsub") == ResolvedModule(f"{namespace}.zsub", "zeta-dist", "9.0")


def test_import_record_json_matches_the_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    import_schema = {**schema["definitions"]["import"], "definitions": schema["definitions"]}
    for record in (
        PackageResolver().resolve("numpy"),
        ResolvedModule("helpers", None, None, direct=True),
    ):
        jsonschema.validate(record.to_json(), import_schema)
    assert ResolvedModule("helpers", None, None, direct=True).to_json() == {
        "module": "helpers",
        "distribution": None,
        "version": None,
        "direct": True,
    }
