"""Which distribution provides each top-level module: a fast, cached
``importlib.metadata.packages_distributions()``.

The standard function parses every distribution's METADATA with the email parser and,
for wheels without ``top_level.txt``, its RECORD into ``PackagePath`` objects: about
210 ms for 155 distributions here — a visible pause in the first cell that imports
anything, and 20 % of a short notebook's run time. Reading the same files as plain text
takes a fraction of that, and the answer only changes when something is installed or
removed, which changes the mtime of the ``site-packages`` directory. So the map is
cached on disk per environment, keyed by the import path and those mtimes.

It lives in ``format/`` because both processes need it: the recorder names the
distribution of each module a cell imported, and the checker (``repro-nb env export``
of a notebook without a record) maps the import names it reads in the code to the
distributions installed here.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections import defaultdict
from importlib.metadata import Distribution
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

_CACHE_VERSION = 3

#: ``{"top_level": {module: [distribution, …]}, "versions": {distribution: version},
#: "editable": [[source directory, distribution], …]}``
Index = dict[str, Any]


def cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "repro-nb")


def environment_key(path: list[str] | None = None) -> str:
    """Changes whenever a distribution is installed into or removed from the environment.

    Installing or removing adds or deletes a ``*.dist-info`` directory (or a ``.pth``
    file) in a ``site-packages`` directory, which changes that directory's mtime. Other
    import-path entries — the working directory, a notebook's folder — change all the
    time as a notebook writes files, and differ from one notebook to the next; they only
    count (by name) when they hold distribution metadata themselves (``pip install
    --target``, a project's ``*.egg-info``), so that every notebook of an environment
    shares one cached index.
    """
    parts = [f"v{_CACHE_VERSION}", sys.prefix]
    for entry in path if path is not None else sys.path:
        if entry.rstrip(os.sep).endswith(("site-packages", "dist-packages")):
            try:
                parts.append(f"{entry}\0{os.stat(entry).st_mtime_ns}")
            except OSError:
                parts.append(f"{entry}\0-")
        elif _holds_distributions(entry):
            parts.append(f"{entry}\0name-only")
    return hashlib.sha256("\n".join(parts).encode("utf-8", "surrogateescape")).hexdigest()[:24]


def _holds_distributions(entry: str) -> bool:
    try:
        with os.scandir(entry or ".") as entries:
            return any(e.name.endswith((".dist-info", ".egg-info")) for e in entries)
    except OSError:
        return False


def environment_index(use_cache: bool = True) -> Index:
    """Top-level modules and versions of every installed distribution, cached per environment."""
    key = environment_key()
    cache_file = os.path.join(cache_dir(), f"index-{key}.json")
    if use_cache:
        try:
            with open(cache_file, encoding="utf-8") as handle:
                cached: Index = json.load(handle)
            if (
                isinstance(cached.get("top_level"), dict)
                and isinstance(cached.get("versions"), dict)
                and isinstance(cached.get("editable"), list)
            ):
                return cached
        except (OSError, ValueError, AttributeError):
            pass
    index = build_index()
    if use_cache:
        try:
            from .files import atomic_write_text

            os.makedirs(os.path.dirname(cache_file), exist_ok=True)
            atomic_write_text(cache_file, json.dumps(index))
            _prune(os.path.dirname(cache_file), keep=_KEEP_INDEXES)
        except OSError:
            pass  # a read-only home only costs speed
    return index


#: Cached indexes kept: one per environment in use (each a few kB); older ones go.
_KEEP_INDEXES = 16


def _prune(directory: str, keep: int) -> None:
    """Delete all but the ``keep`` most recently written index files, and older releases' caches."""
    try:
        with os.scandir(directory) as entries:
            found = [(e.stat().st_mtime_ns, e.name, e.path) for e in entries if e.name.endswith(".json")]
    except OSError:
        return
    indexes = sorted((item for item in found if item[1].startswith("index-")), reverse=True)
    legacy = [item for item in found if item[1].startswith("top-level-")]  # repro-nb 0.1's cache
    for _, _, stale in indexes[keep:] + legacy:
        try:
            os.remove(stale)
        except OSError:
            pass


def build_index() -> Index:
    """The index itself, from METADATA headers and ``top_level.txt`` or RECORD read as text."""
    from importlib.metadata import distributions

    mapping: dict[str, list[str]] = defaultdict(list)
    versions: dict[str, str] = {}
    editable: list[tuple[str, str]] = []
    for dist in distributions():
        name, version = _name_and_version(dist)
        if not name or name in versions:
            continue  # the first distribution on sys.path wins, as for imports
        versions[name] = version or ""
        for top in _top_levels(dist):
            if name not in mapping[top]:
                mapping[top].append(name)
        root = _editable_root(dist)
        if root is not None:
            editable.append((root, name))
    # Deeper directories first, so that a package nested in another editable project's
    # tree is attributed to its own distribution.
    editable.sort(key=lambda item: (-len(Path(item[0]).parts), item[0], item[1]))
    return {"top_level": dict(mapping), "versions": versions, "editable": [list(item) for item in editable]}


def _editable_root(dist: Distribution) -> str | None:
    """The source directory of an editable install (``pip install -e``), else ``None``.

    pip records it in the distribution's ``direct_url.json`` (PEP 610). PEP 660 installs
    expose the package through a ``.pth`` file or an import hook, so its name is often
    missing from the top-level map; the module's file is then matched against this.
    """
    try:
        text = dist.read_text("direct_url.json")
        if not text:
            return None
        direct_url = json.loads(text)
        if not direct_url.get("dir_info", {}).get("editable"):
            return None
        url = urlparse(str(direct_url.get("url", "")))
        if url.scheme != "file":
            return None
        return str(Path(unquote(url.path)).resolve())
    except (OSError, ValueError, AttributeError, TypeError):
        return None


def _name_and_version(dist: Distribution) -> tuple[str | None, str | None]:
    """``Name`` and ``Version`` from the metadata headers, without the email parser."""
    text = dist.read_text("METADATA") or dist.read_text("PKG-INFO")
    name = version = None
    for line in (text or "").splitlines():
        if line.startswith("Name:"):
            name = line[5:].strip()
        elif line.startswith("Version:"):
            version = line[8:].strip()
        elif not line.strip():
            break  # end of the headers
        if name and version:
            break
    return name, version


def _top_levels(dist: Distribution) -> set[str]:
    declared = dist.read_text("top_level.txt")
    if declared:
        return {line.strip().split("/")[0] for line in declared.splitlines() if line.strip()}
    record = dist.read_text("RECORD") or ""
    tops: set[str] = set()
    for line in record.splitlines():
        path = line.rsplit(",", 2)[0] if line.count(",") >= 2 else line
        if not path or path.startswith(("..", "/")):
            continue
        head, sep, _ = path.partition("/")
        if sep:
            if not head.endswith((".dist-info", ".egg-info", ".data", ".libs")) and head != "__pycache__":
                tops.add(head)
        elif path.endswith(".py"):
            tops.add(path[:-3])
        elif path.endswith((".so", ".pyd")):
            tops.add(path.split(".", 1)[0])
    return tops
