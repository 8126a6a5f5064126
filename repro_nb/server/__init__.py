"""The jupyter_server extension behind the JupyterLab panel: records and checks over REST.

Enabled by ``etc/jupyter/jupyter_server_config.d/repro_nb.json`` (installed with the
package), which names the package ``repro_nb``; ``repro_nb._jupyter_server_extension_points``
points here. The REST contract is ``docs/rest-api.md``.

An :class:`~jupyter_server.extension.application.ExtensionApp` rather than a bare
``_load_jupyter_server_extension`` function for two reasons: its settings are traitlets
(``c.ReproNBServer.keep_finished = 100`` in ``jupyter_server_config.py``), and it is told
when the server stops, so running checks and their kernels are killed instead of being
left to run on as orphans.
"""

from __future__ import annotations

from typing import Any

from jupyter_server.extension.application import ExtensionApp
from traitlets import Float, Int

from .._version import __version__
from .checks import CheckManager
from .executed import CheckArtifacts
from .handlers import CHECKS_SETTING, default_handlers
from .views import view_handlers

__all__ = ["ReproNBServer", "_jupyter_server_extension_points"]


class ReproNBServer(ExtensionApp):
    """repro-nb's server extension: the record of saved notebooks, and checks on demand."""

    name = "repro_nb"
    description = "repro-nb: notebook records and reproducibility checks for the JupyterLab panel"
    version = __version__
    load_other_extensions = True

    keep_finished = Int(50, help="How many finished checks (with their results) the server keeps in memory.").tag(
        config=True
    )
    cancel_grace = Float(
        3.0,
        help="Seconds a cancelled check and its kernel get to exit after SIGTERM before SIGKILL.",
    ).tag(config=True)

    checks: CheckManager | None = None

    def initialize_settings(self) -> None:
        assert self.serverapp is not None
        self.checks = CheckManager(
            self.serverapp.root_dir,
            keep_finished=self.keep_finished,
            cancel_grace=self.cancel_grace,
            log=self.log,
            artifacts=CheckArtifacts(),
        )
        self.settings[CHECKS_SETTING] = self.checks

    def initialize_handlers(self) -> None:
        self.handlers.extend(default_handlers)
        self.handlers.extend(view_handlers)

    async def stop_extension(self) -> None:
        if self.checks is not None:
            await self.checks.shutdown()
            if self.checks.artifacts is not None:
                self.checks.artifacts.close()


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    return [{"module": "repro_nb.server", "app": ReproNBServer}]
