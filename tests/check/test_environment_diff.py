"""``repro_nb.check.environment_diff``: which differences between two environments matter."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from repro_nb.check.environment_diff import EnvironmentDifference, compare_environments
from repro_nb.kernel.environment import collect_environment


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
    assert compare_environments(recorded, new) == [EnvironmentDifference("env.PYTHONHASHSEED", "0", None, "high")]


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
