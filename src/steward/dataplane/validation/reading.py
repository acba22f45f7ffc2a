"""Read an incoming CSV or Parquet file as text columns, so that bad values are found, not raised.

Problems with the file as a whole (unreadable, malformed rows, bad encoding) come back as
results; messages never quote the file's contents (pyarrow's own messages can, so they are
not passed on).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from steward.dataplane.validation.report import BLOCKING, MAX_ROWS_LISTED, RuleResult, file_result

_CSV_COLUMN = re.compile(r"CSV column #(\d+)")


@dataclass
class RawFile:
    """The file's columns as trimmed text (empty and blank cells null), or None if unreadable."""

    names: list[str]
    table: pa.Table | None
    problems: list[RuleResult] = field(default_factory=list)


def read_raw(path: Path) -> RawFile:
    """Read a ``.csv`` or ``.parquet`` file into text columns."""
    raw = _read_parquet(path) if path.suffix.lower() == ".parquet" else _read_csv(path)
    if raw.table is not None:
        columns = [_normalize(c) for c in raw.table.columns]
        raw.table = pa.table(columns, names=raw.names)
    return raw


def _unreadable(message: str) -> RawFile:
    return RawFile([], None, [file_result("file_unreadable", None, BLOCKING, False, message)])


def _read_csv(path: Path) -> RawFile:
    try:
        with open(path, "rb") as f:
            # Only the first line is decoded: a bad byte further down is the parser's to find.
            header = next(csv.reader([f.readline().decode("utf-8-sig")]), [])
    except (UnicodeDecodeError, csv.Error):
        return _unreadable("the header row is not UTF-8 comma-separated text")
    if not any(name.strip() for name in header):
        return _unreadable("the file is empty: expected a header row of column names")
    convert = pacsv.ConvertOptions(
        column_types={name: pa.string() for name in header},
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
        null_values=[""],
    )
    malformed: list[int | None] = []

    def skip_malformed(row: pacsv.InvalidRow) -> str:
        malformed.append(row.number)
        return "skip"

    try:
        table = pacsv.read_csv(
            path,
            parse_options=pacsv.ParseOptions(invalid_row_handler=skip_malformed),
            convert_options=convert,
        )
    except pa.ArrowInvalid as exc:
        return _unreadable(_csv_error(exc))
    if malformed:
        return RawFile(header, None, [_malformed_result(path, convert, len(malformed))])
    return RawFile(table.column_names, table)


def _malformed_result(path: Path, convert: pacsv.ConvertOptions, count: int) -> RuleResult:
    # Line numbers are known only to a single-threaded parse; pay for it on this path alone.
    lines: list[int] = []

    def note(row: pacsv.InvalidRow) -> str:
        lines.append(row.number)
        return "skip"

    pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(use_threads=False),
        parse_options=pacsv.ParseOptions(invalid_row_handler=note),
        convert_options=convert,
    )
    rows = [n - 1 for n in lines if n is not None][:MAX_ROWS_LISTED]  # line 1 is the header
    return RuleResult(
        "malformed_rows",
        None,
        BLOCKING,
        1,
        count,
        rows,
        f"{count} rows do not have as many fields as the header; fix them and send again",
    )


def _csv_error(exc: pa.ArrowInvalid) -> str:
    match = _CSV_COLUMN.search(str(exc))
    if "UTF8" in str(exc) and match:
        return f"column {int(match.group(1)) + 1} contains bytes that are not UTF-8 text"
    return "the file could not be parsed as comma-separated text"


def _read_parquet(path: Path) -> RawFile:
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowException):
        return _unreadable("the file could not be read as (unencrypted) Parquet")
    columns = []
    for column in table.columns:
        if pa.types.is_timestamp(column.type):
            column = pc.cast(column, pa.date32())  # a date sent as midnight timestamp
        try:
            columns.append(pc.cast(column, pa.string()))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return _unreadable("a column has a type that cannot be read as text")
    return RawFile(table.column_names, pa.table(columns, names=table.column_names))


def _normalize(column: pa.ChunkedArray) -> pa.ChunkedArray:
    # Surrounding spaces are noise (and break linkage); a blank cell is an empty cell.
    trimmed = pc.utf8_trim_whitespace(column)
    blank = pc.equal(trimmed, "")
    if not pc.any(blank).as_py():
        return trimmed
    return pc.if_else(blank, pa.scalar(None, pa.string()), trimmed)


def mask(values: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A boolean Arrow result as a NumPy mask, null counted as False."""
    filled = pc.fill_null(values, False)
    if isinstance(filled, pa.ChunkedArray):
        filled = filled.combine_chunks() if filled.num_chunks != 1 else filled.chunk(0)
    return filled.to_numpy(zero_copy_only=False)
