"""Issue 14: every engine that runs the check specification reports what the reference engine reports.

Packages are drawn from the schemas (iraq_frontiers.synth.strategies), then mutated at the Arrow level, one
to three cells or rows at a time: every class of mutation the validator knows (a value outside the
vocabulary, and one differing only in case; below a minimum; too long; not matching a pattern; a
required value missing; a repeated primary key; an orphaned foreign key; rules broken by nulls) and
the edge values (+-2**53, +-2**63, NaN, +-inf, -0.0, dates at the type's limits and past year 9999,
invalid UTF-8, NFC vs NFD, zero-width and bidi characters, control characters, nulls anywhere).
Each package is written as CSV and as Parquet and validated by the reference engine ("pandera":
the toolkit's readers and the compiled Pandera schemas) and by every engine of
iraq_frontiers.validation.backends that runs here: the problem sets (code, table, row, key, field,
value, message) and their counts must be identical.

Fast tier: a small derandomized budget; thorough tier (IRAQ_FRONTIERS_SLOW=1): a larger one.
"""
from __future__ import annotations

import math
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iraq_frontiers.schema.compiler import field_type
from iraq_frontiers.schema.metadata import table_names, table_schema
from iraq_frontiers.synth.strategies import packages, write_package

pytest.importorskip("iraq_frontiers.validation.backends")  # the engines (issue 16 layout)
SLOW = os.environ.get("IRAQ_FRONTIERS_SLOW") == "1"
DAY_0001_01_01, DAY_9999_12_31 = -719162, 2932896
INVALID_UTF8 = b"ok\xff\xfe"
EDGES = {
    "integer": [2**53, 2**53 + 1, -(2**53) - 1, 2**63 - 1, -(2**63), 0, -1, None],
    "number": [math.nan, math.inf, -math.inf, -0.0, 2.0**53 + 2, -(2.0**63), 1e308, 5e-324, None],
    "date": [DAY_0001_01_01, DAY_9999_12_31, DAY_9999_12_31 + 1, DAY_0001_01_01 - 1, 2**31 - 1, -(2**31 - 1), -(2**31), None],
    "string": ["e\u0301", "\u00e9", "\u200b", "a\u200bb", "\u202eevil", "\u2066x\u2069", " ", "", "\ufeff", "a\x01b", "x\x85",
               INVALID_UTF8, None],
    "list": [["a|b"], ["a", None], [None], [], [""], ["\u202e"], ["a\x02"], None],
    "boolean": [True, False, None],
}


def engines() -> list[str]:
    from iraq_frontiers.validation.backends import ENGINES, unavailable

    # Spark runs this same property with a budget of its own (tests/test_spark_engine.py): each of its
    # validations costs seconds of planning and scheduling, not milliseconds.
    return [e for e in ENGINES if e != "spark" and unavailable(e) is None]


def _fields(table: str) -> list[dict]:
    return table_schema(table)["fields"]


@st.composite
def mutation(draw, pkg):
    """One mutation of a drawn package: (kind, table, field name, row index, value)."""
    tables = [t for t in table_names() if pkg.get(t)]
    table = draw(st.sampled_from(tables))
    row = draw(st.integers(0, len(pkg[table]) - 1))
    kind = draw(st.sampled_from(["edge", "edge", "violate", "duplicate", "orphan"]))
    if kind == "duplicate":
        return kind, table, None, row, None
    if kind == "orphan":
        fks = [f for fk in table_schema(table).get("foreignKeys", []) for f in ([fk["fields"]] if isinstance(fk["fields"], str) else fk["fields"])]
        if fks:
            return kind, table, draw(st.sampled_from(fks)), row, "zz-no-such-key"
        kind = "edge"
    f = draw(st.sampled_from([f for f in _fields(table) if field_type(f) in EDGES]))
    if kind == "violate":
        c = f.get("constraints", {})
        options = []
        if "enum" in c and field_type(f) == "string":
            options += ["not-in-vocabulary", str(c["enum"][0]).upper(), str(c["enum"][0]).title()]
        if "minimum" in c:
            options.append(c["minimum"] - 1)
        if "maximum" in c:
            options.append(c["maximum"] + 1)
        if "maxLength" in c:
            options.append("x" * (c["maxLength"] + 1))
        if "pattern" in c:
            options.append("not matching ~")
        if options:
            return "edge", table, f["name"], row, draw(st.sampled_from(options))
    return "edge", table, f["name"], row, draw(st.sampled_from(EDGES[field_type(f)]))


def _column(values: list, arrow_type):
    import pyarrow as pa

    if pa.types.is_date32(arrow_type):  # as day numbers: years Python's date cannot hold
        return pa.array(values, pa.int32()).cast(pa.date32())
    if pa.types.is_string(arrow_type) and any(isinstance(v, bytes) for v in values):  # invalid UTF-8, unvalidated
        data = pa.array([v if v is None or isinstance(v, bytes) else v.encode() for v in values], pa.binary())
        return pa.Array.from_buffers(pa.string(), len(data), data.buffers()[:3], null_count=data.null_count)
    return pa.array(values, arrow_type)


def write_mutated(folder: Path, pkg, mutations, fmt: str) -> None:
    """Write the package, then rewrite each mutated table with its cells changed (Arrow level)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from iraq_frontiers.io.writers import to_arrow, write_csv, write_parquet

    write_package(pkg, folder, fmt, allow_invalid=True)
    for table in {m[1] for m in mutations}:
        schema = table_schema(table)
        data = to_arrow(pkg.get(table, []), schema, all_nullable=True)
        columns = {}
        for name in data.column_names:
            col = data.column(name).combine_chunks()
            columns[name] = col.cast(pa.int32()).to_pylist() if pa.types.is_date32(col.type) else col.to_pylist()
        rows = len(data)
        for kind, t, fname, row, value in mutations:
            if t != table:
                continue
            if kind == "duplicate":
                for name in columns:
                    columns[name].append(columns[name][row])
                rows += 1
            else:
                columns[fname][row] = value
        data = pa.table({name: _column(values, data.schema.field(name).type) for name, values in columns.items()},
                        schema=data.schema)
        if fmt == "parquet":
            pq.write_table(data, folder / f"{table}.parquet")
        else:
            try:
                write_csv(data, schema, folder / f"{table}.csv", table)
            except Exception:  # noqa: BLE001 - a value the CSV writer refuses (invalid UTF-8): write its bytes
                _write_csv_bytes(folder / f"{table}.csv", data, schema)


def _write_csv_bytes(path: Path, data, schema) -> None:
    """A CSV file of the table's cells as bytes (for cells that are not UTF-8)."""
    import pyarrow as pa

    out = [",".join(data.column_names).encode()]
    cols = [data.column(n).combine_chunks() for n in data.column_names]
    for i in range(len(data)):
        cells = []
        for col in cols:
            if pa.types.is_string(col.type):
                raw = col.cast(pa.binary())[i].as_py()
            else:
                v = col[i].as_py() if not pa.types.is_date32(col.type) else col.cast(pa.int32())[i].as_py()
                raw = None if v is None else str(v).encode()
            cells.append(b"" if raw is None else b'"' + raw.replace(b'"', b'""') + b'"')
        out.append(b",".join(cells))
    path.write_bytes(b"\n".join(out) + b"\n")


def _problem_set(report) -> list[tuple]:
    return sorted(tuple((k, repr(v)) for k, v in sorted(p.to_dict().items())) for p in report.problems)


BUDGET = 120 if SLOW else 8


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
@settings(max_examples=BUDGET, deadline=None, derandomize=not SLOW, suppress_health_check=list(HealthCheck), database=None)
@given(data=st.data())
def test_every_engine_reports_what_the_reference_reports(fmt, data):
    from iraq_frontiers import validate

    pkg = data.draw(packages(), label="package")
    mutations = data.draw(st.lists(mutation(pkg), min_size=1, max_size=3), label="mutations")
    folder = Path(tempfile.mkdtemp(prefix="ifr-conformance-"))
    try:
        write_mutated(folder / "pkg", pkg, mutations, fmt)
        reference = validate(folder / "pkg", engine="pandera")
        assert "internal-error" not in reference.codes(), reference.format_text()
        for engine in engines():
            report = validate(folder / "pkg", engine=engine)
            assert _problem_set(report) == _problem_set(reference), (engine, report.format_text(), reference.format_text())
            assert report.problems.totals == reference.problems.totals, engine
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _assert_engines_agree(folder: Path):
    from iraq_frontiers import validate

    reference = validate(folder, engine="pandera")
    for engine in engines():
        report = validate(folder, engine=engine)
        assert _problem_set(report) == _problem_set(reference), (engine, report.format_text(), reference.format_text())
    return reference


@settings(max_examples=3, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck), database=None)
@given(data=st.data())
def test_nan_and_infinity_in_parquet_are_found_whatever_the_statistics_say(data):
    """Parquet min/max statistics leave NaN out: an engine trusting them would call isnan() always false.
    (DuckDB prunes when the statistics give two different finite values: the mutation plants them.)"""
    from hypothesis import assume

    pkg = data.draw(packages(max_rows={"claim_quantities": 4}), label="package")
    assume(len(pkg.get("claim_quantities", [])) >= 3)
    bad = data.draw(st.sampled_from([math.nan, -math.nan, math.inf]), label="value")
    mutations = [("edge", "claim_quantities", "value", 0, bad), ("edge", "claim_quantities", "value", 1, 5.0),
                 ("edge", "claim_quantities", "value", 2, 6.0)]
    folder = Path(tempfile.mkdtemp(prefix="ifr-conformance-"))
    try:
        write_mutated(folder / "pkg", pkg, mutations, "parquet")
        reference = _assert_engines_agree(folder / "pkg")
        assert ("type-error", "claim_quantities", "value") in reference.problems.totals, reference.format_text()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@settings(max_examples=1, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck), database=None)
@given(data=st.data())
def test_dates_duckdb_reads_as_infinity_are_shown_by_their_day_number(data):
    """DuckDB reads the Parquet day numbers +-2147483647 as +-infinity (its datediff is NULL there); the
    report shows the day number as the reference reader does, on every engine."""
    from hypothesis import assume

    pkg = data.draw(packages(), label="package")
    assume(len(pkg.get("sources", [])) >= 3)
    days = [2**31 - 1, -(2**31 - 1), -(2**31)]
    mutations = [("edge", "sources", "published_date", i, day) for i, day in enumerate(days)]
    folder = Path(tempfile.mkdtemp(prefix="ifr-conformance-"))
    try:
        write_mutated(folder / "pkg", pkg, mutations, "parquet")
        reference = _assert_engines_agree(folder / "pkg")
        shown = {p.value for p in reference.problems if p.code == "type-error" and p.field == "published_date"}
        assert shown == {f"{day} days from 1970-01-01" for day in days}, reference.format_text()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@settings(max_examples=1, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck), database=None)
@given(data=st.data())
def test_screens_never_hide_a_planted_problem(data):
    """An engine may skip a check whose screen (validation.spec.Check.screen: a cheaper query) gives 0.
    Plant what each screen must see: a repeated composite key, control characters (ASCII, DEL, C1) in a
    string and in a list, an orphan; every engine must still report them as the reference does. Also,
    wherever a check has rows, its screen is not 0."""
    from hypothesis import assume

    pkg = data.draw(packages(), label="package")
    assume(len(pkg.get("event_actors", [])) >= 2 and len(pkg.get("claims", [])) >= 3 and len(pkg.get("actors", [])) >= 1
           and len(pkg.get("claim_quantities", [])) >= 1)
    list_field = next(f["name"] for f in _fields("actors") if field_type(f) == "list")
    mutations = [("duplicate", "event_actors", None, 1, None), ("edge", "claims", "statement", 0, "a\x01b"),
                 ("edge", "claims", "notes", 1, "x\x85y"), ("edge", "claims", "claimant_description", 2, "\x7f"),
                 ("edge", "actors", list_field, 0, ["ok", "a\x02"]), ("orphan", "claims", "source_id", 1, "zz-no-such-key"),
                 # the field checks the polars screen clears: a pattern ([0-9a-f]) against a Unicode digit, an enum
                 # differing in case, an integer and a number below their minimum, too long, a required value empty
                 ("edge", "claims", "span_sha256", 0, "\u0663" * 64), ("edge", "claims", "stance", 1, "ASSERTS"),
                 ("edge", "event_actors", "fatalities", 0, -1), ("edge", "claim_quantities", "value", 0, -0.5),
                 ("edge", "claims", "statement", 2, "x" * 2001), ("edge", "actors", "name", 0, "")]
    tmp_path = Path(tempfile.mkdtemp(prefix="ifr-conformance-"))
    try:
        _check_planted(tmp_path / "pkg", pkg, mutations, list_field)
    finally:
        shutil.rmtree(tmp_path, ignore_errors=True)


def _check_planted(folder: Path, pkg, mutations, list_field: str) -> None:
    from iraq_frontiers.io.package import open_package
    from iraq_frontiers.validation.backends.duckdb.run import count_checks
    from iraq_frontiers.validation.backends.duckdb.screen import screen
    from iraq_frontiers.validation.backends.duckdb.tables import DuckTables
    from iraq_frontiers.validation.spec import compile_spec, screens

    write_mutated(folder, pkg, mutations, "parquet")
    reference = _assert_engines_agree(folder)
    for code, table, fname in [("primary-key-duplicate", "event_actors", None), ("control-character", "claims", "statement"),
                               ("control-character", "claims", "notes"), ("control-character", "claims", "claimant_description"),
                               ("control-character", "actors", list_field), ("foreign-key-orphan", "claims", "source_id"),
                               ("pattern", "claims", "span_sha256"), ("enum", "claims", "stance"), ("minimum", "event_actors", "fatalities"),
                               ("minimum", "claim_quantities", "value"), ("max-length", "claims", "statement"), ("required", "actors", "name")]:
        assert any(p.code == code and p.table == table and (fname is None or p.field == fname) for p in reference.problems), (code, table, fname)
    with open_package(folder) as opened:
        tables = DuckTables()
        try:
            for resource in opened.descriptor["resources"]:
                assert tables.add_parquet(opened, resource), resource["name"]
            spec = compile_spec(tables.schemas, tables.usable, tables.screened)
            tables.trusting_statistics(False)
            for name in spec.tables:  # the polars screen clears no cell, field or key check DuckDB counts rows for
                tables.set_view(name, spec.view_sql(name))
            for name in spec.tables:
                table_checks = spec.table_checks(name, "raw") + spec.table_checks(name, "view") + spec.key_checks(name)
                hidden = [(c.code, c.field) for c, cleared, n in zip(table_checks, screen(tables, name, table_checks),
                                                                      count_checks(tables.con, table_checks)) if cleared and n]
                assert not hidden, (name, hidden)
            checks = [c for c in spec.checks if c.screen]
            exact = count_checks(tables.con, [c.__class__(**{**c.__dict__, "screen": None}) for c in checks])
            for sql, idx in screens(checks).items():
                if any(exact[i] for i in idx):
                    assert tables.con.execute(sql).fetchone()[0], (sql, [checks[i].code for i in idx])
            assert any(exact), "nothing planted reached a screened check"
        finally:
            tables.close()
