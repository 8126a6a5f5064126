"""Content hashes of data files and directories, cached by file identity.

repro-nb records, for every data file a notebook read or wrote, a content hash, and
re-checks those hashes whenever a cell runs and whenever a notebook is re-executed.
That puts hashing on the hot path of interactive work, so this module is built around
two promises:

* **An unchanged file is never read twice.**  Digests are cached by the file's
  identity ``(st_dev, st_ino, st_size, st_mtime_ns, st_ctime_ns)``; a re-check of an
  unchanged file of any size costs one ``stat`` call.
* **A first hash runs near the speed of the hardware.**  BLAKE3 uses all cores over a
  memory map for large files; small files are read with one ``read`` into a reusable
  buffer, because an ``mmap`` round-trip costs more than copying a few kilobytes.

Every ``OSError`` becomes a status (``missing``, ``unreadable``, ``not-a-file``...)
rather than an exception: a data file that vanished is a finding to report, not a crash
of the user's kernel.  Only programming errors (an unknown algorithm) raise.

This is a core module: it returns data and never prints or imports IPython.
"""

from __future__ import annotations

import errno
import hashlib
import mmap
import os
import stat
import struct
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, Protocol, TypeAlias

__all__ = [
    "DEFAULT_ALGORITHM",
    "DirectoryDigest",
    "FileDigest",
    "FileHasher",
    "HashStatus",
    "available_algorithms",
]

HashStatus = Literal["ok", "missing", "unreadable", "too-large", "not-a-file"]

#: Anything ``os.stat`` accepts as a path (file descriptors excepted).
PathArg: TypeAlias = "str | bytes | os.PathLike[str] | os.PathLike[bytes]"

# Files below this size are read with a single ``read`` into a reusable buffer; above
# it BLAKE3 hashes a memory map with several threads.  Measured on a 2-core machine:
# mmap + multithreading only pays off once the file spans a few hundred KiB, and
# 1 MiB keeps the common case (many small CSV/JSON files) on the cheap path.
_MMAP_THRESHOLD = 1 << 20

# Size of the per-thread read buffer for the ``readinto`` loop (xxh3, hashlib, and
# BLAKE3 when mmap is disabled).  4 MiB amortises syscall cost without thrashing L2/L3.
_BUFFER_SIZE = 4 << 20
_MIN_BUFFER_SIZE = 64 << 10

# How many times a file that changes *while* it is being hashed is re-read before we
# give up and report it as unreadable rather than return a hash of torn content.
_MAX_ATTEMPTS = 3

_CANDIDATES = ("blake3", "xxh3_128", "sha256", "md5", "sha1")
_HASHLIB_NAMES = frozenset({"sha256", "md5", "sha1"})


if TYPE_CHECKING:  # only annotations use it: no Protocol class to build at import

    class _Hasher(Protocol):
        def update(self, data: Any, /) -> object: ...

        def hexdigest(self) -> str: ...


def _hashlib_factory(name: str) -> Callable[[], _Hasher] | None:
    """Return a constructor for a hashlib algorithm, or None if it is unusable.

    ``usedforsecurity=False`` keeps md5/sha1 available on FIPS-mode builds, where they
    are otherwise disabled; we use them only as content fingerprints.
    """
    try:
        hashlib.new(name, usedforsecurity=False)
    except (ValueError, TypeError):
        return None

    def make() -> _Hasher:
        return hashlib.new(name, usedforsecurity=False)

    return make


def _blake3_module() -> Any | None:
    try:
        import blake3
    except ImportError:
        return None
    return blake3


def _xxhash_module() -> Any | None:
    try:
        import xxhash
    except ImportError:
        return None
    return xxhash


def available_algorithms() -> list[str]:
    """Algorithms usable in this interpreter, fastest-preferred order.

    Checked at call time (not import time) so that a record written on a machine with
    ``blake3`` can tell the user, on a machine without it, what *is* available.
    """
    found: list[str] = []
    for name in _CANDIDATES:
        if name == "blake3":
            ok = _blake3_module() is not None
        elif name == "xxh3_128":
            ok = _xxhash_module() is not None and hasattr(_xxhash_module(), "xxh3_128")
        else:
            ok = _hashlib_factory(name) is not None
        if ok:
            found.append(name)
    return found


#: BLAKE3 when the ``blake3`` package imports (cryptographic *and* fastest on
#: multi-core machines), otherwise SHA-256, which every Python has.
DEFAULT_ALGORITHM: str = "blake3" if _blake3_module() is not None else "sha256"


class FileDigest(NamedTuple):
    """The outcome of hashing one file.

    ``hash`` is self-describing (``"blake3:<hex>"``) so a record stays interpretable
    when the default algorithm changes between repro-nb versions.
    """

    path: str
    status: HashStatus
    size: int | None
    hash: str | None
    error: str | None = None


class DirectoryDigest(NamedTuple):
    """The outcome of hashing a directory tree.

    ``hash`` is computed over a manifest, one record per regular file, sorted by the
    file's relative path as bytes: ``relpath NUL size NUL filehash LF``.  NUL cannot
    occur in a file name, so the encoding is unambiguous even for names containing
    newlines or tabs.  Files that could not be hashed are not in the manifest; they are
    listed in ``skipped`` as ``"relpath: reason"`` so the caller can warn about them.
    """

    path: str
    status: HashStatus
    files: int
    size: int
    hash: str | None
    skipped: tuple[str, ...] = ()


#: Packed ``(st_dev, st_ino, st_size, st_mtime_ns, st_ctime_ns)``: a 40-byte ``bytes``
#: costs ~75 bytes against ~250 for a tuple of five large ints, which matters at 100k
#: entries.  Values that do not fit (exotic 128-bit inode numbers) stay a tuple.
_CacheKey: TypeAlias = "bytes | tuple[int, ...]"

_KEY_STRUCT = struct.Struct("=QQqqq")

_MANIFEST_HEADER = b"repro-nb directory manifest v1\n"


def _display(path: PathArg) -> str:
    """A str for reports; bytes paths are decoded with surrogateescape (lossless)."""
    return os.fsdecode(os.fspath(path))


def _key(st: os.stat_result) -> _CacheKey:
    # ctime is included on top of (dev, ino, size, mtime): ctime cannot be set from
    # user space, so a same-size rewrite whose mtime was restored (``touch -r``,
    # ``os.utime``, some copy tools) still produces a different key.
    fields = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    try:
        return _KEY_STRUCT.pack(*fields)
    except struct.error:
        return fields


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "is a directory"
    if stat.S_ISFIFO(mode):
        return "is a FIFO"
    if stat.S_ISSOCK(mode):
        return "is a socket"
    if stat.S_ISCHR(mode):
        return "is a character device"
    if stat.S_ISBLK(mode):
        return "is a block device"
    return "is not a regular file"


def _classify(err: OSError) -> tuple[HashStatus, str]:
    """Map an OSError to a status and a short human message."""
    code = err.errno
    if code == errno.ENOENT:
        return "missing", "no such file or directory"
    if code == errno.ENOTDIR:
        # "data.csv/x": a path component is a file.  For the user the file they
        # asked for simply does not exist.
        return "missing", "a path component is not a directory"
    if code in (errno.EACCES, errno.EPERM):
        return "unreadable", "permission denied"
    if code == errno.ELOOP:
        return "unreadable", "too many levels of symbolic links"
    if code == errno.EISDIR:
        return "not-a-file", "is a directory"
    if code == errno.ENXIO:  # e.g. open() on a UNIX socket
        return "not-a-file", "is not a regular file"
    message = err.strerror or str(err) or type(err).__name__
    return "unreadable", message[:1].lower() + message[1:]


_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_BINARY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    # Defence in depth: we stat first and only open regular files, but if a FIFO is
    # swapped in between stat and open, O_NONBLOCK keeps open() from blocking forever.
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
)


def _readinto_fallback(fd: int, buffers: list[memoryview]) -> int:
    with open(fd, "rb", buffering=0, closefd=False) as raw:
        return raw.readinto(buffers[0]) or 0


# ``os.readv`` reads straight into our buffer with no Python file object per file;
# it is POSIX-only, hence the fallback.
_readv: Callable[[int, list[memoryview]], int] = getattr(os, "readv", _readinto_fallback)


class _Changed(Exception):
    """The file changed while it was being read; the caller retries."""


class FileHasher:
    """Hash files and directories with one algorithm, remembering what it has seen.

    One instance is meant to live as long as the kernel or CLI run, so its cache spans
    every check a session makes.  The cache is an LRU bounded by ``cache_size`` entries
    (about 300 bytes each: ~30 MB at the default 100k), so a walk over millions of
    files cannot exhaust memory.

    A digest is cached only when the file's ctime lies more than ``racy_window``
    seconds before the hash started.  File timestamps are coarse (a kernel tick
    locally, up to seconds on FAT or NFS), so a file rewritten with the same size
    within the same tick as it was hashed would otherwise keep a stale cache entry --
    Git calls this the "racily clean" problem.  The cost is that a file written in the
    last ``racy_window`` seconds is re-read on every check until it has settled.

    Calls from several threads are safe (the cache is guarded by a lock), but hashing
    is not parallelised across files: BLAKE3 already uses every core for large files.

    ``use_mmap=False`` avoids memory-mapping large files.  Mapping is the fastest path
    for BLAKE3, but if another process truncates a file while it is mapped the kernel
    delivers SIGBUS, which kills the Python process; turn it off for files that are
    being written concurrently.
    """

    def __init__(
        self,
        algorithm: str = DEFAULT_ALGORITHM,
        max_bytes: int | None = None,
        *,
        cache_size: int = 100_000,
        racy_window: float = 2.0,
        use_mmap: bool = True,
    ) -> None:
        if max_bytes is not None and max_bytes < 0:
            raise ValueError(f"max_bytes must be >= 0 or None, not {max_bytes!r}")
        if cache_size < 0:
            raise ValueError(f"cache_size must be >= 0, not {cache_size!r}")
        if racy_window < 0:
            raise ValueError(f"racy_window must be >= 0, not {racy_window!r}")
        self._algorithm = algorithm
        self._small, self._large, self._mmap_ok = self._factories(algorithm)
        self.max_bytes = max_bytes
        self._cache_size = cache_size
        self._racy_window_ns = int(racy_window * 1e9)
        self._use_mmap = use_mmap
        self._cache: OrderedDict[_CacheKey, str] = OrderedDict()
        self._lock = threading.Lock()
        self._local = threading.local()

    @staticmethod
    def _factories(
        algorithm: str,
    ) -> tuple[Callable[[], _Hasher], Callable[[], _Hasher], bool]:
        """Constructors for small-file and large-file hashers, and whether to mmap."""
        if algorithm == "blake3":
            mod = _blake3_module()
            if mod is not None:
                b3 = mod.blake3

                def large() -> _Hasher:
                    hasher: _Hasher = b3(max_threads=b3.AUTO)
                    return hasher

                # Single-threaded for small inputs: spinning up the thread pool
                # costs more than hashing a few KiB.
                return b3, large, True
        elif algorithm == "xxh3_128":
            mod = _xxhash_module()
            if mod is not None and hasattr(mod, "xxh3_128"):
                # A readinto loop measured faster than mmap for xxh3 (8.5 vs 6.8 GB/s):
                # the hash is so cheap that page-fault cost dominates.
                return mod.xxh3_128, mod.xxh3_128, False
        elif algorithm in _HASHLIB_NAMES:
            make = _hashlib_factory(algorithm)
            if make is not None:
                return make, make, False
        known = ", ".join(_CANDIDATES)
        usable = ", ".join(available_algorithms()) or "none"
        if algorithm in _CANDIDATES:
            raise ValueError(
                f"hash algorithm {algorithm!r} is not available in this Python (missing package?); available: {usable}"
            )
        raise ValueError(f"unknown hash algorithm {algorithm!r}; expected one of {known} (available here: {usable})")

    @property
    def algorithm(self) -> str:
        """The algorithm name, also the prefix of every hash this instance returns."""
        return self._algorithm

    def __repr__(self) -> str:
        return f"FileHasher(algorithm={self._algorithm!r}, max_bytes={self.max_bytes!r}, cached={len(self._cache)})"

    # -- cache -------------------------------------------------------------------

    def _lookup(self, key: _CacheKey) -> str | None:
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
            return hit

    def _store(self, key: _CacheKey, value: str) -> None:
        if self._cache_size == 0:
            return
        with self._lock:
            self._cache[key] = value
            self._cache.move_to_end(key)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)

    def cached(self, path: PathArg) -> FileDigest | None:
        """The cached digest of ``path`` if its identity is unchanged, else None.

        Costs one ``stat``; never reads content.  Lets a caller report "unchanged"
        instantly and decide whether a full hash is worth doing now.
        """
        try:
            st = os.stat(path)
        except (OSError, ValueError):
            return None
        if not stat.S_ISREG(st.st_mode):
            return None
        hit = self._lookup(_key(st))
        if hit is None:
            return None
        return FileDigest(_display(path), "ok", st.st_size, hit)

    def clear_cache(self) -> None:
        """Forget every cached digest (e.g. before a from-scratch verification)."""
        with self._lock:
            self._cache.clear()

    # -- files -------------------------------------------------------------------

    def hash_file(self, path: PathArg, st: os.stat_result | None = None) -> FileDigest:
        """Hash one regular file, following symlinks; never raises for I/O problems.

        The file is ``stat``-ed before it is opened, so FIFOs and devices are never
        opened (opening a FIFO blocks; opening a tape device can rewind it). A caller
        that has just taken that (symlink-following) ``stat`` passes it in ``st``.
        """
        display = _display(path)
        if st is not None:
            return self._hash_stat(path, display, st)
        try:
            st = os.stat(path)
        except OSError as err:
            status, message = _classify(err)
            return FileDigest(display, status, None, None, message)
        except ValueError as err:  # embedded NUL byte in the path
            return FileDigest(display, "missing", None, None, str(err))
        return self._hash_stat(path, display, st)

    def _hash_stat(self, path: PathArg, display: str, st: os.stat_result) -> FileDigest:
        """Hash a path whose (symlink-following) stat result the caller already has."""
        if not stat.S_ISREG(st.st_mode):
            return FileDigest(display, "not-a-file", None, None, _kind(st.st_mode))
        if self.max_bytes is not None and st.st_size > self.max_bytes:
            return FileDigest(
                display,
                "too-large",
                st.st_size,
                None,
                f"{st.st_size} bytes exceeds the limit of {self.max_bytes} bytes",
            )
        hit = self._lookup(_key(st))
        if hit is not None:
            return FileDigest(display, "ok", st.st_size, hit)
        return self._read_and_hash(path, display)

    def _read_and_hash(self, path: PathArg, display: str) -> FileDigest:
        for _ in range(_MAX_ATTEMPTS):
            started = time.time_ns()
            try:
                fd = os.open(path, _OPEN_FLAGS)
            except OSError as err:
                status, message = _classify(err)
                return FileDigest(display, status, None, None, message)
            try:
                before = os.fstat(fd)
                # Re-check on the descriptor: the path may have been replaced by a
                # FIFO or device between the caller's stat and our open.
                if not stat.S_ISREG(before.st_mode):
                    return FileDigest(display, "not-a-file", None, None, _kind(before.st_mode))
                size = before.st_size
                if self.max_bytes is not None and size > self.max_bytes:
                    return FileDigest(
                        display,
                        "too-large",
                        size,
                        None,
                        f"{size} bytes exceeds the limit of {self.max_bytes} bytes",
                    )
                try:
                    hexdigest = self._digest_fd(fd, size)
                except _Changed:
                    continue
                after = os.fstat(fd)
            except OSError as err:
                status, message = _classify(err)
                return FileDigest(display, status, None, None, message)
            finally:
                os.close(fd)
            key = _key(before)
            if _key(after) != key:
                continue
            digest = f"{self._algorithm}:{hexdigest}"
            if before.st_ctime_ns < started - self._racy_window_ns:
                self._store(key, digest)
            return FileDigest(display, "ok", size, digest)
        return FileDigest(display, "unreadable", None, None, "file kept changing while it was being hashed")

    def _buffer(self, size: int) -> memoryview:
        """This thread's read buffer, big enough for ``size`` bytes up to ``_BUFFER_SIZE``.

        Grown on demand: a session that only reads small CSV files never pays for
        zero-filling (page-faulting) a 4 MiB buffer.
        """
        wanted = min(_BUFFER_SIZE, max(size, _MIN_BUFFER_SIZE))
        buf: memoryview | None = getattr(self._local, "buf", None)
        if buf is None or len(buf) < wanted:
            buf = memoryview(bytearray(wanted))
            self._local.buf = buf
        return buf

    def _digest_fd(self, fd: int, size: int) -> str:
        """Hex digest of exactly ``size`` bytes from ``fd``; raise _Changed otherwise."""
        if self._mmap_ok and self._use_mmap and size >= _MMAP_THRESHOLD:
            hasher = self._large()
            try:
                with mmap.mmap(fd, 0, access=mmap.ACCESS_READ) as mapped:
                    if len(mapped) != size:
                        raise _Changed
                    hasher.update(mapped)
            except ValueError as err:  # "cannot mmap an empty file": truncated
                raise _Changed from err
            return hasher.hexdigest()
        hasher = self._small() if size < _MMAP_THRESHOLD else self._large()
        buf = self._buffer(size)
        done = 0
        # Read exactly ``size`` bytes (no extra read() to observe EOF): growth or
        # truncation during the read shows up in the fstat the caller takes afterwards.
        while done < size:
            count = _readv(fd, [buf])
            if count == 0:
                raise _Changed
            done += count
            hasher.update(buf[:count])
        if done != size:
            raise _Changed
        return hasher.hexdigest()

    # -- directories ---------------------------------------------------------------

    def hash_directory(self, path: PathArg, *, ignore: Callable[[str], bool] | None = None) -> DirectoryDigest:
        """Hash every regular file below ``path`` into one manifest hash.

        The walk is iterative (no recursion limit), never follows symlinks to
        directories (so symlink loops cannot hang it, and the digest covers only what
        lives in the tree), follows symlinks to files (recording the target's
        content), and detects bind-mount loops by (st_dev, st_ino).  Subdirectories
        that cannot be listed land in ``skipped`` rather than raising.

        ``ignore`` receives each entry's relative POSIX path (e.g. ``"sub/x.csv"``,
        files and directories alike) and returns True to leave it out; an ignored
        directory is not descended into.
        """
        display = _display(path)
        try:
            root = os.fsencode(os.fspath(path))
            top = os.stat(root)
        except OSError as err:
            status, message = _classify(err)
            return DirectoryDigest(display, status, 0, 0, None, (f".: {message}",))
        except ValueError as err:
            return DirectoryDigest(display, "missing", 0, 0, None, (f".: {err}",))
        if not stat.S_ISDIR(top.st_mode):
            return DirectoryDigest(display, "not-a-file", 0, 0, None, (f".: {_kind(top.st_mode)}",))

        records: list[tuple[bytes, int, str]] = []
        skipped: list[tuple[bytes, str]] = []
        visited = {(top.st_dev, top.st_ino)}
        cache = self._cache
        max_bytes = self.max_bytes
        hits: list[_CacheKey] = []
        stack: list[tuple[bytes, bytes]] = [(root, b"")]
        while stack:
            dirpath, rel = stack.pop()
            try:
                with os.scandir(dirpath) as it:
                    entries = list(it)
            except OSError as err:
                status, message = _classify(err)
                if not rel:
                    return DirectoryDigest(display, status, 0, 0, None, (f".: {message}",))
                skipped.append((rel, message))
                continue
            for entry in entries:
                child = rel + b"/" + entry.name if rel else entry.name
                if ignore is not None and ignore(os.fsdecode(child)):
                    continue
                try:
                    if entry.is_dir(follow_symlinks=False):
                        dst = entry.stat(follow_symlinks=False)
                        ident = (dst.st_dev, dst.st_ino)
                        if ident in visited:
                            skipped.append((child, "directory already visited (mount loop)"))
                        else:
                            visited.add(ident)
                            stack.append((entry.path, child))
                        continue
                    st = entry.stat()  # follows symlinks to files
                except OSError as err:
                    reason = _classify(err)[1]
                    if entry.is_symlink() and err.errno == errno.ENOENT:
                        reason = "broken symbolic link"
                    skipped.append((child, reason))
                    continue
                if stat.S_ISDIR(st.st_mode):
                    skipped.append((child, "symbolic link to a directory, not followed"))
                    continue
                # Fast path for the common re-check: an unlocked dict lookup (atomic
                # under the GIL) with no FileDigest built; LRU order is refreshed in
                # one batch below.  This halves the cost of re-checking big trees.
                if stat.S_ISREG(st.st_mode) and (max_bytes is None or st.st_size <= max_bytes):
                    key = _key(st)
                    hit = cache.get(key)
                    if hit is not None:
                        records.append((child, st.st_size, hit))
                        hits.append(key)
                        continue
                digest = self._hash_stat(entry.path, "", st)
                if digest.status == "ok" and digest.hash is not None and digest.size is not None:
                    records.append((child, digest.size, digest.hash))
                else:
                    skipped.append((child, f"{digest.status}: {digest.error}"))

        with self._lock:
            for key in hits:
                if key in cache:
                    cache.move_to_end(key)
        records.sort()
        skipped.sort()
        manifest = self._small()
        manifest.update(_MANIFEST_HEADER)
        manifest.update(
            b"".join(b"%s\0%d\0%s\n" % (rel, size, digest.encode("ascii")) for rel, size, digest in records)
        )
        return DirectoryDigest(
            display,
            "ok",
            len(records),
            sum(size for _, size, _ in records),
            f"{self._algorithm}:{manifest.hexdigest()}",
            tuple(f"{os.fsdecode(rel)}: {reason}" for rel, reason in skipped),
        )
