"""The files an environment is exported as, shared by ``repro-nb env export`` and the server."""

from __future__ import annotations

from typing import Literal

ExportFormat = Literal["requirements", "pylock", "conda"]

#: The file name each format (an :data:`ExportFormat`) is usually saved under.
FILENAMES: dict[str, str] = {
    "requirements": "requirements.txt",
    "pylock": "pylock.toml",
    "conda": "environment.yml",
}
