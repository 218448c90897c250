"""The curated CSV files of a package folder, read as text rows and appended to row by row.

Curated rows come first in a table; imported layers (origin other than `curated`) follow them. New
curated rows are inserted at the end of the curated block, and every other line of the file is kept
byte for byte, so a curation step is a small text diff.
"""
from __future__ import annotations

from pathlib import Path

from iraq_frontiers.io.disk import replace_file
from iraq_frontiers.schema.metadata import table_schema


class StoreError(ValueError):
    """A package folder or table that cannot be read or written as the curation expects."""


def table_path(data_dir: Path, table: str) -> Path:
    path = Path(data_dir) / f"{table}.csv"
    if not path.is_file():
        raise StoreError(f"{path}: no such table file (is {data_dir} a package folder with CSV tables?)")
    return path


def _records(path: Path, table: str) -> list[tuple[str, list[str]]]:
    """(raw text, cells) of each CSV record, the header included, read by the validator's reader
    (io.csv_records); raw texts concatenate to the file's text."""
    from iraq_frontiers.io.core import InputError
    from iraq_frontiers.io.csv_records import read_records

    try:
        return [(rec.raw, rec.cells) for rec in read_records(path, table)]
    except InputError as exc:
        raise StoreError(f"{path}: {exc.problem.message}") from None


def read_rows(data_dir: Path, table: str) -> list[dict[str, str]]:
    """The table's rows as strings (empty string = null), header checked against the schema."""
    path = table_path(data_dir, table)
    fields = [f["name"] for f in table_schema(table)["fields"]]
    records = _records(path, table)
    if not records or records[0][1] != fields:
        raise StoreError(f"{path}: header differs from schemas/{table}.json (expected {', '.join(fields)})")
    return [dict(zip(fields, cells + [""] * (len(fields) - len(cells)))) for _, cells in records[1:] if cells]


def row_text(table: str, row: dict[str, object]) -> str:
    """One CSV record for `row` in the table's column order (None and missing cells are empty)."""
    from iraq_frontiers.io.writers import csv_row

    fields = [f["name"] for f in table_schema(table)["fields"]]
    unknown = set(row) - set(fields)
    if unknown:
        raise StoreError(f"{table}: no field(s) {', '.join(sorted(unknown))}")
    return csv_row(["" if row.get(f) is None else str(row[f]).lower() if isinstance(row[f], bool) else str(row[f]) for f in fields])


def insert_curated(data_dir: Path, table: str, rows: list[dict[str, object]]) -> Path:
    """Insert rows at the end of the table's curated block (before the first imported row); refuses duplicate keys."""
    path = table_path(data_dir, table)
    schema = table_schema(table)
    pk = schema["primaryKey"]
    existing = {tuple(r[k] for k in pk) for r in read_rows(data_dir, table)}
    for row in rows:
        key = tuple("" if row.get(k) is None else str(row[k]) for k in pk)
        if key in existing:
            raise StoreError(f"{path}: a row with key {dict(zip(pk, key))} already exists")
        existing.add(key)
    records = _records(path, table)
    if records and not records[-1][0].endswith(("\n", "\r")):
        records[-1] = (records[-1][0] + "\n", records[-1][1])
    header = records[0][1]
    origin = header.index("origin") if "origin" in header else None
    at = len(records)
    if origin is not None:
        at = next((i for i, (_, cells) in enumerate(records[1:], 1) if origin < len(cells) and cells[origin] != "curated"), len(records))
    new = "".join(row_text(table, r) for r in rows)
    replace_file(path, ("".join(raw for raw, _ in records[:at]) + new + "".join(raw for raw, _ in records[at:])).encode("utf-8"))
    return path
