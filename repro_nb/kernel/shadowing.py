"""Files beside the notebook named like modules repro-nb or the standard library needs.

A kernel runs in the notebook's folder, and that folder comes first on its ``sys.path``.
A ``repro_nb.py`` there is what ``%load_ext repro_nb`` loads; a ``blake3.py`` is what the
recorder's hashing imports; a ``wave.py`` is what ``import wave`` gets. Nothing says so,
and the results are wrong in ways that look like anything but a name clash. So:

- :func:`find_shadows` lists such files (one directory scan, at ``%load_ext``), and the
  extension warns about each on stderr and in the record (kind ``shadowed-module``).
  A standard-library module already imported from where it belongs is left out: the
  file cannot shadow it any more in this kernel;
- the checker's engine imports the recorder with the folder taken off ``sys.path``, and
  the modules the recorder imports lazily (:data:`LAZY_RECORDER_MODULES`) too when a file
  shadows them (:func:`preload_recorder_modules`), so a check records with repro-nb's
  own code whatever lies beside the notebook.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import os
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from ..format.record_types import RecordWarning

__all__ = ["LAZY_RECORDER_MODULES", "RECORDER_MODULES", "Shadow", "find_shadows", "preload_recorder_modules"]

#: Top-level modules the recorder runs on in the kernel (repro-nb itself among them).
RECORDER_MODULES = frozenset(
    {"repro_nb", "IPython", "ipykernel", "traitlets", "comm", "jupyter_core", "blake3", "xxhash", "threadpoolctl"}
)
#: Those the recorder imports only when first needed (a file to hash, the BLAS report).
LAZY_RECORDER_MODULES = ("blake3", "xxhash", "threadpoolctl")

_EXTENSION_SUFFIXES = tuple(sorted(importlib.machinery.EXTENSION_SUFFIXES, key=len, reverse=True))


class Shadow(NamedTuple):
    """A file in the notebook's folder that imports in place of a module repro-nb relies on."""

    file: str
    """Its name in the folder (``blake3.py``, ``wave/``)."""
    module: str
    stdlib: bool

    def message(self) -> str:
        if self.stdlib:
            return (
                f"{self.file} in the notebook's folder shadows the standard-library module {self.module}: "
                f"`import {self.module}` in this kernel gets that file; rename it"
            )
        return (
            f"{self.file} in the notebook's folder has the name of the module {self.module} repro-nb needs: "
            "a kernel started in this folder imports that file instead; rename it"
        )

    def to_warning(self) -> RecordWarning:
        return {"kind": "shadowed-module", "path": self.file, "message": self.message()}


def _module_name(entry: os.DirEntry[str]) -> tuple[str, str] | None:
    """(module name, shown file name) for a directory entry Python could import, else ``None``."""
    name = entry.name
    try:
        if entry.is_dir():
            if os.path.exists(os.path.join(entry.path, "__init__.py")):
                return name, name + "/"
            return None
    except OSError:
        return None
    if name.endswith(".py"):
        return name[:-3], name
    for suffix in _EXTENSION_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)], name
    return None


def find_shadows(folder: str) -> list[Shadow]:
    """The files in ``folder`` that shadow a module repro-nb or the standard library needs."""
    stdlib: frozenset[str] = getattr(sys, "stdlib_module_names", frozenset())
    found: list[Shadow] = []
    try:
        with os.scandir(folder) as entries:
            named = sorted(n for n in (_module_name(e) for e in entries) if n is not None)
    except OSError:
        return []
    real_folder = os.path.realpath(folder)
    for module, file in named:
        if module in RECORDER_MODULES:
            found.append(Shadow(file, module, stdlib=False))
        elif module in stdlib and not _imported_elsewhere(module, real_folder):
            found.append(Shadow(file, module, stdlib=True))
    return found


def _imported_elsewhere(module: str, real_folder: str) -> bool:
    """Whether ``module`` is already loaded, and not from ``real_folder``: the file cannot shadow it now."""
    loaded = sys.modules.get(module)
    if loaded is None:
        return False
    origin = getattr(loaded, "__file__", None)
    if not isinstance(origin, str):
        return True  # built in, frozen
    return not os.path.realpath(origin).startswith(real_folder.rstrip(os.sep) + os.sep)


def preload_recorder_modules(folders: Iterable[str]) -> None:
    """Import the recorder's lazy modules now (the caller took ``folders`` off ``sys.path``) when a file there shadows them."""
    shadowed = {s.module for folder in set(folders) for s in find_shadows(folder) if not s.stdlib}
    for module in LAZY_RECORDER_MODULES:
        if module in shadowed and module not in sys.modules:
            try:
                importlib.import_module(module)
            except ImportError:
                pass
