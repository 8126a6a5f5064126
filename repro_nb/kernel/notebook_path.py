"""Where is the notebook this kernel runs? Each frontend says it differently.

* VS Code puts ``__vsc_ipynb_file__`` (absolute) in the user namespace;
* jupyter_server ≥ 2 sets ``JPY_SESSION_NAME`` and ipykernel copies it to
  ``__session__``; it is the notebook's path relative to the server root, and the kernel
  runs in the notebook's directory, so the file is ``cwd / basename``;
* our engine tells the recorder directly.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any


def detect_notebook_path(user_ns: Mapping[str, Any], cwd: str | None = None) -> str | None:
    cwd = cwd or os.getcwd()
    candidates: list[str] = []
    vsc = user_ns.get("__vsc_ipynb_file__")
    if isinstance(vsc, str) and vsc:
        candidates.append(vsc)
    for session in (user_ns.get("__session__"), os.environ.get("JPY_SESSION_NAME")):
        if isinstance(session, str) and session:
            candidates.append(session if os.path.isabs(session) else os.path.join(cwd, os.path.basename(session)))
    for path in candidates:
        if path.endswith(".ipynb") and os.path.isfile(path):
            return os.path.abspath(path)
    return None
