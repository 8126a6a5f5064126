"""Which data files are tables, and their columns: cheap, shared by both processes.

The recorder checks a label column named by ``%repro_data FILE --label COL`` against
the table's header when the magic runs; the checker describes whole tables
(:mod:`repro_nb.check.describe`). Reading a header costs a line of a CSV file or the
footer of a Parquet file; pyarrow and pandas are imported only when a file needs them.
"""

from __future__ import annotations

import csv
import os

from ..errors import ReproError

#: File suffixes read as tables, and the reader of each.
TABULAR_SUFFIXES: dict[str, str] = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".feather": "feather",
    ".arrow": "feather",
    ".xlsx": "excel",
    ".xls": "excel",
}
#: Compressed CSV that pyarrow and pandas read as they are.
_COMPRESSED = (".gz", ".bz2", ".zst", ".xz")


class TabularError(ReproError):
    """A table that cannot be read (or described): the message says which and why."""


def table_format(path: str) -> str | None:
    """``csv``, ``tsv``, ``parquet``, ``feather``, ``excel``, or ``None`` for other files."""
    name = path.lower()
    for suffix in _COMPRESSED:
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    return TABULAR_SUFFIXES.get(os.path.splitext(name)[1])


def is_tabular(path: str) -> bool:
    return table_format(path) is not None


def table_columns(path: str) -> list[str] | None:
    """The column names of a table (``None`` when its format is not one repro-nb reads)."""
    kind = table_format(path)
    if kind is None:
        return None
    try:
        if kind in ("csv", "tsv"):
            return _csv_header(path, "\t" if kind == "tsv" else ",")
        if kind == "parquet":
            import pyarrow.parquet as pq

            return list(pq.read_schema(path).names)
        if kind == "feather":
            import pyarrow.ipc as ipc

            with ipc.open_file(path) as reader:
                return list(reader.schema.names)
        import pandas as pd

        return [str(c) for c in pd.read_excel(path, nrows=0).columns]
    except ImportError as exc:
        raise TabularError(f"reading {path} needs {exc.name or 'a library that is not installed'}") from exc
    except OSError as exc:
        raise TabularError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except Exception as exc:  # pyarrow's and pandas' many errors: one message
        raise TabularError(f"cannot read the columns of {path}: {type(exc).__name__}: {exc}") from exc


def _csv_header(path: str, delimiter: str) -> list[str]:
    if path.lower().endswith(_COMPRESSED):
        import pyarrow.csv as pacsv

        options = pacsv.ParseOptions(delimiter=delimiter)
        with pacsv.open_csv(path, parse_options=options) as reader:
            return list(reader.schema.names)
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return next(csv.reader(handle, delimiter=delimiter), [])
