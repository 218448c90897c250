"""Self-describing releases (issue 12): README with counts and working instructions, LICENSE-DATA,
CITATION.cff, codebook and CHANGELOG section in the folder and in each zip; frictionless opens the zips."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from _release_helpers import REPO
from iraq_frontiers.release import build as release
from iraq_frontiers.release.notes import changelog_section
from iraq_frontiers.schema.metadata import package_metadata, release_table_names, table_names
from iraq_frontiers.release.release_docs import DOCUMENTS

VERSION = package_metadata()["version"]


@pytest.fixture(scope="module")
def curated(curated_release) -> Path:
    return curated_release


def _zips(folder: Path) -> dict[str, Path]:
    return {fmt: folder / f"iraq-frontiers-{VERSION}-{fmt}.zip" for fmt in ("parquet", "csv")}


def test_documents_in_folder_and_zips(curated):
    section = changelog_section(VERSION, REPO / "CHANGELOG.md")
    for name in DOCUMENTS:
        assert (curated / name).is_file(), name
    assert (curated / "LICENSE-DATA").read_bytes() == (REPO / "LICENSE-DATA").read_bytes()
    cff = yaml.safe_load((curated / "CITATION.cff").read_text(encoding="utf-8"))
    assert str(cff["date-released"]) == section.date and cff["version"] == VERSION
    changelog = (curated / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## [{VERSION}] - {section.date}" in changelog and section.body in changelog
    assert "[Unreleased]" not in changelog
    codebook = (curated / "CODEBOOK.md").read_text(encoding="utf-8")
    for t in table_names():
        assert f"\n## {t}\n" in codebook
    for fmt, archive in _zips(curated).items():
        with zipfile.ZipFile(archive) as zf:
            names = set(zf.namelist())
            assert "datapackage.json" in names and f"events.{fmt}" in names  # top level: frictionless's layout
            assert set(DOCUMENTS) <= names
            assert zf.read("LICENSE-DATA") == (curated / "LICENSE-DATA").read_bytes()
            assert zf.read("CHANGELOG.md") == (curated / "CHANGELOG.md").read_bytes()
            assert f"{fmt}/" not in zf.read("README.md").decode("utf-8")  # paths written for the zip's layout


def test_readme_counts_every_table(curated):
    text = (curated / "README.md").read_text(encoding="utf-8")
    total = 0
    for t in release_table_names():
        n = pq.read_metadata(curated / "parquet" / f"{t}.parquet").num_rows
        total += n
        assert re.search(rf"^\| `{t}` \| {n} \| \S", text, flags=re.M), t
    assert f"| **total** | {total} |" in text
    for what in ("Python", "R (", "DuckDB", "Spark", "spreadsheet", "CITATION.cff", "LICENSE-DATA", "CODEBOOK.md"):
        assert what in text, what


def _blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", text, flags=re.M | re.S)


def _run_python_blocks(text: str, cwd: Path, replace: dict[str, str] | None = None) -> int:
    ran = 0
    for block in _blocks(text, "python"):
        if "spark" in block:
            continue  # Spark's example is one of the user's paths (test_readme_spark_example_runs)
        for old, new in (replace or {}).items():
            block = block.replace(old, new)
        done = subprocess.run([sys.executable, "-c", block], cwd=cwd, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, (block, done.stderr[-2000:])
        ran += 1
    return ran


def test_readme_instructions_run(curated, tmp_path):
    """The README's Python and SQL examples run as written, in the release folder and in each unzipped zip."""
    import duckdb

    text = (curated / "README.md").read_text(encoding="utf-8")
    assert _run_python_blocks(text, curated) == 3
    for sql in _blocks(text, "sql"):
        con = duckdb.connect()
        cwd = os.getcwd()
        os.chdir(curated)
        try:
            assert con.execute(sql).fetchall()
        finally:
            os.chdir(cwd)
    for fmt, archive in _zips(curated).items():
        unpacked = tmp_path / fmt
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(unpacked)
        inner = (unpacked / "README.md").read_text(encoding="utf-8")
        assert _run_python_blocks(inner, unpacked, {"THIS.zip": str(archive)}) == (2 if fmt == "parquet" else 1)


def test_frictionless_opens_the_zips(curated):
    from frictionless import Package

    for fmt, archive in _zips(curated).items():
        package = Package(str(archive))
        got = {r.name: len(r.read_rows()) for r in package.resources}
        assert got == {t: pq.read_metadata(curated / "parquet" / f"{t}.parquet").num_rows for t in release_table_names()}, fmt



SPARK_CHECK = r"""
import json, sys
from pyspark.sql import SparkSession
spark = SparkSession.builder.master("local[1]").appName("iraq-frontiers-readme").config("spark.ui.enabled", "false").getOrCreate()
exec(sys.argv[1])
print(json.dumps({"rows": df.count(), "columns": df.columns}))
spark.stop()
"""


@pytest.mark.paths  # Spark's JVM: one of the user's paths, run by CI every time
def test_readme_spark_example_runs(curated):
    """The README's Spark example, run by Spark in local mode in the release folder."""
    pytest.importorskip("pyspark", reason="pyspark (and Java 17+) are needed for the Spark example: pip install pyspark")
    text = (curated / "README.md").read_text(encoding="utf-8")
    block = next(b for b in _blocks(text, "python") if "spark" in b)
    done = subprocess.run([sys.executable, "-c", SPARK_CHECK, block], cwd=curated, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got["rows"] == pq.read_metadata(curated / "parquet" / "events.parquet").num_rows
    assert got["columns"] == pq.read_schema(curated / "parquet" / "events.parquet").names


def test_readme_pandas_snippet_gives_datetime_columns(curated):
    """The release README's pandas lines give the table's date fields as datetime columns (issue 24), not objects."""
    text = (curated / "README.md").read_text(encoding="utf-8")
    block = next(b for b in _blocks(text, "python") if "pd.read_parquet" in b)
    pandas_lines = "\n".join(line for line in block.splitlines() if "polars" not in line and "pl." not in line)
    check = pandas_lines + "\nimport json\nprint(json.dumps({c: str(t) for c, t in events.dtypes.items()}))"
    done = subprocess.run([sys.executable, "-c", check], cwd=curated, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    dtypes = json.loads(done.stdout.strip().splitlines()[-1])
    import pyarrow as pa

    dates = [f.name for f in pq.read_schema(curated / "parquet" / "events.parquet") if pa.types.is_date(f.type)]
    assert dates and all(dtypes[c].startswith("datetime64") for c in dates), dtypes
