"""Drift between two executed notebooks: planted noise passes, planted drift is found."""

from __future__ import annotations

import base64
import io
import json
import time
from typing import Any

import nbformat
import pytest
from nbformat.notebooknode import NotebookNode
from nbformat.v4 import (
    new_code_cell,
    new_markdown_cell,
    new_notebook,
    new_output,
)
from PIL import Image

from repro_nb.compare import (
    CompareOptions,
    NotebookComparison,
    OutputDiff,
    Tolerance,
    compare_notebooks,
    compare_outputs,
)
from repro_nb.compare.model import ImageTolerance
from repro_nb.compare.normalize import NormalizerSet


@pytest.fixture(scope="module")
def options() -> CompareOptions:
    """Built-in masks only, so an installed plugin cannot change these verdicts."""
    return CompareOptions(normalizers=NormalizerSet.from_options(load_plugins=False))


def stream(text: str, name: str = "stdout") -> NotebookNode:
    return new_output("stream", name=name, text=text)


def result(data: dict[str, Any], count: int = 1) -> NotebookNode:
    return new_output("execute_result", data=data, execution_count=count)


def display(data: dict[str, Any]) -> NotebookNode:
    return new_output("display_data", data=data)


def error(ename: str, evalue: str) -> NotebookNode:
    traceback = [
        "\x1b[0;31m---------------------------------------------------------\x1b[0m",
        f"\x1b[0;31m{ename}\x1b[0m: {evalue}",
    ]
    return new_output("error", ename=ename, evalue=evalue, traceback=traceback)


def png(pixels: list[list[tuple[int, int, int]]], compress_level: int = 6) -> str:
    height, width = len(pixels), len(pixels[0])
    image = Image.new("RGB", (width, height))
    image.putdata([pixel for row in pixels for pixel in row])
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=compress_level)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def gradient(width: int = 20, height: int = 10) -> list[list[tuple[int, int, int]]]:
    return [[(x * 10 % 256, y * 20 % 256, 128) for x in range(width)] for y in range(height)]


def notebook(*cells: NotebookNode) -> NotebookNode:
    """A notebook that survives a write/read round trip, as a real file would."""
    nb = new_notebook(cells=list(cells))
    return nbformat.reads(nbformat.writes(nb), as_version=4)


def pair(
    expected_outputs: list[NotebookNode],
    actual_outputs: list[NotebookNode],
    source: str = "x",
    **cell_fields: Any,
) -> tuple[NotebookNode, NotebookNode]:
    expected = notebook(new_code_cell(source, outputs=expected_outputs, id="c1", **cell_fields))
    actual = notebook(new_code_cell(source, outputs=actual_outputs, id="c1", **cell_fields))
    return expected, actual


def only_cell(comparison: NotebookComparison) -> Any:
    assert len(comparison.cells) == 1
    return comparison.cells[0]


# ------------------------------------------------------------------ planted non-drift

NON_DRIFT = {
    "timestamp": (
        [stream("started 2024-01-05 12:30:45\n")],
        [stream("started 2025-03-01 08:00:01\n")],
    ),
    "address": (
        [result({"text/plain": "<model.Net at 0x7f3a2b1c0d90>"})],
        [result({"text/plain": "<model.Net at 0x7f0011223344>"}, count=7)],
    ),
    "time-magic": (
        [stream("CPU times: user 2 ms, sys: 1 ms, total: 3 ms\nWall time: 2.9 ms\n")],
        [stream("CPU times: user 5 ms, sys: 0 ns, total: 5 ms\nWall time: 6.1 ms\n")],
    ),
    "timeit": (
        [stream("1.2 ms ± 3.1 µs per loop (mean ± std. dev. of 7 runs, 1,000 loops each)\n")],
        [stream("2.0 ms ± 9.9 µs per loop (mean ± std. dev. of 7 runs, 100 loops each)\n")],
    ),
    "tqdm": (
        [
            stream(
                "\r 50%|█████     | 5/10 [00:01<00:01, 4.1it/s]\r100%|██████████| 10/10 [00:02<00:00, 4.0it/s]\n",
                name="stderr",
            )
        ],
        [stream("\r100%|██████████| 10/10 [00:03<00:00, 3.3it/s]\n", name="stderr")],
    ),
    "temp path": (
        [stream("saved /tmp/tmpab3d_x9q/model.pt\n")],
        [stream("saved /tmp/tmp0k2jj1x_/model.pt\n")],
    ),
    "ulp float noise": (
        [result({"text/plain": "0.30000000000000004"})],
        [result({"text/plain": "0.3"})],
    ),
    "blas noise in an array": (
        [result({"text/plain": "array([1.00000001, 2.5       , 3.14159265])"})],
        [result({"text/plain": "array([1.00000002, 2.5       , 3.14159266])"})],
    ),
    "stream chunking": (
        [stream("epoch 1\n"), stream("epoch 2\n"), stream("warn\n", name="stderr")],
        [stream("warn\n", name="stderr"), stream("epoch 1\nepoch 2\n")],
    ),
    "widget model id": (
        [
            display(
                {
                    "text/plain": "IntSlider(value=3)",
                    "application/vnd.jupyter.widget-view+json": {
                        "model_id": "3f2b9c1e8d4a4f6b9a1c2e3d4f5a6b7c",
                        "version_major": 2,
                        "version_minor": 0,
                    },
                }
            )
        ],
        [
            display(
                {
                    "text/plain": "IntSlider(value=3)",
                    "application/vnd.jupyter.widget-view+json": {
                        "model_id": "0a1b2c3d4e5f4a6b8c7d9e0f1a2b3c4d",
                        "version_major": 2,
                        "version_minor": 0,
                    },
                }
            )
        ],
    ),
    "png re-encoded": (
        [display({"image/png": png(gradient(), compress_level=0), "text/plain": "<Figure>"})],
        [display({"image/png": png(gradient(), compress_level=9), "text/plain": "<Figure>"})],
    ),
    "execution count and metadata": (
        [result({"text/plain": "42"}, count=1)],
        [new_output("execute_result", data={"text/plain": "42"}, execution_count=9, metadata={"isolated": True})],
    ),
}


@pytest.mark.parametrize("case", sorted(NON_DRIFT))
def test_planted_noise_is_not_drift(case: str, options: CompareOptions) -> None:
    expected_outputs, actual_outputs = NON_DRIFT[case]
    comparison = compare_notebooks(*pair(expected_outputs, actual_outputs), options)
    cell = only_cell(comparison)
    assert cell.status == "reproduced", cell.diffs
    assert comparison.reproduced


def test_png_bytes_really_differ() -> None:
    assert png(gradient(), compress_level=0) != png(gradient(), compress_level=9)


# ---------------------------------------------------------------------- planted drift


def test_metric_change_is_numeric_drift(options: CompareOptions) -> None:
    comparison = compare_notebooks(*pair([stream("accuracy: 0.9312\n")], [stream("accuracy: 0.9127\n")]), options)
    cell = only_cell(comparison)
    assert cell.status == "drifted"
    (diff,) = cell.diffs
    assert diff.kind == "numeric"
    assert diff.mime == "stream/stdout"
    assert diff.numbers_changed == (("0.9312", "0.9127"),)
    assert diff.max_abs_diff == pytest.approx(0.0185)
    assert diff.max_rel_diff == pytest.approx(0.0185 / 0.9312)
    assert "-accuracy: 0.9312" in diff.unified_diff
    assert "+accuracy: 0.9127" in diff.unified_diff


def test_third_significant_digit_is_drift_but_tolerance_is_configurable(
    options: CompareOptions,
) -> None:
    outputs = ([result({"text/plain": "1000"})], [result({"text/plain": "1001"})])
    assert only_cell(compare_notebooks(*pair(*outputs), options)).status == "drifted"
    loose = CompareOptions(tolerance=Tolerance(rtol=1e-2), normalizers=options.normalizers)
    assert only_cell(compare_notebooks(*pair(*outputs), loose)).status == "reproduced"


def test_nan_equals_nan_but_not_a_number(options: CompareOptions) -> None:
    same = compare_outputs(
        [result({"text/plain": "[nan, inf, -inf]"})], [result({"text/plain": "[NaN, inf, -inf]"})], options
    )
    assert same == ()
    (diff,) = compare_outputs([result({"text/plain": "loss nan"})], [result({"text/plain": "loss 0.5"})], options)
    assert diff.kind == "numeric"
    assert diff.to_json()["max_abs_diff"] == "inf"


def test_changed_word_is_text_drift(options: CompareOptions) -> None:
    comparison = compare_notebooks(*pair([stream("class: cat\n")], [stream("class: dog\n")]), options)
    (diff,) = only_cell(comparison).diffs
    assert diff.kind == "text"
    assert diff.unified_diff == ("--- expected", "+++ actual", "@@ -1,1 +1,1 @@", "-class: cat", "+class: dog")


def test_version_strings_are_text_not_numbers(options: CompareOptions) -> None:
    (diff,) = compare_outputs([stream("numpy 1.26.4\n")], [stream("numpy 1.26.5\n")], options)
    assert diff.kind == "text"


def test_changed_html_table_number(options: CompareOptions) -> None:
    table = "<table><tr><th>acc</th></tr><tr><td>{}</td></tr></table>"
    expected_outputs = [result({"text/html": table.format("0.9312"), "text/plain": "acc"})]
    actual_outputs = [result({"text/html": table.format("0.9127"), "text/plain": "acc"})]
    (diff,) = compare_outputs(expected_outputs, actual_outputs, options)
    assert (diff.kind, diff.mime) == ("numeric", "text/html")
    assert diff.numbers_changed == (("0.9312", "0.9127"),)


def test_dataframe_row_order_is_drift(options: CompareOptions) -> None:
    frame = "   name  score\n0  {}  {}\n1  {}  {}"
    expected_text = frame.format("alice", "0.5", "bob", "0.7")
    actual_text = frame.format("bob", "0.7", "alice", "0.5")
    comparison = compare_notebooks(
        *pair([result({"text/plain": expected_text})], [result({"text/plain": actual_text})]),
        options,
    )
    cell = only_cell(comparison)
    assert cell.status == "drifted"
    assert cell.diffs[0].kind == "text"


def test_changed_plot_reports_pixel_fraction(options: CompareOptions) -> None:
    changed = gradient()
    for x in range(5):  # 5 of 200 pixels
        changed[0][x] = (255, 255, 255)
    comparison = compare_notebooks(
        *pair([display({"image/png": png(gradient())})], [display({"image/png": png(changed)})]),
        options,
    )
    (diff,) = only_cell(comparison).diffs
    assert diff.kind == "image"
    assert diff.pixel_fraction == pytest.approx(5 / 200)
    assert diff.expected is not None and diff.expected.startswith("image/png 20x10 (")
    tolerant = CompareOptions(image=ImageTolerance(pixel=255), normalizers=options.normalizers)
    assert (
        only_cell(
            compare_notebooks(
                *pair([display({"image/png": png(gradient())})], [display({"image/png": png(changed)})]),
                tolerant,
            )
        ).status
        == "reproduced"
    )


def test_resized_plot_is_full_drift(options: CompareOptions) -> None:
    (diff,) = compare_outputs(
        [display({"image/png": png(gradient(20, 10))})],
        [display({"image/png": png(gradient(30, 10))})],
        options,
    )
    assert diff.pixel_fraction == 1.0
    assert diff.note == "size changed: 20x10 → 30x10"


def test_undecodable_image_is_drift(options: CompareOptions) -> None:
    (diff,) = compare_outputs(
        [display({"image/png": png(gradient())})],
        [display({"image/png": "bm90IGFuIGltYWdl"})],
        options,
    )
    assert diff.kind == "image"
    assert diff.note is not None and "could not be decoded" in diff.note


def test_svg_is_compared_as_text(options: CompareOptions) -> None:
    svg = '<svg><circle r="{}"/></svg>'
    (diff,) = compare_outputs(
        [display({"image/svg+xml": svg.format(10)})], [display({"image/svg+xml": svg.format(12)})], options
    )
    assert (diff.kind, diff.mime) == ("numeric", "image/svg+xml")


def test_added_error_is_new_error_with_clean_traceback(options: CompareOptions) -> None:
    comparison = compare_notebooks(
        *pair([stream("ok\n")], [stream("ok\n"), error("ZeroDivisionError", "division by zero")]),
        options,
    )
    cell = only_cell(comparison)
    assert cell.status == "failed"
    (diff,) = cell.diffs
    assert diff.kind == "error"
    assert diff.actual == "ZeroDivisionError: division by zero"
    assert diff.output_index == 1
    assert diff.traceback[-1] == "ZeroDivisionError: division by zero"
    assert not any("\x1b" in line for line in diff.traceback)


def test_same_error_is_same_and_changed_error_is_new_error(options: CompareOptions) -> None:
    same = compare_outputs(
        [error("KeyError", "'a' at 0x7f3a2b1c0d90")], [error("KeyError", "'a' at 0x7f0000000001")], options
    )
    assert same == ()
    comparison = compare_notebooks(*pair([error("KeyError", "'a'")], [error("ValueError", "bad")]), options)
    assert only_cell(comparison).status == "failed"
    assert only_cell(comparison).diffs[0].expected == "KeyError: 'a'"


def test_vanished_error_is_drift_not_new_error(options: CompareOptions) -> None:
    comparison = compare_notebooks(*pair([error("KeyError", "'a'")], []), options)
    cell = only_cell(comparison)
    assert cell.status == "drifted"
    assert [(d.kind, d.mime) for d in cell.diffs] == [("output-missing", "error")]


def test_missing_and_added_outputs(options: CompareOptions) -> None:
    figure = display({"text/plain": "<Figure>", "image/png": png(gradient())})
    table = result({"text/plain": "table", "text/html": "<table/>"})
    diffs = compare_outputs([figure, table], [table], options)
    assert [(d.kind, d.output_index) for d in diffs] == [("output-missing", 0)]
    diffs = compare_outputs([table], [figure, table, stream("hi\n")], options)
    assert sorted((d.kind, d.output_index) for d in diffs) == [("output-added", 0), ("output-added", 2)]


def test_missing_and_added_mime_types(options: CompareOptions) -> None:
    diffs = compare_outputs(
        [result({"text/plain": "t", "text/html": "<b>t</b>"})],
        [result({"text/plain": "t", "text/markdown": "**t**"})],
        options,
    )
    assert sorted((d.kind, d.mime) for d in diffs) == [("mime-added", "text/markdown"), ("mime-missing", "text/html")]


def test_json_output_compared_as_canonical_text(options: CompareOptions) -> None:
    same = compare_outputs(
        [display({"application/json": {"a": 1, "b": [1.0, 2.0]}})],
        [display({"application/json": {"b": [1.0, 2.0000000001], "a": 1}})],
        options,
    )
    assert same == ()


def test_stderr_warning_is_drift(options: CompareOptions) -> None:
    (diff,) = compare_outputs(
        [stream("result\n")],
        [stream("result\n"), stream("DeprecationWarning: old api\n", name="stderr")],
        options,
    )
    assert (diff.kind, diff.mime) == ("output-added", "stream/stderr")


# ---------------------------------------------------------------------------- matching


def test_matching_by_id_survives_inserted_and_deleted_cells(options: CompareOptions) -> None:
    expected = notebook(
        new_markdown_cell("# title"),
        new_code_cell("a", id="a", outputs=[stream("1\n")]),
        new_code_cell("gone", id="gone", outputs=[stream("old\n")]),
        new_code_cell("b", id="b", outputs=[stream("2\n")]),
    )
    actual = notebook(
        new_code_cell("new", id="new", outputs=[stream("x\n")]),
        new_code_cell("b", id="b", outputs=[stream("2\n")]),
        new_code_cell("a", id="a", outputs=[stream("1\n")]),
    )
    cells = compare_notebooks(expected, actual, options).cells
    by_id = {cell.cell_id: cell for cell in cells}
    assert (by_id["a"].expected_index, by_id["a"].actual_index, by_id["a"].status) == (1, 2, "reproduced")
    assert (by_id["b"].expected_index, by_id["b"].actual_index, by_id["b"].status) == (3, 1, "reproduced")
    assert by_id["gone"].status == "removed"
    assert by_id["new"].status == "added"
    assert len(cells) == 4


def test_matching_by_position_without_shared_ids(options: CompareOptions) -> None:
    expected = notebook(
        new_code_cell("a", id="e1", outputs=[stream("1\n")]),
        new_code_cell("b", id="e2", outputs=[stream("2\n")]),
        new_code_cell("c", id="e3", outputs=[stream("3\n")]),
    )
    actual = notebook(
        new_markdown_cell("inserted prose does not shift code cells"),
        new_code_cell("a", id="a1", outputs=[stream("1\n")]),
        new_code_cell("b", id="a2", outputs=[stream("2.5\n")]),
    )
    cells = compare_notebooks(expected, actual, options).cells
    assert [(c.expected_index, c.actual_index, c.status) for c in cells] == [
        (0, 1, "reproduced"),
        (1, 2, "drifted"),
        (2, None, "removed"),
    ]


def test_notebooks_without_ids_match_by_position(options: CompareOptions) -> None:
    old = {
        "nbformat": 4,
        "nbformat_minor": 4,
        "metadata": {},
        "cells": [
            {
                "cell_type": "code",
                "source": "1",
                "metadata": {},
                "execution_count": 1,
                "outputs": [{"output_type": "stream", "name": "stdout", "text": "1\n"}],
            }
        ],
    }
    expected = nbformat.from_dict(json.loads(json.dumps(old)))
    actual = nbformat.from_dict(json.loads(json.dumps(old)))
    cell = only_cell(compare_notebooks(expected, actual, options))
    assert (cell.expected_index, cell.actual_index, cell.status, cell.cell_id) == (0, 0, "reproduced", None)


def test_injected_parameters_cell_matched_by_tag(options: CompareOptions) -> None:
    def run(injected_id: str, alpha: str) -> NotebookNode:
        return notebook(
            new_code_cell("alpha = 0.1", id="params", metadata={"tags": ["parameters"]}),
            new_code_cell(
                f"alpha = {alpha}",
                id=injected_id,
                metadata={"tags": ["injected-parameters"]},
                outputs=[stream(f"alpha={alpha}\n")],
            ),
            new_code_cell("fit()", id="fit", outputs=[stream("ok\n")]),
        )

    cells = compare_notebooks(run("papermill-1", "0.5"), run("papermill-2", "0.6"), options).cells
    assert [(c.expected_index, c.actual_index, c.status) for c in cells] == [
        (0, 0, "reproduced"),
        (1, 1, "drifted"),
        (2, 2, "reproduced"),
    ]
    assert cells[1].cell_id == "papermill-2"


def test_only_code_cells_are_compared(options: CompareOptions) -> None:
    expected = notebook(new_markdown_cell("old text"), new_code_cell("1", id="c"))
    actual = notebook(new_markdown_cell("new text"), new_code_cell("1", id="c"))
    cells = compare_notebooks(expected, actual, options).cells
    assert [(c.expected_index, c.status) for c in cells] == [(1, "reproduced")]


# ------------------------------------------------------------------------------- skipping


@pytest.mark.parametrize(
    ("source", "tags", "reason"),
    [
        ("x", ["repro-skip"], "tag 'repro-skip'"),
        ("x", ["nbval-ignore-output"], "tag 'nbval-ignore-output'"),
        ("# NBVAL_IGNORE_OUTPUT\nx", [], "comment '# NBVAL_IGNORE_OUTPUT'"),
        ("import os\n#NBVAL_SKIP\nx", [], "not run (nbval skip)"),
        ("x", ["nbval-skip"], "not run (nbval skip)"),
        ("# PYTEST_VALIDATE_IGNORE_OUTPUT\nx", [], "comment '# PYTEST_VALIDATE_IGNORE_OUTPUT'"),
        # nbval: a comment wins over a tag, and the last of two comments wins
        ("# NBVAL_IGNORE_OUTPUT\nx", ["nbval-check-output"], "comment '# NBVAL_IGNORE_OUTPUT'"),
        ("# NBVAL_CHECK_OUTPUT\n# NBVAL_IGNORE_OUTPUT\nx", [], "comment '# NBVAL_IGNORE_OUTPUT'"),
    ],
)
def test_skip_marks(source: str, tags: list[str], reason: str, options: CompareOptions) -> None:
    expected, actual = pair([stream("random 0.1\n")], [stream("random 0.7\n")], source=source, metadata={"tags": tags})
    comparison = compare_notebooks(expected, actual, options)
    cell = only_cell(comparison)
    assert (cell.status, cell.skip_reason) == ("skipped", reason)
    assert comparison.reproduced


@pytest.mark.parametrize(
    ("source", "tags"),
    [
        ("# NBVAL_CHECK_OUTPUT\nx", ["nbval-ignore-output"]),
        ("# NBVAL_IGNORE_OUTPUT\n# NBVAL_CHECK_OUTPUT\nx", []),
    ],
)
def test_check_output_marks_compare(source: str, tags: list[str], options: CompareOptions) -> None:
    expected, actual = pair([stream("random 0.1\n")], [stream("random 0.7\n")], source=source, metadata={"tags": tags})
    assert only_cell(compare_notebooks(expected, actual, options)).status == "drifted"


def test_marker_in_a_string_is_not_a_skip(options: CompareOptions) -> None:
    expected, actual = pair([stream("1\n")], [stream("2\n")], source="print('# NBVAL_SKIP')")
    assert only_cell(compare_notebooks(expected, actual, options)).status == "drifted"


def test_skipped_cell_still_reports_new_error(options: CompareOptions) -> None:
    expected, actual = pair([stream("a\n")], [error("RuntimeError", "boom")], metadata={"tags": ["repro-skip"]})
    cell = only_cell(compare_notebooks(expected, actual, options))
    assert cell.status == "failed"
    assert cell.skip_reason == "tag 'repro-skip'"


def test_custom_skip_tags(options: CompareOptions) -> None:
    custom = CompareOptions(skip_tags=frozenset({"flaky"}), normalizers=options.normalizers)
    expected, actual = pair([stream("1\n")], [stream("2\n")], metadata={"tags": ["flaky"]})
    assert only_cell(compare_notebooks(expected, actual, custom)).status == "skipped"


# ------------------------------------------------------------------------ masks and scale


def test_user_regex_mask_applies_to_outputs() -> None:
    masked = CompareOptions(normalizers=NormalizerSet.from_options(extra_masks=[r"run-id \w+"], load_plugins=False))
    expected, actual = pair([stream("run-id abc123\n")], [stream("run-id zz9\n")])
    assert only_cell(compare_notebooks(expected, actual, masked)).status == "reproduced"


def test_huge_output_is_bounded_and_fast(options: CompareOptions) -> None:
    line = "row {:06d} value 0.123456 label abcdefgh\n"
    lines = [line.format(i) for i in range(500_000)]  # ~21 MB
    expected_text = "".join(lines)
    assert len(expected_text) > 20_000_000
    numeric = list(lines)
    numeric[250_000] = numeric[250_000].replace("0.123456", "0.987654")
    textual = list(lines)
    textual[400_000] = textual[400_000].replace("abcdefgh", "ABCDEFGH")
    noisy = "started 2024-01-05 12:30:45\n" + expected_text
    noisy_again = "started 2030-12-31 23:59:59\n" + expected_text

    start = time.perf_counter()
    (num_diff,) = compare_outputs([stream(expected_text)], [stream("".join(numeric))], options)
    (text_diff,) = compare_outputs([stream(expected_text)], [stream("".join(textual))], options)
    same = compare_outputs([stream(noisy)], [stream(noisy_again)], options)
    elapsed = time.perf_counter() - start

    assert same == ()
    assert num_diff.kind == "numeric"
    assert num_diff.numbers_changed == (("0.123456", "0.987654"),)
    assert text_diff.kind == "text"
    assert "-row 400000 value 0.123456 label abcdefgh" in text_diff.unified_diff
    assert "@@ -399998,7 +399998,7 @@" in text_diff.unified_diff
    for diff in (num_diff, text_diff):
        assert diff.expected_length == len(expected_text)
        assert diff.expected is not None and len(diff.expected) < 5_000
        assert len(diff.unified_diff) < 250
    assert "row 400000" in (text_diff.expected or "")
    assert elapsed < 20.0


def test_huge_single_line_diff_is_clipped(options: CompareOptions) -> None:
    expected_text = "x" * 2_000_000
    (diff,) = compare_outputs([stream(expected_text)], [stream(expected_text + "y")], options)
    assert diff.kind == "text"
    assert all(len(line) < 400 for line in diff.unified_diff)


def test_to_json_round_trips_through_json(options: CompareOptions) -> None:
    comparison = compare_notebooks(*pair([stream("acc 0.9312\n")], [stream("acc 0.9127\n"), error("E", "v")]), options)
    data = json.loads(json.dumps(comparison.to_json(), allow_nan=False))
    assert data["reproduced"] is False
    (cell,) = data["cells"]
    assert cell["status"] == "failed"
    assert {d["kind"] for d in cell["diffs"]} == {"numeric", "error"}
    assert cell["diffs"][0]["numbers_changed"] == [["0.9312", "0.9127"]]
    assert len(comparison.drifted) == 1


def test_default_options_are_usable() -> None:
    expected, actual = pair([stream("at 0x7f3a2b1c0d90\n")], [stream("at 0x7f3a2b1c0000\n")])
    assert compare_notebooks(expected, actual).reproduced
    assert isinstance(compare_outputs([], [stream("x")])[0], OutputDiff)


# --------------------------------------------------------------------------- pictures as people see them


def figure_png(draw: Any, size: tuple[float, float] = (4.0, 3.0), dpi: int = 100, **savefig: Any) -> str:
    """A matplotlib figure drawn by ``draw(ax)``, as base64 PNG (Agg, no screen)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, ax = plt.subplots(figsize=size, dpi=dpi)
    draw(ax)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", **savefig)
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def image_diff(options: CompareOptions, expected: str, actual: str) -> Any:
    diffs = compare_outputs([display({"image/png": expected})], [display({"image/png": actual})], options)
    return diffs[0] if diffs else None


def reencoded(data: str, noise: int, seed: int = 0) -> str:
    """The same picture through a lossy channel: every channel moved by up to ``noise``."""
    import numpy as np

    with Image.open(io.BytesIO(base64.b64decode(data))) as image:
        pixels = np.asarray(image.convert("RGB"), dtype=np.int16)
    jitter = np.random.default_rng(seed).integers(-noise, noise + 1, size=pixels.shape)
    noisy = np.clip(pixels + jitter, 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(noisy).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def scatter(points: list[tuple[float, float]]) -> Any:
    def draw(ax: Any) -> None:
        ax.scatter([p[0] for p in points], [p[1] for p in points], s=30)
        ax.set_xlim(0, 10)
        ax.set_ylim(0, 10)

    return draw


POINTS = [(1.0, 2.0), (3.0, 7.0), (5.0, 5.0), (8.0, 1.0)]


def test_re_encoding_noise_is_not_drift(options: CompareOptions) -> None:
    stored = figure_png(scatter(POINTS))
    assert image_diff(options, stored, reencoded(stored, noise=12)) is None


def test_anti_aliasing_of_a_line_moved_by_a_fraction_of_a_pixel_is_not_drift(options: CompareOptions) -> None:
    def line(offset: float) -> Any:
        def draw(ax: Any) -> None:
            ax.plot([0, 1, 2, 3], [0.2 + offset, 0.9, 0.4, 0.7 + offset], linewidth=2)
            ax.set_ylim(0, 1)

        return draw

    # 0.002 of the axis is about half a pixel of this 300-pixel-high figure
    assert image_diff(options, figure_png(line(0.0)), figure_png(line(0.002))) is None


def test_a_figure_rendered_a_pixel_larger_is_aligned_not_drift(options: CompareOptions) -> None:
    stored = figure_png(scatter(POINTS), size=(4.0, 3.0))
    larger = figure_png(scatter(POINTS), size=(4.01, 3.01))  # 401 x 301 pixels
    assert image_diff(options, stored, larger) is None


def test_a_moved_point_is_drift_with_its_region(options: CompareOptions) -> None:
    moved = [*POINTS[:2], (5.5, 5.0), POINTS[3]]
    diff = image_diff(options, figure_png(scatter(POINTS)), figure_png(scatter(moved)))
    assert diff is not None and diff.kind == "image"
    assert diff.pixel_fraction is not None and 0 < diff.pixel_fraction < 0.01
    x, y, width, height = diff.region
    # the point at x=5 moved to 5.5: the region spans both places, at mid-height of the axes
    assert 150 < x < 250 and 100 < y < 200 and width < 60 and height < 30


def test_a_changed_bar_is_drift(options: CompareOptions) -> None:
    def bars(heights: list[float]) -> Any:
        def draw(ax: Any) -> None:
            ax.bar(["a", "b", "c"], heights)
            ax.set_ylim(0, 10)

        return draw

    diff = image_diff(options, figure_png(bars([3, 7, 5])), figure_png(bars([3, 7.5, 5])))
    assert diff is not None and diff.pixel_fraction is not None and diff.pixel_fraction > 0.001


def test_a_changed_digit_in_a_title_is_drift(options: CompareOptions) -> None:
    def titled(text: str) -> Any:
        def draw(ax: Any) -> None:
            ax.plot([0, 1], [0, 1])
            ax.set_title(text)

        return draw

    diff = image_diff(options, figure_png(titled("accuracy 0.931")), figure_png(titled("accuracy 0.937")))
    assert diff is not None and diff.region is not None
    x, y, width, height = diff.region
    assert 200 < x < 300 and y < 40 and width < 20 and height < 20  # the last digit of the title


def test_a_formula_drawn_by_another_renderer_is_not_drift(options: CompareOptions) -> None:
    """SymPy's ``x**2``: the LaTeX is the result, its picture a rendering (2 px smaller here)."""

    def formula(fontset: str) -> str:
        draw = lambda ax: (ax.axis("off"), ax.text(0, 0, "$x^{2}$", math_fontfamily=fontset))  # noqa: E731
        return figure_png(draw, size=(0.23, 0.22))

    stored, redrawn = formula("dejavusans"), formula("cm")
    assert image_diff(options, stored, redrawn) is not None  # as pictures, they differ
    bundle = {"text/latex": "$\\displaystyle x^{2}$", "text/plain": " 2\nx "}
    same = compare_outputs(
        [display({**bundle, "image/png": stored})], [display({**bundle, "image/png": redrawn})], options
    )
    assert not same
    other = {"text/latex": "$\\displaystyle x^{3}$", "text/plain": " 3\nx "}
    changed = compare_outputs(
        [display({**bundle, "image/png": stored})], [display({**other, "image/png": redrawn})], options
    )
    assert {d.mime for d in changed} >= {"text/latex", "image/png"}


def test_a_picture_much_larger_is_a_size_change(options: CompareOptions) -> None:
    diff = image_diff(options, figure_png(scatter(POINTS)), figure_png(scatter(POINTS), size=(5.0, 3.0)))
    assert diff is not None and diff.pixel_fraction == 1.0 and diff.note == "size changed: 400x300 → 500x300"


def test_transparency_is_composited_like_a_person_sees_it(options: CompareOptions) -> None:
    transparent = figure_png(scatter(POINTS), transparent=True)
    on_white = figure_png(scatter(POINTS), facecolor="white")
    assert image_diff(options, on_white, transparent) is None
