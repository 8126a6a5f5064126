"""``[tool.repro-nb]``: one configuration for the CLI and the pytest plugin (no kernels)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest

from repro_nb.check.settings import HELP, Settings, find_pyproject, load_settings
from repro_nb.errors import ConfigError


def pyproject(directory: Path, body: str) -> Path:
    path = directory / "pyproject.toml"
    path.write_text("[project]\nname = 'x'\n\n[tool.repro-nb]\n" + body)
    return path


def test_defaults_without_a_pyproject(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("repro_nb.check.settings.find_pyproject", lambda start=None, stop_at=None: None)
    assert load_settings(start=str(tmp_path)) == Settings()
    assert (Settings().timeout, Settings().rtol, Settings().atol, Settings().jobs) == (600.0, 1e-5, 1e-8, 1)


def test_the_nearest_pyproject_up_the_tree(tmp_path: Path) -> None:
    path = pyproject(tmp_path, "rtol = 0.01\n")
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert find_pyproject(str(deep)) == str(path)
    settings = load_settings(start=str(deep))
    assert settings.rtol == 0.01 and settings.source == str(path)


def test_the_search_stops_at_a_boundary(tmp_path: Path) -> None:
    """The server's checks: from the notebook's folder up to the root, never above (issue 15)."""
    (tmp_path / "pyproject.toml").write_text('[tool.repro-nb]\nskip = ["*"]\n')
    root = tmp_path / "root"
    (root / "a" / "b").mkdir(parents=True)
    assert find_pyproject(str(root / "a" / "b")) == str(tmp_path / "pyproject.toml")  # unbounded: the CLI
    assert find_pyproject(str(root / "a" / "b"), stop_at=str(root)) is None
    assert load_settings(str(root / "a"), stop_at=str(root)).skip == ()
    assert find_pyproject(str(tmp_path), stop_at=str(root)) is None  # a start outside the boundary
    (root / "pyproject.toml").write_text("[tool.repro-nb]\njobs = 2\n")
    assert find_pyproject(str(root / "a" / "b"), stop_at=str(root)) == str(root / "pyproject.toml")


def test_every_option_is_read(tmp_path: Path) -> None:
    path = pyproject(
        tmp_path,
        """
timeout = 30
startup-timeout = 20.5
kernel = "python3"
rtol = 1e-3
atol = 0
masks = ['run id: \\w+']
default_masks = false
disable-masks = ["timestamp"]
image_pixel_tolerance = 3
skip = ["scratch/*"]
skip_tags = ["flaky"]
jobs = 2
""",
    )
    settings = load_settings(pyproject=str(path))
    assert settings == Settings(
        timeout=30,
        startup_timeout=20.5,
        kernel="python3",
        rtol=1e-3,
        atol=0,
        masks=(r"run id: \w+",),
        default_masks=False,
        disable_masks=("timestamp",),
        image_pixel_tolerance=3,
        skip=("scratch/*",),
        skip_tags=("flaky",),
        jobs=2,
        source=str(path),
    )


def test_a_pyproject_without_the_table_gives_defaults(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text("[tool.other]\nx = 1\n")
    assert load_settings(pyproject=str(path)) == Settings(source=str(path))


def test_help_documents_every_option() -> None:
    assert set(HELP) == {f.name for f in fields(Settings)} - {"source"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("rtol = 'big'\n", "rtol must be int or float, not str"),
        ("jobs = true\n", "jobs must be int, not bool"),
        ("masks = 'x'\n", "masks must be list, not str"),
        ("tolerance = 1\n", "unknown option [tool.repro-nb] 'tolerance'"),
        ("timeout = -1\n", "timeouts must be positive"),
        ("startup_timeout = 0\n", "timeouts must be positive"),
        ("atol = -1e-9\n", "rtol and atol must be >= 0"),
        ("jobs = 0\n", "jobs must be at least 1"),
        ("image_pixel_tolerance = 256\n", "between 0 and 255"),
        ("masks = ['(unclosed']\n", "invalid mask regex '(unclosed'"),
        ("disable_masks = ['no-such-mask']\n", "unknown built-in mask(s) in disable_masks: no-such-mask"),
        ("rtol = \n", "cannot read"),
    ],
)
def test_invalid_configuration_is_one_clear_error(tmp_path: Path, body: str, message: str) -> None:
    path = pyproject(tmp_path, body)
    with pytest.raises(ConfigError) as excinfo:
        load_settings(pyproject=str(path))
    assert message in str(excinfo.value)
    assert "\n" not in str(excinfo.value)


def test_an_unreadable_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_settings(pyproject=str(tmp_path / "missing.toml"))


def test_command_line_values_override_the_file() -> None:
    base = Settings(timeout=30, rtol=0.1, masks=("a",))
    assert base.override(timeout=None, rtol=None) is base
    changed = base.override(timeout=5, rtol=0.0, masks=None)
    assert (changed.timeout, changed.rtol, changed.masks) == (5, 0.0, ("a",))
    with pytest.raises(ConfigError, match="jobs must be at least 1"):
        base.override(jobs=0)
    with pytest.raises(ConfigError, match="invalid mask regex"):
        base.override(masks=("[",))


def test_check_options_carry_the_settings() -> None:
    options = Settings(
        timeout=0, startup_timeout=9, kernel="k", rtol=0.5, atol=0.25, skip_tags=("flaky",), masks=(r"run id: \w+",)
    ).check_options()
    assert options.timeout is None  # 0 means no limit
    assert (options.startup_timeout, options.kernel_name) == (9, "k")
    compare = options.compare
    assert (compare.tolerance.rtol, compare.tolerance.atol) == (0.5, 0.25)
    assert compare.skip_tags == frozenset({"repro-skip", "nbval-ignore-output", "flaky"})
    assert compare.normalizers("stream/stdout", "run id: 3f2a done") == "<MASKED> done"


def test_default_masks_can_be_switched_off() -> None:
    text = "at 2024-01-05 12:30:45"
    assert Settings().compare_options().normalizers("text/plain", text) == "at <TIMESTAMP>"
    assert Settings(default_masks=False).compare_options().normalizers("text/plain", text) == text
    assert Settings(disable_masks=("timestamp",)).compare_options().normalizers("text/plain", text) == text


def test_loading_the_settings_and_the_plugin_imports_no_checking_machinery() -> None:
    """pytest loads the plugin in every run of every project with repro-nb installed."""
    code = (
        "import sys, repro_nb.check.settings, repro_nb.pytest_plugin, repro_nb.cli; "
        "print(sorted(m for m in ('papermill', 'nbformat', 'numpy', 'nbclient') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


SANITIZE = """[Memory addresses]
regex: (<[a-zA-Z_][0-9a-zA-Z_.]* at )(0x[0-9a-fA-F]+)(>)
replace: \\1MEMORY_ADDRESS\\3

[Matplotlib figure size]
regex: (Figure size )\\d+x\\d+( with \\d+ Axes)
replace: \\1WIDTHxHEIGHT\\2
"""


def test_an_nbval_sanitize_file_is_read_as_masks(tmp_path: Path) -> None:
    (tmp_path / "ci").mkdir()
    (tmp_path / "ci" / "sanitize.cfg").write_text(SANITIZE)
    settings = load_settings(pyproject=str(pyproject(tmp_path, 'sanitize_with = "ci/sanitize.cfg"\n')))
    assert settings.sanitize_with == str(tmp_path / "ci" / "sanitize.cfg")  # relative to the pyproject
    normalize = settings.compare_options().normalizers
    assert normalize("text/plain", "<Figure size 432x288 with 1 Axes>") == "<Figure size WIDTHxHEIGHT with 1 Axes>"
    assert normalize("text/plain", "<Figure size 640x480 with 2 Axes>") == "<Figure size WIDTHxHEIGHT with 2 Axes>"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (None, "cannot read the sanitize file"),
        ("[x]\nregex: (unclosed\nreplace: y\n", "sanitize.cfg:2: invalid regex '(unclosed'"),
        ("[x]\nregex: a+\n\nreplace: y\n", "sanitize.cfg:2: 'regex:' without a 'replace:'"),
    ],
)
def test_a_broken_sanitize_file_is_one_clear_error(tmp_path: Path, text: str | None, message: str) -> None:
    if text is not None:
        (tmp_path / "sanitize.cfg").write_text(text)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace("+", r"\+")):
        Settings().override(sanitize_with=str(tmp_path / "sanitize.cfg"))


def test_label_columns_by_path_or_for_every_table(tmp_path: Path) -> None:
    path = pyproject(tmp_path, 'labels = {"data/test.csv" = "is_spoof"}\ndescribe_data = false\n')
    settings = load_settings(pyproject=str(path))
    assert settings.labels == (("data/test.csv", "is_spoof"),)
    assert settings.check_options().describe_data is False
    path = pyproject(tmp_path, 'labels = "target"\n')
    assert load_settings(pyproject=str(path)).check_options().labels == (("*", "target"),)
    path = pyproject(tmp_path, 'labels = {"a.csv" = 3}\n')
    with pytest.raises(ConfigError, match=r"labels.a.csv must be a column name"):
        load_settings(pyproject=str(path))
