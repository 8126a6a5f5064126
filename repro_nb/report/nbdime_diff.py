"""The stored notebook against its re-run, as nbdime diffs and shows it — after our masks.

Our comparator *judges* (tolerance, masks, pixels); nbdime *shows*. What nbdime is given
decides what it highlights, so both sides are prepared first (:func:`diff_view`):

- only the cells the check found drifted or failed (``mode="drifted"``, the default), or
  the whole notebook (``mode="all"``);
- volatile output masked on both sides by the same normalizers the comparator used, so
  a timestamp or a memory address is not highlighted;
- a cell the comparator judged reproduced (numbers within tolerance, a skipped cell)
  shows the stored outputs on both sides: nbdime sees no change where we found none;
- what a check never judges is made equal on both sides: cell and notebook metadata
  (the record, papermill's timings), execution counts, output metadata, and code for
  the browser (:data:`~repro_nb.compare.model.FRONTEND_MIMES`).

Then nbdime's own differ (``nbdime.diff_notebooks``) computes the diff. The same pair
feeds three views: the lab's diff tab (nbdime's widgets, from the document
:func:`diff_document` that ``repro-nb check --executed DIR`` writes for the server),
``repro-nb diff A B --web`` (nbdime's web app, :func:`write_pair`), and the offline HTML
report (:func:`render_cells_html`: nbdime's diff of each drifted cell drawn as nbdime
draws it — two panes, changed lines and characters highlighted with nbdime's colours,
images side by side with a difference mask — without script, as the report's Content
Security Policy requires).
"""

from __future__ import annotations

import copy
import html
import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import nbformat

from ..check.results import CellResult, NotebookResult
from ..compare.images import difference_mask
from ..compare.model import FRONTEND_MIMES, PIXEL_MIMES, WIDGET_VIEW_MIME, CompareOptions
from ..format.cellname import cell_label_of
from ..format.files import atomic_write_text

__all__ = [
    "DIFF_FORMAT",
    "DiffMode",
    "DiffView",
    "diff_document",
    "diff_view",
    "render_cells_html",
    "write_executed",
    "write_pair",
]

DiffMode = Literal["drifted", "all"]

#: ``format`` of :func:`diff_document`'s JSON (the server hands its views to the lab).
DIFF_FORMAT = "repro-nb-nbdime-diff"
DIFF_FORMAT_VERSION = 1

#: Cell outcomes whose stored outputs stand for both sides (the comparator found no drift).
_JUDGED_SAME = frozenset({"reproduced", "skipped", "not-stored"})
#: Cell and notebook metadata a check does not judge, removed from both sides.
_NOISE_METADATA = ("repro_nb", "papermill", "execution", "ExecuteTime", "collapsed", "scrolled")


@dataclass(frozen=True)
class ShownCell:
    """One cell of a view: where it is in the stored and re-run notebooks, and how it fared."""

    index: int | None
    actual_index: int | None
    status: str
    label: str

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "actual_index": self.actual_index, "status": self.status, "label": self.label}


@dataclass(frozen=True)
class DiffView:
    """Two prepared notebooks and nbdime's diff of them."""

    mode: DiffMode
    base: dict[str, Any]
    remote: dict[str, Any]
    diff: list[dict[str, Any]]
    cells: tuple[ShownCell, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """What nbdime's own API answers (``base``, ``diff``), plus the cells shown."""
        return {"mode": self.mode, "base": self.base, "diff": self.diff, "cells": [c.to_json() for c in self.cells]}


# --------------------------------------------------------------------------- the pair


def diff_view(result: NotebookResult, options: CompareOptions, mode: DiffMode = "drifted") -> DiffView | None:
    """The prepared pair and nbdime's diff of it; ``None`` without both notebooks."""
    stored, executed = _plain(result.stored), _plain(result.executed)
    if stored is None or executed is None:
        return None
    base_cells: list[dict[str, Any]] = []
    remote_cells: list[dict[str, Any]] = []
    shown: list[ShownCell] = []
    by_index = {c.index: c for c in result.cells if c.index is not None}
    stored_cells, executed_cells = stored.get("cells", []), executed.get("cells", [])
    if mode == "drifted":
        pairs: list[tuple[CellResult | None, int | None]] = [
            (c, c.index) for c in result.cells if c.status in ("drifted", "failed")
        ]
    else:
        pairs = [(by_index.get(i), i) for i in range(len(stored_cells))]
        pairs += [(c, None) for c in result.cells if c.index is None and c.actual_index is not None]
    for outcome, index in pairs:
        stored_cell = stored_cells[index] if index is not None and 0 <= index < len(stored_cells) else None
        actual_index = outcome.actual_index if outcome is not None else None
        actual_cell = (
            executed_cells[actual_index]
            if actual_index is not None and 0 <= actual_index < len(executed_cells)
            else None
        )
        if outcome is None:  # markdown and raw cells are not executed: the same on both sides
            actual_cell = stored_cell
        status = outcome.status if outcome is not None else "not-code"
        base, remote = _prepared_pair(stored_cell, actual_cell, status, options)
        if base is not None:
            base_cells.append(base)
        if remote is not None:
            remote_cells.append(remote)
        shown.append(ShownCell(index, actual_index, status, cell_label_of(stored_cell or actual_cell, index)))
    metadata = _without_noise(stored.get("metadata", {}))
    base_nb = {**_skeleton(stored), "metadata": metadata, "cells": base_cells}
    remote_nb = {**_skeleton(stored), "metadata": copy.deepcopy(metadata), "cells": remote_cells}
    return DiffView(mode, base_nb, remote_nb, _nbdime_diff(base_nb, remote_nb), tuple(shown))


def _plain(nb: Any) -> dict[str, Any] | None:
    """A plain-JSON deep copy (nbformat nodes and tuples become dicts and lists)."""
    if nb is None:
        return None
    plain: dict[str, Any] = json.loads(json.dumps(nb, default=str))
    return plain


def _skeleton(nb: Mapping[str, Any]) -> dict[str, Any]:
    return {"nbformat": nb.get("nbformat", 4), "nbformat_minor": nb.get("nbformat_minor", 5)}


def _nbdime_diff(base: dict[str, Any], remote: dict[str, Any]) -> list[dict[str, Any]]:
    from nbdime import diff_notebooks

    # nbdime's differs read attributes (output.output_type): give it nbformat nodes
    diff = diff_notebooks(nbformat.from_dict(base), nbformat.from_dict(remote))
    plain: list[dict[str, Any]] = json.loads(json.dumps(diff))
    return plain


def _prepared_pair(
    stored: Mapping[str, Any] | None, actual: Mapping[str, Any] | None, status: str, options: CompareOptions
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    base = _masked_cell(stored, options) if stored is not None else None
    remote = _masked_cell(actual, options) if actual is not None else None
    if base is None or remote is None:
        return base, remote
    remote["metadata"] = copy.deepcopy(base["metadata"])
    if "id" in base:
        remote["id"] = base["id"]
    if base.get("cell_type") == "code":
        remote["execution_count"] = base.get("execution_count")
        if status in _JUDGED_SAME:
            remote["outputs"] = copy.deepcopy(base.get("outputs", []))
        else:
            _align_outputs(base.get("outputs", []), remote.get("outputs", []), base.get("execution_count"))
    return base, remote


def _without_noise(metadata: Any) -> dict[str, Any]:
    if not isinstance(metadata, Mapping):
        return {}
    return {k: copy.deepcopy(v) for k, v in metadata.items() if k not in _NOISE_METADATA}


def _masked_cell(cell: Mapping[str, Any], options: CompareOptions) -> dict[str, Any]:
    masked: dict[str, Any] = {key: copy.deepcopy(value) for key, value in cell.items() if key != "outputs"}
    masked["metadata"] = _without_noise(cell.get("metadata", {}))
    if isinstance(masked.get("source"), list):
        masked["source"] = "".join(masked["source"])
    if cell.get("cell_type") == "code":
        masked["outputs"] = [_masked_output(o, options) for o in cell.get("outputs", []) if isinstance(o, Mapping)]
    return masked


def _joined(value: Any) -> str:
    return "".join(str(v) for v in value) if isinstance(value, list) else str(value)


def _masked_output(output: Mapping[str, Any], options: CompareOptions) -> dict[str, Any]:
    normalize = options.normalizers
    kind = output.get("output_type")
    masked: dict[str, Any] = {k: copy.deepcopy(v) for k, v in output.items() if k != "transient"}
    if kind == "stream":
        name = str(output.get("name", "stdout"))
        masked["text"] = normalize(f"stream/{name}", _joined(output.get("text", "")))
    elif kind in ("display_data", "execute_result"):
        data = output.get("data", {})
        kept: dict[str, Any] = {}
        for mime, value in data.items() if isinstance(data, Mapping) else ():
            if mime in FRONTEND_MIMES:
                continue
            if mime in PIXEL_MIMES:
                kept[mime] = "".join(_joined(value).split())
            elif isinstance(value, (str, list)):
                kept[mime] = normalize(mime, _joined(value))
            else:
                kept[mime] = copy.deepcopy(value)
        masked["data"] = kept
    elif kind == "error":
        masked["evalue"] = normalize("error", str(output.get("evalue", "")))
        masked["traceback"] = [normalize("error", str(line)) for line in output.get("traceback", []) or []]
    return masked


def _align_outputs(base: list[dict[str, Any]], remote: list[dict[str, Any]], count: Any) -> None:
    """Make equal on the re-run side what the comparator does not judge."""
    for position, output in enumerate(remote):
        if output.get("output_type") == "execute_result":
            output["execution_count"] = count
        partner = base[position] if position < len(base) else None
        if partner is not None and partner.get("output_type") == output.get("output_type"):
            if "metadata" in partner or "metadata" in output:
                output["metadata"] = copy.deepcopy(partner.get("metadata", {}))
            widget, partner_widget = output.get("data", {}), partner.get("data", {})
            if WIDGET_VIEW_MIME in widget and isinstance(partner_widget.get(WIDGET_VIEW_MIME), Mapping):
                view = dict(widget[WIDGET_VIEW_MIME])
                view["model_id"] = partner_widget[WIDGET_VIEW_MIME].get("model_id")
                widget[WIDGET_VIEW_MIME] = view


# --------------------------------------------------------------------------- files


def diff_document(result: NotebookResult, options: CompareOptions) -> dict[str, Any] | None:
    """Both views of one result, for ``--executed DIR`` (the server serves them to the lab)."""
    views = {mode: diff_view(result, options, mode) for mode in ("drifted", "all")}
    if any(view is None for view in views.values()):
        return None
    return {
        "format": DIFF_FORMAT,
        "version": DIFF_FORMAT_VERSION,
        "path": result.path,
        "masks": list(options.normalizers.names),
        "views": {mode: view.to_json() for mode, view in views.items() if view is not None},
    }


def executed_name(result_path: str) -> str:
    """Where under ``--executed DIR`` a notebook's files go: its path relative to the working
    directory (its name alone when it lies outside), without ``.ipynb``."""
    relative = os.path.relpath(os.path.abspath(result_path))
    if relative.startswith(os.pardir):
        relative = os.path.basename(result_path)
    stem, _ = os.path.splitext(relative)
    return stem


def write_executed(directory: str, result: NotebookResult, options: CompareOptions) -> list[str]:
    """``--executed DIR``: the re-run notebook as executed (``NAME.ipynb``) and the masked
    nbdime diff of it against the stored one (``NAME.nbdime.json``). Nothing when the
    notebook did not run. Returns the files written."""
    if result.executed is None:
        return []
    stem = os.path.join(directory, executed_name(result.path))
    os.makedirs(os.path.dirname(stem) or directory, exist_ok=True)
    written = [stem + ".ipynb"]
    atomic_write_text(written[0], json.dumps(_plain(result.executed), indent=1, ensure_ascii=False) + "\n")
    document = diff_document(result, options)
    if document is not None:
        written.append(stem + ".nbdime.json")
        atomic_write_text(written[1], json.dumps(document, ensure_ascii=False))
    return written


def write_pair(directory: str, view: DiffView) -> tuple[str, str]:
    """The prepared pair as two notebook files, for nbdime's web app (``diff --web``)."""
    base, remote = os.path.join(directory, "stored.ipynb"), os.path.join(directory, "re-run.ipynb")
    for path, nb in ((base, view.base), (remote, view.remote)):
        atomic_write_text(path, json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    return base, remote


# --------------------------------------------------------------------------- static rendering

#: nbdime's diff colours (its ``variables.css``) and the parts of its layout a reader
#: recognises: two panes, deleted on the left, added on the right.
CSS = """
.jp-Notebook-diff { --jp-diff-added-color0: rgba(0, 200, 20, 0.6); --jp-diff-added-color2: rgba(0, 200, 20, 0.3);
  --jp-diff-deleted-color0: rgba(240, 20, 0, 0.55); --jp-diff-deleted-color2: rgba(255, 20, 0, 0.3);
  margin: .4rem 0 1rem; }
@media (prefers-color-scheme: dark) { .jp-Notebook-diff {
  --jp-diff-added-color0: rgba(46, 160, 67, 0.55); --jp-diff-added-color2: rgba(46, 160, 67, 0.16);
  --jp-diff-deleted-color0: rgba(248, 81, 73, 0.5); --jp-diff-deleted-color2: rgba(248, 81, 73, 0.16); } }
.jp-Notebook-diff .nbdime-caption { font-size: .8rem; color: var(--muted); margin: 0 0 .3rem; }
.jp-Notebook-diff .jp-Cellrow-outputs { margin: .3rem 0; }
.jp-Diff-twoway { display: flex; gap: .5rem; align-items: stretch; }
.jp-Diff-twoway > div { flex: 1 1 0; min-width: 0; border-radius: 3px; padding: .3rem .4rem; overflow-x: auto; }
.jp-Diff-twoway.jp-Diff-images > div { flex-basis: 30%; }
.jp-Diff-base { background-color: var(--jp-diff-deleted-color2); border: solid 1px var(--jp-diff-deleted-color0); }
.jp-Diff-remote { background-color: var(--jp-diff-added-color2); border: solid 1px var(--jp-diff-added-color0); }
.jp-Diff-mask { border: solid 1px var(--line); }
.jp-Diff-pane-label { font: 600 .75rem/1.4 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin-bottom: .2rem; }
.jp-Diff-twoway pre { margin: 0; background: transparent; border: 0; padding: 0; max-height: 30rem; }
.jp-Diff-twoway .cm-line { display: block; min-height: 1.2em; }
.jp-Diff-base .cm-merge-r-chunk { background-color: var(--jp-diff-deleted-color2); }
.jp-Diff-remote .cm-merge-r-chunk { background-color: var(--jp-diff-added-color2); }
.cm-merge-r-deleted { background-color: var(--jp-diff-deleted-color0); }
.cm-merge-r-inserted { background-color: var(--jp-diff-added-color0); }
.jp-Diff-unchanged { color: var(--muted); font-size: .8rem; margin: .2rem 0; }
.jp-Diff-twoway img { max-width: 100%; min-width: min(100%, 160px); height: auto; background: #fff; }
"""

#: Plain base64: anything else (a data: URI trick, markup) is never embedded.
_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")

#: Characters of one output's text drawn; the rest is summarized.
MAX_TEXT_CHARS = 20_000


def render_cells_html(view: DiffView, options: CompareOptions, embed: Any = None) -> dict[int, str]:
    """nbdime's diff of each shown cell, drawn statically: ``{stored index: HTML}``.

    ``embed(mime, base64) -> bool`` decides whether a picture may still be embedded
    (the report's size budget); without it every picture is.
    """
    allow = embed or (lambda mime, data: True)
    cell_diffs = _cell_diffs(view.diff)
    drawn: dict[int, str] = {}
    base_cells = view.base.get("cells", [])
    position = 0
    for shown in view.cells:
        if shown.index is None or position >= len(base_cells):
            continue
        base_cell = base_cells[position]
        position += 1
        ops = cell_diffs.get(position - 1, [])
        outputs_diff = _member(ops, "outputs")
        drawn[shown.index] = _cell_html(base_cell, outputs_diff, options, allow)
    return drawn


def _cell_diffs(diff: Sequence[Mapping[str, Any]]) -> dict[int, list[Mapping[str, Any]]]:
    """The patch of each base cell (by its position in the prepared base notebook)."""
    found: dict[int, list[Mapping[str, Any]]] = {}
    for entry in _member(diff, "cells"):
        if entry.get("op") == "patch" and isinstance(entry.get("key"), int):
            found[entry["key"]] = list(entry.get("diff", []))
    return found


def _member(ops: Sequence[Mapping[str, Any]], key: str) -> list[Mapping[str, Any]]:
    for op in ops:
        if op.get("op") == "patch" and op.get("key") == key:
            return list(op.get("diff", []))
    return []


def _cell_html(
    cell: Mapping[str, Any], outputs_diff: list[Mapping[str, Any]], options: CompareOptions, allow: Any
) -> str:
    outputs = list(cell.get("outputs", []))
    added: dict[int, list[Any]] = {}
    removed: set[int] = set()
    patched: dict[int, list[Mapping[str, Any]]] = {}
    for op in outputs_diff:
        key = op.get("key")
        if not isinstance(key, int):
            continue
        if op.get("op") == "addrange":
            added.setdefault(key, []).extend(op.get("valuelist", []))
        elif op.get("op") == "removerange":
            removed.update(range(key, key + int(op.get("length", 1))))
        elif op.get("op") == "patch":
            patched[key] = list(op.get("diff", []))
    rows: list[str] = []
    unchanged = 0
    for i in range(len(outputs) + 1):
        news = list(added.get(i, []))
        if i < len(outputs) and i in removed and news and news[0].get("output_type") == outputs[i].get("output_type"):
            # nbdime replaces an output it finds too different to patch (a new picture):
            # shown as one changed output, both sides next to each other
            rows.append(_replaced_output(outputs[i], news.pop(0), options, allow))
            removed.discard(i)
            i_done = True
        else:
            i_done = False
        for new in news:
            rows.append(_two_panes(None, _output_text_html(new, None, "remote"), "output only in the re-run"))
        if i == len(outputs) or i_done:
            continue
        if i in removed:
            rows.append(_two_panes(_output_text_html(outputs[i], None, "base"), None, "output missing in the re-run"))
        elif i in patched:
            rows.append(_patched_output(outputs[i], patched[i], options, allow))
        else:
            unchanged += 1
    if unchanged:
        rows.append(f'<p class="jp-Diff-unchanged">{unchanged} output(s) unchanged</p>')
    return (
        '<div class="jp-Notebook-diff"><p class="nbdime-caption">nbdime diff, stored ↔ re-run, masks applied</p>'
        f'<div class="jp-Cell-diff"><div class="jp-Cellrow-outputs">{"".join(rows)}</div></div></div>'
    )


def _replaced_output(old: Mapping[str, Any], new: Mapping[str, Any], options: CompareOptions, allow: Any) -> str:
    """An output nbdime replaced whole: its pictures with the difference mask, its text line by line."""
    parts: list[str] = []
    old_data, new_data = old.get("data", {}) or {}, new.get("data", {}) or {}
    images = [m for m in old_data if m in PIXEL_MIMES and m in new_data]
    for mime in images:
        parts.append(_image_panes(mime, old_data[mime], new_data[mime], options, allow))
    old_text, new_text = _text_of(old), _text_of(new)
    if old_text is not None and new_text is not None and (not images or old_text[1] != new_text[1]):
        parts.append(_text_diff_panes(old_text[1], [], new_text[1]) if old_text[1] != new_text[1] else "")
    return "".join(parts) or _two_panes(_output_text_html(old, None, "base"), _output_text_html(new, None, "remote"))


def _two_panes(left: str | None, right: str | None, caption: str | None = None) -> str:
    panes = []
    if left is not None:
        panes.append(f'<div class="jp-Diff-base"><div class="jp-Diff-pane-label">stored</div>{left}</div>')
    if right is not None:
        panes.append(f'<div class="jp-Diff-remote"><div class="jp-Diff-pane-label">re-run</div>{right}</div>')
    head = f'<div class="jp-Diff-pane-label">{html.escape(caption)}</div>' if caption else ""
    return f'{head}<div class="jp-Diff-twoway">{"".join(panes)}</div>'


def _text_of(output: Mapping[str, Any]) -> tuple[str, str] | None:
    """(member, text) of an output as nbdime diffs it: a stream's text, else its richest text."""
    if output.get("output_type") == "stream":
        return "text", _joined(output.get("text", ""))
    if output.get("output_type") == "error":
        return "evalue", f"{output.get('ename', '')}: {output.get('evalue', '')}"
    data = output.get("data", {})
    for mime in ("text/plain", "text/html", "text/markdown", "text/latex", "application/json"):
        if mime in data:
            value = data[mime]
            return mime, value if isinstance(value, str) else json.dumps(value, indent=1)
    return None


def _output_text_html(output: Mapping[str, Any], ops: list[Mapping[str, Any]] | None, side: str) -> str:
    found = _text_of(output)
    if found is None:
        return f"<pre>{html.escape(', '.join(sorted(output.get('data', {}))) or str(output.get('output_type')))}</pre>"
    return f"<pre>{_lines_html(_clip(found[1]), ops, side)}</pre>"


def _clip(text: str) -> str:
    if len(text) <= MAX_TEXT_CHARS:
        return text
    return text[:MAX_TEXT_CHARS] + f"\n…[{len(text) - MAX_TEXT_CHARS} more characters]"


def _patched_output(
    output: Mapping[str, Any], ops: list[Mapping[str, Any]], options: CompareOptions, allow: Any
) -> str:
    """A changed output: its text with nbdime's line and character diff, its pictures side by side."""
    parts: list[str] = []
    if output.get("output_type") == "stream":
        text_ops = _member(ops, "text")
        replaced = _replaced(ops, "text")
        parts.append(_text_diff_panes(_joined(output.get("text", "")), text_ops, replaced))
    elif output.get("output_type") == "error":
        remote = f"{_replaced(ops, 'ename') or output.get('ename', '')}: {_replaced(ops, 'evalue') or output.get('evalue', '')}"
        parts.append(_text_diff_panes(f"{output.get('ename', '')}: {output.get('evalue', '')}", [], remote))
    else:
        data_ops = _member(ops, "data")
        data = output.get("data", {})
        for op in data_ops:
            mime = str(op.get("key"))
            old = data.get(mime)
            if mime in PIXEL_MIMES:
                new = op.get("value") if op.get("op") in ("replace", "add") else None
                parts.append(_image_panes(mime, old, new, options, allow))
            elif op.get("op") == "patch":
                parts.append(f'<div class="jp-Diff-pane-label">{html.escape(mime)}</div>')
                parts.append(_text_diff_panes(_joined(old or ""), list(op.get("diff", [])), None))
            elif op.get("op") in ("replace", "add", "remove"):
                parts.append(f'<div class="jp-Diff-pane-label">{html.escape(mime)}</div>')
                new_text = op.get("value") if op.get("op") != "remove" else None
                parts.append(
                    _text_diff_panes(_joined(old or ""), [], _joined(new_text) if new_text is not None else "")
                )
    return "".join(parts)


def _replaced(ops: list[Mapping[str, Any]], key: str) -> str | None:
    for op in ops:
        if op.get("key") == key and op.get("op") == "replace":
            return _joined(op.get("value", ""))
    return None


def _text_diff_panes(base: str, line_ops: list[Mapping[str, Any]], replaced: str | None) -> str:
    if replaced is not None:
        left = "".join(f'<span class="cm-line cm-merge-r-chunk">{html.escape(line)}</span>' for line in _lines(base))
        right = "".join(
            f'<span class="cm-line cm-merge-r-chunk">{html.escape(line)}</span>' for line in _lines(replaced)
        )
        return _two_panes(f"<pre>{left}</pre>", f"<pre>{right}</pre>")
    return _two_panes(
        f"<pre>{_lines_html(_clip(base), line_ops, 'base')}</pre>",
        f"<pre>{_lines_html(_clip(base), line_ops, 'remote')}</pre>",
    )


def _lines(text: str) -> list[str]:
    return [line.rstrip("\n") for line in text.splitlines(keepends=True)] or [""]


def _lines_html(base: str, ops: list[Mapping[str, Any]] | None, side: str) -> str:
    """One side of nbdime's line-wise string diff: the base lines with deletions marked,
    or the remote lines (base with the ops applied) with insertions marked."""
    lines = base.splitlines(keepends=True)
    ops = ops or []
    inserted: dict[int, list[str]] = {}
    deleted: set[int] = set()
    patched: dict[int, list[Mapping[str, Any]]] = {}
    for op in ops:
        key = op.get("key")
        if not isinstance(key, int):
            continue
        if op.get("op") == "addrange":
            inserted.setdefault(key, []).extend(str(v) for v in op.get("valuelist", []))
        elif op.get("op") == "removerange":
            deleted.update(range(key, key + int(op.get("length", 1))))
        elif op.get("op") == "patch":
            patched[key] = list(op.get("diff", []))
    out: list[str] = []

    def line(content: str, css: str = "") -> None:
        out.append(f'<span class="cm-line{" " + css if css else ""}">{content}</span>')

    for i in range(len(lines) + 1):
        if side == "remote":
            for new in inserted.get(i, []):
                line(html.escape(new.rstrip("\n")), "cm-merge-r-chunk")
        if i == len(lines):
            break
        text = lines[i].rstrip("\n")
        if i in deleted:
            if side == "base":
                line(html.escape(text), "cm-merge-r-chunk")
        elif i in patched:
            line(_chars_html(lines[i], patched[i], side).rstrip("\n"), "cm-merge-r-chunk")
        else:
            line(html.escape(text))
    return "".join(out)


def _chars_html(base: str, ops: list[Mapping[str, Any]], side: str) -> str:
    """One side of nbdime's character diff of a line."""
    inserted: dict[int, str] = {}
    deleted: set[int] = set()
    for op in ops:
        key = op.get("key")
        if not isinstance(key, int):
            continue
        if op.get("op") == "addrange":
            value = op.get("valuelist", "")
            inserted[key] = inserted.get(key, "") + (value if isinstance(value, str) else "".join(map(str, value)))
        elif op.get("op") == "removerange":
            deleted.update(range(key, key + int(op.get("length", 1))))
    out: list[str] = []
    for i in range(len(base) + 1):
        if side == "remote" and i in inserted:
            out.append(f'<span class="cm-merge-r-inserted">{html.escape(inserted[i].rstrip(chr(10)))}</span>')
        if i == len(base):
            break
        char = html.escape(base[i]) if base[i] != "\n" else ""
        if i in deleted:
            if side == "base":
                out.append(f'<span class="cm-merge-r-deleted">{char}</span>')
        else:
            out.append(char)
    return "".join(out)


def _base64(value: Any) -> str | None:
    if not value:
        return None
    compact = "".join(_joined(value).split())
    return compact if _BASE64.fullmatch(compact) else None


def _image_panes(mime: str, old: Any, new: Any, options: CompareOptions, allow: Any) -> str:
    """Stored and re-run pictures side by side, and the difference mask: what changed, in red."""
    old_data = _base64(old)
    new_data = _base64(new)
    mask = difference_mask(old_data, new_data, options) if old_data and new_data else None
    panes: list[str] = []
    for css, label, data, kind in (
        ("jp-Diff-base", "stored", old_data, mime),
        ("jp-Diff-remote", "re-run", new_data, mime),
        ("jp-Diff-mask", "difference mask", mask, "image/png"),
    ):
        if data is None:
            if css != "jp-Diff-mask":
                panes.append(f'<div class="{css}"><p class="muted small">(image not available)</p></div>')
            continue
        if allow(kind, data):
            body = f'<img alt="{html.escape(label)} image" src="data:{html.escape(kind)};base64,{data}">'
        else:
            body = '<p class="muted small">(not embedded: the report size is capped)</p>'
        caption = "difference: changed pixels in red" if css == "jp-Diff-mask" else label
        panes.append(f'<div class="{css}"><div class="jp-Diff-pane-label">{html.escape(caption)}</div>{body}</div>')
    return (
        f'<div class="jp-Diff-pane-label">{html.escape(mime)}</div>'
        f'<div class="images jp-Diff-twoway jp-Diff-images">{"".join(panes)}</div>'
    )
