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
