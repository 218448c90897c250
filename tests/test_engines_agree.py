"""Issue 13: the engines agree, and what validates builds.

Packages drawn from the schemas (iraq_frontiers.synth.strategies) get one cell replaced by an edge value at
the Arrow level (numeric edges: +-2**53, +-2**63, NaN, +-inf, -0.0; dates at the limits of the
type and past year 9999; Unicode edges: NFC vs NFD, zero-width, bidi overrides; list items holding
the delimiter or null; nulls anywhere), written as Parquet. Then:
- every engine reports the same problems (code, table, row, key, field, value, message);
- a package the validator accepts is built into a release without error.
"""
from __future__ import annotations

import os

import math
import shutil
import tempfile
from pathlib import Path

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
