"""What changed between two recorded environments, and how likely it is to move a result.

The counterpart of the recorder's :mod:`repro_nb.kernel.environment`, which collects; this module compares, for
the check's explanations. Absent fields mean *unknown* there, so they are never reported
as differences here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..format.check_types import EnvironmentDifferenceJson, Severity
from ..format.record import THREAD_ENV_VARS

__all__ = ["EnvironmentDifference", "compare_environments"]


@dataclass(frozen=True)
class EnvironmentDifference:
    """One field that differs between two recorded environments.

    ``field`` is a dotted address into the environment ("python.version",
    "blas[0].internal_api", "env.OMP_NUM_THREADS"); ``old``/``new`` are the values as
    strings, ``None`` where the value was unset (an environment variable) or the list
    entry did not exist. ``severity`` says how likely the change is to move a result:
    ``high`` changes results routinely, ``medium`` can change floating-point results in
    the last digits, ``low`` is worth mentioning but rarely the cause.
    """

    field: str
    old: str | None
    new: str | None
    severity: Severity

    def to_json(self) -> EnvironmentDifferenceJson:
        return {"field": self.field, "old": self.old, "new": self.new, "severity": self.severity}


#: The order sections are compared and reported in: most explanatory first.
_SECTION_ORDER = ("python", "platform", "cpu", "gpus", "blas", "env")

#: Severity by field address (list indices removed). Unlisted fields are ``low``.
_SEVERITY: dict[str, Severity] = {
    "python.implementation": "high",
    "python.free_threaded": "high",
    "platform.machine": "high",
    "platform.system": "medium",
    "platform.libc": "medium",
    "gpus[]": "medium",
    "gpus.name": "medium",
    "blas[]": "high",
    "blas.internal_api": "high",
    "blas.user_api": "high",
    "blas.version": "medium",
    "blas.num_threads": "medium",
    "blas.threading_layer": "medium",
    "blas.architecture": "medium",
    "env.PYTHONHASHSEED": "high",
    **{f"env.{name}": "medium" for name in THREAD_ENV_VARS},
}


def compare_environments(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[EnvironmentDifference]:
    """List what differs between two environments recorded by :func:`collect_environment`.

    Absent means unknown, not different: a section missing on either side (an older
    record, NumPy not imported, a collector that failed) is skipped, and so is a field
    missing on either side — except in ``env``, where absence means the variable was
    unset, and "unset → 4" is exactly the drift to report. List sections (``gpus``,
    ``blas``) are compared entry by entry; :func:`collect_blas` sorts its entries so
    that equal setups line up. The result is in a fixed order: sections as in
    ``python, platform, cpu, gpus, blas, env`` (then any other shared section by name),
    fields by name within a section.
    """
    extra = sorted(key for key in old.keys() & new.keys() if key not in _SECTION_ORDER)
    differences: list[EnvironmentDifference] = []
    for section in (*_SECTION_ORDER, *extra):
        if section not in old or section not in new:
            continue
        old_value, new_value = old[section], new[section]
        if isinstance(old_value, Mapping) and isinstance(new_value, Mapping):
            differences.extend(_compare_mappings(section, section, old_value, new_value, section == "env"))
        elif isinstance(old_value, list) and isinstance(new_value, list):
            differences.extend(_compare_lists(section, old_value, new_value))
        elif _as_text(old_value) != _as_text(new_value):
            differences.append(
                EnvironmentDifference(section, _as_text(old_value), _as_text(new_value), _severity(section))
            )
    return differences


def _compare_mappings(
    prefix: str,
    severity_prefix: str,
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    absent_is_unset: bool,
) -> Iterator[EnvironmentDifference]:
    keys = old.keys() | new.keys() if absent_is_unset else old.keys() & new.keys()
    for key in sorted(keys, key=str):
        old_text, new_text = _as_text(old.get(key)), _as_text(new.get(key))
        if old_text != new_text:
            severity = _severity(f"{severity_prefix}.{key}", old_text, new_text)
            yield EnvironmentDifference(f"{prefix}.{key}", old_text, new_text, severity)


def _compare_lists(section: str, old: list[Any], new: list[Any]) -> Iterator[EnvironmentDifference]:
    for index in range(max(len(old), len(new))):
        address = f"{section}[{index}]"
        old_entry = old[index] if index < len(old) else None
        new_entry = new[index] if index < len(new) else None
        if isinstance(old_entry, Mapping) and isinstance(new_entry, Mapping):
            yield from _compare_mappings(address, section, old_entry, new_entry, False)
        elif _as_text(old_entry) != _as_text(new_entry):
            # An entry that exists on one side only: a GPU or BLAS library appeared or
            # disappeared. Summarise it so the message can say what it was.
            yield EnvironmentDifference(address, _summary(old_entry), _summary(new_entry), _severity(f"{section}[]"))


def _severity(address: str, old: str | None = None, new: str | None = None) -> Severity:
    """How likely a change of this field is to move results (see ``_SEVERITY``).

    Python versions are graded by what changed: a new minor release (3.11 → 3.12) changes
    hashing, the standard library and the wheels installed, a patch release rarely
    changes anything a result depends on.
    """
    if address == "python.version":
        return "high" if _minor_version(old) != _minor_version(new) else "low"
    return _SEVERITY.get(address, "low")


def _minor_version(version: str | None) -> str | None:
    """Major.minor of a version: 3.11.7 → 3.11."""
    return None if version is None else ".".join(version.split(".")[:2])


def _summary(entry: Any) -> str | None:
    """One-line description of a list entry: "openblas 0.3.27", "NVIDIA A100"."""
    if entry is None:
        return None
    if isinstance(entry, Mapping):
        words = [str(entry[key]) for key in ("internal_api", "name", "version") if entry.get(key) is not None]
        if words:
            return " ".join(dict.fromkeys(words))
    return _as_text(entry)


def _as_text(value: Any) -> str | None:
    """Values as the strings a message shows; JSON spelling for booleans and containers."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    return json.dumps(value, sort_keys=True, default=str)
