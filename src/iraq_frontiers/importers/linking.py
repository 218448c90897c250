"""Link curated events to UCDP GED events that describe the same event (table event_links_ucdp).

The rule (docs/ucdp.md#linking), applied to every pair of a curated event and a GED event:

1. Type: the curated event's type must have a UCDP counterpart in crosswalk_event_types
   (ucdp_match is not 'none'): UCDP codes only lethal organised violence.
2. Time: the date windows, each as stored (our date_start..date_end at its precision; UCDP's
   date_start..date_end), overlap after widening ours by TIME_SLACK_DAYS on each side (a report
   dated the day after). Events without dates are never linked.
3. Place: the great-circle distance between our event's location (or its nearest ancestor with
   coordinates) and the UCDP point is at most MAX_KM (25 km). A representative point (an admin
   unit's) is not a position: an event placed only at governorate level or wider is not linked.
4. Actors, role by role: if our event names perpetrators, one of them must be one of the GED
   event's actors (side A, side B, or a member of a multi-group side), and likewise for its
   targets (target or victim); if it names neither but names participants, one participant must
   be. An actor is the same when the UCDP id agrees (our external_ids 'ucdp:N'), when it is the
   state ('Government of X' and our state / state_armed_force / government_body actors of country
   X), or when a name or alias agrees after folding case and punctuation. An event that names no
   such actor has actors 'unknown' and can only be a candidate. A shared target alone (say IS)
   is not enough when the perpetrators differ.

A link is 'match' when all of these hold at full precision: both events dated to the same single
day, our location precision exact or near with coordinates of the location itself, UCDP where_prec
1 or 2, and actors shared. Otherwise it is a 'candidate' for a curator. score = mean of a time
score (1 same day, 0.5 overlapping windows, 0.25 within the slack), a place score
(1 - distance / MAX_KM) and an actor score (1 shared, 0.5 unknown).
"""
from __future__ import annotations

import csv
import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Iterable

MAX_KM = 25.0
TIME_SLACK_DAYS = 1
ROLE_GROUP = {"perpetrator": "perpetrator", "target": "target", "victim": "target", "participant": "participant"}
STATE_KINDS = {"state", "state_armed_force", "government_body"}
LINK_FIELDS = ["event_id", "ucdp_ged_id", "ucdp_release", "certainty", "score", "day_gap", "distance_km", "actors", "notes"]


@dataclass(frozen=True)
class OurEvent:
    id: str
    type: str
    date_start: date | None
    date_end: date | None
    date_precision: str
    location_precision: str
    lat: float | None
    lon: float | None
    coords_own: bool  # the coordinates are the location's own, not an ancestor's
    roles: tuple[tuple[str, frozenset[str]], ...]  # (role group, comparable keys of its actors) for groups it names


@dataclass(frozen=True)
class GedEvent:
    id: int
    date_start: date
    date_end: date
    where_prec: int
    lat: float
    lon: float
    actor_keys: frozenset[str]


@dataclass(frozen=True)
class Link:
    event_id: str
    ucdp_ged_id: int
    ucdp_release: str
    certainty: str
    score: float
    day_gap: int
    distance_km: float
    actors: str
    notes: str

    def row(self) -> list[Any]:
        return [self.event_id, self.ucdp_ged_id, self.ucdp_release, self.certainty, f"{self.score:.3f}", self.day_gap, f"{self.distance_km:.2f}", self.actors, self.notes]


def norm_name(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    folded = re.sub(r"[^a-z0-9]+", " ", folded).strip()
    return re.sub(r"^the ", "", folded)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    r = 6371.0088
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(min(1.0, a)))


def day_gap(a_start: date, a_end: date, b_start: date, b_end: date) -> int:
    """Days between two closed date windows (0 when they overlap)."""
    if a_end < b_start:
        return (b_start - a_end).days
    if b_end < a_start:
        return (a_start - b_end).days
    return 0


def ucdp_types_with_counterpart(crosswalk_rows: Iterable[dict[str, str]]) -> set[str]:
    return {r["event_type"] for r in crosswalk_rows if r.get("ucdp_match") and r["ucdp_match"] != "none"}


def link_pair(ours: OurEvent, ged: GedEvent, release: str, linkable_types: set[str]) -> Link | None:
    """Apply the rule to one pair; None when it fails."""
    if ours.type not in linkable_types or ours.date_start is None or ours.date_end is None or ours.lat is None or ours.lon is None:
        return None
    gap = day_gap(ours.date_start, ours.date_end, ged.date_start, ged.date_end)
    if gap > TIME_SLACK_DAYS:
        return None
    km = haversine_km(ours.lat, ours.lon, ged.lat, ged.lon)
    if km > MAX_KM:
        return None
    groups = dict(ours.roles)
    required = [g for g in ("perpetrator", "target") if g in groups] or [g for g in ("participant",) if g in groups]
    shared = bool(required) and all(groups[g] & ged.actor_keys for g in required)
    if required and not shared:
        return None
    actors = "shared" if shared else "unknown"
    same_day = ours.date_start == ours.date_end == ged.date_start == ged.date_end
    precise_place = ours.location_precision in ("exact", "near") and ours.coords_own and ged.where_prec <= 2
    loose = []
    if not same_day:
        loose.append("dates agree only within their windows" + (f" (gap {gap} day)" if gap else ""))
    if not precise_place:
        loose.append("a place is known only coarsely (our location precision "
                     f"{ours.location_precision}{'' if ours.coords_own else ', coordinates of a containing place'}; UCDP where_prec {ged.where_prec})")
    if not shared:
        loose.append("our event names no actor to compare")
    certainty = "match" if not loose else "candidate"
    t_score = 1.0 if same_day else (0.5 if gap == 0 else 0.25)
    score = (t_score + (1 - km / MAX_KM) + (1.0 if shared else 0.5)) / 3
    return Link(ours.id, ged.id, release, certainty, round(score, 3), gap, round(km, 2), actors,
                "; ".join(loose) if loose else "same day, within 25 km, shared actor")


def link_events(ours: Iterable[OurEvent], ged: Iterable[GedEvent], release: str, linkable_types: set[str]) -> list[Link]:
    """Every pair that satisfies the rule, sorted by our event then score (best first)."""
    ged = sorted(ged, key=lambda g: g.date_start)
    starts = [g.date_start for g in ged]
    import bisect

    links = []
    slack = timedelta(days=TIME_SLACK_DAYS)
    max_span = max(((g.date_end - g.date_start) for g in ged), default=timedelta(0))
    for e in ours:
        if e.date_start is None or e.date_end is None:
            continue
        lo = bisect.bisect_left(starts, e.date_start - slack - max_span)
        hi = bisect.bisect_right(starts, e.date_end + slack)
        for g in ged[lo:hi]:
            link = link_pair(e, g, release, linkable_types)
            if link is not None:
                links.append(link)
    links.sort(key=lambda x: (x.event_id, -x.score, x.ucdp_ged_id))
    return links


# ---------------------------------------------------------------------------------------------
# reading the curated package and the GED file


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _actor_keys(actor: dict[str, str]) -> set[str]:
    keys = set()
    for ext in (actor.get("external_ids") or "").split("|"):
        if ext.startswith("ucdp:"):
            keys.add("ucdp:" + ext.split(":", 1)[1].strip())
    if actor.get("kind") in STATE_KINDS and actor.get("country"):
        keys.add("state:" + actor["country"])
    for name in [actor.get("name") or ""] + (actor.get("aliases") or "").split("|"):
        if norm_name(name):  # a name in another script folds to nothing: it cannot be compared with UCDP's Latin names
            keys.add("name:" + norm_name(name))
    return keys


def read_curated(package: str | Path) -> list[OurEvent]:
    """The curated events (origin curated; not withdrawn, false or denied) with their place and actor keys."""
    pkg = Path(package)
    for table in ("events", "locations", "actors", "event_actors"):
        if not (pkg / f"{table}.csv").is_file():
            raise FileNotFoundError(f"{pkg / (table + '.csv')} not found")
    locs = {r["id"]: r for r in _read_csv(pkg / "locations.csv")}
    actors = {r["id"]: r for r in _read_csv(pkg / "actors.csv")}
    roles: dict[str, dict[str, set[str]]] = {}
    for r in _read_csv(pkg / "event_actors.csv"):
        group = ROLE_GROUP.get(r["role"])
        if group and r["actor_id"] in actors:
            roles.setdefault(r["event_id"], {}).setdefault(group, set()).update(_actor_keys(actors[r["actor_id"]]))

    def coords(lid: str) -> tuple[float | None, float | None, bool]:
        seen, own = set(), True
        while lid and lid in locs and lid not in seen:
            seen.add(lid)
            row = locs[lid]
            # a representative point stands for an area (a governorate's is a town in it): not a position to measure from
            if row.get("latitude") and row.get("longitude") and row.get("coordinate_precision") != "representative_point":
                return float(row["latitude"]), float(row["longitude"]), own
            lid, own = row.get("parent_id") or "", False
        return None, None, False

    out = []
    for r in _read_csv(pkg / "events.csv"):
        if r.get("status") in ("withdrawn", "false", "denied") or r.get("origin", "curated") != "curated":
            continue  # imported layers (the UCDP layer itself) are not linked to UCDP
        lat, lon, own = coords(r.get("location_id") or "")
        groups = tuple(sorted((g, frozenset(k)) for g, k in roles.get(r["id"], {}).items()))
        out.append(OurEvent(r["id"], r["type"],
                            date.fromisoformat(r["date_start"]) if r.get("date_start") else None,
                            date.fromisoformat(r["date_end"]) if r.get("date_end") else None,
                            r["date_precision"], r["location_precision"], lat, lon, own, groups))
    return out


def ged_events(ok) -> list[GedEvent]:
    """GedEvents from the importer's checked frame (iraq_frontiers.importers.ucdp_read.normalise)."""
    from iraq_frontiers.importers.ucdp_mapping import COUNTRY_ISO

    out = []
    for r in ok.select("id", "date_start", "date_end", "where_prec", "latitude", "longitude", "side_a_new_id", "side_a",
                       "side_b_new_id", "side_b").iter_rows(named=True):
        if r["latitude"] is None:
            continue
        keys = set()
        for sid, name in ((r["side_a_new_id"], r["side_a"]), (r["side_b_new_id"], r["side_b"])):
            keys.add(f"ucdp:{sid}")
            keys.add("name:" + norm_name(name))
            for member in name.split(", "):
                keys.add("name:" + norm_name(member))
            m = re.fullmatch(r"Government of (.+)", name)
            if m and COUNTRY_ISO.get(m.group(1)):
                keys.add("state:" + COUNTRY_ISO[m.group(1)])
        out.append(GedEvent(r["id"], r["date_start"], r["date_end"], r["where_prec"], r["latitude"], r["longitude"], frozenset(keys)))
    return out


def link_ucdp_file(package: str | Path, ged_file: str | Path, release: str | None = None) -> list[Link]:
    from iraq_frontiers.importers.ucdp_read import normalise, read_ged
    from iraq_frontiers.importers.ucdp import default_release

    ok, _rejected, _warnings = normalise(read_ged(ged_file))
    crosswalk = Path(package) / "crosswalk_event_types.csv"
    if not crosswalk.is_file():
        raise FileNotFoundError(f"{crosswalk} not found")
    types = ucdp_types_with_counterpart(_read_csv(crosswalk))
    return link_events(read_curated(package), ged_events(ok), release or default_release(ged_file), types)


def write_links(links: list[Link], path: Path) -> None:
    with Path(path).open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(LINK_FIELDS)
        for link in links:
            w.writerow(link.row())
