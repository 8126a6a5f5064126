"""A bounded queue of checks: at most N run at once, at most M wait, the rest are refused.

Each check is a checker process and a kernel — hundreds of MB and a busy core for the
length of a notebook. Twenty requests used to start twenty of each at once (3.4 GB, a
load of 8 on two cores), for every user and every tab of the server. So checks take a
slot (:meth:`CheckQueue.acquire`) before they start: ``max_running`` slots
(``ReproNBServer.max_concurrent_checks``, by default one per available core), then a
first-come first-served line of at most ``max_waiting`` (``max_queued_checks``) whose
members know their position; beyond it :class:`QueueFull` (the REST API's 429).

Pure asyncio, no tornado: the check manager uses it, the handlers only see its errors.
"""

from __future__ import annotations

import asyncio
import os
from collections import deque

__all__ = ["CheckQueue", "QueueFull", "default_concurrency"]


def default_concurrency() -> int:
    """One running check per core this server may use (its CPU affinity), at least one."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, cores)


class QueueFull(Exception):
    """No slot and no room in the line: try again later."""

    def __init__(self, running: int, waiting: int) -> None:
        super().__init__(
            f"the server is running {running} check(s), its limit, and {waiting} more are waiting; "
            "try again when one has finished"
        )
        self.running = running
        self.waiting = waiting


class CheckQueue:
    """Slots for running checks, and the line of those waiting for one (FIFO)."""

    def __init__(self, max_running: int, max_waiting: int) -> None:
        if max_running < 1 or max_waiting < 0:
            raise ValueError("max_running must be >= 1 and max_waiting >= 0")
        self.max_running = max_running
        self.max_waiting = max_waiting
        self._running: set[str] = set()
        self._waiting: deque[tuple[str, asyncio.Future[None]]] = deque()

    @property
    def running(self) -> int:
        return len(self._running)

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def reserve(self, key: str) -> bool:
        """Take a slot now (``True``) or a place in the line (``False``); :class:`QueueFull` if neither.

        Synchronous, so that the answer to the request that asked already says which.
        """
        if len(self._running) < self.max_running and not self._waiting:
            self._running.add(key)
            return True
        if len(self._waiting) >= self.max_waiting:
            raise QueueFull(len(self._running), len(self._waiting))
        self._waiting.append((key, asyncio.get_running_loop().create_future()))
        return False

    async def acquire(self, key: str) -> None:
        """Wait until ``key`` (reserved) holds a slot."""
        if key in self._running:
            return
        future = next((f for k, f in self._waiting if k == key), None)
        if future is None:
            raise KeyError(key)
        await future

    def position(self, key: str) -> int | None:
        """1 for the next in line; ``None`` when running or unknown."""
        for index, (waiting, _) in enumerate(self._waiting):
            if waiting == key:
                return index + 1
        return None

    def release(self, key: str) -> None:
        """Give back ``key``'s slot, or its place in the line; the next in line gets the slot."""
        if key in self._running:
            self._running.discard(key)
        else:
            for entry in list(self._waiting):
                if entry[0] == key:
                    self._waiting.remove(entry)
                    if not entry[1].done():
                        entry[1].cancel()
                    return
            return
        while self._waiting and len(self._running) < self.max_running:
            next_key, future = self._waiting.popleft()
            if future.done():  # cancelled meanwhile
                continue
            self._running.add(next_key)
            future.set_result(None)
