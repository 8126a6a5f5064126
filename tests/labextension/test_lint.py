"""The lab extension's sources are lint-clean: ``jlpm lint:check`` in ``labextension/``.

ESLint (``eslint.config.mjs``: typescript-eslint with a few type-aware rules,
eslint-plugin-react, and the rule that keeps ``src/logic`` pure) and Prettier
(``.prettierrc.json``) over ``src``, ``scripts`` and ``test``. ``jlpm lint`` fixes what
can be fixed.
"""
from __future__ import annotations

import subprocess

from .conftest import LAB, node_env


def test_lint_check(jlpm: str) -> None:
    done = subprocess.run(
        [jlpm, "lint:check"],
        cwd=LAB, env=node_env(), capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, (
        "`jlpm lint:check` failed in labextension/ (`jlpm lint` fixes formatting):\n"
        + done.stdout + done.stderr
    )
