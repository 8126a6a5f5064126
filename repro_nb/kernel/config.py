"""The recorder's options: one configurable, so ``%config ReproNB.x = …`` and
``c.ReproNB.x = …`` in ``ipython_config.py`` both work.

The help texts are the single source of documentation for each option.
"""

from __future__ import annotations

from typing import Any

from traitlets import Bool, Int, List, TraitError, Unicode, validate
from traitlets.config import Configurable

HELP_HASH_ALGORITHM = (
    "Content hash for data files: 'blake3' (default, cryptographic, multi-threaded), "
    "'sha256', or 'xxh3_128' (fastest, not cryptographic)."
)
HELP_MAX_HASH_BYTES = "Files larger than this many bytes are recorded with their size but not hashed."
HELP_IGNORE = "Glob patterns (matched against the absolute path and the file name) of files never to record."
HELP_NEVER_RECORD = (
    "Credential locations never to record, added to the built-in deny-list (~/.netrc, ~/.ssh/*, "
    "~/.aws/*, .env, ... — see repro_nb.kernel.privacy), which cannot be switched off: a glob with "
    "a '/' matches the path ('~/secrets/*'), one without the file name ('*.token')."
)


class ReproNB(Configurable):
    """Options of the in-kernel recorder (``%load_ext repro_nb``)."""

    hash_algorithm = Unicode("blake3", help=HELP_HASH_ALGORITHM).tag(config=True)
    max_hash_bytes = Int(8 * 2**30, help=HELP_MAX_HASH_BYTES).tag(config=True)
    ignore = List(Unicode(), default_value=[], help=HELP_IGNORE).tag(config=True)
    never_record = List(Unicode(), default_value=[], help=HELP_NEVER_RECORD).tag(config=True)
    record_seeds = Bool(True, help="Record seeding calls and randomness used without a seed.").tag(config=True)
    record_data = Bool(True, help="Record data files read and written, with content hashes.").tag(config=True)
    record_packages = Bool(True, help="Record the packages each cell imported, with versions.").tag(config=True)
    record_order = Bool(True, help="Warn when cells run out of top-to-bottom order.").tag(config=True)
    send_comm = Bool(True, help="Send each cell's record to the frontend over the 'repro_nb' comm.").tag(config=True)

    @validate("hash_algorithm")
    def _valid_algorithm(self, proposal: Any) -> str:
        from ..format.hashing import available_algorithms

        value = str(proposal["value"])
        if value not in available_algorithms():
            raise TraitError(f"unknown hash algorithm {value!r}; available: {', '.join(available_algorithms())}")
        return value

    @validate("max_hash_bytes")
    def _valid_max(self, proposal: Any) -> int:
        value = int(proposal["value"])
        if value < 0:
            raise TraitError("max_hash_bytes must be >= 0")
        return value
