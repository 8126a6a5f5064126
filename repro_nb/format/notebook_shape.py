"""The shape of a notebook every part of repro-nb relies on, checked before anything uses it.

A file can be valid JSON, say ``"nbformat": 4`` and still not be a notebook the code can
walk: ``cells`` an object after a bad merge, a cell without ``source`` after a hand edit,
``source`` a number, ``kernelspec`` a bare string. nbformat reads such files with a
logged warning (or a ``jsonschema`` traceback), and the first ``cell["source"]`` further
on raises ``KeyError``, ``TypeError`` or ``AttributeError`` far from the cause. So the
reader checks the few things the code depends on, once, and names the first fault in
terms of the file: which cell, which key, what it holds instead. Anything else nbformat
tolerates is left to nbformat.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["json_type", "shape_fault"]


def json_type(value: Any) -> str:
    """What a JSON value is, in the words of the JSON Schema the user may look up."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def shape_fault(raw: Mapping[str, Any]) -> str | None:
    """The first way ``raw`` (a parsed nbformat-4 document) breaks the notebook shape, or ``None``."""
    metadata = raw.get("metadata", {})
    if not isinstance(metadata, dict):
        return f"'metadata' must be an object, not {json_type(metadata)}"
    for key in ("kernelspec", "language_info"):
        if key in metadata and not isinstance(metadata[key], dict):
            return f"metadata.{key} must be an object, not {json_type(metadata[key])}"
    kernelspec = metadata.get("kernelspec", {})
    if "name" in kernelspec and not isinstance(kernelspec["name"], str):
        return f"metadata.kernelspec.name must be a string, not {json_type(kernelspec['name'])}"
    cells = raw.get("cells")
    if not isinstance(cells, list):
        return f"'cells' must be a list, not {json_type(cells)}"
    for number, cell in enumerate(cells, start=1):
        fault = _cell_fault(cell)
        if fault is not None:
            return f"cell {number}{fault}"
    return None


def _cell_fault(cell: Any) -> str | None:
    """What is wrong with one cell, phrased to follow "cell N"."""
    if not isinstance(cell, dict):
        return f" must be an object, not {json_type(cell)}"
    cell_type = cell.get("cell_type")
    if not isinstance(cell_type, str):
        return (
            " has no 'cell_type'"
            if cell_type is None
            else f": 'cell_type' must be a string, not {json_type(cell_type)}"
        )
    if "source" not in cell:
        return " has no 'source'"
    source = cell["source"]
    if not isinstance(source, str) and not (isinstance(source, list) and all(isinstance(s, str) for s in source)):
        return f": 'source' must be a string or a list of strings, not {json_type(source)}"
    if "metadata" in cell and not isinstance(cell["metadata"], dict):
        return f": 'metadata' must be an object, not {json_type(cell['metadata'])}"
    if "id" in cell and not isinstance(cell["id"], str):
        return f": 'id' must be a string, not {json_type(cell['id'])}"
    if cell_type == "code":
        return _code_cell_fault(cell)
    return None


def _code_cell_fault(cell: dict[str, Any]) -> str | None:
    count = cell.get("execution_count")
    if count is not None and (isinstance(count, bool) or not isinstance(count, int)):
        return f": 'execution_count' must be a whole number or null, not {json_type(count)}"
    outputs = cell.get("outputs", [])
    if not isinstance(outputs, list):
        return f": 'outputs' must be a list, not {json_type(outputs)}"
    for number, output in enumerate(outputs, start=1):
        if not isinstance(output, dict):
            return f", output {number} must be an object, not {json_type(output)}"
        if not isinstance(output.get("output_type"), str):
            return f", output {number} has no 'output_type'"
    return None
