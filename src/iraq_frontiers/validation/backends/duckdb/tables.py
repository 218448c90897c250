"""Register a package's tables in DuckDB for the check specification (validation.spec).

A Parquet file the reference reader would read without a word about its columns stays where it
lies: its raw relation is a view over read_parquet() (typed, with a row number), unscreened, and
the specification's cell checks run on it. Any other table (CSV, inline data, a Parquet file with
missing, extra or oddly typed columns, or with invalid UTF-8) is read by the toolkit's reader
(io.package.read_table), which reports its cells; its frame is registered as Arrow, screened, with
a bad-cell flag column per field it reported.

DuckDB runs capped in memory (IRAQ_FRONTIERS_DUCKDB_MEMORY) and spills to a temporary folder
beyond it (connection.py opens the connection; close() removes the folder).
"""
from __future__ import annotations

from typing import Any

from iraq_frontiers.validation.spec import ROW, bad_name, q, raw_name


class DuckTables:
    """The package's tables in one DuckDB connection, as the specification's engine contract says."""

    def __init__(self, say=None):
        from iraq_frontiers.validation.backends.duckdb.connection import open_connection

        self.con, self._close = open_connection()  # memory limit, spill folder (removed by close)
        self.con.execute("SET enable_progress_bar = false")  # DuckDB would draw bars into the report of a long query
        self.schemas: dict[str, dict[str, Any]] = {}
        self.usable: dict[str, list[str]] = {}  # table -> fields present with their types
        self.screened: dict[str, tuple[str, ...] | None] = {}  # None: data from a file, unscreened
        self.files: dict[str, str | None] = {}
        self.heights: dict[str, int] = {}
        self.distrust = False  # a view tests cells for NaN: Parquet statistics must not be used any more
        self.parquet_files: dict[str, Any] = {}  # unscreened tables: their Parquet file (for cells_clear)

    def add_parquet(self, pkg, resource: dict[str, Any]) -> bool:
        """Register a Parquet resource where it lies; False when the reader must read it instead."""
        from iraq_frontiers.validation.parquet_in_place import open_parquet

        table = open_parquet(pkg, resource)
        if table is None:
            return False
        name = resource["name"]
        self.con.execute(f"CREATE OR REPLACE VIEW {q(raw_name(name))} AS {table.select_sql}")
        self._note(name, resource["schema"], [f["name"] for f in resource["schema"]["fields"]], None, table.file, table.height)
        self.parquet_files[name] = table.path
        return True

    def cells_clear(self, name: str) -> bool:
        """A screen for an unscreened table's cell checks (spec_cells.cell_checks): True proves none of
        them has a row (no blank row, no cell over the size limit or with a control character, no value
        the dataset cannot hold), False says nothing. One streaming polars scan of the file: its regex
        engine tests a character class at a fraction of the cost of a regular expression call per cell
        in DuckDB (the control-character checks were half of all checking time). The conditions are the
        reader's own (io.cells); a column whose type they were not written for is not screened."""
        import polars as pl

        from iraq_frontiers.io.cells import CONTROL_CHARACTERS, MAX_CELL_BYTES, unrepresentable
        from iraq_frontiers.schema.compiler import field_type

        try:
            lf = pl.scan_parquet(self.parquet_files[name])
            dtypes = lf.collect_schema()
            parts, empty = [], []
            for f in self.schemas[name].get("fields", []):
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

    def add_read(self, data, schema: dict[str, Any]) -> None:
        """Register a table the reader read (io.core.TableData): screened, with its bad-cell flags."""
        import polars as pl

        frame = data.frame
        usable = [f["name"] for f in schema.get("fields", []) if f["name"] in frame.columns and f["name"] not in data.unusable]
        flags = [pl.col(ROW).is_in(pl.Series(rows, dtype=pl.Int64).implode()).alias(bad_name(fname))
                 for fname, rows in data.bad_cells.items() if fname in usable]
        arrow = frame.select([ROW, *usable]).with_columns(flags).to_arrow()
        self.drop(data.name)
        self.con.register(raw_name(data.name), arrow)
        self._note(data.name, schema, usable, tuple(f for f in data.bad_cells if f in usable), data.file, frame.height)

    def _note(self, name, schema, usable, screened, file, height) -> None:
        self.schemas[name], self.usable[name], self.screened[name] = schema, usable, screened
        self.files[name], self.heights[name] = file, height

    def drop(self, name: str) -> None:
        """Forget a table (to register it again another way)."""
        if name not in self.usable:
            return
        if self.screened[name] is None:
            self.con.execute(f"DROP VIEW IF EXISTS {q(raw_name(name))}")
        else:
            self.con.unregister(raw_name(name))
        self.con.execute(f"DROP VIEW IF EXISTS {q(name)}")
        for d in (self.schemas, self.usable, self.screened, self.files, self.heights, self.parquet_files):
            d.pop(name, None)

    def trusting_statistics(self, trust: bool) -> None:
        """Whether DuckDB may use Parquet min/max statistics. Not for the cell checks: statistics leave
        NaN out, and statistics propagation would decide that isnan() is always false on a column (a NaN
        check would silently pass). The joins of the other checks gain from them."""
        self.con.execute("RESET disabled_optimizers" if trust else "SET disabled_optimizers = 'statistics_propagation'")

    def set_view(self, name: str, select_sql: str) -> None:
        self.con.execute(f"CREATE OR REPLACE VIEW {q(name)} AS {select_sql}")

    def close(self) -> None:
        self._close()
