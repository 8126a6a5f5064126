"""What a tabular data file holds: rows, columns, types, missing values, class balance.

A model evaluated on a skewed test set can look good and be useless; the data files a
notebook reads say whether that can happen. For each table (CSV, TSV, Parquet, Feather,
Excel) the checker reports its size, each column's type and missing values, and for its
label column the class balance, judged by the same threshold as the recorder's metrics
(:mod:`repro_nb.format.evaluation`).

Fast on a 1 GB file and in bounded memory (``benchmarks/bench_describe.py``): CSV is
streamed through pyarrow's reader block by block (pandas in chunks if a later block
does not fit the types pyarrow inferred from the first); Parquet's row count and null
counts come from its footer where the writer stored statistics, and only the label
column is read; Feather is memory-mapped. Here, in the checker, never in the kernel.
"""

from __future__ import annotations

import io
import itertools
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ..format.evaluation import MAX_CLASSES, MAX_LABEL_VALUES, describe_balance, is_skewed, ordered
from ..format.tabular import TabularError, table_columns, table_format

#: Columns recognised as labels when none is named (matched without regard to case).
LABEL_NAMES = ("label", "labels", "target", "class", "y", "outcome", "category")
#: pyarrow's CSV block: bounds the memory a description takes (a few blocks at a time).
_BLOCK = 16 << 20
#: Files from this size on are read in byte ranges in parallel (:func:`_csv_streams`).
_PARALLEL_MIN = 64 << 20
_MAX_RANGES = 4

LabelSource = Literal["record", "settings", "recognised"]


@dataclass
class DataDescription:
    """One table, described. ``error`` is set (and the rest may be empty) when it could not be read."""

    path: str
    format: str
    rows: int | None = None
    columns: int | None = None
    dtypes: dict[str, str] = field(default_factory=dict)
    missing: dict[str, int] = field(default_factory=dict)
    label: str | None = None
    label_source: LabelSource | None = None
    class_balance: dict[str, int] | None = None
    distinct_labels: int | None = None
    skewed: bool | None = None
    error: str | None = None
    seconds: float = 0.0

    def summary(self) -> str:
        """One line: ``200 rows × 3 columns, 2 missing values; label is_spoof: 82 % class 1, … (skewed)``."""
        if self.error:
            return self.error
        missing = sum(self.missing.values())
        text = f"{self.rows} rows × {self.columns} columns" + (f", {missing} missing values" if missing else "")
        if self.label and self.class_balance is not None:
            text += f"; label {self.label}: {describe_balance(self.class_balance)}"
            if self.skewed:
                text += " (skewed)"
        elif self.label:
            text += f"; label {self.label}: {self.distinct_labels} distinct values, not classes"
        return text

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "format": self.format,
            "rows": self.rows,
            "columns": self.columns,
            "dtypes": dict(self.dtypes),
            "missing": dict(self.missing),
            "label": self.label,
            "label_source": self.label_source,
            "class_balance": dict(self.class_balance) if self.class_balance is not None else None,
            "distinct_labels": self.distinct_labels,
            "skewed": self.skewed,
            "error": self.error,
            "seconds": round(self.seconds, 3),
        }


def describe_table(
    path: str, label: str | None = None, shown: str | None = None, label_source: LabelSource | None = None
) -> DataDescription:
    """Describe the table at ``path`` (``shown`` is how reports name it).

    ``label`` is the label column when the user named it (a missing column is an
    error in the description); otherwise a column named like a label is used.
    """
    start = time.perf_counter()
    kind = table_format(path) or "unknown"
    description = DataDescription(path=shown or path, format=kind)
    try:
        columns = table_columns(path) or []
        chosen, source = _choose_label(columns, label, label_source)
        if label is not None and chosen is None:
            listed = ", ".join(columns[:20]) + (", …" if len(columns) > 20 else "")
            raise TabularError(f"{description.path} has no label column {label!r} (its columns: {listed})")
        description.label, description.label_source = chosen, source
        if kind in ("csv", "tsv"):
            _describe_csv(path, "\t" if kind == "tsv" else ",", description)
        elif kind == "parquet":
            _describe_parquet(path, description)
        elif kind == "feather":
            _describe_feather(path, description)
        elif kind == "excel":
            _describe_excel(path, description)
        else:
            raise TabularError(f"{description.path} is not a table repro-nb reads")
    except TabularError as exc:
        description.error = str(exc)
    except MemoryError:
        description.error = f"{description.path}: not enough memory to describe it"
    except Exception as exc:  # noqa: BLE001 - one unreadable table must not end a check
        description.error = f"cannot describe {description.path}: {type(exc).__name__}: {exc}"
    description.seconds = time.perf_counter() - start
    return description


def _choose_label(
    columns: Sequence[str], label: str | None, source: LabelSource | None
) -> tuple[str | None, LabelSource | None]:
    if label is not None:
        return (label, source or "settings") if label in columns else (None, None)
    by_name = {c.lower(): c for c in columns}
    for name in LABEL_NAMES:
        if name in by_name:
            return by_name[name], "recognised"
    return None, None


def _finish_labels(description: DataDescription, counts: Mapping[str, int] | None, distinct: int | None) -> None:
    if description.label is None:
        return
    if counts is None:
        description.distinct_labels = distinct
        return
    description.distinct_labels = len(counts)
    description.class_balance = dict(ordered(counts)[:MAX_CLASSES])
    description.skewed = is_skewed(counts)


def _label_key(value: Any) -> str:
    if value is None:
        return "(missing)"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class _LabelCounter:
    """Counts of a label column, fed block by block; gives up past :data:`MAX_LABEL_VALUES` values."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.too_many = False

    def add(self, pairs: Iterable[tuple[Any, int]]) -> None:
        if self.too_many:
            return
        for value, count in pairs:
            self.counts[_label_key(value)] += int(count)
        if len(self.counts) > MAX_LABEL_VALUES:
            self.too_many = True

    def add_arrow(self, column: Any) -> None:
        if self.too_many:
            return
        import pyarrow.compute as pc

        counted = pc.value_counts(column)
        self.add(zip(counted.field("values").to_pylist(), counted.field("counts").to_pylist()))

    def result(self) -> tuple[dict[str, int] | None, int]:
        return (None, len(self.counts)) if self.too_many else (dict(self.counts), len(self.counts))


def _describe_csv(path: str, delimiter: str, description: DataDescription) -> None:
    import pyarrow as pa

    try:
        schema, streams = _csv_streams(path, delimiter)
    except pa.ArrowInvalid as exc:
        if "Empty CSV file" in str(exc):
            raise TabularError(f"{description.path} is empty") from exc
        raise
    names = schema.names
    label_at = names.index(description.label) if description.label in names else None

    def count(open_stream: Callable[[], Any]) -> tuple[int, list[int], _LabelCounter]:
        rows, nulls, labels = 0, [0] * len(names), _LabelCounter()
        with open_stream() as reader:
            for batch in reader:
                rows += batch.num_rows
                for i in range(batch.num_columns):
                    nulls[i] += batch.column(i).null_count
                if label_at is not None:
                    labels.add_arrow(batch.column(label_at))
        return rows, nulls, labels

    try:
        if len(streams) == 1:
            parts = [count(streams[0])]
        else:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(len(streams)) as pool:  # pyarrow parses without the GIL
                parts = list(pool.map(count, streams))
    except pa.ArrowInvalid:
        # a later block does not fit the types inferred from the first: pandas, in chunks
        _describe_csv_pandas(path, delimiter, description)
        return
    labels = _LabelCounter()
    for _, _, part in parts:
        labels.add(part.counts.items())
        labels.too_many = labels.too_many or part.too_many
    description.rows, description.columns = sum(p[0] for p in parts), len(names)
    description.dtypes = {name: str(schema.field(name).type) for name in names}
    description.missing = {name: sum(p[1][i] for p in parts) for i, name in enumerate(names)}
    _finish_labels(description, *labels.result())


def _csv_streams(path: str, delimiter: str) -> tuple[Any, list[Callable[[], Any]]]:
    """The table's schema and the openers of the readers that together cover its rows.

    One streaming reader for a small, compressed or quoted file. A large plain file is
    cut at line ends into one byte range per CPU (at most 4), each read by its own
    streaming reader with the column types inferred from the first block: pyarrow's
    streaming reader parses one block at a time, so ranges in parallel are what bring
    it near the multithreaded reader's speed while memory stays a few blocks per range.
    A quoted field spanning lines in the first block means a line end may sit inside a
    field: no cutting then (pyarrow, with ``newlines_in_values`` off as here, does not
    read such fields in one stream either).
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    parse = pacsv.ParseOptions(delimiter=delimiter)
    convert = pacsv.ConvertOptions(strings_can_be_null=True)
    workers = min(os.cpu_count() or 1, _MAX_RANGES)

    def one_stream() -> tuple[Any, list[Callable[[], Any]]]:
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(block_size=_BLOCK, use_threads=True),
            parse_options=parse,
            convert_options=convert,
        )
        return reader.schema, [lambda: reader]

    plain = os.path.splitext(path)[1].lower() in (".csv", ".tsv", ".txt")  # not compressed
    if not plain or workers < 2 or os.path.getsize(path) < _PARALLEL_MIN:
        return one_stream()
    size = os.path.getsize(path)
    with open(path, "rb") as handle:
        sample = handle.read(_BLOCK)
        if b"\n" not in sample or (b'"' in sample and _quote_spans_lines(sample)):
            return one_stream()
        schema = pacsv.open_csv(
            pa.BufferReader(sample[: sample.rindex(b"\n") + 1]), parse_options=parse, convert_options=convert
        ).schema
        cuts = [sample.index(b"\n") + 1]
        for k in range(1, workers):
            at = cuts[0] + k * (size - cuts[0]) // workers
            handle.seek(at)
            ahead = handle.read(1 << 20)
            if b"\n" not in ahead or at + ahead.index(b"\n") + 1 <= cuts[-1]:
                continue
            cuts.append(at + ahead.index(b"\n") + 1)
    cuts.append(size)
    typed = pacsv.ConvertOptions(strings_can_be_null=True, column_types=schema)
    names = pacsv.ReadOptions(block_size=_BLOCK, column_names=schema.names, use_threads=False)

    def opener(start: int, stop: int) -> Callable[[], Any]:
        return lambda: pacsv.open_csv(
            io.BufferedReader(_Range(path, start, stop), buffer_size=1 << 20),
            read_options=names,
            parse_options=parse,
            convert_options=typed,
        )

    return schema, [opener(a, b) for a, b in itertools.pairwise(cuts) if b > a]


class _Range(io.RawIOBase):
    """Bytes ``start`` to ``stop`` of a file, as a stream (``os.pread``: no shared file position)."""

    def __init__(self, path: str, start: int, stop: int) -> None:
        super().__init__()
        self._fd = os.open(path, os.O_RDONLY)
        self._pos, self._stop = start, stop

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        wanted = min(len(buffer), self._stop - self._pos)
        if wanted <= 0:
            return 0
        data = os.pread(self._fd, wanted, self._pos)
        buffer[: len(data)] = data
        self._pos += len(data)
        return len(data)

    def close(self) -> None:
        if not self.closed:
            os.close(self._fd)
        super().close()


def _quote_spans_lines(sample: bytes) -> bool:
    """Whether some line of ``sample`` has an odd number of quotes (a quoted field goes on past it)."""
    return any(line.count(b'"') % 2 for line in sample[: sample.rindex(b"\n")].split(b"\n"))


def _describe_csv_pandas(path: str, delimiter: str, description: DataDescription) -> None:
    import pandas as pd

    rows = 0
    missing: Counter[str] = Counter()
    dtypes: dict[str, str] = {}
    labels = _LabelCounter()
    for chunk in pd.read_csv(path, sep=delimiter, chunksize=1_000_000, low_memory=False):
        rows += len(chunk)
        missing.update({str(k): int(v) for k, v in chunk.isna().sum().items()})
        for name, dtype in chunk.dtypes.items():
            previous = dtypes.get(str(name))
            dtypes[str(name)] = str(dtype) if previous in (None, str(dtype)) else "object"
        if description.label is not None:
            labels.add(chunk[description.label].value_counts(dropna=False).items())
    description.rows, description.columns = rows, len(dtypes)
    description.dtypes, description.missing = dtypes, {name: missing.get(name, 0) for name in dtypes}
    _finish_labels(description, *labels.result())


def _describe_parquet(path: str, description: DataDescription) -> None:
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(path)
    metadata = parquet.metadata
    schema = parquet.schema_arrow
    description.rows, description.columns = metadata.num_rows, len(schema.names)
    description.dtypes = {f.name: str(f.type) for f in schema}
    missing: dict[str, int] = {}
    leaves = {parquet.schema.column(i).path: i for i in range(metadata.num_columns)}
    for name in schema.names:
        from_footer = _footer_nulls(metadata, leaves.get(name))
        if from_footer is None:  # no statistics: count from the column itself
            from_footer = sum(batch.column(0).null_count for batch in parquet.iter_batches(columns=[name]))
        missing[name] = from_footer
    description.missing = missing
    if description.label is not None:
        labels = _LabelCounter()
        for batch in parquet.iter_batches(columns=[description.label], batch_size=1 << 20):
            labels.add_arrow(batch.column(0))
        _finish_labels(description, *labels.result())


def _footer_nulls(metadata: Any, column: int | None) -> int | None:
    if column is None:
        return None
    total = 0
    for group in range(metadata.num_row_groups):
        stats = metadata.row_group(group).column(column).statistics
        if stats is None or not stats.has_null_count:
            return None
        total += stats.null_count
    return int(total)


def _describe_feather(path: str, description: DataDescription) -> None:
    import pyarrow as pa
    import pyarrow.ipc as ipc

    with pa.memory_map(path) as source:
        table = ipc.open_file(source).read_all()
        description.rows, description.columns = table.num_rows, table.num_columns
        description.dtypes = {f.name: str(f.type) for f in table.schema}
        description.missing = {name: table.column(name).null_count for name in table.column_names}
        if description.label is not None:
            labels = _LabelCounter()
            labels.add_arrow(table.column(description.label))
            _finish_labels(description, *labels.result())


def _describe_excel(path: str, description: DataDescription) -> None:
    import pandas as pd

    try:
        frame = pd.read_excel(path)
    except ImportError as exc:
        raise TabularError(
            f"describing {description.path} needs {exc.name or 'openpyxl'} (pip install openpyxl)"
        ) from exc
    description.rows, description.columns = len(frame), len(frame.columns)
    description.dtypes = {str(k): str(v) for k, v in frame.dtypes.items()}
    description.missing = {str(k): int(v) for k, v in frame.isna().sum().items()}
    if description.label is not None:
        labels = _LabelCounter()
        labels.add(frame[description.label].value_counts(dropna=False).items())
        _finish_labels(description, *labels.result())


def describe_files(
    base_dir: str, entries: Iterable[Mapping[str, Any]], labels: Mapping[str, str] | None = None
) -> list[DataDescription]:
    """Describe each table among the record's data files that exists now, once each.

    ``entries`` are the record's data file records (``path`` relative to the notebook,
    optional ``label``); ``labels`` maps a path (or ``*``, any table) to its label column
    from ``[tool.repro-nb] labels``.
    """
    seen: set[str] = set()
    found: list[DataDescription] = []
    for entry in entries:
        shown = str(entry.get("path", ""))
        if not shown or shown in seen or entry.get("kind") == "directory" or table_format(shown) is None:
            continue
        seen.add(shown)
        absolute = shown if os.path.isabs(shown) else os.path.join(base_dir, shown)
        if not os.path.isfile(absolute):
            continue  # a missing file is drift, reported by the check already
        label: str | None = entry.get("label")
        source: LabelSource | None = "record" if label else None
        if label is None and labels:
            label = labels.get(shown) or labels.get("*")
            source = "settings" if label else None
        found.append(describe_table(absolute, label, shown=shown, label_source=source))
    return found
