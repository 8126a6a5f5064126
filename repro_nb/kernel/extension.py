"""``%load_ext repro_nb``: wire the recorder into IPython's events, the comm and magics."""

from __future__ import annotations

import os
import sys
from typing import Any

from . import registry
from .channel import CommChannel
from .config import ReproNB
from .notebook_path import detect_notebook_path
from .recorder import Recorder
from .shadowing import find_shadows

#: The line magics of :class:`repro_nb.kernel.magics.ReproMagics` (a test keeps the two in step).
MAGICS = ("repro", "repro_data", "repro_save", "repro_seed")
#: Where the magics live; declared by name so that loading the extension does not import them.
MAGICS_MODULE = "repro_nb.kernel.magics"
#: A seed for the whole session, set by ``repro-nb seeds`` for each re-run: every RNG is
#: seeded with it at load, and ``%repro_seed N`` in the notebook uses it instead of N.
SEED_ENV = "REPRO_NB_SEED"


def load_ipython_extension(ip: Any) -> None:
    if registry.is_loaded(ip):
        return
    config = ReproNB(parent=ip)
    # %config only reaches configurables the shell knows of.
    ip.configurables.append(config)
    recorder = Recorder(config, notebook_path=detect_notebook_path(ip.user_ns))
    _warn_about_shadows(recorder)
    _apply_seed_override(ip, recorder, os.environ.get(SEED_ENV))

    def pre_run_cell(info: Any) -> None:
        recorder.begin_cell(info.raw_cell, getattr(info, "cell_id", None))

    def post_run_cell(result: Any) -> None:
        error = result.error_in_exec or result.error_before_exec
        recorder.end_cell(result.execution_count, error)

    ip.events.register("pre_run_cell", pre_run_cell)
    ip.events.register("post_run_cell", post_run_cell)
    _begin_running_cell(ip, recorder)
    channel = CommChannel(recorder)
    channel.register()
    _register_magics(ip)
    registry.add(ip, registry.Loaded(recorder, channel, pre_run_cell, post_run_cell, []))


def _warn_about_shadows(recorder: Recorder) -> None:
    """Files beside the notebook that import in place of what repro-nb or the stdlib needs (:mod:`.shadowing`)."""
    folders = {os.getcwd()} | ({os.path.dirname(recorder.notebook_path)} if recorder.notebook_path else set())
    for folder in sorted(folders):
        for shadow in find_shadows(folder):
            print(f"repro-nb: warning: {shadow.message()}", file=sys.stderr)
            recorder.warnings.append(shadow.to_warning())


def _apply_seed_override(ip: Any, recorder: Recorder, value: str | None) -> None:
    """``REPRO_NB_SEED=N``: seed every RNG with N now (and those imported later), as ``%repro_seed N`` does."""
    if not value:
        return
    try:
        seed = int(value, 0)
    except ValueError:
        recorder.warnings.append(
            {"kind": "recorder-error", "message": f"{SEED_ENV}={value!r} is not an integer seed: ignored"}
        )
        return
    recorder.seed_override = seed
    recorder.seeds.seed_all(seed)
    ip.user_ns["REPRO_SEED"] = seed


def _register_magics(ip: Any) -> None:
    """Declare the magics lazily (IPython ≥ 8: ``register_lazy``), else register them now.

    Their module builds an argument parser per magic and brings the HTML renderer: a few
    milliseconds every recorded kernel would pay at ``%load_ext`` for magics many
    sessions never call.
    """
    manager = getattr(ip, "magics_manager", None)
    register_lazy = getattr(manager, "register_lazy", None)
    if register_lazy is None:  # IPython < 8: load the magics module now, as IPython would
        ip.extension_manager.load_extension(MAGICS_MODULE)
        return
    for name in MAGICS:
        try:
            register_lazy(name, MAGICS_MODULE, "line")
        except TypeError:  # IPython < 9.x declares by name only
            register_lazy(name, MAGICS_MODULE)


def _begin_running_cell(ip: Any, recorder: Recorder) -> None:
    """Record the rest of the cell that ran ``%load_ext repro_nb``.

    ``%load_ext repro_nb`` is usually the first line of a notebook's first cell, above
    its imports. ``pre_run_cell`` has fired for that cell before the extension existed,
    so without this, what the rest of the cell imports and reads would be missed (and,
    already imported, never attributed later). IPython points ``displayhook.exec_result``
    at the running cell's result while it executes, ``None`` otherwise (e.g. when the
    extension loads from the kernel's configuration at start-up).
    """
    running = getattr(getattr(ip, "displayhook", None), "exec_result", None)
    info = getattr(running, "info", None)
    if info is None or getattr(info, "silent", False):
        return  # no cell, or a silent one (it gets no post_run_cell to end it)
    source = getattr(info, "raw_cell", "") or ""
    if not _only_loads_the_extension(source):
        recorder.begin_cell(source, getattr(info, "cell_id", None))


def _only_loads_the_extension(source: str) -> bool:
    """A cell that holds nothing but ``%load_ext repro_nb`` (and comments) is not a step of the notebook."""
    for line in source.splitlines():
        words = line.split("#", 1)[0].split()
        if words and not (len(words) == 2 and words[0] in ("%load_ext", "%reload_ext") and words[1] == "repro_nb"):
            return False
    return True


def unload_ipython_extension(ip: Any) -> None:
    loaded = registry.pop(ip)
    if loaded is None:
        return
    ip.events.unregister("pre_run_cell", loaded.pre)
    ip.events.unregister("post_run_cell", loaded.post)
    for cleanup in loaded.cleanups:
        try:
            cleanup()
        except Exception:  # noqa: BLE001, S110 - a view that cannot be frozen must not keep recording on
            pass
    loaded.channel.close()
    loaded.recorder.close()
    if loaded.recorder.config in ip.configurables:
        ip.configurables.remove(loaded.recorder.config)
    # the magics stay defined, and say "not recording" once no recorder is loaded
