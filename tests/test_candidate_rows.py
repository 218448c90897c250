"""The UCDP Candidate rows were transcribed, not byte-copied (../shared/external/ucdp-candidate-2026-iraq/SOURCE.md):
re-check on the shared files the invariants SOURCE.md says every row passes, so a transcription slip shows."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from iraq_frontiers.importers.frontier import CANDIDATE_FILES

EXTERNAL = Path(__file__).resolve().parents[2] / "shared" / "external"


def _rows() -> list[dict[str, str]]:
    paths = [EXTERNAL / f for f in CANDIDATE_FILES]
    if not all(p.is_file() for p in paths):
        pytest.skip("the UCDP Candidate files are not in ../shared/external")
    rows = []
    for p in paths:
        with p.open(encoding="utf-8", newline="") as fh:
            rows += list(csv.DictReader(fh))
    return rows


def test_every_row_keeps_ucdps_own_arithmetic():
    rows = _rows()
    assert len(rows) == 71 and len({r["id"] for r in rows}) == 71
    for r in rows:
        assert int(r["best"]) == sum(int(r[c]) for c in ("deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown")), r["id"]
        assert int(r["low"]) <= int(r["best"]) <= int(r["high"]), r["id"]
        assert r["country"] == "Iraq", r["id"]


def test_sources_are_counted_consistently():
    for r in _rows():
        n = int(r["number_of_sources"])
        assert len(r["source_office"].split(";")) == n and len(r["source_date"].split(";")) == n, r["id"]


def test_geometry_is_the_coordinates():
    for r in _rows():
        lon, lat = r["geom_wkt"].removeprefix("POINT (").removesuffix(")").split()
        assert (float(lat), float(lon)) == pytest.approx((float(r["latitude"]), float(r["longitude"])), abs=1e-6), r["id"]
