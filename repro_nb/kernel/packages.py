"""Which installed distribution, at which version, provides an imported module.

The recorder sees which modules a cell imported (new entries at the end of
``sys.modules``, and :func:`repro_nb.format.cellcode.direct_imports` of its source);
:class:`PackageResolver` names the distribution and version of each, because import
names and distribution names differ (``sklearn`` is scikit-learn, ``yaml`` is PyYAML)
and the version lives with the distribution. The index of top-level names it starts
from is :mod:`repro_nb.format.distributions`' (shared with the checker).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, NamedTuple

from ..format.distributions import environment_index

if TYPE_CHECKING:
    from ..format.record_types import ImportRecord

__all__ = [
    "PackageResolver",
    "ResolvedModule",
    "is_stdlib",
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


class ResolvedModule(NamedTuple):
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

    def to_json(self) -> ImportRecord:
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
    but takes 200–310 ms for ~150 distributions; :mod:`repro_nb.format.distributions` builds the
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

    def resolve(self, module_name: str) -> ResolvedModule:
        """The :class:`ResolvedModule` (with ``direct=False``) for ``module_name``.

        ``module_name`` is normally a top-level name; a dotted name is accepted and
        resolved by its top-level package, its full name only helps choose among
        several distributions sharing a namespace package.
        """
        if is_stdlib(module_name):
            return ResolvedModule(module_name, None, None)
        distribution = self._distribution_for(module_name)
        version = None if distribution is None else self.version_of(distribution)
        return ResolvedModule(module_name, distribution, version)

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
            owners = [] if module_file is None else [name for name in unique if _distribution_owns(name, module_file)]
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
