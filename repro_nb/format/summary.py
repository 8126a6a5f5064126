"""The record as a person reads it: sections of rows, and as plain text.

Shared by ``%repro`` in the kernel (its text/plain form; the HTML form is the kernel's
:mod:`repro_nb.kernel.view`) and by ``repro-nb show``. Order is fixed by what a reader
needs first: warnings, then seeds, data, packages, environment.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .text import short_hash

#: (title, column headers, rows)
Section = tuple[str, list[str], list[list[str]]]


def _where(item: Mapping[str, Any]) -> str:
    count = item.get("execution_count")
    return f"[{count}]" if count is not None else ""


def sections(record: Mapping[str, Any]) -> list[Section]:
    """(title, column headers, rows) for each section; shared by text and HTML."""
    warnings = record.get("warnings", [])
    found: list[Section] = []
    found.append(
        (
            f"Warnings ({len(warnings)})",
            ["cell", "kind", "message"],
            [[_where(w), w["kind"], w["message"]] for w in warnings],
        )
    )
    found.extend(_evaluation_sections(record))
    seeds = record.get("seeds", [])
    found.append(
        (
            f"Seeds ({len(seeds)})",
            ["cell", "library", "call", "value"],
            [[_where(s), s["library"], s["api"], str(s["value"])] for s in seeds],
        )
    )
    data = record.get("data", [])
    found.append(
        (
            f"Data files ({len(data)})",
            ["path", "status", "size", "hash", "cell"],
            [
                [
                    d["path"]
                    + ("/" if d.get("kind") == "directory" else "")
                    + (" (pinned)" if d.get("pinned") else ""),
                    d["status"],
                    _size(d.get("size")),
                    short_hash(d.get("hash"), "-"),
                    _where(d),
                ]
                for d in data
            ],
        )
    )
    packages = record.get("packages", {})
    found.append(
        (
            f"Packages ({len(packages)})",
            ["distribution", "version"],
            [[name, version or "?"] for name, version in packages.items()],
        )
    )
    env = record.get("environment", {})
    rows: list[list[str]] = []
    py = env.get("python", {})
    if py:
        rows.append(["Python", f"{py.get('implementation', '')} {py.get('version', '')}".strip()])
    plat = env.get("platform", {})
    if plat:
        rows.append(["Platform", " ".join(str(plat.get(k, "")) for k in ("system", "release", "machine")).strip()])
    cpu = env.get("cpu", {})
    if cpu:
        rows.append(["CPU", f"{cpu.get('model') or '?'} × {cpu.get('count') or '?'}"])
    for gpu in env.get("gpus", []):
        rows.append(["GPU", f"{gpu.get('name', '?')} (driver {gpu.get('driver', '?')})"])
    for blas in env.get("blas", []):
        rows.append(
            [
                "BLAS",
                " ".join(
                    str(blas.get(k)) for k in ("internal_api", "version", "num_threads") if blas.get(k) is not None
                ),
            ]
        )
    for name, value in sorted(env.get("env", {}).items()):
        rows.append([name, value])
    found.append(("Environment", ["", ""], rows))
    return found


def _evaluation_sections(record: Mapping[str, Any]) -> list[Section]:
    """Named results and evaluation metrics, when the notebook has any (docs/results.md)."""
    found: list[Section] = []
    results = record.get("results", [])
    if results:
        rows = []
        for r in results:
            outcome = r.get("claim_outcome") or {}
            claim = f"{r['claim']}: {outcome.get('status', 'undecided')}" if r.get("claim") else ""
            rows.append([_where(r), r["name"], short_value(r), claim])
        found.append((f"Results ({len(results)})", ["cell", "name", "value", "claim"], rows))
    metrics = record.get("metrics", [])
    if metrics:
        rows = []
        for m in metrics:
            rows.append(
                [
                    _where(m),
                    m["metric"],
                    _number(m.get("value")),
                    str(m.get("n", "")),
                    _balance(m.get("class_balance") or {}),
                    _number(m.get("majority_baseline")),
                    _number(m.get("balanced_accuracy")),
                ]
            )
        found.append(
            (
                f"Evaluation ({len(metrics)})",
                ["cell", "metric", "value", "n", "test labels", "majority baseline", "balanced accuracy"],
                rows,
            )
        )
    return found


def short_value(result: Mapping[str, Any]) -> str:
    """A named result's value in a table cell: the number, or the kind and shape."""
    value = result.get("value")
    kind = result.get("kind")
    if kind == "scalar":
        return _number(value) if isinstance(value, float) else str(value)
    shape = "×".join(str(n) for n in result.get("shape", []))
    return f"{kind} {shape}".strip()


def _number(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _balance(counts: Mapping[str, int]) -> str:
    from .evaluation import describe_balance

    return describe_balance(counts, limit=2) if counts else "-"


def _size(size: int | None) -> str:
    if size is None:
        return "-"
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return str(size)


def to_text(record: Mapping[str, Any]) -> str:
    lines = [f"repro-nb record — {record.get('cells_executed', 0)} cell(s) recorded"]
    for title, headers, rows in sections(record):
        lines.append("")
        lines.append(title)
        if not rows:
            lines.append("  (none)")
            continue
        widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
        widths[-1] = 0  # the last column is free text
        for row in rows:
            lines.append("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
    return "\n".join(lines)


def cells_section(cells: Sequence[Mapping[str, Any]], limit: int = 100) -> Section:
    """The executions of cells, latest first (the last ``limit`` of them), one row each.

    Not one of :func:`sections`: a notebook's record holds no cells (each cell's part
    lives in the cell); the live dashboard (``%repro`` with ipywidgets) shows the
    session's executions as they happen.
    """
    rows: list[list[str]] = []
    for cell in reversed(cells[-limit:] if limit else []):
        error = cell.get("error") or {}
        rows.append(
            [
                _where(cell),
                cell.get("cell_id") or cell.get("editor_uri") or "",
                f"{cell.get('duration_s', 0.0):.3f} s",
                ", ".join(i["module"] for i in cell.get("imports", [])),
                str(len(cell.get("reads", [])) + len(cell.get("writes", []))),
                str(len(cell.get("warnings", []))),
                f"{error.get('ename', '')}: {error.get('evalue', '')}" if error else "",
            ]
        )
    title = f"Cells ({len(cells)})" if len(cells) <= limit else f"Cells ({len(cells)}, the last {limit} shown)"
    return title, ["cell", "id", "duration", "imports", "files", "warnings", "error"], rows
