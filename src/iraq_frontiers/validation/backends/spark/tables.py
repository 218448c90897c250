"""Register a package's tables in Spark for the check specification (validation.spec).

The same contract as backends/duckdb/tables.py. A Parquet file the toolkit's reader would read
without a word about its columns is read where it lies (`spark.read.parquet`, by the executors, in
parallel), typed with the same safe widenings, numbered by the file's own row index, and left
unscreened: the specification's cell checks run on it in Spark. Any other table is read by the
toolkit's reader (io.package.read_table) on the driver and handed to Spark as Arrow, screened.

CSV goes the reader's way on purpose: its structure checks (ragged rows, quotes, encodings, the
physical line of every problem) are one sequential, strict parse that Spark's CSV source cannot
reproduce (it is lenient by design, PERMISSIVE or DROPMALFORMED, and knows no line numbers), and
a CSV table is at most 8 GiB anyway (use Parquet beyond: docs/validation.md). Identical problems
come by construction.

Spark reads invalid UTF-8 without complaint (DuckDB refuses the file): a Parquet table is screened
for it with is_valid_utf8 before it is registered, and one with any is read by the reader, which
reports each cell with its bytes, as the DuckDB engine ends up doing.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from iraq_frontiers.validation.backends.spark.dialect import to_spark
from iraq_frontiers.validation.spec import ROW, bad_name, raw_name

SPARK_TYPES = {
    "string": "STRING", "integer": "BIGINT", "number": "DOUBLE", "boolean": "BOOLEAN", "date": "DATE",
    "datetime": "TIMESTAMP", "list": "ARRAY<STRING>",
}


def bq(identifier: str) -> str:
    """A Spark SQL identifier (backquoted)."""
    return "`" + identifier.replace("`", "``") + "`"


class SparkConnection:
    """What the specification's runner (backends/duckdb/run.py) needs of a connection: execute(sql)
    with fetchone()/fetchall(), the SQL in the specification's dialect, run by Spark."""

    def __init__(self, tables: "SparkTables"):
        self.tables = tables

    def execute(self, sql: str) -> "_Result":
        t = self.tables
        spark_sql = to_spark(sql, tuple(sorted(t.views.items())), frozenset(t.doubles))
        return _Result(t.spark.sql(spark_sql).toArrow())


class _Result:
    def __init__(self, arrow):
        self._columns = [column.to_pylist() for column in arrow.columns]
        self._n = arrow.num_rows

    def fetchall(self) -> list[tuple]:
        return list(zip(*self._columns)) if self._columns else [()] * self._n

    def fetchone(self) -> tuple | None:
        rows = self.fetchall()
        return rows[0] if rows else None


class SparkTables:
    """The package's tables in one Spark session, as the specification's engine contract says.

    Views are registered under names of their own (`ifr<n>_...`), never under the resource names,
    so a caller's session (a notebook's, with views of its own) is left as it was; the SQL is
    renamed on its way (dialect.to_spark)."""

    _sessions = 0

    def __init__(self, spark, say=None):
        from iraq_frontiers.validation.backends.spark.dialect import register_functions

        SparkTables._sessions += 1
        self.spark = spark
        self.say = say or (lambda _msg: None)
        self._prefix = f"ifr{SparkTables._sessions}_"
        self._n = 0
        register_functions(spark)
        self.con = SparkConnection(self)
        self.views: dict[str, str] = {}  # name in the specification's SQL -> Spark view
        self.doubles: set[tuple[str, str]] = set()  # (table, field) of DOUBLE columns, raw and view
        self.schemas: dict[str, dict[str, Any]] = {}
        self.usable: dict[str, list[str]] = {}
        self.screened: dict[str, tuple[str, ...] | None] = {}
        self.files: dict[str, str | None] = {}
        self.heights: dict[str, int] = {}

    def _view_name(self) -> str:
        self._n += 1
        return f"{self._prefix}{self._n}"

    def _register(self, name: str, df) -> None:
        view = self._view_name()
        df.createOrReplaceTempView(view)
        self.views[name] = view

    def add_parquet(self, pkg, resource: dict[str, Any]) -> bool:
        """Register a Parquet resource where it lies; False when the reader must read it instead."""
        from iraq_frontiers.validation.parquet_in_place import open_parquet

        opened = open_parquet(pkg, resource)
        if opened is None:
            return False
        df = self.spark.read.parquet(Path(opened.path).resolve().as_uri())
        exprs = [f"CAST(_metadata.row_index + 1 AS BIGINT) AS {bq(ROW)}"]
        for fname, ftype, cast in opened.typed:
            exprs.append(f"CAST({bq(fname)} AS {SPARK_TYPES[ftype]}) AS {bq(fname)}" if cast else bq(fname))
        raw = df.selectExpr(*exprs)
        if _invalid_utf8(raw, opened.typed):
            return False
        name = resource["name"]
        self._register(raw_name(name), raw)
        self._note(name, resource["schema"], [f for f, _, _ in opened.typed], None, opened.file, opened.height)
        return True

    def add_read(self, data, schema: dict[str, Any]) -> None:
        """Register a table the reader read (io.package.TableData): screened, with its bad-cell flags."""
        import polars as pl

        frame = data.frame
        usable = [f["name"] for f in schema.get("fields", []) if f["name"] in frame.columns and f["name"] not in data.unusable]
        flags = [pl.col(ROW).is_in(pl.Series(rows, dtype=pl.Int64).implode()).alias(bad_name(fname))
                 for fname, rows in data.bad_cells.items() if fname in usable]
        arrow = frame.select([ROW, *usable]).with_columns(flags).to_arrow(compat_level=pl.CompatLevel.oldest())
        self.drop(data.name)
        if arrow.num_rows:
            df = self.spark.createDataFrame(arrow)
        else:  # Spark cannot infer a schema from no rows
            from pyspark.sql.pandas.types import from_arrow_schema

            df = self.spark.createDataFrame([], from_arrow_schema(arrow.schema))
        self._register(raw_name(data.name), df)
        self._note(data.name, schema, usable, tuple(f for f in data.bad_cells if f in usable), data.file, frame.height)

    def _note(self, name, schema, usable, screened, file, height) -> None:
        from iraq_frontiers.schema.compiler import field_type

        self.schemas[name], self.usable[name], self.screened[name] = schema, usable, screened
        self.files[name], self.heights[name] = file, height
        for f in schema.get("fields", []):
            if f.get("name") in usable and field_type(f) == "number":
                self.doubles |= {(name, f["name"]), (raw_name(name), f["name"])}

    def drop(self, name: str) -> None:
        """Forget a table (to register it again another way)."""
        if name not in self.usable:
            return
        for view_name in (raw_name(name), name):
            view = self.views.pop(view_name, None)
            if view:
                self.spark.catalog.dropTempView(view)
        self.doubles = {d for d in self.doubles if d[0] not in (name, raw_name(name))}
        for d in (self.schemas, self.usable, self.screened, self.files, self.heights):
            d.pop(name, None)

    distrust = False  # the DuckDB engine's statistics switch (its NaN trap): Spark has no such optimizer

    def trusting_statistics(self, trust: bool) -> None:
        """Nothing to switch: Spark does not decide isnan() from Parquet min/max statistics."""

    def set_view(self, name: str, select_sql: str) -> None:
        sql = to_spark(select_sql, tuple(sorted(self.views.items())), frozenset(self.doubles))
        view = self.views.get(name) or self._view_name()
        self.spark.sql(f"CREATE OR REPLACE TEMPORARY VIEW {bq(view)} AS {sql}")
        self.views[name] = view

    def close(self) -> None:
        for view in self.views.values():
            try:
                self.spark.catalog.dropTempView(view)
            except Exception:  # noqa: BLE001 - the session may be gone (interrupted run)
                pass
        self.views.clear()


def _invalid_utf8(raw, typed: list[tuple[str, str, bool]]) -> bool:
    """Whether any string cell or list item of the table is not valid UTF-8 (one pass, string columns only)."""
    checks = []
    for fname, ftype, _ in typed:
        if ftype == "string":
            checks.append(f"NOT is_valid_utf8({bq(fname)})")
        elif ftype == "list":
            checks.append(f"exists({bq(fname)}, x -> NOT is_valid_utf8(x))")
    if not checks:
        return False
    return bool(raw.selectExpr(f"count_if({' OR '.join(f'coalesce({c}, false)' for c in checks)})").collect()[0][0])
