"""What the panel reads beyond a check's state: the re-run, nbdime's diff, the reports, live data.

The same harness as ``test_server.py`` (a real jupyter_server, real checks).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from pytest_jupyter.jupyter_server import *  # noqa: F403 - fixtures: jp_fetch, jp_serverapp, jp_root_dir, …
from test_server import Fetch, assert_error, async_test, call, jp_server_config, wait_check  # noqa: F401

from support import FILES


async def _checked(fetch: Fetch, root: Path, body: dict[str, Any] | None = None) -> dict[str, Any]:
    shutil.copy(FILES / "planted_drift.ipynb", root / "planted.ipynb")
    status, check = await call(fetch, "POST", "repro-nb", "checks", body={"path": "planted.ipynb", **(body or {})})
    assert status == 202, check
    done = await wait_check(fetch, check["id"], lambda c: c["state"] != "running")
    assert done["state"] == "done", done
    return done


@async_test
async def test_a_finished_check_gives_the_rerun_nbdime_diff_and_reports(jp_fetch: Fetch, jp_root_dir: Path) -> None:
    check = await _checked(jp_fetch, jp_root_dir)
    status, view = await call(jp_fetch, "GET", "repro-nb", "checks", check["id"], "diff")
    assert status == 200, view
    assert [c["index"] for c in view["cells"]] == [3, 4]  # the drifted cells only
    assert set(view) >= {"base", "diff", "cells", "masks"} and view["path"] == "planted.ipynb"
    assert len(view["base"]["cells"]) == 2
    status, whole = await call(jp_fetch, "GET", "repro-nb", "checks", check["id"], "diff", params={"cells": "all"})
    assert status == 200 and len(whole["base"]["cells"]) == 5

    status, rerun = await call(jp_fetch, "GET", "repro-nb", "checks", check["id"], "executed")
    assert status == 200 and "0.9222" in "".join(rerun["cells"][3]["outputs"][0]["text"])

    response = await jp_fetch("repro-nb", "checks", check["id"], "report", params={"format": "html"})
    assert response.headers["Content-Disposition"] == 'attachment; filename="planted-repro-report.html"'
    page = response.body.decode()
    assert page.startswith("<!DOCTYPE html>") and 'class="jp-Notebook-diff"' in page
    response = await jp_fetch("repro-nb", "checks", check["id"], "report", params={"format": "json"})
    assert json.loads(response.body)["notebooks"][0]["verdict"] == "drifted"

    status, payload = await call(jp_fetch, "GET", "repro-nb", "checks", check["id"], "diff", params={"cells": "x"})
    assert_error(status, payload, 400, "bad-request")
    status, payload = await call(jp_fetch, "GET", "repro-nb", "checks", "0123abc", "diff")
    assert_error(status, payload, 404, "not-found")


@async_test
async def test_tolerances_of_the_request_reach_the_checker(jp_fetch: Fetch, jp_root_dir: Path) -> None:
    # 0.9444 → 0.9222 is 2.4 %: within rtol 0.05 the number cell reproduces, the picture still drifts
    check = await _checked(jp_fetch, jp_root_dir, {"rtol": 0.05})
    statuses = [c["status"] for c in check["result"]["cells"]]
    assert statuses == ["reproduced", "reproduced", "reproduced", "drifted"], statuses
    status, payload = await call(jp_fetch, "POST", "repro-nb", "checks", body={"path": "planted.ipynb", "atol": -1})
    assert_error(status, payload, 400, "bad-request")


@async_test
async def test_data_state_is_live_and_confined_to_the_root(jp_fetch: Fetch, jp_root_dir: Path) -> None:
    from repro_nb.format.hashing import FileHasher

    folder = jp_root_dir / "study"
    folder.mkdir()
    shutil.copy(FILES / "reproduces.ipynb", folder / "nb.ipynb")
    (folder / "data").mkdir()
    csv = folder / "data" / "sales.csv"
    csv.write_text("a,b\n1,2\n")
    recorded = FileHasher().hash_file(csv).hash
    (jp_root_dir / ".secret").write_text("x")
    files = [
        {"path": "data/sales.csv", "hash": recorded},
        {"path": "data/gone.csv", "hash": recorded},
        {"path": "../../../etc/passwd", "hash": recorded},
        {"path": "../.secret", "hash": recorded},
    ]
    status, answer = await call(jp_fetch, "POST", "repro-nb", "data", body={"path": "study/nb.ipynb", "files": files})
    assert status == 200, answer
    assert [f["state"] for f in answer["files"]] == ["unchanged", "missing", "unknown", "unknown"]
    assert answer["files"][0]["modified_at"] and answer["files"][2]["reason"] == "outside the server root"

    csv.write_text("a,b\n1,3\n")  # edited on disk: the same size, another content
    status, answer = await call(
        jp_fetch, "POST", "repro-nb", "data", body={"path": "study/nb.ipynb", "files": files[:1]}
    )
    assert answer["files"][0]["state"] == "changed" and answer["files"][0]["hash"] != recorded

    status, payload = await call(jp_fetch, "POST", "repro-nb", "data", body={"path": "../x.ipynb", "files": []})
    assert_error(status, payload, 403, "outside-root")
