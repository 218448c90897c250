"""Issue 13: the engines agree, and what validates builds.

Packages drawn from the schemas (iraq_frontiers.synth.strategies) get one cell replaced by an edge value at
the Arrow level (numeric edges: +-2**53, +-2**63, NaN, +-inf, -0.0; dates at the limits of the
type and past year 9999; Unicode edges: NFC vs NFD, zero-width, bidi overrides; list items holding
the delimiter or null; nulls anywhere), written as Parquet. Then:
- every engine reports the same problems (code, table, row, key, field, value, message);
- a package the validator accepts is built into a release without error.
"""
from __future__ import annotations

import math
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iraq_frontiers.schema.compiler import field_type
from iraq_frontiers.schema.metadata import table_names, table_schema
from iraq_frontiers.synth.strategies import packages, write_package
from iraq_frontiers.validation.run import validate

DAY_0001_01_01, DAY_9999_12_31 = -719162, 2932896
EDGES = {
    "integer": [2**53, 2**53 + 1, -(2**53) - 1, 2**63 - 1, -(2**63), 0, -1, None],
    "number": [math.nan, math.inf, -math.inf, -0.0, 2.0**53 + 2, -(2.0**63), 1e308, 5e-324, None],
    "date": [DAY_0001_01_01, DAY_9999_12_31, DAY_9999_12_31 + 1, DAY_0001_01_01 - 1, 2**31 - 1, -(2**31 - 1), -(2**31), None],
    "string": ["e\u0301", "\u00e9", "\u200b", "a\u200bb", "\u202eevil", "\u2066x\u2069", " ", "", "\ufeff", None],
    "list": [["a|b"], ["a", None], [None], [], [""], ["\u202e"], None],
    "boolean": [True, False, None],
}


@st.composite
def mutated(draw):
    """(package rows, table, field, row index, edge value) with a non-empty table."""
    pkg = draw(packages())
    cells = [(t, f) for t in table_names() if pkg.get(t) for f in table_schema(t)["fields"] if field_type(f) in EDGES]
    kind = draw(st.sampled_from(sorted({field_type(f) for _, f in cells})))  # each type as likely as the others
    table, f = draw(st.sampled_from([(t, f) for t, f in cells if field_type(f) == kind]))
    row = draw(st.integers(0, len(pkg[table]) - 1))
    value = draw(st.sampled_from(EDGES[field_type(f)]))
    return pkg, table, f, row, value


def _write_mutated(folder: Path, pkg, table, f, row, value) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    write_package(pkg, folder, "parquet", allow_invalid=True)
    path = folder / f"{table}.parquet"
    data = pq.read_table(path)
    i = data.schema.get_field_index(f["name"])
    column = data.column(i).combine_chunks()
    if pa.types.is_date32(column.type):  # as day numbers: years Python's date cannot hold
        days = column.cast(pa.int32()).to_pylist()
        days[row] = value
        column = pa.array(days, pa.int32()).cast(pa.date32())
    else:
        values = column.to_pylist()
        values[row] = value
        column = pa.array(values, column.type)
    data = data.set_column(i, data.schema.field(i).with_nullable(True), column)
    pq.write_table(data, path)


def _problems(report) -> list[dict]:
    return [{k: v for k, v in p.to_dict().items()} for p in report.problems]


# Fast tier: 12 examples, always the same (derandomized); the thorough tier draws 40 at random.
@settings(max_examples=40 if os.environ.get("IRAQ_FRONTIERS_SLOW") == "1" else 12, deadline=None,
          derandomize=os.environ.get("IRAQ_FRONTIERS_SLOW") != "1")
@given(mutated())
def test_every_engine_reports_the_same_problems_and_what_validates_builds(case):
    from iraq_frontiers.release.build import build_release

    pkg, table, f, row, value = case
    folder = Path(tempfile.mkdtemp(prefix="ifr-engines-"))
    try:
        _write_mutated(folder / "pkg", pkg, table, f, row, value)
        reports = {engine: validate(folder / "pkg", engine=engine) for engine in ("pandera", "duckdb")}
        reference = _problems(reports["pandera"])
        assert "internal-error" not in reports["pandera"].codes(), reports["pandera"].format_text()
        for engine, report in reports.items():
            assert _problems(report) == reference, (engine, report.format_text(), reports["pandera"].format_text())
            assert report.problems.totals == reports["pandera"].problems.totals
        if reports["pandera"].valid:  # what validates must build
            build_release(folder / "pkg", folder / "out")
            assert any((folder / "out").iterdir())
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# issue 27, class 6: one regex dialect (Python's re on the whole value, Unicode classes; schema/regex.py)

DIALECT_PATTERNS = [r"\d+", r"^\d+$", r"\D+", r"\w+", r"\W+", r"\s", r"a\sb", r"\S+", r"[\d\s]+", r"[^\s]+", r"[^\d_]+",
                    r"[a-z]+\d?", r"\w+\.\w+", r"\u0661\d*", r"a\.b|\d", r"x\b", r"\bx", r"\p{L}+", r"(?i)abc", r"(?i:a)b",
                    r"a(?=b)", r"(a)\1", r"a*+", r"[[:alpha:]]+"]
DIALECT_CHARS = ["1", "٣", "۷", "߁", "a", "Z", "é", "e\u0301", "ж", "ع", "中", "_", "-", ".", " ", "\u00a0", "\u2003", "\u2028",
                 "\x1c", "\x85", "\t", "x", "b", "A", "\u0661", "Ⅻ", "²"]


def _pattern_package(folder: Path, patterns: list[str], values: list[str], fmt: str) -> Path:
    """One table: an id and one string field per pattern, every field holding the values (none null)."""
    import json

    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    fields = [{"name": "id", "type": "string"}] + [{"name": f"f{i}", "type": "string", "constraints": {"pattern": p}}
                                                   for i, p in enumerate(patterns)]
    folder.mkdir(parents=True)
    desc = {"name": "dialect", "resources": [{"name": "items", "path": f"items.{fmt}", "format": fmt,
                                              "schema": {"fields": fields, "primaryKey": ["id"]}}]}
    (folder / "datapackage.json").write_text(json.dumps(desc), encoding="utf-8")
    table = pa.table({"id": [f"r{i}" for i in range(len(values))], **{f"f{i}": values for i in range(len(patterns))}})
    if fmt == "parquet":
        pq.write_table(table, folder / "items.parquet")
    else:
        pacsv.write_csv(table, folder / "items.csv", pacsv.WriteOptions(quoting_style="all_valid"))
    return folder


def _dialect_outcome(patterns: list[str], values: list[str]) -> dict:
    """What the dialect says: per pattern, refused, or the rows (1-based) Python's re.fullmatch rejects."""
    import re

    from iraq_frontiers.schema.regex import refusal

    if any(refusal(p) for p in patterns):  # the table is refused: its values are not checked
        return {f"f{i}": "refused" if refusal(p) else [] for i, p in enumerate(patterns)}
    return {f"f{i}": [n for n, v in enumerate(values, 1) if not re.fullmatch(p, v)] for i, p in enumerate(patterns)}


def _engine_outcome(report, patterns: list[str]) -> dict:
    out: dict = {f"f{i}": [] for i in range(len(patterns))}
    for p in report.problems:
        if p.code == "schema-unsupported" and p.field:
            out[p.field] = "refused"
        elif p.code == "pattern":
            out[p.field].append(p.row)
        elif p.code != "control-character":  # \x1c and \x85 are spaces to \s, and control characters to the reader
            raise AssertionError(report.format_text())
    return out


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from(DIALECT_PATTERNS), min_size=1, max_size=3, unique=True),
       st.lists(st.lists(st.sampled_from(DIALECT_CHARS), min_size=1, max_size=4).map("".join), min_size=1, max_size=6, unique=True),
       st.sampled_from(["parquet", "csv"]))
def test_engines_run_one_regex_dialect(patterns, values, fmt):
    """\\d on Arabic-Indic digits, \\w on letters and marks, \\s on Unicode spaces, \\b, \\p{L}, inline flags: every
    engine matches as Python's re.fullmatch does, or every engine refuses the pattern with the same problem."""
    folder = Path(tempfile.mkdtemp(prefix="ifr-dialect-"))
    try:
        pkg = _pattern_package(folder / "pkg", patterns, values, fmt)
        expected = _dialect_outcome(patterns, values)
        reports = {engine: validate(pkg, engine=engine) for engine in ("pandera", "duckdb")}
        for engine, report in reports.items():
            assert "internal-error" not in report.codes(), (engine, report.format_text())
            assert _engine_outcome(report, patterns) == expected, (engine, patterns, values, report.format_text())
            assert _problems(report) == _problems(reports["pandera"]), engine
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.paths  # Spark's JVM: one of the user's paths (tests/test_spark_engine.py)
def test_spark_runs_the_regex_dialect(tmp_path):

    from iraq_frontiers.validation.backends import unavailable

    why = unavailable("spark")
    if why:
        pytest.skip(f"spark: {why}")
    values = sorted(set(DIALECT_CHARS) | {"١٢٣", "a b", "a\u00a0b", "abc", "ABC", "é_1", "x"})
    pkg = _pattern_package(tmp_path / "pkg", DIALECT_PATTERNS, values, "parquet")
    spark, reference = validate(pkg, engine="spark"), validate(pkg, engine="pandera")
    assert _engine_outcome(spark, DIALECT_PATTERNS) == _dialect_outcome(DIALECT_PATTERNS, values)
    assert _problems(spark) == _problems(reference)
