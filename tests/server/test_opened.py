"""The notebook a check runs is the file the server opened and judged, never a name re-opened.

Issue 15: the path was checked when the request arrived and opened by name a second
later, so a notebook replaced by a symlink to an outside notebook in between made the
server execute the outside one; ``GET /repro-nb/record`` followed a sidecar symlink out
of the root. The race is made deterministic with the check queue: a check that waits
for a slot has its notebook open already, and the swap happens while it waits — before
its checker exists, let alone reads.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import nbformat
import pytest
from pytest_jupyter.jupyter_server import *  # noqa: F403 - fixtures: jp_fetch, jp_serverapp, jp_root_dir, …

from repro_nb.server.opened import open_notebook, read_opened
from repro_nb.server.paths import PathRefused, resolve_notebook
from repro_nb.server.queue import CheckQueue

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


def outside_notebook(folder: Path, marker: Path) -> Path:
    """A notebook outside the root that leaves ``marker`` behind if it ever runs."""
    return write_code_notebook(folder / "outside.ipynb", [f"open({str(marker)!r}, 'w').write('ran')\nprint('outside')"])


def recorded_sidecar(notebook: Path) -> dict[str, Any]:
    """A minimal valid sidecar for a one-cell notebook (what ``%repro_save`` writes)."""
    from repro_nb.format.cells import source_hash
    from repro_nb.format.record import SCHEMA_VERSION, validate

    nb = nbformat.read(notebook, as_version=4)
    document: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "notebook": {"schema_version": SCHEMA_VERSION, "recorder": {"version": "0.1.0", "channel": "sidecar"}},
        "cells": [
            {
                "schema_version": SCHEMA_VERSION,
                "cell_id": nb.cells[0].id,
                "source_hash": source_hash(nb.cells[0].source),
                "execution_count": 1,
            }
        ],
    }
    validate(document, "sidecar")
    return document


# -- the descriptor is judged --------------------------------------------------------


def test_a_swap_between_resolving_and_opening_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "root"
    notebook = write_code_notebook(root / "nb.ipynb", ["1"])
    outside = outside_notebook(tmp_path, tmp_path / "ran")
    location = resolve_notebook(str(root), "nb.ipynb")  # judged by name: inside
    notebook.unlink()
    notebook.symlink_to(outside)  # swapped before the server opens it
    with pytest.raises(PathRefused) as refused:
        open_notebook(str(root), location)
    assert refused.value.status == 403 and refused.value.reason == "outside-root"


def test_the_opened_notebook_keeps_its_content_whatever_the_name_becomes(tmp_path: Path) -> None:
    root = tmp_path / "root"
    notebook = write_code_notebook(root / "nb.ipynb", ["print('inside')"])
    inside, real = notebook.read_bytes(), os.path.realpath(notebook)
    opened = open_notebook(str(root), resolve_notebook(str(root), "nb.ipynb"))
    try:
        notebook.unlink()
        notebook.symlink_to(outside_notebook(tmp_path, tmp_path / "ran"))
        assert read_opened(opened) == (inside, None)
        assert opened.real_path == real
        assert not os.get_inheritable(opened.fd)  # only the checker gets it, through pass_fds
    finally:
        opened.close()


def test_a_fifo_swapped_in_is_not_opened_as_a_notebook(tmp_path: Path) -> None:
    notebook = write_code_notebook(tmp_path / "nb.ipynb", ["1"])
    location = resolve_notebook(str(tmp_path), "nb.ipynb")
    notebook.unlink()
    os.mkfifo(notebook)  # no writer: a blocking open would hang the server
    with pytest.raises(PathRefused) as refused:
        open_notebook(str(tmp_path), location)
    assert refused.value.status == 400 and refused.value.reason == "not-a-notebook"


def test_a_sidecar_outside_the_root_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "root"
    write_code_notebook(root / "nb.ipynb", ["1"])
    (tmp_path / "secret.json").write_text("{}")
    (root / "nb.repro.json").symlink_to(tmp_path / "secret.json")
    with pytest.raises(PathRefused) as refused:
        open_notebook(str(root), resolve_notebook(str(root), "nb.ipynb"))
    assert refused.value.status == 403 and "sidecar" in refused.value.message


# -- over HTTP -----------------------------------------------------------------------


@async_test
async def test_a_notebook_swapped_for_an_outside_symlink_while_queued_is_not_run(
    jp_fetch: Fetch, jp_root_dir: Path, jp_serverapp: Any
) -> None:
    manager(jp_serverapp).queue = CheckQueue(max_running=1, max_waiting=5)
    write_code_notebook(jp_root_dir / "blocker.ipynb", ["import time\ntime.sleep(60)"])
    target = write_code_notebook(jp_root_dir / "target.ipynb", ["print('inside')"])
    marker = jp_root_dir.parent / "outside-ran"
    outside = outside_notebook(jp_root_dir.parent, marker)

    status, blocker = await call(jp_fetch, "POST", "repro-nb", "checks", body={"path": "blocker.ipynb"})
    assert status == 202 and blocker["state"] == "running", blocker
    status, check = await call(jp_fetch, "POST", "repro-nb", "checks", body={"path": "target.ipynb"})
    assert status == 202 and check["state"] == "queued", check  # judged and opened: waiting for a slot

    target.unlink()
    target.symlink_to(outside)  # the swap, before any checker of target.ipynb exists
    status, _ = await call(jp_fetch, "DELETE", "repro-nb", "checks", blocker["id"])
    assert status == 200

    done = await wait_check(jp_fetch, check["id"], lambda c: c["state"] not in ("queued", "running"))
    assert done["state"] == "done", done
    assert not marker.exists(), "the outside notebook ran"
    assert done["result"]["path"] == "target.ipynb"
    outputs = json.dumps(done["result"])
    assert "outside" not in outputs.replace("outside-ran", "")  # what ran printed 'inside'


@async_test
async def test_record_is_read_from_the_notebook_or_its_sidecar(jp_fetch: Fetch, jp_root_dir: Path) -> None:
    plain = write_code_notebook(jp_root_dir / "plain.ipynb", ["1"])
    status, payload = await call(jp_fetch, "GET", "repro-nb", "record", params={"path": "plain.ipynb"})
    assert status == 200, payload
    assert payload == {"path": "plain.ipynb", "source": None, "notebook": None, "cells": []}

    (jp_root_dir / "plain.repro.json").write_text(json.dumps(recorded_sidecar(plain)))
    status, payload = await call(jp_fetch, "GET", "repro-nb", "record", params={"path": "plain.ipynb"})
    assert status == 200, payload
    assert payload["source"] == "sidecar" and payload["notebook"]["recorder"]["channel"] == "sidecar"
    assert [cell["index"] for cell in payload["cells"]] == [0]

    for path, expected, reason in (("nowhere.ipynb", 404, "not-found"), ("../x.ipynb", 403, "outside-root")):
        status, payload = await call(jp_fetch, "GET", "repro-nb", "record", params={"path": path})
        assert_error(status, payload, expected, reason)
    (jp_root_dir / "broken.ipynb").write_text("{ not json")
    status, payload = await call(jp_fetch, "GET", "repro-nb", "record", params={"path": "broken.ipynb"})
    assert_error(status, payload, 400, "unreadable")
    assert str(jp_root_dir) not in payload["message"]


@async_test
async def test_a_sidecar_symlink_out_of_the_root_is_refused_for_record_and_check(
    jp_fetch: Fetch, jp_root_dir: Path
) -> None:
    notebook = write_code_notebook(jp_root_dir / "nb.ipynb", ["1"])
    secret = jp_root_dir.parent / "elsewhere.repro.json"
    secret.write_text(json.dumps(recorded_sidecar(notebook)))
    (jp_root_dir / "nb.repro.json").symlink_to(secret)

    status, payload = await call(jp_fetch, "GET", "repro-nb", "record", params={"path": "nb.ipynb"})
    assert_error(status, payload, 403, "outside-root")
    assert "sidecar" in payload["message"] and "recorder" not in json.dumps(payload)
    status, payload = await call(jp_fetch, "POST", "repro-nb", "checks", body={"path": "nb.ipynb"})
    assert_error(status, payload, 403, "outside-root")
    status, listing = await call(jp_fetch, "GET", "repro-nb", "checks")
    assert status == 200 and listing == {"checks": []}
