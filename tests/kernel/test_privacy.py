"""Nothing leaked into the record (issue 15): credential files, absolute paths, the user's name.

The record travels with the notebook, so it must never hold a credential file — not its
name, size or hash — nor a path that is absolute or names the user. Tested in real
kernels under a home directory of their own (``HOME=…/home/alice``), by ``repro-nb run``
as a user runs it and with ``%config ReproNB.never_record`` in a session.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from repro_nb.format.recorded_paths import is_hashed, locate
from repro_nb.kernel import privacy
from repro_nb.kernel.fileaccess import PathFilter, display_path

from support import KernelFactory, write_notebook

REPRO_NB = str(Path(sys.executable).with_name("repro-nb"))

CREDENTIALS = [
    "~/.netrc",
    "~/.pgpass",
    "~/.ssh/id_ed25519",
    "~/.aws/credentials",
    "~/.config/gcloud/application_default_credentials.json",
    "~/.docker/config.json",
    "~/.kube/config",
    "~/.local/share/keyrings/login.keyring",
    "~/work/project/.env",
]


def strings(document: Any) -> list[str]:
    """Every string in a JSON document, keys included."""
    if isinstance(document, dict):
        return [s for k, v in document.items() for s in [k, *strings(v)]]
    if isinstance(document, list):
        return [s for v in document for s in strings(v)]
    return [document] if isinstance(document, str) else []


def absolute_paths(document: Any) -> list[str]:
    """Strings that are, or contain, an absolute file system path (URLs and MIME types aside)."""
    found = []
    for text in strings(document):
        for match in re.finditer(r"(?:^|[\s'\"(=])(/[\w.-]+/[\w./-]+)", text):
            found.append(match.group(1))
    return found


@pytest.fixture
def alice(tmp_path: Path) -> dict[str, Path]:
    """A home of alice with credentials, a project with a notebook, data in and outside of both."""
    home = tmp_path / "home" / "alice"
    project = home / "work" / "project"
    notebooks = project / "notebooks"
    notebooks.mkdir(parents=True)
    (project / "pyproject.toml").write_text("[project]\nname = 'study'\n")
    for credential in CREDENTIALS:
        path = home / credential.removeprefix("~/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"secret of {credential}\n")
    (project / "data").mkdir()
    (project / "data" / "in_project.csv").write_text("a\n1\n")
    (notebooks / "beside.csv").write_text("b\n2\n")
    (home / "datasets").mkdir()
    (home / "datasets" / "in_home.csv").write_text("c\n3\n")
    outside = tmp_path / "srv" / "shared"
    outside.mkdir(parents=True)
    (outside / "outside.csv").write_text("d\n4\n")
    return {"home": home, "project": project, "notebooks": notebooks, "outside": outside}


def reading_cell(alice: dict[str, Path]) -> str:
    files = [
        *CREDENTIALS,
        "beside.csv",
        "../data/in_project.csv",
        "~/datasets/in_home.csv",
        str(alice["outside"] / "outside.csv"),
    ]
    return f"import os\nfor name in {files!r}:\n    open(os.path.expanduser(name)).read()\nprint('read')"


def assert_private(document: Any, alice: dict[str, Path]) -> None:
    text = json.dumps(document)
    assert "alice" not in text, [s for s in strings(document) if "alice" in s]
    for credential in CREDENTIALS:
        assert os.path.basename(credential) not in text, credential
    assert "secret of" not in text
    assert absolute_paths(document) == []


def test_a_run_records_no_credential_and_no_revealing_path(alice: dict[str, Path]) -> None:
    path = write_notebook(alice["notebooks"] / "study.ipynb", [("read", reading_cell(alice))])
    env = {**os.environ, "HOME": str(alice["home"])}
    done = subprocess.run(
        [REPRO_NB, "run", str(path), "--in-place"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    nb = json.loads(path.read_text())
    cell = nb["cells"][0]["metadata"]["repro_nb"]
    assert_private(nb["metadata"]["repro_nb"], alice)
    assert_private(cell, alice)
    shown = [r["path"] for r in cell["reads"]]
    assert shown[:3] == ["beside.csv", "../data/in_project.csv", "~/datasets/in_home.csv"], shown
    [hashed] = shown[3:]
    assert is_hashed(hashed) and hashed.endswith(">/outside.csv"), hashed

    # a re-check on the same machine finds every recorded file where the record says
    check = subprocess.run(
        [REPRO_NB, "check", str(path), "--json", str(alice["notebooks"] / "r.json")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    report = json.loads((alice["notebooks"] / "r.json").read_text())
    assert report["notebooks"][0]["verdict"] == "reproduced"
    assert report["notebooks"][0]["data"] == [], report["notebooks"][0]["data"]


def test_never_record_extends_the_deny_list_in_a_session(kernel_factory: KernelFactory, alice: dict[str, Path]) -> None:
    session = kernel_factory(cwd=alice["notebooks"], env={"HOME": str(alice["home"])})
    (alice["notebooks"] / "api.token").write_text("t0k3n\n")
    (alice["notebooks"] / "keep.csv").write_text("x\n")
    session.run("%config ReproNB.never_record = ['*.token', '~/datasets/*']")
    cell = session.run_recorded(
        "import os\nfor f in ['api.token', 'keep.csv', os.path.expanduser('~/datasets/in_home.csv'),"
        " os.path.expanduser('~/.netrc')]:\n    open(f).read()"
    )
    assert [r["path"] for r in cell["reads"]] == ["keep.csv"]
    for credential in ("~/.netrc", "~/.ssh"):
        refused = session.execute(f"%repro_data {credential}")
        assert refused.error is not None and "a credential location, never recorded" in refused.error["evalue"]
    # a pinned directory's manifest leaves its credentials out (~/work/project/.env)
    (alice["project"] / "notes.csv").write_text("n\n")
    (alice["project"] / ".env").chmod(0o000)  # were it read, hashing it would be reported as unreadable
    session.run("%repro_data ~/work/project")
    record = session.record()
    [pinned] = [d for d in record["notebook"]["data"] if d.get("pinned")]
    assert pinned["path"] == "~/work/project" and pinned["status"] == "ok", pinned
    assert ".env" not in json.dumps(pinned)
    recorded = [d["path"] for d in record["notebook"]["data"]]
    recorded += [f["path"] for c in record["cells"] for f in c.get("reads", []) + c.get("writes", [])]
    assert sorted(set(recorded)) == ["keep.csv", "~/work/project"], recorded
    # the refusals' messages name what the user typed, and nothing else
    assert "id_ed25519" not in json.dumps(record) and "secret of" not in json.dumps(record)


# -- the rules, one by one ----------------------------------------------------------------


def test_credential_locations_by_path_name_and_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home" / "bob"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "keys" / "sa.json"))
    deny = PathFilter(never_record=["~/private/*", "*.token"])
    for path in [
        home / ".netrc",
        home / ".ssh" / "config",
        home / ".ssh",
        home / ".aws" / "credentials",
        home / ".docker" / "config.json",
        tmp_path / "project" / ".env",
        tmp_path / "project" / ".env.local",
        tmp_path / "project" / "deploy.pem",
        tmp_path / "keys" / "sa.json",
        home / "private" / "diary.csv",
        tmp_path / "x" / "github.token",
        Path("/run/secrets/db_password"),
    ]:
        assert deny.ignored(str(path)) and deny.never_recorded(str(path)), path
    for path in [home / "data.csv", home / ".docker" / "images.csv", tmp_path / "environment.csv", home / "sshd.csv"]:
        assert not deny.never_recorded(str(path)), path


def test_recorded_paths_never_absolute_nor_naming_the_user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home" / "bob"
    project = home / "code" / "study"
    notebooks = project / "nbs"
    notebooks.mkdir(parents=True)
    (project / ".git").mkdir()
    monkeypatch.setenv("HOME", str(home))
    privacy.project_root.cache_clear()
    base = str(notebooks)
    assert display_path(str(notebooks / "d" / "x.csv"), base) == "d/x.csv"
    assert display_path(str(project / "data" / "x.csv"), base) == "../data/x.csv"
    assert display_path(str(home / "data" / "x.csv"), base) == "~/data/x.csv"
    outside = display_path("/data/shared/x.csv", base)
    assert is_hashed(outside) and outside.endswith(">/x.csv") and "/data/shared" not in outside
    assert display_path("/data/shared/y.csv", base).split(">")[0] == outside.split(">")[0]  # same folder, same hash
    assert display_path("/data/other/x.csv", base) != outside
    # and the checker reads them back
    assert locate("~/data/x.csv", base) == str(home / "data" / "x.csv")
    assert locate("../data/x.csv", base) == str(project / "data" / "x.csv")
    assert locate(outside, base) is None


def test_the_salt_is_secret_and_stable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    privacy._salt.cache_clear()
    first = privacy.hashed_location("/srv/a/x.csv")
    salt_file = tmp_path / "cache" / "repro-nb" / "path-salt"
    assert salt_file.stat().st_mode & 0o777 == 0o600
    privacy._salt.cache_clear()
    assert privacy.hashed_location("/srv/a/x.csv") == first  # another session, same user
    salt_file.write_bytes(b"another user's salt, 32 bytes..")
    privacy._salt.cache_clear()
    assert privacy.hashed_location("/srv/a/x.csv") != first
    privacy._salt.cache_clear()
