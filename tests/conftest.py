"""Shared fixtures: fresh copies of test notebooks, and real kernels to run cells in.

Every kernel runs in its own temporary directory, so tests are safe under ``pytest -n``.
The kernel harness and the paths are in ``support.py``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from support import FILES, NOTEBOOKS, KernelFactory, KernelSession, start_kernel


def pytest_configure(config: pytest.Config) -> None:
    """Keep the test run's caches (repro-nb's module index) out of the user's ``~/.cache``.

    One directory for the whole run, inherited by every kernel and subprocess, so the
    index is built once, not once per test.
    """
    if not hasattr(config, "workerinput"):  # the controller; xdist workers inherit it
        config._repro_nb_cache = tempfile.mkdtemp(prefix="repro-nb-test-cache-")  # type: ignore[attr-defined]
        os.environ["XDG_CACHE_HOME"] = config._repro_nb_cache  # type: ignore[attr-defined]


def pytest_unconfigure(config: pytest.Config) -> None:
    cache = getattr(config, "_repro_nb_cache", None)
    if cache:
        shutil.rmtree(cache, ignore_errors=True)


@pytest.fixture
def kernel_factory(tmp_path: Path) -> Iterator[KernelFactory]:
    """Start fresh kernels for one test: ``kernel_factory(cwd=None, env=None, load_ext=True)``.

    Each kernel gets its own working directory (``tmp_path/kernel-N`` unless ``cwd`` is
    given) and is shut down when the test ends.
    """
    started: list[KernelSession] = []

    def start(cwd: Path | None = None, env: dict[str, str] | None = None, load_ext: bool = True) -> KernelSession:
        if cwd is None:
            cwd = tmp_path / f"kernel-{len(started)}"
        cwd.mkdir(parents=True, exist_ok=True)
        session = start_kernel(cwd, env, load_ext)
        started.append(session)
        return session

    yield start
    for session in started:
        session.shutdown()


@pytest.fixture(scope="module")
def kernel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KernelSession]:
    """One kernel with the recorder loaded, shared by a test module.

    For tests that only look at the record of the cells they run themselves. Tests that
    need a pristine session (nothing imported, nothing seeded) use ``kernel_factory``.
    """
    session = start_kernel(tmp_path_factory.mktemp("kernel"))
    yield session
    session.shutdown()


@pytest.fixture
def workdir(kernel: KernelSession, request: pytest.FixtureRequest) -> Path:
    """A fresh directory inside the shared kernel's working directory, for one test."""
    path = kernel.cwd / request.node.name.replace("[", "-").replace("]", "")
    path.mkdir()
    return path


@pytest.fixture
def notebook_copy(tmp_path: Path) -> Callable[..., Path]:
    """Hand out a fresh copy of a test notebook from ``tests/files``.

    ``notebook_copy("raises.ipynb", dest=None)`` copies the file (and a
    data directory of the same stem, if there is one) to ``dest`` (default
    ``tmp_path``) and returns the copy's path.
    """

    def copy(name: str, dest: Path | None = None) -> Path:
        source = FILES / name
        if not source.exists():
            raise FileNotFoundError(f"no test file {source}")
        target_dir = dest or tmp_path
        target_dir.mkdir(parents=True, exist_ok=True)
        target = target_dir / name
        shutil.copy2(source, target)
        data = FILES / f"{source.stem}_data"
        if data.is_dir():
            shutil.copytree(data, target_dir / data.name, dirs_exist_ok=True)
        return target

    return copy


@pytest.fixture
def example_notebook(tmp_path: Path) -> Callable[[str], Path]:
    """A fresh copy of one of ``notebooks/`` with the bundled ``data/`` beside it."""

    def copy(name: str) -> Path:
        target = tmp_path / "example"
        target.mkdir(exist_ok=True)
        shutil.copy2(NOTEBOOKS / name, target / name)
        if not (target / "data").exists():
            shutil.copytree(NOTEBOOKS / "data", target / "data")
        return target / name

    return copy
