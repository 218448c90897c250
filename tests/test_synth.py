"""Synthetic packages (iraq_frontiers.synth.packages), validated by the default engine and the reference.

- a synthetic package is valid under every layer, and the same for the same seed;
- with planted errors, the validator reports exactly the problems the manifest lists;
- the default engine (the check specification on DuckDB) and the reference (Pandera) engine report
  the same problems, in the same order,
  on Parquet and CSV packages, valid or not.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from iraq_frontiers.synth.packages import MANIFEST, synthesize
from iraq_frontiers.validation.run import validate

N = 1000


def _problem_key(p: dict) -> tuple:
    # CSV type errors quote the key as read (strings): compare key values as text.
    key = json.dumps({k: str(v) for k, v in (p.get("key") or {}).items()}, sort_keys=True)
    return (p["code"], p["table"], p["field"], p["row"], key)


@pytest.fixture(scope="module")
def packages(tmp_path_factory):
    root = tmp_path_factory.mktemp("synth")
    out = {}
    for fmt in ("parquet", "csv"):
        out[fmt] = synthesize(root / f"valid-{fmt}", events=N, fmt=fmt, seed=3).out
        out[f"{fmt}-errors"] = synthesize(root / f"errors-{fmt}", events=N, fmt=fmt, seed=3, errors=3).out
    return out


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_synthetic_package_is_valid(packages, fmt):
    report = validate(packages[fmt])
    assert report.valid, report.format_text(limit=20)
    assert report.tables["events"] == N
    assert report.tables["event_actors"] == 2 * N
    assert 1.3 * N <= report.tables["claims"] <= 1.7 * N


def test_same_seed_same_bytes(tmp_path):
    a = synthesize(tmp_path / "a", events=300, seed=11).out
    b = synthesize(tmp_path / "b", events=300, seed=11).out
    digest = lambda d: {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(Path(d).iterdir())}  # noqa: E731
    assert digest(a) == digest(b)
    c = synthesize(tmp_path / "c", events=300, seed=12).out
    assert digest(a)["events.parquet"] != digest(c)["events.parquet"]


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_validator_finds_exactly_the_planted_errors(packages, fmt):
    folder = packages[f"{fmt}-errors"]
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    expected = {_problem_key(p) for p in manifest["problems"]}
    found = [p.to_dict() for p in validate(folder).problems]
    assert len(found) == len(manifest["problems"])
    assert {_problem_key(p) for p in found} == expected
    planted = {p["code"] for p in manifest["problems"]}
    # every class is planted (min-length becomes required: an empty string reads as empty)
    assert set(manifest["classes"]) - {"min-length"} <= planted


@pytest.mark.parametrize("name", ["parquet", "csv", "parquet-errors", "csv-errors"])
def test_default_and_reference_engines_agree(packages, name):
    reference = [p.to_dict() for p in validate(packages[name], engine="pandera").problems]
    assert [p.to_dict() for p in validate(packages[name]).problems] == reference


def test_engines_agree_on_the_curated_package():
    root = Path(__file__).resolve().parents[1] / "datapackage"
    reference = [p.to_dict() for p in validate(root, engine="pandera").problems]
    assert [p.to_dict() for p in validate(root).problems] == reference


def test_cells_read_as_empty_in_parquet_read_where_it_lies_are_reported_as_by_the_reader(tmp_path):
    """An empty string in a Parquet file read where it lies is an empty cell, as the reader reads it."""
    import pyarrow.parquet as pq

    folder = synthesize(tmp_path / "p", events=200, seed=5).out
    table = pq.read_table(folder / "actors.parquet")
    names = table.column("name").to_pylist()
    names[3] = ""
    table = table.set_column(table.schema.get_field_index("name"), "name", __import__("pyarrow").array(names))
    pq.write_table(table, folder / "actors.parquet")
    from iraq_frontiers.schema.descriptor import build_descriptor, write_descriptor

    write_descriptor(folder / "datapackage.json", build_descriptor("parquet", folder))
    found = [p.to_dict() for p in validate(folder).problems]
    assert found == [p.to_dict() for p in validate(folder, engine="pandera").problems]
    assert [(p["code"], p["row"]) for p in found] == [("required", 4)]


def test_synth_cli(tmp_path, capsys):
    from iraq_frontiers.cli.app import main

    assert main(["synth", "--events", "100", "--out", str(tmp_path / "s"), "--errors", "1", "--quiet"]) == 0
    assert (tmp_path / "s" / MANIFEST).is_file()
    assert main(["synth", "--events", "5", "--out", str(tmp_path / "t")]) == 2
