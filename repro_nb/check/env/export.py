"""``repro-nb env export``: a notebook's environment, and the files that carry it.

From the record when there is one: the exact version of every distribution the notebook
imported, directly or through what it imported (the recorder saw each module appear),
not the whole ``site-packages``, plus the recorded Python. Without a record: the
requirements its code implies (:mod:`.infer`), resolved by uv as of the notebook's date.

Three formats: ``requirements.txt`` (``==`` pins, what pip and uv read), PEP 751
``pylock.toml`` (written by uv, with the files' URLs and hashes) and a conda
``environment.yml`` (Python from conda, the pins through pip: PyPI names and versions are
exactly what was recorded, where conda's package names differ).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Literal

from packaging.requirements import Requirement

from ...errors import EnvironmentRestoreError, ReproError
from ...format.env_files import ExportFormat
from ...format.files import read_notebook
from ...format.record import read_record
from .infer import infer_requirements, notebook_date, parse_date
from .spec import EnvSpec, Pin, local_python, minor_of, normalize_name
from .uv import UvError, compile_requirements

EnvSource = Literal["auto", "recorded", "inferred"]

#: Resolving more often than this drops unknown projects one by one; then it gives up.
_MAX_DROPS = 10


def environment_of(
    path: str,
    source: EnvSource = "auto",
    *,
    as_of: str | None = None,
    python: str | None = None,
) -> EnvSpec:
    """The environment of the notebook at ``path``: recorded, or inferred from its code.

    ``source="auto"`` takes the record's when the notebook has a record that lists
    packages, else infers. ``python`` is the Python version inferred versions are
    resolved for (default: the notebook's, from ``language_info``, else the local one).
    """
    nb = read_notebook(path)
    record = read_record(nb, path)
    packages: Mapping[str, str | None] = record.notebook.get("packages", {}) if record is not None else {}
    if source == "recorded" or (source == "auto" and record is not None and packages):
        if record is None:
            raise ReproError(f"{path} has no repro-nb record: use the inferred environment (--from inferred)")
        return _recorded(path, packages, record.notebook.get("environment", {}).get("python", {}).get("version"))
    language = nb.metadata.get("language_info", {}).get("version")
    wanted_python = str(language) if language else None
    when, why = (parse_date(as_of), "--as-of") if as_of else notebook_date(path)
    resolve_for = python or _resolvable_python(wanted_python)
    inferred = infer_requirements(nb.cells, os.path.dirname(os.path.abspath(path)))
    notes = list(inferred.notes)
    pins: list[Pin] = []
    if inferred.requirements:
        pins = _resolve(list(inferred.requirements), resolve_for, when, notes)
    notes.insert(0, f"inferred from the code; versions as of {when[:10]} ({why}), resolved for Python {resolve_for}")
    return EnvSpec(
        "inferred",
        tuple(pins),
        python=wanted_python,
        as_of=when,
        as_of_source=why,
        notebook=path,
        notes=tuple(notes),
    )


def _recorded(path: str, packages: Mapping[str, str | None], python: object) -> EnvSpec:
    pinned = {name: version for name, version in packages.items() if version}
    unpinned = sorted(name for name, version in packages.items() if not version)
    notes = [f"from the record: {len(pinned)} distribution(s) the notebook imported"]
    if unpinned:
        notes.append(f"left out, no version recorded: {', '.join(unpinned)}")
    return EnvSpec.from_versions("recorded", pinned, str(python) if python else None, notebook=path, notes=tuple(notes))


def _resolvable_python(wanted: str | None) -> str:
    """uv resolves for any CPython 3.8+; older notebooks' versions for the local one."""
    minor = minor_of(wanted)
    if minor:
        try:
            major, sub = (int(p) for p in minor.split("."))
            if (major, sub) >= (3, 8):
                return minor
        except ValueError:
            pass
    return minor_of(local_python()) or local_python()


def _resolve(requirements: list[str], python: str, when: str, notes: list[str]) -> list[Pin]:
    """uv's resolution as of ``when``; projects the index does not know are dropped and said."""
    for _ in range(_MAX_DROPS):
        try:
            text = compile_requirements(requirements, python=python, exclude_newer=when)
        except UvError as exc:
            unknown = {normalize_name(name) for name in exc.failure.not_found}
            kept = [r for r in requirements if normalize_name(Requirement(r).name) not in unknown]
            if not unknown or len(kept) == len(requirements):
                raise EnvironmentRestoreError(
                    f"cannot resolve the inferred requirements ({', '.join(requirements)}) as of {when[:10]} "
                    f"for Python {python}: {exc.failure.message}"
                ) from exc
            notes.append(f"left out, not on the package index: {', '.join(sorted(unknown))}")
            requirements = kept
            if not requirements:
                return []
            continue
        pins = []
        for line in text.splitlines():
            line = line.split("#", 1)[0].strip()
            if "==" in line and not line.startswith("-"):
                name, _, version = line.partition("==")
                pins.append(Pin(name.strip(), version.split(";")[0].strip()))
        return sorted(pins, key=lambda p: p.key)
    raise EnvironmentRestoreError("cannot resolve the inferred requirements: too many unknown projects")


# ----------------------------------------------------------------------- formats


def render(spec: EnvSpec, fmt: ExportFormat, name: str | None = None) -> str:
    """The environment as the text of a ``requirements.txt``, ``pylock.toml`` or ``environment.yml``."""
    if fmt == "requirements":
        return render_requirements(spec)
    if fmt == "pylock":
        return render_pylock(spec)
    if fmt == "conda":
        return render_conda(spec, name)
    raise ReproError(f"unknown format {fmt!r}: requirements, pylock or conda")


def _header(spec: EnvSpec) -> list[str]:
    lines = [f"# {spec.notebook or 'notebook'}: the environment repro-nb {_origin_words(spec)}"]
    lines.append(f"# Python {spec.python}" if spec.python else "# Python version not known")
    lines += [f"# {note}" for note in spec.notes]
    return lines


def _origin_words(spec: EnvSpec) -> str:
    return "recorded" if spec.origin == "recorded" else "inferred"


def render_requirements(spec: EnvSpec) -> str:
    return "\n".join([*_header(spec), *spec.requirements()]) + "\n"


def render_pylock(spec: EnvSpec) -> str:
    """PEP 751, written by uv from the exact pins (no other resolution: ``--no-deps``)."""
    python = minor_of(spec.python) or minor_of(local_python()) or local_python()
    if not spec.pins:
        body = f'lock-version = "1.0"\ncreated-by = "repro-nb"\nrequires-python = "=={python}.*"\npackages = []\n'
    else:
        body = compile_requirements(spec.requirements(), python=python, output_format="pylock.toml", no_deps=True)
        lines = body.splitlines()
        body = "\n".join(line for line in lines if not line.startswith("#")).lstrip("\n") + "\n"
    return "\n".join(_header(spec)) + "\n" + body


def render_conda(spec: EnvSpec, name: str | None = None) -> str:
    env_name = name or (os.path.splitext(os.path.basename(spec.notebook))[0] if spec.notebook else "notebook")
    python = spec.python or local_python()
    lines = [*_header(spec), f"name: {env_name}", "channels:", "  - conda-forge", "dependencies:"]
    lines.append(f"  - python={python}")
    lines.append("  - pip")
    if spec.pins:
        lines.append("  - pip:")
        lines += [f"    - {requirement}" for requirement in spec.requirements()]
    return "\n".join(lines) + "\n"
