"""The layout is the architecture: which part of repro-nb may import which.

repro-nb runs in two processes that share one format. The recorder (``repro_nb.kernel``)
runs inside the user's kernel; the checker (``repro_nb.check`` and the surfaces around
it) re-runs notebooks elsewhere. These tests read every module's imports — top-level
and inside functions, since a lazy import is still a dependency — and fail when one
crosses a line it must not, or when modules import each other in a circle. The last
test runs ``repro-nb check`` under ``python -X importtime`` and fails if any
``repro_nb.kernel`` module was imported by the checker process.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from support import FILES, ROOT

PACKAGE = ROOT / "repro_nb"

#: What each part may import of repro-nb (besides itself). "nothing imports upward".
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "_version": set(),
    "format": {"errors"},
    "compare": {"format", "errors"},
    "kernel": {"format", "errors", "_version"},
    "check": {"compare", "format", "errors", "_version"},
    "report": {"check", "compare", "format", "errors", "_version"},
    "server": {"format", "errors", "_version"},
    "cli": {"check", "report", "format", "errors", "_version"},
    "pytest_plugin": {"check", "report", "format", "errors", "_version"},
    # the package itself: the IPython entry points reach the kernel, the Jupyter server's the server
    "__init__": {"kernel", "server", "format", "_version"},
}


def part_of(module: str) -> str:
    """``repro_nb.check.pipeline`` → ``check``; ``repro_nb`` → ``__init__``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def module_name(path: Path, root: Path = ROOT) -> str:
    relative = path.relative_to(root).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, root: Path = ROOT) -> Iterator[tuple[str, int]]:
    """Every repro_nb module ``path`` imports, with the line, relative imports resolved.

    ``from . import x`` names a module when ``x`` is one; otherwise the package.
    """
    module = module_name(path, root)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "repro_nb":
                    yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "repro_nb":
                continue
            for alias in node.names:
                candidate = f"{target}.{alias.name}"
                yield (candidate if _is_module(candidate, root) else target), node.lineno


def _is_module(name: str, root: Path) -> bool:
    path = root.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file() or path.with_suffix(".c").is_file()


def sources(root: Path = ROOT) -> list[Path]:
    return sorted(p for p in (root / "repro_nb").rglob("*.py") if "labextension" not in p.parts)


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in sources(root):
        graph.setdefault(module_name(path, root), set()).update(target for target, _ in imports_of(path, root))
    return graph


def crossings(root: Path = ROOT) -> list[str]:
    """Every import that breaks :data:`ALLOWED`, as ``file:line: a imports b``."""
    found = []
    for path in sources(root):
        source = module_name(path, root)
        for target, line in imports_of(path, root):
            mine, theirs = part_of(source), part_of(target)
            if theirs != mine and theirs not in ALLOWED[mine]:
                found.append(f"{path.relative_to(root)}:{line}: {source} ({mine}) imports {target} ({theirs})")
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph.get(node, ())):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_every_module_belongs_to_a_known_part() -> None:
    assert {part_of(module_name(p)) for p in sources()} <= set(ALLOWED)


def test_no_import_crosses_a_line_it_must_not() -> None:
    assert crossings() == []


def test_no_modules_import_each_other_in_a_circle() -> None:
    # Packages import their own modules (re-exports) and those modules do not import
    # the package back, so a package counts as a module like any other.
    assert cycles(import_graph()) == []


def test_the_rules_catch_a_crossing(tmp_path: Path) -> None:
    """The checks above can fail: a checker → kernel import planted in a copy is reported."""
    shutil.copytree(PACKAGE, tmp_path / "repro_nb", ignore=shutil.ignore_patterns("labextension", "__pycache__"))
    (tmp_path / "repro_nb" / "check" / "planted.py").write_text("from ..kernel.recorder import Recorder\n")
    assert crossings(tmp_path) == [
        "repro_nb/check/planted.py:1: repro_nb.check.planted (check) imports repro_nb.kernel.recorder (kernel)"
    ]
    graph = import_graph(tmp_path)
    graph["repro_nb.kernel.recorder"].add("repro_nb.check.planted")
    assert any("repro_nb.check.planted" in cycle for cycle in cycles(graph))


def test_the_checker_process_imports_no_kernel_module(tmp_path: Path) -> None:
    """``repro-nb check`` in a fresh process: ``-X importtime`` lists every module it imported."""
    notebook = tmp_path / "reproduces.ipynb"
    notebook.write_bytes((FILES / "reproduces.ipynb").read_bytes())
    done = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "-m",
            "repro_nb.cli",
            "check",
            str(notebook),
            "--json",
            str(tmp_path / "r.json"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "repro_nb.check.pipeline" in imported, "the probe sees the checker's own modules"
    assert sorted(m for m in imported if m == "repro_nb.kernel" or m.startswith("repro_nb.kernel.")) == []
