"""Proof by re-run: check a notebook in its restored environment, and name the package to blame.

``repro-nb check NB --env recorded|inferred|DIR`` (:func:`check_in_env`) runs the usual
check (:func:`repro_nb.check.pipeline.check_notebook`) with the restored environment's
kernel instead of the current one.

``repro-nb check NB --attribute`` (:func:`attribute`) starts where a check here ended
with drift or failure. Suspecting the environment is cheap (the record says numpy moved
from 1.26.4 to 2.4.6); *proving* it takes a re-run: restore the recorded (or inferred)
environment and check again there. Cells that come back were broken by the environment —
a cause of kind ``environment-confirmed``; cells that still drift were not. Then delta
debugging (:mod:`.ddmin`) over the distributions whose versions differ finds the
smallest set that, moved back alone, makes those cells reproduce: each probe a restore
(cached by its pins) and a re-check, at most ``budget`` of them, progress reported as
they go.

What "the current environment" is for a probe: the recorded pins at the versions
installed here. The check that found the drift ran in the real current environment, and
is taken as the answer for "nothing moved back".
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib import metadata

from packaging.version import InvalidVersion, Version

from ...errors import ReproError
from ...format.check_types import AttributionJson, ProbeJson, VersionChangeJson
from ..causes import Cause
from ..options import CheckOptions
from ..pipeline import check_notebook
from ..results import NotebookResult
from .ddmin import ddmin
from .export import EnvSource, environment_of
from .restore import RestoredEnv, adopt, kernel_visible, restore
from .spec import EnvSpec, Pin, local_python, minor_of, normalize_name

Progress = Callable[[str], None]

#: Probes an attribution may make by default, the confirming re-check included: enough
#: for one culprit among ~50 changed distributions, or two among ~10.
DEFAULT_BUDGET = 8


@dataclass(frozen=True)
class EnvOptions:
    """How ``--env`` / ``--attribute`` find and restore the environment."""

    source: EnvSource = "auto"
    directory: str | None = None
    """``--env DIR``: an environment restored before, used as it is."""
    as_of: str | None = None
    nearest: bool = False
    budget: int = DEFAULT_BUDGET


def spec_for(path: str, env: EnvOptions) -> EnvSpec:
    """The environment to restore for ``path``; inferred versions resolved for the local Python."""
    return environment_of(path, env.source, as_of=env.as_of, python=minor_of(local_python()))


def check_in_env(path: str, options: CheckOptions, env: EnvOptions, on_step: Progress | None = None) -> NotebookResult:
    """``check --env``: restore the notebook's environment, then check it with that kernel."""
    start = time.perf_counter()
    try:
        if env.directory:
            restored = adopt(env.directory, _spec_or_empty(path, env), on_step)
        else:
            restored = restore(spec_for(path, env), nearest=env.nearest, on_step=on_step)
    except ReproError as exc:
        return NotebookResult(
            path, "error", message=f"cannot restore the environment: {exc}", duration_s=time.perf_counter() - start
        )
    result = _check_with(path, options, restored)
    result.duration_s = time.perf_counter() - start
    return result


def _spec_or_empty(path: str, env: EnvOptions) -> EnvSpec:
    """What the notebook's environment is said to be, for naming the kernel; nothing resolves."""
    try:
        return environment_of(path, "recorded")
    except ReproError:
        return EnvSpec("inferred", (), notebook=path)


def _check_with(path: str, options: CheckOptions, restored: RestoredEnv) -> NotebookResult:
    with kernel_visible(restored) as kernel:
        result = check_notebook(path, replace(options, kernel_name=kernel))
    result.restored_environment = restored.to_json()
    if restored.python_note:
        result.warnings.append(restored.python_note)
    for name, (wanted, used) in restored.substituted.items():
        result.warnings.append(f"{name} {wanted} cannot be had here: checked with {used} (--nearest)")
    return result


# ------------------------------------------------------------------ attribution


@dataclass
class _Probe:
    moved_back: tuple[str, ...]
    result: NotebookResult | None
    duration_s: float
    cached: bool
    note: str | None = None
    answer: bool | None = None
    """Whether the cells in question reproduced (``None``: the probe could not run)."""

    def reproduced(self, cells: Iterable[int]) -> bool | None:
        if self.result is None or self.result.verdict == "error":
            return None
        status = {c.index: c.status for c in self.result.cells}
        return all(status.get(index) in ("reproduced", "skipped") for index in cells)


@dataclass
class _Prober:
    """Restores and re-checks environments between the recorded and the current one, cached."""

    path: str
    spec: EnvSpec
    current: Mapping[str, str | None]
    options: CheckOptions
    env: EnvOptions
    say: Progress
    log: list[_Probe] = field(default_factory=list)
    memo: dict[frozenset[str], _Probe] = field(default_factory=dict)

    def probe(self, moved_back: Sequence[str], number: int) -> _Probe:
        key = frozenset(moved_back)
        if key in self.memo:
            return self.memo[key]
        back = set(moved_back)
        spec = self.spec.with_versions(
            {pin.name: self.current.get(pin.key) for pin in self._changed() if pin.key not in back}
        )
        what = ", ".join(moved_back) if len(back) < len(self._changed()) else "all changed distributions"
        self.say(f"probe {number}/{self.env.budget}: restoring with {what} moved back")
        start = time.perf_counter()
        try:
            restored = restore(spec, nearest=False)
        except ReproError as exc:
            probe = _Probe(tuple(moved_back), None, time.perf_counter() - start, False, str(exc))
        else:
            result = _check_with(self.path, self.options, restored)
            probe = _Probe(tuple(moved_back), result, time.perf_counter() - start, restored.cached)
        self.memo[key] = probe
        self.log.append(probe)
        return probe

    def test(self, moved_back: Sequence[str], number: int, cells: Sequence[int]) -> bool | None:
        """Whether ``cells`` reproduce with only ``moved_back`` at their restored versions."""
        probe = self.probe(moved_back, number)
        probe.answer = probe.reproduced(cells)
        self.say(f"  → {'reproduced' if probe.answer else 'could not run' if probe.answer is None else 'still drifts'}")
        return probe.answer

    def _changed(self) -> list[Pin]:
        return [pin for pin in self.spec.pins if self.current.get(pin.key) != pin.version]


def current_versions(spec: EnvSpec, result: NotebookResult) -> dict[str, str | None]:
    """The version here of each distribution ``spec`` pins (``None``: not installed here).

    The check's own package drift says it for a recorded environment (the versions the
    re-run's kernel imported); otherwise what this environment has installed.
    """
    drift = {normalize_name(p.distribution): p.new for p in result.packages}
    versions: dict[str, str | None] = {}
    for pin in spec.pins:
        if pin.key in drift:
            versions[pin.key] = drift[pin.key]
        elif spec.origin == "recorded" and result.has_record:
            versions[pin.key] = pin.version
        else:
            try:
                versions[pin.key] = metadata.version(pin.name)
            except metadata.PackageNotFoundError:
                versions[pin.key] = None
    return versions


def attribute(
    path: str,
    result: NotebookResult,
    options: CheckOptions,
    env: EnvOptions | None = None,
    on_step: Progress | None = None,
) -> NotebookResult:
    """Re-check a drifted or failed notebook in its restored environment and bisect the changes.

    Returns ``result`` with ``attribution`` set and, on each cell that came back, a cause
    of kind ``environment-confirmed`` first among its causes.
    """
    opts = env or EnvOptions()
    say = on_step or (lambda _text: None)
    if result.verdict not in ("drifted", "failed"):
        return result
    start = time.perf_counter()
    targets = sorted(c.index for c in result.cells if c.status in ("drifted", "failed") and c.index is not None)
    try:
        spec = spec_for(path, opts)
    except ReproError as exc:
        result.attribution = _not_restored(f"cannot infer or read the environment: {exc}", opts, start)
        return result
    current = current_versions(spec, result)
    changed = likely_first([pin for pin in spec.pins if current.get(pin.key) != pin.version], current, result, targets)
    changes = [_change(pin, current.get(pin.key)) for pin in changed]
    prober = _Prober(path, spec, current, options, opts, say)
    confirm = prober.probe([pin.key for pin in changed], 1)
    restored_json = confirm.result.restored_environment if confirm.result else None
    if confirm.result is None or confirm.result.verdict == "error":
        reason = confirm.note or (confirm.result.message if confirm.result else "")
        result.attribution = _not_restored(
            f"the {spec.origin} environment could not be restored: {reason}", opts, start
        )
        result.attribution["changed"] = changes
        result.attribution["probe_log"] = [_probe_json(p) for p in prober.log]
        return result
    back_status = {c.index: c.status for c in confirm.result.cells}
    back = [i for i in targets if back_status.get(i) in ("reproduced", "skipped")]
    still = [i for i in targets if i not in back]
    confirm.answer = bool(back)
    say(f"  → {_cells(back)} reproduced" if back else "  → nothing reproduced")
    attribution: AttributionJson = {
        "environment": spec.origin,
        "outcome": "confirmed" if back else "not-confirmed",
        "message": "",
        "cells_back": back,
        "cells_still": still,
        "changed": changes,
        "responsible": [],
        "minimal": False,
        "probes": 0,
        "budget": opts.budget,
        "duration_s": 0.0,
        "restored": restored_json,
    }
    if not back:
        attribution["message"] = (
            f"{_cells(targets)} also {_verb(result, targets)} in the restored {spec.origin} environment: "
            "the environment does not explain it"
        )
    elif not changed:
        attribution["message"] = (
            f"{_cells(back)} {_agree('reproduce', back)} in the restored {spec.origin} environment, where every "
            f"{spec.origin} distribution has the version it has here: something else in the environment "
            "(Python, an unrecorded package, the kernel) made them drift"
        )
        attribution["minimal"] = True
    else:
        number = iter(range(2, 10**6))
        search = ddmin(
            [pin.key for pin in changed],
            lambda subset: prober.test(subset, next(number), back),
            max(opts.budget - 1, 0),
        )
        chosen = set(search.subset)
        responsible = [c for c in changes if normalize_name(c["distribution"]) in chosen]
        attribution["responsible"] = responsible
        attribution["minimal"] = search.minimal
        attribution["message"] = _message(result, back, responsible, search.minimal, spec.origin)
    attribution["probes"] = len(prober.log)
    attribution["probe_log"] = [_probe_json(p) for p in prober.log]
    attribution["duration_s"] = round(time.perf_counter() - start, 3)
    result.attribution = attribution
    if back:
        _add_causes(result, attribution, spec)
    say(attribution["message"])
    return result


def likely_first(
    changed: list[Pin], current: Mapping[str, str | None], result: NotebookResult, cells: Sequence[int]
) -> list[Pin]:
    """The changed pins, the likeliest culprits first, so ddmin's first halves hold them:
    distributions the drifted cells imported, then the bigger version jumps."""
    imported = {normalize_name(p.distribution) for p in result.packages if any(i in cells for i in p.imported_by)}

    def jump(pin: Pin) -> int:
        try:
            old, new = Version(str(pin.version)), Version(str(current.get(pin.key)))
        except InvalidVersion:
            return 3
        for level, (a, b) in enumerate(zip((*old.release, 0, 0), (*new.release, 0, 0))):
            if a != b:
                return 3 - min(level, 3)
        return 0

    return sorted(changed, key=lambda pin: (pin.key not in imported, -jump(pin), pin.key))


def _change(pin: Pin, now: str | None) -> VersionChangeJson:
    return {"distribution": pin.name, "old": pin.version, "new": now}


def _not_restored(message: str, opts: EnvOptions, start: float) -> AttributionJson:
    return {
        "environment": "recorded" if opts.source != "inferred" else "inferred",
        "outcome": "not-restored",
        "message": message,
        "cells_back": [],
        "cells_still": [],
        "changed": [],
        "responsible": [],
        "minimal": False,
        "probes": 0,
        "budget": opts.budget,
        "duration_s": round(time.perf_counter() - start, 3),
        "restored": None,
    }


def _probe_json(probe: _Probe) -> ProbeJson:
    return {
        "moved_back": list(probe.moved_back),
        "reproduced": probe.answer,
        "duration_s": round(probe.duration_s, 3),
        "cached": probe.cached,
        "note": probe.note,
    }


def describe_changes(changes: Iterable[VersionChangeJson]) -> str:
    words = [f"{c['distribution']} {c['old']} → {c['new'] or 'not installed'}" for c in changes]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _names(changes: Sequence[VersionChangeJson]) -> str:
    names = [c["distribution"] for c in changes]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _verb(result: NotebookResult, cells: Sequence[int]) -> str:
    """``drifts`` / ``fail`` / ``drift or fail``: the verb, agreeing with how many cells."""
    statuses = {c.status for c in result.cells if c.index in set(cells)}
    verb = "fail" if statuses == {"failed"} else "drift" if statuses == {"drifted"} else "drift or fail"
    return _agree(verb, cells)


def _agree(verb: str, cells: Sequence[int]) -> str:
    if len(cells) != 1:
        return verb
    return " or ".join(word + "s" for word in verb.split(" or "))


def _message(
    result: NotebookResult, back: Sequence[int], responsible: Sequence[VersionChangeJson], minimal: bool, origin: str
) -> str:
    verb = _verb(result, back)
    if minimal:
        return (
            f"{_cells(back)} {verb} because of {describe_changes(responsible)} "
            f"(confirmed: with only {_names(responsible)} moved back, {_they(back)} {_agree('reproduce', back)})"
        )
    return (
        f"{_cells(back)} {verb} because of some of {describe_changes(responsible)} (confirmed: with these moved back "
        f"{_they(back)} {_agree('reproduce', back)}; the probe budget ran out before the smallest set was found)"
    )


def _they(cells: Sequence[int]) -> str:
    return "it" if len(cells) == 1 else "they"


def _cells(indices: Sequence[int]) -> str:
    """``cells 12–21, 23`` for 0-based indices 11…20 and 22 (1-based, as people count)."""
    numbers = sorted(i + 1 for i in indices)
    if not numbers:
        return "no cells"
    runs: list[str] = []
    first = last = numbers[0]
    for number in [*numbers[1:], None]:
        if number is not None and number == last + 1:
            last = number
            continue
        runs.append(f"{first}–{last}" if last > first else str(first))
        if number is not None:
            first = last = number
    return ("cell " if len(numbers) == 1 else "cells ") + ", ".join(runs)


def _add_causes(result: NotebookResult, attribution: AttributionJson, spec: EnvSpec) -> None:
    responsible = attribution["responsible"]
    names = sorted(normalize_name(c["distribution"]) for c in responsible)
    importers: dict[str, tuple[int, ...]] = {normalize_name(p.distribution): p.imported_by for p in result.packages}
    back = attribution["cells_back"]
    for cell in result.cells:
        if cell.index not in back:
            continue
        origins = [i for name in names for i in importers.get(name, ()) if i <= cell.index]
        if responsible:
            what = describe_changes(responsible)
            message = f"reproduces in the restored {spec.origin} environment: {what} made it {'fail' if cell.status == 'failed' else 'drift'}"
            if attribution["minimal"]:
                message += f" (confirmed: with only {_names(responsible)} moved back, {_cells(back)} {_agree('reproduce', back)})"
        else:
            message = attribution["message"]
        evidence = [
            f"re-checked in the restored {spec.origin} environment ({len(spec.pins)} pinned distributions): this cell reproduced"
        ]
        evidence += (
            [
                f"with only {_names(responsible)} moved back to {', '.join(str(c['old']) for c in responsible)}, it reproduced"
            ]
            if responsible
            else []
        )
        cause = Cause(
            "environment-confirmed",
            message,
            "high",
            max(origins) if origins else None,
            {
                "environment": spec.origin,
                "distributions": ",".join(names) if names else "environment",
                "responsible": list(responsible),
                "packages": list(attribution["changed"]),
                "minimal": attribution["minimal"],
            },
            tuple(evidence),
        )
        # The re-run settled what the version differences only suggested: the suspicions
        # give way to the proof, for the distributions it cleared as for the ones it named.
        cleared = {normalize_name(c["distribution"]) for c in attribution["changed"]}
        suspicions = [
            c
            for c in cell.causes
            if not (
                c.kind in ("package-changed", "package-missing")
                and normalize_name(str(c.details.get("distribution", ""))) in cleared
            )
        ]
        cell.causes = [cause, *suspicions]
