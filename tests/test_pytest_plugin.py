"""``pytest --repro-nb``: each notebook a test item, tested with pytest's own ``pytester``."""

from __future__ import annotations

import shutil

import pytest

# Imported here, outside the inline runs: pytester restores sys.modules after each run,
# and modules with C extensions (numpy, Pillow) cannot be imported twice in a process.
import repro_nb.check.pipeline  # noqa: F401

from support import FILES

pytest_plugins = ["pytester"]

CASES = FILES


def add(pytester: pytest.Pytester, *names: str) -> None:
    for name in names:
        shutil.copy2(CASES / name, pytester.path / name)


def test_reproducing_notebook_passes_drifting_one_fails_with_causes(pytester: pytest.Pytester) -> None:
    add(pytester, "reproduces.ipynb", "unseeded_random_no_record.ipynb")
    result = pytester.runpytest("--repro-nb", "-p", "no:cacheprovider", "-rA")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*unseeded_random_no_record.ipynb: drifted — 2 of 3 cells drifted*",
            "*drifted [[]2[]] sample = [[]random.randint*",
            "*why:*",
            "*random numbers drawn from random's global generator without a seed in this cell (high)*",
            "*PASSED reproduces.ipynb::reproduces.ipynb*",
            "*FAILED unseeded_random_no_record.ipynb::unseeded_random_no_record.ipynb*",
        ]
    )
    assert "Traceback" not in result.stdout.str()


def test_pyproject_configuration_is_honoured_and_the_command_line_wins(pytester: pytest.Pytester) -> None:
    add(pytester, "third_digit_drift.ipynb")
    scratch = pytester.mkdir("scratch")
    shutil.copy2(CASES / "drifts_in_second_cell.ipynb", scratch / "drifts_in_second_cell.ipynb")
    pytester.makepyprojecttoml('[tool.repro-nb]\nrtol = 0.01\nskip = ["scratch/*"]\n')
    relaxed = pytester.runpytest("--repro-nb", "-p", "no:cacheprovider", "-v")
    relaxed.assert_outcomes(passed=1)
    relaxed.stdout.fnmatch_lines(["*third_digit_drift.ipynb::third_digit_drift.ipynb PASSED*"])
    assert "drifts_in_second_cell" not in relaxed.stdout.str()
    strict = pytester.runpytest("--repro-nb", "-p", "no:cacheprovider", "--repro-nb-rtol", "0")
    strict.assert_outcomes(failed=1)
    strict.stdout.fnmatch_lines(["*numbers changed: 0.9331 → 0.9312*"])


@pytest.mark.parametrize(
    ("body", "phrase"),
    [
        ("rtol = 'big'", "rtol must be int or float, not str"),
        ("masks = ['(unclosed']", "invalid mask regex '(unclosed'"),
        ("executor = 'gpu'", "unknown executor 'gpu'"),
    ],
)
def test_invalid_configuration_is_a_usage_error(pytester: pytest.Pytester, body: str, phrase: str) -> None:
    add(pytester, "reproduces.ipynb")
    pytester.makepyprojecttoml(f"[tool.repro-nb]\n{body}\n")
    result = pytester.runpytest("--repro-nb", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*repro-nb: *{phrase}*"])
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()


def test_another_executor_checks_the_notebooks_at_once_and_reports_each(pytester: pytest.Pytester) -> None:
    """``--repro-nb-executor processes:2``: the checks run side by side, the items report in order."""
    add(pytester, "reproduces.ipynb", "drifts_in_second_cell.ipynb", "markdown_only.ipynb")
    result = pytester.runpytest("--repro-nb", "-p", "no:cacheprovider", "-v", "--repro-nb-executor", "processes:2")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*drifts_in_second_cell.ipynb::drifts_in_second_cell.ipynb FAILED*",
            "*markdown_only.ipynb::markdown_only.ipynb PASSED*",
            "*reproduces.ipynb::reproduces.ipynb PASSED*",
            "*drifts_in_second_cell.ipynb: drifted — 1 of 3 cells drifted*",
        ]
    )


def test_unreadable_notebook_fails_its_item_with_the_reason(pytester: pytest.Pytester) -> None:
    add(pytester, "not_json.ipynb")
    result = pytester.runpytest("--repro-nb", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*not_json.ipynb: error — cannot read notebook *not valid JSON*"])


def test_notebooks_are_not_collected_without_the_option(pytester: pytest.Pytester) -> None:
    add(pytester, "reproduces.ipynb")
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_options_are_documented_in_pytest_help(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(["*--repro-nb *collect .ipynb files*", "*--repro-nb-rtol*", "*relative tolerance*"])
