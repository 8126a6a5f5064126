"""Which packages, at which versions, a cell depended on.

Three questions, three tools:

* *Which modules did the cell's own source import?* — :func:`direct_imports` reads the
  source (IPython syntax included) without running it.
* *Which modules got imported while the cell ran* (including those pulled in by a
  library on first use)? — :func:`snapshot_modules` before the cell,
  :func:`imported_since` after it.
* *Which installed distribution, at which version, provides a module?* —
  :class:`PackageResolver`, because import names and distribution names differ
  (``sklearn`` is scikit-learn, ``yaml`` is PyYAML) and the version lives with the
  distribution.
"""

from __future__ import annotations

import ast
import functools
import importlib.metadata
import importlib.util
import os
import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple

from .toplevel import environment_index

__all__ = [
    "ImportRecord",
    "PackageResolver",
    "direct_imports",
    "imported_since",
    "is_stdlib",
    "snapshot_modules",
]

#: Names that are part of every interpreter but are not in ``sys.stdlib_module_names``:
#: the script being run, and its multiprocessing alias.
_ALWAYS_PRESENT = frozenset({"__main__", "__mp_main__"})

_STDLIB = frozenset(sys.stdlib_module_names) | frozenset(sys.builtin_module_names)


def is_stdlib(module_name: str) -> bool:
    """Whether the top-level package of ``module_name`` ships with the interpreter.

    Uses ``sys.stdlib_module_names`` (3.10+) and the built-in modules, so it is a set
    lookup, not a filesystem probe. A stdlib name always wins over a same-named
    distribution (the old ``enum34`` or ``typing`` backports), because that is what
    ``import`` does too.
    """
    top = module_name.partition(".")[0]
    return top in _STDLIB or top in _ALWAYS_PRESENT


# ------------------------------------------------------------------------ resolving


class ImportRecord(NamedTuple):
    """A module and the distribution providing it: the schema's ``import`` definition.

    ``distribution`` and ``version`` are ``None`` for a module no installed distribution
    provides — a ``.py`` file beside the notebook, or the standard library. ``direct``
    says the cell's own source imports it, as opposed to it being pulled in by another
    package; :class:`PackageResolver` cannot know this, the recorder sets it.
    """

    module: str
    distribution: str | None
    version: str | None
    direct: bool = False

    def to_json(self) -> dict[str, Any]:
        """The record as the schema stores it."""
        return {
            "module": self.module,
            "distribution": self.distribution,
            "version": self.version,
            "direct": self.direct,
        }


class PackageResolver:
    """Map a module name to the distribution (and version) that installed it.

    ``importlib.metadata.packages_distributions()`` answers this for ordinary installs
    but takes 200–310 ms for ~150 distributions; :mod:`repro_nb.toplevel` builds the
    same map from plain text in ~25 ms and caches it on disk per environment (~0.3 ms),
    and it is still computed lazily, once, and reused.
    A name not in the map may have been ``pip install``-ed during the session, so the map
    is recomputed — at most once per unknown name, so a local module that is imported in
    every cell costs one refresh, not one per cell; and not at all when the module's
    file lies in a directory without distribution metadata (a ``helpers.py`` beside the
    notebook cannot have been pip-installed).

    Modules the map cannot name are located by their file: an editable install
    (``pip install -e``; PEP 660 installs are exposed through a ``.pth`` file or an
    import hook, so the package name is absent from the map) is found through the
    ``direct_url.json`` its distribution carries, and a distribution whose name matches
    the module's is accepted if the module's file lies inside that distribution's
    installation directory. Anything else is a local module (``distribution=None``).

    Not thread-safe; the recorder calls it from the kernel's main thread.
    """

    def __init__(self) -> None:
        self._top_level: Mapping[str, list[str]] | None = None
        self._indexed_versions: Mapping[str, str] = {}
        self._editable_roots: list[tuple[Path, str]] = []
        self._refreshed_for: set[str] = set()
        self._versions: dict[str, str | None] = {}
        self._by_location: dict[str, str | None] = {}
        self._chosen: dict[str, str] = {}

    # -- public API

    def resolve(self, module_name: str) -> ImportRecord:
        """The :class:`ImportRecord` (with ``direct=False``) for ``module_name``.

        ``module_name`` is normally a top-level name; a dotted name is accepted and
        resolved by its top-level package, its full name only helps choose among
        several distributions sharing a namespace package.
        """
        if is_stdlib(module_name):
            return ImportRecord(module_name, None, None)
        distribution = self._distribution_for(module_name)
        version = None if distribution is None else self.version_of(distribution)
        return ImportRecord(module_name, distribution, version)

    def version_of(self, distribution: str) -> str | None:
        """The installed version of ``distribution``; ``None`` if it is not installed.

        Cached for the session on purpose: a ``pip install -U`` during the session
        changes the metadata on disk but not the code already imported, so the first
        version seen is the one the cell's results came from. A ``None`` answer is
        forgotten when the resolver refreshes, since the distribution may now exist.
        """
        if distribution not in self._versions and self._indexed_versions.get(distribution):
            self._versions[distribution] = self._indexed_versions[distribution]
        if distribution not in self._versions:
            try:
                self._versions[distribution] = importlib.metadata.version(distribution)
            except (importlib.metadata.PackageNotFoundError, OSError, ValueError):
                self._versions[distribution] = None
        return self._versions[distribution]

    # -- lookup

    def _distribution_for(self, module_name: str) -> str | None:
        top = module_name.partition(".")[0]
        candidates = self._map().get(top)
        if candidates:
            return self._choose(module_name, candidates)
        if top in self._by_location:
            return self._by_location[top]
        module_file = _module_file(top)
        if top not in self._refreshed_for and _may_be_newly_installed(module_file):
            self._refreshed_for.add(top)
            self._refresh()
            candidates = self._map().get(top)
            if candidates:
                return self._choose(module_name, candidates)
        distribution = self._distribution_by_location(top, module_file)
        self._by_location[top] = distribution
        return distribution

    def _map(self) -> Mapping[str, list[str]]:
        if self._top_level is None:
            self._refresh()
        assert self._top_level is not None
        return self._top_level

    def _refresh(self) -> None:
        index = environment_index()
        self._top_level = index["top_level"]
        self._indexed_versions = index["versions"]
        self._editable_roots = [(Path(root), name) for root, name in index["editable"]]
        self._by_location = {}
        self._chosen = {}
        self._versions = {name: v for name, v in self._versions.items() if v is not None}

    def _choose(self, module_name: str, candidates: Iterable[str]) -> str:
        """Pick one of several distributions providing the same top-level name.

        That happens for namespace packages (``google`` is shared by protobuf,
        google-auth, …) and when a package is installed twice. If the module (the full
        dotted name, as imported) has a file that one candidate's RECORD lists, that
        candidate wins; otherwise the first by normalised name, so the choice is the
        same on every run. Reading RECORDs is slow, so the choice is cached per module.
        """
        unique = sorted(set(candidates), key=lambda name: (_normalise(name), name))
        if len(unique) == 1:
            return unique[0]
        if module_name not in self._chosen:
            module_file = _module_file(module_name)
            owners = (
                []
                if module_file is None
                else [name for name in unique if _distribution_owns(name, module_file)]
            )
            self._chosen[module_name] = (owners or unique)[0]
        return self._chosen[module_name]

    def _distribution_by_location(self, top: str, module_file: Path | None) -> str | None:
        """Find a distribution the top-level map missed, from the module's file."""
        if module_file is None:
            return None
        for root, name in self._editable_roots:
            if module_file.is_relative_to(root):
                return name
        try:
            distribution = importlib.metadata.distribution(top)
        except (importlib.metadata.PackageNotFoundError, OSError, ValueError):
            return None
        # Same name is not enough: a local "utils.py" must not become PyPI's "utils".
        installed_in = Path(str(distribution.locate_file(""))).resolve()
        if module_file.is_relative_to(installed_in) and "Name" in distribution.metadata:
            return str(distribution.metadata["Name"])
        return None


def _normalise(name: str) -> str:
    """PEP 503 normalised distribution name, for deterministic ordering."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _module_file(module_name: str) -> Path | None:
    """Resolved path of an imported (or importable) module's file, if it has one.

    The loaded module is preferred (what actually ran); otherwise, for a top-level
    name, the import system is asked where it *would* load from, which does not execute
    the module. (For a dotted name ``find_spec`` would import the parent package, so
    that is not done.) Namespace packages have no file and give ``None``.
    """
    module = sys.modules.get(module_name)
    location: str | None = None
    if isinstance(module, ModuleType):
        location = getattr(module, "__file__", None)
    if location is None and "." not in module_name:
        try:
            spec = importlib.util.find_spec(module_name)
        except (ImportError, ValueError, AttributeError):
            spec = None
        if spec is not None and spec.has_location:
            location = spec.origin
    if not location:
        return None
    try:
        return Path(location).resolve()
    except (OSError, RuntimeError):
        return None


def _may_be_newly_installed(module_file: Path | None) -> bool:
    """Whether refreshing the top-level map could possibly find ``top``.

    Installers put a package next to its ``*.dist-info`` directory. A module whose
    directory holds no distribution metadata — a ``helpers.py`` beside the notebook —
    cannot have been ``pip install``-ed, so it is not worth a 200 ms refresh. When the
    module cannot be located at all, the answer is "maybe".
    """
    if module_file is None:
        return True
    is_package = module_file.name.startswith("__init__.")
    directory = module_file.parent.parent if is_package else module_file.parent
    try:
        with os.scandir(directory) as entries:
            return any(entry.name.endswith((".dist-info", ".egg-info")) for entry in entries)
    except OSError:
        return True


def _distribution_owns(name: str, module_file: Path) -> bool:
    """Whether the distribution's RECORD lists ``module_file``."""
    try:
        distribution = importlib.metadata.distribution(name)
        files = distribution.files or []
        return any(Path(str(path.locate())).resolve() == module_file for path in files)
    except (importlib.metadata.PackageNotFoundError, OSError, ValueError):
        return False


# ------------------------------------------------------------------- direct imports

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
                if 0 <= index and not lines[index].startswith(indent):
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


# ----------------------------------------------------------------- runtime imports


def snapshot_modules(modules: Mapping[str, object] = sys.modules) -> frozenset[str]:
    """The names in ``sys.modules`` now; take one before a cell runs.

    A copy of the keys is the whole snapshot: about 40 µs for 3,000 modules (measured,
    3.11). ``len(sys.modules)`` alone would be cheaper but misses a cell that deletes
    one entry and imports another.
    """
    return frozenset(modules)


def imported_since(
    snapshot: frozenset[str] | set[str],
    modules: Mapping[str, object] = sys.modules,
) -> list[str]:
    """Top-level packages imported since ``snapshot`` was taken, sorted.

    Only packages whose top-level name is new are reported: a submodule newly loaded
    from a package that was already imported (``sklearn.metrics`` after ``sklearn``)
    belongs to the cell that imported the package, and a cell's own explicit imports
    are found by :func:`direct_imports` anyway. The standard library, private names
    (``_cffi_backend``), ``__main__`` and import-blocked entries (``None`` in
    ``sys.modules``) are left out.

    ``modules`` is ``sys.modules`` unless a test passes its own mapping. Cost: one set
    difference on the keys — measured (3.11, this machine) at about 80 µs for 3,000
    modules with nothing new and 120 µs when 500 of them are new.
    """
    new_tops = {name.partition(".")[0] for name in modules.keys() - snapshot}
    return sorted(
        top
        for top in new_tops - snapshot
        if not top.startswith("_") and not is_stdlib(top) and modules.get(top, True) is not None
    )
