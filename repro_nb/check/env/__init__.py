"""Environments: export a notebook's, restore it, and prove by re-run that it is the cause.

One module per step, each a function from data to data:

- :mod:`.spec` — :class:`~.spec.EnvSpec`, a Python version and exact pins, hashed for the cache;
- :mod:`.infer` — a notebook without a record: its imports and ``%pip install`` lines,
  import names to distributions, the date to choose versions as of;
- :mod:`.export` — the notebook's environment (recorded, else inferred and resolved by
  uv) as ``requirements.txt``, PEP 751 ``pylock.toml`` or conda ``environment.yml``;
- :mod:`.uv` — running uv (resolve, venv, install) and reading its failures; venv + pip
  when uv cannot run;
- :mod:`.registry` — the package index's files: why a pin cannot be had, and the nearest
  version that can;
- :mod:`.restore` — a cached virtual environment with the pins, ipykernel and repro-nb's
  recorder, and its kernelspec;
- :mod:`.ddmin` — delta debugging over the changed distributions;
- :mod:`.attribute` — ``check --env`` and ``check --attribute``: the check in the
  restored environment, the cells that come back, the packages to blame.

``repro-nb env export|restore`` and ``repro-nb check --env|--attribute`` (``cli.py``) are
the surfaces; ``docs/environments.md`` is the user's guide.
"""
