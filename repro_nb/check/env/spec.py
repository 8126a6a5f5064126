"""An environment as repro-nb exports and restores it: a Python version and exact pins.

One value object (:class:`EnvSpec`) whichever way it was found — read from the record
(the versions the notebook really imported) or inferred from the code and resolved as of
a date — so that export, restore and attribution all speak of the same thing, and a
restore is cached by :meth:`EnvSpec.lock_hash`: the same pins, the same environment.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

EnvOrigin = Literal["recorded", "inferred"]

#: Requirements every restored environment gets besides the notebook's pins: a kernel,
#: and what repro-nb's recorder needs in it (its hashes, so data files compare with the
#: record). Unpinned, so they bend to the notebook's pins (an old IPython, say).
KERNEL_REQUIREMENTS: tuple[str, ...] = ("ipykernel>=6", "blake3", "xxhash")


def normalize_name(name: str) -> str:
    """PEP 503: ``Scikit_Learn`` and ``scikit-learn`` are one project."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True, order=True)
class Pin:
    """One distribution at one exact version (``None``: any version, for inferred requirements)."""

    name: str
    version: str | None

    @property
    def key(self) -> str:
        return normalize_name(self.name)

    def requirement(self) -> str:
        return f"{self.name}=={self.version}" if self.version else self.name

    def __str__(self) -> str:
        return f"{self.name} {self.version}" if self.version else self.name


@dataclass(frozen=True)
class EnvSpec:
    """What a notebook's environment is: a Python version and the distributions to pin.

    ``python`` is the version the notebook wants (recorded, or from its
    ``language_info``), ``None`` when unknown; a restore may have to use another
    (:attr:`RestoredEnv.python_note`). ``notes`` are sentences for people: what was
    inferred, what was left out and why.
    """

    origin: EnvOrigin
    pins: tuple[Pin, ...]
    python: str | None = None
    as_of: str | None = None
    """For an inferred environment: the date versions were chosen as of (RFC 3339), and why."""
    as_of_source: str | None = None
    notebook: str | None = None
    notes: tuple[str, ...] = ()
    extra: tuple[str, ...] = field(default=KERNEL_REQUIREMENTS)

    @staticmethod
    def from_versions(
        origin: EnvOrigin, versions: Mapping[str, str | None], python: str | None = None, **kw: object
    ) -> EnvSpec:
        pins = tuple(sorted((Pin(name, version) for name, version in versions.items()), key=lambda p: p.key))
        return EnvSpec(origin, pins, python, **kw)  # type: ignore[arg-type]

    @property
    def versions(self) -> dict[str, str | None]:
        """Normalized name → version."""
        return {pin.key: pin.version for pin in self.pins}

    def pin_of(self, name: str) -> Pin | None:
        key = normalize_name(name)
        return next((p for p in self.pins if p.key == key), None)

    def with_versions(self, changes: Mapping[str, str | None]) -> EnvSpec:
        """The same environment with some distributions at other versions (``None``: left out)."""
        keyed = {normalize_name(name): version for name, version in changes.items()}
        pins: list[Pin] = []
        for pin in self.pins:
            if pin.key in keyed:
                if keyed[pin.key] is not None:
                    pins.append(Pin(pin.name, keyed[pin.key]))
            else:
                pins.append(pin)
        known = {p.key for p in self.pins}
        pins += [
            Pin(name, version) for name, version in changes.items() if normalize_name(name) not in known and version
        ]
        return replace(self, pins=tuple(sorted(pins, key=lambda p: p.key)))

    def requirements(self, with_kernel: bool = False) -> list[str]:
        """``name==version`` lines (and the kernel's requirements when restoring)."""
        lines = [pin.requirement() for pin in self.pins]
        return lines + list(self.extra) if with_kernel else lines

    def python_minor(self) -> str | None:
        """``3.11`` of ``3.11.7``."""
        return minor_of(self.python)

    def lock_hash(self, python_used: str | None = None) -> str:
        """What a restored environment is cached by: the pins, the kernel's requirements,
        the Python it runs on, and the date unpinned versions were chosen as of."""
        document = {
            "pins": sorted(p.requirement() for p in self.pins),
            "extra": sorted(self.extra),
            "python": minor_of(python_used) or minor_of(self.python) or "",
            "as_of": self.as_of or "",
            "format": 1,
        }
        return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()[:16]


def minor_of(version: str | None) -> str | None:
    if not version:
        return None
    parts = version.split(".")
    return ".".join(parts[:2]) if len(parts) >= 2 else version


def local_python() -> str:
    """The version of the Python repro-nb runs on: the one restores use."""
    return ".".join(str(part) for part in sys.version_info[:3])


def changed_pins(recorded: EnvSpec, current: Mapping[str, str | None]) -> list[tuple[Pin, str | None]]:
    """The recorded pins whose distribution is at another version now (``None``: not installed)."""
    now = {normalize_name(name): version for name, version in current.items()}
    return [(pin, now.get(pin.key)) for pin in recorded.pins if pin.version and now.get(pin.key) != pin.version]


def describe_pins(pins: Iterable[Pin]) -> str:
    return ", ".join(str(p) for p in pins)
