"""Benchmark: ``repro_nb.compare.compare_notebooks`` vs nbdime's ``diff_notebooks``.

Builds two large executed notebooks in memory (by default 1 200 code cells and more
than 20 MB of outputs: text/plain reprs, HTML tables, chunked stream logs, PNG plots),
the second a copy with about 1 % of the cells changed (numbers, words, one plot), and
times both tools on the same pair, best of N runs. Goal from issue 3: not slower
than nbdime.

    .venv/bin/python benchmarks/bench_diff.py [--cells 1200] [--repeat 3] [--noise]
"""

from __future__ import annotations

import argparse
import base64
import copy
import io
import json
import re
import time
from collections.abc import Callable
from typing import Any

import nbformat
import numpy as np
from nbdime.diffing import notebooks as nbdime_notebooks
from nbformat.notebooknode import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from PIL import Image

from repro_nb.compare import CompareOptions, compare_notebooks


def html_table(rng: np.random.Generator, rows: int) -> str:
    """A pandas-like HTML table of floats."""
    body = "".join(
        f"<tr><th>{r}</th>" + "".join(f"<td>{v:.6f}</td>" for v in rng.random(6)) + "</tr>\n" for r in range(rows)
    )
    head = "<tr><th></th>" + "".join(f"<th>col_{c}</th>" for c in range(6)) + "</tr>\n"
    return f'<table border="1" class="dataframe">\n<thead>{head}</thead>\n<tbody>{body}</tbody></table>'


def array_repr(rng: np.random.Generator, rows: int) -> str:
    return np.array2string(rng.random((rows, 6)), precision=8, separator=", ")


def log_chunks(rng: np.random.Generator, cell: int, lines: int) -> list[str]:
    """Training-log style stdout, split in chunks as a kernel would flush it."""
    text = [
        f"epoch {cell}:{i:04d} loss={v:.6f} accuracy={1 - v / 3:.4f} lr=0.001\n"
        for i, v in enumerate(rng.random(lines))
    ]
    return ["".join(text[i : i + 40]) for i in range(0, lines, 40)]


def plot_png(rng: np.random.Generator, width: int = 200, height: int = 150) -> str:
    """A smooth plot-like image with some noise, PNG encoded as nbformat stores it."""
    x = np.linspace(0, 6, width)
    base = (127 + 100 * np.sin(x + rng.random()))[None, :].repeat(height, 0)
    noise = rng.integers(0, 24, (height, width))
    pixels = np.stack([base, base + noise, 255 - base], axis=2).clip(0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def cell_outputs(rng: np.random.Generator, cell: int) -> list[NotebookNode]:
    kind = cell % 4
    if kind == 0:
        return [
            new_output(
                "execute_result",
                execution_count=cell,
                data={"text/plain": array_repr(rng, 80), "text/html": html_table(rng, 70)},
            )
        ]
    if kind == 1:
        return [new_output("stream", name="stdout", text=chunk) for chunk in log_chunks(rng, cell, 200)]
    if kind == 2 and cell % 8 == 2:
        return [
            new_output(
                "display_data", data={"image/png": plot_png(rng), "text/plain": "<Figure size 640x480 with 1 Axes>"}
            )
        ]
    return [new_output("execute_result", execution_count=cell, data={"text/plain": array_repr(rng, 160)})]


def build_expected(cells: int, seed: int) -> NotebookNode:
    rng = np.random.default_rng(seed)
    notebook_cells: list[NotebookNode] = []
    for index in range(cells):
        if index % 10 == 0:
            notebook_cells.append(new_markdown_cell(f"## Section {index // 10}"))
        code = new_code_cell(
            f"result_{index} = step({index})",
            id=f"cell-{index}",
            execution_count=index + 1,
            outputs=cell_outputs(rng, index),
        )
        notebook_cells.append(code)
    return new_notebook(cells=notebook_cells)


def plant_changes(expected: NotebookNode, fraction: float, seed: int) -> tuple[NotebookNode, int]:
    """Copy ``expected`` and change ~``fraction`` of the code cells: numbers beyond
    tolerance, a word in a log, and one plot. Returns the copy and the count."""
    rng = np.random.default_rng(seed + 1)
    actual = copy.deepcopy(expected)
    code = [cell for cell in actual.cells if cell.cell_type == "code"]
    chosen = rng.choice(len(code), size=max(3, int(len(code) * fraction)), replace=False)
    changed_image = False
    for position in sorted(int(i) for i in chosen):
        outputs = code[position].outputs
        first = outputs[0]
        if first.output_type == "stream":
            first.text = first.text.replace("accuracy=", "acc=", 1)
        elif "image/png" in first.data and not changed_image:
            first.data["image/png"] = plot_png(np.random.default_rng(position))
            changed_image = True
        elif "image/png" in first.data:
            first.data["text/plain"] = "<Figure size 800x600 with 2 Axes>"
        else:
            first.data["text/plain"] = re.sub(  # bump the leading digit of one number
                r"(\d)\.(\d)",
                lambda m: f"{(int(m[1]) + 1) % 10}.{m[2]}",
                first.data["text/plain"],
                count=1,
            )
    if not changed_image:  # make sure one plot changes whatever the sample was
        for cell in code:
            if cell.outputs and "image/png" in cell.outputs[0].get("data", {}):
                cell.outputs[0].data["image/png"] = plot_png(np.random.default_rng(1))
                chosen = np.append(chosen, code.index(cell))
                break
    return actual, len({int(i) for i in chosen})


def add_volatile_noise(notebook: NotebookNode, run: int) -> None:
    """Give every text output run-specific noise that the default masks remove: a
    timestamp in each log, a memory address in each repr. Forces the slow path
    (normalize, tokenize) on every cell instead of the identical-output fast path."""
    for index, cell in enumerate(c for c in notebook.cells if c.cell_type == "code"):
        for output in cell.outputs:
            if output.output_type == "stream":
                output.text = f"started {2020 + run}-01-05 12:{index % 60:02d}:07\n" + output.text
            elif "text/plain" in output.data:
                address = f"0x7f{run:02x}{index:08x}"
                output.data["text/plain"] += f"\n<model.Net object at {address}>"


def nbdime_changed_cells(diff: list[Any]) -> int:
    """Cells nbdime reports as patched, added or removed (code and markdown)."""
    for entry in diff:
        if entry["key"] == "cells" and entry["op"] == "patch":
            return sum(
                1 if item["op"] == "patch" else len(item["valuelist"]) if item["op"] == "addrange" else item["length"]
                for item in entry["diff"]
            )
    return 0


def best_of(repeat: int, run: Callable[[], int], reset: Callable[[], None]) -> tuple[float, int]:
    best, changed = float("inf"), 0
    for _ in range(repeat):
        reset()
        start = time.perf_counter()
        changed = run()
        best = min(best, time.perf_counter() - start)
    return best, changed


def reset_nbdime_caches() -> None:
    """nbdime memoizes text comparisons; clear them so every run starts cold."""
    for name in ("compare_text_approximate", "compare_text_strict"):
        cache_clear = getattr(getattr(nbdime_notebooks, name, None), "cache_clear", None)
        if cache_clear is not None:
            cache_clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=1200, help="code cells (default 1200)")
    parser.add_argument("--changed", type=float, default=0.01, help="fraction of code cells changed (default 0.01)")
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs (default 3)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--noise", action="store_true", help="add masked noise (timestamps, addresses) to every text output"
    )
    args = parser.parse_args()

    expected = build_expected(args.cells, args.seed)
    actual, planted = plant_changes(expected, args.changed, args.seed)
    if args.noise:
        add_volatile_noise(expected, 0)
        add_volatile_noise(actual, 1)
    # Round-trip through JSON so both tools see what they would read from disk.
    expected = nbformat.reads(nbformat.writes(expected), as_version=4)
    actual = nbformat.reads(nbformat.writes(actual), as_version=4)
    size_mb = sum(len(json.dumps(cell.get("outputs", []))) for cell in expected.cells) / 1e6
    options = CompareOptions()

    ours = best_of(
        args.repeat,
        lambda: len(compare_notebooks(expected, actual, options).drifted),
        lambda: None,
    )
    theirs = best_of(
        args.repeat,
        lambda: nbdime_changed_cells(nbdime_notebooks.diff_notebooks(expected, actual)),
        reset_nbdime_caches,
    )
    print(
        f"notebooks: {args.cells} code cells, {size_mb:.1f} MB of outputs each, "
        f"{planted} code cells changed{' + noise in every cell' if args.noise else ''}; "
        f"best of {args.repeat}"
    )
    print("| tool | seconds | cells reported changed |")
    print("|---|---:|---:|")
    print(f"| repro_nb.compare.compare_notebooks | {ours[0]:.3f} | {ours[1]} |")
    print(f"| nbdime.diffing.notebooks.diff_notebooks | {theirs[0]:.3f} | {theirs[1]} |")
    print(f"speed-up: {theirs[0] / ours[0]:.1f}x")


if __name__ == "__main__":
    main()
