"""The kernel's shadowed-module warnings, brought back to the checker's user.

At ``%load_ext`` the recorder notes every file beside the notebook that imports in place
of a module repro-nb or the standard library needs (``repro_nb.kernel.shadowing``).
The engine loads the recorder in a *silent* execution, whose stderr nobody sees, so it
asks for those warnings as a user expression of that same request and hands them to
``repro-nb run`` (printed as warnings) and ``check`` (the result's warnings).
"""

from __future__ import annotations

import ast
from typing import Any

__all__ = ["SHADOW_MESSAGES", "shadow_messages"]

#: Evaluated in the kernel after the set-up: the messages of its shadowed-module warnings.
SHADOW_MESSAGES = (
    "[w['message'] for w in __import__('repro_nb.kernel.registry', fromlist=['current_recorder'])"
    ".current_recorder(get_ipython()).warnings if w.get('kind') == 'shadowed-module']"
)


def shadow_messages(reply_content: dict[str, Any]) -> list[str]:
    """The messages from an execute reply's ``user_expressions`` (nothing if it failed)."""
    value = (reply_content.get("user_expressions") or {}).get("shadows") or {}
    if value.get("status") != "ok":
        return []
    try:
        messages = ast.literal_eval(value.get("data", {}).get("text/plain", "[]"))
    except (ValueError, SyntaxError):
        return []
    return [str(m) for m in messages] if isinstance(messages, list) else []
