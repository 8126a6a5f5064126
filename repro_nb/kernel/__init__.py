"""Everything that runs inside the user's kernel: the recorder and its IPython surface.

- :mod:`.extension` — ``%load_ext repro_nb``: IPython events, the comm, the magics;
  :mod:`.registry` — which recorder each shell has; :mod:`.magics` — ``%repro_seed`` &c.;
  :mod:`.view` — ``%repro``'s static view; :mod:`.widget` — its live dashboard (ipywidgets,
  imported only by ``%repro``); :mod:`.channel` — the comm to the frontend;
- :mod:`.recorder` — what each cell depended on, from the parts below; :mod:`.config` —
  its options (``%config ReproNB.…``);
- :mod:`.fileaccess` (with its audit hook in C, ``_audit.c``) — files opened;
  :mod:`.seeds` — seeding and unseeded randomness; :mod:`.postimport` — hooks on first
  import; :mod:`.patches` — what was wrapped, to unwrap on unload;
- :mod:`.packages`, :mod:`.locations` (with :mod:`repro_nb.format.distributions`, which
  the checker shares) — imported modules to installed distributions and versions; :mod:`.environment` — the machine;
  :mod:`.notebook_path` — where the notebook is.

Rule (enforced by ``tests/test_layout.py``): this package imports nothing of the
checker side (:mod:`repro_nb.check`, :mod:`repro_nb.compare`, :mod:`repro_nb.report`,
:mod:`repro_nb.server`, the CLI); it shares only :mod:`repro_nb.format` with it. Speed
matters here: it runs around every cell of a working session.
"""
