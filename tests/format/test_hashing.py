"""Tests for repro_nb.format.hashing: correctness of digests, the cache, and every odd file."""

from __future__ import annotations

import errno
import hashlib
import os
import socket
import sys
import threading
import time
from pathlib import Path

import pytest

from repro_nb.format import hashing
from repro_nb.format.hashing import (
    DEFAULT_ALGORITHM,
    DirectoryDigest,
    FileDigest,
    FileHasher,
    available_algorithms,
)

blake3 = pytest.importorskip("blake3")
xxhash = pytest.importorskip("xxhash")

POSIX = os.name == "posix"


def reference_hex(algorithm: str, data: bytes) -> str:
    if algorithm == "blake3":
        return str(blake3.blake3(data).hexdigest())
    if algorithm == "xxh3_128":
        return str(xxhash.xxh3_128(data).hexdigest())
    return hashlib.new(algorithm, data).hexdigest()


def age(path: Path | bytes, seconds: float = 60.0) -> None:
    """Move a file's mtime into the past (ctime cannot be moved; see racy_window)."""
    past = time.time_ns() - int(seconds * 1e9)
    os.utime(path, ns=(past, past))


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record the size of every content read FileHasher performs."""
    reads: list[int] = []
    original = FileHasher._digest_fd

    def spy(self: FileHasher, fd: int, size: int) -> str:
        reads.append(size)
        return original(self, fd, size)

    monkeypatch.setattr(FileHasher, "_digest_fd", spy)
    return reads


# -- algorithms ------------------------------------------------------------------------


def test_available_algorithms_and_default() -> None:
    algos = available_algorithms()
    assert {"blake3", "xxh3_128", "sha256"} <= set(algos)
    assert set(algos) <= {"blake3", "xxh3_128", "sha256", "md5", "sha1"}
    assert DEFAULT_ALGORITHM == "blake3"
    assert FileHasher().algorithm == DEFAULT_ALGORITHM


def test_unknown_algorithm_is_a_clear_value_error() -> None:
    with pytest.raises(ValueError, match=r"unknown hash algorithm 'crc32'.*blake3"):
        FileHasher("crc32")


def test_bad_max_bytes() -> None:
    with pytest.raises(ValueError, match="max_bytes"):
        FileHasher(max_bytes=-1)


@pytest.mark.parametrize("algorithm", ["blake3", "xxh3_128", "sha256", "md5", "sha1"])
@pytest.mark.parametrize(
    "size",
    [0, 1, 1000, (1 << 20) - 1, 1 << 20, (3 << 20) + 17, (9 << 20) + 5],
    ids=lambda s: f"{s}B",
)
def test_known_digests(tmp_path: Path, algorithm: str, size: int) -> None:
    # Sizes straddle the 1 MiB mmap threshold and the 4 MiB read buffer.
    data = os.urandom(size)
    path = tmp_path / "data.bin"
    path.write_bytes(data)
    digest = FileHasher(algorithm).hash_file(path)
    assert digest == FileDigest(str(path), "ok", size, f"{algorithm}:{reference_hex(algorithm, data)}")


def test_mmap_can_be_disabled(tmp_path: Path) -> None:
    data = os.urandom(3 << 20)
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    with_map = FileHasher("blake3").hash_file(path)
    without = FileHasher("blake3", use_mmap=False).hash_file(path)
    assert with_map.hash == without.hash == "blake3:" + reference_hex("blake3", data)


def test_str_bytes_and_pathlike_agree(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(b"a,b\n1,2\n")
    hasher = FileHasher()
    results = {hasher.hash_file(p).hash for p in (path, str(path), os.fsencode(path))}
    assert len(results) == 1
    assert hasher.hash_file(os.fsencode(path)).path == str(path)


# -- cache -----------------------------------------------------------------------------


def test_cache_hit_does_not_reread(tmp_path: Path, counting: list[int]) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes(b"x" * 5000)
    hasher = FileHasher(racy_window=0)
    assert hasher.cached(path) is None
    first = hasher.hash_file(path)
    assert counting == [5000]
    assert hasher.cached(path) == first
    for _ in range(10):
        assert hasher.hash_file(path) == first
    assert counting == [5000]  # no further reads
    hasher.clear_cache()
    assert hasher.cached(path) is None
    assert hasher.hash_file(path) == first
    assert counting == [5000, 5000]


def test_cache_hit_for_large_file_costs_only_a_stat(tmp_path: Path, counting: list[int]) -> None:
    path = tmp_path / "big.bin"
    path.write_bytes(os.urandom(4 << 20))
    hasher = FileHasher(racy_window=0)
    first = hasher.hash_file(path)
    start = time.perf_counter()
    for _ in range(100):
        assert hasher.hash_file(path) == first
    per_call = (time.perf_counter() - start) / 100
    assert counting == [4 << 20]
    assert per_call < 1e-3  # a stat, not a read (generous for slow CI)


def test_cached_reports_path_as_given(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"hello")
    link = tmp_path / "link.txt"
    link.symlink_to(path)
    hasher = FileHasher(racy_window=0)
    hasher.hash_file(path)
    via_link = hasher.cached(link)
    assert via_link is not None and via_link.path == str(link)


def test_mtime_change_invalidates(tmp_path: Path, counting: list[int]) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes(b"1,2,3\n")
    hasher = FileHasher(racy_window=0)
    first = hasher.hash_file(path)
    age(path, 3600)
    assert hasher.cached(path) is None
    assert hasher.hash_file(path) == first  # same content, same hash...
    assert len(counting) == 2  # ...but it was re-read


def test_size_change_invalidates(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes(b"1,2,3\n")
    hasher = FileHasher(racy_window=0)
    first = hasher.hash_file(path)
    with path.open("ab") as f:
        f.write(b"4,5,6\n")
    second = hasher.hash_file(path)
    assert second.size == 12 and second.hash != first.hash
    assert second.hash == "blake3:" + reference_hex("blake3", b"1,2,3\n4,5,6\n")


def test_fresh_file_is_not_cached_and_same_size_rewrite_is_seen(tmp_path: Path, counting: list[int]) -> None:
    # The "racily clean" case: rewrite with the same size and restore the mtime, all
    # within one timestamp tick.  Without the racy window the cache would answer with
    # the old hash.
    path = tmp_path / "data.csv"
    path.write_bytes(b"aaaa")
    hasher = FileHasher()  # default racy window
    first = hasher.hash_file(path)
    assert hasher.cached(path) is None
    st = os.stat(path)
    path.write_bytes(b"bbbb")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    second = hasher.hash_file(path)
    assert second.hash == "blake3:" + reference_hex("blake3", b"bbbb")
    assert second.hash != first.hash
    assert len(counting) == 2


def test_cache_is_bounded_lru(tmp_path: Path) -> None:
    hasher = FileHasher(cache_size=3, racy_window=0)
    paths = []
    for i in range(5):
        p = tmp_path / f"f{i}"
        p.write_bytes(b"%d" % i)
        paths.append(p)
        hasher.hash_file(p)
    hasher.hash_file(paths[2])  # touch: now most recently used
    hasher.hash_file(tmp_path.joinpath("f0"))  # re-hash f0, evicts f3
    present = [hasher.cached(p) is not None for p in paths]
    assert present == [True, False, True, False, True]


def test_file_changing_during_read_is_retried(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "grow.log"
    path.write_bytes(b"line1\n")
    original = FileHasher._digest_fd
    calls = []

    def digest_then_append(self: FileHasher, fd: int, size: int) -> str:
        result = original(self, fd, size)
        if not calls:
            with path.open("ab") as f:
                f.write(b"line2\n")
        calls.append(size)
        return result

    monkeypatch.setattr(FileHasher, "_digest_fd", digest_then_append)
    digest = FileHasher(racy_window=0).hash_file(path)
    assert calls == [6, 12]
    assert digest.hash == "blake3:" + reference_hex("blake3", b"line1\nline2\n")


def test_file_that_never_settles_is_unreadable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "busy.log"
    path.write_bytes(b"x")

    def always_changed(self: FileHasher, fd: int, size: int) -> str:
        raise hashing._Changed

    monkeypatch.setattr(FileHasher, "_digest_fd", always_changed)
    digest = FileHasher().hash_file(path)
    assert digest.status == "unreadable" and digest.hash is None
    assert digest.error is not None and "changing" in digest.error


# -- missing, unreadable, odd files ----------------------------------------------------


def test_missing(tmp_path: Path) -> None:
    digest = FileHasher().hash_file(tmp_path / "nope.csv")
    assert digest == FileDigest(str(tmp_path / "nope.csv"), "missing", None, None, "no such file or directory")


def test_path_component_is_a_file_is_missing(tmp_path: Path) -> None:
    (tmp_path / "file.txt").write_bytes(b"x")
    digest = FileHasher().hash_file(tmp_path / "file.txt" / "x")
    assert digest.status == "missing" and digest.hash is None


def test_deleted_between_stat_and_read_is_missing(tmp_path: Path) -> None:
    path = tmp_path / "gone.csv"
    path.write_bytes(b"x")
    st = os.stat(path)
    path.unlink()
    digest = FileHasher()._hash_stat(path, str(path), st)
    assert digest.status == "missing"


@pytest.mark.skipif(not POSIX or os.geteuid() == 0, reason="root can read anything")
def test_permission_denied_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "secret.csv"
    path.write_bytes(b"x")
    path.chmod(0)
    try:
        digest = FileHasher().hash_file(path)
    finally:
        path.chmod(0o600)
    assert digest == FileDigest(str(path), "unreadable", None, None, "permission denied")


def test_permission_denied_is_unreadable_simulated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Works as root too: make open() fail the way it does for an unprivileged user.
    path = tmp_path / "secret.csv"
    path.write_bytes(b"x")
    real_open = os.open

    def denied(p: object, flags: int, *args: object, **kwargs: object) -> int:
        if os.fspath(p) == os.fspath(path):  # type: ignore[call-overload]
            raise PermissionError(errno.EACCES, "Permission denied", str(p))
        return real_open(p, flags, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(hashing.os, "open", denied)
    digest = FileHasher().hash_file(path)
    assert digest == FileDigest(str(path), "unreadable", None, None, "permission denied")


@pytest.mark.parametrize(
    ("code", "status"),
    [
        (errno.ENOENT, "missing"),
        (errno.ENOTDIR, "missing"),
        (errno.EACCES, "unreadable"),
        (errno.EPERM, "unreadable"),
        (errno.ELOOP, "unreadable"),
        (errno.EIO, "unreadable"),
        (errno.EISDIR, "not-a-file"),
    ],
)
def test_error_classification(code: int, status: str) -> None:
    got, message = hashing._classify(OSError(code, os.strerror(code)))
    assert got == status
    assert message and message[0].islower()


@pytest.mark.skipif(not POSIX, reason="symlinks")
def test_symlink_loop_file_is_unreadable(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    digest = FileHasher().hash_file(tmp_path / "a")
    assert digest.status == "unreadable"
    assert digest.error is not None and "symbolic link" in digest.error


def test_directory_is_not_a_file(tmp_path: Path) -> None:
    digest = FileHasher().hash_file(tmp_path)
    assert digest == FileDigest(str(tmp_path), "not-a-file", None, None, "is a directory")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
@pytest.mark.timeout(20)
def test_fifo_is_not_a_file_and_does_not_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result: list[FileDigest] = []
    worker = threading.Thread(target=lambda: result.append(FileHasher().hash_file(fifo)))
    worker.daemon = True
    worker.start()
    worker.join(5)
    assert not worker.is_alive(), "hash_file blocked on a FIFO"
    assert result[0].status == "not-a-file" and result[0].error == "is a FIFO"


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="no /dev/null")
def test_dev_null_is_not_a_file() -> None:
    digest = FileHasher().hash_file("/dev/null")
    assert digest.status == "not-a-file" and digest.hash is None and digest.size is None


@pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="no UNIX sockets")
def test_socket_is_not_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # AF_UNIX paths are limited to ~100 bytes
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.bind("sock")
        digest = FileHasher().hash_file(tmp_path / "sock")
    assert digest.status == "not-a-file" and digest.error == "is a socket"


@pytest.mark.skipif(sys.platform == "darwin", reason="APFS rejects non-UTF-8 names")
def test_non_utf8_file_name(tmp_path: Path) -> None:
    raw = os.path.join(os.fsencode(tmp_path), b"caf\xe9.csv")
    with open(raw, "wb") as f:
        f.write(b"x,y\n")
    hasher = FileHasher()
    by_bytes = hasher.hash_file(raw)
    assert by_bytes.status == "ok"
    assert by_bytes.hash == "blake3:" + reference_hex("blake3", b"x,y\n")
    assert by_bytes.path == os.fsdecode(raw)  # surrogate-escaped str, lossless
    by_str = hasher.hash_file(os.fsdecode(raw))
    assert by_str.hash == by_bytes.hash
    tree = hasher.hash_directory(os.fsencode(tmp_path))
    assert tree.files == 1 and tree.skipped == ()


def test_too_large(tmp_path: Path, counting: list[int]) -> None:
    path = tmp_path / "big.bin"
    path.write_bytes(b"x" * 11)
    digest = FileHasher(max_bytes=10).hash_file(path)
    assert digest.status == "too-large" and digest.size == 11 and digest.hash is None
    assert digest.error is not None and "10" in digest.error
    assert counting == []  # never read
    assert FileHasher(max_bytes=11).hash_file(path).status == "ok"


def test_never_raises_for_nul_in_path() -> None:
    assert FileHasher().hash_file("bad\0name").status == "missing"


# -- directories -----------------------------------------------------------------------


def make_tree(root: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)


TREE = {
    "a.csv": b"1,2\n",
    "sub/b.csv": b"3,4\n",
    "sub/deeper/c.json": b"{}",
    "z/empty.txt": b"",
    "name with\nnewline": b"odd",
}


def test_directory_manifest_is_deterministic(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    make_tree(one, TREE)
    make_tree(two, dict(reversed(list(TREE.items()))))  # different creation order
    d1 = FileHasher().hash_directory(one)
    d2 = FileHasher().hash_directory(two)
    d1_again = FileHasher().hash_directory(one)
    assert d1.hash == d2.hash == d1_again.hash
    assert d1.status == "ok" and d1.files == 5 and d1.skipped == ()
    assert d1.size == sum(len(v) for v in TREE.values())
    assert d1.hash is not None and d1.hash.startswith("blake3:")


def test_directory_manifest_format(tmp_path: Path) -> None:
    # Pin the manifest encoding: changing it silently would make every recorded
    # directory hash drift.
    make_tree(tmp_path, {"b.txt": b"B", "a/x.txt": b"X"})
    hasher = FileHasher("sha256")
    manifest = b"repro-nb directory manifest v1\n"
    for rel, data in [(b"a/x.txt", b"X"), (b"b.txt", b"B")]:
        file_hash = hashlib.sha256(data).hexdigest().encode()
        manifest += b"%s\0%d\0sha256:%s\n" % (rel, len(data), file_hash)
    expected = "sha256:" + hashlib.sha256(manifest).hexdigest()
    assert hasher.hash_directory(tmp_path).hash == expected


@pytest.mark.parametrize("change", ["add", "modify", "rename", "move", "delete"])
def test_directory_change_detection(tmp_path: Path, change: str) -> None:
    make_tree(tmp_path, TREE)
    hasher = FileHasher(racy_window=0)
    before = hasher.hash_directory(tmp_path)
    if change == "add":
        (tmp_path / "sub" / "new.csv").write_bytes(b"")
    elif change == "modify":
        (tmp_path / "sub" / "b.csv").write_bytes(b"3,5\n")  # same size
        age(tmp_path / "sub" / "b.csv", 10)
    elif change == "rename":
        (tmp_path / "a.csv").rename(tmp_path / "A.csv")
    elif change == "move":
        (tmp_path / "a.csv").rename(tmp_path / "sub" / "a.csv")
    else:
        (tmp_path / "z" / "empty.txt").unlink()
    after = hasher.hash_directory(tmp_path)
    assert after.status == "ok"
    assert after.hash != before.hash


def test_empty_directory(tmp_path: Path) -> None:
    empty = FileHasher().hash_directory(tmp_path)
    assert empty == DirectoryDigest(str(tmp_path), "ok", 0, 0, empty.hash, ())
    assert empty.hash is not None
    (tmp_path / "e").write_bytes(b"")
    assert FileHasher().hash_directory(tmp_path).hash != empty.hash


def test_directory_missing_and_not_a_directory(tmp_path: Path) -> None:
    missing = FileHasher().hash_directory(tmp_path / "nope")
    assert missing.status == "missing" and missing.hash is None and missing.files == 0
    (tmp_path / "f").write_bytes(b"x")
    not_dir = FileHasher().hash_directory(tmp_path / "f")
    assert not_dir.status == "not-a-file" and not_dir.hash is None


@pytest.mark.skipif(not POSIX, reason="symlinks")
@pytest.mark.timeout(30)
def test_directory_symlinks_and_loops(tmp_path: Path) -> None:
    root = tmp_path / "root"
    make_tree(root, {"data/a.csv": b"1\n"})
    outside = tmp_path / "outside.csv"
    outside.write_bytes(b"outside\n")
    (root / "data" / "up").symlink_to(root, target_is_directory=True)  # cycle
    (root / "self").symlink_to(".", target_is_directory=True)
    (root / "loop1").symlink_to(root / "loop2")
    (root / "loop2").symlink_to(root / "loop1")
    (root / "dangling").symlink_to(root / "does-not-exist")
    (root / "linked.csv").symlink_to(outside)
    digest = FileHasher().hash_directory(root)
    assert digest.status == "ok"
    assert digest.files == 2  # data/a.csv and linked.csv (by target content)
    reasons = dict(s.split(": ", 1) for s in digest.skipped)
    assert set(reasons) == {"data/up", "self", "loop1", "loop2", "dangling"}
    assert "not followed" in reasons["self"]
    assert "symbolic link" in reasons["loop1"]
    assert reasons["dangling"] == "broken symbolic link"

    plain = tmp_path / "plain"
    make_tree(plain, {"data/a.csv": b"1\n", "linked.csv": b"outside\n"})
    assert FileHasher().hash_directory(plain).hash == digest.hash


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
@pytest.mark.timeout(20)
def test_directory_with_fifo_and_too_large(tmp_path: Path) -> None:
    make_tree(tmp_path, {"ok.csv": b"1", "huge.bin": b"x" * 100})
    os.mkfifo(tmp_path / "pipe")
    digest = FileHasher(max_bytes=50).hash_directory(tmp_path)
    assert digest.files == 1 and digest.size == 1
    reasons = dict(s.split(": ", 1) for s in digest.skipped)
    assert reasons["pipe"] == "not-a-file: is a FIFO"
    assert reasons["huge.bin"].startswith("too-large")


def test_unlistable_subdirectory_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_tree(tmp_path, {"a.csv": b"1", "locked/b.csv": b"2"})
    real_scandir = os.scandir
    locked = os.fsencode(tmp_path / "locked")

    def scandir(p: bytes):  # type: ignore[no-untyped-def]
        if p == locked:
            raise PermissionError(errno.EACCES, "Permission denied", p)
        return real_scandir(p)

    monkeypatch.setattr(hashing.os, "scandir", scandir)
    digest = FileHasher().hash_directory(tmp_path)
    assert digest.status == "ok" and digest.files == 1
    assert digest.skipped == ("locked: permission denied",)


def test_unlistable_top_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def scandir(p: bytes):  # type: ignore[no-untyped-def]
        raise PermissionError(errno.EACCES, "Permission denied", p)

    monkeypatch.setattr(hashing.os, "scandir", scandir)
    digest = FileHasher().hash_directory(tmp_path)
    assert digest.status == "unreadable" and digest.hash is None


def test_directory_ignore(tmp_path: Path) -> None:
    make_tree(tmp_path, {"a.csv": b"1", ".git/objects/x": b"2", "sub/.cache": b"3"})
    seen: list[str] = []

    def ignore(rel: str) -> bool:
        seen.append(rel)
        return rel == ".git" or rel.endswith("/.cache")

    digest = FileHasher().hash_directory(tmp_path, ignore=ignore)
    assert digest.files == 1
    assert ".git/objects" not in seen  # ignored directory was not descended into
    assert "sub/.cache" in seen
    only = tmp_path / "only"
    make_tree(only, {"a.csv": b"1"})
    assert FileHasher().hash_directory(only).hash == digest.hash


def test_directory_uses_the_file_cache(tmp_path: Path, counting: list[int]) -> None:
    files = {f"d{i % 7}/f{i}.txt": b"%d" % i for i in range(300)}
    make_tree(tmp_path, files)
    hasher = FileHasher(racy_window=0)
    first = hasher.hash_directory(tmp_path)
    assert first.files == 300 and len(counting) == 300
    again = hasher.hash_directory(tmp_path)
    assert again == first and len(counting) == 300
    (tmp_path / "d3" / "f3.txt").write_bytes(b"changed")
    third = hasher.hash_directory(tmp_path)
    assert third.hash != first.hash and len(counting) == 301
    single = hasher.hash_file(tmp_path / "d0" / "f7.txt")
    assert single.status == "ok" and len(counting) == 301


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_hundred_thousand_files(tmp_path: Path) -> None:
    root = tmp_path / "many"
    for d in range(100):
        sub = root / f"d{d:03d}"
        sub.mkdir(parents=True)
        for i in range(1000):
            (sub / f"f{i:04d}.csv").write_bytes(b"%d,%d\n" % (d, i))
    hasher = FileHasher(racy_window=0)
    start = time.perf_counter()
    first = hasher.hash_directory(root)
    cold = time.perf_counter() - start
    start = time.perf_counter()
    again = hasher.hash_directory(root)
    warm = time.perf_counter() - start
    print(f"\n100k files: first hash {cold:.2f} s, re-check {warm:.2f} s")
    assert first.files == 100_000 and first.skipped == ()
    assert again.hash == first.hash
    assert cold < 60 and warm < 60
