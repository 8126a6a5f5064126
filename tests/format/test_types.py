"""The typed models agree with the JSON Schemas they describe.

The schemas are the one definition of each format (the lab extension's TypeScript types
are generated from them); the Python TypedDicts are written by hand for their names and
docs, so this test holds them to the schemas: the same members, the same required ones,
the same enumerated values. A schema change without the type change fails here.
"""

from __future__ import annotations

import types
import typing
from typing import Any, Literal, get_args, get_origin

import pytest

from repro_nb.format import cache_entry, check_types, protocol, protocol_messages, record_types
from repro_nb.format.versioned import load_schema

CASES = [
    *(("record-v2", name, cls) for name, cls in record_types.DEFINITIONS.items()),
    *(("check-v2", name, cls) for name, cls in check_types.DEFINITIONS.items()),
    *(("comm-v2", name, cls) for name, cls in protocol_messages.DEFINITIONS.items()),
    *(("cache-v1", name, cls) for name, cls in cache_entry.DEFINITIONS.items()),
]


def definition(schema: str, name: str | None) -> dict[str, Any]:
    document = load_schema(schema)
    return document if name is None else document["definitions"][name]


def literal_values(annotation: Any) -> set[Any] | None:
    """The values of a ``Literal[...]`` (or ``Literal[...] | None``) annotation, else ``None``."""
    if get_origin(annotation) is Literal:
        return set(get_args(annotation))
    if get_origin(annotation) in (typing.Union, types.UnionType):
        values: set[Any] = set()
        for arg in get_args(annotation):
            if arg is type(None):
                values.add(None)
                continue
            inner = literal_values(arg)
            if inner is None:
                return None
            values |= inner
        return values
    return None


def schema_values(node: dict[str, Any]) -> set[Any] | None:
    if "enum" in node:
        return set(node["enum"])
    if "const" in node:
        return {node["const"]}
    return None


@pytest.mark.parametrize(("schema", "name", "typed"), CASES, ids=lambda v: getattr(v, "__name__", str(v)))
def test_members_and_required_members_match(schema: str, name: str | None, typed: type) -> None:
    node = definition(schema, name)
    assert set(typing.get_type_hints(typed)) == set(node.get("properties", {})), typed.__name__
    assert set(typed.__required_keys__) == set(node.get("required", [])), typed.__name__  # type: ignore[attr-defined]


@pytest.mark.parametrize(("schema", "name", "typed"), CASES, ids=lambda v: getattr(v, "__name__", str(v)))
def test_enumerated_values_match(schema: str, name: str | None, typed: type) -> None:
    node = definition(schema, name)
    hints = typing.get_type_hints(typed)
    for member, property_schema in node.get("properties", {}).items():
        expected = schema_values(property_schema)
        actual = literal_values(hints[member])
        if expected is None or actual is None:
            continue  # a const version number is typed int; a type literal only where it is Literal
        if "type" in property_schema and "null" in property_schema["type"]:
            expected.add(None)
        assert actual == expected, f"{typed.__name__}.{member}"


def test_vocabularies_match_the_schema() -> None:
    """The Literal vocabularies the code uses are the schema's enums, value for value."""
    check = load_schema("check-v2")["definitions"]
    assert set(get_args(check_types.Verdict)) == set(check["notebook"]["properties"]["verdict"]["enum"])
    assert set(get_args(check_types.CellOutcome)) == set(check["cell"]["properties"]["status"]["enum"])
    assert set(get_args(check_types.CompareOutcome)) < set(get_args(check_types.CellOutcome))
    assert set(get_args(check_types.CauseKind)) == set(check["cause"]["properties"]["kind"]["enum"])
    assert set(get_args(check_types.DiffKind)) == set(check["diff"]["properties"]["kind"]["enum"])
    run_statuses = set(check["notebook"]["properties"]["run_status"]["enum"]) - {None}
    assert set(get_args(check_types.RunStatus)) == run_statuses
    assert set(get_args(check_types.FailureKind)) == run_statuses - {"ok"}


def test_protocol_constants_are_the_schemas() -> None:
    comm = load_schema("comm-v2")
    assert (
        comm["x-comm-target"],
        comm["x-protocol"],
        comm["x-changes-protocol"],
    ) == (protocol.TARGET, protocol.PROTOCOL, protocol.CHANGES_PROTOCOL)


def test_the_check_catches_a_missing_member(monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparison above can fail: a schema member the type lacks is reported."""
    node = definition("record-v2", "import")
    patched = {**node, "properties": {**node["properties"], "platform_tag": {"type": "string"}}}
    assert set(typing.get_type_hints(record_types.ImportRecord)) != set(patched["properties"])
