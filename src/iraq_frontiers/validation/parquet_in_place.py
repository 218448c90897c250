"""Parquet files read where they lie: which resources can be, and how their columns are typed.

A Parquet resource whose columns match its schema is never materialised: the engines of the check
specification (validation.backends) read it in place, row group by row group, each with the casts
`typed` lists (DuckDB by a view, backends/duckdb/tables.py; Spark from the file).
Any other resource is read by the toolkit's reader, which reports what is wrong with its columns.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iraq_frontiers.io.core import ROW
from iraq_frontiers.schema.compiler import TYPE_MAP, arrow_type, field_type


@dataclass
class ParquetTable:
    """A Parquet resource to read where it lies."""

    name: str
    file: str  # path relative to the package, for messages
    path: Path
    height: int
    typed: list[tuple[str, str, bool]] = field(default_factory=list)  # (field, type, needs a widening cast)


def _eligible_type(t) -> bool:
    import pyarrow.types as pt

    if pt.is_dictionary(t):
        return False
    if pt.is_list(t) or pt.is_large_list(t):
        return pt.is_string(t.value_type) or pt.is_large_string(t.value_type)
    return (pt.is_string(t) or pt.is_large_string(t) or pt.is_signed_integer(t) or pt.is_floating(t) or pt.is_boolean(t)
            or pt.is_date32(t))


def open_parquet(pkg, resource: dict[str, Any]) -> ParquetTable | None:
    """A Parquet resource as a view definition, or None when the toolkit's reader must read it.

    Only files the reader (iraq_frontiers.io) would read without a word about their columns are read
    where they lie: the header matches the schema, every column has the field's type or a safe
    widening of it. Their cells are screened by the check specification's cell checks (spec_cells).
    Raises io.core.InputError for what the reader refuses (paths, URLs, missing files).
    """
    from iraq_frontiers.io.package import resource_file
    from iraq_frontiers.io.parquet_reader import _safe_widening, vet_parquet

    name = resource.get("name", "?")
    file = resource_file(pkg, resource)
    rel = os.path.relpath(file, pkg.base_dir.resolve())
    schema = resource.get("schema") or {}
    fields = schema.get("fields", [])
    try:
        pf = vet_parquet(name, file, rel, streamed=True)
        arrow_schema = pf.schema_arrow
        height = pf.metadata.num_rows
    except Exception:  # noqa: BLE001 - the reference reader reports unreadable files in its own words
        return None
    names = list(arrow_schema.names)
    if len(set(names)) != len(names) or any(not n or n == ROW or n.startswith("__") for n in names):
        return None
    header = [c for c in names if c != "geometry"]
    expected = [f.get("name") for f in fields]
    if sorted(header) != sorted(expected) or len(set(expected)) != len(expected):
        return None  # missing, extra or duplicate columns: the reference reader reports them
    if any(not _eligible_type(f.type) for f in arrow_schema if f.name != "geometry"):
        return None
    typed = []
    for f in fields:
        fname = f["name"]
        ftype = field_type(f)
        if ftype not in TYPE_MAP or ftype == "datetime":
            return None
        have = arrow_schema.field(fname).type
        want = arrow_type(f)
        if have != want:
            try:
                if not _safe_widening(have, want):
                    return None
            except Exception:  # noqa: BLE001
                return None
        typed.append((fname, ftype, have != want))
    return ParquetTable(name, rel, file, height, typed)
