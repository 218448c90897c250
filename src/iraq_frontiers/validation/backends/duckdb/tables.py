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

from iraq_frontiers.validation.spec import ROW, SQL_TYPES, bad_name, lit, q, raw_name


def select_sql(table) -> str:
    """DuckDB's view of a Parquet file read where it lies (parquet_in_place.ParquetTable): ROW (1-based),
    then the schema's fields, each cast where the file holds a safe widening of the field's type."""
    exprs = [f"CAST(file_row_number + 1 AS BIGINT) AS {q(ROW)}"]
    for fname, ftype, cast in table.typed:
        exprs.append(f"{f'CAST({q(fname)} AS {SQL_TYPES[ftype]})' if cast else q(fname)} AS {q(fname)}")
    return f"SELECT {', '.join(exprs)} FROM read_parquet({lit(str(table.path))}, file_row_number = true)"


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
        self.parquet_files: dict[str, Any] = {}  # unscreened tables: their Parquet file (for the screen)

    def add_parquet(self, pkg, resource: dict[str, Any]) -> bool:
        """Register a Parquet resource where it lies; False when the reader must read it instead."""
        from iraq_frontiers.validation.parquet_in_place import open_parquet

        table = open_parquet(pkg, resource)
        if table is None:
            return False
        name = resource["name"]
        self.con.execute(f"CREATE OR REPLACE VIEW {q(raw_name(name))} AS {select_sql(table)}")
        self._note(name, resource["schema"], [f["name"] for f in resource["schema"]["fields"]], None, table.file, table.height)
        self.parquet_files[name] = table.path
        return True

    def add_read(self, data, schema: dict[str, Any]) -> None:
        """Register a table the reader read (io.core.TableData): screened, with its bad-cell flags."""
        import polars as pl

        frame = data.frame
        usable = [f["name"] for f in schema.get("fields", []) if f["name"] in frame.columns and f["name"] not in data.unusable]
        flags = [pl.col(ROW).is_in(pl.Series(rows, dtype=pl.Int64).implode()).alias(bad_name(fname))
                 for fname, rows in data.bad_cells.items() if fname in usable]
        # A vocabulary's column is held as a dictionary (4 bytes a row, not a 16-byte string view); DuckDB
        # reads it as VARCHAR, the same values. Arrow's string views are polars' own strings: handed over
        # without a copy (the oldest Arrow form copied every string column, the table held twice meanwhile).
        coded = [pl.col(f["name"]).cast(pl.Categorical) for f in schema.get("fields", [])
                 if f["name"] in usable and frame.schema[f["name"]] == pl.String and "enum" in (f.get("constraints") or {})]
        arrow = frame.select([ROW, *usable]).with_columns(*coded, *flags).to_arrow(compat_level=pl.CompatLevel.newest())
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
        if getattr(self, "_trusting", None) is not trust:  # (twice a table: a statement each only when it changes)
            self.con.execute("RESET disabled_optimizers" if trust else "SET disabled_optimizers = 'statistics_propagation'")
            self._trusting = trust

    def set_view(self, name: str, select_sql: str) -> None:
        self.con.execute(f"CREATE OR REPLACE VIEW {q(name)} AS {select_sql}")

    def close(self) -> None:
        self._close()
