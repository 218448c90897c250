"""The check specification: every check of layers (b) to (d) as data, compiled from the Table Schemas
and the rules, run by any SQL engine (iraq_frontiers.validation.backends).

Why SQL text in one dialect: every engine we run (DuckDB locally, Spark beyond one machine) is a
SQL engine, and the domain rules were SQL already. The queries are written in DuckDB's dialect
(SOURCE_DIALECT) and run on DuckDB as they are; another engine transpiles them with sqlglot
(`sqlglot.transpile(sql, read=SOURCE_DIALECT, write="spark")`), which maps functions and quoting.
The subset used is the one sqlglot maps: comparisons, CASE, coalesce, regexp_matches, length,
strlen, isnan/isinf, datediff, list literals, EXISTS, window row_number, count_if, bool_or.
(An expression library such as Ibis would add a large dependency and a second query language for
rules that are plain SQL already.)

The engine's contract (see backends/duckdb/):
1. Register each table's typed data under `raw_name(table)`: a column ROW (1-based row number,
   BIGINT), then the schema's usable fields with their Table Schema types. A table read by the
   toolkit's readers (CSV, inline, a Parquet file the reader had to repair) is registered with its
   cells already screened (TableSpec.screened): it carries a boolean column `bad_name(field)` for
   every field whose cells the reader reported, true on those rows.
2. Register `Spec.view_sql(table)` (a SELECT over the raw table) as a view named `table`: the table
   as the checks see it, blank rows left out, empty strings and reported cells read as NULL, plus a
   boolean column `bad_name(field)` per screenable field (true where the cell was reported).
3. For each Check: count its rows (`count_sql`), and fetch the first `limit` of them ordered by ROW
   (`rows_sql(limit)`), each (ROW, value, detail, key columns...); Check.problem() turns one into a
   Problem. Codes, messages, keys and values are made here, so they are the same on every engine.

A check whose offending rows come from one query is all there is: no engine-specific rule exists.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

from iraq_frontiers.io.core import ROW
from iraq_frontiers.problems import Problem
from iraq_frontiers.schema.compiler import primary_key

SOURCE_DIALECT = "duckdb"
SQL_TYPES = {"string": "VARCHAR", "integer": "BIGINT", "number": "DOUBLE", "boolean": "BOOLEAN", "date": "DATE",
             "datetime": "TIMESTAMPTZ", "list": "VARCHAR[]"}


def q(identifier: str) -> str:
    """A quoted SQL identifier."""
    return '"' + identifier.replace('"', '""') + '"'


def lit(value: Any) -> str:
    """A SQL literal for a constraint value from a schema (str, bool, int, finite float)."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("non-finite constraint value")
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def raw_name(table: str) -> str:
    """Where the engine registers a table's typed data (before the screen)."""
    return f"__raw__{table}"


def bad_name(fname: str) -> str:
    """The boolean column true where the reader or the screen reported the cell (read as empty)."""
    return f"__bad__{fname}"


def anchored(pattern: str) -> str:
    """A Table Schema pattern as a whole-value regex for RE2 (DuckDB, Spark) and Rust (polars), with the
    one dialect's meaning (schema/regex.py: Python's re, Unicode classes spelt out). `\\z`, not `$`: in
    Java's regex (Spark) `$` also matches before a final line break; `\\z` is the end of the text in RE2,
    Java and Rust alike. A pattern outside the dialect is refused before (schema_guard)."""
    from iraq_frontiers.schema.regex import engine_regex

    return engine_regex(pattern)


# --------------------------------------------------------------------------------------------
# the specification


@dataclass(frozen=True)
class Check:
    """One check: the rows of `table` (alias t) matching `where` offend; `value` (SQL) is what is shown.

    `joins` is FROM-clause SQL after `<table> t` (other tables by their registered names). `detail`
    is an optional SQL expression fetched with the value, for messages that need more than the value.
    `describe(value, detail)` gives the message (default: `message`); `shown(value, detail)` the value
    reported (default: the value as fetched). `source` is "view" (the table as checked) or "raw" (the
    typed data before the screen: the cell checks)."""

    code: str
    table: str
    field: str | None
    message: str
    where: str
    value: str
    joins: str = ""
    detail: str | None = None
    source: str = "view"
    # Non-empty: the check's SQL is DuckDB's own (reference-cycle: pointer doubling over materialised
    # CTEs, which Spark would inline), so every engine runs it on a local DuckDB connection over these
    # (table, columns) of the tables as checked, collected from the engine (backends/loop.py).
    collect: tuple[tuple[str, tuple[str, ...]], ...] = ()
    key: tuple[str, ...] = ()  # primary-key fields listed in problems (empty: none, or not usable)
    describe: Callable[[Any, Any], str] | None = None
    shown: Callable[[Any, Any], Any] | None = None
    layer: str = "table"  # cell, table, keys, domain: the order problems are reported in
    count_query: str | None = None  # a cheaper query giving the same count (default: count the rows)
    # A screen: a still cheaper query (one value) whose 0 proves the check has no rows; any other value
    # says nothing, and the count runs. Checks with the same screen are cleared by one run of it.
    screen: str | None = None
    # Checks with the same `shared` key are counted by one query: the rows of `shared_rows` (SELECT
    # ... AS __k<i>__) of each, stacked (alias r), then joined once by `shared_join` (the rows left are
    # the offending ones); foreign keys into one key of one table share one anti-join this way.
    shared: str | None = None
    shared_rows: str | None = None
    shared_join: str | None = None

    @property
    def relation(self) -> str:
        return q(self.table) if self.source == "view" else q(raw_name(self.table))

    def from_sql(self) -> str:
        return f"{self.relation} t {self.joins}".rstrip()

    def count_sql(self) -> str:
        """SQL giving the number of offending rows (one row, one column)."""
        return self.count_query or f"SELECT count(*) FROM {self.from_sql()} WHERE {self.where}"

    @property
    def batchable(self) -> bool:
        """Whether the count may be one count_if({where}) among others over the same from_sql()."""
        return self.count_query is None and self.shared is None and "SELECT" not in self.where.upper()

    def rows_sql(self, limit: int | None = None) -> str:
        """ROW, value, detail, then the key columns, of the offending rows in row order (the first `limit`)."""
        cols = [f"t.{q(ROW)}", self.value, self.detail or "NULL", *[f"t.{q(k)}" for k in self.key]]
        sql = f"SELECT {', '.join(cols)} FROM {self.from_sql()} WHERE {self.where} ORDER BY t.{q(ROW)}"
        return sql + (f" LIMIT {int(limit)}" if limit is not None else "")

    def problem(self, record: tuple, file: str | None) -> Problem:
        """The Problem for one record of rows_sql()."""
        row, value, detail, *key = record
        message = self.describe(value, detail) if self.describe else self.message
        shown = self.shown(value, detail) if self.shown else value
        return Problem(self.code, message, table=self.table, field=self.field, row=int(row),
                       key=dict(zip(self.key, key)) if self.key else None, value=shown, file=file)


@dataclass
class TableSpec:
    """What the engine needs to register one table, and what the checks may read of it."""

    name: str
    fields: list[dict[str, Any]]  # the usable fields, in schema order
    screened: bool  # True: the reader reported the cells already (bad_name columns given for `reported`)
    reported: tuple[str, ...] = ()  # screened tables: the fields with a bad_name column in the raw data
    pk: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, ...]:
        names = {f["name"] for f in self.fields}
        return tuple(self.pk) if self.pk and all(k in names for k in self.pk) else ()

    def has(self, *fields: str) -> bool:
        names = {f["name"] for f in self.fields}
        return all(f in names for f in fields)


@dataclass
class Spec:
    tables: dict[str, TableSpec]
    checks: list[Check]
    # Key checks an engine's screen of their table proved to have no row (by id): cross_checks leaves them out.
    cleared: set[int] = field(default_factory=set)

    def view_sql(self, table: str, dirty: set[str] | None = None, blank_rows: bool = True) -> str:
        """The SELECT (over raw_name(table)) to register as the view `table` (spec_cells.view_sql)."""
        from iraq_frontiers.validation.spec_cells import view_sql

        return view_sql(self.tables[table], dirty, blank_rows)

    def _of(self, table: str) -> list[Check]:
        """The checks of one table, in order (indexed once: a package of 5,000 tables asked this 15,000 times)."""
        if getattr(self, "_by_table", None) is None or self._indexed != len(self.checks):
            by_table: dict[str, list[Check]] = {}
            for c in self.checks:
                by_table.setdefault(c.table, []).append(c)
            self._by_table, self._indexed = by_table, len(self.checks)
        return self._by_table.get(table, [])

    def table_checks(self, table: str, source: str) -> list[Check]:
        """The checks of layers (b) and the screen on one table's rows (source "raw": the cell checks)."""
        return [c for c in self._of(table) if c.source == source and c.layer in ("cell", "table")]

    def key_checks(self, table: str) -> list[Check]:
        """The checks of layer (c) on one table's rows alone (repeated keys), which a screen of the table may clear."""
        return [c for c in self._of(table) if c.layer == "keys" and c.code in ("primary-key-duplicate", "unique-duplicate")]

    def clear(self, checks: list[Check]) -> None:
        """Leave out checks a screen proved to have no row (they would count 0)."""
        self.cleared.update(id(c) for c in checks)

    def cross_checks(self) -> list[Check]:
        """Keys, foreign keys and rules, in the order they are reported (those cleared left out)."""
        return [c for layer in ("keys", "domain") for c in self.checks if c.layer == layer and id(c) not in self.cleared]


@dataclass(frozen=True)
class CountQuery:
    """One query counting several checks: `sql` returns one row of counts (shape "row", one column per
    check) or rows of (check number, count) (shape "grouped", checks without rows absent)."""

    sql: str
    checks: tuple[int, ...]  # indexes in the list given to count_queries
    shape: str


def screens(checks: list[Check]) -> dict[str, list[int]]:
    """The screens of a list of checks, each with the indexes of the checks its 0 clears. An engine may
    run them before count_queries (and count only the checks not cleared) or ignore them."""
    out: dict[str, list[int]] = {}
    for i, check in enumerate(checks):
        if check.screen is not None:
            out.setdefault(check.screen, []).append(i)
    return out


def count_queries(checks: list[Check]) -> list[CountQuery]:
    """How to count a list of checks in few scans: plain conditions over one relation together
    (count_if each), checks sharing a `shared` key in one query, the others one query each."""
    out: list[CountQuery] = []
    batches: dict[str, list[int]] = {}
    shared: dict[str, list[int]] = {}
    for i, check in enumerate(checks):
        if check.batchable:
            batches.setdefault(check.from_sql(), []).append(i)
        elif check.shared is not None:
            shared.setdefault(check.shared, []).append(i)
        else:
            out.append(CountQuery(check.count_sql(), (i,), "row"))
    for source, idx in batches.items():
        out.append(CountQuery("SELECT " + ", ".join(f"count_if({checks[i].where})" for i in idx) + f" FROM {source}", tuple(idx), "row"))
    for idx in shared.values():
        rows = " UNION ALL ".join(f"SELECT {i} AS __check__, {checks[i].shared_rows}" for i in idx)
        out.append(CountQuery(f"SELECT r.__check__, count(*) FROM ({rows}) r {checks[idx[0]].shared_join} GROUP BY r.__check__",
                              tuple(idx), "grouped"))
    return out


def compile_spec(schemas: dict[str, dict[str, Any]], usable: dict[str, list[str]], screened: dict[str, tuple[str, ...] | None]) -> Spec:
    """The specification for the tables an engine registered.

    schemas: the resources' Table Schemas by name; usable: per registered table, the fields present
    with their types (the engine reports the others, once); screened: per table, None when the data
    comes unscreened from a file (the spec's cell checks run), else the fields with a bad_name column.
    """
    tables: dict[str, TableSpec] = {}
    for name, columns in usable.items():
        schema = schemas[name]
        present = set(columns)
        fields = [f for f in schema.get("fields", []) if f.get("name") in present]
        given = screened.get(name)
        tables[name] = TableSpec(name, fields, given is not None, tuple(given or ()), primary_key(schema))
    from iraq_frontiers.validation.spec_cells import cell_checks
    from iraq_frontiers.validation.spec_fields import field_checks
    from iraq_frontiers.validation.spec_keys import foreign_key_checks, key_checks
    from iraq_frontiers.validation.spec_rules import rule_checks

    checks: list[Check] = []
    for t in tables.values():
        if not t.screened:
            checks += cell_checks(t)
        checks += field_checks(t, schemas[t.name])
    checks += key_checks(tables, schemas)
    checks += foreign_key_checks(tables, schemas)
    checks += rule_checks(tables)
    return Spec(tables, checks)


def transpile(sql: str, dialect: str) -> str:
    """A query of the specification in another engine's dialect (sqlglot; imported only when asked)."""
    if dialect == SOURCE_DIALECT:
        return sql
    import sqlglot

    return sqlglot.transpile(sql, read=SOURCE_DIALECT, write=dialect)[0]
