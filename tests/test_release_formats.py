"""The release's SQLite database (served by a real Datasette) and its Croissant description (read by
mlcroissant), both compiled from the schemas for every table the release holds (issue 12)."""
from __future__ import annotations

import json
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from _release_helpers import read_json
from iraq_frontiers.release.access import load
from iraq_frontiers.schema.compiler import field_type
from iraq_frontiers.release.croissant import croissant
from iraq_frontiers.release.release_docs import CROISSANT_FILE, DATASETTE_METADATA, SQLITE_FILE
from iraq_frontiers.release.sqlite_export import write_sqlite

# Declared column types; sqlite-utils 3.x declares REAL columns as FLOAT (the same REAL affinity in SQLite).
SQL_TYPES = {"string": {"TEXT"}, "integer": {"INTEGER"}, "number": {"REAL", "FLOAT"}, "boolean": {"INTEGER"},
             "date": {"TEXT"}, "datetime": {"TEXT"}, "list": {"TEXT"}}


@pytest.fixture(scope="module")
def curated(curated_release) -> Path:
    return curated_release


def _resources(folder: Path) -> dict[str, dict]:
    """The release's tables and schemas, as its own descriptor says (not the code under test)."""
    return {r["name"]: r["schema"] for r in read_json(folder / "parquet" / "datapackage.json")["resources"]}


def test_sqlite_has_every_table_typed_with_keys(curated):
    con = sqlite3.connect(curated / SQLITE_FILE)
    for table, schema in _resources(curated).items():
        n = pq.read_metadata(curated / "parquet" / f"{table}.parquet").num_rows
        assert con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] == n, table
        info = {row[1]: row for row in con.execute(f'PRAGMA table_info("{table}")')}
        assert list(info) == [f["name"] for f in schema["fields"]]
        for f in schema["fields"]:
            _, _, sqltype, notnull, _, pk = info[f["name"]]
            assert sqltype in SQL_TYPES[field_type(f)], (table, f["name"])
            assert bool(notnull) == bool(f.get("constraints", {}).get("required")) or pk, (table, f["name"])
        assert [name for name, row in sorted(info.items(), key=lambda kv: kv[1][5]) if row[5]] == schema["primaryKey"]
        fks = {(row[3], row[2], row[4]) for row in con.execute(f'PRAGMA foreign_key_list("{table}")')}
        expected = {(fk["fields"][0], fk["reference"].get("resource") or table, fk["reference"]["fields"][0])
                    for fk in schema.get("foreignKeys", [])}
        assert fks == expected, table
        indexed = {con.execute(f'PRAGMA index_info("{ix[1]}")').fetchone()[2] for ix in con.execute(f'PRAGMA index_list("{table}")')}
        assert {fk[0] for fk in expected} <= indexed, table
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []


def test_sqlite_values_equal_the_parquet(curated):
    con = sqlite3.connect(curated / SQLITE_FILE)
    con.row_factory = sqlite3.Row
    for table in ("actors", "events", "locations"):
        expected = load(table, backend="arrow", path=curated).to_pylist()
        got = [dict(r) for r in con.execute(f'SELECT * FROM "{table}" ORDER BY rowid')]
        schema = _resources(curated)[table]
        for want, row in zip(expected, got):
            for f in schema["fields"]:
                value, ftype = want[f["name"]], field_type(f)
                if value is not None and ftype == "list":
                    value = json.dumps(value, ensure_ascii=False)
                elif value is not None and ftype in ("date", "datetime"):
                    value = value.isoformat()
                elif value is not None and ftype == "boolean":
                    value = int(value)
                assert row[f["name"]] == value, (table, f["name"])
        assert len(got) == len(expected)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


@pytest.mark.ci
def test_datasette_serves_the_release(curated, tmp_path):
    """Start datasette on the release's database with its metadata, fetch a table page and its JSON, stop it."""
    exe = Path(sys.executable).with_name("datasette")
    if not exe.exists():
        pytest.skip("datasette is not installed (pip install -e '.[test]')")
    meta = read_json(curated / DATASETTE_METADATA)
    port = _free_port()
    server = subprocess.Popen([str(exe), "serve", str(curated / SQLITE_FILE), "--metadata", str(curated / DATASETTE_METADATA),
                               "--host", "127.0.0.1", "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(f"{base}/-/versions.json")
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise AssertionError(f"datasette did not start: {server.stdout.read().decode()[-2000:] if server.poll() is not None else 'timeout'}")
                time.sleep(0.2)
        page = _get(f"{base}/iraq-frontiers/events").decode("utf-8")
        events = meta["databases"]["iraq-frontiers"]["tables"]["events"]
        assert events["title"] in page and events["description"][:40].replace("'", "&#39;") in page
        rows = json.loads(_get(f"{base}/iraq-frontiers/events.json?_shape=array&_size=max"))  # a page: at most 1,000 rows
        counted = json.loads(_get(f"{base}/iraq-frontiers.json?_shape=array&sql=select+count(*)+as+n+from+events"))
        n = pq.read_metadata(curated / "parquet" / "events.parquet").num_rows
        assert counted == [{"n": n}] and len(rows) == min(n, 1000)
        assert meta["license"] in _get(f"{base}/").decode("utf-8")
    finally:
        server.terminate()
        server.wait(timeout=30)
        server.stdout.close()


def test_croissant_validates_and_reads_every_table(curated):
    mlc = pytest.importorskip("mlcroissant")
    doc = read_json(curated / CROISSANT_FILE)
    dataset = mlc.Dataset(jsonld=str(curated / CROISSANT_FILE))  # raises on any validation error
    assert not dataset.metadata.ctx.issues.errors and not dataset.metadata.ctx.issues.warnings
    resources = _resources(curated)
    assert [r["name"] for r in doc["recordSet"]] == list(resources)
    for table, schema in resources.items():
        records = list(dataset.records(table))
        assert len(records) == pq.read_metadata(curated / "parquet" / f"{table}.parquet").num_rows, table
        record_set = next(r for r in doc["recordSet"] if r["name"] == table)
        assert [f["name"] for f in record_set["field"]] == [f["name"] for f in schema["fields"]]
    actor = next(r for r in dataset.records("actors") if r["actors/id"] == b"act-iraq")
    assert isinstance(actor["actors/aliases"], list)
    assert doc["datePublished"] == read_json(curated / "parquet" / "datapackage.json")["created"][:10]


def test_formats_follow_the_tables_given(tmp_path):
    """No table list is hard-coded: a table the package gains (say, a derived flat table) is exported too."""
    schema = {"fields": [{"name": "id", "type": "string", "constraints": {"required": True}},
                         {"name": "n", "type": "integer"}, {"name": "tags", "type": "string", "listDelimiter": "|"}],
              "primaryKey": ["id"]}
    from iraq_frontiers.schema.compiler import arrow_schema

    table = pa.Table.from_pylist([{"id": "a", "n": 1, "tags": ["x", "y"]}, {"id": "b", "n": None, "tags": None}],
                                 schema=arrow_schema(schema))
    write_sqlite({"extra_flat": table}, tmp_path / "x.sqlite", {"extra_flat": schema})
    con = sqlite3.connect(tmp_path / "x.sqlite")
    assert con.execute("SELECT id, n, tags FROM extra_flat ORDER BY id").fetchall() == [("a", 1, '["x", "y"]'), ("b", None, None)]
    pq.write_table(table, tmp_path / "extra_flat.parquet")
    doc = croissant({"extra_flat": tmp_path / "extra_flat.parquet"}, {"extra_flat": schema}, "9.9.9")
    assert [r["name"] for r in doc["recordSet"]] == ["extra_flat"]
    assert [f["dataType"] for f in doc["recordSet"][0]["field"]] == ["sc:Text", "sc:Integer", "sc:Text"]


def test_frictionless_on_the_parquet_package(curated):
    """frictionless-py on the Parquet package reports only what its pandas-based Parquet reader causes
    (docs/formats.md#standard-validators); any other error is ours and fails this test."""
    from frictionless import validate

    report = validate(str(curated / "parquet" / "datapackage.json")).to_descriptor()
    resources = _resources(curated)
    unexplained = []
    for task in report["tasks"]:
        fields = {f["name"]: f for f in resources[task["name"]]["fields"]}
        for error in task["errors"]:
            kind, field = error["type"], fields.get(error.get("fieldName"))
            if kind in ("byte-count", "hash-count") and "is \"None\"" in error["message"]:
                continue
            if kind == "type-error" and field and field_type(field) == "list":
                continue
            if kind == "type-error" and field and field["type"] == "integer" and re.fullmatch(r"-?\d+\.0|nan", str(error.get("cell"))):
                continue  # an integer column with nulls, as pandas float64
            if kind == "constraint-error" and field and field["type"] == "number" and str(error.get("cell")) == "nan":
                continue
            geometry_column = task["name"] == "locations" and error.get("fieldNumber") == len(fields) + 1
            if kind in ("extra-label", "extra-cell") and geometry_column:
                continue  # the GeoParquet column after the schema's fields (older frictionless: one error per cell)
            unexplained.append((task["name"], kind, error.get("fieldName"), error["message"][:200]))
    assert unexplained == []
