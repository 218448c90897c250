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
from iraq_frontiers.validation.spec import Check, Spec

Progress = Callable[[str], None]


def run_table(tables, spec: Spec, name: str, screen=None) -> ProblemList:
    """The cell checks (unscreened data) and the field checks of one table; registers its view.
    `screen` (backends.loop.Engine.screen), when given, clears checks before they are counted: these,
    and the table's key checks (left out of spec.cross_checks() when cleared)."""
    problems = ProblemList()
    raw_checks, view_checks = spec.table_checks(name, "raw"), spec.table_checks(name, "view")
    tables.trusting_statistics(False)  # the cell checks test for NaN
    key_checks = spec.key_checks(name) if screen is not None else []
    checks = raw_checks + view_checks + key_checks
    cleared = screen(tables, name, checks) if screen is not None and checks else [False] * len(checks)
    raw_cleared, view_cleared = cleared[:len(raw_checks)], cleared[len(raw_checks):len(raw_checks) + len(view_checks)]
    spec.clear([c for c, done in zip(key_checks, cleared[len(raw_checks) + len(view_checks):]) if done])
    counts = _count_uncleared(tables.con, raw_checks, raw_cleared)
    dirty = {c.field for c, n in zip(raw_checks, counts) if n and c.code in ("cell-too-large", "type-error")}
    blank = any(n for c, n in zip(raw_checks, counts) if c.code == "blank-row")
    tables.set_view(name, spec.view_sql(name, dirty, blank))
    list_problems(tables.con, raw_checks, counts, tables.files, problems)
    tables.distrust |= bool(dirty)  # the view tests for NaN too: statistics stay off from here on
    tables.trusting_statistics(not tables.distrust)
    list_problems(tables.con, view_checks, _count_uncleared(tables.con, view_checks, view_cleared), tables.files, problems)
    return problems


def _count_uncleared(con, checks: list[Check], cleared: list[bool]) -> list[int]:
    """The counts of `checks`, 0 for those the screen cleared (the others counted by count_checks)."""
    todo = [i for i, done in enumerate(cleared) if not done]
    counts = [0] * len(checks)
    for i, n in zip(todo, count_checks(con, [checks[i] for i in todo])):
        counts[i] = n
    return counts


def check_package(pkg, resources: list[dict[str, Any]], report, say: Progress) -> None:
    """Read (or register) every resource, then run the whole specification; problems go to `report`.

    The flow is every engine's (backends.loop); DuckDB answers with run_table, count_checks and
    which of its errors mean it could not read a file (invalid UTF-8, a corrupt page)."""
    import duckdb

    from iraq_frontiers.validation.backends.duckdb.screen import screen
    from iraq_frontiers.validation.backends.duckdb.tables import DuckTables
    from iraq_frontiers.validation.backends.loop import Engine, check_tables

    def is_read_error(exc: BaseException) -> bool:  # not binder or parser errors: those are bugs
        # invalid UTF-8 and unreadable files; a corrupt Parquet page raises the untyped duckdb.Error itself
        return isinstance(exc, (duckdb.InvalidInputException, duckdb.IOException)) or type(exc) is duckdb.Error

    tables = DuckTables(say)
    try:
        check_tables(pkg, resources, tables, Engine(run_table, lambda t, checks: count_checks(t.con, checks), is_read_error, screen=screen), report, say)
    finally:
        tables.close()


def available() -> str | None:
    """DuckDB is part of the [toolkit] extra: always there when validation can run at all."""
    return None
