"""Where the interpreter and installed packages live.

Both the file recorder (the interpreter's own files are not data) and the seed tracker
(a generator seeded inside a library is not the notebook's seed) need to tell installed
code from the user's. Computed once: ``sysconfig`` costs a few milliseconds.
"""

from __future__ import annotations

import functools
import os
import sys


@functools.cache
def library_dirs() -> frozenset[str]:
    """The stdlib, site-packages and prefix directories of this interpreter."""
    import sysconfig

    dirs = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    paths = sysconfig.get_paths()  # one expansion of the install scheme, not one per key
    dirs.update(paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib") if key in paths)
    dirs.update(p for p in sys.path if p.endswith(("site-packages", "dist-packages")))
    return frozenset(d for d in dirs if d)


def as_prefixes(dirs: frozenset[str] | set[str]) -> tuple[str, ...]:
    """Directories as ``str.startswith`` prefixes that cannot match a sibling (``/a/b`` vs ``/a/bc``)."""
    return tuple(sorted(d.rstrip(os.sep) + os.sep for d in dirs))
