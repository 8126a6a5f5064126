"""pytest plugin: ``pytest --repro-nb notebooks/`` checks each notebook as a test item.

Each ``.ipynb`` becomes one item that re-executes the notebook in a fresh kernel (the
same check as ``repro-nb check``); a failure shows the drift report with its causes.
Configuration is shared with the CLI: ``[tool.repro-nb]`` in ``pyproject.toml``, with
command-line options taking precedence. Works with pytest-xdist (``-n 2``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .check.settings import HELP, Settings, load_settings
from .errors import ConfigError

if TYPE_CHECKING:
    from .check.options import CheckOptions

# Loaded through the pytest11 entry point in every pytest run, --repro-nb or not: the
# checking machinery (papermill, nbformat, numpy: seconds of imports) is imported only
# when a notebook item runs.
_SETTINGS_KEY = pytest.StashKey[Settings]()
_OPTIONS_KEY: pytest.StashKey[CheckOptions] = pytest.StashKey()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("repro-nb", "notebook reproducibility (repro-nb)")
    group.addoption(
        "--repro-nb",
        action="store_true",
        default=False,
        help="collect .ipynb files and check that they reproduce their stored outputs",
    )
    group.addoption("--repro-nb-timeout", type=float, default=None, help=HELP["timeout"])
    group.addoption("--repro-nb-kernel", default=None, help=HELP["kernel"])
    group.addoption("--repro-nb-rtol", type=float, default=None, help=HELP["rtol"])
    group.addoption("--repro-nb-atol", type=float, default=None, help=HELP["atol"])
    group.addoption("--repro-nb-executor", default=None, metavar="SPEC", help=HELP["executor"])


def pytest_configure(config: pytest.Config) -> None:
    if not config.getoption("repro_nb"):
        return
    try:
        settings = load_settings(start=str(config.rootpath)).override(
            timeout=config.getoption("repro_nb_timeout"),
            kernel=config.getoption("repro_nb_kernel"),
            rtol=config.getoption("repro_nb_rtol"),
            atol=config.getoption("repro_nb_atol"),
            executor=config.getoption("repro_nb_executor"),
        )
        options = settings.check_options()
        settings.executor_spec()
    except ConfigError as exc:
        # A usage error: pytest prints one line and exits 4, instead of an INTERNALERROR
        # traceback (or one identical failure per notebook).
        raise pytest.UsageError(f"repro-nb: {exc}") from exc
    config.stash[_SETTINGS_KEY] = settings
    config.stash[_OPTIONS_KEY] = options


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> NotebookFile | None:
    config = parent.config
    if file_path.suffix != ".ipynb" or not config.getoption("repro_nb"):
        return None
    if ".ipynb_checkpoints" in file_path.parts:
        return None
    settings = config.stash[_SETTINGS_KEY]
    if settings.skip:
        from .check.discovery import is_skipped

        base_dir = os.path.dirname(settings.source) if settings.source else str(config.rootpath)
        if is_skipped(str(file_path), settings.skip, base_dir):
            return None
    return NotebookFile.from_parent(parent, path=file_path)


class NotebookFile(pytest.File):
    def collect(self) -> Iterator[NotebookItem]:
        yield NotebookItem.from_parent(self, name=self.path.name)


class NotebookDrift(Exception):
    """Raised by an item whose notebook did not reproduce; carries the result."""

    def __init__(self, result: Any) -> None:
        super().__init__(result.message)
        self.result = result


class NotebookItem(pytest.Item):
    def runtest(self) -> None:
        batch = _batch(self)
        if batch is not None:
            result = batch.result(str(self.path))
        else:
            from .check.executors import check_with_retries

            result = check_with_retries(str(self.path), self.config.stash[_OPTIONS_KEY])
        self.user_properties.append(("repro-nb-verdict", result.verdict))
        if result.verdict != "reproduced":
            raise NotebookDrift(result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, NotebookDrift):
            from .report.terminal import notebook_details

            return notebook_details(excinfo.value.result)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[os.PathLike[str] | str, int | None, str]:
        return self.path, None, f"repro-nb check {self.path.name}"


# ------------------------------------------------------------------ another executor

_BATCH_KEY: pytest.StashKey[Any] = pytest.StashKey()


def _batch(item: NotebookItem) -> Any:
    """With ``executor`` other than serial: every notebook of the session checked at once.

    The first notebook item to run hands all of them to the executor (processes, a Dask
    cluster) in a background thread; each item then waits for its own result, so the
    report reads as in a serial run while the checks run in parallel. Under
    pytest-xdist each worker checks its own items one by one: xdist is the executor then.
    """
    config = item.config
    if hasattr(config, "workerinput"):
        return None
    if _BATCH_KEY not in config.stash:
        spec = config.stash[_SETTINGS_KEY].executor_spec()
        if spec.kind == "serial":
            config.stash[_BATCH_KEY] = None
        else:
            from .check.batch import BackgroundChecks

            paths = [str(i.path) for i in item.session.items if isinstance(i, NotebookItem)]
            config.stash[_BATCH_KEY] = BackgroundChecks(spec, config.stash[_OPTIONS_KEY], paths)
    return config.stash[_BATCH_KEY]


def pytest_unconfigure(config: pytest.Config) -> None:
    batch = config.stash.get(_BATCH_KEY, None)
    if batch is not None:
        batch.close()
