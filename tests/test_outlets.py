"""Outlet names (issue 23): one documented table maps every spelling to a canonical outlet name."""
from __future__ import annotations

import csv
from pathlib import Path

from iraq_frontiers.importers.outlets import COLUMNS, TABLE, canonical_outlet, fold

REPO = Path(__file__).resolve().parents[1]


def _rows() -> list[dict[str, str]]:
    with TABLE.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames) == COLUMNS
        return list(reader)


def test_every_spelling_maps_to_a_canonical_name_of_the_table():
    rows = _rows()
    spellings = [r["spelling"] for r in rows]
    assert len(spellings) == len(set(spellings)), "a spelling is listed twice"
    canonical = {r["canonical"] for r in rows}
    by_spelling = {r["spelling"]: r["canonical"] for r in rows}
    for name in canonical:  # a canonical name is a spelling of the table, mapping to itself
        assert by_spelling.get(name) == name, name
    for r in rows:
        assert r["spelling"] == r["spelling"].strip() and r["spelling"] and r["note"].strip(), r
        assert canonical_outlet(r["spelling"]) == r["canonical"]


def test_the_mapping_is_idempotent():
    names = [r["spelling"] for r in _rows()] + ["AIR WARS", " Airwars ", "syria-liveuamap.com", "An Outlet Nobody Lists", ""]
    for name in names:
        once = canonical_outlet(name)
        assert canonical_outlet(once) == once, name


def test_variants_and_unlisted_names():
    assert canonical_outlet("Air Wars") == canonical_outlet("Airwars") == canonical_outlet("AIRWARS") == "Airwars"
    liveuamap = [r["spelling"] for r in _rows() if r["canonical"] == "Liveuamap" and r["spelling"] != "Liveuamap"]
    assert len(liveuamap) == 8, liveuamap
    assert canonical_outlet("Syria Live-UA-Map") == "Liveuamap"  # a new punctuation variant folds onto a listed spelling
    assert canonical_outlet("SOH") == "SOH"  # a near spelling the table keeps apart stays as given
    assert canonical_outlet("  A New Outlet ") == "A New Outlet"
    assert fold("Kurdistan 24") == fold("Kurdistan24")


def test_every_publisher_of_the_ucdp_layer_is_in_the_table():
    with open(REPO / "datapackage" / "sources.csv", encoding="utf-8", newline="") as fh:
        publishers = {r["publisher"] for r in csv.DictReader(fh) if r["origin"].startswith("ucdp")}
    listed = {r["spelling"] for r in _rows()}
    assert publishers and publishers <= listed, sorted(publishers - listed)
