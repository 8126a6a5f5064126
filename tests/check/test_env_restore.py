"""Real restores through the package index (uv): the notebook's versions come back, and prove a cause.

The packages are small pure-Python wheels (six, iniconfig) so that a cold restore takes
seconds; restored environments are shared by every test of the run (a session-scoped
cache directory, the same for the xdist workers) on top of uv's own cache.

``env_pins_older_six.ipynb`` is recorded here in the current environment, then planted:
its record says six 1.16.0 and iniconfig 2.0.0 and its stored output prints six 1.16.0,
so it drifts here (six is newer) and reproduces only where six is 1.16.0.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest

from repro_nb.check.env.attribute import EnvOptions, attribute, check_in_env
from repro_nb.check.env.export import environment_of, render
from repro_nb.check.env.restore import restore
from repro_nb.check.env.spec import EnvSpec
from repro_nb.check.options import CheckOptions
from repro_nb.check.pipeline import check_notebook
from repro_nb.cli import main
from repro_nb.errors import UnavailablePinsError

from support import OLDER_PINS as OLD
from support import record_with_older_pins

pytestmark = pytest.mark.network


@pytest.fixture(scope="module", autouse=True)
def env_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One cache of restored environments for the whole run (and every xdist worker);
    set for this module's tests only, so the rest of the suite keeps its own settings."""
    root = tmp_path_factory.getbasetemp().parent / "repro-nb-envs"
    root.mkdir(exist_ok=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REPRO_NB_ENVS", str(root))
        patch.setenv("JUPYTER_DATA_DIR", str(tmp_path_factory.mktemp("jupyter-data")))
        yield root


@pytest.fixture(scope="session")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``env_pins_older_six.ipynb`` recorded here, then planted with the older versions."""
    return record_with_older_pins(tmp_path_factory.mktemp("planted") / "env_pins_older_six.ipynb")


def test_the_record_restores_to_exactly_its_versions_in_a_new_kernel(planted: Path) -> None:
    spec = environment_of(str(planted))
    assert spec.origin == "recorded" and spec.pin_of("six") is not None
    assert spec.versions["six"] == "1.16.0" and spec.versions["iniconfig"] == "2.0.0"
    env = restore(spec)
    assert "six==1.16.0" in env.installed and "iniconfig==2.0.0" in env.installed
    asked = subprocess.run(
        [env.python, "-c", "import six, iniconfig, repro_nb, ipykernel; print(six.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert asked.stdout.strip() == "1.16.0"
    kernel = json.loads((Path(env.jupyter_path) / "kernels" / env.kernel_name / "kernel.json").read_text())
    assert kernel["argv"][0] == env.python and env.kernel_name.startswith("repro-env_pins_older_six-")


def test_check_env_recorded_reproduces_what_the_current_version_does_not(planted: Path) -> None:
    here = check_notebook(str(planted))
    assert here.verdict == "drifted"
    assert [c.index for c in here.cells if c.status == "drifted"] == [0]
    there = check_in_env(str(planted), CheckOptions(), EnvOptions(source="recorded"))
    assert there.verdict == "reproduced", there.message
    assert there.packages == [], "the re-run in the restored kernel imported exactly the recorded versions"
    assert there.restored_environment is not None and there.restored_environment["origin"] == "recorded"
    assert there.to_json()["restored_environment"] == there.restored_environment


def test_a_second_restore_is_served_from_the_cache(planted: Path) -> None:
    spec = environment_of(str(planted))
    first = restore(spec)
    start = time.perf_counter()
    second = restore(spec)
    assert second.cached and second.directory == first.directory
    assert time.perf_counter() - start < 5
    assert second.steps[0].startswith("reused the environment")


def test_a_version_that_does_not_exist_gets_a_clear_message(tmp_path: Path) -> None:
    spec = EnvSpec.from_versions("recorded", {"six": "9.9.9"}, "3.11", notebook=str(tmp_path / "nb.ipynb"))
    with pytest.raises(UnavailablePinsError) as caught:
        restore(spec)
    message = str(caught.value)
    assert message.startswith(
        "cannot restore these versions here: six 9.9.9 does not exist on the package index; nearest: "
    )
    assert "Traceback" not in message and "--nearest" in message
    nearest = restore(spec, nearest=True)
    assert nearest.substituted["six"][0] == "9.9.9" and nearest.spec.versions["six"] == nearest.substituted["six"][1]


def test_a_notebook_without_a_record_gets_pins_as_of_a_date(notebook_copy: object) -> None:
    path = notebook_copy("env_imports_no_record.ipynb")  # type: ignore[operator]
    spec = environment_of(str(path), as_of="2020-01-01")
    assert spec.origin == "inferred" and spec.as_of == "2020-01-01T23:59:59Z"
    # six and PyYAML from the imports (yaml → PyYAML), attrs from the %pip install line
    assert {name: spec.versions.get(name) for name in ("six", "pyyaml", "attrs")} == {
        "six": "1.13.0",
        "pyyaml": "5.2",
        "attrs": "19.3.0",
    }
    text = render(spec, "requirements")
    assert "six==1.13.0" in text and "versions as of 2020-01-01 (--as-of)" in text


def test_the_cli_exports_and_restores(planted: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["env", "export", str(planted)]) == 0
    out = capsys.readouterr().out
    assert "six==1.16.0" in out and "iniconfig==2.0.0" in out
    lock = tmp_path / "pylock.toml"
    assert main(["env", "export", str(planted), "--format", "pylock", "-o", str(lock)]) == 0
    import tomllib

    document = tomllib.loads(lock.read_text())
    assert document["lock-version"] == "1.0"
    assert {p["name"]: p["version"] for p in document["packages"]} == OLD
    assert all(p.get("wheels") for p in document["packages"])
    target = tmp_path / "venv"
    assert main(["env", "restore", str(planted), str(target)]) == 0
    out = capsys.readouterr().out
    assert f"→ {target}" in out and "registered in" in out
    assert (Path(os.environ["JUPYTER_DATA_DIR"]) / "kernels").is_dir()
    assert main(["check", str(planted), "--env", str(target), "-q"]) == 0
    assert main(["env", "restore", str(planted), str(target), "--no-register"]) == 0
    assert "reused from the cache" in capsys.readouterr().out


def test_attribution_names_the_package_and_not_the_other(planted: Path, tmp_path: Path) -> None:
    """Two packages differ from the record; only six's version makes the cell drift."""
    here = check_notebook(str(planted))
    assert {p.distribution for p in here.packages} == {"six", "iniconfig"}
    steps: list[str] = []
    result = attribute(str(planted), here, CheckOptions(), EnvOptions(), on_step=steps.append)
    attribution = result.attribution
    assert attribution is not None, steps
    assert attribution["outcome"] == "confirmed" and attribution["cells_back"] == [0]
    assert [c["distribution"] for c in attribution["responsible"]] == ["six"]
    assert attribution["minimal"] and attribution["probes"] <= 3
    assert attribution["message"] == (
        f"cell 1 drifts because of six 1.16.0 → {metadata.version('six')} "
        "(confirmed: with only six moved back, it reproduces)"
    )
    cause = result.cells[0].causes[0]
    assert (cause.kind, cause.category, cause.confidence, cause.root) == (
        "environment-confirmed",
        "environment-confirmed",
        "high",
        "environment-confirmed:six",
    )
    assert not any(c.kind == "package-changed" for c in result.cells[0].causes), "the proof replaces the suspicions"
    assert any(step.startswith("probe 1/8") for step in steps)
    # the report carries it, valid against the schema
    from repro_nb.report.html import render_html
    from repro_nb.report.json_report import write_json

    write_json(tmp_path / "r.json", [result])
    from repro_nb.format.report import read_report

    notebook = read_report(tmp_path / "r.json")["notebooks"][0]
    assert notebook["attribution"]["responsible"][0]["distribution"] == "six"
    page = render_html([result])
    assert "Environment, proved by re-run" in page and "confirmed by re-run" in page
