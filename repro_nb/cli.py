"""``repro-nb``: run, check and diff notebooks from the command line.

Exit codes (for CI): 0 everything reproduced (or ran), 1 something drifted or failed to
run, 2 usage errors and unreadable input. Every error repro-nb raises on purpose is a
:class:`~repro_nb.errors.ReproError`, caught once here and printed as one line.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Iterator, Sequence
from typing import Any

from ._version import __version__
from .check.settings import HELP, Settings, load_settings
from .errors import ReproError

EXIT_OK, EXIT_DRIFT, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse exits 2 on usage errors, as we want
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"repro-nb: error: {message}\n")


def _compare_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rtol", type=float, help=HELP["rtol"])
    parser.add_argument("--atol", type=float, help=HELP["atol"])
    parser.add_argument("--mask", action="append", dest="masks", metavar="REGEX", help=HELP["masks"])
    parser.add_argument(
        "--nbval-sanitize-with", dest="sanitize_with", metavar="FILE", type=os.path.abspath, help=HELP["sanitize_with"]
    )
    parser.add_argument(
        "--no-default-masks",
        action="store_false",
        dest="default_masks",
        default=None,
        help="do not " + HELP["default_masks"],
    )
    parser.add_argument(
        "--json", metavar="FILE", help="write the result as JSON (schema: repro_nb/format/schema/check-v1)"
    )
    parser.add_argument("--html", metavar="FILE", help="write a standalone HTML report")
    parser.add_argument("--junit", metavar="FILE", help="write a JUnit XML report (one test case per notebook)")
    parser.add_argument("--config", metavar="PYPROJECT", help="read [tool.repro-nb] from this file")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="repro-nb", description="Record, re-run and check the reproducibility of Jupyter notebooks.")
    parser.add_argument("--version", action="version", version=f"repro-nb {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="execute a notebook with the recorder and store the record in it")
    run.add_argument("notebook")
    out = run.add_mutually_exclusive_group()
    out.add_argument("-o", "--output", help="where to write the executed notebook (default: NAME.executed.ipynb)")
    out.add_argument("--in-place", action="store_true", help="overwrite the input notebook (atomically)")
    run.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        metavar=("NAME", "VALUE"),
        default=[],
        help="papermill parameter (VALUE parsed as JSON when it can be, else a string)",
    )
    run.add_argument("--kernel", help=HELP["kernel"])
    run.add_argument("--timeout", type=float, help=HELP["timeout"])
    run.add_argument("--cwd", help="working directory (default: the notebook's directory)")
    run.add_argument("--strict-kernel", action="store_true", default=None, help=HELP["strict_kernel"])

    check = sub.add_parser("check", help="re-execute notebooks in fresh kernels and report drift and its causes")
    check.add_argument("targets", nargs="+", metavar="NB|DIR")
    check.add_argument("--timeout", type=float, help=HELP["timeout"])
    check.add_argument("--jobs", "-j", type=int, help=HELP["jobs"])
    check.add_argument("--kernel", help=HELP["kernel"])
    check.add_argument("-q", "--quiet", action="store_true", help="only the summary table")
    check.add_argument("--stop-on-error", action="store_true", default=None, help=HELP["stop_on_error"])
    check.add_argument("--strict-kernel", action="store_true", default=None, help=HELP["strict_kernel"])
    # for the server extension: progress on stderr; the notebook (and its sidecar) as
    # descriptors the server opened and judged, never re-opened by name; configuration
    # from the server's root and below only
    check.add_argument("--progress-jsonl", action="store_true", help=argparse.SUPPRESS)
    check.add_argument("--notebook-fd", type=int, metavar="FD", help=argparse.SUPPRESS)
    check.add_argument("--sidecar-fd", type=int, metavar="FD", help=argparse.SUPPRESS)
    check.add_argument("--config-root", metavar="DIR", help=argparse.SUPPRESS)
    check.add_argument(
        "--executed",
        metavar="DIR",
        help="keep each re-run notebook in DIR (NAME.ipynb) with the nbdime diff of it against the stored one, "
        "masks applied (NAME.nbdime.json)",
    )
    _scale_args(check)
    _compare_args(check)
    _env_check_args(check)

    diff = sub.add_parser("diff", help="compare two executed notebooks (executes nothing)")
    diff.add_argument("expected", metavar="A.ipynb")
    diff.add_argument("actual", metavar="B.ipynb")
    _compare_args(diff)
    web = diff.add_argument_group("nbdime's web view (--web)")
    web.add_argument(
        "--web",
        action="store_true",
        help="show the differences in nbdime's web diff (masks applied, only the cells that drifted)",
    )
    web.add_argument("--all-cells", action="store_true", help="--web: every cell, not only those that drifted")
    web.add_argument("--port", type=int, default=0, help="--web: the port to serve on (default: a free one)")
    web.add_argument("--browser", help="--web: the browser to open (default: the system's; 'none' opens nothing)")

    seeds = sub.add_parser(
        "seeds", help="re-run a notebook once per seed and judge its named results and claims across the seeds"
    )
    seeds.add_argument("notebook")
    seeds.add_argument(
        "--seeds", default="0..9", help="seeds to run: a range (0..9), a list (1,2,5) or both (default 0..9)"
    )
    seeds.add_argument(
        "--jobs", "-j", type=int, help="runs in parallel, each in its own kernel (results identical to serial)"
    )
    seeds.add_argument("--timeout", type=float, help=HELP["timeout"])
    seeds.add_argument("--kernel", help=HELP["kernel"])
    seeds.add_argument("--json", metavar="FILE", help="also write the study as JSON here (schema: seeds-v1)")
    seeds.add_argument("--html", metavar="FILE", help="write an HTML report with a plot per result")
    seeds.add_argument(
        "--no-save",
        action="store_true",
        help="do not leave the study beside the notebook (<stem>.repro-seeds.json, read by `repro-nb report`)",
    )
    seeds.add_argument("--config", metavar="PYPROJECT", help="read [tool.repro-nb] from this file")

    report = sub.add_parser(
        "report", help="rate notebooks on five stars of reproducibility and write REPRODUCIBILITY.md (or HTML, JSON)"
    )
    report.add_argument("targets", nargs="+", metavar="NB|DIR")
    report.add_argument("--format", choices=("md", "html", "json"), default="md", help="what to write (default md)")
    report.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="where (default: REPRODUCIBILITY.md, .html or reproducibility.json in the notebook's or the directory's "
        "folder; '-' for standard output)",
    )
    report.add_argument(
        "--check",
        action="store_true",
        help="re-run each notebook first and keep the check beside it (<stem>.repro-check.json) for the Code star",
    )
    report.add_argument("--badge", metavar="FILE", help="also write a shields-style SVG badge of the (lowest) score")
    report.add_argument("--timeout", type=float, help=HELP["timeout"])
    report.add_argument("--jobs", "-j", type=int, help=HELP["jobs"])
    report.add_argument("--kernel", help=HELP["kernel"])
    report.add_argument("--config", metavar="PYPROJECT", help="read [tool.repro-nb] from this file")

    show = sub.add_parser("show", help="print the record stored in a notebook (or its sidecar)")
    show.add_argument("notebook")
    show.add_argument("--json", action="store_true", help="the raw record as JSON")
    _env_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        handler = {
            "run": cmd_run,
            "check": cmd_check,
            "diff": cmd_diff,
            "show": cmd_show,
            "env": cmd_env,
            "seeds": cmd_seeds,
            "report": cmd_report,
        }[args.command]
        return handler(args)
    except ReproError as exc:
        print(f"repro-nb: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("repro-nb: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `repro-nb show nb.ipynb --json | head`: the reader left, which is not an error
        # worth a traceback. Point stdout at devnull so the interpreter's final flush
        # does not raise again.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):  # stdout is not a file (embedded, captured)
            pass
        return 128 + 13  # as a shell reports SIGPIPE


def _settings(args: argparse.Namespace) -> Settings:
    config_root = getattr(args, "config_root", None)
    targets = getattr(args, "targets", None) or []
    # bounded by a root (the server's): from the notebook's folder up, never above the root
    start = os.path.dirname(os.path.abspath(targets[0])) if config_root and len(targets) == 1 else None
    settings = load_settings(start, pyproject=getattr(args, "config", None), stop_at=config_root)
    return settings.override(
        timeout=getattr(args, "timeout", None),
        jobs=getattr(args, "jobs", None),
        kernel=getattr(args, "kernel", None),
        rtol=getattr(args, "rtol", None),
        atol=getattr(args, "atol", None),
        masks=tuple(settings.masks) + tuple(args.masks) if getattr(args, "masks", None) else None,
        default_masks=getattr(args, "default_masks", None),
        sanitize_with=getattr(args, "sanitize_with", None),
        stop_on_error=getattr(args, "stop_on_error", None),
        strict_kernel=getattr(args, "strict_kernel", None),
        executor=f"dask:{args.dask}" if getattr(args, "dask", None) else getattr(args, "executor", None),
        ship=getattr(args, "ship", None),
        cache_trust_unrecorded=getattr(args, "cache_trust_unrecorded", None),
    )


def _parameter_value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def cmd_run(args: argparse.Namespace) -> int:
    from .check.inplace import RunTarget
    from .check.run import run_notebook
    from .format.cells import has_code

    settings = _settings(args)
    if args.in_place:
        output = args.notebook
    else:
        output = args.output or os.path.splitext(args.notebook)[0] + ".executed.ipynb"
    if os.path.abspath(output) == os.path.abspath(args.notebook) and not args.in_place:
        raise ReproError("the output would overwrite the input notebook; pass --in-place to do that")
    # in place: locked from here to the write, which keeps a concurrent save (check.inplace)
    with RunTarget.open(args.notebook, output, in_place=args.in_place) as target:
        nb = target.notebook
        assert nb is not None
        if not has_code(nb.cells):
            raise ReproError(f"{args.notebook} has no code to run")
        _check_writable(output)
        result = run_notebook(
            nb,
            notebook_path=args.notebook,
            parameters={name: _parameter_value(value) for name, value in args.parameter},
            kernel_name=settings.kernel,
            timeout=settings.timeout or None,
            startup_timeout=settings.startup_timeout,
            cwd=args.cwd,
            # as papermill does: the first error the stored notebook does not have stops the run
            stop_on_error=True,
            strict_kernel=settings.strict_kernel,
        )
        written = target.write(result)
    if result.kernel and result.kernel.substituted:
        print(
            f"repro-nb: kernel {result.kernel.requested!r} is not installed here; ran with {result.kernel.used!r}",
            file=sys.stderr,
        )
    if written.reason:
        print(
            f"repro-nb: {args.notebook} changed on disk while it ran ({written.reason}): not overwritten, "
            f"so nothing of yours is lost; the run's result is in {written.path}",
            file=sys.stderr,
        )
        return EXIT_DRIFT
    for problem in result.record_errors:
        print(f"repro-nb: warning: {problem}", file=sys.stderr)
    if result.failure:
        where = f"cell {result.failure.cell_index + 1}" if result.failure.cell_index is not None else "start-up"
        print(f"repro-nb: {result.status} in {where}: {result.failure.ename}: {result.failure.evalue}", file=sys.stderr)
        print(f"repro-nb: partial result written to {output}", file=sys.stderr)
        return EXIT_DRIFT
    warnings = result.nb.metadata.get("repro_nb", {}).get("warnings", [])
    print(
        f"repro-nb: executed {len(result.executed)} cells in {result.duration_s:.1f}s → {output}"
        + (f" ({len(warnings)} reproducibility warning(s); see `repro-nb show {output}`)" if warnings else "")
    )
    return EXIT_OK


def _check_writable(output: str) -> None:
    """Refuse before running, not after: a long run whose result cannot be saved is lost."""
    if os.path.isdir(output):
        raise ReproError(f"cannot write {output}: it is a directory")
    out_dir = os.path.dirname(os.path.abspath(output))
    if not os.path.isdir(out_dir):
        what = "is not a directory" if os.path.exists(out_dir) else "does not exist"
        raise ReproError(f"cannot write {output}: {out_dir} {what}")
    if not os.access(out_dir, os.W_OK):
        raise ReproError(f"cannot write {output}: directory {out_dir} is not writable")


def _check_report_paths(args: argparse.Namespace) -> None:
    for report in (args.json, args.html, args.junit):
        if report:
            _check_writable(report)
    executed = getattr(args, "executed", None)
    if executed:
        if os.path.exists(executed) and not os.path.isdir(executed):
            raise ReproError(f"--executed {executed}: not a directory")
        os.makedirs(executed, exist_ok=True)


def cmd_check(args: argparse.Namespace) -> int:
    from .check.discovery import collect_notebooks

    _check_scale_args(args)
    settings = _settings(args)
    _check_report_paths(args)
    if args.notebook_fd is not None:
        return _check_descriptor(args, settings)
    if args.sidecar_fd is not None:
        raise ReproError("--sidecar-fd needs --notebook-fd")
    missing = [t for t in args.targets if not os.path.exists(t)]
    if missing:
        raise ReproError(f"no such file or directory: {', '.join(missing)}")
    paths = collect_notebooks(
        args.targets, settings.skip, base_dir=os.path.dirname(settings.source) if settings.source else None
    )
    if not paths:
        raise ReproError(f"no notebooks found in {', '.join(args.targets)}")
    options = settings.check_options()
    if args.env or args.attribute:
        return _check_env(args, paths, options, settings.jobs)
    if args.progress_jsonl and args.cache is None and settings.executor_spec().kind == "serial":
        # Machine-readable progress on stderr, one JSON object a line: what the server
        # extension relays to the lab panel while a check runs.
        from .check.parallel import check_one

        results = [check_one(path, options, on_cell_start=_progress_line) for path in paths]
        return _report(args, results, options.compare)
    return _report(args, _check_scaled(args, paths, options, settings), options.compare)


def _check_descriptor(args: argparse.Namespace, settings: Settings) -> int:
    """``check --notebook-fd N [--sidecar-fd M] -- PATH``: the server's check of one notebook.

    The content comes from the descriptors (what the server verified inside its root);
    PATH names the notebook in the result and is where its kernel runs, and is never
    opened: by now it could name another file.
    """
    from .check.discovery import is_skipped
    from .check.parallel import check_one
    from .check.pipeline import NotebookContent

    if len(args.targets) != 1:
        raise ReproError("--notebook-fd checks exactly one notebook: give its path once")
    path = args.targets[0]
    if is_skipped(path, settings.skip, os.path.dirname(settings.source) if settings.source else None):
        raise ReproError(f"no notebooks found in {path} (skipped by {settings.source})")
    content = NotebookContent(
        notebook=_read_descriptor(args.notebook_fd, "notebook"),
        sidecar=_read_descriptor(args.sidecar_fd, "record (sidecar)") if args.sidecar_fd is not None else None,
    )

    options = settings.check_options()
    if settings.executor_spec().kind != "serial":
        # c.ReproNBServer.executor: the executor's workers open the notebook by its path,
        # so only while that path still holds exactly what the server opened and judged
        if not _same_content(path, content.notebook):
            raise ReproError(f"{path} changed since the check was requested: check it again")
        return _report(args, _check_scaled(args, [path], options, settings), options.compare)
    result = check_one(path, options, on_cell_start=_progress_line if args.progress_jsonl else None, content=content)
    if args.attribute and result.verdict in ("drifted", "failed"):
        # Attribution re-runs the notebook by its path in a restored environment: only
        # while that path still holds exactly what the server opened and judged.
        if _same_content(path, content.notebook):
            result = _attributed(args, [result], options)[0]
        else:
            _say(f"{path} changed since the check was requested: not re-checked in its restored environment")
    return _report(args, [result], options.compare)


def _same_content(path: str, expected: bytes) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read() == expected
    except OSError:
        return False


def _progress_line(index: int, total: int) -> None:
    """``--progress-jsonl``: a cell starts (what the server relays to the panel)."""
    print(json.dumps({"event": "cell", "index": index, "total": total}), file=sys.stderr, flush=True)


def _read_descriptor(fd: int, what: str) -> bytes:
    try:
        with os.fdopen(fd, "rb") as handle:
            return handle.read()
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ReproError(f"cannot read the {what} from descriptor {fd}: {reason}") from None


def cmd_diff(args: argparse.Namespace) -> int:
    from .check.pipeline import diff_notebooks

    settings = _settings(args)
    _check_report_paths(args)
    compare = settings.compare_options()
    result = diff_notebooks(args.expected, args.actual, compare)
    status = _report(args, [result], compare)
    if args.web:
        return _serve_web_diff(args, result, compare) or status
    return status


def _serve_web_diff(args: argparse.Namespace, result: Any, compare: Any) -> int:
    """``diff --web``: nbdime's web app on the prepared pair (:mod:`repro_nb.report.nbdime_diff`)."""
    import tempfile

    from nbdime.webapp import nbdiffweb

    from .report.nbdime_diff import diff_view, write_pair

    view = diff_view(result, compare, "all" if args.all_cells else "drifted")
    if view is None:
        raise ReproError(f"cannot show a web diff: {result.message}")
    if not view.cells:
        print("repro-nb: no cell drifted; nothing to show (--all-cells shows every cell)", file=sys.stderr)
        return EXIT_OK
    with tempfile.TemporaryDirectory(prefix="repro-nb-diff-") as directory:
        base, remote = write_pair(directory, view)
        argv = ["--port", str(args.port), "--workdirectory", directory]
        if args.browser:
            argv += ["--browser", "disabled" if args.browser == "none" else args.browser]
        print(
            f"repro-nb: nbdime's web diff of {len(view.cells)} cell(s), masks applied; close the page or press Ctrl+C to stop",
            file=sys.stderr,
            flush=True,
        )
        with _stopped_by_signals():
            nbdiffweb.main([*argv, os.path.basename(base), os.path.basename(remote)])
    return EXIT_OK


@contextlib.contextmanager
def _stopped_by_signals() -> Iterator[None]:
    """SIGTERM and SIGHUP stop the web app's event loop, then end the CLI as usual.

    A plain signal handler runs only when the main thread next runs Python code; while
    tornado waits in epoll and the signal lands on one of its threads, that may be never.
    asyncio's own signal handling wakes the loop (a wakeup fd), so the loop stops, the
    temporary pair is removed and :class:`~repro_nb.check.processes.Terminated` follows.
    """
    import asyncio
    import signal

    from .check.processes import Terminated

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)  # what tornado's IOLoop.current() runs on
    received: list[int] = []
    signals = [s for s in (signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s is not None]
    previous = {sig: signal.getsignal(sig) for sig in signals}

    def stop(signum: int) -> None:
        received.append(signum)
        loop.stop()

    for sig in signals:
        loop.add_signal_handler(sig, stop, sig)
    try:
        yield
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)
            signal.signal(sig, previous[sig])
        loop.close()
    if received:
        raise Terminated(received[0])


def _report(args: argparse.Namespace, results: list[Any], compare: Any = None) -> int:
    from .report import terminal

    if getattr(args, "quiet", False):
        sys.stdout.write(terminal.summary_table(results, terminal.use_color(sys.stdout)) + "\n")
    else:
        terminal.render(results, sys.stdout)
    if args.json:
        from .report.json_report import write_json

        write_json(args.json, results, command=" ".join(sys.argv))
    if args.html:
        from .report.html import write_html

        write_html(args.html, results, compare=compare)
    if args.junit:
        from .report.junit import write_junit

        write_junit(args.junit, results)
    if getattr(args, "executed", None):
        from .report.nbdime_diff import write_executed

        for result in results:
            write_executed(args.executed, result, compare or _settings(args).compare_options())
    return max((r.exit_code for r in results), default=EXIT_OK)


def cmd_seeds(args: argparse.Namespace) -> int:
    from .check.seeds import SeedsOptions, parse_seeds, study, study_path
    from .format.files import read_notebook
    from .format.record import read_record
    from .report import seeds as seeds_report

    settings = _settings(args)
    seeds = parse_seeds(args.seeds)
    for output in (args.json, args.html):
        if output:
            _check_writable(output)
    nb = read_notebook(args.notebook)
    if read_record(nb, args.notebook) is None:
        _say(
            f"{args.notebook} has no repro-nb record: the stored values are unknown, only the seeds' runs are compared"
        )
    options = SeedsOptions(
        seeds=seeds,
        timeout=settings.timeout or None,
        startup_timeout=settings.startup_timeout,
        kernel_name=settings.kernel,
    )
    jobs = settings.jobs if args.jobs is None else args.jobs
    if jobs < 1:
        raise ReproError("--jobs must be at least 1")

    def progress(run: Any) -> None:
        _say(f"seed {run.seed}: {run.status} ({run.duration_s:.1f} s)" + (f": {run.error}" if run.error else ""))

    result = study(
        args.notebook, options, jobs=jobs, on_run=progress if sys.stderr.isatty() or len(seeds) > 1 else None
    )
    print(seeds_report.terminal(result))
    if not args.no_save:
        seeds_report.write_json(study_path(args.notebook), result)
    if args.json:
        seeds_report.write_json(args.json, result)
    if args.html:
        seeds_report.write_html(args.html, result)
    return result.exit_code


def cmd_report(args: argparse.Namespace) -> int:
    from .check.discovery import collect_notebooks
    from .check.stars import check_path, rate
    from .report import badge, reproducibility

    settings = _settings(args)
    missing = [t for t in args.targets if not os.path.exists(t)]
    if missing:
        raise ReproError(f"no such notebook or directory: {', '.join(missing)}")
    notebooks = collect_notebooks(args.targets, settings.skip)
    notebooks = [n for n in notebooks if not n.endswith(".executed.ipynb")]
    if not notebooks:
        raise ReproError(f"no notebooks in {', '.join(args.targets)}")
    first = args.targets[0]
    base = first if os.path.isdir(first) else os.path.dirname(os.path.abspath(first))
    default = {"md": "REPRODUCIBILITY.md", "html": "REPRODUCIBILITY.html", "json": "reproducibility.json"}[args.format]
    output = args.output or os.path.join(base, default)
    if output != "-":
        _check_writable(output)
    if args.badge:
        _check_writable(args.badge)
    if args.check:
        from .check.parallel import check_many
        from .report.json_report import write_json

        jobs = settings.jobs if args.jobs is None else args.jobs
        for result in check_many(notebooks, settings.check_options(), jobs=max(1, jobs)):
            write_json(check_path(result.path), [result], command="repro-nb report --check")
            _say(f"{result.path}: {result.verdict} (kept in {check_path(result.path)})")
    ratings = [rate(path, dict(settings.labels)) for path in notebooks]
    text = {
        "md": lambda: reproducibility.markdown(ratings, base),
        "html": lambda: reproducibility.html(ratings, base),
        "json": lambda: reproducibility.json_text(ratings),
    }[args.format]()
    if output == "-":
        sys.stdout.write(text)
    else:
        from .format.files import atomic_write_text

        atomic_write_text(output, text)
        for r in ratings:
            print(
                f"{r.path}: {badge.stars_text(r.score)} {r.score}/5"
                + (f"; next: {r.next_steps[0]}" if r.next_steps else "")
            )
        print(f"repro-nb: wrote {output}")
    if args.badge:
        from .format.files import atomic_write_text

        atomic_write_text(args.badge, badge.svg(min(r.score for r in ratings)))
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    from .format import summary
    from .format.files import read_notebook
    from .format.record import read_record

    nb = read_notebook(args.notebook)
    record = read_record(nb, args.notebook)
    if record is None:
        raise ReproError(
            f"{args.notebook} has no repro-nb record (run it with `repro-nb run` or record it with %load_ext repro_nb)"
        )
    if args.json:
        print(
            json.dumps(
                {"notebook": record.notebook, "cells": {str(k): v for k, v in sorted(record.cells.items())}}, indent=1
            )
        )
    else:
        print(summary.to_text(record.notebook))
    return EXIT_OK


# ------------------------------------------------------------------ environments


def _env_source_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as-of",
        metavar="DATE",
        help="without a record: choose versions as of DATE (default: the notebook's last git commit, else its file time)",
    )
    parser.add_argument(
        "--nearest", action="store_true", help="take the nearest installable version of a pin that cannot be had here"
    )


def _env_check_args(check: argparse.ArgumentParser) -> None:
    env = check.add_mutually_exclusive_group()
    env.add_argument(
        "--env",
        metavar="recorded|inferred|DIR",
        help="check in a restored environment: the record's versions, versions inferred from the code, or a DIR restored before",
    )
    env.add_argument(
        "--attribute",
        nargs="?",
        const="auto",
        choices=["auto", "recorded", "inferred"],
        help="when a notebook drifts or fails, re-check it in its restored recorded (or inferred) environment and "
        "bisect the changed packages to name the ones responsible",
    )
    check.add_argument(
        "--probe-budget",
        type=int,
        default=None,
        metavar="N",
        help="--attribute: at most N restores + re-checks (default 8)",
    )
    _env_source_args(check)


def _env_parser(sub: Any) -> None:
    env = sub.add_parser("env", help="export or restore a notebook's environment")
    actions = env.add_subparsers(dest="env_command", required=True, parser_class=_Parser)
    export = actions.add_parser(
        "export", help="the exact pins the notebook imported (or inferred from its code), and its Python"
    )
    export.add_argument("notebook")
    export.add_argument(
        "--format",
        choices=["requirements", "pylock", "conda"],
        default="requirements",
        help="requirements.txt (default), PEP 751 pylock.toml, or conda environment.yml",
    )
    export.add_argument("-o", "--output", metavar="FILE", help="write to FILE (default: standard output)")
    _env_from_arg(export)
    export.add_argument(
        "--as-of",
        metavar="DATE",
        help="without a record: choose versions as of DATE (default: the notebook's last git commit, else its file time)",
    )
    restore = actions.add_parser(
        "restore", help="a virtual environment with those versions (uv), ipykernel and the recorder, and its kernel"
    )
    restore.add_argument("notebook")
    restore.add_argument(
        "directory", nargs="?", metavar="DIR", help="where (default: a cache directory named by the lock's hash)"
    )
    _env_from_arg(restore)
    restore.add_argument(
        "--no-register",
        action="store_true",
        help="do not register the kernel with Jupyter (it is still in DIR/share/jupyter)",
    )
    _env_source_args(restore)


def _say(text: str) -> None:
    print(f"repro-nb: {text}", file=sys.stderr, flush=True)


def cmd_env(args: argparse.Namespace) -> int:
    from .check.env import export as env_export

    if args.env_command == "export":
        if args.output:
            _check_writable(args.output)
        spec = env_export.environment_of(args.notebook, args.source, as_of=args.as_of)
        text = env_export.render(spec, args.format)
        if args.output:
            from .format.files import atomic_write_text

            atomic_write_text(args.output, text)
            _say(
                f"{spec.origin} environment of {args.notebook} ({len(spec.pins)} pins, Python {spec.python or 'unknown'}) → {args.output}"
            )
        else:
            sys.stdout.write(text)
        return EXIT_OK
    from .check.env.attribute import EnvOptions, spec_for
    from .check.env.restore import restore

    spec = spec_for(args.notebook, EnvOptions(source=args.source, as_of=args.as_of))
    env = restore(spec, args.directory, nearest=args.nearest, register=not args.no_register, on_step=_say)
    how = "reused from the cache" if env.cached else f"restored with {env.installer}"
    print(
        f"repro-nb: {spec.origin} environment of {args.notebook}: {len(env.spec.pins)} pinned distribution(s), "
        f"Python {env.python_version}; {how} in {env.duration_s:.1f} s → {env.directory}\n"
        f"repro-nb: kernel {env.kernel_name!r}"
        + (f" registered in {env.registered_in}" if env.registered_in else "")
        + f"; check with it: repro-nb check {args.notebook} --env {env.directory}"
    )
    return EXIT_OK


def _check_env(args: argparse.Namespace, paths: list[str], options: Any, jobs: int) -> int:
    """``check --env`` (each notebook in its restored environment) and ``check --attribute``."""
    from .check.env.attribute import EnvOptions, check_in_env

    _probe_budget(args)  # a bad budget is refused before any notebook runs
    if args.env:
        directory = args.env if args.env not in ("recorded", "inferred", "auto") else None
        if directory and not os.path.isdir(directory):
            raise ReproError(f"--env {args.env}: not recorded, inferred, or an environment directory")
        env = EnvOptions(
            source="auto" if directory else args.env, directory=directory, as_of=args.as_of, nearest=args.nearest
        )
        results = [check_in_env(path, options, env, on_step=_say) for path in paths]
        return _report(args, results, options.compare)
    from .check.parallel import check_many

    progress = _Progress(len(paths))
    results = check_many(paths, options, jobs=jobs, on_result=progress.update)
    progress.close()
    return _report(args, _attributed(args, results, options), options.compare)


def _attributed(args: argparse.Namespace, results: list[Any], options: Any) -> list[Any]:
    """``--attribute``: each drifted or failed result re-checked in its restored environment."""
    from .check.env.attribute import EnvOptions, attribute

    budget = _probe_budget(args)
    env = EnvOptions(source=args.attribute, as_of=args.as_of, nearest=args.nearest, budget=budget)
    attributed = []
    for result in results:
        if result.verdict in ("drifted", "failed"):
            _say(f"{result.path} {result.verdict}: re-checking in its restored environment (at most {budget} probes)")
            result = attribute(result.path, result, options, env, on_step=_say)
        attributed.append(result)
    return attributed


def _probe_budget(args: argparse.Namespace) -> int:
    from .check.env.attribute import DEFAULT_BUDGET

    budget = int(args.probe_budget if args.probe_budget is not None else DEFAULT_BUDGET)
    if budget < 1:
        raise ReproError("--probe-budget must be at least 1")
    return budget


# ------------------------------------------------------------------ at scale (docs/scale.md)


def _env_from_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--from",
        dest="source",
        choices=["auto", "recorded", "inferred"],
        default="auto",
        help="the record's versions, or inferred from the code (default: the record when there is one)",
    )


def _scale_args(check: argparse.ArgumentParser) -> None:
    check.add_argument(
        "--dask", metavar="SCHEDULER", help="check on Dask: local[:N] (a LocalCluster) or tcp://host:8786"
    )
    check.add_argument("--executor", metavar="SPEC", help=HELP["executor"])
    check.add_argument("--ship", action="store_true", default=None, help=HELP["ship"])
    check.add_argument(
        "--cache",
        nargs="?",
        const="",
        metavar="DIR",
        help="reuse the results of notebooks whose inputs did not change; DIR default: [tool.repro-nb] cache, "
        "else .repro-nb-cache beside pyproject.toml (put --cache after the notebooks, or write --cache=DIR)",
    )
    check.add_argument(
        "--cache-trust-unrecorded", action="store_true", default=None, help=HELP["cache_trust_unrecorded"]
    )


def _check_scale_args(args: argparse.Namespace) -> None:
    if args.dask and args.executor:
        raise ReproError("--dask and --executor both say where to check: give one")
    if args.jobs is not None and (args.dask or args.executor):
        raise ReproError("--jobs is for local processes; with --dask the cluster's workers run the checks")
    if args.cache is not None and (args.env or args.attribute):
        raise ReproError("--cache does not apply to --env or --attribute: those always re-run")


def _check_scaled(args: argparse.Namespace, paths: list[str], options: Any, settings: Settings) -> list[Any]:
    """The executor ``settings`` name (serial, --jobs, --dask), with ``--cache`` when given."""
    from .check.batch import check_all
    from .check.cache import CheckCache, summarize
    from .check.executors import open_executor
    from .check.fingerprint import Fingerprinter

    progress = _Progress(len(paths))
    with open_executor(settings.executor_spec(), on_note=_say) as executor:
        cache = None
        if args.cache is not None:
            fingerprinter = Fingerprinter(
                options, trust_unrecorded=settings.cache_trust_unrecorded, facts=executor.facts()
            )
            directory = settings.cache_directory(args.cache or None)
            cache = CheckCache(directory, fingerprinter, project_dir=settings.project_dir(), on_note=_say)
        misses: list[Any] = []
        roots = [target for target in args.targets if os.path.isdir(target)]
        results = check_all(
            paths, options, executor, cache=cache, on_result=progress.update, on_miss=misses.append, roots=roots
        )
    progress.close()
    if cache is not None:
        for line in summarize(len(paths), misses):
            _say(line)
    return results


class _Progress:
    """A progress bar on a terminal; one line per notebook otherwise (CI logs)."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self._bar: Any = None
        if total > 1 and sys.stderr.isatty():
            from tqdm import tqdm

            # No monitor thread: with no thread running, --jobs workers can be forked
            # (see check.parallel._pool_context) instead of spawned.
            tqdm.monitor_interval = 0
            self._bar = tqdm(total=total, unit="nb", desc="checking", file=sys.stderr, leave=False)

    def update(self, result: Any) -> None:
        self.done += 1
        if self._bar is not None:
            self._bar.update(1)
            self._bar.set_postfix_str(os.path.basename(result.path))
        elif self.total > 1:
            cached = " (cached)" if getattr(result, "cached", None) else ""
            print(f"[{self.done}/{self.total}] {result.path}: {result.verdict}{cached}", file=sys.stderr)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def entry() -> int:
    """The ``repro-nb`` command as a process: :func:`main`, and nothing it started outlives it.

    :func:`main` is what tests and other programs call in-process; this is what the
    console script and ``python -m repro_nb.cli`` run. It owns the process: signals,
    the children it adopts, the server's pipe (:func:`repro_nb.check.processes.process_lifetime`).
    """
    from .check.processes import Terminated, process_lifetime

    try:
        with process_lifetime():
            return main()
    except Terminated as stop:
        print(f"repro-nb: terminated ({stop}); every process it started was stopped", file=sys.stderr)
        return stop.exit_code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(entry())
