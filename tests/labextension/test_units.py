"""The lab extension's pure TypeScript modules, unit-tested with Node's own test runner.

``labextension/test/*.test.mjs`` import the modules tsc compiled into ``labextension/lib``
(``./dev`` builds them), so they run in a bare Node: no browser, no test framework to
install. The browser tests in ``tests/ui`` cover the same code in a running JupyterLab.
"""

from __future__ import annotations

import re
import subprocess

from .conftest import LAB, missing


def _node_command(node: str) -> list[str]:
    """Node < 22.7 needs a flag to load the compiled ES modules from a ``.js`` file."""
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True).stdout
    major, minor = (int(part) for part in re.findall(r"\d+", version)[:2])
    flag = ["--experimental-detect-module"] if (major, minor) < (22, 7) else []
    return [node, *flag, "--test", *sorted(str(p) for p in (LAB / "test").glob("*.test.mjs"))]


def test_typescript_units(node: str) -> None:
    if not (LAB / "lib" / "logic" / "summary.js").exists():
        missing("the lab extension is not built (./dev builds it)")
    done = subprocess.run(_node_command(node), check=False, capture_output=True, text=True, timeout=120, cwd=LAB)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"^# pass [1-9]", done.stdout, re.MULTILINE), done.stdout
