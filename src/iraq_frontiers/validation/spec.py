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

from iraq_frontiers.compiler import STRING_FORMATS, constraint_checks, field_type, is_required, list_delimiter, primary_key
from iraq_frontiers.problems import Problem

SOURCE_DIALECT = "duckdb"
ROW = "__row__"
MAX_CELL_BYTES = 1024 * 1024  # as package_io: a longer cell is `cell-too-large` and read as empty
# Control characters other than tab, line feed and carriage return (C0, DEL, C1): as package_io.
CONTROL_CHARACTERS = "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f\\x{80}-\\x{9f}]"
SQL_TYPES = {"string": "VARCHAR", "integer": "BIGINT", "number": "DOUBLE", "boolean": "BOOLEAN", "date": "DATE",
             "datetime": "TIMESTAMPTZ", "list": "VARCHAR[]"}
MAX_ENUM_SHOWN = 20


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
    """A Table Schema pattern as a whole-value regex (XML Schema semantics). `\\z`, not `$`: in Java's
    regex (Spark) `$` also matches before a final line break; `\\z` is the end of the text in RE2,
    Java and Rust alike."""
    return f"^(?:{pattern})\\z"


# --------------------------------------------------------------------------------------------
# messages (one place: every engine's problems say the same)

CONSTRAINT_MESSAGES = {
    "required": "required value is empty",
    "enum": "value is not one of the allowed values",
    "minimum": "value is below the minimum {arg}",
    "maximum": "value is above the maximum {arg}",
    "pattern": "value does not match the pattern {arg}",
    "min-length": "value is shorter than {arg} characters",
    "max-length": "value is longer than {arg} characters",
    "format": "value is not a valid {arg} (the field's format)",
}


def constraint_message(code: str, arg) -> str:
    """The message of a failed per-field check (pattern shown quoted; a vocabulary listed, clipped)."""
    if code == "enum":
        shown = ", ".join(repr(v) for v in list(arg)[:MAX_ENUM_SHOWN])
        more = f", ... ({len(arg)} values)" if len(arg) > MAX_ENUM_SHOWN else ""
        return f"{CONSTRAINT_MESSAGES[code]}: {shown}{more} (case matters)"
    return CONSTRAINT_MESSAGES[code].format(arg=repr(arg) if code == "pattern" else arg)


def enum_message(allowed: list, value: Any) -> str:
    """The enum message for one value: the allowed values, and a hint when the value differs only in case."""
    base = constraint_message("enum", allowed)
    if isinstance(value, str):
        folded = [v for v in allowed if isinstance(v, str) and v.casefold() == value.casefold()]
        if folded:
            return f"{base}; did you mean {folded[0]!r}?"
    return base


def clip(value: Any, n: int = 200) -> Any:
    if isinstance(value, str) and len(value) > n:
        return value[:n] + f"... ({len(value)} characters)"
    return value


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
    key: tuple[str, ...] = ()  # primary-key fields listed in problems (empty: none, or not usable)
    describe: Callable[[Any, Any], str] | None = None
    shown: Callable[[Any, Any], Any] | None = None
    layer: str = "table"  # cell, table, keys, domain: the order problems are reported in
    count_query: str | None = None  # a cheaper query giving the same count (default: count the rows)
    # Checks with the same `shared` key are counted by one query: the rows of `shared_rows` (SELECT
    # ... AS __k<i>__) of each, stacked, tested once by `shared_where` (over alias r); foreign keys
    # into one key of one table share one anti-join this way.
    shared: str | None = None
    shared_rows: str | None = None
    shared_where: str | None = None

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

    def view_sql(self, table: str, dirty: set[str] | None = None, blank_rows: bool = True) -> str:
        """The SELECT (over raw_name(table)) to register as the view `table` (see view_sql below)."""
        return view_sql(self.tables[table], dirty, blank_rows)

    def table_checks(self, table: str, source: str) -> list[Check]:
        """The checks of layers (b) and the screen on one table's rows (source "raw": the cell checks)."""
        return [c for c in self.checks if c.table == table and c.source == source and c.layer in ("cell", "table")]

    def cross_checks(self) -> list[Check]:
        """Keys, foreign keys and rules, in the order they are reported."""
        return [c for c in self.checks if c.layer == "keys"] + [c for c in self.checks if c.layer == "domain"]


@dataclass(frozen=True)
class CountQuery:
    """One query counting several checks: `sql` returns one row of counts (shape "row", one column per
    check) or rows of (check number, count) (shape "grouped", checks without rows absent)."""

    sql: str
    checks: tuple[int, ...]  # indexes in the list given to count_queries
    shape: str


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
        out.append(CountQuery(f"SELECT r.__check__, count(*) FROM ({rows}) r WHERE {checks[idx[0]].shared_where} GROUP BY r.__check__",
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
    checks: list[Check] = []
    for t in tables.values():
        if not t.screened:
            checks += cell_checks(t)
        checks += field_checks(t, schemas[t.name])
    checks += key_checks(tables, schemas)
    checks += foreign_key_checks(tables, schemas)
    checks += rule_checks(tables)
    return Spec(tables, checks)


# --------------------------------------------------------------------------------------------
# the screen: cells the readers report (as package_io does for the reference engine)


def _blank(t: TableSpec) -> str:
    """True for a row whose every cell is null or an empty string (CSV's blank row)."""
    parts = [f"(t.{q(f['name'])} IS NULL{' OR t.' + q(f['name']) + ' = ' + lit('') if field_type(f) == 'string' else ''})"
             for f in t.fields]
    return " AND ".join(parts) if parts else "FALSE"


def _unfit(f: dict[str, Any]) -> list[tuple[str, str]]:
    """(SQL condition on the raw column c, message) for typed values the dataset cannot hold
    (package_io.unrepresentable): non-finite numbers, dates outside 0001..9999, list items empty or
    holding the delimiter."""
    c = f"t.{q(f['name'])}"
    ftype = field_type(f)
    if ftype == "number":
        return [(f"(isnan({c}) OR isinf({c}))", "not a finite number")]
    if ftype == "date":
        return [(f"NOT ({c} BETWEEN DATE '0001-01-01' AND DATE '9999-12-31')", "date outside the years 0001 to 9999")]
    if ftype == "list":
        d = list_delimiter(f)
        return [(f"len(list_filter({c}, x -> x IS NULL OR x = '')) > 0",
                 "list has an empty item (two delimiters in a row, or one at an end?)"),
                (f"len(list_filter({c}, x -> contains(x, {lit(d)}))) > 0",
                 f"a list item holds the list delimiter {d!r} (it could not be written as CSV)")]
    return []


def _too_large(f: dict[str, Any]) -> str | None:
    c = f"t.{q(f['name'])}"
    if field_type(f) == "string":
        return f"strlen({c}) > {MAX_CELL_BYTES}"
    if field_type(f) == "list":
        return f"len(list_filter({c}, x -> strlen(x) > {MAX_CELL_BYTES})) > 0"
    return None


def _control(f: dict[str, Any]) -> str | None:
    c = f"t.{q(f['name'])}"
    if field_type(f) == "string":
        return f"regexp_matches({c}, {lit(CONTROL_CHARACTERS)})"
    if field_type(f) == "list":
        return f"len(list_filter({c}, x -> regexp_matches(x, {lit(CONTROL_CHARACTERS)}))) > 0"
    return None


def _bad_condition(f: dict[str, Any]) -> str | None:
    """True where the screen reports the raw cell and reads it as empty (too large, or unfit)."""
    parts = [p for p in [_too_large(f), *[cond for cond, _ in _unfit(f)]] if p]
    return " OR ".join(f"coalesce({p}, FALSE)" for p in parts) if parts else None


def view_sql(t: TableSpec, dirty: set[str] | None = None, blank_rows: bool = True) -> str:
    """The table as the checks see it: blank rows out, empty strings and reported cells NULL, bad flags.

    For unscreened data an engine that counted the cell checks first may say which fields have
    reported cells (`dirty`) and whether any row is blank: the view then skips the other conditions
    (a query on the key columns need not read every column to rule out blank rows)."""
    cols = [f"t.{q(ROW)}"]
    for f in t.fields:
        c = f"t.{q(f['name'])}"
        if t.screened:
            bad = f"t.{q(bad_name(f['name']))}" if f["name"] in t.reported else None
        else:
            bad = _bad_condition(f) if dirty is None or f["name"] in dirty else None
        value = f"NULLIF({c}, '')" if field_type(f) == "string" else c
        if bad:
            cols.append(f"CASE WHEN {bad} THEN NULL ELSE {value} END AS {q(f['name'])}")
            cols.append(f"{bad} AS {q(bad_name(f['name']))}")
        else:
            cols.append(f"{value} AS {q(f['name'])}")
            cols.append(f"FALSE AS {q(bad_name(f['name']))}")
    where = f" WHERE NOT ({_blank(t)})" if blank_rows and not t.screened else ""
    return f"SELECT {', '.join(cols)} FROM {q(raw_name(t.name))} t{where}"


def _control_message(value: Any, _detail: Any) -> str:
    import re

    text = value if isinstance(value, str) else "|".join(v for v in value or [] if v)
    ch = re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x9f]", text)
    where = f"U+{ord(ch.group()):04X} at character {ch.start() + 1}" if ch else "a control character"
    return f"cell holds the control character {where}"


def _control_shown(value: Any, _detail: Any) -> Any:
    return clip(value if isinstance(value, str) else "|".join(v for v in value or [] if v))


def _size(value: Any) -> int:
    return len(value.encode("utf-8")) if isinstance(value, str) else sum(len(v.encode("utf-8")) for v in value if v)


def _shown_date(days: Any, _detail: Any) -> Any:
    """A date by its day number, as the reference reader shows it (package_io._shown_value)."""
    import polars as pl

    if days is None:
        return None
    if abs(days) < 95_000_000:
        return pl.Series([days], dtype=pl.Int32).cast(pl.Date).cast(pl.String)[0]
    return f"{days} days from 1970-01-01"


def cell_checks(t: TableSpec) -> list[Check]:
    """The reader's cell checks, for data registered unscreened: blank rows, cells over 1 MiB, control
    characters, values the dataset cannot hold. Cells over 1 MiB and unfit values are read as empty."""
    out = [Check("blank-row", t.name, None, "", _blank(t), "NULL", detail=f"t.{q(ROW)}", source="raw", layer="cell",
                 describe=lambda _v, row: f"row {row} is blank (every cell is empty)")]
    not_blank = f"NOT ({_blank(t)})"
    for f in t.fields:
        fname, c = f["name"], f"t.{q(f['name'])}"
        big, ctl = _too_large(f), _control(f)
        if big:
            out.append(Check("cell-too-large", t.name, fname, "", f"{not_blank} AND coalesce({big}, FALSE)", c, source="raw",
                             key=t.key, layer="cell",
                             describe=lambda v, _d: f"cell is {_size(v)} bytes; the limit is {MAX_CELL_BYTES} (read as empty)",
                             shown=lambda v, _d: clip(str(v), 80)))
        if ctl:
            out.append(Check("control-character", t.name, fname, "", f"{not_blank} AND coalesce({ctl}, FALSE)", c, source="raw",
                             key=t.key, layer="cell", describe=_control_message, shown=_control_shown))
        big_clause = f" AND NOT coalesce({big}, FALSE)" if big else ""
        for condition, message in _unfit(f):
            value, shown = (f"datediff('day', DATE '1970-01-01', {c})", _shown_date) if field_type(f) == "date" else (c, None)
            out.append(Check("type-error", t.name, fname, message, f"{not_blank}{big_clause} AND coalesce({condition}, FALSE)",
                             value, source="raw", key=t.key, layer="cell", shown=shown))
    return out


# --------------------------------------------------------------------------------------------
# layer (b): the field constraints


def _failing(code: str, arg: Any, c: str, ftype: str) -> str:
    """SQL true where a non-null value fails the constraint."""
    if code == "enum":
        return f"{c} NOT IN ({', '.join(lit(v) for v in arg)})"
    if code == "minimum":
        return f"{c} < {lit(arg)}"
    if code == "maximum":
        return f"{c} > {lit(arg)}"
    if code == "pattern":
        return f"NOT regexp_matches({c}, {lit(anchored(arg))})"
    if code == "format":
        return f"NOT regexp_matches({c}, {lit(anchored(STRING_FORMATS[arg]))})"
    if code == "min-length":
        return f"length({c}) < {int(arg)}"
    if code == "max-length":
        return f"length({c}) > {int(arg)}"
    raise AssertionError(code)


def field_checks(t: TableSpec, schema: dict[str, Any]) -> list[Check]:
    """required, enum, minimum, maximum, pattern, minLength, maxLength, format: one check each.

    A cell the reader or the screen reported is NULL in the view and raises nothing more."""
    out = []
    for f in t.fields:
        fname, c = f["name"], f"t.{q(f['name'])}"
        if is_required(f, schema):
            out.append(Check("required", t.name, fname, constraint_message("required", None),
                             f"{c} IS NULL AND NOT t.{q(bad_name(fname))}", c, key=t.key))
        for check in constraint_checks(f):
            describe = (lambda allowed: lambda v, _d: enum_message(allowed, v))(check.argument) if check.code == "enum" else None
            out.append(Check(check.code, t.name, fname, constraint_message(check.code, check.argument),
                             f"{c} IS NOT NULL AND {_failing(check.code, check.argument, c, field_type(f))}", c,
                             key=t.key, describe=describe))
    return out


# --------------------------------------------------------------------------------------------
# layer (c): keys


def as_list(value) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _tuple_value(fields: list[str]) -> str:
    return f"t.{q(fields[0])}" if len(fields) == 1 else "[" + ", ".join(f"CAST(t.{q(f)} AS VARCHAR)" for f in fields) + "]"


def _not_null(alias: str, fields: list[str]) -> str:
    return " AND ".join(f"{alias}.{q(f)} IS NOT NULL" for f in fields)


def key_checks(tables: dict[str, TableSpec], schemas: dict[str, dict[str, Any]]) -> list[Check]:
    """Primary keys, then unique fields and uniqueKeys: a row whose key repeats an earlier row's."""
    out = []
    for t in tables.values():
        schema = schemas[t.name]
        pk = as_list(schema.get("primaryKey"))
        sets = [(pk, "primary-key-duplicate", "primary key")] if pk else []
        seen = {tuple(pk)}
        for fields in [[f["name"]] for f in schema.get("fields", []) if f.get("constraints", {}).get("unique")] + \
                      [as_list(u) for u in schema.get("uniqueKeys", []) or []]:
            if tuple(fields) not in seen:
                seen.add(tuple(fields))
                sets.append((fields, "unique-duplicate", "unique key"))
        for fields, code, what in sets:
            if not t.has(*fields):
                continue
            part = ", ".join(q(f) for f in fields)
            repeats = (f"SELECT {q(ROW)} FROM (SELECT {q(ROW)}, row_number() OVER (PARTITION BY {part} ORDER BY {q(ROW)}) AS n "
                       f"FROM {q(t.name)} WHERE {_not_null(q(t.name), fields)}) WHERE n > 1")
            groups = f"SELECT count(*) AS n FROM {q(t.name)} t WHERE {_not_null('t', fields)} GROUP BY {part}"
            out.append(Check(code, t.name, ",".join(fields), f"{what} {fields} repeats a value of an earlier row",
                             f"t.{q(ROW)} IN ({repeats})", _tuple_value(fields), key=t.key, layer="keys",
                             count_query=f"SELECT coalesce(sum(n - 1), 0) FROM ({groups}) g WHERE n > 1"))
    return out


def foreign_key_checks(tables: dict[str, TableSpec], schemas: dict[str, dict[str, Any]]) -> list[Check]:
    """Every foreign key (composite, self-referencing): a reference with every field given must match
    a row of the target. A null in any field of the reference is not checked (SQL MATCH SIMPLE)."""
    out = []
    for t in tables.values():
        for fk in schemas[t.name].get("foreignKeys", []) or []:
            fields = as_list(fk.get("fields"))
            ref = fk.get("reference", {})
            target = ref.get("resource") or t.name
            ref_fields = as_list(ref.get("fields"))
            if target not in tables or len(fields) != len(ref_fields) or not t.has(*fields) or not tables[target].has(*ref_fields):
                continue  # the descriptor layer reports it, or the table was not read
            types = {f["name"]: field_type(f) for f in t.fields}
            ref_types = {f["name"]: field_type(f) for f in tables[target].fields}
            pairs = []
            for a, b in zip(fields, ref_fields):  # compare as text only where the types differ
                same = types[a] == ref_types[b]
                pairs.append(f"t.{q(a)} = p.{q(b)}" if same else f"CAST(t.{q(a)} AS VARCHAR) = CAST(p.{q(b)} AS VARCHAR)")
            where = f"{_not_null('t', fields)} AND NOT EXISTS (SELECT 1 FROM {q(target)} p WHERE {' AND '.join(pairs)})"
            shown_fields, shown_target, shown_ref = list(fields), target, list(ref_fields)
            share = {}
            if all(types[a] == ref_types[b] for a, b in zip(fields, ref_fields)):  # one anti-join per referenced key
                share = dict(shared=f"{target}{ref_fields}",
                             shared_rows=", ".join(f"t.{q(a)} AS __k{j}__" for j, a in enumerate(fields)) + f" FROM {q(t.name)} t WHERE {_not_null('t', fields)}",
                             shared_where=f"NOT EXISTS (SELECT 1 FROM {q(target)} p WHERE "
                                          + " AND ".join(f"r.__k{j}__ = p.{q(b)}" for j, b in enumerate(ref_fields)) + ")")
            out.append(Check("foreign-key-orphan", t.name, ",".join(fields), "", where, _tuple_value(fields), key=t.key, layer="keys",
                             describe=lambda v, _d, a=shown_fields, b=shown_target, c=shown_ref: f"{a} = {v!r} has no match in {b}{c}",
                             **share))
    return out


# --------------------------------------------------------------------------------------------
# layer (d): the domain rules (iraq_frontiers.domain) and the status rule (iraq_frontiers.status)


def rule_checks(tables: dict[str, TableSpec]) -> list[Check]:
    """The domain rules whose tables and fields were read, then the status rule. A row whose needed
    cell the reader reported raises no follow-on problem."""
    from iraq_frontiers.domain import _SOURCE_JOIN as SOURCE_JOIN, _rules as rules

    out = []
    for rule in rules():
        if rule.table not in tables or not tables[rule.table].has(*rule.needs):
            continue
        if not all(tb in tables and tables[tb].has(*fs) for tb, fs in rule.joins):
            continue
        names = {tb: q(tb) for tb, _ in rule.joins}
        joins = rule.join.format(**names) if rule.join else SOURCE_JOIN.format(**names) if "sources" in names else ""
        fresh = " AND ".join(f"NOT t.{q(bad_name(f))}" for f in rule.needs)
        out.append(Check(rule.code, rule.table, rule.field, rule.message, f"({rule.where.format(**names)}) AND {fresh}",
                         rule.value, joins=joins.strip(), key=tables[rule.table].key, layer="domain"))
    status, coordinates = status_check(tables), coordinates_check(tables)
    return out + [c for c in (status, coordinates) if c]


def claims_by_event(claims: str, effective: bool) -> str:
    """SQL: claims grouped by event_id, with has_<effect> flags (iraq_frontiers.status).

    effective=True: only claims whose stance has an effect (as the status rule reads them).
    effective=False: every claim with an event_id, and `__effective` (one has an effect)."""
    from iraq_frontiers.metadata import stance_effects
    from iraq_frontiers.status import EFFECTS

    values = ", ".join(f"({lit(s)}, {lit(e)})" for s, e in stance_effects().items())
    flags = ", ".join(f"bool_or(x.effect = {lit(e)}) AS has_{e}" for e in EFFECTS)
    join, extra = ("JOIN", "") if effective else ("LEFT JOIN", "bool_or(x.stance IS NOT NULL) AS __effective, ")
    return (f"SELECT c.event_id, {extra}{flags} FROM {claims} c "
            f"{join} (VALUES {values}) AS x(stance, effect) ON x.stance = c.stance "
            f"WHERE c.event_id IS NOT NULL GROUP BY c.event_id")


def event_claims() -> str:
    """Events (t) joined to their claims grouped by event (f: status flags). event-unsupported and the
    status rule read this same join, so they are counted in one scan."""
    return f"LEFT JOIN ({claims_by_event(q('claims'), False)}) f ON f.event_id = t.id"


def _status_message(value: Any, _detail: Any) -> str:
    stored, derived = value.split("->")
    return f"status is {stored!r} but its claims give {derived!r} (rule: docs/data-dictionary.md#event-status)"


def status_check(tables: dict[str, TableSpec]) -> Check | None:
    """Each event's status must equal the status derived from its claims. Events without claims are
    reported as event-unsupported; their status is not judged here."""
    from iraq_frontiers.status import status_sql

    if not ("events" in tables and tables["events"].has("id", "status", "withdrawn_reason")
            and "claims" in tables and tables["claims"].has("event_id", "stance")):
        return None
    derived = status_sql("t.withdrawn_reason IS NOT NULL")
    return Check("status-inconsistent", "events", "status", "",
                 f"(coalesce(f.__effective, FALSE) OR t.withdrawn_reason IS NOT NULL) AND t.status IS NOT NULL AND t.status <> ({derived})",
                 f"t.status || '->' || ({derived})", joins=event_claims(),
                 key=tables["events"].key, layer="domain", describe=_status_message)


def coordinates_check(tables: dict[str, TableSpec]) -> Check | None:
    """Locations whose point falls outside their country's box (iraq_frontiers.geo_checks)."""
    from iraq_frontiers.geo_checks import COUNTRY_BOXES, COUNTRY_MARGIN as m

    if "locations" not in tables or not tables["locations"].has("country", "latitude", "longitude"):
        return None
    boxes = ", ".join(f"({lit(c)}, {s - m}, {n + m}, {w - m}, {e + m})" for c, (s, n, w, e) in COUNTRY_BOXES.items())
    shown = "[CAST(t.latitude AS VARCHAR), CAST(t.longitude AS VARCHAR), t.country]"
    return Check("coordinates-outside-country", "locations", "latitude", "",
                 "t.latitude IS NOT NULL AND t.longitude IS NOT NULL AND (t.latitude NOT BETWEEN b.s AND b.n OR t.longitude NOT BETWEEN b.w AND b.e)",
                 shown, joins=f"JOIN (VALUES {boxes}) AS b(country, s, n, w, e) ON b.country = t.country",
                 key=tables["locations"].key, layer="domain", shown=lambda v, _d: v[:2],
                 describe=lambda v, _d: f"point (latitude {v[0]}, longitude {v[1]}) lies outside the bounding box of {v[2]}; "
                                        "are latitude and longitude swapped?")


def transpile(sql: str, dialect: str) -> str:
    """A query of the specification in another engine's dialect (sqlglot; imported only when asked)."""
    if dialect == SOURCE_DIALECT:
        return sql
    import sqlglot

    return sqlglot.transpile(sql, read=SOURCE_DIALECT, write=dialect)[0]
