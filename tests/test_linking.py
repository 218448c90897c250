"""The rule that links curated events to UCDP GED events, on constructed cases."""
from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from iraq_frontiers.importers.linking import GedEvent, OurEvent, day_gap, haversine_km, link_events, link_pair, read_curated, write_links

TYPES = {"airstrike", "armed_clash", "shelling", "one_sided_violence"}
D = date(2017, 5, 2)
DEIR = (35.33588, 40.14084)


def ours(**kw) -> OurEvent:
    base = dict(id="evt-x", type="airstrike", date_start=D, date_end=D, date_precision="day", location_precision="exact",
                lat=DEIR[0], lon=DEIR[1], coords_own=True,
                roles=(("perpetrator", frozenset({"state:SY"})), ("target", frozenset({"name:is", "name:isis"}))))
    base.update(kw)
    return OurEvent(**base)


def ged(**kw) -> GedEvent:
    base = dict(id=1, date_start=D, date_end=D, where_prec=1, lat=DEIR[0], lon=DEIR[1],
                actor_keys=frozenset({"ucdp:118", "state:SY", "name:government of syria", "ucdp:234", "name:is"}))
    base.update(kw)
    return GedEvent(**base)


def test_same_day_same_place_shared_actors_is_a_match():
    link = link_pair(ours(), ged(), "r", TYPES)
    assert link is not None and link.certainty == "match" and link.actors == "shared" and link.day_gap == 0 and link.score == 1.0


def test_within_precision_is_a_candidate():
    month = ours(date_start=date(2017, 5, 1), date_end=date(2017, 5, 31), date_precision="month")
    assert link_pair(month, ged(), "r", TYPES).certainty == "candidate"
    assert link_pair(ours(location_precision="district"), ged(), "r", TYPES).certainty == "candidate"
    assert link_pair(ours(coords_own=False), ged(), "r", TYPES).certainty == "candidate"
    assert link_pair(ours(), ged(where_prec=3), "r", TYPES).certainty == "candidate"
    next_day = link_pair(ours(), ged(date_start=date(2017, 5, 3), date_end=date(2017, 5, 3)), "r", TYPES)
    assert next_day.certainty == "candidate" and next_day.day_gap == 1


def test_unknown_actors_can_only_be_a_candidate():
    link = link_pair(ours(roles=()), ged(), "r", TYPES)
    assert link.certainty == "candidate" and link.actors == "unknown"


@pytest.mark.parametrize("case", [
    dict(ged=dict(lat=DEIR[0] + 0.3)),  # about 33 km north
    dict(ged=dict(date_start=date(2017, 5, 4), date_end=date(2017, 5, 4))),  # two days later
    dict(ours=dict(date_start=None, date_end=None, date_precision="unknown")),  # undated
    dict(ours=dict(lat=None, lon=None)),  # no coordinates anywhere up the chain
    dict(ours=dict(type="agreement")),  # UCDP codes only lethal violence
    dict(ours=dict(roles=(("perpetrator", frozenset({"name:us led coalition"})), ("target", frozenset({"name:is"}))))),  # only the target shared
    dict(ours=dict(roles=(("participant", frozenset({"name:pkk"})),))),  # participants named, none shared
])
def test_rule_rejects(case):
    assert link_pair(ours(**case.get("ours", {})), ged(**case.get("ged", {})), "r", TYPES) is None


def test_distance_and_gap_helpers():
    assert haversine_km(34.45, 40.91861, 34.45, 40.91861) == 0
    assert 110 < haversine_km(34.0, 40.0, 35.0, 40.0) < 112
    assert day_gap(date(2017, 5, 1), date(2017, 5, 31), date(2017, 6, 2), date(2017, 6, 2)) == 2
    assert day_gap(date(2017, 5, 1), date(2017, 5, 31), date(2017, 5, 20), date(2017, 6, 2)) == 0


def test_link_events_sorts_and_uses_the_window(tmp_path):
    many = [ged(id=i, date_start=date(2017, 5, i), date_end=date(2017, 5, i)) for i in range(1, 29)]
    month = ours(date_start=date(2017, 5, 1), date_end=date(2017, 5, 31), date_precision="month")
    links = link_events([month, ours(id="evt-y")], many, "r", TYPES)
    assert len([x for x in links if x.event_id == "evt-x"]) == 28
    assert [x.ucdp_ged_id for x in links if x.event_id == "evt-y"] == [2, 1, 3]  # same day first, then by id
    write_links(links, tmp_path / "l.csv")
    with (tmp_path / "l.csv").open(encoding="utf-8") as fh:
        assert len(list(csv.DictReader(fh))) == len(links)


def test_read_curated_package():
    events = read_curated(Path(__file__).resolve().parents[1] / "datapackage")
    assert events and all(e.id.startswith("evt-") for e in events)


def test_names_in_other_scripts_give_no_empty_key():
    from iraq_frontiers.importers.linking import _actor_keys

    keys = _actor_keys({"name": "Islamic State", "aliases": "داعش|IS", "kind": "armed_group"})
    assert keys == {"name:islamic state", "name:is"}  # the Arabic alias folds to nothing and is left out


def test_read_curated_skips_imported_layers_and_area_points():
    ours = read_curated(Path(__file__).resolve().parents[1] / "datapackage")
    assert ours and all(not e.id.startswith("evt-ucdp-") for e in ours)
    jalawla = next(e for e in ours if e.id == "evt-iranian-f4-bombing-run-jalawla-sadiya")
    assert jalawla.lat is None  # only a district's representative point up its chain: not a position to measure from
