"""Reading registries: CSV, JSONL, Parquet and Excel, one row per case, streamed.

Parsing is left to well-kept libraries — pyarrow for CSV and Parquet, openpyxl for Excel,
the standard json module for JSON Lines — and every reader yields the same thing: the row's
number and either a mapping
of column name to cell, or a `RowError` for a line that cannot be read (bad JSON), which
becomes an error row instead of stopping the run.

CSV cells are read as text, so `是`, `001` or an empty cell reach the field's own reading
(mapping.convert) unchanged; Parquet, JSONL and Excel cells keep the types they were written
with. Nothing is read whole: a million-row registry streams in batches.

Row numbers: CSV, Parquet and Excel count data rows from 1 (the header is not a row; in a
CSV or spreadsheet, row N is on line N + 1); JSON Lines counts lines from 1. Blank lines
are skipped without a row.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from .mapping import MappingError, RowError

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet", ".pq": "parquet", ".xlsx": "excel", ".xlsm": "excel"}
BATCH_ROWS = 4096

Row = tuple[int, Mapping[str, Any] | RowError]


def input_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise MappingError(f"{path}: cannot tell the format from {path.suffix or 'no suffix'!r}: use .csv, .jsonl, .parquet or .xlsx")
    return fmt


def columns(path: Path) -> list[str]:
    """The registry's column names (JSONL: the keys of its first readable rows, in order)."""
    fmt = input_format(path)
    if fmt == "csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle), [])
        return [name.strip() for name in header]
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return list(pq.ParquetFile(path).schema_arrow.names)
    if fmt == "excel":
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            header = next(sheet.iter_rows(max_row=1, values_only=True), ())
            return [str(name).strip() for name in header if name is not None]
        finally:
            book.close()
    seen: dict[str, None] = {}
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle):
            if number >= 1000:
                break
            try:
                value = json.loads(line)
            except ValueError:
                continue
            if isinstance(value, Mapping):
                seen.update(dict.fromkeys(_flatten(value)))
    return list(seen)


def count_rows(path: Path) -> int | None:
    """How many rows the registry has, when that is cheap to know (for the progress bar)."""
    fmt = input_format(path)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return pq.ParquetFile(path).metadata.num_rows
    if fmt == "jsonl":
        with path.open("rb") as handle:
            return sum(1 for line in handle if line.strip())
    if fmt == "csv":
        import pyarrow.csv as pacsv

        with path.open("rb") as handle:
            return sum(batch.num_rows for batch in pacsv.open_csv(handle, **_csv_options(path)))
    return None


def read_rows(path: Path) -> Iterator[Row]:
    """Every row of the registry, in order, numbered from 1."""
    fmt = input_format(path)
    reader = {"csv": _csv_rows, "jsonl": _jsonl_rows, "parquet": _parquet_rows, "excel": _excel_rows}[fmt]
    yield from reader(path)


def _csv_options(path: Path) -> dict[str, Any]:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = columns(path)
    return {
        "read_options": pacsv.ReadOptions(encoding="utf8", block_size=1 << 22),
        "convert_options": pacsv.ConvertOptions(
            column_types={name: pa.string() for name in names}, strings_can_be_null=False, quoted_strings_can_be_null=False
        ),
    }


def _csv_rows(path: Path) -> Iterator[Row]:
    import pyarrow.csv as pacsv

    number = 0
    with path.open("rb") as raw:
        data = raw.read(3)
        if data != b"\xef\xbb\xbf":  # a byte-order mark (Excel's UTF-8 CSV) is skipped
            raw.seek(0)
        for batch in pacsv.open_csv(io.BufferedReader(raw), **_csv_options(path)):  # type: ignore[arg-type]
            for row in batch.to_pylist():
                number += 1
                yield number, {key.strip(): value for key, value in row.items()}


def _jsonl_rows(path: Path) -> Iterator[Row]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except ValueError as exc:
                yield number, RowError(number, None, f"not JSON: {exc}")
                continue
            if not isinstance(value, Mapping):
                yield number, RowError(number, None, f"a JSON Lines row is an object of column: value, got {type(value).__name__}")
                continue
            yield number, _flatten(value)


def _flatten(value: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """`{"student": {"full_time": true}}` reads as the column `student.full_time`."""
    out: dict[str, Any] = {}
    for key, item in value.items():
        name = f"{prefix}{key}"
        if isinstance(item, Mapping) and not _is_year_table(item):
            out.update(_flatten(item, name + "."))
        else:
            out[name] = item
    return out


def _is_year_table(item: Mapping[str, Any]) -> bool:
    return bool(item) and all(isinstance(k, str) and k.isdigit() and len(k) == 4 for k in item)


def _parquet_rows(path: Path) -> Iterator[Row]:
    import pyarrow.parquet as pq

    number = 0
    for batch in pq.ParquetFile(path).iter_batches(batch_size=BATCH_ROWS):
        for row in batch.to_pylist():
            number += 1
            yield number, row


def _excel_rows(path: Path) -> Iterator[Row]:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = [None if name is None else str(name).strip() for name in next(rows, ())]
        for number, cells in enumerate(rows, start=1):
            if all(cell is None for cell in cells):
                continue  # Excel keeps formatted but empty lines at the end
            yield number, {name: cell for name, cell in zip(header, cells) if name is not None}
    finally:
        book.close()
