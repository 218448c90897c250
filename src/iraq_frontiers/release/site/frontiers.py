"""What the maps and the page per border show: the border lines and band (iraq_frontiers.borders), the
places worth a label (the package's own locations, never invented), and each border's events, years,
deaths, actors, disagreements and its rows of events_flat.

A border page exists for each neighbour with at least one event whose `events_flat.border` names it;
a package whose events_flat has no `border` column (an older release) gets no border pages.
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from iraq_frontiers.release.site.names import safe_name
from iraq_frontiers.release.site.model import SiteData

LABELLED_KINDS = ("city", "town", "border_crossing", "military_site", "village", "district", "governorate")
FIRST = ("SY", "TR", "IR")  # the three frontiers the release is about come first


def borders_module():
    """The borders module (lines, band, neighbour names), or None when this toolkit has none."""
    try:
        import iraq_frontiers.borders as borders
    except ImportError:
        return None
    return borders


def iraq_box(countries: list[dict[str, Any]]) -> tuple[float, float, float, float]:
    """Iraq's bounding box (west, south, east, north) from the vendored outlines."""
    iraq = next(f for f in countries if f["properties"].get("name") == "Iraq")
    geom = iraq["geometry"]
    polygons = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
    pts = [p for poly in polygons for ring in poly for p in ring]
    return min(p[0] for p in pts), min(p[1] for p in pts), max(p[0] for p in pts), max(p[1] for p in pts)


def lines_box(polylines: list[list[tuple[float, float]]]) -> tuple[float, float, float, float]:
    pts = [p for line in polylines for p in line]
    return min(p[0] for p in pts), min(p[1] for p in pts), max(p[0] for p in pts), max(p[1] for p in pts)


def ranked_places(data: SiteData, events: list | None = None) -> list[dict[str, Any]]:
    """Locations with their own coordinates, of a kind worth a label, ranked by the events placed at them
    (an event counts for the location its coordinates come from, and for that location's parents)."""
    locations = data.by_id["locations"]
    counts: Counter = Counter()
    for e in data.events if events is None else events:
        seen, loc_id = set(), e.coordinate_source or (e.place or {}).get("id")
        while loc_id in locations and loc_id not in seen:
            seen.add(loc_id)
            counts[loc_id] += 1
            loc_id = locations[loc_id].get("parent_id")
    places = [loc for loc in locations.values() if loc.get("kind") in LABELLED_KINDS
              and loc.get("latitude") is not None and loc.get("longitude") is not None
              and (counts[loc["id"]] > 0 or loc["kind"] in ("city", "town", "border_crossing"))]
    rank = {k: i for i, k in enumerate(LABELLED_KINDS)}
    # Places with events first (most first, a town before a governorate), then the cities and towns around them.
    places.sort(key=lambda loc: (counts[loc["id"]] == 0, -counts[loc["id"]] if loc["kind"] not in ("district", "governorate") else 0,
                                 rank[loc["kind"]], loc["name"]))
    return [{"name": loc["name"], "lon": loc["longitude"], "lat": loc["latitude"], "events": counts[loc["id"]]} for loc in places]


@dataclass
class Border:
    code: str
    name: str
    events: list = field(default_factory=list)
    download: bytes | None = None  # the CSV of its rows of events_flat (border_pages.prepare_downloads)
    rows: int = 0  # how many rows of events_flat that CSV holds, or would hold
    no_download: str | None = None  # why there is none: a value CSV cannot carry

    @property
    def slug(self) -> str:
        """The border's file name: its code through names.safe_name, like every name of the site (`CON` is no file name on
        Windows)."""
        return safe_name(self.code.lower())

    @property
    def page(self) -> str:
        return f"borders/{self.slug}.html"

    @property
    def csv(self) -> str:
        """The border's rows of events_flat: one CSV file in a zip (CSV of this kind compresses about 17 to 1)."""
        return f"borders/{self.slug}.csv.zip"

    @property
    def csv_name(self) -> str:
        """The CSV file inside the zip."""
        return f"events_flat-{self.slug}.csv"

    @property
    def contested(self) -> list:
        return [e for e in self.events if e.contested]

    def by_year_and_layer(self) -> list[dict[str, Any]]:
        c = Counter((e.year, e.origin or "") for e in self.events)
        return [{"year": y, "origin": o, "events": n} for (y, o), n in sorted(c.items())]

    def deaths_by_year(self) -> list[dict[str, Any]]:
        """Best estimates summed per year; events whose deaths are not stated are counted apart (never as 0)."""
        deaths: dict[str, int] = defaultdict(int)
        stated: Counter = Counter()
        unstated: Counter = Counter()
        for e in self.events:
            best = e.row.get("fatalities_best")
            if best is None:
                unstated[e.year] += 1
            else:
                deaths[e.year] += best
                stated[e.year] += 1
        years = sorted(set(deaths) | set(unstated))
        return [{"year": y, "deaths": deaths.get(y, 0), "events_stated": stated[y], "events_unstated": unstated[y]} for y in years]

    def actors(self, limit: int = 12) -> list[dict[str, Any]]:
        """The actors in most of this border's events, with their roles."""
        events: dict[str, set] = defaultdict(set)
        roles: dict[str, Counter] = defaultdict(Counter)
        names: dict[str, tuple[str, str]] = {}
        for e in self.events:
            for a in e.actors:
                events[a["actor_id"]].add(e.id)
                roles[a["actor_id"]][a["role"]] += 1
                names[a["actor_id"]] = (a["_name"] or a["actor_id"], a["_kind"] or "")
        top = sorted(events, key=lambda k: (-len(events[k]), names[k][0]))[:limit]
        return [{"id": k, "name": names[k][0], "kind": names[k][1], "events": len(events[k]),
                 "roles": ", ".join(f"{r} {n}" for r, n in sorted(roles[k].items(), key=lambda rn: (-rn[1], rn[0])))} for k in top]

    def km_range(self) -> tuple[float, float] | None:
        kms = [e.border_km for e in self.events if e.border_km is not None and not math.isnan(e.border_km)]
        return (min(kms), max(kms)) if kms else None


def borders_of(data: SiteData) -> list[Border]:
    """The neighbours with events, the three frontiers first (Syria, Turkey, Iran), then by number of events."""
    if not data.has_borders:
        return []
    module = borders_module()
    names = dict(getattr(module, "NEIGHBOURS", {})) if module else {}
    found: dict[str, Border] = {}
    for e in data.events:
        if e.border:
            code = str(e.border).upper()
            found.setdefault(code, Border(code, names.get(code, code))).events.append(e)
    order = sorted(found.values(), key=lambda b: (b.code not in FIRST, FIRST.index(b.code) if b.code in FIRST else 0,
                                                  -len(b.events), b.code))
    return [b for b in order if _safe_code(b.code)]


def _safe_code(code: str) -> bool:
    """Border codes become file names: two or three ASCII letters (ISO 3166-1), nothing else."""
    return code.isascii() and code.isalpha() and 2 <= len(code) <= 3


def border_rows(tables: dict[str, Any], code: str):
    """Exactly this border's rows of events_flat (in their table order)."""
    import pyarrow.compute as pc

    flat = tables["events_flat"]
    return flat.filter(pc.fill_null(pc.equal(pc.utf8_upper(flat.column("border")), code), False))
