"""The DuckDB engine's screen (backends.loop.Engine.screen): one streaming polars scan of a Parquet
file read where it lies, proving some of its table's checks have no row before DuckDB counts them.

Why polars: its regex engine tests a character class at a fraction of the cost of a regular
expression call per cell in DuckDB (the control-character checks were half of all checking time),
and one scan reads the file once for all of them. A screen only clears: False says nothing, and the
check is counted by DuckDB as ever, so messages, rows and counts are DuckDB's own.
"""
from __future__ import annotations

from typing import Any

from iraq_frontiers.validation.spec import Check


def screen(tables, name: str, checks: list[Check]) -> list[bool]:
    """For each of `checks` (table `name`'s cell and field checks), whether the scan proves it has no row."""
    cleared = [False] * len(checks)
    if tables.screened.get(name) is not None or name not in tables.parquet_files:
        return cleared  # the reader's data: its cells are screened already
    raw = [i for i, check in enumerate(checks) if check.source == "raw"]
    if raw and _cells_clear(tables.parquet_files[name], tables.schemas[name]):
        for i in raw:
            cleared[i] = True
    return cleared


def _cells_clear(path, schema: dict[str, Any]) -> bool:
    """True proves none of the cell checks (spec_cells.cell_checks) has a row: no blank row, no cell over
    the size limit or with a control character, no value the dataset cannot hold. The conditions are
    the reader's own (io.cells); a column whose type they were not written for is not screened."""
    import polars as pl

    from iraq_frontiers.io.cells import CONTROL_CHARACTERS, MAX_CELL_BYTES, unrepresentable
    from iraq_frontiers.schema.compiler import field_type

    try:
        lf = pl.scan_parquet(path)
        dtypes = lf.collect_schema()
        parts, empty = [], []
        for f in schema.get("fields", []):
            fname, ftype = f["name"], field_type(f)
            c, dtype = pl.col(fname), dtypes.get(fname)
            if ftype == "string" and dtype == pl.String:
                empty.append(c.is_null() | (c == ""))
                parts += [c.str.len_bytes() > MAX_CELL_BYTES, c.str.contains(CONTROL_CHARACTERS)]
            elif ftype == "list" and dtype == pl.List(pl.String):
                items = pl.element().str
                parts.append(c.list.eval((items.len_bytes() > MAX_CELL_BYTES) | items.contains(CONTROL_CHARACTERS)).list.any())
            elif ftype in ("integer", "boolean") and dtype is not None and (dtype.is_integer() or dtype == pl.Boolean):
                pass
            elif not (ftype == "number" and dtype is not None and dtype.is_numeric() or ftype == "date" and dtype == pl.Date):
                return False  # a type the conditions were not written for: the checks run
            if ftype == "number":
                c = c.cast(pl.Float64)
            if ftype != "string":
                empty.append(c.is_null())
            parts += [condition for condition, _ in unrepresentable(f, c)]
        if empty:
            parts.append(pl.all_horizontal(empty))
        return not parts or not lf.select(pl.any_horizontal(parts).any()).collect(engine="streaming").item()
    except Exception:  # noqa: BLE001 - whatever polars cannot read (invalid UTF-8...), the checks say in their words
        return False
