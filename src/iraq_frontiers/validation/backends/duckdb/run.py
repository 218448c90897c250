"""Layers (b) to (d) of validate() on DuckDB: the check specification (validation.spec), executed.

Tables are registered first (tables.py), the specification is compiled for what was registered,
then each table's checks run (the cell checks on the raw data, then the field checks on the view),
then the keys, foreign keys and rules. Every check is counted first; the checks of one relation
with plain conditions are counted together, in one scan (count_if per check); only a check with
hits is queried for its rows, the first ones the report has room for (problems.ProblemList), so
memory stays bounded however many rows fail.
"""
from __future__ import annotations

import os
from typing import Any, Callable

from iraq_frontiers.problems import Problem, ProblemList
from iraq_frontiers.validation.spec import Check, Spec, compile_spec, count_queries, screens

Progress = Callable[[str], None]


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


def run_table(tables, spec: Spec, name: str) -> ProblemList:
    """The screen (unscreened data) and the field checks of one table; registers its view."""
    problems = ProblemList()
    raw_checks = spec.table_checks(name, "raw")
    tables.trusting_statistics(False)  # the cell checks test for NaN
    clear = raw_checks and tables.screened[name] is None and tables.cells_clear(name)
    counts = [0] * len(raw_checks) if clear else count_checks(tables.con, raw_checks)
    dirty = {c.field for c, n in zip(raw_checks, counts) if n and c.code in ("cell-too-large", "type-error")}
    blank = any(n for c, n in zip(raw_checks, counts) if c.code == "blank-row")
    tables.set_view(name, spec.view_sql(name, dirty, blank))
    list_problems(tables.con, raw_checks, counts, tables.files, problems)
    tables.distrust |= bool(dirty)  # the view tests for NaN too: statistics stay off from here on
    tables.trusting_statistics(not tables.distrust)
    view_checks = spec.table_checks(name, "view")
    list_problems(tables.con, view_checks, count_checks(tables.con, view_checks), tables.files, problems)
    return problems


def check_package(pkg, resources: list[dict[str, Any]], report, say: Progress) -> None:
    """Read (or register) every resource, then run the whole specification; problems go to `report`."""
    import duckdb

    from iraq_frontiers.io.core import InputError
    from iraq_frontiers.io.package import check_bytes_and_hash, is_inline, read_table, resource_file, resource_format
    from iraq_frontiers.validation.backends.duckdb.tables import DuckTables

    tables = DuckTables(say)
    try:
        found: dict[str, list[Problem]] = {}
        in_file: dict[str, list[Problem]] = {}

        def read(resource, name) -> None:  # the reader's way: problems of the reading, a screened frame
            data, read_problems = read_table(pkg, resource)
            found[name] = in_file[name] + read_problems
            tables.add_read(data, resource["schema"])
            report.tables[name] = data.frame.height

        for i, resource in enumerate(resources, 1):
            name = resource["name"]
            say(f"reading {name} ({i}/{len(resources)})")
            try:
                in_file[name] = []
                if not is_inline(resource):
                    file = resource_file(pkg, resource)
                    in_file[name] = check_bytes_and_hash(name, file, os.path.relpath(file, pkg.base_dir.resolve()), resource)
                    if resource_format(resource, file) == "parquet" and tables.add_parquet(pkg, resource):
                        found[name] = in_file[name]
                        report.tables[name] = tables.heights[name]
                        continue
                read(resource, name)
            except InputError as exc:  # this table is unreadable; the others are still checked
                found[name] = [exc.problem]
                tables.drop(name)
        spec = compile_spec(tables.schemas, tables.usable, tables.screened)
        by_name = {r["name"]: r for r in resources}
        for name in list(tables.usable):
            say(f"checking {name} ({tables.heights[name]:,} rows)")
            try:
                table_problems = run_table(tables, spec, name)
            except (duckdb.InvalidInputException, duckdb.IOException):  # not binder or parser errors: those are bugs
                if tables.screened[name] is not None:
                    raise
                # DuckDB refuses what it cannot decode (invalid UTF-8) or read: the reader says which cells, or why
                try:
                    read(by_name[name], name)
                except InputError as exc:
                    found[name] = [exc.problem]
                    tables.drop(name)
                    report.tables.pop(name, None)
                    spec = compile_spec(tables.schemas, tables.usable, tables.screened)
                    continue
                spec = compile_spec(tables.schemas, tables.usable, tables.screened)
                table_problems = run_table(tables, spec, name)
            found[name] = ProblemList(found[name]) + table_problems
        for resource in resources:
            if resource["name"] in found:
                report.problems += found[resource["name"]]
        say("checking keys and domain rules")
        cross = [c for c in spec.cross_checks()]
        problems = ProblemList()
        list_problems(tables.con, cross, count_checks(tables.con, cross), tables.files, problems)
        report.problems += problems
    finally:
        tables.close()


def available() -> str | None:
    """DuckDB is part of the [toolkit] extra: always there when validation can run at all."""
    return None
