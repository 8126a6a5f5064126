"""Build hook: compile ``repro_nb/kernel/_audit.c``, the recorder's audit hook in C.

It makes the recorder's audit hook about ten times cheaper per audited event (see the
C file). Without a C compiler the build still succeeds, with a warning: the package
is then pure Python and the recorder uses its Python hook, slower but the same.
``REPRO_NB_NO_C_HOOK=1`` skips the compilation on purpose (a pure-Python wheel).
"""

from __future__ import annotations

import os
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class AuditHookBuild(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or os.environ.get("REPRO_NB_NO_C_HOOK"):
            return
        try:
            built = self._compile()
        except Exception as exc:  # noqa: BLE001 - any failure means: ship the Python hook
            self.app.display_warning(
                f"repro-nb: the C audit hook was not built ({exc}); the recorder will use its pure-Python hook"
            )
            return
        build_data["pure_python"] = False
        build_data["infer_tag"] = True
        build_data["artifacts"].append(built)

    def _compile(self) -> str:
        import tempfile
        import warnings

        from setuptools import Distribution, Extension
        from setuptools.command.build_ext import build_ext

        cwd = os.getcwd()
        os.chdir(self.root)
        try:
            # Intermediate files go to a scratch directory, not ./build (where `./dev demo`
            # writes its reports); the module itself is built in place, beside the .c.
            with warnings.catch_warnings(), tempfile.TemporaryDirectory(prefix="repro-nb-build-") as scratch:
                warnings.simplefilter("ignore")  # setuptools' notes about setup.py, not ours
                dist = Distribution(
                    {
                        "name": "repro-nb",
                        "ext_modules": [Extension("repro_nb.kernel._audit", ["repro_nb/kernel/_audit.c"])],
                    }
                )
                command = build_ext(dist)
                command.inplace = True
                command.build_temp = os.path.join(scratch, "temp")
                command.build_lib = os.path.join(scratch, "lib")
                command.ensure_finalized()
                command.run()
                output = command.get_ext_fullpath("repro_nb.kernel._audit")
        finally:
            os.chdir(cwd)
        return os.path.relpath(output, self.root).replace(os.sep, "/")
