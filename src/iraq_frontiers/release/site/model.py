"""The release as the site shows it: plain Python rows joined once (events with their place, actors,
claims, links and status explanation), from the typed Arrow tables of a package.

Nothing here is rendered; templates receive these objects and escape everything they print.
Optional columns from later schema versions (`origin`, the derived `events_flat` table) are used
when present.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from iraq_frontiers.release.site.names import page_path, safe_name
from iraq_frontiers.schema.metadata import stance_effects
from iraq_frontiers.validation.status import DEFAULT, RULES, WITHDRAWN, derive_status

CURATED = "curated"
MONTH_OR_FINER = ("day", "week", "month")  # date precisions a monthly timeline can place


def rows(tables: dict[str, Any], name: str) -> list[dict[str, Any]]:
    table = tables.get(name)
    return table.to_pylist() if table is not None else []


@dataclass
class RuleRow:
    """One row of the status rule, as it applied to one event."""
    result: str
    condition: str
    holds: bool
    applied: bool
    because: list[str] = field(default_factory=list)  # claim ids that satisfy the condition


@dataclass
class Event:
    row: dict[str, Any]
    place: dict[str, Any] | None
    frontier: str
    origin: str | None
    latitude: float | None
    longitude: float | None
    coordinate_source: str | None  # the location whose coordinates place the event
    claims: list[dict[str, Any]] = field(default_factory=list)
    actors: list[dict[str, Any]] = field(default_factory=list)
    links: list[dict[str, Any]] = field(default_factory=list)
    rule: list[RuleRow] = field(default_factory=list)
    derived_status: str = DEFAULT
    has_page: bool = True
    border: str | None = None  # events_flat.border: the neighbour whose shared boundary with Iraq is nearest
    border_km: float | None = None
    sides: tuple[str, ...] = ()  # events_flat.actor1_name and actor2_name: the two sides (UCDP's dyad)

    @property
    def contested(self) -> bool:
        return bool(self.row.get("contested"))

    @property
    def disagreements(self) -> list[dict[str, Any]]:
        """The `contradicts` links among the claims about this event (each with its kind): why it is contested."""
        return [link for link in self.links if link["relation"] == "contradicts"]

    @property
    def id(self) -> str:
        return self.row["id"]

    @property
    def year(self) -> str:
        start = self.row.get("date_start")
        return str(start.year) if start else "unknown"

    @property
    def month(self) -> str | None:
        """The start month, when the date is known to the month or better (else None: not on the timeline)."""
        start = self.row.get("date_start")
        return start.strftime("%Y-%m") if start and self.row.get("date_precision") in MONTH_OR_FINER else None

    @property
    def claim_ids(self) -> set[str]:
        return {c["id"] for c in self.claims}

    @property
    def mappable(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def outlets(self) -> list[str]:
        """The publishers of the sources of this event's claims, each once; a placeholder an importer wrote for a
        publisher its dataset does not give (in parentheses, e.g. "(not given by UCDP)") is left out, and so is the
        imported dataset's own release (a `dataset_record` source of the event's origin: its origin column says it)."""
        out: list[str] = []
        for c in self.claims:
            source = c["_source"]
            if self.origin and self.origin != CURATED and source.get("kind") == "dataset_record" and source.get("origin") == self.origin:
                continue
            name = source.get("publisher") or c["source_id"]
            if name not in out and not (name.startswith("(") and name.endswith(")")):
                out.append(name)
        return out

    @property
    def page(self) -> str:
        return page_path("events", self.id)

    @property
    def href(self) -> str:
        """Where a link to the event goes (site-relative): its page, or its row of the event list when it has none."""
        return self.page if self.has_page else f"events.html#{safe_name(self.id)}"


@dataclass
class SiteData:
    tables: dict[str, Any]
    events: list[Event]
    by_id: dict[str, dict[str, dict[str, Any]]]  # table -> id -> row
    claims: dict[str, dict[str, Any]]
    has_origin: bool
    has_borders: bool = False  # events_flat has the `border` column (the page per border needs it)

    def counts(self, key) -> list[tuple[str, int]]:
        """(value, number of events) sorted by number, then value."""
        c = Counter(key(e) for e in self.events)
        return sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))

    def facets(self) -> dict[str, list[str]]:
        """The filter values of the event list (sorted)."""
        out = {
            "type": sorted({e.row["type"] for e in self.events}),
            "frontier": sorted({e.frontier for e in self.events}),
            "year": sorted({e.year for e in self.events}),
            "status": sorted({e.row["status"] for e in self.events}),
            "contested": ["no", "yes"],
        }
        if self.has_borders:
            out["border"] = sorted({e.border or "" for e in self.events})
        if self.has_origin:
            out["origin"] = sorted({e.origin or "" for e in self.events})
        return out


def _index(table_rows: list[dict[str, Any]], key: str = "id") -> dict[str, dict[str, Any]]:
    return {r[key]: r for r in table_rows}


def _ancestors(location_id: str | None, locations: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The location and its parents, nearest first (cycles cut; the validator reports them)."""
    chain, seen = [], set()
    while location_id and location_id in locations and location_id not in seen:
        seen.add(location_id)
        chain.append(locations[location_id])
        location_id = locations[location_id].get("parent_id")
    return chain


def frontier_of(chain: list[dict[str, Any]], country_names: dict[str, str]) -> str:
    """The border in the place's hierarchy (e.g. "Iraq-Syria border"), else "inside <country>", else "unplaced"."""
    for loc in chain:
        if loc.get("kind") == "border":
            return loc["name"]
    for loc in chain:
        if loc.get("country"):
            return f"inside {country_names.get(loc['country'], loc['country'])}"
    return "unplaced"


def explain_status(claims: list[dict[str, Any]], effects: dict[str, str], withdrawn: bool) -> tuple[list[RuleRow], str]:
    """Walk the status rule (iraq_frontiers.validation.status.RULES) for one event: every row, whether its condition
    holds and which claims make it hold; the first that holds is the one applied."""
    by_effect: dict[str, list[str]] = defaultdict(list)
    for c in claims:
        by_effect[effects.get(c["stance"], "none")].append(c["id"])
    out = [RuleRow(WITHDRAWN, "the event has a withdrawal reason", withdrawn, withdrawn)]
    applied = withdrawn
    for status, conditions in RULES:
        holds = all(any(by_effect.get(e) for e in cond) for cond in conditions)
        because = sorted({cid for cond in conditions for e in cond for cid in by_effect.get(e, [])}) if holds else []
        text = " and ".join("a claim with effect " + " or ".join(sorted(cond)) for cond in conditions)
        out.append(RuleRow(status, text, holds, holds and not applied, because))
        applied = applied or holds
    out.append(RuleRow(DEFAULT, "otherwise", True, not applied))
    result = next(r.result for r in out if r.applied)
    assert result == derive_status({effects.get(c["stance"], "none") for c in claims}, withdrawn)  # one rule, two readers
    return out, result


def build_model(tables: dict[str, Any]) -> SiteData:
    """Join the tables once into the objects the pages show."""
    locations = _index(rows(tables, "locations"))
    actors = _index(rows(tables, "actors"))
    sources = _index(rows(tables, "sources"))
    claims_rows = rows(tables, "claims")
    claims = _index(claims_rows)
    flat = _index(rows(tables, "events_flat"), key="event_id") if "events_flat" in tables else {}
    country_names = {r["country"]: r["name"] for r in locations.values() if r.get("kind") == "country" and r.get("country")}
    effects = stance_effects()
    quantities: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for q in rows(tables, "claim_quantities"):
        quantities[q["claim_id"]].append(q)

    def actor_name(actor_id: str | None) -> str | None:
        return actors[actor_id]["name"] if actor_id in actors else actor_id

    for c in claims_rows:  # what every claim shows, wherever it is shown
        src = sources.get(c["source_id"], {})
        c["_claimant"] = actor_name(c.get("claimant_id")) or c.get("claimant_description") or ("anonymous" if c.get("anonymous") else "the source")
        c["_relayed_via"] = actor_name(c.get("relayed_via_id"))
        c["_source"] = src
        c["_effect"] = effects.get(c["stance"], "none")
        c["_quantities"] = sorted(quantities.get(c["id"], []), key=lambda q: q["seq"])

    by_event: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in claims_rows:
        if c.get("event_id"):
            by_event[c["event_id"]].append(c)
    actors_by_event: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for a in rows(tables, "event_actors"):
        actors_by_event[a["event_id"]].append({**a, "_name": actor_name(a["actor_id"]), "_kind": actors.get(a["actor_id"], {}).get("kind")})
    links_by_claim: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for link in rows(tables, "claim_links"):
        links_by_claim[link["claim_id"]].append(link)
        links_by_claim[link["other_claim_id"]].append(link)

    has_origin = "origin" in tables["events"].column_names
    events = []
    for r in rows(tables, "events"):
        chain = _ancestors(r.get("location_id"), locations)
        place = chain[0] if chain else None
        lat = lon = coord_from = None
        if r["id"] in flat and flat[r["id"]].get("latitude") is not None:
            lat, lon, coord_from = flat[r["id"]]["latitude"], flat[r["id"]]["longitude"], flat[r["id"]]["coordinates_from"]
        elif place and place.get("latitude") is not None and place.get("longitude") is not None:
            lat, lon, coord_from = place["latitude"], place["longitude"], place["id"]
        event_claims = sorted(by_event.get(r["id"], []), key=lambda c: c["id"])
        ids = {c["id"] for c in event_claims}
        links, seen = [], set()
        for cid in sorted(ids):
            for link in links_by_claim.get(cid, []):
                key = (link["claim_id"], link["relation"], link["other_claim_id"])
                if key not in seen:
                    seen.add(key)
                    links.append({**link, "_from": claims.get(link["claim_id"]), "_to": claims.get(link["other_claim_id"])})
        rule, derived = explain_status(event_claims, effects, bool(r.get("withdrawn_reason")))
        origin = r.get("origin") if has_origin else None
        e = Event(r, place, frontier_of(chain, country_names), origin, lat, lon, coord_from, event_claims,
                  sorted(actors_by_event.get(r["id"], []), key=lambda a: (a["role"], a["_name"] or "")), links, rule, derived)
        # Imported events are shown in full in the event list (every claim's source too): a page each for
        # thousands of them would outweigh the rest of the site. A disagreement (linked claims) earns a page.
        e.has_page = not has_origin or origin == CURATED or bool(links) or bool(r.get("contested"))
        f = flat.get(r["id"], {})
        e.border, e.border_km = f.get("border"), f.get("border_km")
        e.sides = tuple(n for n in (f.get("actor1_name"), f.get("actor2_name")) if n)
        events.append(e)
    events.sort(key=lambda e: (e.row.get("date_start") is None, e.row.get("date_start") or 0, e.id))
    has_borders = "events_flat" in tables and "border" in tables["events_flat"].column_names
    return SiteData(tables, events, {"locations": locations, "actors": actors, "sources": sources}, claims, has_origin,
                    has_borders)
