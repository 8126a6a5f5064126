"""A notebook's fingerprint: everything its verdict depends on, hashed without running it.

``repro-nb check --cache`` re-runs a notebook only when something its result could depend
on changed since the result was verified. The fingerprint is made of *parts*, each
small and named, so that a miss can say what changed:

- ``notebook`` — the code cells with their stored outputs, execution counts and
  metadata (tags, the cell records), the notebook's metadata (kernelspec, the record)
  and the position of every other cell (a result's indices point into all cells, so a
  markdown cell inserted moves them; its text does not matter);
- ``record`` — a sidecar record (``<notebook>.repro.json``), when the record lives there;
- ``data:<path>`` and ``module:<path>`` — the data files the record says the cells read
  and the local modules they imported, *hashed now* with the record's algorithm through
  :class:`~repro_nb.format.hashing.FileHasher` (one per run, so a file many notebooks
  read is hashed once; a file too large to hash is identified by size and mtime);
- ``package:<distribution>`` — the version installed now of each distribution the
  record says the notebook imported;
- ``env:<NAME>`` — whether each environment variable the cells read is set (never its
  value: the record keeps none either);
- ``kernel`` — the kernelspec the check will use (name, command line, language); for a
  kernel running another Python than the checker's, the list of distributions installed
  in that Python's ``site-packages``;
- ``machine`` — Python version and build, OS, CPU model and cores, and the values of
  ``PYTHONHASHSEED`` and the thread-count variables (the only ones the record keeps);
- ``options`` — tolerances, masks, timeouts, the kernel choice: what the check is told;
- ``tool`` — the repro-nb version (and the cache's), since a new checker may judge anew.

A notebook without a record, or whose record saw randomness used without a seed, has
dependencies no fingerprint can hold: it is *not reusable* (always re-run) unless the
user trusts such notebooks (``--cache-trust-unrecorded``).

Everything here is cheap on purpose: raw JSON instead of nbformat, one ``stat`` and
at most one read per file, the installed versions from the cached distribution index.
The facts about the machine and the environment are gathered once per run
(:func:`environment_facts`), on the machine the checks run on — for a remote Dask
cluster, on its workers.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import platform
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .._version import __version__
from ..errors import ReproError
from ..format.cache_entry import CACHE_SCHEMA_VERSION
from ..format.hashing import FileHasher, available_algorithms
from ..format.record import ALLOWED_ENV_VARS, Record, read_record, sidecar_path
from ..format.record_types import DataFileRecord
from .options import CheckOptions

__all__ = ["Fingerprint", "Fingerprinter", "changed_parts", "environment_facts"]

#: JSON-able facts about where the checks run (see :func:`environment_facts`).
Facts = dict[str, Any]

_DIGEST = "blake3" if "blake3" in available_algorithms() else "sha256"


def digest(data: bytes) -> str:
    """``<algorithm>:<hex>`` of ``data`` (BLAKE3 when installed, else SHA-256)."""
    if _DIGEST == "blake3":
        import blake3

        return "blake3:" + blake3.blake3(data).hexdigest()
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str).encode()


@dataclass(frozen=True)
class Fingerprint:
    """A notebook's fingerprint, and whether a stored result may stand for a re-run."""

    digest: str
    parts: Mapping[str, str]
    reusable: bool = True
    why_not: str | None = None
    """Why a stored result cannot be trusted (no record, unseeded randomness…)."""
    notebook: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """The notebook as read (raw JSON), for a cached result's report."""


def changed_parts(old: Mapping[str, str], new: Mapping[str, str]) -> list[str]:
    """What differs between two fingerprints, for people: ``data file data/x.csv changed``."""
    changes = []
    for name in sorted(old.keys() | new.keys(), key=_part_order):
        if old.get(name) == new.get(name):
            continue
        kind, _, subject = name.partition(":")
        if kind == "package":
            changes.append(f"{subject} {old.get(name) or 'not imported'} → {new.get(name) or 'not imported'}")
        elif kind in ("data", "module"):
            what = "data file" if kind == "data" else "local module"
            state = "changed" if name in old and name in new else ("now read" if name in new else "no longer read")
            changes.append(f"{what} {subject} {state}")
        elif kind == "env":
            changes.append(f"environment variable {subject} {new.get(name) or 'no longer read'}")
        else:
            changes.append(_PART_NAMES.get(name, name) + " changed")
    return changes


_PART_NAMES = {
    "notebook": "code or stored outputs",
    "record": "the sidecar record",
    "kernel": "the kernel",
    "machine": "the machine",
    "options": "the check options",
    "tool": "repro-nb",
}


def _part_order(name: str) -> tuple[int, str]:
    order = ("notebook", "record", "data", "module", "package", "env", "kernel", "machine", "options", "tool")
    kind = name.partition(":")[0]
    return (order.index(kind) if kind in order else len(order), name)


class Fingerprinter:
    """Fingerprints of many notebooks checked with one set of options.

    What is the same for every notebook — the machine, the installed versions, the
    kernelspecs, the options — is computed once; a file read by many notebooks is hashed
    once (the hashers' stat-keyed caches).
    """

    def __init__(self, options: CheckOptions, *, trust_unrecorded: bool = False, facts: Facts | None = None) -> None:
        self.options = options
        self.trust_unrecorded = trust_unrecorded
        self.facts = facts if facts is not None else environment_facts()
        self._hashers: dict[str, FileHasher] = {}
        self._common = {
            "machine": digest(_canonical(self.facts["machine"])),
            "options": digest(_canonical(describe_options(options))),
            "tool": f"repro-nb {__version__}, cache v{CACHE_SCHEMA_VERSION}",
        }

    def fingerprint(self, path: str) -> Fingerprint | None:
        """The fingerprint of the notebook at ``path``; ``None`` when it cannot be read.

        A notebook that cannot be read, has an invalid record or no kernel to run it is
        not fingerprinted: the check itself says what is wrong, at once and without a
        kernel, and such a result is never stored.
        """
        try:
            with open(path, "rb") as handle:
                raw = json.loads(handle.read())
        except (OSError, ValueError):
            return None
        if not isinstance(raw, dict) or raw.get("nbformat") != 4 or not isinstance(raw.get("cells"), list):
            return None
        try:
            record = read_record(raw, path)
        except ReproError:
            return None
        kernel = self._kernel_part(raw.get("metadata") or {})
        if kernel is None:
            return None
        kernel_part, kernel_versions, packages_known = kernel
        parts: dict[str, str] = {"notebook": digest(_canonical(_code_view(raw))), "kernel": kernel_part, **self._common}
        if record is not None and record.source == "sidecar":
            parts["record"] = self._hash(sidecar_path(path), None)
        base_dir = os.path.dirname(os.path.abspath(path))
        why_not: str | None = None
        if record is None:
            why_not = "no repro-nb record: what it depends on is unknown"
        else:
            parts.update(self._record_parts(record, base_dir, kernel_versions))
            unseeded = _unseeded_cells(record)
            if unseeded is not None:
                why_not = f"randomness without a seed ({unseeded})"
        if not packages_known and record is not None:
            why_not = why_not or "its kernel runs another Python whose packages cannot be read"
        if not any(isinstance(cell, dict) and cell.get("cell_type") == "code" for cell in raw["cells"]):
            why_not = None  # prose only: nothing to run, nothing it could depend on
        reusable = why_not is None or self.trust_unrecorded
        whole = digest(_canonical(sorted(parts.items())))
        return Fingerprint(whole, parts, reusable, None if reusable else why_not, raw)

    # -- parts --------------------------------------------------------------------

    def _record_parts(self, record: Record, base_dir: str, versions: Mapping[str, str] | None) -> dict[str, str]:
        parts: dict[str, str] = {}
        distributions: set[str] = set(record.notebook.get("packages", {}) or {})
        # every cell record, a sidecar's unmatched ones too: more parts only re-run more often
        for _, cell in sorted(record.cells.items()):
            for read in cell.get("reads", []):
                parts.setdefault(f"data:{read['path']}", self._data_hash(read, base_dir))
            for module in cell.get("local_modules", []):
                absolute = _resolve(module["path"], base_dir)
                parts.setdefault(f"module:{module['path']}", self._hash(absolute, module.get("hash")))
            for imported in cell.get("imports", []):
                if imported.get("distribution"):
                    distributions.add(str(imported["distribution"]))
            for variable in cell.get("env_vars", []):
                parts[f"env:{variable['name']}"] = "set" if variable["name"] in os.environ else "unset"
        for name in sorted(distributions):
            if versions is None:
                parts[f"package:{name}"] = "see kernel"
            else:
                parts[f"package:{name}"] = versions.get(_normalize(name), "")
        return parts

    def _data_hash(self, read: DataFileRecord, base_dir: str) -> str:
        absolute = _resolve(read["path"], base_dir)
        if read.get("kind") == "directory":
            hasher = self._hasher(_algorithm(read.get("hash")))
            result = hasher.hash_directory(absolute)
            return result.hash or result.status
        return self._hash(absolute, read.get("hash"))

    def _hash(self, absolute: str, recorded: str | None) -> str:
        """The file's content hash now, in the record's algorithm; its identity when too large."""
        hasher = self._hasher(_algorithm(recorded))
        found = hasher.hash_file(absolute)
        if found.hash:
            return found.hash
        if found.status == "too-large":
            try:
                st = os.stat(absolute)
            except OSError:
                return "missing"
            return f"stat:{st.st_size}:{st.st_mtime_ns}"
        return found.status

    def _hasher(self, algorithm: str) -> FileHasher:
        hasher = self._hashers.get(algorithm)
        if hasher is None:
            hasher = self._hashers[algorithm] = FileHasher(algorithm)
        return hasher

    def _kernel_part(self, metadata: Mapping[str, Any]) -> tuple[str, Mapping[str, str] | None, bool] | None:
        """The kernel the check will use, the versions installed where it runs, and
        whether they are known.

        For a kernel that runs another Python the versions are not read one by one: the
        kernel part holds a digest of all that Python's distributions instead.
        """
        from .kernels import choose_kernel

        kernels: Mapping[str, Any] = self.facts["kernels"]
        try:
            choice = choose_kernel(
                metadata,
                self.options.kernel_name,
                strict=self.options.strict_kernel,
                installed={name: spec["language"] for name, spec in kernels.items()},
            )
        except ReproError:
            return None
        spec = kernels[choice.used]
        versions: Mapping[str, str] | None = self.facts["versions"] if spec["own_python"] else None
        described = {"requested": choice.requested, "used": choice.used, **spec}
        return digest(_canonical(described)), versions, bool(spec["own_python"] or spec["packages"])


def _code_view(nb: Mapping[str, Any]) -> dict[str, Any]:
    """What of the notebook a verdict depends on: every cell's position, code cells whole."""
    cells = [
        cell if cell.get("cell_type") == "code" else {"cell_type": cell.get("cell_type")}
        for cell in nb.get("cells", [])
        if isinstance(cell, dict)
    ]
    return {
        "nbformat_minor": nb.get("nbformat_minor"),
        "metadata": nb.get("metadata"),
        "cells": cells,
    }


def _unseeded_cells(record: Record) -> str | None:
    """Where the record saw randomness without a seed ("cells 3, 5"), or ``None``."""
    unseeded = [index for index, cell in record.cells.items() if cell.get("unseeded_rng")]
    cells = sorted(index + 1 for index in unseeded if index >= 0)
    if cells:
        return ("cell " if len(cells) == 1 else "cells ") + ", ".join(map(str, cells))
    if unseeded or record.notebook.get("unseeded_rng"):
        return "in the session"
    return None


def _resolve(path: str, base_dir: str) -> str:
    return path if os.path.isabs(path) else os.path.join(base_dir, path)


def _algorithm(recorded: str | None) -> str:
    algorithm = (recorded or "").partition(":")[0]
    return algorithm if algorithm in available_algorithms() else _DIGEST


_NORMALIZE = re.compile(r"[-_.]+")


def _normalize(name: str) -> str:
    """PEP 503 name normalization: ``Scikit_Learn`` and ``scikit-learn`` are one distribution."""
    return _NORMALIZE.sub("-", name).lower()


def describe_options(options: CheckOptions) -> dict[str, Any]:
    """The check options as plain data: every value that can change a verdict.

    Masks are described by name and pattern; an entry-point normalizer by where its
    function lives (its package's version is in ``machine``'s installed versions only
    when a notebook imports it, so it is named here with the version installed now).
    """
    compare = options.compare
    normalizers = []
    for normalizer in compare.normalizers.normalizers:
        pattern = getattr(normalizer, "pattern", None)
        function = getattr(normalizer, "function", None)
        normalizers.append(
            {
                "name": getattr(normalizer, "name", None) or type(normalizer).__name__,
                "pattern": [getattr(pattern, "pattern", pattern), getattr(pattern, "flags", None)],
                "replacement": getattr(normalizer, "replacement", None),
                "function": f"{function.__module__}.{function.__qualname__}" if function is not None else None,
                "version": _module_version(function.__module__) if function is not None else None,
            }
        )
    return {
        "timeout": options.timeout,
        "startup_timeout": options.startup_timeout,
        "kernel_name": options.kernel_name,
        "stop_on_error": options.stop_on_error,
        "strict_kernel": options.strict_kernel,
        "tolerance": [compare.tolerance.rtol, compare.tolerance.atol],
        "image": [compare.image.pixel, compare.image.shift, compare.image.size, compare.image.min_changed],
        "skip_tags": sorted(compare.skip_tags),
        "normalizers": normalizers,
    }


def _module_version(module: str) -> str | None:
    from ..format.distributions import environment_index

    index = environment_index()
    names = index["top_level"].get(module.partition(".")[0], [])
    return ",".join(f"{name} {index['versions'].get(name, '')}" for name in names) or None


# ------------------------------------------------------------------ where checks run


def environment_facts() -> Facts:
    """What every fingerprint shares about the machine the checks run on, as plain data.

    Plain data so that it can be gathered on a Dask worker (``client.run``) and sent
    back. ``versions``: every installed distribution of this Python (normalized name →
    version), from the cached distribution index; ``kernels``: each installed kernelspec,
    its command line with this Python written as ``<python>`` (so that the same
    environment in another checkout has the same fingerprint) and, for a kernel that runs
    another Python, a digest of the distributions installed there.
    """
    from ..format.distributions import environment_index

    versions = {_normalize(name): version for name, version in environment_index()["versions"].items()}
    return {"machine": machine_facts(), "versions": versions, "kernels": _kernel_facts()}


def machine_facts() -> dict[str, Any]:
    """Python, OS and CPU, and the values of the variables that change results."""
    libc = " ".join(platform.libc_ver()).strip()
    return {
        "python": [platform.python_implementation(), platform.python_version(), platform.python_compiler()],
        "platform": [platform.system(), platform.release(), platform.machine(), libc],
        "cpu": [
            _cpu_model(),
            os.cpu_count(),
            len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        ],
        "env": {name: os.environ[name] for name in sorted(ALLOWED_ENV_VARS) if name in os.environ},
    }


def _cpu_model() -> str | None:
    """The first processor's model name on Linux (``platform.processor()`` elsewhere)."""
    if not sys.platform.startswith("linux"):
        return platform.processor() or None
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as cpuinfo:
            for line in cpuinfo:
                name, sep, value = line.partition(":")
                if sep and name.strip().lower() in ("model name", "cpu model", "hardware"):
                    return value.strip()
                if not line.strip():
                    break
    except OSError:
        pass
    return None


def _kernel_facts() -> dict[str, dict[str, Any]]:
    """:func:`_read_kernel_facts`, cached on disk while no kernelspec and no distribution changed.

    Asking jupyter_client costs a third of a second (it imports zmq, and IPython for the
    native kernel): as much as fingerprinting a hundred notebooks. The answer changes only
    when a ``kernel.json`` is added, removed or edited, or something is installed.
    """
    from ..format.distributions import cache_dir, environment_key

    key = digest(_canonical([environment_key(), _kernelspec_stats()]))
    cache_file = os.path.join(cache_dir(), f"kernels-{key.partition(':')[2][:24]}.json")
    try:
        with open(cache_file, encoding="utf-8") as handle:
            cached: dict[str, dict[str, Any]] = json.load(handle)
        return cached
    except (OSError, ValueError):
        pass
    found = _read_kernel_facts()
    try:
        from ..format.files import atomic_write_text

        os.makedirs(os.path.dirname(cache_file), exist_ok=True)
        atomic_write_text(cache_file, json.dumps(found))
    except (OSError, ReproError):
        pass  # a read-only home only costs time
    return found


def _kernelspec_stats() -> list[Any]:
    """Where Jupyter looks for kernelspecs, and what is there: each ``kernel.json`` and its mtime."""
    from jupyter_core.paths import jupyter_path

    variables = ("JUPYTER_PATH", "JUPYTER_DATA_DIR", "JUPYTER_PREFER_ENV_PATH", "JUPYTER_CONFIG_DIR")
    stats: list[Any] = [sys.prefix, sys.executable, [os.environ.get(name) for name in variables]]
    for directory in jupyter_path("kernels"):
        try:
            with os.scandir(directory) as entries:
                names = sorted(entry.name for entry in entries)
        except OSError:
            stats.append([directory, None])
            continue
        specs = []
        for name in names:
            try:
                specs.append([name, os.stat(os.path.join(directory, name, "kernel.json")).st_mtime_ns])
            except OSError:
                specs.append([name, None])
        stats.append([directory, specs])
    return stats


def _read_kernel_facts() -> dict[str, dict[str, Any]]:
    from jupyter_client.kernelspec import KernelSpecManager

    found: dict[str, dict[str, Any]] = {}
    for name, entry in sorted(KernelSpecManager().get_all_specs().items()):
        spec = entry.get("spec") or {}
        argv = [str(arg) for arg in spec.get("argv") or []]
        own = bool(argv) and _is_own_python(argv[0])
        found[name] = {
            "language": str(spec.get("language") or "").lower(),
            "argv": ["<python>", *argv[1:]] if own else argv,
            "env": sorted(spec.get("env") or {}),
            "interrupt_mode": spec.get("interrupt_mode"),
            "own_python": own,
            "packages": None if own or not argv else _foreign_packages(argv[0]),
        }
    return found


def _is_own_python(command: str) -> bool:
    """Whether a kernel command runs this Python (jupyter_client runs a bare ``python`` so)."""
    bare = {"python", f"python{sys.version_info[0]}", f"python{sys.version_info[0]}.{sys.version_info[1]}"}
    return command in bare or os.path.abspath(command) == os.path.abspath(sys.executable)


def _foreign_packages(command: str) -> str | None:
    """A digest of the distributions installed for another Python, read from its prefix.

    ``<prefix>/bin/python`` → ``<prefix>/lib/python*/site-packages/*.dist-info`` (and
    Windows' ``Lib/site-packages``): the names carry the versions. ``None`` when no such
    directory is found: that kernel's packages are unknown, and its notebooks are not
    reusable.
    """
    prefix = os.path.dirname(os.path.dirname(os.path.abspath(command)))
    patterns = ("lib/python*/site-packages", "lib64/python*/site-packages", "Lib/site-packages")
    names: list[str] = []
    found = False
    for pattern in patterns:
        for directory in glob.glob(os.path.join(prefix, pattern)):
            found = True
            names.extend(_dist_infos(directory))
    return digest(_canonical(sorted(names))) if found else None


def _dist_infos(directory: str) -> Iterable[str]:
    try:
        with os.scandir(directory) as entries:
            return [e.name for e in entries if e.name.endswith((".dist-info", ".egg-info"))]
    except OSError:
        return []
