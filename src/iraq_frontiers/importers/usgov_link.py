"""Which event of the package a US Government claim reports: the linker's window (importers.linking).

A claim about a strike on a day near a town reports an event already in the package (any layer but its
own: curated, ucdp-ged, ...) when all of these hold, with the linker's constants and functions:

1. Type: the same type, or the event is a UCDP layer's (origin ucdp-*) and the claim's type has a UCDP
   counterpart in crosswalk_event_types (linking.ucdp_types_with_counterpart).
2. Time: the claim's days and the event's window, each as stored, are at most TIME_SLACK_DAYS apart
   (linking.day_gap).
3. Place: the event's own point (not a representative point, not an ancestor's) lies within MAX_KM of
   the claim's place (linking.haversine_km).
4. Actors, role by role, as the linker compares them (linking._actor_keys): the perpetrator the claim
   names must be one of the event's actors, and likewise its target; an event naming no actor cannot be
   compared and is not linked.
5. Status: the claim must not change the status the event's own layer gave it (validation.status): a
   layer's rows are rewritten only by its own importer, so a claim that would turn a `reported` UCDP
   event into `confirmed` is not attached to it; the importer makes its own event and names the other in
   the event's notes, for a curator to decide.

The best event (fewest days apart, then nearest, then id) wins.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from iraq_frontiers.importers.linking import (MAX_KM, TIME_SLACK_DAYS, _actor_keys, day_gap, haversine_km,
                                             ucdp_types_with_counterpart)
from iraq_frontiers.validation.status import derive_status

OWN_POINT = ("settlement", "exact", "approximate")


@dataclass(frozen=True)
class PackageEvent:
    id: str
    origin: str
    type: str
    start: date
    end: date
    lat: float
    lon: float
    status: str
    actor_keys: frozenset[str]
    effects: tuple[str, ...]  # the effects of the claims the event already has (its layer's)


@dataclass(frozen=True)
class Candidate:
    event: PackageEvent
    gap: int
    km: float


def _rows(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def package_events(package: Path, layer: str, effects: dict[str, str]) -> tuple[list[PackageEvent], set[str]]:
    """The events of the package outside `layer` (importers.layer.NAMESPACE) that can be linked:
    dated, at a place with its own point, not withdrawn, false or denied; and the types with a UCDP counterpart."""
    from iraq_frontiers.importers.layer import NAMESPACE

    mine = NAMESPACE[layer]
    locs = {r["id"]: r for r in _rows(package / "locations.csv")}
    actors = {r["id"]: r for r in _rows(package / "actors.csv")}
    keys: dict[str, set[str]] = {}
    for r in _rows(package / "event_actors.csv"):
        if r["actor_id"] in actors:
            keys.setdefault(r["event_id"], set()).update(_actor_keys(actors[r["actor_id"]]))
    claimed: dict[str, list[str]] = {}
    for r in _rows(package / "claims.csv"):
        if r.get("event_id") and not mine.match(r["id"]):
            claimed.setdefault(r["event_id"], []).append(effects.get(r["stance"], "none"))
    out = []
    for r in _rows(package / "events.csv"):
        if mine.match(r["id"]) or r.get("status") in ("withdrawn", "false", "denied"):
            continue
        loc = locs.get(r.get("location_id") or "")
        if not (r.get("date_start") and r.get("date_end") and loc and loc.get("latitude") and loc["coordinate_precision"] in OWN_POINT):
            continue
        out.append(PackageEvent(r["id"], r.get("origin", ""), r["type"], date.fromisoformat(r["date_start"]), date.fromisoformat(r["date_end"]),
                                float(loc["latitude"]), float(loc["longitude"]), r["status"], frozenset(keys.get(r["id"], ())),
                                tuple(sorted(claimed.get(r["id"], [])))))
    return out, ucdp_types_with_counterpart(_rows(package / "crosswalk_event_types.csv"))


def best_event(events: list[PackageEvent], ucdp_types: set[str], type_: str, day: date, last: date, lat: float, lon: float,
               roles: dict[str, frozenset[str]], effect: str) -> tuple[Candidate | None, Candidate | None]:
    """(the event the claim is linked to, or None; an event that fits the window but whose layer's status the
    claim would change, or None)."""
    fits = []
    for e in events:
        if not (e.type == type_ or (e.origin.startswith("ucdp") and type_ in ucdp_types)):
            continue
        gap = day_gap(day, last, e.start, e.end)
        if gap > TIME_SLACK_DAYS:
            continue
        km = haversine_km(lat, lon, e.lat, e.lon)
        if km > MAX_KM or not e.actor_keys or not all(k & e.actor_keys for k in roles.values()):
            continue
        fits.append(Candidate(e, gap, round(km, 2)))
    fits.sort(key=lambda c: (c.gap, c.km, c.event.id))
    for c in fits:
        if derive_status(c.event.effects + (effect,)) == c.event.status:
            return c, None
    return None, (fits[0] if fits else None)
