"""The shared core: what both processes read and write, and nothing else of repro-nb.

repro-nb runs in two processes. The *recorder* runs inside the user's kernel
(:mod:`repro_nb.kernel`); the *checker* re-runs notebooks and judges them
(:mod:`repro_nb.check`, the CLI, the pytest plugin, the server). They share only this
package:

- :mod:`.record` — the record (in ``metadata.repro_nb`` or a sidecar): schema
  version, validation, upgrade, where it lives; :mod:`.record_types` its typed model;
- :mod:`.report` — the check report (``repro-nb check --json``): versioned the same
  way; :mod:`.check_types` its typed model and the vocabulary of verdicts;
- :mod:`.protocol` — the ``repro_nb`` comm between the recorder and a frontend;
- :mod:`.versioned` — what the versioned documents have in common (schemas shipped in
  ``schema/``, validators, the upgrade chain);
- :mod:`.files` — atomic writes and safe notebook reads;
- :mod:`.cells` — a cell's source as text and its hash; :mod:`.cellcode` — what a
  cell's (IPython) code imports and defines;
- :mod:`.hashing` — content hashes of data files, as the record states them;
- :mod:`.summary` — the record as sections a person reads (``%repro``, ``repro-nb show``);
- :mod:`.text` — small text helpers.

Rule (enforced by ``tests/test_layout.py``): nothing here imports any other part of
repro-nb but :mod:`repro_nb.errors`. Modules here are imported inside the user's
kernel, so heavy dependencies (nbformat, fastjsonschema) are imported where used.
"""
