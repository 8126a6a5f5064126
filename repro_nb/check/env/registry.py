"""What the package index has: a project's releases and whether one installs here.

uv says *that* a pin cannot be had ("there is no version of numpy==1.21.2", "has no
usable wheels") but not what to take instead. A person wants "numpy 1.21.2 has no wheel
for Python 3.11; nearest: 1.23.2". That needs the list of a project's files, which the
index serves as JSON (PEP 691, the simple API uv itself reads): the filename says the
version and the Python and platform a wheel is for, ``requires-python`` and ``yanked``
the rest. Asked only after a restore failed, for the pins uv named, and cached on disk
for an hour.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.tags import Tag, compatible_tags, cpython_tags
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from ...errors import EnvironmentRestoreError
from ...format.distributions import cache_dir
from ...format.files import atomic_write_text

DEFAULT_INDEX = "https://pypi.org/simple"
_ACCEPT = "application/vnd.pypi.simple.v1+json"
_CACHE_SECONDS = 3600
NOT_A_PROJECT = "is not a project on the package index"


def index_url() -> str:
    """The index uv installs from: ``UV_DEFAULT_INDEX`` / ``UV_INDEX_URL`` when set, else PyPI."""
    return (os.environ.get("UV_DEFAULT_INDEX") or os.environ.get("UV_INDEX_URL") or DEFAULT_INDEX).rstrip("/")


@dataclass(frozen=True)
class Release:
    """One version of a project as the index lists it, judged for one Python."""

    version: Version
    installable: bool
    reason: str | None
    """Why not installable (``None`` when it is)."""
    yanked: bool = False


@dataclass(frozen=True)
class Availability:
    """The verdict on one pin: can it be had here, and if not, what is nearest."""

    name: str
    version: str
    reason: str | None
    """``None``: installable; else a sentence ("does not exist on the index")."""
    nearest: str | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None

    def message(self) -> str:
        if self.reason == NOT_A_PROJECT:
            return f"{self.name} {self.reason}"
        nearest = f"; nearest: {self.nearest}" if self.nearest else "; no installable version found"
        return f"{self.name} {self.version} {self.reason}{nearest}"


def project_files(name: str, index: str | None = None, timeout: float = 30) -> list[dict[str, Any]] | None:
    """The ``files`` of a project's simple-API page; ``None`` when the index does not know it."""
    index = index or index_url()
    key = hashlib.sha256(f"{index}\0{canonicalize_name(name)}".encode()).hexdigest()[:24]
    cache_file = os.path.join(cache_dir(), "registry", f"{key}.json")
    with contextlib.suppress(OSError, ValueError):
        if time.time() - os.stat(cache_file).st_mtime < _CACHE_SECONDS:
            with open(cache_file, encoding="utf-8") as handle:
                cached: dict[str, Any] = json.load(handle)
            return cached.get("files")
    request = urllib.request.Request(f"{index}/{canonicalize_name(name)}/", headers={"Accept": _ACCEPT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            document = json.load(response)
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            document = {"files": None}
        else:
            raise EnvironmentRestoreError(f"the package index answered {exc.code} for {name}: {exc.reason}") from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise EnvironmentRestoreError(f"cannot reach the package index {index}: {exc}") from exc
    with contextlib.suppress(OSError):
        os.makedirs(os.path.dirname(cache_file), exist_ok=True)
        atomic_write_text(cache_file, json.dumps({"files": document.get("files")}))
    files = document.get("files")
    return files if isinstance(files, list) else None


def python_tags(python: str) -> set[Tag]:
    """The wheel tags a CPython of version ``python`` (``3.11``) accepts on this platform."""
    major, minor = (int(part) for part in python.split(".")[:2])
    return set(cpython_tags((major, minor))) | set(compatible_tags((major, minor)))


def releases(files: Iterable[Mapping[str, Any]], python: str) -> list[Release]:
    """Every version the files name, oldest first, each judged for ``python``.

    Installable: a wheel for this Python and platform, or — for a release with no wheel
    at all — an sdist (pure-Python projects that never published wheels build anywhere).
    A release whose wheels are all for other Pythons or platforms is not: its sdist is a
    compile from source that rarely works years later.
    """
    tags = python_tags(python)
    full = Version(python if python.count(".") >= 2 else python + ".0")
    found: dict[Version, dict[str, Any]] = {}
    for item in files:
        filename = str(item.get("filename", ""))
        try:
            if filename.endswith(".whl"):
                _, version, _, file_tags = parse_wheel_filename(filename)
                kind = "wheel"
            elif filename.endswith((".tar.gz", ".zip")):
                _, version = parse_sdist_filename(filename)
                file_tags = frozenset()
                kind = "sdist"
            else:
                continue
        except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
            continue
        entry = found.setdefault(
            version, {"wheels": 0, "ours": False, "sdist": False, "python_ok": True, "yanked": True}
        )
        entry["yanked"] = entry["yanked"] and bool(item.get("yanked"))
        requires = item.get("requires-python")
        if requires:
            try:
                if full not in SpecifierSet(str(requires)):
                    entry["python_ok"] = False
                    entry["requires"] = str(requires)
            except InvalidSpecifier:
                pass
        if kind == "wheel":
            entry["wheels"] += 1
            entry["ours"] = entry["ours"] or bool(tags & set(file_tags))
        else:
            entry["sdist"] = True
    out = []
    for version, entry in sorted(found.items()):
        reason = None
        if not entry["python_ok"]:
            reason = f"requires Python {entry['requires']}, not {python}"
        elif not entry["ours"] and (entry["wheels"] or not entry["sdist"]):
            reason = f"has no wheel for Python {python} on this platform"
        out.append(Release(version, reason is None, reason, entry["yanked"]))
    return out


def nearest(candidates: list[Release], wanted: Version) -> Release | None:
    """The installable release closest to ``wanted`` in release order; the newer one on a tie.

    Pre-releases and yanked releases only when ``wanted`` is one itself.
    """
    usable = [
        r
        for r in candidates
        if r.installable and not r.yanked and (not r.version.is_prerelease or wanted.is_prerelease)
    ]
    if not usable:
        return None
    ordered = sorted({r.version for r in candidates} | {wanted})
    position = ordered.index(wanted)

    def distance(release: Release) -> tuple[int, int]:
        offset = ordered.index(release.version) - position
        return abs(offset), 0 if offset > 0 else 1

    return min(usable, key=distance)


def availability(name: str, version: str, python: str, index: str | None = None) -> Availability:
    """Whether ``name==version`` can be installed for ``python`` here, and what is nearest if not."""
    files = project_files(name, index)
    if files is None:
        return Availability(name, version, NOT_A_PROJECT, None)
    candidates = releases(files, python)
    try:
        wanted = Version(version)
    except InvalidVersion:
        return Availability(name, version, "is not a valid version", _newest(candidates))
    release = next((r for r in candidates if r.version == wanted), None)
    if release is None:
        reason = "does not exist on the package index"
    elif release.yanked:
        reason = "was yanked from the package index"
    elif not release.installable:
        reason = release.reason or "cannot be installed here"
    else:
        return Availability(name, version, None)
    best = nearest(candidates, wanted)
    return Availability(name, version, reason, str(best.version) if best else None)


def _newest(candidates: list[Release]) -> str | None:
    usable = [r for r in candidates if r.installable and not r.yanked and not r.version.is_prerelease]
    return str(usable[-1].version) if usable else None
