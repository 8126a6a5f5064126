"""What a cell's code imports and defines, read without running it.

Both processes read cell code: the recorder attributes the modules a cell's own source
imports (as opposed to those a library pulled in), the checker finds the cell that
defines a name another cell lacks. Cell code is IPython, not Python: magics, shell
escapes, help syntax and cell magics are handled here once (:func:`parse_cell`).
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterable

__all__ = ["defined_names", "direct_imports", "env_var_reads", "parse_cell", "used_names"]


#: Cell magics whose body is Python run as usual; any other cell magic (``%%bash``,
#: ``%%html``, ``%%writefile``, ``%%sql``) has a body in another language.
_PYTHON_BODY_CELL_MAGICS = frozenset({"time", "timeit", "capture"})

#: ``files = !ls`` and ``t = %timeit -o f()``: an assignment from a shell escape or magic.
_ASSIGNED_ESCAPE = re.compile(r"^\s*[\w.,\s\[\]()*]+=\s*[!%]")

#: Last resort for source that will not parse: ``import a`` / ``from a import b`` lines.
_IMPORT_LINE = re.compile(r"^\s*import\s+(.+)$")
_FROM_LINE = re.compile(r"^\s*from\s+([A-Za-z_]\w*)[\w.]*\s+import\b")

_MAX_PARSE_REPAIRS = 20


def direct_imports(source: str) -> set[str]:
    """Top-level names of the modules a cell's source imports, without running it.

    Finds ``import a.b.c as d`` (→ ``a``) and ``from a.b import c`` (→ ``a``) anywhere —
    inside functions, ``if`` and ``try`` blocks — plus ``importlib.import_module("a")``
    and ``__import__("a")`` with a literal name. Relative imports (``from . import x``)
    are ignored: they name no distribution.

    IPython syntax is tolerated: line magics, shell escapes (``!``), help (``obj?``,
    ``?obj``) and assignments from them are blanked out; for ``%%time``, ``%%timeit``
    and ``%%capture`` the body is read as Python, any other cell magic gives an empty
    set. Never raises: a syntax error is repaired by blanking the offending line and
    parsing again (a few times), and as a last resort import lines are matched with a
    regular expression. Results are cached by source, as cells are re-run unchanged.
    """
    if not isinstance(source, str):
        return set()
    return set(_direct_imports_cached(source))


@functools.lru_cache(maxsize=1024)
def _direct_imports_cached(source: str) -> frozenset[str]:
    body = _cell_magic_body(source)
    if body is None:
        return frozenset()
    tree = _parse(body)
    if tree is None:
        return frozenset(_imports_by_regex(body))
    return frozenset(_imports_in_tree(tree))


def parse_cell(source: str) -> ast.Module | None:
    """The Python syntax tree of a cell's code, IPython lines blanked and errors repaired.

    ``None`` when the cell is not Python (``%%bash``, ``%%html``…) or cannot be repaired.
    """
    body = _cell_magic_body(source)
    return _parse(body) if body is not None else None


def defined_names(source: str) -> set[str]:
    """Names a cell binds at top level: assignments, defs, classes, imports, loop targets."""
    tree = parse_cell(source)
    if tree is None:
        return set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                names.add((alias.asname or alias.name).partition(".")[0])
    return names


def _cell_magic_body(source: str) -> str | None:
    """The Python part of a cell, or ``None`` when a cell magic makes it non-Python.

    Cell magics can be stacked (``%%capture`` then ``%%time``), so this peels them off
    one at a time. The first line is kept as an empty line to keep line numbers.
    """
    lines = source.splitlines()
    start = 0
    while True:
        while start < len(lines) and not lines[start].strip():
            start += 1
        if start == len(lines) or not lines[start].lstrip().startswith("%%"):
            return "\n".join([""] * start + lines[start:])
        magic_name = lines[start].lstrip()[2:].split(maxsplit=1)
        if not magic_name or magic_name[0] not in _PYTHON_BODY_CELL_MAGICS:
            return None
        start += 1


def _parse(source: str) -> ast.Module | None:
    """Parse plain Python first (the common case); then blank IPython lines; then repair."""
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError):
        pass
    lines = [_blank_ipython_line(line) for line in source.splitlines()]
    blanked: set[int] = set()
    for _ in range(_MAX_PARSE_REPAIRS):
        try:
            return ast.parse("\n".join(lines))
        except (SyntaxError, ValueError) as error:
            index = (getattr(error, "lineno", None) or 0) - 1
            message = str(error)
            if isinstance(error, IndentationError) and "expected an indented" in message:
                # A block opener without a body: indent the next line into it (or give
                # it a body at the end of the cell), rather than lose that line.
                indent = _indent_of_previous(lines, index) + "    "
                if index >= len(lines):
                    lines.append(indent + "pass")
                    continue
                if index >= 0 and not lines[index].startswith(indent):
                    lines[index] = indent + lines[index].lstrip()
                    continue
            if not 0 <= index < len(lines):
                return None
            if isinstance(error, IndentationError) and "unexpected indent" in message:
                # Left over from a blanked block opener: keep the line, align it with
                # the line above, so an import inside the broken block is still found.
                lines[index] = _indent_of_previous(lines, index) + lines[index].lstrip()
                continue
            # The same line failing again after being blanked means the real culprit is
            # above it (a block opener whose body we blanked, say): blank that one too.
            while index in blanked and index > 0:
                index -= 1
            if index in blanked:
                return None
            blanked.add(index)
            lines[index] = _placeholder(lines[index])
    return None


def _indent_of_previous(lines: list[str], index: int) -> str:
    """Indentation of the nearest non-blank line above ``index``."""
    for previous in reversed(lines[:index]):
        if previous.strip():
            return previous[: len(previous) - len(previous.lstrip())]
    return ""


def _blank_ipython_line(line: str) -> str:
    """Replace an IPython-only line by ``pass`` at the same indentation."""
    stripped = line.strip()
    if not stripped or stripped.startswith("#"):
        return line
    if stripped[0] in "%?" or (stripped[0] == "!" and not stripped.startswith("!=")):
        return _placeholder(line)
    if stripped.endswith("?") and "#" not in stripped:
        return _placeholder(line)
    if _ASSIGNED_ESCAPE.match(line):
        return _placeholder(line)
    return line


def _placeholder(line: str) -> str:
    """``pass``, indented like ``line``, so the surrounding block structure survives."""
    return line[: len(line) - len(line.lstrip())] + "pass"


def _imports_in_tree(tree: ast.AST) -> Iterable[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name.partition(".")[0]
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module:
                yield node.module.partition(".")[0]
        elif isinstance(node, ast.Call) and _is_dynamic_import(node.func) and node.args:
            name = node.args[0].value if isinstance(node.args[0], ast.Constant) else None
            if isinstance(name, str) and name and not name.startswith("."):
                yield name.partition(".")[0]


def _is_dynamic_import(func: ast.expr) -> bool:
    """``importlib.import_module(...)``, ``import_module(...)`` or ``__import__(...)``."""
    if isinstance(func, ast.Name):
        return func.id in {"__import__", "import_module"}
    return isinstance(func, ast.Attribute) and func.attr == "import_module"


def _imports_by_regex(source: str) -> Iterable[str]:
    for line in source.splitlines():
        if match := _FROM_LINE.match(line):
            yield match.group(1)
        elif match := _IMPORT_LINE.match(line):
            for part in match.group(1).split("#", 1)[0].split(","):
                name = part.strip().split()[0] if part.strip() else ""
                top = name.partition(".")[0]
                if top.isidentifier():
                    yield top


def used_names(source: str) -> set[str]:
    """Names a cell reads (loads), anywhere in it: what it needs from the cells before it."""
    tree = parse_cell(source)
    if tree is None:
        return set()
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}


#: ``os.environ["X"]``, ``os.environ.get("X")``, ``environ.get('X')``, ``os.getenv("X")``,
#: ``getenv("X")``: the ways code reads a variable by a literal name.
_ENV_READ = re.compile(
    r"""\benviron\s*\[\s*(['"])([^'"\\]+)\1\s*\]"""
    r"""|\benviron\s*\.\s*(?:get|pop|setdefault)\s*\(\s*(['"])([^'"\\]+)\3"""
    r"""|\bgetenv\s*\(\s*(['"])([^'"\\]+)\5"""
)


def env_var_reads(source: str) -> list[str]:
    """Names of the environment variables a cell's code reads by a literal name, in order.

    Read from the text, not traced at run time: what matters for reproducibility is the
    notebook's own dependence on its environment, not the variables every library
    consults on import. A cheap substring test comes first, as most cells read none.
    """
    if "environ" not in source and "getenv" not in source:
        return []
    names: list[str] = []
    for match in _ENV_READ.finditer(source):
        name = match.group(2) or match.group(4) or match.group(6)
        if name and name not in names:
            names.append(name)
    return names
