"""The DuckDB engine's polars screen (validation/backends/duckdb/screen.py): it may only clear a check
DuckDB finds no row for. Planted field problems of every kind are still reported; patterns whose
regex polars (Rust, Unicode classes) could match more widely than DuckDB (RE2, ASCII classes) are
not screened; and on clean data the screen clears every check (else it would cost without gaining)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iraq_frontiers.schema.compiler import STRING_FORMATS
from iraq_frontiers.validation.backends.duckdb.screen import no_wider_in_polars, screen
from iraq_frontiers.schema.regex import refusal
from iraq_frontiers.validation.spec import anchored

ARABIC_INDIC_THREE = "\u0663"  # a Unicode digit: [0-9] does not match it, \d does (the dialect, schema/regex.py)
ROMAN_TWELVE = "\u216b"  # a number (Nl) but not a decimal digit: \d does not match it
FIELDS = [
    {"name": "id", "type": "string", "constraints": {"required": True, "pattern": "^row-[0-9]+$"}},
    {"name": "digits", "type": "string", "constraints": {"pattern": "\\d+"}},  # not screened (a Unicode class)
    {"name": "kind", "type": "string", "constraints": {"enum": ["a", "b"]}},
    {"name": "level", "type": "integer", "constraints": {"enum": [1, 2, 3]}},
    {"name": "count", "type": "integer", "constraints": {"minimum": 0, "maximum": 2**63 - 1}},
    {"name": "share", "type": "number", "constraints": {"minimum": 0, "maximum": 1}},
    {"name": "word", "type": "string", "constraints": {"minLength": 2, "maxLength": 3}},
    {"name": "uuid", "type": "string", "format": "uuid"},
    {"name": "note", "type": "string", "constraints": {"required": True}},
]
CLEAN = {"id": "row-1", "digits": "42", "kind": "a", "level": 1, "count": 0, "share": 0.0, "word": "e\u0301",
         "uuid": "123e4567-e89b-12d3-a456-426614174000", "note": "x"}
# (field, value, code): each planted in a row of its own
PLANTED = [("id", "row-" + ARABIC_INDIC_THREE, "pattern"), ("digits", ROMAN_TWELVE, "pattern"), ("kind", "A", "enum"),
           ("level", 4, "enum"), ("count", -1, "minimum"), ("share", 1.5, "maximum"), ("share", -0.5, "minimum"),
           ("word", "\u00e9", "min-length"), ("word", "abcd", "max-length"), ("uuid", "not-a-uuid", "format"),
           ("note", "", "required"), ("note", None, "required")]


def _package(folder: Path, rows: list[dict]) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {"string": pa.string(), "integer": pa.int64(), "number": pa.float64()}
    pq.write_table(pa.table({f["name"]: pa.array([r[f["name"]] for r in rows], types[f["type"]]) for f in FIELDS}),
                   folder / "t.parquet")
    resource = {"name": "t", "path": "t.parquet", "format": "parquet", "schema": {"fields": FIELDS, "primaryKey": ["id"]}}
    (folder / "datapackage.json").write_text(json.dumps({"name": "screened", "resources": [resource]}))
    return folder / "datapackage.json"


def _screen_and_exact(descriptor: Path):
    """(check, cleared by the screen, rows DuckDB counts) for every cell and field check of table t."""
    from iraq_frontiers.io.package import open_package
    from iraq_frontiers.validation.backends.duckdb.run import count_checks
    from iraq_frontiers.validation.backends.duckdb.tables import DuckTables
    from iraq_frontiers.validation.spec import compile_spec

    with open_package(descriptor) as opened:
        tables = DuckTables()
        try:
            assert tables.add_parquet(opened, opened.descriptor["resources"][0])  # read where it lies: the screen applies
            spec = compile_spec(tables.schemas, tables.usable, tables.screened)
            tables.trusting_statistics(False)
            tables.set_view("t", spec.view_sql("t"))
            checks = spec.table_checks("t", "raw") + spec.table_checks("t", "view") + spec.key_checks("t")
            return list(zip(checks, screen(tables, "t", checks), count_checks(tables.con, checks)))
        finally:
            tables.close()


def test_every_planted_field_problem_is_reported_and_never_screened(tmp_path):
    from iraq_frontiers import validate

    rows = [dict(CLEAN, id=f"row-{i}") for i in range(len(PLANTED) + 1)]
    for i, (fname, value, _code) in enumerate(PLANTED, 1):
        rows[i][fname] = value
    rows.append(dict(rows[0]))  # and a repeated primary key
    descriptor = _package(tmp_path, rows)
    found = {(p.code, p.field, p.row) for p in validate(descriptor).problems}
    for i, (fname, _value, code) in enumerate(PLANTED, 1):
        assert (code, fname, i + 1) in found, (code, fname, sorted(found))
    assert ("primary-key-duplicate", "id", len(rows)) in found
    results = _screen_and_exact(descriptor)
    assert not [(c.code, c.field) for c, cleared, n in results if cleared and n]
    assert {(c.code, c.field) for c, _, n in results if n} >= {(code, f) for f, _, code in PLANTED} | {("primary-key-duplicate", "id")}


def test_on_clean_data_the_screen_clears_every_check_it_can_prove(tmp_path):
    rows = [dict(CLEAN, id=f"row-{i}") for i in range(5)]
    results = _screen_and_exact(_package(tmp_path, rows))
    assert not any(n for _, _, n in results)
    uncleared = {(c.code, c.field) for c, cleared, _ in results if not cleared}
    assert uncleared == {("pattern", "digits")}  # \d: a Unicode class, not screened


@pytest.mark.parametrize("pattern, safe", [
    ("^clm-[a-z0-9][a-z0-9-]*$", True), ("https?://[^\\s\\x00-\\x1f\\x7f-\\x9f]+", True), ("\\D+", True), ("[^\\d]", True),
    ("\\d+", False), ("[\\d]", False), ("[^\\D]", False), ("\\w", False), ("\\s", False), (".", False), ("(?i)a", False),
    ("\\p{L}", False), ("[[:alpha:]]", False), ("[a&&b]", False), ("a**", False), ("a???", False), ("a{1001}", False),
    ("\u00e9", False), ("a{2", False), ("\\bx", False),
])
def test_which_patterns_are_screened(pattern, safe):
    assert no_wider_in_polars(pattern) is safe


SCREENED_PATTERNS = [p for p in ["^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$", "https?://[^\\s\\x00-\\x1f\\x7f-\\x9f]+", "\\D+", "\\S+",
                                 "\\W*", "[^\\d\\s]+", "[^\\w]+", "x[\\D]?", "\\d+", "[\\w-]+", "a\\sb", "[^\\D]", *STRING_FORMATS.values(), "^Q[1-9][0-9]*$"]
                     if no_wider_in_polars(p) and refusal(p) is None]  # (the validator refuses the others first)
ALPHABET = ["a", "Z", "1", ARABIC_INDIC_THREE, "\uff11", " ", "\u00a0", "\u2003", "\x0b", "\x85", "\n", "_", "-", "\u00e9",
            "e\u0301", "K", "\u212a", "@", ".", "/", ":", "x", "Q", "="]


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(values=st.lists(st.lists(st.sampled_from(ALPHABET), max_size=6).map("".join), min_size=1, max_size=20))
def test_a_screened_pattern_matches_in_polars_only_what_duckdb_matches(values):
    """The soundness of no_wider_in_polars: for every pattern it accepts, polars matching a value implies
    DuckDB matches it (so polars finding no failure proves DuckDB finds none)."""
    import duckdb
    import polars as pl

    con = duckdb.connect()
    try:
        for pattern in SCREENED_PATTERNS:
            in_polars = pl.Series(values, dtype=pl.String).str.contains(anchored(pattern)).to_list()
            in_duckdb = [r[0] for r in con.execute("SELECT regexp_matches(v, ?) FROM unnest(?) AS u(v)",
                                                   [anchored(pattern), values]).fetchall()]
            assert not [v for v, p, d in zip(values, in_polars, in_duckdb) if p and not d], pattern
    finally:
        con.close()


@pytest.mark.parametrize("names, rows", [(["caf\u00e9", "cafe\u0301", "x", "cafe\u0301", "caf\u00e9"], [2]),
                                            (["x", "y"], []), (["\u00e9", "e"], [])])
def test_keys_differing_only_in_normalisation_are_found_past_their_screen(tmp_path, names, rows):
    """A composed and a decomposed spelling of one key (NFC vs NFD) are one key repeated; the screen
    (no key with a non-ASCII character) clears the check only where no key has one."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from iraq_frontiers import validate

    pq.write_table(pa.table({"name": pa.array(names, pa.string())}), tmp_path / "t.parquet")
    resource = {"name": "t", "path": "t.parquet", "format": "parquet",
                "schema": {"fields": [{"name": "name", "type": "string"}], "primaryKey": ["name"]}}
    (tmp_path / "datapackage.json").write_text(json.dumps({"name": "nfc", "resources": [resource]}))
    report = validate(tmp_path / "datapackage.json")
    found = [p.row for p in report.problems if p.code == "primary-key-duplicate" and "normalisation" in p.message]
    assert found == rows, report.format_text()
