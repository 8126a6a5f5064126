"""``metadata.papermill`` of an executed notebook: paths, as papermill writes them, never notebooks.

papermill records where it read the notebook from in ``metadata.papermill.input_path``.
Given a notebook object instead of a path — as repro-nb runs an in-memory copy — it
stores the object itself: the *whole* input notebook, old outputs included. Run in place,
the copy holds the previous copy, and so on (a one-cell notebook grew from 3 kB to 18 kB
in five runs), and an output the user cleared lives on inside it: a secret printed once
stays in the file. So after every run both members hold the path the user gave (or
nothing), and whatever an older run left there is dropped.
"""

from __future__ import annotations

from typing import Any

__all__ = ["record_paths"]


def record_paths(nb: Any, input_path: str | None, output_path: str | None = None) -> None:
    """Set ``metadata.papermill.input_path`` / ``output_path`` to paths, in place.

    A member that already holds a path (``papermill in.ipynb out.ipynb``) is kept unless
    a path is given; anything else — a notebook, a nested copy of one — is replaced.
    """
    metadata = nb.get("metadata") if isinstance(nb, dict) else None
    if not isinstance(metadata, dict) or not isinstance(metadata.get("papermill"), dict):
        return
    papermill = metadata["papermill"]
    for key, path in (("input_path", input_path), ("output_path", output_path)):
        current = papermill.get(key)
        if path is not None:
            papermill[key] = path
        elif current is not None and not isinstance(current, str):
            papermill[key] = None
