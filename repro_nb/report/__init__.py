"""Check reports for people and machines, rendered from check results.

- :mod:`.terminal` — what ``repro-nb check`` prints (and the pytest plugin's failure text);
- :mod:`.json_report` — the versioned JSON document (:mod:`repro_nb.format.report`);
- :mod:`.html` — a standalone, offline HTML report;
- :mod:`.junit` — JUnit XML for CI, one test case per notebook.

Runs in the checker process; renders data, never re-runs or re-judges anything. Each
module is imported on its own (this package imports none of them), so the CLI pays
only for the reports it writes.
"""
