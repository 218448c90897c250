"""Issue 17: Table Schema and Data Package semantics, the same on both engines.

Each rule is checked on a small package written as CSV (read by iraq_frontiers.io) and, where the rule
applies to Parquet too, as Parquet (read where it lies), each validated by the default engine and the
reference engine (engine="pandera"): the problems (code, table, row, key, field) must be the same.
The last test validates an example package for every row of conformance.FEATURES, the table of
what we support published in docs/validation.md.
"""
from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from iraq_frontiers.validation.conformance import FEATURES
from iraq_frontiers.validation.run import validate

FIELDS = [
    {"name": "id", "type": "integer"},
    {"name": "name", "type": "string"},
    {"name": "score", "type": "number"},
]


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    text = str(value).lower() if isinstance(value, bool) else str(value)
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\n') else text


def write_table(folder: Path, name: str, fields: list[dict], rows: list[list[Any]], fmt: str) -> str:
    """The table as `name`.csv (cells as written) or `name`.parquet (typed per schema, nullable); returns its path."""
    if fmt == "csv":
        lines = [",".join(f["name"] for f in fields)] + [",".join(_csv_cell(v) for v in r) for r in rows]
        (folder / f"{name}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        return f"{name}.csv"
    import pyarrow as pa
    import pyarrow.parquet as pq

    from iraq_frontiers.schema.compiler import arrow_type

    columns = {f["name"]: pa.array([r[i] for r in rows], arrow_type(f)) for i, f in enumerate(fields)}
    pq.write_table(pa.table(columns), folder / f"{name}.parquet")
    return f"{name}.parquet"


def make_package(folder: Path, rows: list[list[Any]], fmt: str = "csv", fields: list[dict] | None = None,
                 pk: Any = None, **resource: Any) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    fields = fields or FIELDS
    path = write_table(folder, "t", fields, rows, fmt)
    schema: dict[str, Any] = {"fields": fields}
    if pk is not None:
        schema["primaryKey"] = pk
    descriptor = {"name": "conformance", "resources": [{"name": "t", "path": path, "schema": schema, **resource}]}
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    return folder


def signature(report) -> list[tuple]:
    return sorted((p.code, p.table, p.row, json.dumps(p.key, sort_keys=True, default=str), p.field) for p in report.problems)


def both_formats(tmp_path: Path, rows, **kw) -> list[tuple]:
    """The problems of the package in CSV, which must equal those in Parquet on both engines."""
    csv_dir = make_package(tmp_path / "csv", rows, "csv", **kw)
    csv, csv_reference = validate(csv_dir), validate(csv_dir, engine="pandera")
    pq_dir = make_package(tmp_path / "parquet", rows, "parquet", **kw)
    parquet, reference = validate(pq_dir), validate(pq_dir, engine="pandera")
    assert "internal-error" not in csv.codes(), csv.format_text()
    assert signature(csv) == signature(csv_reference) == signature(parquet) == signature(reference), (csv.format_text(), parquet.format_text())
    return signature(csv)


# --- 1. blank rows ----------------------------------------------------------------------------


def test_a_row_of_empty_cells_is_a_blank_row_in_csv_and_parquet(tmp_path):
    rows = [[1, "a", 0.5], [None, None, None], [2, "b", 1.0], [None, None, None]]
    found = both_formats(tmp_path, rows, pk="id")
    assert [(c, r) for c, _, r, _, _ in found] == [("blank-row", 2), ("blank-row", 4)]  # not read: no `required` for id


def test_blank_row_message_names_the_line(tmp_path):
    report = validate(make_package(tmp_path, [[1, "a", 0.5], [None, None, None]]))
    (problem,) = report.problems
    assert problem.code == "blank-row" and "line 3" in problem.message and "every cell is empty" in problem.message


def test_a_row_with_one_value_is_not_blank(tmp_path):
    assert both_formats(tmp_path, [[1, "a", 0.5], [None, "b", None]]) == []


# --- 2. primary-key fields are required -----------------------------------------------------------


def test_primary_key_fields_are_required_without_saying_so(tmp_path):
    rows = [[1, "a", 0.5], [None, "b", 1.0], [3, None, 2.0]]
    found = both_formats(tmp_path, rows, pk="id")
    assert [(c, r, f) for c, _, r, _, f in found] == [("required", 2, "id")]


def test_composite_primary_key_parts_are_required(tmp_path):
    rows = [[1, "a", 0.5], [2, None, 1.0], [None, "c", 2.0]]
    found = both_formats(tmp_path, rows, pk=["id", "name"])
    assert sorted((c, r, f) for c, _, r, _, f in found) == [("required", 2, "name"), ("required", 3, "id")]


def test_fields_outside_the_key_stay_optional(tmp_path):
    assert both_formats(tmp_path, [[1, None, None]], pk="id") == []


# --- 3. datetimes judged cell by cell -----------------------------------------------------------------

DT_FIELDS = [{"name": "id", "type": "integer"}, {"name": "at", "type": "datetime"}]


@pytest.mark.parametrize("order", [1, -1])
def test_datetime_verdict_does_not_depend_on_the_first_row(tmp_path, order):
    values = ["2024-01-01T00:00:00", "2024-01-01T10:00:00Z", "2024-01-01T10:00:00.25+03:00", "2024-01-31T23:59:59-0130"]
    rows = [[i, v] for i, v in enumerate(values[::order], 1)]
    report = validate(make_package(tmp_path, rows, fields=DT_FIELDS))
    bad = [p for p in report.problems]
    assert [(p.code, p.value) for p in bad] == [("type-error", "2024-01-01T00:00:00")]


def test_datetime_values_are_parsed_to_utc(tmp_path):
    from iraq_frontiers.io.package import open_package, read_table

    make_package(tmp_path, [[1, "2024-01-01T00:00:00"], [2, "2024-01-01T10:00:00+03:00"]], fields=DT_FIELDS)
    with open_package(tmp_path) as pkg:
        data, _ = read_table(pkg, pkg.descriptor["resources"][0])
    assert str(data.frame["at"][1]) == "2024-01-01 07:00:00+00:00"


# --- 4. bytes and hash --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_bytes_and_hash_are_checked_when_given(tmp_path, fmt):
    rows = [[1, "a", 0.5]]
    folder = make_package(tmp_path / "probe", rows, fmt)
    content = (folder / f"t.{fmt}").read_bytes()
    right = {"bytes": len(content), "hash": hashlib.md5(content).hexdigest()}
    assert validate(make_package(tmp_path / "right", rows, fmt, **right)).problems == []
    sha = {"hash": "sha256:" + hashlib.sha256(content).hexdigest().upper()}
    assert validate(make_package(tmp_path / "sha", rows, fmt, **sha)).problems == []
    wrong = {"bytes": len(content) + 1, "hash": "sha1:" + hashlib.sha1(b"other").hexdigest()}
    report = validate(make_package(tmp_path / "wrong", rows, fmt, **wrong))
    assert report.codes() == {"bytes-mismatch", "hash-mismatch"} and report.exit_code == 1
    assert all(p.table == "t" and p.file == f"t.{fmt}" for p in report.problems)
    odd = validate(make_package(tmp_path / "odd", rows, fmt, hash="crc32:0"))
    assert [p.code for p in odd.problems] == ["schema-unsupported"]


# --- 5. string formats ------------------------------------------------------------------------------------

FORMAT_CASES = {
    "email": (["ali@example.org", "first.last+tag@sub.example.iq"], ["ali", "ali@", "a b@example.org", "ali@example"]),
    "uri": (["https://example.org/a?b=1", "urn:isbn:0451450523"], ["example.org", "http://a b", "://x"]),
    "uuid": (["123e4567-e89b-12d3-a456-426614174000"], ["123e4567e89b12d3a456426614174000", "123e4567-e89b-12d3-a456", "zzze4567-e89b-12d3-a456-426614174000"]),
    "binary": (["aGVsbG8=", "aGk="], ["aGVsbG8", "not base64!"]),
}


@pytest.mark.parametrize("fmt", sorted(FORMAT_CASES))
def test_string_formats_are_enforced_on_both_engines(tmp_path, fmt):
    good, bad = FORMAT_CASES[fmt]
    fields = [{"name": "id", "type": "integer"}, {"name": "v", "type": "string", "format": fmt}]
    rows = [[i, v] for i, v in enumerate(good + bad, 1)]
    found = both_formats(tmp_path, rows, fields=fields, pk="id")
    assert [(c, r, f) for c, _, r, _, f in found] == [("format", len(good) + i, "v") for i in range(1, len(bad) + 1)]


@pytest.mark.parametrize("field", [
    {"name": "v", "type": "string", "format": "wkt"},
    {"name": "v", "type": "date", "format": "%d/%m/%Y"},
    {"name": "v", "type": "integer", "format": "email"},
])
def test_other_formats_are_refused(tmp_path, field):
    report = validate(make_package(tmp_path, [[1, None]], fields=[{"name": "id", "type": "integer"}, field]))
    refused = [p for p in report.problems if p.code == "schema-unsupported"]
    assert [p.field for p in refused] == ["v"] and "format" in refused[0].message
    assert report.codes() <= {"schema-unsupported", "descriptor-invalid"}  # the profile may object too


# --- 6. rows with the wrong number of cells are read ---------------------------------------------------


def test_ragged_rows_are_read_and_their_cells_checked(tmp_path):
    folder = make_package(tmp_path, [[1, "a", 0.5]], pk="id")
    (folder / "t.csv").write_text("id,name,score\n1,a,0.5\nx,b\n1,c,2.0,extra\n", encoding="utf-8")
    report = validate(folder)
    found = [(p.code, p.row, p.field) for p in report.problems]
    assert ("ragged-row", 2, None) in found and ("ragged-row", 3, None) in found
    assert ("type-error", 2, "id") in found  # the short row's cells are checked
    assert ("primary-key-duplicate", 3, "id") in found  # and the long row's key
    messages = " ".join(p.message for p in report.problems if p.code == "ragged-row")
    assert "missing cells are read as empty" in messages and "extra cells are not read" in messages


# --- 7. what we support: every row of the table in docs/validation.md ---------------------------------------


def _example(feature_id: str, folder: Path) -> Path:
    """A package exhibiting the feature (a valid package apart from the feature itself)."""
    rows = [[1, "a", 0.5], [2, "b", 1.5]]
    pkg = make_package(folder, rows)
    desc = json.loads((pkg / "datapackage.json").read_text())
    res = desc["resources"][0]
    schema = res["schema"]
    if feature_id == "inline-data":
        res.pop("path")
        res["data"] = [["id", "name", "score"], [1, "a", 0.5], [2, "b", None]]
        desc["resources"].append({"name": "objects", "data": [{"id": 1, "name": "a"}, {"id": 2, "score": 2}], "schema": schema})
    elif feature_id == "schema-file":
        (pkg / "schemas").mkdir()
        (pkg / "schemas" / "t.json").write_text(json.dumps({**schema, "primaryKey": "id"}))
        res["schema"] = "schemas/t.json"
    elif feature_id == "gzip-csv":
        (pkg / "t.csv.gz").write_bytes(gzip.compress((pkg / "t.csv").read_bytes()))
        res["path"] = "t.csv.gz"
    elif feature_id == "other-compression":
        res["compression"] = "zip"
    elif feature_id == "bytes-hash":
        content = (pkg / "t.csv").read_bytes()
        res.update(bytes=len(content), hash="sha512:" + hashlib.sha512(content).hexdigest())
    elif feature_id == "string-formats":
        schema["fields"].append({"name": "mail", "type": "string", "format": "email"})
        (pkg / "t.csv").write_text("id,name,score,mail\n1,a,0.5,a@example.org\n")
    elif feature_id == "other-formats":
        schema["fields"][1]["format"] = "wkt"
    elif feature_id == "keys":
        schema.update(primaryKey="id", uniqueKeys=[["name"]], foreignKeys=[{"fields": "id", "reference": {"fields": "id"}}])
    elif feature_id == "constraints":
        schema["fields"] = [
            {"name": "id", "type": "integer", "constraints": {"required": True, "unique": True, "minimum": 1, "maximum": 9}},
            {"name": "name", "type": "string", "constraints": {"enum": ["a", "b"], "pattern": "[a-z]", "minLength": 1, "maxLength": 1}},
            {"name": "score", "type": "number"}]
    elif feature_id == "blank-rows":
        (pkg / "t.csv").write_text("id,name,score\n1,a,0.5\n\n\n")  # trailing blank lines only: valid
    elif feature_id == "ragged-rows":
        (pkg / "t.csv").write_text("id,name,score\n1,a,0.5\n2,b\n")
    elif feature_id == "delimiter":
        (pkg / "t.csv").write_text("id;name;score\n1;a;0.5\n")
        res["dialect"] = {"delimiter": ";"}
    elif feature_id == "no-schema":
        res.pop("schema")
    elif feature_id == "geopoint":
        schema["fields"][1]["type"] = "geopoint"
    elif feature_id == "datetime-without-zone":
        schema["fields"][1]["type"] = "datetime"
        (pkg / "t.csv").write_text("id,name,score\n1,2024-01-31T12:00:00,0.5\n")
    elif feature_id == "nan-inf":
        (pkg / "t.csv").write_text("id,name,score\n1,a,NaN\n2,b,INF\n")
    elif feature_id == "encoding":
        res["encoding"] = "windows-1252"
    elif feature_id == "missing-values":
        schema["missingValues"] = ["", "NA"]
    elif feature_id == "skip-initial-space":
        res["dialect"] = {"skipInitialSpace": True}
        (pkg / "t.csv").write_text('id, name, score\n1, "a, b", 0.5\n2,  c,1\n')
    elif feature_id == "no-header":
        res["dialect"] = {"header": False}
    elif feature_id == "misplaced-keywords":
        res["missingValues"] = ["", "NA"]
        res["layout"] = {"headerRows": [2]}
    elif feature_id == "remote":
        res["path"] = "https://example.org/t.csv"
    elif feature_id == "multi-file":
        res["path"] = ["t.csv", "t.csv"]
    elif feature_id == "table-formats":
        (pkg / "t.json").write_text("[]")
        res["path"] = "t.json"
    else:
        raise KeyError(f"no example package for feature {feature_id!r}: add one")
    (pkg / "datapackage.json").write_text(json.dumps(desc))
    return pkg


@pytest.mark.parametrize("feature", FEATURES, ids=lambda f: f.id)
def test_support_table_matches_the_validator(tmp_path, feature):
    report = validate(_example(feature.id, tmp_path / "pkg"))
    assert "internal-error" not in report.codes(), report.format_text()
    if feature.id == "ragged-rows":  # supported means read: reported, and the row's cells are checked
        assert report.codes() == {"ragged-row"}
    elif feature.supported:
        assert report.problems == [], report.format_text()
    else:
        assert feature.code in report.codes(), report.format_text()
        assert report.exit_code in (1, 2)


def test_inline_data_values_are_checked_by_json_type(tmp_path):
    pkg = make_package(tmp_path, [], pk="id")
    desc = json.loads((pkg / "datapackage.json").read_text())
    res = desc["resources"][0]
    res.pop("path")
    res["data"] = [["id", "name", "score"], [1, "a", 0.5], [1, 5, "x"], [None, None, None], [3, True, [1]], [None, "d", 1]]
    (pkg / "datapackage.json").write_text(json.dumps(desc))
    found = sorted((p.code, p.row, p.field) for p in validate(pkg).problems)
    assert found == [
        ("blank-row", 3, None),
        ("primary-key-duplicate", 2, "id"),
        ("required", 5, "id"),  # a primary-key field
        ("type-error", 2, "name"),  # a JSON number in a string field
        ("type-error", 2, "score"),  # "x" is not a number
        ("type-error", 4, "name"),  # JSON true in a string field
        ("type-error", 4, "score"),  # an array is not a cell
    ]
    assert all(p.file == "datapackage.json" for p in validate(pkg).problems)


def test_gzip_csv_is_bounded_like_a_zip_entry(tmp_path):
    from iraq_frontiers.io import archive

    pkg = make_package(tmp_path, [])
    desc = json.loads((pkg / "datapackage.json").read_text())
    desc["resources"][0]["path"] = "t.csv.gz"
    (pkg / "datapackage.json").write_text(json.dumps(desc))
    bomb = b"id,name,score\n" + b"1,a,0.5\n" * 400_000  # 3.2 MB of one repeated row: ratio far above 200
    (pkg / "t.csv.gz").write_bytes(gzip.compress(bomb, 9))
    assert len(bomb) > archive.MAX_ARCHIVE_RATIO * (pkg / "t.csv.gz").stat().st_size
    report = validate(pkg)
    assert report.exit_code == 2 and "zip bomb" in report.problems[0].message
    (pkg / "t.csv.gz").write_bytes(gzip.compress(b"id,name,score\n1,a,0.5\n")[:-6])  # truncated
    report = validate(pkg)
    assert report.exit_code == 2 and report.problems[0].code == "resource-unreadable"


def test_inline_data_loads_and_connects(tmp_path):
    from iraq_frontiers.release.access import connect, load

    pkg = _example("inline-data", tmp_path / "pkg")
    frame = load("t", backend="polars", path=pkg)
    assert frame.rows() == [(1, "a", 0.5), (2, "b", None)]
    assert connect(pkg).execute("SELECT count(*) FROM objects").fetchone() == (2,)


@pytest.mark.parametrize("content, name, code, words", [
    (b"fields: []", "t.schema.yaml", "descriptor-unreadable", "YAML"),
    (b'{"fields": [], "fields": []}', "t.schema.json", "descriptor-unreadable", "twice"),
    (b"[]", "t.schema.json", "descriptor-unreadable", "JSON object"),
])
def test_unreadable_schema_files_are_refused_by_name(tmp_path, content, name, code, words):
    pkg = make_package(tmp_path, [[1, "a", 0.5]])
    desc = json.loads((pkg / "datapackage.json").read_text())
    desc["resources"][0]["schema"] = name
    (pkg / name).write_bytes(content)
    (pkg / "datapackage.json").write_text(json.dumps(desc))
    report = validate(pkg)
    (problem,) = report.problems
    assert (problem.code, problem.table, problem.file) == (code, "t", name) and words in problem.message
    assert report.exit_code == 2


def test_skip_initial_space_drops_only_spaces_after_a_delimiter(tmp_path):
    from iraq_frontiers.io.package import open_package, read_table

    pkg = _example("skip-initial-space", tmp_path / "pkg")
    with open_package(pkg) as opened:
        data, problems = read_table(opened, opened.descriptor["resources"][0])
    assert problems == [] and data.frame["name"].to_list() == ["a, b", "c"]
    plain = make_package(tmp_path / "plain", [])
    (plain / "t.csv").write_text("id,name,score\n1, a ,0.5\n")
    with open_package(plain) as opened:
        data, _ = read_table(opened, opened.descriptor["resources"][0])
    assert data.frame["name"].to_list() == [" a "]  # without the dialect option, spaces are data
