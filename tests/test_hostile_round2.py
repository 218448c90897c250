"""Issue 13: hostile input, round 2 — verdicts, messages and bounds (see docs/validation.md, "Bad input").

Cases in the declarative corpus live in tests/test_bad_inputs.py; this file holds the properties
and the cases that need more than one validation run (engines compared, output scanned, limits).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from test_bad_inputs import ROWS, base_descriptor, field_edit, items_csv, write_package
from iraq_frontiers.validation import validate

ENGINES = ("pandera", "fast")


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
    from iraq_frontiers.cli import main

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
    from iraq_frontiers.cli import main

    old = write_package(tmp_path / "old")
    desc = base_descriptor()
    desc["resources"][0]["schema"] = {"fields": fields}
    new = write_package(tmp_path / "new", desc)
    assert main(["diff", str(old), str(new)]) == 2
    out = capsys.readouterr()
    assert "schema-unsupported" in out.err and "Traceback" not in out.err
