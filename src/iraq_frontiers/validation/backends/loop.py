"""Layers (b) to (d) of validate(), the same on every engine: the flow around each engine's own answers.

1. Register every resource (the engine's tables.py): a Parquet file where it lies, anything else
   as the toolkit's reader (io.package.read_table) read it, screened. A table that cannot be read
   is reported and left out; the others are still checked.
2. Compile the check specification (validation.spec) for what was registered and run each table's
   checks (Engine.run_table). When the engine cannot read a file it registered where it lies
   (Engine.is_read_error: invalid UTF-8 that DuckDB refuses, a corrupt page), the reader reads the
   table instead and says which cells, or why it is unreadable; the table is registered again and
   the specification recompiled for it.
3. Keys, foreign keys and rules across the tables (Engine.count, then the rows of checks with hits).
   A check whose SQL only DuckDB runs as written (spec.Check.collect: reference-cycle's pointer
   doubling, 33 materialised CTEs that Spark would inline) runs on a local DuckDB connection over
   the few columns it reads, collected from the engine (Engine.collect): the same SQL on the same
   engine, so the same problems whichever engine holds the tables.

count_checks and list_problems count and list checks over any connection with DuckDB's `execute`
(DuckDB's own, Spark's tables.SparkConnection, the local one of collected checks).

An engine may count every table's checks at once (Engine.run_tables: Spark, where each query has
a fixed cost); when it cannot read a file that way, the tables are checked one by one as above.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable

from iraq_frontiers.problems import Problem, ProblemList
from iraq_frontiers.validation.spec import Check, Spec, compile_spec, count_queries, screens

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Engine:
    """An engine's answers to the shared flow; `tables` is its tables.py object (register, drop, con)."""

    run_table: Callable[[Any, Spec, str, Any], ProblemList]  # the cell and field checks of one table (given the screen); sets its view
    count: Callable[[Any, list[Check]], list[int]]  # the number of offending rows of each check
    is_read_error: Callable[[BaseException], bool]  # the engine could not read a file where it lies (not a bug)
    run_tables: Callable[[Any, Spec], dict[str, ProblemList]] | None = None  # every table's checks at once
    # The rows of a query as an Arrow table: the columns a check marked `collect` reads, for a local
    # DuckDB connection to run it over. None: the engine is DuckDB and runs such checks itself.
    collect: Callable[[Any, str], Any] | None = None
    # A screen: which of one table's checks (its cell and field checks) a cheaper pass proves have no
    # row (True: not counted; False says nothing). None: every check is counted.
    screen: Callable[[Any, str, list[Check]], list[bool]] | None = None


def count_checks(con, checks: list[Check]) -> list[int]:
    """The number of offending rows of each check, in as few scans as the specification allows; a check
    whose screen gives 0 is not counted (validation.spec.screens)."""
    counts = [0] * len(checks)
    cleared: set[int] = set()
    for sql, idx in screens(checks).items():
        if not con.execute(sql).fetchone()[0]:
            cleared.update(idx)
    todo = [i for i in range(len(checks)) if i not in cleared]
    for query in count_queries([checks[i] for i in todo]):
        rows = con.execute(query.sql).fetchall()
        if query.shape == "row":
            for j, n in zip(query.checks, rows[0]):
                counts[todo[j]] = int(n or 0)
        else:
            for j, n in rows:
                counts[todo[int(j)]] = int(n)
    return counts


def list_problems(con, checks: list[Check], counts: list[int], files: dict[str, str | None], problems: ProblemList) -> None:
    """The problems of checks with hits: the first rows the report has room for, the rest counted."""
    for check, n in zip(checks, counts):
        if not n:
            continue
        room = problems.room(check.code, check.table, check.field)
        records = con.execute(check.rows_sql(room)).fetchall() if room else []
        for record in records:
            problems.append(check.problem(record, files.get(check.table)))
        problems.count_more(check.code, check.table, check.field, n - len(records))


def check_tables(pkg, resources: list[dict[str, Any]], tables, engine: Engine, report, say: Progress) -> None:
    """Run layers (b) to (d) on `tables` (registered here); problems and table heights go to `report`."""
    in_file: dict[str, list[Problem]] = {}  # problems of the file itself (bytes, hash), kept when it is read again
    found = _register(pkg, resources, tables, engine, report, say, in_file)
    spec = compile_spec(tables.schemas, tables.usable, tables.screened)
    at_once = None
    if engine.run_tables is not None:
        try:
            at_once = engine.run_tables(tables, spec)
        except Exception as exc:  # noqa: BLE001 - only a file the engine cannot read; anything else is raised
            if not engine.is_read_error(exc):
                raise
    if at_once is not None:
        for name, problems in at_once.items():
            found[name] = ProblemList(found[name]) + problems
    else:
        spec = _one_by_one(pkg, resources, tables, engine, spec, report, say, found, in_file)
    for resource in resources:
        report.problems += found.get(resource["name"], [])
    say("checking keys and domain rules")
    report.problems += _cross_checks(tables, engine, spec.cross_checks(), say)


def _cross_checks(tables, engine: Engine, checks: list[Check], say: Progress) -> ProblemList:
    """Keys, foreign keys and rules, in order: each counted, then the rows of those with hits. A check
    marked `collect` runs on a local DuckDB connection, so its problems are DuckDB's on every engine."""
    local = [i for i, c in enumerate(checks) if c.collect]
    here = [i for i, c in enumerate(checks) if not c.collect]
    problems = ProblemList()
    with _local_connection(tables, engine, [checks[i] for i in local], say) as con:
        counts = dict(zip(here, engine.count(tables, [checks[i] for i in here])))
        counts.update(zip(local, count_checks(con, [checks[i] for i in local])))
        for i, check in enumerate(checks):
            list_problems(con if check.collect else tables.con, [check], [counts[i]], tables.files, problems)
    return problems


@contextmanager
def _local_connection(tables, engine: Engine, checks: list[Check], say: Progress):
    """A DuckDB connection holding what `checks` read: the engine's own (DuckDB), else a local one (memory
    capped, spilling, as the DuckDB engine's) holding the columns collected from the engine, under the
    tables' names. Bounded by what the checks read: reference-cycle, the only such check, reads a
    self-reference (row number, key, parent: one row per row of its table, docs/validation.md)."""
    if engine.collect is None or not checks:
        yield tables.con
        return
    from iraq_frontiers.validation.backends.duckdb.connection import open_connection
    from iraq_frontiers.validation.spec import q

    read: dict[str, dict[str, None]] = {}
    needed_by: dict[str, dict[str, None]] = {}
    for check in checks:
        for table, columns in check.collect:
            read.setdefault(table, {}).update(dict.fromkeys(columns))
            needed_by.setdefault(table, {})[check.code] = None
    con, close = open_connection()
    try:
        for table, columns in read.items():
            say(_collecting(table, list(columns), tables.heights.get(table), list(needed_by[table])))
            con.register(table, engine.collect(tables, f"SELECT {', '.join(map(q, columns))} FROM {q(table)}"))
        yield con
    finally:
        close()


def _collecting(table: str, columns: list[str], rows: int | None, codes: list[str]) -> str:
    """The progress line of a collected table in the user's words: its fields (not the internal row
    numbers and bad-cell flags that come with them), how many rows, and which checks need them."""
    from iraq_frontiers.validation.spec import ROW, bad_name

    fields = [c for c in columns if c != ROW and not c.startswith(bad_name(""))]
    height = f" ({rows:,} rows)" if rows is not None else ""
    return (f"collecting {', '.join(fields)} of {table}{height} to this machine for the "
            f"{', '.join(codes)} check{'s' if len(codes) > 1 else ''}")


def _register(pkg, resources, tables, engine: Engine, report, say: Progress, in_file: dict[str, list[Problem]]) -> dict[str, list[Problem]]:
    """Register every resource (where it lies, else as read); returns the problems found so far, by table."""
    from iraq_frontiers.io.core import InputError
    from iraq_frontiers.io.package import check_bytes_and_hash, is_inline, resource_file, resource_format

    found: dict[str, list[Problem]] = {}
    for i, resource in enumerate(resources, 1):
        name = resource["name"]
        say(f"reading {name} ({i}/{len(resources)})")
        try:
            in_file[name] = []
            if not is_inline(resource):
                file = resource_file(pkg, resource)
                in_file[name] = check_bytes_and_hash(name, file, os.path.relpath(file, pkg.base_dir.resolve()), resource)
                if resource_format(resource, file) == "parquet" and _where_it_lies(pkg, resource, tables, engine):
                    found[name] = in_file[name]
                    report.tables[name] = tables.heights[name]
                    continue
            found[name] = in_file[name] + _read(pkg, resource, tables, report)
        except InputError as exc:  # this table is unreadable; the others are still checked
            found[name] = [exc.problem]
            tables.drop(name)
    return found


def _where_it_lies(pkg, resource, tables, engine: Engine) -> bool:
    """Register a Parquet file where it lies; False when the reader must read it (an engine that reads
    the file to register it, as Spark does to screen for invalid UTF-8, may find it unreadable)."""
    try:
        return tables.add_parquet(pkg, resource)
    except Exception as exc:  # noqa: BLE001 - only a file the engine cannot read; anything else is raised
        if not engine.is_read_error(exc):
            raise
        tables.drop(resource["name"])
        return False


def _one_by_one(pkg, resources, tables, engine: Engine, spec: Spec, report, say: Progress,
                found: dict[str, list[Problem]], in_file: dict[str, list[Problem]]) -> Spec:
    """Each table's checks in turn; a table the engine cannot read where it lies is read by the reader."""
    from iraq_frontiers.io.core import InputError

    by_name = {r["name"]: r for r in resources}
    for name in list(tables.usable):
        say(f"checking {name} ({tables.heights[name]:,} rows)")
        try:
            table_problems = engine.run_table(tables, spec, name, engine.screen)
        except Exception as exc:  # noqa: BLE001 - only a file the engine cannot read; anything else is raised
            if tables.screened[name] is not None or not engine.is_read_error(exc):
                raise  # the reader's data (or an error of another kind) failing is a bug
            try:  # the reader says which cells, or why the file is unreadable
                found[name] = in_file[name] + _read(pkg, by_name[name], tables, report)
            except InputError as err:
                found[name] = [err.problem]
                tables.drop(name)
                report.tables.pop(name, None)
                spec = compile_spec(tables.schemas, tables.usable, tables.screened)
                continue
            spec = compile_spec(tables.schemas, tables.usable, tables.screened)
            table_problems = engine.run_table(tables, spec, name, engine.screen)
        found[name] = ProblemList(found[name]) + table_problems
    return spec


def _read(pkg, resource, tables, report) -> list[Problem]:
    """Read a table the toolkit's reader's way (problems of the reading, a screened frame) and register it."""
    from iraq_frontiers.io.package import read_table

    data, problems = read_table(pkg, resource)
    tables.add_read(data, resource["schema"])
    report.tables[resource["name"]] = data.frame.height
    return problems
