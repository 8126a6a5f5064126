"""Kernels started by repro-nb talk over Unix sockets, not TCP.

A TCP kernel picks free ports and binds them later, which races with every other
kernel started at the same time (``--jobs N``, a CI machine) and makes ipykernel ≥ 7
print "Kernel is running over TCP without encryption" into every check's output. A
kernel on the same machine needs neither: IPC sockets in a private directory are
reachable by this user only. Windows has no IPC transport and keeps TCP.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from typing import Any


def use_ipc(manager: Any) -> str | None:
    """Switch a not-yet-started kernel manager to IPC; return the directory to remove after.

    ``None`` when the manager stays as it is (Windows, already started, or not on TCP).
    The directory name is short on purpose: socket paths are limited to ~100 bytes.
    """
    if os.name != "posix" or getattr(manager, "transport", None) != "tcp" or manager.has_kernel:
        return None
    directory = tempfile.mkdtemp(prefix="rnb-")
    manager.transport = "ipc"
    manager.ip = os.path.join(directory, "k")
    return directory


def remove_ipc_dir(directory: str | None) -> None:
    if directory:
        shutil.rmtree(directory, ignore_errors=True)
