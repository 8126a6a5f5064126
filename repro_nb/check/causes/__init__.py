"""Why a cell drifted or failed: the causes, each with its category, evidence and confidence.

- :mod:`.model` — :class:`~.model.Cause`, the value object (the taxonomy itself is in
  :mod:`repro_nb.format.check_types` and ``docs/causes.md``);
- :mod:`.failures` — what an error, a timeout or a dead kernel says;
- :mod:`.dependencies` — what changed that the cell depends on: data, packages, local
  modules, its own code, environment variables, the environment, the kernel;
- :mod:`.randomness` — unseeded random numbers and hash iteration order;
- :mod:`.order` — execution order and cells re-run by hand;
- :mod:`.signatures` — output that only certain versions of a package print;
- :mod:`.network` — network failures;
- :mod:`.consequences` — failures that only follow from an earlier one.

:func:`repro_nb.check.explain.explain_cell` puts them together for one cell.
"""

from .model import CONFIDENCE_RANK, Cause

__all__ = ["CONFIDENCE_RANK", "Cause"]
