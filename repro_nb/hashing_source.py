"""Hash of a cell's source, shared by the recorder and by readers matching records to cells.

Trailing whitespace and line-ending differences are not a change of code, so they are
normalized away before hashing.
"""
from __future__ import annotations

import hashlib


def source_hash(source: str | list[str]) -> str:
    text = "".join(source) if isinstance(source, list) else source
    normalized = "\n".join(line.rstrip() for line in text.strip("\n").splitlines())
    return "sha256:" + hashlib.sha256(normalized.encode("utf-8", "surrogatepass")).hexdigest()
