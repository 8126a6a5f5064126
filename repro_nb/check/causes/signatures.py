"""Version signatures: output that only certain versions of a package print.

Most notebooks have no record, but they carry evidence of the versions that made them:
NumPy 2 prints ``np.float64(0.5)``, pandas 2 no longer has ``DataFrame.append``,
matplotlib 3.6 renamed its seaborn styles. A knowledge base of such signatures, kept as
data (``signatures.toml``, extensible through the ``repro_nb.signatures`` entry-point
group), names the package and the version boundary when a drifted or failed cell
matches one. With a record whose versions say the same, the confidence is high.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from importlib.metadata import entry_points
from typing import Any

from ..evidence import Evidence, PackageDrift
from .model import Cause

ENTRY_POINT_GROUP = "repro_nb.signatures"


@dataclass(frozen=True)
class Signature:
    id: str
    package: str
    boundary: str
    message: str
    error: re.Pattern[str] | None = None
    actual: re.Pattern[str] | None = None
    stored: re.Pattern[str] | None = None
    stored_lacks: re.Pattern[str] | None = None

    def matches(self, error: str | None, actual: str, stored: str) -> bool:
        if self.error is not None and (error is None or not self.error.search(error)):
            return False
        if self.actual is not None and not self.actual.search(actual):
            return False
        if self.stored is not None and not self.stored.search(stored):
            return False
        if self.stored_lacks is not None and self.stored_lacks.search(stored):
            return False
        return any(p is not None for p in (self.error, self.actual, self.stored))


def signature_from(entry: Mapping[str, Any]) -> Signature:
    """A signature from its table form; a bad entry is a ``ValueError`` naming it."""
    try:
        patterns = {
            key: re.compile(str(entry[key])) for key in ("error", "actual", "stored", "stored_lacks") if key in entry
        }
        return Signature(
            id=str(entry["id"]),
            package=str(entry["package"]),
            boundary=str(entry["boundary"]),
            message=str(entry["message"]),
            **patterns,
        )
    except (KeyError, re.error) as exc:
        raise ValueError(f"invalid version signature {entry.get('id', '?')!r}: {exc}") from exc


@functools.cache
def known_signatures() -> tuple[Signature, ...]:
    """The shipped signatures, then those from installed packages' entry points."""
    table = tomllib.loads(resources.files(__package__).joinpath("signatures.toml").read_text(encoding="utf-8"))
    found = [signature_from(entry) for entry in table.get("signature", [])]
    for point in entry_points(group=ENTRY_POINT_GROUP):
        try:
            entries = point.load()()
            found.extend(signature_from(entry) for entry in entries)
        except Exception:  # noqa: BLE001 - a broken plugin must not stop a check
            continue
    return tuple(found)


def signature_causes(
    index: int,
    stored_cell: Mapping[str, Any],
    actual_cell: Mapping[str, Any] | None,
    evidence: Evidence,
    signatures: Iterable[Signature] | None = None,
) -> list[Cause]:
    """The version signatures a cell's stored and re-run outputs match."""
    stored = output_text(stored_cell)
    actual = output_text(actual_cell) if actual_cell is not None else ""
    error = error_line(actual_cell) if actual_cell is not None else None
    causes = []
    for signature in signatures if signatures is not None else known_signatures():
        if signature.matches(error, actual, stored):
            causes.append(_cause(index, signature, error, evidence.packages))
    for found in (_dict_order_cause(index, stored_cell, actual_cell), _legacy_array_print_cause(index, stored, actual)):
        if found is not None:
            causes.append(found)
    return causes


def _cause(index: int, signature: Signature, error: str | None, packages: Sequence[PackageDrift]) -> Cause:
    facts = []
    if signature.error is not None and error:
        facts.append(f"the re-run raised {error.splitlines()[0][:200]}")
    if signature.stored is not None or signature.stored_lacks is not None:
        facts.append("the stored output is what older versions print")
    if signature.actual is not None:
        facts.append("the re-run prints what newer versions print")
    recorded = next((p for p in packages if p.distribution.lower() == signature.package.lower()), None)
    if recorded is not None:
        facts.append(f"recorded {recorded.distribution} {recorded.old}, now {recorded.new or 'not installed'}")
    return Cause(
        "version-signature",
        signature.message,
        "high" if recorded is not None else "medium",
        index,
        {"signature": signature.id, "package": signature.package, "boundary": signature.boundary},
        tuple(facts),
    )


def output_text(cell: Mapping[str, Any] | None) -> str:
    """A cell's text outputs as one string: streams, and text/plain of displays and results,
    then their text/html (where a table's markup is what changed)."""
    if cell is None:
        return ""
    parts, html = [], []
    for output in cell.get("outputs", []):
        kind = output.get("output_type")
        if kind == "stream":
            parts.append(_text(output.get("text", "")))
        elif kind in ("execute_result", "display_data"):
            data = output.get("data") or {}
            parts.append(_text(data.get("text/plain", "")))
            if "text/html" in data:
                html.append(_text(data["text/html"]))
    return "\n".join(parts + html)


def error_line(cell: Mapping[str, Any] | None) -> str | None:
    if cell is None:
        return None
    error = next((o for o in cell.get("outputs", []) if o.get("output_type") == "error"), None)
    return f"{error.get('ename', '')}: {error.get('evalue', '')}" if error else None


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


_DICT_ITEM = re.compile(r"""(?:^|[{,]\s*)(['"]?[\w.-]+['"]?)\s*:""")


def _dict_order_cause(
    index: int, stored_cell: Mapping[str, Any], actual_cell: Mapping[str, Any] | None
) -> Cause | None:
    """A dict displayed with its keys sorted, now in insertion order: IPython's change.

    IPython before 6.3 (5.6 on Python 2) sorted a dict's keys when it displayed one;
    since then it keeps the insertion order Python 3.7 guarantees. A result whose keys
    came out sorted before and unsorted now, with the same items, is that change — not
    hash randomness.
    """
    stored = _result_text(stored_cell)
    actual = _result_text(actual_cell)
    if not stored or not actual or not stored.lstrip().startswith("{") or stored == actual:
        return None
    old_keys, new_keys = _DICT_ITEM.findall(stored), _DICT_ITEM.findall(actual)
    if len(old_keys) < 2 or sorted(old_keys) != sorted(new_keys) or old_keys != sorted(old_keys):
        return None
    if sorted(stored.replace(" ", "").replace("\n", "")) != sorted(actual.replace(" ", "").replace("\n", "")):
        return None
    return Cause(
        "version-signature",
        "IPython 6.3 shows a dict in insertion order; the stored output was made by an older IPython, which sorted "
        "its keys",
        "medium",
        index,
        {"signature": "ipython-dict-order", "package": "ipython", "boundary": "6.3"},
        ("the stored result lists the keys sorted", "the re-run lists the same items in another order"),
    )


_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?|nan|inf", re.IGNORECASE)
#: NumPy < 1.14 kept a space for the sign of every number: ``array([  1.5,  -2. ])``.
_LEGACY_PADDING = re.compile(r"(?:\[|,) {2}-?\d")


def _legacy_array_print_cause(index: int, stored: str, actual: str) -> Cause | None:
    """An array printed with NumPy < 1.14's padding, now without it: NumPy 1.14's change
    (``stored`` and ``actual``: the cell's text outputs, :func:`output_text`).

    The same array (the same brackets and commas, numbers in the same places) whose
    spacing differs, and whose stored form keeps the sign's space, is what NumPy 1.14's
    new printing did to every stored array: a change of format, whatever the digits.
    """
    if "array(" not in stored or "array(" not in actual or not _LEGACY_PADDING.search(stored):
        return None
    if _shape(stored) != _shape(actual) or _spacing(stored) == _spacing(actual):
        return None
    return Cause(
        "version-signature",
        "NumPy 1.14 changed how arrays print (no space kept for the sign of positive numbers); the stored output "
        "was made with NumPy < 1.14",
        "medium",
        index,
        {"signature": "numpy114-array-print", "package": "numpy", "boundary": "1.14"},
        ("the stored array keeps a space for each number's sign", "the re-run prints the same array without it"),
    )


def _shape(text: str) -> str:
    return re.sub(r"\s+", "", _NUMBER.sub("N", text))


def _spacing(text: str) -> list[int]:
    return [len(run) for run in re.findall(r" +", text)]


def _result_text(cell: Mapping[str, Any] | None) -> str:
    if cell is None:
        return ""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "execute_result":
            return _text((output.get("data") or {}).get("text/plain", ""))
    return ""
