"""Masking of volatile output: each kind of noise is masked, real content is not."""

from __future__ import annotations

import sys
import textwrap
import time
from pathlib import Path

import pytest

from repro_nb.compare.normalize import (
    BUILTIN_MASK_NAMES,
    NormalizerSet,
    collapse_carriage_returns,
    load_entry_point_normalizers,
)


@pytest.fixture(scope="module")
def builtin() -> NormalizerSet:
    return NormalizerSet.from_options(load_plugins=False)


TQDM_RUN_1 = (
    "\r  0%|          | 0/100 [00:00<?, ?it/s]"
    "\r 45%|████▌     | 45/100 [00:01<00:02, 30.1it/s]"
    "\r100%|██████████| 100/100 [00:03<00:00, 30.1it/s]\n"
)
TQDM_RUN_2 = "\r  0%|          | 0/100 [00:00<?, ?it/s]\r100%|██████████| 100/100 [00:05<00:00, 19.9it/s]\n"

# (mask name, one run's text, another run's text) — must normalize to the same text.
NOISE = [
    ("timestamp", "saved at 2024-01-05T12:30:45.123456+01:00", "saved at 2025-11-30T08:01:02Z"),
    ("timestamp", "INFO 2024-01-05 12:30:45,123 start", "INFO 2024-02-07 09:00:01,999 start"),
    ("timestamp", "saved 2018-06-01, 12:33:15 by the logger", "saved 2026-12-01, 09:00:01 by the logger"),
    ("timestamp", "Fri Jan  5 12:30:45 2024", "Sat Feb 10 01:02:03 2024"),
    ("timestamp", "Date: Fri, 05 Jan 2024 12:30:45 GMT", "Date: Mon, 08 Jan 2024 07:00:00 GMT"),
    ("timestamp", "at 01/05/2024 12:30:45 PM", "at 1/6/2024 9:01:02 AM"),
    ("address", "<Foo object at 0x7f3a2b1c0d90>", "<Foo object at 0x7f11aa22bb33>"),
    ("address", "ptr=0x00007ffd5e8c", "ptr=0x00007ffd9999"),
    (
        "time-magic",
        "CPU times: user 3.21 ms, sys: 0 ns, total: 3.21 ms\nWall time: 3.05 ms\n",
        "CPU times: user 1.1 s, sys: 12 ms, total: 1.11 s\nWall time: 1.2 s\n",
    ),
    (
        "timeit",
        "1.23 ms ± 45.6 µs per loop (mean ± std. dev. of 7 runs, 1,000 loops each)\n",
        "980 µs ± 1.2 µs per loop (mean ± std. dev. of 7 runs, 1,000 loops each)\n",
    ),
    (
        "timeit",
        "The slowest run took 5.12 times longer than the fastest.",
        "The slowest run took 7.40 times longer than the fastest.",
    ),
    ("progress", TQDM_RUN_1, TQDM_RUN_2),
    ("progress", "train: 45it [00:01, 30.12it/s]", "train: 45it [00:02, 22.01it/s]"),
    ("progress", "1875/1875 [====] - 2s 1ms/step - loss: 0.29", "1875/1875 [====] - 3s 2ms/step - loss: 0.29"),
    ("temp-path", "wrote /tmp/tmpab3d_x9q/out.csv", "wrote /tmp/tmpzz81kq0_/out.csv"),
    ("temp-path", "/var/folders/ab/cd_ef12/T/data.bin", "/private/var/folders/xy/zz_99/T/data.bin"),
    (
        "temp-path",
        "File /tmp/ipykernel_1234/3456789.py:3, in f()",
        "File /tmp/ipykernel_98/1111.py:3, in f()",
    ),
    ("duration", "fit took 1.23s", "fit took 0.98s"),
    ("duration", "done in 0.52 seconds", "done in 1.7 seconds"),
    ("duration", "Elapsed: 120 ms", "Elapsed: 87 ms"),
    (
        "uuid",
        "run 3f2b9c1e-8d4a-4f6b-9a1c-2e3d4f5a6b7c",
        "run 0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
    ),
    ("ansi", "\x1b[31mred\x1b[0m", "red"),
]


@pytest.mark.parametrize(("name", "first", "second"), NOISE, ids=[n[0] for n in NOISE])
def test_noise_is_masked(builtin: NormalizerSet, name: str, first: str, second: str) -> None:
    assert first != second
    assert builtin("text/plain", first) == builtin("text/plain", second)


@pytest.mark.parametrize(("name", "first", "second"), NOISE, ids=[n[0] for n in NOISE])
def test_each_mask_can_be_disabled(name: str, first: str, second: str) -> None:
    without = NormalizerSet.from_options(disable=[name], load_plugins=False)
    assert name not in without.names
    assert without("text/plain", first) != without("text/plain", second)


# Content that must survive masking: a mask that hides a real change is a silent bug.
KEPT = [
    "numpy 1.26.4 and version 1.2.3",
    "date 2024-01-05 without a time",
    "flags 0x1f and 0xff00",
    "the object fell 5 s later",
    "accuracy 0.9312",
    "12:30 is lunch",
    "/home/user/tmp/data.csv",
    "tmp_results",
    "uuid5 886313e1-3b8a-5372-9b90-0c9aee199e5d",
    "progress 45% done",
]


@pytest.mark.parametrize("text", KEPT)
def test_real_content_is_kept(builtin: NormalizerSet, text: str) -> None:
    assert builtin("text/plain", text) == text


def test_placeholders_are_readable(builtin: NormalizerSet) -> None:
    text = "at 0x7f3a2b1c0d90 on 2024-01-05 12:30:45 took 1.5s in /tmp/tmpab3d_x9q/f"
    assert builtin("text/plain", text) == ("at <ADDRESS> on <TIMESTAMP> took <DURATION> in <TMPDIR>/<TMPNAME>/f")


def test_carriage_return_keeps_last_visible_segment() -> None:
    assert collapse_carriage_returns("stream/stdout", "a\rb\rc\nx\r\n") == "c\nx\n"
    assert collapse_carriage_returns("stream/stdout", "done\r") == "done"
    assert collapse_carriage_returns("stream/stdout", "no returns") == "no returns"


def test_defaults_off_keeps_only_user_masks() -> None:
    masks = NormalizerSet.from_options(defaults=False, extra_masks=[r"seed=\d+"], load_plugins=False)
    assert masks.names == (r"user:seed=\d+",)
    assert masks("text/plain", "at 0x7f3a2b1c0d90 seed=42") == "at 0x7f3a2b1c0d90 <MASKED>"


def test_user_mask_with_replacement_runs_after_builtins() -> None:
    masks = NormalizerSet.from_options(extra_masks=[(r"host-\w+", "<HOST>"), "pid \\d+"], load_plugins=False)
    assert masks("text/plain", "host-abc pid 1234 at 0x7f3a2b1c0d90") == ("<HOST> <MASKED> at <ADDRESS>")
    assert masks.names[-2:] == (r"user:host-\w+", r"user:pid \d+")


def test_invalid_user_regex_names_the_pattern() -> None:
    with pytest.raises(ValueError, match=r"invalid mask regex '\(unclosed'"):
        NormalizerSet.from_options(extra_masks=["fine", "(unclosed"], load_plugins=False)


def test_unknown_mask_name_is_rejected() -> None:
    with pytest.raises(ValueError, match="timestampz"):
        NormalizerSet.from_options(disable=["timestampz"], load_plugins=False)
    assert "timestamp" in BUILTIN_MASK_NAMES


def _install_plugin_distribution(root: Path) -> None:
    """A real (unpacked) distribution with entry points, importable from ``root``."""
    (root / "repro_test_plugin.py").write_text(
        textwrap.dedent(
            """
            def mask_secret(mime, text):
                return text.replace("SECRET", "<SECRET>")

            NOT_CALLABLE = 42
            """
        )
    )
    dist_info = root / "repro_test_plugin-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: repro-test-plugin\nVersion: 1.0\n")
    (dist_info / "entry_points.txt").write_text(
        "[repro_nb.normalizers]\n"
        "secret = repro_test_plugin:mask_secret\n"
        "broken = repro_missing_module_xyz:mask\n"
        "number = repro_test_plugin:NOT_CALLABLE\n"
    )


def test_entry_point_normalizers_load_and_failures_become_warnings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _install_plugin_distribution(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        masks = NormalizerSet.from_options()
        assert "plugin:secret" in masks.names
        assert masks("text/plain", "key SECRET at 0x7f3a2b1c0d90") == "key <SECRET> at <ADDRESS>"
        assert len(masks.warnings) == 2
        broken, not_callable = sorted(masks.warnings)
        assert "'broken'" in broken and "ModuleNotFoundError" in broken
        assert "'number'" in not_callable and "not callable" in not_callable
        plugins, warnings = load_entry_point_normalizers()
        assert [plugin.name for plugin in plugins] == ["plugin:secret"]
        assert len(warnings) == 2
    finally:
        sys.modules.pop("repro_test_plugin", None)


def test_plugins_can_be_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _install_plugin_distribution(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    masks = NormalizerSet.from_options(load_plugins=False)
    assert not any(name.startswith("plugin:") for name in masks.names)
    assert masks.warnings == ()


def test_large_text_without_noise_is_fast(builtin: NormalizerSet) -> None:
    """Prefilters keep a 20 MB output without noise at a few scans, not 20 regexes."""
    text = "value 0.123456 label abc\n" * 800_000
    start = time.perf_counter()
    assert builtin("text/plain", text) == text
    assert time.perf_counter() - start < 5.0
