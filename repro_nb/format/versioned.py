"""What the versioned documents (the record, the check report) have in common.

Each is described by a JSON Schema shipped in ``schema/``, is validated before it is
written, and is upgraded on read by one function per old version; a document from a
newer repro-nb is refused with a message saying so, never misread.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from ..errors import ReproError

JSON = dict[str, Any]
Upgrade = Callable[[JSON], JSON]


@cache
def load_schema(name: str) -> JSON:
    """A JSON Schema shipped in the package, e.g. ``"record-v2"``."""
    from importlib import resources  # here: importing it costs ~1 ms at extension load

    text = resources.files("repro_nb.format").joinpath(f"schema/{name}.schema.json").read_text(encoding="utf-8")
    loaded: JSON = json.loads(text)
    return loaded


@cache
def validator(name: str, definition: str | None = None) -> Callable[[Any], Any]:
    """A compiled validator of schema ``name``, or of one of its definitions."""
    # Imported here: the kernel loads the record module with the extension, and
    # validates only when a record is written.
    import fastjsonschema

    full = load_schema(name)
    if definition is None:
        return fastjsonschema.compile(full)
    sub = {"$schema": full["$schema"], "definitions": full["definitions"], "$ref": f"#/definitions/{definition}"}
    return fastjsonschema.compile(sub)


def check_valid(
    check: Callable[[Any], Any], document: Any, error: Callable[[str], ReproError], noun: str = "the document"
) -> None:
    """Run a validator; a failure becomes ``error(where and what)``."""
    import fastjsonschema

    try:
        check(document)
    except fastjsonschema.JsonSchemaException as exc:
        raise error(_where(str(getattr(exc, "message", exc)), noun)) from exc


def _where(message: str, noun: str) -> str:
    """fastjsonschema calls the document ``data``: say where in the document instead."""
    if message.startswith("data."):
        return message[len("data.") :]
    if message.startswith("data["):
        return message[len("data") :]
    if message.startswith("data "):
        return f"{noun} " + message[len("data ") :]
    return message


def upgrade_chain(
    document: JSON,
    current: int,
    upgrades: Mapping[int, Upgrade],
    error: Callable[[str], ReproError],
    what: str,
    newer_hint: str = "upgrade repro-nb",
    written_by: str | None = None,
) -> JSON:
    """Bring ``document`` from its ``schema_version`` to ``current`` (not validated).

    ``what`` names the document in messages ("repro-nb cell record", "check report
    out.json"); ``newer_hint`` is what a document from a newer repro-nb tells the user,
    ``written_by`` which program wrote it, when the document says.
    """
    version = document.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise error(f"{what} has no integer schema_version")
    if version > current:
        by = f" (written by {written_by})" if written_by else ""
        raise error(
            f"{what} has schema version {version}{by}, newer than this repro-nb understands ({current}); {newer_hint}"
        )
    while version < current:
        step = upgrades.get(version)
        if step is None:
            raise error(f"{what}: schema version {version} is not supported")
        document = step(document)
        version = document["schema_version"]
    return document
