"""Check reports: JSON against its schema, standalone HTML, JUnit XML.

One real check (a notebook executed, its data file changed, checked again) is shared
by the module, because kernels take seconds; edge cases are built from the dataclasses.
"""

from __future__ import annotations

import base64
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output
from PIL import Image

from repro_nb.check.causes import Cause
from repro_nb.check.environment_diff import EnvironmentDifference
from repro_nb.check.evidence import DataDrift, PackageDrift
from repro_nb.check.pipeline import check_notebook
from repro_nb.check.results import CellResult, NotebookResult
from repro_nb.check.run import run_notebook
from repro_nb.compare.model import OutputDiff
from repro_nb.errors import ReproError
from repro_nb.format.files import write_notebook
from repro_nb.format.report import REPORT_SCHEMA_VERSION, ReportError, report_schema, validate_document
from repro_nb.format.report import read_report as read_json
from repro_nb.report import html as html_report
from repro_nb.report.html import render_html, render_html_document, write_html
from repro_nb.report.json_report import to_document, write_json
from repro_nb.report.junit import render_junit, render_junit_document, write_junit

from support import FILES, ROOT

SCRIPT = "<script>alert('pwned')</script>"

# --------------------------------------------------------------------------- fixtures

_READ = """\
with open("data.txt") as fh:
    values = [float(v) for v in fh.read().split()]
print(f"total: {sum(values):.4f}")"""

_PLOT = """\
import io
from PIL import Image, ImageDraw
from IPython.display import Image as PNG, display
img = Image.new("RGB", (40, 20), "white")
ImageDraw.Draw(img).rectangle([0, 0, int(sum(values)) % 40, 19], fill="red")
buffer = io.BytesIO()
img.save(buffer, format="PNG")
display(PNG(buffer.getvalue()))"""

_CELLS = [
    ("read", _READ),
    ("plot", _PLOT),
    ("shout", f'print("{SCRIPT}", len(values))'),
    ("steady", 'print("unchanged")'),
]


@pytest.fixture(scope="module")
def drifted(tmp_path_factory: pytest.TempPathFactory) -> NotebookResult:
    """A real check with planted drift: executed and recorded, then its data file edited."""
    directory = tmp_path_factory.mktemp("drift")
    (directory / "data.txt").write_text("1 2 3 4\n")
    nb = new_notebook(cells=[new_code_cell(source, id=cell_id) for cell_id, source in _CELLS])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = directory / "planted.ipynb"
    write_notebook(nb, path)
    run = run_notebook(str(path))
    assert run.ok, run.failure
    write_notebook(run.nb, path)
    (directory / "data.txt").write_text("1 2 3 4 25\n")
    result = check_notebook(str(path))
    assert result.verdict == "drifted", result.message
    return result


@pytest.fixture(scope="module")
def unreadable(tmp_path_factory: pytest.TempPathFactory) -> NotebookResult:
    """A real check of a file that is not a notebook: verdict ``error``, no kernel needed."""
    path = tmp_path_factory.mktemp("bad") / "broken.ipynb"
    path.write_text("{ not json")
    result = check_notebook(str(path))
    assert result.verdict == "error"
    return result


def png(width: int, height: int, color: tuple[int, int, int]) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def image_notebook(data: str, extra_outputs: int = 0) -> nbformat.NotebookNode:
    outputs = [new_output("stream", name="stdout", text="x\n") for _ in range(extra_outputs)]
    outputs.append(new_output("display_data", data={"image/png": data, "text/plain": "<Figure>"}))
    return new_notebook(cells=[new_code_cell("plot()", id="fig", outputs=outputs, execution_count=1)])


def reproduced_result(path: str = "clean.ipynb") -> NotebookResult:
    return NotebookResult(
        path,
        "reproduced",
        message="all 1 compared cells reproduced",
        run_status="ok",
        duration_s=1.5,
        cells=[CellResult(0, "a", "reproduced", 1, actual_index=0)],
    )


def failed_result() -> NotebookResult:
    """The re-run stopped in cell 2; the evalue carries colour codes and a NUL byte."""
    failure = {
        "kind": "error",
        "cell_index": 1,
        "ename": "KeyError",
        "evalue": "\x1b[31m'col'\x1b[0m\x00",
        "traceback": f"KeyError Traceback\n----> 1 df['col'] {SCRIPT}",
    }
    error_diff = OutputDiff(
        "error", 0, "error", expected=None, actual="KeyError: 'col'", traceback=("KeyError: 'col'",), note="new error"
    )
    cells = [
        CellResult(0, "load", "reproduced", 1, actual_index=0),
        CellResult(
            1,
            "use",
            "failed",
            2,
            diffs=(error_diff,),
            failure=failure,
            actual_index=1,
            causes=[Cause("unknown", "no cause found in the record or the code", "low", 1)],
        ),
        CellResult(2, "later", "not-run", 3, actual_index=2),
    ]
    return NotebookResult(
        "stops.ipynb",
        "failed",
        message="1 cell(s) failed; execution stopped (error)",
        cells=cells,
        run_status="error",
        duration_s=2.0,
        has_record=True,
    )


def image_result(stored_png: str, executed_png: str, extra_outputs: int = 0) -> NotebookResult:
    diff = OutputDiff(
        "image",
        extra_outputs,
        "image/png",
        expected="image/png 8x8",
        actual="image/png 8x8",
        pixel_fraction=0.25,
        max_abs_diff=255.0,
    )
    cell = CellResult(
        0,
        "fig",
        "drifted",
        1,
        diffs=(diff,),
        actual_index=0,
        causes=[Cause("package-changed", "matplotlib 3.7 → 3.9", "medium", 0)],
    )
    return NotebookResult(
        "figure.ipynb",
        "drifted",
        message="1 of 1 cells drifted",
        cells=[cell],
        run_status="ok",
        stored=image_notebook(stored_png, extra_outputs),
        executed=image_notebook(executed_png, extra_outputs),
    )


def everything_result() -> NotebookResult:
    """Every list populated, a non-finite float, hostile text in every free-text field."""
    numeric = OutputDiff(
        "numeric",
        0,
        "text/plain",
        expected=f"0 {SCRIPT}",
        actual=f"3 {SCRIPT}",
        expected_length=10,
        actual_length=10,
        unified_diff=("--- expected", "+++ actual", "@@ -1 +1 @@", f"-0 {SCRIPT}", f"+3 {SCRIPT}"),
        max_abs_diff=3.0,
        max_rel_diff=float("inf"),
        numbers_changed=(("0", "3"),),
    )
    cell = CellResult(
        4,
        SCRIPT,
        "drifted",
        5,
        diffs=(numeric,),
        actual_index=5,
        causes=[
            Cause("data-changed", f"data file {SCRIPT}.csv changed", "high", 2, {"nan": float("nan")}),
            Cause("environment", "OMP_NUM_THREADS: 1 → 8", "low", None),
        ],
    )
    return NotebookResult(
        f"{SCRIPT}.ipynb",
        "drifted",
        message=SCRIPT,
        cells=[
            cell,
            CellResult(None, "new", "added", None, actual_index=6),
            CellResult(7, "gone", "removed", 3),
            CellResult(8, "skip", "skipped", 4, skip_reason="tag 'repro-skip'", actual_index=8),
            CellResult(9, "nothing", "not-stored", None, actual_index=9),
        ],
        data=[
            DataDrift(f"{SCRIPT}.csv", "changed", "blake3:aa", "blake3:bb", (2,)),
            DataDrift("new.csv", "unrecorded", None, "blake3:cc", (4,)),
        ],
        packages=[PackageDrift("numpy", "1.26.4", "2.1.0", (1,)), PackageDrift("gone", "1.0", None, ())],
        environment=[EnvironmentDifference("env.OMP_NUM_THREADS", None, "8", "medium")],
        has_record=True,
        run_status="ok",
        duration_s=3.25,
        warnings=[f"mask {SCRIPT} failed"],
    )


@pytest.fixture
def constructed() -> list[NotebookResult]:
    return [
        reproduced_result(),
        failed_result(),
        image_result(png(8, 8, (255, 0, 0)), png(8, 8, (0, 0, 255))),
        everything_result(),
    ]


@pytest.fixture(scope="module")
def all_results(drifted: NotebookResult, unreadable: NotebookResult) -> list[NotebookResult]:
    return [drifted, unreadable, reproduced_result(), failed_result(), everything_result()]


# --------------------------------------------------------------------------- the real check


def test_planted_data_change_is_found(drifted: NotebookResult) -> None:
    """Guards the fixture: the report tests below rely on this shape."""
    by_id = {c.cell_id: c for c in drifted.cells}
    assert [d.status for d in drifted.data] == ["changed"]
    assert by_id["read"].status == "drifted"
    assert by_id["read"].causes[0].kind == "data-changed"
    assert by_id["plot"].diffs[0].kind == "image"
    assert by_id["steady"].status == "reproduced"


# --------------------------------------------------------------------------- JSON


def test_schema_is_valid_draft7_and_documents_every_member() -> None:
    schema = report_schema()
    jsonschema.Draft7Validator.check_schema(schema)
    undocumented = [
        where
        for where, node in _schema_nodes(schema, "#")
        if isinstance(node, dict) and "description" not in node and "$ref" not in node
    ]
    assert undocumented == []


def _schema_nodes(node: Any, where: str) -> Iterator[tuple[str, Any]]:
    """Every property schema and definition (the things a reader looks up)."""
    if not isinstance(node, dict):
        return
    for name, child in node.get("properties", {}).items():
        yield f"{where}/{name}", child
        yield from _schema_nodes(child, f"{where}/{name}")
    for name, child in node.get("definitions", {}).items():
        yield f"{where}/definitions/{name}", child
        yield from _schema_nodes(child, f"{where}/definitions/{name}")
    if isinstance(node.get("items"), dict):
        yield from _schema_nodes(node["items"], f"{where}[]")


def test_document_validates_with_both_validators(all_results: list[NotebookResult]) -> None:
    document = to_document(all_results, command="repro-nb check nbs --json out.json")
    validate_document(document)
    jsonschema.Draft7Validator(report_schema()).validate(document)
    assert document["schema_version"] == REPORT_SCHEMA_VERSION == 2
    assert document["tool"]["name"] == "repro-nb"
    assert document["command"] == "repro-nb check nbs --json out.json"
    counts = {key: value for key, value in document["summary"].items() if key != "causes"}
    assert counts == {"notebooks": 5, "reproduced": 1, "drifted": 2, "failed": 1, "error": 1}
    assert document["summary"]["causes"] == {
        "data": {"drifted": 2, "failed": 0},
        "environment": {"drifted": 1, "failed": 0},
        "unknown": {"drifted": 0, "failed": 1},
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", document["created_at"])
    assert [nb["path"] for nb in document["notebooks"]] == [r.path for r in all_results]


def test_document_members_are_all_in_the_schema(all_results: list[NotebookResult]) -> None:
    """What the code emits is documented: no member the schema does not describe."""
    document = to_document(all_results)
    missing = sorted(set(_undocumented(document, report_schema(), report_schema(), "")))
    assert missing == []


def _undocumented(value: Any, node: dict[str, Any], root: dict[str, Any], where: str) -> Iterator[str]:
    while "$ref" in node:
        node = root["definitions"][node["$ref"].rsplit("/", 1)[1]]
    if "oneOf" in node:
        node = next((n for n in node["oneOf"] if "$ref" in n), node["oneOf"][0])
        if value is None:
            return
        yield from _undocumented(value, node, root, where)
        return
    if isinstance(value, dict) and "properties" in node:
        for key, item in value.items():
            if key not in node["properties"]:
                yield f"{where}/{key}"
            else:
                yield from _undocumented(item, node["properties"][key], root, f"{where}/{key}")
    elif isinstance(value, list) and isinstance(node.get("items"), dict):
        for item in value:
            yield from _undocumented(item, node["items"], root, f"{where}[]")


def test_non_finite_floats_are_strings() -> None:
    document = to_document([everything_result()])
    notebook = document["notebooks"][0]
    assert notebook["cells"][0]["diffs"][0]["max_rel_diff"] == "inf"
    assert notebook["cells"][0]["causes"][0]["details"] == {"nan": "nan"}


def test_write_and_read_round_trip(tmp_path: Path, all_results: list[NotebookResult]) -> None:
    target = tmp_path / "report.json"
    written = write_json(target, all_results, command="repro-nb check")
    text = target.read_text(encoding="utf-8")
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text) == written
    assert read_json(target) == written
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # no temporary file left


def test_unicode_survives_and_lone_surrogates_do_not_break_writing(tmp_path: Path) -> None:
    result = reproduced_result("données/é.ipynb")
    result.warnings = ["bad text \ud800 from an output"]
    target = tmp_path / "report.json"
    write_json(target, [result])
    assert read_json(target)["notebooks"][0]["path"] == "données/é.ipynb"


def test_newer_schema_version_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    document = to_document([reproduced_result()])
    document["schema_version"] = REPORT_SCHEMA_VERSION + 1
    document["tool"]["version"] = "9.0.0"
    target = tmp_path / "future.json"
    target.write_text(json.dumps(document))
    with pytest.raises(
        ReportError,
        match=rf"schema version {REPORT_SCHEMA_VERSION + 1} \(written by repro-nb 9\.0\.0\), newer .* upgrade repro-nb",
    ):
        read_json(target)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{ nope", "not valid JSON"),
        ("[1, 2]", "not a repro-nb check report"),
        ('{"notebooks": []}', "no integer schema_version"),
        ('{"schema_version": 2, "tool": {"name": "repro-nb", "version": "0"}}', "invalid repro-nb check report"),
        ('{"schema_version": 0}', "version 0 is not supported"),
    ],
)
def test_bad_reports_are_refused(tmp_path: Path, content: str, message: str) -> None:
    target = tmp_path / "bad.json"
    target.write_text(content)
    with pytest.raises(ReportError, match=message):
        read_json(target)


def test_missing_report_is_a_repro_error(tmp_path: Path) -> None:
    with pytest.raises(ReproError, match="cannot read check report"):
        read_json(tmp_path / "absent.json")


def test_invalid_document_is_not_written(tmp_path: Path) -> None:
    bogus = reproduced_result()
    bogus.verdict = "maybe"  # type: ignore[assignment]
    target = tmp_path / "report.json"
    with pytest.raises(ReportError, match="verdict"):
        write_json(target, [bogus])
    assert not target.exists()


def test_fixed_creation_time() -> None:
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert to_document([], created_at=when)["created_at"] == "2026-01-02T03:04:05Z"


# --------------------------------------------------------------------------- HTML


def test_html_shows_the_real_drift(drifted: NotebookResult, tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    write_html(target, [drifted])
    page = target.read_text(encoding="utf-8")
    assert "data.txt" in page and "data-changed" in page
    images = re.findall(r'<img alt="(stored|re-run) image" src="data:image/png;base64,[A-Za-z0-9+/=]+">', page)
    assert images == ["stored", "re-run"]
    assert 'class="images' in page
    assert "% of the picture changed" in page
    assert '<span class="del">-total: 10.0000</span>' in page
    assert '<span class="add">+total: 35.0000</span>' in page
    assert "with open(&quot;data.txt&quot;) as fh:" in page  # the source, escaped


def test_html_escapes_a_script_in_an_output(drifted: NotebookResult) -> None:
    page = render_html([drifted])
    assert "alert(" in page  # the output is shown ...
    assert "<script" not in page.lower()  # ... but never as markup
    assert "&lt;script&gt;alert(&#x27;pwned&#x27;)&lt;/script&gt;" in page


def test_html_escapes_every_text_field(constructed: list[NotebookResult]) -> None:
    page = render_html(constructed)
    assert "<script" not in page.lower()
    assert page.count("&lt;script&gt;") >= 8  # path, message, warning, data, diff, cause, traceback…
    assert "\x00" not in page and "\x1b" not in page


def test_html_is_standalone(constructed: list[NotebookResult]) -> None:
    page = render_html(constructed)
    assert page.startswith("<!DOCTYPE html>")
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert not re.search(r'(src|href)="(?!data:|#)', page), "only data: URIs and in-page anchors"
    assert "<link" not in page and "@import" not in page and "url(" not in page


def test_html_images_side_by_side(constructed: list[NotebookResult]) -> None:
    result = constructed[2]
    page = render_html([result])
    old = result.stored.cells[0].outputs[0].data["image/png"]
    new = result.executed.cells[0].outputs[0].data["image/png"]
    assert page.index(old) < page.index(new)
    assert "25 % of the picture changed" in page


def test_html_finds_the_stored_image_among_other_outputs() -> None:
    """The diff's output index is the re-run's; the stored image is found by its mime type."""
    result = image_result(png(8, 8, (255, 0, 0)), png(8, 8, (0, 0, 255)), extra_outputs=2)
    result.stored.cells[0].outputs = result.stored.cells[0].outputs[1:]  # one stream fewer when stored
    page = render_html([result])
    assert result.stored.cells[0].outputs[1].data["image/png"] in page
    assert result.executed.cells[0].outputs[2].data["image/png"] in page


def test_html_does_not_embed_what_is_not_base64() -> None:
    result = image_result('AAAA"><script>x</script>', png(8, 8, (0, 0, 255)))
    page = render_html([result])
    assert "image not available" in page
    assert "<script" not in page.lower()


def test_html_size_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(html_report, "MAX_TOTAL_IMAGE_CHARS", 5_000)
    small = png(8, 8, (255, 0, 0))
    results = [image_result(small, png(8, 8, (0, i, 0))) for i in range(200)]
    page = render_html(results)
    assert page.count("<img ") < 50
    assert "report size is capped" in page
    many = image_result(small, small)
    many.cells = [
        CellResult(i, f"c{i}", "drifted", i, actual_index=i) for i in range(html_report.MAX_DETAILED_CELLS + 7)
    ]
    page = render_html([many])
    assert page.count('<details class="cell"') == html_report.MAX_DETAILED_CELLS
    assert "7 more cells not shown in detail" in page


def test_html_lists_environment_data_packages_and_other_cells(constructed: list[NotebookResult]) -> None:
    page = render_html([constructed[3]])
    for text in (
        "Environment differences",
        "env.OMP_NUM_THREADS",
        "Package differences",
        "numpy",
        "2.1.0",
        "not installed",
        "Data files that differ",
        "blake3:bb",
        "skipped: [4]",
        "only in the re-run",
        "only in the stored notebook",
        "inf",
    ):
        assert text in page, text


def test_html_of_a_failed_run(constructed: list[NotebookResult]) -> None:
    page = render_html([constructed[1]])
    assert "Execution stopped here (error)" in page
    assert "not run (execution stopped earlier): [3]" in page
    assert "KeyError" in page


def test_html_from_a_report_read_back(tmp_path: Path, all_results: list[NotebookResult]) -> None:
    write_json(tmp_path / "r.json", all_results)
    page = render_html_document(read_json(tmp_path / "r.json"))
    assert "data-changed" in page and "<script" not in page.lower()
    assert "<img " not in page  # the notebooks are not in the JSON


# --------------------------------------------------------------------------- JUnit


def test_junit_counts_and_cases(tmp_path: Path, all_results: list[NotebookResult]) -> None:
    target = tmp_path / "junit.xml"
    write_junit(target, all_results)
    root = ET.parse(target).getroot()
    suites = root.findall("testsuite")
    assert root.tag == "testsuites" and len(suites) == 1
    suite = suites[0]
    for element in (root, suite):
        assert element.get("tests") == "5"
        assert element.get("failures") == "2"  # drifted
        assert element.get("errors") == "2"  # failed + error
    assert suite.get("name") == "repro-nb"
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == [r.path for r in all_results]
    assert all(c.get("classname") == "repro-nb" and float(c.get("time") or "x") >= 0 for c in cases)
    outcome = [[child.tag for child in c if child.tag in ("failure", "error")] for c in cases]
    assert outcome == [["failure"], ["error"], [], ["error"], ["failure"]]


def test_junit_failure_explains_the_drift(drifted: NotebookResult) -> None:
    case = ET.fromstring(render_junit([drifted])).find("testsuite/testcase")
    assert case is not None
    failure = case.find("failure")
    assert failure is not None and failure.get("type") == "drifted"
    assert failure.get("message") == drifted.message
    body = failure.text or ""
    assert 'drifted: [1] with open("data.txt") as fh:' in body
    assert "cause (data, high): data file data.txt" in body
    assert "image/png: image" in body and "% of the picture changed" in body
    assert SCRIPT in body  # ElementTree escaped it; parsing gives it back as text
    assert "data file data.txt: changed" in body


def test_junit_error_cases(unreadable: NotebookResult) -> None:
    root = ET.fromstring(render_junit([unreadable, failed_result()]))
    errors = root.findall("testsuite/testcase/error")
    assert [e.get("type") for e in errors] == ["error", "failed"]
    assert "not valid JSON" in (errors[0].get("message") or "")
    assert "execution stopped at [2] (error): KeyError" in (errors[1].text or "")


def test_junit_survives_control_characters() -> None:
    result = failed_result()
    result.message = "bell \x07 and \x1b[1mbold\x1b[0m"
    text = render_junit([result])
    error = ET.fromstring(text).find("testsuite/testcase/error")
    assert error is not None and error.get("message") == "bell \ufffd and bold"


def test_junit_from_a_report_read_back(tmp_path: Path, all_results: list[NotebookResult]) -> None:
    write_json(tmp_path / "r.json", all_results)
    root = ET.fromstring(render_junit_document(read_json(tmp_path / "r.json")))
    assert root.get("tests") == "5" and root.get("failures") == "2"


def test_empty_run_renders_everywhere() -> None:
    validate_document(to_document([]))
    assert "0 notebooks" in render_html([])
    assert ET.fromstring(render_junit([])).get("tests") == "0"


def _enum(*path: str) -> set[Any]:
    node: Any = report_schema()
    for key in path:
        node = node[key]
    return set(node["enum"])


def test_the_documentation_names_every_enum_value() -> None:
    doc = (ROOT / "docs" / "check-json.md").read_text(encoding="utf-8")
    for path in (
        ("definitions", "notebook", "properties", "verdict"),
        ("definitions", "cell", "properties", "status"),
        ("definitions", "cause", "properties", "kind"),
        ("definitions", "diff", "properties", "kind"),
    ):
        for value in _enum(*path):
            assert f"`{value}`" in doc, value


def test_a_version_1_report_is_upgraded(tmp_path: Path) -> None:
    """``tests/files/reports/check-v1.json`` was written by repro-nb with schema version 1."""
    upgraded = read_json(FILES / "reports" / "check-v1.json")
    assert upgraded["schema_version"] == REPORT_SCHEMA_VERSION
    causes = [cause for nb in upgraded["notebooks"] for cell in nb["cells"] for cause in cell["causes"]]
    assert causes and all(
        cause["category"] and isinstance(cause["evidence"], list) and cause["root"] for cause in causes
    )
    kinds = {cause["kind"] for cause in causes}
    assert "exception" not in kinds and "numeric-noise" not in kinds  # not causes in version 2
    assert {"hidden-state", "unseeded-rng", "unknown"} <= kinds
    assert set(upgraded["summary"]["causes"]) >= {"execution-order", "randomness"}
    assert all(nb["kernel"] is None for nb in upgraded["notebooks"])
