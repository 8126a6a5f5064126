"""Which notebooks a check covers: files and directories expanded, ``skip`` globs applied."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Sequence


def is_skipped(path: str, skip: Sequence[str], base_dir: str | None = None) -> bool:
    """Whether a ``skip`` glob matches ``path``: as given, relative to ``base_dir`` (the
    directory of the ``pyproject.toml`` the globs come from), absolute, or by file name.

    So ``skip = ["notebooks/scratch/*"]`` means the same from the CLI run anywhere in
    the project and from the pytest plugin, which sees absolute paths.
    """
    if not skip:
        return False
    absolute = os.path.abspath(path)
    candidates = {path, absolute, os.path.basename(path)}
    if base_dir:
        relative = os.path.relpath(absolute, os.path.abspath(base_dir))
        if not relative.startswith(os.pardir):
            candidates.add(relative)
    return any(fnmatch.fnmatch(candidate, glob) for candidate in candidates for glob in skip)


def collect_notebooks(targets: Iterable[str], skip: Sequence[str] = (), base_dir: str | None = None) -> list[str]:
    """Expand files and directories into notebook paths (sorted, checkpoints left out)."""
    found: list[str] = []
    for target in targets:
        if os.path.isdir(target):
            for root, dirs, files in os.walk(target):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in ("node_modules", "__pycache__"))
                found.extend(os.path.join(root, f) for f in sorted(files) if f.endswith(".ipynb"))
        else:
            found.append(target)
    # once each, in the order given: `check nbs/ nbs/a.ipynb` must not check a.ipynb twice
    seen: set[str] = set()
    unique = []
    for path in found:
        if os.path.realpath(path) not in seen:
            seen.add(os.path.realpath(path))
            unique.append(path)
    return [p for p in unique if not is_skipped(p, skip, base_dir)]
