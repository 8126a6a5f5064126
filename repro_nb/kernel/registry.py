"""Which recorder each IPython shell has: the one place the extension and the magics meet.

The extension (:mod:`.extension`) adds and removes entries as ``%load_ext`` and
``%unload_ext`` run; the magics (:mod:`.magics`) and the Python API look the recorder up
here. Neither of those two modules imports the other.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from .channel import CommChannel
from .recorder import Recorder


class Loaded(NamedTuple):
    """What ``%load_ext`` set up in one shell, for ``%unload_ext`` to take down."""

    recorder: Recorder
    channel: CommChannel
    pre: Any
    post: Any
    #: what else to take down at ``%unload_ext`` (the live ``%repro`` dashboards), see :func:`at_unload`
    cleanups: list[Callable[[], None]]


_LOADED: dict[int, Loaded] = {}


def add(ip: Any, loaded: Loaded) -> None:
    _LOADED[id(ip)] = loaded


def pop(ip: Any) -> Loaded | None:
    return _LOADED.pop(id(ip), None)


def at_unload(ip: Any, cleanup: Callable[[], None]) -> None:
    """Call ``cleanup`` when ``%unload_ext repro_nb`` runs in ``ip`` (now, if nothing is loaded)."""
    loaded = _LOADED.get(id(ip))
    if loaded is None:
        cleanup()
    else:
        loaded.cleanups.append(cleanup)


def is_loaded(ip: Any) -> bool:
    return id(ip) in _LOADED


def current_recorder(ip: Any = None) -> Recorder | None:
    """The recorder of ``ip`` (default: the running IPython), or ``None`` when not recording."""
    if ip is None:
        from IPython import get_ipython

        ip = get_ipython()
    loaded = _LOADED.get(id(ip)) if ip is not None else None
    return loaded.recorder if loaded else None
