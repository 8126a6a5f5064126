"""At most ``max_concurrent_checks`` checks run; the rest wait in line, or get 429.

Issue 15: twenty requests started twenty checkers and twenty kernels at once. The line
is first come, first served, each waiting check knows its position, a cancelled one
gives its place back, and a finished one hands its slot to the next.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest
from pytest_jupyter.jupyter_server import *  # noqa: F403 - fixtures: jp_fetch, jp_serverapp, jp_root_dir, …

from repro_nb.server import ReproNBServer
from repro_nb.server.queue import CheckQueue, QueueFull, default_concurrency

from server_support import (
    Fetch,
    assert_error,
    async_test,
    call,
    jp_server_config,  # noqa: F401 - the fixture, replacing pytest-jupyter's
    manager,
    wait_check,
    write_code_notebook,
)

# -- the queue itself ----------------------------------------------------------------


@async_test
async def test_slots_then_a_line_then_queue_full() -> None:
    queue = CheckQueue(max_running=2, max_waiting=2)
    assert [queue.reserve(key) for key in ("a", "b", "c", "d")] == [True, True, False, False]
    assert (queue.running, queue.waiting) == (2, 2)
    assert [queue.position(key) for key in "abcd"] == [None, None, 1, 2]
    with pytest.raises(QueueFull) as full:
        queue.reserve("e")
    assert (full.value.running, full.value.waiting) == (2, 2)
    assert "running 2 check(s)" in str(full.value) and "2 more are waiting" in str(full.value)

    waiter_c = asyncio.create_task(queue.acquire("c"))
    waiter_d = asyncio.create_task(queue.acquire("d"))
    await asyncio.sleep(0)
    queue.release("a")  # c gets the slot, d moves up
    await asyncio.wait_for(waiter_c, 1)
    assert not waiter_d.done() and queue.position("d") == 1

    queue.release("d")  # d gives up its place: its waiter is cancelled
    with pytest.raises(asyncio.CancelledError):
        await waiter_d
    assert (queue.running, queue.waiting) == (2, 0)
    assert queue.reserve("f") is False and queue.position("f") == 1  # b and c still run
    queue.release("nobody")  # unknown keys are no-ops


def test_limits_must_make_sense() -> None:
    with pytest.raises(ValueError):
        CheckQueue(max_running=0, max_waiting=1)
    with pytest.raises(ValueError):
        CheckQueue(max_running=1, max_waiting=-1)


def test_the_default_is_one_check_per_usable_core() -> None:
    assert default_concurrency() == len(os.sched_getaffinity(0))
    assert ReproNBServer().max_concurrent_checks == default_concurrency()
    assert ReproNBServer(max_concurrent_checks=3).max_concurrent_checks == 3
    from traitlets import TraitError

    with pytest.raises(TraitError):
        ReproNBServer(max_concurrent_checks=0)


# -- over HTTP -----------------------------------------------------------------------


@async_test
async def test_the_server_uses_its_configured_limits(jp_serverapp: Any) -> None:
    queue = manager(jp_serverapp).queue
    assert queue.max_running == default_concurrency() and queue.max_waiting == 100


@async_test
async def test_checks_beyond_the_limit_wait_in_line_and_beyond_the_line_get_429(
    jp_fetch: Fetch, jp_root_dir: Path, jp_serverapp: Any
) -> None:
    manager(jp_serverapp).queue = CheckQueue(max_running=1, max_waiting=2)
    for name in ("a", "b", "c", "d"):
        write_code_notebook(jp_root_dir / f"{name}.ipynb", ["import time\ntime.sleep(60)"])
    write_code_notebook(jp_root_dir / "quick.ipynb", ["print(1)"])

    checks: dict[str, dict[str, Any]] = {}
    for name in ("a", "b", "c"):
        status, checks[name] = await call(jp_fetch, "POST", "repro-nb", "checks", body={"path": f"{name}.ipynb"})
        assert status == 202, checks[name]
    assert [(checks[n]["state"], checks[n]["position"]) for n in "abc"] == [
        ("running", None),
        ("queued", 1),
        ("queued", 2),
    ]

    status, payload = await call(jp_fetch, "POST", "repro-nb", "checks", body={"path": "d.ipynb"})
    assert_error(status, payload, 429, "queue-full")
    assert "1 check(s)" in payload["message"] and "2 more are waiting" in payload["message"]
    assert payload["running"] == 1 and payload["queued"] == 2
    status, payload = await call(jp_fetch, "POST", "repro-nb", "checks", body={"path": "b.ipynb"})
    assert_error(status, payload, 409, "already-running")  # a queued check is this notebook's check
    assert payload["check"]["id"] == checks["b"]["id"] and payload["check"]["state"] == "queued"

    # a queued check cancelled gives its place back; no process was started for it
    status, cancelled = await call(jp_fetch, "DELETE", "repro-nb", "checks", checks["b"]["id"])
    assert status == 200 and cancelled["state"] == "cancelled" and cancelled["position"] is None, cancelled
    assert manager(jp_serverapp).get(checks["b"]["id"]).process is None
    status, c = await call(jp_fetch, "GET", "repro-nb", "checks", checks["c"]["id"])
    assert (c["state"], c["position"]) == ("queued", 1)

    # the running check ends: the next in line starts
    status, _ = await call(jp_fetch, "DELETE", "repro-nb", "checks", checks["a"]["id"])
    assert status == 200
    running = await wait_check(jp_fetch, checks["c"]["id"], lambda check: check["state"] == "running")
    assert running["position"] is None
    status, quick = await call(jp_fetch, "POST", "repro-nb", "checks", body={"path": "quick.ipynb"})
    assert status == 202 and (quick["state"], quick["position"]) == ("queued", 1), quick
    status, _ = await call(jp_fetch, "DELETE", "repro-nb", "checks", checks["c"]["id"])
    assert status == 200
    done = await wait_check(jp_fetch, quick["id"], lambda check: check["state"] not in ("queued", "running"))
    assert done["state"] == "done" and done["result"]["verdict"] == "reproduced", done
    assert manager(jp_serverapp).queue.running == 0 and manager(jp_serverapp).queue.waiting == 0
