"""Layer (c): keys across tables, as set operations in DuckDB so they scale.

Primary keys and unique constraints (field `unique` and `uniqueKeys`) must not repeat; every
foreign key (composite too, self-references too) must point at an existing key. A reference with
any empty field is not checked (SQL MATCH SIMPLE), as in Table Schema.
"""
from __future__ import annotations

from typing import Any

from iraq_frontiers.io.core import ROW, TableData
from iraq_frontiers.problems import Problem, ProblemList, quote


def q(identifier: str) -> str:
    """Quote a SQL identifier."""
    return '"' + identifier.replace('"', '""') + '"'


def as_list(value) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


class Tables:
    """The package's typed tables registered in one DuckDB connection.

    A table is a TableData (a polars frame, registered as Arrow). The connection is the engines'
    (backends/duckdb/connection.py): memory capped (IRAQ_FRONTIERS_DUCKDB_MEMORY, default 2GB),
    spilling to a temporary folder beyond it, so large packages validate in bounded memory.
    """

    def __init__(self, tables: dict[str, Any], schemas: dict[str, dict[str, Any]], say=None):
        from iraq_frontiers.validation.backends.duckdb.connection import open_connection

        self.con, self._close = open_connection()
        self.tables: dict[str, Any] = {}
        self.schemas = dict(schemas)
        self.alias: dict[str, str] = {}
        self.say = say or (lambda _msg: None)
        for name, data in tables.items():
            self.add(name, data)

    def add(self, name: str, data, schema: dict[str, Any] | None = None) -> str:
        """Register a table; returns its alias in SQL."""
        self._n = getattr(self, "_n", 0) + 1
        alias = f"t{self._n}"
        import polars as pl

        # string views: handed over without a copy (the default large strings would copy every string cell)
        self.con.register(alias, data.frame.to_arrow(compat_level=pl.CompatLevel.newest()))
        self.alias[name] = alias
        self.tables[name] = data
        if schema is not None:
            self.schemas[name] = schema
        return alias

    def drop(self, name: str) -> None:
        """Forget a table (to register it again another way)."""
        alias = self.alias.pop(name)
        self.tables.pop(name)
        self.con.unregister(alias)

    def columns(self, table: str) -> list[str]:
        return self.tables[table].frame.columns

    def usable(self, table: str, *fields: str) -> bool:
        """True when the table was read and every named field is present with its type."""
        data = self.tables.get(table)
        if data is None:
            return False
        columns = self.columns(table)
        return all(f in columns and f not in data.unusable for f in fields)

    def pk(self, table: str) -> list[str]:
        return as_list(self.schemas.get(table, {}).get("primaryKey"))

    def rows(self, table: str, select: str, where: str, extra_from: str = "",
             count: tuple[ProblemList, str, str | None] | None = None) -> list[tuple[int, dict | None, Any]]:
        """(row, key, value) for rows of `table` (alias `t`) matching `where`; `select` gives the value.

        With count = (problems, code, field), only the rows `problems` has room for are fetched and
        the others are counted there (bounded memory however many rows match)."""
        pk = self.pk(table)
        with_key = bool(pk) and self.usable(table, *pk)
        key_sql = ", ".join(f"t.{q(k)}" for k in pk) if with_key else ""
        limit = f" LIMIT {count[0].room(count[1], table, count[2])}" if count else ""
        sql = (f"SELECT t.{ROW}, {select}, count(*) OVER () AS __total{', ' + key_sql if key_sql else ''} "
               f"FROM {self.alias[table]} t {extra_from} WHERE {where} ORDER BY t.{ROW}{limit}")
        out = []
        records = self.con.execute(sql).fetchall()
        for rec in records:
            key = dict(zip(pk, rec[3:])) if with_key else None
            out.append((rec[0], key, rec[1]))
        if count and records:
            count[0].count_more(count[1], table, count[2], records[0][2] - len(records))
        elif count and not records and count[0].room(count[1], table, count[2]) == 0:  # no room at all: count only
            total = self.con.execute(f"SELECT count(*) FROM {self.alias[table]} t {extra_from} WHERE {where}").fetchall()[0][0]
            count[0].count_more(count[1], table, count[2], total)
        return out

    def close(self):
        self._close()


def _not_null(alias: str, fields: list[str]) -> str:
    return " AND ".join(f"{alias}.{q(f)} IS NOT NULL" for f in fields)


def _tuple_value(alias: str, fields: list[str]) -> str:
    return f"{alias}.{q(fields[0])}" if len(fields) == 1 else "[" + ", ".join(f"CAST({alias}.{q(f)} AS VARCHAR)" for f in fields) + "]"


def _duplicates(t: Tables, table: str, fields: list[str], code: str, what: str) -> list[Problem]:
    if not fields or not t.usable(table, *fields):
        return []
    part = ", ".join(q(f) for f in fields)
    # Screen: equal keys have equal hashes, so as many distinct hashes as rows means no repeat.
    repeats = _polars_repeats(t, table, fields)
    if repeats is None:
        screen = f"SELECT count(*) - count(DISTINCT hash({part})) FROM {t.alias[table]} WHERE {_not_null(t.alias[table], fields)}"
        repeats = t.con.execute(screen).fetchall()[0][0]
    if not repeats:
        return []
    where = (
        f"t.{ROW} IN (SELECT {ROW} FROM (SELECT {ROW}, row_number() OVER (PARTITION BY {part} ORDER BY {ROW}) AS n "
        f"FROM {t.alias[table]} WHERE {_not_null(t.alias[table], fields)}) WHERE n > 1)"
    )
    data = t.tables[table]
    problems = ProblemList()
    for row, key, value in t.rows(table, _tuple_value("t", fields), where, count=(problems, code, ",".join(fields))):
        problems.append(Problem(code, f"{what} {fields} repeats a value of an earlier row", table=table, field=",".join(fields), row=row,
                                key=key, value=value, file=data.file))
    return problems


def _normalisation_duplicates(t: Tables, table: str, fields: list[str]) -> list[Problem]:
    """Primary keys that differ only in Unicode normalisation (NFC 'é' vs NFD 'e' + combining accent): they
    look the same to a person and to most tools, so a reference to one is ambiguous. Each such row after the
    first of its normalised key is reported once (exact repeats are primary-key-duplicate already)."""
    import polars as pl

    from iraq_frontiers.validation.spec_keys import normalisation_message

    if not fields or not t.usable(table, *fields):
        return []
    lazy = _key_scan(t, table, fields)
    if lazy is None:
        return []
    texts = [f for f in fields if lazy.collect_schema()[f] == pl.String]
    # Screen: only keys with a non-ASCII character can have another normal form.
    if not texts or not lazy.select(pl.any_horizontal(pl.col(f).str.len_bytes() != pl.col(f).str.len_chars() for f in texts)
                                    .sum()).collect(engine="streaming").item():
        return []
    norm = ", ".join(f"nfc_normalize({q(f)})" if f in texts else q(f) for f in fields)
    raw = ", ".join(q(f) for f in fields)
    where = (f"t.{ROW} IN (SELECT {ROW} FROM (SELECT {ROW}, row_number() OVER (PARTITION BY {norm} ORDER BY {ROW}) AS n, "
             f"row_number() OVER (PARTITION BY {norm}, {raw} ORDER BY {ROW}) AS m FROM {t.alias[table]} "
             f"WHERE {_not_null(t.alias[table], fields)}) WHERE n > 1 AND m = 1)")
    data = t.tables[table]
    problems = ProblemList()
    for row, key, value in t.rows(table, _tuple_value("t", fields), where, count=(problems, "primary-key-duplicate", ",".join(fields))):
        problems.append(Problem("primary-key-duplicate", normalisation_message(fields), table=table, field=",".join(fields), row=row, key=key, value=value, file=data.file))
    return problems


def check_keys(t: Tables) -> list[Problem]:
    problems = ProblemList()
    for table, schema in t.schemas.items():
        if table not in t.tables:
            continue
        pk = as_list(schema.get("primaryKey"))
        problems += _duplicates(t, table, pk, "primary-key-duplicate", "primary key")
        problems += _normalisation_duplicates(t, table, pk)
        seen = {tuple(pk)}
        unique_sets = [[f["name"]] for f in schema.get("fields", []) if f.get("constraints", {}).get("unique")]
        unique_sets += [as_list(u) for u in schema.get("uniqueKeys", []) or []]
        for fields in unique_sets:
            if tuple(fields) in seen:
                continue
            seen.add(tuple(fields))
            problems += _duplicates(t, table, fields, "unique-duplicate", "unique key")
    return problems


def _foreign_keys(t: Tables) -> list[tuple[str, list[str], str, list[str]]]:
    """(table, fields, target, target fields) of every foreign key that can be checked, in schema order."""
    out = []
    for table, schema in t.schemas.items():
        if table not in t.tables:
            continue
        for fk in schema.get("foreignKeys", []) or []:
            fields = as_list(fk.get("fields"))
            ref = fk.get("reference", {})
            target = ref.get("resource") or table
            ref_fields = as_list(ref.get("fields"))
            if target not in t.tables or len(fields) != len(ref_fields):
                continue  # reported by the descriptor layer or a missing resource
            if not t.usable(table, *fields) or not t.usable(target, *ref_fields):
                continue
            out.append((table, fields, target, ref_fields))
    return out


def check_foreign_keys(t: Tables) -> list[Problem]:
    problems = ProblemList()
    fks = _foreign_keys(t)
    # Screen: the orphans of every foreign key, counted exactly; the foreign keys into one key of one
    # table share one anti-join (polars) where the key types allow, else one DuckDB anti-join each.
    orphans = _polars_orphans(t, fks)
    for i, (table, fields, target, ref_fields) in enumerate(fks):
        join = " AND ".join(f"CAST(t.{q(a)} AS VARCHAR) = CAST(p.{q(b)} AS VARCHAR)" for a, b in zip(fields, ref_fields))
        if i not in orphans:
            t.say(f"checking keys: {table}{fields} -> {target}")
            screen = (f"SELECT count(*) FROM {t.alias[table]} t ANTI JOIN {t.alias[target]} p ON {join} "
                      f"WHERE {_not_null('t', fields)}")
            orphans[i] = t.con.execute(screen).fetchall()[0][0]
        if not orphans[i]:
            continue
        where = f"{_not_null('t', fields)} AND NOT EXISTS (SELECT 1 FROM {t.alias[target]} p WHERE {join})"
        data = t.tables[table]
        for row, key, value in t.rows(table, _tuple_value("t", fields), where, count=(problems, "foreign-key-orphan", ",".join(fields))):
            problems.append(Problem("foreign-key-orphan", f"{fields} = {quote(value)} has no match in {target}{ref_fields}", table=table,
                                    field=",".join(fields), row=row, key=key, value=value, file=data.file))
    return problems


# Key columns of these types compare the same in polars as in DuckDB (CAST AS VARCHAR of equal types
# is equality; hashes of equal values are equal). Floats (-0.0, NaN) and lists stay in DuckDB.
def _exact_dtype(dtype) -> bool:
    import polars as pl

    return dtype == pl.String or dtype == pl.Date or dtype == pl.Boolean or dtype.is_integer()


def _key_scan(t: Tables, table: str, fields: list[str]):
    """A polars LazyFrame of the key columns (typed as the DuckDB view), or None when their types are not exact."""
    lazy = t.tables[table].frame.lazy().select(list(fields))
    schema = lazy.collect_schema()
    if not all(_exact_dtype(schema[f]) for f in fields):
        return None
    return lazy


def _polars_repeats(t: Tables, table: str, fields: list[str]) -> int | None:
    """Rows minus distinct key hashes over rows with the whole key (0: no repeats), or None (use DuckDB)."""
    import polars as pl

    lazy = _key_scan(t, table, fields)
    if lazy is None:
        return None
    h = pl.col(fields[0]).hash() if len(fields) == 1 else pl.struct(fields).hash()
    lazy = lazy.filter(pl.all_horizontal(pl.col(f).is_not_null() for f in fields))
    hashes = lazy.select(h.alias("h")).collect(engine="streaming")["h"]  # 8 bytes a row, not the key strings
    return len(hashes) - hashes.n_unique()


def _polars_orphans(t: Tables, fks: list[tuple[str, list[str], str, list[str]]]) -> dict[int, int]:
    """Orphan counts (index in fks -> count) of the foreign keys polars can check exactly.

    The foreign keys into the same fields of the same table are checked by one anti-join: their
    references (rows with every field given) are stacked, tagged with the foreign key's index.
    """
    import polars as pl

    groups: dict[tuple[str, tuple[str, ...]], list[int]] = {}
    for i, (_, _, target, ref_fields) in enumerate(fks):
        groups.setdefault((target, tuple(ref_fields)), []).append(i)
    counts: dict[int, int] = {}
    for (target, ref_fields), idx in groups.items():
        keys = [f"__k{j}__" for j in range(len(ref_fields))]
        parent = _key_scan(t, target, list(ref_fields))
        if parent is None:
            continue
        parent_schema = parent.collect_schema()
        probes, included = [], []
        for i in idx:
            table, fields = fks[i][0], fks[i][1]
            child = _key_scan(t, table, fields)
            if child is None or [child.collect_schema()[f] for f in fields] != [parent_schema[f] for f in ref_fields]:
                continue
            probes.append(child.filter(pl.all_horizontal(pl.col(f).is_not_null() for f in fields))
                          .select(pl.lit(i, pl.UInt32).alias("__fk__"), *[pl.col(f).alias(k) for f, k in zip(fields, keys)]))
            included.append(i)
        if not probes:
            continue
        t.say(f"checking keys: {len(probes)} foreign key(s) -> {target}{list(ref_fields)}")
        found = (pl.concat(probes, how="vertical")
                 .join(parent.select(*[pl.col(f).alias(k) for f, k in zip(ref_fields, keys)]), on=keys, how="anti")
                 .group_by("__fk__").len().collect(engine="streaming"))
        got = dict(zip(found["__fk__"].to_list(), found["len"].to_list()))
        for i in included:
            counts[i] = got.get(i, 0)
    return counts
