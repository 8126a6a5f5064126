"""The checker process: re-run notebooks in fresh kernels, compare, explain, judge.

- :mod:`.pipeline` — one notebook: read → run → compare → gather evidence → explain →
  verdict (:func:`~.pipeline.check_notebook`; ``repro-nb diff``'s
  :func:`~.pipeline.diff_notebooks`);
- :mod:`.run` — execute a notebook headless with the recorder (papermill), classify
  how it stopped; :mod:`.engine` — the ``repro`` papermill engine and its nbclient
  client; :mod:`.engine_entry` — its entry point;
- :mod:`.evidence` — data, package and environment drift from the two records;
  :mod:`.environment_diff` — two recorded environments compared;
  :mod:`.explain` — the causes of each drifted or failed cell;
- :mod:`.results` — what a check returns; :mod:`.options` — what it is told;
  :mod:`.settings` — ``[tool.repro-nb]`` and the CLI/pytest option help;
- :mod:`.discovery` — which notebooks; :mod:`.parallel` — many at once (``--jobs``).

Rule (enforced by ``tests/test_layout.py``): nothing here imports :mod:`repro_nb.kernel`
— the recorder runs in the kernel the checker starts, never in the checker itself.
"""
