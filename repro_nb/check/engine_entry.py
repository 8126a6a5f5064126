"""Entry point object for papermill's ``papermill.engine`` group.

papermill loads its entry points while ``papermill`` itself is being imported. Our
engine subclasses papermill's, so importing it from here would be circular whenever
repro-nb imports papermill first. papermill only ever calls class methods on a
registered engine, so the entry point is a stand-in that resolves the real class on
first use.
"""

from __future__ import annotations

from typing import Any


class _DeferredEngine:
    def __getattr__(self, name: str) -> Any:
        from .engine import ReproEngine as engine

        return getattr(engine, name)

    def __repr__(self) -> str:
        return "<repro-nb papermill engine 'repro'>"


ReproEngine = _DeferredEngine()
