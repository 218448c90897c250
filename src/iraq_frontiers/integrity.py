"""Layer (c): keys across tables, as set operations in DuckDB so they scale.

Primary keys and unique constraints (field `unique` and `uniqueKeys`) must not repeat; every
foreign key (composite too, self-references too) must point at an existing key. A reference with
any empty field is not checked (SQL MATCH SIMPLE), as in Table Schema.
"""
from __future__ import annotations

from typing import Any

from iraq_frontiers.package_io import ROW, TableData
from iraq_frontiers.problems import Problem


def q(identifier: str) -> str:
    """Quote a SQL identifier."""
    return '"' + identifier.replace('"', '""') + '"'


def as_list(value) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


class Tables:
    """The package's typed tables registered in one DuckDB connection.

    A table is either a TableData (a polars frame, registered as Arrow) or a fastpath.ParquetTable
    (a view over read_parquet: DuckDB streams the file, nothing is materialised in Python).
    DuckDB's memory is capped (IRAQ_FRONTIERS_DUCKDB_MEMORY, default 2GB) and spills to a
    temporary folder beyond it, so large packages validate in bounded memory.
    """

    def __init__(self, tables: dict[str, Any], schemas: dict[str, dict[str, Any]], say=None):
        import os
        import tempfile

        import duckdb

        self._tmp = tempfile.mkdtemp(prefix="iraq-frontiers-duckdb-")
        self.con = duckdb.connect(config={
            "memory_limit": os.environ.get("IRAQ_FRONTIERS_DUCKDB_MEMORY", "2GB"),
            "temp_directory": self._tmp,
            "preserve_insertion_order": False,
        })
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
        if getattr(data, "select_sql", None):
            self.con.execute(f"CREATE VIEW {alias} AS {data.select_sql}")
        else:
            self.con.register(alias, data.frame.to_arrow())
        self.alias[name] = alias
        self.tables[name] = data
        if schema is not None:
            self.schemas[name] = schema
        return alias

    def drop(self, name: str) -> None:
        """Forget a table (to register it again another way)."""
        alias = self.alias.pop(name)
        data = self.tables.pop(name)
        if getattr(data, "select_sql", None):
            self.con.execute(f"DROP VIEW {alias}")
        else:
            self.con.unregister(alias)

    def columns(self, table: str) -> list[str]:
        data = self.tables[table]
        return data.columns if getattr(data, "frame", None) is None else data.frame.columns

    def usable(self, table: str, *fields: str) -> bool:
        """True when the table was read and every named field is present with its type."""
        data = self.tables.get(table)
        if data is None:
            return False
        columns = self.columns(table)
        return all(f in columns and f not in data.unusable for f in fields)

    def pk(self, table: str) -> list[str]:
        return as_list(self.schemas.get(table, {}).get("primaryKey"))

    def rows(self, table: str, select: str, where: str, extra_from: str = "") -> list[tuple[int, dict | None, Any]]:
        """(row, key, value) for rows of `table` (alias `t`) matching `where`; `select` gives the value."""
        pk = self.pk(table)
        with_key = bool(pk) and self.usable(table, *pk)
        key_sql = ", ".join(f"t.{q(k)}" for k in pk) if with_key else ""
        sql = f"SELECT t.{ROW}, {select}{', ' + key_sql if key_sql else ''} FROM {self.alias[table]} t {extra_from} WHERE {where} ORDER BY t.{ROW}"
        out = []
        for rec in self.con.execute(sql).fetchall():
            key = dict(zip(pk, rec[2:])) if with_key else None
            out.append((rec[0], key, rec[1]))
        return out

    def close(self):
        import shutil

        self.con.close()
        shutil.rmtree(self._tmp, ignore_errors=True)


def _not_null(alias: str, fields: list[str]) -> str:
    return " AND ".join(f"{alias}.{q(f)} IS NOT NULL" for f in fields)


def _tuple_value(alias: str, fields: list[str]) -> str:
    return f"{alias}.{q(fields[0])}" if len(fields) == 1 else "[" + ", ".join(f"CAST({alias}.{q(f)} AS VARCHAR)" for f in fields) + "]"


def _duplicates(t: Tables, table: str, fields: list[str], code: str, what: str) -> list[Problem]:
    if not fields or not t.usable(table, *fields):
        return []
    part = ", ".join(q(f) for f in fields)
    # Screen: equal keys have equal hashes, so as many distinct hashes as rows means no repeat.
    screen = f"SELECT count(*) - count(DISTINCT hash({part})) FROM {t.alias[table]} WHERE {_not_null(t.alias[table], fields)}"
    if not t.con.execute(screen).fetchall()[0][0]:
        return []
    where = (
        f"t.{ROW} IN (SELECT {ROW} FROM (SELECT {ROW}, row_number() OVER (PARTITION BY {part} ORDER BY {ROW}) AS n "
        f"FROM {t.alias[table]} WHERE {_not_null(t.alias[table], fields)}) WHERE n > 1)"
    )
    data = t.tables[table]
    return [
        Problem(code, f"{what} {fields} repeats a value of an earlier row", table=table, field=",".join(fields), row=row, key=key, value=value, file=data.file)
        for row, key, value in t.rows(table, _tuple_value("t", fields), where)
    ]


def check_keys(t: Tables) -> list[Problem]:
    problems: list[Problem] = []
    for table, schema in t.schemas.items():
        if table not in t.tables:
            continue
        pk = as_list(schema.get("primaryKey"))
        problems += _duplicates(t, table, pk, "primary-key-duplicate", "primary key")
        seen = {tuple(pk)}
        unique_sets = [[f["name"]] for f in schema.get("fields", []) if f.get("constraints", {}).get("unique")]
        unique_sets += [as_list(u) for u in schema.get("uniqueKeys", []) or []]
        for fields in unique_sets:
            if tuple(fields) in seen:
                continue
            seen.add(tuple(fields))
            problems += _duplicates(t, table, fields, "unique-duplicate", "unique key")
    return problems


def check_foreign_keys(t: Tables) -> list[Problem]:
    problems: list[Problem] = []
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
            join = " AND ".join(f"CAST(t.{q(a)} AS VARCHAR) = CAST(p.{q(b)} AS VARCHAR)" for a, b in zip(fields, ref_fields))
            # Screen with a hash anti-join (an exact count of orphans); list them only when there are any.
            t.say(f"checking keys: {table}{fields} -> {target}")
            screen = (f"SELECT count(*) FROM {t.alias[table]} t ANTI JOIN {t.alias[target]} p ON {join} "
                      f"WHERE {_not_null('t', fields)}")
            if not t.con.execute(screen).fetchall()[0][0]:
                continue
            where = f"{_not_null('t', fields)} AND NOT EXISTS (SELECT 1 FROM {t.alias[target]} p WHERE {join})"
            data = t.tables[table]
            for row, key, value in t.rows(table, _tuple_value("t", fields), where):
                problems.append(Problem("foreign-key-orphan", f"{fields} = {value!r} has no match in {target}{ref_fields}", table=table,
                                        field=",".join(fields), row=row, key=key, value=value, file=data.file))
    return problems
