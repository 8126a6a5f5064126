"""What a notebook's code shows without running it: absolute paths, environment variables read without a default.

Read from the syntax tree of each code cell (IPython lines blanked, as everywhere in
repro-nb), not traced: the question is what the author wrote, which a re-run on another
machine will meet.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ...format.cellcode import parse_cell

#: A string that names a place on the author's machine: a home directory, a drive.
_ABSOLUTE = re.compile(r"^(?:/(?:home|Users|root|mnt|media|Volumes|tmp)/|~[/\\]|[A-Za-z]:[\\/])")


@dataclass(frozen=True)
class Finding:
    cell: int
    """0-based index among the notebook's cells."""
    text: str


def sources(cells: Iterable[Mapping[str, Any]]) -> list[tuple[int, str]]:
    found = []
    for index, cell in enumerate(cells):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        found.append((index, "".join(source) if isinstance(source, list) else str(source)))
    return found


def absolute_paths(cells: Iterable[Mapping[str, Any]]) -> list[Finding]:
    """String literals that are absolute paths on somebody's machine (``/home/ann/data.csv``, ``C:\\Users``)."""
    found = []
    for index, source in sources(cells):
        tree = parse_cell(source)
        if tree is None:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and _ABSOLUTE.match(node.value):
                found.append(Finding(index, node.value))
    return found


def env_reads_without_default(cells: Iterable[Mapping[str, Any]]) -> list[Finding]:
    """``os.environ["X"]``, ``os.getenv("X")`` and ``os.environ.get("X")``: a variable the code needs set."""
    found = []
    for index, source in sources(cells):
        if "environ" not in source and "getenv" not in source:
            continue
        tree = parse_cell(source)
        if tree is None:
            continue
        for node in ast.walk(tree):
            name = _env_read_without_default(node)
            if name is not None:
                found.append(Finding(index, name))
    return found


def _env_read_without_default(node: ast.AST) -> str | None:
    if (
        isinstance(node, ast.Subscript)
        and isinstance(node.ctx, ast.Load)
        and _is_environ(node.value)
        and isinstance(node.slice, ast.Constant)
    ):
        return str(node.slice.value)
    if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords:
        func = node.func
        argument = node.args[0]
        if not (isinstance(argument, ast.Constant) and isinstance(argument.value, str)):
            return None
        is_getenv = (isinstance(func, ast.Attribute) and func.attr == "getenv") or (
            isinstance(func, ast.Name) and func.id == "getenv"
        )
        is_get = isinstance(func, ast.Attribute) and func.attr == "get" and _is_environ(func.value)
        if is_getenv or is_get:
            return argument.value
    return None


def _is_environ(node: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "environ") or (
        isinstance(node, ast.Name) and node.id == "environ"
    )


def parameters_cell(cells: Iterable[Mapping[str, Any]]) -> int | None:
    """The index of the cell tagged ``parameters`` (papermill's convention), if any."""
    for index, cell in enumerate(cells):
        if "parameters" in (cell.get("metadata", {}).get("tags") or []):
            return index
    return None
