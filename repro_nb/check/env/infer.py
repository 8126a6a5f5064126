"""A notebook without a record: which distributions its code needs, and as of when.

Most notebooks carry no repro-nb record, but their code says what they import and their
history says when they were written. Imports are read without running anything
(:func:`repro_nb.format.cellcode.direct_imports`, which handles IPython syntax), and so
are ``%pip install`` / ``!pip install`` lines, whose requirements are taken as written.
Import names become distribution names through the distributions installed here (the
same index the recorder uses) and, for what is not installed, a small table of the
famous mismatches (``sklearn`` is scikit-learn); otherwise the import name is taken as
the distribution's. The date versions are chosen as of is the notebook's last git
commit, else its file time — or the ``--as-of`` date the user gives.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement

from ...errors import ConfigError
from ...format.cellcode import direct_imports
from ...format.cells import cell_source, is_code_cell
from .spec import normalize_name

#: Import names whose distribution has another name, for what is not installed here.
#: The installed distributions' own top-level names come first (they are facts).
FAMOUS_MISMATCHES: dict[str, str] = {
    "sklearn": "scikit-learn",
    "skimage": "scikit-image",
    "cv2": "opencv-python",
    "PIL": "pillow",
    "yaml": "PyYAML",
    "bs4": "beautifulsoup4",
    "dateutil": "python-dateutil",
    "dotenv": "python-dotenv",
    "jwt": "PyJWT",
    "attr": "attrs",
    "Crypto": "pycryptodome",
    "OpenSSL": "pyOpenSSL",
    "serial": "pyserial",
    "usb": "pyusb",
    "zmq": "pyzmq",
    "magic": "python-magic",
    "docx": "python-docx",
    "pptx": "python-pptx",
    "fitz": "PyMuPDF",
    "git": "GitPython",
    "umap": "umap-learn",
    "Bio": "biopython",
    "osgeo": "GDAL",
    "MySQLdb": "mysqlclient",
    "psycopg2": "psycopg2-binary",
    "mpl_toolkits": "matplotlib",
    "IPython": "ipython",
    "faiss": "faiss-cpu",
    "community": "python-louvain",
    "slugify": "python-slugify",
    "nacl": "PyNaCl",
    "jose": "python-jose",
    "multipart": "python-multipart",
    "pkg_resources": "setuptools",
    "sentence_transformers": "sentence-transformers",
    "tensorflow_datasets": "tensorflow-datasets",
    "gi": "PyGObject",
    "wx": "wxPython",
    "win32api": "pywin32",
}

#: Top-level names no distribution should be guessed for.
_NEVER = frozenset({"__future__", "__main__", "repro_nb"})

_STDLIB = frozenset(sys.stdlib_module_names) | frozenset(sys.builtin_module_names)

#: ``%pip install …``, ``!pip install …``, ``!python -m pip install …``,
#: ``!{sys.executable} -m pip install …``, ``%conda install …``, ``!uv pip install …``.
_INSTALL_LINE = re.compile(
    r"^\s*[%!]\s*(?:\{[^}]*\}\s+-m\s+|python[\d.]*\s+-m\s+|uv\s+)?(?:pip3?|conda|mamba)\s+install\s+(?P<args>.*)$"
)
#: pip options that take a value (the value is not a requirement).
_OPTIONS_WITH_VALUE = frozenset(
    {
        "-r",
        "--requirement",
        "-c",
        "--constraint",
        "-i",
        "--index-url",
        "--extra-index-url",
        "-f",
        "--find-links",
        "-t",
        "--target",
        "--prefix",
        "--root",
        "-e",
        "--editable",
        "--python",
        "-p",
        "--channel",
        "--platform",
        "--python-version",
        "--implementation",
        "--abi",
        "--trusted-host",
        "--proxy",
        "--timeout",
        "--retries",
        "-n",
        "--name",
    }
)


@dataclass(frozen=True)
class InferredRequirements:
    """What the code says it needs: requirements to resolve, and notes for people."""

    requirements: tuple[str, ...]
    modules: tuple[str, ...]
    """The third-party top-level modules the code imports."""
    notes: tuple[str, ...] = ()


def install_requirements(source: str) -> list[str]:
    """The requirements of a cell's ``%pip install`` / ``!pip install`` lines, as written."""
    found: list[str] = []
    for line in source.splitlines():
        match = _INSTALL_LINE.match(line)
        if not match:
            continue
        try:
            tokens = shlex.split(match.group("args").split(" #", 1)[0])
        except ValueError:
            tokens = match.group("args").split()
        skip = False
        for token in tokens:
            if skip:
                skip = False
                continue
            if token.startswith("-"):
                skip = token in _OPTIONS_WITH_VALUE
                continue
            if token.startswith(("$", "{", "/", ".", "git+", "http:", "https:", "file:")) or token.endswith(
                (".whl", ".tar.gz", ".zip")
            ):
                continue
            try:
                requirement = Requirement(token.replace("=", "==") if re.fullmatch(r"[\w.-]+=[\w.]+", token) else token)
            except InvalidRequirement:
                continue
            found.append(str(requirement))
    return found


def _is_local(module: str, base_dir: str) -> bool:
    """A module beside the notebook (``helpers.py``, a ``utils/`` package): no distribution."""
    return (
        os.path.isfile(os.path.join(base_dir, f"{module}.py"))
        or os.path.isdir(os.path.join(base_dir, module))
        or os.path.isfile(os.path.join(base_dir, f"{module}.pyc"))
    )


def notebook_modules(cells: Iterable[Mapping[str, Any]], base_dir: str) -> list[str]:
    """Third-party top-level modules the notebook's code imports, in order of first import."""
    seen: dict[str, None] = {}
    for cell in cells:
        if not is_code_cell(cell):
            continue
        for module in sorted(direct_imports(cell_source(cell))):
            if module in _STDLIB or module in _NEVER or module.startswith("_") or _is_local(module, base_dir):
                continue
            seen.setdefault(module, None)
    return list(seen)


def distribution_for(module: str, top_level: Mapping[str, list[str]]) -> str:
    """The distribution that provides ``module``: installed here, a famous mismatch, or its own name."""
    installed = sorted(set(top_level.get(module, ())), key=normalize_name)
    if len(installed) == 1:
        return installed[0]
    if module in FAMOUS_MISMATCHES:
        return FAMOUS_MISMATCHES[module]
    if installed:
        # a namespace package shared by several (google: protobuf, google-auth, …)
        same = [name for name in installed if normalize_name(name) == normalize_name(module)]
        return (same or installed)[0]
    return module


def infer_requirements(
    cells: Iterable[Mapping[str, Any]], base_dir: str, top_level: Mapping[str, list[str]] | None = None
) -> InferredRequirements:
    """The requirements of a notebook's code: ``%pip install`` lines as written, imports by name."""
    if top_level is None:
        from ...format.distributions import environment_index

        top_level = environment_index()["top_level"]
    cell_list = list(cells)
    explicit: dict[str, str] = {}
    for cell in cell_list:
        if is_code_cell(cell):
            for requirement in install_requirements(cell_source(cell)):
                explicit.setdefault(normalize_name(Requirement(requirement).name), requirement)
    modules = notebook_modules(cell_list, base_dir)
    requirements = dict(explicit)
    notes: list[str] = []
    for module in modules:
        distribution = distribution_for(module, top_level)
        requirements.setdefault(normalize_name(distribution), distribution)
        if normalize_name(distribution) != normalize_name(module):
            notes.append(f"import {module} → {distribution}")
    if explicit:
        notes.append(f"from %pip install lines: {', '.join(explicit.values())}")
    return InferredRequirements(tuple(requirements.values()), tuple(modules), tuple(notes))


# ----------------------------------------------------------------------- the date


def parse_date(text: str) -> str:
    """``--as-of`` as uv's ``--exclude-newer`` wants it: RFC 3339 in UTC; a date is its end."""
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            day = date.fromisoformat(text)
            return f"{day.isoformat()}T23:59:59Z"
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ConfigError(f"not a date: {text!r} (write 2023-06-30 or 2023-06-30T12:00:00Z)") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def notebook_date(path: str) -> tuple[str, str]:
    """When the notebook was last changed, and how that is known: git, else the file's time."""
    directory = os.path.dirname(os.path.abspath(path)) or "."
    try:
        done = subprocess.run(
            ["git", "log", "-1", "--format=%cI", "--", os.path.basename(path)],
            cwd=directory,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        stamp = done.stdout.strip()
        if done.returncode == 0 and stamp:
            return parse_date(stamp), "the notebook's last git commit"
    except (OSError, subprocess.TimeoutExpired):
        pass
    mtime = os.stat(path).st_mtime
    return datetime.fromtimestamp(mtime, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "the notebook file's modification time"
