"""What a failure says about its cause: a timeout, a dead kernel, the error a cell raised.

The error itself is the cell's failure (and its diff), never a cause: these rules read it
for what it tells — a name no cell defines, a module that is not installed, a file that
is not there, a network that cannot be reached — and say so with the evidence.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Mapping, Sequence
from typing import Any

from ...format.cellcode import defined_names
from ...format.cells import cell_source, is_code_cell
from ...format.record import Record
from ..evidence import Evidence
from .model import Cause
from .network import network_cause

_NAME_ERROR = re.compile(r"name '([^']+)' is not defined")
_MODULE_ERROR = re.compile(r"No module named '([^']+)'")
_IMPORT_NAME_ERROR = re.compile(r"cannot import name '([^']+)' from '([^']+)'")
_MISSING_FILE = re.compile(r"No such file or directory: '([^']+)'")


def where(origin: int | None, index: int) -> str:
    """How a message names the cell a cause comes from, seen from cell ``index``."""
    if origin is None:
        return "the notebook"
    return "this cell" if origin == index else f"cell {origin + 1}"


def failure_causes(index: int, failure: Mapping[str, Any], evidence: Evidence) -> list[Cause]:
    kind = failure.get("kind")
    ename, evalue = str(failure.get("ename", "")), str(failure.get("evalue", ""))
    if kind == "timeout":
        return [Cause("timeout", f"timed out: {evalue}", "high", index, evidence=(evalue,))]
    if kind in ("dead-kernel", "kernel-failed"):
        what = evalue or "the kernel died while running this cell"
        stderr = str(failure.get("stderr") or "").strip()
        facts = (what, f"the kernel's last words: {stderr.splitlines()[-1]}") if stderr else (what,)
        return [
            Cause("dead-kernel", f"{what} (out of memory? killed? a crash in native code?)", "high", index, {}, facts)
        ]
    causes: list[Cause] = []
    name = _NAME_ERROR.search(evalue) if ename in ("NameError", "UnboundLocalError") else None
    if name:
        causes.append(hidden_state_cause(index, name.group(1), evidence.stored_cells))
    if ename in ("ModuleNotFoundError", "ImportError"):
        causes.extend(_import_causes(index, ename, evalue, evidence.old))
    source = cell_source(evidence.stored_cells[index]) if 0 <= index < len(evidence.stored_cells) else ""
    network = network_cause(index, ename, evalue, str(failure.get("traceback", "")), source)
    if network is not None:
        causes.append(network)
    interactive = _interactive_cause(index, ename, evalue, source)
    if interactive is not None:
        causes.append(interactive)
    missing = _MISSING_FILE.search(evalue) if ename in ("FileNotFoundError", "OSError", "IOError") else None
    if missing and evidence.old is None:
        # With a record, the recorded reads say it (a data-missing cause); without one,
        # the error does.
        path = missing.group(1)
        causes.append(
            Cause(
                "data-missing",
                f"the file {path} this cell reads does not exist here",
                "medium",
                index,
                {"path": path, "status": "missing"},
                (f"{ename}: {evalue}",),
            )
        )
    return causes


#: What waits for someone to type: the debugger, input(), a breakpoint, a password prompt.
_INTERACTIVE = re.compile(r"^\s*%(?:debug|pdb)\b|\b(?:input|getpass|breakpoint)\(|\bpdb\.set_trace\(", re.M)


def _interactive_cause(index: int, ename: str, evalue: str, source: str) -> Cause | None:
    """A cell that asks for input: papermill and nbclient run without stdin, so nobody answers.

    IPython says so with ``StdinNotImplementedError``; a ``%pdb`` cell lets another error
    through first, so the cell's code is read too.
    """
    asked = _INTERACTIVE.search(source)
    if ename != "StdinNotImplementedError" and asked is None:
        return None
    facts = [f"{ename}: {evalue}"[:200]] if ename == "StdinNotImplementedError" else []
    if asked is not None:
        facts.append(f"the cell runs {asked.group(0).strip()!r}")
    return Cause(
        "environment",
        "the cell asks for interactive input (the debugger, input(), a breakpoint): a headless re-run has no one "
        "to answer it",
        "high" if ename == "StdinNotImplementedError" else "medium",
        index,
        {"field": "stdin"},
        tuple(facts),
    )


def _import_causes(index: int, ename: str, evalue: str, old: Record | None) -> list[Cause]:
    module = _MODULE_ERROR.search(evalue)
    if module:
        full = module.group(1)
        top = full.partition(".")[0]
        recorded = _recorded_module(top, old)
        if top != full and _installed(top):
            # the package is there, the submodule is not: another version of it
            return [
                Cause(
                    "package-changed",
                    f"{top} is installed but has no module {full!r}: it was removed or renamed in the installed version",
                    "medium",
                    index,
                    {"module": full, "distribution": recorded[0] if recorded else None},
                    (f"{ename}: {evalue}", f"import {top} works here"),
                )
            ]
        note = f" (recorded: {recorded[0]} {recorded[1]})" if recorded else ""
        facts = [f"{ename}: {evalue}"]
        if recorded:
            facts.append(f"recorded: {top} imported from {recorded[0]} {recorded[1]}")
        return [
            Cause(
                "package-missing",
                f"module {top!r} is not installed{note}",
                "high",
                index,
                {
                    "module": top,
                    "distribution": recorded[0] if recorded else None,
                    "old": recorded[1] if recorded else None,
                    "new": None,
                },
                tuple(facts),
            )
        ]
    name = _IMPORT_NAME_ERROR.search(evalue)
    if name:
        top = name.group(2).partition(".")[0]
        return [
            Cause(
                "package-changed",
                f"{name.group(2)} has no {name.group(1)!r} in the installed version: it was removed or renamed",
                "medium",
                index,
                {"module": name.group(2), "name": name.group(1), "distribution": top},
                (f"{ename}: {evalue}",),
            )
        ]
    return []


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def _recorded_module(module: str, old: Record | None) -> tuple[str, str | None] | None:
    if old is None:
        return None
    for cell in old.cells.values():
        for item in cell.get("imports", []):
            distribution = item.get("distribution")
            if item.get("module") == module and distribution:
                return distribution, item.get("version")
    return None


def hidden_state_cause(index: int, name: str, cells: Sequence[Mapping[str, Any]]) -> Cause:
    """A name the cell lacks: defined nowhere, only below, or not before it runs."""
    definers = [i for i, cell in enumerate(cells) if is_code_cell(cell) and name in defined_names(cell_source(cell))]
    later = [i for i in definers if i > index]
    if definers and not [i for i in definers if i < index] and later:
        return Cause(
            "hidden-state",
            f"{name!r} is defined only in a later cell ({later[0] + 1}): the stored notebook was run out of order",
            "high",
            later[0],
            {"name": name},
            (f"NameError: {name!r}", f"cell {later[0] + 1} defines {name!r}; no cell above this one does"),
        )
    if not definers:
        return Cause(
            "hidden-state",
            f"no cell defines {name!r}: the saved outputs depended on state from a "
            "deleted cell or an interactive session",
            "high",
            index,
            {"name": name},
            (f"NameError: {name!r}", f"no cell of the notebook assigns, imports or defines {name!r}"),
        )
    return Cause(
        "hidden-state",
        f"{name!r} is not defined when this cell runs",
        "medium",
        index,
        {"name": name},
        (f"NameError: {name!r}",),
    )


def error_gone_cause(index: int, stored_cell: Mapping[str, Any], actual_cell: Mapping[str, Any] | None) -> Cause | None:
    """The stored notebook shows an error here that the re-run no longer raises."""
    stored = [o for o in stored_cell.get("outputs", []) if o.get("output_type") == "error"]
    if not stored or actual_cell is None:
        return None
    if any(o.get("output_type") == "error" for o in actual_cell.get("outputs", [])):
        return None
    error = stored[0]
    shown = f"{error.get('ename', '')}: {error.get('evalue', '')}".rstrip(": ")
    return Cause(
        "error-gone",
        f"the stored notebook shows {shown} here, on purpose or not; the re-run no longer raises it",
        "high",
        index,
        {"ename": error.get("ename"), "evalue": error.get("evalue")},
        (f"stored error output: {shown}", "the re-run's outputs hold no error"),
    )
