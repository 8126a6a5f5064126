"""Environments without the network: specs, inference from code, formats, uv's errors, the index's
files, delta debugging. The real restores are in ``test_env_restore.py``."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from repro_nb.check.env import registry
from repro_nb.check.env.ddmin import ddmin
from repro_nb.check.env.export import environment_of, render
from repro_nb.check.env.infer import (
    distribution_for,
    infer_requirements,
    install_requirements,
    notebook_date,
    notebook_modules,
    parse_date,
)
from repro_nb.check.env.spec import EnvSpec
from repro_nb.check.env.uv import parse_failure
from repro_nb.errors import ConfigError, UnavailablePinsError
from repro_nb.format.record import SCHEMA_VERSION

# ----------------------------------------------------------------------- spec


def test_the_lock_hash_is_the_pins_not_their_order_nor_the_notebook() -> None:
    a = EnvSpec.from_versions("recorded", {"six": "1.16.0", "numpy": "2.0.0"}, "3.11.7", notebook="a.ipynb")
    b = EnvSpec.from_versions("recorded", {"numpy": "2.0.0", "six": "1.16.0"}, "3.11.2", notebook="b.ipynb")
    assert a.lock_hash() == b.lock_hash()
    assert a.lock_hash() != a.with_versions({"six": "1.17.0"}).lock_hash()
    assert a.lock_hash("3.11.7") != a.lock_hash("3.12.1")


def test_with_versions_moves_and_drops_pins() -> None:
    spec = EnvSpec.from_versions("recorded", {"Six": "1.16.0", "numpy": "2.0.0"})
    moved = spec.with_versions({"six": "1.17.0", "numpy": None})
    assert moved.requirements() == ["Six==1.17.0"]
    assert spec.requirements(with_kernel=True)[-3:] == ["ipykernel>=6", "blake3", "xxhash"]


# ----------------------------------------------------------------------- inference


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("%pip install -q scikit-learn==1.2.2 'numpy<2'", ["scikit-learn==1.2.2", "numpy<2"]),
        ("!pip install --upgrade -r requirements.txt pandas", ["pandas"]),
        ("!{sys.executable} -m pip install seaborn", ["seaborn"]),
        ("!python -m pip install -i https://example.org/simple attrs==23.1.0", ["attrs==23.1.0"]),
        ("%conda install numpy=1.26", ["numpy==1.26"]),
        ("!pip install ./local_pkg git+https://x/y.git pkg.whl", []),
        ("pip install not-a-magic", []),
    ],
)
def test_install_lines_give_their_requirements(line: str, expected: list[str]) -> None:
    assert install_requirements(line) == expected


def test_imports_from_code_skip_stdlib_local_modules_and_ipython_syntax(tmp_path: Path) -> None:
    (tmp_path / "helpers.py").write_text("X = 1\n")
    cells = [
        {
            "cell_type": "code",
            "source": "import os, sys\nimport numpy as np\n%matplotlib inline\nfrom sklearn import svm",
        },
        {"cell_type": "code", "source": "import helpers\nimport cv2\n!ls\nx = df.describe?"},
        {"cell_type": "markdown", "source": "import pandas"},
        {"cell_type": "code", "source": "%%bash\nimport nothing"},
    ]
    assert notebook_modules(cells, str(tmp_path)) == ["numpy", "sklearn", "cv2"]


def test_import_names_map_to_distributions() -> None:
    installed = {"sklearn": ["scikit-learn"], "yaml": ["PyYAML"], "google": ["protobuf", "google-auth"]}
    assert distribution_for("sklearn", installed) == "scikit-learn"
    assert distribution_for("PIL", {}) == "pillow"  # not installed: the famous mismatches
    assert distribution_for("cv2", {}) == "opencv-python"
    assert distribution_for("bs4", {}) == "beautifulsoup4"
    assert distribution_for("requests", {}) == "requests"  # otherwise its own name
    assert distribution_for("google", installed) == "google-auth"


def test_pip_install_lines_win_over_the_import_they_name(tmp_path: Path) -> None:
    cells = [
        {"cell_type": "code", "source": "%pip install scikit-learn==1.3.0"},
        {"cell_type": "code", "source": "import sklearn\nimport yaml"},
    ]
    found = infer_requirements(cells, str(tmp_path), top_level={})
    assert found.requirements == ("scikit-learn==1.3.0", "PyYAML")
    assert "import yaml → PyYAML" in found.notes


def test_dates_are_what_uv_wants() -> None:
    assert parse_date("2020-01-01") == "2020-01-01T23:59:59Z"
    assert parse_date("2020-01-01T10:00:00+02:00") == "2020-01-01T08:00:00Z"
    with pytest.raises(ConfigError, match="not a date"):
        parse_date("last tuesday")


def test_the_date_of_a_notebook_is_its_last_commit_else_its_file_time(tmp_path: Path) -> None:
    notebook = tmp_path / "nb.ipynb"
    notebook.write_text("{}")
    when, why = notebook_date(str(notebook))
    assert "file" in why and when.endswith("Z")
    env = {"GIT_AUTHOR_DATE": "2019-06-01T12:00:00Z", "GIT_COMMITTER_DATE": "2019-06-01T12:00:00Z"}
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run([*git, "add", "nb.ipynb"], cwd=tmp_path, check=True)
    subprocess.run([*git, "commit", "-qm", "nb"], cwd=tmp_path, check=True, env={**_environ(), **env})
    assert notebook_date(str(notebook)) == ("2019-06-01T12:00:00Z", "the notebook's last git commit")


def _environ() -> dict[str, str]:
    import os

    return dict(os.environ)


# ----------------------------------------------------------------------- export from a record


def _recorded_notebook(tmp_path: Path, packages: dict[str, str | None], python: str = "3.11.7") -> Path:
    from repro_nb.format.record import embed

    nb = {
        "cells": [
            {
                "cell_type": "code",
                "id": "a",
                "metadata": {},
                "outputs": [],
                "execution_count": None,
                "source": "import six",
            }
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    import nbformat

    node = nbformat.from_dict(nb)
    embed(
        node,
        {
            "schema_version": SCHEMA_VERSION,
            "recorder": {"version": "0.1.0"},
            "packages": packages,
            "environment": {"python": {"version": python}},
        },
        {},
    )
    path = tmp_path / "recorded.ipynb"
    path.write_text(json.dumps(node))
    return path


def test_export_from_a_record_pins_what_it_imported_and_its_python(tmp_path: Path) -> None:
    path = _recorded_notebook(tmp_path, {"six": "1.16.0", "numpy": "2.4.6", "mystery": None}, "3.9.7")
    spec = environment_of(str(path))
    assert (spec.origin, spec.python, spec.requirements()) == ("recorded", "3.9.7", ["numpy==2.4.6", "six==1.16.0"])
    text = render(spec, "requirements")
    assert text.splitlines()[-2:] == ["numpy==2.4.6", "six==1.16.0"]
    assert "# Python 3.9.7" in text and "left out, no version recorded: mystery" in text
    conda = render(spec, "conda")
    assert "name: recorded\n" in conda and "  - python=3.9.7\n" in conda and "    - six==1.16.0\n" in conda


# ----------------------------------------------------------------------- uv's failures, the index


def test_uv_failures_are_read_for_their_cause_and_pins() -> None:
    stderr = (
        "error: No solution found when resolving dependencies\n"
        "  cause: Because there is no version of six==9.9.9 and you require six==9.9.9, we can conclude that "
        "your requirements are unsatisfiable.\n\nhint: something\n"
    )
    failure = parse_failure(stderr)
    assert failure.pins == (("six", "9.9.9"),)
    assert failure.message.startswith("No solution found") and "hint" not in failure.message
    assert parse_failure("  cause: Because nopkg was not found in the package registry and").not_found == ("nopkg",)


def _files(*names: str, requires: str | None = None) -> list[dict[str, object]]:
    return [{"filename": n, "requires-python": requires, "yanked": False} for n in names]


def test_releases_judge_wheels_for_this_python_and_pick_the_nearest() -> None:
    files = [
        *_files("numpy-1.21.2.tar.gz", "numpy-1.21.2-cp39-cp39-manylinux_2_17_x86_64.whl", requires=">=3.7,<3.11"),
        *_files("numpy-1.22.0.tar.gz", "numpy-1.22.0-cp310-cp310-manylinux_2_17_x86_64.whl"),
        *_files("numpy-1.23.2-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"),
        *_files("numpy-1.23.5-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"),
        *_files("numpy-2.0.0rc1-cp311-cp311-manylinux_2_17_x86_64.whl"),
    ]
    found = {str(r.version): r for r in registry.releases(files, "3.11")}
    assert found["1.21.2"].reason == "requires Python >=3.7,<3.11, not 3.11"
    assert found["1.22.0"].reason == "has no wheel for Python 3.11 on this platform"
    assert found["1.23.2"].installable
    from packaging.version import Version

    best = registry.nearest(list(found.values()), Version("1.21.2"))
    assert best is not None and str(best.version) == "1.23.2"
    pure = {str(r.version): r for r in registry.releases(_files("six-1.9.0.tar.gz"), "3.11")}
    assert pure["1.9.0"].installable  # sdist only: a pure-Python project builds anywhere


def test_unavailable_pins_are_one_sentence_each(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        registry,
        "project_files",
        lambda name, index=None: None if name == "nopkg" else _files("six-1.17.0-py2.py3-none-any.whl"),
    )
    missing = registry.availability("six", "9.9.9", "3.11")
    assert missing.message() == "six 9.9.9 does not exist on the package index; nearest: 1.17.0"
    assert registry.availability("nopkg", "1.0", "3.11").message() == "nopkg is not a project on the package index"
    error = UnavailablePinsError([missing])
    assert str(error).endswith("pass --nearest to restore the nearest versions instead")


# ----------------------------------------------------------------------- delta debugging


def _search(culprits: set[str], items: list[str], budget: int = 20) -> tuple[tuple[str, ...], int, bool]:
    result = ddmin(items, lambda subset: culprits <= set(subset), budget)
    return result.subset, len(result.tests), result.minimal


def test_one_culprit_among_two_takes_at_most_two_questions() -> None:
    assert _search({"six"}, ["iniconfig", "six"]) == (("six",), 2, True)
    assert _search({"six"}, ["six", "iniconfig"]) == (("six",), 1, True)


def test_ddmin_finds_one_or_two_culprits_among_many() -> None:
    items = [f"p{i}" for i in range(16)]
    subset, asked, minimal = _search({"p11"}, items)
    assert subset == ("p11",) and minimal and asked <= 8
    subset, _, minimal = _search({"p2", "p13"}, items)
    assert subset == ("p2", "p13") and minimal


def test_both_needed_and_a_budget_that_runs_out() -> None:
    assert _search({"a", "b"}, ["a", "b"]) == (("a", "b"), 2, True)
    subset, asked, minimal = _search({"p5"}, [f"p{i}" for i in range(16)], budget=2)
    assert asked == 2 and not minimal and "p5" in subset


def test_a_probe_that_cannot_run_counts_as_not_reproducing() -> None:
    result = ddmin(["a", "b"], lambda subset: None if subset == ("a",) else "b" in subset, 5)
    assert result.subset == ("b",) and result.tests == [(("a",), None), (("b",), True)]
