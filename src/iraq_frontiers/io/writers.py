"""Write typed Arrow tables as the package's CSV and Parquet files.

CSV: UTF-8 without BOM, LF, header, RFC 4180 quoting (only where needed), ISO 8601 dates,
empty = null, columns in schema order, list fields joined with the schema's delimiter.
Parquet: zstd, schema types from compiler.arrow_schema, no pandas metadata, the table's Table
Schema as small file-level metadata, chunks combined so rebuilds are byte-identical.
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from iraq_frontiers.io.disk import write_bytes, writing
from iraq_frontiers.schema.compiler import arrow_schema, field_type, list_delimiter

PARQUET_OPTIONS = dict(compression="zstd", compression_level=9, use_dictionary=True, write_statistics=True,
                       data_page_version="2.0", version="2.6", store_schema=False)


class UnrepresentableValue(ValueError):
    """A value that the CSV form could not carry without loss (e.g. a list item holding the delimiter)."""


def to_arrow(rows: list[dict[str, Any]] | Any, table_schema: dict[str, Any], all_nullable: bool = False):
    """Rows (dicts) or an Arrow/polars table -> an Arrow table with exactly the schema's columns and types.

    all_nullable: do not enforce `required` (for writing test packages that are broken on purpose).
    """
    import pyarrow as pa

    schema = arrow_schema(table_schema)
    if all_nullable:
        schema = pa.schema([f.with_nullable(True) for f in schema])
    if isinstance(rows, list):
        return pa.Table.from_pylist(rows, schema=schema)
    if hasattr(rows, "to_arrow"):  # polars
        rows = rows.to_arrow()
    return rows.select(schema.names).cast(schema)


def _cell(value: Any, ftype: str, delimiter: str, where: str) -> str:
    if value is None:
        return ""
    if ftype == "list":
        for item in value:
            if item is None or item == "" or delimiter in item:
                raise UnrepresentableValue(f"{where}: list item {item!r} is empty or contains the delimiter {delimiter!r}")
        return delimiter.join(value)
    if ftype == "boolean":
        return "true" if value else "false"
    if ftype == "number":
        return repr(float(value))
    if ftype in ("date", "datetime"):
        return value.isoformat()
    return str(value)


def csv_row(cells: list[str]) -> str:
    """One CSV record of text cells, LF-terminated, quoted only where needed: the package's CSV writer.

    Python's writer quotes only the characters of its lineterminator: a cell holding a bare CR would be
    written unquoted (and read back as a line break). A row with a CR is written with a CRLF terminator
    (so CR and LF are both quoted), which is then replaced by LF."""
    out = io.StringIO()  # (csv_text below writes whole tables the same way, with one writer for all rows)
    if any("\r" in cell for cell in cells):
        csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL).writerow(cells)
        return out.getvalue()[:-2] + "\n"
    csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_MINIMAL).writerow(cells)
    return out.getvalue()


def csv_text(table, table_schema: dict[str, Any], name: str = "table") -> str:
    """The CSV text of a typed Arrow table."""
    fields = table_schema["fields"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    # Python's writer quotes only the characters of its lineterminator: a cell holding a bare CR
    # would be written unquoted (and read back as a line break). Rows with a CR are written with a
    # CRLF terminator (so CR and LF are both quoted), which is then replaced by LF.
    cr_buffer = io.StringIO()
    cr_writer = csv.writer(cr_buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([f["name"] for f in fields])
    types = [field_type(f) for f in fields]
    delims = [list_delimiter(f) for f in fields]
    columns = [table.column(f["name"]).to_pylist() for f in fields]
    for i in range(table.num_rows):
        row = []
        for j, f in enumerate(fields):
            value = columns[j][i]
            if types[j] == "string" and value == "":
                raise UnrepresentableValue(f"{name} row {i + 1} field {f['name']}: an empty string cannot be told from null in CSV")
            row.append(_cell(value, types[j], delims[j], f"{name} row {i + 1} field {f['name']}"))
        if any("\r" in cell for cell in row):
            cr_buffer.seek(0)
            cr_buffer.truncate()
            cr_writer.writerow(row)
            out.write(cr_buffer.getvalue()[:-2] + "\n")
        else:
            writer.writerow(row)
    return out.getvalue()


def write_csv(table, table_schema: dict[str, Any], path: Path, name: str = "table") -> None:
    write_bytes(path, csv_text(table, table_schema, name).encode("utf-8"))


def write_parquet(table, table_schema: dict[str, Any], path: Path, extra_metadata: dict[bytes, bytes] | None = None) -> None:
    import pyarrow.parquet as pq

    metadata = {b"iraq_frontiers.table_schema": json.dumps(table_schema, separators=(",", ":"), ensure_ascii=False).encode("utf-8"),
                **(extra_metadata or {})}
    table = table.combine_chunks()
    # With store_schema=False pyarrow drops the schema's metadata: add it to the footer explicitly.
    with writing(path), pq.ParquetWriter(path, table.schema, **PARQUET_OPTIONS) as writer:
        writer.write_table(table)
        writer.add_key_value_metadata(metadata)
