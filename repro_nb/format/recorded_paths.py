"""Recorded data paths, read back: where the file a record names is on this machine.

The recorder never writes an absolute path (:mod:`repro_nb.kernel.privacy`): a data
file is named relative to the notebook's folder (``data/x.csv``, ``../shared/y.csv``),
under the home directory (``~/datasets/z.csv``), or — outside both — by a salted hash of
its directory (``<outside:3f9a2c1d7e4b5a60>/w.csv``), which says which file it was on the
recording machine without saying where. Records written before that may still hold
absolute paths. The checker reads all of them through :func:`locate`.
"""

from __future__ import annotations

import os

__all__ = ["OUTSIDE_PREFIX", "is_hashed", "locate"]

#: How a hashed location starts; the hash ends with ``>``, the file's name follows.
OUTSIDE_PREFIX = "<outside:"


def is_hashed(recorded: str) -> bool:
    """Whether a recorded path names its directory by a hash only."""
    return recorded.startswith(OUTSIDE_PREFIX)


def locate(recorded: str, base_dir: str) -> str | None:
    """The absolute path a recorded path stands for here, or ``None`` when it cannot be known."""
    if is_hashed(recorded):
        return None
    if recorded == "~" or recorded.startswith("~/"):
        return os.path.expanduser(recorded)
    if os.path.isabs(recorded):
        return recorded
    return os.path.normpath(os.path.join(base_dir, recorded))
