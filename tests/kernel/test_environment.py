"""``repro_nb.kernel.environment``: what is collected, and what is never collected."""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy  # noqa: F401 - loaded so that the BLAS section is collected
import pytest

from repro_nb.kernel.environment import ALLOWED_ENV_VARS, collect_blas, collect_environment

from support import ROOT

SCHEMA_PATH = ROOT / "repro_nb" / "format" / "schema" / "record-v2.schema.json"


def all_strings(value: Any) -> list[str]:
    """Every string anywhere in a JSON-able value, keys included."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for key, item in value.items() for s in [str(key), *all_strings(item)]]
    if isinstance(value, list):
        return [s for item in value for s in all_strings(item)]
    return []


# -------------------------------------------------------------------------- collect


def test_allowed_env_vars_are_hash_seed_and_thread_counts_only() -> None:
    assert "PYTHONHASHSEED" in ALLOWED_ENV_VARS
    assert "OMP_NUM_THREADS" in ALLOWED_ENV_VARS
    for private in ("HOME", "PATH", "USER", "CUDA_VISIBLE_DEVICES", "GITHUB_TOKEN"):
        assert private not in ALLOWED_ENV_VARS
    assert all(name == "PYTHONHASHSEED" or "THREADS" in name for name in ALLOWED_ENV_VARS)


def test_only_allowed_environment_values_are_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPRO_TEST_SECRET", "hunter2")
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    monkeypatch.setenv("MKL_NUM_THREADS", "hunter2-but-allowed-name")
    monkeypatch.delenv("MKL_NUM_THREADS")

    environment = collect_environment()
    dumped = json.dumps(environment)

    assert "hunter2" not in dumped
    assert "REPRO_TEST_SECRET" not in dumped
    assert environment["env"]["OMP_NUM_THREADS"] == "3"
    assert set(environment["env"]) <= ALLOWED_ENV_VARS
    assert "MKL_NUM_THREADS" not in environment["env"]


def test_no_home_or_interpreter_paths_are_recorded() -> None:
    environment = collect_environment()
    strings = all_strings(environment)
    home = str(Path.home())
    forbidden = {home, sys.prefix, sys.executable, os.getcwd()} - {"/"}
    for text in strings:
        assert not text.startswith("/"), text
        for path in forbidden:
            assert path not in text, (path, text)


def test_environment_describes_this_interpreter_and_machine() -> None:
    environment = collect_environment()
    assert environment["python"]["version"] == platform.python_version()
    assert environment["python"]["implementation"] == platform.python_implementation()
    assert environment["platform"]["system"] == platform.system()
    assert environment["platform"]["machine"] == platform.machine()
    assert environment["cpu"]["count"] == os.cpu_count()
    if hasattr(os, "sched_getaffinity"):
        assert environment["cpu"]["affinity"] == len(os.sched_getaffinity(0))
    assert isinstance(environment["gpus"], list)
    json.dumps(environment)  # JSON-able


def test_environment_matches_the_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    definition = {**schema["definitions"]["environment"], "definitions": schema["definitions"]}
    jsonschema.validate(collect_environment(), definition)


def test_blas_is_included_once_numpy_is_imported() -> None:
    assert "numpy" in sys.modules
    environment = collect_environment()
    assert environment["blas"] == collect_blas()


def test_blas_section_is_left_out_before_numpy_is_imported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delitem(sys.modules, "numpy")
    assert "blas" not in collect_environment()


def test_blas_names_the_library_but_no_path() -> None:
    pytest.importorskip("threadpoolctl")
    blas = collect_blas()
    assert blas, "NumPy is loaded, so some BLAS is"
    assert all(entry["internal_api"] for entry in blas)
    home = str(Path.home())
    for text in all_strings(blas):
        assert "/" not in text and "\\" not in text, text
        assert home not in text and sys.prefix not in text
    assert "filepath" not in json.dumps(blas)


def test_blas_falls_back_to_numpy_build_info_without_threadpoolctl(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "threadpoolctl", None)  # makes the import fail
    blas = collect_blas()
    assert blas and blas[0]["source"] == "numpy-build"
    assert {entry["user_api"] for entry in blas} <= {"blas", "lapack"}
    assert not any(text.startswith("/") for text in all_strings(blas))


def test_a_failing_part_is_left_out_instead_of_raising(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> str:
        raise RuntimeError("platform is broken")

    monkeypatch.setattr(platform, "python_version", broken)
    environment = collect_environment()
    assert "python" not in environment
    assert "platform" in environment and "env" in environment


def test_collecting_is_fast_once_warm() -> None:
    collect_environment()
    started = time.perf_counter()
    for _ in range(10):
        collect_environment()
    assert (time.perf_counter() - started) / 10 < 0.05


def test_torch_and_tensorflow_are_never_imported() -> None:
    already = {name for name in ("torch", "tensorflow") if name in sys.modules}
    collect_environment()
    assert {name for name in ("torch", "tensorflow") if name in sys.modules} == already
