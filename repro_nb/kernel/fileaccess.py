"""Which files a cell opened, seen through an audit hook and a few reader wrappers.

``sys.addaudithook`` sees ``open`` and ``os.open`` (so also NumPy, pandas' CSV reader,
pickle, json, sqlite3), but not readers that open files in C++ (pyarrow/parquet, h5py):
those entry points are wrapped when their module is first seen.

Audit hooks cannot be removed. So there is exactly one hook per process, switched on and
off around each cell; it never raises and never does I/O: it appends the raw event to a
list, and all the work (resolving, filtering, stat, hashing) happens after the cell. The
hook is written in C (``_audit.c``, compiled when the package is built) and in Python
(the fallback): it runs for every audited event of the process, and the C one costs
about a tenth.
"""

from __future__ import annotations

import contextlib
import fnmatch
import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

from . import privacy
from .locations import as_prefixes, library_dirs
from .patches import Patches
from .postimport import PostImportHook

READ = "r"
WRITE = "w"

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC


class FileAccess(NamedTuple):
    """One file a cell touched: absolute path (str, may carry surrogate escapes) and how.

    ``gone`` says the cell itself removed the file or renamed it away after opening it
    (a temporary file, an atomic write's scratch file, a file deleted after reading).
    """

    path: str
    read: bool
    write: bool
    gone: bool = False


class _Sink:
    """The state the audit hook writes to; a module singleton because the hook is."""

    __slots__ = ("enabled", "events", "native")

    def __init__(self) -> None:
        self.enabled = False
        self.events: list[tuple[Any, ...]] = []
        #: ``repro_nb._audit`` when its C hook is the one installed
        self.native: Any = None

    def switch(self, on: bool) -> None:
        """Start or stop keeping events, into the current ``events`` list."""
        self.enabled = on
        if self.native is not None:
            self.native.record_into(self.events if on else None)


_SINK = _Sink()
_HOOK_INSTALLED = False


#: Audited events the recorder keeps: opens, plus removals and renames so that a file
#: written to a scratch name and renamed into place is recorded under its final name.
#: (``_audit.c`` keeps the same four.)
_EVENTS = frozenset({"open", "sqlite3.connect", "os.remove", "os.rename"})


def _audit_hook(event: str, args: tuple[Any, ...], _events: frozenset[str] = _EVENTS, _sink: _Sink = _SINK) -> None:
    # The fallback when the C hook (repro_nb/_audit.c) was not built. Hot path: runs
    # for every audited event in the process, recording or not (about 12 000 of them
    # while NumPy and pandas import, mostly ``builtins.id``). Keep it to a set lookup,
    # a flag test and an append, on locals (the defaults), not globals; anything that
    # can raise is out of place here.
    if event in _events and _sink.enabled:
        _sink.events.append((event, args, None))


def _native_hook() -> Any:
    """The compiled hook module, or ``None`` (not built, or ``REPRO_NB_PYTHON_AUDIT_HOOK`` set)."""
    if os.environ.get("REPRO_NB_PYTHON_AUDIT_HOOK"):
        return None
    try:
        from . import _audit  # type: ignore[attr-defined]
    except ImportError:
        return None
    return _audit


def _ensure_hook() -> None:
    """Install the one audit hook of the process: the C one if built, else the Python one."""
    global _HOOK_INSTALLED
    if _HOOK_INSTALLED:
        return
    native = _native_hook()
    if native is not None:
        native.install()
        _SINK.native = native
    else:
        sys.addaudithook(_audit_hook)
    _HOOK_INSTALLED = True


def hook_kind() -> str:
    """Which audit hook records file access in this process: ``"c"``, ``"python"`` or ``"none"`` yet."""
    if not _HOOK_INSTALLED:
        return "none"
    return "c" if _SINK.native is not None else "python"


def note_access(path: Any, mode: str) -> None:
    """Record an access seen by a wrapper (pyarrow, h5py) as if the hook had seen it."""
    if _SINK.enabled:
        _SINK.events.append(("open", (path, mode, 0), None))


class AccessMonitor:
    """Start/stop collecting around a cell and turn raw events into :class:`FileAccess`."""

    def __init__(self) -> None:
        _ensure_hook()
        self._wrappers = _ReaderWrappers()
        # Wrap a reader the moment its module is imported, so that a cell importing
        # pandas and calling read_parquet is seen (pandas imports pyarrow.parquet lazily).
        self._import_hook = PostImportHook(
            [name for name in _ReaderWrappers.MODULES if name not in sys.modules],
            lambda _name, _module: self._wrappers.install(),
        )
        self._import_hook.install()

    def start(self) -> None:
        _SINK.events = []
        _SINK.switch(True)

    def stop(self) -> list[tuple[Any, ...]]:
        _SINK.switch(False)
        events = _SINK.events
        _SINK.events = []
        return events

    def install_wrappers(self) -> None:
        self._wrappers.install()

    @contextmanager
    def paused(self) -> Iterator[None]:
        """The recorder's own file I/O inside a cell (``%repro_data``, ``%repro_save``) is not the cell's."""
        was_enabled = _SINK.enabled
        _SINK.switch(False)
        try:
            yield
        finally:
            _SINK.switch(was_enabled)

    def close(self) -> None:
        _SINK.switch(False)
        _SINK.events = []
        self._import_hook.uninstall()
        self._wrappers.uninstall()

    @staticmethod
    def resolve(events: Iterable[tuple[Any, ...]], cwd: str, ignore: PathFilter) -> list[FileAccess]:
        """Merge a cell's raw events into one :class:`FileAccess` per file, in first-seen order."""
        merged: dict[str, list[bool]] = {}  # path -> [read, write, gone]
        skip = ignore.prefixes
        for event, args, _ in events:
            args = tuple(args)
            first = args[0] if args else None
            if type(first) is str and first.startswith(skip) and _is_normal(first):
                # Already absolute and normal, under an ignored location: the bulk of a
                # cell that imports a library (each module's .py/.pyc), so decided here
                # without normalising.
                continue
            if event == "os.remove":  # (path, dir_fd)
                path = _event_path(args[0] if args else None, cwd, args[1] if len(args) > 1 else None)
                if path is not None and path in merged:
                    merged[path][2] = True
                continue
            if event == "os.rename":  # (src, dst, src_dir_fd, dst_dir_fd); also os.replace
                src = _event_path(args[0] if args else None, cwd, args[2] if len(args) > 2 else None)
                if src is None or src not in merged:
                    continue
                merged[src][2] = True
                dst = _event_path(args[1] if len(args) > 1 else None, cwd, args[3] if len(args) > 3 else None)
                if merged[src][1] and dst is not None and not ignore.ignored(dst):
                    moved = merged.setdefault(dst, [False, False, False])
                    moved[1] = True
                    moved[2] = False
                continue
            if event == "open":
                raw_path, mode, flags = ((*args, None, None, None))[:3]
                read, write = _access_kind(mode, flags)
            else:  # sqlite3.connect(database)
                raw_path = args[0] if args else None
                read, write = True, True
            if isinstance(raw_path, str) and (raw_path == ":memory:" or raw_path.startswith("file:")):
                continue
            path = _event_path(raw_path, cwd)
            if path is None or ignore.ignored(path):
                continue
            flags_seen = merged.setdefault(path, [False, False, False])
            flags_seen[0] |= read
            flags_seen[1] |= write
            flags_seen[2] = False  # opened again after a removal: it exists again
        return [FileAccess(p, r, w, g) for p, (r, w, g) in merged.items()]


def _is_normal(path: str) -> bool:
    """Whether an absolute path has no ``.``, ``..`` or empty segment (``os.path.normpath`` would keep it)."""
    return "/./" not in path and "/../" not in path and "//" not in path and not path.endswith(("/.", "/.."))


def _event_path(raw_path: Any, cwd: str, dir_fd: Any = None) -> str | None:
    """An audit event's path argument as a normalised absolute str, or ``None``.

    File descriptors and paths relative to a directory descriptor are left out: the open
    that made them was seen already, or resolving them would need I/O.
    """
    if raw_path is None or isinstance(raw_path, int) or dir_fd not in (None, -1):  # audit passes -1 for "none"
        return None
    try:
        text = os.fsdecode(raw_path)
    except (TypeError, ValueError):
        return None
    if not text:
        return None
    return os.path.normpath(os.path.join(cwd, text))


def _access_kind(mode: Any, flags: Any) -> tuple[bool, bool]:
    if isinstance(mode, str):
        write = any(c in mode for c in "wax+")
        read = "r" in mode or "+" in mode
        return read, write
    if isinstance(flags, int):
        if flags & os.O_RDWR:
            return True, True
        if flags & _WRITE_FLAGS:
            return False, True
    return True, False


class PathFilter:
    """Leaves out the interpreter's own files, caches, the kernel's files and user globs."""

    def __init__(
        self, extra_globs: Iterable[str] = (), exclude_files: Iterable[str] = (), never_record: Iterable[str] = ()
    ) -> None:
        #: credential locations: never recorded, whatever else is configured
        self.credentials = privacy.CredentialFilter(never_record)
        prefixes = set(library_dirs())
        home = os.path.expanduser("~")
        for sub in (
            ".ipython",
            ".jupyter",
            ".cache",
            ".config",
            ".local/share/jupyter",
            ".matplotlib",
            ".keras",
            ".nv",
            ".triton",
        ):
            prefixes.add(os.path.join(home, sub))
        for env_dir in (
            "IPYTHONDIR",
            "JUPYTER_RUNTIME_DIR",
            "JUPYTER_DATA_DIR",
            "JUPYTER_CONFIG_DIR",
            "MPLCONFIGDIR",
            "XDG_CACHE_HOME",
            "XDG_CONFIG_HOME",
        ):
            value = os.environ.get(env_dir)
            if value:
                prefixes.add(os.path.abspath(value))
        with contextlib.suppress(Exception):  # jupyter_core is optional for a plain IPython
            from jupyter_core.paths import jupyter_runtime_dir

            prefixes.add(jupyter_runtime_dir())
        # ipykernel writes each cell's code to <tmp>/ipykernel_<pid>/<hash>.py and reads it
        # back to render tracebacks: the kernel's own files, not data.
        import tempfile

        prefixes.add(os.path.join(tempfile.gettempdir(), f"ipykernel_{os.getpid()}"))
        prefixes.update(("/proc", "/sys", "/dev", "/etc", "/usr/share/zoneinfo", "/usr/lib", "/lib"))
        if sys.pycache_prefix:  # PYTHONPYCACHEPREFIX: byte code kept outside __pycache__
            prefixes.add(os.path.abspath(sys.pycache_prefix))
        #: absolute, normalised directories (each ending in a separator) never recorded
        self.prefixes: tuple[str, ...] = as_prefixes({p for p in prefixes if p})
        self._exact = {os.path.normpath(p) for p in exclude_files}
        self._globs = tuple(extra_globs)

    def exclude(self, path: str) -> None:
        self._exact.add(os.path.normpath(path))

    def ignored(self, path: str) -> bool:
        """Whether a file a cell opened is the kernel's own business, not the notebook's data."""
        if path in self._exact or path.startswith(self.prefixes):
            return True
        return self.ignored_in_tree(path)

    def never_recorded(self, path: str) -> bool:
        """Whether ``path`` is a credential location (the deny-list plus ``ReproNB.never_record``)."""
        return self.credentials.denied(path)

    def ignored_in_tree(self, path: str) -> bool:
        """Whether to leave an entry of a pinned directory out of its manifest.

        Only caches, checkpoints, sidecars and the user's globs: the location prefixes do
        not apply, since whoever pins ``/dev/shm/frames`` or ``/etc/myapp`` means it.
        """
        name = os.path.basename(path)
        if (
            name in ("__pycache__", ".ipynb_checkpoints")
            or "/__pycache__/" in path
            or "/.ipynb_checkpoints/" in path
            or name.endswith((".pyc", ".repro.json", ".so"))
        ):
            return True
        if self.credentials.denied(path):
            return True
        return any(fnmatch.fnmatch(path, g) or fnmatch.fnmatch(name, g) for g in self._globs)


def display_path(path: str, base_dir: str) -> str:
    """How a path is recorded: never absolute, never naming the user (:func:`.privacy.display_path`)."""
    return privacy.display_path(path, base_dir)


class _ReaderWrappers:
    """Wrap readers that open files below the audit hook's view (pyarrow, h5py)."""

    MODULES = ("pyarrow", "pyarrow.parquet", "pyarrow.feather", "h5py")

    def __init__(self) -> None:
        self._patches = Patches()
        self._done: set[str] = set()

    def install(self) -> None:
        modules = sys.modules
        if "pyarrow" in modules and "pyarrow" not in self._done:
            # pandas ≥ 3 writes parquet through pyarrow.OSFile, opened in C++
            pa = modules["pyarrow"]
            self._wrap_native_file(pa)
            self._wrap(pa, "memory_map", READ)
            self._done.add("pyarrow")
        if "pyarrow.parquet" in modules and "pyarrow.parquet" not in self._done:
            pq = modules["pyarrow.parquet"]
            self._wrap(pq, "read_table", READ)
            self._wrap(pq, "write_table", WRITE, path_arg=1)
            self._wrap(pq, "ParquetFile", READ, is_class=True)
            self._done.add("pyarrow.parquet")
        if "pyarrow.feather" in modules and "pyarrow.feather" not in self._done:
            feather = modules["pyarrow.feather"]
            self._wrap(feather, "read_table", READ)
            self._wrap(feather, "read_feather", READ)
            self._wrap(feather, "write_feather", WRITE, path_arg=1)
            self._done.add("pyarrow.feather")
        if "h5py" in modules and "h5py" not in self._done:
            h5py = modules["h5py"]
            self._wrap_h5py(h5py)
            self._done.add("h5py")

    def uninstall(self) -> None:
        self._patches.restore()
        self._done.clear()

    def _wrap(self, module: Any, attr: str, mode: str, path_arg: int = 0, is_class: bool = False) -> None:
        original = getattr(module, attr, None)
        if original is None or getattr(original, "__repro_nb_wrapped__", None) is not None:
            return
        if is_class:
            init = original.__init__

            def __init__(obj: Any, *args: Any, **kwargs: Any) -> None:
                _note_arg(args, kwargs, 0, ("source", "path", "where"), mode)
                init(obj, *args, **kwargs)

            __init__.__repro_nb_wrapped__ = init  # type: ignore[attr-defined]
            self._patches.replace(original, "__init__", __init__)
            return

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            _note_arg(args, kwargs, path_arg, ("source", "path", "where", "dest"), mode)
            return original(*args, **kwargs)

        wrapper.__name__ = getattr(original, "__name__", attr)
        wrapper.__doc__ = getattr(original, "__doc__", None)
        wrapper.__wrapped__ = original  # type: ignore[attr-defined]
        wrapper.__repro_nb_wrapped__ = original  # type: ignore[attr-defined]
        self._patches.replace(module, attr, wrapper)

    def _wrap_native_file(self, pa: Any) -> None:
        """Replace ``pyarrow.OSFile`` by a subclass that notes its path.

        A subclass rather than a function, so ``isinstance(f, pa.OSFile)`` still holds
        for the files it makes; the C++ side does all the work in ``__cinit__``.
        """
        original = getattr(pa, "OSFile", None)
        if not isinstance(original, type) or getattr(original, "__repro_nb_wrapped__", None) is not None:
            return
        calls_init = vars(original).get("__init__") is not None or any(
            "__init__" in vars(base) for base in original.__mro__[1:-1]
        )
        try:

            class OSFile(original):  # type: ignore[misc, valid-type]
                __repro_nb_wrapped__ = original

                def __init__(self, path: Any, mode: str = "r", *args: Any, **kwargs: Any) -> None:
                    if isinstance(path, (str, bytes, os.PathLike)):
                        note_access(os.fspath(path), mode)
                    if calls_init:
                        super().__init__(path, mode, *args, **kwargs)
        except TypeError:  # a final extension type: leave it alone
            return
        for attr in ("__name__", "__qualname__", "__module__", "__doc__"):
            try:
                setattr(OSFile, attr, getattr(original, attr))
            except (AttributeError, TypeError):
                pass
        self._patches.replace(pa, "OSFile", OSFile)

    def _wrap_h5py(self, h5py: Any) -> None:
        file_class = getattr(h5py, "File", None)
        if file_class is None:
            return
        init = file_class.__init__
        if getattr(init, "__repro_nb_wrapped__", None) is not None:
            return

        def __init__(obj: Any, name: Any, mode: str = "r", *args: Any, **kwargs: Any) -> None:
            if isinstance(name, (str, bytes, os.PathLike)):
                note_access(os.fspath(name), _H5PY_MODES.get(mode, "r+"))
            init(obj, name, mode, *args, **kwargs)

        __init__.__repro_nb_wrapped__ = init  # type: ignore[attr-defined]
        self._patches.replace(file_class, "__init__", __init__)


#: h5py's file modes as the ``open`` modes that mean the same reads and writes.
_H5PY_MODES = {"r": "r", "r+": "r+", "w": "w", "w-": "x", "x": "x", "a": "a+"}


def _note_arg(args: tuple[Any, ...], kwargs: dict[str, Any], index: int, names: tuple[str, ...], mode: str) -> None:
    target = args[index] if len(args) > index else next((kwargs[n] for n in names if n in kwargs), None)
    if isinstance(target, (str, bytes, Path, os.PathLike)):
        note_access(os.fspath(target), mode)
