"""One real thing, one row (docs/frontier.md, importers/identity.py): no actor or place is held twice across layers."""
from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from iraq_frontiers.importers.identity import ADMIN_KINDS, PLACE_KM, Known, km_between, normalised_name, place_keys, row_names, same_place, ucdp_actor_ids

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


def _same_places(locations: list[dict[str, str]]) -> list[tuple[str, str]]:
    """Pairs of location rows that are one place by identity.same_place (country, kind, name or alias, PLACE_KM)."""
    by_key: dict[tuple, list[dict[str, str]]] = {}
    for r in locations:
        for key in place_keys(r["country"], r["kind"], row_names(r)):
            by_key.setdefault(key, []).append(r)
    pairs = set()
    for rows in by_key.values():
        for i, a in enumerate(rows):
            for b in rows[i + 1:]:
                if a["id"] != b["id"] and same_place(a, b):
                    pairs.add(tuple(sorted((a["id"], b["id"]))))
    return sorted(pairs)


def test_no_two_locations_are_the_same_place():
    """A layer's point-like place is the row that comes before it (curated, then the layers in NAMESPACE order)
    when country, kind, a name and the point (within PLACE_KM) agree: no such pair is left in the package."""
    assert _same_places(_rows("locations")) == []


def test_the_place_rule_merges_one_place_and_keeps_a_namesake_apart():
    curated = {"id": "loc-jalawla", "name": "Jalawla", "aliases": "", "kind": "town", "country": "IQ", "latitude": "34.277248", "longitude": "45.177861"}
    ucdp = {"id": "loc-ucdp-jalawla-town", "name": "Jalawlā’ town", "aliases": "", "kind": "village", "country": "IQ",
            "latitude": "34.28", "longitude": "45.19"}  # about 1 km away; town and village are one kind of place here
    assert same_place(curated, ucdp)
    far = dict(ucdp, latitude="36.08", longitude="45.19")  # the same name 200 km north: another place
    assert km_between((34.277248, 45.177861), (36.08, 45.19)) > 190 and not same_place(curated, far)
    assert not same_place(curated, dict(ucdp, country="IR"))  # another country
    assert not same_place(curated, dict(ucdp, kind="military_site"))  # a site at the town is not the town
    assert not same_place(curated, dict(ucdp, kind="district"))  # units match by name (Known.unit), not by point
    assert not same_place(dict(curated, latitude="", longitude=""), ucdp)  # no point: cannot be told from a namesake
    assert not same_place(curated, dict(ucdp, latitude="34.277248", longitude=f"{45.177861 + (PLACE_KM + 1) / 92.0}"))  # > PLACE_KM east

    known = Known()
    known.add_place("loc-ucdp-sinjar-town", "IQ", "town", ["Sinjār town"], (36.320901, 41.876562), rank=1)
    known.add_place("loc-sinjar", "IQ", "city", ["Sinjar"], (36.33, 41.88), rank=0)
    assert known.place("IQ", "town", ["Sinjar"], (36.3209, 41.87656))["id"] == "loc-sinjar"  # curated first, though farther
    assert known.place("IQ", "town", ["Sinjar"], (38.3209, 41.87656)) is None
    assert known.place("SY", "town", ["Sinjar"], (36.3209, 41.87656)) is None
