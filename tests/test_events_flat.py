"""events_flat: one row per event, every value traced to the table it comes from."""
from __future__ import annotations

import gzip
import csv
from pathlib import Path

import pytest

from iraq_frontiers.release.derived import BUILDERS as DERIVE, derived_tables
from iraq_frontiers.schema.metadata import derived_table_names, table_schema
from iraq_frontiers.release.tables import read_tables
from test_ucdp_import import external_dir

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def tables():
    return read_tables(REPO / "datapackage")


@pytest.fixture(scope="module")
def flat(tables):
    return {r["event_id"]: r for r in derived_tables(tables)["events_flat"].to_pylist()}


def test_registry_matches_the_package_metadata():
    assert set(derived_table_names()) == set(DERIVE)
    assert table_schema("events_flat")["primaryKey"] == ["event_id"]


def test_one_row_per_event_in_events_order(tables, flat):
    events = tables["events"].to_pylist()
    assert list(flat) == [e["id"] for e in events]
    for e in events:
        r = flat[e["id"]]
        assert r["origin"] is not None and r["origin"] == e["origin"]
        for f in ("date_start", "date_end", "date_precision", "type", "status", "summary", "fatalities_low",
                  "fatalities_best", "fatalities_high", "fatalities_civilians", "location_id", "ucdp_conflict_id", "ucdp_dyad_id"):
            assert r[f] == e[f], (e["id"], f)


def test_places_walk_up_to_their_admin_units(tables, flat):
    locations = {r["id"]: r for r in tables["locations"].to_pylist()}

    def ancestors(lid):
        while lid:
            yield locations[lid]
            lid = locations[lid]["parent_id"]

    for r in flat.values():
        chain = list(ancestors(r["location_id"]))
        ids = [loc["id"] for loc in chain]
        for level, kind in (("admin1", "governorate"), ("admin2", "district")):
            if r[f"{level}_id"] is None:
                assert kind not in {loc["kind"] for loc in chain}, (r["event_id"], level)
            else:
                assert r[f"{level}_id"] in ids and locations[r[f"{level}_id"]]["kind"] == kind
                assert r[f"{level}_name"] == locations[r[f"{level}_id"]]["name"]
        place = locations[r["location_id"]] if r["location_id"] else None
        if r["latitude"] is not None:  # the place's own point, never an ancestor's
            assert r["coordinates_from"] == r["location_id"] and (place["latitude"], place["longitude"]) == (r["latitude"], r["longitude"])
            assert r["coordinate_precision"] == place["coordinate_precision"]
        else:
            assert (place is None or place["latitude"] is None) and r["coordinate_precision"] == "none" and r["coordinates_from"] is None
    # a curated fact: Abu Kamal lies in Abu Kamal District, Deir ez-Zor Governorate, Syria
    abu_kamal = [r for r in flat.values() if r["location_id"] == "loc-abu-kamal"]
    assert abu_kamal and all((r["country"], r["admin1_id"], r["admin2_id"]) ==
                             ("SY", "loc-deir-ez-zor-governorate", "loc-abu-kamal-district") for r in abu_kamal)


def test_actors_claims_and_contested(tables, flat):
    links = {}
    for r in tables["event_actors"].to_pylist():
        links.setdefault(r["event_id"], []).append(r)
    claims = {}
    for c in tables["claims"].to_pylist():
        if c["event_id"]:
            claims.setdefault(c["event_id"], []).append(c)
    for eid, r in flat.items():
        named = [x for x in (r["actor1_id"], r["actor2_id"]) if x] + (r["associated_actor_ids"] or [])
        assert sorted(named) == sorted({x["actor_id"] for x in links.get(eid, [])}), eid  # every actor exactly once
        assert r["n_claims"] == len(claims.get(eid, []))
        assert 1 <= r["n_origins"] <= r["n_outlets"] <= r["n_claims"] or r["n_claims"] == 0
    ucdp = [r for r in flat.values() if r["origin"] == "ucdp-ged"]
    assert ucdp and all(r["actor1_id"] and r["actor2_id"] for r in ucdp)  # both UCDP sides
    contested = {e["id"] for e in tables["events"].to_pylist() if e["contested"]}
    assert contested and {e for e, r in flat.items() if r["contested"]} == contested


def test_ucdp_type_of_violence_is_ucdps_own(flat):
    """UCDP's own type of violence for events from full GED files; for the year-only extract, which lacks it, UCDP's
    definition from the sides (state-based when a side is a government)."""
    import io

    from iraq_frontiers.importers.frontier import CANDIDATE_FILES, LAYER_FILES

    base = REPO.parent / "shared" / "external"
    if not all((base / f).is_file() for f in LAYER_FILES + CANDIDATE_FILES):
        pytest.skip("the UCDP layer's files are not in ../shared/external")
    raw: dict[str, int] = {}
    for f in LAYER_FILES + CANDIDATE_FILES:
        data = (base / f).read_bytes()
        for r in csv.DictReader(io.StringIO((gzip.decompress(data) if f.endswith(".gz") else data).decode("utf-8"), newline="")):
            if not r["id"].isdigit():
                continue
            tov = int(r["type_of_violence"]) if "type_of_violence" in r else (1 if "Government of" in r["side_a"] + r["side_b"] else 2)
            raw.setdefault(f"evt-ucdp-{r['id']}", tov)
    ucdp = [r for r in flat.values() if r["origin"] in ("ucdp-ged", "ucdp-candidate")]
    assert ucdp and all(r["ucdp_type_of_violence"] == raw[r["event_id"]] for r in ucdp)
def test_load_and_connect_derive_it_from_the_curated_package(flat):
    import iraq_frontiers as ifr

    arrow = ifr.load("events_flat", backend="arrow", path=REPO / "datapackage")
    assert arrow.column_names == [f["name"] for f in table_schema("events_flat")["fields"]]
    assert arrow.num_rows == len(flat)
    con = ifr.connect(REPO / "datapackage")
    assert con.execute("SELECT count(*), count(DISTINCT event_id) FROM events_flat").fetchone() == (len(flat), len(flat))


def test_border_figures_are_the_events_own_point_measured(flat):
    from iraq_frontiers.borders import NEIGHBOURS, nearest_border

    located = [r for r in flat.values() if r["latitude"] is not None]
    assert located
    for r in flat.values():
        assert (r["border"] is None) == (r["border_km"] is None) == (r["latitude"] is None), r["event_id"]
    for r in located:
        code, km = nearest_border(r["latitude"], r["longitude"])
        assert r["border"] == code and r["border"] in NEIGHBOURS and abs(r["border_km"] - km) < 0.001, r["event_id"]


def test_the_al_tanf_zone_is_drawn_at_al_tanf_or_nowhere(flat, tables):
    """The audit's case: events placed in the al-Tanf deconfliction zone were drawn at Homs city, 225 km away."""
    from iraq_frontiers.borders import EARTH_RADIUS_KM
    import math

    locations = {r["id"]: r for r in tables["locations"].to_pylist()}
    tanf = locations["loc-al-tanf"]
    zone = [r for r in flat.values() if r["location_id"] and "tanf" in r["location_id"]]
    assert zone
    for r in zone:
        if r["latitude"] is None:
            continue
        p = math.pi / 180
        a = (math.sin((r["latitude"] - tanf["latitude"]) * p / 2) ** 2 + math.cos(r["latitude"] * p) * math.cos(tanf["latitude"] * p)
             * math.sin((r["longitude"] - tanf["longitude"]) * p / 2) ** 2)
        assert 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a)) <= 30, r["event_id"]


def test_an_air_strike_in_a_ucdp_record_is_never_a_battle(tables, flat):
    """Issue 23: a UCDP event with an Airwars source (or an air-force / air-coalition side) is an ACLED air strike,
    or undetermined when it spans several days; the reason is in acled_mapping_note, empty exactly when the
    crosswalk's type is given."""
    import datetime as dt

    from iraq_frontiers.release.acled_air import acled_mapping

    rows = list(flat.values())
    crosswalk = {r["event_type"]: r for r in tables["crosswalk_event_types"].to_pylist()}
    sources = {r["id"]: r for r in tables["sources"].to_pylist()}
    airwars = {c["event_id"] for c in tables["claims"].to_pylist()
               if c["event_id"] and sources[c["source_id"]]["publisher"].replace(" ", "").lower() == "airwars"}
    for r in rows:
        xw = crosswalk.get(r["type"], {})
        note = r["acled_mapping_note"]
        if r["origin"].startswith("ucdp") and r["event_id"] in airwars:
            assert r["acled_event_type"] != "Battles", r
            if r["date_end"] == r["date_start"]:
                assert (r["acled_event_type"], r["acled_sub_event_type"]) == ("Explosions/Remote violence", "Air/drone strike")
                assert note.startswith("air strike: a source is Airwars"), note
            else:
                assert r["acled_event_type"] is None and r["acled_sub_event_type"] is None and note.startswith("undetermined: "), r
        else:
            assert note is None and r["acled_event_type"] == xw.get("acled_event_type"), r
    assert sum(r["event_id"] in airwars for r in rows) > 0  # not vacuous: the committed UCDP layers have events citing Airwars

    # a side that is an air coalition is evidence too; a curated event keeps the crosswalk's type
    clash = crosswalk["armed_clash"]
    event = {"origin": "ucdp-ged", "date_start": dt.date(2017, 5, 1), "date_end": dt.date(2017, 5, 1)}
    side = [{"name": "Government of Iraq", "aliases": ["Iraqi Air Force"]}]
    assert acled_mapping(event, side, [], clash)[:2] == ("Explosions/Remote violence", "Air/drone strike")
    assert acled_mapping({**event, "origin": "curated"}, side, [], clash) == ("Battles", "Armed clash", None)
    assert acled_mapping(event, [{"name": "SDF", "aliases": None}], [{"id": "s", "publisher": "SOHR", "title": "Air strikes"}], clash) \
        == ("Battles", "Armed clash", None)
