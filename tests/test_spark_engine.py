"""Issue 14: `--engine spark` runs the check specification on Spark and reports what the default reports.

One Spark session (local mode, `local[2]`) serves every test of the process (the `spark` fixture;
the JVM starts once). Every test that starts the JVM is one of the user's paths (`paths`: a Spark validation
costs half a minute of planning and scheduling however small the package, minutes for the file), which
`.ci/run` and the README's test command run every time and a developer runs with `--run-paths`; there, a
missing pyspark or Java fails the run (IRAQ_FRONTIERS_CI=1), elsewhere the tests skip and say why. The
tests that pin its absence (pyspark never imported unless asked for, a clear message without Java) and
the DuckDB side of the reader tests run in the fast tier.

The conformance property here is tests/test_engine_conformance.py's (the same packages, mutations
and edge values, the same comparison against the reference engine) on a budget of its own: a Spark
validation costs seconds of planning and scheduling, so the fast tier draws few packages (Parquet,
where Spark reads the files itself) and the thorough tier many, in both formats.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iraq_frontiers.validation.backends.spark.session import spark_available

REPO = Path(__file__).resolve().parents[1]
SLOW = os.environ.get("IRAQ_FRONTIERS_SLOW") == "1"
WHY_NOT = spark_available()
_skip_without_spark = pytest.mark.skipif(WHY_NOT is not None, reason=f"the Spark engine cannot run here: {WHY_NOT}")


def needs_spark(test):
    """A test that starts Spark's JVM: one of the user's paths, skipped (with the reason) where Spark cannot run."""
    return pytest.mark.paths(_skip_without_spark(test))


@pytest.fixture(scope="session")
def spark():
    from iraq_frontiers.validation.backends.spark.session import get_session

    return get_session()


def _cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "iraq_frontiers.cli", *args], capture_output=True, text=True, cwd=REPO,
                          env={**os.environ, **(env or {})}, timeout=1800)


def _same_report(default, spark_report) -> None:
    assert [p.to_dict() for p in spark_report.problems] == [p.to_dict() for p in default.problems], spark_report.format_text()
    assert spark_report.problems.totals == default.problems.totals
    assert (spark_report.exit_code, spark_report.tables) == (default.exit_code, default.tables)


def test_pyspark_is_imported_only_when_asked_for():
    code = ("import sys; import iraq_frontiers; from iraq_frontiers import validate; "
            "assert not [m for m in sys.modules if m.split('.')[0] == 'pyspark'], 'import'; "
            "r = validate('datapackage'); assert r.exit_code == 0, r.format_text(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'pyspark'))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]", f"a default validate imported pyspark: {done.stdout[:300]}"


def test_without_java_the_spark_engine_says_so_and_exits_2():
    done = _cli("validate", "datapackage", "--engine", "spark", env={"JAVA_HOME": "/nonexistent-jdk"})
    out = done.stdout + done.stderr
    assert done.returncode == 2, out
    assert "Traceback" not in out
    assert ("Java 17" in out and "JAVA_HOME" in out) or "pyspark" in out, out


def test_spark_master_with_another_engine_is_refused():
    done = _cli("validate", "datapackage", "--engine", "duckdb", "--spark-master", "local[2]")
    assert done.returncode == 2 and "--spark-master" in done.stderr and "Traceback" not in done.stderr


@needs_spark
def test_cli_on_spark_gives_the_default_report_on_the_curated_package_and_prints_nothing_of_the_jvm():
    default = _cli("validate", "datapackage", "--json")
    on_spark = _cli("validate", "datapackage", "--json", "--engine", "spark")
    assert on_spark.returncode == default.returncode == 0, on_spark.stdout[-2000:] + on_spark.stderr[-2000:]
    assert json.loads(on_spark.stdout) == json.loads(default.stdout)
    assert on_spark.stderr == "", f"the JVM or pyspark wrote to the terminal: {on_spark.stderr[:500]}"


@needs_spark
@pytest.mark.parametrize("fmt", ["parquet", pytest.param("csv", marks=pytest.mark.slow)])
def test_spark_gives_the_default_report_on_a_synthetic_package_with_planted_errors(spark, tmp_path, fmt):
    from iraq_frontiers import validate
    from iraq_frontiers.synth.packages import synthesize

    folder = tmp_path / "pkg"
    synthesize(folder, events=1000, fmt=fmt, errors=2)
    default = validate(folder)
    assert default.exit_code == 1 and len(default.problems) >= 40
    _same_report(default, validate(folder, engine="spark"))


@needs_spark
@pytest.mark.parametrize("fmt", ["parquet", pytest.param("csv", marks=pytest.mark.slow)])
@settings(max_examples=40 if SLOW else 3, deadline=None, derandomize=not SLOW, suppress_health_check=list(HealthCheck), database=None)
@given(data=st.data())
def test_spark_reports_what_the_reference_reports(spark, fmt, data):
    from test_engine_conformance import _problem_set, mutation, write_mutated

    from iraq_frontiers import validate
    from iraq_frontiers.synth.strategies import packages

    pkg = data.draw(packages(), label="package")
    mutations = data.draw(st.lists(mutation(pkg), min_size=1, max_size=3), label="mutations")
    folder = Path(tempfile.mkdtemp(prefix="ifr-spark-conformance-"))
    try:
        write_mutated(folder / "pkg", pkg, mutations, fmt)
        reference = validate(folder / "pkg", engine="pandera")
        report = validate(folder / "pkg", engine="spark")
        assert "internal-error" not in report.codes(), report.format_text()
        assert _problem_set(report) == _problem_set(reference), (report.format_text(), reference.format_text())
        assert report.problems.totals == reference.problems.totals
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _corrupt_column(parquet: Path, column: str) -> None:
    """Overwrite bytes in the middle of one column's pages (the footer stays readable)."""
    import pyarrow.parquet as pq

    group = pq.ParquetFile(parquet).metadata.row_group(0)
    chunk = next(group.column(i) for i in range(group.num_columns) if group.column(i).path_in_schema == column)
    data = bytearray(parquet.read_bytes())
    start = (chunk.dictionary_page_offset or chunk.data_page_offset) + chunk.total_compressed_size // 2
    data[start:start + 16] = b"\xff" * 16
    parquet.write_bytes(bytes(data))


# summary: a string column Spark reads to register the table (its invalid-UTF-8 screen);
# fatalities_best: a number column read only by the checks (Spark's all-tables-at-once counts fail first).
ENGINES = ["duckdb", pytest.param("spark", marks=[pytest.mark.paths, _skip_without_spark])]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("column", ["summary", "fatalities_best"])
def test_a_corrupt_parquet_page_is_reported_by_the_reader_on_every_engine(tmp_path, column, engine):
    from iraq_frontiers import validate
    from iraq_frontiers.synth.packages import synthesize

    folder = tmp_path / "pkg"
    synthesize(folder, events=300, fmt="parquet", errors=0)
    _corrupt_column(next(folder.rglob("events.parquet")), column)
    reference = validate(folder, engine="pandera")
    assert reference.exit_code == 2 and "resource-unreadable" in reference.codes(), reference.format_text()
    report = validate(folder, engine=engine)
    assert [p.to_dict() for p in report.problems] == [p.to_dict() for p in reference.problems], (engine, report.format_text())
    assert report.exit_code == 2


LONG_LOOP = 1000


def _looping_locations(folder: Path, fmt: str) -> Path:
    """Locations whose parent_id loops: a row its own parent (length 1), a pair (length 2, with a row
    leading into it), and a loop of LONG_LOOP rows beside a plain chain."""
    from iraq_frontiers.synth.strategies import write_package

    links = [("loc-root", None), ("loc-chain", "loc-root"), ("loc-self", "loc-self"),
             ("loc-a", "loc-b"), ("loc-b", "loc-a"), ("loc-into-a", "loc-a")]
    ring = [f"loc-l{i:04d}" for i in range(LONG_LOOP)]
    links += [(member, ring[i - 1]) for i, member in enumerate(ring)]
    rows = [{"id": ident, "name": ident, "kind": "city", "country": "IQ", "parent_id": parent, "coordinate_precision": "none"}
            for ident, parent in links]
    return write_package({"locations": rows}, folder, fmt)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("fmt", ["parquet", pytest.param("csv", marks=pytest.mark.slow)])
def test_parent_loops_of_length_1_2_and_1000_are_reported_alike_on_every_engine(tmp_path, fmt, engine):
    from iraq_frontiers import validate

    folder = _looping_locations(tmp_path / "pkg", fmt)
    reference = validate(folder, engine="pandera")
    found = {(p.code, p.row, tuple(p.key.items()), p.value) for p in reference.problems if p.code in ("self-link", "reference-cycle")}
    assert found == {("self-link", 3, (("id", "loc-self"),), "loc-self"),
                     ("reference-cycle", 4, (("id", "loc-a"),), "2 rows: loc-a, loc-b"),
                     ("reference-cycle", 7, (("id", "loc-l0000"),), f"{LONG_LOOP} rows: " + ", ".join(f"loc-l{i:04d}" for i in range(10)) + ", ...")}, \
        reference.format_text()
    progress: list[str] = []
    report = validate(folder, progress.append, engine=engine)
    assert sorted(json.dumps(p.to_dict(), sort_keys=True) for p in report.problems) == \
        sorted(json.dumps(p.to_dict(), sort_keys=True) for p in reference.problems), (engine, report.format_text())
    assert report.exit_code == reference.exit_code == 1
    if engine == "spark":
        default = validate(folder)
        _same_report(default, report)
        # the loop check runs on this machine over two fields Spark hands over; the user is told in their words
        collecting = [line for line in progress if line.startswith("collecting")]
        assert collecting == [f"collecting id, parent_id of locations ({default.tables['locations']:,} rows) to this machine "
                              "for the reference-cycle check"], progress


def test_no_rule_filters_by_not_in_over_a_subquery():
    """Spark plans `x NOT IN (SELECT ...)` with a nullable x as a broadcast nested-loop join: the whole subquery
    sent to every task and compared row by row, whatever its size (figures-unbacked ran the driver out of memory
    at 10M events). Rules anti-join instead (docs/validation.md, "Running on Spark")."""
    import re

    from iraq_frontiers.validation.domain import _rules

    not_in = re.compile(r"NOT\s+IN\s*\(\s*SELECT\b", re.IGNORECASE)
    offending = [rule.code for rule in _rules() if not_in.search(rule.where) or not_in.search(rule.join)]
    assert offending == []
