"""Run a callback right after a module is first imported (a post-import hook).

The recorder needs two things at the moment NumPy, PyTorch or TensorFlow finishes
importing, not at the end of the cell that imported it: the RNG's fresh-state
fingerprint (so a draw in that same cell is seen), and applying a seed that
``%repro_seed`` promised to every RNG before the library was loaded.

A finder at the front of ``sys.meta_path`` asks the other finders for the spec and wraps
its loader; the wrapper delegates everything to the real loader and calls back after
``exec_module``. Removed on unload.

One finder serves every part of the recorder (:meth:`PostImportHook.watch` adds names
with their own callback): each finder in ``sys.meta_path`` is asked about every module
imported, so a second one would cost every import of the session, not just the watched.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

Callback = Callable[[str, ModuleType], None]


class _CallbackLoader(importlib.abc.Loader):
    def __init__(self, loader: Any, callback: Callback) -> None:
        self._loader = loader
        self._callback = callback

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        create = getattr(self._loader, "create_module", None)
        return create(spec) if create else None

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        # Leave the module as if we had never been there.
        if module.__spec__ is not None:
            module.__spec__.loader = self._loader
        module.__loader__ = self._loader
        with contextlib.suppress(Exception):  # never break an import because of the recorder
            self._callback(module.__name__, module)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)


class PostImportHook(importlib.abc.MetaPathFinder):
    def __init__(self, names: Sequence[str], callback: Callback) -> None:
        self.names = set(names)
        self._callback = callback
        self._callbacks: dict[str, Callback] = {}
        self._busy: set[str] = set()

    def watch(self, names: Sequence[str], callback: Callback) -> list[str]:
        """Call ``callback`` after the first import of each of ``names``; return those imported already."""
        done = [name for name in names if name in sys.modules]
        for name in names:
            if name not in sys.modules:
                self.names.add(name)
                self._callbacks[name] = callback
        return done

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname not in self.names or fullname in self._busy:
            return None
        self._busy.add(fullname)
        try:
            spec = importlib.util.find_spec(fullname)
        except (ImportError, ValueError):
            return None
        finally:
            self._busy.discard(fullname)
        if spec is None or spec.loader is None:
            return None
        self.names.discard(fullname)  # first import only
        spec.loader = _CallbackLoader(spec.loader, self._callbacks.pop(fullname, self._callback))
        return spec

    def install(self) -> None:
        if self not in sys.meta_path:
            sys.meta_path.insert(0, self)

    def uninstall(self) -> None:
        while self in sys.meta_path:
            sys.meta_path.remove(self)
