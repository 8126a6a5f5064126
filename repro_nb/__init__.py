"""repro-nb: Jupyter-native reproducibility.

``%load_ext repro_nb`` records, cell by cell, what results depended on; ``repro-nb
check`` re-executes notebooks headless and explains drift.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .format.record_types import Sidecar

from ._version import __version__

__all__ = ["__version__", "current_record", "load_ipython_extension", "result", "unload_ipython_extension"]


def load_ipython_extension(ip: Any) -> None:
    from .kernel.extension import load_ipython_extension as load

    load(ip)


def unload_ipython_extension(ip: Any) -> None:
    from .kernel.extension import unload_ipython_extension as unload

    unload(ip)


def current_record() -> Sidecar | None:
    """The record of the running session as a sidecar document, or ``None`` when not recording."""
    from .kernel.registry import current_recorder

    recorder = current_recorder()
    return recorder.sidecar() if recorder else None


def result(name: str, value: Any, claim: str | None = None) -> None:
    """Store ``value`` as the named result ``name`` in the record and show it.

    ``claim`` is a small expression about it: ``">= 0.9"``, ``"0.93 ± 0.01"``, ``"<
    baseline"`` (another named result); see docs/results.md.
    """
    from .kernel.results import result as store

    store(name, value, claim)


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    """Where jupyter_server finds the server extension enabled as ``repro_nb``.

    Imported only when a Jupyter server loads the extension: ``import repro_nb`` in a
    kernel must stay free of jupyter_server and tornado.
    """
    from .server import ReproNBServer

    return [{"module": "repro_nb.server", "app": ReproNBServer}]
