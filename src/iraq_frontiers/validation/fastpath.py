"""The fast path: Parquet tables checked where they lie, never materialised whole.

A Parquet resource the reference reader (iraq_frontiers.io) would read without a word is not read into
memory: layer (b) runs as one streaming polars scan of the file (pl.scan_parquet, engine
"streaming"), counting every constraint check (required, enum, minimum, maximum, pattern,
minLength, maxLength: what compiler.constraint_checks gives Pandera, as the same polars
expressions Pandera evaluates) in one pass; only checks that fail are scanned again for their
rows. Layers (c) and (d) then see the table as a DuckDB view over read_parquet(), so DuckDB reads
only the key and rule columns, by row group, and spills to disk beyond its memory limit.

The problems are those of the reference engine (io.package.read_table + table_checks / Pandera):
same codes, messages, rows, keys and values, in the same order; a test proves it. Whatever this
path cannot reproduce exactly is handed to the reference path: unusual column types, missing or
extra columns, cells the reference reader reports or changes (empty strings, non-finite numbers,
huge cells, control characters, blank rows: counted in the same scan), patterns polars cannot compile.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iraq_frontiers.schema.compiler import STRING_FORMATS, TYPE_MAP, _anchored, arrow_type, constraint_checks, field_type, is_required, primary_key
from iraq_frontiers.validation.spec_fields import value_message
from iraq_frontiers.problems import Problem, ProblemList

ROW = "__row__"
DUCK_TYPES = {
    "string": "VARCHAR", "integer": "BIGINT", "number": "DOUBLE", "boolean": "BOOLEAN", "date": "DATE",
    "datetime": "TIMESTAMPTZ", "list": "VARCHAR[]",
}
# Regex features where RE2 (DuckDB) and Rust's regex (polars) may differ: Unicode classes and flags.
_REGEX_RISKY = re.compile(r"\\[dDwWsSbBpPX]|\(\?[a-zA-Z]")


class Unsupported(Exception):
    """This table cannot be checked exactly by the SQL engine; use the reference path."""


def q(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@dataclass
class ParquetTable:
    """A Parquet resource as a DuckDB view (same attributes the checks read from TableData)."""

    name: str
    file: str  # path relative to the package, for messages
    path: Path
    columns: list[str]  # ROW and the schema fields, typed
    height: int
    select_sql: str  # the view's query (DuckDB), for layers (c) and (d)
    typed: list[tuple[str, str, bool]] = field(default_factory=list)  # (field, type, needs a widening cast)
    fields: dict[str, dict[str, Any]] = field(default_factory=dict)  # the schema's field descriptors by name
    max_cell: int | None = None
    control: str | None = None
    unusable: set[str] = field(default_factory=set)
    frame: Any = None  # no frame: the data stays in the file

    bad_cells: dict[str, Any] = field(default_factory=dict)  # always empty: a table with cells the reader reports is read that way

    def reported(self, fname: str | None, row: int | None) -> bool:
        return False

    def lazy(self, with_row: bool = True):
        """The table as a polars LazyFrame over the file, typed, with a 1-based ROW column (unless with_row is False)."""
        import polars as pl

        if not with_row:
            lf = pl.scan_parquet(self.path)
            exprs = []
        else:
            lf = pl.scan_parquet(self.path, row_index_name=ROW, row_index_offset=1)
            exprs = [pl.col(ROW).cast(pl.Int64)]
        for fname, ftype, cast in self.typed:
            exprs.append(pl.col(fname).cast(col_dtype(ftype) if ftype != "list" else pl.List(pl.String)) if cast else pl.col(fname))
        return lf.select(exprs)

    def anomaly_expr(self):
        """True for a row whose cells the reference reader reports or changes (see iraq_frontiers.io)."""
        import polars as pl

        from iraq_frontiers.io.cells import unrepresentable

        parts, empty = [], []
        for fname, ftype, _ in self.typed:
            c = pl.col(fname)
            empty.append(c.is_null() | (c == "") if ftype == "string" else c.is_null())
            parts += [condition for condition, _ in unrepresentable(self.fields[fname], c)]
            if ftype == "string":
                parts.append(c == "")
                if self.max_cell is not None:
                    parts.append(c.str.len_bytes() > self.max_cell)
                if self.control is not None:
                    parts.append(c.str.contains(self.control))
            elif ftype == "list":
                if self.max_cell is not None:
                    parts.append(c.list.eval(pl.element().str.len_bytes() > self.max_cell).list.any())
                if self.control is not None:
                    parts.append(c.list.eval(pl.element().str.contains(self.control)).list.any())
        if empty:
            parts.append(pl.all_horizontal(empty))  # a blank row (every cell empty)
        return pl.any_horizontal(parts) if parts else pl.lit(False)


def _eligible_type(t) -> bool:
    import pyarrow.types as pt

    if pt.is_dictionary(t):
        return False
    if pt.is_list(t) or pt.is_large_list(t):
        return pt.is_string(t.value_type) or pt.is_large_string(t.value_type)
    return (pt.is_string(t) or pt.is_large_string(t) or pt.is_signed_integer(t) or pt.is_floating(t) or pt.is_boolean(t)
            or pt.is_date32(t))


def open_parquet(pkg, resource: dict[str, Any]) -> ParquetTable | None:
    """A Parquet resource as a view definition, or None when the reference reader must read it.

    The fast path takes only files the reference reader (iraq_frontiers.io) would read without a word:
    the header matches the schema, every column has the field's type or a safe widening of it.
    Cell-level surprises (empty strings, non-finite numbers, huge cells, control characters, blank rows) are
    counted by the `anomaly` condition in the first scan; a table with any is read the reference way.
    Raises io.core.InputError for what the reader refuses (paths, URLs, missing files).
    """
    from iraq_frontiers.io.cells import CONTROL_CHARACTERS, MAX_CELL_BYTES
    from iraq_frontiers.io.package import resource_file
    from iraq_frontiers.io.parquet_reader import _safe_widening, vet_parquet

    name = resource.get("name", "?")
    file = resource_file(pkg, resource)
    rel = os.path.relpath(file, pkg.base_dir.resolve())
    schema = resource.get("schema") or {}
    fields = schema.get("fields", [])
    max_cell = MAX_CELL_BYTES
    control = CONTROL_CHARACTERS
    try:
        pf = vet_parquet(name, file, rel)
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
    exprs = [f"CAST(file_row_number + 1 AS BIGINT) AS {q(ROW)}"]
    typed = []
    for f in fields:
        fname = f["name"]
        ftype = field_type(f)
        if ftype not in TYPE_MAP or ftype == "datetime":
            return None
        have = arrow_schema.field(fname).type
        want = arrow_type(f)
        col = q(fname)
        if have != want:
            try:
                if not _safe_widening(have, want):
                    return None
            except Exception:  # noqa: BLE001
                return None
            col = f"CAST({col} AS {DUCK_TYPES[ftype]})"
        exprs.append(f"{col} AS {q(fname)}")
        typed.append((fname, ftype, have != want))
    source = f"read_parquet({lit(str(file))}, file_row_number = true)"
    return ParquetTable(name, rel, file, [ROW, *expected], height, f"SELECT {', '.join(exprs)} FROM {source}", typed,
                        {f["name"]: f for f in fields}, int(max_cell) if max_cell is not None else None, control)




def _failing(check, col, ftype: str):
    """A polars expression true where a non-empty value fails the check (as Pandera's built-in checks)."""
    import polars as pl

    code, arg = check.code, check.argument
    if code == "enum":
        if ftype == "list":
            raise Unsupported("enum on a list")
        return ~col.is_in(pl.Series(list(arg), dtype=col_dtype(ftype)).implode())
    if code in ("minimum", "maximum"):
        if ftype not in ("integer", "number") or isinstance(arg, bool) or not isinstance(arg, (int, float)):
            raise Unsupported(f"{code} on a {ftype} field")
        return col < arg if code == "minimum" else col > arg
    if code == "pattern":
        if ftype != "string" or not isinstance(arg, str):
            raise Unsupported("pattern")
        pattern = _anchored(arg)  # Pandera's str_matches: ^ prefixed, str.contains
        try:
            pl.Series([""], dtype=pl.String).str.contains(pattern)
        except Exception as exc:  # noqa: BLE001 - the reference engine reports the bad pattern
            raise Unsupported(str(exc)) from None
        return ~col.str.contains(pattern)
    if code == "format":
        if ftype != "string" or arg not in STRING_FORMATS:
            raise Unsupported("format")
        return ~col.str.contains(_anchored(STRING_FORMATS[arg]))
    if code in ("min-length", "max-length"):
        if ftype != "string" or not isinstance(arg, int) or isinstance(arg, bool):
            raise Unsupported(code)
        n = col.str.len_chars()
        return n < arg if code == "min-length" else n > arg
    raise Unsupported(code)


def col_dtype(ftype: str):
    import polars as pl

    return {"string": pl.String, "integer": pl.Int64, "number": pl.Float64, "boolean": pl.Boolean, "date": pl.Date}[ftype]


@dataclass
class TableChecks:
    """Layer (b) of one table compiled to polars expressions, in the order Pandera reports them."""

    checks: list[tuple[str, str, Any, Any]]  # (field, code, argument, expression true where a row fails)
    pk: list[str]
    with_key: bool


def plan_table_checks(data, schema: dict[str, Any]) -> TableChecks:
    """Compile a table's constraints; raises Unsupported when the fast path cannot match Pandera exactly."""
    import polars as pl

    columns = data.columns if data.frame is None else data.frame.columns
    fields = [f for f in schema.get("fields", []) if f["name"] not in data.unusable and f["name"] in columns]
    pk = primary_key(schema)
    keyable = [k for k in pk if k in columns and k not in data.unusable]
    checks: list[tuple[str, str, Any, Any]] = []
    for f in fields:
        ftype = field_type(f)
        col = pl.col(f["name"])
        # cells the reader already reported (and read as empty) are not checked again
        fresh = ~pl.col(ROW).is_in(pl.Series(data.bad_cells[f["name"]], dtype=pl.Int64).implode()) if f["name"] in data.bad_cells else pl.lit(True)
        if is_required(f, schema):
            checks.append((f["name"], "required", None, col.is_null() & fresh))
        try:
            compiled = constraint_checks(f)
        except Exception as exc:  # noqa: BLE001 - unsupported constraint: the reference path reports it
            raise Unsupported(str(exc)) from None
        for check in compiled:
            checks.append((f["name"], check.code, check.argument, col.is_not_null() & _failing(check, col, ftype)))
    return TableChecks(checks, pk, bool(pk) and len(keyable) == len(pk))


def check_table_fast(data, plan: TableChecks) -> list[Problem] | None:
    """Layer (b) for one table: one counting scan, then rows only for failing checks.

    For a ParquetTable the same scan counts its anomalies; with any, returns None (the caller reads
    the table the reference way instead).
    """
    import polars as pl

    lazy = data.lazy() if data.frame is None else data.frame.lazy()
    counters = [e.fill_null(False).sum().alias(f"c{i}") for i, (_, _, _, e) in enumerate(plan.checks)]
    anomaly = data.anomaly_expr() if data.frame is None else None
    if anomaly is not None:
        counters.append(anomaly.fill_null(False).sum().alias("anomalies"))
    if not counters:
        return []
    counts = lazy.select(counters).collect(engine="streaming").row(0)
    if anomaly is not None:
        if counts[-1]:
            return None
        counts = counts[:-1]
    problems = ProblemList()
    keys = plan.pk if plan.with_key else []
    for (fname, code, arg, expr), n_bad in zip(plan.checks, counts):
        if not n_bad:
            continue
        room = problems.room(code, data.name, fname)
        problems.count_more(code, data.name, fname, n_bad - min(n_bad, room))
        rows = lazy.filter(expr.fill_null(False)).select([pl.col(ROW), pl.col(fname).alias("__value__"), *[pl.col(k) for k in keys]])
        frame = rows.sort(ROW).head(room).collect(engine="streaming")  # the first rows only: bounded memory
        values = frame["__value__"]
        key_cols = [frame[k].to_list() for k in keys]
        for j, row in enumerate(frame[ROW].to_list()):
            problems.append(Problem(code, value_message(code, arg, values[j]), table=data.name, field=fname, row=row,
                                    key={k: key_cols[n][j] for n, k in enumerate(keys)} if keys else None,
                                    value=values[j], file=data.file))
    return problems
