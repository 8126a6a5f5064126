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
from traitlets import Float, Int, TraitError, Unicode, default, validate

from .._version import __version__
from .checks import DEFAULT_MAX_QUEUED, CheckManager
from .executed import CheckArtifacts
from .handlers import CHECKS_SETTING, default_handlers
from .queue import default_concurrency
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
    max_concurrent_checks = Int(
        help=(
            "How many checks run at once (each is a checker process and a kernel). "
            "Default: one per CPU core this server may use. Further checks wait in line."
        ),
    ).tag(config=True)
    max_queued_checks = Int(
        DEFAULT_MAX_QUEUED,
        help="How many checks may wait for a free slot; a request beyond them is refused (HTTP 429).",
    ).tag(config=True)

    @default("max_concurrent_checks")
    def _default_max_concurrent_checks(self) -> int:
        return default_concurrency()

    @validate("max_concurrent_checks")
    def _valid_max_concurrent_checks(self, proposal: Any) -> int:
        if proposal["value"] < 1:
            raise TraitError("ReproNBServer.max_concurrent_checks must be at least 1")
        return int(proposal["value"])

    @validate("max_queued_checks")
    def _valid_max_queued_checks(self, proposal: Any) -> int:
        if proposal["value"] < 0:
            raise TraitError("ReproNBServer.max_queued_checks must be 0 or more")
        return int(proposal["value"])

    executor = Unicode(
        "",
        help="Where the panel's checks run: serial, processes[:N], dask:local[:N] or dask:ADDRESS, as "
        "`repro-nb check --executor` (docs/scale.md); empty: as [tool.repro-nb] executor says, else serial.",
    ).tag(config=True)

    checks: CheckManager | None = None

    def initialize_settings(self) -> None:
        assert self.serverapp is not None
        self.checks = CheckManager(
            self.serverapp.root_dir,
            keep_finished=self.keep_finished,
            cancel_grace=self.cancel_grace,
            max_running=self.max_concurrent_checks,
            max_queued=self.max_queued_checks,
            log=self.log,
            executor=self.executor or None,
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
