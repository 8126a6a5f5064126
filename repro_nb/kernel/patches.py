"""The functions and classes the recorder replaced, so that unloading puts them back.

The recorder wraps seeding functions (``np.random.seed``, ``torch.manual_seed``…) and
readers the audit hook cannot see (pyarrow, h5py). ``%unload_ext repro_nb`` must leave
every library as it found it, but only where our replacement is still in place: if
something else wrapped it since, putting the original back would remove their wrapper.
"""

from __future__ import annotations

from typing import Any


class Patches:
    """Replacements made with :meth:`replace`, undone by :meth:`restore`."""

    def __init__(self) -> None:
        # (id(owner), attr) -> (owner, attr, original, replacement), in the order made
        self._made: dict[tuple[int, str], tuple[Any, str, Any, Any]] = {}

    def replace(self, owner: Any, attr: str, replacement: Any) -> Any:
        """Set ``owner.attr`` to ``replacement``; return what was there."""
        original = getattr(owner, attr)
        setattr(owner, attr, replacement)
        self._made[(id(owner), attr)] = (owner, attr, original, replacement)
        return original

    def restore(self) -> None:
        """Put every original back, last replacement first, where ours is still in place."""
        for owner, attr, original, replacement in reversed(list(self._made.values())):
            if getattr(owner, attr, None) is replacement:
                setattr(owner, attr, original)
        self._made.clear()

    def __len__(self) -> int:
        return len(self._made)
