"""Layers (b) to (d) of validate() on DuckDB: the check specification (validation.spec), executed.

Tables are registered first (tables.py), the specification is compiled for what was registered,
then each table's checks run (the cell checks on the raw data, then the field checks on the view),
then the keys, foreign keys and rules. Every check is counted first; the checks of one relation
with plain conditions are counted together, in one scan (count_if per check); only a check with
hits is queried for its rows, the first ones the report has room for (problems.ProblemList), so
memory stays bounded however many rows fail.
"""
from __future__ import annotations

from typing import Any, Callable

from iraq_frontiers.problems import ProblemList
from iraq_frontiers.validation.backends.loop import count_checks, list_problems
from iraq_frontiers.validation.spec import Spec

Progress = Callable[[str], None]


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
    """Read (or register) every resource, then run the whole specification; problems go to `report`.

    The flow is every engine's (backends.loop); DuckDB answers with run_table, count_checks and
    which of its errors mean it could not read a file (invalid UTF-8, a corrupt page)."""
    import duckdb

    from iraq_frontiers.validation.backends.duckdb.tables import DuckTables
    from iraq_frontiers.validation.backends.loop import Engine, check_tables

    def is_read_error(exc: BaseException) -> bool:  # not binder or parser errors: those are bugs
        # invalid UTF-8 and unreadable files; a corrupt Parquet page raises the untyped duckdb.Error itself
        return isinstance(exc, (duckdb.InvalidInputException, duckdb.IOException)) or type(exc) is duckdb.Error

    tables = DuckTables(say)
    try:
        check_tables(pkg, resources, tables, Engine(run_table, lambda t, checks: count_checks(t.con, checks), is_read_error), report, say)
    finally:
        tables.close()


def available() -> str | None:
    """DuckDB is part of the [toolkit] extra: always there when validation can run at all."""
    return None
