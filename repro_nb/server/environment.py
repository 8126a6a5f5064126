"""``GET /repro-nb/environment``: a notebook's environment as a file the panel downloads.

What ``repro-nb env export NB --format F`` prints, run as a child process like a check
(the server imports nothing of the checker): from the record it takes a moment; without
one it resolves with uv, which may take seconds and needs the package index.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass

from ..format.env_files import FILENAMES

#: An export resolves with uv at most; a hung index must not hold a request forever.
_TIMEOUT_S = 300


@dataclass(frozen=True)
class ExportFailed(Exception):
    """The checker could not export (no record and nothing to infer, uv failed): its message."""

    message: str


def filename_for(api_path: str, fmt: str) -> str:
    """``analysis/iris.ipynb`` → ``iris-requirements.txt`` (pylock: ``pylock.iris.toml``, as PEP 751 names them)."""
    stem = os.path.splitext(api_path.rsplit("/", 1)[-1])[0] or "notebook"
    if fmt == "pylock":
        return f"pylock.{stem}.toml"
    return f"{stem}-{FILENAMES[fmt]}"


async def export_environment(root_dir: str, api_path: str, fmt: str, python: str = sys.executable) -> str:
    """The exported file's text; :class:`ExportFailed` with the checker's one-line error."""
    workdir = tempfile.mkdtemp(prefix="repro-nb-export-")
    output = os.path.join(workdir, FILENAMES[fmt])
    argv = [python, "-m", "repro_nb.cli", "env", "export", "--format", fmt, "-o", output, "--"]
    try:
        process = await asyncio.create_subprocess_exec(
            *argv,
            os.path.join(*api_path.split("/")),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
            cwd=root_dir,
            env=dict(os.environ, TMPDIR=workdir),
        )
        try:
            _, stderr = await asyncio.wait_for(process.communicate(), _TIMEOUT_S)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise ExportFailed(f"exporting the environment did not finish within {_TIMEOUT_S} s") from None
        if process.returncode != 0 or not os.path.exists(output):
            lines = [line for line in stderr.decode(errors="replace").splitlines() if line.strip()]
            message = lines[-1].removeprefix("repro-nb: error: ") if lines else "the export failed"
            raise ExportFailed(message)
        with open(output, encoding="utf-8") as handle:
            return handle.read()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
