"""Tabular data described in the checker: size, types, missing values, the label's class balance.

Unit tests on generated files for every format, then one real check: a notebook that
reads a skewed table has it described (and flagged) in the check result and its reports.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from repro_nb.check import describe
from repro_nb.check.describe import describe_files, describe_table
from repro_nb.check.pipeline import check_notebook
from repro_nb.report import terminal
from repro_nb.report.html import render_html_document
from repro_nb.report.json_report import to_document

from support import FILES

ROWS = 100


def write_csv(path: Path, sep: str = ",") -> Path:
    lines = [sep.join(["x", "score", "Target"])]
    for i in range(ROWS):
        score = "" if i % 25 == 0 else str(i / 100)
        lines.append(sep.join([str(i), score, "spam" if i % 10 == 0 else "ham"]))
    path.write_text("\n".join(lines) + "\n")
    return path


def frame() -> object:
    pd = pytest.importorskip("pandas")
    return pd.DataFrame(
        {
            "x": list(range(ROWS)),
            "score": [None if i % 25 == 0 else i / 100 for i in range(ROWS)],
            "y": [int(i % 2 == 0) for i in range(ROWS)],
        }
    )


def test_csv_size_types_missing_and_a_recognised_skewed_label(tmp_path: Path) -> None:
    d = describe_table(str(write_csv(tmp_path / "t.csv")), shown="t.csv")
    assert d.error is None
    assert (d.rows, d.columns, d.format) == (ROWS, 3, "csv")
    assert d.dtypes == {"x": "int64", "score": "double", "Target": "string"}
    assert d.missing == {"x": 0, "score": 4, "Target": 0}
    assert (d.label, d.label_source) == ("Target", "recognised")
    assert d.class_balance == {"ham": 90, "spam": 10}
    assert d.skewed is True
    assert "100 rows × 3 columns, 4 missing values; label Target" in d.summary() and "(skewed)" in d.summary()
    assert json.loads(json.dumps(d.to_json()))["class_balance"] == {"ham": 90, "spam": 10}


def test_tsv_and_a_named_label(tmp_path: Path) -> None:
    d = describe_table(str(write_csv(tmp_path / "t.tsv", "\t")), label="x", label_source="settings")
    assert (d.rows, d.columns, d.format) == (ROWS, 3, "tsv")
    assert (d.label, d.label_source) == ("x", "settings")
    # a hundred distinct integers are still few enough to count, and balanced
    assert d.skewed is False and d.distinct_labels == ROWS


def test_a_label_column_that_is_not_there_is_a_clear_error(tmp_path: Path) -> None:
    d = describe_table(str(write_csv(tmp_path / "t.csv")), label="is_spoof", shown="t.csv")
    assert d.error == "t.csv has no label column 'is_spoof' (its columns: x, score, Target)"
    assert d.summary() == d.error


def test_a_label_with_too_many_values_is_not_classes(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text("label\n" + "".join(f"{i * 0.5}\n" for i in range(500)))
    d = describe_table(str(path))
    assert d.class_balance is None and d.skewed is None and d.distinct_labels is not None
    assert "distinct values, not classes" in d.summary()


def test_a_block_whose_types_differ_from_the_first_falls_back_to_pandas(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(describe, "_BLOCK", 1024)  # blocks of 1 KB instead of 16 MB
    path = tmp_path / "late_text.csv"
    # pyarrow infers int64 from its first block; a word 20 KB later does not fit it
    path.write_text("n,label\n" + "".join(f"{i},{i % 2}\n" for i in range(3000)) + "oops,1\n")
    d = describe_table(str(path))
    assert d.error is None, d.error
    assert d.rows == 3001 and d.dtypes["n"] in ("object", "str")  # pandas 3 names text "str"
    assert d.class_balance == {"1": 1501, "0": 1500}


def test_empty_and_broken_tables_are_errors_not_crashes(tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_text("")
    assert "empty" in (describe_table(str(tmp_path / "empty.csv"), shown="empty.csv").error or "")
    (tmp_path / "bad.parquet").write_bytes(b"not parquet")
    assert describe_table(str(tmp_path / "bad.parquet")).error


def test_parquet_and_feather(tmp_path: Path) -> None:
    table = frame()
    table.to_parquet(tmp_path / "t.parquet")  # type: ignore[attr-defined]
    table.to_feather(tmp_path / "t.feather")  # type: ignore[attr-defined]
    for name in ("t.parquet", "t.feather"):
        d = describe_table(str(tmp_path / name))
        assert d.error is None, d.error
        assert (d.rows, d.columns) == (ROWS, 3)
        assert d.missing["score"] == 4 and d.dtypes["y"] == "int64"
        assert d.label == "y" and d.class_balance == {"0": 50, "1": 50} and d.skewed is False


def test_excel(tmp_path: Path) -> None:
    pytest.importorskip("openpyxl")
    path = tmp_path / "t.xlsx"
    frame().to_excel(path, index=False)  # type: ignore[attr-defined]
    d = describe_table(str(path))
    assert (d.rows, d.columns, d.class_balance) == (ROWS, 3, {"0": 50, "1": 50})


def test_a_broken_excel_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "t.xlsx").write_bytes(b"PK\x03\x04 not really")
    d = describe_table(str(tmp_path / "t.xlsx"), shown="t.xlsx")
    assert d.error and "t.xlsx" in d.error


def test_describe_files_once_each_existing_tables_only_and_labels_by_path(tmp_path: Path) -> None:
    write_csv(tmp_path / "a.csv")
    (tmp_path / "notes.txt").write_text("not a table")
    entries = [
        {"path": "a.csv"},
        {"path": "a.csv"},
        {"path": "notes.txt"},
        {"path": "gone.csv"},
        {"path": "b.csv", "label": "x"},
    ]
    write_csv(tmp_path / "b.csv")
    found = describe_files(str(tmp_path), entries, {"a.csv": "score"})
    assert [(d.path, d.label, d.label_source) for d in found] == [
        ("a.csv", "score", "settings"),
        ("b.csv", "x", "record"),
    ]


def test_a_check_describes_the_tables_the_notebook_read(tmp_path: Path) -> None:
    """Real kernel: the recorder sees the file read, the checker describes it, reports show it."""
    shutil.copy(FILES / "reads_skewed_table.ipynb", tmp_path)
    shutil.copytree(FILES / "reads_skewed_table_data", tmp_path / "reads_skewed_table_data")
    result = check_notebook(str(tmp_path / "reads_skewed_table.ipynb"))
    assert [d.path for d in result.data_descriptions] == ["reads_skewed_table_data/test.csv"]
    d = result.data_descriptions[0]
    assert (d.rows, d.columns, d.label, d.class_balance, d.skewed) == (100, 3, "label", {"0": 90, "1": 10}, True)
    assert d.missing["score"] == 4
    document = to_document([result])
    assert document["notebooks"][0]["data_descriptions"][0]["skewed"] is True
    page = render_html_document(document)
    assert "Data read" in page and "reads_skewed_table_data/test.csv" in page and "(skewed)" in page
    text = "\n".join(terminal.data_and_evaluation_lines(result))
    assert "reads_skewed_table_data/test.csv: 100 rows × 3 columns, 4 missing values; label label" in text


def test_a_large_file_read_in_parallel_ranges_gives_what_one_stream_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "big.csv"
    path.write_text(
        "n,score,label\n" + "".join(f"{i},{'' if i % 7 == 0 else i / 3},{int(i % 10 == 0)}\n" for i in range(20_000))
    )
    one = describe_table(str(path)).to_json()
    monkeypatch.setattr(describe, "_PARALLEL_MIN", 1024)
    monkeypatch.setattr(describe, "_BLOCK", 16 << 10)
    monkeypatch.setattr(describe.os, "cpu_count", lambda: 4)
    schema, streams = describe._csv_streams(str(path), ",")
    assert len(streams) == 4 and schema.names == ["n", "score", "label"]
    ranged = describe_table(str(path)).to_json()
    assert {k: v for k, v in ranged.items() if k != "seconds"} == {k: v for k, v in one.items() if k != "seconds"}
    assert ranged["rows"] == 20_000 and ranged["missing"]["score"] == 2858
    # a quote may hide a line end inside a field: one stream then
    quoted = tmp_path / "quoted.csv"
    quoted.write_text('n,text\n1,"a\nb"\n' + "".join(f"{i},x\n" for i in range(5000)))
    assert len(describe._csv_streams(str(quoted), ",")[1]) == 1
    # quoted fields on one line each (pyarrow's own CSV writer quotes every string): ranges
    strings = tmp_path / "strings.csv"
    strings.write_text('"n","text"\n' + "".join(f'{i},"x, {i}"\n' for i in range(5000)))
    assert len(describe._csv_streams(str(strings), ",")[1]) == 4
    assert describe_table(str(strings)).rows == 5000
    # a later range whose values do not fit the first block's types: pandas, as with one stream
    late = tmp_path / "late.csv"
    late.write_text("n,label\n" + "".join(f"{i},{i % 2}\n" for i in range(20_000)) + "oops,1\n")
    d = describe_table(str(late))
    assert d.error is None and d.rows == 20_001 and d.dtypes["n"] in ("object", "str")
