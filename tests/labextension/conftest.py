"""What the lab extension's own checks need: Node.js, its ``node_modules``, ``jlpm``.

They run where ``./dev`` has set the lab extension up (``jlpm install`` in
``labextension/``). Without it a test is skipped — except in CI (``CI`` set), where that
is a failure: CI must run them.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

LAB = Path(__file__).resolve().parents[2] / "labextension"


def missing(reason: str) -> None:
    """Skip the test for ``reason``; fail it in CI."""
    if os.environ.get("CI"):
        pytest.fail(f"the lab extension's checks must run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def node() -> str:
    found = shutil.which("node")
    if not found:
        missing("Node.js is not installed")
    assert found is not None
    return found


@pytest.fixture(scope="session")
def node_modules(node: str) -> Path:
    """``labextension/node_modules``, as ``jlpm install`` made it."""
    path = LAB / "node_modules"
    if not (path / ".yarn-state.yml").exists() and not (path / "typescript").is_dir():
        missing("the lab extension's packages are not installed (./dev installs them)")
    return path


@pytest.fixture(scope="session")
def jlpm(node_modules: Path) -> str:
    """JupyterLab's ``jlpm`` from this environment (``./dev`` does not activate the venv)."""
    beside = Path(sys.executable).with_name("jlpm")
    found = str(beside) if beside.exists() else shutil.which("jlpm")
    if not found:
        missing("jlpm is not installed (it comes with jupyterlab)")
    assert found is not None
    return found


def node_env() -> dict[str, str]:
    """The environment for Node tools: this interpreter's bin first (jlpm, jupyter)."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env
