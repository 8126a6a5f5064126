"""``repro_nb.result(name, value, claim=None)``: a named result, in the record and in the notebook.

What scrapbook's ``glue`` did (it is no longer maintained), plus a claim: the value is
stored under its name in the running cell's record and the notebook's, shown as the
cell's output, and its claim (:mod:`repro_nb.format.claims`) evaluated. ``repro-nb
seeds`` collects these results from each seeded re-run, and ``repro-nb report`` rates
the Evaluation star by them (docs/results.md).

Imported on the first call, not at ``%load_ext``.
"""

from __future__ import annotations

import math
import re
from html import escape
from typing import TYPE_CHECKING, Any

from ..format.claims import ClaimError, evaluate, parse

if TYPE_CHECKING:
    from ..format.record_types import ResultKind, ResultRecord

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
#: Elements of an array stored at most; the shape says how large the whole is.
MAX_ARRAY = 1000
#: Rows and columns of a table stored at most.
MAX_ROWS = 50
MAX_COLUMNS = 50
_ACCEPTED = (
    "a number, a boolean, a string, an array (list, tuple, NumPy array, pandas Series) or a table (pandas DataFrame)"
)


def result(name: str, value: Any, claim: str | None = None) -> None:
    """Store ``value`` as the named result ``name`` (with an optional ``claim``) and show it.

    Returns nothing, like scrapbook's ``glue``: the result is shown once, as its own
    display, even as the last line of a cell. Raises ``ValueError`` for a bad name or a claim that
    does not parse (:class:`~repro_nb.format.claims.ClaimError`), ``TypeError`` for a
    value that is not a scalar, an array or a table.
    """
    from .registry import current_recorder

    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(
            f"repro_nb.result: {name!r} is not a result name (letters, digits, '_', '.', '-', "
            "starting with a letter or '_'; claims refer to results by it)"
        )
    parsed = None
    if claim is not None:
        parsed = parse(claim)
    record = to_record(name, value)
    if parsed is not None:
        if record["kind"] != "scalar":
            raise ClaimError(
                claim or "", 0, f"a scalar result: {name!r} is {record['kind']}, and claims are about numbers"
            )
        record["claim"] = claim
    recorder = current_recorder()
    if parsed is not None:
        values = recorder.scalar_results() if recorder is not None else {}
        record["claim_outcome"] = evaluate(parsed, record["value"], values).to_json()  # type: ignore[typeddict-item]
    if recorder is not None:
        recorder.add_result(record)
    _show(record, recording=recorder is not None)


def to_record(name: str, value: Any) -> ResultRecord:
    """The value as the record stores it (see the schema's ``result``)."""
    kind, stored, shape, truncated = _convert(value)
    record: ResultRecord = {"name": name, "kind": kind, "value": stored}
    if shape is not None:
        record["shape"] = shape
    if truncated:
        record["truncated"] = True
    return record


def _convert(value: Any) -> tuple[ResultKind, Any, list[int] | None, bool]:
    scalar = _scalar(value)
    if scalar is not _NOT_SCALAR:
        return "scalar", scalar, None, False
    module = type(value).__module__.partition(".")[0]
    if module == "pandas" and type(value).__name__ == "DataFrame":
        return _table(value)
    if module == "pandas" and type(value).__name__ == "Series":
        return _array(value.to_numpy())
    if module == "numpy" and hasattr(value, "shape") and hasattr(value, "tolist"):
        return _array(value)
    if isinstance(value, (list, tuple)):
        import numpy as np

        try:
            array = np.asarray(value)
        except ValueError as exc:  # ragged
            raise TypeError(f"repro_nb.result: cannot store a ragged {type(value).__name__} ({exc})") from None
        if array.dtype == object and any(isinstance(v, (dict, set)) for v in array.ravel().tolist()):
            raise TypeError(
                f"repro_nb.result: cannot store a {type(value).__name__} of dicts or sets; store {_ACCEPTED}"
            )
        return _array(array)
    raise TypeError(f"repro_nb.result: cannot store a {type(value).__name__}; store {_ACCEPTED}")


_NOT_SCALAR = object()


def _scalar(value: Any) -> Any:
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return _finite(value)
    if type(value).__module__.partition(".")[0] == "numpy" and getattr(value, "ndim", None) == 0:
        item = value.item()
        return _finite(item) if isinstance(item, float) else item if isinstance(item, (int, bool, str)) else str(item)
    return _NOT_SCALAR


def _finite(number: float) -> float | str:
    if math.isfinite(number):
        return number
    return "nan" if math.isnan(number) else ("inf" if number > 0 else "-inf")


def _plain(items: list[Any]) -> list[Any]:
    """Nested lists of JSON scalars (non-finite floats as strings, other objects as text)."""
    out: list[Any] = []
    for item in items:
        if isinstance(item, list):
            out.append(_plain(item))
            continue
        scalar = _scalar(item)
        out.append(str(item) if scalar is _NOT_SCALAR else scalar)
    return out


def _array(array: Any) -> tuple[ResultKind, Any, list[int] | None, bool]:
    shape = [int(n) for n in array.shape]
    if array.size > MAX_ARRAY:
        flat = array.reshape(-1)[:MAX_ARRAY]
        return "array", _plain(flat.tolist()), shape, True
    return "array", _plain(array.tolist()), shape, False


def _table(frame: Any) -> tuple[ResultKind, Any, list[int] | None, bool]:
    rows, columns = (int(n) for n in frame.shape)
    part = frame.iloc[:MAX_ROWS, :MAX_COLUMNS]
    stored = {
        "columns": [str(c) for c in part.columns],
        "index": _plain(list(part.index)),
        "rows": [_plain(list(row)) for row in part.itertuples(index=False, name=None)],
    }
    return "table", stored, [rows, columns], rows > MAX_ROWS or columns > MAX_COLUMNS


# -- in the notebook ------------------------------------------------------------------


def text(record: ResultRecord) -> str:
    """``accuracy = 0.9312   claim ≥ 0.9: holds``."""
    line = f"{record['name']} = {_short(record)}"
    outcome = record.get("claim_outcome")
    if record.get("claim"):
        line += f"   claim {record['claim']}: {outcome['status'] if outcome else 'undecided'}"
    return line


def _short(record: ResultRecord) -> str:
    value = record["value"]
    if record["kind"] == "scalar":
        return f"{value:.6g}" if isinstance(value, float) else repr(value) if isinstance(value, str) else str(value)
    shape = "×".join(str(n) for n in record.get("shape", []))
    if record["kind"] == "table":
        return f"table {shape}"
    preview = repr(value[:6])[:-1] + (", …]" if len(value) > 6 else "]") if isinstance(value, list) else str(value)
    return f"array {shape} {preview}"


def _show(record: ResultRecord, recording: bool) -> None:
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython is a dependency
        return
    if get_ipython() is None:
        return
    plain = text(record) + ("" if recording else "   (not recorded: %load_ext repro_nb)")
    outcome = record.get("claim_outcome")
    color = {"holds": "#15803d", "fails": "#b91c1c"}.get(outcome["status"] if outcome else "", "#6b7280")
    claim = (
        f' <span style="color:{color}">claim {escape(str(record.get("claim")))}: '
        f"{escape(outcome['status'] if outcome else 'undecided')}</span>"
        if record.get("claim")
        else ""
    )
    html = (
        f'<div class="repro-nb-result"><code>{escape(record["name"])}</code> = '
        f"<b>{escape(_short(record))}</b>{claim}</div>"
    )
    display({"text/plain": plain, "text/html": html}, raw=True)
