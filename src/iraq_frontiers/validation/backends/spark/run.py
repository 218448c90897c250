"""Layers (b) to (d) of validate() on Spark: the check specification (validation.spec), executed.

The flow is every engine's (backends/loop.py), the counting the DuckDB engine's (backends/duckdb/run.py:
count every check, the plain checks of one relation in one scan; fetch rows only for checks with hits,
the first ones the report has room for), over a connection that hands each query to Spark in its dialect
(tables.SparkConnection, dialect.to_spark). What differs is where the data lives: Parquet is read by
the executors where it lies, so the same package validates on a laptop (`local[2]`) or a cluster.

The session (session.py) is started on first use and kept for the process. `master`: None for
local mode or SPARK_REMOTE, else a master URL (`use_master`, set by `--spark-master`).
"""
from __future__ import annotations

import os
from typing import Any, Callable

from iraq_frontiers.problems import Problem, ProblemList

Progress = Callable[[str], None]

_master: str | None = None

def use_master(master: str | None) -> None:
    """The Spark master (or Spark Connect `sc://` URL) later validations run on; None: the default."""
    global _master
    _master = master


def available() -> str | None:
    """Why the Spark engine cannot run here (pyspark or Java missing), or None when it can."""
    from iraq_frontiers.validation.backends.spark.session import spark_available

    return spark_available() if not (_master or os.environ.get("SPARK_REMOTE")) else None


def check_package(pkg, resources: list[dict[str, Any]], report, say: Progress) -> None:
    """Read (or register) every resource, then run the whole specification; problems go to `report`.

    The flow is every engine's (backends.loop). Spark pays a fixed cost per query (planning,
    scheduling, a round trip), so the counts of all tables are one query (a UNION ALL), and rows
    are fetched only for checks with hits. If Spark cannot read a file where it lies (a corrupt
    page), the tables are checked one by one to find which, and the reader says why."""
    from iraq_frontiers.io.core import InputError
    from iraq_frontiers.validation.backends.duckdb.run import run_table
    from iraq_frontiers.validation.backends.loop import Engine, check_tables
    from iraq_frontiers.validation.backends.spark.session import SparkUnavailable, get_session, semantics
    from iraq_frontiers.validation.backends.spark.tables import SparkTables

    say("starting Spark")
    try:
        spark = get_session(_master)
    except SparkUnavailable as exc:
        raise InputError(Problem("engine-unavailable", str(exc))) from None
    engine = Engine(run_table, count_all, _is_spark_error, run_tables=_check_tables_at_once, collect=_arrow)
    with semantics(spark):
        tables = SparkTables(spark, say)
        try:
            check_tables(pkg, resources, tables, engine, report, say)
        finally:
            tables.close()


def _check_tables_at_once(tables, spec) -> dict[str, ProblemList]:
    """The screen and the field checks of every table, counted in two queries; problems by table."""
    from iraq_frontiers.validation.backends.loop import list_problems
    from iraq_frontiers.validation.backends.spark.session import tune_for

    tune_for(tables.spark, sum(tables.heights.values()))
    names = list(tables.usable)
    tables.say(f"checking {len(names)} tables ({sum(tables.heights[n] for n in names):,} rows)")
    raw = {name: spec.table_checks(name, "raw") for name in names}
    raw_counts = _split(raw, count_all(tables, [c for n in names for c in raw[n]]))
    for name in names:
        dirty = {c.field for c, n in zip(raw[name], raw_counts[name]) if n and c.code in ("cell-too-large", "type-error")}
        blank = any(n for c, n in zip(raw[name], raw_counts[name]) if c.code == "blank-row")
        tables.set_view(name, spec.view_sql(name, dirty, blank))
    view = {name: spec.table_checks(name, "view") for name in names}
    view_counts = _split(view, count_all(tables, [c for n in names for c in view[n]]))
    found = {}
    for name in names:
        problems = ProblemList()
        list_problems(tables.con, raw[name], raw_counts[name], tables.files, problems)
        list_problems(tables.con, view[name], view_counts[name], tables.files, problems)
        found[name] = problems
    return found


def _split(by_table: dict[str, list], counts: list[int]) -> dict[str, list[int]]:
    out, i = {}, 0
    for name, checks in by_table.items():
        out[name], i = counts[i:i + len(checks)], i + len(checks)
    return out


def count_all(tables, checks: list) -> list[int]:
    """The number of offending rows of each check, in one Spark query: the specification's count
    queries (validation.spec.count_queries: the plain checks of one relation in one scan), each
    turned into (check, count) rows, all under one UNION ALL."""
    from iraq_frontiers.validation.backends.spark.dialect import to_spark
    from iraq_frontiers.validation.spec import count_queries

    if not checks:
        return []
    names, doubles = tuple(sorted(tables.views.items())), frozenset(tables.doubles)
    parts: list[str] = []
    for n, query in enumerate(count_queries(checks)):
        sql = to_spark(query.sql, names, doubles)
        if query.shape == "row":  # one row, a count per check: stacked into (check, count) rows
            columns = ", ".join(f"c{j}" for j in range(len(query.checks)))
            pairs = ", ".join(f"{i}, CAST(c{j} AS BIGINT)" for j, i in enumerate(query.checks))
            parts.append(f"SELECT stack({len(query.checks)}, {pairs}) AS (i, n) FROM ({sql}) AS q{n}({columns})")
        else:  # (check, count) rows already
            parts.append(f"SELECT CAST(i AS INT) AS i, CAST(n AS BIGINT) AS n FROM ({sql}) AS q{n}(i, n)")
    rows = tables.spark.sql(" UNION ALL ".join(parts)).toArrow()
    counts = dict(zip(rows.column(0).to_pylist(), rows.column(1).to_pylist()))
    return [int(counts.get(i) or 0) for i in range(len(checks))]


def _arrow(tables, sql: str):
    """A query's rows as an Arrow table on the driver (the columns a check marked `collect` reads)."""
    from iraq_frontiers.validation.backends.spark.dialect import to_spark

    return tables.spark.sql(to_spark(sql, tuple(sorted(tables.views.items())), frozenset(tables.doubles))).toArrow()


def _is_spark_error(exc: BaseException) -> bool:
    try:
        from pyspark.errors import PySparkException
    except ImportError:
        return False
    return isinstance(exc, PySparkException) or type(exc).__module__.startswith(("py4j", "pyspark"))
