"""Which kernel checks a notebook: its own, or one of the same language when that is missing.

Notebooks carry the kernelspec of the machine they were made on (``conda-root-py``,
``Python [conda env:ml]``, a venv's name). Refusing to run them here would make most
published notebooks uncheckable for a reason that has nothing to do with their code;
running them with an installed kernel of the same language, and saying so, checks them
and names the substitution as an environment cause. ``--kernel`` chooses outright;
``strict`` refuses a substitution.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import KernelNotFoundError
from ..format.check_types import KernelJson

#: Preferred substitutes per language, first installed one wins; then any of the language.
_PREFERRED = {"python": ("python3", "python")}


@dataclass(frozen=True)
class KernelChoice:
    """The kernel a notebook asked for and the one it is checked with."""

    requested: str | None
    used: str

    @property
    def substituted(self) -> bool:
        return self.requested is not None and self.requested != self.used

    def to_json(self) -> KernelJson:
        return {"requested": self.requested, "used": self.used, "substituted": self.substituted}


def installed_kernels() -> dict[str, str]:
    """Installed kernelspec name → its language (lower case; "" when the spec says none)."""
    from jupyter_client.kernelspec import KernelSpecManager

    manager = KernelSpecManager()
    found: dict[str, str] = {}
    for name, spec in manager.get_all_specs().items():
        language = (spec.get("spec") or {}).get("language") or ""
        found[name] = str(language).lower()
    return found


def notebook_language(metadata: Mapping[str, Any]) -> str | None:
    kernelspec = metadata.get("kernelspec") or {}
    info = metadata.get("language_info") or {}
    language = (kernelspec.get("language") if isinstance(kernelspec, Mapping) else None) or (
        info.get("name") if isinstance(info, Mapping) else None
    )
    return str(language).lower() if language else None


def choose_kernel(
    metadata: Mapping[str, Any],
    override: str | None = None,
    *,
    strict: bool = False,
    installed: Mapping[str, str] | None = None,
) -> KernelChoice:
    """The kernel to check a notebook with, given its metadata; raise when there is none."""
    kernels = dict(installed) if installed is not None else installed_kernels()
    kernelspec = metadata.get("kernelspec") or {}
    requested = kernelspec.get("name") if isinstance(kernelspec, Mapping) else None
    requested = str(requested) if requested else None
    if override:
        if override not in kernels:
            raise KernelNotFoundError(override, list(kernels))
        return KernelChoice(requested, override)
    if requested in kernels:
        return KernelChoice(requested, requested)
    # No kernelspec at all (a notebook written by a tool) means Python, as papermill assumes.
    language = notebook_language(metadata) or (None if requested else "python")
    substitute = _same_language(language, kernels) if language and not (strict and requested) else None
    if substitute is None:
        raise KernelNotFoundError(requested or "python3", list(kernels), language=language, strict=strict)
    return KernelChoice(requested, substitute)


def _same_language(language: str, kernels: Mapping[str, str]) -> str | None:
    for name in _PREFERRED.get(language, ()):
        if kernels.get(name) == language:
            return name
    return next((name for name in sorted(kernels) if kernels[name] == language), None)
