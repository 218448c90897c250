"""The check specification (iraq_frontiers.validation.spec): compiled from the schemas, engine-neutral."""
from __future__ import annotations

import pytest

from iraq_frontiers.io.package import open_package
from iraq_frontiers.validation.backends.duckdb.tables import DuckTables
from iraq_frontiers.validation.spec import compile_spec, count_queries, screens, transpile


@pytest.fixture(scope="module")
def spec_and_tables(tmp_path_factory):
    from hypothesis import Phase, find, settings

    from iraq_frontiers.synth.strategies import packages, write_package

    # The first package found, not shrunk: shrinking a whole package took minutes and adds nothing here.
    pkg = find(packages(), lambda p: all(p.get(t) for t in ("events", "claims", "locations")),
               settings=settings(database=None, phases=[Phase.generate]))
    folder = write_package(pkg, tmp_path_factory.mktemp("spec"), "parquet")
    with open_package(folder) as opened:
        tables = DuckTables()
        for resource in opened.descriptor["resources"]:
            assert tables.add_parquet(opened, resource), resource["name"]  # a clean Parquet package is read in place
        yield compile_spec(tables.schemas, tables.usable, tables.screened), tables
        tables.close()


def test_every_schema_constraint_key_and_rule_has_a_check(spec_and_tables):
    from iraq_frontiers.schema.metadata import table_names, table_schema
    from iraq_frontiers.validation.domain import _rules

    spec, _ = spec_and_tables
    have = {(c.code, c.table, c.field) for c in spec.checks}
    for table in table_names():
        schema = table_schema(table)
        for f in schema["fields"]:
            for code in f.get("constraints", {}):
                code = {"minLength": "min-length", "maxLength": "max-length"}.get(code, code)
                if code not in ("unique", "required"):
                    assert (code, table, f["name"]) in have, (code, table, f["name"])
        assert ("primary-key-duplicate", table, ",".join(schema["primaryKey"] if isinstance(schema["primaryKey"], list) else [schema["primaryKey"]])) in have
    for rule in _rules():
        assert (rule.code, rule.table, rule.field) in have, rule.code
    assert ("status-inconsistent", "events", "status") in have


def test_every_query_runs_on_duckdb_and_transpiles_to_spark(spec_and_tables):
    spec, tables = spec_and_tables
    queries = [c.rows_sql(5) for c in spec.checks] + [q.sql for q in count_queries(spec.checks)] + list(screens(spec.checks))
    for name in spec.tables:
        tables.set_view(name, spec.view_sql(name))
    for sql in queries:
        tables.con.execute(sql).fetchall()  # a valid package: every query runs (and finds nothing to say)
    sqlglot = pytest.importorskip("sqlglot")
    for sql in queries + [spec.view_sql(n) for n in spec.tables]:
        spark = transpile(sql, "spark")
        assert sqlglot.parse_one(spark, read="spark") is not None
