"""Tests for repro_nb.environment: what is collected, what is never collected, drift."""

from __future__ import annotations

import copy
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy  # noqa: F401 - loaded so that the BLAS section is collected
import pytest

from repro_nb.environment import ALLOWED_ENV_VARS, collect_blas, collect_environment
from repro_nb.environment_diff import EnvironmentDifference, compare_environments

SCHEMA_PATH = Path(__file__).parent.parent / "repro_nb" / "schema" / "record-v1.schema.json"


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


# -------------------------------------------------------------------------- compare


@pytest.fixture
def recorded() -> dict[str, Any]:
    return {
        "python": {"version": "3.11.7", "implementation": "CPython", "compiler": "GCC 12.2.0"},
        "platform": {"system": "Linux", "machine": "x86_64", "libc": "glibc 2.36"},
        "cpu": {"model": "AMD EPYC 7763", "count": 8, "affinity": 8},
        "gpus": [],
        "blas": [
            {"internal_api": "openblas", "version": "0.3.27", "num_threads": 8},
        ],
        "env": {"PYTHONHASHSEED": "0"},
    }


def test_identical_environments_have_no_differences(recorded: dict[str, Any]) -> None:
    assert compare_environments(recorded, copy.deepcopy(recorded)) == []
    assert compare_environments(collect_environment(), collect_environment()) == []


def test_python_minor_blas_and_env_changes_are_found(recorded: dict[str, Any]) -> None:
    new = copy.deepcopy(recorded)
    new["python"]["version"] = "3.12.1"
    new["blas"][0] = {"internal_api": "mkl", "version": "2024.1", "num_threads": 8}
    new["env"]["OMP_NUM_THREADS"] = "4"

    differences = compare_environments(recorded, new)

    assert differences == [
        EnvironmentDifference("python.version", "3.11.7", "3.12.1", "high"),
        EnvironmentDifference("blas[0].internal_api", "openblas", "mkl", "high"),
        EnvironmentDifference("blas[0].version", "0.3.27", "2024.1", "medium"),
        EnvironmentDifference("env.OMP_NUM_THREADS", None, "4", "medium"),
    ]


def test_severities_follow_how_likely_a_change_moves_results(recorded: dict[str, Any]) -> None:
    new = copy.deepcopy(recorded)
    new["python"]["version"] = "3.11.9"
    new["cpu"]["model"] = "Intel Xeon"
    new["env"]["PYTHONHASHSEED"] = "random"
    severity = {d.field: d.severity for d in compare_environments(recorded, new)}
    assert severity == {
        "python.version": "low",
        "cpu.model": "low",
        "env.PYTHONHASHSEED": "high",
    }


def test_missing_sections_and_fields_are_not_differences(recorded: dict[str, Any]) -> None:
    older = copy.deepcopy(recorded)
    del older["blas"]  # NumPy was not imported when this was recorded
    del older["cpu"]["affinity"]  # an older recorder, or a platform without it
    assert compare_environments(older, recorded) == []
    assert compare_environments(recorded, older) == []


def test_an_unset_variable_is_a_difference(recorded: dict[str, Any]) -> None:
    new = copy.deepcopy(recorded)
    new["env"] = {}
    assert compare_environments(recorded, new) == [
        EnvironmentDifference("env.PYTHONHASHSEED", "0", None, "high")
    ]


def test_added_gpu_and_blas_library_are_summarised(recorded: dict[str, Any]) -> None:
    new = copy.deepcopy(recorded)
    new["gpus"] = [{"name": "NVIDIA A100", "driver": "535.104", "memory_mib": 81920}]
    new["blas"].append({"internal_api": "mkl", "version": "2024.1"})
    assert compare_environments(recorded, new) == [
        EnvironmentDifference("gpus[0]", None, "NVIDIA A100", "medium"),
        EnvironmentDifference("blas[1]", None, "mkl 2024.1", "high"),
    ]


def test_differences_come_in_a_fixed_order(recorded: dict[str, Any]) -> None:
    new = copy.deepcopy(recorded)
    new["env"] = {"PYTHONHASHSEED": "1", "MKL_NUM_THREADS": "2", "BLIS_NUM_THREADS": "2"}
    new["python"]["compiler"] = "Clang 17"
    new["platform"]["libc"] = "glibc 2.39"
    fields = [d.field for d in compare_environments(recorded, new)]
    assert fields == [
        "python.compiler",
        "platform.libc",
        "env.BLIS_NUM_THREADS",
        "env.MKL_NUM_THREADS",
        "env.PYTHONHASHSEED",
    ]
    assert fields == [d.field for d in compare_environments(recorded, new)]
