"""nbval's sanitize files, read as repro-nb masks: a project moving from nbval keeps its own.

An nbval sanitize file (``pytest --nbval --nbval-sanitize-with FILE``) is a list of
``regex:`` / ``replace:`` line pairs, grouped under ``[section]`` headers that only name
them::

    [Matplotlib figure size]
    regex: (Figure size )\\d+x\\d+( with \\d+ Axes)
    replace: \\1WIDTHxHEIGHT\\2

nbval applies each pair with :func:`re.sub` to the text of both outputs before comparing;
so do repro-nb's masks, after its built-in ones.
"""

from __future__ import annotations

import re

_PAIR = re.compile(r"^regex: (.*)$\n^replace: (.*)$", re.MULTILINE)


def read_sanitize_file(path: str) -> tuple[tuple[str, str], ...]:
    """The (pattern, replacement) pairs of an nbval sanitize file, each pattern compiled once.

    Raises ``OSError`` when the file cannot be read and ``ValueError`` naming the line of
    a pattern that is not a regular expression or of a ``regex:`` with no ``replace:``.
    """
    with open(path, encoding="utf-8") as handle:
        text = handle.read().replace("\r\n", "\n")
    pairs = tuple((m.group(1), m.group(2)) for m in _PAIR.finditer(text))
    lines = text.splitlines()
    paired = {text.count("\n", 0, m.start()) for m in _PAIR.finditer(text)}
    for number, line in enumerate(lines):
        if line.startswith("regex: ") and number not in paired:
            raise ValueError(f"{path}:{number + 1}: 'regex:' without a 'replace:' on the next line")
    for pattern, _ in pairs:
        try:
            re.compile(pattern)
        except re.error as exc:
            number = next(i for i, line in enumerate(lines) if line == f"regex: {pattern}")
            raise ValueError(f"{path}:{number + 1}: invalid regex {pattern!r}: {exc}") from exc
    return pairs
