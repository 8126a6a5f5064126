"""``repro-nb check --cache``: no re-run of a notebook that cannot have a new verdict.

A notebook whose fingerprint (:mod:`.fingerprint`: code and stored outputs, recorded
data files and local modules hashed now, installed versions of what it imports, kernel,
machine, options) is the one stored with its last verified result gets that result back,
marked ``cached`` with the time it was verified; anything else is re-run and its new
result stored.

The cache is a directory of one file per notebook (:mod:`repro_nb.format.cache_entry`:
versioned, validated, written atomically), so it can be restored from a CI cache and
written by jobs that run at the same time — the last writer of an entry wins, and every
entry is whole. An entry that cannot be read or does not validate is reported and
ignored; the notebook is re-run and the entry replaced.

Not every result is stored. Only what a re-run would give again is worth keeping: a
notebook that reproduced, or drifted for reasons that stay (a changed data file, an
edited cell, another package version). A failure, or drift from randomness, the network,
the machine's resources or an unknown cause, is re-run every time, and so is a notebook
whose fingerprint cannot hold all it depends on (no record, unseeded randomness) unless
the user trusts those (``--cache-trust-unrecorded``).
"""

from __future__ import annotations

import copy
import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .._version import __version__
from ..errors import CacheError, NotebookWriteError
from ..format.cache_entry import CACHE_SCHEMA_VERSION, CacheEntry, read_entry, write_entry
from ..format.check_types import CauseCategory, NotebookResultJson
from ..format.report import REPORT_SCHEMA_VERSION, TOOL_NAME, plain
from .fingerprint import Fingerprint, Fingerprinter, changed_parts
from .results import NotebookResult

__all__ = ["DEFAULT_CACHE_DIR", "CheckCache", "Lookup", "storable"]

DEFAULT_CACHE_DIR = ".repro-nb-cache"

#: Causes of drift that a re-run need not give again: their results are not stored.
VOLATILE_CATEGORIES: frozenset[CauseCategory] = frozenset(
    {"randomness", "network", "resources", "kernel-died", "unknown", "consequence"}
)


@dataclass
class Lookup:
    """What the cache knows of one notebook before it is checked."""

    path: str
    fingerprint: Fingerprint | None
    result: NotebookResult | None = None
    """The stored result, when it may stand for a re-run (a hit)."""
    reason: str = ""
    """Why the notebook is re-run (a miss), for the progress lines."""

    @property
    def hit(self) -> bool:
        return self.result is not None


def storable(result: NotebookResult) -> bool:
    """Whether a re-run would give this result again, so that it is worth keeping."""
    if result.verdict not in ("reproduced", "drifted") or result.run_status not in ("ok", None):
        return False
    if result.cached is not None or result.restored_environment is not None or result.attribution is not None:
        return False
    return not any(cause.category in VOLATILE_CATEGORIES for cell in result.cells for cause in cell.causes)


class CheckCache:
    """A cache directory, and the fingerprints of one check run's notebooks.

    ``project_dir`` is what entry names are relative to (the directory of the
    ``pyproject.toml`` the settings came from, else the working directory), so that
    two checkouts of one project at different paths share entries.
    """

    def __init__(
        self,
        directory: str,
        fingerprinter: Fingerprinter,
        *,
        project_dir: str | None = None,
        on_note: Callable[[str], None] | None = None,
    ) -> None:
        self.directory = directory
        self.fingerprinter = fingerprinter
        self.project_dir = os.path.realpath(project_dir or os.getcwd())
        self._note = on_note or (lambda text: None)
        self._writable = True

    # -- where ------------------------------------------------------------------

    def key(self, path: str) -> str:
        """The notebook's name in the cache: relative to the project, POSIX separators."""
        real = os.path.realpath(path)
        relative = os.path.relpath(real, self.project_dir)
        if relative.startswith(os.pardir):
            return real.replace(os.sep, "/")
        return relative.replace(os.sep, "/")

    def entry_path(self, path: str) -> str:
        name = hashlib.sha256(self.key(path).encode("utf-8", "surrogateescape")).hexdigest()[:32]
        return os.path.join(self.directory, f"{name}.json")

    # -- reading ----------------------------------------------------------------

    def lookup(self, path: str) -> Lookup:
        """The stored result of ``path`` if nothing it depends on changed, else why not."""
        start = time.perf_counter()
        fingerprint = self.fingerprinter.fingerprint(path)
        if fingerprint is None:
            return Lookup(path, None, reason="cannot be fingerprinted")
        if not fingerprint.reusable:
            return Lookup(path, fingerprint, reason=f"always re-run: {fingerprint.why_not}")
        entry_path = self.entry_path(path)
        try:
            entry = read_entry(entry_path)
        except CacheError as exc:
            self._note(f"cache: ignoring an unusable entry for {path}: {exc}")
            return Lookup(path, fingerprint, reason="its cache entry was unusable")
        if entry is None:
            return Lookup(path, fingerprint, reason="not in the cache")
        if entry["fingerprint"] != fingerprint.digest:
            changes = changed_parts(entry["parts"], fingerprint.parts)
            return Lookup(path, fingerprint, reason="; ".join(changes) or "fingerprint changed")
        result = self._revive(entry, path, fingerprint)
        result.duration_s = time.perf_counter() - start
        return Lookup(path, fingerprint, result)

    def _revive(self, entry: CacheEntry, path: str, fingerprint: Fingerprint) -> NotebookResult:
        from .revive import result_from_json

        result = result_from_json(entry["result"])
        result.path = path
        result.cached = {
            "verified_at": entry["verified_at"],
            "fingerprint": entry["fingerprint"],
            "duration_s": entry["duration_s"],
        }
        if result.drifted_cells:
            # the HTML report shows the drifted cells' sources and pictures
            import nbformat

            result.stored = nbformat.from_dict(copy.deepcopy(dict(fingerprint.notebook)))
            if entry.get("executed"):
                result.executed = nbformat.from_dict(entry["executed"])
        return result

    # -- writing ----------------------------------------------------------------

    def store(self, lookup: Lookup, result: NotebookResult) -> bool:
        """Keep ``result`` for the fingerprint taken before it ran; whether it was kept.

        The fingerprint is the one of the inputs the run started from: a notebook that
        rewrites its own inputs gets a new fingerprint next time, and is re-run then.
        """
        fingerprint = lookup.fingerprint
        if fingerprint is None or not fingerprint.reusable or not storable(result) or not self._writable:
            return False
        entry: CacheEntry = {
            "schema_version": CACHE_SCHEMA_VERSION,
            "tool": {"name": TOOL_NAME, "version": __version__},
            "notebook": self.key(result.path),
            "fingerprint": fingerprint.digest,
            "parts": dict(fingerprint.parts),
            "verified_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "duration_s": round(max(result.duration_s, 0.0), 3),
            "report_schema_version": REPORT_SCHEMA_VERSION,
            "result": _plain_result(result),
            "executed": _drifted_outputs(result),
        }
        try:
            self._prepare()
            write_entry(self.entry_path(result.path), entry)
        except CacheError as exc:
            self._note(f"cache: cannot store the result of {result.path}: {exc}")
            return False
        except (OSError, NotebookWriteError) as exc:
            self._writable = False
            self._note(f"cache: {self.directory} is not writable ({exc}); results are not kept")
            return False
        except Exception as exc:  # noqa: BLE001 - a result we cannot keep is re-run next time, no more
            self._note(f"cache: cannot store the result of {result.path}: {exc}")
            return False
        return True

    def _prepare(self) -> None:
        """Create the directory, marked as a cache (for git and for backup tools)."""
        if os.path.isdir(self.directory):
            return
        os.makedirs(self.directory, exist_ok=True)
        from ..format.files import atomic_write_text

        atomic_write_text(os.path.join(self.directory, ".gitignore"), "# created by repro-nb check --cache\n*\n")
        atomic_write_text(
            os.path.join(self.directory, "CACHEDIR.TAG"),
            "Signature: 8a477f597d28d172789f06886806bc55\n# repro-nb check results; see docs/scale.md\n",
        )


def _plain_result(result: NotebookResult) -> NotebookResultJson:
    document: NotebookResultJson = plain(result.to_json())
    return document


def _drifted_outputs(result: NotebookResult) -> dict[str, Any] | None:
    """The re-run notebook with only the drifted and failed cells' outputs: the HTML's pictures."""
    if result.executed is None or not result.drifted_cells:
        return None
    keep = {cell.actual_index for cell in result.drifted_cells if cell.actual_index is not None}
    executed: dict[str, Any] = plain(result.executed)
    for index, cell in enumerate(executed.get("cells", [])):
        if index not in keep and "outputs" in cell:
            cell["outputs"] = []
    return executed


def summarize(total: int, misses: list[Lookup]) -> list[str]:
    """Lines for people after a ``--cache`` run: how many came from the cache, why the rest ran."""
    lines = [f"cache: {total - len(misses)} of {total} result(s) from the cache, {len(misses)} re-run"]
    always = [m for m in misses if m.reason.startswith("always re-run")]
    if always:
        names = ", ".join(os.path.basename(m.path) for m in always[:5]) + (", …" if len(always) > 5 else "")
        lines.append(
            f"cache: {len(always)} always re-run, having no record or randomness without a seed ({names}); "
            "--cache-trust-unrecorded reuses them"
        )
    changed = [m for m in misses if m not in always and m.reason not in ("not in the cache", "cannot be fingerprinted")]
    for miss in changed[:20]:
        lines.append(f"cache: re-ran {miss.path}: {miss.reason}")
    if len(changed) > 20:
        lines.append(f"cache: … and {len(changed) - 20} more")
    return lines
