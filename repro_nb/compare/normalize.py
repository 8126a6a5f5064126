"""Masking of volatile output before two notebook outputs are compared.

A re-run of a notebook never prints the same timestamps, memory addresses, timings,
progress bars or temporary paths as the recorded run. Those differences say nothing
about whether the *results* reproduced, so they are replaced by stable placeholders
(``<TIMESTAMP>``, ``<ADDRESS>``, ...) on both sides before comparing.

Design choices:

- A normalizer is any callable ``(mime_type, text) -> text``; built-in masks are
  :class:`RegexMask` objects, third-party ones come from the entry-point group
  ``repro_nb.normalizers``. One :class:`NormalizerSet` applies them in order.
- Masks are conservative: a mask that hides a real change is worse than a false
  alarm, because nobody looks at what was masked.
- Each mask carries a cheap substring prefilter so that large outputs only pay for the
  regexes that can possibly match.
- Nothing here is configured by mutating module globals: every option produces a new
  frozen ``NormalizerSet``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Protocol

from ..format.text import ANSI_ESCAPE

__all__ = [
    "BUILTIN_MASKS",
    "ENTRY_POINT_GROUP",
    "MaskSpec",
    "Normalizer",
    "NormalizerSet",
    "PluginNormalizer",
    "RegexMask",
    "collapse_carriage_returns",
    "default_normalizer_set",
    "load_entry_point_normalizers",
]

ENTRY_POINT_GROUP = "repro_nb.normalizers"
USER_MASK_PLACEHOLDER = "<MASKED>"


class Normalizer(Protocol):
    """Anything that maps ``(mime_type, text)`` to a normalized text.

    The mime type is passed so that a normalizer can limit itself, e.g. to
    ``text/html``; streams are passed as ``stream/stdout`` and ``stream/stderr``.
    A plain function satisfies this protocol.
    """

    def __call__(self, mime: str, text: str) -> str: ...


@dataclass(frozen=True)
class RegexMask:
    """One named regex substitution, skipped when its prefilter cannot match.

    ``prefilter`` lists substrings of which at least one must occur in the text for
    the regex to possibly match; ``in`` on a string is a memchr-speed scan, a regex
    search over megabytes of output is not. An empty prefilter means "always run".

    ``probe`` is a second, cheaper gate: a regex that every match of ``pattern``
    contains and that ``re`` can scan quickly (it opens with a literal or a plain
    character set, not ``\\b`` or a lookbehind). Patterns opening with ``\\b`` are
    tried in full at every position, ten to fifty times slower on text where they
    never match.
    """

    name: str
    pattern: re.Pattern[str]
    replacement: str
    prefilter: tuple[str, ...] = ()
    probe: re.Pattern[str] | None = None

    def __call__(self, mime: str, text: str) -> str:
        if self.prefilter and not any(needle in text for needle in self.prefilter):
            return text
        if self.probe is not None and self.probe.search(text) is None:
            return text
        return self.pattern.sub(self.replacement, text)


@dataclass(frozen=True)
class PluginNormalizer:
    """A normalizer loaded from an entry point, kept with its name for reporting."""

    name: str
    function: Callable[[str, str], str]

    def __call__(self, mime: str, text: str) -> str:
        return self.function(mime, text)


def collapse_carriage_returns(mime: str, text: str) -> str:
    """Keep only what a terminal would show of lines overwritten with ``\\r``.

    Progress reporters redraw a line with ``\\r``; how many redraws land in the
    stored output depends on timing, so only the last visible segment of each line is
    meaningful. ``\\r\\n`` is a Windows newline, not an overwrite.
    """
    if "\r" not in text:
        return text
    lines = text.replace("\r\n", "\n").split("\n")
    return "\n".join(_last_visible_segment(line) for line in lines)


def _last_visible_segment(line: str) -> str:
    """The last non-empty ``\\r``-separated segment: a trailing ``\\r`` erases nothing."""
    if "\r" not in line:
        return line
    segments = [segment for segment in line.split("\r") if segment]
    return segments[-1] if segments else ""


@dataclass(frozen=True)
class _CarriageReturnMask:
    """Adapter giving :func:`collapse_carriage_returns` a name like the regex masks."""

    name: str = "carriage-return"

    def __call__(self, mime: str, text: str) -> str:
        return collapse_carriage_returns(mime, text)


def _mask(
    name: str,
    pattern: str,
    replacement: str,
    *prefilter: str,
    probe: str | None = None,
    flags: int = 0,
) -> RegexMask:
    compiled_probe = re.compile(probe) if probe is not None else None
    return RegexMask(name, re.compile(pattern, flags), replacement, prefilter, compiled_probe)


_TIME = r"\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?"
_TZ = r"(?:\s?(?:Z|[+-]\d{2}:?\d{2}|UTC|GMT))?"
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*"
_DAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*"
_TIME_UNIT = r"(?:ns|[µu]s|ms|s|sec|min|h)"

# Order matters: progress bars are collapsed before anything inside them is masked,
# and timings are masked before the generic duration mask sees their numbers.
BUILTIN_MASKS: tuple[Normalizer, ...] = (
    _mask("ansi", ANSI_ESCAPE.pattern, "", "\x1b"),
    _CarriageReturnMask(),
    # tqdm: " 45%|████▌     | 45/100 [00:01<00:02, 30.1it/s]" (any unit, any postfix)
    _mask(
        "progress",
        r"\d{1,3}%\|[^|\n]*\|[^\n\[]*\[[\d:]+<[\d:?]+[^\]\n]*\]",
        "<PROGRESS>",
        "%|",
    ),
    # tqdm without a total: "45it [00:01, 30.1it/s]"
    _mask(
        "progress",
        r"\b[\d.]+[kMG]?\w* \[[\d:]+, [^\]\n]*/(?:s|it)\]",
        "<PROGRESS>",
        "/s]",
        "/it]",
    ),
    # keras: "1875/1875 [====] - 2s 1ms/step" and "━━━━ 2s 1ms/step"
    _mask(
        "progress",
        r"\b\d+(?:\.\d+)?m?s(?: \d+(?:\.\d+)?[mµu]?s/step)",
        "<PROGRESS>",
        "/step",
    ),
    _mask("time-magic", r"CPU times: [^\n]*", "CPU times: <TIMING>", "CPU times:"),
    _mask("time-magic", r"Wall time: [^\n]*", "Wall time: <TIMING>", "Wall time:"),
    _mask(
        "timeit",
        r"[\d.]+ \S+ ± [\d.]+ \S+ per loop \(mean ± std\. dev\. of [\d,]+ runs?, "
        r"[\d,]+ loops? each\)",
        "<TIMEIT>",
        "per loop",
    ),
    _mask("timeit", r"[\d,]+ loops?, best of \d+: [\d.]+ \S+ per loop", "<TIMEIT>", "best of"),
    # IPython prints this warning on some runs only: remove the whole line, so that its
    # presence or absence is not drift.
    _mask(
        "timeit",
        r"The slowest run took [\d.]+ times longer than the fastest\.[^\n]*\n?",
        "",
        "slowest run",
    ),
    # ISO 8601 and its relatives: 2024-01-05T12:30:45.123+01:00, 2024/01/05 12:30:45,123,
    # 2024-01-05, 12:30:45 (a comma between date and time, as some loggers print)
    _mask(
        "timestamp",
        # The year is matched before its word-boundary check (a lookbehind): a pattern
        # opening with a plain character set is scanned several times faster.
        r"[12][0-9]{3}[-/](?<!\w[12][0-9]{3}[-/])[0-9]{2}[-/][0-9]{2}(?:[T ]|, )" + _TIME + _TZ + r"\b",
        "<TIMESTAMP>",
        ":",
        probe=r"[-/]\d\d[-/]\d\d[T ,] ?\d",
    ),
    # ctime / HTTP date: "Fri Jan  5 12:30:45 2024", "Fri, 05 Jan 2024 12:30:45 GMT"
    _mask(
        "timestamp",
        r"\b" + _DAY + r",? (?:" + _MONTH + r" +\d{1,2}|\d{1,2} " + _MONTH + r")"
        r"(?: \d{4})? " + _TIME + _TZ + r"(?: \d{4})?\b",
        "<TIMESTAMP>",
        ":",
        probe="Mon|Tue|Wed|Thu|Fri|Sat|Sun",
    ),
    # US style with time: "01/05/2024 12:30:45 PM", "1/5/24, 12:30 PM"
    _mask(
        "timestamp",
        r"\b\d{1,2}/\d{1,2}/\d{2,4},? " + _TIME + r"(?: ?[AP]M)?" + _TZ + r"\b",
        "<TIMESTAMP>",
        ":",
        probe=r"/\d{1,2}/\d{2,4},? \d{1,2}:\d\d",
    ),
    # uuid1 (time based) and uuid4 (random); uuid3/5 are deterministic and kept.
    _mask(
        "uuid",
        r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[14][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-"
        r"[0-9a-fA-F]{12}\b",
        "<UUID>",
        "-",
        probe=r"-[0-9a-fA-F]{4}-[14][0-9a-fA-F]{3}-[89abAB]",
    ),
    # Ids that HTML outputs generate afresh in every session: pandas Styler tables
    # (``T_1a2b3``), Bokeh models (``"p1042"``), Altair/Vega charts and hex element ids
    # (matplotlib's nbagg, plotly). Only in the attribute or selector where they occur.
    _mask("html-id", r"(?:(?<=#)T_[0-9a-f]{5}\b|\bT_[0-9a-f]{5}(?=[_\"']))", "T_<ID>", "T_", probe=r"T_[0-9a-f]{5}"),
    _mask("html-id", r"(?<=[\"'])p\d{4,}(?=[\"'])", "p<ID>", '"p', "'p", probe=r"[\"']p\d{4}"),
    _mask("html-id", r"(?<=altair-viz-)[0-9a-f]{32}\b", "<ID>", "altair-viz-"),
    _mask("html-id", r"(?<=\bid=[\"'])[0-9a-f]{32}(?=[\"'])", "<ID>", "id=", probe=r"id=[\"'][0-9a-f]{32}"),
    _mask(
        "address",
        r"\b0x[0-9a-fA-F]{8,16}\b",
        "<ADDRESS>",
        "0x",
        probe=r"0x[0-9a-fA-F]{8}",
    ),
    _mask("temp-path", r"(?:/private)?/var/folders/[\w-]+/[\w-]+/T/", "<TMPDIR>/", "/var/folders/"),
    _mask(
        "temp-path",
        r"\b[A-Za-z]:\\Users\\[^\\\s]+\\AppData\\Local\\Temp\\",
        "<TMPDIR>\\\\",
        "AppData",
    ),
    _mask("temp-path", r"(?<![\w./-])/(?:tmp|dev/shm)/", "<TMPDIR>/", "/tmp/", "/dev/shm/"),
    # tempfile.mkdtemp()/NamedTemporaryFile names: "tmp" + 8 random chars, as a path part
    _mask("temp-path", r"(?<=[/\\])tmp[a-z0-9_]{8}(?=[/\\\s'\"]|$)", "<TMPNAME>", "tmp"),
    _mask("temp-path", r"pytest-of-[^/\\\s]+[/\\]pytest-\d+", "<PYTEST-TMP>", "pytest-of-"),
    # ipykernel's per-cell file in tracebacks: /tmp/ipykernel_1234/3456789.py
    _mask(
        "temp-path",
        r"ipykernel_\d+[/\\]\d+\.py",
        "ipykernel_<PID>/<CELL>.py",
        "ipykernel_",
    ),
    # Only durations introduced by a word saying so ("took 1.2s", "in 0.52 seconds",
    # "elapsed: 3 ms"): a bare "5 s" may be a result. "m" is not a unit (metres).
    _mask(
        "duration",
        r"\b(took|in|after|elapsed|elapsed time|duration|runtime|time taken)(:?\s+)"
        r"\d+(?:\.\d+)?\s?(?:nanoseconds?|microseconds?|milliseconds?|seconds?|secs?|"
        r"minutes?|mins?|" + _TIME_UNIT + r")\b",
        r"\1\2<DURATION>",
        "n ",  # "in ", "taken ", "duration " (and almost any prose: checked first)
        "ook",
        "fter",
        "lapsed",
        "uration",
        "untime",
        "aken",
        flags=re.IGNORECASE,
    ),
)


def _name_of(normalizer: Normalizer) -> str:
    """A display name: ``name`` attribute, else the function name, else the type."""
    name = getattr(normalizer, "name", None) or getattr(normalizer, "__name__", None)
    return str(name) if name else type(normalizer).__name__


BUILTIN_MASK_NAMES: tuple[str, ...] = tuple(dict.fromkeys(_name_of(m) for m in BUILTIN_MASKS))

MaskSpec = str | tuple[str, str]
"""A user mask: a pattern (replaced by ``<MASKED>``) or ``(pattern, replacement)``."""


def compile_user_mask(spec: MaskSpec) -> RegexMask:
    """Compile one user mask, naming the offending pattern if it is not a valid regex.

    A configuration typo should fail loudly at load time, with the pattern quoted,
    rather than deep inside a comparison.
    """
    pattern, replacement = (spec, USER_MASK_PLACEHOLDER) if isinstance(spec, str) else spec
    try:
        compiled = re.compile(pattern)
    except re.error as err:
        raise ValueError(f"invalid mask regex {pattern!r}: {err}") from err
    return RegexMask(f"user:{pattern}", compiled, replacement)


def load_entry_point_normalizers(
    group: str = ENTRY_POINT_GROUP,
    candidates: Iterable[EntryPoint] | None = None,
) -> tuple[tuple[PluginNormalizer, ...], tuple[str, ...]]:
    """Load the normalizers registered under ``group``; failures become warnings.

    A broken third-party plugin must not stop a reproduction check, but silently
    dropping it would make masks disappear unnoticed, so each failure is returned as a
    warning string for the report. ``candidates`` replaces the installed entry points
    (for callers that already selected them).
    """
    found = entry_points(group=group) if candidates is None else candidates
    loaded: list[PluginNormalizer] = []
    warnings: list[str] = []
    for entry in sorted(found, key=lambda ep: ep.name):
        try:
            target = entry.load()
        except Exception as err:  # noqa: BLE001 - foreign import-time code may raise anything
            warnings.append(
                f"normalizer entry point {entry.name!r} ({entry.value}) failed to load: {type(err).__name__}: {err}"
            )
            continue
        if not callable(target):
            warnings.append(f"normalizer entry point {entry.name!r} ({entry.value}) is not callable")
            continue
        loaded.append(PluginNormalizer(f"plugin:{entry.name}", target))
    return tuple(loaded), tuple(warnings)


@dataclass(frozen=True)
class NormalizerSet:
    """An ordered, immutable list of normalizers applied one after another.

    Build it with :meth:`from_options`; calling the set normalizes one text.
    ``warnings`` carries entry points that could not be loaded, so that the surfaces
    can show them next to the comparison they influenced.
    """

    normalizers: tuple[Normalizer, ...] = BUILTIN_MASKS
    warnings: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def from_options(
        cls,
        defaults: bool = True,
        disable: Iterable[str] = (),
        extra_masks: Sequence[MaskSpec] = (),
        load_plugins: bool = True,
        group: str = ENTRY_POINT_GROUP,
    ) -> NormalizerSet:
        """Built-in masks (all, minus ``disable``), then user regexes, then plugins.

        User masks run after the built-ins so that they see the same text the user
        sees in a report (progress bars already collapsed); plugins run last because
        they are the most specific.
        """
        disabled = set(disable)
        unknown = disabled.difference(BUILTIN_MASK_NAMES)
        if unknown:
            raise ValueError(f"unknown built-in mask(s) {sorted(unknown)}; known: {list(BUILTIN_MASK_NAMES)}")
        builtins = tuple(mask for mask in BUILTIN_MASKS if _name_of(mask) not in disabled) if defaults else ()
        users = tuple(compile_user_mask(spec) for spec in extra_masks)
        plugins, warnings = load_entry_point_normalizers(group) if load_plugins else ((), ())
        return cls(builtins + users + plugins, warnings)

    @property
    def names(self) -> tuple[str, ...]:
        """Names of the normalizers in application order (for reports and debugging)."""
        return tuple(_name_of(normalizer) for normalizer in self.normalizers)

    def __call__(self, mime: str, text: str) -> str:
        for normalizer in self.normalizers:
            text = normalizer(mime, text)
        return text


@functools.lru_cache(maxsize=1)
def default_normalizer_set() -> NormalizerSet:
    """Built-in masks plus installed plugins, loaded once per process.

    Scanning entry points costs milliseconds; a check compares thousands of outputs
    with the same options, so the default set is built on first use and reused.
    """
    return NormalizerSet.from_options()
