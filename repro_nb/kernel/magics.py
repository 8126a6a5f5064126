"""``%repro_seed``, ``%repro_data``, ``%repro``, ``%repro_save``: thin IPython magics.

They parse arguments and delegate to the session's :class:`~repro_nb.kernel.recorder.Recorder`;
user mistakes raise ``UsageError`` (shown as a one-line message, not a traceback).

``%load_ext repro_nb`` declares them lazily where IPython can (``register_lazy``): this
module, its argument parsers and the HTML renderer are imported the first time one of
them is used, not in every recorded kernel; ipywidgets and the dashboard (:mod:`.widget`)
only when ``%repro`` shows one.
"""

from __future__ import annotations

import json
import os
import secrets
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from IPython.display import display

from ..errors import ReproError
from . import view
from .recorder import Recorder
from .registry import current_recorder

_MAX_SEED = 2**32 - 1  # NumPy's legacy global RNG takes seeds below 2**32


def load_ipython_extension(ip: Any) -> None:
    """Called by IPython the first time one of the lazily declared magics is used."""
    ip.register_magics(ReproMagics(ip))


@magics_class
class ReproMagics(Magics):
    """The magics; they act on whichever recorder the shell has now (none after ``%unload_ext``)."""

    def _recorder(self) -> Recorder:
        recorder = current_recorder(self.shell)
        if recorder is None:
            raise UsageError("repro-nb is not recording: run %load_ext repro_nb first")
        return recorder

    @magic_arguments()
    @argument(
        "seed", nargs="?", default=None, help="the seed (0 ≤ N < 2**32); omitted: pick one, print it and record it"
    )
    @line_magic
    def repro_seed(self, line: str) -> None:
        """Seed every random number generator in the session at once and record it.

        Seeds Python's ``random``, NumPy's global RNG, PyTorch (CPU and CUDA) and
        TensorFlow: those already imported now, the others as soon as they are imported. NumPy ``Generator`` objects are
        created by your code: pass them the same seed (``np.random.default_rng(N)``).
        """
        recorder = self._recorder()
        args = parse_argstring(self.repro_seed, line)
        if args.seed is None:
            seed = secrets.randbelow(_MAX_SEED)
            print(f"repro-nb: seeded every RNG with {seed} (write %repro_seed {seed} to keep it)")
        else:
            try:
                seed = int(args.seed, 0)
            except ValueError:
                raise UsageError(f"%repro_seed: the seed must be an integer, not {args.seed!r}") from None
            if not 0 <= seed <= _MAX_SEED:
                raise UsageError(f"%repro_seed: the seed must be between 0 and {_MAX_SEED}, not {seed}")
        if recorder.seed_override is not None:
            # `repro-nb seeds` re-runs the notebook once per seed (REPRO_NB_SEED): the
            # seed it chose replaces the one written here, for every RNG
            seed = recorder.seed_override
        # NumPy, PyTorch, TensorFlow imported later in the session get the same seed the
        # moment their import finishes.
        recorder.seeds.seed_all(seed)
        if self.shell is not None:
            self.shell.user_ns["REPRO_SEED"] = seed

    @magic_arguments()
    @argument("paths", nargs="+", help="files or directories to pin (a directory gets a manifest hash)")
    @argument(
        "--label",
        metavar="COL",
        default=None,
        help="the label column of these tables: the checker reports its class balance (docs/results.md)",
    )
    @line_magic
    def repro_data(self, line: str) -> None:
        """Pin data files or directories: record their hashes now and report later changes."""
        recorder = self._recorder()
        args = parse_argstring(self.repro_data, line)
        if args.label is not None:
            with recorder.monitor.paused():  # reading a header is not the notebook reading data
                self._check_label(args.paths, args.label)
        problems: list[str] = []
        for path in args.paths:
            absolute = os.path.abspath(os.path.expanduser(path))
            if recorder.filter.never_recorded(absolute):
                problems.append(f"{path}: a credential location, never recorded")
                continue
            item = recorder.pin(os.path.expanduser(path), label=args.label)
            if item["status"] != "ok":
                problems.append(f"{path}: {item['status']}")
                continue
            what = f"{item.get('files', 0)} files, " if item.get("kind") == "directory" else ""
            print(f"pinned {item['path']}: {what}{item.get('size', 0)} bytes, {(item.get('hash') or '')[:20]}…")
            for skipped in item.get("skipped", [])[:5]:
                print(f"  not hashed: {skipped}")
        if problems:
            raise UsageError("%repro_data could not pin: " + "; ".join(problems))

    @staticmethod
    def _check_label(paths: list[str], label: str) -> None:
        """A label column that the table does not have is a mistake to say now, not at the next check."""
        from ..format.tabular import TabularError, is_tabular, table_columns

        for path in paths:
            expanded = os.path.expanduser(path)
            if not os.path.isfile(expanded):
                if os.path.isdir(expanded):
                    raise UsageError(f"%repro_data --label: {path} is a directory; name the table files")
                continue  # the pin below reports a missing file
            if not is_tabular(expanded):
                raise UsageError(
                    f"%repro_data --label: {path} is not a table repro-nb reads (CSV, TSV, Parquet, Feather, Excel)"
                )
            try:
                columns = table_columns(expanded)
            except TabularError as exc:
                raise UsageError(f"%repro_data --label: {exc}") from None
            if columns is not None and label not in columns:
                shown = ", ".join(columns[:20]) + (", …" if len(columns) > 20 else "")
                raise UsageError(f"%repro_data --label: {path} has no column {label!r}; its columns: {shown}")

    @magic_arguments()
    @argument("--json", action="store_true", help="print the raw record as JSON")
    @argument("--html", action="store_true", help="show the static HTML view, even where ipywidgets is installed")
    @line_magic
    def repro(self, line: str) -> None:
        """Show the record so far: warnings first, then seeds, data, packages, environment.

        With ipywidgets installed (``pip install repro-nb[widgets]``) and a kernel, a live
        dashboard that follows the session; the display carries the static HTML and text
        views too, for frontends that do not render widgets.
        """
        recorder = self._recorder()
        args = parse_argstring(self.repro, line)
        recorder.warnings.extend(recorder.check_pins())
        record = recorder.notebook_record()
        if args.json:
            print(json.dumps(record, indent=1))
            return
        if not args.html and self._widgets_available():
            from . import widget

            dashboard = widget.show(recorder, self.shell, record)
            display(dashboard.mimebundle(record), raw=True)
            return
        display({"text/plain": view.to_text(record), "text/html": view.to_html(record)}, raw=True)

    def _widgets_available(self) -> bool:
        """A kernel (widgets talk over its comms) and an importable ipywidgets (imported here, lazily)."""
        if getattr(self.shell, "kernel", None) is None:
            return False  # a terminal IPython: no frontend renders a widget
        try:
            import ipywidgets  # noqa: F401
        except ImportError:
            return False
        return True

    @magic_arguments()
    @argument(
        "path", nargs="?", default=None, help="where to write (default: <notebook>.repro.json beside the notebook)"
    )
    @line_magic
    def repro_save(self, line: str) -> None:
        """Write the record to a sidecar file, for frontends that cannot store notebook metadata."""
        recorder = self._recorder()
        args = parse_argstring(self.repro_save, line)
        try:
            target = recorder.save_sidecar(os.path.expanduser(args.path) if args.path else None)
        except ReproError as exc:
            raise UsageError(str(exc)) from None
        print(f"repro-nb: record written to {target}")
