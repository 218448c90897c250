"""build_scripts/add_schema_fields.py: a field added to a schema becomes empty cells, nothing else changes."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from iraq_frontiers.schema.metadata import table_schema

REPO = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("add_schema_fields", REPO / "build_scripts" / "add_schema_fields.py")
script = importlib.util.module_from_spec(spec)
spec.loader.exec_module(script)


def test_adds_empty_cells_in_schema_order(tmp_path):
    fields = [f["name"] for f in table_schema("events")["fields"]]
    from iraq_frontiers.importers.layer import split_records

    committed = (REPO / "datapackage" / "events.csv").read_bytes()
    # records, not lines: a UCDP event's notes can hold line breaks
    curated = [r.decode("utf-8") for r in split_records(committed) if not r.startswith(b"evt-ucdp-")]
    assert all(line.endswith(",,\n") for line in curated[1:])  # curated events have no UCDP ids
    old = [curated[0].replace(",ucdp_conflict_id,ucdp_dyad_id", "")] + [line[:-3] + "\n" for line in curated[1:]]
    path = tmp_path / "events.csv"
    path.write_text("".join(old), encoding="utf-8")
    assert script.add_fields(path, fields) == ["ucdp_conflict_id", "ucdp_dyad_id"]
    assert path.read_text(encoding="utf-8") == "".join(curated)
    assert script.add_fields(path, fields) == []  # a second run changes nothing


def test_refuses_unknown_or_reordered_columns(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b"b,a\n1,2\n")
    with pytest.raises(ValueError, match="header"):
        script.add_fields(path, ["a", "b", "c"])
    path.write_bytes(b"a,z\n1,2\n")
    with pytest.raises(ValueError, match="header"):
        script.add_fields(path, ["a", "b"])
    assert path.read_bytes() == b"a,z\n1,2\n"
