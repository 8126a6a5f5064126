"""Shared configuration of the CLI and the pytest plugin: ``[tool.repro-nb]``.

One table in ``pyproject.toml`` (found by walking up from the working directory; for a
check the Jupyter server starts, from the notebook's folder up to the server's root and
never above it), one help text per option (:data:`HELP`) used by ``repro-nb --help``,
``pytest --help`` and the docs. Command-line values override the file.

.. code-block:: toml

    [tool.repro-nb]
    timeout = 300            # seconds per cell
    rtol = 1e-5
    atol = 1e-8
    masks = ['run id: \\w+']  # extra volatile-output regexes
    skip = ["notebooks/scratch/*"]
    jobs = 2
    executor = "dask:tcp://scheduler:8786"   # or processes:4, dask:local:2 (docs/scale.md)
    cache = ".repro-nb-cache"                # where check --cache keeps results
"""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError

if TYPE_CHECKING:
    from ..compare.model import CompareOptions
    from .executors import ExecutorSpec
    from .options import CheckOptions

# The comparison machinery (numpy, nbformat, papermill) is imported only when options are
# built: the pytest plugin imports this module in every pytest run of every project that
# has repro-nb installed, --repro-nb or not, and must cost nothing there.

HELP: dict[str, str] = {
    "timeout": "seconds a single cell may run before the check fails it (0: no limit)",
    "startup_timeout": "seconds to wait for the kernel to start",
    "kernel": "kernel to run instead of the notebook's own kernelspec",
    "rtol": "relative tolerance for numbers in text outputs (default 1e-5)",
    "atol": "absolute tolerance for numbers in text outputs (default 1e-8)",
    "masks": "extra regular expressions whose matches are volatile output (replaced before comparing)",
    "sanitize_with": "an nbval sanitize file (regex:/replace: pairs) whose patterns are applied as masks",
    "default_masks": "apply the built-in masks (timestamps, addresses, timings, progress bars, temp paths)",
    "disable_masks": "names of built-in masks to switch off",
    "image_pixel_tolerance": "per-channel difference (0-255) within which two pixels of a picture look the same "
    "(default 64: forgives anti-aliasing and re-encoding noise)",
    "image_shift_tolerance": "pixels a detail of a picture may move before it counts as moved (default 1)",
    "image_size_tolerance": "pixels a picture may grow or shrink in each direction and still be aligned and compared "
    "(default 2: a formula or a font rendered a pixel larger)",
    "image_min_changed_pixels": "changed pixels a picture needs before it counts as drifted (default 2)",
    "stop_on_error": "stop at the first error the stored notebook does not have, instead of running every cell",
    "strict_kernel": "refuse a notebook whose kernel is not installed, instead of checking it with one of its language",
    "skip": "glob patterns of notebook paths not to check",
    "skip_tags": "cell tags whose outputs are not compared (repro-skip and nbval-ignore-output always are)",
    "jobs": "notebooks checked in parallel, each in its own kernel",
    "executor": "where the checks run: serial, processes[:N], dask:local[:N] or dask:ADDRESS (docs/scale.md)",
    "ship": "with Dask: send the checked directory to the workers with the tasks instead of relying on a "
    "filesystem they share at the same path",
    "cache": "directory of --cache: results of notebooks whose inputs did not change are reused "
    "(default .repro-nb-cache beside pyproject.toml)",
    "cache_trust_unrecorded": "with --cache: also reuse the results of notebooks without a record or with "
    "randomness used without a seed (re-run otherwise)",
    "labels": "label columns of the data files, by path relative to the notebook ('*': any table), for their "
    "class balance (a file's %repro_data --label wins; label, target, class, y, … are recognised otherwise)",
    "describe_data": "describe the tables a notebook read (rows, columns, types, missing values, class balance)",
}


@dataclass(frozen=True)
class Settings:
    timeout: float = 600.0
    startup_timeout: float = 60.0
    kernel: str | None = None
    rtol: float = 1e-5
    atol: float = 1e-8
    masks: tuple[str, ...] = ()
    sanitize_with: str | None = None
    """Absolute once loaded: a file's path is relative to its pyproject, a flag's to the cwd."""
    default_masks: bool = True
    disable_masks: tuple[str, ...] = ()
    image_pixel_tolerance: int = 64
    image_shift_tolerance: int = 1
    image_size_tolerance: int = 2
    image_min_changed_pixels: int = 2
    stop_on_error: bool = False
    strict_kernel: bool = False
    skip: tuple[str, ...] = ()
    skip_tags: tuple[str, ...] = ()
    jobs: int = 1
    executor: str | None = None
    ship: bool = False
    cache: str | None = None
    cache_trust_unrecorded: bool = False
    labels: tuple[tuple[str, str], ...] = ()
    describe_data: bool = True
    source: str | None = None  # the pyproject.toml it came from

    def override(self, **values: Any) -> Settings:
        """Settings with command-line values (those not ``None``) taking precedence."""
        given = {k: v for k, v in values.items() if v is not None}
        return _validated(replace(self, **given)) if given else self

    def compare_options(self) -> CompareOptions:
        from ..compare.model import CompareOptions, ImageTolerance, Tolerance
        from ..compare.normalize import NormalizerSet

        try:
            normalizers = NormalizerSet.from_options(
                defaults=self.default_masks,
                disable=self.disable_masks,
                extra_masks=(*self.masks, *_sanitize_masks(self.sanitize_with)),
            )
        except ValueError as exc:
            raise ConfigError(f"invalid mask: {exc}") from exc
        return CompareOptions(
            tolerance=Tolerance(rtol=self.rtol, atol=self.atol),
            normalizers=normalizers,
            image=ImageTolerance(
                pixel=self.image_pixel_tolerance,
                shift=self.image_shift_tolerance,
                size=self.image_size_tolerance,
                min_changed=self.image_min_changed_pixels,
            ),
            skip_tags=frozenset({"repro-skip", "nbval-ignore-output", *self.skip_tags}),
        )

    def executor_spec(self) -> ExecutorSpec:
        """``executor`` when set, else ``jobs`` processes (serial for one)."""
        from .executors import ExecutorSpec, parse_executor

        if self.executor:
            return parse_executor(self.executor, ship=self.ship)
        return ExecutorSpec("processes", self.jobs) if self.jobs > 1 else ExecutorSpec("serial")

    def project_dir(self) -> str:
        """The directory of the ``pyproject.toml`` the settings came from, else the working directory."""
        return os.path.dirname(os.path.abspath(self.source)) if self.source else os.getcwd()

    def cache_directory(self, given: str | None = None) -> str:
        """``--cache DIR`` as given; else ``cache`` (relative to its ``pyproject.toml``); else
        ``.repro-nb-cache`` in the project directory."""
        if given:
            return given
        from .cache import DEFAULT_CACHE_DIR

        return os.path.join(self.project_dir(), self.cache or DEFAULT_CACHE_DIR)

    def check_options(self) -> CheckOptions:
        from .options import CheckOptions

        return CheckOptions(
            timeout=self.timeout or None,
            startup_timeout=self.startup_timeout,
            kernel_name=self.kernel,
            compare=self.compare_options(),
            stop_on_error=self.stop_on_error,
            strict_kernel=self.strict_kernel,
            describe_data=self.describe_data,
            labels=self.labels,
        )


_TYPES: dict[str, tuple[type, ...]] = {
    "timeout": (int, float),
    "startup_timeout": (int, float),
    "kernel": (str,),
    "rtol": (int, float),
    "atol": (int, float),
    "masks": (list,),
    "sanitize_with": (str,),
    "default_masks": (bool,),
    "disable_masks": (list,),
    "image_pixel_tolerance": (int,),
    "image_shift_tolerance": (int,),
    "image_size_tolerance": (int,),
    "image_min_changed_pixels": (int,),
    "stop_on_error": (bool,),
    "strict_kernel": (bool,),
    "skip": (list,),
    "skip_tags": (list,),
    "jobs": (int,),
    "executor": (str,),
    "ship": (bool,),
    "cache": (str,),
    "cache_trust_unrecorded": (bool,),
    "labels": (dict, str),
    "describe_data": (bool,),
}


def find_pyproject(start: str | None = None, stop_at: str | None = None) -> str | None:
    """The nearest ``pyproject.toml`` from ``start`` upwards; never above ``stop_at``.

    ``stop_at`` is the Jupyter server's root for the checks it starts: a file above the
    root belongs to whoever owns that directory, not to the notebooks the server serves
    (a ``skip = ["*"]`` there made every check fail). A ``start`` outside ``stop_at``
    finds nothing.
    """
    directory = os.path.abspath(start or os.getcwd())
    boundary = os.path.realpath(stop_at) if stop_at is not None else None
    while True:
        if boundary is not None and not _within(os.path.realpath(directory), boundary):
            return None
        candidate = os.path.join(directory, "pyproject.toml")
        if os.path.isfile(candidate):
            return candidate
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def _within(path: str, boundary: str) -> bool:
    return os.path.commonpath([path, boundary]) == boundary


def load_settings(start: str | None = None, pyproject: str | None = None, stop_at: str | None = None) -> Settings:
    """Settings from ``[tool.repro-nb]`` of the nearest ``pyproject.toml`` (defaults if none).

    ``stop_at``: look no higher than this directory (see :func:`find_pyproject`).
    """
    path = pyproject or find_pyproject(start, stop_at)
    if path is None:
        return Settings()
    try:
        with open(path, "rb") as handle:
            table = tomllib.load(handle).get("tool", {}).get("repro-nb", {})
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    known = {f.name for f in fields(Settings)} - {"source"}
    values: dict[str, Any] = {}
    for key, value in table.items():
        name = key.replace("-", "_")
        if name not in known:
            raise ConfigError(f"{path}: unknown option [tool.repro-nb] {key!r}; known: {', '.join(sorted(known))}")
        if not isinstance(value, _TYPES[name]) or (isinstance(value, bool) and bool not in _TYPES[name]):
            expected = " or ".join(t.__name__ for t in _TYPES[name])
            raise ConfigError(f"{path}: [tool.repro-nb] {key} must be {expected}, not {type(value).__name__}")
        if name == "labels":
            values[name] = _labels(path, value)
            continue
        values[name] = tuple(str(v) for v in value) if isinstance(value, list) else value
    if "sanitize_with" in values:
        values["sanitize_with"] = os.path.join(os.path.dirname(os.path.abspath(path)), values["sanitize_with"])
    return _validated(Settings(source=path, **values))


def _labels(path: str, value: Any) -> tuple[tuple[str, str], ...]:
    """``labels = "target"`` (any table) or ``labels = {"data/test.csv" = "is_spoof"}``."""
    if isinstance(value, str):
        return (("*", value),)
    pairs = []
    for key, column in value.items():
        if not isinstance(column, str):
            raise ConfigError(f"{path}: [tool.repro-nb] labels.{key} must be a column name (str)")
        pairs.append((str(key).replace("\\", "/"), column))
    return tuple(pairs)


def _sanitize_masks(path: str | None) -> tuple[tuple[str, str], ...]:
    if path is None:
        return ()
    from ..compare.sanitize import read_sanitize_file

    try:
        return read_sanitize_file(path)
    except OSError as exc:
        raise ConfigError(f"cannot read the sanitize file {path}: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc


def _validated(settings: Settings) -> Settings:
    # nan passes every comparison below (nan < 0 is false) and inf is "no limit" only by
    # accident: refuse both where the value is read, naming the option.
    for name in ("timeout", "startup_timeout", "rtol", "atol"):
        value = getattr(settings, name)
        if not math.isfinite(value):
            hint = " (0 means no limit)" if name == "timeout" else ""
            raise ConfigError(f"{name} must be a finite number, not {value}{hint}")
    if settings.timeout < 0 or settings.startup_timeout <= 0:
        raise ConfigError("timeouts must be positive (timeout 0 means no limit)")
    if settings.rtol < 0 or settings.atol < 0:
        raise ConfigError("rtol and atol must be >= 0")
    if settings.jobs < 1:
        raise ConfigError("jobs must be at least 1")
    if not 0 <= settings.image_pixel_tolerance <= 255:
        raise ConfigError("image_pixel_tolerance must be between 0 and 255")
    for name in ("image_shift_tolerance", "image_size_tolerance", "image_min_changed_pixels"):
        if not 0 <= getattr(settings, name) <= 1000:
            raise ConfigError(f"{name} must be between 0 and 1000")
    if settings.executor:
        from ..errors import ExecutorError
        from .executors import parse_executor

        try:
            parse_executor(settings.executor)
        except ExecutorError as exc:
            raise ConfigError(str(exc)) from exc
    if settings.masks:
        # Fail where the configuration is read, naming the pattern, not in the middle of
        # a check (or once per notebook in the pytest plugin).
        from ..compare.normalize import compile_user_mask

        for pattern in settings.masks:
            try:
                compile_user_mask(pattern)
            except ValueError as exc:
                raise ConfigError(str(exc)) from exc
    _sanitize_masks(settings.sanitize_with)  # a missing or broken file fails here, once
    if settings.disable_masks:
        from ..compare.normalize import BUILTIN_MASK_NAMES

        unknown = sorted(set(settings.disable_masks) - set(BUILTIN_MASK_NAMES))
        if unknown:
            raise ConfigError(
                f"unknown built-in mask(s) in disable_masks: {', '.join(unknown)}; "
                f"known: {', '.join(BUILTIN_MASK_NAMES)}"
            )
    return settings
