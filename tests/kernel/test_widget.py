"""``%repro`` as a live dashboard (ipywidgets), in real kernels and without one.

The kernel tests read what a frontend would: the display bundle ``%repro`` sends, the
``comm_open`` of each widget model (its state), and the ``comm_msg`` updates the kernel
sends after later cells. No frontend renders anything; the widget protocol is the test.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from support import Execution, KernelFactory, KernelSession

pytest.importorskip("ipywidgets")

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
UNSEEDED = "import random\nrandom.random()"


def widget_models(result: Execution) -> dict[str, dict[str, Any]]:
    """The widget models the request opened: comm id → state."""
    return {
        m["content"]["comm_id"]: m["content"]["data"]["state"]
        for m in result.messages
        if m["msg_type"] == "comm_open" and m["content"]["target_name"] == "jupyter.widget"
    }


def pane_of(models: dict[str, dict[str, Any]], key: str) -> str:
    """The comm id of the dashboard's HTML pane of section ``key`` (``"warnings"``, ``"cells"``)."""
    [comm_id] = [
        cid
        for cid, state in models.items()
        if state.get("_model_name") == "HTMLModel" and f"repro-nb-{key}" in state.get("_dom_classes", [])
    ]
    return comm_id


def header_of(models: dict[str, dict[str, Any]]) -> str:
    [comm_id] = [
        cid
        for cid, state in models.items()
        if state.get("_model_name") == "HTMLModel" and "repro-nb record" in state.get("value", "")
    ]
    return comm_id


def updated_values(result: Execution, comm_id: str) -> list[str]:
    """The ``value`` of every state update the request sent to widget ``comm_id``."""
    return [
        data["state"]["value"]
        for data in result.comm_data(comm_id)
        if data.get("method") == "update" and "value" in data.get("state", {})
    ]


def show_dashboard(session: KernelSession) -> tuple[Execution, dict[str, dict[str, Any]]]:
    result = session.run("%repro")
    return result, widget_models(result)


# -- in a kernel --------------------------------------------------------------------------------


def test_load_ext_imports_neither_ipywidgets_nor_the_dashboard(kernel_factory: KernelFactory) -> None:
    session = kernel_factory()
    assert session.evaluate("'ipywidgets' in __import__('sys').modules") is False
    assert session.evaluate("'repro_nb.kernel.widget' in __import__('sys').modules") is False
    session.run("%repro --html")
    assert session.evaluate("'ipywidgets' in __import__('sys').modules") is False
    session.run("%repro")
    assert session.evaluate("'repro_nb.kernel.widget' in __import__('sys').modules") is True


def test_repro_displays_a_widget_with_the_static_views_as_fallbacks(kernel_factory: KernelFactory) -> None:
    session = kernel_factory()
    result, models = show_dashboard(session)
    [view] = result.data(WIDGET_VIEW)
    # a frontend without a widget manager shows the HTML table as before; a terminal, the text
    [html] = result.data("text/html")
    [text] = result.data("text/plain")
    assert "<table>" in html and "repro-nb record" in html
    assert text.startswith("repro-nb record")
    # the displayed model is the dashboard: a box of the header and the tabs
    box = models[view["model_id"]]
    assert box["_model_name"] == "VBoxModel" and "repro-nb-dashboard" in box["_dom_classes"]
    header, tabs = (models[child.removeprefix("IPY_MODEL_")] for child in box["children"])
    assert "repro-nb record" in header["value"]
    assert tabs["_model_name"] == "TabModel"
    assert [title.split(" (")[0] for title in tabs["titles"]] == [
        "Warnings",
        "Cells",
        "Seeds",
        "Data files",
        "Packages",
        "Environment",
    ]
    assert all(models[child.removeprefix("IPY_MODEL_")]["_model_name"] == "HTMLModel" for child in tabs["children"])
    environment = models[pane_of(models, "environment")]["value"]
    assert "Python" in environment and "CPython" in environment


def test_the_dashboard_follows_the_next_cells(kernel_factory: KernelFactory) -> None:
    session = kernel_factory()
    _, models = show_dashboard(session)
    warnings, header, cells = pane_of(models, "warnings"), header_of(models), pane_of(models, "cells")
    assert "unseeded-rng" not in models[warnings]["value"]

    result = session.run(UNSEEDED)
    count = f"[{result.reply['execution_count']}]"
    [value] = updated_values(result, warnings)
    assert "unseeded-rng" in value and "random" in value and count in value
    assert any("1 warning(s)" in v for v in updated_values(result, header))
    assert any(count in v for v in updated_values(result, cells))

    # a cell that changes no tab but Cells and the header sends nothing to the others
    quiet = session.run("quiet = 1")
    assert updated_values(quiet, warnings) == []
    assert updated_values(quiet, pane_of(models, "environment")) == []
    assert any(f"[{quiet.reply['execution_count']}]" in v for v in updated_values(quiet, cells))
    # the header line and the Cells pane: two messages, however many tabs there are
    assert sorted(m["content"]["comm_id"] for m in quiet.messages if m["msg_type"] == "comm_msg") == sorted(
        [header, cells]
    )


def test_repro_html_forces_the_static_view(kernel: KernelSession) -> None:
    result = kernel.run("%repro --html")
    assert result.data(WIDGET_VIEW) == []
    assert widget_models(result) == {}
    [html] = result.data("text/html")
    assert "<table>" in html


def test_without_ipywidgets_repro_shows_the_html_view(kernel_factory: KernelFactory) -> None:
    session = kernel_factory()
    session.run("import sys\nsys.modules['ipywidgets'] = None  # import ipywidgets now raises ImportError")
    session.run(UNSEEDED)
    result = session.run("%repro")
    assert result.data(WIDGET_VIEW) == []
    assert widget_models(result) == {}
    [html] = result.data("text/html")
    assert "<table>" in html and "unseeded-rng" in html
    assert session.evaluate("'repro_nb.kernel.widget' in __import__('sys').modules") is False


def test_unload_freezes_the_dashboard(kernel_factory: KernelFactory) -> None:
    session = kernel_factory()
    _, models = show_dashboard(session)
    header, warnings = header_of(models), pane_of(models, "warnings")
    result = session.run("%unload_ext repro_nb")
    assert any("recording stopped" in v for v in updated_values(result, header))
    assert session.evaluate("len(__import__('repro_nb.kernel.widget').kernel.widget._LIVE)") == 0
    after = session.run(UNSEEDED)
    assert after.comm_data() == []
    assert updated_values(after, warnings) == []


def test_a_dashboard_closed_by_the_frontend_is_no_longer_updated(kernel_factory: KernelFactory) -> None:
    session = kernel_factory()
    result, models = show_dashboard(session)
    [view] = result.data(WIDGET_VIEW)
    session.close_comm(view["model_id"])
    after = session.run(UNSEEDED)
    assert updated_values(after, pane_of(models, "warnings")) == []


def test_only_the_latest_dashboards_stay_live(kernel_factory: KernelFactory) -> None:
    session = kernel_factory()
    headers = [header_of(show_dashboard(session)[1]) for _ in range(5)]
    result = session.run("quiet = 1")
    assert [bool(updated_values(result, h)) for h in headers] == [False, True, True, True, True]


# -- without a kernel ---------------------------------------------------------------------------


@pytest.fixture
def recorder() -> Any:
    from repro_nb.kernel.recorder import Recorder

    recorder = Recorder()
    yield recorder
    from repro_nb.kernel import widget

    widget.close(recorder)
    recorder.close()


def test_a_dashboard_rebuilds_only_what_changed(recorder: Any) -> None:
    from repro_nb.kernel import widget

    dashboard = widget.show(recorder)
    assert widget.live_dashboards(recorder) == [dashboard]
    warnings = dashboard.pane("Warnings")
    first = warnings.value
    assert "<i>none</i>" in first
    assert dashboard.refresh() is False  # nothing happened since

    recorder.begin_cell(UNSEEDED)
    random.random()
    recorder.end_cell(1)
    assert "unseeded-rng" in warnings.value and warnings.value != first
    assert dashboard.tabs.titles[0] == "Warnings (1)"
    assert "1 warning(s)" in dashboard.header.value

    changes: list[str] = []
    warnings.observe(lambda change: changes.append(change["name"]), names="value")
    recorder.begin_cell("x = 1")
    recorder.end_cell(2)
    assert changes == []  # the warnings did not change: their pane was not touched
    assert "[2]" in dashboard.pane("Cells").value

    bundle = dashboard.mimebundle(recorder.notebook_record())
    assert set(bundle) == {widget.WIDGET_VIEW_MIME, "text/html", "text/plain"}
    assert bundle[widget.WIDGET_VIEW_MIME]["model_id"] == dashboard.view.model_id


def test_a_results_tab_appears_when_the_record_has_results(recorder: Any) -> None:
    from repro_nb.kernel import widget

    record = dict(recorder.notebook_record())
    dashboard = widget.Dashboard(recorder, record)
    assert "Results" not in [widget.section_key(t) for t in dashboard.tabs.titles]
    record["results"] = [
        {"name": "accuracy", "kind": "scalar", "value": 0.93, "execution_count": 4},
        {"name": "confusion", "kind": "array", "value": None, "shape": [2, 2], "execution_count": 5},
    ]
    dashboard.refresh(record)
    keys = [widget.section_key(t) for t in dashboard.tabs.titles]
    assert "Results" in keys and len(dashboard.tabs.children) == len(keys)
    pane = dashboard.pane("Results").value
    assert "accuracy" in pane and "0.93" in pane and "array 2×2" in pane


def test_a_new_tab_leaves_the_reader_on_the_tab_they_read(recorder: Any) -> None:
    from repro_nb.kernel import widget

    record = dict(recorder.notebook_record())
    dashboard = widget.Dashboard(recorder, record)
    packages = dashboard.pane("Packages")
    dashboard.tabs.selected_index = list(dashboard.tabs.children).index(packages)
    dashboard.refresh({**record, "results": [{"name": "loss", "value": 0.25}]})
    assert dashboard.tabs.children[dashboard.tabs.selected_index] is packages


def test_freezing_stops_the_updates(recorder: Any) -> None:
    from repro_nb.kernel import widget

    dashboard = widget.show(recorder)
    widget.close(recorder)
    assert not dashboard.live and "recording stopped" in dashboard.header.value
    recorder.begin_cell("x = 1")
    recorder.end_cell(1)
    assert "0 cell(s) recorded" in dashboard.header.value
    assert widget.live_dashboards(recorder) == []
