"""Issue 13: hostile input, round 2 — verdicts, messages and bounds (see docs/validation.md, "Bad input").

Cases in the declarative corpus live in tests/test_bad_inputs.py; this file holds the properties
and the cases that need more than one validation run (engines compared, output scanned, limits).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from test_bad_inputs import ROWS, base_descriptor, field_edit, items_csv, write_package
from iraq_frontiers.validation.run import validate

ENGINES = ("pandera", "duckdb")


def test_one_bad_cell_gives_one_problem(tmp_path: Path):
    """A value that cannot be read is a type-error, and nothing else: no `required` for the emptied cell."""
    desc = base_descriptor()
    field_edit("count", constraints={"required": True, "minimum": 0})(desc)
    write_package(tmp_path, desc, items=items_csv(ROWS[0], "it-2,Beta,x,1.0,false,2023-12-01,"))
    for engine in ENGINES:
        report = validate(tmp_path, engine=engine)
        assert [(p.code, p.row, p.field) for p in report.problems] == [("type-error", 2, "count")], report.format_text()


def test_diff_refuses_unreadable_cells(tmp_path: Path, capsys):
    """A value diff cannot read is listed and fails the diff (exit 2), never shown as 'changed to empty'."""
    from iraq_frontiers.cli.app import main

    old = write_package(tmp_path / "old")
    new = write_package(tmp_path / "new", items=items_csv(ROWS[0], "it-2,بغداد,x,1.25,false,2023-12-01,"))
    assert main(["diff", str(old), str(new)]) == 2
    out = capsys.readouterr()
    assert "type-error" in out.err and "count" in out.err and "changed" not in out.out
    assert main(["diff", str(old), str(new), "--json"]) == 2
    doc = json.loads(capsys.readouterr().out)
    assert doc["exit_code"] == 2 and doc["problems"][0]["code"] == "type-error" and doc["problems"][0]["row"] == 2


@pytest.mark.parametrize("fields", [
    [{"name": "id"}, {"name": "id"}],  # duplicate field
    ["id", {"name": "name"}],  # a field that is not an object
])
def test_diff_refuses_schemas_it_cannot_follow(tmp_path: Path, capsys, fields):
    from iraq_frontiers.cli.app import main

    old = write_package(tmp_path / "old")
    desc = base_descriptor()
    desc["resources"][0]["schema"] = {"fields": fields}
    new = write_package(tmp_path / "new", desc)
    assert main(["diff", str(old), str(new)]) == 2
    out = capsys.readouterr()
    assert "schema-unsupported" in out.err and "Traceback" not in out.err


# --------------------------------------------------------------------------------------------
# Everything printed that came from input is escaped (iraq_frontiers.terminal)

UNSAFE_BYTES = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]")
HOSTILE = ["\x1b[2J\x1b[31mred", "bell\x07", "cr\rhidden", "nl\nforged line", "del\x7f", "c1\u0085\u009b31m", "bidi\u202eevil\u2066", "tab\tok"]


def _hostile_package(folder: Path, text: str) -> Path:
    desc = base_descriptor()
    desc["resources"][0]["name"] = "items" + text
    desc["resources"][0]["schema"]["fields"][1]["name"] = "name" + text
    rows = [f"it-1{text},Alpha{text},3,0.5,true,2024-01-31,a|{text}", "it-2,Beta,x,1.25,false,2023-12-01,"]
    header = "id,name" + text + ",count,ratio,flag,day,tags,extra" + text
    return write_package(folder, desc, items=items_csv(*[r + ",v" + text for r in rows], header=header))


@settings(max_examples=15, deadline=None)
@given(st.lists(st.sampled_from(HOSTILE) | st.text(st.characters(max_codepoint=0x20ff), max_size=4), min_size=1, max_size=3).map("".join))
def test_no_control_byte_from_input_reaches_the_terminal(text):
    """validate (text and --json) and diff print input escaped; the JSON still decodes to the original."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as mp:
        import io
        import sys

        folder = _hostile_package(Path(tmp) / ("pkg" + text.replace("/", "").replace("\x00", "")), text)
        clean = write_package(Path(tmp) / "clean")
        for argv in (["validate", str(folder), "--quiet"], ["validate", str(folder), "--json"],
                     ["diff", str(clean), str(folder)], ["diff", str(clean), str(folder), "--json"]):
            out, err = io.StringIO(), io.StringIO()
            mp.setattr(sys, "stdout", out)
            mp.setattr(sys, "stderr", err)
            from iraq_frontiers.cli.app import main

            main(argv)
            printed = (out.getvalue() + err.getvalue()).encode("utf-8", "surrogateescape")
            assert not UNSAFE_BYTES.search(printed), (argv, printed[:2000])
            if argv[-1] == "--json":
                json.loads(out.getvalue())
        # the escapes are JSON's: the report decodes to the values as they were
        strings = [s for p in json.loads(validate(folder).to_json())["problems"] for s in _strings(p)]
        assert any(text in s for s in strings), strings


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


# --------------------------------------------------------------------------------------------
# Bounded problem lists


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_many_bad_cells_are_counted_listed_up_to_a_cap_and_reported_once(tmp_path: Path, monkeypatch, engine, fmt):
    """Every bad cell is counted once (no `required` after its type-error), the list stops at the cap."""
    import iraq_frontiers.problems as problems

    monkeypatch.setattr(problems, "MAX_LISTED_PER_GROUP", 50)
    n = 3_000
    desc = base_descriptor()
    field_edit("count", constraints={"required": True, "minimum": 0})(desc)
    field_edit("ratio", constraints={"maximum": 1})(desc)
    rows = [f"it-{i},N,{'x' if i % 2 else -1},{2 if i % 3 == 0 else 0.5},true,2024-01-31," for i in range(n)]
    write_package(tmp_path, desc, items=items_csv(*rows))
    if fmt == "parquet":
        _to_parquet(tmp_path, desc)
    report = validate(tmp_path, engine=engine)
    totals = report.problems.totals
    odd, third = n // 2, len(range(0, n, 3))
    if fmt == "csv":
        assert totals[("type-error", "items", "count")] == odd
        assert totals[("minimum", "items", "count")] == n - odd
        assert ("required", "items", "count") not in totals  # a cell is reported once
    else:  # Parquet: count holds -1 or null (an integer column), required fires for nulls
        assert totals[("required", "items", "count")] == odd and totals[("minimum", "items", "count")] == n - odd
    assert totals[("maximum", "items", "ratio")] == third
    assert report.problems.total == sum(totals.values()) == len(report.problems) + report.problems.omitted
    assert all(v <= 50 for v in report.problems.listed.values())
    doc = json.loads(report.to_json())
    assert doc["total"] == report.problems.total and doc["omitted"] > 0
    text = report.format_text(limit=20)
    assert f"{report.problems.total} problem(s)" in text and "by code, table and field" in text


def _to_parquet(folder: Path, desc: dict) -> None:
    """Rewrite the items table as Parquet with typed columns (unreadable integers become null)."""
    import polars as pl

    frame = pl.read_csv(folder / "items.csv", infer_schema=False)
    frame = frame.with_columns(pl.col("count").cast(pl.Int64, strict=False), pl.col("ratio").cast(pl.Float64),
                               pl.col("flag") == "true", pl.col("day").str.to_date(), pl.col("tags").str.split("|"))
    frame.write_parquet(folder / "items.parquet")
    (folder / "items.csv").unlink()
    desc["resources"][0].update(path="items.parquet", format="parquet")
    (folder / "datapackage.json").write_text(json.dumps(desc), encoding="utf-8")
