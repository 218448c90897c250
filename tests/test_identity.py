"""One real thing, one row (docs/frontier.md, importers/identity.py): no actor or place is held twice across layers."""
from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from iraq_frontiers.importers.identity import ADMIN_KINDS, normalised_name, ucdp_actor_ids

PACKAGE = Path(__file__).resolve().parents[1] / "datapackage"


def _rows(table: str) -> list[dict[str, str]]:
    with (PACKAGE / f"{table}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _repeats(keys) -> dict:
    return {k: n for k, n in Counter(k for k in keys if k).items() if n > 1}


def test_no_two_actors_share_a_wikidata_or_ucdp_id():
    actors = _rows("actors")
    assert not _repeats(a["wikidata_id"] for a in actors)
    assert not _repeats(uid for a in actors for uid in ucdp_actor_ids(a["external_ids"]))


def test_no_two_locations_share_a_geonames_id_or_an_admin_name():
    locations = _rows("locations")
    assert not _repeats(r["geonames_id"] for r in locations)
    assert not _repeats((r["country"], r["kind"], normalised_name(r["name"])) for r in locations if r["kind"] in ADMIN_KINDS)


def test_ucdp_sides_the_core_holds_are_its_rows():
    """The imported layer points at the curated actor for a UCDP side the curated row names (ucdp:<id>)."""
    actors = {a["id"]: a for a in _rows("actors")}
    curated = {uid: a["id"] for a in actors.values() if not a["id"].startswith("act-ucdp-") for uid in ucdp_actor_ids(a["external_ids"])}
    assert curated  # the crosswalk is recorded
    links = _rows("event_actors")
    used = {r["actor_id"] for r in links if r["event_id"].startswith("evt-ucdp-")}
    assert {"act-isis", "act-turkey", "act-iraq"} <= used
    assert not {f"act-ucdp-{uid}" for uid in curated} & set(actors)  # no layer row repeats a curated side


def test_normalised_names_fold_the_spellings_of_one_unit():
    assert normalised_name("Deir ez Zor Governorate") == normalised_name("Deir ez-Zor Governorate")
    assert normalised_name("Dahūk province") == normalised_name("Dahūk")
    assert normalised_name("Homs") != normalised_name("Hama")
