"""The derived table `events_flat`: one row per event, the shape ACLED and UCDP users expect.

Built from the typed Arrow tables of a package (release.read_tables) by `derive`; its fields are
defined in schemas/events_flat.json and the rules are in docs/events-flat.md. Nothing here is
stored in datapackage/: a release, the wheel, `load("events_flat")` and `connect()` derive it.
"""
from __future__ import annotations

from typing import Any

from iraq_frontiers.borders import nearest_border
from iraq_frontiers.release.acled_air import acled_mapping

TABLE = "events_flat"
ACTOR1_ROLES = (("perpetrator",), ("participant",), ("proposer", "supporter"))
ACTOR2_ROLES = (("target", "victim"), ("participant",), ("recipient",))
ADMIN1_KIND, ADMIN2_KIND = "governorate", "district"


def _rows(table) -> list[dict[str, Any]]:
    return table.to_pylist()


def _ancestry(location_id: str | None, locations: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The place and its parents, nearest first (a cycle, which validation reports, stops the walk)."""
    chain, seen = [], set()
    while location_id and location_id in locations and location_id not in seen:
        seen.add(location_id)
        chain.append(locations[location_id])
        location_id = locations[location_id]["parent_id"]
    return chain


def _pick(rows: list[dict[str, Any]], priorities, exclude: set[str]) -> dict[str, Any] | None:
    for roles in priorities:
        for r in rows:
            if r["role"] in roles and r["actor_id"] not in exclude:
                return r
    return None


def ucdp_type_of_violence(event: dict[str, Any], side_kinds: list[str], crosswalk: dict[str, Any]) -> int | None:
    """UCDP's type of violence: restated from the sides for UCDP's own events (UCDP's definition), else the crosswalk's."""
    if event.get("ucdp_dyad_id") is not None or event.get("origin") in ("ucdp-ged", "ucdp-candidate"):
        if event["type"] == "one_sided_violence":
            return 3
        return 1 if "state" in side_kinds else 2
    return crosswalk.get("ucdp_type_of_violence")


def derive(tables: dict[str, Any]):
    """events_flat as an Arrow table typed per schemas/events_flat.json, one row per event, in events order."""
    from iraq_frontiers.schema.metadata import table_schema
    from iraq_frontiers.io.writers import to_arrow

    locations = {r["id"]: r for r in _rows(tables["locations"])}
    actors = {r["id"]: r for r in _rows(tables["actors"])}
    crosswalk = {r["event_type"]: r for r in _rows(tables["crosswalk_event_types"])}
    sources = {r["id"]: r for r in _rows(tables["sources"])}
    actors_of: dict[str, list[dict[str, Any]]] = {}
    for r in _rows(tables["event_actors"]):
        actors_of.setdefault(r["event_id"], []).append(r)
    claims_of: dict[str, list[dict[str, Any]]] = {}
    for c in tables["claims"].select(["id", "event_id", "source_id"]).to_pylist():
        if c["event_id"] is not None:
            claims_of.setdefault(c["event_id"], []).append(c)
    events = _rows(tables["events"])
    # UCDP's own record of its events (absent from packages without a UCDP layer, e.g. synthetic ones)
    records = {r["event_id"]: r for r in _rows(tables["ucdp_events"])} if "ucdp_events" in tables else {}

    out = []
    for e in events:
        chain = _ancestry(e["location_id"], locations)
        place = chain[0] if chain else None
        admin1 = next((loc for loc in chain if loc["kind"] == ADMIN1_KIND), None)
        admin2 = next((loc for loc in chain if loc["kind"] == ADMIN2_KIND), None)
        # the place's own point only: an ancestor's point can lie far away (a zone drawn at its governorate's city)
        located = place if place and place["latitude"] is not None and place["longitude"] is not None else None
        border = nearest_border(located["latitude"], located["longitude"]) if located else None
        links = actors_of.get(e["id"], [])
        a1 = _pick(links, ACTOR1_ROLES, set())
        a2 = _pick(links, ACTOR2_ROLES, {a1["actor_id"]} if a1 else set())
        main = {r["actor_id"] for r in (a1, a2) if r}
        associated = list(dict.fromkeys(r["actor_id"] for r in links if r["actor_id"] not in main))
        cited = [sources[c["source_id"]] for c in claims_of.get(e["id"], [])]
        xw = crosswalk.get(e["type"], {})
        record = records.get(e["id"], {})
        side_kinds = [actors[r["actor_id"]]["kind"] for r in (a1, a2) if r]
        acled = acled_mapping(e, [actors[r["actor_id"]] for r in links], cited, xw)  # an air strike is not a battle

        def actor(r, field):
            return actors[r["actor_id"]][field] if r else None

        out.append({
            "event_id": e["id"], "origin": e["origin"],
            "date_start": e["date_start"], "date_end": e["date_end"], "date_precision": e["date_precision"],
            "year": e["date_start"].year if e["date_start"] else None,
            "country": next((loc["country"] for loc in chain if loc["country"]), None),
            "admin1_id": admin1["id"] if admin1 else None, "admin1_name": admin1["name"] if admin1 else None,
            "admin2_id": admin2["id"] if admin2 else None, "admin2_name": admin2["name"] if admin2 else None,
            "location_id": e["location_id"], "location_name": place["name"] if place else None,
            "location_kind": place["kind"] if place else None, "location_precision": e["location_precision"],
            "latitude": located["latitude"] if located else None, "longitude": located["longitude"] if located else None,
            "coordinates_from": located["id"] if located else None,
            "coordinate_precision": located["coordinate_precision"] if located else "none",
            "border": border[0] if border else None, "border_km": round(border[1], 3) if border else None,
            "type": e["type"], "acled_event_type": acled[0], "acled_sub_event_type": acled[1], "acled_mapping_note": acled[2],
            "ucdp_type_of_violence": ucdp_type_of_violence(e, side_kinds, xw),
            "actor1_id": a1["actor_id"] if a1 else None, "actor1_name": actor(a1, "name"), "actor1_kind": actor(a1, "kind"),
            "actor2_id": a2["actor_id"] if a2 else None, "actor2_name": actor(a2, "name"), "actor2_kind": actor(a2, "kind"),
            "associated_actor_ids": associated or None,
            "associated_actors": "; ".join(actors[a]["name"] for a in associated) or None,
            "fatalities_low": e["fatalities_low"], "fatalities_best": e["fatalities_best"],
            "fatalities_high": e["fatalities_high"], "fatalities_civilians": e["fatalities_civilians"],
            "deaths_side_a": record.get("deaths_a"), "deaths_side_b": record.get("deaths_b"), "deaths_unknown": record.get("deaths_unknown"),
            "n_claims": len(cited),
            "n_outlets": len({s["publisher"] for s in cited}),
            "n_origins": len({s["original_publisher"] or s["publisher"] for s in cited}),
            "source_ids": list(dict.fromkeys(s["id"] for s in cited)) or None,
            "outlets": "; ".join(dict.fromkeys(s["publisher"] for s in cited)) or None,
            "status": e["status"],
            "contested": e["contested"],  # derived once, on events (status.derive_contested)
            "is_background": e["is_background"],
            "ucdp_conflict_id": e.get("ucdp_conflict_id"), "ucdp_dyad_id": e.get("ucdp_dyad_id"),
            "ucdp_dyad_name": record.get("dyad_name"), "ucdp_event_clarity": record.get("event_clarity"),
            "ucdp_ged_release": record.get("ged_release"),
            "summary": e["summary"],
        })
    return to_arrow(out, table_schema(TABLE))
