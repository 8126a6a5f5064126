"""``repro-nb report``: a notebook rated on five stars, each earned by evidence.

The stars are a ladder, most valuable first (1 Code, 2 Configuration, 3 Data,
4 Environment, 5 Evaluation): a notebook's score is the number of stars earned in order,
so a missing star lists what to do next. Each star is a few *criteria*; each criterion is
*readiness* (what the files show: the notebook, its record, its data) or *outcome* (what
a re-run showed: the last check, the seeds study), and the two are scored apart, as
ReproScore does, since a notebook can be well prepared and still not reproduce.

``evidence`` gathers what is known about a notebook, ``scan`` reads its code,
``criteria`` judges the stars, ``checklist`` maps the evidence to the NeurIPS (Pineau et
al.) ML reproducibility checklist and ``model`` holds the results.
"""

from .model import ChecklistItem, Criterion, Rating, Star
from .rate import check_path, rate

__all__ = ["ChecklistItem", "Criterion", "Rating", "Star", "check_path", "rate"]
